"""The machines tests boot: memory sizes and device trees with custom banks.

A machine is QEMU's `-m` size plus, optionally, the RAM banks a device tree
(made by scripts/mkdtb) describes inside it. Tests and figures both read
their machines from here.
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MKDTB = os.path.join(ROOT, "scripts", "mkdtb")
MKDTB_TIMEOUT = 120
RAM_BASE = 0x80000000            # QEMU virt: where DRAM starts
MIB = 1 << 20
GIB = 1 << 30
SIZE_UNITS = {"M": MIB, "G": GIB}

# Two banks with a 256 MiB hole: QEMU gets 1 GiB, the tree describes 768 MiB.
HOLES = ("1G", ((RAM_BASE, 256 * MIB), (0xa0000000, 512 * MIB)))
# Neither bank is 1 GiB aligned at both ends; the second starts and ends off
# any 2 MiB boundary, forcing pte tables even where 1 GiB leaves are allowed.
UNALIGNED = ("3G", ((RAM_BASE, 1027 * MIB), (0x100100000, 1022 * MIB)))
# The second bank starts at an odd multiple of 2 MiB (0x483 * 2 MiB).
ODD_2M = ("1G", ((RAM_BASE, 256 * MIB), (0x90600000, 250 * MIB)))
# 16 GiB of address span, 1 GiB of RAM: a bank at each end (lab vmemmap).
SPARSE_SPAN = ("16G", ((RAM_BASE, 512 * MIB), (RAM_BASE + 16 * GIB - 512 * MIB, 512 * MIB)))


def size_bytes(memory):
    """'512M' or '4G' -> bytes."""
    if len(memory) < 2 or memory[-1] not in SIZE_UNITS or not memory[:-1].isdigit():
        raise ValueError(f"memory size {memory!r}: expected e.g. 512M or 4G")
    return int(memory[:-1]) * SIZE_UNITS[memory[-1]]


def ram_ranges(memory, banks=None):
    """The machine's RAM as sorted [start, end) pairs."""
    if banks:
        return sorted((base, base + size) for base, size in banks)
    return [(RAM_BASE, RAM_BASE + size_bytes(memory))]


def make_dtb(out_dir, name, cpus, memory, banks):
    """A device tree for this memory map (scripts/mkdtb), kept in out_dir;
    None for a machine without custom banks (QEMU's own tree is right).
    Raises AssertionError with mkdtb's message when it fails."""
    if not banks:
        return None
    out = os.path.join(out_dir, f"{name}.dtb")
    spec = ",".join(f"{base:#x}:{size // MIB}M" for base, size in banks)
    done = subprocess.run([MKDTB, "--cpus", str(cpus), "--mem", memory, "--banks", spec,
                           "-o", out], capture_output=True, text=True, timeout=MKDTB_TIMEOUT)
    assert done.returncode == 0, f"scripts/mkdtb failed:\n{done.stdout}{done.stderr}"
    return out
