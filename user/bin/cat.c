/* cat: copy each named file (or stdin) to stdout. */
#include "user.h"

#define BUF_SIZE 512

static char buf[BUF_SIZE];

static int copy(int fd, const char *name)
{
	int n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(1, buf, n) != n) {
			fprintf(2, "cat: write error: %s\n", strerror(errno()));
			return -1;
		}
	}
	if (n < 0) {
		fprintf(2, "cat: read error on %s: %s\n", name, strerror(errno()));
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	int status = 0;

	if (argc <= 1)
		return copy(0, "stdin") < 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0) {
			fprintf(2, "cat: cannot open %s: %s\n", argv[i],
				strerror(errno()));
			status = 1;
			continue;
		}
		if (copy(fd, argv[i]) < 0)
			status = 1;
		close(fd);
	}
	return status;
}
