/*
 * /dev/mixmem and /dev/pfnmem (uapi/mixmem.h), the devices of lab mixedmap.
 *
 * Device memory without struct page is made from RAM: with the `mixmem`
 * option the top memory section of RAM leaves memblock before the memmap
 * is built, so no model (flat, sparse, vmemmap) gives its pfns a struct
 * page and the direct map does not cover them. The kernel reaches the part
 * it uses through ioremap(), registered with pfn_to_kaddr().
 *
 * /dev/mixmem interleaves that memory with RAM pages of the driver's own:
 * even pages have a struct page, odd ones do not (VM_MIXEDMAP).
 * /dev/pfnmem maps a contiguous RAM buffer raw (VM_PFNMAP).
 */
#include "mixmem.h"
#include "device.h"
#include "memblock.h"
#include "memremap.h"
#include "mmap.h"
#include "mm.h"
#include "io.h"
#include "cmdline.h"
#include "sparse.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

#define MIXMEM_DEV_PAGES (MIXMEM_NR_PAGES / 2) /* the odd pages */
#define MIXMEM_RAM_PAGES (MIXMEM_NR_PAGES / 2) /* the even pages */
#define PFNMEM_ORDER     4
_Static_assert(PFNMEM_NR_PAGES == 1 << PFNMEM_ORDER, "pfnmem is one buddy block");
#define SECTION_BYTES (1UL << SECTION_SIZE_BITS)

static struct {
	bool wanted;        /* the `mixmem` option */
	phys_addr_t dev_pa; /* the carve-out: [dev_pa, dev_end) */
	phys_addr_t dev_end;
	void *dev_va;                       /* its first MIXMEM_DEV_PAGES, ioremapped */
	struct page *ram[MIXMEM_RAM_PAGES]; /* /dev/mixmem's even pages */
	struct page *pfnmem;                /* /dev/pfnmem's buffer */
} mixmem;

static int set_mixmem(const char *value)
{
	if (*value)
		return -EINVAL;
	mixmem.wanted = true;
	return 0;
}
early_param("mixmem", set_mixmem, "no value: make /dev/mixmem and /dev/pfnmem");

/* Is [base, end) inside one region of RAM? */
static bool is_ram(phys_addr_t base, phys_addr_t end)
{
	for (int i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		if (r->base <= base && end <= r->base + r->size)
			return !(r->flags & MEMBLOCK_NOMAP);
	}
	return false;
}

void mixmem_reserve(void)
{
	phys_addr_t end = memblock_end_of_DRAM(), base = ALIGN_DOWN(end - 1, SECTION_BYTES);

	if (!mixmem.wanted)
		return;
	if (base <= memblock_start_of_DRAM() || !is_ram(base, end) ||
	    end - base < MIXMEM_DEV_PAGES * PAGE_SIZE) {
		printf("mixmem: not made: the top %lu MiB section of RAM [0x%lx, 0x%lx) must be "
		       "RAM throughout, above a first section\n",
		       SECTION_BYTES >> 20, base, end);
		mixmem.wanted = false;
		return;
	}
	memblock_cap_memory(base);
	mixmem.dev_pa = base;
	mixmem.dev_end = end;
	printf("mixmem: device memory [0x%lx, 0x%lx) taken out of RAM: %lu KiB without "
	       "struct page\n",
	       base, end, (end - base) >> 10);
}

/* The pfn behind page slot of /dev/mixmem. */
static uint64_t mixmem_pfn(uint64_t slot)
{
	if (slot % 2 == 0)
		return page_to_pfn(mixmem.ram[slot / 2]);
	return PFN_DOWN(mixmem.dev_pa) + slot / 2;
}

static int mixmem_fault(struct vm_area_struct *vma, uint64_t va, enum fault_access access)
{
	return vm_insert_mixed(vma, va,
	                       mixmem_pfn(vma->vm_pgoff + ((va - vma->vm_start) >> PAGE_SHIFT)));
}

static const struct vm_operations_struct mixmem_vm_ops = {.fault = mixmem_fault};
/* No fault handler: remap_pfn_range() made every pte at mmap() time. */
static const struct vm_operations_struct pfnmem_vm_ops = {.fault = NULL};

/* Does vma fit in a device of nr_pages? */
static bool in_device(const struct vm_area_struct *vma, uint64_t nr_pages)
{
	uint64_t pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;

	return vma->vm_pgoff < nr_pages && pages <= nr_pages - vma->vm_pgoff;
}

static int mixmem_mmap(struct file *f, struct vm_area_struct *vma)
{
	if (!in_device(vma, MIXMEM_NR_PAGES))
		return -ENXIO;
	vma->vm_flags |= VM_MIXEDMAP;
	vma->vm_ops = &mixmem_vm_ops;
	return 0;
}

static int pfnmem_mmap(struct file *f, struct vm_area_struct *vma)
{
	if (!in_device(vma, PFNMEM_NR_PAGES))
		return -ENXIO;
	vma->vm_ops = &pfnmem_vm_ops;
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(mixmem.pfnmem) + vma->vm_pgoff,
	                       vma->vm_end - vma->vm_start);
}

static int take_ram_pages(void)
{
	for (int i = 0; i < MIXMEM_RAM_PAGES; i++)
		if (!(mixmem.ram[i] = alloc_page(__GFP_ZERO)))
			return -ENOMEM;
	mixmem.pfnmem = alloc_pages(__GFP_ZERO, PFNMEM_ORDER);
	return mixmem.pfnmem ? 0 : -ENOMEM;
}

static void give_back_ram_pages(void)
{
	for (int i = 0; i < MIXMEM_RAM_PAGES && mixmem.ram[i]; i++)
		put_page(mixmem.ram[i]);
	if (mixmem.pfnmem)
		__free_pages(mixmem.pfnmem, PFNMEM_ORDER);
}

void mixmem_init(void)
{
	uint64_t bytes = MIXMEM_DEV_PAGES * PAGE_SIZE;

	if (!mixmem.wanted)
		return;
	if (take_ram_pages())
		goto fail_pages;
	if (!(mixmem.dev_va = ioremap(mixmem.dev_pa, bytes)))
		goto fail_pages;
	/* Whatever the firmware left there (the boot device tree, maybe). */
	memset(mixmem.dev_va, 0, bytes);
	if (devmem_register(PFN_DOWN(mixmem.dev_pa), MIXMEM_DEV_PAGES, mixmem.dev_va))
		goto fail_unmap;
	devsw[MIXMEM_DEV].mmap = mixmem_mmap;
	devsw[PFNMEM_DEV].mmap = pfnmem_mmap;
	printf("mixmem: %s %d pages (%d RAM, %d device at pfn 0x%lx), %s %d RAM pages at "
	       "pfn 0x%lx\n",
	       MIXMEM_PATH, MIXMEM_NR_PAGES, MIXMEM_RAM_PAGES, MIXMEM_DEV_PAGES,
	       PFN_DOWN(mixmem.dev_pa), PFNMEM_PATH, PFNMEM_NR_PAGES, page_to_pfn(mixmem.pfnmem));
	return;
fail_unmap:
	iounmap(mixmem.dev_va, bytes);
fail_pages:
	give_back_ram_pages();
	printf("mixmem: not made: out of memory\n");
}
