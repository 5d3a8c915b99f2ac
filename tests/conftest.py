"""Shared fixtures: the build, booted machines, markers, and QEMU limits.

    build     the tree built once per session with `make -s all`
    machine   a factory: machine(cpus=4, memory="4G", ...) returns a machine
              booted to its shell prompt; every machine it made is killed
              when the test ends, pass or fail. machine.create(...) gives
              one that is not started yet.

Console logs go to build/logs/<test>-<n>.log and are kept; a failing test
lists its logs in the report.

Batch grading (grader/batch.py) runs these tests from the instructor's copy
of the tree against a student's build: --source-dir names the tree make
builds in (the student's), and $PAGODA_BOOT_SLOTS (a folder) with
$PAGODA_MAX_BOOTS share one bound on QEMUs across the grading runs.
"""
import datetime
import fcntl
import json
import os
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grader import ktap, qemu  # noqa: E402  (needs ROOT on sys.path)

MAX_WORKERS = 2           # pytest-xdist workers: a 4-hart QEMU already fills 2 cores
MAX_PARALLEL_BOOTS = 2    # QEMUs at once, across all workers
MAKE_TIMEOUT = 1800       # seconds for a cold build
MAKE_OUTPUT_LINES = 40    # lines of a failed make quoted in the report
POOL_KEY = pytest.StashKey()
STARTED_KEY = pytest.StashKey()
TEST_RUN_RECORD = "test-run.json"   # in the build folder; read by grader/bench.py

MARKERS = (
    "boot: boots the real kernel in QEMU (needs the build)",
    "slow: takes minutes under TCG (usertests)",
    "driver: tests of the QEMU driver itself (fake or tiny kernels)",
)


@dataclass
class Build:
    root: str
    dir: str
    kernel: str
    image: str
    logs: str


def pytest_addoption(parser):
    group = parser.getgroup("pagoda")
    group.addoption("--keep-logs", action="store_true",
                    help="console logs are always kept in build/logs; accepted "
                         "so scripts may ask for it explicitly")
    group.addoption("--build-dir", default="build",
                    help="build directory, relative to the tree (make's B=)")
    group.addoption("--no-make", action="store_true",
                    help="do not run make; use the build as it is")
    group.addoption("--stage", default="",
                    help="build this stage of the reference tree (make's STAGE=)")
    group.addoption("--source-dir", default=ROOT,
                    help="the tree make builds in, --build-dir is relative to it "
                         "(default: this tree; batch grading names a student's)")


def pytest_configure(config):
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    workers = getattr(config.option, "numprocesses", None)
    if workers is not None and (not isinstance(workers, int) or workers > MAX_WORKERS):
        raise pytest.UsageError(
            f"-n {workers}: at most {MAX_WORKERS} workers (each runs QEMU)")


def pytest_sessionstart(session):
    session.stash[STARTED_KEY] = time.monotonic()


def pytest_sessionfinish(session, exitstatus):
    """A whole-suite run (make test) leaves its time for `make bench`: the
    suite is too long for the benchmark to run it again."""
    config = session.config
    if hasattr(config, "workerinput") or STARTED_KEY not in session.stash:
        return
    whole = (config.invocation_params.args[-1:] == ("tests",) and not config.option.keyword
             and not config.getoption("grade", None))
    if not whole:
        return
    record = {"seconds": round(time.monotonic() - session.stash[STARTED_KEY], 1),
              "workers": getattr(config.option, "numprocesses", None) or 1,
              "tests": session.testscollected, "failed": session.testsfailed,
              "exitstatus": int(exitstatus),
              "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(
                  timespec="seconds")}
    path = os.path.join(ROOT, config.getoption("build_dir"), TEST_RUN_RECORD)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Name a failing test's console logs in its report."""
    outcome = yield
    report = outcome.get_result()
    pool = item.stash.get(POOL_KEY, None)
    if report.failed and pool is not None and pool.log_paths:
        report.sections.append(("console logs", "\n".join(pool.log_paths)))


def _run_make(root, build_dir, stage="", memmodel=""):
    os.makedirs(os.path.join(root, build_dir), exist_ok=True)
    # Workers share one tree: one make at a time, the others then find it done.
    with open(os.path.join(root, build_dir, ".make.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            result = subprocess.run(["make", "-s", "all", f"B={build_dir}", f"STAGE={stage}",
                                     f"MEMMODEL={memmodel}"],
                                    cwd=root,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, timeout=MAKE_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make did not finish in {MAKE_TIMEOUT}s", pytrace=False)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-MAKE_OUTPUT_LINES:])
        pytest.fail(f"make failed with status {result.returncode}:\n{tail}",
                    pytrace=False)


@pytest.fixture(scope="session")
def build(pytestconfig):
    build_dir = pytestconfig.getoption("build_dir")
    source = os.path.abspath(pytestconfig.getoption("source_dir"))
    if not pytestconfig.getoption("no_make"):
        _run_make(source, build_dir, pytestconfig.getoption("stage"))
    b = Build(root=source, dir=os.path.join(source, build_dir),
              kernel=os.path.join(source, build_dir, "kernel", "kernel.elf"),
              image=os.path.join(source, build_dir, "fs.img"),
              logs=os.path.join(source, build_dir, "logs"))
    for path in (b.kernel, b.image):
        if not os.path.isfile(path):
            pytest.fail(f"the build has no {path}", pytrace=False)
    os.makedirs(b.logs, exist_ok=True)
    return b


def _sub_build(pytestconfig, build, rel, what, stage, memmodel=""):
    """The tree built again in folder rel (make B=rel STAGE= MEMMODEL=), as a
    Build sharing the main build's logs; what names it when it fails."""
    if not pytestconfig.getoption("no_make"):
        _run_make(build.root, rel, stage, memmodel)
    b = Build(root=build.root, dir=os.path.join(build.root, rel),
              kernel=os.path.join(build.root, rel, "kernel", "kernel.elf"),
              image=os.path.join(build.root, rel, "fs.img"), logs=build.logs)
    for path in (b.kernel, b.image):
        if not os.path.isfile(path):
            pytest.fail(f"the {what} build has no {path}", pytrace=False)
    return b


@pytest.fixture(scope="session")
def model_build(pytestconfig, build):
    """model_build("sparse"): the tree built with MEMMODEL=sparse (lab
    vmemmap) in its own folder under the build, as a Build."""
    built = {}

    def get(memmodel):
        if memmodel not in built:
            rel = os.path.join(pytestconfig.getoption("build_dir"), f"model-{memmodel}")
            built[memmodel] = _sub_build(pytestconfig, build, rel, f"MEMMODEL={memmodel}",
                                         pytestconfig.getoption("stage"), memmodel)
        return built[memmodel]

    return get


@pytest.fixture(scope="session")
def stage_build(pytestconfig, build):
    """stage_build("mixedmap"): the reference tree at that stage (make
    STAGE=<lab>: labs up to it solved, later ones in their handout state) in
    build/stage-<lab>, the folder `make grade LAB=<lab>` uses too, so the
    two share one build. A Build."""
    built = {}

    def get(lab):
        if lab not in built:
            rel = os.path.join("build", f"stage-{lab}")
            built[lab] = _sub_build(pytestconfig, build, rel, f"STAGE={lab}", lab)
        return built[lab]

    return get


@pytest.fixture(scope="session")
def fsck(build):
    """The host file-system checker (mkfs/fsck.c), built once: its path."""
    path = os.path.join(build.dir, "mkfs", "fsck")
    with open(os.path.join(build.logs, ".host-tests.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        res = subprocess.run(["make", "-s", os.path.relpath(path, build.root)], cwd=build.root,
                             capture_output=True, text=True, timeout=300)
    if res.returncode != 0 or not os.path.exists(path):
        pytest.fail(f"building fsck failed:\n{res.stdout}{res.stderr}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def time_factor(build):
    """How much slower than the reference this host boots (>= 1)."""
    try:
        return qemu.calibrate(build.kernel, build.image, build.logs)
    except qemu.MachineError as e:
        # Every test's own boot will report the problem in detail.
        warnings.warn(f"calibration boot failed, timeouts not scaled: {e}")
        return qemu.MIN_FACTOR


@pytest.fixture(scope="session")
def boot_slots(build):
    shared = os.environ.get(qemu.SLOTS_DIR_ENV)
    count = os.environ.get(qemu.MAX_BOOTS_ENV, str(MAX_PARALLEL_BOOTS))
    if not count.isdigit():
        pytest.fail(f"${qemu.MAX_BOOTS_ENV}={count!r}: not a count of QEMUs", pytrace=False)
    return qemu.BootSlots(shared or os.path.join(build.logs, ".slots"), int(count))


@pytest.fixture(scope="session")
def ktap_boot(build, time_factor, boot_slots):
    """ktap_boot(name, check=None, **options): boot one machine (pool.boot's
    options), run check(machine) if given, kill it, and return (its KTAP
    suites read against the run token, its console log paths)."""
    def boot(name, check=None, **options):
        pool = qemu.MachinePool(name, build.logs, kernel=build.kernel, image=build.image,
                                time_factor=time_factor, slots=boot_slots)
        try:
            m = pool.boot(**options)
            if check:
                check(m)
            return ktap.parse(m.output, m.token), pool.log_paths
        finally:
            pool.kill_all()
    return boot


class _BootingPool(qemu.MachinePool):
    """A MachinePool whose call boots a machine: machine(cpus=4)."""

    def __call__(self, **options):
        return self.boot(**options)


@pytest.fixture
def machine(request, build, time_factor, boot_slots):
    pool = _BootingPool(request.node.name, build.logs, kernel=build.kernel,
                        image=build.image, time_factor=time_factor,
                        slots=boot_slots)
    request.node.stash[POOL_KEY] = pool
    try:
        yield pool
    finally:
        pool.kill_all()
