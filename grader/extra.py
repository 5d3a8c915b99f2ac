"""Hidden tests: an instructor's private tests added at grading time.

GRADER_EXTRA=<dir> (make batch-grade, make autograder) names a folder laid
out like labs/, one folder per lab:

    <dir>/pgtable/lab.toml            what the folder adds to lab pgtable
    <dir>/pgtable/lab_pgtable_secret.py

lab.toml here has three keys:

    points = 10                       what its tests add to the lab's points
    visibility = "after_published"    Gradescope's: hidden, after_due_date,
                                      after_published (the default) or visible
    tests = ["lab_*.py"]              its test files (globs; default every *.py)

The test files are ordinary lab tests (the lab marker, the fixtures of
tests/conftest.py). Grading copies them into the grading tree's
tests/hidden/<lab>/ (HIDDEN_DIR) with their lab.toml, where the grader
plugin finds their visibility and points; a student tree never has them.
"""
import fnmatch
import os
import shutil
from dataclasses import dataclass

from grader import labtool

HIDDEN_DIR = os.path.join("tests", "hidden")   # in a grading tree
EXTRA_FILE = "lab.toml"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_VISIBILITY = "after_published"
DEFAULT_TESTS = ["*.py"]
EXTRA_KEYS = {"points": int, "visibility": str, "tests": list}


class ExtraError(Exception):
    """A hidden-test folder that cannot be used, naming the file."""


@dataclass
class Extra:
    lab: str
    points: int
    visibility: str
    files: list       # test file names in folder
    folder: str


def _load_one(folder, lab):
    path = os.path.join(folder, EXTRA_FILE)
    if not os.path.isfile(path):
        raise ExtraError(f"{folder}: no {EXTRA_FILE} (it gives the folder's points "
                         "and visibility)")
    try:
        data = labtool._read_toml(path, path)
        labtool._check_table(data, EXTRA_KEYS, ("points",), path, "hidden-test")
    except labtool.LabError as e:
        raise ExtraError(str(e)) from None
    visibility = data.get("visibility", DEFAULT_VISIBILITY)
    if visibility not in VISIBILITIES:
        raise ExtraError(f"{path}: visibility {visibility!r}, expected one of "
                         f"{', '.join(VISIBILITIES)}")
    globs = data.get("tests", DEFAULT_TESTS)
    files = sorted(n for n in os.listdir(folder) if n != EXTRA_FILE
                   and any(fnmatch.fnmatch(n, g) for g in globs))
    if not files:
        raise ExtraError(f"{folder}: no test file matches {globs}")
    return Extra(lab, data["points"], visibility, files, folder)


def load(extra_dir, lab_names):
    """{lab: Extra} for every lab folder of extra_dir; ExtraError naming the
    folder for anything that is not a lab or lacks its lab.toml."""
    if not os.path.isdir(extra_dir):
        raise ExtraError(f"GRADER_EXTRA {extra_dir}: not a folder")
    extras = {}
    for name in sorted(os.listdir(extra_dir)):
        folder = os.path.join(extra_dir, name)
        if name.startswith(".") or not os.path.isdir(folder):
            continue
        if name not in lab_names:
            raise ExtraError(f"{folder}: '{name}' is not a lab (labs: {', '.join(lab_names)})")
        extras[name] = _load_one(folder, name)
    return extras


def install(extras, tree):
    """Copy each lab's hidden tests and lab.toml into tree/tests/hidden/<lab>/;
    a test file named like one of the tree's own is refused (pytest would
    import one for the other)."""
    own = set()
    for _, _, names in os.walk(os.path.join(tree, "tests")):
        own |= set(names)
    for extra in extras.values():
        dest = os.path.join(tree, HIDDEN_DIR, extra.lab)
        os.makedirs(dest, exist_ok=True)
        for name in extra.files:
            if name in own:
                raise ExtraError(f"{os.path.join(extra.folder, name)}: the grader already "
                                 f"has a test file named {name}; rename it")
            shutil.copy2(os.path.join(extra.folder, name), dest)
        shutil.copy2(os.path.join(extra.folder, EXTRA_FILE), dest)


def installed(tree, lab_names):
    """The hidden tests already in a grading tree (tests/hidden/), as {lab: Extra}."""
    folder = os.path.join(tree, HIDDEN_DIR)
    return load(folder, lab_names) if os.path.isdir(folder) else {}
