"""Lab mixedmap from user space: user/bin/mixmaptest on 1 and 4 harts.

The machines boot with `mixmem`, which carves the top memory section of RAM
out as device memory without struct page and makes /dev/mixmem (pages with
and without struct page, VM_MIXEDMAP) and /dev/pfnmem (raw, VM_PFNMAP).
One boot per hart count runs mixmaptest; each case is a test here, and each
case checks itself that the free page count and the page cache are back
where they started. usertests runs on a machine with the devices in
tests/test_base_boot.py (4cpu-512M-mixmem).
"""
import re

import pytest

from grader import expect
from grader import qemu

LAB = "mixedmap"
PAGE_SIZE = 4096
SECTION_BYTES = 128 << 20           # kernel/include/sparse.h SECTION_SIZE_BITS
MEMORY = 512 << 20
MIXMEM_NR_PAGES = 64                # kernel/include/uapi/mixmem.h
PFNMEM_NR_PAGES = 16
HARTS = {"1hart": 1, "4harts": 4}

# case -> (points per hart count, needs the student's work)
CASES = {
    "anon_lazy": (0, False),
    "file_read": (3, True),
    "file_shared_write": (4, True),
    "file_private_cow": (3, True),
    "file_past_eof": (2, True),
    "mixmem_kinds": (4, True),
    "mixmem_shared": (3, True),
    "mixmem_private_cow": (3, True),
    "fork_cow_anon": (4, True),
    "fork_cow_mixed": (3, True),
    "pfnmap": (4, True),
    "partial_munmap": (3, True),
    "readonly_write_kills": (2, True),
    "access_after_munmap_kills": (2, True),
    "device_bounds": (2, True),
    "bad_requests": (2, True),
    "kernel_io": (1, True),
}


@pytest.fixture(scope="module", params=list(HARTS))
def mixmap(request, build, time_factor, boot_slots):
    pool = qemu.MachinePool(f"lab_mixedmap_user-{request.param}", build.logs,
                            kernel=build.kernel, image=build.image,
                            time_factor=time_factor, slots=boot_slots)
    try:
        m = pool.boot(memory="512M", cpus=HARTS[request.param], bootargs="mixmem")
        out = m.run(expect.with_token("mixmaptest", m.token), timeout=120)
        assert expect.MIXMAPTEST_DONE in out, f"mixmaptest did not finish (log {m.log_path})"
        yield m, out
    finally:
        pool.kill_all()


@pytest.mark.boot
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.lab(LAB, points=p, student=s))
    for c, (p, s) in CASES.items()])
def test_mixmaptest(mixmap, case):
    m, out = mixmap
    results = expect.mixmaptest_results(out, m.token)
    assert case in results, f"mixmaptest printed no verdict for {case} (log {m.log_path})"
    passed, why = results[case]
    assert passed, f"{case}: {why} (log {m.log_path})"


@pytest.mark.boot
@pytest.mark.lab(LAB, points=0, student=False)
def test_mixmaptest_runs_every_case_without_leaking(mixmap):
    m, out = mixmap
    numbers = [int(x["number"]) for x in
               re.finditer(expect.MIXMAPTEST_CASE, expect.strip_tokens(out), re.MULTILINE)]
    assert numbers == list(range(1, len(CASES) + 1)), f"cases printed: {numbers}"
    assert not re.search(expect.MIXMAPTEST_LEAK, out, re.MULTILINE), \
        f"mixmaptest lost pages over the whole run (log {m.log_path})"


@pytest.mark.boot
@pytest.mark.lab(LAB, points=0, student=False)
def test_device_memory_has_no_struct_page(mixmap):
    """The carve-out is the top section of RAM, gone from memblock: memstat's
    RAM shrinks by exactly its size, and the driver maps half of mixmem."""
    m, _ = mixmap
    carved = re.search(expect.MIXMEM_CARVED, m.output, re.MULTILINE)
    devices = re.search(expect.MIXMEM_DEVICES, m.output, re.MULTILINE)
    assert carved and devices, f"no mixmem boot lines (log {m.log_path})"
    start, end = int(carved["start"], 16), int(carved["end"], 16)
    ram_start = 0x80000000                      # QEMU virt's single bank
    assert end == ram_start + MEMORY and start == end - SECTION_BYTES
    assert int(carved["kib"]) == SECTION_BYTES >> 10
    assert int(devices["pages"]) == MIXMEM_NR_PAGES
    assert int(devices["ram"]) == int(devices["dev"]) == MIXMEM_NR_PAGES // 2
    assert int(devices["dev_pfn"], 16) == start // PAGE_SIZE
    assert int(devices["pfn_pages"]) == PFNMEM_NR_PAGES
    assert int(devices["pfn_pfn"], 16) * PAGE_SIZE < start, "pfnmem must be RAM"
    stats = expect.parse_memstat(m.run("memstat"))
    assert stats["ram_pages"] == (MEMORY - SECTION_BYTES) // PAGE_SIZE
    assert stats["devmem_pages"] == MIXMEM_NR_PAGES // 2
    assert stats["pagecache_pages"] == 0
