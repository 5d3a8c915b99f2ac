#ifndef PAGODA_VM_H
#define PAGODA_VM_H
/*
 * User address spaces (kernel/mm/vm.c). Layout (memlayout.h): ELF segments
 * from USER_TEXT_START, the heap right after them up to brk, the stack
 * below USER_STACK_TOP with an unmapped guard page under it.
 */
#include "types.h"
#include "pgtable.h"

struct mm_struct {
	pgd_t *pgd;             /* user half private, kernel half shared */
	uint64_t image_end;     /* end of the loaded ELF segments */
	uint64_t brk;           /* end of the heap (sbrk) */
	uint64_t stack_start;   /* lowest mapped stack address */
	struct vm_area_struct *mmap;   /* mappings, sorted by address (mmap.h) */
	unsigned int nr_vmas;
};

/* A new address space with no user mappings; NULL on -ENOMEM. */
struct mm_struct *mm_alloc(void);
/* Unmap and free every user page and table, then the mm itself. */
void mm_free(struct mm_struct *mm);
/*
 * Map zeroed pages over [va, va+size) (page aligned) with prot.
 * Returns 0, -ENOMEM or -EEXIST; on error nothing new stays mapped.
 */
int mm_map_zeroed(struct mm_struct *mm, uint64_t va, uint64_t size, pgprot_t prot);
/* Copy the user page at va of src, if mapped, into a new page of dst with
 * the same bits. 0 or -ENOMEM. */
int mm_copy_page(struct mm_struct *dst, struct mm_struct *src, uint64_t va);
/* Copy every user page of src into dst (fork). 0 or -ENOMEM (dst then
 * holds a partial copy that mm_free() releases). */
int mm_copy(struct mm_struct *dst, struct mm_struct *src);
/* Grow or shrink the heap by delta bytes. Returns the old brk, or a
 * negative errno (-ENOMEM) with nothing changed. */
int64_t mm_sbrk(struct mm_struct *mm, int64_t delta);
/* Make this address space the current one on this hart (flushes the TLB). */
void switch_mm(struct mm_struct *mm);
#endif
