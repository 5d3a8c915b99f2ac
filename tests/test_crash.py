"""Crash consistency: kill QEMU in the middle of a file-system workload.

For each seed: boot on a copy of fs.img that the test keeps, run
`crashload run`, and SIGKILL QEMU at a point chosen from the seed (after a
number of completed operations, plus a delay, so the kill lands anywhere in
an operation, mid-transaction included). Then:
  1. the host checker (mkfs/fsck.c, which replays a committed log in
     memory as the kernel would) finds the image consistent;
  2. a second boot (the kernel replays the log for real) runs `crashload
     check` with the number of operations the first boot reported done:
     every one of them shows in full, nothing after the one in flight exists;
  3. after a clean halt, the image checks clean again, with the log empty.
"""
import random
import re
import shutil
import subprocess
import time

import pytest

from grader import qemu

pytestmark = pytest.mark.boot
SEEDS = (1, 2, 3, 4)
OPS = 60
DONE_LINE = r"^crashload: op (\d+) done$"
CHECK_OK = r"^crashload: check ok: (\d+) files intact$"
FSCK_OK = "fsck: OK"
RUN_TIMEOUT = 120


def check_image(fsck, image, when):
    res = subprocess.run([fsck, image], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and FSCK_OK in res.stdout, \
        f"fsck {when}: status {res.returncode}\n{res.stdout}{res.stderr}"


def crash_during_workload(m, seed, rng):
    """Start the workload, cut the power somewhere in it; operations done."""
    stop_after = rng.randrange(OPS // 4, OPS - 2)
    m.send(f"crashload run {seed} {OPS}")
    m.expect(rf"^crashload: op {stop_after} done$", timeout=RUN_TIMEOUT)
    time.sleep(rng.uniform(0, 0.05))   # into the next operation, or a few
    m.freeze()                         # every line printed before the cut
    m.kill()
    done = [int(x) for x in re.findall(DONE_LINE, m.output, re.MULTILINE)]
    assert done == list(range(len(done))), f"operations reported out of order: {done}"
    return len(done)


@pytest.mark.parametrize("seed", SEEDS)
def test_crash_leaves_a_consistent_image(machine, build, fsck, tmp_path, seed):
    image = str(tmp_path / "fs.img")
    shutil.copyfile(build.image, image)
    rng = random.Random(seed)

    first = machine(memory="256M", cpus=2, image=image, private_image=False)
    done = crash_during_workload(first, seed, rng)
    check_image(fsck, image, f"after the crash at operation {done} (log {first.log_path})")

    second = machine(memory="256M", cpus=2, image=image, private_image=False)
    out = second.run(f"crashload check {seed} {OPS} {done}", timeout=RUN_TIMEOUT)
    assert re.search(CHECK_OK, out, re.MULTILINE), \
        f"seed {seed}, crash after {done} operations: {out} (logs {first.log_path}, " \
        f"{second.log_path})"
    assert second.poweroff() == 0
    check_image(fsck, image, f"after recovery (log {second.log_path})")
