/* The periodic tick: SBI timer, HZ interrupts per second on every hart. */
#include "trap.h"
#include "proc.h"
#include "fdt.h"
#include "printk.h"
#include "asm/csr.h"
#include "asm/sbi.h"

static uint64_t tick_interval; /* timebase ticks per kernel tick */
static uint64_t timebase_freq; /* timebase ticks per second */
uint64_t ticks;
struct spinlock tickslock = {.name = "time"};

void timer_init(const struct platform *plat)
{
	if (!plat->timebase_freq)
		panic("timer_init: device tree has no timebase-frequency");
	timebase_freq = plat->timebase_freq;
	tick_interval = plat->timebase_freq / HZ;
}

uint64_t time_us(void)
{
	uint64_t t = csr_read_time();

	if (!timebase_freq)
		return 0;
	/* Split so that t * 1000000 cannot overflow. */
	return t / timebase_freq * USEC_PER_SEC + t % timebase_freq * USEC_PER_SEC / timebase_freq;
}

void udelay(uint64_t us)
{
	uint64_t start = csr_read_time();
	uint64_t wait = us * timebase_freq / USEC_PER_SEC;

	while (csr_read_time() - start < wait)
		cpu_relax();
}

void timer_init_hart(void)
{
	sbi_set_timer(csr_read_time() + tick_interval);
}

void timer_interrupt(void)
{
	if (cpuid() == 0) {
		spin_lock(&tickslock);
		ticks++;
		wakeup(&ticks);
		spin_unlock(&tickslock);
	}
	sbi_set_timer(csr_read_time() + tick_interval);
}
