/*
 * KTAP tests of lab mixedmap's decisions (kernel/mm/memory.c) on synthetic
 * VMAs and ptes: nothing is mapped, so each rule is tested on its own.
 */
#include "ktest.h"
#include "mmap.h"
#include "mm.h"
#include "memblock.h"
#include "pgtable.h"
#include "sparse.h"

#define VMA_START 0x10000000UL

static struct vm_area_struct vma_of(unsigned int flags, uint64_t pgoff)
{
	return (struct vm_area_struct){.vm_start = VMA_START,
	                               .vm_end = VMA_START + 16 * PAGE_SIZE,
	                               .vm_flags = flags,
	                               .vm_pgoff = pgoff};
}

static pte_t user_pte(uint64_t pfn, pgprot_t extra)
{
	return pfn_pte(pfn, PAGE_USER_RO | extra);
}

/* A pfn no memory model gives a struct page: past RAM, a section further. */
static uint64_t pfn_without_page(void)
{
	return PFN_DOWN(ALIGN_UP(memblock_end_of_DRAM(), 1UL << SECTION_SIZE_BITS)) + 1;
}

/* Anonymous and file memory: every pte is a page. */
static void normal_mapping(struct ktest *t)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct vm_area_struct v = vma_of(VM_READ | VM_WRITE | VM_MAYWRITE, 0);

	KTEST_EXPECT(t, page);
	if (!page)
		return;
	KTEST_EXPECT(t, vm_normal_page(&v, VMA_START, user_pte(page_to_pfn(page), 0)) == page);
	put_page(page);
}

/* VM_MIXEDMAP: a pfn with a struct page is normal, one without is not. */
static void mixedmap_both_kinds(struct ktest *t)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct vm_area_struct v = vma_of(VM_READ | VM_SHARED | VM_MIXEDMAP, 0);
	uint64_t raw = pfn_without_page();

	KTEST_EXPECT(t, page && !pfn_valid(raw));
	if (!page)
		return;
	KTEST_EXPECT(t, vm_normal_page(&v, VMA_START, user_pte(page_to_pfn(page), 0)) == page);
	KTEST_EXPECT(t, !vm_normal_page(&v, VMA_START + PAGE_SIZE, user_pte(raw, _PAGE_SPECIAL)));
	put_page(page);
}

/* VM_PFNMAP: on the line vm_pgoff + offset the pfn is raw, even with a
 * struct page; off the line in a COW mapping it is a copy, a normal page. */
static void pfnmap_linear_rule(struct ktest *t)
{
	struct page *raw = alloc_page(GFP_KERNEL), *copy = alloc_page(GFP_KERNEL);
	uint64_t va = VMA_START + 3 * PAGE_SIZE;
	struct vm_area_struct v;

	KTEST_EXPECT(t, raw && copy);
	if (!raw || !copy)
		goto out;
	v = vma_of(VM_READ | VM_WRITE | VM_MAYWRITE | VM_PFNMAP, page_to_pfn(raw) - 3);
	KTEST_EXPECT(t, !vm_normal_page(&v, va, user_pte(page_to_pfn(raw), _PAGE_SPECIAL)));
	KTEST_EXPECT(t, vm_normal_page(&v, va, user_pte(page_to_pfn(copy), 0)) == copy);
out:
	if (raw)
		put_page(raw);
	if (copy)
		put_page(copy);
}

/* A shared VM_PFNMAP mapping is never COW: nothing in it is normal. */
static void pfnmap_shared_is_raw(struct ktest *t)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct vm_area_struct v =
	    vma_of(VM_READ | VM_WRITE | VM_SHARED | VM_MAYWRITE | VM_PFNMAP, 0);

	KTEST_EXPECT(t, page);
	if (!page)
		return;
	KTEST_EXPECT(t, !vm_normal_page(&v, VMA_START, user_pte(page_to_pfn(page), _PAGE_SPECIAL)));
	put_page(page);
}

/* Private writable mappings fault pages in read-only and COW; shared ones
 * writable; is_cow_mapping() is Linux's rule. */
static void cow_protections(struct ktest *t)
{
	struct vm_area_struct priv = vma_of(VM_READ | VM_WRITE | VM_MAYWRITE, 0);
	struct vm_area_struct shared = vma_of(VM_READ | VM_WRITE | VM_SHARED | VM_MAYWRITE, 0);
	struct vm_area_struct ro_private = vma_of(VM_READ | VM_MAYWRITE, 0);

	KTEST_EXPECT(t, is_cow_mapping(priv.vm_flags) && !is_cow_mapping(shared.vm_flags));
	KTEST_EXPECT(t, !is_cow_mapping(VM_READ | VM_SHARED));
	KTEST_EXPECT_EQ(t, vm_fault_prot(&priv) & (_PAGE_WRITE | _PAGE_COW), _PAGE_COW);
	KTEST_EXPECT_EQ(t, vm_fault_prot(&shared) & (_PAGE_WRITE | _PAGE_COW), _PAGE_WRITE);
	KTEST_EXPECT_EQ(t, vm_fault_prot(&ro_private) & (_PAGE_WRITE | _PAGE_COW), 0);
}

static const struct ktest_case memory_cases[] = {
    {"normal_mapping", normal_mapping},         {"mixedmap_both_kinds", mixedmap_both_kinds},
    {"pfnmap_linear_rule", pfnmap_linear_rule}, {"pfnmap_shared_is_raw", pfnmap_shared_is_raw},
    {"cow_protections", cow_protections},
};
KTEST_SUITE(memory, "mixedmap", memory_cases);
