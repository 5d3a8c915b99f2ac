"""Lab vmemmap: the three memory models, each a complete kernel.

Every model is built in its own folder (MEMMODEL=flat|sparse|vmemmap) and
booted with the memmap KTAP suite; the memmap's size on a machine with a
16 GiB span and 1 GiB of RAM is checked against grader/formulas.py; and the
vmemmap pfn_to_page is disassembled to show it loads nothing from memory.
FLATMEM is what the handout already has: its tests are infrastructure.
"""
import re
import shutil
import subprocess

import pytest

from grader import expect
from grader import formulas
from grader import ktap
from grader import machines

LAB = "vmemmap"
SUITE = "memmap"
CASES = ("round_trip", "pfn_valid_outside_ram", "sections_flagged")
CROSS_PREFIXES = ("riscv64-unknown-elf-", "riscv64-linux-gnu-", "riscv64-elf-")
PROBE = "memmap_probe_pfn_to_page"
# RISC-V loads (RV64I, compressed forms disassemble to the same names, F/D).
LOAD_RE = re.compile(r"\t(lb|lh|lw|ld|lbu|lhu|lwu|flw|fld)\s")
MAX_VMEMMAP_INSTRUCTIONS = 4      # pfn_to_page: a constant and a shift-add


def student(points):
    return pytest.mark.lab(LAB, points=points)


def infrastructure():
    return pytest.mark.lab(LAB, points=0, student=False)


def boot_ktest(machine, build, memory, banks, bootargs=""):
    dtb = machines.make_dtb(build.logs, machine.test_name, 2, memory, banks)
    return machine(kernel=build.kernel, image=build.image, memory=memory, cpus=2, dtb=dtb,
                   bootargs=f"ktest={SUITE} {bootargs}".strip())


KTEST_RUNS = [
    # (model, vmemmap= option, machine name) -> marks
    pytest.param("flat", "", "512M", marks=infrastructure(), id="flat-512M"),
    pytest.param("flat", "", "holes", marks=infrastructure(), id="flat-holes"),
    pytest.param("sparse", "", "512M", marks=student(12), id="sparse-512M"),
    pytest.param("sparse", "", "holes", marks=student(12), id="sparse-holes"),
    pytest.param("vmemmap", "2m", "512M", marks=student(12), id="vmemmap-2m-512M"),
    pytest.param("vmemmap", "2m", "holes", marks=student(12), id="vmemmap-2m-holes"),
    pytest.param("vmemmap", "4k", "holes", marks=student(12), id="vmemmap-4k-holes"),
]
RUN_MACHINES = {"512M": ("512M", None), "holes": machines.HOLES}


@pytest.mark.boot
@pytest.mark.parametrize("model,leaf,where", KTEST_RUNS)
def test_memmap_ktest(machine, model_build, model, leaf, where):
    memory, banks = RUN_MACHINES[where]
    m = boot_ktest(machine, model_build(model), memory, banks,
                   f"vmemmap={leaf}" if leaf else "")
    assert expect.SPARSE_NOT_IMPLEMENTED not in m.output
    results = ktap.parse(m.output, m.token).get(SUITE)
    assert results is not None, f"no KTAP output for suite {SUITE} (log {m.log_path})"
    for case in CASES:
        assert case in results, f"no result for {case} (log {m.log_path})"
        assert results[case].ok, f"{case}: {results[case].reason} (log {m.log_path})"
    assert expect.parse_memmap(m.output)["model"] == model


BYTES_RUNS = [
    pytest.param("flat", "", marks=infrastructure(), id="flat"),
    pytest.param("sparse", "", marks=student(10), id="sparse"),
    pytest.param("vmemmap", "2m", marks=student(10), id="vmemmap-2m"),
    pytest.param("vmemmap", "4k", marks=student(10), id="vmemmap-4k"),
]


@pytest.mark.boot
@pytest.mark.parametrize("model,leaf", BYTES_RUNS)
def test_memmap_bytes_on_a_sparse_machine(machine, model_build, model, leaf):
    """16 GiB of span, 1 GiB of RAM: FLATMEM pays for the span, sections
    only for the RAM; the virtual memmap's tables and blocks are exact."""
    memory, banks = machines.SPARSE_SPAN
    m = boot_ktest(machine, model_build(model), memory, banks,
                   f"vmemmap={leaf}" if leaf else "")
    report = expect.parse_memmap(m.output)
    ranges = machines.ram_ranges(memory, banks)
    want = formulas.memmap_bytes(model, ranges)
    print(f"{model}: memmap {report['memmap_bytes']} bytes (formula {want}), "
          f"{report['holes_bytes']} of them for holes")
    assert report["memmap_bytes"] == want, f"{report} (log {m.log_path})"
    if model == "vmemmap":
        tables, blocks = formulas.vmemmap_cost(ranges, leaf)
        assert (report["vmemmap_tables"], report["vmemmap_blocks"]) == (tables, blocks), \
            f"vmemmap tables/blocks {report}, formula {tables}/{blocks} (log {m.log_path})"


def disassemble(kernel, function):
    """The instruction lines of one function of the kernel."""
    tool = next((p + "objdump" for p in CROSS_PREFIXES if shutil.which(p + "objdump")), None)
    assert tool, "no RISC-V objdump on PATH (scripts/install-deps installs one)"
    out = subprocess.run([tool, "-d", f"--disassemble={function}", kernel],
                         capture_output=True, text=True, check=True).stdout
    body = out.split(f"<{function}>:", 1)
    assert len(body) == 2, f"{function} is not in {kernel}"
    return [line for line in body[1].splitlines() if re.match(r"^\s*[0-9a-f]+:\t", line)]


@pytest.mark.parametrize("model", [
    pytest.param("flat", marks=infrastructure()),
    pytest.param("sparse", marks=infrastructure()),
    pytest.param("vmemmap", marks=student(10)),
])
def test_pfn_to_page_loads(model_build, model):
    """vmemmap: no load and at most 4 instructions. FLATMEM must read
    mem_map and SPARSEMEM the section table: their loads are printed (the
    lesson) and must be there (else the probe is not the model's code)."""
    lines = disassemble(model_build(model).kernel, PROBE)
    body = [line for line in lines if not line.rstrip().endswith("ret")]
    loads = [line.split("\t", 2)[-1] for line in body if LOAD_RE.search(line)]
    print(f"{model}: pfn_to_page is {len(body)} instructions, {len(loads)} loads: {loads}")
    if model == "vmemmap":
        assert not loads, f"pfn_to_page loads from memory: {loads}"
        assert len(body) <= MAX_VMEMMAP_INSTRUCTIONS, "\n".join(body)
    else:
        assert loads, f"{model}: pfn_to_page reads no table: " + "\n".join(body)
