#ifndef PAGODA_ASM_EXTABLE_H
#define PAGODA_ASM_EXTABLE_H
/*
 * Exception fixups, the idea of Linux's __ex_table: an instruction that
 * may fault on purpose is recorded in section __ex_table with the address
 * to resume at. kerneltrap() on a page or access fault whose sepc is in
 * the table resumes there instead of panicking (search_exception_tables,
 * kernel/arch/riscv/extable.c); the resume code, in section .fixup, sets
 * the probe's result to -EFAULT and jumps back past the instruction.
 *
 * The probes below touch one address and say whether the hardware let
 * them: the self-protection tests (kernel/mm/protect_test.c) use them to
 * show that a forbidden access really faults. They never fault the way a
 * copy routine would want (no page is faulted in): a fault is the answer.
 */
#include "types.h"
#include "uapi/errno.h"

struct exception_table_entry {
	uint64_t insn;  /* the instruction that may fault (or see probe_exec) */
	uint64_t fixup; /* where to resume */
};

/* The table entry and the fixup for a probe whose fault lands at label 1
 * (or whose return address is label 2, for probe_exec): the fixup loads
 * -EFAULT into operand 0 and resumes at label 2. */
#define __EX_FIXUP(insn_label)                                                                     \
	"	.pushsection .fixup, \"ax\"\n"                                                           \
	"3:	li %0, %[efault]\n"                                                                    \
	"	j 2b\n"                                                                                  \
	"	.popsection\n"                                                                           \
	"	.pushsection __ex_table, \"a\"\n"                                                        \
	"	.balign 8\n"                                                                             \
	"	.dword " insn_label ", 3b\n"                                                       \
	"	.popsection\n"

/* Load 8 bytes from addr into *val: 0, or -EFAULT if the load faulted. */
static inline int probe_read_u64(uint64_t addr, uint64_t *val)
{
	int err = 0;
	uint64_t v = 0;

	__asm__ volatile("1:	ld %1, 0(%2)\n"
	                 "2:\n" __EX_FIXUP("1b")
	                 : "+r"(err), "+r"(v)
	                 : "r"(addr), [efault] "i"(-EFAULT)
	                 : "memory");
	*val = v;
	return err;
}

/* Store one byte at addr: 0, or -EFAULT if the store faulted. */
static inline int probe_write_u8(uint64_t addr, uint8_t v)
{
	int err = 0;

	__asm__ volatile("1:	sb %1, 0(%2)\n"
	                 "2:\n" __EX_FIXUP("1b")
	                 : "+r"(err)
	                 : "r"(v), "r"(addr), [efault] "i"(-EFAULT)
	                 : "memory");
	return err;
}

/*
 * Call the code at addr (it must return with ret and touch only the
 * caller-saved registers): 0 if it ran, -EFAULT if fetching it faulted.
 * A fetch fault reports addr itself as sepc, which no table entry can
 * name; the entry names the return address instead (label 2), and the
 * fault handler looks for the saved ra there (fixup_exception).
 */
static inline int probe_exec(uint64_t addr)
{
	int err = 0;

	__asm__ volatile("	jalr ra, 0(%1)\n"
	                 "2:\n" __EX_FIXUP("2b")
	                 : "+r"(err)
	                 : "r"(addr), [efault] "i"(-EFAULT)
	                 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3",
	                   "a4", "a5", "a6", "a7", "memory");
	return err;
}

/* The entry for a faulting instruction at addr, or NULL. */
const struct exception_table_entry *search_exception_tables(uint64_t addr);
#endif
