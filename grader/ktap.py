"""Parse KTAP (the kernel test output format) from a console log.

The kernel (kernel/lib/ktest.c) prints one subtest block per suite:

        KTAP version 1
        # Subtest: pgtable
        1..5
        ok 1 leaf_choice
        not ok 2 remap_refused # pgtable_test.c:52: ...
    ok 1 pgtable

Booted by the grader (grader.token=<hex>), every result line ends with the
run's token tag (grader/expect.py TOKEN_TAG); parse(text, token) fails any
case whose line lacks it.
"""
import re
from dataclasses import dataclass

from grader import expect

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


def parse(text, token=None):
    """{suite: {case name: Case}} from console text; KtapError if a suite
    block is cut short (fewer results than its plan announced). With a
    token, a case whose line lacks this run's tag fails with
    expect.TOKEN_MISSING."""
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
        line, tag = expect.split_token(line)
        m = CASE_RE.match(line)
        if m:
            suites[suite][m["name"]] = _case(suite, m, token is not None and tag != token)
    _check_complete(suite, suites, planned)
    return suites


def _case(suite, m, untokened):
    if untokened:
        return Case(suite, int(m["num"]), m["name"], False, expect.TOKEN_MISSING)
    return Case(suite, int(m["num"]), m["name"], not m["not"], (m["reason"] or "").strip())


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


def assert_case(suites, suite, case, logs):
    """Fail, naming the console logs, unless suite reported case and it
    passed; the kernel's own reason is the message."""
    results = suites.get(suite)
    assert results is not None, f"no KTAP output for suite {suite} (logs: {logs})"
    assert case in results, f"the kernel did not report case {case} (logs: {logs})"
    assert results[case].ok, f"{case}: {results[case].reason} (logs: {logs})"
