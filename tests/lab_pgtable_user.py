"""Lab pgtable from user space: the pgdump program and pgtabletest.

pgdump's view of a fresh process is checked against the program's own ELF
file (one R-X page per text page, R-- for rodata, RW- for data and bss),
the stack at the top of the user half with an unmapped guard page below it,
and a summary line that agrees with the lines above it.
"""
import os
import struct

import pytest

from grader import expect
from grader import qemu

LAB = "pgtable"
PAGE_SIZE = 4096
USER_TOP = 1 << 47                # kernel/include/memlayout.h USER_TOP
USER_STACK_PAGES = 4              # kernel/include/memlayout.h USER_STACK_PAGES
PT_LOAD = 1                       # ELF program header type
PF_X, PF_W, PF_R = 1, 2, 4
LEVEL_ORDER = ("pgd", "pud", "pmd", "pte")


def load_segments(path):
    """[(vaddr, memsz, flags)] of an ELF64 little-endian file's PT_LOAD headers."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        ptype, flags, _, vaddr, _, _, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if ptype == PT_LOAD and memsz:
            segments.append((vaddr, memsz, flags))
    return segments


def expected_prot(flags):
    """pgdump's permission field for a user page of an ELF segment."""
    return ("r" + ("w" if flags & PF_W else "-") + ("x" if flags & PF_X else "-")
            + "u-ad")


def page_map(entries):
    """{va: prot} for every 4 KiB page the dump's leaf lines cover."""
    pages = {}
    for e in entries:
        if e.is_table:
            continue
        size = (e.last - e.first + 1) // e.count
        for i in range(e.count):
            for va in range(e.first + i * size, e.first + (i + 1) * size, PAGE_SIZE):
                pages[va] = e.prot
    return pages


def check_tree_shape(entries, summary):
    """Each line sits one level below the table line above it, inside its
    range; the summary counts what the lines show."""
    stack = []
    tables = {"pud": 0, "pmd": 0, "pte": 0}
    leaves = {"1G": 0, "2M": 0, "4K": 0}
    for e in entries:
        while stack and stack[-1].depth >= e.depth:
            stack.pop()
        assert e.depth == LEVEL_ORDER.index(e.level), f"{e.level} line at depth {e.depth}"
        if stack:
            assert stack[-1].first <= e.first and e.last <= stack[-1].last, \
                f"{e} lies outside its table {stack[-1]}"
        if e.is_table:
            below = LEVEL_ORDER[LEVEL_ORDER.index(e.level) + 1]
            tables[below] += max(e.count, 1)
            stack.append(e)
        else:
            leaves[e.size] += e.count
    assert tables == {k: summary[k] for k in tables}, f"summary {summary}, lines {tables}"
    assert leaves == {"1G": summary["l1g"], "2M": summary["l2m"], "4K": summary["l4k"]}


@pytest.fixture(scope="module")
def shell(build, time_factor, boot_slots):
    pool = qemu.MachinePool("lab_pgtable_user", build.logs, kernel=build.kernel,
                            image=build.image, time_factor=time_factor, slots=boot_slots)
    try:
        yield pool.boot(memory="512M", cpus=2)
    finally:
        pool.kill_all()


@pytest.fixture(scope="module")
def pgtabletest(shell):
    out = shell.run(expect.with_token("pgtabletest", shell.token))
    assert expect.PGTABLETEST_DONE in out, f"pgtabletest did not finish:\n{out}"
    return expect.pgtabletest_results(out, shell.token), shell.log_path


@pytest.mark.boot
@pytest.mark.lab(LAB, points=10)
def test_pgdump_of_a_fresh_process(shell, build):
    out = shell.run("pgdump")
    assert expect.PGDUMP_NOT_IMPLEMENTED not in out, out
    title, entries, summary = expect.parse_pgdump(out)
    assert title.startswith("user half of pid") and title.endswith("(pgdump)")
    check_tree_shape(entries, summary)
    pages = page_map(entries)
    assert all(e.size == "4K" for e in entries if not e.is_table), "user pages are 4K"
    # The image: every page of every segment, with the segment's bits.
    image_end = 0
    for vaddr, memsz, flags in load_segments(os.path.join(build.dir, "user", "bin", "pgdump")):
        first, end = vaddr // PAGE_SIZE * PAGE_SIZE, vaddr + memsz
        for va in range(first, end, PAGE_SIZE):
            assert pages.get(va) == expected_prot(flags), \
                f"page {va:#x}: {pages.get(va)}, segment flags {flags}"
        image_end = max(image_end, end)
    assert 0 not in pages, "page 0 must stay unmapped (NULL faults)"
    # The stack: the top pages of the user half, with a guard page below.
    stack = [USER_TOP - (i + 1) * PAGE_SIZE for i in range(USER_STACK_PAGES)]
    assert all(pages.get(va) == "rw-u-ad" for va in stack), "stack pages"
    guard = USER_TOP - (USER_STACK_PAGES + 1) * PAGE_SIZE
    assert guard not in pages, "the page below the stack must be unmapped"
    # Nothing else: image (and the heap right after it) plus the stack.
    extra = [hex(va) for va in pages if image_end + 16 * PAGE_SIZE <= va < stack[-1]]
    assert not extra, f"unexpected user pages: {extra[:8]}"
    assert not any("w" in p and "x" in p for p in pages.values()), "a page is W and X"


def check_kernel_half(out):
    assert expect.PGDUMP_NOT_IMPLEMENTED not in out, out
    title, entries, summary = expect.parse_pgdump(out)
    assert title == "kernel half"
    check_tree_shape(entries, summary)
    leaves = [e for e in entries if not e.is_table]
    assert leaves and all(e.first >= 0xffff800000000000 for e in leaves)
    assert all(e.prot[3] == "-" and e.prot[4] == "g" for e in leaves), \
        "kernel leaves are global and never user"
    assert not any("w" in e.prot and "x" in e.prot for e in leaves), "a W+X kernel page"
    # 512 MiB of RAM at 0x80000000 (QEMU's default bank) in the direct map.
    direct = sum((e.last - e.first + 1) for e in leaves
                 if 0xffff800000000000 <= e.first < 0xffffa00000000000)
    assert direct == 512 << 20, f"the direct map maps {direct} bytes"


@pytest.mark.boot
@pytest.mark.lab(LAB, points=4)
def test_pgdump_of_the_kernel_half(shell):
    check_kernel_half(shell.run("pgdump -k"))


@pytest.mark.boot
@pytest.mark.lab(LAB, points=2)
def test_pgdump_at_boot(machine):
    """pgdump=kernel prints the same dump on the console during boot."""
    m = machine(memory="512M", cpus=2, bootargs="pgdump=kernel")
    start = m.output.find("pgdump: kernel half")
    assert start >= 0, f"no boot-time dump on the console (log {m.log_path})"
    end = m.output.find("\n", m.output.find("pgdump: ", start + 1))
    boot_dump = m.output[start:end]
    check_kernel_half(boot_dump)


PGTABLETEST_CASES = {
    # case -> (points, checks the student's work)
    "text_write_faults": (0, False),
    "rodata_write_faults": (0, False),
    "kernel_half_unreadable": (0, False),
    "pgdump_bad_arguments": (0, False),
    "pgdump_short_buffer": (4, True),
    "pgdump_counts_sbrk_pages": (6, True),
}


@pytest.mark.boot
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.lab(LAB, points=p, student=s))
    for c, (p, s) in PGTABLETEST_CASES.items()])
def test_pgtabletest(case, pgtabletest):
    results, log = pgtabletest
    assert case in results, f"pgtabletest printed no verdict for {case} (log {log})"
    passed, why = results[case]
    assert passed, f"{case}: {why} (log {log})"
