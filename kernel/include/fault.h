#ifndef PAGODA_FAULT_H
#define PAGODA_FAULT_H
#include "types.h"
struct mm_struct;

enum fault_access { FAULT_READ, FAULT_WRITE, FAULT_EXEC };

/*
 * The one page-fault handler for user addresses (kernel/mm/fault.c): the
 * trap code calls it for U-mode faults, copyin/copyout for kernel accesses
 * to user memory. Returns 0 when the access may be retried, -EFAULT when
 * it is a bad access (the caller kills the process or fails the call).
 */
int handle_mm_fault(struct mm_struct *mm, uint64_t va, enum fault_access access);
#endif
