/*
 * usertests: robustness tests for the whole kernel, in the spirit of
 * xv6's. Every test runs in its own child process, so a test may crash
 * without taking the suite down; the runner checks that the child exited
 * cleanly, that it finished in time, and that every page it used came
 * back to the page allocator.
 *
 *   usertests           run every test
 *   usertests -q        skip the slow ones
 *   usertests name...   run only the named tests
 *
 * Output, one line per test, then a summary line:
 *   usertests: <name>: OK
 *   usertests: <name>: FAILED: <reason>
 *   usertests: ALL TESTS PASSED | usertests: N TESTS FAILED
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include <uapi/syscall.h>

#define TICKS_PER_SEC   100      /* the kernel's HZ */
#define FAIL_STATUS     1        /* a test process that called fail() */
#define KILLED_STATUS   (-1)     /* what wait() reports for a killed process */
#define EXEC_FAIL_BASE  100      /* exec_status(): exit(EXEC_FAIL_BASE + errno) */
#define SELF_OK         42       /* our own -argv/-bss modes succeeded */
#define SELF_BAD        43       /* ... or found something wrong */
#define REASON_MAX      256
#define DEFAULT_TIMEOUT (60 * TICKS_PER_SEC)
#define SLOW_TIMEOUT    (900 * TICKS_PER_SEC)   /* diskfull: ~4 min */
#define LEAK_GRACE      (2 * TICKS_PER_SEC)   /* orphans reaped by init */
#define CONSOLE_MAJOR   1        /* kernel/include/device.h */
#define INT_MAX         0x7fffffff
#define INT_MIN         (-INT_MAX - 1)
#define FOREVER         (1000 * TICKS_PER_SEC)   /* a sleep only kill ends */
#define BAD_MAJOR       (NDEV + 5)

/* Addresses a user process must never reach. */
#define TEXT_ADDR       USER_TEXT_START
#define UNMAPPED_ADDR   (USER_TOP / 2)       /* nothing lives mid user half */
#define NONCANON_ADDR   USER_TOP             /* first non-canonical address */
#define HOLE_ADDR       0x1000000000000000UL /* deep in the non-canonical hole */
#define KDIRECT_ADDR    PAGE_OFFSET          /* direct map of RAM */
#define KIMAGE_ADDR     KERNEL_LINK_ADDR     /* kernel text */
#define ALL_ONES_ADDR   (~0UL)
#define GUARD_ADDR      (USER_STACK_TOP - (USER_STACK_PAGES + 1) * PGSIZE)
#define STACK_BOTTOM    (USER_STACK_TOP - USER_STACK_PAGES * PGSIZE)

static const char *self = "/usertests";   /* to exec ourselves */
static int report_fd = -1;                 /* failure reasons go here */

/* ---- failing and checking ------------------------------------------ */

/* Record why the test failed and end this process. Grandchildren may call
 * it too: their reasons are read after the test's own. */
static void __attribute__((noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (report_fd >= 0) {
		vprintf(report_fd, fmt, ap);
		fprintf(report_fd, "; ");
	} else {
		vprintf(2, fmt, ap);
		fprintf(2, "\n");
	}
	va_end(ap);
	exit(FAIL_STATUS);
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* r must be -1 with errno err. */
static void expect_err(long r, int err, const char *what)
{
	int e;

	if (r != -1)
		fail("%s returned %ld, expected -1 (%s)", what, r, strerror(err));
	e = errno();
	if (e != err)
		fail("%s: errno %d (%s), expected %d (%s)", what, e, strerror(e),
		     err, strerror(err));
}

/* r must be -1 with one of two reasons. */
static void expect_err2(long r, int err1, int err2, const char *what)
{
	int e;

	if (r != -1)
		fail("%s returned %ld, expected -1", what, r);
	e = errno();
	if (e != err1 && e != err2)
		fail("%s: errno %d (%s), expected %s or %s", what, e, strerror(e),
		     strerror(err1), strerror(err2));
}

/* r must be -1, whatever the reason. */
static void expect_fail(long r, const char *what)
{
	if (r != -1)
		fail("%s returned %ld, expected -1", what, r);
}

/* r must not be negative. */
static long must(long r, const char *what)
{
	if (r < 0)
		fail("%s failed: %s", what, strerror(errno()));
	return r;
}

/* ---- processes ------------------------------------------------------- */

static int xfork(void)
{
	return must(fork(), "fork");
}

/* Wait for pid (our only child); return its exit status. */
static int wait_pid(int pid)
{
	int status = 0;
	int w = wait(&status);

	if (w != pid)
		fail("wait returned %d, expected child %d (%s)", w, pid,
		     w < 0 ? strerror(errno()) : "another child");
	return status;
}

/* Run fn(arg) in a child and return its exit status. */
static int run(void (*fn)(uint64), uint64 arg)
{
	int pid = xfork();

	if (pid == 0) {
		fn(arg);
		exit(0);
	}
	return wait_pid(pid);
}

/* fn(arg) must get its process killed by the kernel. */
static void expect_killed(void (*fn)(uint64), uint64 arg, const char *what)
{
	int status = run(fn, arg);

	if (status != KILLED_STATUS)
		fail("%s: child exited with %d, expected to be killed (-1)",
		     what, status);
}

/* exec path in a child: the program's exit status, or EXEC_FAIL_BASE +
 * errno when exec itself failed. */
static int exec_status(const char *path, char **argv)
{
	int pid = xfork();

	if (pid == 0) {
		exec(path, argv);
		exit(EXEC_FAIL_BASE + errno());
	}
	return wait_pid(pid);
}

/* How many of our fds are open. fstat fails on pipes, but with another
 * reason than EBADF. */
static int count_fds(void)
{
	struct stat st;
	int n = 0;

	for (int fd = 0; fd < NOFILE; fd++)
		if (fstat(fd, &st) == 0 || errno() != EBADF)
			n++;
	return n;
}

static void ticks_sleep(int n)
{
	must(sleep(n), "sleep");
}

/* ---- files ---------------------------------------------------------- */

static void write_all(int fd, const void *buf, int n, const char *what)
{
	int r = write(fd, buf, n);

	if (r != n)
		fail("write %s: returned %d of %d (%s)", what, r, n,
		     r < 0 ? strerror(errno()) : "short");
}

static void read_all(int fd, void *buf, int n, const char *what)
{
	int got = 0;

	while (got < n) {
		int r = read(fd, (char *)buf + got, n - got);

		if (r <= 0)
			fail("read %s: returned %d after %d of %d bytes (%s)", what,
			     r, got, n, r < 0 ? strerror(errno()) : "EOF");
		got += r;
	}
}

/* Create (or truncate) name holding len bytes of data. */
static void make_file(const char *name, const void *data, int len)
{
	int fd = must(open(name, O_CREATE | O_TRUNC | O_RDWR), name);

	write_all(fd, data, len, name);
	close(fd);
}

static int file_exists(const char *name)
{
	struct stat st;

	return stat(name, &st) == 0;
}

static long file_size(const char *name)
{
	struct stat st;

	must(stat(name, &st), name);
	return st.size;
}

/* A deterministic byte stream, so any reordering or loss shows. */
static uchar pattern(uint64 i, uint seed)
{
	return (uchar)((i * 131 + (i >> 8) * 7 + seed) ^ (i >> 16));
}

static void fill_pattern(uchar *buf, int n, uint64 start, uint seed)
{
	for (int i = 0; i < n; i++)
		buf[i] = pattern(start + i, seed);
}

/* Index of the first byte that differs from the pattern, or -1. */
static long check_pattern(const uchar *buf, int n, uint64 start, uint seed)
{
	for (int i = 0; i < n; i++)
		if (buf[i] != pattern(start + i, seed))
			return i;
	return -1;
}

/* Make name from a prefix and a number, e.g. "cc" 7 -> "cc7". */
static void numbered(char *buf, const char *prefix, int n)
{
	char digits[12];
	int i = 0;

	strcpy(buf, prefix);
	do {
		digits[i++] = '0' + n % 10;
		n /= 10;
	} while (n > 0);
	buf += strlen(buf);
	while (i > 0)
		*buf++ = digits[--i];
	*buf = '\0';
}

/* The break rounded up: the first heap page not mapped. */
static uint64 heap_end(void)
{
	return PGROUNDUP((uint64)sbrk(0));
}

/* ==== memory: sbrk ==================================================== */

#define SBRK_STEPS 5000

static void t_sbrkbasic(void)
{
	char *start = sbrk(0);
	char *p;

	for (int i = 0; i < SBRK_STEPS; i++) {
		p = sbrk(1);
		CHECK(p == start + i, "sbrk(1) #%d returned %p, expected %p", i, p,
		      start + i);
		*p = (char)i;
	}
	CHECK(sbrk(0) == start + SBRK_STEPS, "break is %p, expected %p",
	      sbrk(0), start + SBRK_STEPS);
	for (int i = 0; i < SBRK_STEPS; i++)
		CHECK(start[i] == (char)i, "heap byte %d changed", i);
	p = sbrk(-SBRK_STEPS);
	CHECK(p == start + SBRK_STEPS, "sbrk(-n) returned %p, expected old break %p",
	      p, start + SBRK_STEPS);
	CHECK(sbrk(0) == start, "break %p after shrink, expected %p", sbrk(0),
	      start);
}

static void touch_read(uint64 addr)
{
	volatile char *p = (volatile char *)addr;

	(void)*p;
}

static void touch_write(uint64 addr)
{
	volatile char *p = (volatile char *)addr;

	*p = 1;
}

/* New memory is usable to its last byte; the page after it is not. */
static void t_sbrkpage(void)
{
	int n = 3 * PGSIZE + 123;
	char *p = sbrk(n);

	CHECK(p != (char *)-1, "sbrk(%d) failed: %s", n, strerror(errno()));
	memset(p, 0x5a, n);
	for (int i = 0; i < n; i++)
		CHECK(p[i] == 0x5a, "heap byte %d lost", i);
	expect_killed(touch_read, heap_end(), "read past the break");
	expect_killed(touch_write, heap_end(), "write past the break");
}

/* Freshly grown memory is zero even if the pages were used before. */
static void t_sbrkzero(void)
{
	int n = 8 * PGSIZE;
	char *p = sbrk(n);

	CHECK(p != (char *)-1, "sbrk: %s", strerror(errno()));
	memset(p, 0xaa, n);
	CHECK(sbrk(-n) != (char *)-1, "sbrk(-n): %s", strerror(errno()));
	p = sbrk(n);
	CHECK(p != (char *)-1, "sbrk again: %s", strerror(errno()));
	for (int i = 0; i < n; i++)
		CHECK(p[i] == 0, "regrown heap byte %d is %x, not 0", i,
		      (uchar)p[i]);
}

/* Memory given back by sbrk(-n) is really unmapped. */
static void t_sbrkfree(void)
{
	int n = 4 * PGSIZE;
	char *p;

	sbrk(PGROUNDUP((uint64)sbrk(0)) - (uint64)sbrk(0));   /* align break */
	p = sbrk(n);
	CHECK(p != (char *)-1, "sbrk: %s", strerror(errno()));
	p[0] = p[n - 1] = 1;
	CHECK(sbrk(-n) == p + n, "sbrk(-n) failed");
	expect_killed(touch_read, (uint64)p, "read of freed heap");
	expect_killed(touch_write, (uint64)p + n - 1, "write of freed heap");
}

/* The break cannot go below where the program's data ends. */
static void t_sbrkneg(void)
{
	char *brk = sbrk(0);
	uint64 below_text = (uint64)brk;
	uint64 to_text = (uint64)brk - TEXT_ADDR;

	expect_err2((long)sbrk(-(int)below_text), ENOMEM, EINVAL,
		    "sbrk below address 0");
	expect_err2((long)sbrk(-(int)to_text), ENOMEM, EINVAL,
		    "sbrk over text and data");
	expect_err2((long)sbrk(INT_MIN), ENOMEM, EINVAL, "sbrk(INT_MIN)");
	CHECK(sbrk(0) == brk, "failed sbrk moved the break from %p to %p", brk,
	      sbrk(0));
	CHECK(strlen(self) > 0, "data lost");   /* still running, data there */
}

/* More 2 GiB steps than the largest machine (16 GiB) has memory for. */
#define HUGE_STEPS 64

/* A huge request fails cleanly, or (on a big machine) really works. */
static void t_sbrkhuge(void)
{
	const int huge = INT_MAX;
	char *brk = sbrk(0);
	char *p = sbrk(huge);

	if (p == (char *)-1) {
		expect_err((long)p, ENOMEM, "sbrk(INT_MAX)");
		CHECK(sbrk(0) == brk, "failed sbrk moved the break");
	} else {
		CHECK(p == brk, "sbrk returned %p, expected %p", p, brk);
		p[0] = 1;
		p[huge - 1] = 1;
		CHECK(sbrk(-huge) == brk + huge, "sbrk(-huge) failed");
	}
	/* Repeated huge steps must stop at the end of memory, never wrap. */
	for (int i = 0; i < HUGE_STEPS; i++) {
		p = sbrk(huge);
		if (p == (char *)-1)
			break;
		CHECK((uint64)p + huge < USER_TOP, "heap %p grew out of the user half",
		      p);
	}
	CHECK(p == (char *)-1, "%d sbrk(2 GiB) calls all succeeded", HUGE_STEPS);
}

#define FILL_FIRST_STEP (64 << 20)   /* big steps first, halved on failure */

/* Grow the heap until memory runs out; return how much was added. */
static uint64 fill_memory(void)
{
	uint64 total = 0;
	int chunk = FILL_FIRST_STEP;

	while (chunk >= PGSIZE) {
		char *p = sbrk(chunk);

		if (p == (char *)-1) {
			CHECK(errno() == ENOMEM, "sbrk: errno %d (%s), expected ENOMEM",
			      errno(), strerror(errno()));
			chunk /= 2;
			continue;
		}
		/* Use every page, so a lazy heap is really backed. */
		for (int off = 0; off < chunk; off += PGSIZE)
			p[off] = 1;
		total += chunk;
	}
	return total;
}

/* Give back n bytes of heap in steps sbrk's int argument can take. */
static void release_memory(uint64 n)
{
	const uint64 step = 1UL << 30;

	while (n > 0) {
		uint64 k = n < step ? n : step;

		CHECK(sbrk(-(int)k) != (char *)-1, "sbrk(-%d): %s", (int)k,
		      strerror(errno()));
		n -= k;
	}
}

/* Out of memory: sbrk fails with ENOMEM, other calls that allocate fail
 * cleanly, and shrinking the heap gives every page back. */
static void t_sbrkoom(void)
{
	uint64 got = fill_memory();
	uint64 low = free_pages();
	int fds[2];
	int pid;

	CHECK(got > 0, "could not allocate any memory");
	if (pipe(fds) == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	pid = fork();
	if (pid == 0)
		exit(0);
	if (pid > 0)
		wait_pid(pid);
	release_memory(got);
	CHECK(free_pages() >= low + got / PGSIZE,
	      "shrinking the heap by %ld pages freed only %ld", got / PGSIZE,
	      free_pages() - low);
}

#define SBRKFORK_PAGES 10

/* fork copies the heap: neither side sees the other's writes. */
static void t_sbrkfork(void)
{
	int n = SBRKFORK_PAGES * PGSIZE;
	uchar *p = (uchar *)sbrk(n);
	long bad;
	int pid;

	CHECK(p != (uchar *)-1, "sbrk: %s", strerror(errno()));
	fill_pattern(p, n, 0, 1);
	pid = xfork();
	if (pid == 0) {
		bad = check_pattern(p, n, 0, 1);
		CHECK(bad < 0, "child sees heap byte %ld changed", bad);
		fill_pattern(p, n, 0, 2);
		CHECK(sbrk(n) != (char *)-1, "child sbrk: %s", strerror(errno()));
		exit(0);
	}
	CHECK(wait_pid(pid) == 0, "child failed");
	bad = check_pattern(p, n, 0, 1);
	CHECK(bad < 0, "child's write reached the parent's heap at byte %ld", bad);
	CHECK((uchar *)sbrk(0) == p + n, "child's sbrk moved the parent's break");
}

/* Heap memory works as a system-call buffer right after sbrk. */
static void t_sbrkarg(void)
{
	char *p = sbrk(PGSIZE);
	int fd;

	CHECK(p != (char *)-1, "sbrk: %s", strerror(errno()));
	unlink("ut_sbrkarg");
	fd = must(open("ut_sbrkarg", O_CREATE | O_RDWR), "create");
	write_all(fd, p, PGSIZE, "from new heap");
	close(fd);
	fd = must(open("ut_sbrkarg", O_RDONLY), "open");
	read_all(fd, p, PGSIZE, "into heap");
	must(fstat(fd, (struct stat *)p), "fstat into heap");
	close(fd);
	unlink("ut_sbrkarg");
	must(pipe((int *)(p + PGSIZE - 2 * sizeof(int))), "pipe into heap");
	close(((int *)(p + PGSIZE))[-1]);
	close(((int *)(p + PGSIZE))[-2]);
}

#define MALLOC_BLOCKS 400
#define MALLOC_MAX     20000
#define MALLOC_ALIGN   16
#define MALLOC_TOO_BIG 0xffffffffu

static uint malloc_size(int i)
{
	return (uint)(i * 7919) % MALLOC_MAX + 1;
}

/* Allocate blocks [from, to) in steps of step, each filled with its own
 * pattern, so any overlap between live blocks shows up later. */
static void malloc_fill(void **blocks, int from, int to, int step)
{
	for (int i = from; i < to; i += step) {
		blocks[i] = malloc(malloc_size(i));
		CHECK(blocks[i] != 0, "malloc(%d) failed", malloc_size(i));
		CHECK((uint64)blocks[i] % MALLOC_ALIGN == 0, "malloc returned %p",
		      blocks[i]);
		fill_pattern(blocks[i], malloc_size(i), 0, i);
	}
}

static void malloc_check(void **blocks)
{
	for (int i = 0; i < MALLOC_BLOCKS; i++)
		CHECK(check_pattern(blocks[i], malloc_size(i), 0, i) < 0,
		      "malloc block %d was overwritten", i);
}

/* Blocks never overlap, even when freed holes are reused, and
 * impossible sizes fail instead of wrapping around. */
static void t_malloc(void)
{
	static void *blocks[MALLOC_BLOCKS];
	void *big;

	malloc_fill(blocks, 0, MALLOC_BLOCKS, 1);
	malloc_check(blocks);
	for (int i = 0; i < MALLOC_BLOCKS; i += 2)
		free(blocks[i]);
	malloc_fill(blocks, 0, MALLOC_BLOCKS, 2);
	malloc_check(blocks);
	for (int i = 0; i < MALLOC_BLOCKS; i++)
		free(blocks[i]);
	CHECK(malloc(MALLOC_TOO_BIG) == 0, "malloc(4 GiB - 1) succeeded");
	big = malloc(1 << 30);
	free(big);   /* on a small machine this is free(0) */
	free(0);
	big = malloc(1 << 20);
	CHECK(big != 0, "malloc(1 MiB) failed after freeing everything");
	free(big);
}

/* The 4 stack pages are all usable. */
static void t_stackuse(void)
{
	volatile char buf[2 * PGSIZE];

	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)i;
	for (int i = 0; i < (int)sizeof(buf); i++)
		CHECK(buf[i] == (char)i, "stack byte %d lost", i);
	CHECK((uint64)buf >= STACK_BOTTOM && (uint64)buf < USER_STACK_TOP,
	      "stack at %p, outside [%p, %p)", buf, STACK_BOTTOM, USER_STACK_TOP);
}

/* Deep recursion: each level keeps a frame alive. The bound is far
 * beyond what the stack holds; it only tells the compiler we stop. */
#define RECURSE_LIMIT (1 << 20)

static int recurse(int depth)
{
	volatile char frame[512];

	if (depth > RECURSE_LIMIT)
		return 0;
	frame[0] = (char)depth;
	return recurse(depth + 1) + frame[0];
}

static void overflow_stack(uint64 unused)
{
	recurse(0);
}

/* Running off the stack hits the guard page and kills the process. */
static void t_stackguard(void)
{
	expect_killed(touch_read, GUARD_ADDR, "read of the guard page");
	expect_killed(touch_write, GUARD_ADDR + PGSIZE - 1, "write of the guard page");
	expect_killed(overflow_stack, 0, "unbounded recursion");
}

/* ==== faults: what user code may not touch =========================== */

static void t_nullderef(void)
{
	expect_killed(touch_read, 0, "read of NULL");
	expect_killed(touch_write, 0, "write of NULL");
	expect_killed(touch_read, PGSIZE - 1, "read of the last byte of page 0");
}

static void t_textwrite(void)
{
	expect_killed(touch_write, (uint64)t_textwrite, "write to our own text");
	expect_killed(touch_write, TEXT_ADDR, "write to the first text page");
}

static void t_rodatawrite(void)
{
	static const char message[] = "read-only data";

	expect_killed(touch_write, (uint64)message, "write to rodata");
}

static void t_kernelread(void)
{
	expect_killed(touch_read, KDIRECT_ADDR, "read of the kernel direct map");
	expect_killed(touch_read, KIMAGE_ADDR, "read of the kernel image");
	expect_killed(touch_read, ALL_ONES_ADDR, "read of the last address");
}

static void t_kernelwrite(void)
{
	expect_killed(touch_write, KDIRECT_ADDR, "write to the kernel direct map");
	expect_killed(touch_write, KIMAGE_ADDR, "write to the kernel image");
	expect_killed(touch_write, VMEMMAP_START, "write to the vmemmap");
}

static void t_noncanonical(void)
{
	expect_killed(touch_read, NONCANON_ADDR, "read of USER_TOP");
	expect_killed(touch_write, HOLE_ADDR, "write into the address hole");
	expect_killed(touch_read, UNMAPPED_ADDR, "read of unmapped user memory");
}

/* c.ret: return at once if this memory were executable. */
#define RET_INSN 0x8082

static void call_at(uint64 addr)
{
	void (*fn)(void) = (void (*)(void))addr;

	*(volatile ushort *)addr = RET_INSN;
	__asm__ volatile("fence.i");
	fn();
}

static void jump_to(uint64 addr)
{
	void (*fn)(void) = (void (*)(void))addr;

	fn();
}

static ushort data_code[4];

static void exec_heap(uint64 unused)
{
	char *p = sbrk(PGSIZE);

	call_at((uint64)p);
}

static void exec_stack(uint64 unused)
{
	volatile ushort code[4];

	call_at((uint64)code);
}

/* Data, heap and stack are never executable; kernel pages never are. */
static void t_noexec(void)
{
	expect_killed(call_at, (uint64)data_code, "running code from .data");
	expect_killed(exec_heap, 0, "running code from the heap");
	expect_killed(exec_stack, 0, "running code from the stack");
	expect_killed(jump_to, KIMAGE_ADDR, "jumping into the kernel");
	expect_killed(jump_to, 0, "jumping to NULL");
}

/* A system call number the kernel does not know fails with ENOSYS. */
static long raw_syscall(long num, long a0)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a7 __asm__("a7") = num;

	__asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory");
	return r_a0;
}

static void t_badsyscall(void)
{
	expect_err(raw_syscall(NR_SYSCALLS + 100, 0), ENOSYS, "syscall NR_SYSCALLS+100");
	expect_err(raw_syscall(-1, 0), ENOSYS, "syscall -1");
	expect_err(raw_syscall(0, 0), ENOSYS, "syscall 0");
	expect_err(raw_syscall(1L << 40, 0), ENOSYS, "syscall 2^40");
	CHECK(raw_syscall(SYS_getpid, 0) == getpid(), "raw getpid differs");
}

/* ==== bad pointers: system calls return EFAULT ======================= */

/* Addresses the kernel must refuse to read from. */
static int unreadable(uint64 *a)
{
	int n = 0;

	a[n++] = 0;
	a[n++] = KDIRECT_ADDR;
	a[n++] = KIMAGE_ADDR;
	a[n++] = NONCANON_ADDR;
	a[n++] = HOLE_ADDR;
	a[n++] = UNMAPPED_ADDR;
	a[n++] = heap_end();
	a[n++] = GUARD_ADDR;
	a[n++] = ALL_ONES_ADDR;
	a[n++] = ALL_ONES_ADDR - PGSIZE;
	return n;
}

/* ... and to write to: those plus text and read-only data. */
static int unwritable(uint64 *a)
{
	int n = unreadable(a);

	a[n++] = TEXT_ADDR;
	a[n++] = (uint64)t_nullderef;
	a[n++] = (uint64)"a string literal";
	return n;
}

/* An address n bytes before the end of the heap's last page, after
 * growing the heap by a page so that page surely belongs to the heap. */
static char *heap_edge(int n)
{
	CHECK(sbrk(PGSIZE) != (char *)-1, "sbrk: %s", strerror(errno()));
	return (char *)heap_end() - n;
}

#define MAX_BAD 16
#define BADBUF_LEN 16

static int data_file(const char *name)
{
	char buf[64];

	fill_pattern((uchar *)buf, sizeof(buf), 0, 3);
	make_file(name, buf, sizeof(buf));
	return must(open(name, O_RDWR), name);
}

static void t_badread(void)
{
	uint64 bad[MAX_BAD];
	int n = unwritable(bad);
	int fd = data_file("ut_badread");
	int fds[2];

	must(pipe(fds), "pipe");
	for (int i = 0; i < n; i++) {
		char what[40];

		numbered(what, "read into bad address #", i);
		expect_err(read(fd, (void *)bad[i], BADBUF_LEN), EFAULT, what);
		write_all(fds[1], "0123456789abcdef", BADBUF_LEN, "pipe");
		numbered(what, "pipe read into bad address #", i);
		expect_err(read(fds[0], (void *)bad[i], BADBUF_LEN), EFAULT, what);
	}
	close(fd);
	close(fds[0]);
	close(fds[1]);
	unlink("ut_badread");
}

static void t_badwrite(void)
{
	uint64 bad[MAX_BAD];
	int n = unreadable(bad);
	int fd = data_file("ut_badwrite");
	int con = must(open("/console", O_WRONLY), "open console");
	int fds[2];

	must(pipe(fds), "pipe");
	for (int i = 0; i < n; i++) {
		char what[40];

		numbered(what, "file write from bad address #", i);
		expect_err(write(fd, (void *)bad[i], BADBUF_LEN), EFAULT, what);
		numbered(what, "pipe write from bad address #", i);
		expect_err(write(fds[1], (void *)bad[i], BADBUF_LEN), EFAULT, what);
		numbered(what, "console write from bad address #", i);
		expect_err(write(con, (void *)bad[i], BADBUF_LEN), EFAULT, what);
	}
	CHECK(file_size("ut_badwrite") == 64, "failed writes changed the size to %ld",
	      file_size("ut_badwrite"));
	close(fd);
	close(con);
	close(fds[0]);
	close(fds[1]);
	unlink("ut_badwrite");
}

/* A buffer that starts in the heap and runs past the break. */
static void t_badstraddle(void)
{
	int fd = data_file("ut_straddle");
	char *edge = heap_edge(BADBUF_LEN / 2);
	int r;

	r = read(fd, edge, BADBUF_LEN);
	CHECK((r == -1 && errno() == EFAULT) || (r >= 0 && r <= BADBUF_LEN / 2),
	      "read across the break returned %d", r);
	close(fd);
	fd = must(open("ut_straddle", O_WRONLY), "open");
	r = write(fd, edge, BADBUF_LEN);
	CHECK((r == -1 && errno() == EFAULT) || (r >= 0 && r <= BADBUF_LEN / 2),
	      "write across the break returned %d", r);
	close(fd);
	unlink("ut_straddle");
}

/* Every system call that takes a path refuses a bad one. */
static void t_badpath(void)
{
	uint64 bad[MAX_BAD];
	int n = unreadable(bad);

	for (int i = 0; i < n; i++) {
		char *p = (char *)bad[i];

		expect_err(open(p, O_RDONLY), EFAULT, "open(bad)");
		expect_err(open(p, O_CREATE | O_RDWR), EFAULT, "open(bad, O_CREATE)");
		expect_err(mkdir(p), EFAULT, "mkdir(bad)");
		expect_err(chdir(p), EFAULT, "chdir(bad)");
		expect_err(unlink(p), EFAULT, "unlink(bad)");
		expect_err(link(p, "ut_x"), EFAULT, "link(bad, name)");
		expect_err(link("/console", p), EFAULT, "link(name, bad)");
		expect_err(mknod(p, CONSOLE_MAJOR, 0), EFAULT, "mknod(bad)");
		expect_err(exec(p, 0), EFAULT, "exec(bad)");
	}
	/* A path that runs off the end of the heap without a NUL. */
	char *edge = heap_edge(8);

	memset(edge, 'a', 8);
	expect_err(open(edge, O_RDONLY), EFAULT, "open(unterminated)");
}

static void t_badpipe(void)
{
	int *edge = (int *)heap_edge(sizeof(int));   /* before heap_end() */
	uint64 bad[MAX_BAD];
	int n = unwritable(bad);
	int before = count_fds();

	for (int i = 0; i < n; i++)
		expect_err(pipe((int *)bad[i]), EFAULT, "pipe(bad)");
	/* fds[0] is writable, fds[1] is past the break. */
	expect_err(pipe(edge), EFAULT, "pipe(straddling the break)");
	CHECK(count_fds() == before, "failed pipe() calls left %d fds open",
	      count_fds() - before);
}

static void t_badfstat(void)
{
	uint64 bad[MAX_BAD];
	int n = unwritable(bad);
	int fd = must(open(".", O_RDONLY), "open .");

	for (int i = 0; i < n; i++)
		expect_err(fstat(fd, (struct stat *)bad[i]), EFAULT, "fstat(bad)");
	for (int i = 0; i < n; i++)
		expect_err(memstat((struct memstat *)bad[i]), EFAULT, "memstat(bad)");
	close(fd);
}

#define WAIT_EXIT 3

/* wait() with a bad status pointer fails and loses nothing: the child
 * can still be reaped with its real status. */
static void t_badwait(void)
{
	uint64 bad[MAX_BAD];
	int n = unwritable(bad);
	int pid = xfork();
	int status = 0;

	if (pid == 0)
		exit(WAIT_EXIT);
	ticks_sleep(2);   /* let it become a zombie */
	for (int i = 0; i < n; i++)
		if (bad[i] != 0)   /* wait(0) is fine: it discards the status */
			expect_err(wait((int *)bad[i]), EFAULT, "wait(bad)");
	CHECK(wait(&status) == pid, "child lost after wait(bad): %s",
	      strerror(errno()));
	CHECK(status == WAIT_EXIT, "status %d, expected %d", status, WAIT_EXIT);
}

static void t_badexecargv(void)
{
	char *argv_kernel_elem[] = { "usertests", (char *)KDIRECT_ADDR, 0 };
	char *argv_null_elem[] = { (char *)UNMAPPED_ADDR, 0 };
	char **argv_edge = (char **)heap_edge(sizeof(char *));
	int st;

	*argv_edge = "usertests";   /* the NULL would be past the break */
	st = exec_status(self, (char **)KDIRECT_ADDR);
	CHECK(st == EXEC_FAIL_BASE + EFAULT, "argv in the kernel: status %d", st);
	st = exec_status(self, (char **)KIMAGE_ADDR);
	CHECK(st == EXEC_FAIL_BASE + EFAULT, "argv in kernel text: status %d", st);
	st = exec_status(self, argv_kernel_elem);
	CHECK(st == EXEC_FAIL_BASE + EFAULT, "argv[1] in the kernel: status %d", st);
	st = exec_status(self, argv_null_elem);
	CHECK(st == EXEC_FAIL_BASE + EFAULT, "argv[0] unmapped: status %d", st);
	st = exec_status(self, argv_edge);
	CHECK(st == EXEC_FAIL_BASE + EFAULT, "argv past the break: status %d", st);
}

/* ==== files ============================================================ */

#define SMALL 1000

static void t_fileio(void)
{
	uchar out[SMALL], in[SMALL];
	int fd;

	fill_pattern(out, SMALL, 0, 4);
	unlink("ut_fileio");
	fd = must(open("ut_fileio", O_CREATE | O_RDWR), "create");
	/* Three uneven writes land one after another. */
	write_all(fd, out, 1, "1 byte");
	write_all(fd, out + 1, 499, "499 bytes");
	write_all(fd, out + 500, SMALL - 500, "the rest");
	close(fd);
	CHECK(file_size("ut_fileio") == SMALL, "size %ld, expected %d",
	      file_size("ut_fileio"), SMALL);
	fd = must(open("ut_fileio", O_RDONLY), "open");
	read_all(fd, in, SMALL, "ut_fileio");
	CHECK(read(fd, in, 1) == 0, "read at end of file did not return 0");
	close(fd);
	CHECK(memcmp(in, out, SMALL) == 0, "read back different data");
	must(unlink("ut_fileio"), "unlink");
	CHECK(!file_exists("ut_fileio"), "file still there after unlink");
}

static void t_openflags(void)
{
	char c = 'x';
	int fd;

	unlink("ut_flags");
	expect_err(open("ut_flags", O_RDONLY), ENOENT, "open missing file");
	fd = must(open("ut_flags", O_CREATE | O_WRONLY), "create");
	expect_err(read(fd, &c, 1), EBADF, "read from O_WRONLY fd");
	write_all(fd, "hello", 5, "ut_flags");
	close(fd);
	fd = must(open("ut_flags", O_RDONLY), "open O_RDONLY");
	expect_err(write(fd, &c, 1), EBADF, "write to O_RDONLY fd");
	close(fd);
	/* O_CREATE on an existing file opens it as it is. */
	fd = must(open("ut_flags", O_CREATE | O_RDWR), "re-create");
	close(fd);
	CHECK(file_size("ut_flags") == 5, "O_CREATE truncated the file");
	fd = must(open("ut_flags", O_RDWR | O_TRUNC), "open O_TRUNC");
	close(fd);
	CHECK(file_size("ut_flags") == 0, "O_TRUNC left %ld bytes",
	      file_size("ut_flags"));
	expect_err(open(".", O_WRONLY), EISDIR, "open dir O_WRONLY");
	expect_err(open(".", O_RDWR), EISDIR, "open dir O_RDWR");
	expect_err2(open("ut_flags/x", O_RDONLY), ENOTDIR, ENOENT, "open file/x");
	expect_err2(open("ut_flags/x", O_CREATE | O_RDWR), ENOTDIR, ENOENT,
		    "create file/x");
	must(unlink("ut_flags"), "unlink");
}

/* An unlinked file lives on while it is open. */
static void t_unlinkopen(void)
{
	char buf[8];
	int w, r;

	unlink("ut_unlinkopen");
	w = must(open("ut_unlinkopen", O_CREATE | O_RDWR), "create");
	r = must(open("ut_unlinkopen", O_RDONLY), "open");
	must(unlink("ut_unlinkopen"), "unlink");
	CHECK(!file_exists("ut_unlinkopen"), "name survives unlink");
	write_all(w, "persist", 7, "unlinked file");
	read_all(r, buf, 7, "unlinked file");
	CHECK(memcmp(buf, "persist", 7) == 0, "unlinked file lost its data");
	close(w);
	close(r);
	/* Re-creating the name gives a fresh, empty file. */
	w = must(open("ut_unlinkopen", O_CREATE | O_RDWR), "re-create");
	close(w);
	CHECK(file_size("ut_unlinkopen") == 0, "new file is not empty");
	unlink("ut_unlinkopen");
}

static void t_fstat(void)
{
	struct stat a, b, d, c;
	int fa, fb, fd, fc;

	make_file("ut_fstat_a", "12345", 5);
	make_file("ut_fstat_b", "", 0);
	fa = must(open("ut_fstat_a", O_RDONLY), "open a");
	fb = must(open("ut_fstat_b", O_RDONLY), "open b");
	fd = must(open(".", O_RDONLY), "open .");
	fc = must(open("/console", O_RDWR), "open console");
	must(fstat(fa, &a), "fstat a");
	must(fstat(fb, &b), "fstat b");
	must(fstat(fd, &d), "fstat .");
	must(fstat(fc, &c), "fstat console");
	CHECK(a.type == T_FILE && a.size == 5 && a.nlink == 1,
	      "file: type %d size %ld nlink %d", a.type, a.size, a.nlink);
	CHECK(b.type == T_FILE && b.size == 0, "empty file: type %d size %ld",
	      b.type, b.size);
	CHECK(a.ino != b.ino && a.ino != 0, "inode numbers %d and %d", a.ino, b.ino);
	CHECK(a.dev == b.dev && a.dev == d.dev, "devices differ");
	CHECK(d.type == T_DIR && d.size > 0 && d.size % sizeof(struct dirent) == 0,
	      "dir: type %d size %ld", d.type, d.size);
	CHECK(c.type == T_DEVICE, "console: type %d, expected T_DEVICE", c.type);
	close(fa);
	close(fb);
	close(fd);
	close(fc);
	unlink("ut_fstat_a");
	unlink("ut_fstat_b");
}

/* A file of size n made of the pattern with seed; checks it reads back. */
static void check_file(const char *name, long n, uint seed)
{
	static uchar buf[BSIZE * 4];
	int fd = must(open(name, O_RDONLY), name);
	long off = 0;

	while (off < n) {
		int k = n - off < (long)sizeof(buf) ? n - off : (long)sizeof(buf);
		long bad;

		read_all(fd, buf, k, name);
		bad = check_pattern(buf, k, off, seed);
		CHECK(bad < 0, "%s: byte %ld wrong", name, off + bad);
		off += k;
	}
	CHECK(read(fd, buf, 1) == 0, "%s: data past the expected end", name);
	close(fd);
}

/* Write n bytes of pattern in writes of `step` bytes. */
static void write_file(const char *name, long n, int step, uint seed)
{
	static uchar buf[BSIZE * 16];
	int fd = must(open(name, O_CREATE | O_TRUNC | O_WRONLY), name);

	for (long off = 0; off < n; off += step) {
		int k = n - off < step ? n - off : step;

		fill_pattern(buf, k, off, seed);
		write_all(fd, buf, k, name);
	}
	close(fd);
}

/* Single writes of many sizes, some spanning several log transactions. */
static void t_bigwrite(void)
{
	for (int size = 499; size < BSIZE * 16; size += 471 * 7) {
		write_file("ut_bigwrite", (long)size * 3, size, size);
		check_file("ut_bigwrite", (long)size * 3, size);
		must(unlink("ut_bigwrite"), "unlink");
	}
}

/* A file through the direct and single-indirect blocks and into the
 * second table under the double-indirect block. */
#define BIGFILE_BLOCKS (NDIRECT + 2 * NINDIRECT + 5)

static void t_bigfile(void)
{
	long n = (long)BIGFILE_BLOCKS * BSIZE + 77;

	unlink("ut_bigfile");
	write_file("ut_bigfile", n, BSIZE * 8, 7);
	CHECK(file_size("ut_bigfile") == n, "size %ld, expected %ld",
	      file_size("ut_bigfile"), n);
	check_file("ut_bigfile", n, 7);
	must(unlink("ut_bigfile"), "unlink");
}

/* Write one file until the disk (or the file size limit) is full. */
static long fill_disk(const char *name, uint seed)
{
	static uchar buf[BSIZE * 8];
	int fd = must(open(name, O_CREATE | O_TRUNC | O_WRONLY), name);
	long off = 0;
	struct stat st;

	for (;;) {
		int r;

		fill_pattern(buf, sizeof(buf), off, seed);
		r = write(fd, buf, sizeof(buf));
		if (r < 0) {
			int e = errno();

			CHECK(e == ENOSPC || e == EFBIG,
			      "write at %ld: errno %d (%s), expected ENOSPC or EFBIG",
			      off, e, strerror(e));
			break;
		}
		off += r;
		if (r < (int)sizeof(buf))
			break;   /* a short write: the disk is full */
	}
	must(fstat(fd, &st), "fstat");
	close(fd);
	CHECK((long)st.size >= off && (long)st.size <= off + (long)sizeof(buf),
	      "size %ld after writing %ld bytes", st.size, off);
	return st.size;
}

#define AFTER_FULL (1024 * 1024)

/* On a full disk a new file can be created (the inode is there) but
 * gets no data block. */
static void write_file_expect_full(const char *name)
{
	uchar buf[BSIZE];
	int fd = must(open(name, O_CREATE | O_TRUNC | O_WRONLY), name);

	memset(buf, 1, sizeof(buf));
	for (int i = 0; i < 4; i++) {
		int r = write(fd, buf, sizeof(buf));

		if (r < 0) {
			expect_err(r, ENOSPC, "write to a full disk");
			close(fd);
			return;
		}
	}
	close(fd);
	fail("4 KiB more fit on a full disk");
}

/* Fill the disk, read it all back, and check unlink gives the space back
 * (a second full fill would double the slowest part of the suite). */
static void t_diskfull(void)
{
	long full;

	unlink("ut_full");
	unlink("ut_full2");
	full = fill_disk("ut_full", 11);
	CHECK(full >= (long)BSIZE * 64, "the disk filled after only %ld bytes", full);
	check_file("ut_full", full, 11);
	/* Nothing fits now, not even a small file's first block. */
	write_file_expect_full("ut_full2");
	must(unlink("ut_full"), "unlink the full file");
	must(unlink("ut_full2"), "unlink the small file");
	write_file("ut_full2", AFTER_FULL, BSIZE * 8, 12);
	check_file("ut_full2", AFTER_FULL, 12);
	must(unlink("ut_full2"), "unlink");
}

static void t_truncate(void)
{
	char buf[4];
	int fd1, fd2;

	make_file("ut_trunc", "abcdef", 6);
	fd1 = must(open("ut_trunc", O_RDONLY), "open");
	fd2 = must(open("ut_trunc", O_WRONLY | O_TRUNC), "truncate");
	CHECK(read(fd1, buf, sizeof(buf)) == 0, "read after truncate found data");
	write_all(fd2, "xy", 2, "after truncate");
	CHECK(read(fd1, buf, 2) == 2 && memcmp(buf, "xy", 2) == 0,
	      "reader did not see the new data");
	close(fd1);
	close(fd2);
	CHECK(file_size("ut_trunc") == 2, "size %ld, expected 2",
	      file_size("ut_trunc"));
	unlink("ut_trunc");
}

/* ==== file descriptors ================================================ */

static void t_dup(void)
{
	char buf[8];
	int fd, d, lowest;

	unlink("ut_dup");
	fd = must(open("ut_dup", O_CREATE | O_RDWR), "create");
	close(fd);   /* fd is now the lowest free slot */
	lowest = fd;
	fd = must(open("ut_dup", O_RDWR), "open");
	CHECK(fd == lowest, "open returned fd %d, lowest free is %d", fd, lowest);
	d = must(dup(fd), "dup");
	CHECK(d > fd, "dup returned %d", d);
	/* Both fds share one offset. */
	write_all(fd, "ab", 2, "fd");
	write_all(d, "cd", 2, "dup");
	close(fd);
	write_all(d, "e", 1, "dup after close");
	close(d);
	fd = must(open("ut_dup", O_RDONLY), "reopen");
	read_all(fd, buf, 5, "ut_dup");
	CHECK(memcmp(buf, "abcde", 5) == 0, "dup'd fds did not share the offset");
	close(fd);
	unlink("ut_dup");
}

static void t_badfd(void)
{
	int bad[] = { -1, NOFILE, NOFILE + 1, 1000, INT_MAX, INT_MIN };
	struct stat st;
	char c;
	int closed = must(open(".", O_RDONLY), "open");

	close(closed);
	for (uint i = 0; i < sizeof(bad) / sizeof(bad[0]) + 1; i++) {
		int fd = i < sizeof(bad) / sizeof(bad[0]) ? bad[i] : closed;

		expect_err(read(fd, &c, 1), EBADF, "read(bad fd)");
		expect_err(write(fd, &c, 1), EBADF, "write(bad fd)");
		expect_err(close(fd), EBADF, "close(bad fd)");
		expect_err(fstat(fd, &st), EBADF, "fstat(bad fd)");
		expect_err(dup(fd), EBADF, "dup(bad fd)");
	}
}

/* Opening more than NOFILE files fails with EMFILE, and closing frees. */
static void t_emfile(void)
{
	int fds[NOFILE];
	int n = 0, open_before = count_fds();
	int fd;

	while ((fd = open(".", O_RDONLY)) >= 0) {
		CHECK(n < NOFILE, "more than NOFILE (%d) fds", NOFILE);
		fds[n++] = fd;
	}
	CHECK(errno() == EMFILE, "open failed with %s, expected EMFILE",
	      strerror(errno()));
	CHECK(open_before + n == NOFILE, "%d fds open at the limit, expected %d",
	      open_before + n, NOFILE);
	expect_err(dup(0), EMFILE, "dup with no free fd");
	expect_err(pipe(fds), EMFILE, "pipe with no free fd");
	close(fds[n - 1]);
	fds[n - 1] = must(open(".", O_RDONLY), "open after close");
	while (n > 0)
		close(fds[--n]);
	CHECK(count_fds() == open_before, "fds leaked");
}

/* pipe() with one free fd must not leave a half-made pipe behind. */
static void t_pipefds(void)
{
	int held[NOFILE];
	int n = 0, before = count_fds();
	int fds[2];

	while (count_fds() < NOFILE - 1)
		held[n++] = must(open(".", O_RDONLY), "open");
	expect_err(pipe(fds), EMFILE, "pipe with one free fd");
	CHECK(count_fds() == NOFILE - 1, "failed pipe() left an fd open");
	while (n > 0)
		close(held[--n]);
	CHECK(count_fds() == before, "fds leaked");
}

/* Children share their parent's offsets but close their own fds. */
static void t_forkfd(void)
{
	char buf[8];
	int fd, pid;

	unlink("ut_forkfd");
	fd = must(open("ut_forkfd", O_CREATE | O_RDWR), "create");
	write_all(fd, "p", 1, "parent");
	pid = xfork();
	if (pid == 0) {
		write_all(fd, "c", 1, "child");
		close(fd);
		exit(0);
	}
	CHECK(wait_pid(pid) == 0, "child failed");
	write_all(fd, "P", 1, "parent after child closed");
	close(fd);
	fd = must(open("ut_forkfd", O_RDONLY), "reopen");
	read_all(fd, buf, 3, "ut_forkfd");
	CHECK(memcmp(buf, "pcP", 3) == 0, "file holds \"%c%c%c\", expected \"pcP\"",
	      buf[0], buf[1], buf[2]);
	close(fd);
	unlink("ut_forkfd");
}

/* A child that exits with files and pipes open gives them all back. */
static void exit_with_fds(uint64 unused)
{
	int fds[2];

	for (int i = 0; i < 4; i++)
		must(pipe(fds), "pipe");
	must(open(".", O_RDONLY), "open");
	must(open("/console", O_RDWR), "open console");
	write_all(fds[1], "left in the pipe", 16, "pipe");
}

static void t_exitclose(void)
{
	for (int i = 0; i < 10; i++)
		CHECK(run(exit_with_fds, 0) == 0, "child failed");
}

/* Several children write through one shared fd: nothing is lost. */
#define SHARED_CHILDREN 4
#define SHARED_WRITES   50
#define SHARED_LEN      10

static void t_sharedfd(void)
{
	char buf[SHARED_LEN];
	int counts[SHARED_CHILDREN] = { 0 };
	int fd, n;

	unlink("ut_sharedfd");
	fd = must(open("ut_sharedfd", O_CREATE | O_RDWR), "create");
	for (int c = 0; c < SHARED_CHILDREN; c++) {
		if (xfork() == 0) {
			memset(buf, 'a' + c, SHARED_LEN);
			for (int i = 0; i < SHARED_WRITES; i++)
				write_all(fd, buf, SHARED_LEN, "shared fd");
			exit(0);
		}
	}
	for (int c = 0; c < SHARED_CHILDREN; c++) {
		int st;

		must(wait(&st), "wait");
		CHECK(st == 0, "a writer failed");
	}
	close(fd);
	fd = must(open("ut_sharedfd", O_RDONLY), "open");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (int i = 0; i < n; i++) {
			int c = buf[i] - 'a';

			CHECK(c >= 0 && c < SHARED_CHILDREN, "stray byte %x", buf[i]);
			counts[c]++;
		}
	}
	close(fd);
	for (int c = 0; c < SHARED_CHILDREN; c++)
		CHECK(counts[c] == SHARED_WRITES * SHARED_LEN,
		      "writer %d: %d bytes, expected %d", c, counts[c],
		      SHARED_WRITES * SHARED_LEN);
	unlink("ut_sharedfd");
}

/* Children each write their own file at the same time. */
#define FOURFILES_LEN (BSIZE * 12 + 13)

static void t_fourfiles(void)
{
	char name[16];

	for (int c = 0; c < 4; c++) {
		if (xfork() == 0) {
			numbered(name, "ut_four", c);
			write_file(name, FOURFILES_LEN, 500, c);
			exit(0);
		}
	}
	for (int c = 0; c < 4; c++) {
		int st;

		must(wait(&st), "wait");
		CHECK(st == 0, "a writer failed");
	}
	for (int c = 0; c < 4; c++) {
		numbered(name, "ut_four", c);
		check_file(name, FOURFILES_LEN, c);
		must(unlink(name), "unlink");
	}
}

/* ==== directories ===================================================== */

static uint inode_of(const char *path)
{
	struct stat st;

	must(stat(path, &st), path);
	return st.ino;
}

/* How many entries of dir start with prefix ("" counts all, . and ..). */
static int count_entries(const char *dir, const char *prefix)
{
	struct dirent de;
	char name[DIRSIZ + 1];
	int fd = must(open(dir, O_RDONLY), dir);
	int n = 0;
	uint plen = strlen(prefix);

	while (read(fd, &de, sizeof(de)) == sizeof(de)) {
		if (de.inum == 0)
			continue;
		memmove(name, de.name, DIRSIZ);
		name[DIRSIZ] = '\0';
		if (memcmp(name, prefix, plen) == 0)
			n++;
	}
	close(fd);
	return n;
}

static void t_mkdir(void)
{
	unlink("ut_dir/f");
	unlink("ut_dir");
	must(mkdir("ut_dir"), "mkdir");
	expect_err(mkdir("ut_dir"), EEXIST, "mkdir existing dir");
	make_file("ut_dir/f", "x", 1);
	expect_err(mkdir("ut_dir/f"), EEXIST, "mkdir over a file");
	expect_fail(open("ut_dir", O_CREATE | O_RDWR), "open(dir, O_CREATE|O_RDWR)");
	CHECK(inode_of("ut_dir/.") == inode_of("ut_dir"), "dir/. is not dir");
	CHECK(inode_of("ut_dir/..") == inode_of("."), "dir/.. is not the parent");
	must(chdir("ut_dir"), "chdir");
	CHECK(file_exists("f") && file_size("f") == 1, "f not found from inside");
	must(chdir(".."), "chdir ..");
	CHECK(file_exists("ut_dir/f"), "chdir .. went somewhere else");
	must(unlink("ut_dir/f"), "unlink f");
	must(unlink("ut_dir"), "unlink dir");
}

static void t_rmdir(void)
{
	unlink("ut_rm/f");
	unlink("ut_rm");
	must(mkdir("ut_rm"), "mkdir");
	make_file("ut_rm/f", "x", 1);
	expect_err(unlink("ut_rm"), ENOTEMPTY, "unlink non-empty dir");
	expect_fail(unlink("ut_rm/."), "unlink dir/.");
	expect_fail(unlink("ut_rm/.."), "unlink dir/..");
	must(unlink("ut_rm/f"), "unlink file");
	must(chdir("ut_rm"), "chdir");
	expect_fail(unlink("."), "unlink .");
	expect_fail(unlink(".."), "unlink ..");
	must(chdir(".."), "chdir ..");
	must(unlink("ut_rm"), "unlink empty dir");
	CHECK(!file_exists("ut_rm"), "dir still there");
	expect_err(unlink("ut_rm"), ENOENT, "unlink twice");
}

static void t_dotdot(void)
{
	must(chdir("/"), "chdir /");
	CHECK(inode_of(".") == ROOTINO, "/ has inode %d", inode_of("."));
	CHECK(inode_of("..") == ROOTINO, "/.. is not /");
	must(chdir(".."), "chdir ..");
	CHECK(inode_of(".") == ROOTINO, "chdir .. left the root");
	CHECK(inode_of("/../../.") == ROOTINO, "/../../. is not /");
}

#define DEEP 20

/* A deep tree: built with chdir, used by long relative paths. */
static void t_deeppath(void)
{
	char path[MAXPATH];
	uint top = inode_of(".");

	must(mkdir("ut_deep"), "mkdir ut_deep");
	must(chdir("ut_deep"), "chdir");
	for (int i = 0; i < DEEP; i++) {
		must(mkdir("d"), "mkdir d");
		must(chdir("d"), "chdir d");
	}
	make_file("f", "deep", 4);
	for (int i = 0; i <= DEEP; i++)
		must(chdir(".."), "chdir ..");
	CHECK(inode_of(".") == top, "%d x .. did not come back", DEEP + 1);
	strcpy(path, "ut_deep");
	for (int i = 0; i < DEEP; i++)
		strcpy(path + strlen(path), "/d");
	strcpy(path + strlen(path), "/f");
	CHECK(file_size(path) == 4, "deep file not found by path");
	/* Remove bottom-up by shortening the path. */
	for (int len = strlen(path); len >= (int)strlen("ut_deep"); len -= 2) {
		path[len] = '\0';
		must(unlink(path), path);
	}
	CHECK(!file_exists("ut_deep"), "tree not removed");
}

static void t_longpath(void)
{
	char path[MAXPATH * 3];
	int fd;

	make_file("ut_lp", "x", 1);
	/* The longest legal path: MAXPATH - 1 characters. */
	path[0] = '\0';
	while (strlen(path) + 2 + strlen("ut_lp") <= MAXPATH - 1)
		strcpy(path + strlen(path), "./");
	while (strlen(path) + strlen("ut_lp") < MAXPATH - 1)
		strcpy(path + strlen(path), "/");
	strcpy(path + strlen(path), "ut_lp");
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "%d-character path failed: %s", strlen(path),
	      strerror(errno()));
	close(fd);
	/* Far too long: no NUL within MAXPATH. */
	memset(path, '/', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	expect_err(open(path, O_RDONLY), ENAMETOOLONG, "open(long path)");
	expect_err(mkdir(path), ENAMETOOLONG, "mkdir(long path)");
	expect_err(chdir(path), ENAMETOOLONG, "chdir(long path)");
	unlink("ut_lp");
}

/* Names of exactly DIRSIZ characters work; longer ones are refused or
 * cut to DIRSIZ, but then consistently. */
static void t_dirsiz(void)
{
	const char *full = "ut_abcdefghijk";      /* DIRSIZ characters */
	const char *longer = "ut_abcdefghijklmno";
	struct dirent de;
	int fd, found = 0;

	CHECK(strlen(full) == DIRSIZ, "test name is not DIRSIZ long");
	unlink(full);
	make_file(full, "14", 2);
	CHECK(file_size(full) == 2, "DIRSIZ-long name not found");
	fd = must(open(".", O_RDONLY), "open .");
	while (read(fd, &de, sizeof(de)) == sizeof(de))
		if (de.inum != 0 && memcmp(de.name, full, DIRSIZ) == 0)
			found++;
	close(fd);
	CHECK(found == 1, "DIRSIZ-long name found %d times in the directory", found);
	must(unlink(full), "unlink");
	fd = open(longer, O_CREATE | O_RDWR);
	if (fd < 0) {
		expect_err(fd, ENAMETOOLONG, "create over-long name");
	} else {
		close(fd);
		CHECK(file_exists(longer), "over-long name created but not found");
		must(unlink(longer), "unlink over-long name");
		CHECK(!file_exists(longer), "over-long name survives unlink");
	}
}

static void t_chdirfile(void)
{
	make_file("ut_cdf", "x", 1);
	expect_err(chdir("ut_cdf"), ENOTDIR, "chdir to a file");
	expect_err2(chdir("ut_cdf/x"), ENOTDIR, ENOENT, "chdir file/x");
	expect_err2(mkdir("ut_cdf/x"), ENOTDIR, ENOENT, "mkdir file/x");
	expect_err2(link("ut_cdf", "ut_cdf/x"), ENOTDIR, ENOENT, "link to file/x");
	expect_err(chdir("ut_nonexistent"), ENOENT, "chdir to a missing dir");
	must(unlink("ut_cdf"), "unlink");
}

/* The empty name never creates or removes anything. */
static void t_emptyname(void)
{
	expect_fail(mkdir(""), "mkdir(\"\")");
	expect_fail(unlink(""), "unlink(\"\")");
	expect_fail(link("/console", ""), "link(x, \"\")");
	expect_fail(mknod("", CONSOLE_MAJOR, 0), "mknod(\"\")");
	expect_fail(open("", O_CREATE | O_RDWR), "open(\"\", O_CREATE|O_RDWR)");
	expect_fail(open("ut_nonexistent/", O_RDONLY), "open(missing/)");
}

static void t_linkcount(void)
{
	struct stat a, b;
	char buf[4];
	int fd;

	unlink("ut_lb");
	make_file("ut_la", "abc", 3);
	must(link("ut_la", "ut_lb"), "link");
	must(stat("ut_la", &a), "stat a");
	must(stat("ut_lb", &b), "stat b");
	CHECK(a.ino == b.ino, "link has another inode");
	CHECK(a.nlink == 2 && b.nlink == 2, "nlink %d, expected 2", a.nlink);
	expect_err(link("ut_la", "ut_lb"), EEXIST, "link to an existing name");
	expect_err(link("ut_nonexistent", "ut_lc"), ENOENT, "link a missing file");
	must(unlink("ut_la"), "unlink a");
	must(stat("ut_lb", &b), "stat b after unlink");
	CHECK(b.nlink == 1, "nlink %d after unlink, expected 1", b.nlink);
	fd = must(open("ut_lb", O_RDONLY), "open b");
	read_all(fd, buf, 3, "ut_lb");
	CHECK(memcmp(buf, "abc", 3) == 0, "link lost the data");
	close(fd);
	expect_err(unlink("ut_la"), ENOENT, "unlink twice");
	must(unlink("ut_lb"), "unlink b");
}

static void t_linkdir(void)
{
	unlink("ut_ldir");
	must(mkdir("ut_ldir"), "mkdir");
	expect_fail(link("ut_ldir", "ut_ldir2"), "link a directory");
	expect_fail(link(".", "ut_ldot"), "link .");
	CHECK(!file_exists("ut_ldir2") && !file_exists("ut_ldot"),
	      "failed link left a name");
	must(unlink("ut_ldir"), "unlink");
}

#define MANY_FILES 70   /* more than one directory block holds */

static void t_manyfiles(void)
{
	char name[16];

	must(mkdir("ut_many"), "mkdir");
	must(chdir("ut_many"), "chdir");
	for (int i = 0; i < MANY_FILES; i++) {
		numbered(name, "f", i);
		make_file(name, name, strlen(name));
	}
	CHECK(count_entries(".", "") == MANY_FILES + 2, "%d entries, expected %d",
	      count_entries(".", ""), MANY_FILES + 2);
	for (int i = 0; i < MANY_FILES; i++) {
		numbered(name, "f", i);
		CHECK(file_size(name) == strlen(name), "%s has the wrong size", name);
		must(unlink(name), name);
	}
	CHECK(count_entries(".", "") == 2, "%d entries left",
	      count_entries(".", "") - 2);
	must(chdir(".."), "chdir ..");
	must(unlink("ut_many"), "unlink dir");
}

/* Walk down and back up more levels than the kernel has in-memory
 * inodes: references to each level must be dropped as we go. */
#define IREF_LEVELS (NINODE + 10)

static void t_iref(void)
{
	uint top = inode_of(".");

	for (int i = 0; i < IREF_LEVELS; i++) {
		must(mkdir("ut_ir"), "mkdir");
		must(chdir("ut_ir"), "chdir");
		close(must(open("ut_irf", O_CREATE | O_RDWR), "create"));
	}
	for (int i = 0; i < IREF_LEVELS; i++) {
		must(unlink("ut_irf"), "unlink file");
		must(chdir(".."), "chdir ..");
		must(unlink("ut_ir"), "unlink dir");
	}
	CHECK(inode_of(".") == top, "did not come back to the start");
}

/* Children create, link and unlink the same names at once. */
#define CC_NAMES    12
#define CC_CHILDREN 4
#define CC_ROUNDS   60

static void cc_child(int c)
{
	char name[16], alias[16];

	for (int r = 0; r < CC_ROUNDS; r++) {
		int k = (r * 7 + c * 3) % CC_NAMES;
		int fd, res;

		numbered(name, "ut_cc", k);
		numbered(alias, "ut_cl", k);
		switch ((r + c) % 4) {
		case 0:
		case 1:
			fd = must(open(name, O_CREATE | O_RDWR), "create");
			write_all(fd, "z", 1, name);
			close(fd);
			break;
		case 2:
			res = unlink(name);
			CHECK(res == 0 || errno() == ENOENT, "unlink: %s",
			      strerror(errno()));
			break;
		default:
			res = link(name, alias);
			CHECK(res == 0 || errno() == ENOENT || errno() == EEXIST,
			      "link: %s", strerror(errno()));
			break;
		}
	}
}

static void t_concreate(void)
{
	char name[16];

	for (int c = 0; c < CC_CHILDREN; c++) {
		if (xfork() == 0) {
			cc_child(c);
			exit(0);
		}
	}
	for (int c = 0; c < CC_CHILDREN; c++) {
		int st;

		must(wait(&st), "wait");
		CHECK(st == 0, "a child failed");
	}
	for (int k = 0; k < CC_NAMES; k++) {
		numbered(name, "ut_cc", k);
		unlink(name);
		numbered(name, "ut_cl", k);
		unlink(name);
	}
	CHECK(count_entries(".", "ut_c") == 0, "names left behind");
}

#define CD_FILES 20

static const char *cd_prefix[CC_CHILDREN] = {
	"ut_cd/a", "ut_cd/b", "ut_cd/c", "ut_cd/d"
};

static void t_createdelete(void)
{
	char name[32];

	must(mkdir("ut_cd"), "mkdir");
	for (int c = 0; c < CC_CHILDREN; c++) {
		if (xfork() == 0) {
			for (int i = 0; i < CD_FILES; i++) {
				numbered(name, cd_prefix[c], i);
				close(must(open(name, O_CREATE | O_RDWR), name));
				if (i % 2 == 0)
					must(unlink(name), name);
			}
			exit(0);
		}
	}
	for (int c = 0; c < CC_CHILDREN; c++) {
		int st;

		must(wait(&st), "wait");
		CHECK(st == 0, "a child failed");
	}
	CHECK(count_entries("ut_cd", "") == 2 + CC_CHILDREN * CD_FILES / 2,
	      "%d entries, expected %d", count_entries("ut_cd", "") - 2,
	      CC_CHILDREN * CD_FILES / 2);
	for (int c = 0; c < CC_CHILDREN; c++) {
		for (int i = 1; i < CD_FILES; i += 2) {
			numbered(name, cd_prefix[c], i);
			must(unlink(name), name);
		}
	}
	must(unlink("ut_cd"), "unlink dir");
}

/* mknod with a major number no driver has either fails with EINVAL, or
 * makes a node that cannot be read or written. */
static void bad_device(short major)
{
	char c;
	int fd;

	if (mknod("ut_baddev", major, 0) < 0) {
		expect_err(-1, EINVAL, "mknod with a bad major");
		return;
	}
	fd = open("ut_baddev", O_RDWR);
	if (fd >= 0) {
		expect_fail(read(fd, &c, 1), "read of a device without a driver");
		expect_fail(write(fd, &c, 1), "write of a device without a driver");
		close(fd);
	}
	must(unlink("ut_baddev"), "unlink");
}

/* Device files: the console works through a new node, and a node with
 * a major number no driver has fails cleanly. */
static void t_devices(void)
{
	struct stat st;
	int fd;

	unlink("ut_con");
	unlink("ut_baddev");
	must(mknod("ut_con", CONSOLE_MAJOR, 0), "mknod console");
	fd = must(open("ut_con", O_WRONLY), "open new console node");
	must(fstat(fd, &st), "fstat");
	CHECK(st.type == T_DEVICE, "type %d, expected T_DEVICE", st.type);
	CHECK(write(fd, "", 0) == 0, "empty console write failed");
	close(fd);
	must(unlink("ut_con"), "unlink");
	bad_device(BAD_MAJOR);
	bad_device(-1);
}

/* ==== kernel tables running out ======================================= */

#define TABLE_CHILDREN 8

/* Children each open up to max files (opener(c, i) opens child c's
 * i-th) and hold them until released. Running out of fds or of a kernel
 * table must fail with EMFILE or ENFILE, never worse. */
static void hold_open(int (*opener)(int c, int i), int max)
{
	int ready[2], release[2];
	char c;

	must(pipe(ready), "pipe");
	must(pipe(release), "pipe");
	for (int k = 0; k < TABLE_CHILDREN; k++) {
		if (xfork() == 0) {
			close(release[1]);
			for (int i = 0; i < max; i++) {
				if (opener(k, i) >= 0)
					continue;
				CHECK(errno() == EMFILE || errno() == ENFILE,
				      "open failed with %s", strerror(errno()));
				break;
			}
			write_all(ready[1], "r", 1, "ready");
			read(release[0], &c, 1);   /* EOF when released */
			exit(0);
		}
	}
	close(release[0]);
	for (int k = 0; k < TABLE_CHILDREN; k++)
		read_all(ready[0], &c, 1, "ready");
	close(release[1]);
	for (int k = 0; k < TABLE_CHILDREN; k++) {
		int st;

		must(wait(&st), "wait");
		CHECK(st == 0, "a child failed");
	}
	close(ready[0]);
	close(ready[1]);
}

static int open_same(int c, int i)
{
	return open("ut_nf", O_RDONLY);
}

#define NI_PER_CHILD 10

static int open_distinct(int c, int i)
{
	char name[16];

	numbered(name, "ut_ni/", c * NI_PER_CHILD + i);
	return open(name, O_RDONLY);
}

/* More open files than the system-wide file table holds. */
static void t_nfile(void)
{
	make_file("ut_nf", "x", 1);
	hold_open(open_same, NOFILE);
	close(must(open("ut_nf", O_RDONLY), "open after release"));
	must(unlink("ut_nf"), "unlink");
}

/* More distinct open files than the in-memory inode table holds. */
static void t_ninode(void)
{
	char name[16];
	int n = TABLE_CHILDREN * NI_PER_CHILD;

	must(mkdir("ut_ni"), "mkdir");
	for (int i = 0; i < n; i++) {
		numbered(name, "ut_ni/", i);
		make_file(name, "", 0);
	}
	hold_open(open_distinct, NI_PER_CHILD);
	for (int i = 0; i < n; i++) {
		numbered(name, "ut_ni/", i);
		close(must(open(name, O_RDONLY), "open after release"));
		must(unlink(name), name);
	}
	must(unlink("ut_ni"), "unlink dir");
}

/* ==== pipes =========================================================== */

#define PIPE_TOTAL   (64 * 1024)
#define PIPE_BIG     (1024 * 1024)

/* Send n pattern bytes in writes of varying size. */
static void pipe_send(int fd, long n, uint seed)
{
	static uchar buf[4096 + 97];
	long off = 0;
	int step = 1;

	while (off < n) {
		int k = n - off < step ? n - off : step;

		fill_pattern(buf, k, off, seed);
		write_all(fd, buf, k, "pipe");
		off += k;
		step = step * 3 % (int)sizeof(buf) + 1;
	}
}

/* Receive until EOF; the stream must be exactly the n pattern bytes. */
static void pipe_receive(int fd, long n, uint seed, int chunk)
{
	static uchar buf[8192];
	long off = 0;
	int r;

	while ((r = read(fd, buf, chunk)) > 0) {
		long bad;

		CHECK(off + r <= n, "received more than the %ld bytes sent", n);
		bad = check_pattern(buf, r, off, seed);
		CHECK(bad < 0, "pipe byte %ld corrupted", off + bad);
		off += r;
	}
	CHECK(r == 0, "pipe read failed: %s", strerror(errno()));
	CHECK(off == n, "received %ld bytes, sent %ld", off, n);
}

static void pipe_transfer(long n, int chunk)
{
	int fds[2], pid;

	must(pipe(fds), "pipe");
	pid = xfork();
	if (pid == 0) {
		close(fds[0]);
		pipe_send(fds[1], n, chunk);
		exit(0);
	}
	close(fds[1]);
	pipe_receive(fds[0], n, chunk, chunk);
	close(fds[0]);
	CHECK(wait_pid(pid) == 0, "writer failed");
}

static void t_pipe(void)
{
	pipe_transfer(PIPE_TOTAL, 1);
	pipe_transfer(PIPE_TOTAL, 333);
}

static void t_pipebig(void)
{
	pipe_transfer(PIPE_BIG, 8192);
}

#define PIPE_FLOOD_PAGES 64   /* far more than a pipe buffers */

/* Writing to a pipe nobody can read fails with EPIPE (no signals). */
static void t_pipeclosed(void)
{
	int fds[2];
	char buf[PGSIZE];

	must(pipe(fds), "pipe");
	close(fds[0]);
	expect_err(write(fds[1], "x", 1), EPIPE, "write with reader closed");
	close(fds[1]);
	/* A writer blocked on a full pipe is woken when the reader goes. */
	must(pipe(fds), "pipe");
	if (xfork() == 0) {
		close(fds[1]);
		ticks_sleep(5);
		close(fds[0]);
		exit(0);
	}
	close(fds[0]);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < PIPE_FLOOD_PAGES; i++) {
		int r = write(fds[1], buf, sizeof(buf));

		if (r < 0) {
			expect_err(r, EPIPE, "write after the reader left");
			break;
		}
		CHECK(i < PIPE_FLOOD_PAGES - 1, "%d pages written into a pipe nobody reads",
		      PIPE_FLOOD_PAGES);
	}
	close(fds[1]);
	must(wait(0), "wait");
}

/* EOF comes only when every write end, in every process, is closed. */
static void t_pipeeof(void)
{
	int fds[2], pid;
	char c;

	must(pipe(fds), "pipe");
	pid = xfork();
	if (pid == 0) {
		close(fds[0]);
		ticks_sleep(10);
		write_all(fds[1], "L", 1, "late");
		exit(0);
	}
	close(fds[1]);
	CHECK(read(fds[0], &c, 1) == 1 && c == 'L', "missed the child's byte");
	CHECK(read(fds[0], &c, 1) == 0, "no EOF after the last writer exited");
	close(fds[0]);
	CHECK(wait_pid(pid) == 0, "child failed");
}

/* Many pipes at once, each with data in flight, then all closed. */
static void t_pipemany(void)
{
	int fds[NOFILE][2];
	int n = 0;

	while (count_fds() + 2 <= NOFILE) {
		must(pipe(fds[n]), "pipe");
		write_all(fds[n][1], "data", 4, "pipe");
		n++;
	}
	for (int i = 0; i < n; i++) {
		char buf[4];

		close(fds[i][1]);
		read_all(fds[i][0], buf, 4, "pipe");
		CHECK(read(fds[i][0], buf, 1) == 0, "no EOF");
		close(fds[i][0]);
	}
}

/* ==== processes ======================================================= */

/* Fork until the process table (or memory) runs out, then reap all. */
static void t_forkbomb(void)
{
	int gate[2];
	int n = 0;
	char c;

	must(pipe(gate), "pipe");
	for (;;) {
		int pid = fork();

		if (pid < 0) {
			CHECK(errno() == EAGAIN || errno() == ENOMEM,
			      "fork failed with %s", strerror(errno()));
			break;
		}
		if (pid == 0) {
			close(gate[1]);
			read(gate[0], &c, 1);   /* wait for the parent's go */
			exit(0);
		}
		n++;
		CHECK(n <= NPROC, "forked %d processes, NPROC is %d", n, NPROC);
	}
	close(gate[1]);
	for (int i = 0; i < n; i++) {
		int st;

		CHECK(wait(&st) > 0, "lost a child: %s", strerror(errno()));
		CHECK(st == 0, "a child exited with %d", st);
	}
	expect_err(wait(0), ECHILD, "wait after reaping all");
	close(gate[0]);
	CHECK(n > 0, "could not fork at all");
}

/* Children fork grandchildren at the same time. */
#define FF_CHILDREN 4
#define FF_ROUNDS   20

static void t_forkfork(void)
{
	for (int c = 0; c < FF_CHILDREN; c++) {
		if (xfork() == 0) {
			for (int r = 0; r < FF_ROUNDS; r++) {
				int pid = fork();

				if (pid == 0)
					exit(r);
				CHECK(pid > 0, "fork: %s", strerror(errno()));
				CHECK(wait_pid(pid) == r, "wrong status");
			}
			exit(0);
		}
	}
	for (int c = 0; c < FF_CHILDREN; c++) {
		int st;

		must(wait(&st), "wait");
		CHECK(st == 0, "a child failed");
	}
}

static int global_counter = 17;

/* Data, bss and stack are copied at fork, not shared. */
static void t_forkcopy(void)
{
	static int bss_value;
	int stack_value = 5;
	int pid = xfork();

	if (pid == 0) {
		global_counter = 99;
		bss_value = 99;
		stack_value = 99;
		exit(global_counter + bss_value + stack_value == 3 * 99 ? 0 : 2);
	}
	CHECK(wait_pid(pid) == 0, "child failed");
	CHECK(global_counter == 17 && bss_value == 0 && stack_value == 5,
	      "child's writes reached the parent");
}

static void t_exitstatus(void)
{
	int codes[] = { 0, 1, 42, 255, 256, -7, 123456, INT_MIN, INT_MAX };

	for (uint i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int pid = xfork();
		int st;

		if (pid == 0)
			exit(codes[i]);
		st = wait_pid(pid);
		CHECK(st == codes[i], "exit(%d) reported as %d", codes[i], st);
	}
	/* wait(0) reaps without storing a status. */
	if (xfork() == 0)
		exit(3);
	CHECK(wait(0) > 0, "wait(0) failed: %s", strerror(errno()));
}

static void t_waitnochild(void)
{
	int st;

	expect_err(wait(0), ECHILD, "wait with no children");
	expect_err(wait(&st), ECHILD, "wait(&st) with no children");
}

#define WAITMANY 10

/* wait() returns each child exactly once. */
static void t_waitmany(void)
{
	int pids[WAITMANY];
	int seen[WAITMANY] = { 0 };

	for (int i = 0; i < WAITMANY; i++) {
		pids[i] = xfork();
		if (pids[i] == 0) {
			ticks_sleep(i % 3);
			exit(i);
		}
	}
	for (int i = 0; i < WAITMANY; i++) {
		int st, pid = must(wait(&st), "wait");

		CHECK(st >= 0 && st < WAITMANY && pids[st] == pid,
		      "wait returned pid %d with status %d", pid, st);
		CHECK(!seen[st], "child %d reaped twice", st);
		seen[st] = 1;
	}
	expect_err(wait(0), ECHILD, "an extra wait");
}

/* Orphans go to init; our wait() never sees grandchildren. */
static void t_reparent(void)
{
	int pid = xfork();

	if (pid == 0) {
		if (xfork() == 0) {
			ticks_sleep(5);
			exit(0);
		}
		exit(0);
	}
	CHECK(wait_pid(pid) == 0, "child failed");
	expect_err(wait(0), ECHILD, "wait for a grandchild");
}

#define REPARENT_ROUNDS 100

/* Lots of short-lived orphans while their parents exit. */
static void t_reparent2(void)
{
	for (int i = 0; i < REPARENT_ROUNDS; i++) {
		int pid = xfork();

		if (pid == 0) {
			fork();   /* may fail when init is slow to reap */
			exit(0);
		}
		wait_pid(pid);
	}
}

static void t_getpid(void)
{
	int fds[2], pids[WAITMANY];
	int me = getpid();

	CHECK(me > 0, "getpid returned %d", me);
	must(pipe(fds), "pipe");
	for (int i = 0; i < WAITMANY; i++) {
		pids[i] = xfork();
		if (pids[i] == 0) {
			int p = getpid();

			write_all(fds[1], &p, sizeof(p), "pipe");
			exit(0);
		}
	}
	for (int i = 0; i < WAITMANY; i++)
		must(wait(0), "wait");
	for (int i = 0; i < WAITMANY; i++) {
		int p, found = 0;

		read_all(fds[0], &p, sizeof(p), "pipe");
		CHECK(p != me && p > 0, "child reports pid %d", p);
		for (int j = 0; j < WAITMANY; j++)
			found += pids[j] == p;
		CHECK(found == 1, "child pid %d not returned by fork", p);
	}
	for (int i = 0; i < WAITMANY; i++)
		for (int j = i + 1; j < WAITMANY; j++)
			CHECK(pids[i] != pids[j], "two children have pid %d", pids[i]);
	CHECK(getpid() == me, "getpid changed");
	close(fds[0]);
	close(fds[1]);
}

/* ==== kill ============================================================ */

#define KILL_DEADLINE (5 * TICKS_PER_SEC)

/* Kill pid after it had time to block; it must die quickly with -1. */
static void kill_and_check(int pid, const char *what)
{
	int start, st;

	ticks_sleep(5);
	start = uptime();
	must(kill(pid), "kill");
	st = wait_pid(pid);
	CHECK(st == KILLED_STATUS, "%s: status %d, expected -1", what, st);
	CHECK(uptime() - start < KILL_DEADLINE, "%s: took %d ticks to die", what,
	      uptime() - start);
}

static void t_killsleep(void)
{
	int pid = xfork();

	if (pid == 0) {
		sleep(FOREVER);
		exit(0);
	}
	kill_and_check(pid, "sleeping child");
}

static void t_killspin(void)
{
	int pid = xfork();

	if (pid == 0) {
		volatile int spin = 1;

		while (spin)
			;
		exit(0);
	}
	kill_and_check(pid, "spinning child");
}

static void t_killpipe(void)
{
	int fds[2], pid;
	char buf[PGSIZE];

	must(pipe(fds), "pipe");
	pid = xfork();
	if (pid == 0) {
		read(fds[0], buf, 1);   /* nothing will come */
		exit(0);
	}
	kill_and_check(pid, "child blocked in pipe read");
	pid = xfork();
	if (pid == 0) {
		memset(buf, 'w', sizeof(buf));
		for (;;)
			write(fds[1], buf, sizeof(buf));   /* fills, then blocks */
	}
	kill_and_check(pid, "child blocked in pipe write");
	close(fds[0]);
	close(fds[1]);
}

/* A child blocked in wait() for its own child can be killed. */
static void t_killwait(void)
{
	int fds[2], pid, grandchild;

	must(pipe(fds), "pipe");
	pid = xfork();
	if (pid == 0) {
		int g = xfork();

		if (g == 0) {
			sleep(FOREVER);
			exit(0);
		}
		write_all(fds[1], &g, sizeof(g), "pipe");
		wait(0);
		exit(0);
	}
	read_all(fds[0], &grandchild, sizeof(grandchild), "pipe");
	kill_and_check(pid, "child blocked in wait");
	must(kill(grandchild), "kill the orphaned grandchild");
	close(fds[0]);
	close(fds[1]);
}

static void t_killself(void)
{
	int pid = xfork();

	if (pid == 0) {
		kill(getpid());
		getpid();   /* the next return to user space ends us */
		sleep(TICKS_PER_SEC);
		exit(0);
	}
	CHECK(wait_pid(pid) == KILLED_STATUS, "kill(getpid()) did not kill");
}

/* Killing a zombie keeps its real exit status. */
static void t_killzombie(void)
{
	int pid = xfork();

	if (pid == 0)
		exit(WAIT_EXIT);
	ticks_sleep(5);
	kill(pid);
	CHECK(wait_pid(pid) == WAIT_EXIT, "zombie's status changed by kill");
}

static void t_killbad(void)
{
	int pid = xfork();

	if (pid == 0)
		exit(0);
	wait_pid(pid);
	expect_err(kill(pid), ESRCH, "kill a reaped child");
	expect_err(kill(99999), ESRCH, "kill(99999)");
	expect_err(kill(INT_MAX), ESRCH, "kill(INT_MAX)");
	expect_err2(kill(-5), ESRCH, EINVAL, "kill(-5)");
}

/* ==== time ============================================================ */

#define UPTIME_READS 1000

static void t_uptime(void)
{
	int last = uptime(), start;

	CHECK(last >= 0, "uptime %d", last);
	for (int i = 0; i < UPTIME_READS; i++) {
		int now = uptime();

		CHECK(now >= last, "uptime went back from %d to %d", last, now);
		last = now;
	}
	start = uptime();
	must(sleep(10), "sleep(10)");
	CHECK(uptime() - start >= 10, "sleep(10) returned after %d ticks",
	      uptime() - start);
	start = uptime();
	must(sleep(0), "sleep(0)");
	CHECK(uptime() - start <= 2, "sleep(0) took %d ticks", uptime() - start);
}

/* sleep(-1) must not mean "forever". */
static void t_sleepneg(void)
{
	int pid = xfork();

	if (pid == 0) {
		sleep(-1);
		exit(0);
	}
	ticks_sleep(TICKS_PER_SEC);
	kill(pid);
	CHECK(wait_pid(pid) == 0, "sleep(-1) was still sleeping after 1 s");
}

static void t_memstat(void)
{
	struct memstat ms;

	must(memstat(&ms), "memstat");
	CHECK(ms.free_pages > 0 && ms.free_pages <= ms.total_pages,
	      "free %ld of %ld", ms.free_pages, ms.total_pages);
	CHECK(ms.used_pages == ms.total_pages - ms.free_pages,
	      "used %ld != total %ld - free %ld", ms.used_pages, ms.total_pages,
	      ms.free_pages);
	CHECK(ms.total_pages <= ms.ram_pages, "total %ld > ram %ld",
	      ms.total_pages, ms.ram_pages);
	CHECK(ms.pgtable_pages > 0 && ms.pgtable_pages < ms.total_pages,
	      "pgtable_pages %ld", ms.pgtable_pages);
}

/* ==== exec ============================================================ */

#define ARGV_MODE "-argv"
#define BSS_MODE  "-bss"
#define GOOD_ARGS (MAXARG - 1)    /* the NULL must fit in MAXARG slots */
#define TOO_MANY_ARGS (MAXARG + 8)
#define ARG_LEN   12

/* Fill argv with self, mode, then "a2".."a<n-1>", and a NULL. */
static void make_args(char **argv, char bufs[][ARG_LEN], int n, const char *mode)
{
	argv[0] = (char *)self;
	argv[1] = (char *)mode;
	for (int i = 2; i < n; i++) {
		numbered(bufs[i], "a", i);
		argv[i] = bufs[i];
	}
	argv[n] = 0;
}

/* The -argv mode: check what exec handed us. */
static int check_own_argv(int argc, char **argv)
{
	char want[ARG_LEN];
	uint64 frame = (uint64)__builtin_frame_address(0);

	if (argc != GOOD_ARGS || argv[argc] != 0)
		return SELF_BAD;
	if ((uint64)argv % sizeof(char *) != 0 || frame % 16 != 0)
		return SELF_BAD;
	if ((uint64)argv < STACK_BOTTOM || (uint64)argv >= USER_STACK_TOP)
		return SELF_BAD;
	for (int i = 2; i < argc; i++) {
		numbered(want, "a", i);
		if (strcmp(argv[i], want) != 0)
			return SELF_BAD;
		if ((uint64)argv[i] < STACK_BOTTOM || (uint64)argv[i] >= USER_STACK_TOP)
			return SELF_BAD;
	}
	return SELF_OK;
}

#define BSS_WORDS 1024

static uint64 big_bss[BSS_WORDS];
static uint64 initialized_data = 0x1234567890abcdefUL;

/* The -bss mode: bss is zero, data holds its initial value. */
static int check_own_image(void)
{
	for (int i = 0; i < BSS_WORDS; i++)
		if (big_bss[i] != 0)
			return SELF_BAD;
	if (initialized_data != 0x1234567890abcdefUL)
		return SELF_BAD;
	return SELF_OK;
}

static void t_execargv(void)
{
	static char bufs[GOOD_ARGS][ARG_LEN];
	char *argv[GOOD_ARGS + 1];
	int st;

	make_args(argv, bufs, GOOD_ARGS, ARGV_MODE);
	st = exec_status(self, argv);
	CHECK(st == SELF_OK, "exec with %d args: status %d", GOOD_ARGS, st);
}

static void t_execimage(void)
{
	char *argv[] = { (char *)self, BSS_MODE, 0 };
	int st;

	big_bss[0] = 1;   /* the new image must not inherit this */
	initialized_data = 0;
	st = exec_status(self, argv);
	CHECK(st == SELF_OK, "bss/data not set up by exec: status %d", st);
}

/* exec from a process with a big heap frees the old image. */
static void t_execfree(void)
{
	char *argv[] = { (char *)self, BSS_MODE, 0 };
	int pid = xfork();

	if (pid == 0) {
		char *p = sbrk(64 * PGSIZE);

		if (p != (char *)-1)
			memset(p, 1, 64 * PGSIZE);
		exec(self, argv);
		exit(EXEC_FAIL_BASE + errno());
	}
	CHECK(wait_pid(pid) == SELF_OK, "exec from a big process failed");
}

static void t_execmissing(void)
{
	char *argv[] = { "nothere", 0 };
	int st;

	st = exec_status("ut_nothere", argv);
	CHECK(st == EXEC_FAIL_BASE + ENOENT, "missing program: status %d", st);
	st = exec_status("ut_nodir/prog", argv);
	CHECK(st == EXEC_FAIL_BASE + ENOENT, "missing directory: status %d", st);
}

static void t_exectoomany(void)
{
	static char bufs[TOO_MANY_ARGS][ARG_LEN];
	char *argv[TOO_MANY_ARGS + 1];
	int st;

	make_args(argv, bufs, TOO_MANY_ARGS, ARGV_MODE);
	st = exec_status(self, argv);
	CHECK(st == EXEC_FAIL_BASE + E2BIG, "%d args: status %d, expected E2BIG",
	      TOO_MANY_ARGS, st);
}

/* Arguments that together do not fit on the user stack. */
#define HUGE_ARG (PGSIZE - 16)

static void t_execbigargs(void)
{
	char *argv[MAXARG];
	char *arg = sbrk(HUGE_ARG + 1);
	int n = USER_STACK_PAGES + 2, st;

	CHECK(arg != (char *)-1, "sbrk: %s", strerror(errno()));
	memset(arg, 'b', HUGE_ARG);
	arg[HUGE_ARG] = '\0';
	argv[0] = (char *)self;
	for (int i = 1; i < n; i++)
		argv[i] = arg;
	argv[n] = 0;
	st = exec_status(self, argv);
	CHECK(st >= EXEC_FAIL_BASE, "exec with %d KiB of arguments: status %d",
	      n * HUGE_ARG / 1024, st);
}

static void t_execdir(void)
{
	char *argv[] = { "x", 0 };
	int st = exec_status(".", argv);

	CHECK(st >= EXEC_FAIL_BASE, "exec of a directory: status %d", st);
	st = exec_status("/console", argv);
	CHECK(st >= EXEC_FAIL_BASE, "exec of a device: status %d", st);
}

/* ---- hand-made ELF files ---- */

#define ELF_MAGIC0 0x7f
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_RISCV 243
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_R 4

struct elfhdr {
	uchar ident[16];
	ushort type, machine;
	uint version;
	uint64 entry, phoff, shoff;
	uint flags;
	ushort ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct proghdr {
	uint type, flags;
	uint64 off, vaddr, paddr, filesz, memsz, align;
};

/* addi rd, x0, imm; ecall: exit(42) in three instructions. */
#define OP_IMM 0x13
#define ECALL  0x73
#define REG_A0 10
#define REG_A7 17
#define ADDI(rd, imm) (((uint)(imm) << 20) | ((rd) << 7) | OP_IMM)

struct tiny_elf {
	struct elfhdr eh;
	struct proghdr ph;
	uint code[3];
};

/* A complete program that exits with SELF_OK. */
static void tiny_elf(struct tiny_elf *e)
{
	memset(e, 0, sizeof(*e));
	e->eh.ident[0] = ELF_MAGIC0;
	e->eh.ident[1] = 'E';
	e->eh.ident[2] = 'L';
	e->eh.ident[3] = 'F';
	e->eh.ident[4] = ELFCLASS64;
	e->eh.ident[5] = ELFDATA2LSB;
	e->eh.ident[6] = EV_CURRENT;
	e->eh.type = ET_EXEC;
	e->eh.machine = EM_RISCV;
	e->eh.version = EV_CURRENT;
	e->eh.entry = TEXT_ADDR + ((char *)e->code - (char *)e);
	e->eh.phoff = sizeof(e->eh);
	e->eh.ehsize = sizeof(e->eh);
	e->eh.phentsize = sizeof(e->ph);
	e->eh.phnum = 1;
	e->ph.type = PT_LOAD;
	e->ph.flags = PF_R | PF_X;
	e->ph.off = 0;
	e->ph.vaddr = TEXT_ADDR;
	e->ph.filesz = sizeof(*e);
	e->ph.memsz = sizeof(*e);
	e->ph.align = PGSIZE;
	e->code[0] = ADDI(REG_A0, SELF_OK);
	e->code[1] = ADDI(REG_A7, SYS_exit);
	e->code[2] = ECALL;
}

/* Write e (len bytes of it) to a file and exec it. */
static int exec_elf(const struct tiny_elf *e, int len)
{
	char *argv[] = { "ut_elf", 0 };

	make_file("ut_elf", e, len);
	return exec_status("ut_elf", argv);
}

static void t_execnonelf(void)
{
	struct tiny_elf e;
	const char *script = "#!/bin/sh\necho not an ELF file\n";
	int st;

	tiny_elf(&e);
	st = exec_elf(&e, sizeof(e));
	CHECK(st == SELF_OK, "a minimal valid ELF did not run: status %d", st);
	make_file("ut_elf", script, strlen(script));
	st = exec_status("ut_elf", (char *[]){ "ut_elf", 0 });
	CHECK(st == EXEC_FAIL_BASE + ENOEXEC, "script: status %d", st);
	make_file("ut_elf", "", 0);
	st = exec_status("ut_elf", (char *[]){ "ut_elf", 0 });
	CHECK(st == EXEC_FAIL_BASE + ENOEXEC, "empty file: status %d", st);
	st = exec_elf(&e, sizeof(e.eh) / 2);
	CHECK(st == EXEC_FAIL_BASE + ENOEXEC, "truncated header: status %d", st);
	e.eh.machine = EM_X86_64;
	st = exec_elf(&e, sizeof(e));
	CHECK(st == EXEC_FAIL_BASE + ENOEXEC, "x86-64 ELF: status %d", st);
	unlink("ut_elf");
}

/* exec of e must fail; the file is removed before any verdict. */
static void expect_elf_refused(const struct tiny_elf *e, const char *what)
{
	int st = exec_elf(e, sizeof(*e));

	unlink("ut_elf");
	CHECK(st >= EXEC_FAIL_BASE, "%s: exec succeeded (status %d)", what, st);
}

/* Program headers a kernel must refuse rather than trust. */
static void t_execbadelf(void)
{
	struct tiny_elf e;

	tiny_elf(&e);
	e.ph.vaddr = KIMAGE_ADDR;
	expect_elf_refused(&e, "segment in the kernel");
	tiny_elf(&e);
	e.ph.vaddr = USER_TOP - PGSIZE;
	e.ph.memsz = 2 * PGSIZE;
	expect_elf_refused(&e, "segment across USER_TOP");
	tiny_elf(&e);
	e.ph.memsz = ~0UL - PGSIZE;
	expect_elf_refused(&e, "vaddr + memsz overflows");
	tiny_elf(&e);
	e.ph.filesz = e.ph.memsz + 1;
	expect_elf_refused(&e, "filesz > memsz");
	tiny_elf(&e);
	e.ph.memsz = 1UL << 40;   /* 1 TiB: cannot be backed */
	expect_elf_refused(&e, "1 TiB segment");
	tiny_elf(&e);
	e.eh.phnum = 0xffff;
	e.eh.phoff = ~0UL - 8;
	expect_elf_refused(&e, "header table beyond the file");
	/* Offsets past 4 GiB must not wrap onto the real data. */
	tiny_elf(&e);
	e.ph.off = 1UL << 40;
	expect_elf_refused(&e, "segment at file offset 2^40");
	tiny_elf(&e);
	e.eh.phoff += 1UL << 32;
	expect_elf_refused(&e, "header table at offset 2^32 + 64");
}

/* exec while memory is exhausted: fails cleanly or works. */
static void t_execoom(void)
{
	char *argv[] = { (char *)self, BSS_MODE, 0 };
	int pid = xfork();

	if (pid == 0) {
		fill_memory();
		exec(self, argv);
		CHECK(errno() == ENOMEM, "exec out of memory: %s", strerror(errno()));
		exit(SELF_OK);
	}
	CHECK(wait_pid(pid) == SELF_OK, "child failed");
}

/* fork while memory is exhausted fails cleanly. */
static void t_forkoom(void)
{
	int pid = xfork();

	if (pid == 0) {
		int child;

		fill_memory();
		child = fork();
		if (child == 0)
			exit(0);
		if (child > 0)
			exit(wait_pid(child));
		CHECK(errno() == ENOMEM || errno() == EAGAIN, "fork: %s",
		      strerror(errno()));
		exit(0);
	}
	CHECK(wait_pid(pid) == 0, "child failed");
}

/* ==== the runner ====================================================== */

struct test {
	const char *name;
	void (*fn)(void);
	int slow;          /* skipped by -q */
};

#define T(name) { #name, t_##name, 0 }
#define SLOW(name) { #name, t_##name, 1 }

/* Kernel-killing candidates (tables running out) come last, so a panic
 * costs as few results as possible. */
static const struct test tests[] = {
	T(sbrkbasic), T(sbrkpage), T(sbrkzero), T(sbrkfree), T(sbrkneg),
	T(sbrkhuge), T(sbrkfork), T(sbrkarg), T(malloc), T(stackuse),
	T(stackguard),
	T(nullderef), T(textwrite), T(rodatawrite), T(kernelread),
	T(kernelwrite), T(noncanonical), T(noexec), T(badsyscall),
	T(badread), T(badwrite), T(badstraddle), T(badpath), T(badpipe),
	T(badfstat), T(badwait), T(badexecargv),
	T(fileio), T(openflags), T(unlinkopen), T(fstat), T(bigwrite),
	T(bigfile), T(truncate),
	T(dup), T(badfd), T(emfile), T(pipefds), T(forkfd), T(exitclose),
	T(sharedfd), T(fourfiles),
	T(mkdir), T(rmdir), T(dotdot), T(deeppath), T(longpath), T(dirsiz),
	T(chdirfile), T(emptyname), T(linkcount), T(linkdir), T(manyfiles),
	T(iref), T(concreate), T(createdelete), T(devices),
	T(pipe), T(pipebig), T(pipeclosed), T(pipeeof), T(pipemany),
	T(forkbomb), T(forkfork), T(forkcopy), T(exitstatus), T(waitnochild),
	T(waitmany), T(reparent), T(reparent2), T(getpid),
	T(killsleep), T(killspin), T(killpipe), T(killwait), T(killself),
	T(killzombie), T(killbad),
	T(uptime), T(sleepneg), T(memstat),
	T(execargv), T(execimage), T(execfree), T(execmissing),
	T(exectoomany), T(execbigargs), T(execdir), T(execnonelf),
	T(execbadelf),
	T(sbrkoom), T(execoom), T(forkoom), SLOW(diskfull),
	T(nfile), T(ninode),
};

#define NTESTS ((int)(sizeof(tests) / sizeof(tests[0])))

/* Fork a process that exits after `ticks`: a clock wait() can watch. */
static int start_watchdog(int ticks)
{
	int pid = fork();

	if (pid == 0) {
		sleep(ticks);
		exit(0);
	}
	return pid;
}

/* Wait for the test process, at most `ticks`. Returns its status;
 * *timed_out says the watchdog fired first and the test was killed. */
static int wait_test(int pid, int ticks, int *timed_out)
{
	int dog = start_watchdog(ticks);
	int status = 0, w;

	*timed_out = 0;
	while ((w = wait(&status)) >= 0) {
		if (w == pid)
			break;
		if (w == dog) {
			*timed_out = 1;
			dog = -1;
			kill(pid);
		}
	}
	if (dog > 0) {
		kill(dog);
		wait(0);
	}
	return status;
}

/* Put the test's failure reasons, as written to the pipe, into reason. */
static void read_reason(int fd, char *reason)
{
	int n = read(fd, reason, REASON_MAX - 1);

	if (n < 0)
		n = 0;
	reason[n] = '\0';
	for (int i = 0; i < n; i++)
		if (reason[i] == '\n')
			reason[i] = ' ';
	/* Drop the separator after the last reason. */
	while (n > 0 && (reason[n - 1] == ' ' || reason[n - 1] == ';'))
		reason[--n] = '\0';
	if (n == 0)
		strcpy(reason, "failed without a reason");
}

/* Free pages must come back to where they were; orphans reparented to
 * init may need a moment to be reaped. Returns the pages missing. */
static long leaked_pages(uint64 before)
{
	for (int waited = 0;; waited++) {
		uint64 now = free_pages();

		if (now >= before || waited >= LEAK_GRACE)
			return now >= before ? 0 : (long)(before - now);
		sleep(1);
	}
}

/* Files a failed test may leave behind that would hurt later tests (a
 * full disk above all) or later runs. */
static const char *const scratch_files[] = {
	"ut_full", "ut_full2", "ut_bigfile", "ut_bigwrite", "ut_elf", "ut_nf",
};

static void remove_scratch(void)
{
	for (uint i = 0; i < sizeof(scratch_files) / sizeof(scratch_files[0]); i++)
		unlink(scratch_files[i]);
}

/* Run one test in a child; print its line; return 1 if it passed. */
static int run_test(const struct test *t)
{
	char reason[REASON_MAX];
	uint64 before = free_pages();
	int pipefd[2], pid, status, timed_out;
	int timeout = t->slow ? SLOW_TIMEOUT : DEFAULT_TIMEOUT;
	long leak;

	reason[0] = '\0';
	if (pipe(pipefd) < 0) {
		printf("usertests: %s: FAILED: pipe: %s\n", t->name, strerror(errno()));
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		printf("usertests: %s: FAILED: fork: %s\n", t->name, strerror(errno()));
		close(pipefd[0]);
		close(pipefd[1]);
		return 0;
	}
	if (pid == 0) {
		close(pipefd[0]);
		report_fd = pipefd[1];
		t->fn();
		exit(0);
	}
	close(pipefd[1]);
	status = wait_test(pid, timeout, &timed_out);
	if (timed_out) {
		strcpy(reason, "timed out");
	} else if (status == FAIL_STATUS) {
		read_reason(pipefd[0], reason);
	} else if (status != 0) {
		strcpy(reason, "test process died with status ");
		numbered(reason + strlen(reason), status < 0 ? "-" : "",
			 status < 0 ? -status : status);
	}
	close(pipefd[0]);
	leak = leaked_pages(before);
	if (reason[0] == '\0' && leak > 0) {
		strcpy(reason, "leaked pages: ");
		numbered(reason + strlen(reason), "", leak);
	}
	if (reason[0] != '\0') {
		printf("usertests: %s: FAILED: %s\n", t->name, reason);
		remove_scratch();
		return 0;
	}
	printf("usertests: %s: OK\n", t->name);
	return 1;
}

static const struct test *find_test(const char *name)
{
	for (int i = 0; i < NTESTS; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return 0;
}

/* exec needs an absolute path to ourselves: tests change directory. */
static void find_self(const char *argv0)
{
	static char path[MAXPATH];

	if (argv0 == 0 || argv0[0] == '/' || strlen(argv0) + 2 > sizeof(path))
		return;
	path[0] = '/';
	strcpy(path + 1, argv0);
	self = path;
}

int main(int argc, char *argv[])
{
	int quick = 0, named = 0, failed = 0;

	if (argc > 1 && strcmp(argv[1], ARGV_MODE) == 0)
		return check_own_argv(argc, argv);
	if (argc > 1 && strcmp(argv[1], BSS_MODE) == 0)
		return check_own_image();
	if (argc > 0 && argv[0][0] == '/')
		self = argv[0];
	else if (argc > 0)
		find_self(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0) {
			quick = 1;
		} else if (find_test(argv[i]) == 0) {
			fprintf(2, "usertests: no test named %s\n", argv[i]);
			return 1;
		} else {
			named = 1;
		}
	}
	for (int i = 0; i < NTESTS; i++) {
		const struct test *t = &tests[i];
		int chosen = !named;

		for (int j = 1; j < argc && named; j++)
			chosen |= strcmp(argv[j], t->name) == 0;
		if (!chosen || (quick && t->slow && !named))
			continue;
		failed += !run_test(t);
	}
	if (failed == 0)
		printf("usertests: ALL TESTS PASSED\n");
	else
		printf("usertests: %d TESTS FAILED\n", failed);
	return failed == 0 ? 0 : 1;
}
