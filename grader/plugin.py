"""pytest plugin for grading labs.

Tests carry their lab and points:

    @pytest.mark.lab("pgtable", points=10)            the student's work
    @pytest.mark.lab("pgtable", points=0, student=False)  provided infrastructure

`--grade LAB` keeps the tests of LAB and every earlier lab (a regression
check), prints a score table per lab and writes Gradescope's results.json
(`--results-json`, default build/grade/results.json). pytest's own
`--junitxml` gives the JUnit file.

Hidden tests (grader/extra.py) sit in the grading tree's tests/hidden/<lab>/
with a lab.toml giving their points and Gradescope visibility; they count
toward their lab and carry that visibility and the tag "hidden".

`--gdb PORT` (make grade-gdb) runs exactly one test with every QEMU it
boots paused for gdb on PORT: the option sets $PAGODA_GDB_PORT, which
grader/qemu.py's Machine reads, so machines made by fixtures and by lab
tests alike are paused, whatever way the test builds them.
"""
import json
import os
import time
from dataclasses import dataclass, field

import pytest

from grader import extra, labtool, qemu

RESULTS_DEFAULT = os.path.join("build", "grade", "results.json")
OUTPUT_LIMIT = 4000     # characters of failure text kept per test in results.json
VISIBLE = "visible"     # Gradescope's visibility of the tests that are not hidden
HIDDEN_TAG = "hidden"
_CONFIG = {}            # the session's config, for hooks that only get a report


@dataclass
class Outcome:
    lab: str
    name: str
    points: int
    student: bool
    visibility: str = VISIBLE
    hidden: bool = False
    passed: bool = True
    output: list = field(default_factory=list)


def pytest_addoption(parser):
    group = parser.getgroup("pagoda grading")
    group.addoption("--grade", metavar="LAB", default=None,
                    help="grade LAB and every lab before it")
    group.addoption("--results-json", default=None,
                    help=f"where to write Gradescope results (default {RESULTS_DEFAULT})")
    group.addoption("--gdb", metavar="PORT", type=int, default=None,
                    help="run one test (select it with -k) with QEMU paused for gdb "
                         "on PORT, panic=spin and no timeouts")


def _configure_gdb(config):
    """Hand --gdb to every Machine through the environment, for this run only."""
    port = config.getoption("gdb")
    if port is None:
        return
    if not 0 < port < 65536:
        raise pytest.UsageError(f"--gdb {port}: not a TCP port (1-65535)")
    if getattr(config.option, "numprocesses", None):
        raise pytest.UsageError("--gdb runs one test in this process: drop -n")
    saved = os.environ.get(qemu.GDB_PORT_ENV)
    os.environ[qemu.GDB_PORT_ENV] = str(port)
    config.add_cleanup(lambda: _restore_env(qemu.GDB_PORT_ENV, saved))


def _restore_env(name, value):
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "lab(name, points, student=True): a graded test of lab NAME")
    _CONFIG["config"] = config
    config._pagoda_outcomes = {}
    config._pagoda_labs = None
    config._pagoda_extras = {}
    config._pagoda_started = time.monotonic()
    _configure_gdb(config)
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
        try:
            config._pagoda_extras = extra.installed(str(config.rootpath), names)
        except extra.ExtraError as e:
            raise pytest.UsageError(f"hidden tests: {e}")


def _lab_marker(item):
    marker = item.get_closest_marker("lab")
    if marker is None:
        return None
    name = marker.args[0] if marker.args else marker.kwargs.get("name")
    return (name, int(marker.kwargs.get("points", 0)),
            bool(marker.kwargs.get("student", True)))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep the graded labs' tests; under --gdb check that one test is left
    (trylast: after -k has deselected the others)."""
    _keep_graded(config, items)
    _check_one_for_gdb(config, items)


def _keep_graded(config, items):
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


def _check_one_for_gdb(config, items):
    """Each QEMU under --gdb waits for a person: exactly one test may run."""
    if config.getoption("gdb") is None or len(items) == 1:
        return
    hint = "name one with TEST=<name> (pytest -k <name>)"
    if not items:
        raise pytest.UsageError(f"--gdb: no test is selected; {hint}")
    names = "\n  ".join(item.nodeid for item in items[:20])
    raise pytest.UsageError(f"--gdb runs exactly one test, and {len(items)} are selected:"
                            f"\n  {names}\n{hint}")


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
    entry = outcomes.get(report.nodeid)
    if entry is None:
        entry = outcomes[report.nodeid] = _outcome(config, report.nodeid, lab, points, student)
    if report.failed or (report.when == "call" and report.skipped):
        entry.passed = False
        entry.output.append(str(report.longrepr)[-OUTPUT_LIMIT:])


def _outcome(config, nodeid, lab, points, student):
    """A test's entry; one in tests/hidden/<lab>/ takes that folder's
    visibility, and must belong to that lab."""
    entry = Outcome(lab, nodeid, points, student)
    for name, hidden in config._pagoda_extras.items():
        prefix = os.path.join(extra.HIDDEN_DIR, name, "").replace(os.sep, "/")
        if nodeid.startswith(prefix):
            entry.visibility, entry.hidden = hidden.visibility, True
            if lab != name:
                entry.passed = False
                entry.output.append(f"a hidden test of lab {name} marked as lab {lab}")
    return entry


def scores(outcomes, labs, extras=None):
    """[(lab, got, max, problems)] in lab order; a lab's hidden tests
    (extras: {lab: extra.Extra}) add their points to its maximum."""
    rows = []
    for lab in labs:
        mine = [o for o in outcomes.values() if o.lab == lab.name]
        got = sum(o.points for o in mine if o.passed)
        total = sum(o.points for o in mine)
        hidden = (extras or {}).get(lab.name)
        expected = lab.points + (hidden.points if hidden else 0)
        problems = []
        if total != expected:
            where = lab.path + (f" and {hidden.folder}/{extra.EXTRA_FILE}" if hidden else "")
            problems.append(f"tests add up to {total} points, {where} say {expected}")
        rows.append((lab.name, got, expected, problems))
    return rows


def write_results(path, outcomes, rows, seconds=None):
    """Gradescope's results.json: the score, one entry per test, and the
    console text visible only when no hidden test ran."""
    tests = [{"name": o.name, "score": o.points if o.passed else 0, "max_score": o.points,
              "output": "\n".join(o.output) or ("passed" if o.passed else "failed"),
              "visibility": o.visibility,
              "tags": [o.lab] + ([] if o.student else ["infrastructure"])
                      + ([HIDDEN_TAG] if o.hidden else [])}
             for o in outcomes.values()]
    any_hidden = any(o.hidden for o in outcomes.values())
    data = {"score": sum(r[1] for r in rows), "tests": tests,
            "leaderboard": [], "visibility": VISIBLE,
            "stdout_visibility": "hidden" if any_hidden else VISIBLE}
    if seconds is not None:
        data["execution_time"] = round(seconds)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    labs = config._pagoda_labs
    if labs is None:
        return
    rows = scores(config._pagoda_outcomes, labs, config._pagoda_extras)
    tr = terminalreporter
    tr.section("scores")
    for name, got, total, problems in rows:
        tr.write_line(f"lab {name}: {got}/{total}")
        for p in problems:
            tr.write_line(f"  problem: {p}")
    tr.write_line(f"total: {sum(r[1] for r in rows)}/{sum(r[2] for r in rows)}")
    path = config.getoption("results_json") or RESULTS_DEFAULT
    write_results(path, config._pagoda_outcomes, rows,
                  time.monotonic() - config._pagoda_started)
    tr.write_line(f"results: {path}")
    if any(r[3] for r in rows) and config._pagoda_session is not None:
        config._pagoda_session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_sessionstart(session):
    session.config._pagoda_session = session
