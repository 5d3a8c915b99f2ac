/*
 * The console: a line discipline between the UART and processes, and the
 * sink of the kernel's printf.
 *
 * Input is edited in place in a ring buffer: characters between w and e
 * are the line being typed, those between r and w are complete lines a
 * reader may take. A reader sleeps until a whole line (or ^D, or a full
 * buffer) is committed, as a terminal in canonical mode would.
 */
#include "console.h"
#include "uart.h"
#include "device.h"
#include "uaccess.h"
#include "proc.h"
#include "spinlock.h"
#include "printk.h"
#include "uapi/errno.h"
#include "asm/sbi.h"

#define INPUT_BUF_SIZE 128
#define CONSOLE_CHUNK  64    /* bytes moved per copy to or from a process */
#define CTRL(x)        ((x) - '@')
#define ASCII_DEL      0x7f  /* what most terminals send for Backspace */

/* Where characters go: SBI until the UART driver says it is ready. */
enum console_sink {
	SINK_SBI,
	SINK_UART,
};
static volatile enum console_sink sink = SINK_SBI;

static struct {
	struct spinlock lock;
	char buf[INPUT_BUF_SIZE];
	uint64_t r;   /* next character a reader takes */
	uint64_t w;   /* end of the committed lines */
	uint64_t e;   /* end of the line being edited */
} cons = { .lock = { .name = "console" } };

/*
 * Kernel output, one character: no locks and no sleeping, so it works from
 * any hart with interrupts off, including panic.
 */
void console_putc(int c)
{
	if (READ_ONCE(sink) == SINK_UART)
		uart_putc_sync(c);
	else
		sbi_console_putchar(c);
}

/* Switch console output to the UART; called by uart_init(). */
void console_attach_uart(void)
{
	WRITE_ONCE(sink, SINK_UART);
}

/* Wipe the last character on a terminal: back, blank, back. */
static void echo_erase(void)
{
	console_putc('\b');
	console_putc(' ');
	console_putc('\b');
}

static void erase_char(void)
{
	if (cons.e != cons.w) {
		cons.e--;
		echo_erase();
	}
}

/* ^U: the line being edited never holds a newline, so all of it goes. */
static void kill_line(void)
{
	while (cons.e != cons.w) {
		cons.e--;
		echo_erase();
	}
}

static void add_char(int c)
{
	if (c == 0 || cons.e - cons.r >= INPUT_BUF_SIZE)
		return;   /* full: drop it until a reader makes room */
	if (c == '\r')
		c = '\n';   /* the Enter key sends CR */
	if (c != CTRL('D'))
		console_putc(c);
	cons.buf[cons.e++ % INPUT_BUF_SIZE] = (char)c;
	if (c == '\n' || c == CTRL('D') || cons.e - cons.r == INPUT_BUF_SIZE) {
		cons.w = cons.e;
		wakeup(&cons.r);
	}
}

/*
 * One received character, from the UART interrupt. Takes the console lock;
 * ^P prints the process table after dropping it.
 */
void console_intr(int c)
{
	bool dump = false;

	spin_lock(&cons.lock);
	switch (c) {
	case CTRL('P'):
		dump = true;
		break;
	case CTRL('U'):
		kill_line();
		break;
	case CTRL('H'):
	case ASCII_DEL:
		erase_char();
		break;
	default:
		add_char(c);
		break;
	}
	spin_unlock(&cons.lock);
	if (dump)
		procdump();
}

/*
 * Wait for committed input, then take up to max characters of it into dst.
 * Sets *eol when a newline or ^D ends this read. A ^D met after other
 * characters stays for the next read, which then returns 0 (end of file).
 * Returns the count, or -EINTR if the process is killed while waiting.
 */
static int take_input(char *dst, int max, bool first, bool *eol)
{
	int n = 0;

	*eol = false;
	spin_lock(&cons.lock);
	while (cons.r == cons.w) {
		if (killed(myproc())) {
			spin_unlock(&cons.lock);
			return -EINTR;
		}
		sleep(&cons.r, &cons.lock);
	}
	while (n < max && cons.r != cons.w) {
		char c = cons.buf[cons.r % INPUT_BUF_SIZE];

		if (c == CTRL('D')) {
			if (first && n == 0)
				cons.r++;
			*eol = true;
			break;
		}
		cons.r++;
		dst[n++] = c;
		if (c == '\n') {
			*eol = true;
			break;
		}
	}
	spin_unlock(&cons.lock);
	return n;
}

/* devsw read: at most one line. Bytes read, 0 at ^D, -EINTR or -EFAULT
 * when nothing was read. Copies out with no lock held. */
static int console_read(struct file *f, enum addr_space where, uint64_t dst, int n)
{
	char chunk[CONSOLE_CHUNK];
	int done = 0;

	while (done < n) {
		bool eol;
		int got = take_input(chunk, MIN(n - done, (int)sizeof(chunk)), done == 0, &eol);

		if (got < 0)
			return done ? done : got;
		if (got && either_copyout(where, dst + done, chunk, got) < 0)
			return done ? done : -EFAULT;
		done += got;
		if (eol)
			break;
	}
	return done;
}

static void console_out(char c)
{
	if (READ_ONCE(sink) == SINK_UART)
		uart_putc(c);
	else
		sbi_console_putchar(c);
}

/* devsw write: bytes written, or -EFAULT when none could be copied in.
 * May sleep while the UART's transmit buffer is full. */
static int console_write(struct file *f, enum addr_space where, uint64_t src, int n)
{
	char chunk[CONSOLE_CHUNK];
	int done = 0;

	while (done < n) {
		int len = MIN(n - done, (int)sizeof(chunk));

		if (either_copyin(chunk, where, src + done, len) < 0)
			return done ? done : -EFAULT;
		for (int i = 0; i < len; i++)
			console_out(chunk[i]);
		done += len;
	}
	return done;
}

/* Register the console's read and write as devsw[CONSOLE_MAJOR]. Call
 * once at boot, before uart_init() lets input arrive. No locks. */
void console_init(void)
{
	devsw[CONSOLE_MAJOR].read = console_read;
	devsw[CONSOLE_MAJOR].write = console_write;
}
