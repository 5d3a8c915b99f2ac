/*
 * kmalloc: power-of-two size classes carved from single pages. A page's
 * free objects are chained through the objects; the page's struct page
 * records the class (private), the chain head (index) and the objects in
 * use (mapcount). Empty pages go back to the page allocator, so memory
 * counts return to where they were.
 */
#include "mm.h"
#include "spinlock.h"
#include "printk.h"
#include "string.h"

#define SLAB_MIN_SHIFT 4              /* 16-byte objects */
#define SLAB_MAX_SHIFT 11             /* 2 KiB objects; larger use whole pages */
#define NR_CLASSES (SLAB_MAX_SHIFT - SLAB_MIN_SHIFT + 1)

struct free_obj { struct free_obj *next; };

static struct {
	struct spinlock lock;
	struct list_head partial[NR_CLASSES];   /* pages with free objects */
	bool ready;
} slab = { .lock = { .name = "slab" } };

static int size_class(size_t size)
{
	int shift = SLAB_MIN_SHIFT;

	while ((1UL << shift) < size)
		shift++;
	return shift - SLAB_MIN_SHIFT;
}

static struct page *new_slab_page(int cls)
{
	struct page *page = alloc_page(GFP_KERNEL);
	size_t obj = 1UL << (cls + SLAB_MIN_SHIFT);
	char *base;

	if (!page)
		return NULL;
	base = page_address(page);
	for (size_t off = 0; off + obj <= PAGE_SIZE; off += obj)
		((struct free_obj *)(base + off))->next =
			off + 2 * obj <= PAGE_SIZE ? (struct free_obj *)(base + off + obj) : NULL;
	SetPageFlag(page, PG_slab);
	page->private = cls;
	page->index = (uint64_t)base;
	page->mapcount = 0;
	list_add(&page->lru, &slab.partial[cls]);
	return page;
}

void *kmalloc(size_t size)
{
	struct free_obj *obj = NULL;
	struct page *page;
	int cls;

	if (size > (1UL << SLAB_MAX_SHIFT)) {
		unsigned int order = 0;
		struct page *large;
		while ((PAGE_SIZE << order) < size)
			order++;
		large = alloc_pages(GFP_KERNEL, order);
		if (!large)
			return NULL;
		SetPageFlag(large, PG_large);
		large->private = order;
		return page_address(large);
	}
	cls = size_class(size ? size : 1);
	spin_lock(&slab.lock);
	if (!slab.ready) {
		for (int i = 0; i < NR_CLASSES; i++)
			INIT_LIST_HEAD(&slab.partial[i]);
		slab.ready = true;
	}
	if (list_empty(&slab.partial[cls]) && !new_slab_page(cls))
		goto out;
	page = list_first_entry(&slab.partial[cls], struct page, lru);
	obj = (struct free_obj *)page->index;
	page->index = (uint64_t)obj->next;
	page->mapcount++;
	if (!obj->next)
		list_del(&page->lru);
out:
	spin_unlock(&slab.lock);
	return obj;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *ptr)
{
	struct page *page;
	struct free_obj *obj = ptr;

	if (!ptr)
		return;
	page = virt_to_page(ptr);
	if (PageFlag(page, PG_large)) {
		unsigned int order = page->private;
		ClearPageFlag(page, PG_large);
		page->private = 0;
		__free_pages(page, order);
		return;
	}
	if (!PageFlag(page, PG_slab))
		panic("kfree: %p was not allocated by kmalloc", ptr);
	spin_lock(&slab.lock);
	if (!page->index)
		list_add(&page->lru, &slab.partial[page->private]);
	obj->next = (struct free_obj *)page->index;
	page->index = (uint64_t)obj;
	if (--page->mapcount == 0) {
		list_del(&page->lru);
		ClearPageFlag(page, PG_slab);
		page->index = 0;
		page->private = 0;
		spin_unlock(&slab.lock);
		__free_pages(page, 0);
		return;
	}
	spin_unlock(&slab.lock);
}
