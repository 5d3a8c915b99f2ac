#ifndef PAGODA_MEMBLOCK_H
#define PAGODA_MEMBLOCK_H
/*
 * memblock: the boot-time physical memory manager. It records the RAM the
 * device tree describes and the ranges already in use, and hands out memory
 * before the page allocator exists. memblock_free_all() retires it.
 */
#include "types.h"

#define MEMBLOCK_MAX_REGIONS 128

enum memblock_flags {
	MEMBLOCK_NONE = 0,
	MEMBLOCK_NOMAP = 1 << 0,   /* not in the direct map, never allocated */
};

struct memblock_region {
	phys_addr_t base;
	uint64_t size;
	enum memblock_flags flags;
};

struct memblock_type {
	int cnt;
	const char *name;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
};
extern struct memblock memblock;

/* Add RAM / mark in use. Overlaps merge. -ENOMEM when the table is full. */
int memblock_add(phys_addr_t base, uint64_t size);
int memblock_reserve(phys_addr_t base, uint64_t size);
/* Keep [base, base+size) of RAM out of the direct map and the allocator. */
int memblock_mark_nomap(phys_addr_t base, uint64_t size);
/* Remove RAM beyond max_addr (e.g. above the 45-bit physical limit). */
void memblock_cap_memory(phys_addr_t max_addr);

/*
 * Find and reserve size bytes aligned to align inside [start, end),
 * searching from the top. Returns the physical address, or 0 when no free
 * range fits. The memory is not zeroed and may not be mapped yet.
 */
phys_addr_t memblock_phys_alloc_range(uint64_t size, uint64_t align,
				      phys_addr_t start, phys_addr_t end);
/* The address memblock_phys_alloc_range() would pick, without reserving
 * it; 0 when nothing fits. */
phys_addr_t memblock_find_in_range(uint64_t size, uint64_t align, phys_addr_t start,
				   phys_addr_t end);
/* Give back a reserved range (page aligned). -ENOMEM if splitting a region
 * needed a slot and the table is full. */
int memblock_phys_free(phys_addr_t base, uint64_t size);
/* Same, anywhere below memblock_limit, zeroed through the direct map.
 * Returns the direct-map address or NULL. */
void *memblock_alloc(uint64_t size, uint64_t align);
/* Highest address memblock_alloc() may return memory from. */
extern phys_addr_t memblock_limit;

/*
 * Free ranges (RAM that is neither reserved nor nomap), ascending:
 *   uint64_t it = 0; while (memblock_next_free(&it, &s, &e)) ...
 */
bool memblock_next_free(uint64_t *it, phys_addr_t *start, phys_addr_t *end);

phys_addr_t memblock_start_of_DRAM(void);
phys_addr_t memblock_end_of_DRAM(void);
uint64_t memblock_phys_mem_size(void);
uint64_t memblock_reserved_size(void);
void memblock_dump(void);
#endif
