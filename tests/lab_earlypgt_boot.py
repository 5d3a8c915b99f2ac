"""Lab earlypgt: the direct map built top-down at boot, on many machines.

Each machine boots once per mapsize with the earlypgt and pgtable suites.
A machine passes when, for every mapsize: every earlypgt case is ok (every
page translates, nothing outside RAM is mapped, the map was built top-down,
the boot buffer served only the start, nothing was reserved up front); the
direct map uses exactly the minimum of tables (computed here from the
machine's banks); and the boot report is consistent with the buffer size.
"""
import pytest

from grader import expect
from grader import ktap
from grader import machines
from grader import verdicts

LAB = "earlypgt"
MAPSIZES = ("4k", "2m", "1g")
EARLYPGT_CASES = ("direct_map_translates", "nothing_outside_ram", "mapped_top_down",
                  "brk_only_before_ram", "no_up_front_reservation")
# name -> (QEMU memory, banks or None, points)
MACHINES = {
    "128M": ("128M", None, 15),
    "1G": ("1G", None, 15),
    "4G": ("4G", None, 15),
    "16G": ("16G", None, 20),
    "holes": machines.HOLES + (15,),
    "odd-2M-bank": machines.ODD_2M + (20,),
}


def check_boot(m, memory, banks, mapsize):
    """Everything one boot must show; returns its report for the summary."""
    where = f"mapsize={mapsize} (log {m.log_path})"
    suites = ktap.parse(m.output, m.token)
    for suite, cases in (("earlypgt", EARLYPGT_CASES), ("pgtable", ("direct_map_min_tables",))):
        results = suites.get(suite)
        assert results is not None, f"no KTAP output for suite {suite}, {where}"
        for case in cases:
            assert case in results, f"{suite}: no result for {case}, {where}"
            assert results[case].ok, f"{suite}.{case}: {results[case].reason}, {where}"
    report = expect.parse_earlypgt(m.output)
    assert 0 < report["brk"] <= report["brk_total"], f"boot buffer use {report}, {where}"
    assert report["steps"] > 0, f"no top-down steps, {where}"
    problem = verdicts.direct_map_tables(m.output, memory, banks, mapsize)
    assert problem is None, f"{problem}, {where}"
    return f"mapsize={mapsize}: {report}"


@pytest.mark.boot
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.lab(LAB, points=p)) for n, (_, _, p) in MACHINES.items()])
def test_direct_map_built_top_down(machine, build, name):
    memory, banks, _ = MACHINES[name]
    dtb = machines.make_dtb(build.logs, f"lab_earlypgt_boot-{name}", 2, memory, banks)
    reports = []
    for mapsize in MAPSIZES:
        m = machine(memory=memory, cpus=2, dtb=dtb,
                    bootargs=f"ktest=earlypgt,pgtable mapsize={mapsize}")
        reports.append(check_boot(m, memory, banks, mapsize))
        m.kill()
    print("\n".join(reports))
