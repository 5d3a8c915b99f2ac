#!/usr/bin/env python3
"""Labs as stages: lab definitions, solution markers, stage headers, handouts.

The reference kernel is one tree. A lab's solution sits between markers in
C sources, with the handout's fallback beside it:

    #if SOLUTION(pgtable)
        ... the reference solution ...
    #else
        ... what the handout has instead (a fallback or a stub) ...
    #endif /* SOLUTION(pgtable) */

Building stage k from the reference tree needs no copy: the compiler sees
SOLUTION(lab) as (PAGODA_STAGE >= order of lab), from the header this tool
writes. A handout for lab k is a copy of the tree in which the regions of
labs before k keep their solution, those of lab k and later keep their
fallback, and no marker is left.

Commands (run with the Makefile's Python):
    labtool.py check                       validate lab definitions and markers
    labtool.py list                        the labs in order, one per line
    labtool.py order LAB                   a lab's order number (base: 0)
    labtool.py stage-header OUT            write the SOLUTION() header
    labtool.py handout LAB OUT             write a student tree for LAB
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABS_DIR = "labs"
COURSE_FILE = os.path.join(LABS_DIR, "course.toml")
MARKED_SUFFIXES = (".c", ".h", ".S")
BASE_STAGE = "base"   # STAGE=base: no lab solved (every handout fallback)
MARKED_DIRS = ("kernel", "user", "mkfs")

BEGIN_RE = re.compile(r"^\s*#\s*if\s+SOLUTION\((?P<lab>[A-Za-z0-9_]*)\)\s*$")
ELSE_RE = re.compile(r"^\s*#\s*else\b")
ENDIF_RE = re.compile(r"^\s*#\s*endif\b")
END_RE = re.compile(r"^\s*#\s*endif\s*/\*\s*SOLUTION\((?P<lab>[A-Za-z0-9_]*)\)\s*\*/\s*$")
IF_RE = re.compile(r"^\s*#\s*if(n?def)?\b")
MENTION_RE = re.compile(r"SOLUTION\(")


class LabError(Exception):
    """A problem in a lab definition or a marker, with its place."""


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


def _require(table, key, kind, where):
    if key not in table:
        raise LabError(f"{where}: missing '{key}'")
    if not isinstance(table[key], kind):
        raise LabError(f"{where}: '{key}' must be a {kind.__name__}")
    return table[key]


def _load_boot(entry, where):
    if not isinstance(entry, dict):
        raise LabError(f"{where}: each [[boot]] must be a table")
    known = {"name", "mem", "cpus", "bootargs", "dtb", "qemu_args"}
    extra = set(entry) - known
    if extra:
        raise LabError(f"{where}: unknown boot key(s) {sorted(extra)}")
    _require(entry, "name", str, where)
    return Boot(**entry)


def load_lab(path):
    """Read labs/<name>/lab.toml; raise LabError naming the file."""
    where = os.path.relpath(path, ROOT)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LabError(f"{where}: {e}") from None
    name = _require(data, "name", str, where)
    if os.path.basename(os.path.dirname(path)) != name:
        raise LabError(f"{where}: name '{name}' differs from its folder")
    boots = {}
    for entry in data.get("boot", []):
        boot = _load_boot(entry, where)
        if boot.name in boots:
            raise LabError(f"{where}: boot '{boot.name}' defined twice")
        boots[boot.name] = boot
    return Lab(name=name, order=_require(data, "order", int, where),
               title=_require(data, "title", str, where),
               points=_require(data, "points", int, where),
               tests=data.get("tests", []), programs=data.get("programs", []),
               boots=boots, path=where)


def load_labs(root=ROOT):
    """Every lab, sorted by order; orders must be 1..n without gaps."""
    labs_dir = os.path.join(root, LABS_DIR)
    labs = []
    for entry in sorted(os.listdir(labs_dir)) if os.path.isdir(labs_dir) else []:
        path = os.path.join(labs_dir, entry, "lab.toml")
        if os.path.isfile(path):
            labs.append(load_lab(path))
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
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise LabError(f"{COURSE_FILE}: {e}") from None


# ---- markers ---------------------------------------------------------------

@dataclass
class Region:
    lab: str
    begin: int      # line index of #if SOLUTION(lab)
    middle: int     # line index of #else, or None
    end: int        # line index of #endif /* SOLUTION(lab) */


def find_regions(lines, where, lab_names):
    """The marked regions of a file; LabError with file:line when malformed."""
    regions, open_region, depth = [], None, 0
    for i, line in enumerate(lines):
        begin = BEGIN_RE.match(line)
        if MENTION_RE.search(line) and not begin and not END_RE.match(line):
            raise LabError(f"{where}:{i + 1}: malformed marker: {line.strip()}")
        if begin:
            lab = begin["lab"]
            if lab not in lab_names:
                raise LabError(f"{where}:{i + 1}: unknown lab '{lab}'")
            if open_region:
                raise LabError(f"{where}:{i + 1}: SOLUTION({lab}) inside "
                               f"SOLUTION({open_region.lab}) opened at line "
                               f"{open_region.begin + 1}")
            open_region, depth = Region(lab, i, None, None), 0
        elif open_region is None:
            continue
        elif IF_RE.match(line):
            depth += 1
        elif ELSE_RE.match(line) and depth == 0:
            if open_region.middle is not None:
                raise LabError(f"{where}:{i + 1}: second #else in SOLUTION({open_region.lab})")
            open_region.middle = i
        elif ENDIF_RE.match(line):
            if depth:
                depth -= 1
                continue
            end = END_RE.match(line)
            if not end or end["lab"] != open_region.lab:
                raise LabError(f"{where}:{i + 1}: region SOLUTION({open_region.lab}) "
                               f"must end with '#endif /* SOLUTION({open_region.lab}) */'")
            open_region.end = i
            regions.append(open_region)
            open_region = None
    if open_region:
        raise LabError(f"{where}:{open_region.begin + 1}: SOLUTION({open_region.lab}) "
                       "is never closed")
    return regions


def marked_files(root=ROOT):
    for top in MARKED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(MARKED_SUFFIXES):
                    yield os.path.join(dirpath, name)


def scan_tree(root, lab_names):
    """{relative path: (lines, regions)} for every file with markers."""
    found = {}
    for path in marked_files(root):
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
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


# ---- commands ----------------------------------------------------------------

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
    """Files of the tree as git knows them (tracked or new, not ignored)."""
    res = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=root, capture_output=True, text=True)
    if res.returncode != 0:
        raise LabError(f"{root}: not a git tree ({res.stderr.strip()})")
    return [f for f in res.stdout.splitlines() if os.path.isfile(os.path.join(root, f))]


def is_instructor_only(rel, course):
    return any(fnmatch.fnmatch(rel, pat) for pat in course.get("instructor_only", []))


def make_handout(lab_name, out, root=ROOT):
    labs = load_labs(root)
    names = [lab.name for lab in labs]
    if lab_name not in names:
        raise LabError(f"unknown lab '{lab_name}' (labs: {', '.join(names)})")
    order = names.index(lab_name) + 1
    solved = set(names[:order - 1])
    course = load_course(root)
    marked = scan_tree(root, set(names))
    if os.path.exists(out) and os.listdir(out):
        raise LabError(f"{out}: exists and is not empty")
    for rel in tracked_files(root):
        if is_instructor_only(rel, course):
            continue
        dst = os.path.join(out, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if rel in marked:
            lines, regions = marked[rel]
            with open(dst, "w", encoding="utf-8") as f:
                f.writelines(render(lines, regions, solved))
            shutil.copymode(os.path.join(root, rel), dst)
        else:
            shutil.copy2(os.path.join(root, rel), dst)
    with open(os.path.join(out, LABS_DIR, "HANDOUT"), "w") as f:
        f.write(f"{lab_name}\n")
    return order


def main(argv):
    try:
        if len(argv) >= 1 and argv[0] == "check":
            labs = load_labs()
            scan_tree(ROOT, {lab.name for lab in labs})
            print(f"labtool: {len(labs)} labs, markers OK")
        elif len(argv) == 1 and argv[0] == "list":
            for lab in load_labs():
                print(lab.name)
        elif len(argv) == 2 and argv[0] == "order":
            names = [lab.name for lab in load_labs()]
            if argv[1] == BASE_STAGE:
                print(0)
            elif argv[1] not in names:
                raise LabError(f"unknown lab '{argv[1]}' (labs: {', '.join(names)})")
            else:
                print(names.index(argv[1]) + 1)
        elif len(argv) == 2 and argv[0] == "stage-header":
            write_stage_header(argv[1], load_labs())
        elif len(argv) == 3 and argv[0] == "handout":
            make_handout(argv[1], argv[2])
            print(f"labtool: handout for lab {argv[1]} written to {argv[2]}")
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    except LabError as e:
        print(f"labtool: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
