"""Bad arguments to every system call get -1 and the documented errno
(user/bin/badargs.c holds the table), on 1 and 4 harts, with no page lost."""
import re

import pytest

from grader import expect

pytestmark = pytest.mark.boot
MIN_CASES = 40      # the table's size when this test was written


@pytest.mark.parametrize("cpus", [1, 4], ids=["1hart", "4harts"])
def test_bad_arguments_are_refused(machine, cpus):
    m = machine(memory="512M", cpus=cpus)
    out = m.run("badargs")
    assert expect.BADARGS_DONE in out, f"badargs did not finish (log {m.log_path})"
    cases = list(re.finditer(expect.BADARGS_CASE, out, re.MULTILINE))
    failed = [f"{c['call']}: {c['name']}: {c['why']}" for c in cases if c["verdict"] != "ok"]
    assert not failed, "bad arguments not refused as documented:\n" + "\n".join(failed)
    assert len(cases) >= MIN_CASES, f"only {len(cases)} cases ran (log {m.log_path})"
