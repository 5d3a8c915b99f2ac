#ifndef PAGODA_SPARSE_H
#define PAGODA_SPARSE_H
/*
 * Memory sections (lab vmemmap): physical memory in 128 MiB pieces, each
 * with its own memmap, so holes between banks cost no struct pages.
 *
 *   mem_section[nr].section_mem_map = (memmap - first pfn of section) | flags
 *
 * The memmap pointer is stored minus the section's first pfn, so
 * "section_mem_map_addr(section) + pfn" is the struct page of pfn with no
 * subtraction. struct page is 64 bytes, so the low bits are free for flags.
 */
#include "types.h"
#include "memlayout.h"
#include "asm/pgtable.h"

#define SECTION_SIZE_BITS 27 /* 128 MiB */
#define PFN_SECTION_SHIFT (SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION (1UL << PFN_SECTION_SHIFT)
#define SECTIONS_SHIFT    (MAX_PHYSMEM_BITS - SECTION_SIZE_BITS)
#define NR_MEM_SECTIONS   (1UL << SECTIONS_SHIFT)
#define MAX_PFN           (1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT))

enum section_flags {
	SECTION_MARKED_PRESENT = 1 << 0, /* RAM (or device memory) is here */
	SECTION_HAS_MEM_MAP = 1 << 1,    /* its memmap exists */
	SECTION_IS_ONLINE = 1 << 2,      /* its pages are in use by the kernel */
	SECTION_FLAGS_MASK = (1 << 3) - 1,
};

struct mem_section {
	uint64_t section_mem_map;
};
extern struct mem_section mem_section[NR_MEM_SECTIONS];

static inline uint64_t pfn_to_section_nr(uint64_t pfn)
{
	return pfn >> PFN_SECTION_SHIFT;
}
static inline uint64_t section_nr_to_pfn(uint64_t nr)
{
	return nr << PFN_SECTION_SHIFT;
}
static inline struct mem_section *__nr_to_section(uint64_t nr)
{
	return &mem_section[nr];
}
static inline struct mem_section *__pfn_to_section(uint64_t pfn)
{
	return __nr_to_section(pfn_to_section_nr(pfn));
}
static inline struct page *__section_mem_map_addr(const struct mem_section *ms)
{
	return (struct page *)(ms->section_mem_map & ~(uint64_t)SECTION_FLAGS_MASK);
}
static inline bool present_section(const struct mem_section *ms)
{
	return ms->section_mem_map & SECTION_MARKED_PRESENT;
}
static inline bool valid_section(const struct mem_section *ms)
{
	return ms->section_mem_map & SECTION_HAS_MEM_MAP;
}
static inline bool online_section(const struct mem_section *ms)
{
	return ms->section_mem_map & SECTION_IS_ONLINE;
}

/* Classic SPARSEMEM keeps each page's section number in page->flags, above
 * the flag bits, so page_to_pfn can find the section. */
#define SECTION_NR_SHIFT 40

/*
 * Mark the sections of memblock memory present, give each a memmap (its own
 * block, or the virtual memmap), and set every struct page reserved. Panics
 * naming the section when memory for a memmap runs out (boot cannot go on).
 */
void sparse_init(void);
/* Sections marked present, for the boot report. */
uint64_t nr_present_sections(void);
#endif
