/*
 * ulib: program entry and the small C library xv6 programs expect.
 * Written for clarity over speed; none of this is on a hot path.
 */
#include "user.h"

int main(int argc, char **argv);

/*
 * Every program starts here: exec leaves argc in a0 and argv in a1, which
 * the calling convention hands us as the two parameters. Returning from
 * main is the same as calling exit() with its value, as in C.
 */
void _start(int argc, char **argv)
{
	exit(main(argc, argv));
}

char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

int strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	/* Compare as unsigned so bytes >= 0x80 sort after ASCII. */
	return (uchar)*a - (uchar)*b;
}

uint strlen(const char *s)
{
	uint n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

void *memset(void *dst, int c, uint n)
{
	uchar *d = dst;

	for (uint i = 0; i < n; i++)
		d[i] = (uchar)c;
	return dst;
}

char *strchr(const char *s, char c)
{
	for (; *s != '\0'; s++)
		if (*s == c)
			return (char *)s;
	return 0;
}

/*
 * Read a line from fd 0 into buf, one byte at a time so nothing past the
 * newline is consumed (the rest belongs to whoever reads stdin next).
 * Keeps the newline; buf is empty at end of input.
 */
char *gets(char *buf, int max)
{
	int i = 0;

	while (i + 1 < max) {
		char c;

		if (read(0, &c, 1) < 1)
			break;
		buf[i++] = c;
		if (c == '\n' || c == '\r')
			break;
	}
	buf[i] = '\0';
	return buf;
}

int stat(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY);
	int r;

	if (fd < 0)
		return -1;
	r = fstat(fd, st);
	close(fd);
	return r;
}

/* Decimal only, as in xv6; an optional sign is accepted as in C. */
int atoi(const char *s)
{
	int sign = 1;
	int n = 0;

	if (*s == '-' || *s == '+')
		sign = (*s++ == '-') ? -1 : 1;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return sign * n;
}

/* Copy n bytes between possibly overlapping buffers. */
void *memmove(void *dst, const void *src, int n)
{
	uchar *d = dst;
	const uchar *s = src;

	if (n <= 0 || d == s)
		return dst;
	if (d < s) {
		for (int i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		/* dst overlaps the tail of src: copy backwards. */
		for (int i = n - 1; i >= 0; i--)
			d[i] = s[i];
	}
	return dst;
}

int memcmp(const void *a, const void *b, uint n)
{
	const uchar *p = a;
	const uchar *q = b;

	for (uint i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] - q[i];
	return 0;
}

/* The compiler also emits calls to this for struct copies. */
void *memcpy(void *dst, const void *src, uint n)
{
	return memmove(dst, src, n);
}

struct errmsg {
	int err;
	const char *msg;
};

static const struct errmsg errmsgs[] = {
	{ EPERM, "operation not permitted" },
	{ ENOENT, "no such file or directory" },
	{ ESRCH, "no such process" },
	{ EINTR, "interrupted" },
	{ EIO, "i/o error" },
	{ ENXIO, "no such device or address" },
	{ E2BIG, "argument list too long" },
	{ ENOEXEC, "exec format error" },
	{ EBADF, "bad file descriptor" },
	{ ECHILD, "no child processes" },
	{ EAGAIN, "resource temporarily unavailable" },
	{ ENOMEM, "out of memory" },
	{ EACCES, "permission denied" },
	{ EFAULT, "bad address" },
	{ EBUSY, "device or resource busy" },
	{ EEXIST, "file exists" },
	{ EXDEV, "cross-device link" },
	{ ENODEV, "no such device" },
	{ ENOTDIR, "not a directory" },
	{ EISDIR, "is a directory" },
	{ EINVAL, "invalid argument" },
	{ ENFILE, "too many open files in system" },
	{ EMFILE, "too many open files" },
	{ EFBIG, "file too large" },
	{ ENOSPC, "no space left on device" },
	{ ESPIPE, "illegal seek" },
	{ EMLINK, "too many links" },
	{ EPIPE, "broken pipe" },
	{ ERANGE, "result out of range" },
	{ ENAMETOOLONG, "file name too long" },
	{ ENOSYS, "function not implemented" },
	{ ENOTEMPTY, "directory not empty" },
	{ EOVERFLOW, "value too large" },
	{ EOPNOTSUPP, "operation not supported" },
};

uint64 free_pages(void)
{
	struct memstat ms;

	return memstat(&ms) < 0 ? 0 : ms.free_pages;
}

const char *strerror(int err)
{
	for (uint i = 0; i < sizeof(errmsgs) / sizeof(errmsgs[0]); i++)
		if (errmsgs[i].err == err)
			return errmsgs[i].msg;
	return err == 0 ? "no error" : "unknown error";
}
