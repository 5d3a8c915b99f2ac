/* KTAP tests for kernel/mm/pgtable.c: leaf choice, refusal, unmap, pruning. */
#include "ktest.h"
#include "pgtable.h"
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

static const struct ktest_case pgtable_cases[] = {
	{ "leaf_choice", leaf_choice },
	{ "remap_refused", remap_refused },
	{ "unmap_splits_huge_leaf", unmap_splits_huge_leaf },
	{ "free_count_returns", free_count_returns },
	{ "populate_chain", populate_chain },
};
KTEST_SUITE(pgtable, "pgtable", pgtable_cases);
