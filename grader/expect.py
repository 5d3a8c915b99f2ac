"""What the kernel and its programs print, as the grader recognises it.

Every console string a test waits for or parses lives here, next to the
place in the tree that prints it, so a change of wording on the kernel side
has exactly one counterpart on the Python side. Patterns are regular
expressions (compile them with re.MULTILINE where they use ^ or $); the
helpers below turn console text into numbers.
"""
import re
from dataclasses import dataclass, field

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
                  "reserved_pages", "ram_pages", "pgtable_pages", "rss_pages",
                  "pagecache_pages", "devmem_pages")
MEMSTAT_LINE = r"^(?P<name>[a-z_]+): (?P<value>\d+)$"
# user/bin/ls.c: name padded to DIRSIZ, then type, inode number and size.
LS_LINE = r"^(?P<name>\S+)\s+(?P<type>\d+) (?P<ino>\d+) (?P<size>\d+)$"
LS_TYPE_DIR = 1    # kernel/include/uapi/stat.h T_DIR
LS_TYPE_FILE = 2   # kernel/include/uapi/stat.h T_FILE

# ---- lab pgtable -------------------------------------------------------------
# kernel/mm/pgtable_test.c, direct_map_min_tables(): KTAP diagnostics.
DIRECT_MAP_RANGE = r"^\s*# direct_map: range 0x(?P<start>[0-9a-f]+)-0x(?P<end>[0-9a-f]+)$"
DIRECT_MAP_TABLES = (r"^\s*# direct_map: mapsize=(?P<mapsize>\w+) "
                     r"tables pud=(?P<pud>\d+) pmd=(?P<pmd>\d+) pte=(?P<pte>\d+) "
                     r"minimum pud=(?P<min_pud>\d+) pmd=(?P<min_pmd>\d+) pte=(?P<min_pte>\d+)$")
# kernel/mm/ptdump.c (format documented in kernel/include/ptdump.h).
PGDUMP_TITLE = r"^pgdump: (?P<title>user half of pid \d+ \(\S+\)|kernel half)$"
PGDUMP_NOT_IMPLEMENTED = "pgdump: not implemented"
PGDUMP_TABLE = (r"^(?P<indent> *)(?P<level>pgd|pud|pmd|pte) 0x(?P<first>[0-9a-f]{16})-"
                r"0x(?P<last>[0-9a-f]{16}) table 0x(?P<pa>[0-9a-f]{16})$")
PGDUMP_EMPTY = (r"^(?P<indent> *)(?P<level>pgd|pud|pmd) 0x(?P<first>[0-9a-f]{16})-"
                r"0x(?P<last>[0-9a-f]{16}) empty table x(?P<count>\d+)$")
PGDUMP_LEAVES = (r"^(?P<indent> *)(?P<level>pgd|pud|pmd|pte) 0x(?P<first>[0-9a-f]{16})-"
                 r"0x(?P<last>[0-9a-f]{16}) (?P<size>4K|2M|1G) x(?P<count>\d+) "
                 r"pa 0x(?P<pa>[0-9a-f]{16}) (?P<prot>[r-][w-][x-][u-][g-][a-][d-])"
                 r"(?P<soft>( special)?( cow)?)$")
PGDUMP_SUMMARY = (r"^pgdump: tables pud=(?P<pud>\d+) pmd=(?P<pmd>\d+) pte=(?P<pte>\d+) "
                  r"leaves 1G=(?P<l1g>\d+) 2M=(?P<l2m>\d+) 4K=(?P<l4k>\d+)$")
# user/bin/pgtabletest.c: one verdict line per case.
PGTABLETEST_CASE = r"^pgtabletest: (?P<name>\S+): (?P<verdict>ok|FAILED)(?:: (?P<why>.*))?$"
PGTABLETEST_DONE = "pgtabletest: done"

# ---- lab earlypgt ------------------------------------------------------------
# kernel/mm/init.c, init_mem_mapping(): the early allocator's boot report.
EARLYPGT_REPORT = (r"^earlypgt: image and direct map: brk (?P<brk>\d+)/(?P<brk_total>\d+) "
                   r"pages, memblock (?P<memblock>\d+) pages, (?P<steps>\d+) steps; "
                   r"early tables 0x(?P<lowest>[0-9a-f]+)-0x(?P<highest>[0-9a-f]+), "
                   r"each mapped when allocated$")
# kernel/mm/init.c, the handout's build_direct_map(): what it reserved.
EARLYPGT_FALLBACK = (r"^earlypgt: fallback reserved (?P<reserved>\d+) table pages up front, "
                     r"used (?P<used>\d+), (?P<over>\d+) over-reserved$")

# ---- lab vmemmap --------------------------------------------------------------
# kernel/mm/memmap.c, memmap_init(): the memory model's boot report.
MEMMAP_REPORT = (r"^memmap: model=(?P<model>flat|sparse|vmemmap) sections=(?P<sections>\d+) "
                 r"memmap_bytes=(?P<memmap_bytes>\d+) holes_bytes=(?P<holes_bytes>\d+) "
                 r"vmemmap_tables=(?P<vmemmap_tables>\d+) vmemmap_blocks=(?P<vmemmap_blocks>\d+)$")
# kernel/mm/sparse.c, the handout's sparse_init().
SPARSE_NOT_IMPLEMENTED = "sparse_init: not implemented (lab vmemmap)"

# ---- mmap ---------------------------------------------------------------------
# user/bin/mmaptest.c: one verdict line per case, then the last line.
MMAPTEST_CASE = r"^mmaptest: (?P<name>[a-z_]+): (?P<verdict>ok|FAILED)(?:: (?P<why>.*))?$"
MMAPTEST_DONE = "mmaptest: done"

# ---- lab mixedmap ----------------------------------------------------------------
# user/bin/mixmaptest.c: one numbered verdict line per case, a leak line if
# the whole program lost pages, then the last line.
MIXMAPTEST_CASE = (r"^mixmaptest: (?P<number>\d+) (?P<name>[a-z_]+): (?P<verdict>ok|FAILED)"
                   r"(?:: (?P<why>.*))?$")
MIXMAPTEST_LEAK = r"^mixmaptest: leak: (?P<pages>\d+) pages not given back$"
MIXMAPTEST_DONE = "mixmaptest: done"
# kernel/drivers/mixmem.c, at boot with the `mixmem` option.
MIXMEM_CARVED = (r"^mixmem: device memory \[0x(?P<start>[0-9a-f]+), 0x(?P<end>[0-9a-f]+)\) "
                 r"taken out of RAM: (?P<kib>\d+) KiB without struct page$")
MIXMEM_DEVICES = (r"^mixmem: /dev/mixmem (?P<pages>\d+) pages \((?P<ram>\d+) RAM, "
                  r"(?P<dev>\d+) device at pfn 0x(?P<dev_pfn>[0-9a-f]+)\), /dev/pfnmem "
                  r"(?P<pfn_pages>\d+) RAM pages at pfn 0x(?P<pfn_pfn>[0-9a-f]+)$")

# ---- lab altmap ------------------------------------------------------------------
# kernel/drivers/pmem.c, pmem_init(): the device, its info block, its memmap.
PMEM_DEVICE = (r"^pmem0: (?P<mib>\d+) MiB at 0x(?P<pa>[0-9a-f]+) "
               r"\(pci (?P<bdf>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) BAR2\)$")
PMEM_BLANK = "pmem0: blank device: info block written"
PMEM_INFO_VALID = (r"^pmem0: info block valid: boot (?P<boot>\d+), reserve (?P<reserve>\d+), "
                   r"memmap budget (?P<budget>\d+), data at page (?P<data>\d+) "
                   r"\((?P<data_pages>\d+) pages\)$")
PMEM_REFUSED = r"^pmem0: (?P<why>foreign info block|corrupt info block|info block describes)"
PMEM_ONLINE = (r"^pmem0: memmap online: map=(?P<map>dev|ram) align=(?P<align>4k|2m|1g): "
               r"(?P<on_device>\d+) pages on the device \(altmap alloc (?P<alloc>\d+) "
               r"align (?P<align_pages>\d+)\), (?P<in_ram>\d+) in RAM, (?P<tables>\d+) table "
               r"pages; RAM free pages down by (?P<ram_cost>\d+)$")
PMEM_NOT_ONLINE = r"^pmem0: memmap not onlined \((?P<why>[^)]*)\): pages stay raw pfns$"
PMEM_ALTMAP_FALLBACK = "pmem0: the device's memmap budget gave out (vmem_altmap): memmap in RAM"
COMPOUND_FALLBACK = "vmemmap_populate_compound_pages: not implemented (lab altmap)"
# user/bin/pmemtest.c: numbered verdict lines, then the last line; and the
# persistence sub-commands.
# kernel/mm/altmap_test.c, pmem_online_offline(): the diagnostic it ends with.
ALTMAP_ROUNDS = (r"^\s*# (?P<rounds>\d+) rounds: memmap (?P<memmap>\d+) pages, RAM cost "
                 r"(?P<ram_cost>\d+) pages, free pages offline (?P<free_offline>\d+), "
                 r"(?P<us>\d+) us$")
PMEMTEST_CASE = (r"^pmemtest: (?P<number>\d+) (?P<name>[a-z_]+): (?P<verdict>ok|FAILED)"
                 r"(?:: (?P<why>.*))?$")
PMEMTEST_DONE = "pmemtest: done"
PMEMTEST_WROTE = "pmemtest: wrote {seed}"
PMEMTEST_CHECK_OK = "pmemtest: check ok"

# ---- make bench -----------------------------------------------------------------
# user/bin/faultbench.c: instructions per fault of each kind, per fork.
FAULTBENCH_FAULT = (r"^faultbench: (?P<kind>[a-z_]+) (?P<insns>\d+) instructions per fault "
                    r"\((?P<faults>\d+) faults\)$")
FAULTBENCH_FORK = r"^faultbench: fork (?P<mib>\d+) MiB (?P<insns>\d+) instructions$"

# ---- PCI -----------------------------------------------------------------------
# kernel/drivers/pci.c: pci_init() prints the bridge, its windows, then each
# function followed by its BARs. Numbers are hex except the bus range.
PCI_HOST_BRIDGE = (r"^pci: host bridge ecam 0x(?P<ecam>[0-9a-f]+) "
                   r"buses (?P<bus_start>\d+)-(?P<bus_end>\d+)$")
PCI_WINDOW = (r"^pci: window (?P<type>io|mem32|mem64)(?P<pref> pref)? cpu 0x(?P<cpu>[0-9a-f]+) "
              r"pci 0x(?P<pci>[0-9a-f]+) size 0x(?P<size>[0-9a-f]+)$")
PCI_FUNCTION = (r"^pci (?P<bdf>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): "
                r"\[(?P<vendor>[0-9a-f]{4}):(?P<device>[0-9a-f]{4})\] "
                r"class 0x(?P<class_code>[0-9a-f]{6})$")
PCI_BAR = (r"^pci (?P<bdf>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): BAR(?P<index>[0-5]) "
           r"(?P<type>io|mem32|mem64)(?P<pref> pref)? size 0x(?P<size>[0-9a-f]+) "
           r"(?:at 0x(?P<addr>[0-9a-f]+)|unassigned: (?P<why>.*))$")
# After a function's BARs when one was unassigned: that kind stays undecoded.
PCI_DECODING_OFF = (r"^pci (?P<bdf>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): decoding off:"
                    r"(?P<io> io)?(?P<memory> memory)?$")

# ---- robustness -----------------------------------------------------------------
# user/bin/fuzz.c: the parent's last line.
FUZZ_RESULT = (r"^fuzz: seed (?P<seed>\d+): (?P<verdict>ok|FAILED): "
               r"(?P<detail>.*)$")

# user/bin/badargs.c: one line per bad-argument case, then the last line.
BADARGS_CASE = (r"^badargs: (?P<call>[a-z_]+): (?P<name>[^:]+): (?P<verdict>ok|FAILED)"
                r"(?:: (?P<why>.*))?$")
BADARGS_DONE = "badargs: done"

# user/bin/failtest.c: one line per operation, then the last line.
FAILTEST_OP = (r"^failtest: (?P<name>[a-z]+): (?P<verdict>ok|FAILED): "
               r"(?P<detail>.*)$")
FAILTEST_DONE = "failtest: done"

# kernel/include/fault_inject.h: command-line fault injection.
# kernel/lib/fault_inject.c: one boot line per site chosen, and at halt one
# line of counters per site.
FAULT_INJECT_CONFIG = r"^fault_inject: (?P<site>fail_page_alloc|fail_disk|delay_irq): seed \d+"
_SITE_COUNTERS = r"(?P<site>[a-z_]+): injected (?P<injected>\d+) of (?P<calls>\d+) calls$"
FAULT_INJECT_COUNTERS = r"^fault_inject: " + _SITE_COUNTERS
# user/bin/faultstat.c: the same counters, read while running.
FAULTSTAT_SITE = r"^faultstat: " + _SITE_COUNTERS
# user/bin/failrun.c: the command's exit status, last.
FAILRUN_EXIT = r"^failrun: (?P<command>\S+): exit (?P<status>-?\d+)$"
# kernel/fs/log.c fs_shutdown(): the first I/O error that stops all writing.
FS_SHUTDOWN = r"^fs: I/O error \((?P<why>[^)]*)\): file system shut down"

# ---- QEMU monitor -------------------------------------------------------------
# hw/pci/pci.c (QEMU 7.2) `info pci`: a header per function, then one line
# per BAR; a BAR that does not decode shows address 0xffffffffffffffff.
INFO_PCI_FUNCTION = (r"^\s*Bus\s+(?P<bus>\d+), device\s+(?P<slot>\d+), "
                     r"function (?P<func>\d+):$")
INFO_PCI_BAR = (r"^\s*BAR(?P<index>\d+): (?P<kind>.+?) at 0x(?P<addr>[0-9a-f]+) "
                r"\[0x(?P<last>[0-9a-f]+)\]\.$")
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


def parse_direct_map(text):
    """The direct_map_min_tables diagnostics -> (ranges, {field: value})."""
    ranges = [(int(m["start"], 16), int(m["end"], 16))
              for m in re.finditer(DIRECT_MAP_RANGE, text, re.MULTILINE)]
    m = re.search(DIRECT_MAP_TABLES, text, re.MULTILINE)
    if not m:
        raise FormatError("no '# direct_map: mapsize=...' line in the KTAP output")
    fields = {k: (v if k == "mapsize" else int(v)) for k, v in m.groupdict().items()}
    return ranges, fields


def parse_earlypgt(text):
    """The earlypgt boot report -> {field: int}."""
    m = re.search(EARLYPGT_REPORT, text, re.MULTILINE)
    if not m:
        raise FormatError("no 'earlypgt: image and direct map: ...' line on the console")
    return {k: int(v, 16) if k in ("lowest", "highest") else int(v)
            for k, v in m.groupdict().items()}


def parse_memmap(text):
    """The memmap boot report -> {field: value} (model a string, the rest int)."""
    m = re.search(MEMMAP_REPORT, text, re.MULTILINE)
    if not m:
        raise FormatError("no 'memmap: model=...' line on the console")
    return {k: v if k == "model" else int(v) for k, v in m.groupdict().items()}


@dataclass
class PgdumpEntry:
    level: str       # pgd, pud, pmd, pte: the level of the entry
    depth: int       # 0 for pgd entries, one more per level down
    first: int       # first virtual address covered
    last: int        # last virtual address covered (inclusive)
    pa: int          # the leaf's or the table's; 0 for a run of empty tables
    size: str = ""   # 4K, 2M or 1G for leaves; "" for table entries
    count: int = 0   # entries in the run (leaves, or empty tables)
    prot: str = ""   # rwxugad with '-' for clear bits
    soft: str = ""   # " special" / " cow"

    @property
    def is_table(self):
        return not self.size


def parse_pgdump(text):
    """pgdump output -> (title, [PgdumpEntry], summary dict). Every line
    between the title and the summary must have the documented shape."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not re.match(PGDUMP_TITLE, lines[0]):
        raise FormatError(f"pgdump output does not start with its title:\n{text}")
    summary = re.match(PGDUMP_SUMMARY, lines[-1])
    if not summary:
        raise FormatError(f"pgdump output does not end with its summary line:\n{text}")
    entries = []
    for line in lines[1:-1]:
        m = (re.match(PGDUMP_LEAVES, line) or re.match(PGDUMP_TABLE, line)
             or re.match(PGDUMP_EMPTY, line))
        if not m:
            raise FormatError(f"pgdump line of unknown shape: {line!r}")
        g = m.groupdict()
        entries.append(PgdumpEntry(level=g["level"], depth=len(g["indent"]) // 2,
                                   first=int(g["first"], 16), last=int(g["last"], 16),
                                   pa=int(g.get("pa") or "0", 16), size=g.get("size") or "",
                                   count=int(g.get("count") or 0), prot=g.get("prot") or "",
                                   soft=g.get("soft") or ""))
    title = re.match(PGDUMP_TITLE, lines[0])["title"]
    return title, entries, {k: int(v) for k, v in summary.groupdict().items()}


# ---- the run token (tamper resistance) ------------------------------------------
# grader/qemu.py's Machine draws a random token per boot and gives it to the
# kernel as the boot argument grader.token=<hex>; the lab tests run lab test
# programs as "prog -T <hex> ..." (with_token()). kernel/lib/ktest.c ends every
# KTAP result line, and user/verdict.h every verdict line of a lab test
# program, with TOKEN_TAG. A verdict line without this run's tag fails its
# case with TOKEN_MISSING, so canned "ok" lines score nothing.
TOKEN_BOOTARG = "grader.token={token}"
TOKEN_OPTION = "-T"
TOKEN_TAG = " [token {token}]"
TOKEN_TAG_RE = re.compile(r" \[token (?P<token>[0-9a-f]+)\]$")
TOKEN_MISSING = "verdict lines without this run's token"


def split_token(line):
    """(line without its token tag, the token or None)."""
    m = TOKEN_TAG_RE.search(line)
    return (line[:m.start()], m["token"]) if m else (line, None)


def strip_tokens(text):
    """text with the token tag taken off every line, for patterns that read
    verdict lines for something else than their verdict (their numbers)."""
    return "\n".join(split_token(line)[0] for line in text.splitlines())


def with_token(command, token):
    """A lab test program's command line with the run's token in front of
    its own arguments: "pgtabletest -T <hex>"."""
    program, _, args = command.partition(" ")
    return " ".join(w for w in (program, TOKEN_OPTION, token, args) if w)


def verdicts(pattern, text, token=None):
    """{case: (passed, why)} from a test program's verdict lines. With a
    token, a line that lacks this run's tag fails its case (TOKEN_MISSING),
    whatever it says and whatever other lines say about the case."""
    regex, found = re.compile(pattern), {}
    for line in text.splitlines():
        bare, tag = split_token(line)
        m = regex.match(bare)
        if not m:
            continue
        if token is not None and tag != token:
            found[m["name"]] = (False, TOKEN_MISSING)
        elif found.get(m["name"], (True, ""))[1] != TOKEN_MISSING:
            found[m["name"]] = (m["verdict"] == "ok", (m["why"] or "").strip())
    return found


def pgtabletest_results(text, token):
    """{case: (passed, why)} from pgtabletest's verdict lines of this run."""
    return verdicts(PGTABLETEST_CASE, text, token)


def mmaptest_results(text):
    """{case: (passed, why)} from mmaptest's verdict lines."""
    return verdicts(MMAPTEST_CASE, text)


def mixmaptest_results(text, token):
    """mixmaptest output of this run -> {case: (passed, why)}."""
    return verdicts(MIXMAPTEST_CASE, text, token)


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


@dataclass
class PciBar:
    type: str            # io, mem32, mem64
    prefetchable: bool
    size: int
    addr: int = None     # CPU address; None when the kernel left it unassigned
    why: str = ""        # the reason it gave then


@dataclass
class PciFunction:
    bdf: str             # "00:01.0"
    vendor: int
    device: int
    class_code: int
    bars: dict           # BAR index -> PciBar
    decoding_off: set = field(default_factory=set)   # "io"/"memory" left off


def pmem_online(text):
    """The fields of pmem's memmap-online line as ints (map, align as str),
    or None when the kernel printed none."""
    m = re.search(PMEM_ONLINE, text, re.MULTILINE)
    if not m:
        return None
    return {k: (v if k in ("map", "align") else int(v)) for k, v in m.groupdict().items()}


def pmem_info(text):
    """The fields of pmem's info-block line as ints, or None."""
    m = re.search(PMEM_INFO_VALID, text, re.MULTILINE)
    return {k: int(v) for k, v in m.groupdict().items()} if m else None


def altmap_rounds(text):
    """The online/offline case's diagnostic as ints, or None."""
    m = re.search(ALTMAP_ROUNDS, text, re.MULTILINE)
    return {k: int(v) for k, v in m.groupdict().items()} if m else None


def pmem_device(text):
    """The device line: {mib, pa, bdf} (mib and pa ints), or None."""
    m = re.search(PMEM_DEVICE, text, re.MULTILINE)
    return None if not m else {"mib": int(m["mib"]), "pa": int(m["pa"], 16), "bdf": m["bdf"]}


def pmemtest_results(text, token):
    """{case: (passed, why)} from pmemtest's verdict lines of this run."""
    return verdicts(PMEMTEST_CASE, text, token)


def parse_pci(text):
    """pci_init()'s boot lines -> (bridge dict, [window dict], {bdf: PciFunction}).
    bridge is None when the kernel printed no host bridge line."""
    m = re.search(PCI_HOST_BRIDGE, text, re.MULTILINE)
    bridge = None if not m else {"ecam": int(m["ecam"], 16), "bus_start": int(m["bus_start"]),
                                 "bus_end": int(m["bus_end"])}
    windows = [{"type": w["type"], "prefetchable": bool(w["pref"]), "cpu": int(w["cpu"], 16),
                "pci": int(w["pci"], 16), "size": int(w["size"], 16)}
               for w in re.finditer(PCI_WINDOW, text, re.MULTILINE)]
    functions = {f["bdf"]: PciFunction(f["bdf"], int(f["vendor"], 16), int(f["device"], 16),
                                       int(f["class_code"], 16), {})
                 for f in re.finditer(PCI_FUNCTION, text, re.MULTILINE)}
    for b in re.finditer(PCI_BAR, text, re.MULTILINE):
        if b["bdf"] not in functions:
            raise FormatError(f"pci BAR line before its function line: {b[0]!r}")
        functions[b["bdf"]].bars[int(b["index"])] = PciBar(
            b["type"], bool(b["pref"]), int(b["size"], 16),
            int(b["addr"], 16) if b["addr"] else None, b["why"] or "")
    for d in re.finditer(PCI_DECODING_OFF, text, re.MULTILINE):
        if d["bdf"] in functions:
            functions[d["bdf"]].decoding_off = {k for k in ("io", "memory") if d[k]}
    return bridge, windows, functions


def parse_info_pci(text):
    """QEMU's `info pci` -> {(bus, slot, func): {BAR index: (address, last)}}."""
    result, current = {}, None
    for line in text.splitlines():
        f = re.match(INFO_PCI_FUNCTION, line)
        if f:
            current = result.setdefault((int(f["bus"]), int(f["slot"]), int(f["func"])), {})
            continue
        b = re.match(INFO_PCI_BAR, line)
        if b and current is not None:
            current[int(b["index"])] = (int(b["addr"], 16), int(b["last"], 16))
    return result
