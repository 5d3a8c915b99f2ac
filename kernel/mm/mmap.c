/*
 * mmap and munmap: per-process virtual memory areas (VMAs), kept sorted and
 * merged, between the top of the heap and USER_MMAP_TOP, and faulted in one
 * page at a time on first touch. The base kernel maps anonymous private
 * memory; lab mixedmap adds shared, file and device mappings and COW.
 */
#include "mmap.h"
#include "vm.h"
#include "proc.h"
#include "file.h"
#include "fs.h"
#include "device.h"
#include "syscall.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"
#include "uapi/pageinfo.h"
#include "uapi/stat.h"
#include "uaccess.h"

#define PROT_ALL  (PROT_READ | PROT_WRITE | PROT_EXEC)
#define MAP_KNOWN (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t va)
{
	for (struct vm_area_struct *v = mm->mmap; v && v->vm_start <= va; v = v->vm_next)
		if (va < v->vm_end)
			return v;
	return NULL;
}

bool vma_overlaps(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	for (struct vm_area_struct *v = mm->mmap; v && v->vm_start < end; v = v->vm_next)
		if (start < v->vm_end)
			return true;
	return false;
}

/* The lowest address a mapping may take: above the heap as it is now. */
static uint64_t mmap_floor(struct mm_struct *mm)
{
	return ALIGN_UP(mm->brk, PAGE_SIZE) + PAGE_SIZE; /* a guard page */
}

/* The highest free range of len bytes, or 0 when none fits. */
static uint64_t get_unmapped_area(struct mm_struct *mm, uint64_t len)
{
	uint64_t gap_start = mmap_floor(mm), best = 0;

	for (struct vm_area_struct *v = mm->mmap;; v = v->vm_next) {
		uint64_t gap_end = v ? v->vm_start : USER_MMAP_TOP;
		if (gap_end > gap_start && gap_end - gap_start >= len)
			best = gap_end - len;
		if (!v)
			return best;
		gap_start = MAX(gap_start, v->vm_end);
	}
}

/* Neighbours that can become one VMA: anonymous, same bits, touching. */
static bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_flags == b->vm_flags && !a->vm_file &&
	       !b->vm_file && !a->vm_ops && !b->vm_ops;
}

static void free_vma(struct mm_struct *mm, struct vm_area_struct *v)
{
	if (v->vm_file)
		fileclose(v->vm_file);
	kfree(v);
	mm->nr_vmas--;
}

/* a takes in the VMA after it when the two match. */
static void absorb_next(struct mm_struct *mm, struct vm_area_struct *a)
{
	struct vm_area_struct *next = a->vm_next;

	if (!next || !can_merge(a, next))
		return;
	a->vm_end = next->vm_end;
	a->vm_next = next->vm_next;
	free_vma(mm, next);
}

/* Link v in address order and merge it with matching neighbours (v may be
 * freed into the VMA before it). */
static void insert_vma(struct mm_struct *mm, struct vm_area_struct *v)
{
	struct vm_area_struct **link = &mm->mmap, *prev = NULL;

	while (*link && (*link)->vm_start < v->vm_start) {
		prev = *link;
		link = &prev->vm_next;
	}
	v->vm_next = *link;
	*link = v;
	absorb_next(mm, v);
	if (prev)
		absorb_next(mm, prev);
}

static struct vm_area_struct *alloc_vma(struct mm_struct *mm)
{
	struct vm_area_struct *v;

	if (mm->nr_vmas >= MAX_VMAS || !(v = kzalloc(sizeof(*v))))
		return NULL;
	mm->nr_vmas++;
	v->vm_mm = mm;
	return v;
}

static unsigned int vm_flags_of(int prot, int flags)
{
	/* A private mapping may always be written: writes never reach the file. */
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0) |
	       ((flags & MAP_SHARED) ? VM_SHARED : VM_MAYWRITE);
}

/* The request itself: sizes, alignment and bits (no state consulted). */
static int check_mmap_args(uint64_t addr, uint64_t len, int prot, int flags, uint64_t offset)
{
	if (len == 0 || len > USER_MMAP_TOP || (prot & ~PROT_ALL) || (flags & ~MAP_KNOWN))
		return -EINVAL;
	if (!(flags & MAP_SHARED) == !(flags & MAP_PRIVATE))
		return -EINVAL; /* exactly one of the two */
	if (!IS_ALIGNED(offset, PAGE_SIZE) || offset + ALIGN_UP(len, PAGE_SIZE) < offset)
		return -EINVAL;
	if ((flags & MAP_FIXED) && !IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	return 0;
}

/* Where the new mapping goes: MAP_FIXED's address (what was there is
 * unmapped), else the hint when it is free, else the highest free range. */
static int64_t place_mapping(struct mm_struct *mm, uint64_t addr, uint64_t len, int flags)
{
	bool in_area =
	    addr >= mmap_floor(mm) && addr <= USER_MMAP_TOP && len <= USER_MMAP_TOP - addr;

	if (flags & MAP_FIXED) {
		int err;
		if (!in_area)
			return -ENOMEM;
		if ((err = do_munmap(mm, addr, len)))
			return err;
		return (int64_t)addr;
	}
	if (addr && IS_ALIGNED(addr, PAGE_SIZE) && in_area && !vma_overlaps(mm, addr, addr + len))
		return (int64_t)addr;
	addr = get_unmapped_area(mm, len);
	return addr ? (int64_t)addr : -ENOMEM;
}

/* The driver of a device file, if it can be mapped. */
static struct devsw *mappable_device(struct file *file)
{
	if (file->type != FD_DEVICE || file->major < 0 || file->major >= NDEV ||
	    !devsw[file->major].mmap)
		return NULL;
	return &devsw[file->major];
}

#if SOLUTION(mixedmap)
/* A regular file: checked against the file's mode and size. */
static int setup_file_mapping(struct vm_area_struct *v, int prot, int flags, struct file *file)
{
	struct inode *ip = file->ip;
	bool regular;
	uint32_t size;

	ilock_valid(ip);
	regular = ip->type == T_FILE;
	size = ip->size;
	iunlock(ip);
	if (!regular)
		return -ENODEV;
	if (v->vm_pgoff >= PFN_UP((uint64_t)size))
		return -ENXIO; /* no page of the file there */
	v->vm_ops = &file_vm_ops;
	return 0;
}

/* The kind of memory behind the mapping: the file's checks, v's ops. */
static int setup_mapping(struct vm_area_struct *v, int prot, int flags, struct file *file)
{
	int err;

	if (!file)
		return (flags & MAP_SHARED) ? -ENODEV : 0; /* no shared anonymous memory */
	if (!file->readable)
		return -EACCES;
	if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !file->writable)
		return -EACCES;
	if ((flags & MAP_SHARED) && file->writable)
		v->vm_flags |= VM_MAYWRITE;
	if (mappable_device(file))
		err = 0; /* the driver checks the range once the VMA is placed */
	else if (file->type == FD_INODE)
		err = setup_file_mapping(v, prot, flags, file);
	else
		err = -ENODEV;
	if (!err)
		v->vm_file = filedup(file);
	return err;
}
#else
/* The kind of memory behind the mapping. Lab mixedmap: anonymous private
 * memory only until the file and device mappings are written. */
static int setup_mapping(struct vm_area_struct *v, int prot, int flags, struct file *file)
{
	if (file || (flags & MAP_SHARED))
		return -ENODEV;
	return 0;
}
#endif /* SOLUTION(mixedmap) */

int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, int prot, int flags,
                struct file *file, uint64_t offset)
{
	struct vm_area_struct *v;
	int64_t start;
	int err = check_mmap_args(addr, len, prot, flags, offset);

	if (err)
		return err;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!(v = alloc_vma(mm)))
		return -ENOMEM;
	*v = (struct vm_area_struct){
	    .vm_flags = vm_flags_of(prot, flags), .vm_pgoff = offset >> PAGE_SHIFT, .vm_mm = mm};
	if ((err = setup_mapping(v, prot, flags, file)))
		goto fail;
	if ((start = place_mapping(mm, addr, len, flags)) < 0) {
		err = (int)start;
		goto fail;
	}
	v->vm_start = (uint64_t)start;
	v->vm_end = v->vm_start + len;
	if (v->vm_file && mappable_device(v->vm_file) &&
	    (err = mappable_device(v->vm_file)->mmap(v->vm_file, v)))
		goto fail;
	insert_vma(mm, v);
	return start;
fail:
	free_vma(mm, v);
	return err;
}

/* The driver behind a copied VMA counts its mappings. */
static void vma_opened(struct vm_area_struct *v)
{
	if (v->vm_ops && v->vm_ops->open)
		v->vm_ops->open(v);
}

/* Cut v at va: v keeps [vm_start, va), a new VMA gets [va, vm_end). */
static int split_vma(struct mm_struct *mm, struct vm_area_struct *v, uint64_t va)
{
	struct vm_area_struct *tail = alloc_vma(mm);

	if (!tail)
		return -ENOMEM;
	*tail = *v;
	tail->vm_start = va;
	tail->vm_pgoff += (va - v->vm_start) >> PAGE_SHIFT;
	if (tail->vm_file)
		filedup(tail->vm_file);
	vma_opened(tail);
	v->vm_end = va;
	v->vm_next = tail;
	return 0;
}

/* Remove v from the list, its pages from the page table, and free it. */
static void remove_vma(struct mm_struct *mm, struct vm_area_struct *v)
{
	struct vm_area_struct **link = &mm->mmap;

	while (*link != v)
		link = &(*link)->vm_next;
	*link = v->vm_next;
	if (v->vm_ops && v->vm_ops->close)
		v->vm_ops->close(v);
	zap_vma_range(v, v->vm_start, v->vm_end);
	free_vma(mm, v);
}

int do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	struct vm_area_struct *v, *next;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || len == 0 || addr >= USER_TOP || end > USER_TOP ||
	    end <= addr)
		return -EINVAL;
	for (v = mm->mmap; v && v->vm_start < end; v = next) {
		if (v->vm_end <= addr) {
			next = v->vm_next;
			continue;
		}
		/* The parts outside [addr, end) stay, as VMAs of their own. */
		if (v->vm_start < addr) {
			if (split_vma(mm, v, addr))
				return -ENOMEM;
			v = v->vm_next;
		}
		if (v->vm_end > end && split_vma(mm, v, end))
			return -ENOMEM;
		next = v->vm_next;
		remove_vma(mm, v);
	}
	return 0;
}

/* First touch of anonymous memory: a zeroed page of its own. */
static int do_anonymous_page(struct mm_struct *mm, struct vm_area_struct *v, uint64_t va)
{
	struct page *page = alloc_page(__GFP_ZERO);

	if (!page)
		return -ENOMEM;
	if (map_range(mm->pgd, va, page_to_phys(page), PAGE_SIZE, vm_page_prot(v),
	              &pgtable_page_alloc)) {
		put_page(page);
		return -ENOMEM;
	}
	return 0;
}

static bool access_allowed(const struct vm_area_struct *v, enum fault_access access)
{
	switch (access) {
	case FAULT_READ:
		return v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
	case FAULT_WRITE:
		return v->vm_flags & VM_WRITE;
	case FAULT_EXEC:
		return v->vm_flags & VM_EXEC;
	}
	return false;
}

/* A write to a present read-only page of a writable VMA: COW or a shared
 * page's first write. */
static int write_protect_fault(struct mm_struct *mm, struct vm_area_struct *v, uint64_t va,
                               enum fault_access access)
{
	pte_t *pte = walk(mm->pgd, va, NULL);

	if (access != FAULT_WRITE || !pte || (pte->pte & _PAGE_WRITE))
		return 0;
	return do_wp_page(v, va, pte);
}

int vma_fault(struct mm_struct *mm, uint64_t va, enum fault_access access)
{
	struct vm_area_struct *v = find_vma(mm, va);
	pte_t *pte;
	int err;

	va = ALIGN_DOWN(va, PAGE_SIZE);
	if (!v || !access_allowed(v, access))
		return -EFAULT;
	if ((pte = walk(mm->pgd, va, NULL))) {
		/* Mapped, yet the access faulted: only a write to a
		 * write-protected page of a writable VMA is allowed. */
		if (access != FAULT_WRITE || (pte->pte & _PAGE_WRITE))
			return -EFAULT;
		return do_wp_page(v, va, pte) ? -EFAULT : 0;
	}
	if (v->vm_ops)
		err = v->vm_ops->fault ? v->vm_ops->fault(v, va, access) : -EFAULT;
	else
		err = do_anonymous_page(mm, v, va);
	if (!err)
		err = write_protect_fault(mm, v, va, access);
	return err ? -EFAULT : 0;
}

int copy_vmas(struct mm_struct *dst, struct mm_struct *src)
{
	for (struct vm_area_struct *v = src->mmap; v; v = v->vm_next) {
		struct vm_area_struct *copy = alloc_vma(dst);
		if (!copy)
			return -ENOMEM;
		*copy = *v;
		copy->vm_next = NULL;
		if (copy->vm_file)
			filedup(copy->vm_file);
		copy->vm_mm = dst;
		vma_opened(copy);
		insert_vma(dst, copy);
		if (copy_page_range(dst, src, v))
			return -ENOMEM;
	}
	return 0;
}

void exit_mmap(struct mm_struct *mm)
{
	while (mm->mmap)
		remove_vma(mm, mm->mmap);
}

/* mmap(addr, length, prot, flags, fd, offset): see uapi/mman.h. */
long sys_mmap(void)
{
	int flags = argint(3);
	struct file *file = NULL;

	if (!(flags & MAP_ANONYMOUS) && argfd(4, NULL, &file) < 0)
		return -EBADF;
	return do_mmap(myproc()->mm, argaddr(0), argaddr(1), argint(2), flags, file, argaddr(5));
}

long sys_munmap(void)
{
	return do_munmap(myproc()->mm, argaddr(0), argaddr(1));
}

/* The page behind a pte of the caller at va, described for pageinfo(). */
static int describe_va(struct mm_struct *mm, uint64_t va, struct pageinfo *pi)
{
	struct vm_area_struct *v;
	pte_t *pte;

	if (va >= USER_TOP)
		return -EINVAL;
	if (!(pte = walk(mm->pgd, va, NULL)))
		return -ENOENT;
	pi->pfn = pte_pfn(*pte);
	pi->flags = PI_PRESENT | ((pte->pte & _PAGE_WRITE) ? PI_WRITE : 0) |
	            ((pte->pte & _PAGE_SPECIAL) ? PI_SPECIAL : 0) |
	            ((pte->pte & _PAGE_COW) ? PI_COW : 0);
	/* Outside every VMA (image, heap, stack) pages are plain RAM. */
	v = find_vma(mm, va);
	if (!v || vm_normal_page(v, ALIGN_DOWN(va, PAGE_SIZE), *pte))
		pi->flags |= PI_NORMAL;
	return 0;
}

/* pageinfo(what, addr, info): see uapi/pageinfo.h. */
long sys_pageinfo(void)
{
	struct pageinfo pi = {0};
	int what = argint(0), err = 0;
	uint64_t addr = argaddr(1);

	if (what == PAGEINFO_VA)
		err = describe_va(myproc()->mm, addr, &pi);
	else if (what == PAGEINFO_PFN)
		pi.pfn = addr;
	else
		err = -EINVAL;
	if (err)
		return err;
	if (pfn_valid(pi.pfn)) {
		struct page *page = pfn_to_page(pi.pfn);
		pi.flags |= PI_STRUCT_PAGE |
		            (page->mapping && !PageFlag(page, PG_buddy) ? PI_PAGECACHE : 0);
		pi.refcount = page_ref_count(page);
	}
	return copyout(myproc()->mm, argaddr(2), &pi, sizeof(pi)) ? -EFAULT : 0;
}
