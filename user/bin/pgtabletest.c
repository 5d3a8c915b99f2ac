/*
 * pgtabletest: lab pgtable from user space. Each case prints one line,
 * "pgtabletest: <case>: ok" or "pgtabletest: <case>: FAILED: <why>", and the
 * last line is "pgtabletest: done" (grader/expect.py reads them). Run by the
 * grader as "pgtabletest -T <token>", each verdict line ends with the token
 * (user/verdict.h).
 */
#include "user.h"
#include "verdict.h"

#define PAGE           4096
#define DUMP_MAX       8192
#define KERNEL_HALF_VA 0xffff800080000000UL /* memlayout.h: PAGE_OFFSET + RAM */
#define KILLED_STATUS  (-1)                 /* the kernel's exit status for a killed process */
#define SBRK_PAGES     3

#define NO_SUMMARY "the dump has no summary line (is dump_table() in kernel/mm/ptdump.c written?)"

static char dump[DUMP_MAX], dump2[DUMP_MAX];
static int failures;

static void verdict(const char *name, int ok, const char *why)
{
	if (ok) {
		printf("pgtabletest: %s: ok%s\n", name, verdict_tag());
		return;
	}
	failures++;
	printf("pgtabletest: %s: FAILED: %s%s\n", name, why, verdict_tag());
}

/* Run fn in a child; true when the kernel killed the child for it. */
static int child_is_killed(void (*fn)(void))
{
	int pid = fork(), status = 0;

	if (pid < 0)
		return 0;
	if (pid == 0) {
		fn();
		exit(0); /* the access went through */
	}
	wait(&status);
	return status == KILLED_STATUS;
}

static void write_text(void)
{
	*(volatile char *)(uint64)write_text = 0;
}
static void write_rodata(void)
{
	*(volatile char *)"read-only" = 'X';
}
static void read_kernel(void)
{
	(void)*(volatile char *)KERNEL_HALF_VA;
}

/* The 4K leaf count in a dump's summary line ("... 4K=N"), or -1. */
static int leaves_4k(const char *text, int len)
{
	static const char key[] = " 4K=";
	int n = sizeof(key) - 1;

	for (int i = len - n; i >= 0; i--)
		if (memcmp(text + i, key, n) == 0)
			return atoi(text + i + n);
	return -1;
}

static void bad_arguments(void)
{
	int ok = pgdump(99, dump, DUMP_MAX) == -1 && errno() == EINVAL;
	ok = ok && pgdump(PGDUMP_USER, dump, -1) == -1 && errno() == EINVAL;
	ok = ok && pgdump(PGDUMP_USER, (char *)KERNEL_HALF_VA, 100) == -1 && errno() == EFAULT;
	ok = ok && pgdump(PGDUMP_USER, (char *)(PAGE / 2), 100) == -1 && errno() == EFAULT;
	verdict("pgdump_bad_arguments", ok, "expected -1 with EINVAL or EFAULT");
}

/* A short buffer gets a prefix of the same dump and the full length. */
static void short_buffer(void)
{
	int full = pgdump(PGDUMP_USER, dump, DUMP_MAX);
	int size_only = pgdump(PGDUMP_USER, 0, 0);
	int part = pgdump(PGDUMP_USER, dump2, 10);

	if (full > 0 && leaves_4k(dump, full) < 0)
		verdict("pgdump_short_buffer", 0, NO_SUMMARY);
	else
		verdict("pgdump_short_buffer",
		        full > 10 && full < DUMP_MAX && size_only == full && part == full &&
		            memcmp(dump, dump2, 10) == 0,
		        "a short buffer did not get a prefix of the dump and its full length");
}

/* sbrk adds exactly its pages to the dump; shrinking takes them away. */
static void sbrk_pages(void)
{
	int before = leaves_4k(dump, pgdump(PGDUMP_USER, dump, DUMP_MAX)), grown, shrunk;

	sbrk(SBRK_PAGES * PAGE);
	grown = leaves_4k(dump, pgdump(PGDUMP_USER, dump, DUMP_MAX));
	sbrk(-SBRK_PAGES * PAGE);
	shrunk = leaves_4k(dump, pgdump(PGDUMP_USER, dump, DUMP_MAX));
	if (before < 0)
		verdict("pgdump_counts_sbrk_pages", 0, NO_SUMMARY);
	else
		verdict("pgdump_counts_sbrk_pages",
		        grown == before + SBRK_PAGES && shrunk == before,
		        "the 4K leaf count did not follow sbrk");
}

int main(int argc, char *argv[])
{
	verdict_take_token(&argc, &argv);
	verdict("text_write_faults", child_is_killed(write_text), "wrote to user text");
	verdict("rodata_write_faults", child_is_killed(write_rodata), "wrote to rodata");
	verdict("kernel_half_unreadable", child_is_killed(read_kernel),
	        "read the kernel half from user mode");
	bad_arguments();
	short_buffer();
	sbrk_pages();
	printf("pgtabletest: done\n");
	exit(failures ? 1 : 0);
}
