/*
 * fuzz <seed> <iterations> [processes]: a seeded system-call fuzzer. Each
 * worker process makes <iterations> calls with random and boundary
 * arguments (NULL, kernel-half and unaligned pointers, huge lengths, bad
 * fds, buffers that overlap), in a scratch directory. The kernel must
 * refuse what is bad with -1, never panic, and give every page back: the
 * parent checks the free page count after the workers exit and prints
 *   fuzz: seed S: ok: N calls in P processes
 * or "fuzz: seed S: FAILED: <why>". The same seed makes the same calls.
 *
 * Calls that could block forever (reading an empty pipe or the console),
 * end the machine (halt), or disturb other processes (kill of a real pid,
 * exec of a real program, mknod of a console) are not made.
 */
#include "user.h"

#define PAGE          4096
#define SCRATCH       "fuzzdir"
#define MAX_PROCS     8
#define BUF_SIZE      (2 * PAGE)
#define NR_NAMES      8
#define NR_FDS        20 /* a little past NOFILE (16) */
#define KERNEL_VA     0xffff800080000000UL
#define KERNEL_TEXT   0xffffffff80200000UL
#define USER_TOP      0x800000000000UL
#define MAX_SBRK      (64 * 1024)
#define KILLED_STATUS (-1)

static uint64 rng;
static char buf[BUF_SIZE];
static const char *const names[NR_NAMES] = {"f0", "f1", "f2", "d0", "d1", "f0/x", MIXMEM_PATH,
                                             PFNMEM_PATH};

static uint64 next(void)
{
	/* xorshift64: small, and the same on every run for a seed. */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64 pick(uint64 n)
{
	return next() % n;
}

/* An address: mostly good, often at the edges of good, sometimes absurd. */
static uint64 any_ptr(void)
{
	switch (pick(10)) {
	case 0:
		return 0;
	case 1:
		return KERNEL_VA + pick(PAGE);
	case 2:
		return KERNEL_TEXT;
	case 3:
		return USER_TOP - pick(16);
	case 4:
		return next();
	case 5:
		return (uint64)buf + BUF_SIZE - pick(8); /* runs off the end */
	case 6:
		return (uint64)buf + 1 + pick(BUF_SIZE - 1); /* unaligned, inside */
	default:
		return (uint64)buf + pick(PAGE);
	}
}

static uint64 any_len(void)
{
	static const uint64 edges[] = {0,          1,          PAGE - 1, PAGE,    PAGE + 1,
	                               0x7fffffff, 0xffffffff, ~0UL,     ~0UL / 2};

	return pick(3) ? pick(BUF_SIZE / 2) : edges[pick(sizeof(edges) / sizeof(edges[0]))];
}

static int any_fd(void)
{
	return pick(6) ? (int)pick(NR_FDS) - 2 : (int)next();
}

static const char *any_path(void)
{
	return pick(4) ? names[pick(NR_NAMES)] : (const char *)any_ptr();
}

/* A pipe round trip: write at most what the pipe holds, read back at most
 * what was written, so neither end can block. */
static void pipe_round_trip(void)
{
	int fds[2], n;

	if (pipe(fds) < 0)
		return;
	n = write(fds[1], (void *)any_ptr(), (int)pick(64));
	if (n > 0)
		read(fds[0], (void *)any_ptr(), (int)pick((uint64)n) + 1);
	close(fds[0]);
	close(fds[1]);
}

/* pipe() into any pointer; a pipe that was made is closed at once, so no
 * later read can block on it. */
static void pipe_at_random(void)
{
	int *where = (int *)any_ptr(), fds[2];

	if (pipe(where) < 0)
		return;
	memcpy(fds, where, sizeof(fds));
	close(fds[0]);
	close(fds[1]);
}

static void mmap_call(void)
{
	int prot = (int)pick(8), flags = (int)pick(4) ? MAP_PRIVATE | MAP_ANONYMOUS : (int)next();
	char *p = mmap((void *)(pick(2) ? 0 : any_ptr()), any_len(), prot, flags, any_fd(),
	               pick(4) ? 0 : next());

	/* A mapping that allows writes takes one, in its first page (always
	 * inside the file or device: mmap() refuses offsets past the end). */
	if (p != MAP_FAILED && (prot & PROT_WRITE))
		p[0] = 1;
	if (p != MAP_FAILED && pick(2))
		munmap(p, any_len());
}

static void one_call(void)
{
	switch (pick(18)) {
	case 0:
		read(any_fd() >= 3 ? any_fd() : 3, (void *)any_ptr(), (int)any_len());
		break;
	case 1:
		write(any_fd() >= 3 ? any_fd() : 3, (void *)any_ptr(), (int)any_len());
		break;
	case 2:
		close(any_fd());
		break;
	case 3:
		dup(any_fd());
		break;
	case 4:
		open(any_path(), (int)pick(4) ? (int)pick(0x1000) : (int)next());
		break;
	case 5:
		mkdir(any_path());
		break;
	case 6:
		unlink(any_path());
		break;
	case 7:
		link(any_path(), any_path());
		break;
	case 8:
		fstat(any_fd(), (struct stat *)any_ptr());
		break;
	case 9:
		sbrk((int)pick(2 * MAX_SBRK) - MAX_SBRK);
		break;
	case 10:
		mmap_call();
		break;
	case 11:
		munmap((void *)any_ptr(), any_len());
		break;
	case 12:
		memstat((struct memstat *)any_ptr());
		break;
	case 13:
		pgdump((int)pick(3), (char *)any_ptr(), (int)any_len());
		break;
	case 14:
		pipe_round_trip();
		break;
	case 15:
		pipe_at_random();
		break;
	case 16:
		exec((const char *)(pick(2) ? any_ptr() : (uint64) "no-such-program"),
		     (char **)any_ptr());
		break;
	default:
		chdir(pick(2) ? "." : (const char *)any_ptr());
		break;
	}
}

/* A worker: no console fds (random writes must not reach the console). */
static void worker(uint64 seed, int iterations)
{
	rng = seed * 0x9e3779b97f4a7c15UL + 1;
	for (int fd = 0; fd < 3; fd++)
		close(fd);
	for (int i = 0; i < iterations; i++) {
		if (pick(64) == 0) {
			int pid = fork();
			if (pid == 0)
				exit(0);
			if (pid > 0)
				wait(0);
		}
		one_call();
	}
	exit(0);
}

/* Remove what the workers made, deepest first. */
static void clean_scratch(void)
{
	for (int i = NR_NAMES - 1; i >= 0; i--)
		unlink(names[i]);
}

int main(int argc, char *argv[])
{
	int seed, iterations, procs = 1, failed = 0;
	uint64 before;

	if (argc < 3 || argc > 4 || (seed = atoi(argv[1])) < 0 ||
	    (iterations = atoi(argv[2])) <= 0 ||
	    (argc == 4 && ((procs = atoi(argv[3])) < 1 || procs > MAX_PROCS))) {
		fprintf(2, "usage: fuzz <seed> <iterations> [processes 1-%d]\n", MAX_PROCS);
		exit(2);
	}
	mkdir(SCRATCH);
	if (chdir(SCRATCH) < 0) {
		printf("fuzz: seed %d: FAILED: cannot enter %s\n", seed, SCRATCH);
		exit(1);
	}
	before = free_pages();
	for (int i = 0; i < procs; i++)
		if (fork() == 0)
			worker((uint64)seed * MAX_PROCS + (uint64)i, iterations);
	for (int i = 0; i < procs; i++) {
		int status = 0;
		if (wait(&status) < 0 || status != 0)
			failed++;
	}
	clean_scratch();
	chdir("..");
	unlink(SCRATCH);
	if (failed)
		printf("fuzz: seed %d: FAILED: %d worker(s) were killed or failed\n", seed, failed);
	else if (free_pages() != before)
		printf("fuzz: seed %d: FAILED: %d pages not given back\n", seed,
		       (int)(before - free_pages()));
	else
		printf("fuzz: seed %d: ok: %d calls in %d processes\n", seed, iterations * procs,
		       procs);
	exit(failed ? 1 : 0);
}
