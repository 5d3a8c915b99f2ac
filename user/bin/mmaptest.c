/*
 * mmaptest: anonymous mmap/munmap from user space. Each case prints one
 * line, "mmaptest: <case>: ok" or "mmaptest: <case>: FAILED: <why>", and
 * checks that the free page count is back where it started; the last line
 * is "mmaptest: done" (grader/expect.py reads them).
 */
#include "user.h"

#define PAGE           4096
#define KILLED_STATUS  (-1)                 /* exit status of a killed process */
#define KERNEL_HALF_VA 0xffff800080000000UL /* memlayout.h: PAGE_OFFSET + RAM */
#define MAX_VMAS       64                   /* kernel/include/mmap.h */
#define PROBE_VALUE    0x5a

static int failures;
static const char *why; /* set by a case that fails */

static uint64 pgtable_pages(void)
{
	struct memstat ms;

	return memstat(&ms) < 0 ? 0 : ms.pgtable_pages;
}

static char *map_anon(void *addr, int pages, int prot, int extra_flags)
{
	return mmap(addr, (uint64)pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1,
	            0);
}

/* Run one case and check it gave back every page it took. */
static void run(const char *name, int (*fn)(void))
{
	uint64 before = free_pages();
	int ok;

	why = "";
	ok = fn();
	if (ok && free_pages() != before) {
		ok = 0;
		why = "the free page count did not return to its start";
	}
	if (ok) {
		printf("mmaptest: %s: ok\n", name);
		return;
	}
	failures++;
	printf("mmaptest: %s: FAILED: %s\n", name, why);
}

static int fail(const char *reason)
{
	why = reason;
	return 0;
}

/* Does touching addr (a write when write is set) kill a child? */
static int touch_kills(char *addr, int write)
{
	int pid = fork(), status = 0;

	if (pid < 0)
		return 0;
	if (pid == 0) {
		if (write)
			*(volatile char *)addr = PROBE_VALUE;
		else
			(void)*(volatile char *)addr;
		exit(0);
	}
	wait(&status);
	return status == KILLED_STATUS;
}

/* Pages appear only when touched, zeroed, and go away with munmap. */
static int lazy_and_zeroed(void)
{
	uint64 free0 = free_pages(), tables0 = pgtable_pages();
	char *p = map_anon(0, 16, PROT_READ | PROT_WRITE, 0);

	if (p == MAP_FAILED)
		return fail("mmap failed");
	if (free_pages() != free0)
		return fail("mmap took pages before any touch");
	for (int i = 0; i < 4; i++)
		if (p[i * PAGE] != 0 || (p[i * PAGE + PAGE - 1] = PROBE_VALUE) != PROBE_VALUE)
			return fail("a new page is not zero, or not writable");
	if (free0 - free_pages() != 4 + (pgtable_pages() - tables0))
		return fail("touching 4 pages did not take exactly 4 pages plus tables");
	if (munmap(p, 16 * PAGE) < 0)
		return fail("munmap failed");
	return 1;
}

/* Unmapping the head, the tail and a page in the middle leaves the rest. */
static int partial_munmap(void)
{
	char *p = map_anon(0, 8, PROT_READ | PROT_WRITE, 0);

	if (p == MAP_FAILED)
		return fail("mmap failed");
	for (int i = 0; i < 8; i++)
		p[i * PAGE] = (char)i;
	if (munmap(p, PAGE) < 0 || munmap(p + 7 * PAGE, PAGE) < 0 || munmap(p + 4 * PAGE, PAGE) < 0)
		return fail("partial munmap failed");
	for (int i = 1; i < 7; i++)
		if (i != 4 && p[i * PAGE] != (char)i)
			return fail("a page that stayed mapped lost its contents");
	if (!touch_kills(p, 0) || !touch_kills(p + 4 * PAGE, 1) || !touch_kills(p + 7 * PAGE, 0))
		return fail("an unmapped page could still be touched");
	if (munmap(p, 8 * PAGE) < 0)
		return fail("munmap of the rest failed");
	return 1;
}

static int read_only_mapping(void)
{
	char *p = map_anon(0, 2, PROT_READ, 0);

	if (p == MAP_FAILED)
		return fail("mmap failed");
	if (p[0] != 0 || p[PAGE] != 0)
		return fail("a read-only page does not read as zero");
	if (!touch_kills(p, 1))
		return fail("a write to a PROT_READ mapping was allowed");
	if (munmap(p, 2 * PAGE) < 0)
		return fail("munmap failed");
	return 1;
}

/* MAP_FIXED replaces what was there; the hint is taken when it is free. */
static int fixed_mapping(void)
{
	char *p = map_anon(0, 4, PROT_READ | PROT_WRITE, 0), *q;

	if (p == MAP_FAILED)
		return fail("mmap failed");
	p[PAGE] = PROBE_VALUE;
	q = map_anon(p + PAGE, 1, PROT_READ | PROT_WRITE, MAP_FIXED);
	if (q != p + PAGE || q[0] != 0)
		return fail("MAP_FIXED did not replace the page with a fresh one");
	if (munmap(p, 4 * PAGE) < 0)
		return fail("munmap failed");
	q = map_anon(p, 2, PROT_READ, 0);
	if (q != p)
		return fail("a free, aligned hint was not used");
	munmap(q, 2 * PAGE);
	return 1;
}

/* A child's copy is its own; the child's pages go when it exits. */
static int fork_copies(void)
{
	char *p = map_anon(0, 3, PROT_READ | PROT_WRITE, 0);
	int pid, status = -1;

	if (p == MAP_FAILED)
		return fail("mmap failed");
	p[0] = 1;
	if ((pid = fork()) < 0)
		return fail("fork failed");
	if (pid == 0) {
		p[0] = 2;
		p[2 * PAGE] = 3;
		exit(p[0] == 2 ? 0 : 1);
	}
	wait(&status);
	if (status != 0 || p[0] != 1 || p[2 * PAGE] != 0)
		return fail("the parent saw the child's writes, or the child failed");
	munmap(p, 3 * PAGE);
	return 1;
}

/* The kernel copies to and from untouched mapped memory (it faults in). */
static int kernel_copies(void)
{
	char *p = map_anon(0, 2, PROT_READ | PROT_WRITE, 0);
	int fds[2];

	if (p == MAP_FAILED || pipe(fds) < 0)
		return fail("mmap or pipe failed");
	memset(p, 'a', 10);
	if (write(fds[1], p, 10) != 10 || read(fds[0], p + PAGE + PAGE / 2, 10) != 10 ||
	    p[PAGE + PAGE / 2 + 9] != 'a')
		return fail("read/write through mapped memory failed");
	close(fds[0]);
	close(fds[1]);
	munmap(p, 2 * PAGE);
	return 1;
}

/* The heap stops a guard page short of a mapping above it. */
static int heap_meets_mapping(void)
{
	uint64 top = ((uint64)sbrk(0) + PAGE - 1) & ~(uint64)(PAGE - 1);
	char *p = map_anon((char *)(top + 8 * PAGE), 1, PROT_READ, MAP_FIXED);

	if (p == MAP_FAILED)
		return fail("MAP_FIXED above the heap failed");
	if (sbrk(8 * PAGE) != (char *)-1)
		return fail("the heap grew into the mapping");
	if (sbrk(4 * PAGE) == (char *)-1 || sbrk(-4 * PAGE) == (char *)-1)
		return fail("the heap could not grow below the mapping");
	munmap(p, PAGE);
	return 1;
}

/* More than MAX_VMAS separate mappings: ENOMEM, and nothing leaks. */
static int vma_limit(void)
{
	static char *maps[MAX_VMAS + 1];
	int n, ok = 0;

	for (n = 0; n <= MAX_VMAS; n++) {
		/* Alternate the bits so that neighbours do not merge. */
		maps[n] = map_anon(0, 1, (n & 1) ? PROT_READ : PROT_READ | PROT_WRITE, 0);
		if (maps[n] == MAP_FAILED) {
			ok = errno() == ENOMEM;
			break;
		}
	}
	for (int i = 0; i < n; i++)
		munmap(maps[i], PAGE);
	return ok ? 1 : fail("the VMA limit did not give ENOMEM");
}

/* Was the call refused with err? Says which call was not. */
static int refused(long ret, int err, const char *what)
{
	int got = errno();

	if (ret == -1 && got == err)
		return 1;
	printf("mmaptest: bad argument '%s': got %d, errno %d, want errno %d\n", what, (int)ret,
	       got, err);
	return fail("a bad argument was not refused as documented");
}

static int bad_arguments(void)
{
	uint64 len = PAGE;
	int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	int fd = open("/", O_RDONLY), ok;
	void *fixed_odd = (void *)0x12345, *kernel = (void *)KERNEL_HALF_VA;

	ok = refused((long)mmap(0, 0, rw, anon, -1, 0), EINVAL, "zero length") &&
	     refused((long)mmap(0, len, rw, MAP_ANONYMOUS, -1, 0), EINVAL,
	             "not shared, not private") &&
	     refused((long)mmap(0, len, rw, anon | MAP_SHARED, -1, 0), EINVAL,
	             "shared and private") &&
	     refused((long)mmap(0, len, rw, anon | 0x1000, -1, 0), EINVAL, "unknown flag") &&
	     refused((long)mmap(0, len, 0x10, anon, -1, 0), EINVAL, "unknown protection") &&
	     refused((long)mmap(0, len, rw, anon, -1, 123), EINVAL, "unaligned offset") &&
	     refused((long)mmap(fixed_odd, len, rw, anon | MAP_FIXED, -1, 0), EINVAL,
	             "unaligned fixed") &&
	     refused((long)mmap((void *)PAGE, len, rw, anon | MAP_FIXED, -1, 0), ENOMEM,
	             "fixed on the image") &&
	     refused((long)mmap(kernel, len, rw, anon | MAP_FIXED, -1, 0), ENOMEM,
	             "fixed in the kernel") &&
	     refused((long)mmap(0, ~(uint64)0 - PAGE, rw, anon, -1, 0), EINVAL, "huge length") &&
	     refused((long)mmap(0, len, rw, MAP_PRIVATE, -1, 0), EBADF, "fd -1") &&
	     refused((long)mmap(0, len, rw, MAP_PRIVATE, 99, 0), EBADF, "fd 99") &&
	     refused((long)mmap(0, len, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV, "a directory") &&
	     refused((long)mmap(0, len, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0), ENODEV,
	             "shared anonymous") &&
	     refused(munmap(fixed_odd, len), EINVAL, "munmap unaligned") &&
	     refused(munmap((void *)(64 * PAGE), 0), EINVAL, "munmap zero length") &&
	     refused(munmap(kernel, len), EINVAL, "munmap in the kernel");
	close(fd);
	return ok;
}

int main(void)
{
	run("lazy_and_zeroed", lazy_and_zeroed);
	run("partial_munmap", partial_munmap);
	run("read_only_mapping", read_only_mapping);
	run("fixed_mapping", fixed_mapping);
	run("fork_copies", fork_copies);
	run("kernel_copies", kernel_copies);
	run("heap_meets_mapping", heap_meets_mapping);
	run("vma_limit", vma_limit);
	run("bad_arguments", bad_arguments);
	printf("mmaptest: done\n");
	exit(failures ? 1 : 0);
}
