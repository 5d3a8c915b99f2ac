"""Tests of grader/qemu.py itself, against kernels that misbehave on purpose.

Two kinds of stand-in:
- a fake QEMU (a Python script given as Machine(qemu=...)) that prints what
  a console would for a chosen scenario: a working shell, a hang, a panic,
  a reboot loop, an early exit, a process that ignores signals;
- tiny real kernels (a few lines of assembly run by the real QEMU) that
  panic, reset, power off or turn on Sv48 paging, for what only the real
  QEMU can show: its monitor, its exit statuses, OpenSBI's banner.

Each failure must be reported as the right kind, in bounded time, and leave
no process behind.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from grader import expect, qemu

pytestmark = pytest.mark.driver

# A failure the driver detects by itself (panic, reboot, exit) must come well
# before any timeout; a hang must come right after its timeout.
QUICK_FAILURE_SECONDS = 10
LONG_TIMEOUT = 60            # a timeout that must not be what ends a test
HANG_SLACK_SECONDS = 10      # a timeout may overrun by a poll, a kill and a reap
GONE_WAIT_SECONDS = 5        # for an orphaned grandchild to be reaped by init
CROSS_PREFIXES = ("riscv64-unknown-elf-", "riscv64-linux-gnu-", "riscv64-elf-")

FAKE_QEMU = r'''#!@PYTHON@
"""A stand-in for qemu-system-riscv64: the -kernel file names a scenario."""
import json, os, signal, sys, time

args = sys.argv[1:]
def option(name):
    return args[args.index(name) + 1] if name in args else None

kernel = option("-kernel")
scenario = open(kernel).read().split()
with open(kernel + ".args.json", "w") as f:
    json.dump(args, f)

def say(text):
    sys.stdout.write(text)
    sys.stdout.flush()

def firmware():
    say("\nOpenSBI v1.1\n   ____\nPlatform Name : fake\n\n")

def hang():
    while True:
        time.sleep(1)

def disk_path():
    drive = option("-drive") or ""
    return drive.split(",")[0][len("file="):]

def shell():
    while True:
        say("$ ")
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        say(line)                      # the kernel echoes what is typed
        words = line.split()
        if not words:
            continue
        if words[0] == "echo":
            say(" ".join(words[1:]) + "\n")
        elif words[0] == "lines":
            say("one\ntwo\n")
        elif words[0] == "halt":
            say("halt: powering off\n")
            sys.exit(0)
        elif words[0] == "quit":
            sys.exit(int(words[1]))
        elif words[0] == "crash":
            say("\npanic: boom\n  on hart 0\n  backtrace line\n")
            hang()
        elif words[0] == "reset":
            firmware()
            hang()
        elif words[0] == "sleep":
            hang()
        elif words[0] == "scribble":
            with open(disk_path(), "r+b") as f:
                f.write(b"scribbled")
        else:
            say("exec %s failed\n" % words[0])

def spawn_stubborn_grandchild():
    pid = os.fork()
    if pid == 0:
        hang()
    with open(kernel + ".grandchild", "w") as f:
        f.write(str(pid))

kind = scenario[0]
if kind == "shell":
    firmware()
    time.sleep(float(scenario[1]) if len(scenario) > 1 else 0)
    say("Pagoda: booting on hart 0\ninit: starting sh\n")
    shell()
elif kind == "spin":
    firmware()
    say("Pagoda: booting on hart 0\n")
    hang()
elif kind == "panic":
    firmware()
    say("Pagoda: booting on hart 0\n\npanic: test\n  on hart 0\n  #0 backtrace\n")
    hang()
elif kind == "panic-poweroff":
    firmware()
    say("Pagoda: booting on hart 0\n\npanic: test\n  #0 backtrace\n"
        "panic: powering off\n")
    sys.exit(1)
elif kind == "reboot":
    while True:
        firmware()
        say("Pagoda: booting on hart 0\n")
        time.sleep(0.2)
elif kind == "exit":
    firmware()
    sys.exit(3)
elif kind == "flood":
    firmware()
    while True:
        say("Pagoda: booting on hart 0 " * 40 + "\n")
elif kind == "stubborn":
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    spawn_stubborn_grandchild()
    firmware()
    say("Pagoda: booting on hart 0\n")
    hang()
'''

# A kernel small enough to read: print a message with SBI, then do one thing.
MINI_KERNEL = r'''
#define SBI_PUTCHAR   1             /* legacy console_putchar */
#define SBI_SRST      0x53525354    /* system reset extension */
#define SRST_SHUTDOWN 0
#define SRST_COLD_REBOOT 1
#define SRST_NO_REASON 0
#define SRST_FAILURE 1
#define PTE_V 0x1
#define PTE_LEAF_RWXAD 0xce         /* R W X A D */
#define PAGE_SHIFT 12
#define PTE_PPN_SHIFT 10
#define SATP_SV48 9
#define SATP_MODE_SHIFT 60
#define RAM_BASE 0x80000000
#define GIB_INDEX 2                 /* RAM_BASE / 1 GiB: the pud slot */

	.section .text
	.globl _start
_start:
	la s1, message
1:	lbu a0, 0(s1)
	beqz a0, 2f
	li a7, SBI_PUTCHAR
	ecall
	addi s1, s1, 1
	j 1b
2:
#if defined(DO_RESET) || defined(DO_POWEROFF) || defined(DO_FAIL)
	li a7, SBI_SRST
	li a6, 0
#if defined(DO_RESET)
	li a0, SRST_COLD_REBOOT
	li a1, SRST_NO_REASON
#elif defined(DO_POWEROFF)
	li a0, SRST_SHUTDOWN
	li a1, SRST_NO_REASON
#else
	li a0, SRST_SHUTDOWN
	li a1, SRST_FAILURE
#endif
	ecall
#elif defined(DO_SV48)
	/* root[0] -> pud; pud[2] = 1 GiB leaf for RAM, identity mapped */
	la t0, pud
	srli t0, t0, PAGE_SHIFT
	slli t0, t0, PTE_PPN_SHIFT
	ori t0, t0, PTE_V
	la t1, root
	sd t0, 0(t1)
	li t0, ((RAM_BASE >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_LEAF_RWXAD | PTE_V
	la t1, pud
	sd t0, (GIB_INDEX * 8)(t1)
	la t0, root
	srli t0, t0, PAGE_SHIFT
	li t1, SATP_SV48
	slli t1, t1, SATP_MODE_SHIFT
	or t0, t0, t1
	sfence.vma
	csrw satp, t0
	sfence.vma
	la s1, paging_on
3:	lbu a0, 0(s1)
	beqz a0, 4f
	li a7, SBI_PUTCHAR
	ecall
	addi s1, s1, 1
	j 3b
4:
#endif
5:	wfi
	j 5b

	.section .data
message:
	.asciz MESSAGE
paging_on:
	.asciz "paging on\n"
	.balign 4096
root:	.zero 4096
pud:	.zero 4096
'''


# ---- helpers ----------------------------------------------------------------

@pytest.fixture
def fake_qemu(tmp_path):
    path = tmp_path / "fake-qemu"
    path.write_text(FAKE_QEMU.replace("@PYTHON@", sys.executable))
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def make_fake(tmp_path, fake_qemu):
    """make_fake("panic") -> a Machine whose fake QEMU plays that scenario."""
    made = []

    def make(scenario, **options):
        kernel = tmp_path / f"{scenario.split()[0]}-{len(made)}.kernel"
        kernel.write_text(scenario)
        options.setdefault("log_dir", str(tmp_path / "logs"))
        m = qemu.Machine(str(kernel), qemu=fake_qemu, name=scenario.split()[0],
                         **options)
        made.append(m)
        return m

    yield make
    for m in made:
        m.kill()


def recorded_args(machine):
    with open(machine.kernel + ".args.json") as f:
        return json.load(f)


def wait_gone(pid):
    deadline = time.monotonic() + GONE_WAIT_SECONDS
    while not qemu.process_gone(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def expect_failure(kind, action):
    """Run action; it must raise MachineError of this kind. Returns (error, seconds)."""
    started = time.monotonic()
    with pytest.raises(qemu.MachineError) as info:
        action()
    assert info.value.kind == kind, str(info.value)
    return info.value, time.monotonic() - started


def cross_gcc():
    for prefix in CROSS_PREFIXES:
        if shutil.which(prefix + "gcc"):
            return prefix + "gcc"
    return None


@pytest.fixture
def mini_kernel(tmp_path):
    """mini_kernel("DO_RESET", "text") -> path of a tiny real kernel ELF."""
    gcc = cross_gcc()
    if gcc is None:
        pytest.skip("no RISC-V cross compiler (scripts/install-deps installs one)")
    source = tmp_path / "mini.S"
    source.write_text(MINI_KERNEL)

    def build(action, message):
        out = tmp_path / f"mini-{action}.elf"
        # -N: one segment, no ELF headers loaded below the entry point
        # (QEMU hands OpenSBI the lowest loaded address as the kernel's).
        done = subprocess.run([gcc, "-nostdlib", "-march=rv64imac_zicsr", "-mabi=lp64",
                               "-mcmodel=medany", "-Wl,-N", "-Wl,-Ttext=0x80200000",
                               f"-D{action}", f"-DMESSAGE={json.dumps(message)}",
                               "-o", str(out), str(source)],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"building the mini kernel failed:\n{done.stderr}"
        return str(out)

    return build


@pytest.fixture
def real_machine(tmp_path):
    made = []

    def make(kernel, **options):
        options.setdefault("cpus", 1)
        options.setdefault("memory", "128M")
        m = qemu.Machine(kernel, log_dir=str(tmp_path / "logs"), name="mini", **options)
        made.append(m)
        return m

    yield make
    for m in made:
        m.kill()


# ---- a working console ------------------------------------------------------

def test_command_line_and_private_disk(make_fake, tmp_path):
    image = tmp_path / "fs.img"
    image.write_bytes(b"original disk")
    dtb = tmp_path / "x.dtb"
    dtb.write_bytes(b"dtb")
    m = make_fake("shell", image=str(image), memory="1G", cpus=3,
                  bootargs="mapsize=4k bogus=1", dtb=str(dtb), extra_args=["-S"])
    m.boot()
    args = recorded_args(m)
    assert args[args.index("-m") + 1] == "1G"
    assert args[args.index("-smp") + 1] == "3"
    assert args[args.index("-append") + 1] == f"mapsize=4k bogus=1 grader.token={m.token}"
    assert args[args.index("-dtb") + 1] == str(dtb)
    assert args[args.index("-bios") + 1] == "default"
    assert args[-1] == "-S"
    assert args[args.index("-monitor") + 1] == \
        f"unix:{m.monitor_socket},server=on,wait=off"
    disk = args[args.index("-drive") + 1].split(",")[0][len("file="):]
    assert disk != str(image) and os.path.basename(disk) == "fs.img"
    # The guest writes to its own copy; the image it came from stays as it was.
    m.run("scribble")
    with open(disk, "rb") as f:
        assert f.read().startswith(b"scribbled")
    assert image.read_bytes() == b"original disk"
    m.kill()
    assert not os.path.exists(os.path.dirname(disk))


def test_each_boot_gets_its_own_disk(make_fake, tmp_path):
    image = tmp_path / "fs.img"
    image.write_bytes(b"disk")
    a = make_fake("shell", image=str(image)).boot()
    b = make_fake("shell", image=str(image)).boot()
    disk_a = recorded_args(a)[recorded_args(a).index("-drive") + 1]
    disk_b = recorded_args(b)[recorded_args(b).index("-drive") + 1]
    assert disk_a != disk_b


def test_run_returns_what_the_command_printed(make_fake):
    m = make_fake("shell").boot()
    assert m.run("echo hello world") == "hello world"
    assert m.run("lines") == "one\ntwo"
    assert m.run("") == ""
    assert m.run("nosuch") == "exec nosuch failed"


def test_poweroff_returns_the_exit_status(make_fake):
    m = make_fake("shell").boot()
    assert m.poweroff() == 0
    assert expect.HALT in m.output
    assert wait_gone(m.pid)


def test_wait_exit_reports_a_nonzero_status(make_fake):
    m = make_fake("shell").boot()
    m.send("quit 7")
    assert m.wait_exit() == 7


def test_console_log_is_kept_and_named(make_fake, tmp_path):
    m = make_fake("shell").boot()
    m.run("echo logged")
    m.poweroff()
    assert m.log_path == str(tmp_path / "logs" / "shell-1.log")
    with open(m.log_path) as f:
        log = f.read()
    assert "init: starting sh" in log and "logged" in log
    second = make_fake("shell").boot()
    assert second.log_path == str(tmp_path / "logs" / "shell-2.log")


def test_pool_names_logs_per_test_and_kills_all(fake_qemu, tmp_path):
    kernel = tmp_path / "k"
    kernel.write_text("shell")
    pool = qemu.MachinePool("test_x[2-512M]", str(tmp_path / "logs"),
                            kernel=str(kernel), qemu=fake_qemu)
    machines = [pool.boot(), pool.boot()]
    assert [os.path.basename(p) for p in pool.log_paths] == \
        ["test_x_2-512M-1.log", "test_x_2-512M-2.log"]
    pool.kill_all()
    assert all(wait_gone(m.pid) for m in machines)


# ---- failures, each reported as what it is ----------------------------------

def test_hang_is_a_timeout_within_bounds(make_fake):
    m = make_fake("spin")
    error, seconds = expect_failure(qemu.HANG, lambda: m.boot(timeout=1))
    assert qemu.MIN_TIMEOUT <= seconds < qemu.MIN_TIMEOUT + HANG_SLACK_SECONDS
    assert "hang/timeout" in str(error)
    assert "Pagoda: booting on hart 0" in error.tail
    assert f"console log: {m.log_path}" in str(error)
    with open(m.log_path) as f:
        assert "Pagoda: booting on hart 0" in f.read()
    assert wait_gone(m.pid)


def test_panic_is_reported_with_its_backtrace(make_fake):
    m = make_fake("panic")
    error, seconds = expect_failure(qemu.PANIC, lambda: m.boot(timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert "panic: test" in str(error)
    assert "  #0 backtrace" in error.tail   # read after the panic line
    assert wait_gone(m.pid)


def test_panic_then_poweroff_is_a_panic_not_an_exit(make_fake):
    m = make_fake("panic-poweroff")
    error, _ = expect_failure(qemu.PANIC, lambda: m.boot(timeout=LONG_TIMEOUT))
    assert "panic: powering off" in error.tail
    assert wait_gone(m.pid)


def test_reboot_is_detected(make_fake):
    m = make_fake("reboot")
    error, seconds = expect_failure(qemu.REBOOT, lambda: m.boot(timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert "OpenSBI started again" in str(error)
    assert wait_gone(m.pid)


def test_a_flooding_console_is_cut_and_reported(make_fake):
    limit = 100000
    m = make_fake("flood", console_limit=limit)
    error, seconds = expect_failure(qemu.FLOOD, m.boot)
    assert seconds < QUICK_FAILURE_SECONDS
    assert len(m.output) == limit
    assert os.path.getsize(m.log_path) < limit + 2 * len(" ".join(m.command()))
    assert f"more than {limit} characters" in str(error)


def test_early_exit_reports_the_status(make_fake):
    m = make_fake("exit")
    error, seconds = expect_failure(qemu.EXIT, lambda: m.boot(timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert error.status == 3
    assert "exited with status 3" in str(error)


def test_panic_during_a_command(make_fake):
    m = make_fake("shell").boot()
    error, seconds = expect_failure(qemu.PANIC, lambda: m.run("crash", timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert "panic: boom" in str(error)
    assert wait_gone(m.pid)


def test_reboot_during_a_command(make_fake):
    m = make_fake("shell").boot()
    expect_failure(qemu.REBOOT, lambda: m.run("reset", timeout=LONG_TIMEOUT))
    assert wait_gone(m.pid)


def test_command_that_never_returns_times_out(make_fake):
    m = make_fake("shell").boot()
    error, seconds = expect_failure(qemu.HANG, lambda: m.run("sleep", timeout=1))
    assert seconds < qemu.MIN_TIMEOUT + HANG_SLACK_SECONDS
    assert "the prompt after 'sleep'" in str(error)


def test_a_failure_sticks(make_fake):
    m = make_fake("shell").boot()
    first, _ = expect_failure(qemu.PANIC, lambda: m.run("crash"))
    with pytest.raises(qemu.MachineError) as again:
        m.run("echo still there?")
    assert again.value is first


def test_typing_into_an_exited_machine_reports_the_exit(make_fake):
    m = make_fake("shell").boot()
    m.send("quit 5")
    assert wait_gone(m.pid)
    error, _ = expect_failure(qemu.EXIT, lambda: m.run("echo anyone?"))
    assert error.status == 5


def test_poweroff_that_panics_is_a_panic(make_fake):
    m = make_fake("shell").boot()
    m.send("crash")
    expect_failure(qemu.PANIC, lambda: m.wait_exit(timeout=LONG_TIMEOUT))


# ---- no process left behind -------------------------------------------------

def test_kill_ends_a_process_that_ignores_signals_and_its_children(make_fake):
    m = make_fake("stubborn").start()
    m.expect(r"booting on hart")
    with open(m.kernel + ".grandchild") as f:
        grandchild = int(f.read())
    m.kill()
    assert wait_gone(m.pid)
    assert wait_gone(grandchild)
    m.kill()   # a second kill is harmless


def test_context_manager_kills_on_keyboard_interrupt(make_fake):
    with pytest.raises(KeyboardInterrupt):
        with make_fake("shell") as m:
            m.boot()
            pid = m.pid
            raise KeyboardInterrupt
    assert wait_gone(pid)


def test_exiting_interpreter_kills_leftover_machines(fake_qemu, tmp_path):
    kernel = tmp_path / "k"
    kernel.write_text("stubborn")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})
        from grader import qemu
        m = qemu.Machine({str(kernel)!r}, qemu={fake_qemu!r}, log_dir={str(tmp_path)!r})
        m.start()
        m.expect("booting on hart")
        print(m.pid)
    """)   # exits without kill(): the atexit hook must end QEMU
    done = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=LONG_TIMEOUT)
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[-1])
    with open(str(kernel) + ".grandchild") as f:
        grandchild = int(f.read())
    assert wait_gone(pid)
    assert wait_gone(grandchild)


# ---- configuration and limits -----------------------------------------------

def test_missing_files_and_tools_are_clear_errors(tmp_path, fake_qemu):
    with pytest.raises(qemu.ConfigError, match="kernel not found: /no/such"):
        qemu.Machine("/no/such/kernel.elf", qemu=fake_qemu).start()
    kernel = tmp_path / "k"
    kernel.write_text("shell")
    with pytest.raises(qemu.ConfigError, match="disk image not found"):
        qemu.Machine(str(kernel), "/no/fs.img", qemu=fake_qemu).start()
    with pytest.raises(qemu.ConfigError, match="QEMU not found: no-such-qemu"):
        qemu.Machine(str(kernel), qemu="no-such-qemu").start()


def test_boot_slots_bound_parallel_machines(tmp_path):
    slots = qemu.BootSlots(str(tmp_path / "slots"), 1)
    held = slots.acquire(timeout=1)
    started = time.monotonic()
    with pytest.raises(qemu.ConfigError, match="no free QEMU slot"):
        slots.acquire(timeout=0.3)
    assert time.monotonic() - started >= 0.3
    qemu.BootSlots.release(held)
    qemu.BootSlots.release(slots.acquire(timeout=1))


def test_timeouts_scale_with_a_floor():
    assert qemu.scaled(10, 3) == 30
    assert qemu.scaled(1, 1) == qemu.MIN_TIMEOUT


def test_calibration_measures_once_and_caches(fake_qemu, tmp_path, monkeypatch):
    boot_delay = 0.3
    monkeypatch.setattr(qemu, "QEMU_BINARY", fake_qemu)
    monkeypatch.setattr(qemu, "REFERENCE_BOOT_SECONDS", 0.1)
    kernel = tmp_path / "k"
    kernel.write_text(f"shell {boot_delay}")
    logs = tmp_path / "logs"
    factor = qemu.calibrate(str(kernel), None, str(logs), qemu=fake_qemu)
    assert boot_delay / 0.1 <= factor <= qemu.MAX_FACTOR
    with open(logs / qemu.CALIBRATION_FILE) as f:
        record = json.load(f)
    assert record["boot_seconds"] >= boot_delay
    os.remove(logs / "calibration.log")
    assert qemu.calibrate(str(kernel), None, str(logs), qemu=fake_qemu) == factor
    assert not (logs / "calibration.log").exists()   # no second boot


# ---- the real QEMU, with tiny kernels ---------------------------------------

def test_real_panic(mini_kernel, real_machine):
    m = real_machine(mini_kernel("DO_SPIN", "\npanic: test\n"))
    error, seconds = expect_failure(qemu.PANIC, lambda: m.boot(timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert wait_gone(m.pid)


def test_real_reboot_loop(mini_kernel, real_machine):
    m = real_machine(mini_kernel("DO_RESET", "Pagoda: booting on hart 0\n"))
    error, seconds = expect_failure(qemu.REBOOT, lambda: m.boot(timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert error.tail.count("Pagoda: booting on hart 0") >= 1
    assert wait_gone(m.pid)


def test_real_hang(mini_kernel, real_machine):
    m = real_machine(mini_kernel("DO_SPIN", "Pagoda: booting on hart 0\n"))
    error, seconds = expect_failure(qemu.HANG, lambda: m.boot(timeout=1))
    assert seconds < qemu.MIN_TIMEOUT + HANG_SLACK_SECONDS
    assert wait_gone(m.pid)


def test_real_exit_statuses(mini_kernel, real_machine):
    clean = real_machine(mini_kernel("DO_POWEROFF", "bye\n")).start()
    assert clean.wait_exit() == 0
    # Powering off before the shell is an unexpected exit, whatever the
    # status (OpenSBI 1.1 ignores the SRST reason: a "failure" exits 0 too).
    early = real_machine(mini_kernel("DO_FAIL", "bye\n"))
    error, seconds = expect_failure(qemu.EXIT, lambda: early.boot(timeout=LONG_TIMEOUT))
    assert seconds < QUICK_FAILURE_SECONDS
    assert error.status is not None
    assert f"exited with status {error.status}" in str(error)
    assert error.tail[-1] == "bye"


def test_real_monitor_reads_satp(mini_kernel, real_machine):
    m = real_machine(mini_kernel("DO_SV48", "hello\n")).start()
    m.expect("paging on")
    satps = expect.satp_values(m.monitor("info registers"))
    assert len(satps) == 1
    assert expect.satp_mode(satps[0]) == expect.SATP_MODE_SV48
    assert expect.satp_ppn(satps[0]) << 12 >= 0x80200000   # the table is in the image
    # The monitor does not disturb the console.
    assert "(qemu)" not in m.output


def test_real_monitor_sees_bare_mode_before_paging(mini_kernel, real_machine):
    m = real_machine(mini_kernel("DO_SPIN", "spinning\n"), cpus=2).start()
    m.expect("spinning")
    satps = expect.satp_values(m.monitor("info registers -a"))
    assert len(satps) == 2
    assert all(expect.satp_mode(s) == 0 for s in satps)


def test_real_qemu_dies_with_a_killed_driver(mini_kernel, tmp_path):
    """A driver killed outright (no atexit, no teardown) leaves no QEMU:
    its pty closes and QEMU ends on the SIGHUP."""
    kernel = mini_kernel("DO_SPIN", "spinning\n")
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))!r})
        from grader import qemu
        m = qemu.Machine({kernel!r}, cpus=1, memory="128M", log_dir={str(tmp_path)!r})
        m.start()
        m.expect("spinning")
        print(m.pid, flush=True)
        time.sleep({LONG_TIMEOUT})
    """)
    driver = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True)
    try:
        line = driver.stdout.readline()
        assert line.strip().isdigit(), "the driver script did not start QEMU"
        pid = int(line)
        assert not qemu.process_gone(pid)
    finally:
        driver.kill()
        driver.wait()
        driver.stdout.close()
    assert wait_gone(pid)
