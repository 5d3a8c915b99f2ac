/*
 * Benchmark probes for `make bench` (grader/bench.py), run as the KTAP
 * suite "bench" (ktest=bench): the only hook that runs after the memmap is
 * up and before /init, without touching any other file.
 *
 *   bench=N   pfns the pfn_to_page loop walks (default BENCH_DEFAULT_PFNS,
 *             small so that ktest=all stays quick; the benchmark asks 10^6)
 *
 * Counts are read with rdinstret/rdtime. They mean instructions only under
 * QEMU's -icount shift=0, where instret is the instruction counter; the
 * benchmark always boots these probes that way.
 */
#include "ktest.h"
#include "cmdline.h"
#include "memblock.h"
#include "mm.h"
#include "asm/csr.h"
#include "uapi/errno.h"

#define BENCH_DEFAULT_PFNS 1000UL
#define BENCH_MAX_PFNS     100000000UL

static uint64_t bench_pfns = BENCH_DEFAULT_PFNS;
/* The loops fold every result in here, so no call can be dropped. */
static volatile uint64_t bench_sink;

struct page *memmap_probe_pfn_to_page(uint64_t pfn);
uint64_t memmap_probe_page_to_pfn(struct page *page);

/* A decimal count, 1..BENCH_MAX_PFNS. */
static int set_bench(const char *v)
{
	uint64_t n = 0;

	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(*v - '0');
		if (n > BENCH_MAX_PFNS)
			return -EINVAL;
	}
	if (n == 0)
		return -EINVAL;
	bench_pfns = n;
	return 0;
}
early_param("bench", set_bench, "pfns per pfn_to_page probe loop");

/* The baseline: the same call and return as the probe, with no body, so
 * the difference of the two loops is pfn_to_page's own instructions. */
__attribute__((noinline, noipa, optimize("omit-frame-pointer"))) static struct page *
bench_probe_nop(uint64_t pfn)
{
	return (struct page *)pfn;
}

__attribute__((noinline, noipa, optimize("omit-frame-pointer"))) static uint64_t
bench_probe_page_nop(struct page *page)
{
	return (uint64_t)page;
}

/* instret spent calling fn once for each of n pfns of RAM, cycling. */
static uint64_t probe_loop(struct page *(*fn)(uint64_t), uint64_t first, uint64_t span, uint64_t n)
{
	uint64_t acc = 0, pfn = first, last = first + span, start, end;

	start = csr_read_instret();
	for (uint64_t i = 0; i < n; i++) {
		acc ^= (uint64_t)fn(pfn);
		if (++pfn == last)
			pfn = first;
	}
	end = csr_read_instret();
	bench_sink = acc;
	return end - start;
}

/* The same over the struct pages of those pfns, which the loop computes
 * for both the probe and the baseline, so only fn's cost differs. */
static uint64_t probe_page_loop(uint64_t (*fn)(struct page *), uint64_t first, uint64_t span,
                                uint64_t n)
{
	uint64_t acc = 0, pfn = first, last = first + span, start, end;

	start = csr_read_instret();
	for (uint64_t i = 0; i < n; i++) {
		acc ^= fn(pfn_to_page(pfn));
		if (++pfn == last)
			pfn = first;
	}
	end = csr_read_instret();
	bench_sink = acc;
	return end - start;
}

/* Where boot stands when the first process starts its tests. */
static void bench_boot_counters(struct ktest *t)
{
	uint64_t instret = csr_read_instret(), time = csr_read_time();

	ktest_diag("bench: boot instret=%lu time=%lu", instret, time);
	KTEST_EXPECT(t, instret > 0);
}

/* pfn_to_page of this build's model against the empty baseline. */
static void bench_pfn_to_page(struct ktest *t)
{
	uint64_t first = PFN_DOWN(memblock_start_of_DRAM());
	uint64_t span = memblock_phys_mem_size() >> PAGE_SHIFT;
	uint64_t probe, nop;

	KTEST_EXPECT(t, span > 0);
	if (span == 0)
		return;
	nop = probe_loop(bench_probe_nop, first, span, bench_pfns);
	probe = probe_loop(memmap_probe_pfn_to_page, first, span, bench_pfns);
	ktest_diag("bench: pfn_to_page calls=%lu instret=%lu baseline_instret=%lu", bench_pfns,
	           probe, nop);
	nop = probe_page_loop(bench_probe_page_nop, first, span, bench_pfns);
	probe = probe_page_loop(memmap_probe_page_to_pfn, first, span, bench_pfns);
	ktest_diag("bench: page_to_pfn calls=%lu instret=%lu baseline_instret=%lu", bench_pfns,
	           probe, nop);
}

static const struct ktest_case bench_cases[] = {
    {"boot_counters", bench_boot_counters},
    {"pfn_to_page", bench_pfn_to_page},
};
KTEST_SUITE(bench, "bench", bench_cases);
