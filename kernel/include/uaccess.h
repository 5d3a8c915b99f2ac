#ifndef PAGODA_UACCESS_H
#define PAGODA_UACCESS_H
#include "types.h"

/* Where an address passed to a copy routine lives. */
enum addr_space {
	ADDR_KERNEL,   /* a kernel virtual address */
	ADDR_USER,     /* a user virtual address of the current process */
};

struct mm_struct;

/*
 * Copy between the kernel and a user address space. Every byte of the user
 * range is checked against the user half and the page tables (and faulted
 * in where the fault handler allows). Return 0, or -EFAULT with nothing
 * guaranteed about a partial copy.
 */
int copyout(struct mm_struct *mm, uint64_t dst_va, const void *src, size_t len);
int copyin(struct mm_struct *mm, void *dst, uint64_t src_va, size_t len);
/* Copies a NUL-terminated string of at most max bytes (NUL included).
 * Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL within max. */
int copyinstr(struct mm_struct *mm, char *dst, uint64_t src_va, size_t max);

/* Copy to/from the current process (ADDR_USER) or the kernel. 0 or -EFAULT. */
int either_copyout(enum addr_space where, uint64_t dst, const void *src, size_t len);
int either_copyin(void *dst, enum addr_space where, uint64_t src, size_t len);
#endif
