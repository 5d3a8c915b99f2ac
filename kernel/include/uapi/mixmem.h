#ifndef PAGODA_UAPI_MIXMEM_H
#define PAGODA_UAPI_MIXMEM_H
/*
 * The two memory devices of lab mixedmap, present when the kernel boots
 * with the `mixmem` option (kernel/drivers/mixmem.c).
 *
 * /dev/mixmem: MIXMEM_NR_PAGES pages. Even pages are ordinary RAM (they have
 * a struct page and are reference counted); odd pages are device memory the
 * kernel carved out of RAM before the memmap existed (no struct page).
 * Its mappings are VM_MIXEDMAP, faulted in one page at a time.
 *
 * /dev/pfnmem: PFNMEM_NR_PAGES physically contiguous RAM pages mapped raw,
 * as remap_pfn_range() does: VM_PFNMAP, all ptes at mmap() time, no page
 * reference counted even though every pfn has a struct page.
 *
 * mmap() of either beyond its last page fails with ENXIO.
 */
#define MIXMEM_NR_PAGES 64
#define PFNMEM_NR_PAGES 16
/* Character-device major numbers (kernel/include/device.h). */
#define MIXMEM_MAJOR 2
#define PFNMEM_MAJOR 4
#define MIXMEM_PATH "/dev/mixmem"
#define PFNMEM_PATH "/dev/pfnmem"
#endif
