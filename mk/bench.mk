# `make bench`: grader/bench.py measures boot, build, grader and memory
# figures and writes build/bench/results.{json,md} and boot-vs-ram.png.
# Debian's python3 has matplotlib; the Python with pytest is the fallback.
BENCH_PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,$(PYTHON))
BENCH_OUT ?= build/bench
# The copy of the table the README links; BENCH_PUBLISH= leaves it alone.
BENCH_PUBLISH ?= docs/bench.md

bench:
	$(BENCH_PYTHON) grader/bench.py --out $(BENCH_OUT) $(if $(BENCH_PUBLISH),--publish $(BENCH_PUBLISH)) $(BENCH_FLAGS)

.PHONY: bench
