/* KTAP tests for kernel/mm/pgtable.c: leaf choice, refusal, unmap, pruning. */
#include "ktest.h"
#include "pgtable.h"
#include "init.h"
#include "memblock.h"
#include "uapi/errno.h"

/* A scratch address space: user half of a private pgd, never made live. */
#define TEST_VA  0x0000100000000000UL   /* 1 GiB aligned */
#define TEST_PA  0x0000004000000000UL   /* 1 GiB aligned, never accessed */

static pgd_t *test_pgd(void)
{
	return __va(pgtable_page_alloc.alloc(&pgtable_page_alloc));
}

static void put_test_pgd(pgd_t *pgd)
{
	pgtable_page_alloc.free(&pgtable_page_alloc, __pa(pgd));
}

static int leaf_level(pgd_t *pgd, uint64_t va)
{
	enum pt_level level;

	return walk(pgd, va, &level) ? (int)level : -1;
}

static void leaf_choice(struct ktest *t)
{
	pgd_t *pgd = test_pgd();
	uint64_t tables = pgtable_page_alloc.nr_tables;
	/* 4K head, 2M run up to the 1G boundary, one 1G leaf, 2M + 4K tail. */
	uint64_t va = TEST_VA + PUD_SIZE - PMD_SIZE - PAGE_SIZE;
	uint64_t pa = TEST_PA + PUD_SIZE - PMD_SIZE - PAGE_SIZE;
	uint64_t size = PAGE_SIZE + PMD_SIZE + PUD_SIZE + PMD_SIZE + PAGE_SIZE;

	KTEST_EXPECT_EQ(t, map_range(pgd, va, pa, size, PAGE_KERNEL, &pgtable_page_alloc), 0);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, va), PT_LEVEL_PTE);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, va + PAGE_SIZE), PT_LEVEL_PMD);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + PUD_SIZE), PT_LEVEL_PUD);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + 2 * PUD_SIZE), PT_LEVEL_PMD);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + 2 * PUD_SIZE + PMD_SIZE), PT_LEVEL_PTE);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + 2 * PUD_SIZE + PMD_SIZE + PAGE_SIZE), -1);
	/* Every byte maps to the matching physical address. */
	pte_t *e = walk(pgd, TEST_VA + PUD_SIZE + 0x12345000, NULL);
	KTEST_EXPECT(t, e != NULL);
	if (e)
		KTEST_EXPECT_EQ(t, PFN_PHYS(pte_pfn(*e)), TEST_PA + PUD_SIZE);
	KTEST_EXPECT_EQ(t, unmap_range(pgd, va, size, &pgtable_page_alloc, UNMAP_NO_FLUSH), 0);
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables);
	put_test_pgd(pgd);
}

static void remap_refused(struct ktest *t)
{
	pgd_t *pgd = test_pgd();
	uint64_t tables = pgtable_page_alloc.nr_tables;

	KTEST_EXPECT_EQ(t, map_range(pgd, TEST_VA + PMD_SIZE, TEST_PA, PAGE_SIZE, PAGE_KERNEL,
				     &pgtable_page_alloc), 0);
	/* A 2M range over an existing 4K mapping: refused, nothing left behind. */
	KTEST_EXPECT_EQ(t, map_range(pgd, TEST_VA, TEST_PA, 2 * PMD_SIZE, PAGE_KERNEL,
				     &pgtable_page_alloc), -EEXIST);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA), -1);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + PMD_SIZE), PT_LEVEL_PTE);
	KTEST_EXPECT_EQ(t, unmap_range(pgd, TEST_VA, 2 * PMD_SIZE, &pgtable_page_alloc,
				       UNMAP_NO_FLUSH), 0);
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables);
	put_test_pgd(pgd);
}

static void unmap_splits_huge_leaf(struct ktest *t)
{
	pgd_t *pgd = test_pgd();
	uint64_t tables = pgtable_page_alloc.nr_tables;

	KTEST_EXPECT_EQ(t, map_range(pgd, TEST_VA, TEST_PA, PUD_SIZE, PAGE_KERNEL,
				     &pgtable_page_alloc), 0);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA), PT_LEVEL_PUD);
	/* One 4K page out of the middle of a 1G leaf: 1G -> 2M -> 4K. */
	KTEST_EXPECT_EQ(t, unmap_range(pgd, TEST_VA + PMD_SIZE + PAGE_SIZE, PAGE_SIZE,
				       &pgtable_page_alloc, UNMAP_NO_FLUSH), 0);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + PMD_SIZE + PAGE_SIZE), -1);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + PMD_SIZE), PT_LEVEL_PTE);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA), PT_LEVEL_PMD);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, TEST_VA + PUD_SIZE - PAGE_SIZE), PT_LEVEL_PMD);
	pte_t *e = walk(pgd, TEST_VA + PMD_SIZE + 2 * PAGE_SIZE, NULL);
	KTEST_EXPECT(t, e && PFN_PHYS(pte_pfn(*e)) == TEST_PA + PMD_SIZE + 2 * PAGE_SIZE);
	KTEST_EXPECT_EQ(t, unmap_range(pgd, TEST_VA, PUD_SIZE, &pgtable_page_alloc,
				       UNMAP_NO_FLUSH), 0);
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables);
	put_test_pgd(pgd);
}

static void free_count_returns(struct ktest *t)
{
	uint64_t free_before = nr_free_pages();
	pgd_t *pgd = test_pgd();

	for (int i = 0; i < 8; i++)
		map_range(pgd, TEST_VA + i * PUD_SIZE + i * PAGE_SIZE, TEST_PA,
			  PAGE_SIZE * 3, PAGE_KERNEL, &pgtable_page_alloc);
	KTEST_EXPECT(t, nr_free_pages() < free_before);
	unmap_range(pgd, TEST_VA, 8 * PUD_SIZE + PUD_SIZE, &pgtable_page_alloc, UNMAP_NO_FLUSH);
	put_test_pgd(pgd);
	KTEST_EXPECT_EQ(t, nr_free_pages(), free_before);
}

/* The populate chain by hand: each level's table appears once and is reused. */
static void populate_chain(struct ktest *t)
{
	pgd_t *pgd = test_pgd();
	uint64_t tables = pgtable_page_alloc.nr_tables;
	pud_t *pud = pud_alloc(pgd_offset_pgd(pgd, TEST_VA), TEST_VA, &pgtable_page_alloc);
	pmd_t *pmd = pud ? pmd_alloc(pud, TEST_VA, &pgtable_page_alloc) : NULL;
	pte_t *pte = pmd ? pte_alloc(pmd, TEST_VA, &pgtable_page_alloc) : NULL;

	KTEST_EXPECT(t, pud && pmd && pte);
	if (!pte)
		goto out;
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables + 3);
	/* A second walk to a neighbour allocates nothing new. */
	KTEST_EXPECT(t, pte_alloc(pmd, TEST_VA + PAGE_SIZE, &pgtable_page_alloc) == pte + 1);
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables + 3);
	set_pte(pte, pfn_pte(PFN_DOWN(TEST_PA), PAGE_USER_RX));
	pte_t *e = walk(pgd, TEST_VA + 0x123, NULL);
	KTEST_EXPECT(t, e == pte);
	if (e)
		KTEST_EXPECT_EQ(t, entry_prot(e->pte), PAGE_USER_RX);
	/* A leaf in the way: populate refuses to go through it. */
	pmd_t saved = *pmd;
	set_pmd(pmd, (pmd_t){ pfn_entry(PFN_DOWN(TEST_PA), PAGE_KERNEL) });
	KTEST_EXPECT(t, pte_alloc(pmd, TEST_VA, &pgtable_page_alloc) == NULL);
	set_pmd(pmd, saved);
out:
	unmap_range(pgd, TEST_VA, PUD_SIZE, &pgtable_page_alloc, UNMAP_NO_FLUSH);
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables);
	put_test_pgd(pgd);
}

/* Many ptes, one page: each mapping holds a reference; refusal leaves nothing. */
static void populate_with_block_case(struct ktest *t)
{
	enum { NR_MAPS = 8 };
	pgd_t *pgd = test_pgd();
	uint64_t tables = pgtable_page_alloc.nr_tables;
	struct page *block = alloc_page(__GFP_ZERO);
	phys_addr_t pa = block ? page_to_phys(block) : 0;

	KTEST_EXPECT(t, block != NULL);
	if (!block)
		goto out;
	/* The range crosses a pmd boundary, so two pte tables are needed. */
	uint64_t va = TEST_VA + PMD_SIZE - (NR_MAPS / 2) * PAGE_SIZE;
	KTEST_EXPECT_EQ(t, populate_with_block(pgd, va, NR_MAPS * PAGE_SIZE, pa, PAGE_KERNEL_RO,
					       &pgtable_page_alloc), 0);
	KTEST_EXPECT_EQ(t, block->refcount, 1 + NR_MAPS);
	for (int i = 0; i < NR_MAPS; i++) {
		enum pt_level level;
		pte_t *e = walk(pgd, va + i * PAGE_SIZE, &level);
		KTEST_EXPECT(t, e && level == PT_LEVEL_PTE && PFN_PHYS(pte_pfn(*e)) == pa);
	}
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables + 4);
	/* Overlapping the last page: refused, and the new part is undone. */
	KTEST_EXPECT_EQ(t, populate_with_block(pgd, va + (NR_MAPS - 1) * PAGE_SIZE,
					       2 * PAGE_SIZE, pa, PAGE_KERNEL_RO,
					       &pgtable_page_alloc), -EEXIST);
	KTEST_EXPECT_EQ(t, leaf_level(pgd, va + NR_MAPS * PAGE_SIZE), -1);
	KTEST_EXPECT_EQ(t, block->refcount, 1 + NR_MAPS);
	KTEST_EXPECT_EQ(t, unmap_range(pgd, va, NR_MAPS * PAGE_SIZE, &pgtable_page_alloc,
				       UNMAP_FREE_PAGES | UNMAP_NO_FLUSH), 0);
	KTEST_EXPECT_EQ(t, block->refcount, 1);
	put_page(block);
out:
	KTEST_EXPECT_EQ(t, pgtable_page_alloc.nr_tables, tables);
	put_test_pgd(pgd);
}

/* The physical address va translates to through pgd, or 0 if unmapped;
 * *prot gets the leaf's bits. */
static phys_addr_t translate(pgd_t *pgd, uint64_t va, pgprot_t *prot)
{
	enum pt_level level;
	pte_t *e = walk(pgd, va, &level);

	if (!e)
		return 0;
	*prot = entry_prot(e->pte);
	return PFN_PHYS(pte_pfn(*e)) + (va & (LEVEL_SIZE(level) - 1));
}

/* Every page of the direct map walks to its own pa, with kernel RW- bits. */
static void walk_every_page(struct ktest *t)
{
	phys_addr_t start, end;
	uint64_t pages = 0;
	pgprot_t prot = 0;

	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &start, &end))
			continue;
		for (phys_addr_t pa = start; pa < end && !t->failed; pa += PAGE_SIZE, pages++) {
			KTEST_EXPECT_EQ(t, translate(swapper_pg_dir, PAGE_OFFSET + pa, &prot), pa);
			KTEST_EXPECT_EQ(t, prot, PAGE_KERNEL);
		}
	}
	ktest_diag("walk: %lu direct-map pages checked", pages);
}

extern char _start_image[], _etext[], _erodata[], _end[];

/* Kernel image: text R-X, rodata R--, data and bss RW-, never W and X. */
static void kernel_image_permissions(struct ktest *t)
{
	const struct { const char *start, *end; pgprot_t prot; } parts[] = {
		{ _start_image, _etext, PAGE_KERNEL_EXEC },
		{ _etext, _erodata, PAGE_KERNEL_RO },
		{ _erodata, _end, PAGE_KERNEL },
	};
	pgprot_t prot = 0;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		for (uint64_t va = (uint64_t)parts[i].start;
		     va < (uint64_t)parts[i].end && !t->failed; va += PAGE_SIZE) {
			KTEST_EXPECT_EQ(t, translate(swapper_pg_dir, va, &prot), __pa((void *)va));
			KTEST_EXPECT_EQ(t, prot, parts[i].prot);
		}
	}
}

/* The tables of one subtree, by level; a table counts when anything in it is
 * present (the kernel half's preallocated pud tables may be empty). */
static void count_tables(const uint64_t *table, enum pt_level level,
			 uint64_t counts[PGTABLE_LEVELS])
{
	bool used = false;

	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++) {
		if (!entry_present(table[i]))
			continue;
		used = true;
		if (level > PT_LEVEL_PTE && !entry_leaf(table[i]))
			count_tables(table_va(table[i]), level - 1, counts);
	}
	counts[level] += used;
}

/* Fewest tables of level (each covering LEVEL_SIZE(level + 1)) that can map
 * the direct map: one per span that RAM touches but a leaf cannot cover. */
static uint64_t min_tables(enum pt_level level, enum pt_level max_leaf)
{
	uint64_t span = LEVEL_SIZE(level + 1), count = 0, last = ~0UL;
	phys_addr_t start, end;

	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &start, &end))
			continue;
		for (uint64_t s = ALIGN_DOWN(start, span); s < end; s += span) {
			bool covered = start <= s && s + span <= end;
			if ((level + 1 <= max_leaf && covered) || s == last)
				continue;
			count++;
			last = s;
		}
	}
	return count;
}

static const char *const mapsize_names[] = {
	[PT_LEVEL_PTE] = "4k", [PT_LEVEL_PMD] = "2m", [PT_LEVEL_PUD] = "1g",
};

/* The direct map uses exactly the fewest tables its leaf size allows. */
static void direct_map_min_tables(struct ktest *t)
{
	uint64_t counts[PGTABLE_LEVELS] = { 0 }, want[PGTABLE_LEVELS] = { 0 };
	phys_addr_t start, end;

	for (uint64_t i = pt_index(PAGE_OFFSET, PT_LEVEL_PGD);
	     i <= pt_index(DIRECT_MAP_END - 1, PT_LEVEL_PGD); i++)
		if (entry_present(swapper_pg_dir[i].pgd))
			count_tables(table_va(swapper_pg_dir[i].pgd), PT_LEVEL_PUD, counts);
	for (int l = PT_LEVEL_PTE; l <= PT_LEVEL_PUD; l++)
		want[l] = min_tables(l, direct_map_max_leaf);
	for (int i = 0; i < memblock.memory.cnt; i++)
		if (direct_map_range(i, &start, &end))
			ktest_diag("direct_map: range 0x%lx-0x%lx", start, end);
	ktest_diag("direct_map: mapsize=%s tables pud=%lu pmd=%lu pte=%lu "
		   "minimum pud=%lu pmd=%lu pte=%lu", mapsize_names[direct_map_max_leaf],
		   counts[PT_LEVEL_PUD], counts[PT_LEVEL_PMD], counts[PT_LEVEL_PTE],
		   want[PT_LEVEL_PUD], want[PT_LEVEL_PMD], want[PT_LEVEL_PTE]);
	for (int l = PT_LEVEL_PTE; l <= PT_LEVEL_PUD; l++)
		KTEST_EXPECT_EQ(t, counts[l], want[l]);
}

static const struct ktest_case pgtable_cases[] = {
	{ "leaf_choice", leaf_choice },
	{ "remap_refused", remap_refused },
	{ "unmap_splits_huge_leaf", unmap_splits_huge_leaf },
	{ "free_count_returns", free_count_returns },
	{ "populate_chain", populate_chain },
	{ "populate_with_block", populate_with_block_case },
	{ "walk_every_page", walk_every_page },
	{ "kernel_image_permissions", kernel_image_permissions },
	{ "direct_map_min_tables", direct_map_min_tables },
};
KTEST_SUITE(pgtable, "pgtable", pgtable_cases);
