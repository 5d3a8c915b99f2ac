/* KTAP tests of the memory model (memmodel.h, memmap.c, sparse.c, vmemmap.c). */
#include "ktest.h"
#include "mm.h"
#include "memblock.h"
#include "pgtable.h"
#if MEMMODEL != MEMMODEL_FLAT
#include "sparse.h"
#endif

/* Every pfn of RAM has a struct page that leads back to it. */
static void round_trip(struct ktest *t)
{
	uint64_t pfns = 0;

	for (int i = 0; i < memblock.memory.cnt && !t->failed; i++) {
		struct memblock_region *r = &memblock.memory.regions[i];
		for (uint64_t pfn = PFN_DOWN(r->base);
		     pfn < PFN_UP(r->base + r->size) && !t->failed; pfn++, pfns++) {
			KTEST_EXPECT(t, pfn_valid(pfn));
			KTEST_EXPECT_EQ(t, page_to_pfn(pfn_to_page(pfn)), pfn);
#if MEMMODEL == MEMMODEL_VMEMMAP
			KTEST_EXPECT(t, pfn_to_page(pfn) == vmemmap + pfn);
#endif
		}
	}
	ktest_diag("memmap: %lu RAM pfns round-trip", pfns);
}

/* Does RAM (a memblock memory region) overlap [pfn, pfn + nr)? */
static bool ram_in(uint64_t pfn, uint64_t nr)
{
	for (int i = 0; i < memblock.memory.cnt; i++) {
		struct memblock_region *r = &memblock.memory.regions[i];
		if (pfn < PFN_UP(r->base + r->size) && PFN_DOWN(r->base) < pfn + nr)
			return true;
	}
	return false;
}

static bool in_ram(uint64_t pfn)
{
	return ram_in(pfn, 1);
}

#if MEMMODEL == MEMMODEL_FLAT
/* FLATMEM: every pfn of the span has a struct page, holes included. */
static bool expected_valid(uint64_t pfn)
{
	return pfn >= PFN_DOWN(memblock_start_of_DRAM()) && pfn < PFN_UP(memblock_end_of_DRAM());
}
#else
/* Sections: a pfn is valid when its 128 MiB section holds some RAM. */
static bool expected_valid(uint64_t pfn)
{
	return ram_in(ALIGN_DOWN(pfn, PAGES_PER_SECTION), PAGES_PER_SECTION);
}
#endif

/* pfn_valid at the edges of every bank and hole, past the end, past 45 bits. */
static void pfn_valid_outside_ram(struct ktest *t)
{
	uint64_t max_pfn = 1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT);

	for (int i = 0; i < memblock.memory.cnt; i++) {
		struct memblock_region *r = &memblock.memory.regions[i];
		uint64_t below = PFN_DOWN(r->base) - 1, above = PFN_UP(r->base + r->size);
		KTEST_EXPECT_EQ(t, pfn_valid(below), in_ram(below) || expected_valid(below));
		KTEST_EXPECT_EQ(t, pfn_valid(above), in_ram(above) || expected_valid(above));
		/* The middle of the hole above the bank, if it has one. */
		if (i + 1 < memblock.memory.cnt) {
			uint64_t mid = (above + PFN_DOWN(memblock.memory.regions[i + 1].base)) / 2;
			KTEST_EXPECT_EQ(t, pfn_valid(mid), expected_valid(mid));
		}
	}
	KTEST_EXPECT(t, !pfn_valid(PFN_UP(memblock_end_of_DRAM()) + (256UL << 20 >> PAGE_SHIFT)));
	KTEST_EXPECT(t, !pfn_valid(max_pfn));
	KTEST_EXPECT(t, !pfn_valid(~0UL));
}

#if MEMMODEL == MEMMODEL_FLAT
/* FLATMEM has one array: it spans exactly the lowest to the highest RAM pfn. */
static void sections_flagged(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, memmap_min_pfn, PFN_DOWN(memblock_start_of_DRAM()));
	KTEST_EXPECT_EQ(t, memmap_max_pfn, PFN_UP(memblock_end_of_DRAM()));
	KTEST_EXPECT(t, PageFlag(pfn_to_page(memmap_min_pfn), PG_reserved));
}
#else
/* A section is present, has a memmap and is online exactly when it holds RAM. */
static void sections_flagged(struct ktest *t)
{
	uint64_t present = 0;

	for (uint64_t nr = 0; nr < NR_MEM_SECTIONS && !t->failed; nr++) {
		struct mem_section *ms = __nr_to_section(nr);
		bool ram = expected_valid(section_nr_to_pfn(nr));
		KTEST_EXPECT_EQ(t, present_section(ms), ram);
		KTEST_EXPECT_EQ(t, valid_section(ms), ram);
		KTEST_EXPECT_EQ(t, online_section(ms), ram);
		present += ram;
	}
	KTEST_EXPECT_EQ(t, nr_present_sections(), present);
}
#endif

static const struct ktest_case memmap_cases[] = {
    {"round_trip", round_trip},
    {"pfn_valid_outside_ram", pfn_valid_outside_ram},
    {"sections_flagged", sections_flagged},
};
KTEST_SUITE(memmap, "memmap", memmap_cases);
