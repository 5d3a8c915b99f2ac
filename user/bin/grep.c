/*
 * grep: print the lines that match a pattern. The pattern language is
 * the small one from Kernighan and Pike: c matches itself, . any char,
 * x* zero or more x, ^ the line start and $ the line end.
 */
#include "user.h"

#define BUF_SIZE 1024

static char buf[BUF_SIZE];

static int match_here(const char *re, const char *text);

/* Match x* (c is x) followed by re: try the shortest run first. */
static int match_star(char c, const char *re, const char *text)
{
	for (;;) {
		if (match_here(re, text))
			return 1;
		if (*text == '\0' || (c != '.' && *text != c))
			return 0;
		text++;
	}
}

/* Does re match a prefix of text? */
static int match_here(const char *re, const char *text)
{
	for (;;) {
		if (re[0] == '\0')
			return 1;
		if (re[1] == '*')
			return match_star(re[0], re + 2, text);
		if (re[0] == '$' && re[1] == '\0')
			return *text == '\0';
		if (*text == '\0' || (re[0] != '.' && re[0] != *text))
			return 0;
		re++;
		text++;
	}
}

/* Does re match anywhere in text? */
static int match(const char *re, const char *text)
{
	if (re[0] == '^')
		return match_here(re + 1, text);
	for (;;) {
		if (match_here(re, text))
			return 1;
		if (*text++ == '\0')
			return 0;
	}
}

/* Print line (len bytes, no newline) if it matches. */
static void check_line(const char *re, char *line, int len)
{
	line[len] = '\0';
	if (match(re, line)) {
		line[len] = '\n';
		write(1, line, len + 1);
	}
}

static int grep(const char *re, int fd)
{
	int have = 0;   /* bytes in buf not yet matched */
	int n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *line = buf;
		char *nl;

		have += n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n')) != 0) {
			check_line(re, line, nl - line);
			line = nl + 1;
		}
		have -= line - buf;
		if (have == sizeof(buf) - 1) {
			/* A line longer than buf: match what we have. */
			check_line(re, buf, have);
			have = 0;
		} else {
			memmove(buf, line, have);
		}
	}
	if (have > 0)
		check_line(re, buf, have);   /* last line without a newline */
	return n < 0 ? -1 : 0;
}

int main(int argc, char *argv[])
{
	int status = 0;

	if (argc < 2) {
		fprintf(2, "usage: grep pattern [file ...]\n");
		return 1;
	}
	if (argc == 2)
		return grep(argv[1], 0) < 0;
	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0) {
			fprintf(2, "grep: cannot open %s: %s\n", argv[i],
				strerror(errno()));
			status = 1;
			continue;
		}
		if (grep(argv[1], fd) < 0)
			status = 1;
		close(fd);
	}
	return status;
}
