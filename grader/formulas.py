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
