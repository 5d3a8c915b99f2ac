/*
 * The page cache (filemap.h). Each inode keeps its cached pages on a short
 * list (page->lru), protected by the inode's sleeplock; page->mapping and
 * page->index say whose page it is and where.
 */
#include "filemap.h"
#include "fs.h"
#include "mm.h"
#include "list.h"
#include "printk.h"
#include "uapi/errno.h"

static uint64_t nr_cached; /* atomic */

static struct page *find_page(struct inode *ip, uint64_t index)
{
	struct list_head *pos;

	list_for_each(pos, &ip->i_pages)
	{
		struct page *page = list_entry(pos, struct page, lru);
		if (page->index == index)
			return page;
	}
	return NULL;
}

uint8_t *filemap_cached(struct inode *ip, uint64_t off)
{
	struct page *page = find_page(ip, off >> PAGE_SHIFT);

	return page ? (uint8_t *)page_address(page) + (off & ~PAGE_MASK) : NULL;
}

struct page *filemap_get_page(struct inode *ip, uint64_t index, int *err)
{
	struct page *page = find_page(ip, index);
	int r;

	if (page)
		goto found;
	if (index >= PFN_UP((uint64_t)ip->size)) {
		*err = -EFAULT;
		return NULL;
	}
	if (!(page = alloc_page(__GFP_ZERO))) {
		*err = -ENOMEM;
		return NULL;
	}
	/* Not cached yet, so readi() reads the disk; past the end stays zero. */
	r = readi(ip, ADDR_KERNEL, (uint64_t)page_address(page), index << PAGE_SHIFT, PAGE_SIZE);
	if (r < 0) {
		put_page(page);
		*err = -EIO;
		return NULL;
	}
	page->mapping = ip;
	page->index = index;
	list_add(&page->lru, &ip->i_pages);
	__atomic_add_fetch(&nr_cached, 1, __ATOMIC_RELAXED);
found:
	get_page(page);
	return page;
}

void filemap_drop(struct inode *ip)
{
	while (!list_empty(&ip->i_pages)) {
		struct page *page = list_first_entry(&ip->i_pages, struct page, lru);
		list_del(&page->lru);
		page->mapping = NULL;
		__atomic_sub_fetch(&nr_cached, 1, __ATOMIC_RELAXED);
		put_page(page);
	}
}

_Static_assert(PAGE_SIZE <= WRITE_CHUNK_BLOCKS * BSIZE, "a page must fit one file transaction");

int filemap_writeback(struct inode *ip, struct page *page)
{
	uint64_t off = page->index << PAGE_SHIFT;
	int r = 0;

	/* After a shutdown the page's changes cannot reach the disk. */
	if ((r = begin_op()))
		return r;
	ilock_valid(ip);
	if (page->mapping == ip && off < ip->size)
		r = writei(ip, ADDR_KERNEL, (uint64_t)page_address(page), off,
		           MIN(PAGE_SIZE, ip->size - off));
	iunlock(ip);
	end_op();
	return r < 0 ? r : 0;
}

uint64_t nr_pagecache_pages(void)
{
	return __atomic_load_n(&nr_cached, __ATOMIC_RELAXED);
}
