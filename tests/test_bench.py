"""grader/bench.py without QEMU: verdicts, the table, the JSON, and the
parsers on sample console text. The benchmark's numbers are only as good
as this arithmetic, and a broken row must never become a traceback."""
import json

from grader import bench, formulas, machines

PROBE_TEXT = """\
    KTAP version 1
    # Subtest: bench
    1..2
    # bench: boot instret=43890226968 time=438902269
    ok 1 boot_counters
    # bench: pfn_to_page calls=1000000 instret=17000013 baseline_instret=8000013
    ok 2 pfn_to_page
ok 1 bench
"""

OBJDUMP_TEXT = """\
ffffffff80212345 <memmap_probe_pfn_to_page>:
ffffffff80212345:\t57fd                \tli\ta5,-1
ffffffff80212347:\t17fe                \tslli\ta5,a5,0x3f
ffffffff80212349:\t051a                \tslli\ta0,a0,0x6
ffffffff8021234b:\t953e                \tadd\ta0,a0,a5
ffffffff8021234d:\t8082                \tret

ffffffff8021234f <other>:
ffffffff8021234f:\t6388                \tld\ta0,0(a5)
"""

SPARSE_OBJDUMP = """\
ffffffff80212345 <memmap_probe_pfn_to_page>:
ffffffff80212345:\t00155793          \tsrli\ta5,a0,0x15
ffffffff80212349:\t078e                \tslli\ta5,a5,0x3
ffffffff8021234b:\t639c                \tld\ta5,0(a5)
ffffffff8021234d:\t8082                \tret
"""

EARLYPGT_LINE = ("earlypgt: image and direct map: brk 6/16 pages, memblock 0 pages, 4 steps; "
                 "early tables 0x80222000-0x180000000, each mapped when allocated\n")


def test_verdicts():
    assert bench.verdict_below(0.5, 1.0) == bench.OK
    assert bench.verdict_below(1.0, 1.0) == bench.MISS
    assert bench.verdict_below(None, 1.0) == bench.NA
    assert bench.verdict_at_most(3.0, 3.0) == bench.OK
    assert bench.verdict_equal(5, 5) == bench.OK
    assert bench.verdict_equal(5, 6) == bench.MISS
    assert bench.verdict_equal(None, 6) == bench.NA


def test_spread_and_format():
    assert bench.spread([0.3, 0.1, 0.2]) == (0.1, 0.2, 0.3)
    assert bench.fmt_value([0.1, 0.25, 1]) == "0.100 / 0.250 / 1"
    assert bench.fmt_value(None) == "-"


def test_not_measured_has_no_number():
    r = bench.not_measured("faults", "COW fault", bench.NOT_BUILT.format(lab="mixedmap"))
    assert r["value"] is None and r["verdict"] == bench.NA
    assert r["note"] == "not measured: lab mixedmap not built yet"


def test_absent_rows_name_the_missing_labs():
    notes = [r["note"] for r in bench.absent_rows()]
    assert all(r["value"] is None for r in bench.absent_rows())
    assert not any(r["group"] == "faults" for r in bench.absent_rows())
    assert not any(r["group"] == "device memory" for r in bench.absent_rows())


def test_make_test_row_reads_the_record(tmp_path):
    path = tmp_path / "test-run.json"
    assert bench.make_test_row(str(path))["value"] is None
    path.write_text('{"seconds": 590.5, "workers": 2, "tests": 414, "failed": 0, '
                    '"finished": "2026-12-04T19:31:44+00:00"}')
    r = bench.make_test_row(str(path))
    assert r["value"] == 590.5 and r["verdict"] == bench.OK and "414 tests" in r["note"]
    path.write_text('{"seconds": 700, "workers": 2}')
    assert bench.make_test_row(str(path))["verdict"] == bench.MISS
    path.write_text("not json")
    assert "unreadable" in bench.make_test_row(str(path))["note"]


def test_fault_rows():
    text = ("faultbench: anon 3322 instructions per fault (32 faults)\n"
            "faultbench: cow 3999 instructions per fault (32 faults)\n"
            "faultbench: fork 16 MiB 1517775 instructions\n")
    rows = {r["name"]: r for r in bench.fault_rows(text)}
    assert rows["instructions per first-touch anonymous fault"]["value"] == 3322
    assert rows["instructions per COW fault"]["value"] == 3999
    assert rows["instructions per fork, 16 MiB touched"]["value"] == 1517775
    missing = rows["instructions per fork, 64 MiB touched"]
    assert missing["value"] is None and "no figure" in missing["note"]


def test_device_rows_against_the_formulas():
    size = 1 << 30
    dev = "pmem0: 1024 MiB at 0x400000000 (pci 00:01.0 BAR2)\n"
    line = ("pmem0: memmap online: map=ram align=2m: 0 pages on the device (altmap alloc 0 "
            "align 0), 1078 in RAM, 8 table pages; RAM free pages down by {cost}\n"
            "    # 20 rounds: memmap 1078 pages, RAM cost 1086 pages, free pages offline 1, "
            "400000 us\n")
    rows = bench.device_rows("compound 2m", size, "ram", "2m", (1.0, dev + line.format(cost=1086)))
    assert rows[0]["value"] == 1086 and rows[0]["verdict"] == bench.OK
    assert rows[1]["value"] == 20.0 and rows[1]["unit"] == "ms"
    bad = bench.device_rows("compound 2m", size, "ram", "2m", (1.0, dev + line.format(cost=1087)))
    assert bad[0]["verdict"] == bench.MISS
    assert bench.device_rows("compound 2m", size, "ram", "2m", (1.0, ""))[0]["value"] is None


def test_markdown_and_json(tmp_path):
    rows = [bench.row("boot", "boot 512M", [0.2, 0.25, 0.3], "s", "median < 1.0 s", bench.OK),
            bench.not_measured("grader", "make test", "not measured here: a | b")]
    text = bench.write_results(rows, str(tmp_path), {"seconds": 1})
    lines = text.splitlines()
    assert lines[0].startswith("| group | figure |")
    assert "| boot | boot 512M | 0.200 / 0.250 / 0.300 | s | median < 1.0 s | ok |" in text
    assert "a \\| b" in text   # a pipe in a note must not split the cell
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["summary"] == {"ok": 1, "n-a": 1}
    assert data["rows"][1]["value"] is None
    assert (tmp_path / "results.md").read_text().startswith("# `make bench` results")


def test_parse_probe_lines():
    assert bench.parse_bench_boot(PROBE_TEXT) == {"instret": 43890226968, "time": 438902269}
    probe = bench.parse_bench_pfn(PROBE_TEXT)
    assert probe == {"calls": 1000000, "instret": 17000013, "baseline": 8000013}
    assert bench.per_call(probe) == 9.0


def test_missing_probe_line_is_a_bench_error():
    for parse in (bench.parse_bench_boot, bench.parse_bench_pfn):
        try:
            parse("Pagoda: booting on hart 0\n")
        except bench.BenchError:
            continue
        raise AssertionError(f"{parse.__name__} accepted text without its line")


def test_probe_row_failure_is_a_row():
    r = bench.probe_row("flat", 3, bench.BenchError("QEMU hang/timeout"))
    assert r["value"] is None and "hang" in r["note"]
    ok = bench.probe_row("sparse", 9, (1.0, PROBE_TEXT))
    assert ok["value"] == 9.0 and ok["verdict"] == bench.OK


def test_disassembly_counts():
    lines = bench.function_lines(OBJDUMP_TEXT, bench.PROBE)
    assert bench.count_disassembly(lines) == (4, 0)   # the next function is not counted
    assert bench.count_disassembly(bench.function_lines(SPARSE_OBJDUMP, bench.PROBE)) == (3, 1)


def test_icount_row_needs_agreement():
    assert bench.icount_row("x", ["100", "100"])["value"] == 100
    r = bench.icount_row("x", ["100", "200"])
    assert r["value"] is None and "100 and 200" in r["note"]


def test_direct_map_row_against_the_formula():
    ranges = machines.ram_ranges("4G")
    want = formulas.minimum_tables(ranges, "2m")
    text = (f"    # direct_map: range 0x{ranges[0][0]:x}-0x{ranges[0][1]:x}\n"
            f"    # direct_map: mapsize=2m tables pud={want['pud']} pmd={want['pmd']} "
            f"pte={want['pte']} minimum pud=1 pmd=1 pte=0\n")
    r = bench.direct_map_row("4G", "2m", (1.0, text))
    assert r["verdict"] == bench.OK and "ratio 1.00" in r["note"]
    assert r["value"] == round(sum(want.values()) / 4, 3)
    bad = text.replace(f"pte={want['pte']} minimum", f"pte={want['pte'] + 1} minimum")
    assert bench.direct_map_row("4G", "2m", (1.0, bad))["verdict"] == bench.MISS
    assert bench.direct_map_row("4G", "2m", (1.0, "nothing"))["value"] is None


def test_earlypgt_row():
    r = bench.earlypgt_row("x", ([0.3], EARLYPGT_LINE))
    assert (r["value"], r["verdict"]) == (6, bench.OK)
    assert "16" in r["target"]
    assert bench.earlypgt_row("x", ([0.3], "no report"))["value"] is None


def test_memmap_rows_against_the_formulas():
    memory, banks = machines.SPARSE_SPAN
    ranges = machines.ram_ranges(memory, banks)
    want = formulas.memmap_bytes("vmemmap", ranges)
    tables, blocks = formulas.vmemmap_cost(ranges, "2m")
    text = (f"memmap: model=vmemmap sections=8 memmap_bytes={want} holes_bytes=0 "
            f"vmemmap_tables={tables} vmemmap_blocks={blocks}\n")
    rows = bench.memmap_rows("SPARSE_SPAN", machines.SPARSE_SPAN, "vmemmap", "2m", (1.0, text))
    assert [r["verdict"] for r in rows] == [bench.OK, bench.OK]
    flat = bench.memmap_rows("SPARSE_SPAN", machines.SPARSE_SPAN, "flat", "", (1.0, text))
    assert flat[0]["verdict"] == bench.MISS   # a vmemmap report is not flat's formula


def test_sweep_rows_and_growth():
    sweep = {("vmemmap mapsize=1g", "512M"): ([0.2, 0.2, 0.3], ""),
             ("vmemmap mapsize=1g", "16G"): ([0.5, 0.5, 0.5], ""),
             ("vmemmap mapsize=4k", "512M"): bench.BenchError("hang")}
    rows = bench.sweep_rows(sweep)
    growth = {r["name"]: r for r in rows if "16G / boot 512M" in r["name"]}
    assert growth["boot 16G / boot 512M, vmemmap mapsize=1g"]["value"] == 2.5
    assert growth["boot 16G / boot 512M, vmemmap mapsize=1g"]["verdict"] == bench.OK
    assert growth["boot 16G / boot 512M, vmemmap mapsize=4k"]["value"] is None
    assert any(r["value"] is None and "hang" in r["note"] for r in rows)
