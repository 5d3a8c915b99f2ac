/* ln: make a second name (hard link) for a file. */
#include "user.h"

int main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(2, "usage: ln old new\n");
		return 1;
	}
	if (link(argv[1], argv[2]) < 0) {
		fprintf(2, "ln: link %s %s failed: %s\n", argv[1], argv[2],
			strerror(errno()));
		return 1;
	}
	return 0;
}
