/*
 * The page allocator: a binary buddy system over struct page. Free blocks
 * are linked through their head page's lru; a free head has PG_buddy set and
 * its order in private. Only the memmap is touched, never the free pages
 * themselves, so boot stays cheap on a large guest.
 */
#include "mm.h"
#include "memremap.h"
#include "memblock.h"
#include "spinlock.h"
#include "printk.h"
#include "string.h"
#include "proc.h"
#include "fault_inject.h"

_Static_assert(sizeof(struct page) == STRUCT_PAGE_SIZE, "struct page must be 64 bytes");

static struct {
	struct spinlock lock;
	struct list_head free_list[MAX_ORDER];
	uint64_t nr_free[MAX_ORDER];
	uint64_t free_pages;
	uint64_t managed_pages;
} zone = { .lock = { .name = "zone" } };

/* Debug option: fill freed pages with junk to catch use-after-free. */
bool page_poison;
#define POISON_BYTE 0x5a

static void zone_init_once(void)
{
	if (zone.free_list[0].next)
		return;
	for (int o = 0; o < MAX_ORDER; o++)
		INIT_LIST_HEAD(&zone.free_list[o]);
}

static void add_free_block(struct page *page, unsigned int order)
{
	SetPageFlag(page, PG_buddy);
	page->private = order;
	list_add(&page->lru, &zone.free_list[order]);
	zone.nr_free[order]++;
}

static void del_free_block(struct page *page, unsigned int order)
{
	list_del(&page->lru);
	ClearPageFlag(page, PG_buddy);
	page->private = 0;
	zone.nr_free[order]--;
}

/* The buddy of pfn at this order, if it is a free block of the same order. */
static struct page *free_buddy(uint64_t pfn, unsigned int order)
{
	uint64_t buddy_pfn = pfn ^ (1UL << order);
	struct page *buddy;

	if (!pfn_valid(buddy_pfn))
		return NULL;
	buddy = pfn_to_page(buddy_pfn);
	if (!PageFlag(buddy, PG_buddy) || buddy->private != order)
		return NULL;
	return buddy;
}

/* Free a block, merging with free buddies. Caller holds zone.lock. */
static void free_one_block(uint64_t pfn, unsigned int order)
{
	struct page *buddy;

	while (order < MAX_ORDER - 1 && (buddy = free_buddy(pfn, order))) {
		del_free_block(buddy, order);
		pfn &= ~(1UL << order);
		order++;
	}
	add_free_block(pfn_to_page(pfn), order);
}

/*
 * Fault injection (the failnth() system call, like Linux's fail-nth): the
 * process that asked counts down its page allocations and the nth one
 * fails, so a test can walk every failure point of an operation in turn.
 * fail_page_alloc= on the command line fails a random share of the
 * allocations made for processes that asked (make_it_fail, fault_inject.h).
 */
static bool should_fail_alloc(void)
{
	struct proc *p = myproc();

	if (!p)
		return false;
	if (p->fail_nth > 0 && --p->fail_nth == 0)
		return true;
	return should_fail(FAULT_PAGE_ALLOC);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = NULL;
	unsigned int o;

	if (order >= MAX_ORDER || should_fail_alloc())
		return NULL;
	spin_lock(&zone.lock);
	for (o = order; o < MAX_ORDER && list_empty(&zone.free_list[o]); o++)
		;
	if (o < MAX_ORDER) {
		page = list_first_entry(&zone.free_list[o], struct page, lru);
		del_free_block(page, o);
		/* Split: hand the upper halves back until the block fits. */
		while (o > order) {
			o--;
			add_free_block(page + (1UL << o), o);
		}
		zone.free_pages -= 1UL << order;
	}
	spin_unlock(&zone.lock);
	if (!page)
		return NULL;
	page->refcount = 1;
	page->mapcount = 0;
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

void __free_pages(struct page *page, unsigned int order)
{
	if (page->refcount <= 0)
		panic("__free_pages: pfn 0x%lx refcount %d", page_to_pfn(page), page->refcount);
	if (__atomic_sub_fetch(&page->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (PageFlag(page, PG_device)) {
		free_zone_device_page(page);
		return;
	}
	if (PageFlag(page, PG_reserved) || PageFlag(page, PG_buddy))
		panic("__free_pages: pfn 0x%lx is %s", page_to_pfn(page),
		      PageFlag(page, PG_reserved) ? "reserved" : "already free");
	page->flags &= ~PAGE_FLAGS_MASK;
	page->mapcount = 0;
	if (page_poison)
		memset(page_address(page), POISON_BYTE, PAGE_SIZE << order);
	spin_lock(&zone.lock);
	free_one_block(page_to_pfn(page), order);
	zone.free_pages += 1UL << order;
	spin_unlock(&zone.lock);
}

void *__get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? page_address(page) : NULL;
}

void free_pages(void *va, unsigned int order)
{
	__free_pages(virt_to_page(va), order);
}

void split_page(struct page *page, unsigned int order)
{
	if (page->refcount != 1)
		panic("split_page: pfn 0x%lx refcount %d", page_to_pfn(page), page->refcount);
	for (uint64_t i = 1; i < 1UL << order; i++) {
		page[i].refcount = 1;
		page[i].mapcount = 0;
	}
}

void get_page(struct page *page)
{
	page = compound_head(page);
	__atomic_add_fetch(&page->refcount, 1, __ATOMIC_RELAXED);
}

void put_page(struct page *page)
{
	page = compound_head(page);
	__free_pages(page, 0);
}

uint64_t nr_free_pages(void)
{
	return READ_ONCE(zone.free_pages);
}

uint64_t nr_free_blocks(unsigned int order)
{
	return order < MAX_ORDER ? READ_ONCE(zone.nr_free[order]) : 0;
}

uint64_t nr_managed_pages(void)
{
	return zone.managed_pages;
}

/* Hand [start_pfn, end_pfn) over in the largest aligned blocks it holds. */
static void free_range_to_buddy(uint64_t start_pfn, uint64_t end_pfn)
{
	while (start_pfn < end_pfn) {
		unsigned int order = MAX_ORDER - 1;
		while (order && (!IS_ALIGNED(start_pfn, 1UL << order) ||
				 start_pfn + (1UL << order) > end_pfn))
			order--;
		for (uint64_t i = 0; i < (1UL << order); i++)
			ClearPageFlag(pfn_to_page(start_pfn + i), PG_reserved);
		spin_lock(&zone.lock);
		free_one_block(start_pfn, order);
		zone.free_pages += 1UL << order;
		zone.managed_pages += 1UL << order;
		spin_unlock(&zone.lock);
		start_pfn += 1UL << order;
	}
}

void memblock_free_all(void)
{
	phys_addr_t start, end;
	uint64_t it = 0;

	zone_init_once();
	while (memblock_next_free(&it, &start, &end))
		free_range_to_buddy(PFN_UP(start), PFN_DOWN(end));
	/* From now on memory comes from the page allocator only. */
	memblock_limit = 0;
}
