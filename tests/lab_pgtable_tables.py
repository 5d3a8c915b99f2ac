"""Lab pgtable: the direct map uses exactly the fewest table pages.

For each machine and each mapsize the kernel reports (KTAP diagnostics of
direct_map_min_tables) the ranges it mapped and the tables it used. This
test computes the minimum itself from the machine's banks, independently of
the kernel's own arithmetic, and compares: 1G leaves need one pud table per
512 GiB; 2M leaves add a pmd table per GiB touched; 4K leaves add a pte table
per 2 MiB touched; unaligned bank edges add the tables they force.
"""
import os
import subprocess

import pytest

from grader import expect

LAB = "pgtable"
MIB = 1 << 20
GIB = 1 << 30
RAM_BASE = 0x80000000
PAGE_SIZE = 4096
# Bytes one table of each level covers (Sv48, 512 entries a table).
TABLE_SPAN = {"pte": 2 * MIB, "pmd": GIB, "pud": 512 * GIB}
LEAF_SIZE = {"4k": 4096, "2m": 2 * MIB, "1g": GIB}
# The leaf one level above each table level: a span this big is one leaf.
SPAN_LEAF = {"pte": "2m", "pmd": "1g", "pud": None}
MAPSIZES = ("1g", "2m", "4k")
MKDTB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "scripts", "mkdtb")

# name -> (QEMU memory, banks or None for QEMU's own single bank, points)
MACHINES = {
    "512M": ("512M", None, 6),
    "4G": ("4G", None, 6),
    # Neither bank is 1 GiB aligned at both ends; the second starts and ends
    # off any 2 MiB boundary, forcing pte tables even with 1G leaves allowed.
    "unaligned": ("3G", ((RAM_BASE, 1027 * MIB), (0x100100000, 1022 * MIB)), 6),
}


def minimum_tables(ranges, mapsize):
    """{level: fewest tables} to map ranges ([start, end) pairs) with leaves
    no larger than mapsize."""
    leaf_rank = list(LEAF_SIZE)
    want = {}
    for level, span in TABLE_SPAN.items():
        above = SPAN_LEAF[level]
        leaf_allowed = above is not None and leaf_rank.index(above) <= leaf_rank.index(mapsize)
        needed = set()
        for start, end in ranges:
            for base in range(start // span * span, end, span):
                covered = start <= base and base + span <= end
                if not (leaf_allowed and covered):
                    needed.add(base)
        want[level] = len(needed)
    return want


def banks_of(memory, banks):
    if banks:
        return sorted((base, base + size) for base, size in banks)
    return [(RAM_BASE, RAM_BASE + int(memory[:-1]) * (GIB if memory[-1] == "G" else MIB))]


def test_minimum_arithmetic():
    """The grader's own formula, on hand-worked cases."""
    assert minimum_tables([(RAM_BASE, RAM_BASE + 4 * GIB)], "1g") == {"pte": 0, "pmd": 0, "pud": 1}
    assert minimum_tables([(RAM_BASE, RAM_BASE + 4 * GIB)], "2m") == {"pte": 0, "pmd": 4, "pud": 1}
    assert minimum_tables([(RAM_BASE, RAM_BASE + 4 * GIB)], "4k") == \
        {"pte": 2048, "pmd": 4, "pud": 1}
    assert minimum_tables([(RAM_BASE, RAM_BASE + 512 * MIB)], "1g") == \
        {"pte": 0, "pmd": 1, "pud": 1}
    # 1 MiB off a 2 MiB boundary: one pte table at each ragged edge.
    assert minimum_tables([(GIB + MIB, 2 * GIB - MIB)], "1g") == {"pte": 2, "pmd": 1, "pud": 1}


def _dtb(build, name, memory, banks):
    out = os.path.join(build.logs, f"lab_pgtable_tables-{name}.dtb")
    spec = ",".join(f"{base:#x}:{size // MIB}M" for base, size in banks)
    done = subprocess.run([MKDTB, "--cpus", "2", "--mem", memory, "--banks", spec, "-o", out],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"scripts/mkdtb failed:\n{done.stdout}{done.stderr}"
    return out


@pytest.mark.boot
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.lab(LAB, points=p)) for n, (_, _, p) in MACHINES.items()])
def test_direct_map_uses_minimum_tables(machine, build, name):
    memory, banks, _ = MACHINES[name]
    dtb = _dtb(build, name, memory, banks) if banks else None
    expected_ranges = banks_of(memory, banks)
    report = []
    for mapsize in MAPSIZES:
        m = machine(memory=memory, cpus=2, dtb=dtb, bootargs=f"ktest=pgtable mapsize={mapsize}")
        ranges, got = expect.parse_direct_map(m.output)
        m.kill()
        assert got["mapsize"] == mapsize
        assert ranges == expected_ranges, (
            f"the direct map covers {[(hex(a), hex(b)) for a, b in ranges]}, the machine's "
            f"RAM is {[(hex(a), hex(b)) for a, b in expected_ranges]} (log {m.log_path})")
        want = minimum_tables(expected_ranges, mapsize)
        used = {level: got[level] for level in TABLE_SPAN}
        report.append(f"mapsize={mapsize}: used {used}, minimum {want}")
        assert used == want, (f"{name}, mapsize={mapsize}: the direct map uses {used} "
                              f"table pages, the minimum is {want} (log {m.log_path})")
    print("\n".join(report))
