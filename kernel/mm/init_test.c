/* KTAP tests for the boot-time direct map (kernel/mm/init.c, lab earlypgt). */
#include "ktest.h"
#include "init.h"
#include "pgtable.h"
#include "memblock.h"

/* The direct-mapped RAM range holding pa, or false when pa is not RAM the
 * direct map should cover. */
static bool in_direct_map_ram(phys_addr_t pa, uint64_t size)
{
	phys_addr_t start, end;

	for (int i = 0; i < memblock.memory.cnt; i++)
		if (direct_map_range(i, &start, &end) && pa >= start && pa + size <= end)
			return true;
	return false;
}

/* Every page of every bank translates to its own physical address. */
static void direct_map_translates(struct ktest *t)
{
	phys_addr_t start, end;
	uint64_t pages = 0;

	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &start, &end))
			continue;
		for (phys_addr_t pa = start; pa < end && !t->failed; pa += PAGE_SIZE, pages++) {
			enum pt_level level;
			pte_t *e = walk(swapper_pg_dir, PAGE_OFFSET + pa, &level);
			KTEST_EXPECT(t, e != NULL);
			if (e)
				KTEST_EXPECT_EQ(
				    t, PFN_PHYS(pte_pfn(*e)) + (pa & (LEVEL_SIZE(level) - 1)), pa);
		}
	}
	ktest_diag("earlypgt: %lu pages translate to themselves", pages);
}

/* Every leaf under a table lies inside RAM; returns the leaves seen. */
static uint64_t check_leaves(struct ktest *t, const uint64_t *table, enum pt_level level,
                             uint64_t va)
{
	uint64_t leaves = 0;

	for (uint64_t i = 0; i < PTRS_PER_TABLE && !t->failed; i++) {
		uint64_t e = table[i], entry_va = va + i * LEVEL_SIZE(level);
		if (!entry_present(e))
			continue;
		if (level > PT_LEVEL_PTE && !entry_leaf(e)) {
			leaves += check_leaves(t, table_va(e), level - 1, entry_va);
			continue;
		}
		KTEST_EXPECT_EQ(t, PFN_PHYS(entry_pfn(e)), entry_va - PAGE_OFFSET);
		KTEST_EXPECT(t, in_direct_map_ram(PFN_PHYS(entry_pfn(e)), LEVEL_SIZE(level)));
		leaves++;
	}
	return leaves;
}

/* Nothing outside RAM is mapped: no hole, no no-map region, no slack. */
static void nothing_outside_ram(struct ktest *t)
{
	uint64_t leaves = 0;

	for (uint64_t i = pt_index(PAGE_OFFSET, PT_LEVEL_PGD);
	     i <= pt_index(DIRECT_MAP_END - 1, PT_LEVEL_PGD) && !t->failed; i++)
		if (entry_present(swapper_pg_dir[i].pgd))
			leaves += check_leaves(t, table_va(swapper_pg_dir[i].pgd), PT_LEVEL_PUD,
			                       va_canonical(i << PGDIR_SHIFT));
	KTEST_EXPECT(t, leaves > 0);
}

/* The direct map was built top-down, ending with all of RAM as the window
 * that tables may come from. */
static void mapped_top_down(struct ktest *t)
{
	KTEST_EXPECT(t, early_pgt.steps > 0);
	KTEST_EXPECT_EQ(t, early_pgt.min_mapped, memblock_start_of_DRAM());
	KTEST_EXPECT_EQ(t, early_pgt.max_mapped, memblock_end_of_DRAM());
}

/* The boot buffer served the image and the first step, and never overflowed. */
static void brk_only_before_ram(struct ktest *t)
{
	ktest_diag("earlypgt: brk %u/%u pages, memblock %lu pages, %u steps",
	           early_pgt.brk_direct_map, EARLY_PGT_BRK_PAGES, early_pgt.memblock_direct_map,
	           early_pgt.steps);
	KTEST_EXPECT(t, early_pgt.brk_direct_map > 0);
	KTEST_EXPECT(t, early_pgt.brk_direct_map <= EARLY_PGT_BRK_PAGES);
	/* RAM serves everything after the first step: the buffer is not drained. */
	KTEST_EXPECT(t, early_pgt.brk_direct_map < EARLY_PGT_BRK_PAGES);
}

/* Nothing was reserved up front: every table page was allocated on demand. */
static void no_up_front_reservation(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, early_pgt.reserved_up_front, 0);
}

static const struct ktest_case earlypgt_cases[] = {
    {"direct_map_translates", direct_map_translates},
    {"nothing_outside_ram", nothing_outside_ram},
    {"mapped_top_down", mapped_top_down},
    {"brk_only_before_ram", brk_only_before_ram},
    {"no_up_front_reservation", no_up_front_reservation},
};
KTEST_SUITE(earlypgt, "earlypgt", earlypgt_cases);
