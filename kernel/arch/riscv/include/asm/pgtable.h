#ifndef PAGODA_ASM_PGTABLE_H
#define PAGODA_ASM_PGTABLE_H
/*
 * Sv48 page-table format (RISC-V privileged spec, 4.3 and 4.5).
 *
 *  47      39 38      30 29      21 20      12 11         0
 * +----------+----------+----------+----------+------------+
 * | pgd idx  | pud idx  | pmd idx  | pte idx  | page offset|
 * +----------+----------+----------+----------+------------+
 *   level 3    level 2    level 1    level 0
 *
 * Every count and shift below derives from PGTABLE_LEVELS, PAGE_SHIFT and
 * PTE_INDEX_BITS.
 */

#define PAGE_SHIFT       12
#define PAGE_SIZE        (1UL << PAGE_SHIFT)
#define PAGE_MASK        (~(PAGE_SIZE - 1))
#define PTE_INDEX_BITS   9                   /* 512 eight-byte entries per table */
#define PTRS_PER_TABLE   (1UL << PTE_INDEX_BITS)
#define PGTABLE_LEVELS   4                   /* Sv48 */
#define VA_BITS          (PAGE_SHIFT + PTE_INDEX_BITS * PGTABLE_LEVELS)

/* Level 0 is the pte level, PGTABLE_LEVELS - 1 the pgd level. */
#define LEVEL_SHIFT(level) (PAGE_SHIFT + PTE_INDEX_BITS * (level))
#define LEVEL_SIZE(level)  (1UL << LEVEL_SHIFT(level))
#define LEVEL_MASK(level)  (~(LEVEL_SIZE(level) - 1))

enum pt_level {
	PT_LEVEL_PTE = 0,
	PT_LEVEL_PMD = 1,
	PT_LEVEL_PUD = 2,
	PT_LEVEL_PGD = PGTABLE_LEVELS - 1,
};

#define PMD_SHIFT   LEVEL_SHIFT(PT_LEVEL_PMD)
#define PUD_SHIFT   LEVEL_SHIFT(PT_LEVEL_PUD)
#define PGDIR_SHIFT LEVEL_SHIFT(PT_LEVEL_PGD)
#define PMD_SIZE    LEVEL_SIZE(PT_LEVEL_PMD)
#define PUD_SIZE    LEVEL_SIZE(PT_LEVEL_PUD)
#define PGDIR_SIZE  LEVEL_SIZE(PT_LEVEL_PGD)
#define PMD_MASK    LEVEL_MASK(PT_LEVEL_PMD)
#define PUD_MASK    LEVEL_MASK(PT_LEVEL_PUD)
#define PGDIR_MASK  LEVEL_MASK(PT_LEVEL_PGD)

/* Virtual addresses are sign-extended from bit VA_BITS - 1: the upper half
 * (the kernel's) starts here. */
#define KERNEL_HALF_START (~0UL << (VA_BITS - 1))

/* PTE bits. */
#define _PAGE_PRESENT   (1UL << 0)  /* V */
#define _PAGE_READ      (1UL << 1)
#define _PAGE_WRITE     (1UL << 2)
#define _PAGE_EXEC      (1UL << 3)
#define _PAGE_USER      (1UL << 4)
#define _PAGE_GLOBAL    (1UL << 5)
#define _PAGE_ACCESSED  (1UL << 6)
#define _PAGE_DIRTY     (1UL << 7)
#define _PAGE_SOFT0     (1UL << 8)  /* RSW: free for software */
#define _PAGE_SOFT1     (1UL << 9)
#define _PAGE_SPECIAL   _PAGE_SOFT0 /* pfn without a normal struct page */
#define _PAGE_COW       _PAGE_SOFT1 /* write-protected for copy-on-write */
#define _PAGE_LEAF      (_PAGE_READ | _PAGE_WRITE | _PAGE_EXEC)
#define _PAGE_PFN_SHIFT 10
#define _PAGE_PFN_BITS  44
#define _PAGE_FLAGS_MASK ((1UL << _PAGE_PFN_SHIFT) - 1)

/*
 * A and D are set up front: QEMU would set them on first use, real harts may
 * fault instead; the kernel does not use them for reclaim.
 */
#define _PAGE_BASE      (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_KERNEL     (_PAGE_BASE | _PAGE_READ | _PAGE_WRITE | _PAGE_GLOBAL)
#define PAGE_KERNEL_RO  (_PAGE_BASE | _PAGE_READ | _PAGE_GLOBAL)
#define PAGE_KERNEL_EXEC (_PAGE_BASE | _PAGE_READ | _PAGE_EXEC | _PAGE_GLOBAL)
#define PAGE_KERNEL_RWX (PAGE_KERNEL | _PAGE_EXEC)
#define PAGE_USER_RO    (_PAGE_BASE | _PAGE_USER | _PAGE_READ)
#define PAGE_USER_RW    (PAGE_USER_RO | _PAGE_WRITE)
#define PAGE_USER_RX    (PAGE_USER_RO | _PAGE_EXEC)
/* A pointer to the next-level table: V set, R/W/X clear. */
#define _PAGE_TABLE     _PAGE_PRESENT

#ifndef __ASSEMBLER__
#include "types.h"

typedef uint64_t pgprot_t;
/* One entry type per level, as in Linux, so levels cannot be mixed up. */
typedef struct { uint64_t pte; } pte_t;
typedef struct { uint64_t pmd; } pmd_t;
typedef struct { uint64_t pud; } pud_t;
typedef struct { uint64_t pgd; } pgd_t;

/* The canonical (sign-extended) form of a VA_BITS-bit address. */
static inline uint64_t va_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << (64 - VA_BITS)) >> (64 - VA_BITS));
}

static inline uint64_t pt_index(uint64_t va, enum pt_level level)
{
	return (va >> LEVEL_SHIFT(level)) & (PTRS_PER_TABLE - 1);
}

/* Raw entry helpers shared by every level. */
static inline uint64_t entry_pfn(uint64_t e)
{
	return (e >> _PAGE_PFN_SHIFT) & ((1UL << _PAGE_PFN_BITS) - 1);
}
static inline uint64_t pfn_entry(uint64_t pfn, pgprot_t prot)
{
	return (pfn << _PAGE_PFN_SHIFT) | prot;
}
static inline bool entry_none(uint64_t e) { return e == 0; }
static inline bool entry_present(uint64_t e) { return e & _PAGE_PRESENT; }
static inline bool entry_leaf(uint64_t e)
{
	return (e & _PAGE_PRESENT) && (e & _PAGE_LEAF);
}
static inline pgprot_t entry_prot(uint64_t e) { return e & _PAGE_FLAGS_MASK; }

#endif /* __ASSEMBLER__ */
#endif
