#ifndef PAGODA_PRINTK_H
#define PAGODA_PRINTK_H
#include "types.h"

/*
 * Kernel console output. printf is safe from any context after
 * console_early_init(); output from different harts is not interleaved
 * within one call. Supports %d %i %u %x %p %s %c %% with l/ll/z length,
 * '0' padding, width and '-' alignment.
 */
__printf(1, 2) void printf(const char *fmt, ...);
void vprintf(const char *fmt, va_list ap);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Stop every hart; print the message, the hart and a symbolic backtrace. */
__printf(1, 2) __noreturn void panic(const char *fmt, ...);

/* panic() naming the function when an invariant is broken. */
#define BUG_ON(cond)                                                       \
	do {                                                               \
		if (cond)                                                  \
			panic("%s: BUG_ON(%s) at %s:%d", __func__, #cond,  \
			      __FILE__, __LINE__);                         \
	} while (0)

#define pr_info(fmt, ...) printf(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printf("warning: " fmt, ##__VA_ARGS__)

/* Console sink: the early SBI console until the UART driver takes over. */
void console_putc(int c);


/* Kernel symbols (kernel/lib/backtrace.c). */
/* "name+0xoff" for a kernel text address, in a static buffer (panic use). */
const char *ksym_name(uint64_t addr);
/* Print the call chain from frame pointer fp. */
void dump_backtrace(uint64_t fp);
#endif
