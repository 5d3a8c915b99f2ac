"""Screenshots of handbook pages with headless Chromium, and a check that
a screenshot shows something.

A page can be valid HTML and still render as a blank or unstyled mess; a
person looking at build/handbook/screenshots/*.png sees that at once, and
the tests check the cheap part: Chromium rendered the page into a PNG of
the asked size that is not a single colour.

    exe = find_chromium()                 # None when it is not installed
    take(exe, "build/handbook/index.html", "shot.png")

    python3 grader/screenshot.py build/handbook    (make handbook-screenshots)
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1280, 1600)          # what a laptop shows, and the top of a long page
TIMEOUT = 90                   # seconds for one page
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHOTS_DIR = "screenshots"        # inside the site, for a person to look at


class ScreenshotError(Exception):
    """Chromium failed or wrote no usable PNG."""


def find_chromium():
    """The Chromium binary (Debian names it chromium, Ubuntu chromium-browser)."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def command(exe, page, png, profile, window=WINDOW):
    """Headless, no GPU, no sandbox (CI runs as root), a private profile so
    parallel runs do not share Chromium's lock."""
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
            f"--window-size={window[0]},{window[1]}", f"--screenshot={png}",
            "file://" + os.path.abspath(page)]


def take(exe, page, png, window=WINDOW):
    """Render page into png; ScreenshotError with Chromium's output on failure."""
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    if os.path.exists(png):
        os.remove(png)
    with tempfile.TemporaryDirectory(prefix="pagoda-chromium-") as profile:
        try:
            done = subprocess.run(command(exe, page, png, profile, window), capture_output=True,
                                  text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ScreenshotError(f"{page}: chromium did not finish in {TIMEOUT}s") from None
    if done.returncode != 0 or not os.path.isfile(png):
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-10:])
        raise ScreenshotError(f"{page}: chromium exited {done.returncode}, no {png}:\n{tail}")
    return png


def _chunks(data):
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def png_info(path):
    """(width, height, distinct byte values of the filtered image data).
    A blank page's rows filter to (almost) all zeros; a page with text and
    colour has many values."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(PNG_SIGNATURE):
        raise ScreenshotError(f"{path}: not a PNG file")
    chunks = list(_chunks(data))
    if not chunks or chunks[0][0] != b"IHDR":
        raise ScreenshotError(f"{path}: PNG without a header chunk")
    width, height = struct.unpack(">II", chunks[0][1][:8])
    try:
        pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error as e:
        raise ScreenshotError(f"{path}: PNG data does not decompress ({e})") from None
    return width, height, len(set(pixels))


def shoot_site(site, exe=None):
    """A screenshot of every page of a built site into site/screenshots/
    (the same names, .png): [png paths]. ScreenshotError without Chromium."""
    exe = exe or find_chromium()
    if not exe:
        raise ScreenshotError("chromium is not installed (scripts/install-deps installs it)")
    pages = sorted(n for n in os.listdir(site) if n.endswith(".html"))
    return [take(exe, os.path.join(site, n), os.path.join(site, SHOTS_DIR, n[:-5] + ".png"))
            for n in pages]


def main(argv):
    """screenshot.py SITE: shoot every page; 1 with one line on failure."""
    if len(argv) != 1:
        print("usage: screenshot.py SITE_DIR", file=sys.stderr)
        return 2
    try:
        shots = shoot_site(argv[0])
    except (ScreenshotError, OSError) as e:
        print(f"screenshot: {e}", file=sys.stderr)
        return 1
    for png in shots:
        print(f"screenshot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
