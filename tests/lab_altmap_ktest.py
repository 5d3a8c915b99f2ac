"""Lab altmap: the in-kernel tests of kernel/mm/altmap_test.c.

The suite runs at boot on a machine with a 1 GiB pmem device whose memmap
is on the device (pmem.map=dev): the vmem_altmap allocator on a synthetic
altmap, the device layout formula, 20 rounds of offline/online of the real
device (no page lost, alloc back to 0 each time) and a device page's
reference count. Cases the handout's provided code passes are
infrastructure (0 points); lab_altmap_memmap.py and lab_altmap_dedup.py
check the figures the online/offline case prints.
"""
import pytest

from grader import ktap
from grader import pmem

LAB = "altmap"
SUITE = "altmap"
GIB = 1 << 30
# KTAP case name -> (points, checks the student's work).
CASES = {
    "altmap_alloc_aligns": (10, True),
    "altmap_free_returns_all": (5, True),
    "pmem_layout_formula": (0, False),
    "pmem_online_offline": (0, False),
    "device_page_refcount": (0, False),
}


@pytest.fixture(scope="module")
def ktap_results(ktap_boot, tmp_path_factory):
    device = pmem.pmem_device_args(tmp_path_factory.mktemp("altmap") / "pmem0.img", GIB, 0)
    return ktap_boot("lab_altmap_ktest", memory="512M", cpus=2,
                     bootargs=f"ktest={SUITE} pmem.map=dev", extra_args=device)


@pytest.mark.boot
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.lab(LAB, points=p, student=s))
    for c, (p, s) in CASES.items()])
def test_altmap_ktest(case, ktap_results):
    suites, logs = ktap_results
    ktap.assert_case(suites, SUITE, case, logs)
