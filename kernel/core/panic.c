/* panic(): stop the machine with a message and a backtrace. */
#include "printk.h"
#include "proc.h"
#include "trap.h"
#include "cmdline.h"
#include "string.h"
#include "uapi/errno.h"
#include "asm/csr.h"
#include "asm/sbi.h"

extern volatile bool printk_lockless;

enum panic_action {
	PANIC_POWEROFF,   /* exit QEMU with a failure status (default) */
	PANIC_SPIN,       /* stay stopped so a debugger can look */
};
static enum panic_action panic_action = PANIC_POWEROFF;

static int set_panic(const char *v)
{
	if (strcmp(v, "poweroff") == 0)
		panic_action = PANIC_POWEROFF;
	else if (strcmp(v, "spin") == 0)
		panic_action = PANIC_SPIN;
	else
		return -EINVAL;
	return 0;
}
early_param("panic", set_panic, "poweroff|spin");

void panic(const char *fmt, ...)
{
	va_list ap;
	bool first;

	local_irq_disable();
	first = !__atomic_exchange_n(&kernel_panicked, 1, __ATOMIC_SEQ_CST);
	if (!first)
		for (;;)
			wait_for_interrupt();
	smp_stop_others();
	printk_lockless = true;   /* the lock holder may be stopped for good */
	printf("\npanic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  on hart %u (cpu %d), process %s\n", mycpu()->hartid, mycpu()->id,
	       mycpu()->proc ? mycpu()->proc->name : "none");
	dump_backtrace(read_fp());
	if (panic_action == PANIC_POWEROFF) {
		printf("panic: powering off (boot with panic=spin to keep the machine for gdb)\n");
		sbi_shutdown(true);
	}
	for (;;)
		wait_for_interrupt();
}
