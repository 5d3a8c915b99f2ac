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
	/* Lab altmap adds the device's own memory here. */
	(void)altmap;
	return a->block(a, size);
}

/* The pmd entry for va, with the tables above it populated; NULL if none. */
static pmd_t *vmemmap_pmd_populate(uint64_t va, struct vmemmap_alloc *a)
{
	pud_t *pud = pud_alloc(pgd_offset_pgd(swapper_pg_dir, va), va, a->tables);

	return pud ? pmd_alloc(pud, va, a->tables) : NULL;
}

/* Back [va, va + PMD_SIZE) with 4 KiB pages, one block each. */
static int vmemmap_populate_basepages(uint64_t va, pmd_t *pmd, struct vmemmap_alloc *a,
                                      struct vmem_altmap *altmap)
{
	for (uint64_t end = va + PMD_SIZE; va < end; va += PAGE_SIZE) {
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
	for (uint64_t va = ALIGN_DOWN(start, PMD_SIZE); va < end; va += PMD_SIZE) {
		pmd_t *pmd = vmemmap_pmd_populate(va, a);
		phys_addr_t block = 0;
		if (!pmd)
			return -ENOMEM;
		if (!pmd_none(*pmd))
			continue;
		if (vmemmap_max_leaf >= PT_LEVEL_PMD)
			block = vmemmap_alloc_block_buf(PMD_SIZE, a, altmap);
		if (block) {
			set_pmd(pmd, (pmd_t){pfn_entry(PFN_DOWN(block), PAGE_KERNEL)});
			a->nr_blocks[PT_LEVEL_PMD]++;
		} else if (vmemmap_populate_basepages(va, pmd, a, altmap)) {
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
#endif
