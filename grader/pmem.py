"""PCI memory devices for tests, and the PCIe windows QEMU gives them.

    args = pmem_device_args(tmp_path / "pmem0.img", 1 << 30, 0)
    m = machine.create(extra_args=args)
    windows = qemu_pci_windows(m, tmp_path)   # from QEMU's own device tree
    m.boot()

A pmem device is QEMU's ivshmem-plain over a sparse host file: vendor
0x1af4, device 0x1110, BAR0 a 256-byte register block, BAR2 the file as
64-bit prefetchable memory. Lab pmem reuses these helpers.
"""
import os
import re
import struct
import subprocess

IVSHMEM_VENDOR = 0x1AF4
IVSHMEM_DEVICE = 0x1110
IVSHMEM_REGS_BAR = 0
IVSHMEM_REGS_SIZE = 256
IVSHMEM_MEM_BAR = 2
DUMP_TIMEOUT = 60
# struct pmem_info (kernel/include/pmem.h): magic[16], then six u64 fields.
INFO_FORMAT = "<16s6Q"
INFO_SIZE = struct.calcsize(INFO_FORMAT)
INFO_FIELDS = ("magic", "dev_size", "reserve_pages", "memmap_pages", "data_pfn_offset",
               "nr_boots", "checksum")
INFO_MAGIC = b"PAGODA-PMEM-V1"

# IEEE 1275 PCI binding: phys.hi is npt000ss bbbbbbbb dddddfff rrrrrrrr.
PCI_SPACE_SHIFT = 24
PCI_SPACE_MASK = 0x3
PCI_PREFETCHABLE = 1 << 30
PCI_SPACES = {1: "io", 2: "mem32", 3: "mem64"}   # 0 is config space
PCI_ADDR_CELLS = 3
CELL_BITS = 32
PCI_NODE = r"^(?P<indent>\t+)pci@[0-9a-f]+ \{\n(?P<body>.*?)\n(?P=indent)\};"


def pmem_device_args(path, size_bytes, index, keep=False):
    """Create a blank sparse file of size_bytes at path (a power of two, as
    a BAR must be) and return the QEMU arguments of an ivshmem-plain device
    over it; index tells several devices of one machine apart. keep=True
    boots on the file as it is (its contents persist from an earlier boot)."""
    if size_bytes <= 0 or size_bytes & (size_bytes - 1):
        raise ValueError(f"pmem size {size_bytes}: not a power of two")
    if keep:
        if os.path.getsize(path) != size_bytes:
            raise ValueError(f"{path}: {os.path.getsize(path)} bytes, not {size_bytes}")
    else:
        with open(path, "wb") as f:
            f.truncate(size_bytes)   # sparse: a 4 GiB device costs no disk
    mem = f"pmem{index}"
    return ["-object", f"memory-backend-file,id={mem},mem-path={os.fspath(path)},"
                       f"size={size_bytes},share=on",
            "-device", f"ivshmem-plain,memdev={mem}"]


def dump_dtb(machine, out_dir):
    """The device tree QEMU builds for this (not yet started) machine, as
    dts text: the same command line with dumpdtb added to -machine."""
    cmd = machine.command()
    out = os.path.join(os.fspath(out_dir), f"{machine.name}-dump.dtb")
    i = cmd.index("-machine") + 1
    cmd[i] = f"{cmd[i]},dumpdtb={out}"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=DUMP_TIMEOUT)
    assert done.returncode == 0 and os.path.exists(out), f"dumpdtb failed:\n{done.stderr}"
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", out], capture_output=True,
                         text=True, timeout=DUMP_TIMEOUT)
    assert dts.returncode == 0, f"dtc failed:\n{dts.stderr}"
    return dts.stdout


def _cells(text, name, indent):
    """The cells of the last property name written at this indent in dts text."""
    found = re.findall(rf"^{indent}{re.escape(name)} = <([^>]*)>;", text, re.MULTILINE)
    return [int(c, 16) for c in found[-1].split()] if found else None


def _join(cells):
    value = 0
    for c in cells:
        value = value << CELL_BITS | c
    return value


def pci_windows_from_dts(dts):
    """The pcie node's ranges as [{type, prefetchable, pci, cpu, size}]."""
    node = re.search(PCI_NODE, dts, re.S | re.MULTILINE)
    assert node, "no pci@... node in QEMU's device tree"
    body, indent = node["body"], node["indent"]
    # The parent's properties sit at the child's indent, just before it.
    parent_ac = _cells(dts[:node.start()], "#address-cells", indent)[0]
    size_cells = _cells(body, "#size-cells", indent + "\t")[0]
    ranges = _cells(body, "ranges", indent + "\t")
    entry = PCI_ADDR_CELLS + parent_ac + size_cells
    assert ranges and len(ranges) % entry == 0, f"pci ranges of odd length: {ranges}"
    windows = []
    for at in range(0, len(ranges), entry):
        hi = ranges[at]
        cpu_at = at + PCI_ADDR_CELLS
        windows.append({
            "type": PCI_SPACES[(hi >> PCI_SPACE_SHIFT) & PCI_SPACE_MASK],
            "prefetchable": bool(hi & PCI_PREFETCHABLE),
            "pci": _join(ranges[at + 1:cpu_at]),
            "cpu": _join(ranges[cpu_at:cpu_at + parent_ac]),
            "size": _join(ranges[cpu_at + parent_ac:at + entry]),
        })
    return windows


def qemu_pci_windows(machine, out_dir):
    """The PCIe windows of this machine, read from QEMU's device tree."""
    return pci_windows_from_dts(dump_dtb(machine, out_dir))


def boot_pmem(pool, path, size_bytes, bootargs="", *, cpus=2, memory="512M", keep=False):
    """Boot a machine of pool with one pmem device of size_bytes over the
    file at path (blank unless keep) and return it at the shell prompt."""
    return pool.boot(memory=memory, cpus=cpus, bootargs=bootargs,
                     extra_args=pmem_device_args(path, size_bytes, 0, keep=keep))


def info_block(path):
    """The info block the kernel keeps at offset 0 of the device file
    (kernel/include/pmem.h, little endian) as a dict; magic as bytes."""
    with open(path, "rb") as f:
        raw = f.read(INFO_SIZE)
    fields = struct.unpack(INFO_FORMAT, raw)
    return dict(zip(INFO_FIELDS, fields))
