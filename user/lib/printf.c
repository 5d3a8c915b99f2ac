/*
 * printf for user programs: %d %i %u %x %p %s %c %%, the l/ll/z length
 * modifiers, and the '-' and '0' flags with a field width ("%-14s",
 * "%08x"). Output is gathered in a small buffer and written in as few
 * write() calls as possible, so lines printed by concurrent processes
 * rarely interleave and the console is not hit once per character.
 */
#include "user.h"

#define OUTBUF_SIZE 256
#define NUMBUF_SIZE 24     /* 2^64 in decimal is 20 digits, plus sign */

static const char digits[] = "0123456789abcdef";

struct outbuf {
	int fd;
	int len;
	char buf[OUTBUF_SIZE];
};

static void flush(struct outbuf *out)
{
	if (out->len > 0)
		write(out->fd, out->buf, out->len);
	out->len = 0;
}

static void putch(struct outbuf *out, char c)
{
	if (out->len == OUTBUF_SIZE)
		flush(out);
	out->buf[out->len++] = c;
}

/* One conversion's flags as parsed from the format. */
struct spec {
	int left;      /* '-': pad on the right */
	int zero;      /* '0': pad numbers with zeros */
	int width;     /* minimum field width */
	int longs;     /* number of 'l' (or 'z') modifiers */
};

/* Emit s (len bytes) padded to the field width. A leading '-' on a
 * zero-padded number stays in front of the zeros. */
static void emit_padded(struct outbuf *out, const struct spec *sp,
			const char *s, int len, int is_number)
{
	int pad = sp->width > len ? sp->width - len : 0;

	if (sp->left) {
		for (int i = 0; i < len; i++)
			putch(out, s[i]);
		while (pad-- > 0)
			putch(out, ' ');
		return;
	}
	if (sp->zero && is_number) {
		if (len > 0 && s[0] == '-') {
			putch(out, '-');
			s++;
			len--;
		}
		while (pad-- > 0)
			putch(out, '0');
	} else {
		while (pad-- > 0)
			putch(out, ' ');
	}
	for (int i = 0; i < len; i++)
		putch(out, s[i]);
}

static void emit_number(struct outbuf *out, const struct spec *sp,
			uint64 val, int base, int negative)
{
	char tmp[NUMBUF_SIZE];
	int i = NUMBUF_SIZE;

	do {
		tmp[--i] = digits[val % base];
		val /= base;
	} while (val != 0);
	if (negative)
		tmp[--i] = '-';
	emit_padded(out, sp, tmp + i, NUMBUF_SIZE - i, 1);
}

/* Fetch a signed argument of the size the modifiers say. */
static long signed_arg(va_list *ap, int longs)
{
	return longs ? va_arg(*ap, long) : va_arg(*ap, int);
}

static uint64 unsigned_arg(va_list *ap, int longs)
{
	return longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

/* Parse flags, width and length modifiers; return the conversion char. */
static const char *parse_spec(const char *fmt, struct spec *sp)
{
	sp->left = sp->zero = sp->width = sp->longs = 0;
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = 1;
		else if (*fmt == '0')
			sp->zero = 1;
		else
			break;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	while (*fmt == 'l' || *fmt == 'z') {
		sp->longs++;
		fmt++;
	}
	return fmt;
}

/* Do one conversion; return how many format chars it consumed. */
static int convert(struct outbuf *out, const struct spec *sp, char c,
		   va_list *ap)
{
	long v;
	const char *s;

	switch (c) {
	case 'd':
	case 'i':
		v = signed_arg(ap, sp->longs);
		/* Negate as unsigned so the most negative value works. */
		emit_number(out, sp, v < 0 ? -(uint64)v : (uint64)v, 10, v < 0);
		return 1;
	case 'u':
		emit_number(out, sp, unsigned_arg(ap, sp->longs), 10, 0);
		return 1;
	case 'x':
		emit_number(out, sp, unsigned_arg(ap, sp->longs), 16, 0);
		return 1;
	case 'p': {
		/* As in xv6: 0x and all 16 hex digits. */
		uint64 p = (uint64)va_arg(*ap, void *);

		putch(out, '0');
		putch(out, 'x');
		for (int shift = 60; shift >= 0; shift -= 4)
			putch(out, digits[(p >> shift) & 0xf]);
		return 1;
	}
	case 's':
		s = va_arg(*ap, const char *);
		if (s == 0)
			s = "(null)";
		emit_padded(out, sp, s, strlen(s), 0);
		return 1;
	case 'c':
		putch(out, (char)va_arg(*ap, int));
		return 1;
	case '%':
		putch(out, '%');
		return 1;
	default:
		if (sp->longs) {
			/* Old xv6 programs print a long with a bare "%l". */
			emit_number(out, sp, unsigned_arg(ap, sp->longs), 10, 0);
			return 0;
		}
		/* Unknown conversion: show it, so the mistake is visible. */
		putch(out, '%');
		if (c != '\0')
			putch(out, c);
		return c != '\0';
	}
}

void vprintf(int fd, const char *fmt, va_list ap)
{
	struct outbuf out;
	va_list args;

	out.fd = fd;
	out.len = 0;

	va_copy(args, ap);
	while (*fmt != '\0') {
		struct spec sp;

		if (*fmt != '%') {
			putch(&out, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		fmt += convert(&out, &sp, *fmt, &args);
	}
	va_end(args);
	flush(&out);
}

void fprintf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fd, fmt, ap);
	va_end(ap);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(1, fmt, ap);
	va_end(ap);
}
