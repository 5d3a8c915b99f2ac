"""The physical memory maps of the machines the grader boots, for figures.

The tests define their machines: a MACHINES dict in a test file (name ->
(QEMU memory, banks or None, points), as in tests/lab_pgtable_tables.py),
some built from the shared maps in grader/machines.py, and the holes
machine of tests/test_base_boot.py (HOLES_MEMORY, HOLES_BANKS). This reads
those definitions with the ast module instead of importing the test files,
which would pull in pytest and the QEMU driver, so the handbook's figure
shows exactly the machines that are booted, and which tests boot each.

    for m in grader_machines(ROOT):
        m.name, m.memory, m.banks, m.holes(), m.used_by
"""
import glob
import os
import re
from dataclasses import dataclass, field

from grader import machines as shared_machines
from grader.constants import ConstantError, python_constants

RAM_BASE = 0x80000000            # QEMU virt: DRAM starts here
SIZE_RE = re.compile(r"^(?P<n>\d+)(?P<unit>[KMG])$")
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
TEST_FILES = ("lab_*.py", "test_*.py")
BASE_TESTS = "test_base_boot.py"


@dataclass
class MemoryMap:
    name: str
    memory: int          # bytes QEMU gives the machine (-m)
    banks: list          # [(start, end)] the device tree describes
    used_by: list = field(default_factory=list)    # test files that boot it

    @property
    def ram(self):
        """What QEMU really has: one bank from RAM_BASE."""
        return (RAM_BASE, RAM_BASE + self.memory)

    @property
    def key(self):
        return (self.memory, tuple(self.banks))

    def holes(self):
        """[(start, end)] inside QEMU's RAM that no bank describes."""
        holes, pos = [], self.ram[0]
        for start, end in sorted(self.banks):
            if start > pos:
                holes.append((pos, start))
            pos = max(pos, end)
        if pos < self.ram[1]:
            holes.append((pos, self.ram[1]))
        return holes


def parse_size(text, where):
    """QEMU's -m spelling ("512M", "4G") -> bytes."""
    m = SIZE_RE.match(str(text))
    if not m:
        raise ConstantError(f"{where}: memory size {text!r} is not like 512M or 4G")
    return int(m["n"]) * UNITS[m["unit"]]


def _banks(memory, banks, where):
    """[(start, end)] from the tests' (base, size) pairs; None means QEMU's
    own single bank."""
    if not banks:
        return [(RAM_BASE, RAM_BASE + memory)]
    try:
        return sorted((int(base), int(base) + int(size)) for base, size in banks)
    except (TypeError, ValueError):
        raise ConstantError(f"{where}: banks must be (base, size) pairs: {banks!r}") from None


def _file_constants(path):
    try:
        return python_constants(path, {"machines": shared_machines})
    except (OSError, SyntaxError) as e:
        raise ConstantError(f"{path}: {e}") from None


def machines_in(path, rel):
    """The MACHINES dict of one test file, if it has one, as MemoryMaps."""
    consts = _file_constants(path)
    found = []
    table = consts.get("MACHINES")
    if isinstance(table, dict):
        for name, entry in table.items():
            where = f"{rel} MACHINES[{name!r}]"
            if not isinstance(entry, tuple) or len(entry) < 2:
                raise ConstantError(f"{where}: expected (memory, banks, ...), got {entry!r}")
            memory = parse_size(entry[0], where)
            found.append(MemoryMap(str(name), memory, _banks(memory, entry[1], where), [rel]))
    if "HOLES_BANKS" in consts and "HOLES_MEMORY" in consts:
        memory = parse_size(consts["HOLES_MEMORY"], f"{rel} HOLES_MEMORY")
        found.append(MemoryMap("holes", memory,
                               _banks(memory, consts["HOLES_BANKS"], f"{rel} HOLES_BANKS"),
                               [rel]))
    return found


def test_files(root):
    folder = os.path.join(root, "tests")
    paths = {p for pattern in TEST_FILES for p in glob.glob(os.path.join(folder, pattern))}
    return sorted(paths)


def grader_machines(root):
    """Every distinct memory map the tests boot, smallest first; a map
    defined by several tests is drawn once and names all of them."""
    by_key = {}
    for path in test_files(root):
        rel = os.path.relpath(path, root)
        for m in machines_in(path, rel):
            if m.key in by_key:
                known = by_key[m.key]
                known.used_by += [u for u in m.used_by if u not in known.used_by]
            else:
                by_key[m.key] = m
    if not by_key:
        raise ConstantError("tests/: no MACHINES or HOLES_BANKS definitions found")
    return sorted(by_key.values(), key=lambda m: (m.memory, len(m.banks), m.name))
