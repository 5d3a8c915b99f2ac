/* User address spaces: creation, copy, growth, teardown, and user copies. */
#include "vm.h"
#include "fault.h"
#include "mmap.h"
#include "memremap.h"
#include "proc.h"
#include "uaccess.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

#define KERNEL_PGD_FIRST (PTRS_PER_TABLE / 2)   /* pgd entries of the kernel half */

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));
	phys_addr_t pgd_pa;

	if (!mm)
		return NULL;
	pgd_pa = pgtable_page_alloc.alloc(&pgtable_page_alloc);
	if (!pgd_pa) {
		kfree(mm);
		return NULL;
	}
	pgtable_page_alloc.nr_tables++;
	mm->pgd = __va(pgd_pa);
	/* Share the kernel half: its pud tables never change (init.c). */
	memcpy(mm->pgd + KERNEL_PGD_FIRST, swapper_pg_dir + KERNEL_PGD_FIRST,
	       KERNEL_PGD_FIRST * sizeof(pgd_t));
	return mm;
}

void mm_free(struct mm_struct *mm)
{
	exit_mmap(mm);
	free_pgd_user(mm->pgd, &pgtable_page_alloc);
	kfree(mm);
}

int mm_map_zeroed(struct mm_struct *mm, uint64_t va, uint64_t size, pgprot_t prot)
{
	uint64_t off;
	int err = 0;

	for (off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = alloc_page(__GFP_ZERO);
		if (!page) {
			err = -ENOMEM;
			break;
		}
		err = map_range(mm->pgd, va + off, page_to_phys(page), PAGE_SIZE, prot,
				&pgtable_page_alloc);
		if (err) {
			put_page(page);
			break;
		}
	}
	if (err)
		unmap_range(mm->pgd, va, off, &pgtable_page_alloc, UNMAP_FREE_PAGES);
	return err;
}

int mm_copy_page(struct mm_struct *dst, struct mm_struct *src, uint64_t va)
{
	pte_t *pte = walk(src->pgd, va, NULL);
	struct page *page;
	int err;

	if (!pte)
		return 0;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memcpy(page_address(page), __va(PFN_PHYS(pte_pfn(*pte))), PAGE_SIZE);
	err = map_range(dst->pgd, va, page_to_phys(page), PAGE_SIZE,
			entry_prot(pte->pte), &pgtable_page_alloc);
	if (err)
		put_page(page);
	return err;
}

int mm_copy(struct mm_struct *dst, struct mm_struct *src)
{
	const struct { uint64_t start, end; } ranges[] = {
		{ USER_TEXT_START, ALIGN_UP(src->brk, PAGE_SIZE) },
		{ src->stack_start, USER_STACK_TOP },
	};

	for (size_t r = 0; r < ARRAY_SIZE(ranges); r++)
		for (uint64_t va = ranges[r].start; va < ranges[r].end; va += PAGE_SIZE)
			if (mm_copy_page(dst, src, va))
				return -ENOMEM;
	dst->image_end = src->image_end;
	dst->brk = src->brk;
	dst->stack_start = src->stack_start;
	return copy_vmas(dst, src);
}

int64_t mm_sbrk(struct mm_struct *mm, int64_t delta)
{
	uint64_t old = mm->brk, new = old + delta;
	uint64_t old_top = ALIGN_UP(old, PAGE_SIZE), new_top;
	int err;

	/* The heap may not go below the image nor into the stack's guard. */
	if ((delta < 0 && (uint64_t)-delta > old - mm->image_end) ||
	    (delta > 0 && (new < old || new > mm->stack_start - PAGE_SIZE)))
		return -ENOMEM;
	new_top = ALIGN_UP(new, PAGE_SIZE);
	/* Keep a guard page between the heap and the lowest mapping. */
	if (new_top > old_top && vma_overlaps(mm, old_top, new_top + PAGE_SIZE))
		return -ENOMEM;
	if (new_top > old_top) {
		err = mm_map_zeroed(mm, old_top, new_top - old_top, PAGE_USER_RW);
		if (err)
			return -ENOMEM;
	} else if (new_top < old_top) {
		unmap_range(mm->pgd, new_top, old_top - new_top, &pgtable_page_alloc,
			    UNMAP_FREE_PAGES);
	}
	mm->brk = new;
	return (int64_t)old;
}

void switch_mm(struct mm_struct *mm)
{
	csr_write_satp(make_satp(__pa(mm ? mm->pgd : swapper_pg_dir)));
	local_flush_tlb_all();
}

/* ---- copies between kernel and user ---------------------------------- */

enum copy_dir { COPY_TO_USER, COPY_FROM_USER };

/* The kernel address of user va, faulting it in if the handler allows. */
static void *user_page(struct mm_struct *mm, uint64_t va, enum copy_dir dir)
{
	pgprot_t need = _PAGE_USER | (dir == COPY_TO_USER ? _PAGE_WRITE : _PAGE_READ);
	enum fault_access access = dir == COPY_TO_USER ? FAULT_WRITE : FAULT_READ;

	for (int attempt = 0; attempt < 2; attempt++) {
		pte_t *pte = walk(mm->pgd, va, NULL);
		char *page;
		/* Device memory is reached through its kernel mapping. */
		if (pte && (pte->pte & need) == need && (page = pfn_to_kaddr(pte_pfn(*pte))))
			return page + (va & ~PAGE_MASK);
		if (attempt == 0 && handle_mm_fault(mm, va, access))
			return NULL;
	}
	return NULL;
}

static bool user_range_ok(uint64_t va, size_t len)
{
	return va < USER_TOP && len <= USER_TOP - va;
}

static int copy_user(struct mm_struct *mm, uint64_t va, void *kbuf, size_t len,
		     enum copy_dir dir)
{
	if (!user_range_ok(va, len))
		return -EFAULT;
	while (len > 0) {
		size_t n = MIN(len, PAGE_SIZE - (va & ~PAGE_MASK));
		void *u = user_page(mm, va, dir);
		if (!u)
			return -EFAULT;
		if (dir == COPY_TO_USER)
			memcpy(u, kbuf, n);
		else
			memcpy(kbuf, u, n);
		len -= n;
		va += n;
		kbuf = (char *)kbuf + n;
	}
	return 0;
}

int copyout(struct mm_struct *mm, uint64_t dst_va, const void *src, size_t len)
{
	return copy_user(mm, dst_va, (void *)src, len, COPY_TO_USER);
}

int copyin(struct mm_struct *mm, void *dst, uint64_t src_va, size_t len)
{
	return copy_user(mm, src_va, dst, len, COPY_FROM_USER);
}

int copyinstr(struct mm_struct *mm, char *dst, uint64_t src_va, size_t max)
{
	size_t got = 0;

	while (got < max) {
		size_t n = MIN(max - got, PAGE_SIZE - (src_va & ~PAGE_MASK));
		const char *u;
		if (!user_range_ok(src_va, 1) || !(u = user_page(mm, src_va, COPY_FROM_USER)))
			return -EFAULT;
		for (size_t i = 0; i < n; i++) {
			dst[got + i] = u[i];
			if (!u[i])
				return (int)(got + i);
		}
		got += n;
		src_va += n;
	}
	return -ENAMETOOLONG;
}

int either_copyout(enum addr_space where, uint64_t dst, const void *src, size_t len)
{
	if (where == ADDR_USER)
		return copyout(myproc()->mm, dst, src, len);
	memmove((void *)dst, src, len);
	return 0;
}

int either_copyin(void *dst, enum addr_space where, uint64_t src, size_t len)
{
	if (where == ADDR_USER)
		return copyin(myproc()->mm, dst, src, len);
	memmove(dst, (const void *)src, len);
	return 0;
}
