"""Anonymous mmap/munmap (kernel/mm/mmap.c) from user space: user/bin/mmaptest.

One boot per machine runs mmaptest; each of its cases is a test here. Every
case checks that the free page count returns to its start.
"""
import pytest

from grader import expect
from grader import qemu

pytestmark = pytest.mark.boot
CASES = ("lazy_and_zeroed", "partial_munmap", "read_only_mapping", "fixed_mapping",
         "fork_copies", "kernel_copies", "heap_meets_mapping", "vma_limit", "bad_arguments")
HARTS = {"1hart": 1, "4harts": 4}


@pytest.fixture(scope="module", params=list(HARTS))
def mmaptest(request, build, time_factor, boot_slots):
    pool = qemu.MachinePool(f"test_mmap-{request.param}", build.logs, kernel=build.kernel,
                            image=build.image, time_factor=time_factor, slots=boot_slots)
    try:
        m = pool.boot(memory="512M", cpus=HARTS[request.param])
        out = m.run("mmaptest")
        assert expect.MMAPTEST_DONE in out, f"mmaptest did not finish (log {m.log_path})"
        yield expect.mmaptest_results(out), m.log_path
    finally:
        pool.kill_all()


@pytest.mark.parametrize("case", CASES)
def test_mmaptest(mmaptest, case):
    results, log = mmaptest
    assert case in results, f"mmaptest printed no verdict for {case} (log {log})"
    passed, why = results[case]
    assert passed, f"{case}: {why} (log {log})"
