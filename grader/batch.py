#!/usr/bin/env python3
"""Grade a whole class, and grade on Gradescope and GitHub Classroom.

    batch.py grade --submissions DIR --lab LAB [--out DIR] [--jobs N]
                   [--timeout SECONDS] [--extra DIR] [--test EXPR] [--keep]
    batch.py autograder-zip --lab LAB --out ZIP [--extra DIR]
    batch.py autograder [--root DIR]        Gradescope's run_autograder
    batch.py classroom-result RESULTS_JSON  GitHub Classroom's score payload

`grade` (make batch-grade) takes every entry of DIR as one submission (a git
repository, a folder, a .tar.gz/.tgz/.tar or a .zip; grader/submission.py
takes it in safely) and, for each, in parallel up to --jobs:
  1. copies the student's tree and lays the instructor's grading files over
     it (OVERLAY_DIRS, OVERLAY_FILES and the lab test programs of every
     lab.toml); the row names every student copy that differed;
  2. builds it (`make -s all`) in its own process group, output capped;
  3. grades it with the instructor's tree for the lab (the lab's handout,
     plus hidden tests from --extra, grader/extra.py): pytest --grade LAB
     there, against the student's build (--source-dir);
all within --timeout seconds of wall clock and QUOTA_BYTES of disk for the
submission's folder; past either its process group is killed (and any QEMU
left from it, by PID). OUT/scores.csv gets one row per submission, and
OUT/<name>/ its results.json, build and grade output and console logs.

The instructor's tree is the lab's handout, made from the reference tree
(labtool.make_handout); run from a handout tree (labs/HANDOUT), that tree is
used as it is. The solution never sits where a student's build could read it.
"""
import argparse
import base64
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from concurrent.futures import ThreadPoolExecutor, wait, FIRST_COMPLETED
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grader import expect, extra, labtool, qemu, submission  # noqa: E402

# ---- limits ------------------------------------------------------------------------
DEFAULT_TIMEOUT_S = 1800        # one submission: build and grade
QUOTA_BYTES = 2 << 30           # disk a submission's folder may use (build included)
OUTPUT_LIMIT_BYTES = 1 << 20    # kept of make's and pytest's output, each
LOG_LIMIT_BYTES = 4 << 20       # kept of each console log copied to OUT
POLL_S = 0.2                    # how often a running step is looked at
QUOTA_POLL_S = 3.0              # how often its disk use is measured
READER_JOIN_S = 5.0             # for the output reader after a kill
ERROR_LINE_MAX = 200            # characters of a build error quoted in the row
REPLACED_SHOWN = 8              # files named in the replaced column, then "and N more"

# ---- the instructor's files laid over every submission -------------------------------
# The grader, the build rules and everything that runs on the grading host
# (mkfs and the headers it includes): no student code runs outside QEMU.
OVERLAY_DIRS = ("grader", "tests", "labs", "scripts", "mk", "mkfs")
OVERLAY_FILES = ("Makefile", "pytest.ini", "user/verdict.h", "kernel/include/fs_format.h",
                 "kernel/include/param.h", "kernel/include/uapi/stat.h")
PROGRAM_PATH = "user/bin/{program}.c"
SKIPPED_NAMES = ("__pycache__",)
BUILD_DIR = "build"

# ---- row statuses --------------------------------------------------------------------
GRADED = "graded"
NO_BUILD = "did-not-build"
TIMED_OUT = "timed-out"
OVER_QUOTA = "over-quota"
BAD = "bad-submission"
GRADER_ERROR = "grader-error"

# Gradescope's fixed layout, under a root that AUTOGRADER_ROOT may move.
AUTOGRADER_ROOT_ENV = "AUTOGRADER_ROOT"
AUTOGRADER_ROOT = "/autograder"
AUTOGRADER_TIMEOUT_ENV = "AUTOGRADER_TIMEOUT"
AUTOGRADER_TEST_ENV = "AUTOGRADER_TEST"     # a -k expression, to try the zip quickly
EXECUTABLE = 0o755


class BatchError(Exception):
    """Bad input to a command: the message names the file and the problem."""


# ---- the instructor's side -----------------------------------------------------------

@dataclass
class Course:
    lab: str
    labs: list            # labtool.Lab, up to and including lab
    tree: str             # the instructor's tree for the lab (grading happens here)
    programs: list        # lab test programs of every lab
    extras: dict          # {lab: extra.Extra} installed in tree

    @property
    def max_points(self):
        return sum(lab.points for lab in self.labs) + sum(
            e.points for name, e in self.extras.items() if name in self.lab_names)

    @property
    def lab_names(self):
        return [lab.name for lab in self.labs]


def _copy_tree(src, dest):
    shutil.copytree(src, dest, symlinks=True,
                    ignore=shutil.ignore_patterns(BUILD_DIR, ".git", *SKIPPED_NAMES))


def prepare_course(root, lab, tree, extra_dir=None):
    """Write the instructor's tree for lab into tree (absent) and return the Course."""
    try:
        labs = labtool.load_labs(root)
        names = labtool.lab_names(labs)
        index = labtool._lab_index(lab, labs)
    except labtool.LabError as e:
        raise BatchError(str(e)) from None
    handout = _handout_lab(root)
    if handout is not None and handout != lab:
        raise BatchError(f"{os.path.join(root, labtool.HANDOUT_FILE)}: this tree is the "
                         f"handout of lab {handout}, not {lab}")
    if handout is not None:
        _copy_tree(root, tree)
    else:
        labtool.make_handout(lab, tree, root)
    try:
        if extra_dir:
            extra.install(extra.load(extra_dir, names), tree)
        extras = extra.installed(tree, names)
    except extra.ExtraError as e:
        raise BatchError(str(e)) from None
    programs = sorted({p for x in labs for p in x.programs})
    return Course(lab, labs[:index + 1], tree, programs, extras)


def _handout_lab(root):
    path = os.path.join(root, labtool.HANDOUT_FILE)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return f.read().strip()


# ---- the overlay ---------------------------------------------------------------------

def _files_under(root, top):
    """Relative paths of the files under root/top (hidden tests and
    __pycache__ left out: they are not part of what is compared)."""
    found = set()
    base = os.path.join(root, top)
    if os.path.isfile(base) or os.path.islink(base):
        return {top}
    for dirpath, dirnames, filenames in os.walk(base):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_NAMES
                       and f"{rel_dir}/{d}" != extra.HIDDEN_DIR.replace(os.sep, "/")]
        found |= {f"{rel_dir}/{n}" for n in filenames}
    return found


def _same(a, b):
    if os.path.islink(a) or os.path.islink(b) or not os.path.isfile(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def _compare(instructor, student, mine, theirs):
    """"path (changed|added|missing)" for every student file that differs."""
    changes = []
    for rel in sorted(mine | theirs):
        if rel not in theirs:
            changes.append(f"{rel} (missing)")
        elif rel not in mine:
            changes.append(f"{rel} (added)")
        elif not _same(os.path.join(instructor, rel), os.path.join(student, rel)):
            changes.append(f"{rel} (changed)")
    return changes


def overlay_paths(course):
    """Every overlaid path: folders, then single files."""
    files = list(OVERLAY_FILES) + [PROGRAM_PATH.format(program=p) for p in course.programs]
    return list(OVERLAY_DIRS), files


def apply_overlay(course, tree):
    """Lay the instructor's files over the student's tree; the list of
    student files that differed (they are not used). A build folder that
    came with the submission is removed: the kernel is built from sources."""
    dirs, files = overlay_paths(course)
    changes = []
    for top in dirs + files:
        mine, theirs = _files_under(course.tree, top), _files_under(tree, top)
        changes += _compare(course.tree, tree, mine, theirs)
        submission.remove_tree(os.path.join(tree, top))
        for rel in sorted(mine):
            dest = os.path.join(tree, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(os.path.join(course.tree, rel), dest, follow_symlinks=False)
    if os.path.lexists(os.path.join(tree, BUILD_DIR)):
        submission.remove_tree(os.path.join(tree, BUILD_DIR))
        changes.append(f"{BUILD_DIR}/ (removed: the kernel is built from the sources)")
    return changes


# ---- running one step under limits -----------------------------------------------------

def tree_bytes(root):
    """Disk blocks used under root, in bytes (sparse files count what they use)."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass    # gone while we looked
    return total


def _capture(stream, path, limit):
    """Copy a pipe to path, keeping the first limit bytes, draining the rest."""
    kept = dropped = 0
    with open(path, "wb") as out:
        for chunk in iter(lambda: stream.read(65536), b""):
            room = max(0, limit - kept)
            out.write(chunk[:room])
            kept += min(room, len(chunk))
            dropped += len(chunk) - min(room, len(chunk))
        if dropped:
            out.write(f"\n[batch-grade: output cut at {limit} bytes, "
                      f"{dropped} more dropped]\n".encode())


def kill_strays(marker):
    """SIGKILL, by PID, every process of ours whose command line names marker
    (the submission's folder): a QEMU lives in its own session, out of the
    killed process group."""
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
            if marker in cmdline and os.stat(f"/proc/{entry}").st_uid == os.getuid():
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError):
            pass    # it ended meanwhile


EXITED, TIMEOUT, QUOTA = "exited", "timeout", "quota"   # how a limited step ended


@dataclass
class Limits:
    deadline: float        # time.monotonic() by which the submission is done
    quota_root: str        # the folder whose disk use is bounded
    quota_bytes: int = QUOTA_BYTES
    output_bytes: int = OUTPUT_LIMIT_BYTES


_running = set()                  # process groups of the steps running now
_running_lock = threading.Lock()
_stopping = threading.Event()     # set on Ctrl-C: no step starts any more


def stop_running():
    """Kill every running step's process group (Ctrl-C on the batch)."""
    with _running_lock:
        _stopping.set()
        procs = list(_running)
    for proc in procs:
        _kill_group(proc)


def run_limited(cmd, cwd, env, log_path, limits):
    """Run cmd in its own process group; (EXITED, status), (TIMEOUT, None)
    or (QUOTA, None). Output goes to log_path, capped."""
    with _running_lock:
        if _stopping.is_set():
            raise KeyboardInterrupt("the batch is stopping")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    with _running_lock:
        _running.add(proc)
    try:
        return _watch(proc, log_path, limits)
    finally:
        with _running_lock:
            _running.discard(proc)


def _watch(proc, log_path, limits):
    """Wait for a step within its limits (see run_limited)."""
    reader = threading.Thread(target=_capture, args=(proc.stdout, log_path,
                                                      limits.output_bytes), daemon=True)
    reader.start()
    verdict, next_quota = None, time.monotonic()
    while proc.poll() is None:
        now = time.monotonic()
        if now >= limits.deadline:
            verdict = TIMEOUT
        elif now >= next_quota:
            next_quota = now + QUOTA_POLL_S
            if tree_bytes(limits.quota_root) > limits.quota_bytes:
                verdict = QUOTA
        if verdict:
            _kill_group(proc)
            break
        time.sleep(POLL_S)
    kill_strays(os.path.join(limits.quota_root, ""))
    reader.join(READER_JOIN_S)
    return (verdict, None) if verdict else (EXITED, proc.returncode)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def clean_env(**extra_vars):
    """The environment of a build or grading run: no make flags from a
    calling make, no gdb port, no bytecode written into the trees."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", qemu.GDB_PORT_ENV)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra_vars)
    return env


# ---- one submission -------------------------------------------------------------------

@dataclass
class Options:
    out: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    test: str = ""
    keep: bool = False
    slots_dir: str = ""
    max_boots: int = 1


@dataclass
class Row:
    name: str
    status: str = GRADED
    total: int = 0
    labs: dict = field(default_factory=dict)     # lab -> points
    tests: dict = field(default_factory=dict)    # test name -> points
    why: list = field(default_factory=list)
    replaced: list = field(default_factory=list)
    commit: str = ""
    seconds: float = 0.0


def first_error(log_path):
    """The first line of a build log that reports an error (the compiler's
    'file:line: error: ...'), else its last line."""
    with open(log_path, encoding="utf-8", errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    for line in lines:
        if re.search(r"\b(error|Error \d+|undefined reference)\b", line):
            return line[:ERROR_LINE_MAX]
    return lines[-1][:ERROR_LINE_MAX] if lines else "make printed nothing"


def _step_failed(row, verdict, options, limits):
    """Fill row for a step that timed out or ran over its quota."""
    if verdict == TIMEOUT:
        row.status = TIMED_OUT
        row.why.append(f"timed out after {options.timeout_s:g} s")
    else:
        row.status = OVER_QUOTA
        row.why.append(f"its folder grew past {limits.quota_bytes >> 20} MiB of disk")


def build_step(row, tree, out_dir, options, limits):
    """make -s all in the student's tree; False (row filled in) if it failed."""
    log = os.path.join(out_dir, "build.log")
    verdict, status = run_limited(["make", "-s", "all"], tree, clean_env(), log, limits)
    if verdict != EXITED:
        _step_failed(row, verdict, options, limits)
        return False
    if status != 0:
        row.status = NO_BUILD
        row.why.append(f"did not build: {first_error(log)}")
        return False
    return True


def grade_command(course, tree, out_dir, options):
    results = os.path.join(out_dir, "results.json")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests",
           "--grade", course.lab, "--stage", "", "--source-dir", tree,
           "--build-dir", BUILD_DIR, "--results-json", results,
           "--junitxml", os.path.join(out_dir, "junit.xml"),
           "--basetemp", os.path.join(tree, ".pytest-tmp")]
    return cmd + (["-k", options.test] if options.test else [])


def grade_step(row, course, tree, out_dir, options, limits):
    """pytest --grade in the instructor's tree against the student's build."""
    env = clean_env(**{qemu.SLOTS_DIR_ENV: options.slots_dir,
                       qemu.MAX_BOOTS_ENV: str(options.max_boots)})
    log = os.path.join(out_dir, "grade.log")
    verdict, status = run_limited(grade_command(course, tree, out_dir, options),
                                  course.tree, env, log, limits)
    if verdict != EXITED:
        _step_failed(row, verdict, options, limits)
        return
    read_results(row, os.path.join(out_dir, "results.json"), status, log)


def read_results(row, path, status, log):
    """Scores from pytest's results.json into row; tampering named in why."""
    try:
        with open(path) as f:
            results = json.load(f)
    except (OSError, ValueError):
        row.status = GRADER_ERROR
        row.why.append(f"the grader wrote no results (pytest status {status}): "
                       f"{first_error(log)}")
        return
    row.total = results.get("score", 0)
    tampered = 0
    for t in results.get("tests", []):
        row.tests[t["name"]] = t["score"]
        lab = t["tags"][0] if t.get("tags") else ""
        row.labs[lab] = row.labs.get(lab, 0) + t["score"]
        tampered += expect.TOKEN_MISSING in t.get("output", "")
    if tampered:
        row.why.append(f"tamper: verdict lines without the run token ({tampered} tests)")


def copy_logs(tree, out_dir):
    """The console logs of the boots, each cut at LOG_LIMIT_BYTES."""
    src = os.path.join(tree, BUILD_DIR, "logs")
    if not os.path.isdir(src):
        return
    dest = os.path.join(out_dir, "logs")
    os.makedirs(dest, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if name.endswith(".log"):
            with open(os.path.join(src, name), "rb") as f, \
                    open(os.path.join(dest, name), "wb") as out:
                out.write(f.read(LOG_LIMIT_BYTES))


def grade_one(course, entry, name, options):
    """Everything for one submission; always returns its Row."""
    started = time.monotonic()
    row = Row(name)
    out_dir = os.path.join(options.out, name)
    work = os.path.join(options.out, ".work", name)
    submission.remove_tree(work)
    os.makedirs(out_dir, exist_ok=True)
    limits = Limits(deadline=started + options.timeout_s, quota_root=work)
    try:
        tree, row.commit = submission.unpack(entry, work)
        row.replaced = apply_overlay(course, tree)
        if build_step(row, tree, out_dir, options, limits):
            grade_step(row, course, tree, out_dir, options, limits)
        copy_logs(tree, out_dir)
    except submission.SubmissionError as e:
        row.status = BAD
        row.why.append(str(e))
    except Exception as e:   # one submission must never stop the class
        row.status = GRADER_ERROR
        row.why.append(f"grader error: {e} (traceback in {name}/error.log)")
        with open(os.path.join(out_dir, "error.log"), "w") as f:
            f.write(traceback.format_exc())
    finally:
        if not options.keep:
            submission.remove_tree(work)
    if row.status != GRADED:
        row.total, row.tests, row.labs = 0, {}, {}
    row.seconds = time.monotonic() - started
    return row


# ---- the class --------------------------------------------------------------------------

def list_submissions(folder):
    """[(entry path, unique name)]; BatchError for a missing or empty folder."""
    if not os.path.exists(folder):
        raise BatchError(f"{folder}: no such folder (SUBMISSIONS= names a folder "
                         "of submissions)")
    if not os.path.isdir(folder):
        raise BatchError(f"{folder}: not a folder (SUBMISSIONS= names a folder "
                         "of submissions)")
    entries = sorted(e for e in os.listdir(folder) if not e.startswith("."))
    if not entries:
        raise BatchError(f"{folder}: no submissions in it ({submission.KINDS} each)")
    named, seen = [], set()
    for entry in entries:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", submission.display_name(entry)) or "submission"
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}-{n}"
        seen.add(name)
        named.append((os.path.join(folder, entry), name))
    return named


class Progress:
    """submissions done / total and the elapsed time on stderr; in place
    on a terminal, one line per finished submission otherwise."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.started = time.monotonic()
        self.tty = stream.isatty()

    def line(self, done):
        seconds = int(time.monotonic() - self.started)
        return (f"batch-grade: {done}/{self.total} submissions graded, "
                f"{seconds // 60}m{seconds % 60:02d}s elapsed")

    def show(self, done, changed):
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(done))
        elif changed:
            self.stream.write(self.line(done) + "\n")
        self.stream.flush()

    def finish(self, done):
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(done) + "\n")
            self.stream.flush()


def csv_columns(course, rows):
    tests = []
    for row in rows:
        tests += [t for t in row.tests if t not in tests]
    return (["name", "status", "total", "max", "why"] + course.lab_names + tests
            + ["replaced", "commit", "seconds"]), tests


def _replaced_text(replaced):
    shown = "; ".join(replaced[:REPLACED_SHOWN])
    more = len(replaced) - REPLACED_SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def write_csv(path, course, rows):
    columns, tests = csv_columns(course, rows)
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            graded = r.status == GRADED
            w.writerow([r.name, r.status, r.total, course.max_points, "; ".join(r.why)]
                       + [r.labs.get(lab, 0) if graded else "" for lab in course.lab_names]
                       + [r.tests.get(t, "") for t in tests]
                       + [_replaced_text(r.replaced), r.commit, f"{r.seconds:.0f}"])
    os.replace(path + ".tmp", path)


def grade_class(course, entries, options, jobs):
    """Grade every (entry, name) with jobs at once; rows in entry order."""
    rows, progress = {}, Progress(len(entries))
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        pending = {pool.submit(grade_one, course, e, n, options): n for e, n in entries}
        progress.show(0, True)
        while pending:
            done, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                rows[pending.pop(future)] = future.result()
            ordered = [rows[n] for _, n in entries if n in rows]
            if done:
                write_csv(os.path.join(options.out, "scores.csv"), course, ordered)
            progress.show(len(rows), bool(done))
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_running()
        kill_strays(os.path.join(options.out, ".work", ""))
        raise
    pool.shutdown()
    progress.finish(len(rows))
    return [rows[n] for _, n in entries]


def cmd_grade(args):
    entries = list_submissions(args.submissions)
    if args.jobs < 1 or args.timeout <= 0:
        raise BatchError("--jobs must be at least 1 and --timeout positive")
    out = os.path.abspath(args.out or os.path.join(ROOT, BUILD_DIR, f"batch-{args.lab}"))
    os.makedirs(out, exist_ok=True)
    tree = os.path.join(out, ".grader")
    submission.remove_tree(tree)
    course = prepare_course(ROOT, args.lab, tree, args.extra)
    options = Options(out=out, timeout_s=args.timeout, test=args.test or "", keep=args.keep,
                      slots_dir=os.environ.get(qemu.SLOTS_DIR_ENV) or os.path.join(out, ".slots"),
                      max_boots=int(os.environ.get(qemu.MAX_BOOTS_ENV) or args.jobs))
    try:
        rows = grade_class(course, entries, options, args.jobs)
    finally:
        if not args.keep:
            submission.remove_tree(tree)
    for r in rows:
        print(f"{r.name}: {r.status} {r.total}/{course.max_points}"
              + (f" ({'; '.join(r.why)})" if r.why else ""))
    print(f"batch-grade: {os.path.join(out, 'scores.csv')}")


# ---- Gradescope ---------------------------------------------------------------------------

SETUP_SH = """#!/bin/sh
# Gradescope runs this once, as root, while it builds the autograder image:
# the Debian/Ubuntu packages that building and grading need.
set -eu
cd "$(dirname "$0")"
./scripts/install-deps --grading
"""

RUN_AUTOGRADER = """#!/bin/sh
# Gradescope runs this for every submission. It grades /autograder/submission
# with the instructor's tree in /autograder/source and writes
# /autograder/results/results.json. AUTOGRADER_ROOT=<dir> moves /autograder
# (to try the zip on a fake root); AUTOGRADER_TIMEOUT=<seconds> bounds a run.
set -eu
root="${AUTOGRADER_ROOT:-/autograder}"
python=$("$root/source/scripts/find-python")
exec "$python" "$root/source/grader/batch.py" autograder --root "$root"
"""


def _zip_add(z, arcname, data, mode):
    info = zipfile.ZipInfo(arcname, date_time=(2000, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def cmd_autograder_zip(args):
    """build/autograder-<lab>.zip: the instructor's tree for the lab (hidden
    tests included), setup.sh and run_autograder at its top."""
    out = os.path.abspath(args.out)
    with tempfile.TemporaryDirectory(prefix="pagoda-autograder-") as tmp:
        tree = os.path.join(tmp, "source")
        prepare_course(ROOT, args.lab, tree, args.extra)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with zipfile.ZipFile(out + ".tmp", "w") as z:
            _zip_add(z, "setup.sh", SETUP_SH, EXECUTABLE)
            _zip_add(z, "run_autograder", RUN_AUTOGRADER, EXECUTABLE)
            for rel in sorted(labtool._walk_tree(tree)):
                path = os.path.join(tree, rel)
                with open(path, "rb") as f:
                    _zip_add(z, rel.replace(os.sep, "/"), f.read(),
                             os.stat(path).st_mode & EXECUTABLE)
        os.replace(out + ".tmp", out)
    print(f"autograder: {out} (upload it as the assignment's autograder on Gradescope)")


def _autograder_entry(folder):
    """Gradescope unpacks an upload into the folder; an upload that is one
    archive (or one folder) is that archive or folder."""
    if not os.path.isdir(folder):
        raise BatchError(f"{folder}: no submission folder")
    entries = [e for e in os.listdir(folder) if not e.startswith(".")]
    if len(entries) == 1 and not os.path.isdir(os.path.join(folder, entries[0])):
        path = os.path.join(folder, entries[0])
        if path.lower().endswith(submission.TAR_SUFFIXES + submission.ZIP_SUFFIXES):
            return path
    return folder


def gradescope_results(row, results_path, course):
    """Gradescope's results.json for a row: pytest's when it graded, else a
    zero score whose output says why."""
    data = {"score": 0, "tests": [], "visibility": "visible", "stdout_visibility": "visible"}
    if row.status == GRADED and os.path.isfile(results_path):
        with open(results_path) as f:
            data = json.load(f)
    notes = row.why + ([f"your copies of these files were not used: "
                        f"{_replaced_text(row.replaced)}"] if row.replaced else [])
    data["output"] = (f"{row.status}: {row.total}/{course.max_points}"
                      + "".join(f"\n{n}" for n in notes))
    return data


def cmd_autograder(args):
    root = os.path.abspath(args.root or os.environ.get(AUTOGRADER_ROOT_ENV) or AUTOGRADER_ROOT)
    source = os.path.join(root, "source")
    lab = _handout_lab(source)
    if lab is None:
        raise BatchError(f"{source}: no {labtool.HANDOUT_FILE} (is this an autograder zip "
                         "made by make autograder?)")
    work = tempfile.mkdtemp(prefix="pagoda-autograder-")
    try:
        course = prepare_course(source, lab, os.path.join(work, "grader"))
        timeout = float(os.environ.get(AUTOGRADER_TIMEOUT_ENV) or DEFAULT_TIMEOUT_S)
        options = Options(out=os.path.join(work, "out"), timeout_s=timeout,
                          test=os.environ.get(AUTOGRADER_TEST_ENV, ""),
                          slots_dir=os.path.join(work, "slots"), max_boots=os.cpu_count() or 1)
        entry = _autograder_entry(os.path.join(root, "submission"))
        row = grade_one(course, entry, "submission", options)
        data = gradescope_results(row, os.path.join(options.out, "submission", "results.json"),
                                  course)
        os.makedirs(os.path.join(root, "results"), exist_ok=True)
        with open(os.path.join(root, "results", "results.json"), "w") as f:
            json.dump(data, f, indent=2)
        print(data["output"])
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- GitHub Classroom -----------------------------------------------------------------------

def classroom_payload(results):
    """What GitHub Classroom's grading reporter decodes: base64 JSON of the
    tests with their points, and the maximum."""
    tests = [{"name": t["name"], "status": "pass" if t["score"] == t["max_score"] else "fail",
              "score": t["score"], "message": "" if t["score"] == t["max_score"]
              else t.get("output", "")[:ERROR_LINE_MAX]} for t in results.get("tests", [])]
    body = {"version": 1, "max_score": sum(t["max_score"] for t in results.get("tests", [])),
            "status": "pass" if all(t["status"] == "pass" for t in tests) else "fail",
            "tests": tests}
    return base64.b64encode(json.dumps(body).encode()).decode()


def cmd_classroom_result(args):
    try:
        with open(args.results) as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        raise BatchError(f"{args.results}: no results to report ({e}); did make grade run?")
    print(f"result={classroom_payload(results)}")


# ---- command line ------------------------------------------------------------------------------

def _parser():
    p = argparse.ArgumentParser(prog="batch.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    g = sub.add_parser("grade", help="grade a folder of submissions into scores.csv")
    g.add_argument("--submissions", required=True, help="the folder of submissions")
    g.add_argument("--lab", required=True)
    g.add_argument("--out", help="where scores.csv goes (default build/batch-<lab>)")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="submissions at once (default: the core count)")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                   help=f"seconds per submission, build and grade (default {DEFAULT_TIMEOUT_S})")
    g.add_argument("--extra", help="hidden tests (GRADER_EXTRA, see grader/extra.py)")
    g.add_argument("--test", help="only the tests matching this -k expression")
    g.add_argument("--keep", action="store_true", help="keep each submission's work tree")
    z = sub.add_parser("autograder-zip", help="write a Gradescope autograder zip")
    z.add_argument("--lab", required=True)
    z.add_argument("--out", required=True)
    z.add_argument("--extra", help="hidden tests to put in the zip")
    a = sub.add_parser("autograder", help="grade Gradescope's /autograder/submission")
    a.add_argument("--root", help=f"instead of ${AUTOGRADER_ROOT_ENV} or {AUTOGRADER_ROOT}")
    c = sub.add_parser("classroom-result", help="GitHub Classroom's payload of results.json")
    c.add_argument("results")
    return p


COMMANDS = {"grade": cmd_grade, "autograder-zip": cmd_autograder_zip,
            "autograder": cmd_autograder, "classroom-result": cmd_classroom_result}


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv):
    """0 when done, 1 for bad input (one 'batch-grade: ...' line), 2 for usage.
    SIGINT or SIGTERM stops every running step (its process group and QEMUs)."""
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        COMMANDS[args.command](args)
    except (BatchError, labtool.LabError, submission.SubmissionError, OSError) as e:
        print(f"batch-grade: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("batch-grade: interrupted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
