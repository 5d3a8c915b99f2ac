#ifndef PAGODA_PGTABLE_H
#define PAGODA_PGTABLE_H
/*
 * Sv48 page tables, Linux style: per-level entry helpers, per-level populate
 * functions, and map_range/unmap_range/walk built on them
 * (kernel/mm/pgtable.c). Table pages come from a struct pgtable_alloc the
 * caller passes down: early boot, the page allocator, or device memory.
 */
#include "types.h"
#include "asm/pgtable.h"
#include "asm/csr.h"
#include "mm.h"
#include "spinlock.h"

struct pgtable_alloc {
	/* Return the physical address of a zeroed table page that is already
	 * reachable through the direct map, or 0 when none is left. */
	phys_addr_t (*alloc)(struct pgtable_alloc *a);
	/* Give a table page back; NULL when tables are never freed. */
	void (*free)(struct pgtable_alloc *a, phys_addr_t pa);
	uint64_t nr_tables;   /* live tables obtained through this allocator */
	void *priv;
};
/* Tables from the page allocator (after boot). */
extern struct pgtable_alloc pgtable_page_alloc;
/* Tables at boot, before the page allocator (kernel/mm/init.c). */
extern struct pgtable_alloc early_pgtable_alloc;

/* ---- entry helpers, one set per level -------------------------------- */
/*
 * Where the kernel reads and writes a table page. Tables live in the direct
 * map, except the boot buffer of lab earlypgt (kernel/mm/init.c): it sits in
 * the kernel image and is used before the direct map exists, so it is
 * reached through the image mapping.
 */
#define EARLY_PGT_BRK_PAGES 16
extern char early_pgt_brk[EARLY_PGT_BRK_PAGES * PAGE_SIZE];
static inline bool in_early_pgt_brk(phys_addr_t pa)
{
	return pa - __pa(early_pgt_brk) < sizeof(early_pgt_brk);
}
static inline void *pt_virt(phys_addr_t pa)
{
	if (in_early_pgt_brk(pa))
		return (void *)(pa + kernel_va_pa_offset);
	return __va(pa);
}
static inline uint64_t *table_va(uint64_t entry) { return pt_virt(PFN_PHYS(entry_pfn(entry))); }

static inline pgd_t *pgd_offset_pgd(pgd_t *pgd, uint64_t va) { return pgd + pt_index(va, PT_LEVEL_PGD); }
static inline pud_t *pud_offset(pgd_t *pgd, uint64_t va)
{
	return (pud_t *)table_va(pgd->pgd) + pt_index(va, PT_LEVEL_PUD);
}
static inline pmd_t *pmd_offset(pud_t *pud, uint64_t va)
{
	return (pmd_t *)table_va(pud->pud) + pt_index(va, PT_LEVEL_PMD);
}
static inline pte_t *pte_offset(pmd_t *pmd, uint64_t va)
{
	return (pte_t *)table_va(pmd->pmd) + pt_index(va, PT_LEVEL_PTE);
}

static inline bool pgd_none(pgd_t e) { return entry_none(e.pgd); }
static inline bool pud_none(pud_t e) { return entry_none(e.pud); }
static inline bool pmd_none(pmd_t e) { return entry_none(e.pmd); }
static inline bool pte_none(pte_t e) { return entry_none(e.pte); }
static inline bool pgd_leaf(pgd_t e) { return entry_leaf(e.pgd); }
static inline bool pud_leaf(pud_t e) { return entry_leaf(e.pud); }
static inline bool pmd_leaf(pmd_t e) { return entry_leaf(e.pmd); }
static inline bool pte_present(pte_t e) { return entry_present(e.pte); }

/* Point an empty entry at a next-level table. */
static inline void pgd_populate(pgd_t *e, phys_addr_t table_pa) { WRITE_ONCE(e->pgd, pfn_entry(PFN_DOWN(table_pa), _PAGE_TABLE)); }
static inline void pud_populate(pud_t *e, phys_addr_t table_pa) { WRITE_ONCE(e->pud, pfn_entry(PFN_DOWN(table_pa), _PAGE_TABLE)); }
static inline void pmd_populate(pmd_t *e, phys_addr_t table_pa) { WRITE_ONCE(e->pmd, pfn_entry(PFN_DOWN(table_pa), _PAGE_TABLE)); }

static inline pte_t pfn_pte(uint64_t pfn, pgprot_t prot) { return (pte_t){ pfn_entry(pfn, prot) }; }
static inline uint64_t pte_pfn(pte_t e) { return entry_pfn(e.pte); }
static inline void set_pte(pte_t *e, pte_t v) { WRITE_ONCE(e->pte, v.pte); }
static inline void set_pmd(pmd_t *e, pmd_t v) { WRITE_ONCE(e->pmd, v.pmd); }
static inline void set_pud(pud_t *e, pud_t v) { WRITE_ONCE(e->pud, v.pud); }

/* ---- populate: find the entry; if empty, allocate and install a table --- */
/* Each returns the next-level entry for va, or NULL when the allocator is
 * empty or the entry is already a leaf. No TLB flush is needed: only empty
 * entries change. */
pud_t *pud_alloc(pgd_t *pgd, uint64_t va, struct pgtable_alloc *a);
pmd_t *pmd_alloc(pud_t *pud, uint64_t va, struct pgtable_alloc *a);
pte_t *pte_alloc(pmd_t *pmd, uint64_t va, struct pgtable_alloc *a);

/*
 * Map [va, va+size) to [pa, pa+size) with prot, using the largest leaf
 * (up to max_leaf) that alignment and the remaining size allow. va, pa and
 * size must be page aligned. Returns 0, -EEXIST if any page is already
 * mapped, -ENOMEM when the allocator runs dry; on error nothing of the
 * range stays mapped. No TLB flush (only empty entries change).
 */
int map_range_leaf(pgd_t *pgd, uint64_t va, phys_addr_t pa, uint64_t size,
		   pgprot_t prot, struct pgtable_alloc *a, enum pt_level max_leaf);
static inline int map_range(pgd_t *pgd, uint64_t va, phys_addr_t pa, uint64_t size,
			    pgprot_t prot, struct pgtable_alloc *a)
{
	return map_range_leaf(pgd, va, pa, size, prot, a, PT_LEVEL_PUD);
}

/*
 * Map every 4 KiB page of [va, va+size) to the one page at block_pa (all
 * page aligned): the vmemmap tail-page reuse of lab altmap. Each pte takes
 * a reference on block's struct page when it has one, which
 * unmap_range(UNMAP_FREE_PAGES) drops. Returns 0, -EEXIST if a page is
 * already mapped, -ENOMEM; on error nothing of the range stays mapped.
 * No TLB flush (only empty entries change).
 */
int populate_with_block(pgd_t *pgd, uint64_t va, uint64_t size, phys_addr_t block_pa,
			pgprot_t prot, struct pgtable_alloc *a);

/* Say at boot when the handout's 4 KiB fallback mapper is in use, with the
 * table pages it cost (lab pgtable); silent once map_range is written. */
void map_range_report(void);

enum unmap_flags {
	UNMAP_KEEP_PAGES = 0,
	UNMAP_FREE_PAGES = 1 << 0,   /* put_page() every normal page unmapped */
	UNMAP_NO_FLUSH = 1 << 1,     /* the page table is live on no hart */
};
/*
 * Remove every mapping in [va, va+size) (page aligned); a huge leaf that
 * is only partly inside is split first. Table pages left empty are freed
 * through a (pud tables of the kernel half are shared and never freed).
 * Flushes the range from every hart's TLB unless UNMAP_NO_FLUSH.
 * Returns 0, or -ENOMEM if a split needed a table and none was left
 * (the range is then partly unmapped).
 */
int unmap_range(pgd_t *pgd, uint64_t va, uint64_t size,
		struct pgtable_alloc *a, enum unmap_flags flags);

/* The leaf entry mapping va and its level, or NULL if va is unmapped. */
pte_t *walk(pgd_t *pgd, uint64_t va, enum pt_level *level);

/*
 * Call fn on every leaf entry that maps part of [start, end) (page aligned;
 * va is the leaf's first address), lowest first, skipping absent tables
 * without visiting their addresses. Stops at fn's first non-zero return
 * and returns it, else 0. fn may rewrite or clear the entry it is given
 * (the caller then flushes the TLB), never the tables themselves.
 */
typedef int (*leaf_fn)(uint64_t *entry, uint64_t va, enum pt_level level, void *arg);
int walk_leaves(pgd_t *pgd, uint64_t start, uint64_t end, leaf_fn fn, void *arg);

/* Free every table below the user half of pgd, and pgd itself. */
void free_pgd_user(pgd_t *pgd, struct pgtable_alloc *a);

/* The kernel's page table, shared (kernel half) by every address space. */
extern pgd_t *swapper_pg_dir;
/* Held while the kernel half changes after boot (vmalloc, ioremap) and
 * while it is walked by the dump, so no table vanishes under a reader. */
extern struct spinlock kernel_pgtable_lock;
uint64_t nr_pgtable_pages(void);
#endif
