/*
 * faultbench: instructions the kernel spends per page fault and per fork
 * (make bench runs it under QEMU's -icount on one hart, with `mixmem`).
 *
 *   faultbench        every figure below
 *
 * Each fault figure is the instret delta of touching N fresh pages minus
 * the same loop over the pages once they are mapped (the loop's own cost),
 * divided by N:
 *   "faultbench: <kind> <n> instructions per fault (<N> faults)"
 * with kind anon, file, mixed_page, mixed_raw, cow. Each fork figure is the
 * least of FORK_RUNS forks of a process with that much touched memory:
 *   "faultbench: fork <MiB> MiB <n> instructions"
 * then "faultbench: done". Formats: grader/expect.py FAULTBENCH_*.
 */
#include "user.h"

#define PAGE      4096
#define NR_FAULTS 32
#define FORK_RUNS 3
#define RW        (PROT_READ | PROT_WRITE)
#define FILE_PATH "faultbench.tmp"
#define MIB       (1024 * 1024)

enum touch { TOUCH_READ, TOUCH_WRITE };

static const int fork_mib[] = {1, 16, 64};

/* Instructions of touching pages [0, n) of p, stride pages apart. */
static uint64 touch_pages(volatile char *p, int n, int stride, enum touch how)
{
	uint64 total = 0;

	for (int i = 0; i < n; i++) {
		volatile char *at = p + (uint64)i * stride * PAGE;
		uint64 start = rdinstret();
		if (how == TOUCH_WRITE)
			*at = 1;
		else
			(void)*at;
		total += rdinstret() - start;
	}
	return total;
}

/* First touches minus the same touches again: the faults alone. */
static void report(const char *kind, char *p, int stride, enum touch how)
{
	uint64 faulted = touch_pages(p, NR_FAULTS, stride, how);
	uint64 mapped = touch_pages(p, NR_FAULTS, stride, how);

	printf("faultbench: %s %d instructions per fault (%d faults)\n", kind,
	       (int)((faulted - mapped) / NR_FAULTS), NR_FAULTS);
}

static char *map(int pages, int prot, int flags, int fd)
{
	char *p = mmap(0, (uint64)pages * PAGE, prot, flags, fd, 0);

	if (p == MAP_FAILED) {
		fprintf(2, "faultbench: mmap: %s\n", strerror(errno()));
		exit(1);
	}
	return p;
}

static int file_of_pages(int pages)
{
	char buf[PAGE];
	int fd = open(FILE_PATH, O_CREATE | O_RDWR);

	memset(buf, 'f', sizeof(buf));
	for (int i = 0; fd >= 0 && i < pages; i++)
		if (write(fd, buf, PAGE) != PAGE) {
			close(fd);
			fd = -1;
		}
	if (fd < 0) {
		fprintf(2, "faultbench: cannot write %s\n", FILE_PATH);
		exit(1);
	}
	return fd;
}

static void fault_figures(void)
{
	int fd, status;
	char *p;

	p = map(NR_FAULTS, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	report("anon", p, 1, TOUCH_WRITE);
	munmap(p, NR_FAULTS * PAGE);

	fd = file_of_pages(NR_FAULTS);
	p = map(NR_FAULTS, PROT_READ, MAP_SHARED, fd);
	report("file", p, 1, TOUCH_READ);
	munmap(p, NR_FAULTS * PAGE);
	close(fd);
	unlink(FILE_PATH);

	/* Even pages of /dev/mixmem have a struct page, odd ones do not. */
	if ((fd = open(MIXMEM_PATH, O_RDWR)) < 0) {
		fprintf(2, "faultbench: %s: %s (boot with mixmem)\n", MIXMEM_PATH,
		        strerror(errno()));
		exit(1);
	}
	p = map(MIXMEM_NR_PAGES, RW, MAP_SHARED, fd);
	report("mixed_page", p, 2, TOUCH_READ);
	report("mixed_raw", p + PAGE, 2, TOUCH_READ);
	munmap(p, MIXMEM_NR_PAGES * PAGE);
	close(fd);

	p = map(NR_FAULTS, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	touch_pages(p, NR_FAULTS, 1, TOUCH_WRITE);
	if (fork() == 0) {
		report("cow", p, 1, TOUCH_WRITE);
		exit(0);
	}
	wait(&status);
	munmap(p, NR_FAULTS * PAGE);
}

/* The least instret of FORK_RUNS forks with mib MiB touched. */
static void fork_figure(int mib)
{
	int pages = mib * MIB / PAGE, status;
	char *p = map(pages, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uint64 best = ~0UL;

	touch_pages(p, pages, 1, TOUCH_WRITE);
	for (int run = 0; run < FORK_RUNS; run++) {
		uint64 start = rdinstret(), took;
		int pid = fork();
		if (pid == 0)
			exit(0);
		took = rdinstret() - start;
		if (pid < 0) {
			fprintf(2, "faultbench: fork: %s\n", strerror(errno()));
			exit(1);
		}
		wait(&status);
		best = took < best ? took : best;
	}
	printf("faultbench: fork %d MiB %d instructions\n", mib, (int)best);
	munmap(p, (uint64)pages * PAGE);
}

int main(int argc, char *argv[])
{
	if (argc != 1) {
		fprintf(2, "usage: faultbench\n");
		exit(2);
	}
	fault_figures();
	for (unsigned int i = 0; i < sizeof(fork_mib) / sizeof(fork_mib[0]); i++)
		fork_figure(fork_mib[i]);
	printf("faultbench: done\n");
	exit(0);
}
