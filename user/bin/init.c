/*
 * init: the first user process. Gives the system a console on fds 0, 1
 * and 2, keeps a shell running, and reaps every orphan that the kernel
 * re-parents to it.
 */
#include "user.h"

#define CONSOLE_MAJOR 1   /* kernel/include/device.h */
#define CONSOLE_MINOR 0

static char *sh_argv[] = { "sh", 0 };

/* Open the console read-write as fd 0, creating its device node the
 * first time the file system is booted, and duplicate it onto 1 and 2. */
static void open_console(void)
{
	if (open("console", O_RDWR) < 0) {
		mknod("console", CONSOLE_MAJOR, CONSOLE_MINOR);
		if (open("console", O_RDWR) < 0)
			exit(1);   /* nowhere to even report the failure */
	}
	dup(0);
	dup(0);
}

/* The memory devices of labs mixedmap and altmap: nodes always exist;
 * without the kernel's `mixmem` option or a pmem device their operations
 * fail with ENODEV. */
static void make_device_nodes(void)
{
	mkdir("/dev");   /* fails harmlessly once made */
	mknod(MIXMEM_PATH, MIXMEM_MAJOR, 0);
	mknod(PFNMEM_PATH, PFNMEM_MAJOR, 0);
	mknod(PMEM_PATH, PMEM_MAJOR, 0);
}

static int start_shell(void)
{
	int pid;

	printf("init: starting sh\n");
	pid = fork();
	if (pid < 0) {
		printf("init: fork failed: %s\n", strerror(errno()));
		return -1;
	}
	if (pid == 0) {
		exec("sh", sh_argv);
		printf("init: exec sh failed: %s\n", strerror(errno()));
		exit(1);
	}
	return pid;
}

int main(void)
{
	open_console();
	make_device_nodes();
	for (;;) {
		int sh = start_shell();

		if (sh < 0) {
			sleep(100);   /* memory may come back; try again later */
			continue;
		}
		/* Reap orphans until the shell itself exits, then restart it. */
		for (;;) {
			int status;
			int pid = wait(&status);

			if (pid == sh) {
				/* Do not spin if the shell cannot start at all. */
				if (status != 0)
					sleep(100);
				break;
			}
			if (pid < 0) {
				printf("init: wait failed: %s\n", strerror(errno()));
				break;
			}
		}
	}
}
