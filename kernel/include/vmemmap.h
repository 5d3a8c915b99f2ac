#ifndef PAGODA_VMEMMAP_H
#define PAGODA_VMEMMAP_H
/*
 * The virtual memmap (lab vmemmap): struct pages of present sections mapped
 * at VMEMMAP_START + pfn * sizeof(struct page), backed by 2 MiB blocks
 * (`vmemmap=2m`, the default) or 4 KiB pages (`vmemmap=4k`).
 */
#include "pgtable.h"

struct vmem_altmap; /* lab altmap: device memory that holds its own memmap */

/* Where the virtual memmap's memory comes from: a parameter, not a global
 * state (memblock at boot, the page allocator when memory is added). */
struct vmemmap_alloc {
	struct pgtable_alloc *tables; /* page-table pages */
	/* A zeroed block of size bytes aligned to its size; 0 when none. */
	phys_addr_t (*block)(struct vmemmap_alloc *a, uint64_t size);
	uint64_t nr_blocks[PGTABLE_LEVELS]; /* blocks handed out, by leaf level */
};
/* At boot: blocks from memblock, tables from the early allocator. */
extern struct vmemmap_alloc vmemmap_boot_alloc;
/* Largest leaf of the virtual memmap (`vmemmap=`). */
extern enum pt_level vmemmap_max_leaf;

/*
 * Back the virtual memmap range [start, end) (page aligned). Returns 0, or
 * -ENOMEM when blocks or tables run out (what was populated stays: the
 * caller's section is unusable either way). No TLB flush: only empty
 * entries change.
 */
int vmemmap_populate(uint64_t start, uint64_t end, struct vmemmap_alloc *a,
                     struct vmem_altmap *altmap);
/* A block of size bytes for the memmap: from altmap if given, else from a.
 * Returns its physical address, 0 when none is left. */
phys_addr_t vmemmap_alloc_block_buf(uint64_t size, struct vmemmap_alloc *a,
                                    struct vmem_altmap *altmap);
/* ---- after boot: device memory (lab altmap) ---------------------------- */
/* Blocks from the page allocator (split into order-0 pages, so unmapping
 * frees them), tables from tables. */
void vmemmap_hotplug_alloc_init(struct vmemmap_alloc *a, struct pgtable_alloc *tables);
/*
 * The memmap of compound pages of 2^shift pages from start_pfn to end_pfn
 * (both multiples of 2^shift; memmap of at least two pages each): per
 * compound page one head page and one tail page of struct pages, the tail
 * page mapped again for the rest. Blocks from a (not an altmap). Returns 0
 * or -ENOMEM (what was populated stays for vmemmap_depopulate()). Caller
 * holds kernel_pgtable_lock. No TLB flush: only empty entries change.
 */
int vmemmap_populate_compound_pages(uint64_t start_pfn, uint64_t end_pfn, unsigned int shift,
                                    struct vmemmap_alloc *a);
/*
 * Unmap the memmap range [start, end) (2 MiB aligned for 2 MiB blocks),
 * put the pages of every block that has a struct page (RAM blocks; device
 * blocks have none once their sections are gone), free emptied tables
 * through a->tables, flush every hart. 0, or -ENOMEM if a split failed.
 * Caller holds kernel_pgtable_lock.
 */
int vmemmap_depopulate(uint64_t start, uint64_t end, struct vmemmap_alloc *a);
#endif
