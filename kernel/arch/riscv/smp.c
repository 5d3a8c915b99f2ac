/* Secondary hart start-up (SBI HSM) and inter-processor interrupts. */
#include "trap.h"
#include "proc.h"
#include "fdt.h"
#include "irq.h"
#include "pgtable.h"
#include "vmalloc.h"
#include "early.h"
#include "printk.h"
#include "asm/csr.h"
#include "asm/sbi.h"

#define BOOT_SPIN_LIMIT 100000000UL   /* iterations before giving up on a hart */
#define IDLE_STACK_PAGES 4

uint64_t secondary_satp;
uint64_t secondary_stack_top[NCPU];
volatile int kernel_panicked;
extern char secondary_start[];

__noreturn void secondary_kmain(int id)
{
	struct cpu *c = &cpus[id];

	write_tp(c);
	trap_init_hart();
	plic_init_hart(id);
	timer_init_hart();
	WRITE_ONCE(c->started, true);
	scheduler();
}

static bool start_hart(int id, uint32_t hartid)
{
	uint64_t stack = alloc_kernel_stack(IDLE_STACK_PAGES);
	long err;

	if (!stack) {
		printf("smp: no memory for hart %u's stack\n", hartid);
		return false;
	}
	cpus[id].id = id;
	cpus[id].hartid = hartid;
	secondary_stack_top[id] = stack + IDLE_STACK_PAGES * PAGE_SIZE;
	mb();
	err = sbi_hart_start(hartid, __pa(secondary_start), id);
	if (err != SBI_SUCCESS) {
		printf("smp: hart %u did not start (SBI error %ld)\n", hartid, err);
		return false;
	}
	for (uint64_t i = 0; i < BOOT_SPIN_LIMIT && !READ_ONCE(cpus[id].started); i++)
		cpu_relax();
	if (!READ_ONCE(cpus[id].started))
		printf("smp: hart %u started but never checked in\n", hartid);
	return READ_ONCE(cpus[id].started);
}

void smp_boot_secondaries(const struct platform *plat, uint32_t boot_hartid)
{
	secondary_satp = make_satp(__pa(swapper_pg_dir));
	for (int i = 0; i < plat->nr_harts; i++) {
		if (plat->hart_id[i] == boot_hartid)
			continue;
		if (nr_cpus == NCPU) {
			printf("smp: more than %d harts; hart %u stays parked\n", NCPU,
			       plat->hart_id[i]);
			continue;
		}
		if (start_hart(nr_cpus, plat->hart_id[i]))
			nr_cpus++;
	}
	printf("smp: %d hart%s online\n", nr_cpus, nr_cpus == 1 ? "" : "s");
}

void ipi_interrupt(void)
{
	csr_clear_sip(SIE_SSIE);
	if (READ_ONCE(kernel_panicked)) {
		local_irq_disable();
		for (;;)
			wait_for_interrupt();
	}
}

void smp_stop_others(void)
{
	int self = cpuid();

	for (int i = 0; i < nr_cpus; i++)
		if (i != self && READ_ONCE(cpus[i].started))
			sbi_send_ipi(1, cpus[i].hartid);
}
