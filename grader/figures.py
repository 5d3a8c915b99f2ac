#!/usr/bin/env python3
"""The handbook's figures, drawn from the kernel's own constants.

Figures are generated at every `make handbook`, never drawn by hand, so
they cannot drift from the code they explain:

    sv48-split.svg     the virtual-address split, from PAGE_SHIFT,
                       PTE_INDEX_BITS and PGTABLE_LEVELS (asm/pgtable.h)
    vm-layout.svg      the virtual memory layout, from memlayout.h
    phys-machines.svg  the physical memory of each machine the grader
                       boots, with its holes (from the tests' definitions)
    memmap-models.svg  the memmap of each memory model (FLATMEM, SPARSEMEM,
                       SPARSEMEM_VMEMMAP) on the lab vmemmap machines, from
                       sparse.h, mm.h, memlayout.h and grader/machines.py
    altmap-layout.svg  a 16 GiB pmem device to scale: info block, memmap
                       budget with its alignment loss, data (lab altmap),
                       from pmem.h, mm.h, sparse.h and asm/pgtable.h,
                       checked against grader/formulas.py pmem_layout
    vmemmap-dedup.svg  the vmemmap ptes of one 2 MiB compound page, plain
                       and deduplicated, with the 1 GiB figures (lab altmap)

Usage: figures.py OUT_DIR [--root DIR] [--memlayout H] [--pgtable H]
(--memlayout/--pgtable read another copy of a header: the handbook's test
changes a constant in a copy and checks that the figure follows).
Exit status 1 with one 'figures: ...' line when a constant cannot be read
or the layout is inconsistent.
"""
import argparse
import math
import os
import sys
from dataclasses import dataclass

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader import formulas  # noqa: E402
from grader import machines as shared_machines  # noqa: E402
from grader.constants import CHeader, ConstantError  # noqa: E402
from grader.machine_maps import grader_machines  # noqa: E402
from grader.svg import MONO, Svg, hatch_pattern  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEMLAYOUT_H = os.path.join("kernel", "include", "memlayout.h")
PGTABLE_H = os.path.join("kernel", "arch", "riscv", "include", "asm", "pgtable.h")
SPARSE_H = os.path.join("kernel", "include", "sparse.h")
MM_H = os.path.join("kernel", "include", "mm.h")
PMEM_H = os.path.join("kernel", "include", "pmem.h")
TOP = 1 << 64                 # one past the last 64-bit address
UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

# Colours of the index fields, lowest level first (colour-blind safe set).
LEVEL_COLOURS = ["#cfe8cf", "#cfe0f5", "#f5e3c4", "#e7d4ef", "#f5d0d0", "#d9d9d9"]


class FigureError(Exception):
    """A figure cannot be drawn truthfully from the sources."""


@dataclass
class Sources:
    """Where the constants come from; tests point these at modified copies."""
    root: str = ROOT
    memlayout: str = ""
    pgtable: str = ""
    pmem: str = ""

    def header(self):
        """memlayout.h and asm/pgtable.h together: the layout uses VA_BITS."""
        return CHeader.read(self.memlayout or os.path.join(self.root, MEMLAYOUT_H),
                            self.pgtable or os.path.join(self.root, PGTABLE_H))

    def memmap_constants(self, defs):
        """What the memmap figure needs: the page, section and struct page
        sizes and the vmemmap window. Section and struct page sizes come
        from sparse.h and mm.h; a partial tree without them (the handbook's
        tests copy only the headers above) uses the grader's own values in
        grader/formulas.py, which the lab's tests hold the kernel to."""
        sparse, mm = (os.path.join(self.root, p) for p in (SPARSE_H, MM_H))
        if os.path.exists(sparse):
            section_bits = CHeader.read(self.memlayout or os.path.join(self.root, MEMLAYOUT_H),
                                        self.pgtable or os.path.join(self.root, PGTABLE_H),
                                        sparse).value("SECTION_SIZE_BITS")
        else:
            section_bits = formulas.SECTION_SIZE.bit_length() - 1
        page_size = CHeader.read(mm).value("STRUCT_PAGE_SIZE") if os.path.exists(mm) \
            else formulas.STRUCT_PAGE_SIZE
        return MemmapConstants(page_shift=defs.value("PAGE_SHIFT"),
                               index_bits=defs.value("PTE_INDEX_BITS"),
                               section_bits=section_bits, struct_page=page_size,
                               vmemmap_start=defs.value("VMEMMAP_START"),
                               vmemmap_size=defs.value("VMEMMAP_SIZE"))

    def altmap_constants(self, defs):
        """What lab altmap's figures need: the memmap's constants, the
        pmd and pud shifts (2 MiB blocks and compound pages, 1 GiB compound
        pages) and the info block's pages from pmem.h; a partial tree
        without pmem.h uses grader/formulas.py's value, as above."""
        memmap = self.memmap_constants(defs)
        pmem = self.pmem or os.path.join(self.root, PMEM_H)
        info_pages = CHeader.read(pmem).value("PMEM_INFO_PAGES") if os.path.exists(pmem) \
            else formulas.PMEM_INFO_PAGES
        return AltmapConstants(page_shift=memmap.page_shift, pmd_shift=defs.value("PMD_SHIFT"),
                               pud_shift=defs.value("PUD_SHIFT"),
                               section_bits=memmap.section_bits,
                               struct_page=memmap.struct_page, info_pages=info_pages)


# ---- number formatting -----------------------------------------------------------

def hex_addr(value, digits=0):
    """0xffff_8000_0000_0000: grouped by four as the handouts write them."""
    text = f"{value:0{digits}x}" if digits else f"{value:x}"
    groups = []
    while text:
        groups.insert(0, text[-4:])
        text = text[:-4]
    return "0x" + "_".join(groups)


def human_size(size):
    """4 KiB, 32 TiB, 1027 MiB; approximate only where no unit is exact."""
    unit = max(0, min(len(UNITS) - 1, (size.bit_length() - 1) // 10))
    for u in range(unit, -1, -1):
        if size % (1 << (10 * u)) == 0 and size >> (10 * u) < 10000:
            return f"{size >> (10 * u)} {UNITS[u]}"
    return f"≈{size / (1 << (10 * unit)):.1f} {UNITS[unit]}"


def level_name(level, levels):
    """Linux's names: pte, pmd, pud, (p4d,) pgd at the top."""
    if level == levels - 1:
        return "pgd"
    return ["pte", "pmd", "pud", "p4d"][level] if level < 4 else f"l{level}"


# ---- the Sv48 address split ------------------------------------------------------------

@dataclass
class Split:
    page_shift: int
    index_bits: int
    levels: int

    @property
    def va_bits(self):
        return self.page_shift + self.index_bits * self.levels

    def fields(self):
        """[(name, high bit, low bit, level or None)] from bit 63 down."""
        out = [("sign extension", 63, self.va_bits, None)] if self.va_bits < 64 else []
        for level in range(self.levels - 1, -1, -1):
            low = self.page_shift + self.index_bits * level
            out.append((f"{level_name(level, self.levels)} index", low + self.index_bits - 1,
                        low, level))
        out.append(("page offset", self.page_shift - 1, 0, None))
        return out

    def value(self, va, high, low):
        return (va >> low) & ((1 << (high - low + 1)) - 1)


def read_split(defs):
    """The three constants everything else in asm/pgtable.h derives from."""
    split = Split(defs.value("PAGE_SHIFT"), defs.value("PTE_INDEX_BITS"),
                  defs.value("PGTABLE_LEVELS"))
    if not 0 < split.va_bits <= 64 or split.levels < 1:
        raise FigureError(f"PAGE_SHIFT + PTE_INDEX_BITS * PGTABLE_LEVELS = {split.va_bits} "
                          "is not a virtual-address width")
    return split


def _field_box(pic, split, x_of, y, field):
    name, high, low, level = field
    x, w = x_of(high + 1), x_of(low) - x_of(high + 1)
    colour = "#eeeeee" if level is None else LEVEL_COLOURS[level % len(LEVEL_COLOURS)]
    pic.rect(x, y, w, 44, fill=colour, stroke="#333", tip=f"{name}: bits {high}..{low}")
    pic.text(x + w / 2, y + 18, name, text_anchor="middle", font_weight="bold")
    pic.text(x + w / 2, y + 35, f"{high - low + 1} bits", text_anchor="middle")
    pic.text(x + 3, y - 5, str(high), font_size="10")
    pic.text(x + w - 3, y - 5, str(low), font_size="10", text_anchor="end")
    if level is not None:
        entry = 1 << (split.page_shift + split.index_bits * level)
        pic.text(x + w / 2, y + 60, f"level {level}", text_anchor="middle", font_size="11")
        pic.text(x + w / 2, y + 75, f"entry maps {human_size(entry)}",
                 text_anchor="middle", font_size="11")


def _example_row(pic, split, x_of, y, label, va):
    pic.text(x_of(64), y, f"{label} = {hex_addr(va, 16)}", font_family=MONO, font_size="11")
    for name, high, low, level in split.fields():
        value = split.value(va, high, low)
        shown = str(value) if level is not None else hex(value)
        mid = (x_of(high + 1) + x_of(low)) / 2
        pic.text(mid, y + 16, shown, text_anchor="middle", font_family=MONO,
                 tip=f"{label}: {name} = {shown}")


def sv48_split(defs):
    """Fields to scale (one unit per bit), with the span of one entry of each
    level and two real addresses from memlayout.h split into indices."""
    split = read_split(defs)
    examples = [(n, defs.value(n)) for n in ("PAGE_OFFSET", "KERNEL_LINK_ADDR") if n in defs]
    left, bit_w = 20, 13
    height = 150 + 40 * len(examples)
    pic = Svg(left * 2 + 64 * bit_w, height,
              title=f"Sv{split.va_bits} virtual address: {split.levels} levels of "
                    f"{split.index_bits}-bit indices over {split.page_shift}-bit pages")
    def x_of(bit):
        return left + (64 - bit) * bit_w
    pic.text(left, 16, f"a {split.va_bits}-bit virtual address (sign-extended to 64 bits), "
                       f"{1 << split.index_bits} entries per table", font_weight="bold")
    for field in split.fields():
        _field_box(pic, split, x_of, 40, field)
    for i, (label, va) in enumerate(examples):
        _example_row(pic, split, x_of, 140 + 40 * i, label, va)
    return pic


# ---- the virtual memory layout -----------------------------------------------------------

# (name, first macro, end macro or None for the top of the address space).
LAYOUT_REGIONS = [
    ("unmapped page (NULL)", None, "USER_TEXT_START"),
    ("user space", "USER_TEXT_START", "USER_TOP"),
    ("direct map of physical memory", "PAGE_OFFSET", "DIRECT_MAP_END"),
    ("vmemmap (struct page array)", "VMEMMAP_START", "VMEMMAP_END"),
    ("vmalloc / ioremap", "VMALLOC_START", "VMALLOC_END"),
    ("kernel image", "KERNEL_VIRT_START", None),
]
# Addresses inside a region that the figure marks with their names.
LAYOUT_MARKS = ("KERNEL_LINK_ADDR", "USER_MMAP_TOP")
REGION_COLOURS = {"user space": "#d6ecd2", "kernel image": "#f6d5c6",
                  "unmapped page (NULL)": "#eeeeee"}
KERNEL_COLOUR = "#d2e0f3"


@dataclass
class Region:
    name: str
    start: int
    end: int          # exclusive; TOP for the top of the address space
    kind: str         # "region", "unused" or "hole"


def _region_bound(defs, macro, default):
    return default if macro is None else defs.value(macro)


def layout_regions(defs):
    """The defined regions plus the gaps between them, bottom up; refuses a
    layout whose regions overlap or leave their half."""
    split = read_split(defs)
    half = 1 << (split.va_bits - 1)
    regions = [Region(name, _region_bound(defs, a, 0), _region_bound(defs, b, TOP), "region")
               for name, a, b in LAYOUT_REGIONS]
    regions.sort(key=lambda r: r.start)
    for r in regions:
        _check_region(r, half)
    out = []
    for below, above in zip(regions, regions[1:]):
        if below.end > above.start:
            raise FigureError(f"{below.name} [{hex_addr(below.start)}, {hex_addr(below.end)}) "
                              f"overlaps {above.name} starting at {hex_addr(above.start)}")
        out.append(below)
        out += _gaps(below.end, above.start, half)
    return out + regions[-1:]


def _gaps(start, end, half):
    """The space between two regions, cut where the canonical halves end:
    the non-canonical part can never be mapped, the rest is merely unused."""
    cuts = sorted({start, end, *(c for c in (half, TOP - half) if start < c < end)})
    gaps = []
    for a, b in zip(cuts, cuts[1:]):
        hole = a >= half and b <= TOP - half
        gaps.append(Region("non-canonical hole" if hole else "(unused)", a, b,
                           "hole" if hole else "unused"))
    return gaps


def _check_region(region, half):
    """Every region sits in one canonical half and is not empty."""
    if region.start >= region.end:
        raise FigureError(f"{region.name}: start {hex_addr(region.start)} is not below "
                          f"its end {hex_addr(region.end)}")
    user = region.end <= half
    kernel = region.start >= TOP - half
    if not (user or kernel):
        raise FigureError(f"{region.name} [{hex_addr(region.start)}, {hex_addr(region.end)}) "
                          f"is not inside one canonical half (user below {hex_addr(half)}, "
                          f"kernel from {hex_addr(TOP - half)})")


def _names_at(defs, address, wanted):
    """Layout macros whose value is this address, for the boundary labels."""
    return [n for n in wanted if n in defs and defs.value(n) == address]


def _box_height(size):
    """Heights grow with log2 of the size: 4 KiB and 16 EiB on one page."""
    return 26 + 2.4 * max(0, math.log2(size) - 12)


def _pgd_span(defs, region):
    split = read_split(defs)
    shift = split.page_shift + split.index_bits * (split.levels - 1)
    mask = (1 << split.index_bits) - 1
    first, last = (region.start >> shift) & mask, ((region.end - 1) >> shift) & mask
    return f"pgd {first}" if first == last else f"pgd {first}–{last}"


def _layout_box(pic, defs, region, y, h):
    colour = {"hole": "url(#hole)", "unused": "#fafafa"}.get(
        region.kind, REGION_COLOURS.get(region.name, KERNEL_COLOUR))
    tip = f"{region.name}: {hex_addr(region.start, 16)} – {hex_addr(region.end - 1, 16)}"
    pic.rect(180, y, 330, h, fill=colour, stroke="#555",
             stroke_dasharray="4 3" if region.kind != "region" else None, tip=tip)
    mid = y + h / 2
    weight = "bold" if region.kind == "region" else None
    pic.text(190, mid - 2, region.name, font_weight=weight)
    pic.text(190, mid + 13, human_size(region.end - region.start), font_size="11")
    if region.kind == "region" and region.start:
        pic.text(500, mid + 13, _pgd_span(defs, region), font_size="11", text_anchor="end")


def _boundary(pic, defs, address, y):
    pic.line(170, y, 520, y, stroke="#333")
    shown = hex_addr(address, 16) if address < TOP else "top of 2^64"
    pic.text(165, y + 4, shown, text_anchor="end", font_family=MONO, font_size="11")
    all_names = [n for _, a, b in LAYOUT_REGIONS for n in (a, b) if n]
    names = _names_at(defs, address, dict.fromkeys(all_names + ["KERNEL_HALF_START",
                                                                "DIRECT_MAP_END"]))
    if names:
        pic.text(530, y + 4, " = ".join(names), font_family=MONO, font_size="11")


def _marks(pic, defs, regions, positions):
    """Tick marks for addresses inside a region, placed by their offset
    (linear, kept off the box's edges so the label stays readable)."""
    for name in LAYOUT_MARKS:
        if name not in defs:
            continue
        va = defs.value(name)
        for region, (y, h) in zip(regions, positions):
            if region.start < va < region.end:
                frac = min(0.7, max(0.3, (va - region.start) / (region.end - region.start)))
                ym = y + h - frac * h
                pic.line(470, ym, 520, ym, stroke="#a33", stroke_dasharray="2 2")
                pic.text(530, ym + 4, f"{name} = {hex_addr(va, 16)}", font_family=MONO,
                         font_size="11", fill="#a33")


def vm_layout(defs):
    """The layout as stacked boxes, highest address at the top, each box
    labelled with its size and the pgd entries it uses."""
    regions = layout_regions(defs)
    heights = [_box_height(r.end - r.start) for r in regions]
    top_margin = 40
    total = top_margin + sum(heights) + 40
    pic = Svg(880, total, title="Pagoda's virtual memory layout (from memlayout.h)")
    pic.raw(hatch_pattern("hole", colour="#ddd", background="#fff"))
    pic.text(20, 20, "virtual memory layout, highest address on top "
                     "(box height grows with log2 of the size)", font_weight="bold")
    y, positions = top_margin, []
    for region, h in zip(reversed(regions), reversed(heights)):
        positions.insert(0, (y, h))
        y += h
    for region, (y, h) in zip(regions, positions):
        _layout_box(pic, defs, region, y, h)
        _boundary(pic, defs, region.start, y + h)
    _boundary(pic, defs, regions[-1].end, top_margin)
    _marks(pic, defs, regions, positions)
    return pic


# ---- physical memory of the grader's machines --------------------------------------------

GIB = 1 << 30
MIB = 1 << 20
MIB2 = 2 << 20
BANK_COLOUR = "#9cc3e6"
PHYS_LEFT, PHYS_WIDTH, PHYS_ROW = 150, 700, 100
LABEL_SPACING = 95        # pixels between address labels on a row's axis


def _edge_colour(address):
    """Red: not even 2 MiB aligned (pte tables); orange: 2 MiB but not 1 GiB."""
    if address % MIB2:
        return "#c0392b"
    return "#e67e22" if address % GIB else None


def _row_scale(m):
    """Each machine on its own scale, from RAM_BASE to its end rounded up to
    a GiB (128 MiB for small machines): x_of(address) and the end."""
    lo = m.ram[0]
    hi = max(m.ram[1], *(e for _, e in m.banks))
    step = GIB if hi - lo >= GIB else 128 * MIB
    hi = lo + -(-(hi - lo) // step) * step
    return lo, hi, (lambda a: PHYS_LEFT + (a - lo) * PHYS_WIDTH / (hi - lo))


def _row_axis(pic, lo, hi, x_of, y):
    """GiB ticks; labels only where they do not collide."""
    ticks = sorted({lo, hi, *range(-(-lo // GIB) * GIB, hi + 1, GIB)})
    last = None
    for a in ticks:
        x = x_of(a)
        pic.line(x, y, x, y + 34, stroke="#bbb", stroke_dasharray="3 3")
        if last is None or x - last >= LABEL_SPACING or a == hi:
            if last is not None and a == hi and x - last < LABEL_SPACING:
                continue
            pic.text(x, y - 3, hex_addr(a), text_anchor="middle", font_family=MONO,
                     font_size="10")
            last = x


def _edges(pic, m, x_of, y):
    for start, end in m.banks:
        for a in (start, end):
            colour = _edge_colour(a)
            if colour:
                pic.path(f"M{x_of(a):.1f} {y - 1} l-5 -8 h10 z", fill=colour, stroke="none")


def _ranges(ranges):
    return ", ".join(f"{hex_addr(s)}–{hex_addr(e)} ({human_size(e - s)})" for s, e in ranges)


def _machine_row(pic, m, y):
    lo, hi, x_of = _row_scale(m)
    described = sum(e - s for s, e in m.banks)
    pic.text(20, y + 30, m.name, font_weight="bold")
    pic.text(20, y + 45, f"-m {human_size(m.memory)}", font_size="11")
    _row_axis(pic, lo, hi, x_of, y + 12)
    bar = y + 18
    pic.rect(x_of(m.ram[0]), bar, x_of(m.ram[1]) - x_of(m.ram[0]), 24, fill="url(#hole)",
             stroke="#888", tip=f"{m.name}: QEMU RAM {hex_addr(m.ram[0])}–{hex_addr(m.ram[1])}")
    for s, e in m.banks:
        pic.rect(x_of(s), bar, x_of(e) - x_of(s), 24, fill=BANK_COLOUR, stroke="#24527a",
                 tip=f"bank {hex_addr(s)}–{hex_addr(e)} ({human_size(e - s)})")
    _edges(pic, m, x_of, bar)
    pic.text(PHYS_LEFT, bar + 38, f"banks: {_ranges(m.banks)}; {human_size(described)} "
                                  "described", font_size="11")
    pic.text(PHYS_LEFT, bar + 52, f"holes: {_ranges(m.holes()) or 'none'}", font_size="11")
    pic.text(PHYS_LEFT, bar + 66, f"booted by {', '.join(m.used_by)}", font_size="11",
             fill="#59636e")


def _legend(pic, y):
    pic.rect(PHYS_LEFT, y, 14, 12, fill=BANK_COLOUR, stroke="#24527a")
    pic.text(PHYS_LEFT + 20, y + 10, "RAM described by the device tree", font_size="11")
    pic.rect(PHYS_LEFT + 220, y, 14, 12, fill="url(#hole)", stroke="#888")
    pic.text(PHYS_LEFT + 240, y + 10, "hole: QEMU has it, the kernel is not told",
             font_size="11")
    pic.path(f"M{PHYS_LEFT + 480} {y + 11} l-5 -8 h10 z", fill="#e67e22")
    pic.text(PHYS_LEFT + 490, y + 10, "edge off 1 GiB", font_size="11")
    pic.path(f"M{PHYS_LEFT + 590} {y + 11} l-5 -8 h10 z", fill="#c0392b")
    pic.text(PHYS_LEFT + 600, y + 10, "edge off 2 MiB", font_size="11")


def phys_machines(machines):
    """One row per machine the grader boots, each on its own scale: QEMU's
    RAM, the banks the device tree describes, the holes, and the bank edges
    that are not 1 GiB or 2 MiB aligned (where the direct map needs smaller
    leaves), with the test files that boot it."""
    if not machines:
        raise FigureError("no grader machines found")
    height = 40 + PHYS_ROW * len(machines) + 30
    pic = Svg(PHYS_LEFT + PHYS_WIDTH + 60, height,
              title="Physical memory of the grader's machines")
    pic.raw(hatch_pattern("hole", colour="#e3c0c0", background="#fff"))
    pic.text(20, 18, "physical memory of the machines the grader boots (each row to its own "
                     "scale)", font_weight="bold")
    for i, m in enumerate(machines):
        _machine_row(pic, m, 30 + PHYS_ROW * i)
    _legend(pic, height - 26)
    return pic


# ---- the memmap of each memory model (lab vmemmap) ------------------------------------

@dataclass
class MemmapConstants:
    page_shift: int       # asm/pgtable.h PAGE_SHIFT
    index_bits: int       # asm/pgtable.h PTE_INDEX_BITS
    section_bits: int     # sparse.h SECTION_SIZE_BITS
    struct_page: int      # mm.h STRUCT_PAGE_SIZE
    vmemmap_start: int    # memlayout.h VMEMMAP_START
    vmemmap_size: int     # memlayout.h VMEMMAP_SIZE

    @property
    def section(self):
        return 1 << self.section_bits

    def memmap_of(self, start, end):
        """Bytes of struct page for the physical range [start, end)."""
        return ((end - start) >> self.page_shift) * self.struct_page

    def vmemmap_of(self, pa):
        """Offset into the virtual memmap of the struct page of pa."""
        return (pa >> self.page_shift) * self.struct_page


# The machines of tests/lab_vmemmap_models.py, by their names in grader/machines.py.
MEMMAP_MACHINES = (("holes machine", "HOLES"), ("16 GiB-span machine", "SPARSE_SPAN"))
MEMMAP_RAM_COLOUR = "#b7dcae"
MEMMAP_ROWS = ("physical memory", "FLATMEM", "SPARSEMEM", "VMEMMAP")
MEMMAP_ROW, MEMMAP_BAR = 40, 18


def _merge(ranges):
    out = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _minus(ranges, taken):
    """The parts of ranges that no range of taken covers."""
    out = []
    for s, e in ranges:
        pos = s
        for ts, te in _merge(taken):
            if te <= pos or ts >= e:
                continue
            if ts > pos:
                out.append((pos, ts))
            pos = max(pos, te)
        if pos < e:
            out.append((pos, e))
    return out


@dataclass
class MemmapCosts:
    banks: list           # [(start, end)] of RAM
    span: tuple           # (lowest, highest) RAM address
    sections: list        # [(start, end)] of each present section
    flat: int             # FLATMEM mem_map bytes
    flat_holes: int       # ... of them for pfns that are not RAM
    sparse: int           # SPARSEMEM and SPARSEMEM_VMEMMAP memmap bytes
    sparse_holes: int
    cost_2m: tuple        # (table pages, blocks) of the virtual memmap, vmemmap=2m
    cost_4k: tuple        # the same with vmemmap=4k


def _chunks(ranges, size):
    """Indices of the size-aligned chunks that the ranges touch."""
    return {i for s, e in ranges for i in range(s // size, (e - 1) // size + 1)}


def memmap_costs(c, banks):
    """Each model's memmap for RAM banks [(start, end)], from the constants
    alone: FLATMEM covers the span, the section models the present sections;
    the virtual memmap needs a pmd table per pmd table span of vmemmap that
    it touches, and a 2 MiB block per pmd entry (2m) or a pte table per pmd
    entry and a page per pte (4k)."""
    span = (min(s for s, _ in banks), max(e for _, e in banks))
    nrs = sorted(_chunks(banks, c.section))
    sections = [(nr * c.section, (nr + 1) * c.section) for nr in nrs]
    ram = sum(c.memmap_of(s, e) for s, e in banks)
    flat = c.memmap_of(*span)
    sparse = sum(c.memmap_of(s, e) for s, e in sections)
    virt = [(c.vmemmap_of(s), c.vmemmap_of(e)) for s, e in sections]
    if virt and virt[-1][1] > c.vmemmap_size:
        raise FigureError(f"the memmap of RAM up to {hex_addr(span[1])} ends "
                          f"{hex_addr(virt[-1][1])} into the vmemmap, past VMEMMAP_SIZE "
                          f"{hex_addr(c.vmemmap_size)}")
    page = 1 << c.page_shift
    pmd_span, pmd_table_span = page << c.index_bits, page << (2 * c.index_bits)
    pmd_tables, leaves_2m = len(_chunks(virt, pmd_table_span)), len(_chunks(virt, pmd_span))
    return MemmapCosts(list(banks), span, sections, flat, flat - ram, sparse, sparse - ram,
                       (pmd_tables, leaves_2m),
                       (pmd_tables + leaves_2m, len(_chunks(virt, page))))


def _memmap_scale(costs, c):
    lo = costs.span[0] // c.section * c.section
    hi = -(-costs.span[1] // c.section) * c.section
    return lo, hi, (lambda a: PHYS_LEFT + (a - lo) * PHYS_WIDTH / (hi - lo))


def _memmap_axis(pic, costs, x_of, y, lo, hi):
    """Addresses at the span's ends and the bank edges, where they fit."""
    edges = sorted({lo, hi, *(a for b in costs.banks for a in b)})
    placed = []
    for a in [lo, hi] + [e for e in edges if e not in (lo, hi)]:
        x = x_of(a)
        if any(abs(x - p) < LABEL_SPACING for p in placed):
            continue
        placed.append(x)
        pic.text(x, y, hex_addr(a), text_anchor="middle", font_family=MONO, font_size="10")
    for a in edges:
        pic.line(x_of(a), y + 3, x_of(a), y + 8 + len(MEMMAP_ROWS) * MEMMAP_ROW - 14,
                 stroke="#bbb", stroke_dasharray="3 3")


def _memmap_bar(pic, x_of, y, covered, ram, tip):
    """struct pages for covered ranges: green where they describe RAM,
    hatched where they describe a hole."""
    for s, e in covered:
        pic.rect(x_of(s), y, x_of(e) - x_of(s), MEMMAP_BAR, fill=MEMMAP_RAM_COLOUR,
                 stroke="#3c7a32", tip=f"{tip}: {hex_addr(s)}–{hex_addr(e)}")
    for s, e in _minus(covered, ram):
        pic.rect(x_of(s), y, x_of(e) - x_of(s), MEMMAP_BAR, fill="url(#memhole)",
                 stroke="#a33", tip=f"{tip}: struct pages of the hole {hex_addr(s)}–{hex_addr(e)}")


def _holes_text(size):
    return f"{human_size(size)} of it for holes" if size else "none of it for holes"


def _memmap_panel(pic, c, title, costs, y):
    lo, hi, x_of = _memmap_scale(costs, c)
    ram = sum(e - s for s, e in costs.banks)
    pic.text(20, y + 14, f"{title}: {human_size(ram)} of RAM in {len(costs.banks)} banks, "
                         f"{human_size(costs.span[1] - costs.span[0])} of span", font_weight="bold")
    _memmap_axis(pic, costs, x_of, y + 32, lo, hi)
    rows = y + 40
    for i, name in enumerate(MEMMAP_ROWS):
        pic.text(20, rows + MEMMAP_ROW * i + 13, name, font_weight="bold", font_size="11")
    # physical memory: banks and holes, section boundaries as ticks
    bar = rows
    pic.rect(x_of(costs.span[0]), bar, x_of(costs.span[1]) - x_of(costs.span[0]), MEMMAP_BAR,
             fill="url(#hole)", stroke="#888")
    for s, e in costs.banks:
        pic.rect(x_of(s), bar, x_of(e) - x_of(s), MEMMAP_BAR, fill=BANK_COLOUR, stroke="#24527a",
                 tip=f"bank {hex_addr(s)}–{hex_addr(e)} ({human_size(e - s)})")
    for a in range(lo, hi + 1, c.section):
        pic.line(x_of(a), bar + MEMMAP_BAR, x_of(a), bar + MEMMAP_BAR + 4, stroke="#333")
    holes = _minus([costs.span], costs.banks)
    pic.text(PHYS_LEFT, bar + MEMMAP_BAR + 14,
             f"ticks: {human_size(c.section)} sections; holes: {_ranges(holes) or 'none'}",
             font_size="11")
    # FLATMEM: one array over the span
    bar += MEMMAP_ROW
    _memmap_bar(pic, x_of, bar, [costs.span], costs.banks, "mem_map")
    ratio = (1 << c.page_shift) // c.struct_page
    pic.text(PHYS_LEFT, bar + MEMMAP_BAR + 14,
             f"mem_map = span / {ratio} = {human_size(costs.flat)}, "
             f"{_holes_text(costs.flat_holes)}", font_size="11")
    # SPARSEMEM: a block per present section
    bar += MEMMAP_ROW
    _memmap_bar(pic, x_of, bar, costs.sections, costs.banks, "section memmap")
    per = c.memmap_of(0, c.section)
    pic.text(PHYS_LEFT, bar + MEMMAP_BAR + 14,
             f"{len(costs.sections)} present sections × {human_size(per)} = "
             f"{human_size(costs.sparse)}, {_holes_text(costs.sparse_holes)}; "
             "absent sections cost nothing", font_size="11")
    # SPARSEMEM_VMEMMAP: the whole window is virtual, only present sections are backed
    bar += MEMMAP_ROW
    pic.rect(x_of(lo), bar, x_of(hi) - x_of(lo), MEMMAP_BAR, fill="#ffffff", stroke="#888",
             stroke_dasharray="4 3", tip="virtual memmap, not backed by memory")
    _memmap_bar(pic, x_of, bar, costs.sections, costs.banks, "vmemmap, backed")
    first = c.vmemmap_start + c.vmemmap_of(costs.span[0])
    last = c.vmemmap_start + c.vmemmap_of(costs.span[1])
    (t2, b2), (t4, b4) = costs.cost_2m, costs.cost_4k
    pic.text(PHYS_LEFT, bar + MEMMAP_BAR + 14,
             f"VA {hex_addr(first)}–{hex_addr(last)}: the same {human_size(costs.sparse)}; "
             f"2m: {b2} blocks, {t2} table page{'s' if t2 != 1 else ''}; "
             f"4k: {b4} pages, {t4} table pages", font_size="11")


def _memmap_legend(pic, y):
    items = [(BANK_COLOUR, "#24527a", "RAM"), ("url(#hole)", "#888", "hole"),
             (MEMMAP_RAM_COLOUR, "#3c7a32", "struct pages of RAM"),
             ("url(#memhole)", "#a33", "struct pages of a hole"),
             ("#ffffff", "#888", "virtual only (unmapped)")]
    x = PHYS_LEFT
    for fill, stroke, label in items:
        pic.rect(x, y, 14, 12, fill=fill, stroke=stroke,
                 stroke_dasharray="4 3" if label.startswith("virtual") else None)
        pic.text(x + 20, y + 10, label, font_size="11")
        x += 40 + 7 * len(label)


def memmap_models(c, machines):
    """For each (title, banks) machine, one panel on its own scale: the
    physical memory with its 128 MiB sections, then the memmap FLATMEM,
    SPARSEMEM and SPARSEMEM_VMEMMAP keep for it, each bar under the
    physical range its struct pages describe, with the byte counts."""
    if not machines:
        raise FigureError("no machines for the memmap figure")
    if c.section_bits <= c.page_shift or c.struct_page <= 0:
        raise FigureError(f"SECTION_SIZE_BITS {c.section_bits} and STRUCT_PAGE_SIZE "
                          f"{c.struct_page} do not describe a memmap")
    panel = 52 + MEMMAP_ROW * len(MEMMAP_ROWS)
    height = 36 + panel * len(machines) + 30
    pic = Svg(PHYS_LEFT + PHYS_WIDTH + 60, height,
              title="The memmap of each memory model on the lab vmemmap machines")
    pic.raw(hatch_pattern("hole", colour="#e3c0c0", background="#fff"))
    pic.raw(hatch_pattern("memhole", colour="#d98b8b", background="#fbeaea"))
    pic.text(20, 18, f"each model's memmap ({c.struct_page} bytes per "
                     f"{human_size(1 << c.page_shift)} page), drawn under the pages it "
                     "describes (each machine to its own scale)", font_weight="bold")
    for i, (title, banks) in enumerate(machines):
        _memmap_panel(pic, c, title, memmap_costs(c, banks), 30 + panel * i)
    _memmap_legend(pic, height - 26)
    return pic


def memmap_machines():
    """[(title, [(start, end)])] of the lab's machines (grader/machines.py)."""
    out = []
    for title, name in MEMMAP_MACHINES:
        memory, banks = getattr(shared_machines, name)
        out.append((title, shared_machines.ram_ranges(memory, banks)))
    return out


# ---- lab altmap: a pmem device's layout, and the deduplicated vmemmap ---------------

# The device the layout figure draws: the largest one the grader's 512 MiB
# machine can hold (QEMU's 64-bit PCIe window there is 16 GiB, and a BAR is
# a power of two, naturally aligned).
ALTMAP_DEVICE = 16 * GIB
INFO_COLOUR, DATA_COLOUR = "#e8a0a0", BANK_COLOUR
ALTMAP_ROW, ALTMAP_BAR = 108, 22


@dataclass
class AltmapConstants:
    page_shift: int       # asm/pgtable.h PAGE_SHIFT
    pmd_shift: int        # asm/pgtable.h PMD_SHIFT: memmap blocks, the data start
    pud_shift: int        # asm/pgtable.h PUD_SHIFT: pmem.align=1g compound pages
    section_bits: int     # sparse.h SECTION_SIZE_BITS
    struct_page: int      # mm.h STRUCT_PAGE_SIZE
    info_pages: int       # pmem.h PMEM_INFO_PAGES: the altmap reserve

    @property
    def page(self):
        return 1 << self.page_shift

    def pages_of(self, shift):
        return 1 << (shift - self.page_shift)


@dataclass
class AltmapLayout:
    """A device in pages from its start (kernel/include/pmem.h), and what
    onlining its memmap with 2 MiB blocks takes from the budget."""
    pages: int            # the whole device
    reserve: int          # the info block: altmap reserve
    align: int            # pages skipped so that the first block starts on 2 MiB
    memmap: int           # pages of struct page: altmap alloc
    data: int             # the first data page: data_pfn_offset
    block: int            # pages of one memmap block (2 MiB)
    section: int          # pages of one memory section

    @property
    def budget(self):
        return self.data - self.reserve

    @property
    def unused(self):
        return self.budget - self.align - self.memmap


def _up(x, a):
    return -(-x // a) * a


def altmap_layout(c, dev_size):
    """The layout pmem_layout() in pmem.c gives a device of dev_size bytes,
    worked out from the constants alone: one struct page per page, after
    the info block, the data starting on the next 2 MiB."""
    if dev_size % (1 << c.section_bits) or c.struct_page <= 0 or c.info_pages < 0:
        raise FigureError(f"a {human_size(dev_size)} device with {c.struct_page}-byte struct "
                          f"pages and {c.info_pages} info pages has no whole-block memmap")
    pages, block = dev_size >> c.page_shift, c.pages_of(c.pmd_shift)
    memmap = _up(pages * c.struct_page, c.page) // c.page
    data = _up(c.info_pages * c.page + pages * c.struct_page, 1 << c.pmd_shift) // c.page
    layout = AltmapLayout(pages, c.info_pages, _up(c.info_pages, block) - c.info_pages,
                          memmap, data, block, c.pages_of(c.section_bits))
    if layout.unused < 0:
        raise FigureError(f"the memmap of a {human_size(dev_size)} device ({memmap} pages, "
                          f"{layout.align} lost to alignment) does not fit its budget of "
                          f"{layout.budget} pages")
    return layout


def check_altmap_layout(layout, dev_size):
    """The grader holds the kernel to grader/formulas.py; a figure drawn
    from headers that the formulas disagree with would teach wrong numbers."""
    want = formulas.pmem_layout(dev_size)
    got = {"reserve": layout.reserve, "budget": layout.budget, "data": layout.data,
           "data_pages": layout.pages - layout.data}
    online = formulas.pmem_memmap(dev_size, dev_size, "dev")   # a BAR aligned to its size
    if got != want or (online["on_device"], online["align_pages"]) != (layout.memmap,
                                                                        layout.align):
        raise FigureError(
            f"the kernel's headers give a {human_size(dev_size)} pmem device {got} with "
            f"memmap {layout.memmap} align {layout.align}; grader/formulas.py gives {want} "
            f"with memmap {online['on_device']} align {online['align_pages']}")


def _exact_size(size):
    """16126 MiB rather than ≈15.7 GiB: the largest unit in which size is
    a whole number below 100000; human_size() when there is none."""
    for u in range(len(UNITS) - 1, 0, -1):
        if size % (1 << (10 * u)) == 0 and size >> (10 * u) < 100000:
            return f"{size >> (10 * u)} {UNITS[u]}"
    return human_size(size)


def _altmap_bar(pic, y, lo, hi, layout, page):
    """One to-scale bar of the pages [lo, hi): x_of(page number)."""
    def x_of(p):
        return PHYS_LEFT + (p - lo) * PHYS_WIDTH / (hi - lo)
    first = layout.reserve + layout.align
    parts = [(0, layout.reserve, INFO_COLOUR, "#9b3b3b", "info block (altmap reserve)"),
             (layout.reserve, first, "url(#alignloss)", "#a07a2a",
              "alignment loss (altmap align)"),
             (first, first + layout.memmap, MEMMAP_RAM_COLOUR, "#3c7a32",
              "memmap: 2 MiB blocks of struct page (altmap alloc)"),
             (first + layout.memmap, layout.data, "#ffffff", "#888", "budget left unused"),
             (layout.data, layout.pages, DATA_COLOUR, "#24527a", "data: /dev/pmem0")]
    for s, e, fill, stroke, name in parts:
        s, e = max(s, lo), min(e, hi)
        if s >= e:
            continue
        w = max(x_of(e) - x_of(s), 1.5)      # visible, however thin; the labels say how thin
        pic.rect(x_of(s), y, w, ALTMAP_BAR, fill=fill, stroke=stroke, stroke_width="0.8",
                 tip=f"{name}: pages {s}–{e - 1} ({human_size((e - s) * page)})")
    return x_of


def _page_marks(pic, x_of, y, marks, lo, hi):
    """Page numbers above a bar where they do not collide, first come first placed."""
    placed = []
    for p in marks:
        if not lo <= p <= hi:
            continue
        x = x_of(p)
        if any(abs(x - q) < 48 for q in placed):
            continue
        placed.append(x)
        anchor = "start" if x - PHYS_LEFT < 20 else "end" if PHYS_LEFT + PHYS_WIDTH - x < 20 \
            else "middle"
        pic.line(x, y - 3, x, y + 1, stroke="#333")
        pic.text(x, y - 6, str(p), text_anchor=anchor, font_family=MONO, font_size="10",
                 tip=f"page {p}")


def _magnified_below(pic, x_of, y, hi, what):
    """A bracket under the part of a bar that the next row magnifies."""
    x0, x1 = x_of(0), max(x_of(hi), x_of(0) + 3)
    pic.path(f"M{x0:.1f} {y} v5 H{x1:.1f} v-5", fill="none", stroke="#a33")
    pic.text(x1 + 6, y + 9, f"{what}, magnified below", font_size="10", fill="#a33")


def altmap_layout_figure(c, dev_size=ALTMAP_DEVICE):
    """The device three times, each row to scale (widths proportional to
    bytes) and each a magnification of the start of the one above: the
    whole device, its sections up to the first with data, and its pages up
    to the end of the first memmap block, where the info block and the
    alignment loss become visible."""
    layout = altmap_layout(c, dev_size)
    page, first = c.page, layout.reserve + layout.align
    sections = (layout.data // layout.section + 1) * layout.section
    zoom = first + layout.block
    rows = [("whole device", 0, layout.pages),
            (f"first {human_size(sections * page)}", 0, sections),
            (f"first {human_size(zoom * page)}", 0, zoom)]
    top = 56
    height = top + ALTMAP_ROW * len(rows) + 86
    pic = Svg(PHYS_LEFT + PHYS_WIDTH + 60, height,
              title=f"The altmap layout of a {human_size(dev_size)} pmem device, to scale")
    pic.raw(hatch_pattern("alignloss", colour="#e0b860", background="#fbf3df"))
    pic.text(20, 18, f"a {human_size(dev_size)} pmem device with its memmap on the device "
                     "(pmem.map=dev, vmemmap=2m)", font_weight="bold")
    pic.text(20, 36, f"each row to scale (widths proportional to bytes) and a magnification of "
                     f"the start of the row above; {c.struct_page} bytes of struct page per "
                     f"{human_size(page)} page", font_size="11")
    marks = [0, layout.reserve, first, layout.data, layout.pages]
    for i, (name, lo, hi) in enumerate(rows):
        y = top + ALTMAP_ROW * i
        bar = y + 22
        pic.text(20, bar + 10, name, font_weight="bold", font_size="11")
        pic.text(20, bar + 24, f"{hi - lo} pages", font_size="10", fill="#59636e")
        x_of = _altmap_bar(pic, bar, lo, hi, layout, page)
        row_marks = marks + ([zoom] if i == 2 else [])
        if i == 2 and layout.reserve:
            _info_callout(pic, x_of, bar, layout, hi - lo)
        if i == 1:
            row_marks += list(range(layout.section, hi, layout.section))
            for s in range(lo, hi + 1, layout.section):
                pic.line(x_of(s), bar + ALTMAP_BAR, x_of(s), bar + ALTMAP_BAR + 4,
                         stroke="#333")
        _page_marks(pic, x_of, bar, row_marks, lo, hi)
        for j, line in enumerate(_altmap_row_text(i, c, layout, page)):
            pic.text(PHYS_LEFT, bar + ALTMAP_BAR + 16 + 14 * j, line, font_size="11")
        if i + 1 < len(rows):
            what = human_size(rows[i + 1][2] * page)
            _magnified_below(pic, x_of, bar + ALTMAP_BAR + 47, rows[i + 1][2],
                             f"the first {what}")
    _altmap_legend(pic, height - 74)
    pic.text(PHYS_LEFT, height - 40,
             f"vmem_altmap once online: reserve {layout.reserve}, free {layout.budget} = align "
             f"{layout.align} + alloc {layout.memmap}"
             + (f" + {layout.unused} unused" if layout.unused else ": the budget used up "
                "exactly"), font_size="11")
    pic.text(PHYS_LEFT, height - 26,
             f"with vmemmap=4k every block is one page: align 0, and "
             f"{layout.align + layout.unused} pages of the budget stay unused", font_size="11")
    pic.text(PHYS_LEFT, height - 12,
             "the memmap describes every page of the device, the info block's and its own "
             "included (PG_reserved)", font_size="11", fill="#59636e")
    return pic


def _info_callout(pic, x_of, bar, layout, span):
    """The info block is a sliver even magnified: point at it and say so."""
    x = x_of(layout.reserve)
    true_width = PHYS_WIDTH * layout.reserve / span
    label = f"◀ info block: page 0, {true_width:.1f} px at this scale (drawn 1.5 px)"
    pic.rect(x + 6, bar + 5, 5.3 * len(label), 13, fill="#ffffff", stroke="none",
             opacity="0.85")
    pic.text(x + 8, bar + 15, label, font_size="10", fill="#9b3b3b")


def _altmap_row_text(i, c, layout, page):
    """The two lines under row i: what the row shows, in pages and sizes."""
    first = layout.reserve + layout.align
    nr_blocks = layout.memmap // layout.block
    share = 100 * layout.data / layout.pages
    if i == 0:
        return [f"info block + memmap budget: pages 0–{layout.data - 1} "
                f"({human_size(layout.data * page)}), {share:.2f}% of the device; the memmap "
                f"alone is 1/{page // c.struct_page} of the device",
                f"data: pages {layout.data}–{layout.pages - 1}, "
                f"{layout.pages - layout.data} pages "
                f"({_exact_size((layout.pages - layout.data) * page)}), at data_pfn_offset "
                f"{layout.data} whatever pmem.map= says"]
    if i == 1:
        return [f"ticks: {human_size(layout.section * page)} sections; memmap: {nr_blocks} "
                f"blocks of {human_size(layout.block * page)}, pages {first}–"
                f"{first + layout.memmap - 1} (alloc {layout.memmap})",
                f"block k holds the {layout.block * page // c.struct_page} struct pages of "
                f"the device's section k; the data starts on the next "
                f"{human_size(layout.block * page)} at page {layout.data}"]
    return [f"page 0: the info block ({human_size(layout.reserve * page)}, reserve "
            f"{layout.reserve}); pages {layout.reserve}–{first - 1}: skipped so that block 0 "
            f"starts on {human_size(layout.block * page)} (align {layout.align})",
            f"pages {first}–{first + layout.block - 1}: memmap block 0, the struct pages of "
            f"device pages 0–{layout.block * page // c.struct_page - 1}"]


def _altmap_legend(pic, y):
    items = [(INFO_COLOUR, "#9b3b3b", "info block (reserve)"),
             ("url(#alignloss)", "#a07a2a", "alignment loss (align)"),
             (MEMMAP_RAM_COLOUR, "#3c7a32", "memmap blocks (alloc)"),
             (DATA_COLOUR, "#24527a", "data (/dev/pmem0)")]
    x = PHYS_LEFT
    for fill, stroke, label in items:
        pic.rect(x, y, 14, 12, fill=fill, stroke=stroke)
        pic.text(x + 20, y + 10, label, font_size="11")
        x += 44 + 7 * len(label)


# The dedup picture: one compound page's memmap ptes, plain and shared.
DEDUP_ROW, DEDUP_TOP, DEDUP_PANEL = 26, 76, 440
ARROW_DEFS = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
              'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
              '<path d="M0 0 L10 5 L0 10 z" fill="#444"/></marker></defs>')
HEAD_COLOUR, TAIL_COLOUR = "#f5d9a8", "#b7dcae"
PTE_BOX, PAGE_X = 178, 250        # width of a pte box; where the pages start


def _dedup_ptes(pic, x, n, per_page, tip):
    for k in range(n):
        y = DEDUP_TOP + DEDUP_ROW * k
        pic.rect(x, y, PTE_BOX, DEDUP_ROW - 6, fill="#f4f4f4", stroke="#666",
                 tip=f"{tip}: pte {k} of the compound page's memmap")
        pic.text(x + 6, y + 14, f"pte {k}: structs {k * per_page}–{(k + 1) * per_page - 1}",
                 font_size="11", font_family=MONO)


def _arrow(pic, x1, y1, x2, y2):
    pic.line(x1, y1, x2, y2, stroke="#444", stroke_width="1.2", marker_end="url(#arrow)")


def vmemmap_dedup(c):
    """Left: the vmemmap of a 2 MiB compound page the plain way, one page
    of RAM per pte. Right: deduplicated, the head page its own and every
    further pte mapping one shared tail page; below, the 1 GiB figures."""
    nr = c.pages_of(c.pmd_shift)
    per_page = c.page // c.struct_page
    n = nr * c.struct_page // c.page
    nr_1g = c.pages_of(c.pud_shift)
    n_1g = nr_1g * c.struct_page // c.page
    if per_page < 1 or not 2 <= n <= 16:
        raise FigureError(f"a {human_size(nr * c.page)} compound page has {n} memmap pages: "
                          "the dedup figure draws 2 to 16")
    height = DEDUP_TOP + DEDUP_ROW * n + 130
    pic = Svg(2 * DEDUP_PANEL + 30, height,
              title=f"The vmemmap of a {human_size(nr * c.page)} compound page, plain and "
                    "deduplicated")
    pic.raw(ARROW_DEFS)
    pic.text(20, 18, f"the memmap of one {human_size(nr * c.page)} compound page: {nr} struct "
                     f"pages × {c.struct_page} bytes = {n} vmemmap pages of "
                     f"{human_size(c.page)} ({per_page} struct pages each)", font_weight="bold")
    rows = DEDUP_ROW * n - 6
    # plain
    x = 20
    pic.text(x, 44, "plain: every pte its own page", font_weight="bold")
    pic.text(x, 60, "the memmap on the device (pmem.map=dev), or before exercise 2",
             font_size="11", fill="#59636e")
    _dedup_ptes(pic, x, n, per_page, "plain")
    for k in range(n):
        y = DEDUP_TOP + DEDUP_ROW * k
        _arrow(pic, x + PTE_BOX + 2, y + 10, x + PAGE_X - 2, y + 10)
        pic.rect(x + PAGE_X, y, 150, DEDUP_ROW - 6, fill=TAIL_COLOUR if k else HEAD_COLOUR,
                 stroke="#3c7a32", tip=f"memmap page {k + 1} of {n}")
        pic.text(x + PAGE_X + 6, y + 14, f"page {k + 1}: " + (
            f"head + {per_page - 1} tails" if k == 0 else f"{per_page} tails"), font_size="11")
    pic.text(x, DEDUP_TOP + rows + 24, f"{n} pages of memmap", font_weight="bold")
    # deduplicated
    x = DEDUP_PANEL + 10
    pic.text(x, 44, "compound: the tail page shared", font_weight="bold")
    pic.text(x, 60, "pmem.map=ram with pmem.align=2m (or 1g)", font_size="11", fill="#59636e")
    _dedup_ptes(pic, x, n, per_page, "deduplicated")
    pic.rect(x + PAGE_X, DEDUP_TOP, 170, DEDUP_ROW - 6, fill=HEAD_COLOUR, stroke="#a07a2a",
             tip="the head page: its own block")
    pic.text(x + PAGE_X + 6, DEDUP_TOP + 14, f"head page: head + {per_page - 1} tails",
             font_size="11")
    _arrow(pic, x + PTE_BOX + 2, DEDUP_TOP + 10, x + PAGE_X - 2, DEDUP_TOP + 10)
    tail_y = DEDUP_TOP + DEDUP_ROW
    tail_h = DEDUP_ROW * (n - 1) - 6
    pic.rect(x + PAGE_X, tail_y, 170, tail_h, fill=TAIL_COLOUR, stroke="#3c7a32",
             tip=f"the one tail page, mapped by ptes 1 to {n - 1}")
    for j, line in enumerate(["the tail page:", f"{per_page} tail struct pages,",
                              "all the same bytes;", f"mapped by {n - 1} ptes,",
                              f"{n - 1} references"][:max(1, (tail_h - 4) // 15)]):
        pic.text(x + PAGE_X + 10, tail_y + 18 + 15 * j, line, font_size="11")
    for k in range(1, n):
        y = DEDUP_TOP + DEDUP_ROW * k + 10
        _arrow(pic, x + PTE_BOX + 2, y, x + PAGE_X - 2, y)
    pic.text(x, DEDUP_TOP + rows + 24, f"2 pages of memmap: {n - 2} saved", font_weight="bold")
    # what a tail holds, and the 1 GiB case
    y = DEDUP_TOP + rows + 50
    pic.text(20, y, "a tail struct page: flags PG_device, pgmap = the device's dev_pagemap, "
                    "compound_head = head | 1, refcount 0 (get_page() counts on the head)",
             font_size="11")
    pic.text(20, y + 16, "page 0 of the memmap holds the head itself, so it stays a page of "
                         "its own; a tail page serves one compound page only (its "
                         "compound_head)", font_size="11")
    pic.text(20, y + 40, f"a {human_size(nr_1g * c.page)} compound page (pmem.align=1g): "
                         f"{nr_1g} struct pages = {n_1g} vmemmap pages "
                         f"({human_size(n_1g * c.page)}) the plain way", font_weight="bold",
             font_size="11")
    pic.text(20, y + 56, f"deduplicated: pte 0 the head page, ptes 1–{n_1g - 1} the one tail "
                         f"page: 2 pages, {n_1g - 2} saved", font_weight="bold", font_size="11")
    return pic


# ---- all of them -----------------------------------------------------------------

FIGURES = {
    "sv48-split.svg": "the Sv48 virtual-address split (asm/pgtable.h)",
    "vm-layout.svg": "the virtual memory layout (memlayout.h)",
    "phys-machines.svg": "physical memory of the grader's machines (tests/)",
    "memmap-models.svg": "the memmap of each memory model on the lab vmemmap machines "
                         "(sparse.h, mm.h, memlayout.h)",
    "altmap-layout.svg": "a 16 GiB pmem device to scale: info block, memmap budget, data "
                         "(pmem.h, mm.h, sparse.h, grader/formulas.py)",
    "vmemmap-dedup.svg": "the vmemmap of a compound page, plain and deduplicated "
                         "(asm/pgtable.h, mm.h)",
}


def draw_all(sources):
    """{file name: Svg}; FigureError naming the constant that went wrong."""
    try:
        defs = sources.header()
        altmap = sources.altmap_constants(defs)
        layout = altmap_layout_figure(altmap)
        check_altmap_layout(altmap_layout(altmap, ALTMAP_DEVICE), ALTMAP_DEVICE)
        return {"sv48-split.svg": sv48_split(defs),
                "vm-layout.svg": vm_layout(defs),
                "phys-machines.svg": phys_machines(grader_machines(sources.root)),
                "memmap-models.svg": memmap_models(sources.memmap_constants(defs),
                                                   memmap_machines()),
                "altmap-layout.svg": layout,
                "vmemmap-dedup.svg": vmemmap_dedup(altmap)}
    except (ConstantError, OSError) as e:
        raise FigureError(str(e)) from None


def write_all(out_dir, sources):
    """Write every figure into out_dir; returns their paths. Draws them all
    first, so a bad constant leaves no half-updated set behind."""
    pictures = draw_all(sources)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, pic in pictures.items():
        path = os.path.join(out_dir, name)
        pic.write(path)
        paths.append(path)
    return paths


def main(argv):
    p = argparse.ArgumentParser(prog="figures.py", description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--root", default=ROOT, help="the tree whose tests define the machines")
    p.add_argument("--memlayout", default="", help=f"default: ROOT/{MEMLAYOUT_H}")
    p.add_argument("--pgtable", default="", help=f"default: ROOT/{PGTABLE_H}")
    args = p.parse_args(argv)
    try:
        paths = write_all(args.out_dir, Sources(args.root, args.memlayout, args.pgtable))
    except FigureError as e:
        print(f"figures: {e}", file=sys.stderr)
        return 1
    print(f"figures: wrote {len(paths)} figures to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
