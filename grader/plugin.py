"""pytest plugin for grading labs.

Tests carry their lab and points:

    @pytest.mark.lab("pgtable", points=10)            the student's work
    @pytest.mark.lab("pgtable", points=0, student=False)  provided infrastructure

`--grade LAB` keeps the tests of LAB and every earlier lab (a regression
check), prints a score table per lab and writes Gradescope's results.json
(`--results-json`, default build/grade/results.json). pytest's own
`--junitxml` gives the JUnit file.
"""
import json
import os
from dataclasses import dataclass, field

import pytest

from grader import labtool

RESULTS_DEFAULT = os.path.join("build", "grade", "results.json")
OUTPUT_LIMIT = 4000     # characters of failure text kept per test in results.json
_CONFIG = {}            # the session's config, for hooks that only get a report


@dataclass
class Outcome:
    lab: str
    name: str
    points: int
    student: bool
    passed: bool = True
    output: list = field(default_factory=list)


def pytest_addoption(parser):
    group = parser.getgroup("pagoda grading")
    group.addoption("--grade", metavar="LAB", default=None,
                    help="grade LAB and every lab before it")
    group.addoption("--results-json", default=None,
                    help=f"where to write Gradescope results (default {RESULTS_DEFAULT})")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "lab(name, points, student=True): a graded test of lab NAME")
    _CONFIG["config"] = config
    config._pagoda_outcomes = {}
    config._pagoda_labs = None
    lab = config.getoption("grade")
    if lab:
        try:
            labs = labtool.load_labs()
        except labtool.LabError as e:
            raise pytest.UsageError(f"labs: {e}")
        names = [x.name for x in labs]
        if lab not in names:
            raise pytest.UsageError(f"--grade {lab}: no such lab (labs: {', '.join(names)})")
        config._pagoda_labs = labs[:names.index(lab) + 1]


def _lab_marker(item):
    marker = item.get_closest_marker("lab")
    if marker is None:
        return None
    name = marker.args[0] if marker.args else marker.kwargs.get("name")
    return (name, int(marker.kwargs.get("points", 0)),
            bool(marker.kwargs.get("student", True)))


def pytest_collection_modifyitems(config, items):
    labs = config._pagoda_labs
    if labs is None:
        return
    wanted = {lab.name for lab in labs}
    keep, drop = [], []
    for item in items:
        mark = _lab_marker(item)
        (keep if mark and mark[0] in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


LAB_PROPERTY = "pagoda_lab"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Carry the lab marker on the report: under xdist, reports (not items)
    reach the controller that keeps the score."""
    outcome = yield
    mark = _lab_marker(item)
    if mark is not None:
        outcome.get_result().user_properties.append((LAB_PROPERTY, mark))


@pytest.hookimpl
def pytest_runtest_logreport(report):
    mark = dict(report.user_properties).get(LAB_PROPERTY)
    config = _CONFIG.get("config")
    if mark is None or config is None:
        return
    lab, points, student = mark
    outcomes = config._pagoda_outcomes
    entry = outcomes.setdefault(report.nodeid, Outcome(lab, report.nodeid, points, student))
    if report.failed or (report.when == "call" and report.skipped):
        entry.passed = False
        entry.output.append(str(report.longrepr)[-OUTPUT_LIMIT:])


def scores(outcomes, labs):
    """[(lab, got, max, problems)] in lab order."""
    rows = []
    for lab in labs:
        mine = [o for o in outcomes.values() if o.lab == lab.name]
        got = sum(o.points for o in mine if o.passed)
        total = sum(o.points for o in mine)
        problems = []
        if total != lab.points:
            problems.append(f"tests add up to {total} points, {lab.path} says {lab.points}")
        rows.append((lab.name, got, lab.points, problems))
    return rows


def write_results(path, outcomes, rows):
    tests = [{"name": o.name, "score": o.points if o.passed else 0, "max_score": o.points,
              "output": "\n".join(o.output) or ("passed" if o.passed else "failed"),
              "visibility": "visible",
              "tags": [o.lab] + ([] if o.student else ["infrastructure"])}
             for o in outcomes.values()]
    data = {"score": sum(r[1] for r in rows), "tests": tests,
            "leaderboard": [], "visibility": "visible"}
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    labs = config._pagoda_labs
    if labs is None:
        return
    rows = scores(config._pagoda_outcomes, labs)
    tr = terminalreporter
    tr.section("scores")
    for name, got, total, problems in rows:
        tr.write_line(f"lab {name}: {got}/{total}")
        for p in problems:
            tr.write_line(f"  problem: {p}")
    tr.write_line(f"total: {sum(r[1] for r in rows)}/{sum(r[2] for r in rows)}")
    path = config.getoption("results_json") or RESULTS_DEFAULT
    write_results(path, config._pagoda_outcomes, rows)
    tr.write_line(f"results: {path}")
    if any(r[3] for r in rows) and config._pagoda_session is not None:
        config._pagoda_session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_sessionstart(session):
    session.config._pagoda_session = session
