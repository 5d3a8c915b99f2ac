"""Checks that several lab tests share: console text against the formulas.

Each returns a problem (one line saying what differs) or None, so a test can
assert on it and the message says what the kernel did and what it should
have done.
"""
from grader import expect
from grader import formulas
from grader import machines


def direct_map_tables(text, memory, banks, mapsize):
    """The direct_map_min_tables diagnostics of one boot against the machine:
    the direct map covers exactly its RAM, with the fewest tables."""
    ranges, got = expect.parse_direct_map(text)
    expected = machines.ram_ranges(memory, banks)
    if got["mapsize"] != mapsize:
        return f"booted with mapsize={mapsize}, the kernel used {got['mapsize']}"
    if ranges != expected:
        return (f"the direct map covers {[(hex(a), hex(b)) for a, b in ranges]}, the "
                f"machine's RAM is {[(hex(a), hex(b)) for a, b in expected]}")
    want = formulas.minimum_tables(expected, mapsize)
    used = {level: got[level] for level in formulas.TABLE_SPAN}
    if used != want:
        return f"mapsize={mapsize}: the direct map uses {used} table pages, the minimum is {want}"
    return None
