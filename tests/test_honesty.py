"""Honesty of the labs (instructor-only: needs the reference tree).

For every lab k:
  - the reference tree at stage k scores full marks on labs 1..k;
  - the handout for lab k scores full marks on labs 1..k-1 and fails every
    student test of lab k (infrastructure tests may pass);
  - no handout contains a solution line of lab k or later (the leak
    detector, labtool.solution_evidence/find_leaks, is itself tested on
    synthetic trees in tests/test_labtool.py).
The table of (lab, solution score, handout score) is printed at the end.
"""
import json
import os
import shutil
import subprocess

import pytest

from grader import labtool

ROOT = labtool.ROOT
HONESTY_DIR = os.path.join(ROOT, "build", "honesty")
GRADE_TIMEOUT = 1800
LABS = labtool.load_labs()
TABLE = []


def _grade(cwd, results_path, lab=None):
    """make grade in cwd (LAB= only in the reference tree: a handout knows)."""
    cmd = ["make", "-s", "grade"] + ([f"LAB={lab}"] if lab else [])
    res = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=GRADE_TIMEOUT)
    if not os.path.exists(results_path):
        pytest.fail(f"{' '.join(cmd)} in {cwd} wrote no {results_path}:\n"
                    + "\n".join(res.stdout.splitlines()[-40:]), pytrace=False)
    with open(results_path) as f:
        return res.returncode, json.load(f), res.stdout


def _by_lab(results):
    """{lab: (score, max, [(test, score, max, infrastructure)])}"""
    labs = {}
    for t in results["tests"]:
        lab = t["tags"][0]
        got, total, tests = labs.get(lab, (0, 0, []))
        tests.append((t["name"], t["score"], t["max_score"], "infrastructure" in t["tags"]))
        labs[lab] = (got + t["score"], total + t["max_score"], tests)
    return labs


@pytest.mark.boot
@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_lab_is_honest(lab):
    earlier = [x.name for x in LABS if x.order < lab.order]
    # The reference tree at this stage: full marks on labs 1..k.
    status, results, out = _grade(ROOT, os.path.join(ROOT, "build", f"stage-{lab.name}",
                                                     "grade", "results.json"), lab.name)
    sol = _by_lab(results)
    assert status == 0, f"stage {lab.name} does not get full marks:\n{out[-3000:]}"
    # The handout: earlier labs full, this lab's student tests all failing.
    tree = os.path.join(HONESTY_DIR, lab.name)
    shutil.rmtree(tree, ignore_errors=True)
    labtool.make_handout(lab.name, tree)
    _, results, out = _grade(tree, os.path.join(tree, "build", "grade", "results.json"))
    ho = _by_lab(results)
    TABLE.append((lab.name, sol.get(lab.name, (0, 0))[:2], ho.get(lab.name, (0, 0))[:2]))
    for name in earlier:
        got, total, _ = ho.get(name, (0, 0, []))
        assert got == total, f"handout {lab.name}: earlier lab {name} scores {got}/{total}"
    passing = [t for t, score, _, infra in ho.get(lab.name, (0, 0, []))[2]
               if score > 0 and not infra]
    assert not passing, (f"handout {lab.name}: student tests pass without the "
                         f"student's code: {passing}")
    assert ho.get(lab.name, (0, 0, []))[2], f"handout {lab.name}: no test of the lab ran"
    # No solution text of this lab or a later one in the handout.
    evidence = labtool.solution_evidence(ROOT, [x.name for x in LABS if x.order >= lab.order],
                                         solved=earlier)
    leaks = labtool.find_leaks(tree, evidence)
    assert not leaks, "handout leaks solution lines:\n" + "\n".join(leaks[:20])


def teardown_module(module):
    if TABLE:
        print("\nlab honesty: lab, solution score, handout score")
        for name, (sg, st), (hg, ht) in TABLE:
            print(f"  {name:10} {sg}/{st}  {hg}/{ht}")
