#!/usr/bin/env python3
"""Boot Pagoda once, run `pgdump` and `pgdump -k`, and save what they print.

The page-table viewer draws saved dumps; this saves them without copying
from a terminal, from the same QEMU driver the grader uses:

    make pgdump-save OUT=dump.txt [MEM=4G] [CPUS=2] [BOOTARGS=mapsize=2m]
    python3 grader/pgcapture.py OUT [--memory 4G] [--bootargs ...]

It also made the real dumps in tests/data/ that the handbook's tests and
its viewer page use. Exit status 1 with one 'pgcapture: ...' line when the
machine does not boot or a dump is missing.
"""
import argparse
import os
import re
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader import expect, qemu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMANDS = ("pgdump", "pgdump -k")
DUMP_TIMEOUT = 60          # base seconds: the kernel half is a few hundred lines


def dumps_in(text):
    """The pgdump outputs in a command's output, from title to summary."""
    pattern = re.compile(f"(?:{expect.PGDUMP_TITLE}).*?(?:{expect.PGDUMP_SUMMARY})",
                         re.MULTILINE | re.DOTALL)
    return [m.group(0) for m in pattern.finditer(text)]


def capture(kernel, image, commands=COMMANDS, log_dir=None, **machine_options):
    """Boot, run each command, return their dumps joined, one after another.
    Raises qemu.MachineError if the machine fails, ValueError if a command
    printed no dump (the traversal of lab pgtable part 5 not written yet)."""
    pool = qemu.MachinePool("pgcapture", log_dir or os.path.join(ROOT, "build", "logs"),
                            kernel=kernel, image=image)
    try:
        m = pool.boot(**machine_options)
        parts = []
        for command in commands:
            out = m.run(command, timeout=DUMP_TIMEOUT)
            found = dumps_in(out)
            if not found:
                first = out.strip().splitlines()[:1] or ["nothing"]
                raise ValueError(f"`{command}` printed no dump: {first[0]} (log {m.log_path})")
            parts += found
        return "\n".join(parts) + "\n"
    finally:
        pool.kill_all()


def main(argv):
    p = argparse.ArgumentParser(prog="pgcapture", description=__doc__.split("\n")[0])
    p.add_argument("out", help="file to write the dumps to")
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="make's B= folder")
    p.add_argument("--memory", default=qemu.DEFAULT_MEMORY)
    p.add_argument("--cpus", type=int, default=qemu.DEFAULT_CPUS)
    p.add_argument("--bootargs", default="")
    args = p.parse_args(argv)
    kernel = os.path.join(args.build, "kernel", "kernel.elf")
    image = os.path.join(args.build, "fs.img")
    try:
        text = capture(kernel, image, log_dir=os.path.join(args.build, "logs"),
                       memory=args.memory, cpus=args.cpus, bootargs=args.bootargs)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    except (qemu.MachineError, qemu.ConfigError, ValueError, OSError) as e:
        print(f"pgcapture: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"pgcapture: {len(dumps_in(text))} dumps written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
