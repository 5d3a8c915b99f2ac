"""Internal links and images of a built static site, and whether they resolve.

A handbook page that links to a missing section or shows a broken figure
looks fine in the Markdown and fails only in the browser. This reads every
HTML page of the site, collects each element id, href and src, and checks
that every reference inside the site names an existing file and, where it
has a #fragment, an existing id in that file. Images must also be real:
SVG files must parse as SVG, other files must not be empty.

    problems = check_site("build/handbook")
"""
import os
import posixpath
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
REF_ATTRS = {"a": "href", "link": "href", "img": "src", "script": "src",
             "source": "src", "object": "data", "iframe": "src"}


class _PageParser(HTMLParser):
    """Collects ids and (tag, reference, line) from one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        ref = attrs.get(REF_ATTRS.get(tag, ""))
        if ref is not None:
            self.refs.append((tag, ref, self.getpos()[0]))


def parse_page(path):
    parser = _PageParser()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.close()
    return parser


def is_internal(ref):
    """No scheme and no host: a reference into the site itself."""
    parts = urlsplit(ref)
    return not parts.scheme and not parts.netloc


def svg_problem(path):
    """Why a file is not a usable SVG picture, or None."""
    if os.path.getsize(path) == 0:
        return "is empty"
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return f"is not well-formed XML ({e})"
    if root.tag != SVG_ROOT:
        return f"has root element {root.tag}, not an SVG <svg>"
    if len(root) == 0:
        return "is an SVG with nothing in it"
    return None


def html_pages(site):
    for dirpath, dirnames, filenames in os.walk(site):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".html"):
                yield os.path.join(dirpath, name)


class _Site:
    """Parsed pages, cached: many links point into the same page."""

    def __init__(self, root):
        self.root, self.pages = root, {}

    def page(self, path):
        if path not in self.pages:
            self.pages[path] = parse_page(path)
        return self.pages[path]

    def check_ref(self, page_path, tag, ref):
        """Problem text for one reference, or None when it resolves."""
        parts = urlsplit(ref)
        target = page_path
        if parts.path:
            rel = posixpath.normpath(posixpath.join(
                posixpath.dirname(os.path.relpath(page_path, self.root)), unquote(parts.path)))
            if rel.startswith(".."):
                return f"'{ref}' points outside the site"
            target = os.path.join(self.root, rel)
            if not os.path.isfile(target):
                return f"'{ref}': no file {rel}"
        if tag == "img":
            problem = self._image_problem(target)
            if problem:
                return f"image '{ref}' {problem}"
        if parts.fragment and target.endswith(".html"):
            if unquote(parts.fragment) not in self.page(target).ids:
                return f"'{ref}': no element with id '{parts.fragment}' in " \
                       f"{os.path.relpath(target, self.root)}"
        return None

    @staticmethod
    def _image_problem(path):
        if path.endswith(".svg"):
            return svg_problem(path)
        return "is empty" if os.path.getsize(path) == 0 else None


def check_site(root):
    """['page:line: problem'] for every broken internal reference."""
    site, problems = _Site(root), []
    for path in html_pages(root):
        for tag, ref, line in site.page(path).refs:
            if not ref or not is_internal(ref):
                continue
            problem = site.check_ref(path, tag, ref)
            if problem:
                problems.append(f"{os.path.relpath(path, root)}:{line}: {problem}")
    return problems


def references(root):
    """Every internal (page, tag, reference) of the site, for tests."""
    return [(os.path.relpath(path, root), tag, ref)
            for path in html_pages(root) for tag, ref, _ in parse_page(path).refs
            if ref and is_internal(ref)]
