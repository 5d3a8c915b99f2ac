#!/usr/bin/env python3
"""Labs as stages: lab definitions, solution markers, stage headers, handouts.

The reference kernel is one tree. A lab's solution sits between markers in
the C and assembly sources of kernel/, user/ and mkfs/, with the handout's
fallback beside it (shown here with <lab> for the lab's name):

    #if SOLUTION(<lab>)
        ... the reference solution ...
    #else
        ... what the handout has instead (a fallback or a stub) ...
    #endif /* SOLUTION(<lab>) */

Building stage k from the reference tree needs no copy: the compiler sees
SOLUTION(lab) as (PAGODA_STAGE >= order of lab), from the header this tool
writes. A handout for lab k is a copy of the tree in which the regions of
labs before k keep their solution, those of lab k and later keep their
fallback, and no marker is left.

Commands (run with the Makefile's Python; --root DIR works on another tree):
    labtool.py check                       validate lab definitions and markers
    labtool.py list                        the labs in order, one per line
    labtool.py order LAB                   a lab's order number (base: 0)
    labtool.py stage-header OUT            write the SOLUTION() header
    labtool.py handout LAB OUT             write a student tree for LAB
    labtool.py handout-repo OUT            a git repository, one branch per lab
"""
import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABS_DIR = "labs"
COURSE_FILE = os.path.join(LABS_DIR, "course.toml")
HANDOUT_FILE = os.path.join(LABS_DIR, "HANDOUT")
MARKED_SUFFIXES = (".c", ".h", ".S")
BASE_STAGE = "base"   # STAGE=base: no lab solved (every handout fallback)
MARKED_DIRS = ("kernel", "user", "mkfs")
SKIPPED_DIRS = ("build", ".git")   # never part of a tree's content
LAB_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")   # a C token and a git branch

BEGIN_RE = re.compile(r"^\s*#\s*if\s+SOLUTION\((?P<lab>[A-Za-z0-9_]*)\)\s*$")
ELSE_RE = re.compile(r"^\s*#\s*else\b")
ELIF_RE = re.compile(r"^\s*#\s*elif\b")
ENDIF_RE = re.compile(r"^\s*#\s*endif\b")
END_RE = re.compile(r"^\s*#\s*endif\s*/\*\s*SOLUTION\((?P<lab>[A-Za-z0-9_]*)\)\s*\*/\s*$")
IF_RE = re.compile(r"^\s*#\s*if(n?def)?\b")
MENTION_RE = re.compile(r"SOLUTION\(")

# Leak detection: a solution line is evidence only when it is long enough
# ("return 0;" is everywhere) and appears nowhere outside solution regions.
MIN_TOKENS = 6
TOKEN_RE = re.compile(r"\w+|[^\s\w]")

# Handout repositories: a fixed identity and date, so that regenerating the
# repository gives the same commits for unchanged labs (students can merge).
GIT_CONFIG = ("-c", "user.name=Pagoda", "-c", "user.email=pagoda@localhost",
              "-c", "core.autocrlf=false", "-c", "init.defaultBranch=main")
HANDOUT_DATE = "2000-01-01T00:00:00+0000"


class LabError(Exception):
    """A problem in a lab definition, a marker or a command, with its place."""


# ---- lab definitions ---------------------------------------------------------

@dataclass
class Boot:
    name: str
    mem: str = "512M"
    cpus: int = 2
    bootargs: str = ""
    dtb: str = ""
    qemu_args: list = field(default_factory=list)


@dataclass
class Lab:
    name: str
    order: int
    title: str
    points: int
    tests: list
    programs: list
    boots: dict
    path: str


# Key -> type (None: checked by its own loader).
LAB_KEYS = {"name": str, "order": int, "title": str, "points": int,
            "tests": list, "programs": list, "boot": None}
BOOT_KEYS = {"name": str, "mem": str, "cpus": int, "bootargs": str, "dtb": str,
             "qemu_args": list}
COURSE_KEYS = {"instructor_only": list}


def _type_name(kind):
    return {str: "a string", int: "an integer", list: "a list"}.get(kind, kind.__name__)


def _check_type(value, kind, what, where):
    """value, or LabError naming the key; TOML booleans are Python ints,
    so they are refused explicitly where a number is meant."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise LabError(f"{where}: '{what}' must be {_type_name(kind)}, "
                       f"not {type(value).__name__} {value!r}")
    if kind is list and not all(isinstance(x, str) for x in value):
        raise LabError(f"{where}: '{what}' must be a list of strings")
    return value


def _check_table(table, keys, required, where, what):
    """Every key known and of its type, the required ones present: a typo
    in a key must not silently drop a setting."""
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise LabError(f"{where}: unknown {what} key(s) {unknown} "
                       f"(known: {', '.join(keys)})")
    for key in required:
        if key not in table:
            raise LabError(f"{where}: missing {what} key '{key}'")
    for key, value in table.items():
        if keys[key] is not None:
            _check_type(value, keys[key], key, where)


def _read_toml(path, where):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LabError(f"{where}: {e}") from None


def _load_boot(entry, where):
    if not isinstance(entry, dict):
        raise LabError(f"{where}: each [[boot]] must be a table")
    _check_table(entry, BOOT_KEYS, ("name",), where, "boot")
    return Boot(**entry)


def _load_boots(entries, where):
    if not isinstance(entries, list):
        raise LabError(f"{where}: 'boot' must be an array of tables ([[boot]])")
    boots = {}
    for entry in entries:
        boot = _load_boot(entry, where)
        if boot.name in boots:
            raise LabError(f"{where}: boot '{boot.name}' defined twice")
        boots[boot.name] = boot
    return boots


def load_lab(path, root=ROOT):
    """Read labs/<name>/lab.toml; raise LabError naming the file."""
    where = os.path.relpath(path, root)
    data = _read_toml(path, where)
    _check_table(data, LAB_KEYS, ("name", "order", "title", "points"), where, "lab")
    name = data["name"]
    if os.path.basename(os.path.dirname(path)) != name:
        raise LabError(f"{where}: name '{name}' differs from its folder "
                       f"'{os.path.basename(os.path.dirname(path))}'")
    if not LAB_NAME_RE.match(name) or name == BASE_STAGE:
        raise LabError(f"{where}: name '{name}' must be a letter then letters, digits "
                       f"or _ (it names a C macro and a git branch), and not '{BASE_STAGE}'")
    if data["order"] < 1 or data["points"] < 0:
        raise LabError(f"{where}: order must be >= 1 and points >= 0")
    return Lab(name=name, order=data["order"], title=data["title"], points=data["points"],
               tests=data.get("tests", []), programs=data.get("programs", []),
               boots=_load_boots(data.get("boot", []), where), path=where)


def load_labs(root=ROOT):
    """Every lab, sorted by order; orders must be 1..n without gaps."""
    labs_dir = os.path.join(root, LABS_DIR)
    labs = []
    for entry in sorted(os.listdir(labs_dir)) if os.path.isdir(labs_dir) else []:
        folder = os.path.join(labs_dir, entry)
        if not os.path.isdir(folder):
            continue
        path = os.path.join(folder, "lab.toml")
        if not os.path.isfile(path):
            raise LabError(f"{os.path.relpath(folder, root)}: a lab folder without lab.toml")
        labs.append(load_lab(path, root))
    labs.sort(key=lambda lab: lab.order)
    for i, lab in enumerate(labs, 1):
        if lab.order != i:
            raise LabError(f"{lab.path}: order {lab.order}, expected {i} "
                           "(orders run 1..n without gaps or repeats)")
    return labs


def load_course(root=ROOT):
    """labs/course.toml: course-wide settings (instructor-only files)."""
    path = os.path.join(root, COURSE_FILE)
    if not os.path.exists(path):
        return {"instructor_only": []}
    data = _read_toml(path, COURSE_FILE)
    _check_table(data, COURSE_KEYS, (), COURSE_FILE, "course")
    return {"instructor_only": [], **data}


def lab_names(labs):
    return [lab.name for lab in labs]


def _lab_index(name, labs):
    """The lab's position (0-based); LabError listing the labs if unknown."""
    names = lab_names(labs)
    if name not in names:
        raise LabError(f"unknown lab '{name}' (labs: {', '.join(names) or 'none'})")
    return names.index(name)


# ---- markers ---------------------------------------------------------------

@dataclass
class Region:
    lab: str
    begin: int      # line index of the opening marker
    middle: int     # line index of #else, or None
    end: int        # line index of the closing marker


class _Scanner:
    """Walks one file's lines, keeping the open region and the #if depth
    inside it, so every error can say where the region began."""

    def __init__(self, where, names):
        self.where, self.names = where, names
        self.regions, self.open, self.depth = [], None, 0

    def error(self, i, text):
        raise LabError(f"{self.where}:{i + 1}: {text}")

    def line(self, i, line):
        begin, end = BEGIN_RE.match(line), END_RE.match(line)
        if MENTION_RE.search(line) and not begin and not end:
            self.error(i, f"malformed marker: {line.strip()}")
        if begin:
            self.begin(i, begin["lab"])
        elif self.open is None:
            if end:
                self.error(i, f"'{line.strip()}' closes no open region")
        elif IF_RE.match(line):
            self.depth += 1
        elif self.depth == 0 and ELIF_RE.match(line):
            self.error(i, f"#elif in SOLUTION({self.open.lab}): a region has one #else at most")
        elif self.depth == 0 and ELSE_RE.match(line):
            self.middle(i)
        elif ENDIF_RE.match(line):
            self.endif(i, end)

    def begin(self, i, lab):
        if lab not in self.names:
            self.error(i, f"unknown lab '{lab}' (labs: {', '.join(sorted(self.names)) or 'none'})")
        if self.open:
            self.error(i, f"SOLUTION({lab}) inside SOLUTION({self.open.lab}) opened at "
                          f"line {self.open.begin + 1} (regions do not nest)")
        self.open, self.depth = Region(lab, i, None, None), 0

    def middle(self, i):
        if self.open.middle is not None:
            self.error(i, f"second #else in SOLUTION({self.open.lab}) (first at line "
                          f"{self.open.middle + 1})")
        self.open.middle = i

    def endif(self, i, end):
        if self.depth:
            self.depth -= 1
            return
        lab = self.open.lab
        if not end or end["lab"] != lab:
            self.error(i, f"region SOLUTION({lab}) opened at line {self.open.begin + 1} "
                          f"must end with '#endif /* SOLUTION({lab}) */'")
        self.open.end = i
        self.regions.append(self.open)
        self.open = None

    def finish(self):
        if self.open:
            self.error(self.open.begin, f"SOLUTION({self.open.lab}) is never closed")
        return self.regions


def find_regions(lines, where, lab_names):
    """The marked regions of a file; LabError with file:line when malformed."""
    scanner = _Scanner(where, set(lab_names))
    for i, line in enumerate(lines):
        scanner.line(i, line)
    return scanner.finish()


def is_marked_source(rel):
    """Markers belong only in C and assembly sources of the marked folders."""
    return rel.split(os.sep, 1)[0] in MARKED_DIRS and rel.endswith(MARKED_SUFFIXES)


def marked_files(root=ROOT):
    for top in MARKED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(MARKED_SUFFIXES):
                    yield os.path.join(dirpath, name)


def _read_text(path, rel):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines(keepends=True)
    except UnicodeDecodeError as e:
        raise LabError(f"{rel}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def scan_tree(root, lab_names):
    """{relative path: (lines, regions)} for every file with markers."""
    found = {}
    for path in marked_files(root):
        rel = os.path.relpath(path, root)
        lines = _read_text(path, rel)
        regions = find_regions(lines, rel, lab_names)
        if regions:
            found[rel] = (lines, regions)
    return found


def render(lines, regions, solved):
    """The file with each region replaced by its solution (lab in solved)
    or its fallback, and every marker line removed."""
    out, pos = [], 0
    for r in regions:
        out.extend(lines[pos:r.begin])
        if r.lab in solved:
            stop = r.middle if r.middle is not None else r.end
            out.extend(lines[r.begin + 1:stop])
        elif r.middle is not None:
            out.extend(lines[r.middle + 1:r.end])
        pos = r.end + 1
    out.extend(lines[pos:])
    return out


def solution_lines(lines, regions, lab):
    """The solution text of one lab's regions in a file."""
    text = []
    for r in regions:
        if r.lab == lab:
            stop = r.middle if r.middle is not None else r.end
            text.extend(lines[r.begin + 1:stop])
    return text


def stray_marker(text, rel):
    """A marker line in a file that is not a marked source would reach a
    handout untouched: LabError with file:line for the first one."""
    for i, line in enumerate(text.splitlines()):
        if BEGIN_RE.match(line) or END_RE.match(line):
            raise LabError(f"{rel}:{i + 1}: lab marker outside the marked sources "
                           f"({', '.join(MARKED_DIRS)} {' '.join(MARKED_SUFFIXES)} files), "
                           f"it would reach the handout: {line.strip()}")


def _text_or_none(path):
    """A file's text, or None for binary files (they cannot hold markers)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        return None


def check_tree(root=ROOT):
    """Everything `check` validates; returns the labs. Instructor-only files
    may show markers (tests of this tool do): they never reach a handout."""
    labs = load_labs(root)
    scan_tree(root, lab_names(labs))
    course = load_course(root)
    for rel in tracked_files(root):
        if not is_marked_source(rel) and not is_instructor_only(rel, course):
            text = _text_or_none(os.path.join(root, rel))
            if text is not None:
                stray_marker(text, rel)
    return labs


# ---- leaks -----------------------------------------------------------------

def _walk_tree(tree):
    """Relative paths of every file in tree, outside build/ and .git/."""
    for dirpath, dirnames, filenames in os.walk(tree):
        if dirpath == tree:
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.relpath(os.path.join(dirpath, name), tree)


def _outside_text(root, marked, solved=()):
    """The tree's text with the regions of the solved labs in their solution
    state and every other region in its fallback state: what may
    legitimately appear in a handout in which those labs are solved."""
    parts = []
    for rel in tracked_files(root):
        if rel in marked:
            lines, regions = marked[rel]
            parts.append("".join(render(lines, regions, set(solved))))
        else:
            parts.append(_text_or_none(os.path.join(root, rel)) or "")
    return "\n".join(parts)


def solution_evidence(root, leaking_labs, solved=()):
    """Distinctive solution lines of the given labs: long enough, and found
    nowhere in the tree outside solution regions (regions of the solved
    labs count as outside: the handout has them). A handout holding one of
    them holds solution text."""
    marked = scan_tree(root, lab_names(load_labs(root)))
    outside = _outside_text(root, marked, solved)
    lines = set()
    for text, regions in marked.values():
        for name in leaking_labs:
            for line in solution_lines(text, regions, name):
                s = line.strip()
                if len(TOKEN_RE.findall(s)) >= MIN_TOKENS and s not in outside:
                    lines.add(s)
    return lines


def find_leaks(tree, evidence):
    """["file: line"] for every evidence line found in a file of tree."""
    found = []
    for rel in _walk_tree(tree):
        text = _text_or_none(os.path.join(tree, rel))
        if text:
            found += [f"{rel}: {s}" for s in sorted(evidence) if s in text]
    return found


# ---- handouts ----------------------------------------------------------------

def write_stage_header(out, labs):
    body = ["/* Generated by grader/labtool.py from the lab.toml files in labs: do not edit. */",
            "#ifndef PAGODA_STAGE_H", "#define PAGODA_STAGE_H",
            "#ifndef PAGODA_STAGE", f"#define PAGODA_STAGE {len(labs)}", "#endif"]
    for lab in labs:
        body.append(f"#define LAB_ORDER_{lab.name} {lab.order}")
    body += ["/* True when the stage being built includes lab's solution. */",
             "#define SOLUTION(lab) (PAGODA_STAGE >= LAB_ORDER_##lab)", "#endif", ""]
    text = "\n".join(body)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    if not os.path.exists(out) or open(out).read() != text:
        with open(out, "w") as f:
            f.write(text)


def tracked_files(root):
    """Files of the tree: as git knows them (tracked or new, not ignored)
    when root is a git work tree, else every file outside build/."""
    if not os.path.exists(os.path.join(root, ".git")):
        return list(_walk_tree(root))
    try:
        res = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise LabError(f"{root}: a git tree, but git is not installed") from None
    if res.returncode != 0:
        raise LabError(f"{root}: git ls-files failed: {res.stderr.strip()}")
    return [f for f in res.stdout.splitlines() if os.path.isfile(os.path.join(root, f))]


def is_instructor_only(rel, course):
    return any(fnmatch.fnmatch(rel, pat) for pat in course.get("instructor_only", []))


def _require_empty(out):
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise LabError(f"{out}: exists and is not an empty folder")


def _handout_plan(root, solved, names, course):
    """[(relative path, rendered lines or None for a plain copy)], checked
    for stray markers before anything is written."""
    marked = scan_tree(root, names)
    plan = []
    for rel in tracked_files(root):
        if is_instructor_only(rel, course) or rel == HANDOUT_FILE:
            continue
        if rel in marked:
            lines, regions = marked[rel]
            plan.append((rel, render(lines, regions, solved)))
            continue
        text = _text_or_none(os.path.join(root, rel))
        if text is not None:
            stray_marker(text, rel)
        plan.append((rel, None))
    return plan


def _write_plan(plan, root, out):
    for rel, lines in plan:
        src, dst = os.path.join(root, rel), os.path.join(out, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if lines is None:
            shutil.copy2(src, dst)
        else:
            with open(dst, "w", encoding="utf-8") as f:
                f.writelines(lines)
            shutil.copymode(src, dst)


def make_handout(lab_name, out, root=ROOT):
    """Write the student tree for lab_name into out (absent or empty):
    earlier labs solved, this and later labs in handout state, no markers,
    no instructor-only files, labs/HANDOUT naming the lab. Returns its order."""
    labs = load_labs(root)
    index = _lab_index(lab_name, labs)
    names = lab_names(labs)
    _require_empty(out)
    plan = _handout_plan(root, set(names[:index]), names, load_course(root))
    _write_plan(plan, root, out)
    os.makedirs(os.path.join(out, LABS_DIR), exist_ok=True)
    with open(os.path.join(out, HANDOUT_FILE), "w") as f:
        f.write(f"{lab_name}\n")
    return index + 1


def _git(args, cwd=None, env=None):
    """Run git with the course identity; its stdout, or LabError with stderr."""
    cmd = ["git", *GIT_CONFIG, *args]
    try:
        res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise LabError("git is not installed (a handout repository needs it)") from None
    if res.returncode != 0:
        raise LabError(f"git {' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout.strip()


def _commit_handout(repo, tree_dir, index, message, parent):
    """Commit tree_dir's files (all of them: the handout is exactly what
    students get) on top of parent; returns the commit id."""
    env = {**os.environ, "GIT_DIR": os.path.join(repo, ".git"), "GIT_WORK_TREE": tree_dir,
           "GIT_INDEX_FILE": index, "GIT_AUTHOR_DATE": HANDOUT_DATE,
           "GIT_COMMITTER_DATE": HANDOUT_DATE}
    _git(["add", "--all", "--force", "."], cwd=tree_dir, env=env)
    tree = _git(["write-tree"], cwd=tree_dir, env=env)
    parents = ["-p", parent] if parent else []
    return _git(["commit-tree", "--no-gpg-sign", tree, *parents, "-m", message],
                cwd=tree_dir, env=env)


def make_handout_repo(out, root=ROOT):
    """A git repository in out with one branch per lab, named after it, whose
    commit is that lab's handout; lab k+1's commit has lab k's as parent, so
    students merge the next lab into their work. Checks out the first lab."""
    labs = load_labs(root)
    if not labs:
        raise LabError(f"{LABS_DIR}: no labs, so no branches to write")
    _require_empty(out)
    os.makedirs(out, exist_ok=True)
    _git(["init", "-q", "-b", labs[0].name, out])
    parent = None
    with tempfile.TemporaryDirectory(prefix="pagoda-handout-repo-") as tmp:
        for lab in labs:
            tree_dir = os.path.join(tmp, lab.name)
            make_handout(lab.name, tree_dir, root)
            message = (f"{lab.name}: {lab.title}\n\nLab {lab.order} of {len(labs)}. "
                       f"Merge this branch into your work to start it.\n")
            parent = _commit_handout(out, tree_dir, os.path.join(tmp, f"{lab.name}.index"),
                                     message, parent)
            _git(["update-ref", f"refs/heads/{lab.name}", parent], cwd=out)
    _git(["reset", "-q", "--hard"], cwd=out)
    return labs


# ---- command line --------------------------------------------------------------

def _parser():
    p = argparse.ArgumentParser(prog="labtool.py", description=__doc__.split("\n")[0],
                                epilog="See the module docstring for the marker syntax.")
    p.add_argument("--root", default=ROOT, help="the tree to work on (default: this one)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("check", help="validate lab definitions and markers")
    sub.add_parser("list", help="the labs in order, one per line")
    sub.add_parser("order", help="a lab's order number (base: 0)").add_argument("lab")
    sub.add_parser("stage-header", help="write the SOLUTION() header").add_argument("out")
    handout = sub.add_parser("handout", help="write a student tree for LAB")
    handout.add_argument("lab")
    handout.add_argument("out")
    sub.add_parser("handout-repo", help="a git repository, one branch per lab").add_argument("out")
    return p


def _run(args):
    root = os.path.abspath(args.root)
    if not os.path.isdir(root):
        raise LabError(f"--root {args.root}: not a folder")
    if args.command == "check":
        labs = check_tree(root)
        print(f"labtool: {len(labs)} labs, markers OK")
    elif args.command == "list":
        for lab in load_labs(root):
            print(lab.name)
    elif args.command == "order":
        labs = load_labs(root)
        print(0 if args.lab == BASE_STAGE else _lab_index(args.lab, labs) + 1)
    elif args.command == "stage-header":
        write_stage_header(args.out, load_labs(root))
    elif args.command == "handout":
        make_handout(args.lab, args.out, root)
        print(f"labtool: handout for lab {args.lab} written to {args.out}")
    elif args.command == "handout-repo":
        labs = make_handout_repo(args.out, root)
        print(f"labtool: handout repository in {args.out}, branches: "
              f"{' '.join(lab_names(labs))}")


def main(argv):
    """Exit status 0, 1 for bad input (one 'labtool: ...' line), 2 for usage."""
    args = _parser().parse_args(argv)
    try:
        _run(args)
    except (LabError, OSError) as e:
        print(f"labtool: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
