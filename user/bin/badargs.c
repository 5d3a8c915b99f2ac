/*
 * badargs: a table of bad arguments for every system call and the answer
 * each must get: -1 and the documented errno. One line per case,
 *   badargs: <call>: <case>: ok
 *   badargs: <call>: <case>: FAILED: returned R, errno E, wanted errno W
 * then "badargs: done" (grader/expect.py reads them). The free page count
 * must be the same at the end as at the start.
 */
#include "user.h"

#define PAGE        4096
#define KERNEL_VA   ((void *)0xffff800080000000UL)
#define KERNEL_TEXT ((void *)0xffffffff80200000UL)
#define USER_TOP_VA ((void *)0x800000000000UL)
#define MAXPATH     128 /* kernel/include/param.h */
#define MAXARG      32  /* kernel/include/param.h */
#define BAD_FD      99
#define HUGE_SBRK   0x7fffffff

static int failures;

static void expect_error(const char *call, const char *what, long ret, int want)
{
	int got = errno();

	if (ret == -1 && got == want) {
		printf("badargs: %s: %s: ok\n", call, what);
		return;
	}
	failures++;
	printf("badargs: %s: %s: FAILED: returned %d, errno %d, wanted errno %d\n", call, what,
	       (int)ret, got, want);
}

static void files(int rd, int wr)
{
	char buf[16];
	struct stat st;

	expect_error("read", "fd -1", read(-1, buf, 1), EBADF);
	expect_error("read", "fd 99", read(BAD_FD, buf, 1), EBADF);
	expect_error("read", "write-only fd", read(wr, buf, 1), EBADF);
	expect_error("read", "NULL buffer", read(rd, 0, 10), EFAULT);
	expect_error("read", "kernel buffer", read(rd, KERNEL_VA, 10), EFAULT);
	expect_error("write", "fd -1", write(-1, buf, 1), EBADF);
	expect_error("write", "read-only fd", write(rd, buf, 1), EBADF);
	expect_error("write", "kernel buffer", write(wr, KERNEL_TEXT, 10), EFAULT);
	expect_error("write", "buffer past the user half", write(wr, USER_TOP_VA - 4, 10), EFAULT);
	expect_error("close", "fd -1", close(-1), EBADF);
	expect_error("close", "fd 99", close(BAD_FD), EBADF);
	expect_error("dup", "fd -1", dup(-1), EBADF);
	expect_error("fstat", "fd 99", fstat(BAD_FD, &st), EBADF);
	expect_error("fstat", "NULL stat", fstat(rd, 0), EFAULT);
	expect_error("fstat", "kernel stat", fstat(rd, KERNEL_VA), EFAULT);
}

static void paths(void)
{
	static char long_path[MAXPATH + 16];

	memset(long_path, 'a', sizeof(long_path) - 1);
	expect_error("open", "NULL path", open(0, O_RDONLY), EFAULT);
	expect_error("open", "kernel path", open(KERNEL_VA, O_RDONLY), EFAULT);
	expect_error("open", "missing file", open("no-such-file", O_RDONLY), ENOENT);
	expect_error("open", "path too long", open(long_path, O_RDONLY), ENAMETOOLONG);
	expect_error("open", "directory for writing", open(".", O_RDWR), EISDIR);
	expect_error("mkdir", "NULL path", mkdir(0), EFAULT);
	expect_error("mkdir", "existing name", mkdir("README.md"), EEXIST);
	expect_error("mkdir", "missing parent", mkdir("no-such-dir/x"), ENOENT);
	expect_error("unlink", "NULL path", unlink(0), EFAULT);
	expect_error("unlink", "missing file", unlink("no-such-file"), ENOENT);
	expect_error("link", "NULL old path", link(0, "x"), EFAULT);
	expect_error("link", "missing old file", link("no-such-file", "x"), ENOENT);
	expect_error("link", "existing new name", link("README.md", "README.md"), EEXIST);
	expect_error("chdir", "NULL path", chdir(0), EFAULT);
	expect_error("chdir", "a file", chdir("README.md"), ENOTDIR);
	expect_error("chdir", "missing directory", chdir("no-such-dir"), ENOENT);
	expect_error("mknod", "NULL path", mknod(0, 1, 1), EFAULT);
}

static void processes(void)
{
	static char *too_many[MAXARG + 2];
	char *argv[] = {"echo", 0};
	char *bad_argv[] = {"echo", (char *)KERNEL_VA, 0};
	struct memstat ms;

	for (int i = 0; i <= MAXARG; i++)
		too_many[i] = "x";
	expect_error("exec", "NULL path", exec(0, argv), EFAULT);
	expect_error("exec", "missing program", exec("no-such-program", argv), ENOENT);
	expect_error("exec", "not an ELF file", exec("README.md", argv), ENOEXEC);
	expect_error("exec", "NULL argv", exec("echo", 0), EFAULT);
	expect_error("exec", "kernel pointer in argv", exec("echo", bad_argv), EFAULT);
	expect_error("exec", "too many arguments", exec("echo", too_many), E2BIG);
	expect_error("sbrk", "huge growth", (long)sbrk(HUGE_SBRK), ENOMEM);
	expect_error("sbrk", "shrink below the image", (long)sbrk(-HUGE_SBRK), ENOMEM);
	expect_error("kill", "no such pid", kill(99999), ESRCH);
	expect_error("wait", "no children", wait(0), ECHILD);
	expect_error("pipe", "NULL array", pipe(0), EFAULT);
	expect_error("pipe", "kernel array", pipe(KERNEL_VA), EFAULT);
	expect_error("memstat", "NULL", memstat(0), EFAULT);
	expect_error("memstat", "kernel pointer", memstat(KERNEL_VA), EFAULT);
	expect_error("mmap", "fixed in the kernel half",
		     (long)mmap(KERNEL_VA, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				-1, 0),
		     ENOMEM);
	expect_error("munmap", "kernel half", munmap(KERNEL_VA, PAGE), EINVAL);
	expect_error("faultstat", "kernel pointer", faultstat(KERNEL_VA), EFAULT);
	expect_error("make_it_fail", "not 0 or 1", make_it_fail(2), EINVAL);
	(void)ms;
}

int main(void)
{
	uint64 before = free_pages();
	int rd = open("README.md", O_RDONLY), wr = open("badargs.tmp", O_CREATE | O_WRONLY);

	if (rd < 0 || wr < 0) {
		printf("badargs: setup: FAILED: cannot open README.md and badargs.tmp\n");
		exit(1);
	}
	files(rd, wr);
	paths();
	processes();
	close(rd);
	close(wr);
	unlink("badargs.tmp");
	if (free_pages() != before) {
		failures++;
		printf("badargs: pages: leak: FAILED: %d pages not given back\n",
		       (int)(before - free_pages()));
	}
	printf("badargs: done\n");
	exit(failures ? 1 : 0);
}
