/*
 * pgdump: print this process's page tables (its user half), or with -k the
 * kernel half. The text comes from the pgdump() system call, so it can be
 * piped: `pgdump -k | grep 1G`.
 */
#include "user.h"

#define FIRST_BUFFER 4096 /* a fresh process's dump fits in one page */

static void usage(void)
{
	fprintf(2, "usage: pgdump [-k]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	static char first[FIRST_BUFFER];
	int what = PGDUMP_USER, size = sizeof(first), len;
	char *buf = first;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-k") != 0))
		usage();
	if (argc == 2)
		what = PGDUMP_KERNEL;
	/* The dump may grow between calls (the kernel half is shared). */
	while ((len = pgdump(what, buf, size)) > size) {
		size = len + len / 2;
		if ((buf = malloc(size)) == 0) {
			fprintf(2, "pgdump: out of memory for %d bytes\n", size);
			exit(1);
		}
	}
	if (len < 0) {
		fprintf(2, "pgdump: failed: %s\n", strerror(errno()));
		exit(1);
	}
	if (write(1, buf, len) != len) {
		fprintf(2, "pgdump: write failed\n");
		exit(1);
	}
	exit(0);
}
