#!/usr/bin/env python3
"""The handbook: the handouts as a static site, with generated figures.

    python3 grader/handbook.py build [--out build/handbook]   (make handbook)
    python3 grader/handbook.py check [--out build/handbook]

`build` renders handouts/*.md with pandoc into OUT: one page per lab (a
table of contents, highlighted code, links to the previous and next lab),
an index with the course map (the labs of labs/*/lab.toml in order, with
their titles and points, and which have a handout here), the figures that
grader/figures.py draws from the kernel's headers, and a page showing the
page-table viewer (grader/pgview.py) on the dumps kept in tests/data. Then
it runs `check`: every internal link and image resolves, and every make
target and program a handout mentions exists (grader/mentions.py).

In a handout tree (labs/HANDOUT names the lab) the site holds that lab's
handout and the earlier ones only, and the index says so.

Exit status: 0, or 1 with one 'handbook: ...' line per problem.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader import figures, labtool, linkcheck, mentions, pgview  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HANDOUTS = "handouts"
ASSETS = os.path.join(HANDOUTS, "site")
TEMPLATE = os.path.join(ASSETS, "template.html")
STYLESHEET = "style.css"
DEFAULT_OUT = os.path.join("build", "handbook")
FIGURE_DIR = "figures"
EXAMPLE_DIR = "examples"
EXAMPLE_DUMPS = os.path.join("tests", "data", "pgdump-*.txt")
SITE_TITLE = "Pagoda handbook"
PANDOC_TIMEOUT = 120
TITLE_RE = re.compile(r"^#\s+\S")
MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]|<>#])")


class BuildError(Exception):
    """The site cannot be built as asked."""


@dataclass
class Page:
    name: str              # file name without .html
    source: str            # Markdown file, relative to the root ("" if generated)
    title: str             # what the pager and the index call it
    lab: object = None     # labtool.Lab, for lab pages

    @property
    def href(self):
        return f"{self.name}.html"


@dataclass
class Course:
    labs: list                          # every lab, in order
    shown: list                         # the labs this tree's handbook covers
    handout: str                        # the lab of a handout tree, or ""
    pages: list = field(default_factory=list)      # handout pages, in order
    left_out: list = field(default_factory=list)   # handouts of later labs, not shown


# ---- what goes into the site -------------------------------------------------------

def handout_lab(root):
    """The lab a handout tree is for (labs/HANDOUT), or ""."""
    path = os.path.join(root, labtool.HANDOUT_FILE)
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _first_heading(path):
    """A handout starts with its '# Title' line: pandoc makes it the title."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                if not TITLE_RE.match(line):
                    raise BuildError(f"{path}: the first line must be the '# Title' heading")
                return line.lstrip("#").strip().replace("`", "")
    raise BuildError(f"{path}: empty handout")


def plan(root):
    """The labs, which of them this tree's handbook shows, and its pages:
    lab handouts in lab order, then handouts that belong to no lab."""
    labs = labtool.load_labs(root)
    handout = handout_lab(root)
    names = labtool.lab_names(labs)
    if handout and handout not in names:
        raise BuildError(f"{labtool.HANDOUT_FILE} names lab '{handout}', which labs/ lacks")
    shown = labs[:names.index(handout) + 1] if handout else labs
    course = Course(labs, shown, handout)
    sources = {os.path.basename(p)[:-3]: p
               for p in sorted(glob.glob(os.path.join(root, HANDOUTS, "*.md")))}
    for lab in shown:
        if lab.name in sources:
            course.pages.append(Page(lab.name, os.path.relpath(sources[lab.name], root),
                                     f"Lab {lab.order}: {lab.name}", lab))
    course.left_out = [n for n in names[len(shown):] if n in sources]
    for name, path in sources.items():
        if name not in names:
            course.pages.append(Page(name, os.path.relpath(path, root), _first_heading(path)))
    return course


# ---- pandoc ------------------------------------------------------------------------

def pandoc_binary():
    exe = shutil.which("pandoc")
    if not exe:
        raise BuildError("pandoc is not installed (scripts/install-deps installs it)")
    return exe


def run_pandoc(args, where, stdin=None):
    """Run pandoc; any warning is an error, so the site builds clean. No
    'smart' typography: it would turn the permission string R-- into R–."""
    cmd = [pandoc_binary(), "--from=markdown-smart", "--to=html5", "--standalone",
           "--fail-if-warnings", *args]
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                              timeout=PANDOC_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BuildError(f"{where}: pandoc did not finish in {PANDOC_TIMEOUT}s") from None
    messages = done.stderr.strip()
    if done.returncode != 0 or messages:
        raise BuildError(f"{where}: pandoc " + (messages or f"exited {done.returncode}"))


def _variables(**values):
    """pandoc -V options for the template; None values are left out."""
    args = []
    for key, value in values.items():
        if value:
            args += ["-V", f"{key.replace('_', '-')}={value}"]
    return args


def page_args(root, template_vars, out_path):
    return [f"--template={os.path.join(root, TEMPLATE)}", "--toc", "--toc-depth=2",
            f"--css={STYLESHEET}", *_variables(site_title=SITE_TITLE, **template_vars),
            "-o", out_path]


def render_handout(root, page, prev, nxt, out):
    """One handout: its '# Title' becomes the page title, its ## sections
    the top level of the table of contents."""
    _first_heading(os.path.join(root, page.source))
    pager = dict(prev_href=prev.href if prev else "index.html",
                 prev_title=prev.title if prev else "Course map",
                 next_href=nxt.href if nxt else None, next_title=nxt.title if nxt else None)
    args = [os.path.join(root, page.source), "--shift-heading-level-by=-1",
            *page_args(root, dict(source=page.source, **pager),
                       os.path.join(out, page.href))]
    run_pandoc(args, page.source)


def render_generated(root, name, title, markdown, source, out, first=None, note=None):
    """A page whose Markdown this script writes (the index, the viewer)."""
    args = ["-", "--metadata", f"title={title}",
            *page_args(root, dict(source=source, tree_note=note,
                                  next_href=first.href if first else None,
                                  next_title=first.title if first else None),
                       os.path.join(out, f"{name}.html"))]
    run_pandoc(args, f"{name}.html", stdin=markdown)


# ---- the generated pages -------------------------------------------------------------

def md_escape(text):
    """Plain text inside Markdown (titles in a table cell)."""
    return MD_SPECIAL_RE.sub(r"\\\1", text)


def _status(course, lab, pages):
    if lab.name in pages:
        return f"[handout]({pages[lab.name].href})"
    if lab in course.shown:
        return "no handout written yet"
    return f"comes with the lab `{lab.name}` handout tree"


def course_map(course):
    """The labs in order as a Markdown table."""
    pages = {p.lab.name: p for p in course.pages if p.lab}
    rows = ["| # | lab | title | points | handout |", "| --- | --- | --- | --- | --- |"]
    for lab in course.labs:
        name = f"[`{lab.name}`]({pages[lab.name].href})" if lab.name in pages else f"`{lab.name}`"
        rows.append(f"| {lab.order} | {name} | {md_escape(lab.title)} | {lab.points} | "
                    f"{_status(course, lab, pages)} |")
    total = sum(lab.points for lab in course.labs)
    return "\n".join(rows) + f"\n\n{len(course.labs)} labs, {total} points in all.\n"


def tree_note(course):
    """What a handout tree's handbook leaves out, said on its index."""
    if not course.handout:
        return None
    lab = next(lab for lab in course.labs if lab.name == course.handout)
    later = len(course.labs) - len(course.shown)
    has = "this lab's handout" if lab.order == 1 else f"the handouts of labs 1 to {lab.order}"
    text = (f"This is the handbook of the handout tree for lab {lab.order}, {lab.name}: "
            f"it has {has}.")
    if later:
        text += (f" The {later} later lab{'s' if later > 1 else ''} "
                 "come with their own handout trees.")
    if course.left_out:
        text += f" Left out here: {', '.join(course.left_out)}."
    return text


def index_markdown(course, figure_names, has_viewer):
    """The index: what the handbook is, the course map, figures and tools."""
    parts = ["The handouts of the Pagoda course, built from `handouts/*.md` by "
             "`make handbook`. Work through the labs in order: each builds on the one "
             "before.", "", "## Course map", "", course_map(course)]
    others = [p for p in course.pages if not p.lab]
    if others:
        parts += ["## Other pages", ""] + [f"- [{md_escape(p.title)}]({p.href})" for p in others]
        parts.append("")
    parts += ["## Figures", "", "Drawn by `grader/figures.py` from the kernel's headers and "
              "the grader's machine definitions at every build, so they follow the code.", ""]
    parts += [f"- [{figures.FIGURES[n]}]({FIGURE_DIR}/{n})" for n in figure_names]
    parts += ["", "## Tools", "",
              "- Page-table viewer: save what `pgdump` prints in `make qemu`, then run "
              "`make pgview IN=<saved output> OUT=<picture.html>`."
              + (" [Examples](pgview.html)." if has_viewer else ""), ""]
    return "\n".join(parts)


def viewer_markdown(examples):
    """The viewer's page: how to use it and its pictures of real dumps."""
    parts = ["`pgdump` prints the page tables of the running process (`pgdump -k`: the "
             "kernel half, which every process shares). Copy its output from the console "
             "into a file (the whole console log is fine) and draw it:", "",
             "    make pgview IN=dump.txt OUT=dump.html", "",
             "Levels are columns; each table shows the physical page that holds it; each run "
             "of leaves shows its size, count, physical range and permission bits, coloured "
             "by R/W/X. Writable and executable leaves are marked W+X; leaves whose physical "
             "pages are mapped at another virtual address too are outlined as shared (in the "
             "kernel half, the kernel image and every vmalloc page are also in the direct "
             "map). The HTML page adds a table of every leaf run.", "",
             "## Examples", "", "Dumps captured from real boots (`tests/data/`):", ""]
    for name, source in examples:
        parts += [f"![`{source}`]({EXAMPLE_DIR}/{name}.svg)", ""]
    return "\n".join(parts)


def draw_examples(root, out):
    """The viewer's SVG of every kept dump: [(name, source)]."""
    done = []
    for path in sorted(glob.glob(os.path.join(root, EXAMPLE_DUMPS))):
        name = os.path.basename(path)[:-4]
        try:
            dumps = pgview.read_file(path)
        except pgview.InputError as e:
            raise BuildError(f"{os.path.relpath(path, root)}:{e.line}: {e}") from None
        os.makedirs(os.path.join(out, EXAMPLE_DIR), exist_ok=True)
        pgview.write(dumps, os.path.relpath(path, root),
                     os.path.join(out, EXAMPLE_DIR, f"{name}.svg"))
        done.append((name, os.path.relpath(path, root)))
    return done


# ---- build and check -------------------------------------------------------------------

def _fill(root, course, out):
    """Everything into the empty folder out."""
    shutil.copyfile(os.path.join(root, ASSETS, STYLESHEET), os.path.join(out, STYLESHEET))
    try:
        written = figures.write_all(os.path.join(out, FIGURE_DIR), figures.Sources(root))
    except figures.FigureError as e:
        raise BuildError(f"figures: {e}") from None
    pages = course.pages
    for i, page in enumerate(pages):
        render_handout(root, page, pages[i - 1] if i else None,
                       pages[i + 1] if i + 1 < len(pages) else None, out)
    examples = draw_examples(root, out)
    if examples:
        render_generated(root, "pgview", "The page-table viewer", viewer_markdown(examples),
                         "grader/pgview.py, tests/data/pgdump-*.txt", out)
    names = [os.path.basename(p) for p in written]
    render_generated(root, "index", SITE_TITLE, index_markdown(course, names, bool(examples)),
                     "labs/*/lab.toml, handouts/*.md", out,
                     first=pages[0] if pages else None, note=tree_note(course))


def build(root=ROOT, out=None):
    """Build the site into out (default ROOT/build/handbook), replacing what
    was there only once the whole new site is written."""
    out = os.path.abspath(out or os.path.join(root, DEFAULT_OUT))
    pandoc_binary()
    try:
        course = plan(root)
    except labtool.LabError as e:
        raise BuildError(str(e)) from None
    new = out + ".new"
    shutil.rmtree(new, ignore_errors=True)
    os.makedirs(new)
    try:
        _fill(root, course, new)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    os.rename(new, out)
    return course


def check(root=ROOT, out=None, course=None):
    """Problems of a built site: broken links and images, and mentions in
    the handouts of make targets and programs that do not exist."""
    out = os.path.abspath(out or os.path.join(root, DEFAULT_OUT))
    course = course or plan(root)
    problems = linkcheck.check_site(out)
    targets, programs = mentions.tree_targets(root), mentions.tree_programs(root)
    for page in course.pages:
        path = os.path.join(root, page.source)
        problems += mentions.check_file(path, root, targets, programs)
        if page.lab:
            with open(path, encoding="utf-8") as f:
                problems += mentions.undocumented(f.read(), page.source, page.lab.programs)
    return problems


def main(argv):
    p = argparse.ArgumentParser(prog="handbook.py", description=__doc__.split("\n")[0])
    p.add_argument("command", choices=("build", "check"))
    p.add_argument("--root", default=ROOT, help="the tree (default: this one)")
    p.add_argument("--out", default=None, help=f"the site (default: ROOT/{DEFAULT_OUT})")
    args = p.parse_args(argv)
    root = os.path.abspath(args.root)
    try:
        course = build(root, args.out) if args.command == "build" else None
        problems = check(root, args.out, course)
    except (BuildError, labtool.LabError, OSError) as e:
        print(f"handbook: {e}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"handbook: {problem}", file=sys.stderr)
    if problems:
        return 1
    out = args.out or os.path.join(root, DEFAULT_OUT)
    if course:
        print(f"handbook: {len(course.pages)} handout page(s) for {len(course.shown)} of "
              f"{len(course.labs)} labs in {os.path.relpath(out)}/index.html")
    else:
        print(f"handbook: {os.path.relpath(out)}: links, figures and mentions OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
