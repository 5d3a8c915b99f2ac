"""The system-call fuzzer (user/bin/fuzz.c) on fixed seeds.

Each seed runs several worker processes at once; the kernel must not panic
(the QEMU driver fails the test on a panic line), must not hang (the run has
a timeout), and must give back every page: fuzz checks its own free page
count, and memstat before and after the run must agree too. The machines
have lab mixedmap's devices (`mixmem`), which the fuzzer opens and maps.
"""
import re

import pytest

from grader import expect

pytestmark = pytest.mark.boot
ITERATIONS = 1000
PROCESSES = 3
FUZZ_TIMEOUT = 300                # base seconds, scaled by the host calibration
RUNS = [pytest.param(seed, cpus, id=f"seed{seed}-{cpus}harts")
        for seed, cpus in ((1, 2), (2, 4), (3, 2))]


@pytest.mark.parametrize("seed,cpus", RUNS)
def test_fuzz_leaves_the_kernel_whole(machine, seed, cpus):
    m = machine(memory="512M", cpus=cpus, bootargs="mixmem")
    before = expect.parse_memstat(m.run("memstat"))["free_pages"]
    out = m.run(f"fuzz {seed} {ITERATIONS} {PROCESSES}", timeout=FUZZ_TIMEOUT)
    result = re.search(expect.FUZZ_RESULT, out, re.MULTILINE)
    assert result, f"fuzz printed no result (log {m.log_path}):\n{out[-2000:]}"
    assert result["verdict"] == "ok", f"seed {seed}: {result['detail']} (log {m.log_path})"
    after = expect.parse_memstat(m.run("memstat"))["free_pages"]
    assert after == before, f"seed {seed}: {before - after} pages lost (log {m.log_path})"
    assert m.run("echo still here") == "still here"
