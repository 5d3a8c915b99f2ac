/*
 * vmalloc / ioremap: a first-fit table of kernel virtual areas. Each area
 * ends with one unmapped guard page. Mappings go into swapper_pg_dir below
 * pud tables preallocated at boot, so every address space sees them.
 */
#include "vmalloc.h"
#include "pgtable.h"
#include "memlayout.h"
#include "spinlock.h"
#include "printk.h"
#include "io.h"

#define VM_AREAS_MAX 256

struct vm_area {
	uint64_t va;
	uint64_t size;   /* guard page included */
};

static struct {
	struct spinlock lock;
	int nr;
	struct vm_area area[VM_AREAS_MAX];   /* sorted by va */
} vmap = { .lock = { .name = "vmap" } };

uint64_t get_vm_area_aligned(uint64_t size, uint64_t align)
{
	uint64_t want = ALIGN_UP(size, PAGE_SIZE) + PAGE_SIZE;
	uint64_t va = VMALLOC_START, found = 0;
	int i;

	spin_lock(&vmap.lock);
	for (i = 0; i <= vmap.nr && vmap.nr < VM_AREAS_MAX; i++) {
		uint64_t next = i < vmap.nr ? vmap.area[i].va : VMALLOC_END;
		va = ALIGN_UP(va, align);
		if (va < next && next - va >= want) {
			found = va;
			break;
		}
		if (i < vmap.nr)
			va = vmap.area[i].va + vmap.area[i].size;
	}
	if (found) {
		for (int j = vmap.nr; j > i; j--)
			vmap.area[j] = vmap.area[j - 1];
		vmap.area[i] = (struct vm_area){ found, want };
		vmap.nr++;
	}
	spin_unlock(&vmap.lock);
	return found;
}

uint64_t get_vm_area(uint64_t size)
{
	return get_vm_area_aligned(size, PAGE_SIZE);
}

void free_vm_area(uint64_t va)
{
	spin_lock(&vmap.lock);
	for (int i = 0; i < vmap.nr; i++) {
		if (vmap.area[i].va != va)
			continue;
		for (int j = i; j + 1 < vmap.nr; j++)
			vmap.area[j] = vmap.area[j + 1];
		vmap.nr--;
		spin_unlock(&vmap.lock);
		return;
	}
	panic("free_vm_area: 0x%lx is not an area", va);
}

bool vmalloc_guard_hit(uint64_t va)
{
	bool in_area = false;

	spin_lock(&vmap.lock);
	for (int i = 0; i < vmap.nr; i++)
		if (va >= vmap.area[i].va && va < vmap.area[i].va + vmap.area[i].size)
			in_area = true;
	spin_unlock(&vmap.lock);
	return in_area && !walk(swapper_pg_dir, ALIGN_DOWN(va, PAGE_SIZE), NULL);
}

/* Changes to the kernel half after boot, under kernel_pgtable_lock. */
static int kernel_map(uint64_t va, phys_addr_t pa, uint64_t size)
{
	int err;

	spin_lock(&kernel_pgtable_lock);
	err = map_range(swapper_pg_dir, va, pa, size, PAGE_KERNEL, &pgtable_page_alloc);
	spin_unlock(&kernel_pgtable_lock);
	return err;
}

static void kernel_unmap(uint64_t va, uint64_t size, enum unmap_flags flags)
{
	spin_lock(&kernel_pgtable_lock);
	unmap_range(swapper_pg_dir, va, size, &pgtable_page_alloc, flags);
	spin_unlock(&kernel_pgtable_lock);
}

/* The largest leaf a mapping of [pa, pa + len) can use throughout: a 1 GiB
 * device BAR then costs no page-table page at all. */
static uint64_t leaf_align(phys_addr_t pa, uint64_t len)
{
	for (int l = PT_LEVEL_PUD; l > PT_LEVEL_PTE; l--)
		if (IS_ALIGNED(pa | len, LEVEL_SIZE(l)))
			return LEVEL_SIZE(l);
	return PAGE_SIZE;
}

void *ioremap(phys_addr_t pa, size_t size)
{
	phys_addr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	uint64_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	uint64_t va = get_vm_area_aligned(len, leaf_align(base, len));

	if (!va)
		return NULL;
	if (kernel_map(va, base, len)) {
		free_vm_area(va);
		return NULL;
	}
	return (void *)(va + (pa - base));
}

void iounmap(void *addr, size_t size)
{
	uint64_t va = ALIGN_DOWN((uint64_t)addr, PAGE_SIZE);
	uint64_t len = ALIGN_UP((uint64_t)addr + size, PAGE_SIZE) - va;

	kernel_unmap(va, len, UNMAP_KEEP_PAGES);
	free_vm_area(va);
}

/* The guard page goes below the stack: place the area one page higher. */
uint64_t alloc_kernel_stack(unsigned int nr_pages)
{
	uint64_t area = get_vm_area((uint64_t)nr_pages * PAGE_SIZE + PAGE_SIZE);
	uint64_t base = area + PAGE_SIZE;
	unsigned int i;

	if (!area)
		return 0;
	for (i = 0; i < nr_pages; i++) {
		struct page *page = alloc_page(GFP_KERNEL);
		if (!page)
			goto fail;
		if (kernel_map(base + i * PAGE_SIZE, page_to_phys(page), PAGE_SIZE)) {
			put_page(page);
			goto fail;
		}
	}
	return base;
fail:
	kernel_unmap(base, (uint64_t)i * PAGE_SIZE, UNMAP_FREE_PAGES);
	free_vm_area(area);
	return 0;
}
