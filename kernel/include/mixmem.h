#ifndef PAGODA_MIXMEM_H
#define PAGODA_MIXMEM_H
/*
 * The memory devices of lab mixedmap (kernel/drivers/mixmem.c, user view in
 * uapi/mixmem.h), present with the `mixmem` boot option.
 */
/* Boot, after memblock and before the memmap: carve the top memory section
 * of RAM out as device memory (no struct page will describe it). */
void mixmem_reserve(void);
/* Boot, once the page allocator and ioremap work: map the device memory,
 * take the devices' RAM pages, register /dev/mixmem and /dev/pfnmem. */
void mixmem_init(void);
#endif
