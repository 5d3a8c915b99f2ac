#ifndef PAGODA_PTDUMP_H
#define PAGODA_PTDUMP_H
/*
 * The page-table dump (lab pgtable): the tree level by level, one line per
 * table and one per run of leaves (same size, same bits, contiguous va and
 * pa), then a summary line. The format is read by grader/expect.py:
 *
 *   pgdump: user half of pid 3 (pgdump)
 *   pgd 0x0000000000000000-0x0000007fffffffff table 0x0000000087ffd000
 *     pud 0x0000000000000000-0x000000003fffffff table 0x0000000087ffc000
 *         pte 0x0000000000001000-0x0000000000002fff 4K x2 pa 0x0000000087f00000 r-xu-ad
 *   pgdump: tables pud=1 pmd=1 pte=1 leaves 1G=0 2M=0 4K=5
 *
 * Permission field: r w x u g a d, '-' where the bit is clear, then the
 * words " special" and " cow" for the software bits.
 */
#include "pgtable.h"
#include "uapi/pgdump.h"

/* Where dump lines go. emit() gets one line with its newline. */
struct ptdump_sink {
	void (*emit)(struct ptdump_sink *s, const char *line, size_t len);
	void *priv;
};

/*
 * Dump the tables of pgd that map [first, last] (inclusive, so the range
 * may end at the top of the address space) to sink. The caller keeps the
 * tables stable (holds kernel_pgtable_lock for the kernel half, or is the
 * only thread of the address space). No TLB effect.
 */
void ptdump(pgd_t *pgd, uint64_t first, uint64_t last, const char *title, struct ptdump_sink *sink);
/* Print the kernel half to the console if `pgdump=kernel` was given. */
void ptdump_boot(void);
#endif
