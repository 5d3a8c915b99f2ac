#ifndef PAGODA_UAPI_PMEM_H
#define PAGODA_UAPI_PMEM_H
/*
 * /dev/pmem0, the persistent-memory device of lab altmap
 * (kernel/drivers/pmem.c): the data area of an ivshmem-plain PCI device
 * backed by a host file, so what is written survives a reboot.
 *
 * read() and write() move bytes at the file offset and stop at the end of
 * the data area; mmap() maps it (VM_MIXEDMAP): with the memmap onlined
 * (`pmem.map=dev` or `ram`) its pages have a struct page and are reference
 * counted; with `pmem.map=none` they are raw pfns. mmap() beyond the end
 * fails with ENXIO; without a usable device, open works and every
 * operation fails with ENODEV.
 */
#define PMEM_MAJOR 3
#define PMEM_PATH "/dev/pmem0"
#endif
