#ifndef PAGODA_CONSOLE_H
#define PAGODA_CONSOLE_H
/*
 * The console: line discipline over the UART (kernel/drivers/console.c).
 * Kernel output goes through console_putc() (printk.h).
 */

/* Register the console as devsw[CONSOLE_MAJOR]. Call before uart_init(). */
void console_init(void);

/* The UART driver calls this once the UART can send: console_putc() then
 * polls the UART instead of calling SBI, and process writes are buffered. */
void console_attach_uart(void);

/* The UART driver hands every received character here (interrupt context):
 * editing (^H, DEL, ^U), ^D end of file, ^P process list, echo, wakeup of
 * readers at end of line. Takes the console lock. */
void console_intr(int c);
#endif
