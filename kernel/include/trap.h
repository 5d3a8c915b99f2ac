#ifndef PAGODA_TRAP_H
#define PAGODA_TRAP_H
#include "types.h"
struct trapframe;

/* Point stvec at kernelvec and enable this hart's interrupt sources. */
void trap_init_hart(void);
/* Return to user mode in the current process (from usertrap or a new process). */
__noreturn void usertrap_return(void);

/* Timer (kernel/arch/riscv/timer.c). */
struct platform;
void timer_init(const struct platform *plat);
void timer_init_hart(void);
/* Microseconds of the time CSR since boot (the device tree's timebase);
 * 0 before timer_init(). */
uint64_t time_us(void);
void timer_interrupt(void);
/* Busy-wait us microseconds (by the time CSR). Any context; a wait before
 * timer_init() is no wait. */
void udelay(uint64_t us);
#define HZ 100   /* timer interrupts per second per hart */
#define USEC_PER_SEC 1000000UL

/* SMP (kernel/arch/riscv/smp.c). */
void smp_boot_secondaries(const struct platform *plat, uint32_t boot_hartid);
void ipi_interrupt(void);
/* Stop every other hart (panic, halt). */
void smp_stop_others(void);
extern volatile int kernel_panicked;   /* 1 once a hart panicked */
#endif
