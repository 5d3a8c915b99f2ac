"""Lab pgtable: the direct map uses exactly the fewest table pages.

For each machine and each mapsize the kernel reports (KTAP diagnostics of
direct_map_min_tables) the ranges it mapped and the tables it used. This
test computes the minimum itself from the machine's banks, independently of
the kernel's own arithmetic, and compares: 1G leaves need one pud table per
512 GiB; 2M leaves add a pmd table per GiB touched; 4K leaves add a pte table
per 2 MiB touched; unaligned bank edges add the tables they force.
"""
import pytest

from grader import expect
from grader import machines
from grader import verdicts

LAB = "pgtable"
MAPSIZES = ("1g", "2m", "4k")
# name -> (QEMU memory, banks or None for QEMU's own single bank, points)
MACHINES = {
    "512M": ("512M", None, 6),
    "4G": ("4G", None, 6),
    "unaligned": machines.UNALIGNED + (6,),
}

@pytest.mark.boot
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.lab(LAB, points=p)) for n, (_, _, p) in MACHINES.items()])
def test_direct_map_uses_minimum_tables(machine, build, name):
    memory, banks, _ = MACHINES[name]
    dtb = machines.make_dtb(build.logs, f"lab_pgtable_tables-{name}", 2, memory, banks)
    report = []
    for mapsize in MAPSIZES:
        m = machine(memory=memory, cpus=2, dtb=dtb, bootargs=f"ktest=pgtable mapsize={mapsize}")
        problem = verdicts.direct_map_tables(m.output, memory, banks, mapsize)
        m.kill()
        assert problem is None, f"{name}: {problem} (log {m.log_path})"
        report.append(f"mapsize={mapsize}: {expect.parse_direct_map(m.output)[1]}")
    print("\n".join(report))
