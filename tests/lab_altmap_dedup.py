"""Lab altmap: compound device pages and the deduplicated vmemmap.

With pmem.map=ram and pmem.align=2m (or 1g) the device's data pages are
compound pages, and the memmap of each is one page for the head and one
tail page that every further vmemmap pte reuses. The grader checks the
memmap and table pages against grader/formulas.py, the RAM they cost
against a boot whose device has no memmap (memstat), the vmemmap ptes
themselves through `pgdump -k`, and the teardown figures of the altmap
KTAP suite's 20 offline/online rounds.
"""
import pytest

from grader import constants
from grader import expect
from grader import formulas
from grader import ktap
from grader import pmem
from grader import qemu

LAB = "altmap"
GIB = 1 << 30
PAGE_SIZE = formulas.PAGE_SIZE
RAM = [(0x80000000, 0x80000000 + (512 << 20))]
MEMORY = "512M"
SUITE = "altmap"
ROUNDS_CASE = "pmem_online_offline"
VMEMMAP_START = constants.CHeader.read("kernel/include/memlayout.h").value("VMEMMAP_START")
PGDUMP_TIMEOUT = 120

# name -> (device bytes, pmem.align)
CONFIGS = {"2m-1G": (GIB, "2m"), "1g-2G": (2 * GIB, "1g")}


@pytest.fixture(scope="module")
def pool(build, time_factor, boot_slots):
    p = qemu.MachinePool("lab_altmap_dedup", build.logs, kernel=build.kernel,
                         image=build.image, time_factor=time_factor, slots=boot_slots)
    try:
        yield p
    finally:
        p.kill_all()


@pytest.fixture(scope="module")
def runs(pool, tmp_path_factory):
    """Boot each machine once: {config: (machine, memstat, pgdump -k text,
    the same device's free pages without a memmap)}."""
    folder, done = tmp_path_factory.mktemp("altmap-dedup"), {}

    def get(config):
        if config not in done:
            size, align = CONFIGS[config]
            base = pmem.boot_pmem(pool, folder / f"{config}-none.img", size, "pmem.map=none",
                                  memory=MEMORY)
            baseline = expect.parse_memstat(base.run("memstat"))["free_pages"]
            base.kill()
            m = pmem.boot_pmem(pool, folder / f"{config}.img", size,
                               f"ktest={SUITE} pmem.map=ram pmem.align={align}", memory=MEMORY)
            stat = expect.parse_memstat(m.run("memstat"))
            dump = m.run("pgdump -k", timeout=PGDUMP_TIMEOUT)
            m.kill()
            done[config] = (m, stat, dump, baseline)
        return done[config]

    return get


def want_for(m, config):
    size, align = CONFIGS[config]
    dev = expect.pmem_device(m.output)
    assert dev, f"no pmem0 device line (log {m.log_path})"
    want = formulas.pmem_memmap(dev["pa"], size, "ram", align)
    want["tables"] = formulas.pmem_table_pages(RAM, dev["pa"], size, "ram", align)
    return dev, want


def online_line(m, config):
    assert expect.COMPOUND_FALLBACK not in m.output, (
        f"vmemmap_populate_compound_pages() is not done (exercise 2): the memmap of "
        f"compound pages was populated in full (log {m.log_path})")
    online = expect.pmem_online(m.output)
    assert online, f"no 'pmem0: memmap online' line (log {m.log_path})"
    assert (online["map"], online["align"]) == ("ram", CONFIGS[config][1]), online
    return online


@pytest.mark.boot
@pytest.mark.lab(LAB, points=10)
@pytest.mark.parametrize("config", list(CONFIGS))
def test_dedup_pages(runs, config):
    """Two memmap pages per compound page, the formula's table pages, and the
    RAM memstat sees go exactly to them."""
    m, stat, _, baseline = runs(config)
    online = online_line(m, config)
    _, want = want_for(m, config)
    assert want["compound"] > 0, f"the formula has no compound page for {config}"
    assert (online["in_ram"], online["tables"], online["on_device"]) == (
        want["in_ram"], want["tables"], 0), (
        f"kernel: {online['in_ram']} memmap pages in RAM, {online['tables']} tables; formula: "
        f"{want['in_ram']} ({want['compound']} compound pages x 2 + the pages before and "
        f"after them), {want['tables']} tables (log {m.log_path})")
    drop = baseline - stat["free_pages"]
    assert drop == want["in_ram"] + want["tables"], (
        f"memstat: free pages {baseline} without a memmap, {stat['free_pages']} with it "
        f"({drop} used), formula {want['in_ram']} + {want['tables']} (log {m.log_path})")


def vmemmap_ptes(dump):
    """{va: pa} of every 4 KiB leaf under VMEMMAP_START in pgdump -k output."""
    _, entries, _ = expect.parse_pgdump(dump)
    ptes = {}
    for e in entries:
        if e.size == "4K" and e.first >= VMEMMAP_START:
            for i in range(e.count):
                ptes[e.first + i * PAGE_SIZE] = e.pa + i * PAGE_SIZE
    return ptes


@pytest.mark.boot
@pytest.mark.lab(LAB, points=5)
@pytest.mark.parametrize("config", list(CONFIGS))
def test_dedup_ptes(runs, config):
    """Each compound page's vmemmap: its head page its own, every further pte
    the same tail page, and no tail page shared between compound pages."""
    m, _, dump, _ = runs(config)
    online_line(m, config)
    dev, want = want_for(m, config)
    size, align = CONFIGS[config]
    nr = formulas.COMPOUND_PAGES[align]
    memmap_bytes = nr * formulas.STRUCT_PAGE_SIZE
    first_pfn = -(-(dev["pa"] // PAGE_SIZE + formulas.pmem_layout(size)["data"]) // nr) * nr
    ptes, tails = vmemmap_ptes(dump), set()
    for k in range(want["compound"]):
        va = VMEMMAP_START + (first_pfn + k * nr) * formulas.STRUCT_PAGE_SIZE
        pages = [ptes.get(va + off) for off in range(0, memmap_bytes, PAGE_SIZE)]
        where = f"compound page {k} (memmap at {va:#x}; log {m.log_path})"
        assert None not in pages, f"{where}: {pages.count(None)} memmap pages not 4 KiB ptes"
        head, tail = pages[0], set(pages[1:])
        assert len(tail) == 1, f"{where}: its tail ptes point at {len(tail)} pages, not one"
        assert head not in tail, f"{where}: the head page is reused as the tail page"
        assert not tail & tails, f"{where}: its tail page is another compound page's"
        tails |= tail


@pytest.mark.boot
@pytest.mark.lab(LAB, points=5)
@pytest.mark.parametrize("config", list(CONFIGS))
def test_dedup_teardown(runs, config):
    """20 offline/online rounds: each frees the shared tail pages exactly once
    and gives every page back (the case checks the free count each round)."""
    m, _, _, _ = runs(config)
    online_line(m, config)
    _, want = want_for(m, config)
    results = ktap.parse(m.output, m.token).get(SUITE, {})
    case = results.get(ROUNDS_CASE)
    assert case and case.ok, f"{ROUNDS_CASE}: {getattr(case, 'reason', 'not run')} ({m.log_path})"
    rounds = expect.altmap_rounds(m.output)
    assert rounds, f"{ROUNDS_CASE} printed no figures (log {m.log_path})"
    assert (rounds["rounds"], rounds["memmap"], rounds["ram_cost"]) == (
        20, want["in_ram"], want["in_ram"] + want["tables"]), (
        f"{rounds}; formula memmap {want['in_ram']}, RAM cost {want['in_ram'] + want['tables']} "
        f"(log {m.log_path})")
