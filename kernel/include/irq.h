#ifndef PAGODA_IRQ_H
#define PAGODA_IRQ_H
#include "types.h"

struct platform;
typedef void (*irq_handler_t)(void *arg);

/* PLIC set-up from the device tree, then per hart (enables its S context). */
void plic_init(const struct platform *plat);
void plic_init_hart(int cpu);
/* Route irq to handler on every hart; -EBUSY if taken, -EINVAL if out of range. */
int request_irq(uint32_t irq, irq_handler_t handler, void *arg);
/* Called by the trap code on a supervisor external interrupt:
 * claims, dispatches and completes every pending source. */
void handle_external_irq(void);
#endif
