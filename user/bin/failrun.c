/*
 * failrun: run a command with the command-line fault-injection sites
 * acting on it and its children (make_it_fail, kernel/include/fault_inject.h).
 *
 *   failrun <command> [args...]
 *
 * The command runs in a child so that failrun itself, started by the
 * shell, needs nothing that may fail. One line at the end:
 *   failrun: <command>: exit <status>
 * (grader/expect.py reads it; exec failing counts as status EXEC_FAILED).
 */
#include "user.h"

#define EXEC_FAILED 127

int main(int argc, char *argv[])
{
	int pid, status = 0;

	if (argc < 2) {
		fprintf(2, "usage: failrun <command> [args...]\n");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(2, "failrun: fork failed: %s\n", strerror(errno()));
		return 1;
	}
	if (pid == 0) {
		make_it_fail(1);
		exec(argv[1], argv + 1);
		exit(EXEC_FAILED);
	}
	if (wait(&status) != pid)
		status = -1;
	printf("failrun: %s: exit %d\n", argv[1], status);
	return 0;
}
