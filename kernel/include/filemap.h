#ifndef PAGODA_FILEMAP_H
#define PAGODA_FILEMAP_H
/*
 * The page cache (kernel/mm/filemap.c): the pages of regular files that
 * mmap() maps. A cached page is the newest copy of its part of the file:
 * readi() reads through it, writei() writes through it, and a shared
 * mapping's writes reach the disk when the mapping is written back. The
 * cache holds one reference on each page; the pages go when the last
 * reference to the inode does, or when the file is truncated.
 * Every function here needs the inode's lock unless it says otherwise.
 */
#include "types.h"

struct inode;
struct page;

/*
 * The cached page holding file page index of ip, with a reference for the
 * caller, read from disk on first use. NULL with *err = -EFAULT when the
 * page lies wholly past the end of the file, -ENOMEM, or -EIO.
 */
struct page *filemap_get_page(struct inode *ip, uint64_t index, int *err);
/* The cached bytes at file offset off, or NULL when that page is not cached. */
uint8_t *filemap_cached(struct inode *ip, uint64_t off);
/* Drop every page from ip's cache (truncation, eviction). Pages still
 * mapped live on, detached (page->mapping NULL), until unmapped. */
void filemap_drop(struct inode *ip);
/*
 * Write page (of ip's cache) back to the file, never past its end. Takes
 * ip's lock and log transactions itself: call it holding neither. A page
 * detached meanwhile is skipped. 0, or a negative errno from writei().
 */
int filemap_writeback(struct inode *ip, struct page *page);
/* Pages in every file's cache (memstat). No lock. */
uint64_t nr_pagecache_pages(void);
#endif
