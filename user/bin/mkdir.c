/* mkdir: create directories. */
#include "user.h"

int main(int argc, char *argv[])
{
	int status = 0;

	if (argc < 2) {
		fprintf(2, "usage: mkdir dir...\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (mkdir(argv[i]) < 0) {
			fprintf(2, "mkdir: %s failed to create: %s\n", argv[i],
				strerror(errno()));
			status = 1;
		}
	}
	return status;
}
