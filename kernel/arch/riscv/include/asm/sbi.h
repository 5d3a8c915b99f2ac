#ifndef PAGODA_ASM_SBI_H
#define PAGODA_ASM_SBI_H
/* Supervisor Binary Interface calls (RISC-V SBI spec v1.0). */
#include "types.h"

#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45   /* "TIME" */
#define SBI_EXT_IPI    0x735049     /* "sPI" */
#define SBI_EXT_RFENCE 0x52464E43   /* "RFNC" */
#define SBI_EXT_HSM    0x48534D     /* "HSM" */
#define SBI_EXT_SRST   0x53525354   /* "SRST" */
#define SBI_EXT_DBCN   0x4442434E   /* "DBCN" */
#define SBI_LEGACY_PUTCHAR 0x01

#define SBI_HSM_HART_START  0
#define SBI_HSM_HART_STATUS 2
#define SBI_RFENCE_SFENCE_VMA 1
#define SBI_SRST_RESET 0
#define SBI_SRST_TYPE_SHUTDOWN 0
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1
#define SBI_SUCCESS 0

struct sbiret {
	long error;
	long value;
};

static inline struct sbiret sbi_ecall(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1,
			uint64_t a2, uint64_t a3)
{
	register uint64_t r_a0 __asm__("a0") = a0;
	register uint64_t r_a1 __asm__("a1") = a1;
	register uint64_t r_a2 __asm__("a2") = a2;
	register uint64_t r_a3 __asm__("a3") = a3;
	register uint64_t r_a6 __asm__("a6") = fid;
	register uint64_t r_a7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){ .error = (long)r_a0, .value = (long)r_a1 };
}

/* Arm this hart's timer for an absolute time (in timebase ticks). */
void sbi_set_timer(uint64_t stime);
/* Send a supervisor software interrupt to the harts in the mask
 * (bit i = hart hart_base + i). */
void sbi_send_ipi(uint64_t hart_mask, uint64_t hart_base);
/* Flush [start, start+size) on the harts in the mask; size -1 = all. */
void sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t hart_base,
			   uint64_t start, uint64_t size);
/* Start hart at the physical address start_pa with a1 = opaque.
 * Returns the SBI error (0 on success). */
long sbi_hart_start(uint64_t hartid, phys_addr_t start_pa, uint64_t opaque);
__noreturn void sbi_shutdown(bool failure);
/* Early console (legacy putchar): used before the UART driver is up. */
void sbi_console_putchar(int c);
#endif
