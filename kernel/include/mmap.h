#ifndef PAGODA_MMAP_H
#define PAGODA_MMAP_H
/*
 * Memory mappings of a process (kernel/mm/mmap.c): a sorted list of
 * virtual memory areas (VMAs) between the heap and the stack, faulted in
 * page by page on first touch.
 */
#include "types.h"
#include "fault.h"
#include "uapi/mman.h"
#include "asm/pgtable.h"

struct mm_struct;
struct file;
struct page;

enum vm_flags {
	VM_READ = 1 << 0,
	VM_WRITE = 1 << 1,
	VM_EXEC = 1 << 2,
	VM_SHARED = 1 << 3,   /* writes are seen by every mapper */
	VM_MAYWRITE = 1 << 4, /* the file allows writing */
	VM_PFNMAP = 1 << 5,   /* pfns without struct page, linear (lab mixedmap) */
	VM_MIXEDMAP = 1 << 6, /* pfns with and without struct page (lab mixedmap) */
};

/* Writes copy the page (Linux's rule: private, and writable one day). */
static inline bool is_cow_mapping(unsigned int vm_flags)
{
	return (vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

struct vm_area_struct;
struct vm_operations_struct {
	/* Install the pte for a fault at va (page aligned) in vma, perhaps
	 * read-only: the caller then handles a write with do_wp_page().
	 * 0 or a negative errno. NULL: every pte is made at mmap() time. */
	int (*fault)(struct vm_area_struct *vma, uint64_t va, enum fault_access access);
	/* A copy of a VMA was made (fork, or a split by munmap). NULL: no
	 * per-mapping state to count. */
	void (*open)(struct vm_area_struct *vma);
	/* The mapping is going away: write back, drop references. */
	void (*close)(struct vm_area_struct *vma);
};

struct vm_area_struct {
	uint64_t vm_start, vm_end;                 /* [start, end), page aligned */
	unsigned int vm_flags;                     /* enum vm_flags */
	uint64_t vm_pgoff;                         /* offset of vm_start in the file, in pages */
	struct file *vm_file;                      /* a reference, or NULL for anonymous memory */
	const struct vm_operations_struct *vm_ops; /* NULL for anonymous memory */
	struct vm_area_struct *vm_next;            /* the next higher VMA */
	struct mm_struct *vm_mm;                   /* the address space it belongs to */
};

/* At most this many VMAs per process; one more mapping fails with ENOMEM. */
#define MAX_VMAS 64

/* The VMA holding va, or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t va);
/* Does [start, end) meet any VMA? */
bool vma_overlaps(struct mm_struct *mm, uint64_t start, uint64_t end);
/*
 * mmap(): the address of the new mapping, or a negative errno: EINVAL for
 * a zero, unaligned or overflowing request or unknown bits, EBADF for a bad
 * fd, EACCES for protections the file does not allow, ENODEV for a kind of
 * mapping this kernel cannot make, ENOMEM when no room or no VMA is left.
 */
int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, int prot, int flags,
                struct file *file, uint64_t offset);
/* munmap(): 0, or -EINVAL for an unaligned or out-of-range request, -ENOMEM
 * if splitting a VMA needed one more than MAX_VMAS. Flushes the TLB. */
int do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len);
/* fork: copy every VMA and its pages of src into dst. 0 or -ENOMEM. */
int copy_vmas(struct mm_struct *dst, struct mm_struct *src);
/* exit and exec: close every VMA (the pages go with the page table). */
void exit_mmap(struct mm_struct *mm);
/* Fault in va if a VMA allows the access: 0, or -EFAULT. */
int vma_fault(struct mm_struct *mm, uint64_t va, enum fault_access access);

/* ---- pages of a mapping (kernel/mm/memory.c) ---- */
/* The pte bits of vma's pages with every access the VMA allows. */
pgprot_t vm_page_prot(const struct vm_area_struct *vma);
/* The bits a page gets when first faulted in: a COW mapping's writable
 * pages start read-only and marked _PAGE_COW. */
pgprot_t vm_fault_prot(const struct vm_area_struct *vma);
/*
 * The struct page a user pte of vma at va stands for, or NULL for a raw pfn
 * (seed 001): VM_MIXEDMAP: NULL exactly when the pfn has no struct page;
 * VM_PFNMAP: NULL when pfn == vm_pgoff + page offset (or the mapping is not
 * COW), else a COW copy, which is normal; otherwise always the page. Panics
 * if the answer contradicts the pte's _PAGE_SPECIAL bit.
 */
struct page *vm_normal_page(struct vm_area_struct *vma, uint64_t va, pte_t pte);
/*
 * Map pfn at va (page aligned) in a VM_MIXEDMAP vma with vm_fault_prot():
 * a pfn with a struct page gets a reference, one without a special pte.
 * 0, -EEXIST, -ENOMEM. No TLB flush (the pte was empty).
 */
int vm_insert_mixed(struct vm_area_struct *vma, uint64_t va, uint64_t pfn);
/*
 * Map size bytes of pfns from pfn at va in vma, raw: VM_PFNMAP, special
 * ptes, no reference taken, vm_pgoff set to the pfn at vm_start so that
 * vm_normal_page() can tell raw pfns from COW copies. Page aligned.
 * 0, -ENOMEM (the range is then unmapped again). No TLB flush.
 */
int remap_pfn_range(struct vm_area_struct *vma, uint64_t va, uint64_t pfn, uint64_t size);
/*
 * A write to the present, read-only pte at va in a writable vma: a shared
 * mapping's page becomes writable; a private one's is copied (from a pfn
 * with or without struct page) unless the process holds its only
 * reference. 0 or -ENOMEM. Flushes va from this hart's TLB.
 */
int do_wp_page(struct vm_area_struct *vma, uint64_t va, pte_t *ptep);
/* fork: give dst the ptes of src in vma, COW for private writable pages.
 * 0 or -ENOMEM (dst keeps a partial copy for exit_mmap()). */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma);
/* Clear every pte of vma in [start, end), drop the normal pages'
 * references, free emptied tables; flushes the TLB. */
void zap_vma_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);
/* Pages mapped in the user half of mm (its resident set). */
uint64_t mm_rss_pages(struct mm_struct *mm);
/* The operations of a mapping of a regular file. */
extern const struct vm_operations_struct file_vm_ops;
#endif
