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
