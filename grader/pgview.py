#!/usr/bin/env python3
"""pgview: draw a saved `pgdump` as a picture of the page-table tree.

Save what `pgdump` or `pgdump -k` printed in a QEMU session (the whole
console log is fine: lines around a dump are ignored, and a file may hold
several dumps), then

    make pgview IN=dump.txt OUT=tree.html      (or OUT=tree.svg)
    python3 grader/pgview.py dump.txt tree.html

Each level is a column; tables show the physical page that holds them, leaf
runs their size, count, physical range and permissions (colour by R/W/X).
Leaves that are writable and executable are marked W+X, and leaves whose
physical pages are also mapped at another virtual address are marked as
shared. Numbers that do not add up (a summary that disagrees with the
lines, a misaligned huge leaf) are drawn as warnings, because the point is
to look at a student's own, possibly buggy, tables.

Input it cannot read gives one line `pgview: FILE:LINE: problem` and exit
status 2. The format is the kernel's (kernel/include/ptdump.h) as
grader/expect.py parses it.
"""
import argparse
import html
import os
import re
import sys
from dataclasses import dataclass, field

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader import expect  # noqa: E402
from grader.svg import MONO, Svg  # noqa: E402

LEVELS = ("pgd", "pud", "pmd", "pte")               # depth 0..3 (Sv48)
LEVEL_SPAN = {"pgd": "512 GiB", "pud": "1 GiB", "pmd": "2 MiB", "pte": "4 KiB"}
LEAF_BYTES = {"4K": 4 << 10, "2M": 2 << 20, "1G": 1 << 30}
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
INDENT_RE = re.compile(r"^( *)")
SHOWN_PARTNERS = 3        # other virtual addresses named for a shared run

# Picture geometry.
ROW, INDENT, LEFT, WIDTH = 24, 150, 16, 1240
COLOURS = {"wx": "#e74c3c", "x": "#f8c89a", "w": "#b7dfb0", "r": "#cfe0f5",
           "none": "#eeeeee", "table": "#f2f2f2"}
SIZE_COLOURS = {"1G": "#1f3b73", "2M": "#3d6cb9", "4K": "#8fb0e0"}
SHARED = "#8e44ad"


class InputError(Exception):
    """Input that is not a readable pgdump; line is 1-based (0: the file)."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line


@dataclass
class Node:
    entry: expect.PgdumpEntry
    line: int                          # line number in the input file
    children: list = field(default_factory=list)
    shared_with: list = field(default_factory=list)   # other leaf Nodes
    warnings: list = field(default_factory=list)

    @property
    def kind(self):
        if not self.entry.is_table:
            return "leaf"
        return "empty" if self.entry.count else "table"

    @property
    def bytes(self):
        return LEAF_BYTES[self.entry.size] * self.entry.count if self.kind == "leaf" else 0

    @property
    def pa_end(self):
        return self.entry.pa + self.bytes

    @property
    def wx(self):
        return self.kind == "leaf" and self.entry.prot[1] == "w" and self.entry.prot[2] == "x"


@dataclass
class Dump:
    title: str
    line: int                  # the title's line number
    nodes: list                # every Node, in dump order
    summary: dict
    warnings: list = field(default_factory=list)   # (line, text)

    @property
    def roots(self):
        return [n for n in self.nodes if n.entry.depth == 0]


# ---- reading -----------------------------------------------------------------------

def _clean(line):
    """Console captures carry \\r and the odd colour escape."""
    return ANSI_RE.sub("", line).rstrip("\r").rstrip()


def _entry_match(line):
    return (re.match(expect.PGDUMP_LEAVES, line) or re.match(expect.PGDUMP_TABLE, line)
            or re.match(expect.PGDUMP_EMPTY, line))


def find_blocks(lines):
    """[(title index, summary index)] of every dump in the file; InputError
    for a dump that is cut off or holds a line of unknown shape."""
    blocks, start = [], None
    for i, line in enumerate(lines):
        if re.match(expect.PGDUMP_TITLE, line):
            if start is not None:
                raise InputError(start + 1, "this dump has no summary line before the next "
                                            f"dump starts at line {i + 1}")
            start = i
        elif start is not None and re.match(expect.PGDUMP_SUMMARY, line):
            blocks.append((start, i))
            start = None
        elif start is not None and line.strip() and not _entry_match(line):
            raise InputError(i + 1, f"not a pgdump line: {line.strip()!r}")
    if start is not None:
        raise InputError(start + 1, "the dump has no summary line ('pgdump: tables ...'): "
                                    "it is cut off")
    if not blocks:
        raise InputError(1, _no_dump_reason(lines))
    return blocks


def _no_dump_reason(lines):
    """Why a file holds no dump, as specific as the text allows."""
    for i, line in enumerate(lines):
        if expect.PGDUMP_NOT_IMPLEMENTED in line:
            return (f"line {i + 1} says '{expect.PGDUMP_NOT_IMPLEMENTED}': the traversal in "
                    "kernel/mm/ptdump.c (lab pgtable, part 5) is not written yet")
    return ("no pgdump output here: expected a title line such as 'pgdump: kernel half' "
            "or 'pgdump: user half of pid 3 (sh)'")


def _check_shape(line, number):
    """Indentation of two spaces per level, and the level that depth has."""
    indent = len(INDENT_RE.match(line).group(1))
    if indent % 2:
        raise InputError(number, f"indented by {indent} spaces, not a multiple of 2")
    depth, level = indent // 2, line.split()[0]
    if depth >= len(LEVELS) or LEVELS[depth] != level:
        want = LEVELS[depth] if depth < len(LEVELS) else "nothing (too deep)"
        raise InputError(number, f"a {level} line at depth {depth}, where {want} belongs")


def _attach(node, stack):
    """Hang node under the table line above it at the next level up."""
    depth = node.entry.depth
    del stack[depth:]
    if depth:
        parent = stack[depth - 1] if len(stack) >= depth else None
        if parent is None or parent.kind != "table":
            raise InputError(node.line, f"a {node.entry.level} line that no "
                                        f"{LEVELS[depth - 1]} table line above it contains")
        parent.children.append(node)
    stack.append(node)


def read_dump(lines, start, end):
    """One dump, from its title line to its summary line (indices)."""
    block = [line for line in lines[start:end + 1] if line.strip()]
    try:
        title, entries, summary = expect.parse_pgdump("\n".join(block))
    except expect.FormatError as e:
        raise InputError(start + 1, str(e).splitlines()[0]) from None
    numbers = [i + 1 for i in range(start + 1, end) if lines[i].strip()]
    nodes, stack = [], []
    for entry, number in zip(entries, numbers):
        _check_shape(lines[number - 1], number)
        node = Node(entry, number)
        _attach(node, stack)
        nodes.append(node)
    dump = Dump(title, start + 1, nodes, summary)
    check_dump(dump, end + 1)
    return dump


def read_text(text):
    """Every dump in a text; InputError on anything that is not one."""
    lines = [_clean(line) for line in text.split("\n")]
    return [read_dump(lines, s, e) for s, e in find_blocks(lines)]


def read_file(path):
    """Every dump in a file; InputError(0, ...) when it cannot be read."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(0, f"cannot read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(data.count(b"\n", 0, e.start) + 1,
                         f"not text (byte {data[e.start]:#04x} is not UTF-8)") from None
    return read_text(text)


# ---- what the picture points out --------------------------------------------------------

def check_dump(dump, summary_line):
    """Warnings for numbers that do not add up, and the shared leaves."""
    for node in dump.nodes:
        _check_node(node)
    _check_summary(dump, summary_line)
    mark_shared([n for n in dump.nodes if n.kind == "leaf"])
    for node in dump.nodes:
        dump.warnings += [(node.line, w) for w in node.warnings]


def _check_node(node):
    e = node.entry
    if e.first > e.last:
        node.warnings.append("the range ends before it starts")
    if node.kind == "leaf":
        if e.last - e.first + 1 != node.bytes:
            node.warnings.append(f"{e.count} x {e.size} is {node.bytes:#x} bytes but the "
                                 f"range spans {e.last - e.first + 1:#x}")
        if e.pa % LEAF_BYTES[e.size] or e.first % LEAF_BYTES[e.size]:
            node.warnings.append(f"a {e.size} leaf must be {e.size}-aligned in va and pa")
        if node.wx:
            node.warnings.append("writable and executable (W+X)")
    for child in node.children:
        if child.entry.first < e.first or child.entry.last > e.last:
            child.warnings.append(f"outside the {e.level} entry above it "
                                  f"(line {node.line})")


def _counted(dump):
    """Table and leaf counts as the lines show them, keyed like the summary."""
    counts = {"pud": 0, "pmd": 0, "pte": 0, "l1g": 0, "l2m": 0, "l4k": 0}
    for node in dump.nodes:
        e = node.entry
        below = LEVELS[e.depth + 1] if e.depth + 1 < len(LEVELS) else None
        if node.kind == "table" and below:
            counts[below] += 1
        elif node.kind == "empty" and below:
            counts[below] += e.count
        elif node.kind == "leaf":
            counts["l" + e.size.lower()] += e.count
    return counts


def _check_summary(dump, line):
    counted = _counted(dump)
    for key, value in dump.summary.items():
        if counted.get(key) != value:
            dump.warnings.append((line, f"the summary says {key}={value}, the lines above "
                                        f"show {counted.get(key)}"))


def mark_shared(leaves):
    """Leaves whose physical ranges overlap at different virtual addresses
    (an alias: the kernel image and the direct map, a page in two places)."""
    active = []
    for node in sorted(leaves, key=lambda n: n.entry.pa):
        active = [a for a in active if a.pa_end > node.entry.pa]
        for other in active:
            other.shared_with.append(node)
            node.shared_with.append(other)
        active.append(node)


# ---- drawing -----------------------------------------------------------------------------

def _fill(node):
    if node.kind != "leaf":
        return COLOURS["table"]
    prot = node.entry.prot
    if node.wx:
        return COLOURS["wx"]
    for bit in ("x", "w", "r"):
        if bit in prot[:3]:
            return COLOURS[bit]
    return COLOURS["none"]


def _bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} B"


def _label(node):
    """The text in a node's box."""
    e = node.entry
    va = f"va {e.first:#018x}–{e.last:#018x}"
    if node.kind == "table":
        below = LEVELS[e.depth + 1] if e.depth + 1 < len(LEVELS) else "?"
        return f"{e.level} entry → {below} table at pa {e.pa:#x}   {va}"
    if node.kind == "empty":
        below = LEVELS[e.depth + 1] if e.depth + 1 < len(LEVELS) else "?"
        return f"{e.count} {e.level} entries → empty {below} tables   {va}"
    flags = e.prot + e.soft
    return (f"{e.size} x{e.count} = {_bytes(node.bytes)}   {va} → pa {e.pa:#x}–"
            f"{node.pa_end - 1:#x}   {flags}")


def _tip(node):
    parts = [f"line {node.line}: {_label(node)}"]
    if node.shared_with:
        parts.append("also mapped at " + ", ".join(f"{o.entry.first:#x}" for o in
                                                   node.shared_with[:SHOWN_PARTNERS]))
    return "\n".join(parts + node.warnings)


def _badges(pic, node, x, y):
    """Size badge on the left; W+X, shared and warning tags on the right."""
    if node.kind == "leaf":
        pic.rect(x + 3, y + 3, 26, ROW - 8, fill=SIZE_COLOURS[node.entry.size], rx=3)
        pic.text(x + 16, y + ROW - 9, node.entry.size, fill="#fff", font_size="10",
                 text_anchor="middle", font_weight="bold")
    tags = []
    if node.wx:
        tags.append(("W+X", COLOURS["wx"]))
    if node.shared_with:
        tags.append((f"shared x{len(node.shared_with) + 1}", SHARED))
    if node.warnings and not node.wx:
        tags.append(("!", "#c0392b"))
    right = LEFT + WIDTH - 6
    for text, colour in reversed(tags):
        w = 8 + 7 * len(text)
        right -= w + 4
        pic.rect(right, y + 3, w, ROW - 8, fill=colour, rx=3)
        pic.text(right + w / 2, y + ROW - 9, text, fill="#fff", font_size="10",
                 text_anchor="middle", font_weight="bold")


def _draw_node(pic, node, y):
    x = LEFT + INDENT * node.entry.depth
    dashed = "4 3" if node.kind == "empty" else None
    stroke, width = (SHARED, 3) if node.shared_with else ("#555", 1)
    pic.rect(x, y, LEFT + WIDTH - x, ROW - 2, fill=_fill(node), stroke=stroke,
             stroke_width=width, stroke_dasharray=dashed, rx=3, tip=_tip(node))
    text_x = x + (34 if node.kind == "leaf" else 8)
    pic.text(text_x, y + ROW - 8, _label(node), font_family=MONO, font_size="11")
    _badges(pic, node, x, y)


def _connectors(pic, node, rows):
    """Lines from a table to each entry below it, like a file tree."""
    if not node.children:
        return
    x = LEFT + INDENT * node.entry.depth + 10
    top = rows[id(node)] + ROW - 2
    for child in node.children:
        mid = rows[id(child)] + ROW / 2 - 1
        pic.path(f"M{x} {top} V{mid} H{LEFT + INDENT * child.entry.depth}",
                 fill="none", stroke="#777")
        top = mid


def _column_heads(pic, y):
    for depth, level in enumerate(LEVELS):
        x = LEFT + INDENT * depth
        pic.text(x, y, f"{level} ({LEVEL_SPAN[level]})", font_weight="bold",
                 font_size="11")
        pic.line(x, y + 4, x + INDENT - 12, y + 4, stroke="#333")


def _legend(pic, y):
    items = [("r-x", COLOURS["x"]), ("rw-", COLOURS["w"]), ("r--", COLOURS["r"]),
             ("W+X", COLOURS["wx"]), ("table", COLOURS["table"])]
    x = LEFT
    for text, colour in items:
        pic.rect(x, y - 10, 14, 12, fill=colour, stroke="#555")
        pic.text(x + 18, y, text, font_size="11")
        x += 70
    pic.rect(x, y - 10, 14, 12, fill="#fff", stroke=SHARED, stroke_width=3)
    pic.text(x + 18, y, "shared: the same physical pages at another va", font_size="11")
    x += 300
    for size, colour in SIZE_COLOURS.items():
        pic.rect(x, y - 10, 22, 12, fill=colour, rx=2)
        pic.text(x + 11, y, size, fill="#fff", font_size="9", text_anchor="middle")
        x += 28
    pic.text(x + 4, y, "leaf size", font_size="11")


def _summary_text(dump):
    s = dump.summary
    return (f"tables pud={s['pud']} pmd={s['pmd']} pte={s['pte']}, leaves 1G={s['l1g']} "
            f"2M={s['l2m']} 4K={s['l4k']}; {sum(1 for n in dump.nodes if n.wx)} W+X runs, "
            f"{sum(1 for n in dump.nodes if n.shared_with)} shared runs, "
            f"{len(dump.warnings)} warnings")


def dump_height(dump):
    return 70 + ROW * len(dump.nodes)


def draw_dump(pic, dump, y):
    """One dump at height y; returns the y below it."""
    pic.text(LEFT, y + 16, f"pgdump: {dump.title}", font_weight="bold", font_size="14")
    pic.text(LEFT, y + 34, _summary_text(dump), font_size="11")
    _column_heads(pic, y + 56)
    rows, row_y = {}, y + 66
    for node in dump.nodes:
        rows[id(node)] = row_y
        row_y += ROW
    for node in dump.nodes:
        _connectors(pic, node, rows)
    for node in dump.nodes:
        _draw_node(pic, node, rows[id(node)])
    return row_y + 10


def draw(dumps, source):
    """All dumps of a file, one under the other, with one legend."""
    height = 50 + sum(dump_height(d) + 20 for d in dumps)
    pic = Svg(LEFT * 2 + WIDTH, height, title=f"page tables from {source}")
    _legend(pic, 24)
    y = 40
    for dump in dumps:
        y = draw_dump(pic, dump, y) + 20
    return pic


# ---- HTML ----------------------------------------------------------------------------------

PAGE_CSS = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; }
.picture { overflow-x: auto; border: 1px solid #ccc; padding: 4px; }
table { border-collapse: collapse; font-size: 12px; margin-top: 1em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
td.mono { font-family: "DejaVu Sans Mono", monospace; }
tr.wx td { background: #fadbd8; } tr.shared td:first-child { border-left: 4px solid #8e44ad; }
.warnings li { color: #a93226; }
"""


def _leaf_rows(dump):
    rows = []
    for n in (n for n in dump.nodes if n.kind == "leaf"):
        e = n.entry
        cls = " ".join(c for c, on in (("wx", n.wx), ("shared", n.shared_with)) if on)
        also = ", ".join(f"{o.entry.first:#x}" for o in n.shared_with[:SHOWN_PARTNERS])
        cells = [str(n.line), e.level, f"{e.first:#018x}–{e.last:#018x}",
                 f"{e.pa:#x}–{n.pa_end - 1:#x}", f"{e.size} x{e.count}", _bytes(n.bytes),
                 e.prot + e.soft, also]
        tds = "".join(f'<td class="mono">{html.escape(c)}</td>' for c in cells)
        rows.append(f'<tr class="{cls}">{tds}</tr>')
    return rows


def _dump_section(dump):
    warnings = "".join(f"<li>line {line}: {html.escape(text)}</li>"
                       for line, text in dump.warnings)
    head = ("<tr><th>line</th><th>level</th><th>virtual</th><th>physical</th>"
            "<th>leaves</th><th>bytes</th><th>bits</th><th>also mapped at</th></tr>")
    return (f"<h2>pgdump: {html.escape(dump.title)}</h2>\n"
            f"<p>{html.escape(_summary_text(dump))}</p>\n"
            + (f'<ul class="warnings">{warnings}</ul>\n' if warnings else "")
            + f"<table>{head}{''.join(_leaf_rows(dump))}</table>\n")


def page(dumps, source):
    """A standalone HTML page: the picture, then every leaf run in a table."""
    svg = str(draw(dumps, source))
    sections = "".join(_dump_section(d) for d in dumps)
    name = html.escape(os.path.basename(source))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>page tables: {name}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
            f"<h1>Page tables from <code>{name}</code></h1>\n"
            f"<p>Hover over a box for its details and warnings.</p>\n"
            f'<div class="picture">{svg}</div>\n{sections}</body>\n</html>\n')


def write(dumps, source, out):
    """OUT.svg gets the picture alone, OUT.html a page around it."""
    text = page(dumps, source) if out.endswith((".html", ".htm")) else str(draw(dumps, source))
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


# ---- command line --------------------------------------------------------------------------

def main(argv):
    """0 on success, 2 with one 'pgview: ...' line for bad input or usage."""
    p = argparse.ArgumentParser(prog="pgview", description=__doc__.split("\n")[0])
    p.add_argument("input", help="saved pgdump output (a console log is fine)")
    p.add_argument("output", help="picture to write: .svg, or .html for a page with a table")
    args = p.parse_args(argv)
    if not args.output.endswith((".svg", ".html", ".htm")):
        print(f"pgview: {args.output}: the output must end in .svg or .html", file=sys.stderr)
        return 2
    try:
        dumps = read_file(args.input)
    except InputError as e:
        where = f"{args.input}:{e.line}" if e.line else args.input
        print(f"pgview: {where}: {e}", file=sys.stderr)
        return 2
    for dump in dumps:
        for line, text in dump.warnings:
            print(f"pgview: {args.input}:{line}: warning: {text}", file=sys.stderr)
    try:
        write(dumps, args.input, args.output)
    except OSError as e:
        print(f"pgview: {args.output}: cannot write: {e.strerror}", file=sys.stderr)
        return 2
    print(f"pgview: {sum(len(d.nodes) for d in dumps)} lines from {len(dumps)} dump(s) "
          f"drawn in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
