/*
 * Kernel entry. OpenSBI enters _start in S-mode with paging off:
 * a0 = hart id, a1 = physical address of the device tree.
 * We run at the physical load address until setup_vm() has built the
 * early page tables, then turn paging on and continue at the link address.
 */
#include "asm/csr.h"

	.section .text.entry, "ax"
	.globl _start
_start:
	csrw	sie, zero
	csrw	sip, zero
	/*
	 * Only one hart may boot the kernel. Firmware normally sends just the
	 * boot hart here, but a hart that arrives too (some SBI versions let
	 * a racing secondary through) would wipe .bss under the boot hart:
	 * the losers of this lottery park for good.
	 */
	la	t0, hart_lottery
	li	t1, 1
	amoadd.w t0, t1, (t0)
	bnez	t0, park
	la	sp, boot_stack_top		/* physical: paging is off */
	mv	s0, a0
	mv	s1, a1

	/* Clear .bss before any C code relies on zeroed globals. */
	la	t0, _sbss
	la	t1, _ebss
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* s2 = link address - load address */
	la	t0, _start
	ld	t1, link_start
	sub	s2, t1, t0

	mv	a0, s1
	mv	a1, s2
	call	setup_vm			/* returns the early satp value */
	mv	a1, s2
	call	enable_paging			/* continues at the link address */

	la	sp, boot_stack_top		/* virtual from here on */
	mv	a0, s0
	mv	a1, s1
	call	kmain
3:	wfi
	j	3b

/*
 * Secondary harts, started by sbi_hart_start(): a0 = hart id,
 * a1 = index in cpus[]. Paging goes on with the final kernel page table.
 */
	.globl secondary_start
secondary_start:
	csrw	sie, zero
	csrw	sip, zero
	mv	s0, a1
	la	t0, _start
	ld	t1, link_start
	sub	s2, t1, t0
	la	t0, secondary_satp
	ld	a0, 0(t0)
	mv	a1, s2
	call	enable_paging
	la	t0, secondary_stack_top
	slli	t1, s0, 3
	add	t0, t0, t1
	ld	sp, 0(t0)
	mv	a0, s0
	call	secondary_kmain
4:	wfi
	j	4b

/*
 * enable_paging(satp, va_pa_offset): switch satp and return to the caller
 * at its virtual address. The instruction after the satp write cannot be
 * fetched at its physical address any more; the page fault lands in stvec,
 * which already holds the virtual address of the continuation.
 */
enable_paging:
	add	ra, ra, a1
	la	t0, 1f
	add	t0, t0, a1
	csrw	stvec, t0
	sfence.vma
	csrw	satp, a0
	.balign 4
1:	la	t0, early_trap			/* PC-relative: virtual now */
	csrw	stvec, t0
	sfence.vma
	ret

park:
	wfi
	j	park

/* Until trap_init(): report and stop (a trap this early is a kernel bug). */
	.balign 4
early_trap:
	call	early_trap_report
5:	wfi
	j	5b

	.section .data
	.balign 4
hart_lottery:			/* in .data: clearing .bss must not reset it */
	.word	0

	.section .rodata
	.balign 8
link_start:
	.quad	_start

	.section .bss
	.balign 16
boot_stack:
	.space	4096 * 4
	.globl boot_stack_top
boot_stack_top:
