/* Trap dispatch: system calls, interrupts and faults from U- and S-mode. */
#include "trap.h"
#include "trapframe.h"
#include "proc.h"
#include "syscall.h"
#include "irq.h"
#include "fault.h"
#include "vmalloc.h"
#include "printk.h"
#include "fault_inject.h"
#include "asm/csr.h"
#include "asm/pgtable.h"
#include "asm/extable.h"

_Static_assert(offsetof(struct trapframe, kernel_sp) == TF_KERNEL_SP, "trapframe layout");
_Static_assert(offsetof(struct trapframe, kernel_tp) == TF_KERNEL_TP, "trapframe layout");
_Static_assert(offsetof(struct trapframe, epc) == TF_EPC, "trapframe layout");
_Static_assert(offsetof(struct trapframe, ra) == TF_REG(1), "trapframe layout");
_Static_assert(offsetof(struct trapframe, a0) == TF_REG(10), "trapframe layout");
_Static_assert(offsetof(struct trapframe, t6) == TF_REG(31), "trapframe layout");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe layout");
_Static_assert(sizeof(struct kernel_regs) == 16 * sizeof(uint64_t), "kernelvec saves 16 registers");

extern char uservec[], kernelvec[];
__noreturn void userret(struct trapframe *tf);

void trap_init_hart(void)
{
	csr_write_stvec((uint64_t)kernelvec);
	csr_write_sscratch(0);
	csr_set_sie(SIE_SEIE | SIE_STIE | SIE_SSIE);
	/* User programs may read the counters: faultbench counts instructions. */
	csr_write_scounteren(SCOUNTEREN_CY | SCOUNTEREN_TM | SCOUNTEREN_IR);
}

static const char *exception_name(uint64_t cause)
{
	static const char *const names[] = {
		[EXC_INST_MISALIGNED] = "instruction address misaligned",
		[EXC_INST_ACCESS] = "instruction access fault",
		[EXC_ILLEGAL_INST] = "illegal instruction",
		[EXC_BREAKPOINT] = "breakpoint",
		[EXC_LOAD_MISALIGNED] = "load address misaligned",
		[EXC_LOAD_ACCESS] = "load access fault",
		[EXC_STORE_MISALIGNED] = "store address misaligned",
		[EXC_STORE_ACCESS] = "store access fault",
		[EXC_ECALL_U] = "ecall from U-mode",
		[EXC_ECALL_S] = "ecall from S-mode",
		[EXC_INST_PAGE_FAULT] = "instruction page fault",
		[EXC_LOAD_PAGE_FAULT] = "load page fault",
		[EXC_STORE_PAGE_FAULT] = "store page fault",
	};
	if (cause < ARRAY_SIZE(names) && names[cause])
		return names[cause];
	return "unknown exception";
}

static enum fault_access fault_access_of(uint64_t cause)
{
	if (cause == EXC_STORE_PAGE_FAULT)
		return FAULT_WRITE;
	if (cause == EXC_INST_PAGE_FAULT)
		return FAULT_EXEC;
	return FAULT_READ;
}

static bool is_page_fault(uint64_t cause)
{
	return cause == EXC_LOAD_PAGE_FAULT || cause == EXC_STORE_PAGE_FAULT ||
	       cause == EXC_INST_PAGE_FAULT;
}

/* Handle an interrupt; returns its code (IRQ_S_TIMER lets the caller yield).
 * delay_irq= (fault_inject.h) makes it wait first, with interrupts off, as
 * a slow handler or a busy hypervisor would: wakeups come late, and races
 * between a request and its completion get room to show. */
static uint64_t device_interrupt(uint64_t cause)
{
	uint64_t code = cause & ~SCAUSE_INTERRUPT;
	uint64_t delay = fault_delay_us(FAULT_IRQ_DELAY);

	if (delay)
		udelay(delay);

	if (code == IRQ_S_EXT)
		handle_external_irq();
	else if (code == IRQ_S_TIMER)
		timer_interrupt();
	else if (code == IRQ_S_SOFT)
		ipi_interrupt();
	else
		printf("trap: unexpected interrupt %lu\n", code);
	return code;
}

/* A user exception other than a system call: fix it up or kill the process. */
static void user_exception(struct proc *p, uint64_t cause)
{
	uint64_t stval = csr_read_stval();

	if (is_page_fault(cause) &&
	    handle_mm_fault(p->mm, stval, fault_access_of(cause)) == 0)
		return;
	printf("pid %d (%s): killed: %s at address 0x%lx, pc 0x%lx\n", p->pid,
	       p->name, exception_name(cause), stval, p->tf.epc);
	setkilled(p);
}

void usertrap(void)
{
	struct proc *p = myproc();
	uint64_t cause = csr_read_scause();
	uint64_t irq = 0;

	if (csr_read_sstatus() & SSTATUS_SPP)
		panic("usertrap: not from user mode");
	if (cause & SCAUSE_INTERRUPT) {
		irq = device_interrupt(cause);
	} else if (cause == EXC_ECALL_U) {
		p->tf.epc += 4;   /* return past the ecall */
		local_irq_enable();
		if (!killed(p))
			syscall();
	} else {
		user_exception(p, cause);
	}
	if (killed(p))
		exit(-1);
	if (irq == IRQ_S_TIMER)
		yield();
	usertrap_return();
}

void usertrap_return(void)
{
	struct proc *p = myproc();
	uint64_t sstatus;

	local_irq_disable();
	csr_write_stvec((uint64_t)uservec);
	p->tf.kernel_sp = p->kstack + KSTACK_PAGES * PAGE_SIZE;
	p->tf.kernel_tp = (uint64_t)mycpu();
	sstatus = csr_read_sstatus();
	sstatus &= ~(SSTATUS_SPP | SSTATUS_SUM);
	sstatus |= SSTATUS_SPIE;
	csr_write_sstatus(sstatus);
	userret(&p->tf);
}

static bool is_access_fault(uint64_t cause)
{
	return cause == EXC_LOAD_ACCESS || cause == EXC_STORE_ACCESS || cause == EXC_INST_ACCESS;
}

/*
 * A fault the exception table expects (asm/extable.h): resume at its
 * fixup. An instruction fetch fault reports the unfetchable target as
 * sepc, so for those the probe's return address (the saved ra) is looked
 * up too. Returns whether the fault was fixed up.
 */
static bool fixup_exception(uint64_t cause, const struct kernel_regs *regs)
{
	const struct exception_table_entry *e;

	if (!is_page_fault(cause) && !is_access_fault(cause))
		return false;
	e = search_exception_tables(csr_read_sepc());
	if (!e && (cause == EXC_INST_PAGE_FAULT || cause == EXC_INST_ACCESS))
		e = search_exception_tables(regs->ra);
	if (!e)
		return false;
	csr_write_sepc(e->fixup);
	return true;
}

static __noreturn void kernel_exception(uint64_t cause)
{
	uint64_t stval = csr_read_stval(), sepc = csr_read_sepc();

	if (is_page_fault(cause) && vmalloc_guard_hit(stval))
		panic("kernel stack overflow: %s at 0x%lx, pc 0x%lx", exception_name(cause),
		      stval, sepc);
	panic("kerneltrap: %s at address 0x%lx, pc 0x%lx (%s)", exception_name(cause),
	      stval, sepc, ksym_name(sepc));
}

void kerneltrap(struct kernel_regs *regs)
{
	uint64_t sepc = csr_read_sepc(), sstatus = csr_read_sstatus();
	uint64_t cause = csr_read_scause();

	if (!(sstatus & SSTATUS_SPP))
		panic("kerneltrap: not from supervisor mode");
	if (!(cause & SCAUSE_INTERRUPT)) {
		if (fixup_exception(cause, regs))
			return;
		kernel_exception(cause);
	}
	if (irqs_enabled())
		panic("kerneltrap: interrupts enabled");
	if (device_interrupt(cause) == IRQ_S_TIMER && myproc() &&
	    myproc()->state == RUNNING)
		yield();
	/* yield() may have taken other traps: restore this one's state. */
	csr_write_sepc(sepc);
	csr_write_sstatus(sstatus);
}
