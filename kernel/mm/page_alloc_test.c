/* KTAP tests for the buddy allocator. */
#include "ktest.h"
#include "mm.h"
#include "string.h"

static void alloc_free_counts(struct ktest *t)
{
	uint64_t before = nr_free_pages();
	struct page *p = alloc_pages(GFP_KERNEL, 3);

	KTEST_EXPECT(t, p != NULL);
	if (!p)
		return;
	KTEST_EXPECT_EQ(t, nr_free_pages(), before - 8);
	KTEST_EXPECT_EQ(t, page_to_pfn(p) % 8, 0);
	KTEST_EXPECT_EQ(t, p->refcount, 1);
	__free_pages(p, 3);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

static void zeroed_and_distinct(struct ktest *t)
{
	struct page *a = alloc_page(__GFP_ZERO), *b = alloc_page(__GFP_ZERO);
	const uint8_t *bytes;
	bool zero = true;

	KTEST_EXPECT(t, a && b && a != b);
	if (!a || !b)
		return;
	bytes = page_address(a);
	for (uint64_t i = 0; i < PAGE_SIZE; i++)
		zero &= bytes[i] == 0;
	KTEST_EXPECT(t, zero);
	put_page(a);
	put_page(b);
}

static void buddies_merge(struct ktest *t)
{
	uint64_t before[MAX_ORDER];
	struct page *big;

	for (unsigned int o = 0; o < MAX_ORDER; o++)
		before[o] = nr_free_blocks(o);
	big = alloc_pages(GFP_KERNEL, 4);
	KTEST_EXPECT(t, big != NULL);
	if (!big)
		return;
	__free_pages(big, 4);
	/* Splits on allocation are undone by merges on free: same free lists. */
	for (unsigned int o = 0; o < MAX_ORDER; o++)
		KTEST_EXPECT_EQ(t, nr_free_blocks(o), before[o]);
}

static void kmalloc_returns_pages(struct ktest *t)
{
	uint64_t before = nr_free_pages();
	void *objs[64];

	for (int i = 0; i < 64; i++)
		objs[i] = kmalloc(200);
	for (int i = 0; i < 64; i++) {
		KTEST_EXPECT(t, objs[i] != NULL);
		memset(objs[i], i, 200);
	}
	void *large = kmalloc(3 * PAGE_SIZE);
	KTEST_EXPECT(t, large != NULL);
	kfree(large);
	for (int i = 0; i < 64; i++)
		kfree(objs[i]);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

static const struct ktest_case page_alloc_cases[] = {
	{ "alloc_free_counts", alloc_free_counts },
	{ "zeroed_and_distinct", zeroed_and_distinct },
	{ "buddies_merge", buddies_merge },
	{ "kmalloc_returns_pages", kmalloc_returns_pages },
};
KTEST_SUITE(page_alloc, "page_alloc", page_alloc_cases);
