/*
 * Boot-time memory set-up: memblock from the device tree, and the kernel
 * page table (kernel image + direct map of all RAM).
 */
#include "init.h"
#include "pgtable.h"
#include "memblock.h"
#include "fdt.h"
#include "early.h"
#include "cmdline.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

static pgd_t swapper_pg_dir_page[PTRS_PER_TABLE] __section(".bss.pgtable") __aligned(PAGE_SIZE);
pgd_t *swapper_pg_dir = swapper_pg_dir_page;
enum pt_level direct_map_max_leaf = PT_LEVEL_PUD;

extern char _start_image[], _etext[], _erodata[], _end[];

static int set_mapsize(const char *v)
{
	if (strcmp(v, "1g") == 0)
		direct_map_max_leaf = PT_LEVEL_PUD;
	else if (strcmp(v, "2m") == 0)
		direct_map_max_leaf = PT_LEVEL_PMD;
	else if (strcmp(v, "4k") == 0)
		direct_map_max_leaf = PT_LEVEL_PTE;
	else
		return -EINVAL;
	return 0;
}
early_param("mapsize", set_mapsize, "1g|2m|4k");

static void reserve_or_panic(phys_addr_t base, uint64_t size, const char *what)
{
	if (memblock_reserve(base, size))
		panic("memblock_init_from_platform: too many regions reserving %s", what);
}

void memblock_init_from_platform(const struct platform *plat)
{
	for (int i = 0; i < plat->nr_mem; i++)
		if (memblock_add(plat->mem[i].base, plat->mem[i].size))
			panic("memblock_init_from_platform: too many memory banks");
	if (memblock_end_of_DRAM() > MAX_PHYS_ADDR) {
		printf("memblock: RAM above the %d-bit physical limit (0x%lx) is ignored\n",
		       MAX_PHYSMEM_BITS, MAX_PHYS_ADDR);
		memblock_cap_memory(MAX_PHYS_ADDR);
	}
	for (int i = 0; i < plat->nr_reserved; i++) {
		const struct fdt_reserved *r = &plat->reserved[i];
		reserve_or_panic(r->base, r->size, r->name);
		if (r->nomap && memblock_mark_nomap(r->base, r->size))
			panic("memblock_init_from_platform: too many regions (nomap %s)", r->name);
	}
	reserve_or_panic(__pa(_start_image), (uint64_t)(_end - _start_image), "kernel image");
	/* Nothing below the first page: pa 0 means "no memory" to memblock. */
	reserve_or_panic(0, PAGE_SIZE, "page 0");
}

/* Early tables come from RAM inside the window the boot tables map. */
static phys_addr_t early_table_alloc(struct pgtable_alloc *a)
{
	phys_addr_t pa = memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE,
						   early_dm_start, early_dm_end);
	if (pa)
		memset(__va(pa), 0, PAGE_SIZE);
	return pa;
}

struct pgtable_alloc early_pgtable_alloc = { .alloc = early_table_alloc };

static void map_or_panic(uint64_t va, phys_addr_t pa, uint64_t size, pgprot_t prot,
			 enum pt_level max_leaf, const char *what)
{
	int err = map_range_leaf(swapper_pg_dir, va, pa, size, prot,
				 &early_pgtable_alloc, max_leaf);
	if (err)
		panic("init_mem_mapping: mapping %s failed (%d)", what, err);
}

/* Text R-X, rodata R--, data and bss RW-. */
static void map_kernel_image(void)
{
	uint64_t text = (uint64_t)_start_image, rodata = (uint64_t)_etext;
	uint64_t data = (uint64_t)_erodata, end = ALIGN_UP((uint64_t)_end, PAGE_SIZE);

	map_or_panic(text, __pa(_start_image), rodata - text, PAGE_KERNEL_EXEC, PT_LEVEL_PMD, "text");
	map_or_panic(rodata, __pa(_etext), data - rodata, PAGE_KERNEL_RO, PT_LEVEL_PMD, "rodata");
	map_or_panic(data, __pa(_erodata), end - data, PAGE_KERNEL, PT_LEVEL_PMD, "data");
}

bool direct_map_range(int i, phys_addr_t *start, phys_addr_t *end)
{
	struct memblock_region *r = &memblock.memory.regions[i];

	*start = ALIGN_UP(r->base, PAGE_SIZE);
	*end = ALIGN_DOWN(r->base + r->size, PAGE_SIZE);
	return !(r->flags & MEMBLOCK_NOMAP) && *start < *end;
}

static void map_direct_map(void)
{
	phys_addr_t start, end;

	for (int i = 0; i < memblock.memory.cnt; i++)
		if (direct_map_range(i, &start, &end))
			map_or_panic(PAGE_OFFSET + start, start, end - start, PAGE_KERNEL,
				     direct_map_max_leaf, "direct map");
}

/*
 * Every address space copies the kernel's pgd entries, so the pud tables
 * under them are allocated now and never change: later kernel mappings
 * (vmalloc, vmemmap, device memory) appear in every process at once.
 */
static void preallocate_kernel_puds(void)
{
	static const struct { uint64_t start, end; } regions[] = {
		{ PAGE_OFFSET, DIRECT_MAP_END },
		{ VMEMMAP_START, VMEMMAP_END },
		{ VMALLOC_START, VMALLOC_END },
		{ KERNEL_VIRT_START, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		uint64_t va = regions[i].start;
		do {
			pgd_t *pgd = pgd_offset_pgd(swapper_pg_dir, va);
			if (pgd_none(*pgd)) {
				phys_addr_t pa = early_pgtable_alloc.alloc(&early_pgtable_alloc);
				if (!pa)
					panic("preallocate_kernel_puds: out of early memory");
				early_pgtable_alloc.nr_tables++;
				pgd_populate(pgd, pa);
			}
			va += PGDIR_SIZE;
		} while (va != regions[i].end && va > regions[i].start);
	}
}

/* Count the direct map's leaves by size: what the mapper really chose. */
static void count_direct_map_leaves(uint64_t counts[PGTABLE_LEVELS])
{
	phys_addr_t start, end;

	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &start, &end))
			continue;
		for (uint64_t va = PAGE_OFFSET + start; va < PAGE_OFFSET + end;) {
			enum pt_level level = PT_LEVEL_PTE;
			if (walk(swapper_pg_dir, va, &level))
				counts[level]++;
			va = ALIGN_DOWN(va, LEVEL_SIZE(level)) + LEVEL_SIZE(level);
		}
	}
}

static const char *const mapsize_names[] = {
	[PT_LEVEL_PTE] = "4k", [PT_LEVEL_PMD] = "2m", [PT_LEVEL_PUD] = "1g",
};

void init_mem_mapping(void)
{
	uint64_t leaves[PGTABLE_LEVELS] = { 0 };

	/* The image first: it must stay reachable once satp switches. */
	map_kernel_image();
	map_direct_map();
	preallocate_kernel_puds();
	csr_write_satp(make_satp(__pa(swapper_pg_dir)));
	local_flush_tlb_all();
	count_direct_map_leaves(leaves);
	printf("paging: Sv48, mapsize=%s, direct map leaves: %lu x 1G, %lu x 2M, %lu x 4K; "
	       "%lu early table pages\n", mapsize_names[direct_map_max_leaf],
	       leaves[PT_LEVEL_PUD], leaves[PT_LEVEL_PMD], leaves[PT_LEVEL_PTE],
	       early_pgtable_alloc.nr_tables);
}
