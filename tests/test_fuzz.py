"""The system-call fuzzer (user/bin/fuzz.c) on fixed seeds.

Each seed runs several worker processes at once; the kernel must not panic
(the QEMU driver fails the test on a panic line), must not hang (the run has
a timeout), and must give back every page: fuzz checks its own free page
count, and memstat before and after the run must agree too. The machines
have lab mixedmap's devices (`mixmem`), which the fuzzer opens and maps.

Every stage (make STAGE=<lab>: the labs up to it solved, the later ones in
their handout state, with their fallbacks) gets a short run of one seed
too: a student's tree at any lab must survive the fuzzer.
"""
import re

import pytest

from grader import expect
from grader import labtool
from grader import qemu

pytestmark = pytest.mark.boot
ITERATIONS = 1000
PROCESSES = 3
FUZZ_TIMEOUT = 300                # base seconds, scaled by the host calibration
RUNS = [pytest.param(seed, cpus, id=f"seed{seed}-{cpus}harts")
        for seed, cpus in ((1, 2), (2, 4), (3, 2))]
STAGE_SEED = 4
STAGE_ITERATIONS = 300
STAGE_PROCESSES = 2
STAGES = [lab.name for lab in labtool.load_labs()]


def fuzz_and_check(m, seed, iterations, processes):
    before = expect.parse_memstat(m.run("memstat"))["free_pages"]
    out = m.run(f"fuzz {seed} {iterations} {processes}", timeout=FUZZ_TIMEOUT)
    result = re.search(expect.FUZZ_RESULT, out, re.MULTILINE)
    assert result, f"fuzz printed no result (log {m.log_path}):\n{out[-2000:]}"
    assert result["verdict"] == "ok", f"seed {seed}: {result['detail']} (log {m.log_path})"
    after = expect.parse_memstat(m.run("memstat"))["free_pages"]
    assert after == before, f"seed {seed}: {before - after} pages lost (log {m.log_path})"
    assert m.run("echo still here") == "still here"


@pytest.mark.parametrize("seed,cpus", RUNS)
def test_fuzz_leaves_the_kernel_whole(machine, seed, cpus):
    m = machine(memory="512M", cpus=cpus, bootargs="mixmem")
    fuzz_and_check(m, seed, ITERATIONS, PROCESSES)


@pytest.mark.parametrize("stage", STAGES)
def test_fuzz_every_stage(request, stage_build, time_factor, boot_slots, stage):
    if request.config.getoption("stage"):
        pytest.skip("a run of one stage: test_fuzz_leaves_the_kernel_whole covers it")
    b = stage_build(stage)
    pool = qemu.MachinePool(f"{request.node.name}", b.logs, kernel=b.kernel, image=b.image,
                            time_factor=time_factor, slots=boot_slots)
    try:
        m = pool.boot(memory="256M", cpus=2, bootargs="mixmem")
        fuzz_and_check(m, STAGE_SEED, STAGE_ITERATIONS, STAGE_PROCESSES)
    finally:
        pool.kill_all()
