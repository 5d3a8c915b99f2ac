"""Host tests of the device-tree parser (kernel/lib/fdt.c) and scripts/mkdtb.

The parser runs in tests/host/test_fdt, built with AddressSanitizer and
UBSan by `make host-tests`. It is fed QEMU's own device trees for several
machine configurations, hand-written trees that exercise what QEMU never
produces (cell sizes, several banks, reserved memory, disabled harts), and
broken blobs that must be refused with a message, never a crash.

Run from the repository root:  /usr/bin/python3 -m pytest tests/test_host_fdt.py
"""
import fcntl
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / os.environ.get("B", "build")
PARSER = BUILD / "host" / "test_fdt"
MKDTB = ROOT / "scripts" / "mkdtb"
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")

RAM_BASE = 0x80000000
MIB, GIB = 1 << 20, 1 << 30
FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_PROP = 1, 3
HDR_OFF_STRUCT, HDR_VERSION = 8, 20
KERNEL_LOAD = 0x80200000           # where QEMU puts -kernel for OpenSBI
LOOP_KERNEL = bytes.fromhex("6f000000")   # "j ." : park the boot hart
PMEM_BYTES = "64M"
TIMEOUT = 60
CAPTURE_BYTES = 0x10000            # more than any virt tree (about 8 KiB)

needs_qemu = pytest.mark.skipif(shutil.which(QEMU) is None, reason=f"{QEMU} not installed")
needs_dtc = pytest.mark.skipif(shutil.which("dtc") is None, reason="dtc not installed")


# ---- running things --------------------------------------------------------

@pytest.fixture(scope="session")
def parser():
    """Build the harness once with make (the same rule `make host-tests` uses)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    # Parallel workers (pytest -n) must not link the binary under each other.
    with open(BUILD / ".host-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        res = subprocess.run(["make", "-s", "host-tests"], cwd=ROOT, capture_output=True,
                             text=True, timeout=300)
    if res.returncode != 0 or not PARSER.exists():
        pytest.fail(f"make host-tests failed:\n{res.stdout}{res.stderr}")
    return PARSER


def run_parser(parser, path, *opts):
    """(exit status, {key: value}, raw stdout) of the harness on one blob."""
    res = subprocess.run([str(parser), *opts, str(path)], capture_output=True, text=True,
                         timeout=TIMEOUT)
    assert "Sanitizer" not in res.stderr and "runtime error" not in res.stderr, res.stderr
    fields = {}
    for line in res.stdout.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return res.returncode, fields, res.stdout + res.stderr


def parse_ok(parser, path):
    rc, fields, out = run_parser(parser, path)
    assert rc == 0, out
    return fields


def parse_error(parser, path):
    """The parser's error message for a blob it must refuse."""
    rc, fields, out = run_parser(parser, path)
    assert rc == 1 and "error" in fields, out
    return fields["error"]


def pmem_args(tmp):
    """A PCI device (ivshmem-plain over a file) as the altmap lab uses it."""
    backing = tmp / "pmem.img"
    return ["-device", "ivshmem-plain,memdev=pm0", "-object",
            f"memory-backend-file,id=pm0,mem-path={backing},size={PMEM_BYTES},share=on"]


def loop_kernel(tmp):
    """A kernel image that just spins: QEMU wants -kernel for -append."""
    path = tmp / "loop.bin"
    path.write_bytes(LOOP_KERNEL)
    return path


def dump_qemu_dtb(tmp, name, args):
    out = tmp / f"{name}.dtb"
    cmd = [QEMU, "-M", f"virt,dumpdtb={out}", "-nographic", "-bios", "default", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0 and out.exists(), res.stderr
    return out


def dts_to_dtb(tmp, name, source):
    src, out = tmp / f"{name}.dts", tmp / f"{name}.dtb"
    src.write_text(source)
    res = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(out), str(src)],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0, res.stderr
    return out


def dtb_to_dts(path):
    res = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(path)],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0, res.stderr
    return res.stdout


class Monitor:
    """QEMU's human monitor on a pipe: send a command, read up to the prompt."""

    PROMPT = b"(qemu) "

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        # Swallow the banner, or every answer would be one command late.
        self.read_reply()

    def read_reply(self, timeout=10):
        """Output up to the next prompt; the monitor runs one command at a time."""
        buf, end = b"", time.time() + timeout
        while not (buf.endswith(self.PROMPT) and b"\n" in buf):
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if time.time() > end:
                pytest.fail(f"no monitor prompt from QEMU; got {buf[-500:]!r}")
            if not ready:
                continue
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                pytest.fail(f"QEMU exited: {buf[-500:]!r}")
            buf += data
        return buf.decode(errors="replace")

    def command(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self.read_reply()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def runtime_dtb(tmp, name, args):
    """The tree the kernel really receives: after OpenSBI's fix-ups, read at a1."""
    out = tmp / f"{name}.runtime.dtb"
    mon = Monitor([QEMU, "-M", "virt", "-bios", "default", "-kernel", str(loop_kernel(tmp)),
                   "-display", "none", "-serial", "null", "-monitor", "stdio", *args])
    try:
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            for cpu in re.split(r"CPU#\d+", mon.command("info registers -a")):
                if re.search(rf"\bpc\s+0*{KERNEL_LOAD:x}\b", cpu):
                    a1 = int(re.search(r"x11/a1\s+([0-9a-f]+)", cpu).group(1), 16)
                    mon.command(f'pmemsave {a1:#x} {CAPTURE_BYTES:#x} "{out}"')
                    assert out.exists(), "pmemsave wrote nothing"
                    return out
            time.sleep(0.2)
        pytest.fail("the boot hart never reached the kernel entry")
    finally:
        mon.close()


# ---- QEMU's own device trees -------------------------------------------------

def virtio_fields():
    fields = {"virtio": "8"}
    for i in range(8):
        fields[f"virtio[{i}]"] = f"base={0x10001000 + i * 0x1000:#x} size=0x1000 irq={i + 1}"
    return fields


def qemu_expected(mem, harts, mem64_base, bootargs=""):
    """Everything the parser must find in QEMU 7.2's virt tree."""
    fields = {
        "mem[0]": f"base={RAM_BASE:#x} size={mem:#x}",
        "bootargs": f'"{bootargs}"',
        "harts": str(harts),
        "timebase": "10000000",
        "uart": "base=0x10000000 size=0x100 irq=10 clock=3686400",
        "plic": "base=0xc000000 size=0x600000 ndev=96",
        "pci": "ecam=0x30000000 size=0x10000000 bus=0-255",
        "pci_window[0]": "type=io prefetchable=0 pci=0x0 cpu=0x3000000 size=0x10000",
        "pci_window[1]": "type=mem32 prefetchable=0 pci=0x40000000 cpu=0x40000000 "
                         "size=0x40000000",
        # QEMU 7.2 marks the 64-bit window 0x03000000: not prefetchable.
        "pci_window[2]": f"type=mem64 prefetchable=0 pci={mem64_base:#x} cpu={mem64_base:#x} "
                         "size=0x400000000",
        # Standard swizzle: slot s pin p -> PLIC 32 + (s + p - 1) % 4.
        **{f"pci_intx[{s}]": ",".join(str(32 + (s + p) % 4) for p in range(4))
           for s in range(4)},
        **virtio_fields(),
    }
    for h in range(harts):
        # Contexts alternate M, S per hart: S of hart h is 2h + 1.
        fields[f"hart[{h}]"] = f"id={h} plic_s_context={2 * h + 1}"
    return fields


QEMU_CONFIGS = {
    "128M-1hart": dict(args=["-m", "128M", "-smp", "1"], mem=128 * MIB, harts=1,
                       mem64=0x400000000),
    "4G-4harts-pmem-append": dict(args=["-m", "4G", "-smp", "4"], mem=4 * GIB, harts=4,
                                  mem64=0x400000000, pmem=True,
                                  bootargs="mapsize=4k ktest=all"),
    # 16 GiB of RAM reaches past 0x400000000, so QEMU moves the 64-bit window up.
    "16G-2harts": dict(args=["-m", "16G", "-smp", "2"], mem=16 * GIB, harts=2,
                       mem64=0x800000000),
}


def config_args(tmp, cfg):
    args = list(cfg["args"]) + ["-global", "virtio-mmio.force-legacy=false"]
    if cfg.get("pmem"):
        args += pmem_args(tmp)
    if cfg.get("bootargs"):
        args += ["-kernel", str(loop_kernel(tmp)), "-append", cfg["bootargs"]]
    return args


@pytest.fixture(scope="session")
def qemu_dtbs(tmp_path_factory):
    if shutil.which(QEMU) is None:
        pytest.skip(f"{QEMU} not installed")
    tmp = tmp_path_factory.mktemp("qemu")
    return {name: dump_qemu_dtb(tmp, name, config_args(tmp, cfg))
            for name, cfg in QEMU_CONFIGS.items()}


@pytest.mark.parametrize("name", sorted(QEMU_CONFIGS))
def test_qemu_tree_exact(parser, qemu_dtbs, name):
    cfg = QEMU_CONFIGS[name]
    expected = qemu_expected(cfg["mem"], cfg["harts"], cfg["mem64"], cfg.get("bootargs", ""))
    assert parse_ok(parser, qemu_dtbs[name]) == expected


@pytest.mark.parametrize("name", sorted(QEMU_CONFIGS))
def test_qemu_tree_self_checks(parser, qemu_dtbs, name):
    """Every truncation refused, tiny error buffers respected, 2000 corruptions survived."""
    rc, fields, out = run_parser(parser, qemu_dtbs[name], "--check")
    assert rc == 0 and fields.get("checks") == "ok", out


@needs_dtc
def test_qemu_pci_ranges_match_dtc(qemu_dtbs):
    """The expected PCI windows above are what dtc reads in the same blob."""
    dts = dtb_to_dts(qemu_dtbs["4G-4harts-pmem-append"])
    ranges = re.search(r"pci@30000000 \{.*?\branges = <([^>]*)>;", dts, re.S).group(1)
    cells = [int(c, 16) for c in ranges.split()]
    assert cells == [0x1000000, 0, 0, 0, 0x3000000, 0, 0x10000,
                     0x2000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000,
                     0x3000000, 4, 0, 4, 0, 4, 0]


@needs_qemu
def test_runtime_tree_has_opensbi_reservation(parser, tmp_path):
    """OpenSBI adds /reserved-memory for itself; QEMU's dumped tree has none."""
    fields = parse_ok(parser, runtime_dtb(tmp_path, "rt", ["-m", "256M", "-smp", "2"]))
    assert fields["mem[0]"] == f"base={RAM_BASE:#x} size={256 * MIB:#x}"
    assert re.fullmatch(rf"base={RAM_BASE:#x} size=0x[0-9a-f]+ nomap=[01] "
                        r"name=mmode_resv\d+@80000000", fields["reserved[0]"])
    assert fields["hart[1]"] == "id=1 plic_s_context=3"


# ---- hand-written trees ---------------------------------------------------------

def intx_map(phandle_ref):
    """16 interrupt-map entries like QEMU's, plus one for slot 4 (ignored)."""
    rows = []
    for slot in range(5):
        for pin in range(1, 5):
            rows.append(f"{slot << 11:#x} 0 0 {pin} {phandle_ref} {40 + (slot + pin) % 4}")
    return "\n\t\t\t\t".join(rows)


RICH_DTS = """/dts-v1/;
/memreserve/ 0x9f000000 0x1000;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	chosen { bootargs = "console=ttyS0 mapsize=2m"; };
	memory@80000000 {
		device_type = "memory";
		reg = <0x80000000 0x1000000 0x82000000 0x1000000>;
	};
	memory@90000000 {
		device_type = "memory";
		reg = <0x90000000 0x10000000>;
	};
	memory@c0000000 {
		device_type = "memory";
		status = "disabled";
		reg = <0xc0000000 0x1000000>;
	};
	reserved-memory {
		#address-cells = <1>;
		#size-cells = <1>;
		ranges;
		fw@80000000 { reg = <0x80000000 0x40000>; no-map; };
		pool { size = <0x100000>; };
		buf@81000000 { reg = <0x81000000 0x1000 0x81100000 0x2000>; };
	};
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 {
			device_type = "cpu";
			reg = <0>;
			status = "okay";
			timebase-frequency = <1000000>;
			intc0: interrupt-controller { #interrupt-cells = <1>; interrupt-controller; };
		};
		cpu@1 {
			device_type = "cpu";
			reg = <1>;
			status = "disabled";
			intc1: interrupt-controller { #interrupt-cells = <1>; interrupt-controller; };
		};
		cpu@4 {
			device_type = "cpu";
			reg = <4>;
			intc4: interrupt-controller { #interrupt-cells = <1>; interrupt-controller; };
		};
		cpu-map { cluster0 { core0 { cpu = <&intc0>; }; }; };
	};
	soc {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		plic: interrupt-controller@c000000 {
			compatible = "riscv,plic0";
			reg = <0 0xc000000 0 0x4000000>;
			riscv,ndev = <53>;
			#interrupt-cells = <1>;
			#address-cells = <0>;
			interrupt-controller;
			interrupts-extended = <&intc4 9 &intc0 11 &intc0 9 &intc1 11 &intc1 9 &intc4 11>;
		};
		serial@10000000 {
			compatible = "snps,dw-apb-uart", "ns16550a";
			reg = <0 0x10000000 0 0x100>;
			interrupts = <10>;
			clock-frequency = <0 1843200>;
		};
		virtio@10002000 { compatible = "virtio,mmio"; reg = <0 0x10002000 0 0x200>; interrupts = <2>; };
		virtio@10001000 { compatible = "virtio,mmio"; reg = <0 0x10001000 0 0x200>; interrupts = <1>; };
		virtio@10003000 {
			compatible = "virtio,mmio";
			status = "disabled";
			reg = <0 0x10003000 0 0x200>;
			interrupts = <3>;
		};
		pci@30000000 {
			compatible = "pci-host-ecam-generic";
			device_type = "pci";
			#address-cells = <3>;
			#size-cells = <2>;
			#interrupt-cells = <1>;
			reg = <0 0x30000000 0 0x1000000>;
			bus-range = <0 0xf>;
			ranges = <0x01000000 0 0 0 0x3000000 0 0x10000
				  0x02000000 0 0x40000000 0 0x40000000 0 0x20000000
				  0x43000000 4 0 4 0 4 0>;
			interrupt-map-mask = <0x1800 0 0 7>;
			interrupt-map = <INTX_MAP>;
		};
	};
};
""".replace("INTX_MAP", intx_map("&plic"))

RICH_EXPECTED = {
    "mem[0]": "base=0x80000000 size=0x1000000",
    "mem[1]": "base=0x82000000 size=0x1000000",
    "mem[2]": "base=0x90000000 size=0x10000000",
    "reserved[0]": "base=0x9f000000 size=0x1000 nomap=0 name=memreserve",
    "reserved[1]": "base=0x80000000 size=0x40000 nomap=1 name=fw@80000000",
    "reserved[2]": "base=0x81000000 size=0x1000 nomap=0 name=buf@81000000",
    "reserved[3]": "base=0x81100000 size=0x2000 nomap=0 name=buf@81000000",
    "bootargs": '"console=ttyS0 mapsize=2m"',
    "harts": "2",
    "hart[0]": "id=0 plic_s_context=2",
    "hart[1]": "id=4 plic_s_context=0",
    "timebase": "1000000",
    "uart": "base=0x10000000 size=0x100 irq=10 clock=1843200",
    "plic": "base=0xc000000 size=0x4000000 ndev=53",
    "virtio": "2",
    "virtio[0]": "base=0x10001000 size=0x200 irq=1",
    "virtio[1]": "base=0x10002000 size=0x200 irq=2",
    "pci": "ecam=0x30000000 size=0x1000000 bus=0-15",
    "pci_window[0]": "type=io prefetchable=0 pci=0x0 cpu=0x3000000 size=0x10000",
    "pci_window[1]": "type=mem32 prefetchable=0 pci=0x40000000 cpu=0x40000000 size=0x20000000",
    "pci_window[2]": "type=mem64 prefetchable=1 pci=0x400000000 cpu=0x400000000 "
                     "size=0x400000000",
    **{f"pci_intx[{s}]": ",".join(str(40 + (s + p) % 4) for p in range(1, 5))
       for s in range(4)},
}


@needs_dtc
def test_rich_tree_exact(parser, tmp_path):
    """1-cell root, banks over several nodes, reserved memory, a disabled hart."""
    assert parse_ok(parser, dts_to_dtb(tmp_path, "rich", RICH_DTS)) == RICH_EXPECTED


@needs_dtc
def test_rich_tree_self_checks(parser, tmp_path):
    rc, fields, out = run_parser(parser, dts_to_dtb(tmp_path, "rich", RICH_DTS), "--check")
    assert rc == 0 and fields.get("checks") == "ok", out


def too_many_banks():
    return " ".join(f"{0x80000000 + i * 0x100000:#x} 0x1000" for i in range(17))


# (what to replace in RICH_DTS, replacement, expected words in the error)
BROKEN_TREES = {
    "memory-without-reg": ("reg = <0x90000000 0x10000000>;", "",
                           "memory node memory@90000000 has no reg"),
    "cpu-without-reg": ("reg = <4>;", "", "cpu node cpu@4 has no reg"),
    "unknown-phandle": ("&intc4 9 &intc0 11", "0x77 9 &intc0 11", "unknown phandle 0x77"),
    "plic-without-contexts": ("interrupts-extended = <&intc4", "xinterrupts-extended = <&intc4",
                              "has no interrupts-extended"),
    "string-not-terminated": ('device_type = "memory";\n\t\treg = <0x90000000',
                              'device_type = [6d 65 6d];\n\t\treg = <0x90000000',
                              "device_type is not a NUL-terminated string"),
    "bootargs-too-long": ("console=ttyS0 mapsize=2m", "x" * 600, "bootargs has 600 bytes"),
    "too-many-banks": ("0x80000000 0x1000000 0x82000000 0x1000000", too_many_banks(),
                       "more than 16 memory banks"),
    "bad-reg-length": ("reg = <0x90000000 0x10000000>;", "reg = <0x90000000>;",
                       "reg has 4 bytes, not a multiple of 8"),
    "pci-two-address-cells": ("#address-cells = <3>;", "#address-cells = <2>;",
                              "#address-cells/#size-cells 2/2"),
    "pci-bad-pin": ("0x0 0 0 1 &plic", "0x0 0 0 7 &plic", "pin 7"),
    "bad-bus-range": ("bus-range = <0 0xf>;", "bus-range = <0x10 0x2>;", "bad bus-range 16-2"),
    "no-timebase": ("timebase-frequency = <1000000>;", "", "no timebase-frequency"),
    "no-usable-cpu": ("reg = <4>;", "reg = <4>; status = \"fail\";", None),
    "uart-without-irq": ("interrupts = <10>;", "", "uart node serial@10000000 has no interrupts"),
}


@needs_dtc
@pytest.mark.parametrize("name", sorted(BROKEN_TREES))
def test_broken_tree_refused(parser, tmp_path, name):
    old, new, message = BROKEN_TREES[name]
    assert old in RICH_DTS
    source = RICH_DTS.replace(old, new, 1)
    if name == "no-usable-cpu":          # also take away hart 0
        source = source.replace('status = "okay";', 'status = "disabled";', 1)
        message = "no usable cpu node"
    assert message in parse_error(parser, dts_to_dtb(tmp_path, name, source))


@needs_dtc
def test_deep_nesting_refused(parser, tmp_path):
    deep = "".join(f"n{i} {{ " for i in range(20)) + "".join("}; " for _ in range(20))
    source = RICH_DTS.replace("\tchosen {", "\t" + deep + "\n\tchosen {", 1)
    assert "nested deeper than 16" in parse_error(parser, dts_to_dtb(tmp_path, "deep", source))


# ---- broken blobs -------------------------------------------------------------------

def first_prop_offset(blob):
    """Offset of the root's first FDT_PROP token (the root's name is empty)."""
    off = struct.unpack_from(">I", blob, HDR_OFF_STRUCT)[0]
    assert struct.unpack_from(">I", blob, off)[0] == FDT_BEGIN_NODE and blob[off + 4] == 0
    assert struct.unpack_from(">I", blob, off + 8)[0] == FDT_PROP
    return off + 8


@pytest.fixture
def qemu_blob(qemu_dtbs):
    return bytearray(qemu_dtbs["128M-1hart"].read_bytes())


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def test_truncated_blob(parser, tmp_path, qemu_blob):
    total = struct.unpack_from(">I", qemu_blob, 4)[0]
    err = parse_error(parser, write(tmp_path, "short.dtb", qemu_blob[:total // 2]))
    assert "truncated" in err and f"{total:#x}" in err


def test_bad_magic(parser, tmp_path, qemu_blob):
    struct.pack_into(">I", qemu_blob, 0, 0x12345678)
    assert parse_error(parser, write(tmp_path, "magic.dtb", qemu_blob)) == "bad magic 0x12345678"


def test_old_version(parser, tmp_path, qemu_blob):
    struct.pack_into(">I", qemu_blob, HDR_VERSION, 15)
    assert "version 15 is older than 16" in parse_error(parser, write(tmp_path, "v15.dtb",
                                                                      qemu_blob))


def test_corrupt_string_offset(parser, tmp_path, qemu_blob):
    off = first_prop_offset(qemu_blob)
    struct.pack_into(">I", qemu_blob, off + 8, 0xFFFFF0)
    err = parse_error(parser, write(tmp_path, "nameoff.dtb", qemu_blob))
    assert f"property at offset {off:#x}: bad name offset 0xfffff0" in err


def test_unknown_token(parser, tmp_path, qemu_blob):
    off = first_prop_offset(qemu_blob)
    struct.pack_into(">I", qemu_blob, off, 7)
    assert f"unknown token 0x7 at offset {off:#x}" in parse_error(
        parser, write(tmp_path, "token.dtb", qemu_blob))


def test_property_length_past_end(parser, tmp_path, qemu_blob):
    off = first_prop_offset(qemu_blob)
    struct.pack_into(">I", qemu_blob, off + 4, 0x7FFFFFFF)
    assert "2147483647 bytes run past the structure block" in parse_error(
        parser, write(tmp_path, "len.dtb", qemu_blob))


def test_harness_reports_bad_files(parser, tmp_path):
    """The harness itself: clear messages and status 2 for unreadable input."""
    empty = write(tmp_path, "empty.dtb", b"")
    for path, words in ((tmp_path / "missing.dtb", "No such file"), (empty, "cannot read")):
        rc, _, out = run_parser(parser, path)
        assert rc == 2 and words in out and str(path) in out
    rc, _, out = run_parser(parser, write(tmp_path, "tiny.dtb", b"\xd0\x0d"))
    assert rc == 1 and "smaller than a header" in out


# ---- scripts/mkdtb ---------------------------------------------------------------

def mkdtb(*args):
    res = subprocess.run([sys.executable, str(MKDTB), *args], capture_output=True,
                         text=True, timeout=TIMEOUT * 2)
    assert "Traceback" not in res.stderr, res.stderr
    return res


def strip_mem(fields):
    return {k: v for k, v in fields.items() if not k.startswith("mem[")}


@needs_qemu
@needs_dtc
def test_mkdtb_two_banks_with_hole(parser, tmp_path):
    extra = ["-global", "virtio-mmio.force-legacy=false", *pmem_args(tmp_path)]
    out = tmp_path / "holes.dtb"
    res = mkdtb("--cpus", "2", "--mem", "1G", "--banks", "0x80000000:256M,0xa0000000:512M",
                "--qemu-arg", " ".join(extra[:2]), "-o", str(out), "--", *extra[2:])
    assert res.returncode == 0, res.stderr
    fields = parse_ok(parser, out)
    assert [v for k, v in fields.items() if k.startswith("mem[")] == [
        "base=0x80000000 size=0x10000000", "base=0xa0000000 size=0x20000000"]
    # Everything else is QEMU's own tree for the same machine.
    own = dump_qemu_dtb(tmp_path, "own", ["-m", "1G", "-smp", "2", *extra])
    assert strip_mem(fields) == strip_mem(parse_ok(parser, own))


@needs_qemu
@needs_dtc
def test_mkdtb_banks_sorted_and_suffixes(parser, tmp_path):
    out = tmp_path / "three.dtb"
    res = mkdtb("--cpus", "1", "--mem", "2G", "--banks",
                "0xc0000000:1G,0x80000000:512K,0x90000000:0x1000", "-o", str(out))
    assert res.returncode == 0, res.stderr
    fields = parse_ok(parser, out)
    assert [fields[f"mem[{i}]"] for i in range(3)] == [
        "base=0x80000000 size=0x80000", "base=0x90000000 size=0x1000",
        "base=0xc0000000 size=0x40000000"]
    assert "mem[3]" not in fields and fields["harts"] == "1"


@needs_qemu
@needs_dtc
def test_mkdtb_tree_boots(parser, tmp_path):
    """QEMU and OpenSBI accept the tree; the kernel would see exactly the banks."""
    out = tmp_path / "boot.dtb"
    res = mkdtb("--cpus", "2", "--mem", "1G", "--banks", "0x80000000:256M,0xa0000000:512M",
                "-o", str(out))
    assert res.returncode == 0, res.stderr
    fields = parse_ok(parser, runtime_dtb(tmp_path, "boot", ["-m", "1G", "-smp", "2",
                                                            "-dtb", str(out)]))
    assert fields["mem[0]"] == "base=0x80000000 size=0x10000000"
    assert fields["mem[1]"] == "base=0xa0000000 size=0x20000000"
    assert "mem[2]" not in fields and fields["reserved[0]"].startswith("base=0x80000000 ")


MKDTB_ERRORS = {
    "bad-size": (["--banks", "0x80000000:12Q"], "bad bank size '12Q'"),
    "bad-mem": (["--banks", "0x80000000:1M", "--mem", "lots"], "bad --mem size 'lots'"),
    "overlap": (["--banks", "0x80000000:256M,0x88000000:1M"], "overlap"),
    "below-ram": (["--banks", "0x70000000:1M"], "outside RAM [0x80000000, 0xc0000000)"),
    "past-ram": (["--banks", "0xa0000000:1G"], "outside RAM"),
    "unaligned": (["--banks", "0x80000800:1M"], "not 4096-byte aligned"),
    "not-a-pair": (["--banks", "0x80000000"], "expected BASE:SIZE"),
    "zero-size": (["--banks", "0x80000000:0"], "size 0"),
    "dtc-missing": (["--banks", "0x80000000:1M", "--dtc", "/nonexistent/dtc"],
                    "/nonexistent/dtc not found"),
    "qemu-refuses": (["--banks", "0x80000000:1M", "--qemu-arg", "-no-such-option"],
                     "qemu (dumping its device tree) failed"),
    "no-cpus": (["--banks", "0x80000000:1M", "--cpus", "0"], "need at least one"),
}


@pytest.mark.parametrize("name", sorted(MKDTB_ERRORS))
def test_mkdtb_errors(tmp_path, name):
    args, words = MKDTB_ERRORS[name]
    base = {"--cpus": "1", "--mem": "1G"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    argv = [a for kv in base.items() for a in kv] + ["-o", str(tmp_path / "x.dtb")]
    res = mkdtb(*argv)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("mkdtb: ") and words in res.stderr, res.stderr
    assert not (tmp_path / "x.dtb").exists()


def test_mkdtb_usage_error():
    res = mkdtb("--cpus", "1")
    assert res.returncode == 2 and res.stderr.startswith("mkdtb: ")
    assert "--mem" in res.stderr
