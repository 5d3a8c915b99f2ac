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

struct mm_struct;
struct file;

enum vm_flags {
	VM_READ = 1 << 0,
	VM_WRITE = 1 << 1,
	VM_EXEC = 1 << 2,
	VM_SHARED = 1 << 3,   /* writes are seen by every mapper */
	VM_MAYWRITE = 1 << 4, /* the file allows writing */
	VM_PFNMAP = 1 << 5,   /* pfns without struct page, linear (lab mixedmap) */
	VM_MIXEDMAP = 1 << 6, /* pfns with and without struct page (lab mixedmap) */
};

struct vm_area_struct;
struct vm_operations_struct {
	/* Install the pte for a fault at va (page aligned) in vma. 0 or -errno. */
	int (*fault)(struct vm_area_struct *vma, uint64_t va, enum fault_access access);
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
#endif
