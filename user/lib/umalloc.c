/*
 * malloc/free: a first-fit allocator over a circular free list kept in
 * address order, in the style of K&R's. Memory comes from sbrk() in
 * chunks of at least MIN_GROW_UNITS so small allocations do not each cost
 * a system call; freed blocks are merged with free neighbours.
 */
#include "user.h"

/* Every block starts with a header; its size is counted in headers, and
 * the union makes the header (and so every block) 16-byte aligned. */
union header {
	struct {
		union header *next;   /* next free block (free list only) */
		uint64 units;         /* block size in headers, header included */
	} h;
	char align[16];
};
typedef union header header_t;

#define MIN_GROW_UNITS 4096   /* ask sbrk for at least 64 KiB at a time */
#define MAX_UNITS ((uint64)0x7fffffff / sizeof(header_t))

static header_t base;          /* zero-sized block that anchors the list */
static header_t *freep;        /* where the last search stopped */

void free(void *ap)
{
	header_t *bp, *p;

	if (ap == 0)
		return;
	bp = (header_t *)ap - 1;
	/* Find p with p < bp < p->next, allowing for the wrap at the end. */
	for (p = freep; !(bp > p && bp < p->h.next); p = p->h.next)
		if (p >= p->h.next && (bp > p || bp < p->h.next))
			break;
	if (bp + bp->h.units == p->h.next) {
		bp->h.units += p->h.next->h.units;
		bp->h.next = p->h.next->h.next;
	} else {
		bp->h.next = p->h.next;
	}
	if (p + p->h.units == bp) {
		p->h.units += bp->h.units;
		p->h.next = bp->h.next;
	} else {
		p->h.next = bp;
	}
	freep = p;
}

/* Grow the heap by at least units headers; return the free list or 0. */
static header_t *morecore(uint64 units)
{
	char *mem;
	header_t *hp;

	if (units < MIN_GROW_UNITS)
		units = MIN_GROW_UNITS;
	mem = sbrk((int)(units * sizeof(header_t)));
	if (mem == (char *)-1)
		return 0;
	hp = (header_t *)mem;
	hp->h.units = units;
	free(hp + 1);
	return freep;
}

void *malloc(uint nbytes)
{
	header_t *p, *prev;
	uint64 units = ((uint64)nbytes + sizeof(header_t) - 1) / sizeof(header_t) + 1;

	/* sbrk takes an int: larger requests cannot be satisfied. */
	if (units > MAX_UNITS)
		return 0;
	if ((prev = freep) == 0) {
		base.h.next = freep = prev = &base;
		base.h.units = 0;
	}
	for (p = prev->h.next;; prev = p, p = p->h.next) {
		if (p->h.units >= units) {
			if (p->h.units == units) {
				prev->h.next = p->h.next;
			} else {
				/* Hand out the tail so the list link stays put. */
				p->h.units -= units;
				p += p->h.units;
				p->h.units = units;
			}
			freep = prev;
			return p + 1;
		}
		if (p == freep && (p = morecore(units)) == 0)
			return 0;
	}
}
