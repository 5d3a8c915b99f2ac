/*
 * Trap entry and exit. There is no trampoline: the kernel half is mapped in
 * every address space, so a trap from user mode stays on the process's page
 * table. stvec points at uservec while a process runs in U-mode (sscratch
 * then holds its struct trapframe) and at kernelvec while in S-mode.
 */
#include "trapframe.h"

#define REGBYTES 8
#define SAVE(r, n) sd r, TF_REG(n)(a0)
#define LOAD(r, n) ld r, TF_REG(n)(a0)

	.section .text
	.globl uservec
	.balign 4
uservec:
	csrrw	a0, sscratch, a0		/* a0 = trapframe, sscratch = user a0 */
	SAVE(ra, 1);  SAVE(sp, 2);  SAVE(gp, 3);  SAVE(tp, 4)
	SAVE(t0, 5);  SAVE(t1, 6);  SAVE(t2, 7);  SAVE(s0, 8)
	SAVE(s1, 9);                SAVE(a1, 11); SAVE(a2, 12)
	SAVE(a3, 13); SAVE(a4, 14); SAVE(a5, 15); SAVE(a6, 16)
	SAVE(a7, 17); SAVE(s2, 18); SAVE(s3, 19); SAVE(s4, 20)
	SAVE(s5, 21); SAVE(s6, 22); SAVE(s7, 23); SAVE(s8, 24)
	SAVE(s9, 25); SAVE(s10, 26); SAVE(s11, 27); SAVE(t3, 28)
	SAVE(t4, 29); SAVE(t5, 30); SAVE(t6, 31)
	csrr	t0, sscratch
	SAVE(t0, 10)
	csrr	t0, sepc
	sd	t0, TF_EPC(a0)
	csrw	sscratch, a0			/* keep it for the next trap */
	ld	sp, TF_KERNEL_SP(a0)
	ld	tp, TF_KERNEL_TP(a0)
	li	s0, 0				/* end of the frame-pointer chain */
	la	t0, kernelvec
	csrw	stvec, t0
	call	usertrap			/* returns to user via userret */
1:	j	1b

/* userret(struct trapframe *tf): restore user registers and sret. */
	.globl userret
userret:
	ld	t0, TF_EPC(a0)
	csrw	sepc, t0
	csrw	sscratch, a0
	LOAD(ra, 1);  LOAD(sp, 2);  LOAD(gp, 3);  LOAD(tp, 4)
	LOAD(t0, 5);  LOAD(t1, 6);  LOAD(t2, 7);  LOAD(s0, 8)
	LOAD(s1, 9);                LOAD(a1, 11); LOAD(a2, 12)
	LOAD(a3, 13); LOAD(a4, 14); LOAD(a5, 15); LOAD(a6, 16)
	LOAD(a7, 17); LOAD(s2, 18); LOAD(s3, 19); LOAD(s4, 20)
	LOAD(s5, 21); LOAD(s6, 22); LOAD(s7, 23); LOAD(s8, 24)
	LOAD(s9, 25); LOAD(s10, 26); LOAD(s11, 27); LOAD(t3, 28)
	LOAD(t4, 29); LOAD(t5, 30); LOAD(t6, 31)
	LOAD(a0, 10)
	sret

/*
 * kernelvec: a trap in S-mode. Save the caller-saved registers on the
 * current kernel stack and call kerneltrap(); callee-saved ones are
 * preserved by the C calling convention.
 */
#define KFRAME (17 * REGBYTES)
	.globl kernelvec
	.balign 4
kernelvec:
	addi	sp, sp, -KFRAME
	sd	ra, 0(sp)
	sd	t0, 8(sp)
	sd	t1, 16(sp)
	sd	t2, 24(sp)
	sd	a0, 32(sp)
	sd	a1, 40(sp)
	sd	a2, 48(sp)
	sd	a3, 56(sp)
	sd	a4, 64(sp)
	sd	a5, 72(sp)
	sd	a6, 80(sp)
	sd	a7, 88(sp)
	sd	t3, 96(sp)
	sd	t4, 104(sp)
	sd	t5, 112(sp)
	sd	t6, 120(sp)
	mv	a0, sp				/* struct kernel_regs *: the saved registers */
	call	kerneltrap
	ld	ra, 0(sp)
	ld	t0, 8(sp)
	ld	t1, 16(sp)
	ld	t2, 24(sp)
	ld	a0, 32(sp)
	ld	a1, 40(sp)
	ld	a2, 48(sp)
	ld	a3, 56(sp)
	ld	a4, 64(sp)
	ld	a5, 72(sp)
	ld	a6, 80(sp)
	ld	a7, 88(sp)
	ld	t3, 96(sp)
	ld	t4, 104(sp)
	ld	t5, 112(sp)
	ld	t6, 120(sp)
	addi	sp, sp, KFRAME
	sret
