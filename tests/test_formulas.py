"""The grader's own formulas (grader/formulas.py), on hand-worked cases."""
import pytest

from grader import formulas
from grader import machines

RAM_BASE, MIB, GIB = machines.RAM_BASE, machines.MIB, machines.GIB


@pytest.mark.parametrize("ranges,mapsize,want", [
    ([(RAM_BASE, RAM_BASE + 4 * GIB)], "1g", {"pte": 0, "pmd": 0, "pud": 1}),
    ([(RAM_BASE, RAM_BASE + 4 * GIB)], "2m", {"pte": 0, "pmd": 4, "pud": 1}),
    ([(RAM_BASE, RAM_BASE + 4 * GIB)], "4k", {"pte": 2048, "pmd": 4, "pud": 1}),
    ([(RAM_BASE, RAM_BASE + 512 * MIB)], "1g", {"pte": 0, "pmd": 1, "pud": 1}),
    # 1 MiB off a 2 MiB boundary at both ends: one pte table per ragged edge.
    ([(GIB + MIB, 2 * GIB - MIB)], "1g", {"pte": 2, "pmd": 1, "pud": 1}),
    # Two banks in one GiB share its pmd table.
    ([(RAM_BASE, RAM_BASE + 256 * MIB), (0xa0000000, 0xc0000000)], "2m",
     {"pte": 0, "pmd": 1, "pud": 1}),
    # RAM on both sides of a 512 GiB boundary needs two pud tables.
    ([(512 * GIB - GIB, 512 * GIB + GIB)], "1g", {"pte": 0, "pmd": 0, "pud": 2}),
])
def test_minimum_tables(ranges, mapsize, want):
    assert formulas.minimum_tables(ranges, mapsize) == want


def test_unknown_mapsize_is_refused():
    with pytest.raises(ValueError, match="mapsize"):
        formulas.minimum_tables([(0, GIB)], "8k")


def test_machine_sizes():
    assert machines.ram_ranges("512M") == [(RAM_BASE, RAM_BASE + 512 * MIB)]
    assert machines.ram_ranges(*machines.HOLES) == [(RAM_BASE, RAM_BASE + 256 * MIB),
                                                    (0xa0000000, 0xc0000000)]
    with pytest.raises(ValueError, match="memory size"):
        machines.size_bytes("12X")
