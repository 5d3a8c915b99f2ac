/*
 * memblock: sorted, non-overlapping region arrays for RAM and reservations.
 * Every operation keeps both arrays sorted by base with touching regions of
 * equal flags merged, so iteration can walk them in one pass.
 */
#include "memblock.h"
#include "mm.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

struct memblock memblock = {
	.memory = { .name = "memory" },
	.reserved = { .name = "reserved" },
};
phys_addr_t memblock_limit = ~(phys_addr_t)0;

static void remove_region(struct memblock_type *t, int i)
{
	memmove(&t->regions[i], &t->regions[i + 1],
		(t->cnt - i - 1) * sizeof(t->regions[0]));
	t->cnt--;
}

static int insert_region(struct memblock_type *t, int i, phys_addr_t base,
			 uint64_t size, enum memblock_flags flags)
{
	if (t->cnt == MEMBLOCK_MAX_REGIONS)
		return -ENOMEM;
	memmove(&t->regions[i + 1], &t->regions[i],
		(t->cnt - i) * sizeof(t->regions[0]));
	t->regions[i] = (struct memblock_region){ base, size, flags };
	t->cnt++;
	return 0;
}

/* Merge neighbours that touch and share flags. */
static void merge_regions(struct memblock_type *t)
{
	int i = 0;

	while (i + 1 < t->cnt) {
		struct memblock_region *a = &t->regions[i], *b = &t->regions[i + 1];
		if (a->base + a->size >= b->base && a->flags == b->flags) {
			uint64_t end = MAX(a->base + a->size, b->base + b->size);
			a->size = end - a->base;
			remove_region(t, i + 1);
		} else {
			i++;
		}
	}
}

/* Add [base, base+size) filling only the gaps between existing regions. */
static int add_range(struct memblock_type *t, phys_addr_t base, uint64_t size)
{
	phys_addr_t end = base + size;
	int i, err;

	if (size == 0)
		return 0;
	if (end < base)
		end = ~(phys_addr_t)0;
	for (i = 0; i < t->cnt && base < end; i++) {
		struct memblock_region *r = &t->regions[i];
		phys_addr_t rend = r->base + r->size;
		if (rend <= base)
			continue;
		if (r->base > base) {
			phys_addr_t gap_end = MIN(r->base, end);
			err = insert_region(t, i, base, gap_end - base, MEMBLOCK_NONE);
			if (err)
				return err;
			i++;
		}
		base = MAX(base, rend);
	}
	if (base < end) {
		err = insert_region(t, t->cnt, base, end - base, MEMBLOCK_NONE);
		if (err)
			return err;
	}
	merge_regions(t);
	return 0;
}

int memblock_add(phys_addr_t base, uint64_t size)
{
	return add_range(&memblock.memory, base, size);
}

int memblock_reserve(phys_addr_t base, uint64_t size)
{
	return add_range(&memblock.reserved, base, size);
}

/* Split regions so that base and end fall on region boundaries. */
static int isolate_range(struct memblock_type *t, phys_addr_t base, phys_addr_t end)
{
	for (int i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		phys_addr_t cut = 0;
		if (r->base < base && base < r->base + r->size)
			cut = base;
		else if (r->base < end && end < r->base + r->size)
			cut = end;
		if (cut) {
			int err = insert_region(t, i + 1, cut, r->base + r->size - cut, r->flags);
			if (err)
				return err;
			t->regions[i].size = cut - t->regions[i].base;
		}
	}
	return 0;
}

int memblock_mark_nomap(phys_addr_t base, uint64_t size)
{
	struct memblock_type *t = &memblock.memory;
	int err = isolate_range(t, base, base + size);

	if (err)
		return err;
	for (int i = 0; i < t->cnt; i++)
		if (t->regions[i].base >= base &&
		    t->regions[i].base + t->regions[i].size <= base + size)
			t->regions[i].flags |= MEMBLOCK_NOMAP;
	merge_regions(t);
	return 0;
}

void memblock_cap_memory(phys_addr_t max_addr)
{
	struct memblock_type *t = &memblock.memory;

	for (int i = t->cnt - 1; i >= 0; i--) {
		struct memblock_region *r = &t->regions[i];
		if (r->base >= max_addr)
			remove_region(t, i);
		else if (r->base + r->size > max_addr)
			r->size = max_addr - r->base;
	}
}

/*
 * Iterator state: low 32 bits index memory regions, high 32 bits index the
 * gaps between reserved regions (gap k ends where reserved region k starts).
 */
bool memblock_next_free(uint64_t *it, phys_addr_t *start, phys_addr_t *end)
{
	struct memblock_type *mem = &memblock.memory, *res = &memblock.reserved;
	uint32_t mi = (uint32_t)*it, ri = (uint32_t)(*it >> 32);

	while (mi < (uint32_t)mem->cnt && ri <= (uint32_t)res->cnt) {
		struct memblock_region *m = &mem->regions[mi];
		phys_addr_t gap_start = ri ? res->regions[ri - 1].base + res->regions[ri - 1].size : 0;
		phys_addr_t gap_end = ri < (uint32_t)res->cnt ? res->regions[ri].base : ~(phys_addr_t)0;
		phys_addr_t s = MAX(m->base, gap_start), e = MIN(m->base + m->size, gap_end);
		bool nomap = m->flags & MEMBLOCK_NOMAP;

		/* Advance whichever of the two ends first. */
		if (m->base + m->size <= gap_end)
			mi++;
		else
			ri++;
		if (s < e && !nomap) {
			*it = (uint64_t)mi | (uint64_t)ri << 32;
			*start = s;
			*end = e;
			return true;
		}
	}
	*it = (uint64_t)mi | (uint64_t)ri << 32;
	return false;
}

phys_addr_t memblock_find_in_range(uint64_t size, uint64_t align, phys_addr_t start,
				   phys_addr_t end)
{
	phys_addr_t s, e, found = 0;
	uint64_t it = 0;

	if (size == 0)
		return 0;
	while (memblock_next_free(&it, &s, &e)) {
		s = MAX(s, start);
		e = MIN(e, end);
		if (s >= e || e - s < size)
			continue;
		phys_addr_t cand = ALIGN_DOWN(e - size, align);
		if (cand >= s && cand > found)
			found = cand;
	}
	return found;
}

phys_addr_t memblock_phys_alloc_range(uint64_t size, uint64_t align,
				      phys_addr_t start, phys_addr_t end)
{
	phys_addr_t found = memblock_find_in_range(size, align, start, end);

	if (found && memblock_reserve(found, size))
		return 0;
	return found;
}

int memblock_phys_free(phys_addr_t base, uint64_t size)
{
	struct memblock_type *t = &memblock.reserved;
	int err = isolate_range(t, base, base + size);

	if (err)
		return err;
	for (int i = t->cnt - 1; i >= 0; i--)
		if (t->regions[i].base >= base &&
		    t->regions[i].base + t->regions[i].size <= base + size)
			remove_region(t, i);
	return 0;
}

void *memblock_alloc(uint64_t size, uint64_t align)
{
	phys_addr_t pa = memblock_phys_alloc_range(size, align, PAGE_SIZE, memblock_limit);
	void *va;

	if (!pa)
		return NULL;
	va = __va(pa);
	memset(va, 0, size);
	return va;
}

phys_addr_t memblock_start_of_DRAM(void)
{
	return memblock.memory.cnt ? memblock.memory.regions[0].base : 0;
}

phys_addr_t memblock_end_of_DRAM(void)
{
	struct memblock_type *t = &memblock.memory;

	return t->cnt ? t->regions[t->cnt - 1].base + t->regions[t->cnt - 1].size : 0;
}

static uint64_t type_size(const struct memblock_type *t)
{
	uint64_t total = 0;

	for (int i = 0; i < t->cnt; i++)
		total += t->regions[i].size;
	return total;
}

uint64_t memblock_phys_mem_size(void)
{
	return type_size(&memblock.memory);
}

uint64_t memblock_reserved_size(void)
{
	return type_size(&memblock.reserved);
}

static void dump_type(const struct memblock_type *t)
{
	printf("memblock: %s: %d regions, %lu KiB\n", t->name, t->cnt, type_size(t) >> 10);
	for (int i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		printf("memblock:   [0x%lx-0x%lx]%s\n", r->base, r->base + r->size - 1,
		       (r->flags & MEMBLOCK_NOMAP) ? " nomap" : "");
	}
}

void memblock_dump(void)
{
	dump_type(&memblock.memory);
	dump_type(&memblock.reserved);
}
