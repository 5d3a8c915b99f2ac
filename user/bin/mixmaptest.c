/*
 * mixmaptest: lab mixedmap from user space. File mappings (shared and
 * private), the mixed device /dev/mixmem (pages with and without struct
 * page), the raw device /dev/pfnmem, copy-on-write after fork, partial
 * munmap, faults that kill, and the error of every bad request.
 *
 * Each case prints one line, "mixmaptest: <n> <case>: ok" or
 * "mixmaptest: <n> <case>: FAILED: <why>", after checking that the free
 * page count and the page-cache count are back where they started; the last
 * line is "mixmaptest: done" (grader/expect.py reads them). With arguments,
 * only the cases with those numbers run. Run by the grader as
 * "mixmaptest -T <token> ...", each verdict line ends with the token
 * (user/verdict.h).
 */
#include "user.h"
#include "verdict.h"

#define PAGE          4096
#define KILLED_STATUS (-1) /* exit status of a killed process */
#define RW            (PROT_READ | PROT_WRITE)
#define FILE_PAGES    4
#define FILE_NAME     "mixmap.dat"

static int failures;

static struct memstat stats(void)
{
	struct memstat ms;

	memset(&ms, 0, sizeof(ms));
	memstat(&ms);
	return ms;
}

static struct pageinfo info_va(void *va)
{
	struct pageinfo pi;

	memset(&pi, 0, sizeof(pi));
	if (pageinfo(PAGEINFO_VA, (uint64)va, &pi) < 0)
		pi.flags = 0;
	return pi;
}

static struct pageinfo info_pfn(uint64 pfn)
{
	struct pageinfo pi;

	memset(&pi, 0, sizeof(pi));
	pageinfo(PAGEINFO_PFN, pfn, &pi);
	return pi;
}

static char pattern(int page, int i)
{
	return (char)('a' + (page * 7 + i) % 26);
}

/* FILE_NAME with pages pages of pattern(), less cut bytes at the end. */
static int make_sized_file(int pages, int cut)
{
	char buf[PAGE];
	int fd = open(FILE_NAME, O_CREATE | O_TRUNC | O_RDWR), ok = fd >= 0;

	for (int p = 0; ok && p < pages; p++) {
		int n = p == pages - 1 ? PAGE - cut : PAGE;
		for (int i = 0; i < PAGE; i++)
			buf[i] = pattern(p, i);
		ok = write(fd, buf, n) == n;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static int make_file(int cut)
{
	return make_sized_file(FILE_PAGES, cut);
}

/* Byte off of FILE_NAME as read() sees it, or -1. */
static int file_byte(uint64 off)
{
	char buf[PAGE];
	int fd = open(FILE_NAME, O_RDONLY), c = -1;

	for (uint64 at = 0; fd >= 0 && at <= off; at += PAGE) {
		int n = read(fd, buf, PAGE);
		if (n <= 0)
			break;
		if (off < at + (uint64)n)
			c = (uchar)buf[off - at];
	}
	if (fd >= 0)
		close(fd);
	return c;
}

static char *map(int pages, int prot, int flags, int fd, int first_page)
{
	return mmap(0, (uint64)pages * PAGE, prot, flags, fd, (uint64)first_page * PAGE);
}

/* Does touching addr (a write when write is set) kill a child? */
static int touch_kills(char *addr, int write)
{
	int pid = fork(), status = 0;

	if (pid < 0)
		return 0;
	if (pid == 0) {
		if (write)
			*(volatile char *)addr = 'x';
		else
			(void)*(volatile char *)addr;
		exit(0);
	}
	wait(&status);
	return status == KILLED_STATUS;
}

/* Run fn in a child and return its verdict (exit status 1 means ok). */
static int in_child(int (*fn)(char *), char *arg)
{
	int pid = fork(), status = 0;

	if (pid < 0)
		return 0;
	if (pid == 0)
		exit(fn(arg));
	wait(&status);
	return status == 1;
}

static int open_device(const char *path, int *fd)
{
	*fd = open(path, O_RDWR);
	return *fd >= 0;
}

/* ---- the cases ---------------------------------------------------------- */

/* 1: anonymous memory is there only once touched, and counted in RSS. */
static int anon_lazy(void)
{
	uint64 rss0 = stats().rss_pages;
	char *p = map(16, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap failed");
	CHECK(stats().rss_pages == rss0, "mmap alone grew the RSS");
	p[0] = 1;
	p[5 * PAGE] = 2;
	CHECK(stats().rss_pages == rss0 + 2, "touching 2 pages did not grow the RSS by 2");
	CHECK(munmap(p, 16 * PAGE) == 0, "munmap failed");
	CHECK(stats().rss_pages == rss0, "munmap did not give the RSS back");
	return 1;
}

/* 2: a shared read-only file mapping shows the file, cached page by page. */
static int file_read(void)
{
	int fd;
	char *p;
	uint64 rss0 = stats().rss_pages, cache0 = stats().pagecache_pages;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDONLY)) >= 0, "cannot open " FILE_NAME);
	p = map(FILE_PAGES, PROT_READ, MAP_SHARED, fd, 0);
	close(fd); /* the mapping keeps the file */
	CHECK(p != MAP_FAILED, "mmap of a regular file failed");
	CHECK(stats().rss_pages == rss0, "mmap alone grew the RSS");
	CHECK(p[2 * PAGE + 9] == pattern(2, 9), "page 2 does not show the file");
	CHECK(stats().rss_pages == rss0 + 1, "one touch did not map exactly one page");
	CHECK(stats().pagecache_pages == cache0 + 1, "the touched page is not in the page cache");
	CHECK(info_va(p + 2 * PAGE).flags & PI_PAGECACHE, "pageinfo: not a page-cache page");
	for (int pg = 0; pg < FILE_PAGES; pg++)
		CHECK(p[pg * PAGE + PAGE - 1] == pattern(pg, PAGE - 1),
		      "a page does not show the file");
	CHECK(munmap(p, FILE_PAGES * PAGE) == 0, "munmap failed");
	CHECK(stats().pagecache_pages == cache0,
	      "closed and unmapped, the file still has cached pages");
	return 1;
}

static int child_writes_shared(char *p)
{
	p[3 * PAGE + 1] = 'K';
	return 1;
}

/* 3: shared writes are seen by every mapper, by read(), and in the file. */
static int file_shared_write(void)
{
	int fd;
	char *a, *b;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDWR)) >= 0, "cannot open " FILE_NAME);
	a = map(FILE_PAGES, RW, MAP_SHARED, fd, 0);
	b = map(2, PROT_READ, MAP_SHARED, fd, 2);
	CHECK(a != MAP_FAILED && b != MAP_FAILED, "mmap failed");
	CHECK(!(info_va(a).flags & PI_PRESENT), "a page was mapped before its first touch");
	a[2 * PAGE + 5] = 'S';
	CHECK(b[5] == 'S', "another mapping of the file does not see a shared write");
	CHECK(info_va(a + 2 * PAGE).pfn == info_va(b).pfn,
	      "two shared mappings use different pages");
	CHECK(file_byte(2 * PAGE + 5) == 'S', "read() does not see a write made through a mapping");
	CHECK(in_child(child_writes_shared, a), "the child could not write the shared mapping");
	CHECK(b[PAGE + 1] == 'K', "the parent does not see its child's shared write");
	CHECK(munmap(a, FILE_PAGES * PAGE) == 0 && munmap(b, 2 * PAGE) == 0, "munmap failed");
	close(fd);
	/* Nothing caches the file now: read() goes to the disk. */
	CHECK(stats().pagecache_pages == 0, "the page cache still holds pages of the file");
	CHECK(file_byte(2 * PAGE + 5) == 'S' && file_byte(3 * PAGE + 1) == 'K',
	      "the writes did not reach the file after munmap");
	CHECK(file_byte(2 * PAGE + 6) == pattern(2, 6), "writeback changed bytes nobody wrote");
	return 1;
}

/* 4: a private mapping's writes stay private: copied on first write. */
static int file_private_cow(void)
{
	int fd;
	char *priv, *shared;
	struct pageinfo before, after;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDONLY)) >= 0, "cannot open " FILE_NAME);
	priv = map(FILE_PAGES, RW, MAP_PRIVATE, fd, 0);
	shared = map(FILE_PAGES, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(priv != MAP_FAILED && shared != MAP_FAILED, "mmap failed");
	CHECK(priv[PAGE] == pattern(1, 0), "the private mapping does not show the file");
	before = info_va(priv + PAGE);
	CHECK((before.flags & (PI_PAGECACHE | PI_COW)) == (PI_PAGECACHE | PI_COW) &&
	          !(before.flags & PI_WRITE),
	      "before a write, a private page should be the cached page, COW and read-only");
	priv[PAGE] = 'P';
	after = info_va(priv + PAGE);
	CHECK(after.pfn != before.pfn, "a private write did not copy the page");
	CHECK((after.flags & (PI_WRITE | PI_NORMAL)) == (PI_WRITE | PI_NORMAL) &&
	          !(after.flags & (PI_PAGECACHE | PI_COW | PI_SPECIAL)) && after.refcount == 1,
	      "the copy should be a writable anonymous page with one reference");
	CHECK(shared[PAGE] == pattern(1, 0), "a private write showed in a shared mapping");
	CHECK(file_byte(PAGE) == pattern(1, 0), "a private write reached the file");
	CHECK(munmap(priv, FILE_PAGES * PAGE) == 0 && munmap(shared, FILE_PAGES * PAGE) == 0,
	      "munmap failed");
	return 1;
}

/* 5: past the end of the file: zeros in the last page, a fault after it. */
static int file_past_eof(void)
{
	int fd;
	char *p;

	CHECK(make_file(PAGE - 100), "cannot write " FILE_NAME); /* last page: 100 bytes */
	CHECK((fd = open(FILE_NAME, O_RDWR)) >= 0, "cannot open " FILE_NAME);
	CHECK(map(1, PROT_READ, MAP_SHARED, fd, FILE_PAGES) == MAP_FAILED && errno() == ENXIO,
	      "mmap at an offset past the end of the file should fail with ENXIO");
	p = map(FILE_PAGES + 2, RW, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(p != MAP_FAILED, "mmap longer than the file failed");
	CHECK(p[(FILE_PAGES - 1) * PAGE + 99] == pattern(FILE_PAGES - 1, 99),
	      "the last page does not show the file");
	CHECK(p[(FILE_PAGES - 1) * PAGE + 100] == 0, "the last page is not zero past the end");
	p[(FILE_PAGES - 1) * PAGE + 200] = 'Z'; /* never reaches the file */
	CHECK(touch_kills(p + FILE_PAGES * PAGE, 0),
	      "a page past the end of the file was readable");
	CHECK(munmap(p, (FILE_PAGES + 2) * PAGE) == 0, "munmap failed");
	CHECK(file_byte((FILE_PAGES - 1) * PAGE + 99) == pattern(FILE_PAGES - 1, 99) &&
	          file_byte((FILE_PAGES - 1) * PAGE + 100) == -1,
	      "writeback changed the size of the file");
	return 1;
}

/* 6: /dev/mixmem: even pages are counted RAM pages, odd ones raw pfns. */
static int mixmem_kinds(void)
{
	int fd;
	char *p;
	uint64 rss0 = stats().rss_pages, pfn[8];
	int ref[8];

	CHECK(open_device(MIXMEM_PATH, &fd), "cannot open " MIXMEM_PATH);
	p = map(8, RW, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(p != MAP_FAILED,
	      "mmap of " MIXMEM_PATH " failed (booted without mixmem, or its mmap is missing)");
	CHECK(stats().rss_pages == rss0, "mmap alone grew the RSS");
	for (int i = 0; i < 8; i++) {
		struct pageinfo pi;
		(void)*(volatile char *)(p + i * PAGE);
		CHECK(stats().rss_pages == rss0 + i + 1, "a touch did not map exactly one page");
		pi = info_va(p + i * PAGE);
		pfn[i] = pi.pfn;
		ref[i] = pi.refcount;
		if (i % 2 == 0)
			CHECK((pi.flags & (PI_STRUCT_PAGE | PI_NORMAL)) ==
			              (PI_STRUCT_PAGE | PI_NORMAL) &&
			          !(pi.flags & PI_SPECIAL) && pi.refcount >= 2,
			      "an even page should be a normal, counted RAM page");
		else
			CHECK(!(pi.flags & (PI_STRUCT_PAGE | PI_NORMAL)) && (pi.flags & PI_SPECIAL),
			      "an odd page should be a special pte of a pfn without struct page");
	}
	CHECK(munmap(p, 8 * PAGE) == 0, "munmap failed");
	for (int i = 0; i < 8; i += 2)
		CHECK(info_pfn(pfn[i]).refcount == ref[i] - 1,
		      "munmap did not drop the RAM page's reference");
	return 1;
}

static int child_writes_device(char *p)
{
	p[0] = 'c';        /* a RAM page */
	p[PAGE + 1] = 'd'; /* a device page */
	return 1;
}

/* 7: shared device writes are seen by every mapper and outlive the mapping. */
static int mixmem_shared(void)
{
	int fd;
	char *a, *b;

	CHECK(open_device(MIXMEM_PATH, &fd), "cannot open " MIXMEM_PATH);
	a = map(6, RW, MAP_SHARED, fd, 10);
	b = map(2, RW, MAP_SHARED, fd, 14);
	CHECK(a != MAP_FAILED && b != MAP_FAILED, "mmap failed");
	a[4 * PAGE + 3] = 'A'; /* page 14: RAM */
	a[5 * PAGE + 3] = 'B'; /* page 15: device */
	CHECK(b[3] == 'A' && b[PAGE + 3] == 'B', "another mapping does not see a shared write");
	CHECK(in_child(child_writes_device, b), "the child could not write the shared mapping");
	CHECK(a[4 * PAGE] == 'c' && a[5 * PAGE + 1] == 'd',
	      "the parent does not see its child's writes");
	CHECK(munmap(a, 6 * PAGE) == 0 && munmap(b, 2 * PAGE) == 0, "munmap failed");
	a = map(2, PROT_READ, MAP_SHARED, fd, 14);
	close(fd);
	CHECK(a != MAP_FAILED, "mmap failed");
	CHECK(a[3] == 'A' && a[PAGE + 3] == 'B', "the device forgot what was written to it");
	CHECK(munmap(a, 2 * PAGE) == 0, "munmap failed");
	return 1;
}

/* 8: private writes to both kinds of pfn copy them into anonymous pages. */
static int mixmem_private_cow(void)
{
	int fd, ram_ref;
	char *shared, *priv;

	CHECK(open_device(MIXMEM_PATH, &fd), "cannot open " MIXMEM_PATH);
	shared = map(2, RW, MAP_SHARED, fd, 20);
	priv = map(2, RW, MAP_PRIVATE, fd, 20);
	close(fd);
	CHECK(shared != MAP_FAILED && priv != MAP_FAILED, "mmap failed");
	shared[0] = 'r';
	shared[PAGE] = 'v';
	ram_ref = info_va(shared).refcount;
	CHECK(priv[0] == 'r' && priv[PAGE] == 'v', "a private mapping does not show the device");
	CHECK(info_va(priv).refcount == ram_ref + 1,
	      "mapping the RAM page again took no reference");
	priv[0] = 'R';
	priv[PAGE] = 'V';
	for (int i = 0; i < 2; i++) {
		struct pageinfo pi = info_va(priv + i * PAGE);
		CHECK(pi.pfn != info_va(shared + i * PAGE).pfn,
		      "a private write did not copy the page");
		CHECK((pi.flags & (PI_NORMAL | PI_STRUCT_PAGE | PI_WRITE)) ==
		              (PI_NORMAL | PI_STRUCT_PAGE | PI_WRITE) &&
		          !(pi.flags & (PI_SPECIAL | PI_COW)) && pi.refcount == 1,
		      "the copy should be a writable anonymous page with one reference");
	}
	CHECK(shared[0] == 'r' && shared[PAGE] == 'v', "a private write reached the device");
	CHECK(info_va(shared).refcount == ram_ref,
	      "the copy did not drop the RAM page's reference");
	CHECK(munmap(priv, 2 * PAGE) == 0 && munmap(shared, 2 * PAGE) == 0, "munmap failed");
	return 1;
}

static int pipe_fds[2];

/* The child of case 9: waits for the parent's checks, then writes. */
static int child_cow_anon(char *p)
{
	char go;
	uint64 pfn = info_va(p).pfn;

	if (read(pipe_fds[0], &go, 1) != 1 || p[0] != 'P')
		return 0;
	p[0] = 'C';
	return p[0] == 'C' && info_va(p).pfn != pfn && info_va(p).refcount == 1;
}

/* 9: fork shares private anonymous pages until one side writes. */
static int fork_cow_anon(void)
{
	char *p = map(4, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pid, status = 0;
	struct pageinfo pi;
	uint64 pfn;

	CHECK(p != MAP_FAILED, "mmap failed");
	CHECK(pipe(pipe_fds) == 0, "pipe failed");
	p[0] = 'P';
	pfn = info_va(p).pfn;
	if ((pid = fork()) == 0)
		exit(child_cow_anon(p));
	CHECK(pid > 0, "fork failed");
	pi = info_va(p);
	CHECK(pi.pfn == pfn && (pi.flags & PI_COW) && !(pi.flags & PI_WRITE) && pi.refcount == 2,
	      "after fork a written private page should be shared, COW, read-only, 2 references");
	write(pipe_fds[1], "g", 1);
	wait(&status);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	CHECK(status == 1, "the child's write did not get a page of its own");
	CHECK(p[0] == 'P', "the child's write showed in the parent");
	CHECK(info_va(p).refcount == 1, "the child's exit did not drop its reference");
	p[0] = 'Q';
	pi = info_va(p);
	CHECK(pi.pfn == pfn && (pi.flags & PI_WRITE) && !(pi.flags & PI_COW),
	      "the last user of a COW page should write it in place");
	CHECK(munmap(p, 4 * PAGE) == 0, "munmap failed");
	return 1;
}

static int child_cow_mixed(char *p)
{
	p[0] = '1';
	p[PAGE] = '2';
	return p[0] == '1' && p[PAGE] == '2' && (info_va(p).flags & PI_NORMAL) &&
	       (info_va(p + PAGE).flags & PI_NORMAL);
}

/* 10: COW after fork for pfns with and without struct page. */
static int fork_cow_mixed(void)
{
	int fd;
	char *shared, *priv;

	CHECK(open_device(MIXMEM_PATH, &fd), "cannot open " MIXMEM_PATH);
	shared = map(2, RW, MAP_SHARED, fd, 30);
	priv = map(2, RW, MAP_PRIVATE, fd, 30);
	close(fd);
	CHECK(shared != MAP_FAILED && priv != MAP_FAILED, "mmap failed");
	shared[0] = 'm';
	shared[PAGE] = 'n';
	CHECK(priv[0] == 'm' && priv[PAGE] == 'n', "a private mapping does not show the device");
	CHECK(in_child(child_cow_mixed, priv),
	      "the child's private writes did not get pages of their own");
	CHECK(priv[0] == 'm' && priv[PAGE] == 'n',
	      "the child's private writes showed in the parent");
	CHECK(shared[0] == 'm' && shared[PAGE] == 'n', "a private write reached the device");
	priv[PAGE] = 'N';
	CHECK(shared[PAGE] == 'n' && (info_va(priv + PAGE).flags & PI_NORMAL),
	      "the parent's write to a device page did not copy it");
	CHECK(munmap(priv, 2 * PAGE) == 0 && munmap(shared, 2 * PAGE) == 0, "munmap failed");
	return 1;
}

/* 11: /dev/pfnmem: raw, linear, all there at mmap, never counted. */
static int pfnmap(void)
{
	int fd, ref0;
	char *p, *priv;
	uint64 rss0 = stats().rss_pages, pfn0;
	struct pageinfo pi;

	CHECK(open_device(PFNMEM_PATH, &fd), "cannot open " PFNMEM_PATH);
	p = map(4, RW, MAP_SHARED, fd, 2);
	priv = map(1, RW, MAP_PRIVATE, fd, 3);
	close(fd);
	CHECK(p != MAP_FAILED && priv != MAP_FAILED, "mmap of " PFNMEM_PATH " failed");
	CHECK(stats().rss_pages == rss0 + 5, "remap_pfn_range should map every page at mmap time");
	pfn0 = info_va(p).pfn;
	ref0 = info_va(p).refcount;
	for (int i = 0; i < 4; i++) {
		pi = info_va(p + i * PAGE);
		CHECK(pi.pfn == pfn0 + i, "the pfns of a PFNMAP mapping are not linear");
		CHECK((pi.flags & (PI_STRUCT_PAGE | PI_SPECIAL)) == (PI_STRUCT_PAGE | PI_SPECIAL) &&
		          !(pi.flags & PI_NORMAL),
		      "a raw pfn (even with a struct page) should be special, not normal");
	}
	p[PAGE] = 'w';
	CHECK(priv[0] == 'w', "a private mapping does not show the device");
	priv[0] = 'p';
	pi = info_va(priv);
	CHECK(pi.pfn != pfn0 + 1 && (pi.flags & PI_NORMAL) && !(pi.flags & PI_SPECIAL),
	      "a COWed page of a PFNMAP mapping should be a normal page off the line");
	CHECK(p[PAGE] == 'w', "a private write reached the device");
	CHECK(munmap(p, 4 * PAGE) == 0 && munmap(priv, PAGE) == 0, "munmap failed");
	CHECK(info_pfn(pfn0).refcount == ref0, "a PFNMAP mapping changed a reference count");
	return 1;
}

/* Unmap the head, the tail and a page in the middle of p (8 pages). */
static int check_partial(char *p, const char *what)
{
	for (int i = 0; i < 8; i++)
		p[i * PAGE] = (char)('0' + i);
	CHECK(munmap(p, PAGE) == 0 && munmap(p + 7 * PAGE, PAGE) == 0 &&
	          munmap(p + 4 * PAGE, PAGE) == 0,
	      "partial munmap failed");
	for (int i = 1; i < 7; i++)
		CHECK(i == 4 || p[i * PAGE] == (char)('0' + i), what);
	CHECK(touch_kills(p, 0) && touch_kills(p + 4 * PAGE, 1) && touch_kills(p + 7 * PAGE, 0),
	      "an unmapped page could still be touched");
	CHECK(munmap(p, 8 * PAGE) == 0, "munmap of the rest failed");
	return 1;
}

/* 12: partial munmap of file and device mappings. */
static int partial_munmap(void)
{
	int fd;
	char *file, *dev;

	CHECK(make_sized_file(8, 0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDWR)) >= 0, "cannot open " FILE_NAME);
	file = map(8, RW, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(file != MAP_FAILED, "mmap of the file failed");
	if (!check_partial(file, "a file page that stayed mapped lost its contents"))
		return 0;
	CHECK(file_byte(PAGE) == '1' && file_byte(4 * PAGE) == '4' && file_byte(7 * PAGE) == '7',
	      "a shared page unmapped on its own was not written back");
	CHECK(open_device(MIXMEM_PATH, &fd), "cannot open " MIXMEM_PATH);
	dev = map(8, RW, MAP_SHARED, fd, 40);
	close(fd);
	CHECK(dev != MAP_FAILED, "mmap of " MIXMEM_PATH " failed");
	return check_partial(dev, "a device page that stayed mapped lost its contents");
}

/* 13: a write to a read-only mapping kills only the process making it. */
static int readonly_write_kills(void)
{
	int fd;
	char *ro, *dev;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDONLY)) >= 0, "cannot open " FILE_NAME);
	ro = map(2, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(open_device(MIXMEM_PATH, &fd), "cannot open " MIXMEM_PATH);
	dev = map(2, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(ro != MAP_FAILED && dev != MAP_FAILED, "mmap failed");
	CHECK(ro[0] == pattern(0, 0), "the file does not show");
	CHECK(touch_kills(ro, 1), "a write to a read-only file mapping was allowed");
	CHECK(touch_kills(dev + PAGE, 1), "a write to a read-only device mapping was allowed");
	CHECK(ro[0] == pattern(0, 0) && dev[PAGE] == dev[PAGE], "the parent lost its mappings");
	CHECK(munmap(ro, 2 * PAGE) == 0 && munmap(dev, 2 * PAGE) == 0, "munmap failed");
	return 1;
}

/* 14: after munmap every kind of page is gone, even for the kernel. */
static int access_after_munmap(void)
{
	int fd, dev;
	char *anon = map(1, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *file, *mixed;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDWR)) >= 0, "cannot open " FILE_NAME);
	CHECK(open_device(MIXMEM_PATH, &dev), "cannot open " MIXMEM_PATH);
	file = map(1, RW, MAP_SHARED, fd, 0);
	mixed = map(2, RW, MAP_SHARED, dev, 0);
	close(dev);
	CHECK(anon != MAP_FAILED && file != MAP_FAILED && mixed != MAP_FAILED, "mmap failed");
	anon[0] = file[0] = mixed[0] = mixed[PAGE] = 'u';
	CHECK(munmap(anon, PAGE) == 0 && munmap(file, PAGE) == 0 && munmap(mixed, 2 * PAGE) == 0,
	      "munmap failed");
	CHECK(touch_kills(anon, 0) && touch_kills(file, 1) && touch_kills(mixed, 0) &&
	          touch_kills(mixed + PAGE, 1),
	      "a page could be touched after munmap");
	CHECK(write(fd, mixed + PAGE, 1) < 0 && errno() == EFAULT,
	      "write() from an unmapped device page did not fail with EFAULT");
	close(fd);
	return 1;
}

/* 15: a mapping must fit in its device. */
static int device_bounds(void)
{
	const struct {
		const char *path;
		int pages, first;
	} bad[] = {
	    {MIXMEM_PATH, MIXMEM_NR_PAGES + 1, 0}, {MIXMEM_PATH, 1, MIXMEM_NR_PAGES},
	    {MIXMEM_PATH, 8, MIXMEM_NR_PAGES - 4}, {PFNMEM_PATH, PFNMEM_NR_PAGES + 1, 0},
	    {PFNMEM_PATH, 2, PFNMEM_NR_PAGES - 1},
	};
	uint64 rss0 = stats().rss_pages;

	for (int i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		int fd;
		CHECK(open_device(bad[i].path, &fd), "cannot open a device");
		char *p = map(bad[i].pages, RW, MAP_SHARED, fd, bad[i].first);
		int err = errno();
		close(fd);
		CHECK(p == MAP_FAILED && err == ENXIO,
		      "a mapping past the end of a device should fail with ENXIO");
	}
	CHECK(stats().rss_pages == rss0, "a rejected mapping left pages mapped");
	return 1;
}

/* 16: every bad request fails with its documented reason. */
static int bad_requests(void)
{
	int file = -1, wronly = -1, dir = -1, fds[2] = {-1, -1};
	struct {
		uint64 addr, len;
		int prot, flags, *fd;
		uint64 off;
		int err;
	} bad[] = {
	    {0, 0, RW, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0, EINVAL},           /* zero length */
	    {0, PAGE, 0x8, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0, EINVAL},       /* unknown prot */
	    {0, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | 0x40, 0, 0, EINVAL}, /* unknown flag */
	    {0, PAGE, RW, MAP_SHARED | MAP_PRIVATE, &file, 0, EINVAL},       /* both kinds */
	    {0, PAGE, RW, 0, &file, 0, EINVAL},                              /* neither */
	    {0, PAGE, RW, MAP_PRIVATE, &file, 100, EINVAL},                  /* unaligned offset */
	    {0, PAGE, RW, MAP_PRIVATE, &file, ~0UL & ~(PAGE - 1UL), EINVAL}, /* offset overflows */
	    {0, 1UL << 60, RW, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0, EINVAL},   /* too long */
	    {0x10000123, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0, 0, EINVAL},
	    {0, PAGE, PROT_READ, MAP_SHARED, 0, 0, EBADF},           /* fd -1, not anonymous */
	    {0, PAGE, PROT_READ, MAP_SHARED, &fds[0], 0, ENODEV},    /* a pipe */
	    {0, PAGE, PROT_READ, MAP_SHARED, &dir, 0, ENODEV},       /* a directory */
	    {0, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, 0, 0, ENODEV}, /* shared anonymous */
	    {0, PAGE, PROT_READ, MAP_SHARED, &wronly, 0, EACCES},    /* not readable */
	    {0, PAGE, RW, MAP_SHARED, &file, 0, EACCES},             /* read-only, shared write */
	    {0, PAGE, PROT_READ, MAP_PRIVATE, &file, FILE_PAGES * PAGE, ENXIO}, /* past the end */
	};
	int ok = 1, minus_one = -1;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	file = open(FILE_NAME, O_RDONLY);
	wronly = open(FILE_NAME, O_WRONLY);
	dir = open("/", O_RDONLY);
	CHECK(file >= 0 && wronly >= 0 && dir >= 0 && pipe(fds) == 0, "cannot open the test files");
	for (int i = 0; ok && i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		int fd = bad[i].fd ? *bad[i].fd : minus_one;
		char *p = mmap((void *)bad[i].addr, bad[i].len, bad[i].prot, bad[i].flags, fd,
		               bad[i].off);
		if (p != MAP_FAILED || errno() != bad[i].err) {
			printf("mixmaptest: bad request %d: got %p, %s; wanted %s\n", i, p,
			       p == MAP_FAILED ? strerror(errno()) : "a mapping",
			       strerror(bad[i].err));
			ok = 0;
		}
	}
	CHECK(ok, "a bad request did not fail with its reason (see the line above)");
	CHECK(munmap((void *)0x10000123, PAGE) < 0 && errno() == EINVAL,
	      "munmap of an unaligned address");
	CHECK(munmap((void *)0x10000000, 0) < 0 && errno() == EINVAL, "munmap of zero bytes");
	close(file);
	close(wronly);
	close(dir);
	close(fds[0]);
	close(fds[1]);
	return 1;
}

/* 17: read() and write() on buffers that are mapped files and devices. */
static int kernel_io(void)
{
	int fd, dev;
	char *file, *mixed;

	CHECK(make_file(0), "cannot write " FILE_NAME);
	CHECK((fd = open(FILE_NAME, O_RDWR)) >= 0, "cannot open " FILE_NAME);
	CHECK(open_device(MIXMEM_PATH, &dev), "cannot open " MIXMEM_PATH);
	file = map(FILE_PAGES, RW, MAP_SHARED, fd, 0);
	mixed = map(2, RW, MAP_SHARED, dev, 50);
	close(dev);
	CHECK(file != MAP_FAILED && mixed != MAP_FAILED, "mmap failed");
	/* The kernel writes a device page and a page-cache page for read(). */
	CHECK(read(fd, mixed + PAGE - 10, 20) == 20, "read() into a device mapping failed");
	CHECK(mixed[PAGE + 9] == pattern(0, 19), "read() did not fill the device page");
	CHECK(read(fd, file + 2 * PAGE, 10) == 10, "read() into a mapping of the same file failed");
	CHECK(file[2 * PAGE] == pattern(0, 20), "read() did not fill the mapped file page");
	/* And reads them for write(). */
	mixed[PAGE] = '#';
	CHECK(write(fd, mixed + PAGE, 1) == 1, "write() from a device mapping failed");
	CHECK(file[30] == '#', "write() of a device byte did not reach the mapped file");
	CHECK(munmap(file, FILE_PAGES * PAGE) == 0 && munmap(mixed, 2 * PAGE) == 0,
	      "munmap failed");
	close(fd);
	CHECK(file_byte(30) == '#' && file_byte(2 * PAGE) == pattern(0, 20),
	      "the file lost a write");
	return 1;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
    {"anon_lazy", anon_lazy},
    {"file_read", file_read},
    {"file_shared_write", file_shared_write},
    {"file_private_cow", file_private_cow},
    {"file_past_eof", file_past_eof},
    {"mixmem_kinds", mixmem_kinds},
    {"mixmem_shared", mixmem_shared},
    {"mixmem_private_cow", mixmem_private_cow},
    {"fork_cow_anon", fork_cow_anon},
    {"fork_cow_mixed", fork_cow_mixed},
    {"pfnmap", pfnmap},
    {"partial_munmap", partial_munmap},
    {"readonly_write_kills", readonly_write_kills},
    {"access_after_munmap_kills", access_after_munmap},
    {"device_bounds", device_bounds},
    {"bad_requests", bad_requests},
    {"kernel_io", kernel_io},
};
#define NR_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

/* Run case n (1-based) and check it gave back every page it took. */
static void run(int n)
{
	struct memstat before = stats();
	int ok;

	why = "";
	ok = cases[n - 1].fn();
	if (ok && stats().free_pages != before.free_pages) {
		ok = 0;
		why = "the free page count did not return to its start";
	}
	if (ok && stats().pagecache_pages != before.pagecache_pages) {
		ok = 0;
		why = "the page cache did not return to its start";
	}
	unlink(FILE_NAME);
	if (ok) {
		printf("mixmaptest: %d %s: ok%s\n", n, cases[n - 1].name, verdict_tag());
		return;
	}
	failures++;
	printf("mixmaptest: %d %s: FAILED: %s%s\n", n, cases[n - 1].name, why, verdict_tag());
}

int main(int argc, char *argv[])
{
	uint64 free0;

	verdict_take_token(&argc, &argv);
	free0 = stats().free_pages;
	for (int n = 1; argc == 1 && n <= NR_CASES; n++)
		run(n);
	for (int i = 1; i < argc; i++) {
		int n = atoi(argv[i]);
		if (n < 1 || n > NR_CASES) {
			fprintf(2, "mixmaptest: no case %s (1..%d)\n", argv[i], NR_CASES);
			exit(2);
		}
		run(n);
	}
	/* Across the whole program too: no page may stay behind (a failed
	 * case may leave its mappings, so only a clean run is judged). */
	if (!failures && stats().free_pages != free0) {
		failures++;
		printf("mixmaptest: leak: %d pages not given back\n",
		       (int)(free0 - stats().free_pages));
	}
	printf("mixmaptest: done\n");
	exit(failures ? 1 : 0);
}
