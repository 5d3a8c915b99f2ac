"""Make targets and program names that a handout mentions, and whether they exist.

A handout that says `make gradee` or "run the `pgtabletst` program" sends a
student nowhere. This reads the Markdown, finds the commands it mentions in
backticks and code blocks, and compares them with the targets the Makefile
and mk/*.mk define and the programs in user/bin/*.c.

What counts as a mention:
  - a make target: every word after `make` in a code span or in a command
    line of a code block (one that starts in the block's first column:
    indented lines are pseudo-code), as in `make qemu BOOTARGS=...` or
    `make grade TEST=x`, leaving out VAR=value, options and <placeholders>;
  - a program: the first word of a code span that the sentence calls a
    program ("the `pgdump` user program", "test program `pgtabletest`"),
    and the first word of each pipeline stage in a code-block line typed at
    Pagoda's shell prompt (`$ pgdump -k | grep 1G`).

    problems = check_text(markdown, "handouts/x.md", targets, programs)
"""
import os
import re
import shlex
from dataclasses import dataclass

FENCE_RE = re.compile(r"^\s*(```|~~~)")
SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
PROGRAM_AFTER_RE = re.compile(r"^\s+(?:user\s+|test\s+|lab\s+|shell\s+)?programs?\b")
PROGRAM_BEFORE_RE = re.compile(r"\bprograms?\s+$")
SHELL_PROMPT = "$ "
SHELL_LANGUAGES = ("", "sh", "shell", "bash", "console")
RULE_RE = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*?)\s*(?P<colons>::?)(?![=:])")
PLACEHOLDER_RE = re.compile(r"^<[^>]*>$")


@dataclass
class Mention:
    kind: str        # "target" or "program"
    name: str
    line: int        # 1-based line of the Markdown file
    text: str        # the code it came from


# ---- what exists -------------------------------------------------------------------

def _logical_lines(path):
    """A makefile's lines with backslash continuations joined."""
    with open(path, encoding="utf-8") as f:
        return f.read().replace("\\\n", " ").splitlines()


def makefile_targets(path):
    """Explicit targets of one makefile: rule heads that are plain names
    (no $(VAR), no % pattern), plus the names listed as .PHONY."""
    targets, in_define = set(), False
    for line in _logical_lines(path):
        if line.startswith("define ") or line.strip() == "endef":
            in_define = line.startswith("define ")
            continue
        m = RULE_RE.match(line) if not in_define else None
        if not m:
            continue
        names = m["targets"].split()
        if names == [".PHONY"]:
            names = line[m.end():].split()
        targets.update(n for n in names if "$" not in n and "%" not in n)
    return targets


def tree_targets(root):
    """Every target `make` knows in this tree: the Makefile and mk/*.mk."""
    paths = [os.path.join(root, "Makefile")]
    mk = os.path.join(root, "mk")
    if os.path.isdir(mk):
        paths += sorted(os.path.join(mk, n) for n in os.listdir(mk) if n.endswith(".mk"))
    targets = set()
    for path in paths:
        targets |= makefile_targets(path)
    return targets


def tree_programs(root):
    """User programs: one per user/bin/*.c, as the Makefile's UPROGS."""
    folder = os.path.join(root, "user", "bin")
    return {n[:-2] for n in os.listdir(folder) if n.endswith(".c")} if os.path.isdir(folder) \
        else set()


# ---- reading the Markdown ----------------------------------------------------------

def split_markdown(text):
    """(code lines, paragraphs): code lines as (line, text) from indented
    blocks and from fenced blocks that hold commands (no language, or a
    shell one: a ```c block is not typed at a prompt); prose paragraphs as
    (first line, joined text), so a code span that wraps onto the next
    line is still one span."""
    code, paragraphs, para, fence, shell = [], [], [], None, False
    lines = text.splitlines()
    for i, line in enumerate(lines, 1):
        if fence:
            if line.strip().startswith(fence):
                fence = None
            elif shell:
                code.append((i, line))
            continue
        m = FENCE_RE.match(line)
        if m:
            fence = m.group(1)
            shell = line.strip()[3:].strip().strip("{}.").lower() in SHELL_LANGUAGES
            _close(paragraphs, para)
            continue
        if line.startswith("    ") and not para and _blank_before(lines, i, code):
            code.append((i, line[4:]))
            continue
        if line.strip():
            para.append((i, line))
        else:
            _close(paragraphs, para)
    _close(paragraphs, para)
    return code, paragraphs


def _blank_before(lines, i, code):
    """An indented line opens or continues a code block after a blank line."""
    return i == 1 or not lines[i - 2].strip() or (code and code[-1][0] == i - 1)


def _close(paragraphs, para):
    if para:
        paragraphs.append((para[0][0], "\n".join(text for _, text in para)))
        para.clear()


def _words(command):
    """Shell words of one command, comments dropped; plain split if the
    quoting is unbalanced (prose in backticks is not always shell)."""
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def _commands(text):
    """The simple commands of a command line: split at |, ;, && and ||."""
    return [c for c in re.split(r"\|\||&&|[|;]", text) if c.strip()]


def make_targets_in(text, line):
    """Mentions of make targets in one line of code."""
    found = []
    for command in _commands(text):
        words = _words(command)
        if not words or words[0] != "make":
            continue
        skip = False
        for word in words[1:]:
            if skip:
                skip = False
            elif word in ("-C", "-f", "-j", "-o", "-W"):
                skip = True
            elif word.startswith("-") or "=" in word or PLACEHOLDER_RE.match(word):
                continue
            else:
                found.append(Mention("target", word, line, text.strip()))
    return found


def _programs_at_prompt(text, line):
    """`$ prog args | prog2`: each stage's first word is a Pagoda program."""
    if not text.lstrip().startswith(SHELL_PROMPT):
        return []
    found = []
    for command in _commands(text.lstrip()[len(SHELL_PROMPT):]):
        words = _words(command)
        if words:
            found.append(Mention("program", words[0], line, text.strip()))
    return found


def _line_of(first, para, pos):
    return first + para.count("\n", 0, pos)


def _spans(first, para):
    """(line, code, text before, text after) for every code span."""
    for m in SPAN_RE.finditer(para):
        code = m.group(2).replace("\n", " ").strip()
        yield _line_of(first, para, m.start()), code, para[:m.start()], para[m.end():]


def find_mentions(text):
    """Every target and program mention in a Markdown text."""
    code, paragraphs = split_markdown(text)
    found = []
    for line, content in code:
        if not content[:1].isspace():      # indented: pseudo-code, not a command
            found += make_targets_in(content, line)
            found += _programs_at_prompt(content, line)
    for first, para in paragraphs:
        for line, span, before, after in _spans(first, para):
            found += make_targets_in(span, line)
            words = span.split()
            if words and (PROGRAM_AFTER_RE.match(after) or PROGRAM_BEFORE_RE.search(before)):
                found.append(Mention("program", words[0], line, span))
    return found


# ---- the check ------------------------------------------------------------------------

def check_text(text, where, targets, programs):
    """['where:line: problem'] for every mention that names nothing, in
    the order of the file."""
    problems = []
    for m in sorted(find_mentions(text), key=lambda m: m.line):
        if m.kind == "target" and m.name not in targets:
            problems.append(f"{where}:{m.line}: `{m.text}`: make has no target '{m.name}'")
        elif m.kind == "program" and m.name not in programs:
            problems.append(f"{where}:{m.line}: `{m.text}`: no program '{m.name}' "
                            f"in user/bin (programs: {', '.join(sorted(programs))})")
    return problems


def undocumented(text, where, names):
    """Programs a lab declares (lab.toml) that its handout never mentions in
    backticks: a student would not know they exist."""
    spans = {w for _, para in split_markdown(text)[1] for _, span, _, _ in _spans(0, para)
             for w in span.split()[:1]}
    spans |= {m.name for m in find_mentions(text)}
    return [f"{where}: the lab's program '{n}' is never mentioned in backticks"
            for n in names if n not in spans]


def check_file(path, root, targets=None, programs=None):
    """check_text on a file, with the tree's own targets and programs."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    targets = tree_targets(root) if targets is None else targets
    programs = tree_programs(root) if programs is None else programs
    return check_text(text, os.path.relpath(path, root), targets, programs)
