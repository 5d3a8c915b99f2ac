/* Kernel formatted output: vsnprintf is the one formatter, printf its sink. */
#include "printk.h"
#include "spinlock.h"
#include "string.h"

/* Output goes to a buffer (bounded by size) or, with buf == NULL, the console. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void emit(struct sink *s, char c)
{
	if (!s->buf)
		console_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	int width;
	bool zero_pad;
	bool left;
	int length;   /* number of 'l's, 'z' counts as 2 */
};

static void emit_padded(struct sink *s, const char *str, size_t n, const struct spec *sp)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		while (pad-- > 0)
			emit(s, sp->zero_pad ? '0' : ' ');
	for (size_t i = 0; i < n; i++)
		emit(s, str[i]);
	if (sp->left)
		while (pad-- > 0)
			emit(s, ' ');
}

static void emit_number(struct sink *s, uint64_t v, unsigned base, bool negative,
			const struct spec *sp)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (sp->zero_pad && sp->width > 0) {
			struct spec rest = *sp;
			emit(s, '-');
			rest.width--;
			emit_padded(s, tmp + i, sizeof(tmp) - i, &rest);
			return;
		}
		tmp[--i] = '-';
	}
	emit_padded(s, tmp + i, sizeof(tmp) - i, sp);
}

static const char *parse_spec(const char *fmt, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = true;
		else if (*fmt == '0')
			sp->zero_pad = true;
		else
			break;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	for (; *fmt == 'l' || *fmt == 'z'; fmt++)
		sp->length += *fmt == 'z' ? 2 : 1;
	return fmt;
}

static uint64_t arg_unsigned(va_list *ap, int length)
{
	return length ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int length)
{
	return length ? va_arg(*ap, int64_t) : va_arg(*ap, int);
}

static void format(struct sink *s, const char *fmt, va_list ap_in)
{
	va_list ap;
	struct spec sp;

	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(s, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, sp.length);
			emit_number(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, &sp);
			break;
		}
		case 'u':
			emit_number(s, arg_unsigned(&ap, sp.length), 10, false, &sp);
			break;
		case 'x':
			emit_number(s, arg_unsigned(&ap, sp.length), 16, false, &sp);
			break;
		case 'p':
			emit(s, '0');
			emit(s, 'x');
			sp.zero_pad = true;
			sp.width = 16;
			emit_number(s, (uint64_t)va_arg(ap, void *), 16, false, &sp);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			emit_padded(s, str, strlen(str), &sp);
			break;
		}
		case 'c':
			emit(s, (char)va_arg(ap, int));
			break;
		case '%':
			emit(s, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			emit(s, '%');
			emit(s, *fmt);
			break;
		}
	}
	va_end(ap);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size, .len = 0 };

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static struct spinlock print_lock = { .name = "printf" };
/* Set by panic(): stop taking the lock so a dying hart can always print. */
volatile bool printk_lockless;

void vprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };
	bool locking = !printk_lockless;

	if (locking)
		spin_lock(&print_lock);
	format(&s, fmt, ap);
	if (locking)
		spin_unlock(&print_lock);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
