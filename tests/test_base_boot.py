"""The base kernel ("Pagoda base"): it boots, runs a shell, pages with Sv48,
counts memory right, passes usertests on several machines, and powers off.

Every test boots the real kernel in QEMU through the `machine` fixture
(tests/conftest.py); console logs are in build/logs/<test>-<n>.log.
"""
import os
import re

import pytest

from grader import expect
from grader import machines

pytestmark = pytest.mark.boot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
USER_SOURCES = os.path.join(ROOT, "user", "bin")

KIB = 1 << 10
MIB = 1 << 20
PAGE_SIZE = 4096
RAM_BASE = 0x80000000             # QEMU virt: where DRAM starts

DEFAULT_CPUS = 2
DEFAULT_MEMORY = "512M"
DEFAULT_MEMORY_BYTES = 512 * MIB

# A machine with a hole: QEMU gets 1 GiB, the device tree describes 768 MiB.
HOLES_CPUS = 2
HOLES_MEMORY, HOLES_BANKS = machines.HOLES

USERTESTS_TIMEOUT = 1200          # base seconds; usertests takes minutes under TCG


def memstat(m):
    return expect.parse_memstat(m.run("memstat"))


def check_memory_accounting(m, ram_bytes, banks):
    """memstat and the boot line agree with each other and with the machine."""
    ms = memstat(m)
    assert ms["ram_pages"] * PAGE_SIZE == ram_bytes
    assert ms["total_pages"] + ms["reserved_pages"] == ms["ram_pages"]
    assert ms["total_pages"] == ms["free_pages"] + ms["used_pages"]
    assert 0 < ms["pgtable_pages"] <= ms["used_pages"]
    boot = expect.parse_memory_line(m.output)
    assert boot["banks"] == banks
    assert boot["ram_kib"] * KIB == ram_bytes
    assert boot["reserved_kib"] * KIB == ms["reserved_pages"] * PAGE_SIZE
    assert boot["free_kib"] * KIB <= ms["total_pages"] * PAGE_SIZE


def user_programs():
    return sorted(name[:-len(".c")] for name in os.listdir(USER_SOURCES)
                  if name.endswith(".c"))


# ---- the shell ----------------------------------------------------------------

def test_pipeline(machine):
    m = machine()
    assert m.run("echo hello | cat | wc").split() == ["1", "1", "6"]


def test_redirection(machine):
    m = machine()
    assert m.run("echo abc > f") == ""
    assert m.run("cat f") == "abc"
    assert m.run("wc < f").split() == ["1", "1", "4"]


def test_command_list(machine):
    m = machine()
    assert m.run("echo one ; echo two") == "one\ntwo"


def test_ls_shows_the_image_files(machine, build):
    entries = expect.parse_ls(machine().run("ls"))
    assert entries["."][0] == expect.LS_TYPE_DIR
    readme_type, _, readme_size = entries["README.md"]
    assert readme_type == expect.LS_TYPE_FILE
    assert readme_size == os.path.getsize(README)
    for name in user_programs():
        assert name in entries, f"ls does not list {name}"
        host_size = os.path.getsize(os.path.join(build.dir, "user", "bin", name))
        assert entries[name][0] == expect.LS_TYPE_FILE
        assert entries[name][2] == host_size, f"{name}: size differs from the host's"


def test_grep_on_a_file(machine):
    with open(README, encoding="utf-8") as f:
        wanted = [line.rstrip("\n") for line in f if "Pagoda" in line]
    assert wanted, "README.md should mention Pagoda"
    assert machine().run("grep Pagoda README.md").split("\n") == wanted


def test_directories(machine):
    m = machine()
    assert m.run("mkdir d") == ""
    assert m.run("cd d") == ""
    assert m.run("echo inside > g") == ""
    assert m.run("cat g") == "inside"
    assert m.run("cd ..") == ""
    assert m.run("cat d/g") == "inside"
    assert expect.parse_ls(m.run("ls"))["d"][0] == expect.LS_TYPE_DIR
    inside = expect.parse_ls(m.run("ls d"))
    assert inside["g"][0] == expect.LS_TYPE_FILE
    assert inside["g"][2] == len("inside\n")


# ---- memory and paging ------------------------------------------------------

def test_memstat_is_consistent(machine):
    m = machine(cpus=DEFAULT_CPUS, memory=DEFAULT_MEMORY)
    check_memory_accounting(m, DEFAULT_MEMORY_BYTES, banks=1)


@pytest.mark.parametrize("memory,ram_bytes", [("128M", 128 * MIB), ("16G", 16 << 30)],
                         ids=["128M", "16G"])
def test_memory_sizes(machine, memory, ram_bytes):
    """The smallest and the largest machine the course supports: all RAM
    counted, and QEMU's lazy allocation kept cheap (no page touched)."""
    m = machine(cpus=DEFAULT_CPUS, memory=memory)
    check_memory_accounting(m, ram_bytes, banks=1)


def test_memory_with_holes(machine, build):
    dtb = machines.make_dtb(build.logs, "test_memory_with_holes", HOLES_CPUS, HOLES_MEMORY,
                           HOLES_BANKS)
    m = machine(cpus=HOLES_CPUS, memory=HOLES_MEMORY, dtb=dtb)
    check_memory_accounting(m, sum(size for _, size in HOLES_BANKS),
                            banks=len(HOLES_BANKS))


def test_satp_is_sv48_on_every_hart(machine):
    m = machine(cpus=DEFAULT_CPUS, memory=DEFAULT_MEMORY)
    m.run("echo shell is up")
    satps = expect.satp_values(m.monitor("info registers -a"))
    assert len(satps) == DEFAULT_CPUS
    for satp in satps:
        assert expect.satp_mode(satp) == expect.SATP_MODE_SV48, f"satp {satp:#018x}"
        root = expect.satp_ppn(satp) * PAGE_SIZE
        assert RAM_BASE <= root < RAM_BASE + DEFAULT_MEMORY_BYTES, \
            f"root page table at {root:#x} is not in RAM"


# ---- boot options and power -------------------------------------------------

def test_unknown_boot_option_is_reported(machine):
    m = machine(bootargs="bogus=1")
    assert expect.cmdline_unknown("bogus=1") in m.output
    assert m.run("echo still fine") == "still fine"


def test_halt_powers_off_with_status_0(machine):
    m = machine()
    assert m.poweroff() == 0
    assert expect.HALT in m.output


# ---- usertests ----------------------------------------------------------------

# 1, 2 and 4 harts; 128 MiB and 4 GiB. The machine with a hole runs
# usertests once per memory model in test_memmodels.py. The 4-hart machine
# also has lab mixedmap's devices (`mixmem`: the top 128 MiB section becomes
# device memory), so the kernel with its device files is tested as a whole.
USERTESTS_MACHINES = [
    pytest.param(1, "128M", None, "", id="1cpu-128M"),
    pytest.param(4, "512M", None, "mixmem", id="4cpu-512M-mixmem"),
    pytest.param(2, "4G", None, "", id="2cpu-4G"),
]


@pytest.mark.slow
@pytest.mark.parametrize("cpus,memory,banks,bootargs", USERTESTS_MACHINES)
def test_usertests(machine, build, request, cpus, memory, banks, bootargs):
    dtb = machines.make_dtb(build.logs, request.node.name, cpus, memory, banks)
    m = machine(cpus=cpus, memory=memory, dtb=dtb, bootargs=bootargs)
    out = m.run("usertests", timeout=USERTESTS_TIMEOUT)
    failures = expect.usertests_failures(out)
    assert not failures, (f"usertests failed (console log: {m.log_path}):\n" +
                          "\n".join(f"  {name}: {why}" for name, why in failures))
    assert expect.USERTESTS_PASSED in out
    # Bad pointers from user space (kernel-half ones included) must never
    # panic the kernel: not even a line that the driver might have missed.
    with open(m.log_path, encoding="utf-8") as f:
        assert not re.search(expect.PANIC, f.read(), re.MULTILINE)
