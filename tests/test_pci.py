"""The PCIe host bridge driver (kernel/drivers/pci.c) on QEMU virt.

Each boot adds ivshmem-plain devices over sparse files (grader/pmem.py) and
checks what pci_init() printed against QEMU itself: the windows come from
the device tree QEMU dumps for the same command line, and `info pci` on the
monitor shows where the device really decodes its BARs.

Run from the repository root:  /usr/bin/python3 -m pytest tests/test_pci.py
"""
import pytest

from grader import expect
from grader import pmem

pytestmark = pytest.mark.boot

MIB, GIB = 1 << 20, 1 << 30
SIZES = {"64M": 64 * MIB, "1G": GIB, "4G": 4 * GIB}
HOST_BRIDGE = (0x1B36, 0x0008)   # QEMU's gpex host bridge function at 00:00.0
IVSHMEM_CLASS = 0x050000         # memory controller, RAM
QEMU_ECAM, QEMU_BUSES = 0x30000000, (0, 255)
QEMU_UNMAPPED = (1 << 64) - 1   # `info pci` address of a BAR that does not decode


def boot_with(machine, tmp_path, sizes):
    """Boot with one pmem device per size; (console text, QEMU's windows, m)."""
    args = []
    for i, size in enumerate(sizes):
        args += pmem.pmem_device_args(tmp_path / f"pmem{i}.img", size, i)
    m = machine.create(extra_args=args)
    windows = pmem.qemu_pci_windows(m, tmp_path)
    m.boot()
    return m.output, windows, m


def window(windows, kind):
    found = [w for w in windows if w["type"] == kind]
    assert len(found) == 1, f"QEMU's tree has {len(found)} {kind} windows: {windows}"
    return found[0]


def inside(addr, size, w):
    return w["cpu"] <= addr and addr + size <= w["cpu"] + w["size"]


def ivshmem_functions(functions):
    return [f for f in functions.values()
            if (f.vendor, f.device) == (pmem.IVSHMEM_VENDOR, pmem.IVSHMEM_DEVICE)]


def check_pmem(f, size, windows):
    """BAR2: mem64 prefetchable of exactly size, aligned, in the 64-bit window;
    BAR0: 256 bytes of 32-bit memory in the 32-bit window."""
    assert f.class_code == IVSHMEM_CLASS, f"{f.bdf}: class {f.class_code:#x}"
    mem = f.bars.get(pmem.IVSHMEM_MEM_BAR)
    assert mem is not None, f"{f.bdf}: no BAR{pmem.IVSHMEM_MEM_BAR} line"
    assert (mem.type, mem.prefetchable, mem.size) == ("mem64", True, size), mem
    assert mem.addr is not None, f"{f.bdf}: BAR2 unassigned: {mem.why}"
    assert mem.addr % size == 0, f"{f.bdf}: BAR2 at {mem.addr:#x} not aligned to {size:#x}"
    mem64 = window(windows, "mem64")
    assert inside(mem.addr, size, mem64), f"{f.bdf}: BAR2 {mem.addr:#x} outside {mem64}"
    regs = f.bars.get(pmem.IVSHMEM_REGS_BAR)
    assert regs is not None and regs.addr is not None, f"{f.bdf}: BAR0 not assigned: {regs}"
    assert (regs.type, regs.size) == ("mem32", pmem.IVSHMEM_REGS_SIZE), regs
    assert regs.addr < 1 << 32 and regs.addr % regs.size == 0, regs
    assert inside(regs.addr, regs.size, window(windows, "mem32")), regs


def check_qemu_decodes(m, f):
    """QEMU maps each assigned BAR where the kernel said (decoding is on)."""
    bus, slot_func = f.bdf.split(":")
    slot, func = slot_func.split(".")
    info = expect.parse_info_pci(m.monitor("info pci"))
    bars = info.get((int(bus, 16), int(slot, 16), int(func)))
    assert bars is not None, f"`info pci` does not list {f.bdf}"
    for index, bar in f.bars.items():
        assert bars.get(index) == (bar.addr, bar.addr + bar.size - 1), \
            f"{f.bdf} BAR{index}: QEMU says {bars.get(index)}, kernel {bar}"


def check_bridge(text, windows):
    """The kernel's bridge and window lines say what QEMU's tree says."""
    bridge, printed, functions = expect.parse_pci(text)
    assert bridge == {"ecam": QEMU_ECAM, "bus_start": QEMU_BUSES[0],
                      "bus_end": QEMU_BUSES[1]}, bridge
    assert sorted(printed, key=lambda w: w["cpu"]) == sorted(windows, key=lambda w: w["cpu"])
    host = functions.get("00:00.0")
    assert host and (host.vendor, host.device) == HOST_BRIDGE, host
    return functions


@pytest.mark.parametrize("name", list(SIZES))
def test_one_pmem_device(machine, tmp_path, name):
    size = SIZES[name]
    text, windows, m = boot_with(machine, tmp_path, [size])
    functions = check_bridge(text, windows)
    found = ivshmem_functions(functions)
    assert len(found) == 1, f"expected one ivshmem function, got {found} (log {m.log_path})"
    check_pmem(found[0], size, windows)
    check_qemu_decodes(m, found[0])


def test_two_pmem_devices(machine, tmp_path):
    sizes = [GIB, 4 * GIB]
    text, windows, m = boot_with(machine, tmp_path, sizes)
    found = ivshmem_functions(check_bridge(text, windows))
    assert len(found) == 2, f"expected two ivshmem functions, got {found} (log {m.log_path})"
    got = sorted(found, key=lambda f: f.bars[pmem.IVSHMEM_MEM_BAR].size)
    spans = []
    for f, size in zip(got, sizes):
        check_pmem(f, size, windows)
        check_qemu_decodes(m, f)
        spans += [(b.addr, b.addr + b.size) for b in f.bars.values()]
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), f"BARs overlap: {spans}"


def test_no_pci_devices(machine, tmp_path):
    """Without devices only the host bridge function shows, with no BARs."""
    text, windows, m = boot_with(machine, tmp_path, [])
    functions = check_bridge(text, windows)
    assert list(functions) == ["00:00.0"] and not functions["00:00.0"].bars, functions


def test_pmem_larger_than_the_window_is_left_unassigned(machine, tmp_path):
    """32 GiB fits no window (QEMU's 64-bit one is 16 GiB): BAR2 is reported
    unassigned and the function's memory decoding stays off, so QEMU maps
    none of its BARs."""
    size = 32 * GIB
    text, windows, m = boot_with(machine, tmp_path, [size])
    assert size > window(windows, "mem64")["size"], windows
    found = ivshmem_functions(check_bridge(text, windows))
    assert len(found) == 1, found
    f = found[0]
    mem = f.bars[pmem.IVSHMEM_MEM_BAR]
    assert (mem.type, mem.size, mem.addr) == ("mem64", size, None) and mem.why, mem
    assert f.decoding_off == {"memory"}, f
    bus, slot = int(f.bdf[:2], 16), int(f.bdf[3:5], 16)
    bars = expect.parse_info_pci(m.monitor("info pci"))[(bus, slot, 0)]
    assert all(addr == QEMU_UNMAPPED for addr, _ in bars.values()), bars
