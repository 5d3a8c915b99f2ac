/*
 * vmem_altmap (lab altmap): the memmap of device memory carved out of the
 * device itself, so onlining a large device costs no RAM for struct pages.
 * The allocator is a bump pointer: the memmap is populated once, front to
 * back, and given back whole at teardown.
 */
#include "memremap.h"
#include "mm.h"
#include "printk.h"

#if SOLUTION(altmap)
uint64_t vmem_altmap_next_pfn(const struct vmem_altmap *altmap)
{
	return altmap->base_pfn + altmap->reserve + altmap->alloc + altmap->align;
}

uint64_t vmem_altmap_nr_free(const struct vmem_altmap *altmap)
{
	uint64_t used = altmap->alloc + altmap->align;

	return altmap->free > used ? altmap->free - used : 0;
}

phys_addr_t altmap_alloc_block_buf(uint64_t size, struct vmem_altmap *altmap)
{
	uint64_t pfn = vmem_altmap_next_pfn(altmap), nr_pages = size >> PAGE_SHIFT;
	uint64_t nr_align;

	if (!nr_pages || size & (PAGE_SIZE - 1))
		panic("altmap_alloc_block_buf: size 0x%lx is not a number of pages", size);
	/* A 2 MiB block must start on a 2 MiB pfn to be mapped by one pmd. */
	nr_align = ALIGN_UP(pfn, nr_pages & -nr_pages) - pfn;
	if (nr_pages + nr_align > vmem_altmap_nr_free(altmap))
		return 0;
	altmap->alloc += nr_pages;
	altmap->align += nr_align;
	return PFN_PHYS(pfn + nr_align);
}

void vmem_altmap_free(struct vmem_altmap *altmap, uint64_t nr_pages)
{
	if (nr_pages > altmap->alloc) {
		printf("WARNING: vmem_altmap_free: %lu pages back, only %lu out\n", nr_pages,
		       altmap->alloc);
		nr_pages = altmap->alloc;
	}
	altmap->alloc -= nr_pages;
	/* The padding only existed to align what was handed out. */
	if (!altmap->alloc)
		altmap->align = 0;
}
#else
/*
 * Lab altmap, exercise 1: the altmap allocator (memremap.h draws the
 * layout). vmem_altmap_next_pfn() is where the next block would start,
 * vmem_altmap_nr_free() what is left of free once alloc and align are
 * taken, altmap_alloc_block_buf() hands out a block aligned to the largest
 * power of two dividing its page count (a 2 MiB block on a 2 MiB pfn,
 * counting the pages skipped in align), and vmem_altmap_free() takes pages
 * back. Until then the device gives nothing: pmem keeps its memmap in RAM.
 */
uint64_t vmem_altmap_next_pfn(const struct vmem_altmap *altmap)
{
	return altmap->base_pfn + altmap->reserve;
}

uint64_t vmem_altmap_nr_free(const struct vmem_altmap *altmap)
{
	return 0;
}

phys_addr_t altmap_alloc_block_buf(uint64_t size, struct vmem_altmap *altmap)
{
	return 0;
}

void vmem_altmap_free(struct vmem_altmap *altmap, uint64_t nr_pages) {}
#endif /* SOLUTION(altmap) */
