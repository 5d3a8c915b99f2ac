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
#include "asm/csr.h"
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

/* ---- the early page-table allocator (lab earlypgt) --------------------- */

/*
 * The boot buffer ("BRK", EARLY_PGT_BRK_PAGES in pgtable.h): tables for the
 * kernel image and for the first, 2 MiB step of the direct map, before any
 * RAM is mapped. The image needs a pud and a pmd table and one pte table per
 * 2 MiB it spans (4 for an image under 6 MiB); the first step needs at most
 * a pud, a pmd and a pte table. 16 pages leave room for a 20 MiB image.
 */
char early_pgt_brk[EARLY_PGT_BRK_PAGES * PAGE_SIZE] __section(".bss.pgtable")
	__aligned(PAGE_SIZE);

struct early_pgt early_pgt = { .lowest = ~(phys_addr_t)0 };

static __unused phys_addr_t brk_alloc(void)
{
	if (early_pgt.brk_used == EARLY_PGT_BRK_PAGES)
		return 0;
	return __pa(early_pgt_brk) + (phys_addr_t)early_pgt.brk_used++ * PAGE_SIZE;
}

/* A table page must be reachable when it is handed out: in the boot
 * buffer, or already in the live direct map. */
static bool reachable_now(phys_addr_t pa)
{
	uint64_t satp = csr_read_satp();
	pgd_t *live = satp == make_satp(__pa(swapper_pg_dir)) ? swapper_pg_dir : NULL;

	if (in_early_pgt_brk(pa))
		return true;
	if (!live)   /* still on the boot tables: only their window is mapped */
		return pa >= early_dm_start && pa + PAGE_SIZE <= early_dm_end;
	return walk(live, (uint64_t)__va(pa), NULL) != NULL;
}

static phys_addr_t early_pgt_policy(void);

/* Every early table goes through here: the policy picks, this checks. */
static phys_addr_t early_table_alloc(struct pgtable_alloc *a)
{
	phys_addr_t pa = early_pgt_policy();

	if (!pa)
		return 0;
	if (!reachable_now(pa))
		panic("early_table_alloc: table page 0x%lx is not mapped yet", pa);
	memset(pt_virt(pa), 0, PAGE_SIZE);
	early_pgt.lowest = MIN(early_pgt.lowest, pa);
	early_pgt.highest = MAX(early_pgt.highest, pa);
	return pa;
}

static void early_table_free(struct pgtable_alloc *a, phys_addr_t pa)
{
	/* Boot-buffer pages stay with the image; RAM goes back to memblock. */
	if (!in_early_pgt_brk(pa) && memblock_phys_free(pa, PAGE_SIZE))
		panic("early_table_free: memblock is full freeing 0x%lx", pa);
}

struct pgtable_alloc early_pgtable_alloc = { .alloc = early_table_alloc,
					     .free = early_table_free };

static void map_or_panic(uint64_t va, phys_addr_t pa, uint64_t size, pgprot_t prot,
			 enum pt_level max_leaf, const char *what)
{
	int err = map_range_leaf(swapper_pg_dir, va, pa, size, prot,
				 &early_pgtable_alloc, max_leaf);
	if (err)
		panic("init_mem_mapping: mapping %s at 0x%lx+0x%lx failed (%d)", what, pa, size,
		      err);
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

/* Map the RAM inside [start, end) into the direct map; returns its bytes. */
static uint64_t map_ram_in(phys_addr_t start, phys_addr_t end)
{
	phys_addr_t s, e;
	uint64_t mapped = 0;

	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &s, &e))
			continue;
		s = MAX(s, start);
		e = MIN(e, end);
		if (s >= e)
			continue;
		map_or_panic(PAGE_OFFSET + s, s, e - s, PAGE_KERNEL, direct_map_max_leaf,
			     "direct map");
		mapped += e - s;
	}
	return mapped;
}

#if SOLUTION(earlypgt)
/* The step grows 32-fold whenever a step mapped more than all before it. */
#define STEP_GROWTH_SHIFT 5

/* Tables come from RAM the direct map already covers; the boot buffer is
 * only for what must be mapped before any RAM is (image, first step). */
static phys_addr_t early_pgt_policy(void)
{
	phys_addr_t pa = memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, early_pgt.min_mapped,
						   early_pgt.max_mapped);
	if (pa) {
		early_pgt.memblock_used++;
		return pa;
	}
	return brk_alloc();
}

/* The end of the highest direct-mapped RAM below addr (0 if none). */
static phys_addr_t ram_end_below(phys_addr_t addr)
{
	phys_addr_t s, e, best = 0;

	for (int i = 0; i < memblock.memory.cnt; i++)
		if (direct_map_range(i, &s, &e) && s < addr)
			best = MAX(best, MIN(e, addr));
	return best;
}

/*
 * Top-down: the highest free 2 MiB first (its tables from the boot buffer),
 * then downward in steps that grow as mapped memory grows, so the tables of
 * each step fit in the RAM mapped before it. Holes are skipped.
 */
static void map_direct_map(void)
{
	phys_addr_t bottom = memblock_start_of_DRAM(), top = memblock_end_of_DRAM();
	phys_addr_t real_end = memblock_find_in_range(PMD_SIZE, PMD_SIZE, bottom, top) + PMD_SIZE;
	phys_addr_t last_start = real_end;
	uint64_t step = PMD_SIZE, mapped = 0;

	if (real_end == PMD_SIZE)
		panic("map_direct_map: no free, aligned 2 MiB of RAM to start from");
	early_pgt.min_mapped = early_pgt.max_mapped = real_end;
	while ((last_start = ram_end_below(last_start)) > bottom) {
		phys_addr_t start = last_start > bottom + step ?
			MAX(ALIGN_DOWN(last_start - 1, step), bottom) : bottom;
		uint64_t new_mapped = map_ram_in(start, last_start);
		early_pgt.min_mapped = start;
		last_start = start;
		early_pgt.steps++;
		if (new_mapped > mapped)
			step <<= STEP_GROWTH_SHIFT;
		mapped += new_mapped;
	}
	if (real_end < top)
		map_ram_in(real_end, top);
	early_pgt.min_mapped = bottom;
	early_pgt.max_mapped = top;
}

/* A pmd table of 512 contiguous 2 MiB leaves with one set of bits. */
static bool pmd_table_is_one_leaf(const uint64_t *pmd)
{
	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++)
		if (!entry_leaf(pmd[i]) || entry_prot(pmd[i]) != entry_prot(pmd[0]) ||
		    entry_pfn(pmd[i]) != entry_pfn(pmd[0]) + i * (PMD_SIZE >> PAGE_SHIFT))
			return false;
	return true;
}

/*
 * The steps cut the top GiB into pieces, so it was mapped with 2 MiB
 * leaves; where mapsize allows, fold each such pmd table into one 1 GiB
 * leaf and free it, leaving the minimum of tables.
 */
static void collapse_direct_map(void)
{
	phys_addr_t start, end;

	if (direct_map_max_leaf < PT_LEVEL_PUD)
		return;
	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &start, &end))
			continue;
		for (phys_addr_t pa = ALIGN_UP(start, PUD_SIZE); pa + PUD_SIZE <= end; pa += PUD_SIZE) {
			pud_t *pud = pud_offset(pgd_offset_pgd(swapper_pg_dir, PAGE_OFFSET + pa),
						PAGE_OFFSET + pa);
			if (pud_leaf(*pud) || !pmd_table_is_one_leaf(table_va(pud->pud)))
				continue;
			phys_addr_t table = PFN_PHYS(entry_pfn(pud->pud));
			set_pud(pud, (pud_t){ pfn_entry(PFN_DOWN(pa), PAGE_KERNEL) });
			local_flush_tlb_all();
			early_pgtable_alloc.free(&early_pgtable_alloc, table);
			early_pgtable_alloc.nr_tables--;
		}
	}
}

/* The direct map is built in the live page table: switch to it first. */
static void build_direct_map(void)
{
	map_kernel_image();
	csr_write_satp(make_satp(__pa(swapper_pg_dir)));
	local_flush_tlb_all();
	map_direct_map();
	collapse_direct_map();
}
#else
/*
 * Lab earlypgt: the handout maps the old way. It computes the table space
 * for everything up front, reserves it in one block inside the boot
 * tables' 1 GiB window, and maps bottom-up while still on the boot tables.
 * It works, but it must guess high: the report shows what it wasted.
 * Replace build_direct_map() and early_pgt_policy() with the top-down
 * mapper of handouts/earlypgt.md.
 */
static phys_addr_t block_next, block_end;

static phys_addr_t early_pgt_policy(void)
{
	if (block_next < block_end) {
		early_pgt.memblock_used++;
		block_next += PAGE_SIZE;
		return block_next - PAGE_SIZE;
	}
	phys_addr_t pa = memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, early_dm_start,
						   early_dm_end);
	early_pgt.memblock_used += pa != 0;
	return pa;
}

/* Tables of one level that [start, end) may need: one per span touched. */
static uint64_t tables_for(phys_addr_t start, phys_addr_t end, enum pt_level level)
{
	uint64_t span = LEVEL_SIZE(level + 1);

	return (ALIGN_UP(end, span) - ALIGN_DOWN(start, span)) / span;
}

/* Worst case for every range at every level up to mapsize, plus the image. */
static uint64_t all_table_space(void)
{
	phys_addr_t start, end;
	uint64_t pages = 2 + tables_for(__pa(_start_image), __pa(_end), PT_LEVEL_PTE);

	for (int i = 0; i < memblock.memory.cnt; i++) {
		if (!direct_map_range(i, &start, &end))
			continue;
		for (int l = PT_LEVEL_PTE; l <= PT_LEVEL_PUD; l++)
			pages += tables_for(start, end, l);
	}
	return pages;
}

static void build_direct_map(void)
{
	uint64_t pages = all_table_space();
	phys_addr_t block = memblock_phys_alloc_range(pages * PAGE_SIZE, PAGE_SIZE,
						      early_dm_start, early_dm_end);
	phys_addr_t s, e;

	if (!block)
		panic("build_direct_map: no %lu KiB block for the page tables", pages << 2);
	early_pgt.reserved_up_front = pages;
	block_next = block;
	block_end = block + pages * PAGE_SIZE;
	map_kernel_image();
	for (int i = 0; i < memblock.memory.cnt; i++)
		if (direct_map_range(i, &s, &e))
			map_ram_in(s, e);
	if (block_end > block_next && memblock_phys_free(block_next, block_end - block_next))
		panic("build_direct_map: memblock is full");
	printf("earlypgt: fallback reserved %lu table pages up front, used %lu, "
	       "%lu over-reserved\n", pages, (block_next - block) >> PAGE_SHIFT,
	       (block_end - block_next) >> PAGE_SHIFT);
	block_end = block_next;
	csr_write_satp(make_satp(__pa(swapper_pg_dir)));
	local_flush_tlb_all();
}
#endif /* SOLUTION(earlypgt) */

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

	/* Kernel image and direct map, in swapper_pg_dir, which goes live. */
	build_direct_map();
	early_pgt.brk_direct_map = early_pgt.brk_used;
	early_pgt.memblock_direct_map = early_pgt.memblock_used;
	/* The kernel half's pud tables, shared by every address space. */
	preallocate_kernel_puds();
	count_direct_map_leaves(leaves);
	printf("paging: Sv48, mapsize=%s, direct map leaves: %lu x 1G, %lu x 2M, %lu x 4K; "
	       "%lu early table pages\n", mapsize_names[direct_map_max_leaf],
	       leaves[PT_LEVEL_PUD], leaves[PT_LEVEL_PMD], leaves[PT_LEVEL_PTE],
	       early_pgtable_alloc.nr_tables);
	map_range_report();
	/* Every page was checked by early_table_alloc() when handed out. */
	printf("earlypgt: image and direct map: brk %u/%u pages, memblock %lu pages, %u steps; "
	       "early tables 0x%lx-0x%lx, each mapped when allocated\n", early_pgt.brk_direct_map,
	       EARLY_PGT_BRK_PAGES, early_pgt.memblock_direct_map, early_pgt.steps, early_pgt.lowest,
	       early_pgt.highest + PAGE_SIZE);
}
