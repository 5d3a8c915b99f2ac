"""Lab altmap: the memmap of a pmem device carved out of the device itself.

Machines of 512 MiB with one pmem device (grader/pmem.py) boot with
pmem.map=dev and the altmap KTAP suite. Every figure the kernel prints is
checked against grader/formulas.py, and the RAM it cost is measured from
outside: memstat's free pages against a boot of the same machine whose
device stays without memmap (pmem.map=none). The suite's offline/online
rounds run before memstat, so a leak there shows up in the count too.
The handout falls back to a memmap in RAM; every student test says so.
"""
import pytest

from grader import expect
from grader import formulas
from grader import ktap
from grader import pmem
from grader import qemu

LAB = "altmap"
GIB = 1 << 30
RAM = [(0x80000000, 0x80000000 + (512 << 20))]
MEMORY = "512M"
SUITE = "altmap"
ROUNDS_CASE = "pmem_online_offline"

# name -> (device bytes, extra boot arguments, vmemmap leaf)
CONFIGS = {
    "1G": (GIB, "", "2m"),
    "4G": (4 * GIB, "", "2m"),
    "4G-vmemmap4k": (4 * GIB, "vmemmap=4k", "4k"),
}


class Boots:
    """Each machine booted once per module, its console and memstat kept and
    the machine killed at once (boot slots are few)."""

    def __init__(self, pool, folder):
        self.pool, self.folder, self.done = pool, folder, {}

    def get(self, size, bootargs):
        key = (size, bootargs)
        if key not in self.done:
            path = self.folder / f"pmem-{len(self.done)}.img"
            m = pmem.boot_pmem(self.pool, path, size, bootargs, memory=MEMORY)
            stat = expect.parse_memstat(m.run("memstat"))
            m.kill()
            self.done[key] = (m, stat, path)
        return self.done[key]


@pytest.fixture(scope="module")
def boots(build, time_factor, boot_slots, tmp_path_factory):
    pool = qemu.MachinePool("lab_altmap_memmap", build.logs, kernel=build.kernel,
                            image=build.image, time_factor=time_factor, slots=boot_slots)
    try:
        yield Boots(pool, tmp_path_factory.mktemp("altmap-memmap"))
    finally:
        pool.kill_all()


def online_dev(boots, config):
    """The pmem.map=dev machine of config: (machine, memstat, online line, want)."""
    size, extra, leaf = CONFIGS[config]
    m, stat, _ = boots.get(size, f"ktest={SUITE} pmem.map=dev {extra}".strip())
    assert expect.PMEM_ALTMAP_FALLBACK not in m.output, (
        f"vmem_altmap gave out, so the memmap went to RAM: exercise 1 (kernel/mm/altmap.c) "
        f"is not done (log {m.log_path})")
    online = expect.pmem_online(m.output)
    assert online, f"no 'pmem0: memmap online' line (log {m.log_path})"
    dev = expect.pmem_device(m.output)
    want = formulas.pmem_memmap(dev["pa"], size, "dev", leaf=leaf)
    want["tables"] = formulas.pmem_table_pages(RAM, dev["pa"], size, "dev", leaf=leaf)
    return m, stat, online, want


def figures(online, want):
    return (f"kernel: {online['on_device']} on the device, align {online['align_pages']}, "
            f"{online['in_ram']} in RAM, {online['tables']} tables; formula: "
            f"{want['on_device']}, align {want['align_pages']}, 0, {want['tables']}")


@pytest.mark.boot
@pytest.mark.lab(LAB, points=0, student=False)
@pytest.mark.parametrize("config", ["1G", "4G"])
def test_info_block(boots, config):
    """The driver's layout: on the console and in the device's host file."""
    size = CONFIGS[config][0]
    m, _, path = boots.get(size, "pmem.map=none")
    layout = formulas.pmem_layout(size)
    info = expect.pmem_info(m.output)
    assert info, f"no 'pmem0: info block valid' line (log {m.log_path})"
    assert expect.PMEM_BLANK in m.output, f"a fresh device was not seen as blank ({m.log_path})"
    assert (info["reserve"], info["budget"], info["data"], info["data_pages"], info["boot"]) == (
        layout["reserve"], layout["budget"], layout["data"], layout["data_pages"], 1), info
    block = pmem.info_block(path)
    assert block["magic"].rstrip(b"\0") == pmem.INFO_MAGIC, block
    assert (block["dev_size"], block["reserve_pages"], block["memmap_pages"],
            block["data_pfn_offset"], block["nr_boots"]) == (
        size, layout["reserve"], layout["budget"], layout["data"], 1), block


@pytest.mark.boot
@pytest.mark.parametrize("config", [
    pytest.param("1G", marks=pytest.mark.lab(LAB, points=15)),
    pytest.param("4G", marks=pytest.mark.lab(LAB, points=10)),
    pytest.param("4G-vmemmap4k", marks=pytest.mark.lab(LAB, points=5)),
])
def test_memmap_on_device(boots, config):
    """All of the memmap on the device, block-aligned: the formula exactly."""
    m, _, online, want = online_dev(boots, config)
    got = (online["map"], online["on_device"], online["alloc"], online["align_pages"],
           online["in_ram"], online["tables"], online["ram_cost"])
    assert got == ("dev", want["on_device"], want["on_device"], want["align_pages"], 0,
                   want["tables"], want["tables"]), f"{figures(online, want)} (log {m.log_path})"


@pytest.mark.boot
@pytest.mark.lab(LAB, points=5)
@pytest.mark.parametrize("config", ["1G", "4G"])
def test_ram_cost_from_outside(boots, config):
    """memstat: RAM free pages drop by the table pages and nothing else."""
    m, stat, online, want = online_dev(boots, config)
    _, baseline, _ = boots.get(CONFIGS[config][0], "pmem.map=none")
    drop = baseline["free_pages"] - stat["free_pages"]
    assert drop == want["tables"], (
        f"free pages {baseline['free_pages']} without the device's memmap, "
        f"{stat['free_pages']} with it: {drop} pages of RAM used, formula {want['tables']} "
        f"table pages (log {m.log_path})")


@pytest.mark.boot
@pytest.mark.lab(LAB, points=5)
def test_teardown_rounds(boots):
    """Offline/online 20 times: alloc back to 0, the same memmap, no RAM kept."""
    m, _, _, want = online_dev(boots, "1G")
    rounds = expect.altmap_rounds(m.output)
    results = ktap.parse(m.output, m.token).get(SUITE, {})
    assert ROUNDS_CASE in results and results[ROUNDS_CASE].ok, (
        f"{ROUNDS_CASE}: {getattr(results.get(ROUNDS_CASE), 'reason', 'not run')} "
        f"(log {m.log_path})")
    assert rounds, f"{ROUNDS_CASE} printed no figures (log {m.log_path})"
    assert (rounds["rounds"], rounds["memmap"], rounds["ram_cost"]) == (
        20, want["on_device"], want["tables"]), f"{rounds}, formula {want} (log {m.log_path})"
