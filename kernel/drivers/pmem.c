/*
 * /dev/pmem0 (lab altmap): persistent memory on QEMU's ivshmem-plain PCI
 * device. The driver checks the device's info block, onlines the device's
 * memmap (on the device itself through a vmem_altmap, or in RAM, perhaps
 * as compound pages) and serves read, write and mmap of the data area.
 * The layout is drawn in kernel/include/pmem.h.
 */
#include "pmem.h"
#include "pci.h"
#include "device.h"
#include "file.h"
#include "io.h"
#include "mm.h"
#include "mmap.h"
#include "cmdline.h"
#include "sleeplock.h"
#include "printk.h"
#include "string.h"
#include "uaccess.h"
#include "uapi/errno.h"

#define FNV_OFFSET_BASIS  0xcbf29ce484222325UL
#define FNV_PRIME         0x100000001b3UL
#define COMPOUND_SHIFT_2M (PMD_SHIFT - PAGE_SHIFT)
#define COMPOUND_SHIFT_1G (PUD_SHIFT - PAGE_SHIFT)

static struct {
	struct pci_dev *pci;
	phys_addr_t pa;
	uint64_t size;
	void *va;              /* the whole BAR, ioremapped */
	struct pmem_info info; /* as accepted at boot */
	struct dev_pagemap pgmap;
	bool ready;            /* /dev/pmem0 works */
	int nr_mappings;       /* VMAs of /dev/pmem0, atomic */
	struct sleeplock lock; /* read, write, online, offline */
} pmem;

static enum pmem_map pmem_map_mode = PMEM_MAP_DEV;
static unsigned int pmem_align_shift; /* compound pages of 2^shift pages */
static const char *const map_names[] = {
    [PMEM_MAP_DEV] = "dev", [PMEM_MAP_RAM] = "ram", [PMEM_MAP_NONE] = "none"};

static int set_pmem_map(const char *v)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(map_names); i++)
		if (strcmp(v, map_names[i]) == 0) {
			pmem_map_mode = (enum pmem_map)i;
			return 0;
		}
	return -EINVAL;
}
early_param("pmem.map", set_pmem_map, "dev|ram|none: where the memmap of pmem lives");

static int set_pmem_align(const char *v)
{
	if (strcmp(v, "4k") == 0)
		pmem_align_shift = 0;
	else if (strcmp(v, "2m") == 0)
		pmem_align_shift = COMPOUND_SHIFT_2M;
	else if (strcmp(v, "1g") == 0)
		pmem_align_shift = COMPOUND_SHIFT_1G;
	else
		return -EINVAL;
	return 0;
}
early_param("pmem.align", set_pmem_align, "4k|2m|1g: size of pmem's (compound) pages");

static const char *align_name(unsigned int shift)
{
	return shift == COMPOUND_SHIFT_1G ? "1g" : shift == COMPOUND_SHIFT_2M ? "2m" : "4k";
}

/* ---- the info block ---------------------------------------------------- */

void pmem_layout(uint64_t dev_size, struct pmem_info *info)
{
	uint64_t nr_pages = dev_size >> PAGE_SHIFT;
	/* The memmap budget ends on 2 MiB, so 2 MiB memmap blocks fit. */
	uint64_t data =
	    ALIGN_UP(PFN_PHYS(PMEM_INFO_PAGES) + nr_pages * sizeof(struct page), PMD_SIZE) >>
	    PAGE_SHIFT;

	memset(info, 0, sizeof(*info));
	memcpy(info->magic, PMEM_INFO_MAGIC, sizeof(PMEM_INFO_MAGIC));
	info->dev_size = dev_size;
	info->reserve_pages = PMEM_INFO_PAGES;
	info->memmap_pages = data - PMEM_INFO_PAGES;
	info->data_pfn_offset = data;
}

static uint64_t info_checksum(const struct pmem_info *info)
{
	const uint8_t *p = (const uint8_t *)info;
	uint64_t h = FNV_OFFSET_BASIS;

	for (size_t i = 0; i < offsetof(struct pmem_info, checksum); i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static bool all_zero(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i])
			return false;
	return true;
}

/* Does the block on the device hold this layout? Says why not. */
static bool info_trusted(const struct pmem_info *on_dev, const struct pmem_info *want)
{
	uint64_t sum = info_checksum(on_dev);

	if (memcmp(on_dev->magic, PMEM_INFO_MAGIC, sizeof(PMEM_INFO_MAGIC)) != 0) {
		printf(
		    "pmem0: foreign info block (magic %02x %02x %02x %02x ...): device refused\n",
		    (uint8_t)on_dev->magic[0], (uint8_t)on_dev->magic[1], (uint8_t)on_dev->magic[2],
		    (uint8_t)on_dev->magic[3]);
		return false;
	}
	if (sum != on_dev->checksum) {
		printf("pmem0: corrupt info block (checksum 0x%lx, contents give 0x%lx): device "
		       "refused\n",
		       on_dev->checksum, sum);
		return false;
	}
	if (on_dev->dev_size != want->dev_size || on_dev->reserve_pages != want->reserve_pages ||
	    on_dev->memmap_pages != want->memmap_pages ||
	    on_dev->data_pfn_offset != want->data_pfn_offset) {
		printf("pmem0: info block describes a %lu MiB device with data at page %lu, this "
		       "one is %lu MiB with data at page %lu: device refused\n",
		       on_dev->dev_size >> 20, on_dev->data_pfn_offset, want->dev_size >> 20,
		       want->data_pfn_offset);
		return false;
	}
	return true;
}

/* Accept the device's block (or write one on a blank device). */
static bool pmem_check_info(void)
{
	struct pmem_info on_dev, want;

	pmem_layout(pmem.size, &want);
	memcpy(&on_dev, pmem.va, sizeof(on_dev));
	if (all_zero(pmem.va, PAGE_SIZE)) {
		printf("pmem0: blank device: info block written\n");
		on_dev = want;
	} else if (!info_trusted(&on_dev, &want)) {
		return false;
	}
	on_dev.nr_boots++;
	on_dev.checksum = info_checksum(&on_dev);
	memcpy(pmem.va, &on_dev, sizeof(on_dev));
	pmem.info = on_dev;
	printf("pmem0: info block valid: boot %lu, reserve %lu, memmap budget %lu, data at page "
	       "%lu (%lu pages)\n",
	       on_dev.nr_boots, on_dev.reserve_pages, on_dev.memmap_pages, on_dev.data_pfn_offset,
	       (pmem.size >> PAGE_SHIFT) - on_dev.data_pfn_offset);
	return true;
}

/* ---- the memmap -------------------------------------------------------- */

static uint64_t data_pfn(void)
{
	return PFN_DOWN(pmem.pa) + pmem.info.data_pfn_offset;
}

static uint64_t nr_data_pages(void)
{
	return (pmem.size >> PAGE_SHIFT) - pmem.info.data_pfn_offset;
}

static void pmem_fill_pgmap(struct dev_pagemap *pgmap)
{
	uint64_t base = PFN_DOWN(pmem.pa);

	*pgmap = (struct dev_pagemap){
	    .start = pmem.pa,
	    .size = pmem.size,
	    .flags = pmem_map_mode == PMEM_MAP_DEV ? PGMAP_ALTMAP_VALID : 0,
	    .altmap = {.base_pfn = base,
	               .end_pfn = base + (pmem.size >> PAGE_SHIFT),
	               .reserve = pmem.info.reserve_pages,
	               .free = pmem.info.memmap_pages},
	    .vmemmap_shift = pmem_align_shift,
	    .compound_pfn = ALIGN_UP(data_pfn(), 1UL << pmem_align_shift),
	};
}

static void report_online(const struct dev_pagemap *pgmap)
{
	const struct vmem_altmap *altmap = &pgmap->altmap;
	bool on_dev = pgmap->flags & PGMAP_ALTMAP_VALID;

	printf("pmem0: memmap online: map=%s align=%s: %lu pages on the device (altmap alloc %lu "
	       "align %lu), %lu in RAM, %lu table pages; RAM free pages down by %lu\n",
	       on_dev ? "dev" : "ram", align_name(pgmap->vmemmap_shift), on_dev ? altmap->alloc : 0,
	       on_dev ? altmap->alloc : 0, on_dev ? altmap->align : 0, pgmap->nr_memmap_ram_pages,
	       pgmap->nr_table_pages, pgmap->nr_ram_pages);
}

/* Online the memmap as the options ask; the device works without one. */
static int pmem_online_locked(void)
{
	int err;

	if (pmem_map_mode == PMEM_MAP_NONE || pmem.pgmap.online)
		return 0;
	pmem_fill_pgmap(&pmem.pgmap);
	err = memremap_pages(&pmem.pgmap);
	if (err == -ENOMEM && (pmem.pgmap.flags & PGMAP_ALTMAP_VALID)) {
		/* Without a working altmap (the lab's handout) RAM must do. */
		printf("pmem0: the device's memmap budget gave out (vmem_altmap): memmap in RAM\n");
		/* From now on: later onlines would only fail the same way. */
		pmem_map_mode = PMEM_MAP_RAM;
		pmem.pgmap.flags &= ~PGMAP_ALTMAP_VALID;
		err = memremap_pages(&pmem.pgmap);
	}
	if (err) {
		printf("pmem0: memmap not onlined (%s): pages stay raw pfns\n",
		       err == -EINVAL   ? "the device is not made of whole 128 MiB sections"
		       : err == -EBUSY  ? "its sections are in use"
		       : err == -ENOMEM ? "out of memory"
		                        : "this memory model cannot add memory");
		return err;
	}
	return 0;
}

int pmem_online(void)
{
	int err = -ENODEV;

	sleep_lock(&pmem.lock);
	if (pmem.ready && pmem_map_mode != PMEM_MAP_NONE)
		err = __atomic_load_n(&pmem.nr_mappings, __ATOMIC_ACQUIRE) ? -EBUSY
		                                                           : pmem_online_locked();
	sleep_unlock(&pmem.lock);
	return err;
}

int pmem_offline(void)
{
	int err = -ENODEV;

	sleep_lock(&pmem.lock);
	if (pmem.ready && pmem.pgmap.online)
		err = __atomic_load_n(&pmem.nr_mappings, __ATOMIC_ACQUIRE)
		          ? -EBUSY
		          : memunmap_pages(&pmem.pgmap);
	sleep_unlock(&pmem.lock);
	return err;
}

struct dev_pagemap *pmem_pgmap(void)
{
	return pmem.ready ? &pmem.pgmap : NULL;
}

/* ---- /dev/pmem0 -------------------------------------------------------- */

/* The bytes of the data area [f->off, f->off + n) that exist; locked. */
static int data_span(struct file *f, int n)
{
	uint64_t bytes = PFN_PHYS(nr_data_pages());

	if (!pmem.ready)
		return -ENODEV;
	if (n < 0)
		return -EINVAL;
	return f->off >= bytes ? 0 : (int)MIN((uint64_t)n, bytes - f->off);
}

static char *data_va(uint64_t off)
{
	return (char *)pmem.va + PFN_PHYS(pmem.info.data_pfn_offset) + off;
}

static int pmem_read(struct file *f, enum addr_space where, uint64_t dst, int n)
{
	int len;

	sleep_lock(&pmem.lock);
	if ((len = data_span(f, n)) > 0) {
		if (either_copyout(where, dst, data_va(f->off), len) < 0)
			len = -EFAULT;
		else
			f->off += len;
	}
	sleep_unlock(&pmem.lock);
	return len;
}

static int pmem_write(struct file *f, enum addr_space where, uint64_t src, int n)
{
	int len;

	sleep_lock(&pmem.lock);
	len = data_span(f, n);
	if (len == 0 && n > 0)
		len = -ENOSPC;
	if (len > 0) {
		if (either_copyin(data_va(f->off), where, src, len) < 0)
			len = -EFAULT;
		else
			f->off += len;
	}
	sleep_unlock(&pmem.lock);
	return len;
}

static int pmem_fault(struct vm_area_struct *vma, uint64_t va, enum fault_access access)
{
	return vm_insert_mixed(vma, va,
	                       data_pfn() + vma->vm_pgoff + ((va - vma->vm_start) >> PAGE_SHIFT));
}

static void pmem_vma_open(struct vm_area_struct *vma)
{
	__atomic_add_fetch(&pmem.nr_mappings, 1, __ATOMIC_ACQ_REL);
}

static void pmem_vma_close(struct vm_area_struct *vma)
{
	__atomic_sub_fetch(&pmem.nr_mappings, 1, __ATOMIC_ACQ_REL);
}

static const struct vm_operations_struct pmem_vm_ops = {
    .fault = pmem_fault, .open = pmem_vma_open, .close = pmem_vma_close};

/* The memmap cannot come or go under a mapping: its ptes would lie about
 * holding page references. The lock orders this against online/offline. */
static int pmem_mmap(struct file *f, struct vm_area_struct *vma)
{
	uint64_t pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
	int err = 0;

	sleep_lock(&pmem.lock);
	if (!pmem.ready)
		err = -ENODEV;
	else if (vma->vm_pgoff >= nr_data_pages() || pages > nr_data_pages() - vma->vm_pgoff)
		err = -ENXIO;
	if (!err) {
		vma->vm_flags |= VM_MIXEDMAP;
		vma->vm_ops = &pmem_vm_ops;
		pmem_vma_open(vma);
	}
	sleep_unlock(&pmem.lock);
	return err;
}

/* ---- boot -------------------------------------------------------------- */

/* The device's memory BAR, mapped for the kernel; false when unusable. */
static bool pmem_probe(void)
{
	struct pci_bar *bar;

	if (!(pmem.pci = pci_get_device(PMEM_VENDOR_ID, PMEM_DEVICE_ID, 0)))
		return false;
	bar = &pmem.pci->bar[PMEM_BAR];
	if (!bar->pa || bar->size < 2 * PMD_SIZE) {
		printf("pmem0: pci %02x:%02x.%x: BAR%d %s: device ignored\n", pmem.pci->bus,
		       pmem.pci->slot, pmem.pci->func, PMEM_BAR,
		       bar->pa ? "smaller than 4 MiB" : "not assigned");
		return false;
	}
	pmem.pa = bar->pa;
	pmem.size = bar->size;
	if (!(pmem.va = ioremap(pmem.pa, pmem.size))) {
		printf("pmem0: cannot map %lu MiB at 0x%lx: device ignored\n", pmem.size >> 20,
		       pmem.pa);
		return false;
	}
	printf("pmem0: %lu MiB at 0x%lx (pci %02x:%02x.%x BAR%d)\n", pmem.size >> 20, pmem.pa,
	       pmem.pci->bus, pmem.pci->slot, pmem.pci->func, PMEM_BAR);
	return true;
}

void pmem_init(void)
{
	sleep_lock_init(&pmem.lock, "pmem");
	devsw[PMEM_DEV] = (struct devsw){.read = pmem_read, .write = pmem_write, .mmap = pmem_mmap};
	if (!pmem_probe())
		return;
	if (!pmem_check_info())
		return;
	/* Raw pfns reach the kernel through the BAR mapping while offline. */
	if (devmem_register(PFN_DOWN(pmem.pa), pmem.size >> PAGE_SHIFT, pmem.va)) {
		printf("pmem0: device memory table full: device ignored\n");
		return;
	}
	pmem.ready = true;
	if (!pmem_online_locked() && pmem.pgmap.online)
		report_online(&pmem.pgmap);
}
