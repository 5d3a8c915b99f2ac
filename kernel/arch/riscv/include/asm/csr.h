#ifndef PAGODA_ASM_CSR_H
#define PAGODA_ASM_CSR_H
/*
 * Supervisor CSRs and their bits (RISC-V privileged spec, chapter 4).
 * Every CSR is reached through a static inline accessor here; no other .c
 * file contains inline assembly.
 */
#ifndef __ASSEMBLER__
#include "types.h"
#endif

/* sstatus */
#define SSTATUS_SIE   (1UL << 1)   /* supervisor interrupts enabled */
#define SSTATUS_SPIE  (1UL << 5)   /* SIE before the trap */
#define SSTATUS_SPP   (1UL << 8)   /* trap came from S-mode */
#define SSTATUS_FS    (3UL << 13)  /* floating-point unit state */
#define SSTATUS_SUM   (1UL << 18)  /* S-mode may touch user pages */

/* scounteren: counters U-mode may read */
#define SCOUNTEREN_CY (1UL << 0)   /* cycle */
#define SCOUNTEREN_TM (1UL << 1)   /* time */
#define SCOUNTEREN_IR (1UL << 2)   /* instret */

/* sie / sip bits, and scause interrupt codes */
#define IRQ_S_SOFT    1
#define IRQ_S_TIMER   5
#define IRQ_S_EXT     9
#define SIE_SSIE      (1UL << IRQ_S_SOFT)
#define SIE_STIE      (1UL << IRQ_S_TIMER)
#define SIE_SEIE      (1UL << IRQ_S_EXT)

/* scause */
#define SCAUSE_INTERRUPT   (1UL << 63)
#define EXC_INST_MISALIGNED   0
#define EXC_INST_ACCESS       1
#define EXC_ILLEGAL_INST      2
#define EXC_BREAKPOINT        3
#define EXC_LOAD_MISALIGNED   4
#define EXC_LOAD_ACCESS       5
#define EXC_STORE_MISALIGNED  6
#define EXC_STORE_ACCESS      7
#define EXC_ECALL_U           8
#define EXC_ECALL_S           9
#define EXC_INST_PAGE_FAULT   12
#define EXC_LOAD_PAGE_FAULT   13
#define EXC_STORE_PAGE_FAULT  15

/* satp: MODE field in bits 63:60, PPN in 43:0. */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_SV48  9UL
#define SATP_PPN_MASK   ((1UL << 44) - 1)

#ifndef __ASSEMBLER__

#define __csr_read(name) ({ uint64_t __v; \
	__asm__ volatile("csrr %0, " #name : "=r"(__v)); __v; })
#define __csr_write(name, v) \
	__asm__ volatile("csrw " #name ", %0" : : "r"((uint64_t)(v)) : "memory")
#define __csr_set(name, v) \
	__asm__ volatile("csrs " #name ", %0" : : "r"((uint64_t)(v)) : "memory")
#define __csr_clear(name, v) \
	__asm__ volatile("csrc " #name ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline uint64_t csr_read_sstatus(void) { return __csr_read(sstatus); }
static inline void csr_write_sstatus(uint64_t v) { __csr_write(sstatus, v); }
static inline void csr_set_sstatus(uint64_t v) { __csr_set(sstatus, v); }
static inline void csr_clear_sstatus(uint64_t v) { __csr_clear(sstatus, v); }
static inline uint64_t csr_read_sie(void) { return __csr_read(sie); }
static inline void csr_set_sie(uint64_t v) { __csr_set(sie, v); }
static inline void csr_clear_sip(uint64_t v) { __csr_clear(sip, v); }
static inline uint64_t csr_read_sip(void) { return __csr_read(sip); }
static inline uint64_t csr_read_scause(void) { return __csr_read(scause); }
static inline uint64_t csr_read_stval(void) { return __csr_read(stval); }
static inline uint64_t csr_read_sepc(void) { return __csr_read(sepc); }
static inline void csr_write_sepc(uint64_t v) { __csr_write(sepc, v); }
static inline void csr_write_stvec(uint64_t v) { __csr_write(stvec, v); }
static inline uint64_t csr_read_stvec(void) { return __csr_read(stvec); }
static inline void csr_write_sscratch(uint64_t v) { __csr_write(sscratch, v); }
static inline uint64_t csr_read_satp(void) { return __csr_read(satp); }
static inline void csr_write_satp(uint64_t v) { __csr_write(satp, v); }
static inline uint64_t csr_read_time(void) { return __csr_read(time); }
static inline uint64_t csr_read_instret(void) { return __csr_read(instret); }
static inline void csr_write_scounteren(uint64_t v) { __csr_write(scounteren, v); }

static inline void local_irq_enable(void) { csr_set_sstatus(SSTATUS_SIE); }
static inline void local_irq_disable(void) { csr_clear_sstatus(SSTATUS_SIE); }
static inline bool irqs_enabled(void)
{
	return (csr_read_sstatus() & SSTATUS_SIE) != 0;
}

/* Flush this hart's TLB: all entries, or those for one virtual address. */
static inline void local_flush_tlb_all(void)
{
	__asm__ volatile("sfence.vma" : : : "memory");
}
static inline void local_flush_tlb_page(uint64_t va)
{
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");
}

static inline uint64_t make_satp(phys_addr_t pgd_pa)
{
	return (SATP_MODE_SV48 << SATP_MODE_SHIFT) |
	       ((pgd_pa >> 12) & SATP_PPN_MASK);
}

/* tp holds this hart's struct cpu while in the kernel. */
static inline void *read_tp(void)
{
	void *tp;
	__asm__ volatile("mv %0, tp" : "=r"(tp));
	return tp;
}
static inline void write_tp(void *tp) { __asm__ volatile("mv tp, %0" : : "r"(tp)); }
static inline uint64_t read_fp(void)
{
	uint64_t fp;
	__asm__ volatile("mv %0, s0" : "=r"(fp));
	return fp;
}
static inline void wait_for_interrupt(void) { __asm__ volatile("wfi"); }
static inline void fence_i(void) { __asm__ volatile("fence.i" : : : "memory"); }
static inline void mb(void) { __asm__ volatile("fence rw, rw" : : : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("nop"); }

#endif /* __ASSEMBLER__ */
#endif
