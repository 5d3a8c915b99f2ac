/*
 * crashload: a file-system workload for crash-consistency tests.
 *
 *   crashload run <seed> <ops>          do ops operations in /crash
 *   crashload check <seed> <ops> <n>    after a crash: check the first n
 *
 * The operations come from the seed: mostly "create crash/f<i> with
 * seeded contents of a seeded size" (up to 24 KiB, so some files take
 * several log transactions), and every fifth one "remove an earlier live
 * file". `run` prints "crashload: op <i> done" once operation i has returned
 * (its transactions are committed: the kernel's log commits at the end of
 * each system call), and "crashload: finished" at the end.
 *
 * The grader kills the machine somewhere in the middle, reboots it (the
 * log replays) and runs `check` with n = the number of "done" lines it saw.
 * Every operation before n must show in full; operation n may or may not
 * have happened (a partial file is allowed only for it); nothing after it
 * may exist. `check` prints "crashload: check ok: <k> files intact" or
 * "crashload: check FAILED: <why>".
 */
#include "user.h"

#define DIR       "crash"
#define MAX_OPS   200
#define MAX_BYTES (24 * 1024)
#define CHUNK     1024

static uint64 state;

static uint64 next(void)
{
	/* xorshift64, as in fuzz: the same sequence for a seed, everywhere. */
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

enum op_kind { OP_CREATE, OP_REMOVE };

struct op {
	enum op_kind kind;
	int file; /* OP_CREATE: this op's index; OP_REMOVE: the file removed */
	int size; /* OP_CREATE */
};

static struct op ops[MAX_OPS];

/* The operations of seed; removals pick a file created and still live. */
static void plan(uint64 seed, int nr_ops)
{
	char live[MAX_OPS] = {0};

	state = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (int i = 0; i < nr_ops; i++) {
		int victim = -1;
		if (i % 5 == 4)
			for (int tries = 0; tries < 8 && victim < 0; tries++) {
				int j = (int)(next() % (uint64)i);
				if (live[j])
					victim = j;
			}
		if (victim >= 0) {
			ops[i] = (struct op){OP_REMOVE, victim, 0};
			live[victim] = 0;
		} else {
			ops[i] = (struct op){OP_CREATE, i, 1 + (int)(next() % MAX_BYTES)};
			live[i] = 1;
		}
	}
}

static char content(int file, int off)
{
	return (char)(file * 31 + off * 7 + (off >> 10));
}

static void file_name(char *buf, int file)
{
	char digits[8];
	int n = 0, k = sizeof(DIR "/f") - 1;

	strcpy(buf, DIR "/f");
	do
		digits[n++] = (char)('0' + file % 10);
	while ((file /= 10) > 0);
	while (n > 0)
		buf[k++] = digits[--n];
	buf[k] = 0;
}

static int create(int file, int size)
{
	char name[32], buf[CHUNK];
	int fd;

	file_name(name, file);
	if ((fd = open(name, O_CREATE | O_WRONLY)) < 0)
		return -1;
	for (int off = 0; off < size; off += CHUNK) {
		int n = size - off < CHUNK ? size - off : CHUNK;
		for (int k = 0; k < n; k++)
			buf[k] = content(file, off + k);
		if (write(fd, buf, n) != n) {
			close(fd);
			return -1;
		}
	}
	return close(fd);
}

static int run(int nr_ops)
{
	char name[32];

	/* Start from nothing: an earlier run may have left files (make qemu
	 * boots on the image itself). */
	mkdir(DIR);
	for (int i = 0; i < MAX_OPS; i++) {
		file_name(name, i);
		unlink(name);
	}
	for (int i = 0; i < nr_ops; i++) {
		int err;
		if (ops[i].kind == OP_CREATE) {
			err = create(ops[i].file, ops[i].size);
		} else {
			file_name(name, ops[i].file);
			err = unlink(name);
		}
		if (err < 0) {
			printf("crashload: op %d failed: %s\n", i, strerror(errno()));
			return 1;
		}
		printf("crashload: op %d done\n", i);
	}
	printf("crashload: finished\n");
	return 0;
}

/* Does file hold exactly its contents? -1: missing, 0: wrong, 1: right. */
static int intact(int file, int size)
{
	char name[32], buf[CHUNK];
	int fd, off = 0, n;

	file_name(name, file);
	if ((fd = open(name, O_RDONLY)) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (int k = 0; k < n; k++)
			if (off + k >= size || buf[k] != content(file, off + k)) {
				close(fd);
				return 0;
			}
		off += n;
	}
	close(fd);
	return n == 0 && off == size;
}

static int fail(int op, const char *why)
{
	printf("crashload: check FAILED: op %d: %s\n", op, why);
	return 1;
}

static int check(int nr_ops, int done)
{
	int expect[MAX_OPS], files = 0; /* 1: must be intact, 0: must be gone */

	for (int i = 0; i < nr_ops; i++)
		expect[i] = 0;
	for (int i = 0; i < done; i++)
		expect[ops[i].file] = ops[i].kind == OP_CREATE;
	for (int i = 0; i < nr_ops; i++) {
		int got;
		if (ops[i].kind != OP_CREATE)
			continue;
		got = intact(i, ops[i].size);
		/* The operation in flight at the crash may have gone either way. */
		int in_flight = i == done || (done < nr_ops && ops[done].kind == OP_REMOVE &&
		                              ops[done].file == i);
		if (in_flight)
			continue;
		if (expect[i] && got != 1)
			return fail(i, got < 0 ? "a file created before the crash is missing"
			                       : "a file created before the crash is damaged");
		if (!expect[i] && got >= 0)
			return fail(i, i < done ? "a removed file is back"
			                        : "a file from after the crash exists");
		files += expect[i];
	}
	printf("crashload: check ok: %d files intact\n", files);
	return 0;
}

int main(int argc, char *argv[])
{
	int nr_ops = argc > 3 ? atoi(argv[3]) : 0;

	if (argc < 4 || nr_ops < 1 || nr_ops > MAX_OPS ||
	    (strcmp(argv[1], "run") && strcmp(argv[1], "check")) ||
	    (!strcmp(argv[1], "check") && argc != 5)) {
		fprintf(2,
		        "usage: crashload run <seed> <ops> | check <seed> <ops> <done>"
		        " (ops 1..%d)\n",
		        MAX_OPS);
		exit(2);
	}
	plan((uint64)atoi(argv[2]), nr_ops);
	if (!strcmp(argv[1], "run"))
		exit(run(nr_ops));
	exit(check(nr_ops, atoi(argv[4])));
}
