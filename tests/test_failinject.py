"""Fault injection: every page-allocation failure point of fork, exec, sbrk,
mmap and pipe, one at a time (user/bin/failtest.c, the failnth() call).
Each must succeed or fail cleanly and give back every page."""
import re

import pytest

from grader import expect

pytestmark = pytest.mark.boot
FAILTEST_TIMEOUT = 300            # base seconds, scaled by the host calibration
# Operations that allocate pages, so they have failure points to walk.
MUST_HAVE_POINTS = ("fork", "exec", "sbrk", "mmap", "pipe")


@pytest.mark.parametrize("cpus", [2, 4], ids=["2harts", "4harts"])
def test_every_allocation_failure_is_clean(machine, cpus):
    m = machine(memory="512M", cpus=cpus)
    out = m.run("failtest", timeout=FAILTEST_TIMEOUT)
    assert expect.FAILTEST_DONE in out, f"failtest did not finish (log {m.log_path})"
    ops = {o["name"]: o for o in re.finditer(expect.FAILTEST_OP, out, re.MULTILINE)}
    failed = [f"{name}: {o['detail']}" for name, o in ops.items() if o["verdict"] != "ok"]
    assert not failed, "allocation failures not handled cleanly:\n" + "\n".join(failed)
    for name in MUST_HAVE_POINTS:
        assert name in ops, f"failtest did not run {name} (log {m.log_path})"
        points = int(ops[name]["detail"].split()[0])
        assert points > 0, f"{name}: no failure point was reached (log {m.log_path})"
    assert m.run("echo still here") == "still here"
