/*
 * Host harness for the kernel's file system: the real kernel/fs/ code
 * (bio.c, log.c, fs.c, file.c, pipe.c, sysfile.c) linked against
 * stand-ins for the rest of the kernel: one process and no concurrency,
 * a disk held in memory (loaded from an image file, saved back at exit),
 * user pointers that are host pointers (those below BAD_USER_LIMIT fault).
 *
 *   test_fs IMAGE SCENARIO [CRASH_AFTER]
 *   test_fs IMAGE sweep FSCK FIRST LAST STRIDE
 *
 * A scenario drives the system calls and checks every result; "FAIL" lines
 * and exit 1 report wrong results, "panic:" and exit 3 a kernel panic.
 * With CRASH_AFTER the machine "loses power" at that disk write: the image
 * is saved with exactly the writes before it and the harness prints
 * "crashed" and exits 0. tests/test_host_mkfs.py runs fsck on the results.
 *
 * sweep crashes the "crash" scenario at every STRIDE-th write from FIRST
 * to LAST (or its end), reboots and recovers (the first recovery itself
 * crashing early), checks what survived and runs FSCK on the result,
 * IMAGE.crash (IMAGE is left alone; a failing point is kept as
 * IMAGE.crash.fail-POINT).
 * Each boot runs in a forked child, so it starts with fresh kernel state
 * while the disk, in shared memory, persists.
 *
 *   test_fs IMAGE ioerr FSCK FIRST LAST STRIDE
 *
 * is the same sweep with I/O errors instead of power cuts: disk request
 * POINT after the mount (reads and writes counted together) fails with -EIO, a write after
 * it has reached the disk (the hardest case: the kernel cannot know). The
 * "crash" scenario runs on to its end, its calls free to fail; it must not
 * panic. Then a clean boot must mount the image (replaying the log) and
 * read what is there, and FSCK must find it consistent.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "device.h"
#include "file.h"
#include "fs.h"
#include "filemap.h"
#include "mm.h"
#include "proc.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/stat.h"

#define BAD_USER_LIMIT 4096        /* user addresses below this fault */
#define EXIT_FAILED    1
#define EXIT_PANIC     3
#define EXIT_CRASHED   4           /* a sweep child lost power */
#define EXIT_NO_ERROR  5           /* an ioerr child ended before its failing request */
#define SWEEP_MAX_FAILURES 5
#define RECOVERY_CRASHES 4         /* sweep: first recovery dies after 0..3 writes */
#define KiB_BYTES      1024
#define PIPE_TEST_BYTES_MAX (PAGE_SIZE + 64)

/* tests/host/test_fs_os.c */
int host_run_forked(void (*child)(long), long arg);
__attribute__((noreturn)) void host_exit_now(int status);

/* ---- stand-ins for the rest of the kernel ---- */

static struct proc proc0 = { .pid = 1, .name = "harness" };
static long live_allocations;

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...)
{
	va_list ap;

	fputs("panic: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(EXIT_PANIC);
}

struct proc *myproc(void) { return &proc0; }
bool killed(struct proc *p) { return p->killed; }
void wakeup(void *chan) { (void)chan; }

/* With one process, waiting can never end. */
void sleep(void *chan, struct spinlock *lk)
{
	panic("sleep: would wait forever (on %s)", lk->name);
}

void spin_lock_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
}

void spin_lock(struct spinlock *lk)
{
	if (lk->locked)
		panic("spin_lock: %s already held", lk->name);
	lk->locked = 1;
}

void spin_unlock(struct spinlock *lk)
{
	if (!lk->locked)
		panic("spin_unlock: %s not held", lk->name);
	lk->locked = 0;
}

bool spin_is_held(struct spinlock *lk) { return lk->locked; }

void sleep_lock_init(struct sleeplock *lk, const char *name)
{
	lk->locked = false;
	lk->name = name;
	spin_lock_init(&lk->lk, name);
}

void sleep_lock(struct sleeplock *lk)
{
	if (lk->locked)
		panic("sleep_lock: %s already held: deadlock", lk->name);
	lk->locked = true;
	lk->pid = proc0.pid;
}

void sleep_unlock(struct sleeplock *lk)
{
	if (!lk->locked)
		panic("sleep_unlock: %s not held", lk->name);
	lk->locked = false;
}

bool sleep_is_held(struct sleeplock *lk) { return lk->locked; }

void *kmalloc(size_t size) { live_allocations++; return malloc(size); }
void *kzalloc(size_t size) { live_allocations++; return calloc(1, size); }
void kfree(void *p) { live_allocations--; free(p); }

void *__get_free_pages(gfp_t gfp, unsigned int order)
{
	live_allocations++;
	return calloc(1, PAGE_SIZE << order);
}

void free_pages(void *va, unsigned int order)
{
	live_allocations--;
	free(va);
}

/* The page cache (kernel/mm/filemap.c) holds pages of mmap()ed files;
 * nothing is mapped on the host, so no page is ever cached. */
uint8_t *filemap_cached(struct inode *ip, uint64_t off)
{
	(void)ip;
	(void)off;
	return NULL;
}

void filemap_drop(struct inode *ip) { (void)ip; }

/* ---- user memory ---- */

static bool bad_user(uint64_t va)
{
	return va < BAD_USER_LIMIT;
}

int copyout(struct mm_struct *mm, uint64_t dst_va, const void *src, size_t len)
{
	if (bad_user(dst_va))
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst_va, src, len);
	return 0;
}

int copyin(struct mm_struct *mm, void *dst, uint64_t src_va, size_t len)
{
	if (bad_user(src_va))
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src_va, len);
	return 0;
}

int either_copyout(enum addr_space where, uint64_t dst, const void *src, size_t len)
{
	if (where == ADDR_USER)
		return copyout(proc0.mm, dst, src, len);
	memcpy((void *)(uintptr_t)dst, src, len);
	return 0;
}

int either_copyin(void *dst, enum addr_space where, uint64_t src, size_t len)
{
	if (where == ADDR_USER)
		return copyin(proc0.mm, dst, src, len);
	memcpy(dst, (const void *)(uintptr_t)src, len);
	return 0;
}

/* ---- system-call arguments ---- */

static uint64_t args[6];

uint64_t argraw(int n) { return args[n]; }
int argint(int n) { return (int)args[n]; }
uint64_t argaddr(int n) { return args[n]; }

int argstr(int n, char *buf, size_t max)
{
	const char *s = (const char *)(uintptr_t)args[n];
	size_t len;

	if (bad_user(args[n]))
		return -EFAULT;
	len = strnlen(s, max);
	if (len == max)
		return -ENAMETOOLONG;
	memcpy(buf, s, len + 1);
	return len;
}

#define U(p) ((uint64_t)(uintptr_t)(p))

static long call(long (*fn)(void), uint64_t a0, uint64_t a1, uint64_t a2)
{
	args[0] = a0;
	args[1] = a1;
	args[2] = a2;
	return fn();
}

static long xopen(const char *path, int flags) { return call(sys_open, U(path), flags, 0); }
static long xclose(long fd) { return call(sys_close, fd, 0, 0); }
static long xread(long fd, void *buf, long n) { return call(sys_read, fd, U(buf), n); }
static long xwrite(long fd, const void *buf, long n) { return call(sys_write, fd, U(buf), n); }
static long xmkdir(const char *path) { return call(sys_mkdir, U(path), 0, 0); }
static long xunlink(const char *path) { return call(sys_unlink, U(path), 0, 0); }
static long xlink(const char *old, const char *new) { return call(sys_link, U(old), U(new), 0); }
static long xchdir(const char *path) { return call(sys_chdir, U(path), 0, 0); }
static long xdup(long fd) { return call(sys_dup, fd, 0, 0); }
static long xfstat(long fd, struct stat *st) { return call(sys_fstat, fd, U(st), 0); }
static long xpipe(int *fds) { return call(sys_pipe, U(fds), 0, 0); }
static long xmknod(const char *path, long major, long minor)
{
	return call(sys_mknod, U(path), major, minor);
}

/* ---- the disk ---- */

static uint8_t *disk;
static uint32_t disk_blocks;
static const char *image_path;
static long disk_writes;
static long disk_reads;
static long crash_after = -1;
static bool sweeping;
static long disk_requests;
static long fail_request = -1;     /* ioerr sweep: this request fails */
static bool ioerr_sweep;

/* Sweep: blocks ever written since the pristine image (shared memory,
 * set by the children); only these need restoring. */
static uint8_t *touched;

static void save_image(void)
{
	FILE *f = fopen(image_path, "wb");

	if (!f || fwrite(disk, BSIZE, disk_blocks, f) != disk_blocks || fclose(f)) {
		printf("harness: cannot save %s\n", image_path);
		exit(EXIT_FAILED);
	}
}

static void load_image(void)
{
	FILE *f = fopen(image_path, "rb");
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < BSIZE) {
		printf("harness: cannot read %s\n", image_path);
		exit(EXIT_FAILED);
	}
	rewind(f);
	disk_blocks = len / BSIZE;
	disk = malloc((size_t)disk_blocks * BSIZE);
	if (!disk || fread(disk, BSIZE, disk_blocks, f) != disk_blocks) {
		printf("harness: cannot read %s\n", image_path);
		exit(EXIT_FAILED);
	}
	fclose(f);
}

int virtio_blk_rw(struct buf *b, enum blk_op op)
{
	if (!sleep_is_held(&b->lock))
		panic("virtio_blk_rw: buffer not locked");
	bool fail = disk_requests++ == fail_request;

	if (b->blockno >= disk_blocks)
		return -EIO;
	if (op == BLK_READ) {
		disk_reads++;
		if (fail)
			return -EIO;
		memcpy(b->data, disk + (size_t)b->blockno * BSIZE, BSIZE);
		return 0;
	}
	if (disk_writes == crash_after) {
		if (sweeping)   /* the disk is the shared image file */
			host_exit_now(EXIT_CRASHED);
		save_image();
		printf("crashed after %ld writes\n", disk_writes);
		exit(0);
	}
	memcpy(disk + (size_t)b->blockno * BSIZE, b->data, BSIZE);
	if (touched)
		touched[b->blockno] = 1;
	disk_writes++;
	return fail ? -EIO : 0;
}

/* ---- checking ---- */

static int failures;

#define EXPECT(expr, want) expect(#expr, (long)(expr), (long)(want), __LINE__)

static long expect(const char *what, long got, long want, int line)
{
	if (got != want && !ioerr_sweep) {
		printf("FAIL line %d: %s = %ld, expected %ld\n", line, what, got, want);
		failures++;
	}
	return got;
}

#define EXPECT_TRUE(cond) expect(#cond, !!(cond), 1, __LINE__)

static void boot(void)
{
	binit();
	iinit();
	fileinit();
	fsinit(ROOTDEV);
	proc0.cwd = namei("/");
	if (!proc0.cwd)
		panic("boot: no root directory");
}

/* Close every descriptor and drop the cwd, as exit() does. */
static void shutdown(void)
{
	for (int fd = 0; fd < NOFILE; fd++) {
		if (proc0.ofile[fd])
			xclose(fd);
	}
	bool in_op = begin_op_readonly();

	iput(proc0.cwd);
	if (in_op)
		end_op();
	proc0.cwd = NULL;
}

static void fill_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 7 + i / BSIZE * 13 + seed);
}

static long file_size(long fd)
{
	struct stat st;

	EXPECT(xfstat(fd, &st), 0);
	return st.size;
}

/* Create path holding n pattern bytes written in chunks of chunk. */
static void make_file(const char *path, size_t n, size_t chunk, uint32_t seed)
{
	uint8_t *buf = malloc(n + 1);
	long fd = xopen(path, O_CREATE | O_WRONLY | O_TRUNC);

	EXPECT_TRUE(fd >= 0);
	fill_pattern(buf, n, seed);
	for (size_t off = 0; off < n; off += chunk) {
		size_t m = MIN(chunk, n - off);
		EXPECT(xwrite(fd, buf + off, m), m);
	}
	EXPECT(xclose(fd), 0);
	free(buf);
}

/* path holds exactly the n pattern bytes; read in chunks of chunk. */
static void check_file(const char *path, size_t n, size_t chunk, uint32_t seed)
{
	uint8_t *want = malloc(n + 1), *got = malloc(n + chunk);
	long fd = xopen(path, O_RDONLY), r;
	size_t off = 0;

	EXPECT_TRUE(fd >= 0);
	fill_pattern(want, n, seed);
	while ((r = xread(fd, got + off, chunk)) > 0)
		off += r;
	EXPECT(r, 0);
	EXPECT(off, n);
	EXPECT(memcmp(got, want, n), 0);
	EXPECT(xclose(fd), 0);
	free(want);
	free(got);
}

/* ---- scenarios ---- */

static void basic_files(void)
{
	char buf[64];
	long fd, fd2;

	EXPECT(xopen("/nonexistent", O_RDONLY), -ENOENT);
	EXPECT(xopen("", O_RDONLY), -ENOENT);
	EXPECT(xopen((const char *)8, O_RDONLY), -EFAULT);
	EXPECT(xopen("/f", O_RDWR | O_WRONLY), -EINVAL);
	EXPECT(xopen("/f", 0x10000), -EINVAL);
	fd = EXPECT(xopen("/f", O_CREATE | O_RDWR), 0);
	EXPECT(xwrite(fd, "hello", 5), 5);
	EXPECT(xwrite(fd, (const void *)16, 5), -EFAULT);
	EXPECT(xwrite(fd, "x", -1), -EINVAL);
	EXPECT(xclose(fd), 0);
	EXPECT(xclose(fd), -EBADF);
	EXPECT(xclose(-1), -EBADF);
	EXPECT(xclose(NOFILE), -EBADF);
	fd = EXPECT(xopen("/f", O_RDONLY), 0);
	EXPECT(xwrite(fd, "x", 1), -EBADF);
	EXPECT(xread(fd, (void *)16, 5), -EFAULT);
	EXPECT(xread(fd, buf, sizeof(buf)), 5);
	EXPECT(memcmp(buf, "hello", 5), 0);
	EXPECT(xread(fd, buf, sizeof(buf)), 0);
	EXPECT(file_size(fd), 5);
	EXPECT(xfstat(fd, (struct stat *)24), -EFAULT);
	/* dup shares the offset */
	EXPECT(xclose(fd), 0);
	fd = EXPECT(xopen("/f", O_RDONLY), 0);
	fd2 = xdup(fd);
	EXPECT_TRUE(fd2 > fd);
	EXPECT(xread(fd, buf, 2), 2);
	EXPECT(xread(fd2, buf, 10), 3);
	EXPECT(memcmp(buf, "llo", 3), 0);
	EXPECT(xdup(77), -EBADF);
	EXPECT(xclose(fd), 0);
	EXPECT(xclose(fd2), 0);
	fd = EXPECT(xopen("/f", O_WRONLY), 0);
	EXPECT(xread(fd, buf, 1), -EBADF);
	EXPECT(xclose(fd), 0);
	/* O_TRUNC */
	fd = EXPECT(xopen("/f", O_RDWR | O_TRUNC), 0);
	EXPECT(file_size(fd), 0);
	EXPECT(xwrite(fd, "again", 5), 5);
	EXPECT(xclose(fd), 0);
}

/* Offsets past 4 GiB reach nothing; they must not wrap onto the data. */
static void basic_offsets(void)
{
	const uint64_t wrap = 1ULL << 32;
	char buf[8];
	struct inode *ip;

	EXPECT(begin_op(), 0);
	ip = namei("/f");
	EXPECT_TRUE(ip != NULL);
	EXPECT(ilock(ip), 0);
	EXPECT(readi(ip, ADDR_KERNEL, U(buf), 0, sizeof(buf)), 5);
	EXPECT(readi(ip, ADDR_KERNEL, U(buf), wrap, sizeof(buf)), 0);
	EXPECT(readi(ip, ADDR_KERNEL, U(buf), wrap + 1, sizeof(buf)), 0);
	EXPECT(writei(ip, ADDR_KERNEL, U("x"), wrap, 1), -EINVAL);
	EXPECT(ip->size, 5);
	iunlockput(ip);
	end_op();
}

static void basic_names(void)
{
	char longpath[MAXPATH + 16];

	EXPECT(xopen("/abcdefghijklmn", O_CREATE | O_RDWR), 0);   /* DIRSIZ: fine */
	EXPECT(xclose(0), 0);
	EXPECT(xopen("/abcdefghijklmn", O_RDONLY), 0);
	EXPECT(xclose(0), 0);
	EXPECT(xopen("/abcdefghijklmno", O_CREATE | O_RDWR), -ENAMETOOLONG);
	EXPECT(xmkdir("/abcdefghijklmnop/x"), -ENAMETOOLONG);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	EXPECT(xopen(longpath, O_RDONLY), -ENAMETOOLONG);
	EXPECT(xopen("/f/x", O_CREATE | O_RDWR), -ENOTDIR);
	EXPECT(xopen("/f/x", O_RDONLY), -ENOTDIR);
	EXPECT(xmkdir("/nope/x"), -ENOENT);
	EXPECT(xmkdir("/"), -EEXIST);
	EXPECT(xunlink("/"), -EBUSY);
	EXPECT(xunlink("/abcdefghijklmn"), 0);
}

static void basic_dirs(void)
{
	struct dirent de;
	long fd;

	EXPECT(xmkdir("/d"), 0);
	EXPECT(xmkdir("/d"), -EEXIST);
	EXPECT(xmkdir("/d/"), -EEXIST);
	EXPECT(xopen("/d", O_RDWR), -EISDIR);
	EXPECT(xopen("/d", O_WRONLY), -EISDIR);
	EXPECT(xopen("/d", O_CREATE | O_RDONLY), -EISDIR);
	fd = EXPECT(xopen("/d", O_RDONLY), 0);
	EXPECT(xread(fd, &de, sizeof(de)), sizeof(de));
	EXPECT(strncmp(de.name, ".", DIRSIZ), 0);
	EXPECT(xclose(fd), 0);
	EXPECT(xopen("/d/g", O_CREATE | O_RDWR), 0);
	EXPECT(xclose(0), 0);
	EXPECT(xunlink("/d"), -ENOTEMPTY);
	EXPECT(xunlink("/d/."), -EINVAL);
	EXPECT(xunlink("/d/.."), -EINVAL);
	EXPECT(xunlink("/d/g"), 0);
	EXPECT(xunlink("/d/g"), -ENOENT);
	EXPECT(xunlink("/d"), 0);
	EXPECT(xunlink("/d"), -ENOENT);
	/* cwd and relative paths */
	EXPECT(xmkdir("/e"), 0);
	EXPECT(xmkdir("/e/sub"), 0);
	EXPECT(xchdir("/e"), 0);
	EXPECT(xopen("rel", O_CREATE | O_RDWR), 0);
	EXPECT(xclose(0), 0);
	EXPECT(xchdir("sub/.."), 0);
	EXPECT(xchdir(".."), 0);
	EXPECT(xopen("e/rel", O_RDONLY), 0);
	EXPECT(xclose(0), 0);
	EXPECT(xchdir("/f"), -ENOTDIR);
	EXPECT(xchdir("/nope"), -ENOENT);
	/* a removed cwd takes no new entries */
	EXPECT(xmkdir("/gone"), 0);
	EXPECT(xchdir("/gone"), 0);
	EXPECT(xunlink("/gone"), 0);
	EXPECT(xopen("x", O_CREATE | O_RDWR), -ENOENT);
	EXPECT(xmkdir("y"), -ENOENT);
	EXPECT(xchdir("/"), 0);
}

static void basic_links(void)
{
	struct stat st;
	char buf[8];
	long fd;

	EXPECT(xlink("/f", "/f2"), 0);
	EXPECT(xlink("/f", "/f2"), -EEXIST);
	EXPECT(xlink("/e", "/e2"), -EPERM);
	EXPECT(xlink("/nope", "/x"), -ENOENT);
	EXPECT(xlink("/f", "/nope/x"), -ENOENT);
	fd = EXPECT(xopen("/f2", O_RDONLY), 0);
	EXPECT(xfstat(fd, &st), 0);
	EXPECT(st.nlink, 2);
	EXPECT(st.type, T_FILE);
	EXPECT(xunlink("/f"), 0);
	EXPECT(xfstat(fd, &st), 0);
	EXPECT(st.nlink, 1);
	EXPECT(xread(fd, buf, 5), 5);
	EXPECT(memcmp(buf, "again", 5), 0);
	EXPECT(xclose(fd), 0);
	/* unlinked while open: data stays until the last close */
	make_file("/tmpf", 3000, 1000, 9);
	fd = EXPECT(xopen("/tmpf", O_RDONLY), 0);
	EXPECT(xunlink("/tmpf"), 0);
	EXPECT(xopen("/tmpf", O_RDONLY), -ENOENT);
	EXPECT(file_size(fd), 3000);
	EXPECT(xclose(fd), 0);
}

static char dev_seen[16];

static int fake_dev_read(struct file *f, enum addr_space where, uint64_t dst, int n)
{
	return either_copyout(where, dst, "dev", MIN(n, 3)) < 0 ? -EFAULT : MIN(n, 3);
}

static int fake_dev_write(struct file *f, enum addr_space where, uint64_t src, int n)
{
	n = MIN(n, (int)sizeof(dev_seen) - 1);
	return either_copyin(dev_seen, where, src, n) < 0 ? -EFAULT : n;
}

static void basic_devices_and_fds(void)
{
	struct stat st;
	char buf[8];
	long fd, n = 0;

	devsw[CONSOLE_MAJOR].read = fake_dev_read;
	devsw[CONSOLE_MAJOR].write = fake_dev_write;
	EXPECT(xmknod("/console", CONSOLE_MAJOR, 0), 0);
	EXPECT(xmknod("/console", CONSOLE_MAJOR, 0), -EEXIST);
	EXPECT(xmknod("/bad", NDEV, 0), -EINVAL);
	EXPECT(xmknod("/bad", -1, 0), -EINVAL);
	EXPECT(xmknod("/nodrv", NDEV - 1, 0), 0);
	fd = EXPECT(xopen("/console", O_RDWR), 0);
	EXPECT(xwrite(fd, "hi", 2), 2);
	EXPECT(strcmp(dev_seen, "hi"), 0);
	EXPECT(xread(fd, buf, sizeof(buf)), 3);
	EXPECT(xfstat(fd, &st), 0);
	EXPECT(st.type, T_DEVICE);
	EXPECT(xclose(fd), 0);
	fd = EXPECT(xopen("/nodrv", O_RDWR), 0);
	EXPECT(xread(fd, buf, 1), -ENODEV);
	EXPECT(xclose(fd), 0);
	EXPECT(xunlink("/nodrv"), 0);
	/* EMFILE */
	while (xopen("/f2", O_RDONLY) >= 0)
		n++;
	EXPECT(n, NOFILE);
	EXPECT(xopen("/f2", O_RDONLY), -EMFILE);
	EXPECT(xdup(0), -EMFILE);
	for (int fd = 0; fd < NOFILE; fd++)
		EXPECT(xclose(fd), 0);
}

static void basic_pipes(void)
{
	char buf[PIPE_TEST_BYTES_MAX];
	int fds[2];
	struct stat st;

	EXPECT(xpipe(fds), 0);
	EXPECT(xwrite(fds[0], "x", 1), -EBADF);
	EXPECT(xread(fds[1], buf, 1), -EBADF);
	EXPECT(xfstat(fds[0], &st), -EINVAL);
	EXPECT(xwrite(fds[1], "0123456789", 10), 10);
	EXPECT(xread(fds[0], buf, 4), 4);
	EXPECT(xread(fds[0], buf + 4, sizeof(buf)), 6);
	EXPECT(memcmp(buf, "0123456789", 10), 0);
	EXPECT(xread(fds[0], buf, 0), 0);
	/* a full page fits without blocking */
	memset(buf, 'p', PAGE_SIZE);
	EXPECT(xwrite(fds[1], buf, PAGE_SIZE), PAGE_SIZE);
	EXPECT(xread(fds[0], buf, PAGE_SIZE + 10), PAGE_SIZE);
	EXPECT(xwrite(fds[1], "tail", 4), 4);
	EXPECT(xclose(fds[1]), 0);
	EXPECT(xread(fds[0], buf, sizeof(buf)), 4);
	EXPECT(xread(fds[0], buf, sizeof(buf)), 0);   /* end of file */
	EXPECT(xclose(fds[0]), 0);
	/* no reader */
	EXPECT(xpipe(fds), 0);
	EXPECT(xclose(fds[0]), 0);
	EXPECT(xwrite(fds[1], "x", 1), -EPIPE);
	EXPECT(xclose(fds[1]), 0);
	/* bad fd array: nothing left open */
	EXPECT(xpipe((int *)8), -EFAULT);
	EXPECT(xopen("/f2", O_RDONLY), 0);
	EXPECT(xclose(0), 0);
	EXPECT(live_allocations, 0);
}

static void scenario_basic(void)
{
	basic_files();
	basic_offsets();
	basic_names();
	basic_dirs();
	basic_links();
	basic_devices_and_fds();
	basic_pipes();
}

/* Files through the single- and double-indirect blocks, and back. */
static void scenario_big(void)
{
	static const size_t sizes[] = { 300 * KiB_BYTES, 1536 * KiB_BYTES, 11 * KiB_BYTES };
	uint8_t buf[3000];
	long fd;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char path[16];

		snprintf(path, sizeof(path), "/big%zu", i);
		make_file(path, sizes[i], 777 + i * 1000, i);
		check_file(path, sizes[i], 4096, i);
	}
	/* Overwrite in the middle: read to an offset, then write. */
	fd = EXPECT(xopen("/big1", O_RDWR), 0);
	for (int i = 0; i < 100; i++)
		EXPECT(xread(fd, buf, 3000), 3000);
	memset(buf, 0xab, sizeof(buf));
	EXPECT(xwrite(fd, buf, sizeof(buf)), sizeof(buf));
	EXPECT(file_size(fd), 1536 * KiB_BYTES);
	EXPECT(xclose(fd), 0);
	EXPECT(xunlink("/big0"), 0);
	EXPECT(xunlink("/big2"), 0);
}

/* Fill the disk, check ENOSPC, free it again. */
static void scenario_fill(void)
{
	static uint8_t chunk[64 * KiB_BYTES];
	long fd, r, total = 0;

	fill_pattern(chunk, sizeof(chunk), 5);
	fd = EXPECT(xopen("/fill", O_CREATE | O_WRONLY), 0);
	while ((r = xwrite(fd, chunk, sizeof(chunk))) == sizeof(chunk))
		total += r;
	EXPECT_TRUE(r >= 0 && r < (long)sizeof(chunk));
	total += r;
	EXPECT(xwrite(fd, chunk, 1), -ENOSPC);
	EXPECT(file_size(fd), total);
	EXPECT(xclose(fd), 0);
	printf("filled the disk with %ld KiB\n", total / KiB_BYTES);
	EXPECT_TRUE(total > 30 * 1024 * KiB_BYTES);
	/* New files get an inode but no data; directories need a block. */
	fd = EXPECT(xopen("/more", O_CREATE | O_WRONLY), 0);
	EXPECT(xwrite(fd, "x", 1), -ENOSPC);
	EXPECT(xclose(fd), 0);
	EXPECT(xmkdir("/newdir"), -ENOSPC);
	EXPECT(xopen("/newdir", O_RDONLY), -ENOENT);
	EXPECT(xunlink("/more"), 0);
	if (getenv("FILL_KEEP"))
		return;   /* leave the disk full for fsck */
	EXPECT(xunlink("/fill"), 0);
	EXPECT(xmkdir("/newdir"), 0);
	make_file("/newdir/after", 100 * KiB_BYTES, 4096, 3);
	check_file("/newdir/after", 100 * KiB_BYTES, 999, 3);
}

/* Use up the inodes, check ENOSPC, free them again. */
static void scenario_inodes(void)
{
	char path[32];
	long fd, n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/i%ld", n);
		fd = xopen(path, O_CREATE | O_RDWR);
		if (fd < 0)
			break;
		EXPECT(xclose(fd), 0);
		n++;
	}
	EXPECT(fd, -ENOSPC);
	EXPECT(xmkdir("/nodir"), -ENOSPC);
	printf("created %ld files\n", n);
	EXPECT_TRUE(n > 1000);
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/i%ld", i);
		EXPECT(xunlink(path), 0);
	}
	EXPECT(xmkdir("/again"), 0);
}

/* A mix of operations to crash in the middle of. */
static void scenario_crash(void)
{
	EXPECT(xmkdir("/a"), 0);
	make_file("/a/f", 20 * KiB_BYTES, 5000, 1);
	EXPECT(xlink("/a/f", "/g"), 0);
	make_file("/h", 14 * KiB_BYTES, 7000, 2);
	EXPECT(xunlink("/a/f"), 0);
	EXPECT(xmkdir("/a/b"), 0);
	EXPECT(xmkdir("/a/b/c"), 0);
	EXPECT(xunlink("/h"), 0);
	make_file("/g", 2 * KiB_BYTES, 2048, 3);   /* O_TRUNC an existing file */
	EXPECT(xunlink("/a/b/c"), 0);
	make_file("/a/b/k", 300 * KiB_BYTES, 64 * KiB_BYTES, 4);
	EXPECT(xunlink("/a/b/k"), 0);
}

/* After a crash: what exists must be whole. */
static void scenario_recover(void)
{
	long fd = xopen("/g", O_RDONLY);

	if (fd >= 0) {
		long size = file_size(fd);

		EXPECT(xclose(fd), 0);
		EXPECT_TRUE(size == 20 * KiB_BYTES || size == 2 * KiB_BYTES || size == 0);
		if (size == 20 * KiB_BYTES)
			check_file("/g", size, 4096, 1);
		else if (size == 2 * KiB_BYTES)
			check_file("/g", size, 4096, 3);
	}
}

/* After I/O errors: the image mounts and every file left can be read. */
static void scenario_readback(void)
{
	static const char *const paths[] = { "/g", "/h", "/a/f", "/a/b/k" };
	static uint8_t buf[64 * KiB_BYTES];

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		long fd = xopen(paths[i], O_RDONLY), n;

		if (fd < 0)
			continue;
		while ((n = xread(fd, buf, sizeof(buf))) > 0)
			;
		EXPECT(n, 0);
		EXPECT(xclose(fd), 0);
	}
}

static const struct {
	const char *name;
	void (*run)(void);
} scenarios[] = {
	{ "basic", scenario_basic },
	{ "big", scenario_big },
	{ "fill", scenario_fill },
	{ "inodes", scenario_inodes },
	{ "crash", scenario_crash },
	{ "recover", scenario_recover },
};

static void (*child_scenario)(void);

/* A sweep child: boot, run child_scenario, losing power at write limit
 * (-1: never). */
static void sweep_child(long limit)
{
	sweeping = true;
	failures = 0;   /* the child's own, not the sweep's so far */
	if (ioerr_sweep) {
		/* Calls may fail: only a panic (or a sanitizer) is wrong. The
		 * mount's own requests are not counted: an image that cannot be
		 * mounted is refused with a panic by design. */
		boot();
		disk_requests = 0;
		fail_request = limit;
		child_scenario();
		shutdown();
		host_exit_now(disk_requests > limit ? 0 : EXIT_NO_ERROR);
	}
	crash_after = limit;
	boot();
	child_scenario();
	shutdown();
	host_exit_now(failures ? EXIT_FAILED : 0);
}

static int run_child(void (*run)(void), long limit)
{
	child_scenario = run;
	return host_run_forked(sweep_child, limit);
}

/* Put back the blocks the last run touched, from the pristine image. */
static void restore_disk(const uint8_t *pristine)
{
	for (uint32_t b = 0; b < disk_blocks; b++)
		if (touched[b])
			memcpy(disk + (size_t)b * BSIZE, pristine + (size_t)b * BSIZE, BSIZE);
}

/* After a point's boot exited st: fsck the image; on any failure say so
 * (what happened is `what`), show fsck's report and keep the image. */
static void check_image(const char *fsck, const char *what, long point, int st)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s > /dev/null", fsck, image_path);
	if (st == 0 && system(cmd) == 0)
		return;
	printf("FAIL %s %ld: the boot after it exited %d; fsck %s says:\n", what, point, st,
	       image_path);
	snprintf(cmd, sizeof(cmd), "%s %s; cp %s %s.fail-%ld", fsck, image_path, image_path,
	         image_path, point);
	if (system(cmd) < 0)
		perror("system");
	failures++;
}

/* Crash, recover and check one point; false when the scenario finished
 * before reaching it. */
static bool sweep_point(const uint8_t *pristine, const char *fsck, long point)
{
	int st;

	restore_disk(pristine);
	st = run_child(scenario_crash, point);
	if (st == 0)
		return false;
	if (st != EXIT_CRASHED) {
		printf("FAIL crash point %ld: workload exited %d\n", point, st);
		failures++;
		return true;
	}
	st = run_child(scenario_recover, point % RECOVERY_CRASHES);
	if (st == 0 || st == EXIT_CRASHED)
		st = run_child(scenario_recover, -1);
	check_image(fsck, "crash point", point, st);
	return true;
}

/* Fail one request, then boot clean and check; false when the scenario
 * finished before reaching it. */
static bool ioerr_point(const uint8_t *pristine, const char *fsck, long point)
{
	int st;

	restore_disk(pristine);
	ioerr_sweep = true;
	st = run_child(scenario_crash, point);
	ioerr_sweep = false;
	if (st == EXIT_NO_ERROR)
		return false;
	if (st != 0) {
		printf("FAIL I/O error at request %ld: workload exited %d\n", point, st);
		failures++;
		return true;
	}
	st = run_child(scenario_readback, -1);
	check_image(fsck, "I/O error at request", point, st);
	return true;
}

/* Map path whole: the image's size in blocks into *nblocks. */
static uint8_t *map_image(const char *path, int prot, int flags, uint32_t *nblocks)
{
	FILE *f = fopen(path, prot & PROT_WRITE ? "r+b" : "rb");
	uint8_t *p = MAP_FAILED;
	long len;

	if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) >= BSIZE) {
		*nblocks = len / BSIZE;
		p = mmap(NULL, (size_t)*nblocks * BSIZE, prot, flags, fileno(f), 0);
	}
	if (f)
		fclose(f);
	if (p == MAP_FAILED) {
		printf("harness: cannot map %s\n", path);
		exit(EXIT_FAILED);
	}
	return p;
}

/*
 * The disk is IMAGE.crash mapped shared, so what the children write is
 * in the file for fsck at once; restoring copies back only the blocks
 * they touched. Nothing big is anonymous memory, which keeps fork cheap.
 */
static int sweep(const char *fsck, long first, long last, long stride, bool ioerr)
{
	static char crash_path[512];
	uint8_t *pristine = map_image(image_path, PROT_READ, MAP_PRIVATE, &disk_blocks);
	size_t bytes = (size_t)disk_blocks * BSIZE;
	long point, checked = 0;

	snprintf(crash_path, sizeof(crash_path), "%s.crash", image_path);
	image_path = crash_path;
	disk = pristine;
	save_image();   /* the whole pristine image, once */
	disk = map_image(crash_path, PROT_READ | PROT_WRITE, MAP_SHARED, &disk_blocks);
	touched = mmap(NULL, disk_blocks, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (touched == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILED;
	}
	for (point = first; point <= last && failures < SWEEP_MAX_FAILURES; point += stride) {
		if (!(ioerr ? ioerr_point : sweep_point)(pristine, fsck, point))
			break;
		checked++;
	}
	printf("sweep: %ld %s points checked, %d failures%s\n", checked,
	       ioerr ? "I/O error" : "crash", failures,
	       point <= last && !failures ? " (the workload ended)" : "");
	munmap(pristine, bytes);
	munmap(disk, bytes);
	munmap(touched, disk_blocks);
	return failures ? EXIT_FAILED : 0;
}

static int run_scenario(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (strcmp(name, scenarios[i].name))
			continue;
		boot();
		scenarios[i].run();
		shutdown();
		save_image();
		printf("%s: %d failures, %ld disk writes, %ld reads\n", name, failures,
		       disk_writes, disk_reads);
		return failures ? EXIT_FAILED : 0;
	}
	printf("test_fs: no scenario '%s'\n", name);
	return EXIT_FAILED;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 7 && (!strcmp(argv[2], "sweep") || !strcmp(argv[2], "ioerr"))) {
		image_path = argv[1];
		return sweep(argv[3], strtol(argv[4], NULL, 0), strtol(argv[5], NULL, 0),
			     strtol(argv[6], NULL, 0), !strcmp(argv[2], "ioerr"));
	}
	if (argc < 3 || argc > 4) {
		printf("usage: test_fs IMAGE SCENARIO [CRASH_AFTER]\n"
		       "       test_fs IMAGE sweep|ioerr FSCK FIRST LAST STRIDE\n");
		return EXIT_FAILED;
	}
	image_path = argv[1];
	if (argc == 4)
		crash_after = strtol(argv[3], NULL, 0);
	load_image();
	return run_scenario(argv[2]);
}
