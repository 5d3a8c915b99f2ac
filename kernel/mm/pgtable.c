/*
 * Page-table population and teardown for Sv48 (lab pgtable).
 * Populate functions share one shape per level; map_range picks leaves;
 * unmap_range splits, clears, prunes empty tables and flushes TLBs.
 */
#include "pgtable.h"
#include "tlbflush.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

struct spinlock kernel_pgtable_lock = { .name = "kernel_pgtable" };

static phys_addr_t table_alloc(struct pgtable_alloc *a)
{
	phys_addr_t pa = a->alloc(a);

	if (pa)
		a->nr_tables++;
	return pa;
}

static void table_free(struct pgtable_alloc *a, phys_addr_t pa)
{
	if (!a->free)
		panic("table_free: allocator cannot free table 0x%lx", pa);
	a->free(a, pa);
	a->nr_tables--;
}

#if SOLUTION(pgtable)
pud_t *pud_alloc(pgd_t *pgd, uint64_t va, struct pgtable_alloc *a)
{
	if (pgd_none(*pgd)) {
		phys_addr_t pa = table_alloc(a);
		if (!pa)
			return NULL;
		pgd_populate(pgd, pa);
	} else if (pgd_leaf(*pgd)) {
		return NULL;
	}
	return pud_offset(pgd, va);
}

pmd_t *pmd_alloc(pud_t *pud, uint64_t va, struct pgtable_alloc *a)
{
	if (pud_none(*pud)) {
		phys_addr_t pa = table_alloc(a);
		if (!pa)
			return NULL;
		pud_populate(pud, pa);
	} else if (pud_leaf(*pud)) {
		return NULL;
	}
	return pmd_offset(pud, va);
}

pte_t *pte_alloc(pmd_t *pmd, uint64_t va, struct pgtable_alloc *a)
{
	if (pmd_none(*pmd)) {
		phys_addr_t pa = table_alloc(a);
		if (!pa)
			return NULL;
		pmd_populate(pmd, pa);
	} else if (pmd_leaf(*pmd)) {
		return NULL;
	}
	return pte_offset(pmd, va);
}
#else
/*
 * Lab pgtable, exercise 1: the populate functions. Each finds the entry,
 * allocates a zeroed table from a when it is empty, installs it with
 * pXd_populate() and returns the next-level entry for va (NULL when the
 * allocator is empty or the entry is a leaf).
 */
pud_t *pud_alloc(pgd_t *pgd, uint64_t va, struct pgtable_alloc *a)
{
	return NULL;
}

pmd_t *pmd_alloc(pud_t *pud, uint64_t va, struct pgtable_alloc *a)
{
	return NULL;
}

pte_t *pte_alloc(pmd_t *pmd, uint64_t va, struct pgtable_alloc *a)
{
	return NULL;
}
#endif /* SOLUTION(pgtable) */

/* ---- walking --------------------------------------------------------- */

/* The entries on the way to va, from the pgd down to where the walk stopped
 * (an empty entry, a leaf, or the pte level). */
struct pt_path {
	uint64_t *entry[PGTABLE_LEVELS];
	enum pt_level level;
};

static void walk_path(pgd_t *pgd, uint64_t va, struct pt_path *p)
{
	uint64_t *table = (uint64_t *)pgd;

	for (int l = PT_LEVEL_PGD;; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		p->entry[l] = e;
		p->level = l;
		if (!entry_present(*e) || entry_leaf(*e) || l == PT_LEVEL_PTE)
			return;
		table = table_va(*e);
	}
}

pte_t *walk(pgd_t *pgd, uint64_t va, enum pt_level *level)
{
	struct pt_path p;

	walk_path(pgd, va, &p);
	if (!entry_leaf(*p.entry[p.level]))
		return NULL;
	if (level)
		*level = p.level;
	return (pte_t *)p.entry[p.level];
}

static int walk_table(uint64_t *table, enum pt_level level, uint64_t va, uint64_t end,
		      leaf_fn fn, void *arg)
{
	while (va < end) {
		uint64_t first = ALIGN_DOWN(va, LEVEL_SIZE(level));
		uint64_t next = first + LEVEL_SIZE(level), e = table[pt_index(va, level)];
		int err = 0;

		if (next <= va || next > end)   /* wrapped, or the range ends inside */
			next = end;
		if (entry_leaf(e))
			err = fn(&table[pt_index(va, level)], first, level, arg);
		else if (entry_present(e) && level > PT_LEVEL_PTE)
			err = walk_table(table_va(e), level - 1, va, next, fn, arg);
		if (err)
			return err;
		va = next;
	}
	return 0;
}

int walk_leaves(pgd_t *pgd, uint64_t start, uint64_t end, leaf_fn fn, void *arg)
{
	return walk_table((uint64_t *)pgd, PT_LEVEL_PGD, start, end, fn, arg);
}

/* ---- unmapping --------------------------------------------------------- */

/* Table pages are freed only after the TLB flush: another hart may still
 * be walking through them until then. */
#define GATHER_MAX 32
struct table_gather {
	struct pgtable_alloc *a;
	uint64_t start, end;   /* range to flush */
	bool flush;
	int nr;
	phys_addr_t pa[GATHER_MAX];
};

static void gather_flush(struct table_gather *g)
{
	if (g->flush)
		flush_tlb_kernel_range(g->start, g->end);
	for (int i = 0; i < g->nr; i++)
		table_free(g->a, g->pa[i]);
	g->nr = 0;
}

/* Queue an emptied table for freeing after the flush (for prune_tables()). */
static __unused void gather_table(struct table_gather *g, uint64_t *table)
{
	if (g->nr == GATHER_MAX)
		gather_flush(g);
	g->pa[g->nr++] = __pa(table);
}

static void release_leaf_pages(uint64_t old, enum pt_level level)
{
	uint64_t pfn = entry_pfn(old);

	if (old & _PAGE_SPECIAL)
		return;
	for (uint64_t i = 0; i < LEVEL_SIZE(level) >> PAGE_SHIFT; i++)
		if (pfn_valid(pfn + i))
			put_page(pfn_to_page(pfn + i));
}

/* Tables left after unmapping (only the handout's fallback leaves any). */
static void free_table_tree(uint64_t *table, enum pt_level level, uint64_t first,
			    uint64_t last, struct pgtable_alloc *a)
{
	for (uint64_t i = first; i <= last; i++) {
		if (!entry_present(table[i]) || entry_leaf(table[i]))
			continue;
		if (level > PT_LEVEL_PMD)
			free_table_tree(table_va(table[i]), level - 1, 0, PTRS_PER_TABLE - 1, a);
		table_free(a, PFN_PHYS(entry_pfn(table[i])));
		table[i] = 0;
	}
}

void free_pgd_user(pgd_t *pgd, struct pgtable_alloc *a)
{
	unmap_range(pgd, 0, USER_TOP, a, UNMAP_FREE_PAGES | UNMAP_NO_FLUSH);
	free_table_tree((uint64_t *)pgd, PT_LEVEL_PGD, 0, pt_index(USER_TOP - 1, PT_LEVEL_PGD), a);
	table_free(a, __pa(pgd));
}

#if SOLUTION(pgtable)
static bool leaf_fits(enum pt_level level, enum pt_level max_leaf, uint64_t va,
		      phys_addr_t pa, uint64_t end)
{
	return level <= max_leaf && IS_ALIGNED(va | pa, LEVEL_SIZE(level)) &&
	       end - va >= LEVEL_SIZE(level);
}

/* A populate function returned NULL: a leaf was in the way, or no memory. */
static int populate_error(uint64_t entry)
{
	return entry_leaf(entry) ? -EEXIST : -ENOMEM;
}

/* Map one leaf at va; returns its size, or 0 with *err set. */
static uint64_t map_one(pgd_t *pgd, uint64_t va, phys_addr_t pa, uint64_t end,
			pgprot_t prot, struct pgtable_alloc *a,
			enum pt_level max_leaf, int *err)
{
	pgd_t *pgde = pgd_offset_pgd(pgd, va);
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;

	if (!(pud = pud_alloc(pgde, va, a)))
		return *err = populate_error(pgde->pgd), 0;
	if (leaf_fits(PT_LEVEL_PUD, max_leaf, va, pa, end)) {
		if (!pud_none(*pud))
			return *err = -EEXIST, 0;
		set_pud(pud, (pud_t){ pfn_entry(PFN_DOWN(pa), prot) });
		return PUD_SIZE;
	}
	if (!(pmd = pmd_alloc(pud, va, a)))
		return *err = populate_error(pud->pud), 0;
	if (leaf_fits(PT_LEVEL_PMD, max_leaf, va, pa, end)) {
		if (!pmd_none(*pmd))
			return *err = -EEXIST, 0;
		set_pmd(pmd, (pmd_t){ pfn_entry(PFN_DOWN(pa), prot) });
		return PMD_SIZE;
	}
	if (!(pte = pte_alloc(pmd, va, a)))
		return *err = populate_error(pmd->pmd), 0;
	if (!pte_none(*pte))
		return *err = -EEXIST, 0;
	set_pte(pte, pfn_pte(PFN_DOWN(pa), prot));
	return PAGE_SIZE;
}

static bool table_empty(const uint64_t *table)
{
	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++)
		if (table[i])
			return false;
	return true;
}

/* Free the tables on p that the last unmap left empty, bottom up. */
static void prune_tables(struct pt_path *p, uint64_t va, struct table_gather *g)
{
	for (int l = p->level; l < PT_LEVEL_PGD; l++) {
		uint64_t *table = (uint64_t *)ALIGN_DOWN((uint64_t)p->entry[l], PAGE_SIZE);
		if (l == PT_LEVEL_PUD && va >= KERNEL_HALF_START)
			return;
		if (!table_empty(table))
			return;
		WRITE_ONCE(*p->entry[l + 1], 0);
		gather_table(g, table);
	}
}

/* Replace a huge leaf with a table of next-level leaves mapping the same. */
static int split_leaf(uint64_t *entry, enum pt_level level, struct pgtable_alloc *a)
{
	uint64_t old = *entry, step = LEVEL_SIZE(level - 1) >> PAGE_SHIFT;
	phys_addr_t t = table_alloc(a);
	uint64_t *child;

	if (!t)
		return -ENOMEM;
	child = pt_virt(t);
	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++)
		child[i] = pfn_entry(entry_pfn(old) + i * step, entry_prot(old));
	WRITE_ONCE(*entry, pfn_entry(PFN_DOWN(t), _PAGE_TABLE));
	return 0;
}

/* Unmap what lies at va; returns where to continue. */
static uint64_t unmap_step(pgd_t *pgd, uint64_t va, uint64_t end,
			   struct table_gather *g, enum unmap_flags flags, int *err)
{
	struct pt_path p;
	uint64_t lstart, lend, old;

	walk_path(pgd, va, &p);
	lstart = ALIGN_DOWN(va, LEVEL_SIZE(p.level));
	lend = lstart + LEVEL_SIZE(p.level);
	if (lend <= va)          /* wrapped past the top of the address space */
		lend = end;
	old = *p.entry[p.level];
	if (!entry_present(old))
		return lend;
	if (p.level > PT_LEVEL_PTE && (va != lstart || end < lend)) {
		*err = split_leaf(p.entry[p.level], p.level, g->a);
		return va;
	}
	WRITE_ONCE(*p.entry[p.level], 0);
	if (flags & UNMAP_FREE_PAGES)
		release_leaf_pages(old, p.level);
	prune_tables(&p, va, g);
	return lend;
}

int unmap_range(pgd_t *pgd, uint64_t va, uint64_t size,
		struct pgtable_alloc *a, enum unmap_flags flags)
{
	struct table_gather g = {
		.a = a, .start = va, .end = va + size,
		.flush = !(flags & UNMAP_NO_FLUSH),
	};
	uint64_t end = va + size;
	int err = 0;

	if (!IS_ALIGNED(va | size, PAGE_SIZE))
		panic("unmap_range: unaligned range 0x%lx+0x%lx", va, size);
	while (va < end && !err)
		va = unmap_step(pgd, va, end, &g, flags, &err);
	gather_flush(&g);
	if (g.flush && g.nr == 0)
		flush_tlb_kernel_range(g.start, g.end);
	return err;
}

/* A map failed at va: drop what was mapped in [start, va) and any table
 * allocated for va itself that stayed empty. */
static void undo_partial_map(pgd_t *pgd, uint64_t start, uint64_t va,
			     struct pgtable_alloc *a, enum unmap_flags flags)
{
	struct table_gather g = { .a = a };
	struct pt_path p;

	unmap_range(pgd, start, va - start, a, flags);
	walk_path(pgd, va, &p);
	if (p.level < PT_LEVEL_PGD && !entry_present(*p.entry[p.level]))
		prune_tables(&p, va, &g);
	gather_flush(&g);
}

int map_range_leaf(pgd_t *pgd, uint64_t va, phys_addr_t pa, uint64_t size,
		   pgprot_t prot, struct pgtable_alloc *a, enum pt_level max_leaf)
{
	uint64_t start = va, end = va + size;
	int err = 0;

	if (!IS_ALIGNED(va | pa | size, PAGE_SIZE))
		panic("map_range: unaligned va 0x%lx pa 0x%lx size 0x%lx", va, pa, size);
	while (va < end) {
		uint64_t step = map_one(pgd, va, pa, end, prot, a, max_leaf, &err);
		if (err)
			break;
		va += step;
		pa += step;
	}
	if (err)
		undo_partial_map(pgd, start, va, a, UNMAP_KEEP_PAGES);
	return err;
}

/* The pte for va, with every table above it populated; NULL with *err set. */
static pte_t *pte_populate(pgd_t *pgd, uint64_t va, struct pgtable_alloc *a, int *err)
{
	pgd_t *pgde = pgd_offset_pgd(pgd, va);
	pud_t *pud = pud_alloc(pgde, va, a);
	pmd_t *pmd = pud ? pmd_alloc(pud, va, a) : NULL;
	pte_t *pte = pmd ? pte_alloc(pmd, va, a) : NULL;

	if (!pte)
		*err = populate_error(!pud ? pgde->pgd : !pmd ? pud->pud : pmd->pmd);
	return pte;
}

int populate_with_block(pgd_t *pgd, uint64_t va, uint64_t size, phys_addr_t block_pa,
			pgprot_t prot, struct pgtable_alloc *a)
{
	uint64_t start = va, end = va + size, pfn = PFN_DOWN(block_pa);
	int err = 0;

	if (!IS_ALIGNED(va | size | block_pa, PAGE_SIZE))
		panic("populate_with_block: unaligned va 0x%lx size 0x%lx block 0x%lx", va,
		      size, block_pa);
	for (; va < end; va += PAGE_SIZE) {
		pte_t *pte = pte_populate(pgd, va, a, &err);
		if (pte && !pte_none(*pte))
			err = -EEXIST;
		if (err)
			break;
		if (pfn_valid(pfn))
			get_page(pfn_to_page(pfn));
		set_pte(pte, pfn_pte(pfn, prot));
	}
	if (err)
		undo_partial_map(pgd, start, va, a, UNMAP_FREE_PAGES);
	return err;
}

/* The reference mapper has nothing to report. */
void map_range_report(void)
{
}

#else
/*
 * Lab pgtable, exercises 2 and 3: map_range_leaf() and unmap_range().
 * Until they are written, this provided 4 KiB-only mapper keeps the kernel
 * running: every mapping uses 4 KiB leaves, and unmapping never splits a
 * huge leaf nor frees an emptied table.
 */
/* Tables the fallback mapper allocated, for map_range_report(). */
static uint64_t fallback_tables;

void map_range_report(void)
{
	printf("map_range: not implemented, using 4 KiB fallback (%lu table pages)\n",
	       fallback_tables);
}

static uint64_t *fallback_pte(pgd_t *pgd, uint64_t va, struct pgtable_alloc *a)
{
	uint64_t *table = (uint64_t *)pgd;

	for (int l = PT_LEVEL_PGD; l > PT_LEVEL_PTE; l--) {
		uint64_t *e = &table[pt_index(va, l)];
		if (entry_leaf(*e))
			return NULL;
		if (!entry_present(*e)) {
			phys_addr_t t = table_alloc(a);
			if (!t)
				return NULL;
			fallback_tables++;
			WRITE_ONCE(*e, pfn_entry(PFN_DOWN(t), _PAGE_TABLE));
		}
		table = table_va(*e);
	}
	return &table[pt_index(va, PT_LEVEL_PTE)];
}

int map_range_leaf(pgd_t *pgd, uint64_t va, phys_addr_t pa, uint64_t size,
		   pgprot_t prot, struct pgtable_alloc *a, enum pt_level max_leaf)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t *e = fallback_pte(pgd, va + off, a);
		if (!e || *e) {
			unmap_range(pgd, va, off, a, UNMAP_KEEP_PAGES);
			return e ? -EEXIST : -ENOMEM;
		}
		WRITE_ONCE(*e, pfn_entry(PFN_DOWN(pa + off), prot));
	}
	return 0;
}

/* Exercise 4 (populate_with_block) has no fallback: nothing needs it yet. */
int populate_with_block(pgd_t *pgd, uint64_t va, uint64_t size, phys_addr_t block_pa,
			pgprot_t prot, struct pgtable_alloc *a)
{
	return -ENOSYS;
}

int unmap_range(pgd_t *pgd, uint64_t va, uint64_t size,
		struct pgtable_alloc *a, enum unmap_flags flags)
{
	uint64_t start = va, end = va + size;

	while (va < end) {
		struct pt_path p;
		walk_path(pgd, va, &p);
		uint64_t next = ALIGN_DOWN(va, LEVEL_SIZE(p.level)) + LEVEL_SIZE(p.level);
		uint64_t old = *p.entry[p.level];
		if (entry_leaf(old)) {
			WRITE_ONCE(*p.entry[p.level], 0);
			if (flags & UNMAP_FREE_PAGES)
				release_leaf_pages(old, p.level);
		}
		va = next > va ? next : end;
	}
	if (!(flags & UNMAP_NO_FLUSH))
		flush_tlb_kernel_range(start, end);
	return 0;
}
#endif /* SOLUTION(pgtable) */

/* ---- tables from the page allocator ------------------------------------ */

static phys_addr_t page_table_alloc(struct pgtable_alloc *a)
{
	struct page *page = alloc_page(__GFP_ZERO);

	if (!page)
		return 0;
	SetPageFlag(page, PG_pgtable);
	return page_to_phys(page);
}

static void page_table_free(struct pgtable_alloc *a, phys_addr_t pa)
{
	struct page *page = pfn_to_page(PFN_DOWN(pa));

	ClearPageFlag(page, PG_pgtable);
	__free_pages(page, 0);
}

struct pgtable_alloc pgtable_page_alloc = {
	.alloc = page_table_alloc,
	.free = page_table_free,
};
