"""Lab altmap: /dev/pmem0 from user space, persistence and refused devices.

The driver and pmemtest are provided code, so these tests are
infrastructure (0 points), but they must hold in every tree:
  - pmemtest's cases with the memmap on the device (1 and 4 harts), in RAM
    as 2 MiB compound pages, and without a memmap (raw pfns, -raw);
  - data written through /dev/pmem0 survives QEMU being killed without
    `halt`: it is in the host file at once, and the next boot finds it and
    accepts the info block again (boot 2);
  - a corrupted, foreign or mismatched info block is reported, the device
    is refused (reads fail with ENODEV) and the block is left as it was;
  - a device smaller than a memory section works without a memmap.
"""
import re

import pytest

from grader import expect
from grader import formulas
from grader import pmem
from grader import qemu

LAB = "altmap"
MIB, GIB = 1 << 20, 1 << 30
PAGE_SIZE = formulas.PAGE_SIZE
MEMORY = "512M"
PMEMTEST_TIMEOUT = 120
SEED = 7
# user/bin/pmemtest.c: the persistence pages, by write() from data page 0
# and through mmap from data page MAP_PGOFF.
RW_PAGES, MAP_PGOFF, MAP_PAGES = 8, 64, 4
CASES = ("rw_roundtrip", "mmap_shared", "page_kinds", "private_cow", "fork_shared",
         "beyond_end")
ENODEV_READ = "cat: read error on /dev/pmem0: no such device"

pytestmark = [pytest.mark.boot, pytest.mark.lab(LAB, points=0, student=False)]

# name -> (harts, boot arguments, pmemtest arguments)
RUNS = {
    "dev-1hart": (1, "pmem.map=dev", ""),
    "dev-4harts": (4, "pmem.map=dev", ""),
    "ram-2m": (2, "pmem.map=ram pmem.align=2m", ""),
    "none-raw": (2, "pmem.map=none", "-raw"),
}


@pytest.fixture
def pool(build, time_factor, boot_slots, request):
    p = qemu.MachinePool(request.node.name, build.logs, kernel=build.kernel, image=build.image,
                         time_factor=time_factor, slots=boot_slots)
    try:
        yield p
    finally:
        p.kill_all()


@pytest.mark.parametrize("run", list(RUNS))
def test_pmemtest(pool, tmp_path, run):
    cpus, bootargs, args = RUNS[run]
    m = pmem.boot_pmem(pool, tmp_path / "pmem0.img", GIB, bootargs, cpus=cpus, memory=MEMORY)
    out = m.run(expect.with_token(f"pmemtest {args}".strip(), m.token), timeout=PMEMTEST_TIMEOUT)
    assert expect.PMEMTEST_DONE in out, f"pmemtest did not finish (log {m.log_path})"
    results = expect.pmemtest_results(out, m.token)
    failed = {c: results[c][1] for c in CASES if c in results and not results[c][0]}
    missing = [c for c in CASES if c not in results]
    assert not failed and not missing, f"failed {failed}, missing {missing} (log {m.log_path})"


def pattern_page(seed, page):
    """pmemtest's pattern for one data page (pattern() in pmemtest.c)."""
    return bytes((seed * 13 + page * 7 + i % 251) & 0xFF for i in range(PAGE_SIZE))


def test_persistence_across_a_kill(pool, tmp_path):
    path, size = tmp_path / "pmem0.img", GIB
    m = pmem.boot_pmem(pool, path, size, "pmem.map=dev", memory=MEMORY)
    out = m.run(f"pmemtest write {SEED}")
    assert expect.PMEMTEST_WROTE.format(seed=SEED) in out, f"{out!r} (log {m.log_path})"
    m.kill()    # no halt: the data must already be on the device
    data = formulas.pmem_layout(size)["data"] * PAGE_SIZE
    with open(path, "rb") as f:
        for page in list(range(RW_PAGES)) + list(range(MAP_PGOFF, MAP_PGOFF + MAP_PAGES)):
            f.seek(data + page * PAGE_SIZE)
            assert f.read(PAGE_SIZE) == pattern_page(SEED, page), (
                f"data page {page} is not in the host file {path} after the kill")
    m = pmem.boot_pmem(pool, path, size, "pmem.map=dev", memory=MEMORY, keep=True)
    info = expect.pmem_info(m.output)
    assert info and info["boot"] == 2, f"the info block was not accepted again (log {m.log_path})"
    assert expect.PMEM_BLANK not in m.output, f"the device was taken as blank ({m.log_path})"
    out = m.run(f"pmemtest check {SEED}")
    assert expect.PMEMTEST_CHECK_OK in out, f"{out!r} (log {m.log_path})"


def valid_device(pool, path, size):
    """A device file holding the info block a boot wrote; its first page."""
    m = pmem.boot_pmem(pool, path, size, "pmem.map=none", memory=MEMORY)
    assert expect.pmem_info(m.output), f"no valid info block (log {m.log_path})"
    m.kill()
    with open(path, "rb") as f:
        return f.read(PAGE_SIZE)


def corrupt(page):
    """One bit of the memmap budget flipped: the checksum no longer holds."""
    at = pmem.INFO_FIELDS.index("memmap_pages") - 1
    offset = len(pmem.INFO_MAGIC) + 2 + at * 8   # magic[16], then u64 fields
    return page[:offset] + bytes([page[offset] ^ 1]) + page[offset + 1:]


def foreign(page):
    return b"EXT4-NOT-PMEM\0\0\0" + page[16:]


REFUSALS = {
    # name -> (how the block is changed, device size to boot, reason printed)
    "corrupt": (corrupt, 128 * MIB, "corrupt info block"),
    "foreign": (foreign, 128 * MIB, "foreign info block"),
    "other-device": (lambda page: page, 256 * MIB, "info block describes"),
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_untrusted_info_block_refused(pool, tmp_path, kind):
    change, size, reason = REFUSALS[kind]
    block = change(valid_device(pool, tmp_path / "valid.img", 128 * MIB))
    path = tmp_path / "pmem0.img"
    with open(path, "wb") as f:
        f.write(block)
        f.truncate(size)
    m = pmem.boot_pmem(pool, path, size, "pmem.map=dev", memory=MEMORY, keep=True)
    refused = [r["why"] for r in re.finditer(expect.PMEM_REFUSED, m.output, re.MULTILINE)]
    assert refused == [reason], f"refusals printed: {refused}, want {reason!r} ({m.log_path})"
    assert expect.pmem_online(m.output) is None, f"a refused device was onlined ({m.log_path})"
    out = m.run("cat /dev/pmem0")
    assert ENODEV_READ in out, f"reading a refused device: {out!r} (log {m.log_path})"
    m.kill()
    with open(path, "rb") as f:
        assert f.read(PAGE_SIZE) == block, f"the driver rewrote the untrusted block in {path}"


def test_device_smaller_than_a_section(pool, tmp_path):
    m = pmem.boot_pmem(pool, tmp_path / "pmem0.img", 64 * MIB, "pmem.map=dev", memory=MEMORY)
    assert expect.pmem_info(m.output), f"no info block line (log {m.log_path})"
    assert re.search(expect.PMEM_NOT_ONLINE, m.output, re.MULTILINE), (
        f"a 64 MiB device cannot have a memmap (sections are 128 MiB) (log {m.log_path})")
    out = m.run(expect.with_token("pmemtest -raw", m.token), timeout=PMEMTEST_TIMEOUT)
    results = expect.pmemtest_results(out, m.token)
    assert all(results.get(c, (False,))[0] for c in CASES), f"{results} (log {m.log_path})"
