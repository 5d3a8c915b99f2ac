/* TLB shootdown: local sfence.vma, remote harts through the SBI RFENCE call. */
#include "tlbflush.h"
#include "proc.h"
#include "asm/csr.h"
#include "asm/sbi.h"
#include "asm/pgtable.h"

/* Above this many pages one full flush is cheaper than per-page fences. */
#define FLUSH_ALL_THRESHOLD 64

static void remote_flush(uint64_t start, uint64_t size)
{
	int self = cpuid();

	for (int i = 0; i < nr_cpus; i++)
		if (i != self && READ_ONCE(cpus[i].started))
			sbi_remote_sfence_vma(1, cpus[i].hartid, start, size);
}

void flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	uint64_t nr_pages = (end - start) >> PAGE_SHIFT;

	if (nr_pages > FLUSH_ALL_THRESHOLD) {
		flush_tlb_all();
		return;
	}
	for (uint64_t va = start; va < end; va += PAGE_SIZE)
		local_flush_tlb_page(va);
	remote_flush(start, end - start);
}

void flush_tlb_all(void)
{
	local_flush_tlb_all();
	remote_flush(0, (uint64_t)-1);
}
