"""Lab pgtable: the in-kernel tests of kernel/mm/pgtable_test.c.

One boot with ktest=pgtable runs the suite; each KTAP case is a graded test.
Cases that the handout's provided 4 KiB mapper and walk() already pass are
marked as infrastructure (0 points): they guard the student's map_range
against regressions but give nothing for free.
"""
import pytest

from grader import ktap

LAB = "pgtable"
SUITE = "pgtable"
# KTAP case name (kernel/mm/pgtable_test.c) -> (points, checks the student's work).
CASES = {
    "leaf_choice": (10, True),
    "remap_refused": (8, True),
    "unmap_splits_huge_leaf": (10, True),
    "free_count_returns": (8, True),
    "populate_chain": (8, True),
    "populate_with_block": (8, True),
    "walk_every_page": (0, False),
    "kernel_image_permissions": (0, False),
    "direct_map_min_tables": (4, True),
}


@pytest.fixture(scope="module")
def ktap_results(ktap_boot):
    return ktap_boot("lab_pgtable_ktest", memory="512M", cpus=2, bootargs=f"ktest={SUITE}")


@pytest.mark.boot
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.lab(LAB, points=p, student=s))
    for c, (p, s) in CASES.items()])
def test_pgtable_ktest(case, ktap_results):
    suites, logs = ktap_results
    ktap.assert_case(suites, SUITE, case, logs)
