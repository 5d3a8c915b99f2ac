/*
 * pmemtest: lab altmap's device from user space (/dev/pmem0, uapi/pmem.h).
 *
 *   pmemtest [-raw] [n ...]   run the numbered cases (all by default); -raw
 *                             when the kernel keeps no memmap for the device
 *                             (pmem.map=none): its pages are then raw pfns
 *   pmemtest write <seed>     fill the persistence pages with seed's pattern
 *   pmemtest check <seed>     check they hold it (after a reboot, say)
 *
 * Each case prints "pmemtest: <n> <case>: ok" or "... FAILED: <why>" after
 * checking that the free page count is back where it started; then
 * "pmemtest: done". write prints "pmemtest: wrote <seed>", check prints
 * "pmemtest: check ok" or "pmemtest: check FAILED: <why>" (grader/expect.py).
 * Run by the grader as "pmemtest -T <token> ...", each case's verdict line
 * ends with the token (user/verdict.h).
 */
#include "user.h"
#include "verdict.h"

#define PAGE          4096
#define RW            (PROT_READ | PROT_WRITE)
#define RW_PAGES      8  /* written with write() from offset 0 */
#define MAP_PGOFF     64 /* mapped by the cases and the persistence pages */
#define MAP_PAGES     4
#define MAX_PROBE_BIT 40 /* data areas are below 2^40 pages */

static int failures, raw;

static char pattern(int seed, int page, int i)
{
	return (char)(seed * 13 + page * 7 + i % 251);
}

static void fill(char *buf, int seed, int page)
{
	for (int i = 0; i < PAGE; i++)
		buf[i] = pattern(seed, page, i);
}

static int matches(const char *buf, int seed, int page)
{
	for (int i = 0; i < PAGE; i++)
		if (buf[i] != pattern(seed, page, i))
			return 0;
	return 1;
}

static char *map_device(int pages, int prot, int flags, uint64 pgoff)
{
	int fd = open(PMEM_PATH, O_RDWR);
	char *p;

	if (fd < 0)
		return 0;
	p = mmap(0, (uint64)pages * PAGE, prot, flags, fd, pgoff * PAGE);
	close(fd);
	return p == MAP_FAILED ? 0 : p;
}

/* Write pages of seed's pattern with write() from offset 0 (or read and
 * compare them). 1 when every page went through. */
static int rw_pages(int seed, int pages, int writing)
{
	char buf[PAGE];
	int fd = open(PMEM_PATH, O_RDWR), ok = fd >= 0;

	for (int p = 0; ok && p < pages; p++) {
		if (writing) {
			fill(buf, seed, p);
			ok = write(fd, buf, PAGE) == PAGE;
		} else {
			ok = read(fd, buf, PAGE) == PAGE && matches(buf, seed, p);
		}
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static int rw_roundtrip(void)
{
	CHECK(rw_pages(1, RW_PAGES, 1), "write() of /dev/pmem0 failed");
	CHECK(rw_pages(1, RW_PAGES, 0), "read() did not return what write() wrote");
	return 1;
}

/* What a shared mapping writes, read() sees, and the other way round. */
static int mmap_shared(void)
{
	char *p = map_device(MAP_PAGES, RW, MAP_SHARED, 0);

	CHECK(p, "mmap(MAP_SHARED) of /dev/pmem0 failed");
	CHECK(rw_pages(2, 2, 1), "write() failed");
	CHECK(matches(p, 2, 0) && matches(p + PAGE, 2, 1), "the mapping does not show write()");
	fill(p, 3, 0);
	CHECK(rw_pages(3, 1, 0), "read() does not show the mapping's write");
	CHECK(munmap(p, MAP_PAGES * PAGE) == 0, "munmap failed");
	return 1;
}

/* With a memmap the device's pages are counted while mapped; without one
 * they are special ptes of raw pfns. */
static int page_kinds(void)
{
	char *p = map_device(1, RW, MAP_SHARED, MAP_PGOFF);
	struct pageinfo pi, after;

	CHECK(p, "mmap of /dev/pmem0 failed");
	p[0] = 1;
	CHECK(pageinfo(PAGEINFO_VA, (uint64)p, &pi) == 0, "pageinfo of the mapped page failed");
	if (raw) {
		CHECK(!(pi.flags & PI_STRUCT_PAGE) && (pi.flags & PI_SPECIAL),
		      "without a memmap the page should be a raw pfn with a special pte");
	} else {
		CHECK(pi.flags & PI_STRUCT_PAGE, "the device page has no struct page");
		CHECK(pi.flags & PI_NORMAL, "vm_normal_page() does not return the device page");
		CHECK(pi.refcount == 1, "a mapped device page should have one reference");
	}
	CHECK(munmap(p, PAGE) == 0, "munmap failed");
	CHECK(pageinfo(PAGEINFO_PFN, pi.pfn, &after) == 0, "pageinfo of the pfn failed");
	CHECK(after.refcount == 0, "the device page kept a reference after munmap");
	return 1;
}

/* A private write copies; the device keeps its contents. */
static int private_cow(void)
{
	char *shared = map_device(1, RW, MAP_SHARED, MAP_PGOFF);
	char *priv = map_device(1, RW, MAP_PRIVATE, MAP_PGOFF);
	struct pageinfo pi;

	CHECK(shared && priv, "mmap of /dev/pmem0 failed");
	fill(shared, 4, 0);
	CHECK(matches(priv, 4, 0), "the private mapping does not show the device");
	priv[0] ^= 0x55;
	CHECK(matches(shared, 4, 0), "a private write reached the device");
	CHECK(pageinfo(PAGEINFO_VA, (uint64)priv, &pi) == 0 && (pi.flags & PI_NORMAL) &&
	          pi.refcount == 1,
	      "the private copy is not an anonymous page of its own");
	CHECK(munmap(priv, PAGE) == 0 && munmap(shared, PAGE) == 0, "munmap failed");
	return 1;
}

/* A child's write through an inherited shared mapping reaches the parent. */
static int fork_shared(void)
{
	char *p = map_device(1, RW, MAP_SHARED, MAP_PGOFF);
	int pid, status = -1;

	CHECK(p, "mmap of /dev/pmem0 failed");
	p[0] = 0;
	if ((pid = fork()) == 0) {
		p[0] = 42;
		exit(0);
	}
	CHECK(pid > 0, "fork failed");
	wait(&status);
	CHECK(status == 0, "the child failed");
	CHECK(p[0] == 42, "the child's write is not visible to the parent");
	CHECK(munmap(p, PAGE) == 0, "munmap failed");
	return 1;
}

/* Pages of the data area, found by probing mmap one page at a time. */
static uint64 data_pages(void)
{
	uint64 n = 0;

	for (int bit = MAX_PROBE_BIT; bit >= 0; bit--) {
		char *p = map_device(1, PROT_READ, MAP_SHARED, n + (1UL << bit) - 1);
		if (p) {
			n += 1UL << bit;
			munmap(p, PAGE);
		}
	}
	return n;
}

static int beyond_end(void)
{
	uint64 n = data_pages();
	int fd;

	CHECK(n > MAP_PGOFF, "the data area is too small to test");
	CHECK(!map_device(2, PROT_READ, MAP_SHARED, n - 1) && errno() == ENXIO,
	      "a mapping past the end did not fail with ENXIO");
	CHECK(!map_device(1, PROT_READ, MAP_SHARED, n) && errno() == ENXIO,
	      "a mapping at the end did not fail with ENXIO");
	fd = open(PMEM_PATH, O_RDWR);
	CHECK(fd >= 0, "open failed");
	CHECK(read(fd, 0, PAGE) < 0 && errno() == EFAULT, "read() into NULL did not fail");
	CHECK(write(fd, (char *)-PAGE, PAGE) < 0 && errno() == EFAULT,
	      "write() from a kernel address did not fail");
	close(fd);
	return 1;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
    {"rw_roundtrip", rw_roundtrip}, {"mmap_shared", mmap_shared}, {"page_kinds", page_kinds},
    {"private_cow", private_cow},   {"fork_shared", fork_shared}, {"beyond_end", beyond_end},
};
#define NR_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

static void run(int n)
{
	uint64 before = free_pages();
	int ok;

	why = "";
	ok = cases[n - 1].fn();
	if (ok && free_pages() != before) {
		ok = 0;
		why = "the free page count did not return to its start";
	}
	if (!ok)
		failures++;
	printf("pmemtest: %d %s: %s%s%s%s\n", n, cases[n - 1].name, ok ? "ok" : "FAILED",
	       ok ? "" : ": ", ok ? "" : why, verdict_tag());
}

/* The persistence pages: RW_PAGES by write(), MAP_PAGES through mmap. */
static int persist(int seed, int writing)
{
	char *p = map_device(MAP_PAGES, RW, MAP_SHARED, MAP_PGOFF);
	int ok = p != 0;

	why = "mmap of /dev/pmem0 failed";
	for (int i = 0; ok && i < MAP_PAGES; i++) {
		if (writing)
			fill(p + i * PAGE, seed, MAP_PGOFF + i);
		else if (!matches(p + i * PAGE, seed, MAP_PGOFF + i))
			ok = 0, why = "a page written through mmap changed";
	}
	if (p)
		munmap(p, MAP_PAGES * PAGE);
	if (ok && !rw_pages(seed, RW_PAGES, writing))
		ok = 0, why = writing ? "write() failed" : "a page written with write() changed";
	return ok;
}

int main(int argc, char *argv[])
{
	int first = 1;

	verdict_take_token(&argc, &argv);
	if (argc == 3 && (strcmp(argv[1], "write") == 0 || strcmp(argv[1], "check") == 0)) {
		int writing = argv[1][0] == 'w', ok = persist(atoi(argv[2]), writing);
		if (writing)
			printf(ok ? "pmemtest: wrote %s\n" : "pmemtest: write FAILED: %s\n",
			       ok ? argv[2] : why);
		else
			printf(ok ? "pmemtest: check ok\n" : "pmemtest: check FAILED: %s\n", why);
		exit(ok ? 0 : 1);
	}
	if (argc > 1 && strcmp(argv[1], "-raw") == 0)
		raw = 1, first = 2;
	for (int n = 1; argc == first && n <= NR_CASES; n++)
		run(n);
	for (int i = first; i < argc; i++) {
		int n = atoi(argv[i]);
		if (n < 1 || n > NR_CASES) {
			fprintf(2, "pmemtest: no case %s (1..%d)\n", argv[i], NR_CASES);
			exit(2);
		}
		run(n);
	}
	printf("pmemtest: done\n");
	exit(failures ? 1 : 0);
}
