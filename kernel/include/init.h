#ifndef PAGODA_INIT_H
#define PAGODA_INIT_H
/* Boot-time memory set-up (kernel/mm/init.c), called in this order. */
#include "types.h"
struct platform;
/* Register RAM banks and reservations from the device tree in memblock. */
void memblock_init_from_platform(const struct platform *plat);
/* Build swapper_pg_dir: kernel image, direct map, shared kernel puds; switch to it. */
void init_mem_mapping(void);
/* Memblock memory region i as the direct map covers it (page aligned);
 * false when the region is not mapped (no-map, or smaller than a page). */
bool direct_map_range(int i, phys_addr_t *start, phys_addr_t *end);
/* What the early page-table allocator did (lab earlypgt), for the boot
 * report and the in-kernel tests. */
struct early_pgt {
	unsigned int brk_used;          /* pages of early_pgt_brk handed out */
	uint64_t memblock_used;         /* pages taken from memblock */
	phys_addr_t min_mapped;         /* [min_mapped, max_mapped): RAM the */
	phys_addr_t max_mapped;         /* direct map covers so far */
	phys_addr_t lowest, highest;    /* table pages handed out */
	unsigned int steps;             /* top-down steps, the first 2 MiB included */
	unsigned int brk_direct_map;    /* brk_used and memblock_used when the */
	uint64_t memblock_direct_map;   /* direct map was done */
	uint64_t reserved_up_front;     /* pages the handout's fallback reserved */
};
extern struct early_pgt early_pgt;
/* Largest leaf the direct map may use (mapsize=). */
extern enum pt_level direct_map_max_leaf;
#endif
