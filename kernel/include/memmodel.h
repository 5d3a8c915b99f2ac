#ifndef PAGODA_MEMMODEL_H
#define PAGODA_MEMMODEL_H
/*
 * The memory model: how a pfn finds its struct page (lab vmemmap).
 * Chosen at build time with MEMMODEL=flat|sparse|vmemmap (the Makefile
 * defines MEMMODEL); each is a complete kernel.
 *
 *   FLATMEM   one mem_map array from the lowest to the highest RAM pfn,
 *             holes included: pfn_to_page = mem_map + (pfn - min_pfn)
 *   SPARSEMEM 128 MiB sections, each with its own memmap, found through
 *             the mem_section table (sparse.h)
 *   SPARSEMEM_VMEMMAP  the sections' memmaps mapped virtually contiguous
 *             at VMEMMAP_START: pfn_to_page = vmemmap + pfn, no memory load
 *
 * Included by mm.h after struct page; not meant to be included alone.
 */
#define MEMMODEL_FLAT    1
#define MEMMODEL_SPARSE  2
#define MEMMODEL_VMEMMAP 3

#ifndef MEMMODEL
#if SOLUTION(vmemmap)
#define MEMMODEL MEMMODEL_VMEMMAP
#else
#define MEMMODEL MEMMODEL_FLAT
#endif /* SOLUTION(vmemmap) */
#endif

#if MEMMODEL == MEMMODEL_FLAT
extern struct page *mem_map;
extern uint64_t memmap_min_pfn, memmap_max_pfn;
static inline struct page *pfn_to_page(uint64_t pfn)
{
	return mem_map + (pfn - memmap_min_pfn);
}
static inline uint64_t page_to_pfn(const struct page *page)
{
	return (uint64_t)(page - mem_map) + memmap_min_pfn;
}
static inline bool pfn_valid(uint64_t pfn)
{
	return pfn >= memmap_min_pfn && pfn < memmap_max_pfn;
}
#define MEMMODEL_NAME "flat"

#elif MEMMODEL == MEMMODEL_SPARSE || MEMMODEL == MEMMODEL_VMEMMAP
#include "sparse.h"

/* The virtual memmap: struct page of pfn at VMEMMAP_START + pfn * 64. */
#define vmemmap ((struct page *)VMEMMAP_START)

#if SOLUTION(vmemmap)
/* Sections with a memmap; a pfn beyond the 45-bit space has none. */
static inline bool pfn_valid(uint64_t pfn)
{
	return pfn < MAX_PFN && valid_section(__pfn_to_section(pfn));
}
#if MEMMODEL == MEMMODEL_VMEMMAP
static inline struct page *pfn_to_page(uint64_t pfn)
{
	return vmemmap + pfn;
}
static inline uint64_t page_to_pfn(const struct page *page)
{
	return (uint64_t)(page - vmemmap);
}
#else
static inline struct page *pfn_to_page(uint64_t pfn)
{
	return __section_mem_map_addr(__pfn_to_section(pfn)) + pfn;
}
static inline uint64_t page_to_pfn(const struct page *page)
{
	uint64_t nr = page->flags >> SECTION_NR_SHIFT;

	return (uint64_t)(page - __section_mem_map_addr(__nr_to_section(nr)));
}
#endif
#else
/*
 * Lab vmemmap, exercise 1: pfn_valid, pfn_to_page and page_to_pfn for
 * SPARSEMEM (through mem_section) and SPARSEMEM_VMEMMAP (vmemmap + pfn).
 * Until then only MEMMODEL=flat works; sparse_init() says so at boot, and
 * these stop the kernel naming what is missing.
 */
__noreturn void memmodel_not_implemented(const char *what);
static inline bool pfn_valid(uint64_t pfn)
{
	memmodel_not_implemented("pfn_valid");
}
static inline struct page *pfn_to_page(uint64_t pfn)
{
	memmodel_not_implemented("pfn_to_page");
}
static inline uint64_t page_to_pfn(const struct page *page)
{
	memmodel_not_implemented("page_to_pfn");
}
#endif /* SOLUTION(vmemmap) */
#define MEMMODEL_NAME (MEMMODEL == MEMMODEL_VMEMMAP ? "vmemmap" : "sparse")

#else
#error "MEMMODEL must be MEMMODEL_FLAT, MEMMODEL_SPARSE or MEMMODEL_VMEMMAP"
#endif
#endif
