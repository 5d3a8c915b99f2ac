/*
 * User memory page by page: which struct page a pte stands for
 * (vm_normal_page), inserting pfns with and without struct page
 * (vm_insert_mixed, remap_pfn_range), file faults and writeback,
 * copy-on-write, and the pte walks of fork, munmap and memstat.
 *
 * A user process is single-threaded, so its page table is live on one hart
 * at most, the one running this code (switch_mm() flushes the whole TLB
 * whenever an address space comes onto a hart): a changed pte needs only
 * this hart's TLB flushed.
 */
#include "mmap.h"
#include "vm.h"
#include "fs.h"
#include "file.h"
#include "filemap.h"
#include "memremap.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

pgprot_t vm_page_prot(const struct vm_area_struct *vma)
{
	pgprot_t prot = _PAGE_BASE | _PAGE_USER;

	if (vma->vm_flags & (VM_READ | VM_WRITE))
		prot |= _PAGE_READ; /* W without R is reserved in Sv48 */
	if (vma->vm_flags & VM_WRITE)
		prot |= _PAGE_WRITE;
	if (vma->vm_flags & VM_EXEC)
		prot |= _PAGE_EXEC;
	return prot;
}

pgprot_t vm_fault_prot(const struct vm_area_struct *vma)
{
	pgprot_t prot = vm_page_prot(vma);

	if (is_cow_mapping(vma->vm_flags) && (prot & _PAGE_WRITE))
		prot = (prot & ~_PAGE_WRITE) | _PAGE_COW;
	return prot;
}

/* Drop the reference a user pte held; an underflow names the mapping. */
static void put_user_page(struct vm_area_struct *vma, uint64_t va, struct page *page)
{
	if (page_ref_count(page) <= 0)
		panic("put_user_page: refcount %d underflow on pfn 0x%lx at 0x%lx in vma "
		      "[0x%lx, 0x%lx) flags 0x%x",
		      page_ref_count(page), page_to_pfn(page), va, vma->vm_start, vma->vm_end,
		      vma->vm_flags);
	put_page(page);
}

#if SOLUTION(mixedmap)
/* Map one page at va with exactly the pte bits prot (4 KiB leaf). */
static int install_pte(struct vm_area_struct *vma, uint64_t va, uint64_t pfn, pgprot_t prot)
{
	return map_range_leaf(vma->vm_mm->pgd, va, PFN_PHYS(pfn), PAGE_SIZE, prot,
	                      &pgtable_page_alloc, PT_LEVEL_PTE);
}

/* The answer agrees with how the pte was made: special ptes are not normal. */
static struct page *checked_page(struct vm_area_struct *vma, uint64_t va, pte_t pte, bool normal)
{
	if (normal == !!(pte.pte & _PAGE_SPECIAL))
		panic("vm_normal_page: pte 0x%lx at 0x%lx in vma [0x%lx, 0x%lx) flags 0x%x: "
		      "the special bit says %s",
		      pte.pte, va, vma->vm_start, vma->vm_end, vma->vm_flags,
		      normal ? "special" : "normal");
	if (normal && !pfn_valid(pte_pfn(pte)))
		panic("vm_normal_page: pfn 0x%lx at 0x%lx has no struct page in a vma that "
		      "only maps pages (flags 0x%x)",
		      pte_pfn(pte), va, vma->vm_flags);
	return normal ? pfn_to_page(pte_pfn(pte)) : NULL;
}

struct page *vm_normal_page(struct vm_area_struct *vma, uint64_t va, pte_t pte)
{
	uint64_t pfn = pte_pfn(pte), off = (va - vma->vm_start) >> PAGE_SHIFT;

	/* Mixed: every pfn with a struct page is a counted, normal page. */
	if (vma->vm_flags & VM_MIXEDMAP)
		return checked_page(vma, va, pte, pfn_valid(pfn));
	/* Raw pfns follow remap_pfn_range()'s linear rule; a pfn off the
	 * line in a COW mapping is a copy, and copies are normal. */
	if (vma->vm_flags & VM_PFNMAP)
		return checked_page(vma, va, pte,
		                    pfn != vma->vm_pgoff + off && is_cow_mapping(vma->vm_flags));
	return checked_page(vma, va, pte, true);
}

int vm_insert_mixed(struct vm_area_struct *vma, uint64_t va, uint64_t pfn)
{
	pgprot_t prot = vm_fault_prot(vma);
	struct page *page = NULL;
	int err;

	if (!(vma->vm_flags & VM_MIXEDMAP) || !IS_ALIGNED(va, PAGE_SIZE))
		panic("vm_insert_mixed: va 0x%lx in vma flags 0x%x", va, vma->vm_flags);
	if (pfn_valid(pfn))
		get_page(page = pfn_to_page(pfn));
	else
		prot |= _PAGE_SPECIAL;
	err = install_pte(vma, va, pfn, prot);
	if (err && page)
		put_page(page);
	return err;
}

int remap_pfn_range(struct vm_area_struct *vma, uint64_t va, uint64_t pfn, uint64_t size)
{
	uint64_t off = (va - vma->vm_start) >> PAGE_SHIFT;
	int err;

	if (!IS_ALIGNED(va | size, PAGE_SIZE) || va < vma->vm_start || size > vma->vm_end - va)
		panic("remap_pfn_range: 0x%lx+0x%lx outside vma [0x%lx, 0x%lx)", va, size,
		      vma->vm_start, vma->vm_end);
	/* The linear rule vm_normal_page() relies on: vm_pgoff is the pfn at vm_start. */
	vma->vm_flags |= VM_PFNMAP;
	vma->vm_pgoff = pfn - off;
	err = map_range_leaf(vma->vm_mm->pgd, va, PFN_PHYS(pfn), size,
	                     vm_fault_prot(vma) | _PAGE_SPECIAL, &pgtable_page_alloc, PT_LEVEL_PTE);
	return err;
}

/* A file page: cached, mapped read-only until written (a shared page that
 * becomes writable is written back when the mapping goes). */
static int filemap_fault(struct vm_area_struct *vma, uint64_t va, enum fault_access access)
{
	struct inode *ip = vma->vm_file->ip;
	uint64_t index = vma->vm_pgoff + ((va - vma->vm_start) >> PAGE_SHIFT);
	pgprot_t prot = vm_fault_prot(vma) & ~_PAGE_WRITE;
	struct page *page;
	int err = 0;

	ilock_valid(ip);
	page = filemap_get_page(ip, index, &err);
	iunlock(ip);
	if (!page)
		return err;
	err = install_pte(vma, va, page_to_pfn(page), prot);
	if (err)
		put_page(page);
	return err;
}

int do_wp_page(struct vm_area_struct *vma, uint64_t va, pte_t *ptep)
{
	pte_t old = *ptep;
	struct page *page = vm_normal_page(vma, va, old), *copy;
	void *src;

	/* Shared, or private and only ours: the same page becomes writable. */
	if ((vma->vm_flags & VM_SHARED) || (page && !page->mapping && page_ref_count(page) == 1)) {
		set_pte(ptep, (pte_t){(old.pte | _PAGE_WRITE) & ~_PAGE_COW});
		local_flush_tlb_page(va);
		return 0;
	}
	/* Anything else is copied, whether or not the source has a struct page. */
	if (!(src = pfn_to_kaddr(pte_pfn(old))))
		panic("do_wp_page: pfn 0x%lx at 0x%lx is mapped, yet the kernel cannot reach it",
		      pte_pfn(old), va);
	if (!(copy = alloc_page(GFP_KERNEL)))
		return -ENOMEM;
	memcpy(page_address(copy), src, PAGE_SIZE);
	set_pte(ptep, pfn_pte(page_to_pfn(copy), vm_page_prot(vma)));
	local_flush_tlb_page(va);
	if (page)
		put_user_page(vma, va, page);
	return 0;
}

struct fork_copy {
	struct mm_struct *dst;
	struct vm_area_struct *vma;
	bool wrprotected; /* a pte of the parent lost its write bit */
};

/* Share one pte with the child: a private writable page becomes COW in both. */
static int copy_leaf(uint64_t *entry, uint64_t va, enum pt_level level, void *arg)
{
	struct fork_copy *c = arg;
	pte_t pte = {*entry};
	struct page *page = vm_normal_page(c->vma, va, pte);
	int err;

	if (is_cow_mapping(c->vma->vm_flags) && (pte.pte & _PAGE_WRITE)) {
		pte.pte = (pte.pte & ~_PAGE_WRITE) | _PAGE_COW;
		WRITE_ONCE(*entry, pte.pte);
		c->wrprotected = true;
	}
	if (page)
		get_page(page);
	err = map_range_leaf(c->dst->pgd, va, PFN_PHYS(pte_pfn(pte)), PAGE_SIZE,
	                     entry_prot(pte.pte), &pgtable_page_alloc, PT_LEVEL_PTE);
	if (err && page)
		put_page(page);
	return err;
}

int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)
{
	struct fork_copy c = {.dst = dst, .vma = vma};
	int err = walk_leaves(src->pgd, vma->vm_start, vma->vm_end, copy_leaf, &c);

	if (c.wrprotected)
		local_flush_tlb_all();
	return err;
}
#else
/*
 * Lab mixedmap: vm_normal_page, vm_insert_mixed, remap_pfn_range, the file
 * fault, do_wp_page and copy_page_range. Until they are written, mmap()
 * maps anonymous private memory only, and fork copies it page by page.
 */
struct page *vm_normal_page(struct vm_area_struct *vma, uint64_t va, pte_t pte)
{
	/* Right for anonymous memory, the only kind the fallback maps. */
	return pfn_to_page(pte_pfn(pte));
}

int vm_insert_mixed(struct vm_area_struct *vma, uint64_t va, uint64_t pfn)
{
	return -ENOSYS;
}

int remap_pfn_range(struct vm_area_struct *vma, uint64_t va, uint64_t pfn, uint64_t size)
{
	return -ENOSYS;
}

static int filemap_fault(struct vm_area_struct *vma, uint64_t va, enum fault_access access)
{
	return -ENOSYS;
}

int do_wp_page(struct vm_area_struct *vma, uint64_t va, pte_t *ptep)
{
	return -EFAULT; /* without copy-on-write no pte is ever write-protected */
}

static int copy_leaf(uint64_t *entry, uint64_t va, enum pt_level level, void *arg)
{
	struct mm_struct **mms = arg;

	return mm_copy_page(mms[0], mms[1], va);
}

int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)
{
	struct mm_struct *mms[2] = {dst, src};

	return walk_leaves(src->pgd, vma->vm_start, vma->vm_end, copy_leaf, mms);
}
#endif /* SOLUTION(mixedmap) */

/* Every page a shared file mapping made writable goes back to the file. */
static int writeback_leaf(uint64_t *entry, uint64_t va, enum pt_level level, void *arg)
{
	struct vm_area_struct *vma = arg;
	pte_t pte = {*entry};
	struct page *page;
	int err;

	if (!(pte.pte & _PAGE_WRITE) || !(page = vm_normal_page(vma, va, pte)) || !page->mapping)
		return 0;
	if ((err = filemap_writeback(page->mapping, page)))
		printf("writeback: file page %lu of inode %u lost (error %d)\n", page->index,
		       page->mapping->inum, err);
	return 0;
}

static void filemap_close(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_SHARED)
		walk_leaves(vma->vm_mm->pgd, vma->vm_start, vma->vm_end, writeback_leaf, vma);
}

const struct vm_operations_struct file_vm_ops = {
    .fault = filemap_fault,
    .close = filemap_close,
};

/* Drop the reference of a pte that unmap_range() clears next. */
static int zap_leaf(uint64_t *entry, uint64_t va, enum pt_level level, void *arg)
{
	struct vm_area_struct *vma = arg;
	struct page *page = vm_normal_page(vma, va, (pte_t){*entry});

	if (page)
		put_user_page(vma, va, page);
	return 0;
}

void zap_vma_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	/* A page may be freed a moment before its pte goes: nothing runs
	 * this address space in between (see the top of the file). */
	walk_leaves(vma->vm_mm->pgd, start, end, zap_leaf, vma);
	/* Clears the ptes, frees the tables left empty, flushes the range. */
	unmap_range(vma->vm_mm->pgd, start, end - start, &pgtable_page_alloc, UNMAP_KEEP_PAGES);
}

static int count_leaf(uint64_t *entry, uint64_t va, enum pt_level level, void *arg)
{
	*(uint64_t *)arg += LEVEL_SIZE(level) >> PAGE_SHIFT;
	return 0;
}

uint64_t mm_rss_pages(struct mm_struct *mm)
{
	uint64_t pages = 0;

	walk_leaves(mm->pgd, 0, USER_TOP, count_leaf, &pages);
	return pages;
}
