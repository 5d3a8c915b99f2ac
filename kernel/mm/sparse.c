/*
 * SPARSEMEM (lab vmemmap): memory sections and their memmaps. Under
 * SPARSEMEM each present section gets its own memmap block from memblock;
 * under SPARSEMEM_VMEMMAP the block is mapped into the virtual memmap
 * (vmemmap.c), so pfn_to_page needs no table at all.
 */
#include "mm.h"
#include "memblock.h"
#include "printk.h"
#include "string.h"
#if MEMMODEL == MEMMODEL_SPARSE || MEMMODEL == MEMMODEL_VMEMMAP
#include "sparse.h"
#include "vmemmap.h"

/* Every section of the 45-bit space: 2 MiB of table, one load away. */
struct mem_section mem_section[NR_MEM_SECTIONS];

uint64_t nr_present_sections(void)
{
	uint64_t n = 0;

	for (uint64_t nr = 0; nr < NR_MEM_SECTIONS; nr++)
		n += present_section(__nr_to_section(nr));
	return n;
}

#if SOLUTION(vmemmap)
/* Mark every section that holds part of [start_pfn, end_pfn) present. */
static void memory_present(uint64_t start_pfn, uint64_t end_pfn)
{
	for (uint64_t nr = pfn_to_section_nr(start_pfn); nr <= pfn_to_section_nr(end_pfn - 1); nr++)
		__nr_to_section(nr)->section_mem_map |= SECTION_MARKED_PRESENT;
}

#if MEMMODEL == MEMMODEL_VMEMMAP
/* The section's struct pages in the virtual memmap, backed on demand. */
static struct page *sparse_alloc_memmap(uint64_t nr)
{
	struct page *map = pfn_to_page(section_nr_to_pfn(nr));

	if (vmemmap_populate((uint64_t)map, (uint64_t)(map + PAGES_PER_SECTION),
	                     &vmemmap_boot_alloc, NULL))
		return NULL;
	return map;
}
#else
/* The section's struct pages in a block of their own. */
static struct page *sparse_alloc_memmap(uint64_t nr)
{
	return memblock_alloc(PAGES_PER_SECTION * sizeof(struct page), PAGE_SIZE);
}
#endif

/* Store the memmap minus the section's first pfn, so map + pfn is the page. */
static void sparse_init_one_section(uint64_t nr, struct page *map)
{
	struct mem_section *ms = __nr_to_section(nr);
	uint64_t start_pfn = section_nr_to_pfn(nr);

	ms->section_mem_map = (uint64_t)(map - start_pfn) | SECTION_MARKED_PRESENT |
	                      SECTION_HAS_MEM_MAP | SECTION_IS_ONLINE;
	for (uint64_t i = 0; i < PAGES_PER_SECTION; i++) {
		map[i].flags = (start_pfn + i) >> PFN_SECTION_SHIFT << SECTION_NR_SHIFT;
		SetPageFlag(&map[i], PG_reserved);
	}
}

void sparse_init(void)
{
	for (int i = 0; i < memblock.memory.cnt; i++) {
		struct memblock_region *r = &memblock.memory.regions[i];
		memory_present(PFN_DOWN(r->base), PFN_UP(r->base + r->size));
	}
	for (uint64_t nr = 0; nr < NR_MEM_SECTIONS; nr++) {
		struct page *map;
		if (!present_section(__nr_to_section(nr)))
			continue;
		if (!(map = sparse_alloc_memmap(nr)))
			panic("sparse_init: no memory for the memmap of section %lu (pa 0x%lx)", nr,
			      PFN_PHYS(section_nr_to_pfn(nr)));
		sparse_init_one_section(nr, map);
	}
}
#else
/*
 * Lab vmemmap, exercise 2: sparse_init(). Mark the sections of every
 * memblock memory region present, give each present section a memmap
 * (memblock for SPARSEMEM, vmemmap_populate() for SPARSEMEM_VMEMMAP), store
 * it encoded in mem_section, and mark every struct page reserved.
 */
void sparse_init(void)
{
	panic("sparse_init: not implemented (lab vmemmap): only MEMMODEL=flat works yet");
}

void memmodel_not_implemented(const char *what)
{
	panic("%s: not implemented (lab vmemmap, kernel/include/memmodel.h)", what);
}
#endif /* SOLUTION(vmemmap) */
#endif
