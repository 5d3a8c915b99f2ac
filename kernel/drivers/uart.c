/*
 * ns16550a UART (register set of the National Semiconductor PC16550D
 * datasheet), as QEMU's virt machine provides it: byte-wide registers at
 * consecutive addresses.
 *
 * Two output paths share the transmitter: uart_putc_sync() polls and is
 * what the kernel's printf and panic use; uart_putc() queues characters in
 * tx and the "transmitter holding register empty" interrupt feeds them to
 * the FIFO, so processes do not spin on a slow line.
 */
#include "uart.h"
#include "console.h"
#include "fdt.h"
#include "io.h"
#include "irq.h"
#include "proc.h"
#include "spinlock.h"
#include "printk.h"
#include "uapi/errno.h"

/* Register offsets. DLL/DLM replace RBR/THR/IER while LCR.DLAB is set. */
enum uart_reg {
	UART_RBR = 0,   /* receive buffer (read) */
	UART_THR = 0,   /* transmit holding (write) */
	UART_DLL = 0,   /* divisor latch, low byte */
	UART_IER = 1,   /* interrupt enable */
	UART_DLM = 1,   /* divisor latch, high byte */
	UART_IIR = 2,   /* interrupt identification (read) */
	UART_FCR = 2,   /* FIFO control (write) */
	UART_LCR = 3,   /* line control */
	UART_MCR = 4,   /* modem control */
	UART_LSR = 5,   /* line status */
	UART_MSR = 6,   /* modem status */
};

#define IER_RX_AVAILABLE (1u << 0)   /* received data (and its timeout) */
#define IER_TX_EMPTY     (1u << 1)   /* transmitter holding register empty */

#define IIR_NO_PENDING   (1u << 0)
#define IIR_ID_MASK      0x0e
#define IIR_ID_LINE      0x06        /* receiver line status: read LSR */
#define IIR_ID_RX        0x04        /* received data available */
#define IIR_ID_RX_TIMEOUT 0x0c       /* characters idle in the FIFO */
#define IIR_ID_TX_EMPTY  0x02        /* cleared by reading IIR or writing THR */
#define IIR_ID_MODEM     0x00        /* modem status: read MSR */

#define FCR_FIFO_ENABLE  (1u << 0)
#define FCR_RX_RESET     (1u << 1)
#define FCR_TX_RESET     (1u << 2)

#define LCR_WORD_8BITS   0x03        /* 8 data bits, 1 stop bit, no parity */
#define LCR_DLAB         (1u << 7)

#define MCR_DTR          (1u << 0)
#define MCR_RTS          (1u << 1)
#define MCR_OUT2         (1u << 3)   /* gates INTR on PC-style boards */

#define LSR_DATA_READY   (1u << 0)
#define LSR_THR_EMPTY    (1u << 5)
#define LSR_TX_IDLE      (1u << 6)   /* FIFO and shift register both empty */

#define UART_BAUD        115200
#define UART_CLOCK_DIV   16          /* the baud generator runs at 16x */
#define UART_DIV_BYTE    0xff        /* the divisor goes in as two bytes */
#define UART_DIV_SHIFT   8
#define UART_TX_BUF_SIZE 64
/* Interrupt-driven sends at most this much per "THR empty": the FIFO holds
 * 16, and the rest is left for polled writers (printf and echo) that may
 * have seen the same empty THR on another hart. */
#define UART_TX_BURST    8
/* Bounds the wait for the firmware's last characters to leave. */
#define UART_IDLE_SPIN_LIMIT 1000000
/* Bounds the interrupt loop should a device keep claiming work. */
#define UART_IRQ_ROUNDS  64

static struct {
	volatile uint8_t *regs;
	phys_addr_t base;
	struct spinlock lock;            /* guards tx */
	char tx[UART_TX_BUF_SIZE];
	uint64_t tx_head;                /* next slot to fill */
	uint64_t tx_tail;                /* next character to send */
} uart = { .lock = { .name = "uart" } };

static uint8_t reg_read(enum uart_reg r) { return readb(uart.regs + r); }
static void reg_write(enum uart_reg r, uint8_t v) { writeb(v, uart.regs + r); }

/* Baud rate from the device tree's clock; without one, keep the firmware's. */
static void set_baud(uint32_t clock)
{
	uint32_t div;

	if (!clock)
		return;
	div = clock / (UART_CLOCK_DIV * UART_BAUD);
	if (!div)
		div = 1;
	reg_write(UART_LCR, LCR_DLAB);
	reg_write(UART_DLL, div & UART_DIV_BYTE);
	reg_write(UART_DLM, (div >> UART_DIV_SHIFT) & UART_DIV_BYTE);
}

static void program_uart(uint32_t clock)
{
	/* Resetting the FIFO would cut off what the firmware is still sending. */
	for (int i = 0; i < UART_IDLE_SPIN_LIMIT && !(reg_read(UART_LSR) & LSR_TX_IDLE); i++)
		cpu_relax();
	reg_write(UART_IER, 0);   /* quiet while we reprogram it */
	set_baud(clock);
	reg_write(UART_LCR, LCR_WORD_8BITS);   /* also clears DLAB */
	reg_write(UART_FCR, FCR_FIFO_ENABLE | FCR_RX_RESET | FCR_TX_RESET);
	reg_write(UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

/* Move queued characters into the FIFO. Caller holds uart.lock. */
static void tx_drain(void)
{
	int sent = 0;

	if (!(reg_read(UART_LSR) & LSR_THR_EMPTY))
		return;   /* the next "THR empty" interrupt brings us back */
	for (; uart.tx_tail != uart.tx_head && sent < UART_TX_BURST; sent++)
		reg_write(UART_THR, uart.tx[uart.tx_tail++ % UART_TX_BUF_SIZE]);
	if (sent)
		wakeup(&uart.tx_tail);   /* writers waiting for room */
}

/* Polled output: see uart.h. No locks, so panic can always print. */
void uart_putc_sync(int c)
{
	while (!(reg_read(UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	reg_write(UART_THR, (uint8_t)c);
}

/* Buffered output for processes (see uart.h); sleeps on uart.lock while full. */
void uart_putc(int c)
{
	if (!uart.regs)
		panic("uart_putc: the UART is not initialised");
	spin_lock(&uart.lock);
	while (uart.tx_head - uart.tx_tail == UART_TX_BUF_SIZE) {
		tx_drain();   /* the interrupt may have come before we queued */
		if (uart.tx_head - uart.tx_tail == UART_TX_BUF_SIZE)
			sleep(&uart.tx_tail, &uart.lock);
	}
	uart.tx[uart.tx_head++ % UART_TX_BUF_SIZE] = (char)c;
	tx_drain();
	spin_unlock(&uart.lock);
}

static void rx_all(void)
{
	while (reg_read(UART_LSR) & LSR_DATA_READY)
		console_intr(reg_read(UART_RBR));
}

/* One source the IIR names; reading IIR itself cleared a "THR empty". */
static void handle_source(uint8_t id)
{
	switch (id) {
	case IIR_ID_RX:
	case IIR_ID_RX_TIMEOUT:
		rx_all();
		break;
	case IIR_ID_LINE:
		(void)reg_read(UART_LSR);   /* reading clears the error */
		break;
	case IIR_ID_MODEM:
		(void)reg_read(UART_MSR);
		break;
	case IIR_ID_TX_EMPTY:
		break;   /* drained below */
	}
}

static void uart_intr(void *arg)
{
	(void)arg;
	for (int i = 0; i < UART_IRQ_ROUNDS; i++) {
		uint8_t iir = reg_read(UART_IIR);

		if (iir & IIR_NO_PENDING)
			break;
		handle_source(iir & IIR_ID_MASK);
	}
	rx_all();   /* characters that arrived after the last IIR read */
	spin_lock(&uart.lock);
	tx_drain();
	spin_unlock(&uart.lock);
}

/* See uart.h: 0, -ENODEV, -ENOMEM or request_irq()'s error. */
int uart_init(const struct platform *plat)
{
	int err;

	if (!plat->has_uart) {
		printf("uart: no ns16550a in the device tree; console stays on SBI\n");
		return -ENODEV;
	}
	uart.regs = ioremap(plat->uart.base, plat->uart.size);
	if (!uart.regs) {
		printf("uart: cannot map 0x%lx; console stays on SBI\n", plat->uart.base);
		return -ENOMEM;
	}
	uart.base = plat->uart.base;
	program_uart(plat->uart_clock);
	err = request_irq(plat->uart_irq, uart_intr, NULL);
	if (err) {
		printf("uart: irq %u: error %d; console stays on SBI\n", plat->uart_irq, err);
		iounmap((void *)uart.regs, plat->uart.size);
		uart.regs = NULL;
		return err;
	}
	console_attach_uart();
	reg_write(UART_IER, IER_RX_AVAILABLE | IER_TX_EMPTY);
	printf("uart: ns16550a at 0x%lx, irq %u\n", plat->uart.base, plat->uart_irq);
	return 0;
}
