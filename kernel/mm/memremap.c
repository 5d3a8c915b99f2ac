/*
 * Kernel mappings of device memory (memremap.h). The table is filled at
 * boot by drivers and only read afterwards, so readers take no lock.
 */
#include "memremap.h"
#include "mm.h"
#include "sparse.h"
#include "vmemmap.h"
#include "printk.h"
#include "spinlock.h"
#include "tlbflush.h"
#include "uapi/errno.h"

struct devmem_range {
	uint64_t pfn, nr_pages;
	void *va;
};

static struct devmem_range devmem[MAX_DEVMEM_RANGES];
static int nr_devmem;
static struct spinlock devmem_lock = {.name = "devmem"};

int devmem_register(uint64_t pfn, uint64_t nr_pages, void *va)
{
	int err = -ENOMEM;

	spin_lock(&devmem_lock);
	if (nr_devmem < MAX_DEVMEM_RANGES) {
		devmem[nr_devmem] = (struct devmem_range){pfn, nr_pages, va};
		/* Publish the entry before the count that makes it visible. */
		__atomic_store_n(&nr_devmem, nr_devmem + 1, __ATOMIC_RELEASE);
		err = 0;
	}
	spin_unlock(&devmem_lock);
	return err;
}

uint64_t nr_devmem_pages(void)
{
	uint64_t n = 0;

	for (int i = 0; i < __atomic_load_n(&nr_devmem, __ATOMIC_ACQUIRE); i++)
		n += devmem[i].nr_pages;
	return n;
}

void *pfn_to_kaddr(uint64_t pfn)
{
	if (pfn_valid(pfn))
		return __va(PFN_PHYS(pfn));
	for (int i = 0; i < __atomic_load_n(&nr_devmem, __ATOMIC_ACQUIRE); i++)
		if (pfn - devmem[i].pfn < devmem[i].nr_pages)
			return (char *)devmem[i].va + PFN_PHYS(pfn - devmem[i].pfn);
	return NULL;
}

/* ---- lab altmap: onlining device memory -------------------------------- */
#if MEMMODEL == MEMMODEL_VMEMMAP
#define SECTION_BYTES (1UL << SECTION_SIZE_BITS)

static uint64_t pgmap_start_pfn(const struct dev_pagemap *pgmap)
{
	return PFN_DOWN(pgmap->start);
}
static uint64_t pgmap_end_pfn(const struct dev_pagemap *pgmap)
{
	return PFN_DOWN(pgmap->start + pgmap->size);
}
/* The first pfn whose struct page describes data, not the memmap. */
static uint64_t pgmap_data_pfn(struct dev_pagemap *pgmap)
{
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);

	return pgmap_start_pfn(pgmap) + (altmap ? vmem_altmap_offset(altmap) : 0);
}

/* Whole sections, none present yet, and a compound layout that fits. */
static int pgmap_check(struct dev_pagemap *pgmap)
{
	uint64_t nr = 1UL << pgmap->vmemmap_shift;

	if (pgmap->altmap.alloc || pgmap->altmap.align)
		return -EINVAL;
	if (!pgmap->size || !IS_ALIGNED(pgmap->start | pgmap->size, SECTION_BYTES) ||
	    pgmap->start + pgmap->size > MAX_PHYS_ADDR)
		return -EINVAL;
	if (pgmap->vmemmap_shift &&
	    (!IS_ALIGNED(pgmap->compound_pfn, nr) || pgmap->compound_pfn < pgmap_data_pfn(pgmap) ||
	     nr * sizeof(struct page) < 2 * PAGE_SIZE ||
	     pgmap->compound_pfn > pgmap_end_pfn(pgmap)))
		return -EINVAL;
	for (uint64_t pfn = pgmap_start_pfn(pgmap); pfn < pgmap_end_pfn(pgmap);
	     pfn += PAGES_PER_SECTION)
		if (present_section(__pfn_to_section(pfn)))
			return -EBUSY;
	return 0;
}

static void set_sections(struct dev_pagemap *pgmap, uint64_t value_flags)
{
	for (uint64_t pfn = pgmap_start_pfn(pgmap); pfn < pgmap_end_pfn(pgmap);
	     pfn += PAGES_PER_SECTION) {
		/* Under vmemmap, map - first pfn is vmemmap itself. */
		uint64_t map = value_flags ? (uint64_t)vmemmap : 0;
		WRITE_ONCE(__pfn_to_section(pfn)->section_mem_map, map | value_flags);
	}
}

/* Where compound pages end: the last whole one below the end. */
static uint64_t compound_end_pfn(const struct dev_pagemap *pgmap)
{
	return ALIGN_DOWN(pgmap_end_pfn(pgmap), 1UL << pgmap->vmemmap_shift);
}

/*
 * Memmap of the whole range. Compound pages get the deduplicated layout when
 * the memmap is in RAM; on the device there is nothing to save by it.
 */
static int populate_memmap(struct dev_pagemap *pgmap, struct vmemmap_alloc *a)
{
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);
	uint64_t start = pgmap_start_pfn(pgmap), end = pgmap_end_pfn(pgmap);
	uint64_t first = pgmap->compound_pfn, last = compound_end_pfn(pgmap);
	int err;

	if (!pgmap->vmemmap_shift || altmap || first >= last)
		return vmemmap_populate((uint64_t)pfn_to_page(start), (uint64_t)pfn_to_page(end), a,
		                        altmap);
	if ((err = vmemmap_populate((uint64_t)pfn_to_page(start), (uint64_t)pfn_to_page(first), a,
	                            NULL)))
		return err;
	err = vmemmap_populate_compound_pages(first, last, pgmap->vmemmap_shift, a);
	if (err == -ENOSYS) {
		/* The handout: lab altmap's exercise 2 is still to do. */
		printf("vmemmap_populate_compound_pages: not implemented (lab altmap): memmap of "
		       "compound pages not deduplicated\n");
		err = vmemmap_populate((uint64_t)pfn_to_page(first), (uint64_t)pfn_to_page(last), a,
		                       NULL);
	}
	if (err)
		return err;
	return vmemmap_populate((uint64_t)pfn_to_page(last), (uint64_t)pfn_to_page(end), a, NULL);
}

/* Device pages start idle (refcount 0) and belong to pgmap; the memmap's
 * own pages are reserved. Tail pages of a compound page get identical
 * contents, which is what lets their memmap pages be shared. */
static void init_device_pages(struct dev_pagemap *pgmap)
{
	uint64_t data = pgmap_data_pfn(pgmap), nr = 1UL << pgmap->vmemmap_shift;
	uint64_t first = pgmap->compound_pfn, last = compound_end_pfn(pgmap);

	for (uint64_t pfn = pgmap_start_pfn(pgmap); pfn < pgmap_end_pfn(pgmap); pfn++) {
		struct page *page = pfn_to_page(pfn);
		bool compound = pgmap->vmemmap_shift && pfn >= first && pfn < last;
		*page = (struct page){.flags = 1UL << PG_device, .pgmap = pgmap};
		if (pfn < data)
			SetPageFlag(page, PG_reserved);
		else if (compound && IS_ALIGNED(pfn, nr))
			SetPageFlag(page, PG_head);
		else if (compound)
			page->compound_head = (uint64_t)pfn_to_page(ALIGN_DOWN(pfn, nr)) | 1;
	}
}

static int map_direct(struct dev_pagemap *pgmap)
{
	return map_range(swapper_pg_dir, (uint64_t)__va(pgmap->start), pgmap->start, pgmap->size,
	                 PAGE_KERNEL, &pgmap->tables);
}

static void unmap_direct(struct dev_pagemap *pgmap)
{
	unmap_range(swapper_pg_dir, (uint64_t)__va(pgmap->start), pgmap->size, &pgmap->tables,
	            UNMAP_KEEP_PAGES);
}

/* Free the table entry points at if it maps nothing; true if it did. */
static bool free_if_empty(uint64_t *entry, struct pgtable_alloc *a)
{
	uint64_t *table = table_va(*entry), old = *entry;

	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++)
		if (table[i])
			return false;
	WRITE_ONCE(*entry, 0);
	a->free(a, PFN_PHYS(entry_pfn(old)));
	a->nr_tables--;
	return true;
}

/*
 * A populate that failed between allocating a table and filling it leaves
 * a table that maps nothing, and unmapping never reaches it (it prunes
 * only after clearing an entry). Give back such pte and pmd tables in
 * [start, end); the kernel half's pud tables stay, as always.
 */
static void free_empty_tables(uint64_t start, uint64_t end, struct pgtable_alloc *a)
{
	for (uint64_t va = ALIGN_DOWN(start, PUD_SIZE); va < end; va += PUD_SIZE) {
		pud_t *pud = pud_offset(pgd_offset_pgd(swapper_pg_dir, va), va);
		uint64_t last = MIN(va + PUD_SIZE, end);
		if (pud_none(*pud) || pud_leaf(*pud))
			continue;
		for (uint64_t p = MAX(va, ALIGN_DOWN(start, PMD_SIZE)); p < last; p += PMD_SIZE) {
			pmd_t *pmd = pmd_offset(pud, p);
			if (!pmd_none(*pmd) && !pmd_leaf(*pmd))
				free_if_empty(&pmd->pmd, a);
		}
		free_if_empty(&pud->pud, a);
	}
	/* No leaf was mapped, but walkers may cache the table entries. */
	flush_tlb_kernel_range(start, end);
}

int memremap_pages(struct dev_pagemap *pgmap)
{
	uint64_t free_before = nr_free_pages(), memmap_start, memmap_end;
	struct vmemmap_alloc a;
	int err;

	if ((err = pgmap_check(pgmap)))
		return err;
	pgmap->tables = pgtable_page_alloc;
	pgmap->tables.nr_tables = 0;
	vmemmap_hotplug_alloc_init(&a, &pgmap->tables);
	memmap_start = (uint64_t)pfn_to_page(pgmap_start_pfn(pgmap));
	memmap_end = (uint64_t)pfn_to_page(pgmap_end_pfn(pgmap));
	spin_lock(&kernel_pgtable_lock);
	/* The direct map first: altmap blocks are zeroed through it. */
	if ((err = map_direct(pgmap)))
		goto unlock;
	if ((err = populate_memmap(pgmap, &a)))
		goto depopulate;
	spin_unlock(&kernel_pgtable_lock);
	init_device_pages(pgmap);
	/* Publish the sections last: pfn_valid() says yes from here on. */
	set_sections(pgmap, SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP);
	pgmap->nr_memmap_ram_pages = a.nr_blocks[PT_LEVEL_PTE] +
	                             a.nr_blocks[PT_LEVEL_PMD] * (PMD_SIZE >> PAGE_SHIFT) -
	                             (pgmap_altmap(pgmap) ? pgmap->altmap.alloc : 0);
	pgmap->nr_table_pages = pgmap->tables.nr_tables;
	pgmap->nr_ram_pages = free_before - nr_free_pages();
	pgmap->online = true;
	return 0;
depopulate:
	vmemmap_depopulate(memmap_start, memmap_end, &a);
	free_empty_tables(memmap_start, memmap_end, &pgmap->tables);
	if (pgmap_altmap(pgmap))
		vmem_altmap_free(&pgmap->altmap, pgmap->altmap.alloc);
	unmap_direct(pgmap);
unlock:
	spin_unlock(&kernel_pgtable_lock);
	return err;
}

/* Is any data page still referenced (mapped by a process, say)? */
static bool pgmap_busy(struct dev_pagemap *pgmap)
{
	for (uint64_t pfn = pgmap_data_pfn(pgmap); pfn < pgmap_end_pfn(pgmap); pfn++)
		if (READ_ONCE(pfn_to_page(pfn)->refcount))
			return true;
	return false;
}

/* Pages of the memmap that live on the device, read off the page tables. */
static uint64_t count_altmap_pages(struct dev_pagemap *pgmap, uint64_t start, uint64_t end)
{
	uint64_t n = 0, step;

	for (uint64_t va = start; va < end; va += step) {
		enum pt_level level;
		pte_t *leaf = walk(swapper_pg_dir, va, &level);
		step = leaf ? LEVEL_SIZE(level) : PAGE_SIZE;
		if (leaf && altmap_owns(&pgmap->altmap, pte_pfn(*leaf)))
			n += step >> PAGE_SHIFT;
	}
	return n;
}

int memunmap_pages(struct dev_pagemap *pgmap)
{
	uint64_t memmap_start = (uint64_t)pfn_to_page(pgmap_start_pfn(pgmap));
	uint64_t memmap_end = (uint64_t)pfn_to_page(pgmap_end_pfn(pgmap)), on_device = 0;
	struct vmemmap_alloc a;

	if (!pgmap->online)
		panic("memunmap_pages: range 0x%lx+0x%lx is not online", pgmap->start, pgmap->size);
	if (pgmap_busy(pgmap))
		return -EBUSY;
	vmemmap_hotplug_alloc_init(&a, &pgmap->tables);
	/* pfn_valid() says no before the memmap goes. */
	set_sections(pgmap, 0);
	spin_lock(&kernel_pgtable_lock);
	if (pgmap_altmap(pgmap))
		on_device = count_altmap_pages(pgmap, memmap_start, memmap_end);
	if (vmemmap_depopulate(memmap_start, memmap_end, &a))
		panic("memunmap_pages: splitting a memmap leaf needed memory");
	unmap_direct(pgmap);
	spin_unlock(&kernel_pgtable_lock);
	if (pgmap_altmap(pgmap)) {
		vmem_altmap_free(&pgmap->altmap, on_device);
		if (pgmap->altmap.alloc)
			printf("WARNING: memunmap_pages: altmap alloc %lu after teardown\n",
			       pgmap->altmap.alloc);
	}
	if (pgmap->tables.nr_tables)
		printf("WARNING: memunmap_pages: %lu table pages left\n", pgmap->tables.nr_tables);
	pgmap->online = false;
	return 0;
}

void free_zone_device_page(struct page *page)
{
	/* Nothing to give back: the page belongs to its device, idle again. */
	page->mapcount = 0;
}
#else
int memremap_pages(struct dev_pagemap *pgmap)
{
	return -EOPNOTSUPP;
}

int memunmap_pages(struct dev_pagemap *pgmap)
{
	panic("memunmap_pages: nothing is online outside the vmemmap model");
}

void free_zone_device_page(struct page *page)
{
	panic("free_zone_device_page: pfn 0x%lx: no device pages in this model", page_to_pfn(page));
}
#endif
