#ifndef PAGODA_PMEM_H
#define PAGODA_PMEM_H
/*
 * The pmem driver of lab altmap (kernel/drivers/pmem.c; the user's view is
 * uapi/pmem.h). The device is QEMU's ivshmem-plain: BAR2 is memory backed
 * by a host file. Its layout, fixed when the device is first used:
 *
 *   page 0          1                                  data_pfn_offset
 *   | info block | memmap budget (altmap free) ...      | data ...     |
 *
 * The info block records the layout; a later boot accepts the device only
 * if the block is intact and describes this device. The memmap budget is
 * reserved whether or not the memmap is put there (pmem.map=), so data
 * never moves.
 */
#include "types.h"
#include "memremap.h"

#define PMEM_VENDOR_ID 0x1af4 /* Red Hat, Inc. (ivshmem) */
#define PMEM_DEVICE_ID 0x1110 /* ivshmem */
#define PMEM_BAR       2      /* the shared memory */
#define PMEM_INFO_PAGES 1     /* altmap reserve: the info block */
#define PMEM_INFO_MAGIC "PAGODA-PMEM-V1"
#define PMEM_INFO_MAGIC_LEN 16

/* The info block, at offset 0 of the device (little endian). */
struct pmem_info {
	char magic[PMEM_INFO_MAGIC_LEN];
	uint64_t dev_size;        /* bytes */
	uint64_t reserve_pages;   /* pages before the memmap budget */
	uint64_t memmap_pages;    /* the memmap budget: altmap free */
	uint64_t data_pfn_offset; /* reserve + memmap budget */
	uint64_t nr_boots;        /* boots that accepted the block */
	uint64_t checksum;        /* FNV-1a of everything above */
};

enum pmem_map {
	PMEM_MAP_DEV,  /* memmap on the device (vmem_altmap) */
	PMEM_MAP_RAM,  /* memmap in system RAM */
	PMEM_MAP_NONE, /* no memmap: raw pfns */
};

/* The layout of a device of dev_size bytes (info block fields). */
void pmem_layout(uint64_t dev_size, struct pmem_info *info);

/*
 * Boot: find the device on PCI, check or write its info block, online its
 * memmap as pmem.map= and pmem.align= ask, register /dev/pmem0. Prints
 * what it did; a device it cannot trust is refused (not registered).
 */
void pmem_init(void);

/*
 * Take the device's memmap offline and online again, for tests. 0;
 * -ENODEV without a device or memmap; -EBUSY while /dev/pmem0 is mapped.
 * memmap online/offline state is kept in *pgmap (may be NULL).
 */
int pmem_offline(void);
int pmem_online(void);
struct dev_pagemap *pmem_pgmap(void);
#endif
