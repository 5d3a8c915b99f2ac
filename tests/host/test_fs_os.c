/*
 * Host process control for test_fs.c, in its own file because the
 * kernel's proc.h (sleep, wait, fork, exit) clashes with <unistd.h> and
 * <sys/wait.h>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_FAILED 1
#define SIGNAL_STATUS_BASE 128   /* as the shell reports a signal */

/* Run child(arg) in a forked process, which must not return; its exit
 * status, or 128 + the signal that killed it. */
int host_run_forked(void (*child)(long), long arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(EXIT_FAILED);
	}
	if (pid == 0) {
		child(arg);
		_exit(EXIT_FAILED);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		exit(EXIT_FAILED);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return SIGNAL_STATUS_BASE + WTERMSIG(status);
}

/* End this process at once, without atexit handlers or stdio flushing. */
void host_exit_now(int status)
{
	_exit(status);
}
