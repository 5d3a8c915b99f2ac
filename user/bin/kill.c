/* kill: kill the processes whose pids are given. */
#include "user.h"

int main(int argc, char *argv[])
{
	int status = 0;

	if (argc < 2) {
		fprintf(2, "usage: kill pid...\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (kill(atoi(argv[i])) < 0) {
			fprintf(2, "kill: %s: %s\n", argv[i], strerror(errno()));
			status = 1;
		}
	}
	return status;
}
