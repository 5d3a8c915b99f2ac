/*
 * failtest: every page-allocation failure point of fork, exec, sbrk, mmap,
 * pipe and file creation, one at a time (failnth(n) makes the nth page
 * allocation of this process fail). For each n the operation must either
 * succeed or fail cleanly (-1, or a killed child for a fault that found no
 * memory), and the free page count must come back to where it was. One
 * line per operation:
 *   failtest: <op>: ok: <n> failure points
 *   failtest: <op>: FAILED: <why> at n=<n>
 * then "failtest: done" (grader/expect.py reads them).
 */
#include "user.h"

#define PAGE          4096
#define MAX_POINTS    256 /* failure points tried per operation */
#define EXEC_FAILED   3   /* a child's status when exec returned -1 */
#define KILLED_STATUS (-1)
#define SBRK_PAGES    16
#define MMAP_PAGES    4
#define FILE_BYTES    5000

enum outcome { SUCCEEDED, FAILED_CLEANLY, BROKEN };

static enum outcome op_fork(int nth)
{
	int pid, status = 0;

	failnth(nth);
	pid = fork();
	failnth(0);
	if (pid == 0)
		exit(0);
	if (pid < 0) /* no process slot memory (EAGAIN) or no address space (ENOMEM) */
		return errno() == ENOMEM || errno() == EAGAIN ? FAILED_CLEANLY : BROKEN;
	wait(&status);
	return status == 0 ? SUCCEEDED : BROKEN;
}

/* A child execs this program in its do-nothing mode with the failure armed. */
static enum outcome in_child(int nth, void (*body)(int))
{
	int pid = fork(), status = 0;

	if (pid < 0)
		return BROKEN;
	if (pid == 0) {
		body(nth);
		exit(0);
	}
	wait(&status);
	if (status == 0)
		return SUCCEEDED;
	return status == EXEC_FAILED || status == KILLED_STATUS ? FAILED_CLEANLY : BROKEN;
}

static void exec_body(int nth)
{
	char *argv[] = {"failtest", "-quiet", 0};

	failnth(nth);
	exec("failtest", argv);
	exit(EXEC_FAILED);
}

static enum outcome op_exec(int nth)
{
	return in_child(nth, exec_body);
}

/* Touching fresh mappings: a fault that finds no page kills the child. */
static void mmap_body(int nth)
{
	char *p;

	failnth(nth);
	p = mmap(0, MMAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(EXEC_FAILED);
	for (int i = 0; i < MMAP_PAGES; i++)
		p[i * PAGE] = 1;
	failnth(0);
	munmap(p, MMAP_PAGES * PAGE);
}

static enum outcome op_mmap(int nth)
{
	return in_child(nth, mmap_body);
}

static enum outcome op_sbrk(int nth)
{
	char *p;

	failnth(nth);
	p = sbrk(SBRK_PAGES * PAGE);
	failnth(0);
	if (p == (char *)-1)
		return errno() == ENOMEM ? FAILED_CLEANLY : BROKEN;
	return sbrk(-SBRK_PAGES * PAGE) == (char *)-1 ? BROKEN : SUCCEEDED;
}

static enum outcome op_pipe(int nth)
{
	int fds[2];
	char buf[100];

	failnth(nth);
	if (pipe(fds) < 0) {
		failnth(0);
		return FAILED_CLEANLY;
	}
	failnth(0);
	memset(buf, 'p', sizeof(buf));
	if (write(fds[1], buf, sizeof(buf)) != sizeof(buf) || read(fds[0], buf, sizeof(buf)) <= 0)
		return BROKEN;
	close(fds[0]);
	close(fds[1]);
	return SUCCEEDED;
}

static enum outcome op_file(int nth)
{
	static char data[FILE_BYTES];
	enum outcome result = SUCCEEDED;
	int fd;

	failnth(nth);
	fd = open("failtest.tmp", O_CREATE | O_RDWR);
	if (fd < 0) {
		failnth(0);
		return FAILED_CLEANLY;
	}
	if (write(fd, data, sizeof(data)) != sizeof(data))
		result = FAILED_CLEANLY;
	failnth(0);
	close(fd);
	unlink("failtest.tmp");
	return result;
}

/* Walk n = 1, 2, ... until the operation succeeds with the failure unused. */
static int walk_failure_points(const char *name, enum outcome (*op)(int))
{
	for (int nth = 1; nth <= MAX_POINTS; nth++) {
		uint64 before = free_pages();
		enum outcome result = op(nth);
		uint64 after = free_pages();
		if (result == BROKEN) {
			printf(
			    "failtest: %s: FAILED: neither success nor a clean failure at n=%d\n",
			    name, nth);
			return 0;
		}
		if (after != before) {
			printf("failtest: %s: FAILED: %d pages lost at n=%d\n", name,
			       (int)(before - after), nth);
			return 0;
		}
		if (result == SUCCEEDED) {
			printf("failtest: %s: ok: %d failure points\n", name, nth - 1);
			return 1;
		}
	}
	printf("failtest: %s: FAILED: still failing at n=%d\n", name, MAX_POINTS);
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		enum outcome (*op)(int);
	} ops[] = {
	    {"fork", op_fork}, {"exec", op_exec}, {"sbrk", op_sbrk},
	    {"mmap", op_mmap}, {"pipe", op_pipe}, {"file", op_file},
	};
	int failures = 0;

	if (argc == 2 && strcmp(argv[1], "-quiet") == 0)
		exit(0); /* what op_exec runs */
	for (int i = 0; i < (int)(sizeof(ops) / sizeof(ops[0])); i++)
		failures += !walk_failure_points(ops[i].name, ops[i].op);
	printf("failtest: done\n");
	exit(failures ? 1 : 0);
}
