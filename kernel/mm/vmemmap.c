/*
 * The virtual memmap (lab vmemmap): page tables under VMEMMAP_START that
 * map each present section's struct pages, built with the pgtable populate
 * helpers and backed by blocks from the allocator passed in.
 */
#include "mm.h"
#include "cmdline.h"
#include "memblock.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"
#if MEMMODEL == MEMMODEL_VMEMMAP
#include "vmemmap.h"
#include "memremap.h"

enum pt_level vmemmap_max_leaf = PT_LEVEL_PMD;

static int set_vmemmap(const char *v)
{
	if (strcmp(v, "2m") == 0)
		vmemmap_max_leaf = PT_LEVEL_PMD;
	else if (strcmp(v, "4k") == 0)
		vmemmap_max_leaf = PT_LEVEL_PTE;
	else
		return -EINVAL;
	return 0;
}
early_param("vmemmap", set_vmemmap, "2m|4k");

/* Boot blocks come from memblock, already zeroed through the direct map. */
static phys_addr_t memblock_block(struct vmemmap_alloc *a, uint64_t size)
{
	void *va = memblock_alloc(size, size);

	return va ? __pa(va) : 0;
}

struct vmemmap_alloc vmemmap_boot_alloc = {
    .tables = &early_pgtable_alloc,
    .block = memblock_block,
};

#if SOLUTION(vmemmap)
phys_addr_t vmemmap_alloc_block_buf(uint64_t size, struct vmemmap_alloc *a,
                                    struct vmem_altmap *altmap)
{
	phys_addr_t pa;

	if (!altmap)
		return a->block(a, size);
	/* Lab altmap: the device pays; RAM is not a fallback. */
	if ((pa = altmap_alloc_block_buf(size, altmap)))
		memset(__va(pa), 0, size);
	return pa;
}

/* The pmd entry for va, with the tables above it populated; NULL if none. */
static pmd_t *vmemmap_pmd_populate(uint64_t va, struct vmemmap_alloc *a)
{
	pud_t *pud = pud_alloc(pgd_offset_pgd(swapper_pg_dir, va), va, a->tables);

	return pud ? pmd_alloc(pud, va, a->tables) : NULL;
}

/* Back [va, end) (inside one pmd) with 4 KiB pages, one block each. */
static int vmemmap_populate_basepages(uint64_t va, uint64_t end, pmd_t *pmd,
                                      struct vmemmap_alloc *a, struct vmem_altmap *altmap)
{
	for (; va < end; va += PAGE_SIZE) {
		pte_t *pte = pte_alloc(pmd, va, a->tables);
		phys_addr_t block;
		if (!pte)
			return -ENOMEM;
		if (!pte_none(*pte))
			continue;
		if (!(block = vmemmap_alloc_block_buf(PAGE_SIZE, a, altmap)))
			return -ENOMEM;
		set_pte(pte, pfn_pte(PFN_DOWN(block), PAGE_KERNEL));
		a->nr_blocks[PT_LEVEL_PTE]++;
	}
	return 0;
}

int vmemmap_populate(uint64_t start, uint64_t end, struct vmemmap_alloc *a,
                     struct vmem_altmap *altmap)
{
	if (start >= end)
		return 0;
	for (uint64_t va = ALIGN_DOWN(start, PMD_SIZE); va < end; va += PMD_SIZE) {
		pmd_t *pmd = vmemmap_pmd_populate(va, a);
		/* A 2 MiB block only where all of it describes this range. */
		bool whole = va >= start && va + PMD_SIZE <= end;
		phys_addr_t block = 0;
		if (!pmd)
			return -ENOMEM;
		if (pmd_leaf(*pmd))
			continue;
		if (whole && pmd_none(*pmd) && vmemmap_max_leaf >= PT_LEVEL_PMD)
			block = vmemmap_alloc_block_buf(PMD_SIZE, a, altmap);
		if (block) {
			set_pmd(pmd, (pmd_t){pfn_entry(PFN_DOWN(block), PAGE_KERNEL)});
			a->nr_blocks[PT_LEVEL_PMD]++;
		} else if (vmemmap_populate_basepages(MAX(va, start), MIN(va + PMD_SIZE, end), pmd,
		                                      a, altmap)) {
			return -ENOMEM;
		}
	}
	return 0;
}
#else
/*
 * Lab vmemmap, exercise 3: vmemmap_populate(). Walk [start, end) in 2 MiB
 * steps with pud_alloc()/pmd_alloc() (tables from a->tables); back each
 * empty pmd with one 2 MiB block (vmemmap=2m) or 512 pte-mapped 4 KiB
 * blocks (vmemmap=4k, or when no 2 MiB block is left), counting blocks in
 * a->nr_blocks. vmemmap_alloc_block_buf() picks where a block comes from.
 */
phys_addr_t vmemmap_alloc_block_buf(uint64_t size, struct vmemmap_alloc *a,
                                    struct vmem_altmap *altmap)
{
	return 0;
}

int vmemmap_populate(uint64_t start, uint64_t end, struct vmemmap_alloc *a,
                     struct vmem_altmap *altmap)
{
	return -ENOSYS;
}
#endif /* SOLUTION(vmemmap) */

/* ---- after boot: device memory (lab altmap) ---------------------------- */

/* Blocks from the page allocator, split so that unmapping them with
 * UNMAP_FREE_PAGES gives them back page by page. */
static phys_addr_t buddy_block(struct vmemmap_alloc *a, uint64_t size)
{
	unsigned int order = get_order(size);
	struct page *page = alloc_pages(__GFP_ZERO, order);

	if (!page)
		return 0;
	split_page(page, order);
	return page_to_phys(page);
}

void vmemmap_hotplug_alloc_init(struct vmemmap_alloc *a, struct pgtable_alloc *tables)
{
	*a = (struct vmemmap_alloc){.tables = tables, .block = buddy_block};
}

#if SOLUTION(altmap)
/*
 * One compound page's memmap (2^shift struct pages at va): its own head
 * page, and one tail page that every further pte reuses, since all tail
 * struct pages of a compound page hold the same values.
 */
static int vmemmap_populate_compound_one(uint64_t va, uint64_t size, struct vmemmap_alloc *a)
{
	phys_addr_t head = a->block(a, PAGE_SIZE), tail = a->block(a, PAGE_SIZE);
	int err = -ENOMEM;

	if (!head || !tail)
		goto free_blocks;
	err = map_range_leaf(swapper_pg_dir, va, head, PAGE_SIZE, PAGE_KERNEL, a->tables,
	                     PT_LEVEL_PTE);
	if (err)
		goto free_blocks;
	err = populate_with_block(swapper_pg_dir, va + PAGE_SIZE, size - PAGE_SIZE, tail,
	                          PAGE_KERNEL, a->tables);
	if (err)
		goto unmap_head;
	/* The ptes hold the tail page now; the allocation's reference goes. */
	put_page(pfn_to_page(PFN_DOWN(tail)));
	a->nr_blocks[PT_LEVEL_PTE] += 2;
	return 0;
unmap_head:
	unmap_range(swapper_pg_dir, va, PAGE_SIZE, a->tables, UNMAP_KEEP_PAGES);
free_blocks:
	if (head)
		put_page(pfn_to_page(PFN_DOWN(head)));
	if (tail)
		put_page(pfn_to_page(PFN_DOWN(tail)));
	return err;
}

int vmemmap_populate_compound_pages(uint64_t start_pfn, uint64_t end_pfn, unsigned int shift,
                                    struct vmemmap_alloc *a)
{
	uint64_t nr = 1UL << shift, size = nr * sizeof(struct page);

	if (!IS_ALIGNED(start_pfn | end_pfn, nr) || size < 2 * PAGE_SIZE)
		panic("vmemmap_populate_compound_pages: pfns 0x%lx-0x%lx do not fit shift %u",
		      start_pfn, end_pfn, shift);
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn += nr) {
		int err = vmemmap_populate_compound_one((uint64_t)pfn_to_page(pfn), size, a);
		if (err)
			return err;
	}
	return 0;
}

#else
/*
 * Lab altmap, exercise 2: vmemmap_populate_compound_pages(). For each
 * compound page, map its first memmap page to a block of its own (the head
 * and the first tail struct pages) and every further page of its memmap to
 * one shared tail block, with populate_with_block() from lab pgtable.
 * Blocks come from a->block(); the shared block's reference belongs to its
 * ptes once they exist. Until then the memmap is populated in full.
 */
int vmemmap_populate_compound_pages(uint64_t start_pfn, uint64_t end_pfn, unsigned int shift,
                                    struct vmemmap_alloc *a)
{
	return -ENOSYS;
}
#endif /* SOLUTION(altmap) */

int vmemmap_depopulate(uint64_t start, uint64_t end, struct vmemmap_alloc *a)
{
	return unmap_range(swapper_pg_dir, start, end - start, a->tables, UNMAP_FREE_PAGES);
}
#endif
