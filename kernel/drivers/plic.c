/*
 * RISC-V Platform-Level Interrupt Controller (PLIC specification 1.0.0).
 *
 * Every hart's S-mode context enables every source with threshold 0, and a
 * source's priority is what switches it on: 0 ("never interrupt") until a
 * driver calls request_irq(), then PLIC_PRIORITY_DEFAULT. So a handler is
 * always in the table before its source can fire, on any hart, and harts
 * that come up later need no list of registered sources.
 */
#include "irq.h"
#include "fdt.h"
#include "io.h"
#include "proc.h"
#include "spinlock.h"
#include "printk.h"
#include "uapi/errno.h"

/* Register map (PLIC spec, chapter "Memory Map"). */
#define PLIC_PRIORITY_BASE     0x000000   /* 4 bytes per source */
#define PLIC_PRIORITY_STRIDE   4
#define PLIC_ENABLE_BASE       0x002000   /* one bit per source, per context */
#define PLIC_ENABLE_STRIDE     0x80
#define PLIC_CONTEXT_BASE      0x200000   /* threshold and claim, per context */
#define PLIC_CONTEXT_STRIDE    0x1000
#define PLIC_THRESHOLD         0x0
#define PLIC_CLAIM             0x4        /* read: claim; write: complete */

#define PLIC_MAX_SOURCES       1023       /* source 0 means "none" */
#define PLIC_SOURCES_PER_WORD  32
#define PLIC_PRIORITY_NEVER    0
#define PLIC_PRIORITY_DEFAULT  1
#define PLIC_THRESHOLD_ALL     0          /* let every priority > 0 through */
#define PLIC_NO_CONTEXT        (-1)

struct irq_action {
	irq_handler_t handler;
	void *arg;
};

static struct {
	volatile uint8_t *regs;
	uint32_t ndev;                          /* sources 1..ndev exist */
	int nr_harts;
	uint32_t hart_id[FDT_MAX_HARTS];        /* from the device tree ... */
	int hart_context[FDT_MAX_HARTS];        /* ... and its S-mode context */
	int cpu_context[NCPU];                  /* filled by plic_init_hart() */
	struct spinlock lock;                   /* guards registration */
	struct irq_action action[PLIC_MAX_SOURCES + 1];
	uint32_t reported[(PLIC_MAX_SOURCES + 1) / PLIC_SOURCES_PER_WORD + 1];
} plic = { .lock = { .name = "plic" } };

static volatile void *priority_reg(uint32_t irq)
{
	return plic.regs + PLIC_PRIORITY_BASE + irq * PLIC_PRIORITY_STRIDE;
}

static volatile void *context_reg(int context, uint32_t reg)
{
	return plic.regs + PLIC_CONTEXT_BASE + (uint64_t)context * PLIC_CONTEXT_STRIDE + reg;
}

static volatile void *enable_reg(int context, uint32_t word)
{
	return plic.regs + PLIC_ENABLE_BASE + (uint64_t)context * PLIC_ENABLE_STRIDE +
	       word * sizeof(uint32_t);
}

/*
 * Map the PLIC described by the device tree and silence every source.
 * Panics when there is none: without it no device can interrupt.
 * Call once on the boot hart, before plic_init_hart() and request_irq().
 */
void plic_init(const struct platform *plat)
{
	if (!plat->has_plic)
		panic("plic_init: the device tree has no PLIC (riscv,plic0)");
	plic.regs = ioremap(plat->plic.base, plat->plic.size);
	if (!plic.regs)
		panic("plic_init: cannot map the PLIC at 0x%lx", plat->plic.base);
	plic.ndev = MIN(plat->plic_ndev, (uint32_t)PLIC_MAX_SOURCES);
	plic.nr_harts = plat->nr_harts;
	for (int i = 0; i < plat->nr_harts; i++) {
		plic.hart_id[i] = plat->hart_id[i];
		plic.hart_context[i] = plat->plic_s_context[i];
	}
	for (int i = 0; i < NCPU; i++)
		plic.cpu_context[i] = PLIC_NO_CONTEXT;
	for (uint32_t irq = 1; irq <= plic.ndev; irq++)
		writel(PLIC_PRIORITY_NEVER, priority_reg(irq));
	printf("plic: %u sources at 0x%lx\n", plic.ndev, plat->plic.base);
}

static int context_of_hart(uint32_t hartid)
{
	for (int i = 0; i < plic.nr_harts; i++)
		if (plic.hart_id[i] == hartid)
			return plic.hart_context[i];
	return PLIC_NO_CONTEXT;
}

/* Enable bits of word w that name real sources (1..ndev). */
static uint32_t source_mask(uint32_t w)
{
	uint32_t mask = ~0u;
	uint32_t first = w * PLIC_SOURCES_PER_WORD;

	if (w == 0)
		mask &= ~1u;   /* source 0 does not exist */
	if (plic.ndev < first + PLIC_SOURCES_PER_WORD - 1)
		mask &= (1u << (plic.ndev - first + 1)) - 1;
	return mask;
}

/*
 * Let cpu (an index in cpus[], whose hartid is set) take device interrupts:
 * enable every source in its S-mode context, threshold 0. A hart without
 * an S-mode context is reported and left without device interrupts.
 * Runs on that hart or before it starts; no locks.
 */
void plic_init_hart(int cpu)
{
	int context;

	BUG_ON(cpu < 0 || cpu >= NCPU || !plic.regs);
	context = context_of_hart(cpus[cpu].hartid);
	if (context == PLIC_NO_CONTEXT) {
		printf("plic: hart %u has no S-mode context; it takes no device interrupts\n",
		       cpus[cpu].hartid);
		return;
	}
	for (uint32_t w = 0; w <= plic.ndev / PLIC_SOURCES_PER_WORD; w++)
		writel(source_mask(w), enable_reg(context, w));
	writel(PLIC_THRESHOLD_ALL, context_reg(context, PLIC_THRESHOLD));
	plic.cpu_context[cpu] = context;
}

/*
 * Install handler(arg) for source irq and unmask it on every hart.
 * Returns 0, -EINVAL for 0 or a source beyond riscv,ndev, -EBUSY if the
 * source already has a handler, -ENODEV before plic_init(). Takes plic.lock;
 * the handler runs with interrupts off, on whichever hart claims the source.
 */
int request_irq(uint32_t irq, irq_handler_t handler, void *arg)
{
	if (!plic.regs)
		return -ENODEV;
	if (irq == 0 || irq > plic.ndev || !handler)
		return -EINVAL;
	spin_lock(&plic.lock);
	if (plic.action[irq].handler) {
		spin_unlock(&plic.lock);
		return -EBUSY;
	}
	plic.action[irq].arg = arg;
	WRITE_ONCE(plic.action[irq].handler, handler);
	/* writel() orders the table entry before the unmask. */
	writel(PLIC_PRIORITY_DEFAULT, priority_reg(irq));
	spin_unlock(&plic.lock);
	return 0;
}

/* A source nobody asked for: say so once, and mask it so it stops. */
static void unexpected_irq(uint32_t irq)
{
	uint32_t word = irq / PLIC_SOURCES_PER_WORD, bit = 1u << (irq % PLIC_SOURCES_PER_WORD);

	if (irq <= plic.ndev)
		writel(PLIC_PRIORITY_NEVER, priority_reg(irq));
	if (word < ARRAY_SIZE(plic.reported) &&
	    !(__atomic_fetch_or(&plic.reported[word], bit, __ATOMIC_RELAXED) & bit))
		printf("plic: unexpected interrupt from source %u (no handler)\n", irq);
}

/*
 * Supervisor external interrupt: claim, dispatch and complete sources until
 * the PLIC has none left for this hart. Called from the trap code with
 * interrupts off.
 */
void handle_external_irq(void)
{
	int context = plic.regs ? plic.cpu_context[cpuid()] : PLIC_NO_CONTEXT;
	uint32_t irq;

	if (context == PLIC_NO_CONTEXT)
		panic("handle_external_irq: hart %u has no PLIC context", mycpu()->hartid);
	while ((irq = readl(context_reg(context, PLIC_CLAIM))) != 0) {
		irq_handler_t handler = irq <= plic.ndev ? READ_ONCE(plic.action[irq].handler) : NULL;

		if (handler)
			handler(plic.action[irq].arg);
		else
			unexpected_irq(irq);
		writel(irq, context_reg(context, PLIC_CLAIM));
	}
}
