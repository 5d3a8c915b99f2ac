"""Every memory model is a complete kernel: usertests passes on each.

The default build is SPARSEMEM_VMEMMAP with 2 MiB blocks (test_base_boot.py
runs usertests on it with 1, 2 and 4 harts); this file covers FLATMEM,
classic SPARSEMEM and the virtual memmap with 4 KiB pages, on the machine
with a hole.
"""
import pytest

from grader import expect
from grader import machines

USERTESTS_TIMEOUT = 1200          # base seconds, scaled by the host calibration

pytestmark = [pytest.mark.boot, pytest.mark.slow]


@pytest.mark.parametrize("model,bootargs", [
    ("flat", ""), ("sparse", ""), ("vmemmap", "vmemmap=4k")],
    ids=["flat", "sparse", "vmemmap-4k"])
def test_usertests_on_each_model(machine, model_build, model, bootargs):
    build = model_build(model)
    memory, banks = machines.HOLES
    dtb = machines.make_dtb(build.logs, machine.test_name, 2, memory, banks)
    m = machine(kernel=build.kernel, image=build.image, memory=memory, cpus=2, dtb=dtb,
                bootargs=bootargs)
    assert expect.parse_memmap(m.output)["model"] == model
    out = m.run("usertests", timeout=USERTESTS_TIMEOUT)
    failures = expect.usertests_failures(out)
    assert not failures, f"usertests failed (log {m.log_path}): {failures}"
    assert expect.USERTESTS_PASSED in out
