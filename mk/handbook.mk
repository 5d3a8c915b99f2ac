# The handbook: handouts/*.md rendered with pandoc into a static site with
# figures generated from the kernel's headers (grader/handbook.py), and the
# page-table viewer for saved pgdump output (grader/pgview.py).
#
#   make handbook                         build/handbook/index.html, then check it
#   make handbook-check                   links, figures and mentions of a built site
#   make handbook-screenshots             headless Chromium: build/handbook/screenshots/
#   make pgview IN=dump.txt OUT=tree.html (or OUT=tree.svg)
#   make pgdump-save OUT=dump.txt         boot, save `pgdump` and `pgdump -k` output

HANDBOOK_OUT ?= build/handbook
HANDBOOK_PY := $(PYTHON) grader/handbook.py

# pandoc is needed only here, so it is looked for only here.
handbook-deps:
	@command -v pandoc >/dev/null 2>&1 || ./scripts/install-deps

handbook: handbook-deps
	$(HANDBOOK_PY) build --out $(HANDBOOK_OUT)

handbook-check:
	$(HANDBOOK_PY) check --out $(HANDBOOK_OUT)

handbook-screenshots: handbook
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
		|| ./scripts/install-deps
	$(PYTHON) grader/screenshot.py $(HANDBOOK_OUT)

pgview:
	@test -n "$(IN)" -a -n "$(OUT)" || { echo "usage: make pgview IN=<saved pgdump output> OUT=<picture.html or .svg>" >&2; exit 2; }
	$(PYTHON) grader/pgview.py "$(IN)" "$(OUT)"

pgdump-save: all
	@test -n "$(OUT)" || { echo "usage: make pgdump-save OUT=<file> [MEM=...] [CPUS=...] [BOOTARGS=...]" >&2; exit 2; }
	$(PYTHON) grader/pgcapture.py "$(OUT)" --build $(B) --memory $(MEM) --cpus $(CPUS) \
		--bootargs "$(BOOTARGS)"

.PHONY: handbook handbook-deps handbook-check handbook-screenshots pgview pgdump-save
