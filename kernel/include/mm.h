#ifndef PAGODA_MM_H
#define PAGODA_MM_H
/*
 * Physical memory: struct page, the memory model (pfn <-> page) and the
 * page allocator (a binary buddy allocator over the memmap).
 */
#include "types.h"
#include "memlayout.h"
#include "asm/pgtable.h"
#include "list.h"

/* One per 4 KiB page frame: exactly 64 bytes (static assertion in page_alloc.c). */
struct page {
	uint64_t flags;       /* enum page_flag bits */
	struct list_head lru; /* free list, or owner's list */
	int32_t refcount;     /* users of the page; 0 when free */
	int32_t mapcount;     /* user ptes mapping it */
	union {
		uint64_t private;      /* buddy: order of a free block */
		struct inode *mapping; /* page cache: the file it caches */
	};
	uint64_t index;         /* owner's offset (file page index) */
	void *pgmap;            /* device memory owner (lab altmap) */
	uint64_t compound_head; /* head page | 1 for tail pages */
};
#define STRUCT_PAGE_SIZE 64

enum page_flag {
	PG_reserved = 0, /* never handed to the allocator */
	PG_buddy,        /* head of a free buddy block */
	PG_pgtable,      /* a page-table page */
	PG_head,         /* head of a compound page */
	PG_device,       /* device memory (lab altmap) */
	PG_slab,         /* kmalloc page of small objects */
	PG_large,        /* kmalloc block of 2^private pages */
	NR_PAGE_FLAGS
};
/* The flag bits of page->flags; the bits above belong to the memory model
 * (classic SPARSEMEM keeps the section number there). */
#define PAGE_FLAGS_MASK ((1UL << NR_PAGE_FLAGS) - 1)
static inline bool PageFlag(const struct page *p, enum page_flag f)
{
	return p->flags & (1UL << f);
}
static inline void SetPageFlag(struct page *p, enum page_flag f)
{
	p->flags |= 1UL << f;
}
static inline void ClearPageFlag(struct page *p, enum page_flag f)
{
	p->flags &= ~(1UL << f);
}

/* A compound page's references live in its head (lab altmap). */
static inline struct page *compound_head(struct page *page)
{
	uint64_t head = page->compound_head;

	return head & 1 ? (struct page *)(head - 1) : page;
}

/* Users of page: a tail page of a compound page counts through its head. */
static inline int32_t page_ref_count(struct page *page)
{
	return __atomic_load_n(&compound_head(page)->refcount, __ATOMIC_RELAXED);
}

/* Physical <-> virtual through the direct map. */
extern uint64_t kernel_va_pa_offset; /* kernel image VA - PA */
static inline void *__va(phys_addr_t pa)
{
	return (void *)(pa + PAGE_OFFSET);
}
static inline phys_addr_t __pa(const void *va)
{
	uint64_t v = (uint64_t)va;
	return v >= KERNEL_VIRT_START ? v - kernel_va_pa_offset : v - PAGE_OFFSET;
}
#define PFN_DOWN(pa)  ((pa) >> PAGE_SHIFT)
#define PFN_UP(pa)    (((pa) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)

/* The memory model: pfn_to_page, page_to_pfn, pfn_valid (memmodel.h). */
#include "memmodel.h"
static inline phys_addr_t page_to_phys(const struct page *p)
{
	return PFN_PHYS(page_to_pfn(p));
}
static inline void *page_address(const struct page *p)
{
	return __va(page_to_phys(p));
}
static inline struct page *virt_to_page(const void *va)
{
	return pfn_to_page(PFN_DOWN(__pa(va)));
}

/* Allocation flags: named bits, not bare ints. */
typedef unsigned int gfp_t;
#define GFP_KERNEL  0u
#define __GFP_ZERO  (1u << 0) /* zero the pages */
#define GFP_PGTABLE (GFP_KERNEL | __GFP_ZERO)

#define MAX_ORDER 11 /* blocks of 2^0 .. 2^10 pages (4 MiB) */

/* The order of a block of size bytes (a power-of-two number of pages). */
static inline unsigned int get_order(uint64_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Allocate 2^order contiguous pages, refcount 1. NULL when none is free. */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
/* Drop a reference; frees the block when it reaches zero. */
void __free_pages(struct page *page, unsigned int order);
/* Same, by direct-map address. NULL when none is free. */
void *__get_free_pages(gfp_t gfp, unsigned int order);
void free_pages(void *va, unsigned int order);
static inline struct page *alloc_page(gfp_t gfp)
{
	return alloc_pages(gfp, 0);
}
static inline void *get_zeroed_page(void)
{
	return __get_free_pages(__GFP_ZERO, 0);
}
static inline void free_page(void *va)
{
	free_pages(va, 0);
}
/* Make a block of 2^order pages (refcount 1) into as many order-0 pages,
 * each with refcount 1, to be freed one by one with put_page(). */
void split_page(struct page *page, unsigned int order);
void get_page(struct page *page);
/* References of an order-0 page, or of the compound page it is part of.
 * put_page() frees it at zero (a device page goes idle instead). */
void put_page(struct page *page);

/* Page counts for memstat(): see uapi/memstat.h. */
uint64_t nr_free_pages(void);
uint64_t nr_managed_pages(void);
/* Free blocks of exactly this order (tests, reports). */
uint64_t nr_free_blocks(unsigned int order);

/* Boot: set up the memmap, then hand every free memblock page over. */
void memmap_init(void);
void memblock_free_all(void);

/* Small kernel objects (kernel/mm/slab.c): power-of-two size classes. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *ptr);
#endif
