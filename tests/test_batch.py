"""Grading a class (grader/batch.py): batch-grade, the Gradescope zip, and
the run token that keeps canned verdicts from scoring. Instructor-only: the
class needs the reference solution.

The class: eight submissions of lab pgtable, every kind batch-grade takes
in (a git repository, a folder, .tgz, .tar.gz, .zip) and every lab's handout:
  - the solution (the pgtable handout with pgtable's solution in: labtool's
    earlypgt handout, relabelled), which gets every point it is graded on;
  - the handout as given, which gets none of pgtable's student points;
  - one that does not compile (a syntax error in kernel/mm/pgtable.c);
  - one that hangs at boot (an endless wfi loop at the top of kmain);
  - one that fakes: its pgtabletest prints "ok" for every case and its
    kernel prints "ok" KTAP lines without running anything.
  - the handouts of the later labs (vmemmap, mixedmap, altmap) as folders:
    pgtable is solved in each, so each gets every point too.
One hidden test (GRADER_EXTRA) adds HIDDEN_POINTS to the lab. To stay
cheap the class is graded on the tests that need three boots (-k TESTS);
the boots share the session's QEMU slots, so make test still runs at most
MAX_PARALLEL_BOOTS QEMUs.
"""
import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

import pytest
from conftest import MAX_PARALLEL_BOOTS

from grader import batch, expect, extra, ktap, labtool, qemu, submission

ROOT = labtool.ROOT
LAB = "pgtable"
NEXT_LAB = "earlypgt"           # its handout has pgtable solved
TESTS = "not minimum_tables"     # three boots per graded submission
TIMEOUT_S = 100                  # per submission; the others take about 20 s each
JOBS = 2
HIDDEN_POINTS = 5
CLI_TIMEOUT_S = 120
MIB = 1 << 20

HIDDEN_TEST = '''\
import os
import pytest


@pytest.mark.lab("pgtable", points=5)
def test_hidden_kernel_is_an_elf(build):
    with open(build.kernel, "rb") as f:
        assert f.read(4) == b"\\x7fELF"
'''
HIDDEN_TOML = 'points = 5\nvisibility = "after_published"\n'

FAKE_PGTABLETEST = '''\
#include "user.h"
static const char *cases[] = { "text_write_faults", "rodata_write_faults",
	"kernel_half_unreadable", "pgdump_bad_arguments", "pgdump_short_buffer",
	"pgdump_counts_sbrk_pages" };
int main(void)
{
	for (int i = 0; i < 6; i++)
		printf("pgtabletest: %s: ok\\n", cases[i]);
	printf("pgtabletest: done\\n");
	exit(0);
}
'''


# ---- building the class --------------------------------------------------------------

def edit(tree, rel, old, new):
    path = os.path.join(tree, rel)
    with open(path) as f:
        text = f.read()
    assert text.count(old) == 1, f"{rel}: cannot find {old!r}"
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def git(cwd, *args):
    done = subprocess.run(["git", "-c", "user.name=Student", "-c", "user.email=s@localhost",
                           *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def make_solution(path):
    """The pgtable handout with the solution written in: a git repository."""
    labtool.make_handout(NEXT_LAB, path)
    with open(os.path.join(path, labtool.HANDOUT_FILE), "w") as f:
        f.write(f"{LAB}\n")
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "my pgtable")
    return git(path, "rev-parse", "HEAD")


def later_handouts():
    """(submission name, lab) for the handout of every lab after NEXT_LAB: each
    has pgtable solved, so each must get every point, as the solution does."""
    names = labtool.lab_names(labtool.load_labs())
    return [(f"{6 + i}-{lab}-handout", lab)
            for i, lab in enumerate(names[names.index(NEXT_LAB) + 1:])]


def make_relabelled_handout(lab, path):
    """lab's handout tree, handed in as a pgtable submission (a folder)."""
    labtool.make_handout(lab, path)
    with open(os.path.join(path, labtool.HANDOUT_FILE), "w") as f:
        f.write(f"{LAB}\n")


def tar_of(tree, path, mode):
    with tarfile.open(path, mode) as t:
        t.add(tree, arcname="student")


def zip_of(tree, path):
    with zipfile.ZipFile(path, "w") as z:
        for rel in labtool._walk_tree(tree):
            z.write(os.path.join(tree, rel), rel)


def make_fake(tree):
    edit(tree, "kernel/lib/ktest.c", "suite->cases[i].run(&t);", "(void)t;")
    edit(tree, "kernel/lib/ktest.c",
         'printf("    ok %d %s%s\\n", i + 1, suite->cases[i].name, token_tag);',
         'printf("    ok %d %s\\n", i + 1, suite->cases[i].name);')
    with open(os.path.join(tree, "user/bin/pgtabletest.c"), "w") as f:
        f.write(FAKE_PGTABLETEST)


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """(submissions folder, extra folder, solution commit)."""
    base = tmp_path_factory.mktemp("class")
    subs, scratch = base / "submissions", base / "scratch"
    subs.mkdir()
    commit = make_solution(str(subs / "2-solution"))
    handout = str(scratch / "handout")
    labtool.make_handout(LAB, handout)
    tar_of(handout, str(subs / "3-handout.tar.gz"), "w:gz")
    for name, change in (("1-hangs", ("kernel/core/main.c", "write_tp(&cpus[0]);\n",
                                      "write_tp(&cpus[0]);\n\tfor (;;)\n"
                                      "\t\tasm volatile(\"wfi\");\n")),
                         ("4-nobuild", ("kernel/mm/pgtable.c", "/*\n * Page-table population",
                                        "int broken(void) { return 0 }\n"
                                        "/*\n * Page-table population"))):
        tree = str(scratch / name)
        shutil.copytree(handout, tree)
        edit(tree, change[0], change[1], change[2])
    tar_of(str(scratch / "1-hangs"), str(subs / "1-hangs.tgz"), "w:gz")
    zip_of(str(scratch / "4-nobuild"), str(subs / "4-nobuild.zip"))
    shutil.copytree(handout, str(subs / "5-fake"))
    make_fake(str(subs / "5-fake"))
    for name, lab in later_handouts():
        make_relabelled_handout(lab, str(subs / name))
    hidden = base / "extra" / LAB
    hidden.mkdir(parents=True)
    (hidden / "lab_pgtable_hidden.py").write_text(HIDDEN_TEST)
    (hidden / extra.EXTRA_FILE).write_text(HIDDEN_TOML)
    return str(subs), str(base / "extra"), commit


def shared_slots(build):
    """The session's QEMU slots, so the class's boots count against make test's bound."""
    return {**os.environ, qemu.SLOTS_DIR_ENV: os.path.join(build.logs, ".slots"),
            qemu.MAX_BOOTS_ENV: str(MAX_PARALLEL_BOOTS)}


def grade_the_class(klass, build, out):
    subs, extra_dir, commit = klass
    cmd = ["make", "-s", "batch-grade", f"SUBMISSIONS={subs}", f"LAB={LAB}", f"OUT={out}",
           f"JOBS={JOBS}", f"TIMEOUT={TIMEOUT_S}", f"GRADER_EXTRA={extra_dir}",
           f"TEST={TESTS}"]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, env=shared_slots(build), capture_output=True,
                          text=True, timeout=len(os.listdir(subs)) * TIMEOUT_S)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    with open(os.path.join(out, "scores.csv")) as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    print(f"batch-grade of {len(rows)} submissions: {seconds:.0f} s\n{done.stdout}")
    return rows, out, seconds, commit, done


def results_of(out, name):
    with open(os.path.join(out, name, "results.json")) as f:
        return {t["name"]: t for t in json.load(f)["tests"]}


# ---- the class's scores -------------------------------------------------------------

@pytest.mark.boot
def test_batch_grade_of_a_class(klass, build, tmp_path):
    """One test, so that xdist runs the batch once (on one worker): each
    check below names what it looks at."""
    graded = grade_the_class(klass, build, str(tmp_path / "out"))
    for check in (check_the_whole_class_within_the_sum_of_its_timeouts,
                  check_the_solution_gets_every_point, check_every_later_handout_gets_every_point,
                  check_the_handout_gets_what_is_provided,
                  check_a_hidden_test_counts_with_its_visibility, check_broken_submissions_say_why,
                  check_fake_verdicts_score_nothing):
        check(graded)


def check_the_whole_class_within_the_sum_of_its_timeouts(graded):
    rows, out, seconds, _, done = graded
    assert list(rows) == ["1-hangs", "2-solution", "3-handout", "4-nobuild", "5-fake"] + [
        name for name, _ in later_handouts()]
    assert seconds < len(rows) * TIMEOUT_S
    assert f"{len(rows)}/{len(rows)} submissions graded" in done.stderr
    for name in rows:
        assert os.path.isdir(os.path.join(out, name)), name
    assert not os.path.exists(os.path.join(out, ".work", "2-solution")), "work tree kept"


def check_the_solution_gets_every_point(graded):
    rows, out, _, commit, _ = graded
    row = rows["2-solution"]
    tests = results_of(out, "2-solution")
    assert row["status"] == batch.GRADED and row["why"] == "", row
    assert int(row["total"]) == sum(t["max_score"] for t in tests.values()) > HIDDEN_POINTS
    assert all(t["score"] == t["max_score"] for t in tests.values())
    assert int(row[LAB]) == int(row["total"]) and row["max"] == str(100 + HIDDEN_POINTS)
    assert row["commit"] == commit and row["replaced"] == ""
    logs = os.listdir(os.path.join(out, "2-solution", "logs"))
    assert any(n.startswith("lab_pgtable_ktest") for n in logs), logs


def check_every_later_handout_gets_every_point(graded):
    rows, out, _, _, _ = graded
    for name, lab in later_handouts():
        row, tests = rows[name], results_of(out, name)
        assert row["status"] == batch.GRADED and row["why"] == "", (lab, row)
        assert all(t["score"] == t["max_score"] for t in tests.values()), (
            lab, [t["name"] for t in tests.values() if t["score"] != t["max_score"]])
        assert int(row["total"]) == int(rows["2-solution"]["total"]), (lab, row)


def check_the_handout_gets_what_is_provided(graded):
    rows, out, _, _, _ = graded
    row = rows["3-handout"]
    tests = results_of(out, "3-handout")
    assert row["status"] == batch.GRADED and int(row["total"]) == HIDDEN_POINTS, row
    student = [t for t in tests.values() if "infrastructure" not in t["tags"]
               and "hidden" not in t["tags"]]
    provided = [t for t in tests.values() if "infrastructure" in t["tags"]]
    assert student and all(t["score"] == 0 for t in student)
    assert provided and all(t["output"] == "passed" for t in provided)


def check_a_hidden_test_counts_with_its_visibility(graded):
    _, out, _, _, _ = graded
    hidden = [t for t in results_of(out, "2-solution").values() if "hidden" in t["tags"]]
    assert [(t["score"], t["visibility"]) for t in hidden] == [(HIDDEN_POINTS,
                                                                "after_published")]
    with open(os.path.join(out, "2-solution", "results.json")) as f:
        assert json.load(f)["stdout_visibility"] == "hidden"


def check_broken_submissions_say_why(graded):
    rows, _, _, _, _ = graded
    nobuild, hangs = rows["4-nobuild"], rows["1-hangs"]
    assert (nobuild["status"], nobuild["total"]) == (batch.NO_BUILD, "0")
    assert nobuild["why"].startswith("did not build: kernel/mm/pgtable.c:1:"), nobuild["why"]
    assert "error" in nobuild["why"]
    assert (hangs["status"], hangs["total"]) == (batch.TIMED_OUT, "0")
    assert hangs["why"] == f"timed out after {TIMEOUT_S} s"
    assert int(hangs["seconds"]) < TIMEOUT_S + batch.READER_JOIN_S + 10
    assert not any(os.path.join("1-hangs", "") in p for p in _qemu_command_lines()), \
        "a QEMU of the timed-out submission survived"


def _qemu_command_lines():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if qemu.QEMU_BINARY in line:
            found.append(line)
    return found


def check_fake_verdicts_score_nothing(graded):
    rows, out, _, _, _ = graded
    row = rows["5-fake"]
    tests = results_of(out, "5-fake")
    assert row["status"] == batch.GRADED and int(row["total"]) == HIDDEN_POINTS, row
    assert row["why"].startswith("tamper: verdict lines without the run token"), row["why"]
    assert "user/bin/pgtabletest.c (changed)" in row["replaced"]
    ktest = [t for n, t in tests.items() if "lab_pgtable_ktest" in n]
    assert ktest and all(t["score"] == 0 and expect.TOKEN_MISSING in t["output"]
                         for t in ktest)
    tokenized = [t for n, t in tests.items() if "ktest" in n or "pgtabletest" in n]
    assert sum(t["score"] for t in tokenized) == 0


# ---- Gradescope ------------------------------------------------------------------------

GRADESCOPE_TEST_KEYS = {"name": str, "score": (int, float), "max_score": (int, float),
                        "output": str, "visibility": str}


def check_gradescope(data):
    """The fields Gradescope's results.json spec gives, with their types."""
    assert isinstance(data["score"], (int, float))
    assert data["stdout_visibility"] in extra.VISIBILITIES
    assert isinstance(data["output"], str)
    for t in data["tests"]:
        for key, kind in GRADESCOPE_TEST_KEYS.items():
            assert isinstance(t[key], kind), (key, t)
        assert t["visibility"] in extra.VISIBILITIES


@pytest.mark.boot
def test_the_gradescope_zip_grades_a_fake_root(klass, build, tmp_path):
    subs, extra_dir, _ = klass
    done = subprocess.run(["make", "-s", "autograder", f"LAB={LAB}",
                           f"GRADER_EXTRA={extra_dir}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "autograder"
    with zipfile.ZipFile(os.path.join(ROOT, "build", f"autograder-{LAB}.zip")) as z:
        names = z.namelist()
        assert {"setup.sh", "run_autograder", "labs/HANDOUT"} <= set(names)
        assert f"tests/hidden/{LAB}/lab_pgtable_hidden.py" in names
        assert not any("test_honesty" in n for n in names), "instructor-only file in the zip"
        submission.unpack(os.path.join(ROOT, "build", f"autograder-{LAB}.zip"),
                          str(root / "source"))
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copytree(os.path.join(subs, "2-solution"), root / "submission",
                    ignore=shutil.ignore_patterns(".git"))
    env = {**shared_slots(build), batch.AUTOGRADER_ROOT_ENV: str(root),
           batch.AUTOGRADER_TEST_ENV: "ktest and leaf_choice or hidden"}
    done = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(root / "results" / "results.json") as f:
        data = json.load(f)
    check_gradescope(data)
    got = {t["name"].rsplit("::", 1)[-1]: t["score"] for t in data["tests"]}
    assert got == {"test_pgtable_ktest[leaf_choice]": 10,
                   "test_hidden_kernel_is_an_elf": HIDDEN_POINTS}, data
    assert data["score"] == 10 + HIDDEN_POINTS


# ---- taking submissions in safely (no QEMU) -----------------------------------------------

def bad_tar(path, member, kind=tarfile.REGTYPE, link=""):
    with tarfile.open(path, "w") as t:
        info = tarfile.TarInfo(member)
        info.type, info.linkname = kind, link
        t.addfile(info, None)
    return str(path)


@pytest.mark.parametrize("member, kind, link, problem", [
    ("/etc/passwd", tarfile.REGTYPE, "", "member '/etc/passwd': absolute path"),
    ("a/../../x", tarfile.REGTYPE, "", "member 'a/../../x': '..' in its path"),
    ("kernel/up", tarfile.SYMTYPE, "../../etc", "symlink 'kernel/up' -> '../../etc' "
                                                "leads out of the tree"),
    ("up", tarfile.SYMTYPE, "/etc", "symlink 'up' -> '/etc': absolute target"),
    ("hard", tarfile.LNKTYPE, "Makefile", "member 'hard': hard links are refused"),
    ("dev", tarfile.CHRTYPE, "", "member 'dev': a device or fifo"),
])
def test_unsafe_archives_are_refused_by_name(tmp_path, member, kind, link, problem):
    path = bad_tar(tmp_path / "evil.tar", member, kind, link)
    with pytest.raises(submission.SubmissionError) as info:
        submission.unpack(path, str(tmp_path / "out"))
    assert str(info.value) == f"{path}: {problem}"


def test_an_inside_symlink_is_kept(tmp_path):
    path = str(tmp_path / "ok.tar")
    with tarfile.open(path, "w") as t:
        info = tarfile.TarInfo("docs/readme")
        info.type, info.linkname = tarfile.SYMTYPE, "../README.md"
        t.addfile(info)
        t.addfile(tarfile.TarInfo("README.md"))
    root, _ = submission.unpack(path, str(tmp_path / "out"))
    assert os.readlink(os.path.join(root, "docs", "readme")) == "../README.md"


def test_a_zip_over_the_size_limit_is_refused(tmp_path):
    path = str(tmp_path / "big.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Makefile", b"\0" * (2 * MIB))
    with pytest.raises(submission.SubmissionError, match=r"more than 1 MiB of content"):
        submission.unpack(path, str(tmp_path / "out"), max_bytes=MIB)


def test_an_archive_of_one_folder_is_that_folder(tmp_path):
    src = tmp_path / "student"
    (src / "kernel").mkdir(parents=True)
    (src / "Makefile").write_text("all:\n")
    tar_of(str(src), str(tmp_path / "s.tgz"), "w:gz")
    root, commit = submission.unpack(str(tmp_path / "s.tgz"), str(tmp_path / "out"))
    assert root == str(tmp_path / "out" / "student") and commit == ""
    assert os.path.isfile(os.path.join(root, "Makefile"))


def run_batch(*args):
    return subprocess.run([sys.executable, os.path.join(ROOT, "grader", "batch.py"), *args],
                          capture_output=True, text=True, timeout=CLI_TIMEOUT_S)


def assert_one_line_error(done, message):
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_bad_input_gets_one_line_naming_the_file(tmp_path):
    missing, empty = tmp_path / "nowhere", tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_batch("grade", "--submissions", str(missing), "--lab", LAB),
                          f"{missing}: no such folder")
    assert_one_line_error(run_batch("grade", "--submissions", str(empty), "--lab", LAB),
                          f"{empty}: no submissions in it")
    (empty / "alice.zip").write_text("not a zip")
    assert_one_line_error(run_batch("grade", "--submissions", str(empty), "--lab", "gamma",
                                    "--out", str(tmp_path / "out")),
                          "unknown lab 'gamma' (labs: pgtable, earlypgt")
    assert_one_line_error(run_batch("classroom-result", str(missing)),
                          f"{missing}: no results to report")


def test_an_unreadable_archive_is_a_row_not_a_crash(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.tar.gz").write_bytes(b"\x1f\x8b not really gzip")
    (subs / "bob.zip").write_text("not a zip")
    (subs / "notes.txt").write_text("hello")
    done = run_batch("grade", "--submissions", str(subs), "--lab", LAB,
                     "--out", str(tmp_path / "out"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out" / "scores.csv") as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    assert {n: r["status"] for n, r in rows.items()} == {
        "alice": batch.BAD, "bob": batch.BAD, "notes.txt": batch.BAD}
    assert rows["alice"]["why"].startswith(f"{subs / 'alice.tar.gz'}: not a readable tar")
    assert rows["bob"]["why"].startswith(f"{subs / 'bob.zip'}: not a readable zip")
    assert rows["notes.txt"]["why"] == f"{subs / 'notes.txt'}: not {submission.KINDS}"


# ---- the run token (no QEMU, then one boot) ------------------------------------------------

TOKEN = "0123456789abcdef"


def test_verdicts_without_the_token_fail_their_case():
    text = (f"pgtabletest: a: ok [token {TOKEN}]\npgtabletest: b: ok\n"
            f"pgtabletest: c: FAILED [token {TOKEN}]: no\n"
            f"pgtabletest: c: FAILED: no [token {TOKEN}]\n"
            f"pgtabletest: d: ok [token {TOKEN}]\npgtabletest: d: ok [token 99]\n")
    assert expect.pgtabletest_results(text, TOKEN) == {
        "a": (True, ""), "b": (False, expect.TOKEN_MISSING),
        "c": (False, "no"), "d": (False, expect.TOKEN_MISSING)}


def test_ktap_cases_without_the_token_fail():
    text = ("    KTAP version 1\n    # Subtest: s\n    1..2\n"
            f"    ok 1 good [token {TOKEN}]\n    ok 2 canned\nok 1 s [token {TOKEN}]\n")
    cases = ktap.parse(text, TOKEN)["s"]
    assert cases["good"].ok and not cases["canned"].ok
    assert cases["canned"].reason == expect.TOKEN_MISSING
    assert ktap.parse(text)["s"]["canned"].ok, "without a token nothing is checked"


@pytest.mark.boot
def test_lab_programs_carry_the_token_only_when_given_it(machine):
    m = machine()
    given = m.run(expect.with_token("pgtabletest", m.token))
    plain = m.run("pgtabletest")
    assert all(passed for passed, _ in expect.pgtabletest_results(given, m.token).values())
    results = expect.pgtabletest_results(plain, m.token)
    assert results and all(r == (False, expect.TOKEN_MISSING) for r in results.values())


def test_the_classroom_payload_has_the_points():
    results = {"tests": [{"name": "a", "score": 3, "max_score": 3, "output": "passed"},
                         {"name": "b", "score": 0, "max_score": 2, "output": "boom"}]}
    body = json.loads(base64.b64decode(batch.classroom_payload(results)))
    assert body["max_score"] == 5 and body["status"] == "fail"
    assert [(t["name"], t["score"], t["status"]) for t in body["tests"]] == [
        ("a", 3, "pass"), ("b", 0, "fail")]


# ---- the limits of one step (no QEMU) -------------------------------------------------------

def limits(tmp_path, seconds=CLI_TIMEOUT_S, quota=batch.QUOTA_BYTES,
           output=batch.OUTPUT_LIMIT_BYTES):
    folder = tmp_path / "work"
    folder.mkdir(exist_ok=True)
    return batch.Limits(time.monotonic() + seconds, str(folder), quota, output)


def test_a_step_past_its_deadline_loses_its_whole_process_group(tmp_path):
    pids = tmp_path / "pids"
    cmd = ["sh", "-c", f"sleep 600 & echo $! > {pids}; sleep 600"]
    started = time.monotonic()
    verdict, status = batch.run_limited(cmd, str(tmp_path), batch.clean_env(),
                                        str(tmp_path / "log"), limits(tmp_path, seconds=1))
    assert (verdict, status) == (batch.TIMEOUT, None)
    assert time.monotonic() - started < 1 + batch.READER_JOIN_S + 5
    assert qemu.process_gone(int(pids.read_text()))


def test_a_step_that_fills_its_folder_is_stopped(tmp_path):
    lim = limits(tmp_path, quota=MIB)
    cmd = ["sh", "-c", f"head -c {8 * MIB} /dev/zero > {lim.quota_root}/big; sleep 600"]
    verdict, _ = batch.run_limited(cmd, str(tmp_path), batch.clean_env(),
                                   str(tmp_path / "log"), lim)
    assert verdict == batch.QUOTA


def test_a_step_that_prints_megabytes_keeps_only_the_start(tmp_path):
    log = tmp_path / "log"
    verdict, status = batch.run_limited(["sh", "-c", f"head -c {4 * MIB} /dev/zero"],
                                        str(tmp_path), batch.clean_env(), str(log),
                                        limits(tmp_path, output=1000))
    assert (verdict, status) == (batch.EXITED, 0)
    text = log.read_bytes()
    assert len(text) < 1000 + 100 and text.endswith(b"more dropped]\n")
