"""Kernel self-protection: one boot with ktest=protect runs the KTAP suite
of kernel/mm/protect_test.c. Each case pairs an access that must fault
(probes with exception-table fixups, asm/extable.h) with a control that
must not:

  user_access_needs_sum       SUM is clear in the kernel: a load or store
                              to a mapped user page faults; with SUM set
                              the same load works
  user_memory_never_executes  jumping to a user page faults, SUM or not; a
                              kernel function runs
  image_text_rodata_readonly  stores to kernel text and rodata fault; to
                              data they do not
  kernel_mappings_w_xor_x     the kernel page table: text R-X, rodata R--,
                              data and the direct map never executable
  kernel_half_pointer_refused copyin/copyout refuse kernel-half addresses
"""
import pytest

from grader import ktap

pytestmark = pytest.mark.boot
SUITE = "protect"
CASES = ("user_access_needs_sum", "user_memory_never_executes", "image_text_rodata_readonly",
         "kernel_mappings_w_xor_x", "kernel_half_pointer_refused")


def still_runs_programs(m):
    """The kernel survives its own probes and still runs user programs."""
    assert m.run("echo still here") == "still here"


@pytest.fixture(scope="module")
def results(ktap_boot):
    return ktap_boot("test_protect", check=still_runs_programs, memory="256M", cpus=2,
                     bootargs=f"ktest={SUITE}")


@pytest.mark.parametrize("case", CASES)
def test_protection(case, results):
    suites, logs = results
    ktap.assert_case(suites, SUITE, case, logs)
