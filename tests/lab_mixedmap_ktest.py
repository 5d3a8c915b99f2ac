"""Lab mixedmap: the in-kernel tests of kernel/mm/memory_test.c.

One boot with ktest=mixedmap runs the suite: vm_normal_page() and the fault
protections on synthetic VMAs and ptes, each rule on its own. Cases the
handout's provided code already passes are infrastructure (0 points).
"""
import pytest

from grader import ktap

LAB = "mixedmap"
SUITE = "mixedmap"
# KTAP case name -> (points, checks the student's work).
CASES = {
    "normal_mapping": (0, False),
    "mixedmap_both_kinds": (4, True),
    "pfnmap_linear_rule": (4, True),
    "pfnmap_shared_is_raw": (2, True),
    "cow_protections": (0, False),
}


@pytest.fixture(scope="module")
def ktap_results(ktap_boot):
    return ktap_boot("lab_mixedmap_ktest", memory="512M", cpus=2, bootargs=f"ktest={SUITE}")


@pytest.mark.boot
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.lab(LAB, points=p, student=s))
    for c, (p, s) in CASES.items()])
def test_mixedmap_ktest(case, ktap_results):
    suites, logs = ktap_results
    ktap.assert_case(suites, SUITE, case, logs)
