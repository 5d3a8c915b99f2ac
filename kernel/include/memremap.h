#ifndef PAGODA_MEMREMAP_H
#define PAGODA_MEMREMAP_H
/*
 * Device memory the kernel reaches outside the direct map
 * (kernel/mm/memremap.c). Pfns without a struct page are not in the direct
 * map; a driver that hands them to user space registers its kernel mapping
 * here so that copy-on-write and copyin/copyout can reach them too.
 */
#include "types.h"

#define MAX_DEVMEM_RANGES 4

/*
 * Record that [pfn, pfn + nr_pages) is reachable at kernel address va
 * (page aligned, e.g. from ioremap()). 0, or -ENOMEM when the table is full.
 */
int devmem_register(uint64_t pfn, uint64_t nr_pages, void *va);
/* Pages of device memory registered so far. */
uint64_t nr_devmem_pages(void);
/*
 * The kernel address of page frame pfn: the direct map for a pfn with a
 * struct page, a registered device mapping otherwise; NULL when the kernel
 * has no mapping of it.
 */
void *pfn_to_kaddr(uint64_t pfn);
#endif
