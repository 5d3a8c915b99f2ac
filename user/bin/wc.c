/* wc: count lines, words and bytes of each file (or stdin). */
#include "user.h"

#define BUF_SIZE 512

static char buf[BUF_SIZE];

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

static int count(int fd, const char *name)
{
	int lines = 0, words = 0, bytes = 0;
	int in_word = 0;
	int n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bytes += n;
		for (int i = 0; i < n; i++) {
			if (buf[i] == '\n')
				lines++;
			if (is_space(buf[i])) {
				in_word = 0;
			} else if (!in_word) {
				words++;
				in_word = 1;
			}
		}
	}
	if (n < 0) {
		fprintf(2, "wc: read error on %s: %s\n", name, strerror(errno()));
		return -1;
	}
	printf("%d %d %d %s\n", lines, words, bytes, name);
	return 0;
}

int main(int argc, char *argv[])
{
	int status = 0;

	if (argc <= 1)
		return count(0, "") < 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0) {
			fprintf(2, "wc: cannot open %s: %s\n", argv[i],
				strerror(errno()));
			status = 1;
			continue;
		}
		if (count(fd, argv[i]) < 0)
			status = 1;
		close(fd);
	}
	return status;
}
