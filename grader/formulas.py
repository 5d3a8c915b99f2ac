"""The counts the kernel must hit, computed here independently of the
kernel's own arithmetic, from the machine the grader built.

Sv48 with 4 KiB pages and 512-entry tables: a pte table covers 2 MiB, a pmd
table 1 GiB, a pud table 512 GiB.
"""
MIB = 1 << 20
GIB = 1 << 30
# Bytes one table of each level covers.
TABLE_SPAN = {"pte": 2 * MIB, "pmd": GIB, "pud": 512 * GIB}
LEAF_SIZE = {"4k": 4096, "2m": 2 * MIB, "1g": GIB}
# The leaf one level above each table level: a span that big can be one leaf.
SPAN_LEAF = {"pte": "2m", "pmd": "1g", "pud": None}


def minimum_tables(ranges, mapsize):
    """{level: fewest tables} that map ranges ([start, end) byte pairs) with
    leaves no larger than mapsize: one table per span that RAM touches and
    that a single leaf cannot cover."""
    if mapsize not in LEAF_SIZE:
        raise ValueError(f"mapsize {mapsize!r}: expected one of {', '.join(LEAF_SIZE)}")
    rank = list(LEAF_SIZE)
    want = {}
    for level, span in TABLE_SPAN.items():
        above = SPAN_LEAF[level]
        leaf_allowed = above is not None and rank.index(above) <= rank.index(mapsize)
        needed = set()
        for start, end in ranges:
            for base in range(start // span * span, end, span):
                covered = start <= base and base + span <= end
                if not (leaf_allowed and covered):
                    needed.add(base)
        want[level] = len(needed)
    return want


# ---- lab vmemmap ------------------------------------------------------------
PAGE_SIZE = 4096
STRUCT_PAGE_SIZE = 64              # kernel/include/mm.h: a static assertion
SECTION_SIZE = 128 * MIB           # kernel/include/sparse.h SECTION_SIZE_BITS 27
PAGES_PER_SECTION = SECTION_SIZE // PAGE_SIZE


def present_sections(ranges):
    """Section numbers that hold any of the RAM in ranges."""
    return sorted({nr for start, end in ranges
                   for nr in range(start // SECTION_SIZE, (end - 1) // SECTION_SIZE + 1)})


def memmap_bytes(model, ranges):
    """Bytes of struct page each model keeps for this RAM."""
    if model == "flat":
        span = max(end for _, end in ranges) - min(start for start, _ in ranges)
        return span // PAGE_SIZE * STRUCT_PAGE_SIZE
    return len(present_sections(ranges)) * PAGES_PER_SECTION * STRUCT_PAGE_SIZE


def vmemmap_cost(ranges, leaf):
    """(table pages, backing blocks) of the virtual memmap with 2m or 4k
    leaves. Each section's struct pages fill exactly 2 MiB of vmemmap, one
    pmd entry; a pmd table covers 1 GiB of vmemmap (the pud tables of the
    kernel half exist before the memmap and are not counted)."""
    sections = present_sections(ranges)
    memmap_per_section = PAGES_PER_SECTION * STRUCT_PAGE_SIZE
    pmd_tables = len({nr * memmap_per_section // GIB for nr in sections})
    if leaf == "2m":
        return pmd_tables, len(sections)
    return pmd_tables + len(sections), len(sections) * memmap_per_section // PAGE_SIZE


# ---- lab altmap ---------------------------------------------------------------
PMD_SPAN = 2 * MIB                 # one pmd entry of vmemmap: a 2 MiB block
PAGES_PER_PMD = PMD_SPAN // PAGE_SIZE
PMEM_INFO_PAGES = 1                # kernel/include/pmem.h: the info block
COMPOUND_PAGES = {"4k": 1, "2m": PMD_SPAN // PAGE_SIZE, "1g": GIB // PAGE_SIZE}


def _align_up(x, a):
    return (x + a - 1) // a * a


def _align_down(x, a):
    return x // a * a


def pmem_layout(dev_size):
    """The device's own layout, in pages from its start: the info block,
    then a memmap budget that ends on 2 MiB (so 2 MiB memmap blocks fit
    after the block's alignment loss), then the data."""
    nr_pages = dev_size // PAGE_SIZE
    data = _align_up(PMEM_INFO_PAGES * PAGE_SIZE + nr_pages * STRUCT_PAGE_SIZE,
                     PMD_SPAN) // PAGE_SIZE
    return {"reserve": PMEM_INFO_PAGES, "budget": data - PMEM_INFO_PAGES, "data": data,
            "data_pages": nr_pages - data}


def _memmap_va(pfn):
    """Offset of pfn's struct page inside the vmemmap."""
    return pfn * STRUCT_PAGE_SIZE


def _vmemmap_plain(start_pfn, end_pfn, leaf):
    """Memmap of [start_pfn, end_pfn) the ordinary way: 2 MiB blocks where a
    whole 2 MiB of vmemmap lies inside (leaf 2m), 4 KiB pages elsewhere.
    Returns (pages of memmap, {2 MiB vmemmap spans that need a pte table},
    block alignment lost on an altmap that starts right after the info block)."""
    start, end = _memmap_va(start_pfn), _memmap_va(end_pfn)
    pages, pte_spans = 0, set()
    for span in range(_align_down(start, PMD_SPAN), end, PMD_SPAN):
        lo, hi = max(span, start), min(span + PMD_SPAN, end)
        if leaf == "2m" and (lo, hi) == (span, span + PMD_SPAN):
            pages += PAGES_PER_PMD
        else:
            pages += (hi - lo) // PAGE_SIZE
            pte_spans.add(span)
    return pages, pte_spans


def pmem_memmap(dev_pa, dev_size, map_mode, align="4k", leaf="2m"):
    """What onlining the device's memmap costs, computed from the design:
    {on_device, align_pages, in_ram, vmemmap_pte_spans, compound}.

    map_mode "dev": the whole memmap is carved from the device's budget
    (no compound dedup: there is nothing to save on the device), the first
    block aligned to its size after the info block. "ram": plain memmap for
    the pages before the first whole compound page and after the last; each
    compound page's memmap is one head page and one shared tail page, all
    4 KiB ptes."""
    start = dev_pa // PAGE_SIZE
    end = start + dev_size // PAGE_SIZE
    layout = pmem_layout(dev_size)
    nr = COMPOUND_PAGES[align]
    first = _align_up(start + layout["data"], nr)
    last = _align_down(end, nr)
    if map_mode == "dev" or nr == 1 or first >= last:
        pages, spans = _vmemmap_plain(start, end, leaf)
        if map_mode == "dev":
            block = PAGES_PER_PMD if leaf == "2m" and not spans else 1
            lost = _align_up(PMEM_INFO_PAGES, block) - PMEM_INFO_PAGES
            return {"on_device": pages, "align_pages": lost, "in_ram": 0,
                    "vmemmap_pte_spans": spans, "compound": 0}
        return {"on_device": 0, "align_pages": 0, "in_ram": pages,
                "vmemmap_pte_spans": spans, "compound": 0}
    head, head_spans = _vmemmap_plain(start, first, leaf)
    tail, tail_spans = _vmemmap_plain(last, end, leaf)
    compound = (last - first) // nr
    spans = head_spans | tail_spans | set(range(_align_down(_memmap_va(first), PMD_SPAN),
                                                _memmap_va(last), PMD_SPAN))
    return {"on_device": 0, "align_pages": 0, "in_ram": head + tail + 2 * compound,
            "vmemmap_pte_spans": spans, "compound": compound}


def _table_bases(start, end, max_leaf):
    """{(level, base)} of the tables below the pud level that map [start, end)
    with the biggest leaf that fits, up to max_leaf (2m or 1g)."""
    bases = set()
    for level, above in (("pmd", "1g"), ("pte", "2m")):
        span = TABLE_SPAN[level]
        leaf_ok = list(LEAF_SIZE).index(above) <= list(LEAF_SIZE).index(max_leaf)
        for base in range(_align_down(start, span), end, span):
            if not (leaf_ok and start <= base and base + span <= end):
                bases.add((level, base))
    return bases


def pmem_table_pages(ram_ranges, dev_pa, dev_size, map_mode, align="4k", leaf="2m"):
    """Table pages onlining takes from RAM: the device's direct map (leaves up
    to 1 GiB) and its vmemmap (pmd tables per GiB of vmemmap, pte tables per
    2 MiB span that is not one block), less the tables the boot already made
    for RAM in the same spans. Pud tables of the kernel half exist from boot."""
    boot_direct = set().union(*(_table_bases(s, e, "1g") for s, e in ram_ranges))
    direct = _table_bases(dev_pa, dev_pa + dev_size, "1g") - boot_direct
    boot_pmds = {nr * PAGES_PER_SECTION * STRUCT_PAGE_SIZE // GIB
                 for nr in present_sections(ram_ranges)}
    start, end = _memmap_va(dev_pa // PAGE_SIZE), _memmap_va((dev_pa + dev_size) // PAGE_SIZE)
    pmds = set(range(start // GIB, (end - 1) // GIB + 1)) - boot_pmds
    ptes = pmem_memmap(dev_pa, dev_size, map_mode, align, leaf)["vmemmap_pte_spans"]
    return len(direct) + len(pmds) + len(ptes)
