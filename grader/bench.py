"""`make bench`: measured speed and memory of the kernel, the labs and the grader.

    python3 -m grader.bench [--out build/bench] [--quick]

Every figure becomes a row: value, unit, the target or formula it is held
to, and a verdict (ok, MISS, or n-a when there is no bar or no value). A
measurement that fails (boot timeout, parse error, build failure) is a row
that says why, never a traceback: the table is the product, and one broken
figure must not hide the others.

Kernel-side figures that must be exact come from the kernel's own boot
reports (grader/expect.py parsers) and from the bench KTAP suite
(kernel/mm/memmap_bench.c), booted under -icount shift=0 so instruction
counts are deterministic. Wall times are min/median/max of repeated boots.
At most two QEMUs run at once (BootSlots), each killed by the driver.
"""
import argparse
import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from grader import expect, formulas, machines, pmem, qemu  # noqa: E402

# ---- targets (issue 10) -------------------------------------------------------
BOOT_TARGET_S = 1.0            # 512 MiB, 2 harts, to the shell prompt
BOOT_GROWTH_MAX = 3.0          # 16 GiB vmemmap boot / 512 MiB boot
GRADE_TARGET_S = 120.0         # each `make grade LAB=`
TEST_TARGET_S = 600.0          # whole `make test`
VMEMMAP_MAX_INSNS = 4          # pfn_to_page under vmemmap, no load

# ---- what is run ----------------------------------------------------------------
MODELS = ("flat", "sparse", "vmemmap")
MAPSIZES = ("4k", "2m", "1g")
SWEEP_RAM = ("128M", "512M", "1G", "4G", "16G")
EARLYPGT_RAM = ("128M", "1G", "4G", "16G")
DIRECT_MAP_RAM = ("1G", "4G")
BOOT_RUNS = 5                  # the 512 MiB wall-time figure
SWEEP_RUNS = 5                 # each point of the RAM sweep (wall time is noisy)
PROBE_PFNS = 1_000_000
ICOUNT_ARGS = ["-icount", "shift=0,sleep=off"]
PARALLEL = 2                   # QEMUs at once
BUDGET_S = 540.0               # later stages are skipped past this (10 min total)
MAKE_TIMEOUT_S = 600
GRADE_TIMEOUT_S = 240
BOOT_TIMEOUT_S = 30           # a hung boot costs this, then becomes a row
COMMAND_TIMEOUT_S = 120       # a program run at the prompt (faultbench)
OBJDUMP_PREFIXES = ("riscv64-unknown-elf-", "riscv64-linux-gnu-", "riscv64-elf-")
LOAD_RE = re.compile(r"\t(lb|lh|lw|ld|lbu|lhu|lwu|flw|fld|c\.ld|c\.lw|c\.ldsp|c\.lwsp)\s")
PROBE = "memmap_probe_pfn_to_page"

# ---- lines of the bench KTAP suite (kernel/mm/memmap_bench.c) -------------------
BENCH_BOOT = r"^\s*# bench: boot instret=(?P<instret>\d+) time=(?P<time>\d+)$"
BENCH_PFN = (r"^\s*# bench: {fn} calls=(?P<calls>\d+) instret=(?P<instret>\d+) "
             r"baseline_instret=(?P<baseline>\d+)$")
# The two conversions the kernel probes (kernel/mm/memmap.c), by name.
PROBES = {"pfn_to_page": PROBE, "page_to_pfn": "memmap_probe_page_to_pfn"}

NOT_BUILT = "not measured: lab {lab} not built yet"
TEST_RUN_RECORD = os.path.join(ROOT, "build", "test-run.json")   # tests/conftest.py
OK, MISS, NA = "ok", "MISS", "n-a"


class BenchError(Exception):
    """A measurement that could not be made; its message becomes the row's note."""


# ---- rows and verdicts ------------------------------------------------------------

def row(group, name, value, unit, target="", verdict=NA, note=""):
    """One figure of the table; every field is present so JSON readers need no defaults."""
    return {"group": group, "name": name, "value": value, "unit": unit,
            "target": target, "verdict": verdict, "note": note}


def not_measured(group, name, reason, target=""):
    """A figure we cannot give: the reason replaces the number, never a guess."""
    return row(group, name, None, "", target, NA, reason)


def verdict_below(value, limit):
    """ok when value < limit; n-a when there is no value."""
    if value is None:
        return NA
    return OK if value < limit else MISS


def verdict_at_most(value, limit):
    """ok when value <= limit."""
    if value is None:
        return NA
    return OK if value <= limit else MISS


def verdict_equal(value, want):
    """ok only for the exact figure: formulas are exact, not approximate."""
    if value is None or want is None:
        return NA
    return OK if value == want else MISS


def spread(samples):
    """(min, median, max) of wall times; a single sample is all three."""
    return min(samples), statistics.median(samples), max(samples)


def fmt_value(value):
    """A value as the table shows it: floats to 3 places, lists joined."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return " / ".join(fmt_value(v) for v in value)
    return str(value)


def markdown(rows):
    """The Markdown table of every row, in order."""
    out = ["| group | figure | value | unit | target / formula | verdict | note |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        cells = [r["group"], r["name"], fmt_value(r["value"]), r["unit"],
                 str(r["target"]), r["verdict"], r["note"]]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def summary(rows):
    """{verdict: count}: the one line that says whether the kernel meets its bar."""
    counts = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return counts


def write_results(rows, out_dir, meta):
    """results.json and results.md in out_dir; returns the Markdown."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "summary": summary(rows), "rows": rows}, f, indent=2)
    text = markdown(rows)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("# `make bench` results\n\n" + text)
    return text


def publish(path, table, rows, meta):
    """The table with when, where and how long it was measured."""
    qemu_version = (meta.get("qemu") or ["QEMU version unknown"])[0]
    head = (f"# `make bench`: the latest results\n\n"
            f"Measured {meta['finished']} on {meta['host_cpus']} host CPUs "
            f"(load average {meta['load_at_start']} at the start), {qemu_version}; "
            f"the run took {meta['seconds']:.0f} s. Verdicts: {summary(rows)}.\n"
            f"Regenerate with `make bench` (it rewrites this file).\n\n")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(head + table)


# ---- parsers of console text ----------------------------------------------------

def parse_bench_boot(text):
    """The bench suite's boot counters -> {instret, time}."""
    m = re.search(BENCH_BOOT, text, re.MULTILINE)
    if not m:
        raise BenchError("no '# bench: boot instret=...' line (kernel without memmap_bench.c?)")
    return {k: int(v) for k, v in m.groupdict().items()}


def parse_bench_pfn(text, fn="pfn_to_page"):
    """The probe loop line of fn -> {calls, instret, baseline}."""
    m = re.search(BENCH_PFN.format(fn=fn), text, re.MULTILINE)
    if not m:
        raise BenchError(f"no '# bench: {fn} calls=...' line")
    return {k: int(v) for k, v in m.groupdict().items()}


def per_call(probe):
    """Instructions of pfn_to_page itself: the loop minus the empty-call loop."""
    return (probe["instret"] - probe["baseline"]) / probe["calls"]


def count_disassembly(lines):
    """(instructions without the ret, loads) of one function's objdump lines."""
    body = [line for line in lines if not line.rstrip().endswith("ret")]
    loads = [line for line in body if LOAD_RE.search(line)]
    return len(body), len(loads)


def function_lines(objdump_text, function):
    """The instruction lines of function in `objdump -d` output."""
    parts = objdump_text.split(f"<{function}>:", 1)
    if len(parts) != 2:
        raise BenchError(f"{function} is not in the kernel")
    lines = []
    for line in parts[1].splitlines():
        if re.match(r"^\s*[0-9a-f]+:\t", line):
            lines.append(line)
        elif lines and not line.strip():
            break
    return lines


def tables_per_gib(fields, ranges):
    """Direct-map table pages (pud+pmd+pte) per GiB of RAM mapped."""
    ram = sum(end - start for start, end in ranges)
    used = sum(fields[level] for level in formulas.TABLE_SPAN)
    return used / (ram / formulas.GIB)


# ---- builds -----------------------------------------------------------------------

class Build:
    """A built tree: kernel and disk image paths, by the make B= folder."""

    def __init__(self, rel):
        self.rel = rel
        self.kernel = os.path.join(ROOT, rel, "kernel", "kernel.elf")
        self.image = os.path.join(ROOT, rel, "fs.img")


def make(args, timeout=MAKE_TIMEOUT_S, lock_dir=None):
    """Run make in the tree; seconds taken. Takes the tests' .make.lock of
    lock_dir so a build shared with running tests is never made twice at once."""
    cmd = ["make", "-s"] + args
    start = time.monotonic()
    lock = None
    if lock_dir:
        os.makedirs(os.path.join(ROOT, lock_dir), exist_ok=True)
        lock = open(os.path.join(ROOT, lock_dir, ".make.lock"), "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{' '.join(cmd)}: no end in {timeout}s")
    finally:
        if lock:
            lock.close()
    if done.returncode != 0:
        tail = " / ".join(done.stdout.strip().splitlines()[-3:])
        raise BenchError(f"{' '.join(cmd)} failed ({done.returncode}): {tail}")
    return time.monotonic() - start


def model_build(model):
    """The MEMMODEL=model tree, brought up to date (the default build is vmemmap
    in the solved tree, but each model has its own folder as the tests use)."""
    rel = f"build/model-{model}"
    make(["all", f"B={rel}", f"MEMMODEL={model}"], lock_dir=rel)
    return Build(rel)


def fresh_clean_dir(base):
    """base/clean-<n> for the first n not used: a clean build never reuses objects."""
    n = 1
    while os.path.exists(os.path.join(base, f"clean-{n}")):
        n += 1
    return os.path.join(base, f"clean-{n}")


# ---- booting ----------------------------------------------------------------------

class Booter:
    """Boots machines for the benchmark, at most PARALLEL at once."""

    def __init__(self, out_dir):
        self.log_dir = os.path.join(out_dir, "logs")
        self.dtb_dir = os.path.join(out_dir, "dtb")
        os.makedirs(self.dtb_dir, exist_ok=True)
        self.slots = qemu.BootSlots(os.path.join(out_dir, ".slots"), PARALLEL)
        self.pool = concurrent.futures.ThreadPoolExecutor(PARALLEL)

    def dtb(self, name, memory, banks):
        """The device tree of a machine with custom banks (None for QEMU's own)."""
        if not banks:
            return None
        return machines.make_dtb(self.dtb_dir, name, 2, memory, banks)

    def boot(self, build, name, memory="512M", cpus=2, bootargs="", dtb=None, extra=(),
             command=None):
        """(seconds to the prompt, console text); a failure raises BenchError.
        With command, it runs at the prompt first and its output is in the text."""
        m = qemu.Machine(build.kernel, build.image, memory=memory, cpus=cpus,
                         bootargs=bootargs, dtb=dtb, extra_args=list(extra), name=name,
                         log_dir=self.log_dir, slots=self.slots, gdb_port=0)
        try:
            m.start()   # waits for a slot; the clock starts once QEMU runs
            started = time.monotonic()
            m.expect(re.escape(expect.INIT_STARTING_SH), BOOT_TIMEOUT_S)
            m.expect(expect.PROMPT_AT_LINE_START, BOOT_TIMEOUT_S)
            seconds = time.monotonic() - started
            if command:
                m.run(command, COMMAND_TIMEOUT_S)
            return seconds, m.output
        except (qemu.MachineError, qemu.ConfigError) as e:
            raise BenchError(str(e).splitlines()[0] + f" (log {m.log_path})")
        finally:
            m.kill()

    def many(self, jobs):
        """Run boot(**job) for every job, two at a time; results in order,
        each (seconds, text) or the BenchError it raised."""
        def one(job):
            try:
                return self.boot(**job)
            except BenchError as e:
                return e
        return list(self.pool.map(one, jobs))


def samples_of(results):
    """(wall times, first console text) of repeated boots, or BenchError."""
    errors = [r for r in results if isinstance(r, BenchError)]
    if errors:
        raise errors[0]
    return [t for t, _ in results], results[0][1]


# ---- measurements -------------------------------------------------------------------

def bench_boot_512(booter, build):
    """Wall time to the prompt, the figure users feel."""
    name = "boot 512M 2 harts (min/median/max of 5)"
    try:
        times, _ = samples_of(booter.many([dict(build=build, name="boot512")] * BOOT_RUNS))
    except BenchError as e:
        return [not_measured("boot", name, str(e), f"< {BOOT_TARGET_S} s")]
    lo, med, hi = spread(times)
    return [row("boot", name, [round(lo, 3), round(med, 3), round(hi, 3)], "s",
                f"median < {BOOT_TARGET_S} s", verdict_below(med, BOOT_TARGET_S))]


def bench_icount_boot(booter, build):
    """Instructions to the prompt: tried honestly, reported as what it is."""
    name = "guest instructions to the shell prompt"
    jobs = [dict(build=build, name="icount-boot", cpus=1, bootargs="ktest=bench",
                 extra=ICOUNT_ARGS)] * 2
    values = []
    for res in booter.many(jobs):
        try:
            if isinstance(res, BenchError):
                raise res
            values.append(str(parse_bench_boot(res[1])["instret"]))
        except BenchError as e:
            values.append(f"failed ({e})")
    return [icount_row(name, values)]


def icount_row(name, values):
    """A figure only if two identical boots agree; else the reason they do not."""
    if len(set(values)) == 1 and values[0].isdigit():
        return row("boot", name, int(values[0]), "insns", "", NA,
                   "instret at the bench ktest hook just before /init, not at the prompt")
    return not_measured("boot", name,
                        "not measured: under -icount instret is QEMU's virtual clock, which "
                        "idle warps (wfi during disk waits) advance too: two identical boots "
                        f"read {' and '.join(values)} at the bench ktest hook before /init; "
                        "a count at the prompt needs a hook in init or sh, outside the one "
                        "new file")


def sweep_jobs(builds):
    """(label, model, mapsize, memory) of every point of the RAM sweep."""
    points = [(m, "1g") for m in MODELS] + [("vmemmap", s) for s in ("4k", "2m")]
    return [(f"{model} mapsize={size}", model, size, mem)
            for model, size in points for mem in SWEEP_RAM if model in builds]


def bench_sweep(booter, builds):
    """Boot time as RAM grows: {(label, memory): (samples, text)} or BenchError."""
    points = sweep_jobs(builds)
    jobs = [dict(build=builds[model], name=f"sweep-{model}-{size}-{mem}", memory=mem,
                 bootargs=f"mapsize={size}")
            for _, model, size, mem in points for _ in range(SWEEP_RUNS)]
    results = booter.many(jobs)
    out = {}
    for i, (label, _, _, mem) in enumerate(points):
        chunk = results[i * SWEEP_RUNS:(i + 1) * SWEEP_RUNS]
        try:
            out[(label, mem)] = samples_of(chunk)
        except BenchError as e:
            out[(label, mem)] = e
    return out


def sweep_rows(sweep):
    """One row per sweep point, then the growth verdict per vmemmap mapsize."""
    rows = []
    for (label, mem), res in sweep.items():
        name = f"boot {mem}, {label} (min/median/max of {SWEEP_RUNS})"
        if isinstance(res, BenchError):
            rows.append(not_measured("boot vs RAM", name, str(res)))
            continue
        lo, med, hi = spread(res[0])
        rows.append(row("boot vs RAM", name, [round(lo, 3), round(med, 3), round(hi, 3)], "s"))
    rows += growth_rows(sweep)
    return rows


def median_of(sweep, label, mem):
    """The median boot time of one sweep point, or None when it failed."""
    res = sweep.get((label, mem))
    if res is None or isinstance(res, BenchError):
        return None
    return statistics.median(res[0])


def growth_rows(sweep):
    """16 GiB vs 512 MiB under vmemmap: populate must only touch present sections."""
    rows = []
    for size in MAPSIZES:
        label = f"vmemmap mapsize={size}"
        small, big = median_of(sweep, label, "512M"), median_of(sweep, label, "16G")
        name = f"boot 16G / boot 512M, {label}"
        if small is None or big is None:
            rows.append(not_measured("boot vs RAM", name, "a sweep boot failed (see above)",
                                     f"<= {BOOT_GROWTH_MAX}"))
            continue
        ratio = round(big / small, 2)
        rows.append(row("boot vs RAM", name, ratio, "x", f"<= {BOOT_GROWTH_MAX}",
                        verdict_at_most(ratio, BOOT_GROWTH_MAX)))
    return rows


def earlypgt_rows(sweep):
    """Boot-buffer pages the early allocator used, from the sweep's boots."""
    rows = []
    for size in MAPSIZES:
        for mem in EARLYPGT_RAM:
            name = f"early BRK pages used, {mem}, mapsize={size}"
            res = sweep.get((f"vmemmap mapsize={size}", mem))
            rows.append(earlypgt_row(name, res))
    return rows


def earlypgt_row(name, res):
    """used/total from the `earlypgt:` line; over the buffer is a MISS."""
    if res is None or isinstance(res, BenchError):
        return not_measured("earlypgt", name, str(res or "no boot"))
    try:
        report = expect.parse_earlypgt(res[1])
    except expect.FormatError as e:
        return not_measured("earlypgt", name, f"parse error: {e}")
    return row("earlypgt", name, report["brk"], "pages",
               f"<= EARLY_PGT_BRK_PAGES ({report['brk_total']})",
               verdict_at_most(report["brk"], report["brk_total"]),
               f"memblock {report['memblock']} pages, {report['steps']} steps")


def bench_direct_map(booter, build):
    """Table pages per GiB for each mapsize, against the minimum formula."""
    points = [(mem, size) for mem in DIRECT_MAP_RAM for size in MAPSIZES]
    jobs = [dict(build=build, name=f"directmap-{mem}-{size}", memory=mem,
                 bootargs=f"ktest=pgtable mapsize={size}") for mem, size in points]
    return [direct_map_row(mem, size, res)
            for (mem, size), res in zip(points, booter.many(jobs))]


def direct_map_row(mem, size, res):
    """One machine and mapsize: ratio of tables used to the minimum, per GiB."""
    name = f"direct-map table pages per GiB, {mem}, mapsize={size}"
    if isinstance(res, BenchError):
        return not_measured("direct map", name, str(res), "ratio 1.00")
    try:
        ranges, fields = expect.parse_direct_map(res[1])
    except expect.FormatError as e:
        return not_measured("direct map", name, f"parse error: {e}", "ratio 1.00")
    want = formulas.minimum_tables(machines.ram_ranges(mem), size)
    used = {level: fields[level] for level in formulas.TABLE_SPAN}
    ratio = sum(used.values()) / sum(want.values())
    return row("direct map", name, round(tables_per_gib(fields, ranges), 3), "pages/GiB",
               f"minimum_tables {sum(want.values())} pages, ratio 1.00",
               OK if used == want else MISS,
               f"used {used}, minimum {want}, ratio {ratio:.2f}")


MEMMAP_POINTS = [("flat", ""), ("sparse", ""), ("vmemmap", "2m"), ("vmemmap", "4k")]


def bench_memmap(booter, builds):
    """memmap bytes and vmemmap tables on the holes and sparse-span machines."""
    shapes = {"HOLES": machines.HOLES, "SPARSE_SPAN": machines.SPARSE_SPAN}
    points = [(shape, model, leaf) for shape in shapes for model, leaf in MEMMAP_POINTS
              if model in builds]
    jobs = []
    for shape, model, leaf in points:
        memory, banks = shapes[shape]
        jobs.append(dict(build=builds[model], name=f"memmap-{shape}-{model}{leaf}",
                         memory=memory, dtb=booter.dtb(f"bench-{shape}", memory, banks),
                         bootargs=f"vmemmap={leaf}" if leaf else ""))
    rows = []
    for (shape, model, leaf), res in zip(points, booter.many(jobs)):
        rows += memmap_rows(shape, shapes[shape], model, leaf, res)
    return rows


# (label, device bytes, map, align): the lab altmap figures. The 1g point
# needs a 2 GiB device: a 1 GiB one has no whole 1 GiB page after its memmap.
DEVICE_POINTS = [("map=ram", 1 << 30, "ram", "4k"), ("map=dev", 1 << 30, "dev", "4k"),
                 ("compound 2m", 1 << 30, "ram", "2m"), ("compound 1g", 2 << 30, "ram", "1g")]
FAULT_KINDS = [("anon", "first-touch anonymous fault"),
               ("file", "file fault (MAP_SHARED read, page not in the page cache)"),
               ("mixed_page", "mixed fault with struct page"),
               ("mixed_raw", "mixed fault without struct page"), ("cow", "COW fault")]
FAULT_NOTES = {"file": "; the blocks come from disk, so the idle loop while the request "
                       "is out counts too (varies a little from run to run)"}
FORK_MIB = (1, 16, 64)
DEVICE_RAM = [(0x80000000, 0x80000000 + (512 << 20))]   # the 512M machine


def bench_faults(booter, build):
    """user/bin/faultbench under -icount on one hart: instructions per first
    touch of each kind of page, and per fork as touched memory grows."""
    res = booter.boot(build, "faultbench", cpus=1, bootargs="mixmem", extra=ICOUNT_ARGS,
                      command="faultbench")
    return fault_rows(res[1])


def fault_rows(text):
    """The faultbench lines as rows; a missing figure is a row that says so."""
    faults = {m["kind"]: m for m in re.finditer(expect.FAULTBENCH_FAULT, text, re.MULTILINE)}
    forks = {int(m["mib"]): m for m in re.finditer(expect.FAULTBENCH_FORK, text, re.MULTILINE)}
    rows = []
    for kind, what in FAULT_KINDS:
        name = f"instructions per {what}"
        if kind in faults:
            rows.append(row("faults", name, int(faults[kind]["insns"]), "instructions",
                            note=f"mean of {faults[kind]['faults']} faults, -icount, 1 hart"
                                 + FAULT_NOTES.get(kind, "")))
        else:
            rows.append(not_measured("faults", name, "faultbench printed no figure"))
    for mib in FORK_MIB:
        name = f"instructions per fork, {mib} MiB touched"
        if mib in forks:
            rows.append(row("faults", name, int(forks[mib]["insns"]), "instructions",
                            note="least of 3 forks, -icount, 1 hart"))
        else:
            rows.append(not_measured("faults", name, "faultbench printed no figure"))
    return rows


def bench_device_memory(booter, build, out_dir):
    """RAM pages onlining pmem costs per memmap placement, beside the
    formulas, and the time of the altmap suite's offline/online rounds."""
    jobs = []
    for label, size, where, align in DEVICE_POINTS:
        path = os.path.join(out_dir, f"pmem-{where}-{align}.img")
        jobs.append(dict(build=build, name=f"pmem-{where}-{align}",
                         bootargs=f"ktest=altmap pmem.map={where} pmem.align={align}",
                         extra=pmem.pmem_device_args(path, size, 0)))
    rows = []
    for (label, size, where, align), res in zip(DEVICE_POINTS, booter.many(jobs)):
        rows += device_rows(label, size, where, align, res)
    return rows


def device_rows(label, size, where, align, res):
    """One point: RAM cost vs formula, and per-round online/offline time."""
    name = f"RAM pages to online {size >> 30} GiB pmem, {label}"
    if isinstance(res, BenchError):
        return [not_measured("device memory", name, str(res), "formula")]
    online, dev = expect.pmem_online(res[1]), expect.pmem_device(res[1])
    if not online or not dev:
        return [not_measured("device memory", name, "no pmem0 online line", "formula")]
    want = formulas.pmem_memmap(dev["pa"], size, where, align)["in_ram"] + \
        formulas.pmem_table_pages(DEVICE_RAM, dev["pa"], size, where, align)
    rows = [row("device memory", name, online["ram_cost"], "pages", f"formula {want}",
                verdict_equal(online["ram_cost"], want),
                f"memmap {online['in_ram']} in RAM, {online['on_device']} on the device, "
                f"{online['tables']} table pages")]
    rounds = expect.altmap_rounds(res[1])
    if rounds:
        rows.append(row("device memory", f"online+offline time, {label}",
                        round(rounds["us"] / rounds["rounds"] / 1000, 3), "ms", "",
                        NA, f"mean of {rounds['rounds']} rounds (ktest=altmap)"))
    return rows


def memmap_rows(shape, machine, model, leaf, res):
    """The memmap report beside formulas.memmap_bytes and vmemmap_cost."""
    label = f"{shape}, {model}{' ' + leaf if leaf else ''}"
    ranges = machines.ram_ranges(*machine)
    want = formulas.memmap_bytes(model, ranges)
    if isinstance(res, BenchError):
        return [not_measured("memmap", f"memmap bytes, {label}", str(res), want)]
    try:
        report = expect.parse_memmap(res[1])
    except expect.FormatError as e:
        return [not_measured("memmap", f"memmap bytes, {label}", f"parse error: {e}", want)]
    rows = [row("memmap", f"memmap bytes, {label}", report["memmap_bytes"], "bytes",
                f"memmap_bytes = {want}", verdict_equal(report["memmap_bytes"], want),
                f"model={report['model']}, holes {report['holes_bytes']} bytes")]
    if model == "vmemmap":
        tables, blocks = formulas.vmemmap_cost(ranges, leaf)
        got = (report["vmemmap_tables"], report["vmemmap_blocks"])
        rows.append(row("memmap", f"vmemmap table pages / blocks, {label}", list(got), "",
                        f"vmemmap_cost = {tables} / {blocks}",
                        OK if got == (tables, blocks) else MISS))
    return rows


def objdump_tool():
    """The first RISC-V objdump on PATH."""
    for prefix in OBJDUMP_PREFIXES:
        if shutil.which(prefix + "objdump"):
            return prefix + "objdump"
    raise BenchError("no RISC-V objdump on PATH")


def disassembly_counts(kernel, fn="pfn_to_page"):
    """(instructions, loads) of fn's probe in one kernel."""
    out = subprocess.run([objdump_tool(), "-d", f"--disassemble={PROBES[fn]}", kernel],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise BenchError(f"objdump failed: {out.stderr.strip()[:200]}")
    return count_disassembly(function_lines(out.stdout, PROBES[fn]))


def bench_pfn_to_page(booter, builds):
    """Per model: disassembly counts, and instret per call over 10^6 pfns."""
    models = [m for m in MODELS if m in builds]
    jobs = [dict(build=builds[m], name=f"probe-{m}", cpus=1, extra=ICOUNT_ARGS,
                 bootargs=f"ktest=bench bench={PROBE_PFNS}") for m in models]
    rows = []
    for model, res in zip(models, booter.many(jobs)):
        rows += pfn_rows(model, builds[model], res)
    return rows


def pfn_target(model, fn="pfn_to_page"):
    """Only vmemmap's pfn_to_page has a bar; the other costs are the lesson."""
    if model == "vmemmap" and fn == "pfn_to_page":
        return f"0 loads, <= {VMEMMAP_MAX_INSNS} insns"
    return ""


def pfn_rows(model, build, res):
    """Disassembly row and measured row of each probe of one model."""
    rows = []
    for fn in PROBES:
        name = f"{fn}, {model}: instructions / loads (disassembly)"
        target = pfn_target(model, fn)
        try:
            insns, loads = disassembly_counts(build.kernel, fn)
            ok = loads == 0 and insns <= VMEMMAP_MAX_INSNS
            rows.append(row("pfn_to_page", name, [insns, loads], "insns / loads", target,
                            (OK if ok else MISS) if target else NA))
        except (BenchError, subprocess.TimeoutExpired) as e:
            insns = None
            rows.append(not_measured("pfn_to_page", name, str(e), target))
        rows.append(probe_row(model, insns, res, fn))
    return rows


def probe_row(model, insns, res, fn="pfn_to_page"):
    """instret per call under -icount; it must agree with the disassembly."""
    name = f"{fn}, {model}: instret per call ({PROBE_PFNS} pfns, -icount)"
    target = f"= disassembly ({insns})" if insns is not None else ""
    if isinstance(res, BenchError):
        return not_measured("pfn_to_page", name, str(res), target)
    try:
        probe = parse_bench_pfn(res[1], fn)
    except BenchError as e:
        return not_measured("pfn_to_page", name, str(e), target)
    value = round(per_call(probe), 3)
    verdict = verdict_equal(value, float(insns)) if insns is not None else NA
    return row("pfn_to_page", name, value, "insns/call", target, verdict,
               f"loop {probe['instret']} - empty-call loop {probe['baseline']}")


def bench_clean_build(out_dir):
    """Kernel + user + fs.img from nothing, in a folder of its own, so the
    shared build/ that running tests use is never cleaned under them."""
    name = "clean build (kernel + user + fs.img, make -s all)"
    rel = os.path.relpath(fresh_clean_dir(out_dir), ROOT)
    try:   # serial: from an empty B=, -j2 races on the stage header (kallsyms0.S.o)
        seconds = make(["all", f"B={rel}"])
    except BenchError as e:
        return [not_measured("build", name, str(e))]
    finally:
        shutil.rmtree(os.path.join(ROOT, rel), ignore_errors=True)
    return [row("build", name, round(seconds, 1), "s", "", NA, f"B={rel}, removed after")]


def lab_names():
    """The labs that exist (labs/*/lab.toml), in course order."""
    done = subprocess.run([sys.executable, os.path.join(ROOT, "grader", "labtool.py"), "list"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise BenchError(f"labtool list failed: {done.stderr.strip()[:200]}")
    return done.stdout.split()


def bench_grade(lab):
    """`make grade LAB=lab` once, with the Makefile's 2 xdist workers."""
    name = f"make grade LAB={lab} (2 workers)"
    try:
        seconds = make([f"LAB={lab}", "grade"], timeout=GRADE_TIMEOUT_S)
    except BenchError as e:
        return not_measured("grader", name, str(e), f"< {GRADE_TARGET_S:.0f} s")
    return row("grader", name, round(seconds, 1), "s", f"< {GRADE_TARGET_S:.0f} s",
               verdict_below(seconds, GRADE_TARGET_S))


def make_test_row(record_path=TEST_RUN_RECORD):
    """The last whole `make test`, as tests/conftest.py recorded it: the suite
    is too long to run again inside the benchmark's budget."""
    name, target = "make test (whole suite, last run)", f"< {TEST_TARGET_S:.0f} s"
    try:
        with open(record_path) as f:
            rec = json.load(f)
        seconds, workers = float(rec["seconds"]), int(rec["workers"])
    except FileNotFoundError:
        return not_measured("grader", name, f"no {record_path}: run `make test` first", target)
    except (OSError, ValueError, KeyError, TypeError) as e:
        return not_measured("grader", name, f"{record_path} unreadable: {e}", target)
    return row("grader", name, seconds, "s", target, verdict_below(seconds, TEST_TARGET_S),
               f"{workers} workers, {rec.get('tests')} tests, {rec.get('failed')} failed, "
               f"finished {rec.get('finished')}")


def absent_rows():
    """Figures of probes that do not exist yet: reasons, not numbers."""
    return [not_measured("grader", "make grade LAB=<each> (1 worker)",
                         "not measured here: the bench runs each grade once, with 2 workers"),
]


# ---- plots --------------------------------------------------------------------------

def plot_sweep(sweep, out_dir):
    """boot-vs-ram.png: median boot time against RAM, one line per model/mapsize."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    labels = sorted({label for label, _ in sweep})
    xs = [machines.size_bytes(mem) / formulas.GIB for mem in SWEEP_RAM]
    for label in labels:
        ys = [median_of(sweep, label, mem) for mem in SWEEP_RAM]
        pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("guest RAM (GiB)")
    ax.set_ylabel(f"boot to prompt, median of {SWEEP_RUNS} (s)")
    ax.axhline(BOOT_TARGET_S, color="grey", linestyle="--", linewidth=0.8)
    ax.legend(fontsize=8)
    ax.set_title("Pagoda boot time vs RAM (2 harts)")
    path = os.path.join(out_dir, "boot-vs-ram.png")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# ---- driver -------------------------------------------------------------------------

class Clock:
    """The bench's time budget: stages past it are skipped, not run long."""

    def __init__(self, budget):
        self.start = time.monotonic()
        self.budget = budget

    def left(self):
        return self.budget - (time.monotonic() - self.start)

    def elapsed(self):
        return time.monotonic() - self.start


def guarded(group, name, fn, *args):
    """Rows of fn(*args), or one row naming the unexpected error: a bug in one
    measurement must not lose the table."""
    try:
        return fn(*args)
    except Exception as e:   # noqa: BLE001 -- turned into a row on purpose
        return [not_measured(group, name, f"error: {type(e).__name__}: {e}")]


def build_all(rows):
    """The model builds; a model that does not build is a row, not an abort."""
    builds = {}
    for model in MODELS:
        try:
            builds[model] = model_build(model)
        except BenchError as e:
            rows.append(not_measured("build", f"MEMMODEL={model} build", str(e)))
    return builds


def run(out_dir, quick=False):
    """Every measurement in order; returns the rows."""
    clock, rows = Clock(BUDGET_S), []
    builds = build_all(rows)
    booter = Booter(out_dir)
    default = builds.get("vmemmap")
    if default:
        rows += guarded("boot", "boot 512M", bench_boot_512, booter, default)
        rows += guarded("boot", "icount boot", bench_icount_boot, booter, default)
    sweep = guarded("boot vs RAM", "sweep", bench_sweep, booter, builds) if builds else {}
    if isinstance(sweep, list):
        rows += sweep
        sweep = {}
    rows += sweep_rows(sweep) + earlypgt_rows(sweep)
    if default:
        rows += guarded("direct map", "direct map", bench_direct_map, booter, default)
    rows += guarded("memmap", "memmap", bench_memmap, booter, builds)
    rows += guarded("pfn_to_page", "pfn_to_page", bench_pfn_to_page, booter, builds)
    if default:
        rows += guarded("faults", "faultbench", bench_faults, booter, default)
        rows += guarded("device memory", "pmem", bench_device_memory, booter, default, out_dir)
    rows += staged_rows(clock, out_dir, quick)
    rows += [make_test_row()] + absent_rows()
    plot = guarded("plot", "boot-vs-ram.png", lambda: [plot_sweep(sweep, out_dir)])
    return rows, plot, clock.elapsed()


def staged_rows(clock, out_dir, quick):
    """The slow host-side figures, each only if the budget still allows it."""
    rows = []
    if quick or clock.left() < 60:
        rows.append(not_measured("build", "clean build", "skipped: bench time budget"))
    else:
        rows += guarded("build", "clean build", bench_clean_build, out_dir)
    try:
        labs = lab_names()
    except BenchError as e:
        return rows + [not_measured("grader", "make grade", str(e))]
    for lab in labs:
        if quick or clock.left() < GRADE_TIMEOUT_S / 2:
            rows.append(not_measured("grader", f"make grade LAB={lab} (2 workers)",
                                     "skipped: bench time budget", f"< {GRADE_TARGET_S:.0f} s"))
        else:
            rows += guarded("grader", f"make grade LAB={lab}", lambda l=lab: [bench_grade(l)])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--publish", metavar="FILE",
                        help="also write the table with its run's details to FILE "
                             "(the copy the README links)")
    parser.add_argument("--quick", action="store_true",
                        help="skip the clean build and make grade (the slow host figures)")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]   # other work on the host slows wall times
    rows, plot, seconds = run(args.out, args.quick)
    meta = {"seconds": round(seconds, 1), "host_cpus": os.cpu_count(),
            "load_at_start": round(load, 2),
            "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "plots": [p for p in plot if isinstance(p, str)],
            "qemu": subprocess.run([qemu.QEMU_BINARY, "--version"], capture_output=True,
                                   text=True).stdout.splitlines()[:1]}
    rows += [r for r in plot if isinstance(r, dict)]
    table = write_results(rows, args.out, meta)
    print(table)
    if args.publish:
        publish(args.publish, table, rows, meta)
    print(f"bench: {summary(rows)} in {seconds:.0f} s; "
          f"{os.path.join(args.out, 'results.json')}, results.md, boot-vs-ram.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
