/* SPDX: Pagoda teaching kernel. */
#ifndef PAGODA_MEMLAYOUT_H
#define PAGODA_MEMLAYOUT_H
/*
 * Virtual memory layout, Sv48 (48-bit addresses, sign-extended).
 * This header is the single source of truth: the handbook's memory-map
 * figure is generated from the constants below.
 *
 *  0xffff_ffff_ffff_ffff +---------------------------+
 *                        | kernel image (2 GiB)      | KERNEL_VIRT_START
 *  0xffff_ffff_8000_0000 +---------------------------+
 *                        | (unused)                  |
 *  0xffff_e000_0000_0000 +---------------------------+ VMALLOC_END
 *                        | vmalloc / ioremap (32 TiB)|
 *  0xffff_c000_0000_0000 +---------------------------+ VMALLOC_START
 *                        | (unused)                  |
 *  0xffff_a080_0000_0000 +---------------------------+ VMEMMAP_END
 *                        | vmemmap (512 GiB)         | struct page[2^33]
 *  0xffff_a000_0000_0000 +---------------------------+ VMEMMAP_START
 *                        | direct map (32 TiB)       | all physical memory
 *  0xffff_8000_0000_0000 +---------------------------+ PAGE_OFFSET
 *                        | non-canonical hole        |
 *  0x0000_8000_0000_0000 +---------------------------+ USER_TOP
 *                        | user stack (grows down)   |
 *                        | mmap area (top-down)      |
 *                        | heap (sbrk, grows up)     |
 *                        | data, text                |
 *  0x0000_0000_0000_1000 +---------------------------+ USER_TEXT_START
 *                        | unmapped page (NULL)      |
 *  0x0000_0000_0000_0000 +---------------------------+
 */

#define _UL(x) (x##UL)

/* Physical addresses have at most this many bits (a 45-bit space: 32 TiB). */
#define MAX_PHYSMEM_BITS   45
#define MAX_PHYS_ADDR      (_UL(1) << MAX_PHYSMEM_BITS)

/* Direct map: physical address pa lives at PAGE_OFFSET + pa. */
#define PAGE_OFFSET        _UL(0xffff800000000000)
#define DIRECT_MAP_SIZE    MAX_PHYS_ADDR
#define DIRECT_MAP_END     (PAGE_OFFSET + DIRECT_MAP_SIZE)

/* Virtual memmap: one 64-byte struct page per 4 KiB of the 45-bit space. */
#define VMEMMAP_START      _UL(0xffffa00000000000)
#define VMEMMAP_SIZE       _UL(0x0000008000000000)
#define VMEMMAP_END        (VMEMMAP_START + VMEMMAP_SIZE)

/* vmalloc and ioremap: kernel stacks with guard pages, device windows. */
#define VMALLOC_START      _UL(0xffffc00000000000)
#define VMALLOC_SIZE       _UL(0x0000200000000000)
#define VMALLOC_END        (VMALLOC_START + VMALLOC_SIZE)

/* The kernel image is linked here (see kernel/arch/riscv/kernel.ld). */
#define KERNEL_VIRT_START  _UL(0xffffffff80000000)
#define KERNEL_LINK_ADDR   _UL(0xffffffff80200000)

/* User half. */
#define USER_TOP           _UL(0x0000800000000000)
#define USER_TEXT_START    _UL(0x0000000000001000)
/* User stack: top of the user half, one guard page below it. */
#define USER_STACK_TOP     USER_TOP
#define USER_STACK_PAGES   4
/* mmap() picks addresses top-down from here (below the stack and its guard). */
#define USER_MMAP_TOP      (USER_STACK_TOP - _UL(0x0000000100000000))

#endif
