/* Symbolic backtraces from the frame-pointer chain and the kallsyms table. */
#include "printk.h"
#include "pgtable.h"
#include "memlayout.h"

/* Generated at link time by scripts/kallsyms.awk. */
extern const uint64_t kallsyms_count;
extern const uint64_t kallsyms_addrs[];
extern const uint32_t kallsyms_offs[];
extern const char kallsyms_names[];
extern char _start_image[], _etext[];

#define BACKTRACE_MAX_DEPTH 32

static int64_t ksym_index(uint64_t addr)
{
	int64_t lo = 0, hi = (int64_t)kallsyms_count - 1, best = -1;

	if (addr < (uint64_t)_start_image || addr >= (uint64_t)_etext)
		return -1;
	while (lo <= hi) {
		int64_t mid = (lo + hi) / 2;
		if (kallsyms_addrs[mid] <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return best;
}

const char *ksym_name(uint64_t addr)
{
	static char buf[96];
	int64_t i = ksym_index(addr);

	if (i < 0)
		return "?";
	snprintf(buf, sizeof(buf), "%s+0x%lx", kallsyms_names + kallsyms_offs[i],
		 addr - kallsyms_addrs[i]);
	return buf;
}

/* A frame pointer we may dereference: aligned, in the kernel half, mapped. */
static bool frame_ok(uint64_t fp)
{
	if (!IS_ALIGNED(fp, 16) || fp < PAGE_OFFSET + 2 * sizeof(uint64_t))
		return false;
	return walk(swapper_pg_dir, fp - 2 * sizeof(uint64_t), NULL) &&
	       walk(swapper_pg_dir, fp - sizeof(uint64_t), NULL);
}

void dump_backtrace(uint64_t fp)
{
	printf("backtrace:\n");
	for (int depth = 0; depth < BACKTRACE_MAX_DEPTH && frame_ok(fp); depth++) {
		/* RISC-V frame: return address at fp-8, caller's fp at fp-16. */
		uint64_t ra = ((uint64_t *)fp)[-1];
		uint64_t prev = ((uint64_t *)fp)[-2];
		/* ra - 1 is inside the call: a call that ends a function
		 * returns to the first byte of the next one. */
		if (ksym_index(ra - 1) < 0)
			break;
		printf("  [0x%lx] %s\n", ra, ksym_name(ra - 1));
		if (prev <= fp)
			break;
		fp = prev;
	}
}
