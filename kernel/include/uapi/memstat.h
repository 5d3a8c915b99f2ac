#ifndef PAGODA_UAPI_MEMSTAT_H
#define PAGODA_UAPI_MEMSTAT_H
/* Filled in by the memstat() system call; all counts are 4 KiB pages. */
struct memstat {
	unsigned long total_pages;     /* RAM handed to the page allocator */
	unsigned long free_pages;      /* free in the page allocator now */
	unsigned long used_pages;      /* total_pages - free_pages */
	unsigned long reserved_pages;  /* RAM kept by firmware, kernel, memmap */
	unsigned long ram_pages;       /* RAM in use by the kernel: the device tree's, less device-memory carve-outs */
	unsigned long pgtable_pages;   /* page-table pages in use */
	unsigned long rss_pages;       /* pages mapped by the calling process */
	unsigned long pagecache_pages; /* file pages cached for mmap() */
	unsigned long devmem_pages;    /* device memory without struct page that drivers map */
};
#endif
