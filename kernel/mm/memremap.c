/*
 * Kernel mappings of device memory (memremap.h). The table is filled at
 * boot by drivers and only read afterwards, so readers take no lock.
 */
#include "memremap.h"
#include "mm.h"
#include "spinlock.h"
#include "uapi/errno.h"

struct devmem_range {
	uint64_t pfn, nr_pages;
	void *va;
};

static struct devmem_range devmem[MAX_DEVMEM_RANGES];
static int nr_devmem;
static struct spinlock devmem_lock = {.name = "devmem"};

int devmem_register(uint64_t pfn, uint64_t nr_pages, void *va)
{
	int err = -ENOMEM;

	spin_lock(&devmem_lock);
	if (nr_devmem < MAX_DEVMEM_RANGES) {
		devmem[nr_devmem] = (struct devmem_range){pfn, nr_pages, va};
		/* Publish the entry before the count that makes it visible. */
		__atomic_store_n(&nr_devmem, nr_devmem + 1, __ATOMIC_RELEASE);
		err = 0;
	}
	spin_unlock(&devmem_lock);
	return err;
}

uint64_t nr_devmem_pages(void)
{
	uint64_t n = 0;

	for (int i = 0; i < __atomic_load_n(&nr_devmem, __ATOMIC_ACQUIRE); i++)
		n += devmem[i].nr_pages;
	return n;
}

void *pfn_to_kaddr(uint64_t pfn)
{
	if (pfn_valid(pfn))
		return __va(PFN_PHYS(pfn));
	for (int i = 0; i < __atomic_load_n(&nr_devmem, __ATOMIC_ACQUIRE); i++)
		if (pfn - devmem[i].pfn < devmem[i].nr_pages)
			return (char *)devmem[i].va + PFN_PHYS(pfn - devmem[i].pfn);
	return NULL;
}
