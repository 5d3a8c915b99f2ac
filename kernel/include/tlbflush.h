#ifndef PAGODA_TLBFLUSH_H
#define PAGODA_TLBFLUSH_H
#include "types.h"
/*
 * Flush [start, end) from the TLB of this hart and of every other started
 * hart (SBI remote fence). Used after any change to a live page table that
 * removes or changes an entry; adding entries needs no flush.
 */
void flush_tlb_kernel_range(uint64_t start, uint64_t end);
/* Flush everything, on every started hart. */
void flush_tlb_all(void);
#endif
