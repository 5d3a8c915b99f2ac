#ifndef PAGODA_TRAPFRAME_H
#define PAGODA_TRAPFRAME_H
/*
 * User registers saved on a trap from U-mode. The offsets are used by
 * kernel/arch/riscv/trap.S; keep TF_* in step with the struct (checked by
 * static assertions in trap.c).
 */
#define TF_KERNEL_SP  0
#define TF_KERNEL_TP  8
#define TF_EPC        16
#define TF_REG(n)     (24 + ((n) - 1) * 8)   /* xn, n = 1..31 */
#define TF_SIZE       (24 + 31 * 8)

#ifndef __ASSEMBLER__
#include "types.h"
struct trapframe {
	uint64_t kernel_sp;   /* top of this process's kernel stack */
	uint64_t kernel_tp;   /* this hart's struct cpu */
	uint64_t epc;         /* user pc */
	uint64_t ra, sp, gp, tp;
	uint64_t t0, t1, t2;
	uint64_t s0, s1;
	uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
	uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
	uint64_t t3, t4, t5, t6;
};

/* Caller-saved registers of an S-mode trap, as kernelvec (trap.S) pushes
 * them on the kernel stack; kerneltrap() gets a pointer to them. */
struct kernel_regs {
	uint64_t ra, t0, t1, t2;
	uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
	uint64_t t3, t4, t5, t6;
};
#endif
#endif
