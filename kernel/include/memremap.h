#ifndef PAGODA_MEMREMAP_H
#define PAGODA_MEMREMAP_H
/*
 * Device memory the kernel reaches outside the direct map
 * (kernel/mm/memremap.c). Pfns without a struct page are not in the direct
 * map; a driver that hands them to user space registers its kernel mapping
 * here so that copy-on-write and copyin/copyout can reach them too.
 */
#include "types.h"
#include "pgtable.h"

struct page;

#define MAX_DEVMEM_RANGES 4

/*
 * Record that [pfn, pfn + nr_pages) is reachable at kernel address va
 * (page aligned, e.g. from ioremap()). 0, or -ENOMEM when the table is full.
 */
int devmem_register(uint64_t pfn, uint64_t nr_pages, void *va);
/* Pages of device memory registered so far. */
uint64_t nr_devmem_pages(void);
/*
 * The kernel address of page frame pfn: the direct map for a pfn with a
 * struct page, a registered device mapping otherwise; NULL when the kernel
 * has no mapping of it.
 */
void *pfn_to_kaddr(uint64_t pfn);

/* ---- lab altmap: device memory with a memmap (ZONE_DEVICE style) ------- */

/*
 * Pages of a device range lent to its own memmap (kernel/mm/altmap.c):
 *
 *   base_pfn         base_pfn + reserve                       end_pfn
 *   | reserve (info) | free: memmap blocks, each aligned | data ...   |
 *                    |<- align ->|<-------- alloc ------>|
 *
 * reserve pages are never handed out; free is the budget for the memmap;
 * alloc counts pages handed out and align the pages skipped to align a
 * block to its size. vmem_altmap_offset() is where the data starts.
 */
struct vmem_altmap {
	uint64_t base_pfn;
	uint64_t end_pfn;
	uint64_t reserve;
	uint64_t free;
	uint64_t alloc;
	uint64_t align;
};

/* Pfns from base_pfn to the first page the memmap does not own. */
static inline uint64_t vmem_altmap_offset(const struct vmem_altmap *altmap)
{
	return altmap->reserve + altmap->free;
}
/* The pfn the next block would start at before alignment. */
uint64_t vmem_altmap_next_pfn(const struct vmem_altmap *altmap);
/* Pages of the budget not yet handed out or skipped. */
uint64_t vmem_altmap_nr_free(const struct vmem_altmap *altmap);
/*
 * A block of size bytes (a multiple of PAGE_SIZE) from the device, aligned
 * to the largest power of two dividing its page count. Returns its physical
 * address, or 0 when the budget is spent (the caller falls back to RAM).
 * The block is not zeroed.
 */
phys_addr_t altmap_alloc_block_buf(uint64_t size, struct vmem_altmap *altmap);
/* Give nr_pages back (teardown). Warns when more come back than went out. */
void vmem_altmap_free(struct vmem_altmap *altmap, uint64_t nr_pages);
/* Is pfn inside the device range the altmap describes? */
static inline bool altmap_owns(const struct vmem_altmap *altmap, uint64_t pfn)
{
	return altmap && pfn - altmap->base_pfn < altmap->end_pfn - altmap->base_pfn;
}

enum pgmap_flags {
	PGMAP_ALTMAP_VALID = 1 << 0, /* the memmap lives on the device */
};

/*
 * A device range to online: [start, start + size), both multiples of the
 * 128 MiB section. vmemmap_shift > 0 groups the pages from compound_pfn on
 * into compound pages of 2^vmemmap_shift pages (head first), whose vmemmap
 * reuses one tail page when the memmap is in RAM.
 */
struct dev_pagemap {
	phys_addr_t start;
	uint64_t size;
	enum pgmap_flags flags;
	struct vmem_altmap altmap;
	unsigned int vmemmap_shift;
	uint64_t compound_pfn; /* first pfn of the first compound page */
	/* Page tables of the direct map and the memmap, counted apart. */
	struct pgtable_alloc tables;
	/* Filled in by memremap_pages(), for the report and the tests. */
	uint64_t nr_memmap_ram_pages;    /* memmap blocks taken from RAM */
	uint64_t nr_table_pages;         /* page-table pages taken from RAM */
	uint64_t nr_ram_pages;           /* free RAM pages the online cost */
	bool online;
};

static inline struct vmem_altmap *pgmap_altmap(struct dev_pagemap *pgmap)
{
	return pgmap->flags & PGMAP_ALTMAP_VALID ? &pgmap->altmap : NULL;
}

/*
 * Online a device range: sections marked present, memmap populated (on the
 * device through pgmap->altmap when PGMAP_ALTMAP_VALID), struct pages of
 * the pages from vmem_altmap_offset() on set up as idle device pages
 * (PG_device, refcount 0, pgmap), the range mapped in the direct map.
 * Returns 0; -EINVAL for a range not made of whole sections or a compound
 * layout that does not fit; -EBUSY when a section is already present;
 * -EOPNOTSUPP outside the vmemmap memory model; -ENOMEM, with everything
 * undone. No TLB flush is needed: only empty entries change.
 */
int memremap_pages(struct dev_pagemap *pgmap);
/*
 * Take an onlined range offline again: sections cleared, direct map and
 * memmap unmapped (every hart's TLB flushed), memmap blocks given back to
 * RAM or to the altmap, emptied tables freed. -EBUSY when a device page is
 * still in use (refcount > 0); 0 otherwise.
 */
int memunmap_pages(struct dev_pagemap *pgmap);
/* A device page's last reference went: it stays with its device. */
void free_zone_device_page(struct page *page);
#endif
