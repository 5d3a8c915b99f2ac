"""Fault injection from the command line (kernel/include/fault_inject.h).

The sites act on processes that ask (user/bin/failrun.c), so the shell
that drives the test keeps working. For each seed:

  fail_page_alloc  a usertests subset (fork, exec, sbrk, pipes, files) and a
                   short fuzz run under failrun: no panic, failures were
                   really injected, and memstat's free pages come back to
                   what they were before the workload.
  fail_disk        (with delay_irq) the crash workload and file usertests
                   under failrun: no panic; halt works; the host checker
                   (mkfs/fsck.c) finds the image consistent, replaying the
                   log as recovery would; a second boot on the same image,
                   without the options, mounts it (the log replays), can
                   still create and read a file, halts, and the image checks
                   clean again.
"""
import os
import re
import shutil
import subprocess

import pytest

from grader import expect

pytestmark = pytest.mark.boot
WORKLOAD_TIMEOUT = 240            # base seconds, scaled by the host calibration
ALLOC_SEEDS = (1, 2, 3)
ALLOC_PERCENT = "0.5"             # of page allocations: fork needs ~30, exec ~100
DISK_SEEDS = (1, 2, 3)
DISK_PERCENT = "1"                # of block requests
IRQ_DELAY_US = 300
ALLOC_WORKLOAD = ("usertests sbrkbasic sbrkfork malloc forkfork forkcopy pipe pipemany "
                  "execargv execfree fileio createdelete mkdir")
ALLOC_ROUNDS = 2
FUZZ_ITERATIONS = 200
DISK_WORKLOADS = ("crashload run {seed} 40", "usertests fileio bigwrite createdelete fourfiles")
FSCK_OK = "fsck: OK"
FSCK_TIMEOUT = 60


def check_image(fsck, image, when):
    res = subprocess.run([fsck, image], capture_output=True, text=True, timeout=FSCK_TIMEOUT)
    assert res.returncode == 0 and FSCK_OK in res.stdout, \
        f"fsck {when}: status {res.returncode}\n{res.stdout}{res.stderr}"


def injected(m):
    """Site name -> (injected, calls), from faultstat."""
    out = m.run("faultstat")
    return {s["site"]: (int(s["injected"]), int(s["calls"]))
            for s in re.finditer(expect.FAULTSTAT_SITE, out, re.MULTILINE)}


def failrun(m, command):
    out = m.run(f"failrun {command}", timeout=WORKLOAD_TIMEOUT)
    assert re.search(expect.FAILRUN_EXIT, out, re.MULTILINE), \
        f"failrun {command} did not finish (log {m.log_path}):\n{out[-2000:]}"
    return out


@pytest.mark.parametrize("seed", ALLOC_SEEDS)
def test_page_alloc_failures_leak_nothing(machine, seed):
    m = machine(memory="256M", cpus=2, bootargs=f"fail_page_alloc={seed}:{ALLOC_PERCENT}")
    assert re.search(expect.FAULT_INJECT_CONFIG, m.output, re.MULTILINE), \
        f"no fault_inject boot line (log {m.log_path})"
    before = expect.parse_memstat(m.run("memstat"))["free_pages"]
    for _ in range(ALLOC_ROUNDS):
        failrun(m, ALLOC_WORKLOAD)
    failrun(m, f"fuzz {seed} {FUZZ_ITERATIONS} 2")
    hits, calls = injected(m)["fail_page_alloc"]
    assert hits > 0 and calls > hits, \
        f"seed {seed}: {hits} of {calls} allocations failed; expected some (log {m.log_path})"
    after = expect.parse_memstat(m.run("memstat"))["free_pages"]
    assert after == before, \
        f"seed {seed}: {before - after} pages lost after {hits} injected failures " \
        f"(log {m.log_path})"
    assert m.run("echo still here") == "still here"


@pytest.mark.parametrize("seed", DISK_SEEDS)
def test_disk_errors_leave_a_consistent_image(machine, build, fsck, tmp_path, seed):
    image = str(tmp_path / "fs.img")
    shutil.copyfile(build.image, image)
    args = f"fail_disk={seed}:{DISK_PERCENT} delay_irq={seed}:{IRQ_DELAY_US}"

    first = machine(memory="256M", cpus=2, image=image, private_image=False, bootargs=args)
    for workload in DISK_WORKLOADS:
        failrun(first, workload.format(seed=seed))
    stats = injected(first)
    hits, calls = stats["fail_disk"]
    assert hits > 0, f"seed {seed}: no disk error injected in {calls} requests " \
                     f"(log {first.log_path})"
    assert stats["delay_irq"][0] > 0, f"seed {seed}: no interrupt was delayed"
    assert first.poweroff() == 0
    check_image(fsck, image, f"after {hits} injected disk errors (log {first.log_path})")

    second = machine(memory="256M", cpus=2, image=image, private_image=False)
    assert "fault_inject:" not in second.output
    assert second.run("echo written after recovery > recovered") == ""
    assert second.run("cat recovered") == "written after recovery"
    assert second.poweroff() == 0
    check_image(fsck, image, f"after the clean reboot (log {second.log_path})")
    assert os.path.getsize(image) == os.path.getsize(build.image)
