"""Host tests of grader/labtool.py (instructor-only, no QEMU, a few seconds).

The markers, lab definitions, handouts, handout repository, leak detector
and command line are exercised on small synthetic trees built in tmp_path,
so each test knows exactly what the right answer is. Every rejection test
checks the file (and line) named in the message, not just that an error
was raised; the accepting cases beside them show the checks are not simply
refusing everything.
"""
import hashlib
import os
import re
import stat
import subprocess
import sys

import pytest

from grader import labtool
from grader.labtool import LabError

LABTOOL = os.path.join(labtool.ROOT, "grader", "labtool.py")
CLI_TIMEOUT = 60
NAMES = {"alpha", "beta"}

# ---- a synthetic course: labs alpha (1) and beta (2) -------------------------

# Solution lines long enough to be leak evidence, and short or shared ones
# that must not be.
ALPHA_SOLUTION = "int alpha_answer(void) { return compute_alpha_answer(40, 2); }"
ALPHA_FALLBACK = "int alpha_answer(void) { return 0; /* TODO alpha */ }"
BETA_SOLUTION = "int beta_answer(void) { return compute_beta_answer(6, 7); }"
BETA_FALLBACK = "int beta_answer(void) { return -1; /* TODO beta */ }"
BETA_TRACE = "#define BETA_TRACE(x) trace_beta_value_now(x, __LINE__)"
SHARED_LINE = "int shared_helper(int a, int b) { return a + b; }"

KERNEL_A = f"""\
#include "a.h"
int common(void) {{ return 1; }}
#if SOLUTION(alpha)
{ALPHA_SOLUTION}
	return 0;
#else
{ALPHA_FALLBACK}
#endif /* SOLUTION(alpha) */
#if SOLUTION(beta)
{BETA_SOLUTION}
{SHARED_LINE}
#else
{BETA_FALLBACK}
#endif /* SOLUTION(beta) */
int tail(void) {{ return 2; }}
"""

# A region with no fallback, holding a nested #ifdef/#else/#endif.
USER_B = f"""\
#pragma once
#if SOLUTION(beta)
#ifdef DEBUG
{BETA_TRACE}
#else
#define BETA_TRACE(x) ((void)0)
#endif
#endif /* SOLUTION(beta) */
#define B_DONE 1
"""

COURSE = """\
instructor_only = ["labs/course.toml", "tests/test_secret.py", "labs/*/hidden/*"]
"""


def lab_toml(name, order, extra=""):
    return (f'name = "{name}"\norder = {order}\ntitle = "Lab {name}"\npoints = 10\n'
            f'tests = ["tests/lab_{name}_*.py"]\nprograms = []\n{extra}')


def write(root, rel, text, mode=None):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path


def git(cwd, *args):
    """git with a fixed identity, so the tests need no global git config."""
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@localhost",
                           *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


@pytest.fixture
def tree(tmp_path):
    """A reference tree: two labs, marked kernel and user files, instructor-only
    files, an ignored build folder; a git work tree with everything added."""
    root = str(tmp_path / "ref")
    write(root, "labs/alpha/lab.toml", lab_toml("alpha", 1, '[[boot]]\nname = "k"\n'))
    write(root, "labs/alpha/hidden/test_hidden.py", "def test_hidden(): pass\n")
    write(root, "labs/beta/lab.toml", lab_toml("beta", 2))
    write(root, "labs/course.toml", COURSE)
    write(root, "kernel/a.c", KERNEL_A)
    write(root, "kernel/a.h", "int common(void);\n")
    write(root, "user/b.h", USER_B)
    write(root, "scripts/run.sh", "#!/bin/sh\necho run\n", mode=0o755)
    write(root, "tests/test_secret.py", "def test_secret(): pass\n")
    write(root, "tests/lab_alpha_x.py", "def test_x(): pass\n")
    write(root, "README.md", f"Pagoda test course.\n{SHARED_LINE}\n")
    write(root, ".gitignore", "/build/\n")
    write(root, "build/stale.c", f"{ALPHA_SOLUTION}\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    return root


def read(root, rel):
    with open(os.path.join(root, rel)) as f:
        return f.read()


def all_files(root):
    """Relative paths of every file under root, .git excluded."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        found |= {os.path.relpath(os.path.join(dirpath, n), root) for n in filenames}
    return found


def run_cli(*args):
    return subprocess.run([sys.executable, LABTOOL, *args], capture_output=True,
                          text=True, timeout=CLI_TIMEOUT)


# ---- markers ---------------------------------------------------------------

def regions_of(text, names=NAMES):
    return labtool.find_regions(text.splitlines(keepends=True), "kernel/f.c", names)


@pytest.mark.parametrize("text, line, problem", [
    ("int a;\n#if SOLUTION(alpha\n#endif\n", 2, "malformed marker"),
    ("#ifdef SOLUTION(alpha)\n#endif\n", 1, "malformed marker"),
    ("#if SOLUTION(alpha)\nx\n#endif /* SOLUTION(alpha) oops */\n", 3, "malformed marker"),
    ("\n#if SOLUTION(gamma)\nx\n#endif /* SOLUTION(gamma) */\n", 2, "unknown lab 'gamma'"),
    ("#if SOLUTION(alpha)\nx\n#if SOLUTION(beta)\ny\n#endif /* SOLUTION(beta) */\n"
     "#endif /* SOLUTION(alpha) */\n", 3, "SOLUTION(beta) inside SOLUTION(alpha) opened at line 1"),
    ("x\n#if SOLUTION(alpha)\ny\n", 2, "SOLUTION(alpha) is never closed"),
    ("#if SOLUTION(alpha)\n#if X\n#endif\n", 1, "SOLUTION(alpha) is never closed"),
    ("#if SOLUTION(alpha)\nx\n#else\ny\n#endif /* SOLUTION(beta) */\n", 5,
     "must end with '#endif /* SOLUTION(alpha) */'"),
    ("#if SOLUTION(alpha)\nx\n#endif\n", 3, "must end with '#endif /* SOLUTION(alpha) */'"),
    ("#if SOLUTION(alpha)\nx\n#else\ny\n#else\nz\n#endif /* SOLUTION(alpha) */\n", 5,
     "second #else in SOLUTION(alpha) (first at line 3)"),
    ("#if SOLUTION(alpha)\nx\n#elif Y\nz\n#endif /* SOLUTION(alpha) */\n", 3, "#elif"),
    ("int a;\n#endif /* SOLUTION(alpha) */\n", 2, "closes no open region"),
])
def test_find_regions_rejects_with_file_and_line(text, line, problem):
    with pytest.raises(LabError) as info:
        regions_of(text)
    message = str(info.value)
    assert message.startswith(f"kernel/f.c:{line}: "), message
    assert problem in message


def test_find_regions_accepts_nested_preprocessor_blocks():
    regions = regions_of(USER_B + KERNEL_A)
    assert [(r.lab, r.begin, r.middle, r.end) for r in regions] == [
        ("beta", 1, None, 7), ("alpha", 11, 14, 16), ("beta", 17, 20, 22)]


def test_find_regions_ignores_files_without_markers():
    assert regions_of("#if X\n#else\n#endif\n") == []


# ---- render ---------------------------------------------------------------

def rendered(text, solved):
    lines = text.splitlines(keepends=True)
    return "".join(labtool.render(lines, labtool.find_regions(lines, "f.c", NAMES), solved))


def assert_no_marker_lines(text):
    for line in text.splitlines():
        assert "SOLUTION(" not in line, line


def test_render_solved_labs_get_their_solution():
    out = rendered(KERNEL_A, {"alpha", "beta"})
    assert ALPHA_SOLUTION in out and BETA_SOLUTION in out
    assert ALPHA_FALLBACK not in out and BETA_FALLBACK not in out
    assert_no_marker_lines(out)
    assert out.splitlines()[:2] == ['#include "a.h"', "int common(void) { return 1; }"]
    assert out.splitlines()[-1] == "int tail(void) { return 2; }"


def test_render_unsolved_labs_get_their_fallback():
    out = rendered(KERNEL_A, {"alpha"})
    assert ALPHA_SOLUTION in out and BETA_FALLBACK in out
    assert BETA_SOLUTION not in out and ALPHA_FALLBACK not in out and SHARED_LINE not in out
    assert "#else" not in out and "#endif" not in out
    assert_no_marker_lines(out)


def test_render_keeps_inner_blocks_and_drops_a_region_without_fallback():
    solved = rendered(USER_B, {"beta"})
    assert solved == ("#pragma once\n#ifdef DEBUG\n" + BETA_TRACE +
                      "\n#else\n#define BETA_TRACE(x) ((void)0)\n#endif\n#define B_DONE 1\n")
    assert rendered(USER_B, set()) == "#pragma once\n#define B_DONE 1\n"


# ---- lab definitions ---------------------------------------------------------

def lab_file(tmp_path, folder, text):
    return write(str(tmp_path), f"labs/{folder}/lab.toml", text)


def load_error(tmp_path, folder, text):
    path = lab_file(tmp_path, folder, text)
    with pytest.raises(LabError) as info:
        labtool.load_lab(path, str(tmp_path))
    message = str(info.value)
    assert message.startswith(f"labs/{folder}/lab.toml: "), message
    return message


def test_load_lab_reads_a_good_definition(tmp_path):
    path = lab_file(tmp_path, "alpha", lab_toml("alpha", 1, '[[boot]]\nname = "big"\n'
                                                'mem = "4G"\ncpus = 4\nbootargs = "x=1"\n'))
    lab = labtool.load_lab(path, str(tmp_path))
    assert (lab.name, lab.order, lab.points, lab.path) == ("alpha", 1, 10, "labs/alpha/lab.toml")
    assert lab.tests == ["tests/lab_alpha_*.py"]
    assert lab.boots["big"] == labtool.Boot(name="big", mem="4G", cpus=4, bootargs="x=1")


@pytest.mark.parametrize("text, problem", [
    ('name = "alpha"\norder = 1\npoints = 10\n', "missing lab key 'title'"),
    ('name = "alpha"\norder = "1"\ntitle = "t"\npoints = 10\n', "'order' must be an integer"),
    ('name = "alpha"\norder = true\ntitle = "t"\npoints = 10\n', "'order' must be an integer"),
    (lab_toml("alpha", 1).replace("programs = []", "programs = [1]"),
     "'programs' must be a list of strings"),
    (lab_toml("alpha", 1, '[[boot]]\nname = "k"\nmemory = "1G"\n'),
     "unknown boot key(s) ['memory']"),
    (lab_toml("alpha", 1, '[[boot]]\nmem = "1G"\n'), "missing boot key 'name'"),
    (lab_toml("alpha", 1, '[[boot]]\nname = "k"\ncpus = "2"\n'), "'cpus' must be an integer"),
    (lab_toml("alpha", 1, '[[boot]]\nname = "k"\n[[boot]]\nname = "k"\n'),
     "boot 'k' defined twice"),
    (lab_toml("alpha", 1, 'point = 3\n'), "unknown lab key(s) ['point']"),
    (lab_toml("beta", 1), "name 'beta' differs from its folder 'alpha'"),
    (lab_toml("alpha", 0), "order must be >= 1"),
    ('name = "alpha"\norder = \n', "Invalid value"),
])
def test_load_lab_rejects_a_bad_definition(tmp_path, text, problem):
    assert problem in load_error(tmp_path, "alpha", text)


def test_load_lab_rejects_a_name_that_cannot_be_a_branch(tmp_path):
    assert "must be a letter" in load_error(tmp_path, "a-b", lab_toml("a-b", 1))


def test_load_labs_sorts_by_order(tmp_path):
    lab_file(tmp_path, "zeta", lab_toml("zeta", 1))
    lab_file(tmp_path, "alpha", lab_toml("alpha", 2))
    assert [lab.name for lab in labtool.load_labs(str(tmp_path))] == ["zeta", "alpha"]


@pytest.mark.parametrize("orders, culprit, problem", [
    ((1, 3), "beta", "order 3, expected 2"),
    ((1, 1), "beta", "order 1, expected 2"),
    ((2, 3), "alpha", "order 2, expected 1"),
])
def test_load_labs_rejects_gaps_and_repeats(tmp_path, orders, culprit, problem):
    lab_file(tmp_path, "alpha", lab_toml("alpha", orders[0]))
    lab_file(tmp_path, "beta", lab_toml("beta", orders[1]))
    with pytest.raises(LabError) as info:
        labtool.load_labs(str(tmp_path))
    assert str(info.value).startswith(f"labs/{culprit}/lab.toml: {problem}")


def test_load_labs_rejects_a_folder_without_definition(tmp_path):
    lab_file(tmp_path, "alpha", lab_toml("alpha", 1))
    os.makedirs(tmp_path / "labs" / "beta")
    with pytest.raises(LabError, match=r"^labs/beta: a lab folder without lab.toml"):
        labtool.load_labs(str(tmp_path))


def test_load_course_rejects_a_bad_instructor_list(tmp_path):
    write(str(tmp_path), "labs/course.toml", 'instructor_only = "tests/x.py"\n')
    with pytest.raises(LabError, match=r"^labs/course.toml: 'instructor_only' must be a list"):
        labtool.load_course(str(tmp_path))


# ---- handouts -------------------------------------------------------------

def test_handout_of_the_first_lab(tree, tmp_path):
    out = str(tmp_path / "ho-alpha")
    assert labtool.make_handout("alpha", out, tree) == 1
    a = read(out, "kernel/a.c")
    assert ALPHA_FALLBACK in a and BETA_FALLBACK in a
    assert ALPHA_SOLUTION not in a and BETA_SOLUTION not in a
    assert read(out, "user/b.h") == "#pragma once\n#define B_DONE 1\n"
    assert read(out, "labs/HANDOUT") == "alpha\n"


def test_handout_keeps_earlier_solutions_and_later_fallbacks(tree, tmp_path):
    out = str(tmp_path / "ho-beta")
    assert labtool.make_handout("beta", out, tree) == 2
    a = read(out, "kernel/a.c")
    assert ALPHA_SOLUTION in a and BETA_FALLBACK in a
    assert ALPHA_FALLBACK not in a and BETA_SOLUTION not in a
    assert "BETA_TRACE" not in read(out, "user/b.h")
    assert read(out, "labs/HANDOUT") == "beta\n"


def test_handout_has_no_markers_nor_instructor_files(tree, tmp_path):
    out = str(tmp_path / "ho")
    labtool.make_handout("beta", out, tree)
    assert all_files(out) == {
        ".gitignore", "README.md", "kernel/a.c", "kernel/a.h", "user/b.h", "scripts/run.sh",
        "tests/lab_alpha_x.py", "labs/alpha/lab.toml", "labs/beta/lab.toml", "labs/HANDOUT"}
    for rel in all_files(out):
        assert "SOLUTION(" not in read(out, rel), rel
    assert os.stat(os.path.join(out, "scripts/run.sh")).st_mode & stat.S_IXUSR
    assert read(out, "kernel/a.h") == read(tree, "kernel/a.h")


def test_handout_refuses_a_non_empty_out(tree, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "work.c").write_text("mine\n")
    with pytest.raises(LabError, match=f"^{re.escape(str(out))}: exists and is not an empty"):
        labtool.make_handout("alpha", str(out), tree)
    assert os.listdir(out) == ["work.c"]
    labtool.make_handout("alpha", str(tmp_path / "empty-is-fine"), tree)


def test_handout_refuses_an_unknown_lab(tree, tmp_path):
    with pytest.raises(LabError, match=r"unknown lab 'gamma' \(labs: alpha, beta\)"):
        labtool.make_handout("gamma", str(tmp_path / "x"), tree)


def test_handout_refuses_a_marker_outside_marked_sources(tree, tmp_path):
    write(tree, "docs/notes.md", "Notes\n\n#if SOLUTION(alpha)\n")
    out = tmp_path / "ho"
    with pytest.raises(LabError, match=r"^docs/notes.md:3: lab marker outside"):
        labtool.make_handout("alpha", str(out), tree)
    assert not out.exists()


def test_handout_reports_a_bad_marker_with_its_place(tree, tmp_path):
    write(tree, "kernel/bad.c", "int x;\n#if SOLUTION(alpha)\nint y;\n")
    with pytest.raises(LabError, match=r"^kernel/bad.c:2: SOLUTION\(alpha\) is never closed"):
        labtool.make_handout("alpha", str(tmp_path / "ho"), tree)


# ---- the leak detector (tests/test_honesty.py uses it on real handouts) ------

def test_evidence_is_long_distinctive_solution_lines(tree):
    assert labtool.solution_evidence(tree, ["alpha"]) == {ALPHA_SOLUTION}
    # SHARED_LINE is also in README.md, "#ifdef DEBUG" is too short: not evidence.
    assert labtool.solution_evidence(tree, ["beta"]) == {
        BETA_SOLUTION, BETA_TRACE, "#define BETA_TRACE(x) ((void)0)"}


def test_leak_detector_finds_nothing_in_a_clean_handout(tree, tmp_path):
    out = str(tmp_path / "ho")
    labtool.make_handout("beta", out, tree)
    assert labtool.find_leaks(out, labtool.solution_evidence(tree, ["beta"])) == []
    # The same detector sees lab alpha's solution, which this handout rightly has.
    assert labtool.find_leaks(out, labtool.solution_evidence(tree, ["alpha"])) == [
        f"kernel/a.c: {ALPHA_SOLUTION}"]


def test_evidence_leaves_out_what_solved_labs_legitimately_share(tree, tmp_path):
    """A line in both alpha's and beta's solutions is rightly in beta's
    handout (alpha is solved there): evidence only while alpha is unsolved."""
    common = "static long walk_one_level(long table, int level, long va);"
    write(tree, "kernel/c.c", f"#if SOLUTION(alpha)\n{common}\n#endif /* SOLUTION(alpha) */\n"
                              f"#if SOLUTION(beta)\n{common}\n{BETA_SOLUTION}\n#else\n"
                              f"int c_todo;\n#endif /* SOLUTION(beta) */\n")
    out = str(tmp_path / "ho")
    labtool.make_handout("beta", out, tree)
    naive = labtool.solution_evidence(tree, ["beta"])
    assert common in naive
    assert labtool.find_leaks(out, naive) == [f"kernel/c.c: {common}"]
    fair = labtool.solution_evidence(tree, ["beta"], solved=["alpha"])
    assert common not in fair and BETA_SOLUTION in fair
    assert labtool.find_leaks(out, fair) == []
    with open(os.path.join(out, "kernel", "c.c"), "a") as f:
        f.write(f"{BETA_SOLUTION}\n")
    assert labtool.find_leaks(out, fair) == [f"kernel/c.c: {BETA_SOLUTION}"]


def test_leak_detector_finds_a_planted_solution_line(tree, tmp_path):
    out = str(tmp_path / "ho")
    labtool.make_handout("alpha", out, tree)
    evidence = labtool.solution_evidence(tree, ["alpha", "beta"])
    with open(os.path.join(out, "kernel", "a.h"), "a") as f:
        f.write(f"    {BETA_SOLUTION}  /* copied */\n")
    write(out, "grader/notes.txt", f"{BETA_TRACE}\n")
    write(out, "build/kernel/a.c", f"{ALPHA_SOLUTION}\n")   # build output: not the handout
    assert labtool.find_leaks(out, evidence) == [
        f"grader/notes.txt: {BETA_TRACE}", f"kernel/a.h: {BETA_SOLUTION}"]


# ---- the handout repository ------------------------------------------------

def blob_id(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def handout_tree(folder):
    """{path: (git mode, blob id)} of a handout folder, as git would store it."""
    entries = {}
    for rel in all_files(folder):
        path = os.path.join(folder, rel)
        mode = "100755" if os.stat(path).st_mode & stat.S_IXUSR else "100644"
        entries[rel] = (mode, blob_id(path))
    return entries


def branch_tree(repo, branch):
    entries = {}
    for line in git(repo, "ls-tree", "-r", branch).splitlines():
        meta, path = line.split("\t", 1)
        mode, kind, oid = meta.split()
        assert kind == "blob", line
        entries[path] = (mode, oid)
    return entries


def test_handout_repo_has_a_branch_per_lab_each_descending_from_the_last(tree, tmp_path):
    repo = str(tmp_path / "repo")
    labtool.make_handout_repo(repo, tree)
    branches = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    assert sorted(branches) == ["alpha", "beta"]
    alpha, beta = git(repo, "rev-parse", "alpha"), git(repo, "rev-parse", "beta")
    assert git(repo, "rev-list", "--parents", "-n", "1", "alpha") == alpha   # a root commit
    assert git(repo, "rev-list", "--parents", "-n", "1", "beta") == f"{beta} {alpha}"
    git(repo, "merge-base", "--is-ancestor", "alpha", "beta")
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "alpha"
    assert read(repo, "labs/HANDOUT") == "alpha\n"
    assert git(repo, "status", "--porcelain") == ""


def test_handout_repo_branches_are_the_handouts(tree, tmp_path):
    """Each branch is the handout plus the GitHub Classroom workflow."""
    repo = str(tmp_path / "repo")
    labtool.make_handout_repo(repo, tree)
    for lab in ("alpha", "beta"):
        out = str(tmp_path / f"ho-{lab}")
        labtool.make_handout(lab, out, tree)
        labtool.write_classroom_workflow(out)
        assert branch_tree(repo, lab) == handout_tree(out), lab


def test_handout_repo_grades_on_push_for_github_classroom(tree, tmp_path):
    repo = str(tmp_path / "repo")
    labtool.make_handout_repo(repo, tree)
    for lab in ("alpha", "beta"):
        text = git(repo, "show", f"{lab}:{labtool.CLASSROOM_WORKFLOW}")
        assert text == labtool.CLASSROOM_YML.rstrip("\n"), lab
    lines = [line.strip() for line in text.splitlines()]
    assert "on: [push, workflow_dispatch, repository_dispatch]" in lines
    assert "runs-on: ubuntu-latest" in lines
    assert "run: sudo ./scripts/install-deps --grading" in lines
    assert "run: make grade || true" in lines
    assert any("grader/batch.py classroom-result build/grade/results.json" in x for x in lines)
    assert "uses: classroom-resources/autograding-grading-reporter@v1" in lines
    assert 'GRADE_RESULTS: "${{ steps.grade.outputs.result }}"' in lines
    assert "runners: grade" in lines
    # The check run the reporter writes the points into has this name.
    assert lines.count("name: Autograding Tests") == 2


def test_handout_repo_is_reproducible_and_refuses_a_non_empty_out(tree, tmp_path):
    first, second = str(tmp_path / "r1"), str(tmp_path / "r2")
    labtool.make_handout_repo(first, tree)
    labtool.make_handout_repo(second, tree)
    assert git(first, "rev-parse", "beta") == git(second, "rev-parse", "beta")
    with pytest.raises(LabError, match="exists and is not an empty folder"):
        labtool.make_handout_repo(first, tree)


# ---- the command line -----------------------------------------------------

def assert_clean_failure(done, message):
    """Exit status 1 and one line 'labtool: <message>...': no traceback."""
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"labtool: {message}"), done.stderr


def test_cli_check_accepts_a_good_tree(tree):
    done = run_cli("--root", tree, "check")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "labtool: 2 labs, markers OK\n"


def test_cli_check_reports_a_bad_marker_with_its_place(tree):
    write(tree, "kernel/a.h", "int common(void);\n#if SOLUTION(alpha)\n#else\n#else\n"
                              "#endif /* SOLUTION(alpha) */\n")
    assert_clean_failure(run_cli("--root", tree, "check"),
                         "kernel/a.h:4: second #else in SOLUTION(alpha)")


def test_cli_check_reports_a_bad_lab_definition(tree):
    write(tree, "labs/beta/lab.toml", lab_toml("beta", 2, '[[boot]]\nname = "k"\nram = "1G"\n'))
    assert_clean_failure(run_cli("--root", tree, "check"),
                         "labs/beta/lab.toml: unknown boot key(s) ['ram']")


def test_cli_check_reports_a_stray_marker(tree):
    write(tree, "tests/lab_alpha_x.py", '"""\n#endif /* SOLUTION(alpha) */\n"""\n')
    assert_clean_failure(run_cli("--root", tree, "check"),
                         "tests/lab_alpha_x.py:2: lab marker outside")


def test_cli_check_allows_markers_in_instructor_only_files(tree):
    write(tree, "tests/test_secret.py", '"""\n#if SOLUTION(alpha)\n"""\n')
    done = run_cli("--root", tree, "check")
    assert done.returncode == 0, done.stderr


def test_cli_handout_and_order_and_list(tree, tmp_path):
    assert run_cli("--root", tree, "list").stdout == "alpha\nbeta\n"
    assert run_cli("--root", tree, "order", "beta").stdout == "2\n"
    assert run_cli("--root", tree, "order", "base").stdout == "0\n"
    assert_clean_failure(run_cli("--root", tree, "order", "gamma"), "unknown lab 'gamma'")
    out = tmp_path / "ho"
    done = run_cli("--root", tree, "handout", "beta", str(out))
    assert done.returncode == 0, done.stderr
    assert read(str(out), "labs/HANDOUT") == "beta\n"
    assert_clean_failure(run_cli("--root", tree, "handout", "beta", str(out)),
                         f"{out}: exists and is not an empty folder")


def test_cli_handout_repo(tree, tmp_path):
    repo = str(tmp_path / "repo")
    done = run_cli("--root", tree, "handout-repo", repo)
    assert done.returncode == 0, done.stderr
    assert "branches: alpha beta" in done.stdout
    assert git(repo, "rev-parse", "beta^") == git(repo, "rev-parse", "alpha")


def test_cli_usage_errors_exit_2(tree):
    for args in ([], ["frobnicate"], ["handout", "alpha"]):
        done = run_cli("--root", tree, *args)
        assert done.returncode == 2, args
        assert "usage:" in done.stderr and "Traceback" not in done.stderr


def test_cli_rejects_a_missing_root(tmp_path):
    assert_clean_failure(run_cli("--root", str(tmp_path / "nowhere"), "list"),
                         f"--root {tmp_path / 'nowhere'}: not a folder")
