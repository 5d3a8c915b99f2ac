#ifndef PAGODA_UART_H
#define PAGODA_UART_H
/* ns16550a-compatible UART (kernel/drivers/uart.c). */
#include "types.h"

struct platform;

/*
 * Map and program the UART from the device tree (8N1, FIFOs on, receive
 * and transmit interrupts on), register its interrupt with request_irq()
 * and switch the kernel console from SBI to it. Call after plic_init() and
 * console_init(). Returns 0, -ENODEV if the tree has no UART, -ENOMEM if it
 * cannot be mapped, or request_irq()'s error; on error the console stays on
 * SBI and nothing is registered.
 */
int uart_init(const struct platform *plat);

/* Polled output for the kernel (printf, panic, echo): spins until the
 * transmitter has room. No locks; safe on any hart with interrupts off. */
void uart_putc_sync(int c);

/* Buffered output for processes: queues c and lets the transmit interrupt
 * send it; sleeps while the buffer is full, so only a process may call it
 * (holding no spinlock). */
void uart_putc(int c);
#endif
