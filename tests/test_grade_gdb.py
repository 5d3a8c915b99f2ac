"""`make grade-gdb TEST=<name>`: one test rerun with its QEMU paused for gdb.

The plumbing, checked without anyone attaching gdb: the Makefile passes
--gdb PORT and prints the gdb command; grader/plugin.py turns --gdb into
$PAGODA_GDB_PORT and refuses to run more than one test; grader/qemu.py's
Machine then adds -S -gdb tcp::PORT and panic=spin, waits without timeouts
and keeps a failed QEMU until it exits so its state can be inspected.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from grader import expect, labtool, qemu

pytestmark = pytest.mark.driver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = 4321
RUN_TIMEOUT = 120
HELD_SECONDS = 3.0     # the fake QEMU lives this long after its panic (> PANIC_GRACE_SECONDS)

# Records its arguments, panics at once, exits by itself after HELD_SECONDS.
FAKE_QEMU = r'''#!@PYTHON@
import json, sys, time
args = sys.argv[1:]
kernel = args[args.index("-kernel") + 1]
with open(kernel + ".args.json", "w") as f:
    json.dump(args, f)
sys.stdout.write("OpenSBI v1.1\nPagoda: booting on hart 0\n\npanic: test\n  #0 backtrace\n")
sys.stdout.flush()
time.sleep(@HELD@)
open(kernel + ".exited", "w").close()
'''

# Run by an inner pytest: the machine a test makes, however it makes it.
INNER_TEST = r'''
import json
from grader import qemu

def test_one(tmp_path):
    pool = qemu.MachinePool("inner", str(tmp_path), kernel="k.elf")
    with open("@OUT@", "w") as f:
        json.dump(pool.create(bootargs="ktest=x").command(), f)

def test_two():
    pass
'''


def option_value(cmd, name):
    return cmd[cmd.index(name) + 1]


def without_token(bootargs):
    """The boot arguments without the machine's run token (grader.token=)."""
    prefix = expect.TOKEN_BOOTARG.split("=")[0] + "="
    return " ".join(w for w in bootargs.split() if not w.startswith(prefix))


@pytest.fixture
def no_gdb_env(monkeypatch):
    monkeypatch.delenv(qemu.GDB_PORT_ENV, raising=False)


def test_a_machine_is_not_paused_unless_asked(no_gdb_env):
    m = qemu.Machine("k.elf", bootargs="ktest=pgtable")
    cmd = m.command()
    assert "-S" not in cmd and "-gdb" not in cmd
    assert option_value(cmd, "-append") == f"ktest=pgtable grader.token={m.token}"
    assert m.timeout(qemu.BOOT_TIMEOUT) == qemu.scaled(qemu.BOOT_TIMEOUT, qemu.MIN_FACTOR)


def test_a_gdb_machine_is_paused_spins_on_panic_and_has_no_timeouts(no_gdb_env):
    m = qemu.Machine("build/kernel/kernel.elf", bootargs="ktest=pgtable", gdb_port=PORT)
    cmd = m.command()
    assert "-S" in cmd
    assert option_value(cmd, "-gdb") == f"tcp::{PORT}"
    assert option_value(cmd, "-append") == f"ktest=pgtable grader.token={m.token} panic=spin"
    assert m.timeout(qemu.COMMAND_TIMEOUT) >= qemu.GDB_TIMEOUT
    assert m.gdb_command() == ("gdb-multiarch build/kernel/kernel.elf "
                               f"-ex 'target remote :{PORT}'")


def test_the_environment_pauses_machines_made_anywhere(monkeypatch, tmp_path):
    monkeypatch.setenv(qemu.GDB_PORT_ENV, str(PORT))
    pool = qemu.MachinePool("t", str(tmp_path), kernel="k.elf")
    cmd = pool.create().command()
    assert "-S" in cmd and option_value(cmd, "-gdb") == f"tcp::{PORT}"
    assert without_token(option_value(cmd, "-append")) == "panic=spin"
    # gdb_port=0 opts out (the calibration boot measures, it must not wait).
    assert "-S" not in qemu.Machine("k.elf", gdb_port=0).command()


def test_a_bad_port_in_the_environment_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(qemu.GDB_PORT_ENV, "gdb")
    with pytest.raises(qemu.ConfigError, match=f"{qemu.GDB_PORT_ENV}='gdb': not a TCP port"):
        qemu.Machine("k.elf")


@pytest.fixture
def fake_qemu(tmp_path):
    path = tmp_path / "fake-qemu"
    path.write_text(FAKE_QEMU.replace("@PYTHON@", sys.executable)
                    .replace("@HELD@", str(HELD_SECONDS)))
    path.chmod(0o755)
    kernel = tmp_path / "kernel.elf"
    kernel.write_text("fake")
    return str(path), str(kernel)


def test_a_failed_gdb_machine_is_kept_until_qemu_exits(fake_qemu, tmp_path, capsys, no_gdb_env):
    binary, kernel = fake_qemu
    m = qemu.Machine(kernel, qemu=binary, gdb_port=PORT, log_dir=str(tmp_path / "logs"))
    started = time.monotonic()
    with pytest.raises(qemu.MachineError) as info:
        m.boot()
    held = time.monotonic() - started
    m.kill()
    assert info.value.kind == qemu.PANIC
    assert held >= HELD_SECONDS
    assert os.path.exists(kernel + ".exited"), "QEMU was killed instead of kept for gdb"
    with open(kernel + ".args.json") as f:
        args = json.load(f)
    assert "-S" in args and option_value(args, "-gdb") == f"tcp::{PORT}"
    assert "panic=spin" in option_value(args, "-append").split()
    said = capsys.readouterr().err
    assert m.gdb_command() in said and "kept for gdb" in said


def inner_pytest(tmp_path, *args):
    out = tmp_path / "argv.json"
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_inner.py").write_text(INNER_TEST.replace("@OUT@", str(out)))
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop(qemu.GDB_PORT_ENV, None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "grader.plugin",
                           "-p", "no:cacheprovider", "-c", str(tmp_path / "pytest.ini"),
                           str(tmp_path / "test_inner.py"), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT)
    return done, out


def test_the_gdb_option_reaches_the_machine(tmp_path):
    done, out = inner_pytest(tmp_path, "--gdb", str(PORT), "-k", "test_one")
    assert done.returncode == 0, done.stdout + done.stderr
    cmd = json.loads(out.read_text())
    assert "-S" in cmd and option_value(cmd, "-gdb") == f"tcp::{PORT}"
    assert without_token(option_value(cmd, "-append")) == "ktest=x panic=spin"


def test_without_the_option_the_machine_is_not_paused(tmp_path):
    done, out = inner_pytest(tmp_path, "-k", "test_one")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "-S" not in json.loads(out.read_text())


@pytest.mark.parametrize("args, message", [
    (["--gdb", str(PORT)], "--gdb runs exactly one test, and 2 are selected"),
    (["--gdb", str(PORT), "-k", "nothing_matches"], "--gdb: no test is selected"),
    (["--gdb", "70000", "-k", "test_one"], "--gdb 70000: not a TCP port"),
])
def test_the_gdb_option_runs_exactly_one_test(tmp_path, args, message):
    done, out = inner_pytest(tmp_path, *args)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert message in done.stderr
    assert not out.exists()


def make_dry_run(*args):
    return subprocess.run(["make", "-n", "--no-print-directory", "grade-gdb", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT)


def test_make_grade_gdb_prints_the_gdb_command_and_passes_the_port():
    done = make_dry_run("TEST=test_pgtable_ktest", f"GDBPORT={PORT}")
    assert done.returncode == 0, done.stderr
    assert f"gdb-multiarch build/kernel/kernel.elf -ex 'target remote :{PORT}'" in done.stdout
    assert f"--gdb {PORT}" in done.stdout and '-k "test_pgtable_ktest"' in done.stdout


@pytest.mark.skipif(os.path.exists(os.path.join(ROOT, "labs", "HANDOUT")),
                    reason="a handout has one stage: LAB= picks none")
def test_make_grade_gdb_takes_the_stage_from_lab_in_the_reference_tree():
    lab = labtool.load_labs()[0].name
    done = make_dry_run("TEST=x", f"LAB={lab}", f"GDBPORT={PORT}")
    assert done.returncode == 0, done.stderr
    assert f"gdb-multiarch build/stage-{lab}/kernel/kernel.elf" in done.stdout
    assert f'--stage "{lab}" --build-dir build/stage-{lab}' in done.stdout


def test_make_grade_gdb_needs_a_test_name():
    done = subprocess.run(["make", "-s", "grade-gdb"], cwd=ROOT, capture_output=True,
                          text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 2
    assert "usage: make grade-gdb TEST=<test name>" in done.stderr
