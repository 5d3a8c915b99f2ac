/* SBI calls: the only way this kernel talks to M-mode firmware. */
#include "asm/sbi.h"

void sbi_set_timer(uint64_t stime)
{
	sbi_ecall(SBI_EXT_TIME, 0, stime, 0, 0, 0);
}

void sbi_send_ipi(uint64_t hart_mask, uint64_t hart_base)
{
	sbi_ecall(SBI_EXT_IPI, 0, hart_mask, hart_base, 0, 0);
}

void sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t hart_base,
			   uint64_t start, uint64_t size)
{
	sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, hart_mask, hart_base,
		  start, size);
}

long sbi_hart_start(uint64_t hartid, phys_addr_t start_pa, uint64_t opaque)
{
	return sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_pa,
			 opaque, 0).error;
}

void sbi_shutdown(bool failure)
{
	sbi_ecall(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_SHUTDOWN,
		  failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0, 0);
	for (;;)
		;
}

void sbi_console_putchar(int c)
{
	sbi_ecall(SBI_LEGACY_PUTCHAR, 0, (uint64_t)c, 0, 0, 0);
}
