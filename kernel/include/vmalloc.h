#ifndef PAGODA_VMALLOC_H
#define PAGODA_VMALLOC_H
/* Kernel virtual areas in [VMALLOC_START, VMALLOC_END) (kernel/mm/vmalloc.c). */
#include "types.h"

/*
 * Reserve size bytes (page aligned) of kernel address space followed by an
 * unmapped guard page. Returns the start, or 0 when the area table or the
 * address space is exhausted.
 */
uint64_t get_vm_area(uint64_t size);
/* The same, starting at a multiple of align (a power of two, at least
 * PAGE_SIZE), so that a large mapping can use huge leaves. */
uint64_t get_vm_area_aligned(uint64_t size, uint64_t align);
void free_vm_area(uint64_t va);

/*
 * A kernel stack of nr_pages pages with an unmapped guard page below it:
 * overflowing it faults instead of corrupting memory. Returns the lowest
 * mapped address, or 0 on -ENOMEM.
 */
uint64_t alloc_kernel_stack(unsigned int nr_pages);
/* True if va lies in a vmalloc area but is unmapped: a guard page (stack overflow). */
bool vmalloc_guard_hit(uint64_t va);
#endif
