"""Parse KTAP (the kernel test output format) from a console log.

The kernel (kernel/lib/ktest.c) prints one subtest block per suite:

        KTAP version 1
        # Subtest: pgtable
        1..5
        ok 1 leaf_choice
        not ok 2 remap_refused # pgtable_test.c:52: ...
    ok 1 pgtable
"""
import re
from dataclasses import dataclass

SUBTEST_RE = re.compile(r"^\s*# Subtest: (?P<suite>\S+)\s*$")
PLAN_RE = re.compile(r"^\s*1\.\.(?P<count>\d+)\s*$")
CASE_RE = re.compile(r"^\s+(?P<not>not )?ok (?P<num>\d+) (?P<name>[^#\s]+)"
                     r"(?:\s*#\s*(?P<reason>.*))?$")
SUMMARY_RE = re.compile(r"^# ktest: (?P<suites>\d+) suites?, (?P<failed>\d+) failed")


@dataclass
class Case:
    suite: str
    number: int
    name: str
    ok: bool
    reason: str


class KtapError(ValueError):
    """Console text that is not well-formed KTAP."""


def parse(text):
    """{suite: {case name: Case}} from console text; KtapError if a suite
    block is cut short (fewer results than its plan announced)."""
    suites, suite, planned = {}, None, 0
    for line in text.splitlines():
        line = line.rstrip("\r")
        m = SUBTEST_RE.match(line)
        if m:
            _check_complete(suite, suites, planned)
            suite, planned = m["suite"], 0
            suites[suite] = {}
            continue
        if suite is None:
            continue
        m = PLAN_RE.match(line)
        if m and not suites[suite]:
            planned = int(m["count"])
            continue
        m = CASE_RE.match(line)
        if m:
            suites[suite][m["name"]] = Case(suite, int(m["num"]), m["name"],
                                            not m["not"], (m["reason"] or "").strip())
    _check_complete(suite, suites, planned)
    return suites


def _check_complete(suite, suites, planned):
    if suite is not None and len(suites[suite]) < planned:
        raise KtapError(f"suite {suite}: {len(suites[suite])} of {planned} results "
                        "(the kernel stopped in the middle of the suite)")


def summary(text):
    """(suites, failed cases) from the runner's last line, or None."""
    for line in text.splitlines():
        m = SUMMARY_RE.match(line.strip("\r"))
        if m:
            return int(m["suites"]), int(m["failed"])
    return None
