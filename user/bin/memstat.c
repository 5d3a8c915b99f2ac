/* memstat: print the kernel's page counts, one "name: value" per line. */
#include "user.h"

int main(void)
{
	struct memstat ms;

	if (memstat(&ms) < 0) {
		fprintf(2, "memstat: failed: %s\n", strerror(errno()));
		return 1;
	}
	printf("total_pages: %lu\n", ms.total_pages);
	printf("free_pages: %lu\n", ms.free_pages);
	printf("used_pages: %lu\n", ms.used_pages);
	printf("reserved_pages: %lu\n", ms.reserved_pages);
	printf("ram_pages: %lu\n", ms.ram_pages);
	printf("pgtable_pages: %lu\n", ms.pgtable_pages);
	printf("rss_pages: %lu\n", ms.rss_pages);
	printf("pagecache_pages: %lu\n", ms.pagecache_pages);
	printf("devmem_pages: %lu\n", ms.devmem_pages);
	return 0;
}
