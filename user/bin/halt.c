/* halt: power the machine off. */
#include "user.h"

int main(void)
{
	halt();
	fprintf(2, "halt: failed: %s\n", strerror(errno()));
	return 1;
}
