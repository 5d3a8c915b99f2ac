"""What the kernel and its programs print, as the grader recognises it.

Every console string a test waits for or parses lives here, next to the
place in the tree that prints it, so a change of wording on the kernel side
has exactly one counterpart on the Python side. Patterns are regular
expressions (compile them with re.MULTILINE where they use ^ or $); the
helpers below turn console text into numbers.
"""
import re

# ---- firmware -------------------------------------------------------------
# OpenSBI prints this once per reset: a second one on a console is a reboot.
OPENSBI_BANNER = r"^OpenSBI v\d"

# ---- kernel: boot -----------------------------------------------------------
# kernel/core/main.c, kmain()
BOOTING = r"^Pagoda: booting on hart (\d+)"
# kernel/core/main.c, report_memory()
MEMORY = (r"^memory: (?P<ram_kib>\d+) KiB RAM in (?P<banks>\d+) banks?, "
          r"(?P<free_kib>\d+) KiB free, (?P<reserved_kib>\d+) KiB reserved")
# kernel/lib/cmdline.c, parse_token()
CMDLINE_UNKNOWN = "cmdline: unknown option '{option}'"
# kernel/core/panic.c, panic(): always at the start of a line.
PANIC = r"^panic: "

# ---- user space -------------------------------------------------------------
# user/bin/init.c: printed just before the first shell starts.
INIT_STARTING_SH = "init: starting sh"
# user/bin/sh.c PROMPT. Printed at the start of a line, never followed by a
# newline, so the grader anchors it to a line start.
PROMPT = "$ "
PROMPT_AT_LINE_START = r"(?:^|\n)\$ "
# kernel/core/sysproc.c, sys_halt()
HALT = "halt: powering off"
# user/bin/usertests.c
USERTESTS_PASSED = "usertests: ALL TESTS PASSED"
USERTESTS_FAILED = r"^usertests: (?P<name>\S+): FAILED: (?P<why>.*)$"
# user/bin/memstat.c: one "name: value" line per field of struct memstat.
MEMSTAT_FIELDS = ("total_pages", "free_pages", "used_pages",
                  "reserved_pages", "ram_pages", "pgtable_pages")
MEMSTAT_LINE = r"^(?P<name>[a-z_]+): (?P<value>\d+)$"
# user/bin/ls.c: name padded to DIRSIZ, then type, inode number and size.
LS_LINE = r"^(?P<name>\S+)\s+(?P<type>\d+) (?P<ino>\d+) (?P<size>\d+)$"
LS_TYPE_DIR = 1    # kernel/include/uapi/stat.h T_DIR
LS_TYPE_FILE = 2   # kernel/include/uapi/stat.h T_FILE

# ---- QEMU monitor -------------------------------------------------------------
# target/riscv/cpu.c riscv_cpu_dump_state(): one " satp  <hex>" per CPU.
SATP_LINE = r"^\s*satp\s+(?P<value>[0-9a-fA-F]+)\s*$"
SATP_MODE_SHIFT = 60          # the RISC-V privileged spec: satp.MODE is bits 63:60
SATP_MODE_MASK = 0xF
SATP_MODE_SV48 = 9
SATP_PPN_MASK = (1 << 44) - 1  # satp.PPN is bits 43:0


class FormatError(ValueError):
    """Console text that does not have the shape the kernel documents."""


def cmdline_unknown(option):
    """The exact warning the kernel prints for an unknown boot option."""
    return CMDLINE_UNKNOWN.format(option=option)


def parse_memstat(text):
    """memstat output -> {field: int}; every documented field must be there."""
    fields = {m["name"]: int(m["value"])
              for m in re.finditer(MEMSTAT_LINE, text, re.MULTILINE)}
    missing = [f for f in MEMSTAT_FIELDS if f not in fields]
    if missing:
        raise FormatError(f"memstat output lacks {', '.join(missing)}:\n{text}")
    return fields


def parse_memory_line(text):
    """The boot line 'memory: ...' -> {ram_kib, banks, free_kib, reserved_kib}."""
    m = re.search(MEMORY, text, re.MULTILINE)
    if not m:
        raise FormatError("no 'memory: ...' line on the console")
    return {k: int(v) for k, v in m.groupdict().items()}


def parse_ls(text):
    """ls output -> {name: (type, ino, size)}."""
    entries = {}
    for m in re.finditer(LS_LINE, text, re.MULTILINE):
        entries[m["name"]] = (int(m["type"]), int(m["ino"]), int(m["size"]))
    return entries


def usertests_failures(text):
    """Every 'usertests: NAME: FAILED: WHY' line, as (name, why) pairs."""
    return [(m["name"], m["why"].strip())
            for m in re.finditer(USERTESTS_FAILED, text, re.MULTILINE)]


def satp_values(info_registers):
    """Every satp value in `info registers` output (one per CPU shown)."""
    return [int(m["value"], 16)
            for m in re.finditer(SATP_LINE, info_registers, re.MULTILINE)]


def satp_mode(satp):
    """satp.MODE: 0 bare, 8 Sv39, 9 Sv48, 10 Sv57."""
    return (satp >> SATP_MODE_SHIFT) & SATP_MODE_MASK


def satp_ppn(satp):
    """The physical page number of the root page table."""
    return satp & SATP_PPN_MASK
