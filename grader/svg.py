"""A small SVG writer for the handbook's generated pictures.

The figures and the page-table viewer draw boxes, lines and text; this
keeps the XML escaping and the attribute spelling in one place so that every
picture is well-formed (the handbook's tests parse each one).

    pic = Svg(400, 100, title="demo")
    pic.rect(10, 10, 100, 30, fill="#def", tip="hover text")
    pic.text(15, 30, "hello <world>")
    pic.write("demo.svg")
"""
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.w3.org/2000/svg"
FONT = "DejaVu Sans, Verdana, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, monospace"


def _attrs(attrs):
    """key_name=value -> key-name="value"; None values are left out."""
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(f" {name}={quoteattr(str(value))}")
    return "".join(parts)


def fmt(number):
    """Coordinates with at most two decimals, so files stay small and stable."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


class Svg:
    """One picture, built element by element, serialised by str()."""

    def __init__(self, width, height, title="", css=""):
        self.width, self.height, self.title, self.css = width, height, title, css
        self.parts = []

    def _element(self, tag, attrs, text=None, tip=None):
        inner = ""
        if tip:
            inner += f"<title>{escape(tip)}</title>"
        if text is not None:
            inner += escape(str(text))
        if inner:
            self.parts.append(f"<{tag}{_attrs(attrs)}>{inner}</{tag}>")
        else:
            self.parts.append(f"<{tag}{_attrs(attrs)}/>")

    def rect(self, x, y, w, h, tip=None, **attrs):
        self._element("rect", {"x": fmt(x), "y": fmt(y), "width": fmt(max(w, 0)),
                               "height": fmt(max(h, 0)), **attrs}, tip=tip)

    def line(self, x1, y1, x2, y2, **attrs):
        self._element("line", {"x1": fmt(x1), "y1": fmt(y1), "x2": fmt(x2),
                               "y2": fmt(y2), **attrs})

    def path(self, d, **attrs):
        self._element("path", {"d": d, **attrs})

    def text(self, x, y, text, tip=None, **attrs):
        self._element("text", {"x": fmt(x), "y": fmt(y), **attrs}, text=text, tip=tip)

    def raw(self, markup):
        """Pre-built markup (a <defs> block); the caller keeps it well-formed."""
        self.parts.append(markup)

    def begin_group(self, tip=None, **attrs):
        self.parts.append(f"<g{_attrs(attrs)}>")
        if tip:
            self.parts.append(f"<title>{escape(tip)}</title>")

    def end_group(self):
        self.parts.append("</g>")

    def __str__(self):
        head = (f'<svg xmlns="{NS}" width="{fmt(self.width)}" height="{fmt(self.height)}" '
                f'viewBox="0 0 {fmt(self.width)} {fmt(self.height)}" '
                f'font-family={quoteattr(FONT)} font-size="12">')
        title = f"<title>{escape(self.title)}</title>" if self.title else ""
        style = f"<style>{escape(self.css)}</style>" if self.css else ""
        return "\n".join([head + title + style, *self.parts, "</svg>", ""])

    def write(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(str(self))


def hatch_pattern(pattern_id, colour="#999", background="none"):
    """A <defs> block with a diagonal hatch, for holes and warnings."""
    return (f'<defs><pattern id="{pattern_id}" width="8" height="8" '
            f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="8" height="8" fill="{background}"/>'
            f'<line x1="0" y1="0" x2="0" y2="8" stroke="{colour}" stroke-width="3"/>'
            f'</pattern></defs>')
