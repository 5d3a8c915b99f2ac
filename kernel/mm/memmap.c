/*
 * The memory model: FLATMEM. One mem_map array covers every pfn from the
 * lowest to the highest RAM address, holes included (lab vmemmap replaces
 * this with sparse sections and a virtual memmap).
 */
#include "mm.h"
#include "memblock.h"
#include "printk.h"

static struct page *mem_map;
static uint64_t min_pfn, max_pfn;

struct page *pfn_to_page(uint64_t pfn)
{
	return mem_map + (pfn - min_pfn);
}

uint64_t page_to_pfn(const struct page *page)
{
	return (uint64_t)(page - mem_map) + min_pfn;
}

bool pfn_valid(uint64_t pfn)
{
	return pfn >= min_pfn && pfn < max_pfn;
}

/* Allocate and initialise the memmap; every page starts reserved until
 * memblock_free_all() hands the free ones to the page allocator. */
void memmap_init(void)
{
	uint64_t nr_pages, bytes;

	min_pfn = PFN_DOWN(memblock_start_of_DRAM());
	max_pfn = PFN_UP(memblock_end_of_DRAM());
	nr_pages = max_pfn - min_pfn;
	bytes = nr_pages * sizeof(struct page);
	mem_map = memblock_alloc(bytes, PAGE_SIZE);
	if (!mem_map)
		panic("memmap_init: no memory for %lu KiB of memmap", bytes >> 10);
	for (uint64_t i = 0; i < nr_pages; i++)
		SetPageFlag(&mem_map[i], PG_reserved);
	printf("memmap: FLATMEM, pfn 0x%lx-0x%lx, %lu pages, memmap %lu KiB\n",
	       min_pfn, max_pfn, nr_pages, bytes >> 10);
}
