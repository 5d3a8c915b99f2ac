/*
 * KTAP suite "protect": the kernel's self-protection, each rule shown by
 * an access that must fault (the probes of asm/extable.h turn the fault
 * into -EFAULT) next to a control that must not, so that a probe which
 * fails for another reason cannot pass for a protection. Run with
 * ktest=protect (tests/test_protect.py).
 */
#include "ktest.h"
#include "mm.h"
#include "pgtable.h"
#include "memblock.h"
#include "init.h"
#include "proc.h"
#include "vm.h"
#include "uaccess.h"
#include "asm/csr.h"
#include "asm/extable.h"
#include "uapi/errno.h"

/* A user page for the probes: below the mmap area's top, where the first
 * process (still before /init) has nothing mapped. */
#define PROBE_USER_VA  (USER_MMAP_TOP - PAGE_SIZE)
#define PAGE_USER_RWX  (PAGE_USER_RW | _PAGE_EXEC)
#define PROBE_PATTERN  0x5a17c0de5a17c0deUL
#define RISCV_INSN_RET 0x00008067U /* jalr x0, 0(ra) */

extern char _start_image[], _etext[], _erodata[], _end[];
/* Address taken below, so it is emitted, in .srodata (a volatile const would go to .sdata). */
static const uint64_t rodata_word = PROBE_PATTERN;

/* Returns at once: the control for probe_exec. */
static __attribute__((noinline)) void protect_nop(void)
{
	__asm__ volatile("" ::: "memory");
}

/* Map the probe page (readable, writable and executable for user mode)
 * holding the pattern and a ret; its kernel address, or NULL. */
static uint8_t *map_probe_page(struct ktest *t)
{
	struct mm_struct *mm = myproc()->mm;
	pte_t *pte;
	uint8_t *kva;

	if (mm_map_zeroed(mm, PROBE_USER_VA, PAGE_SIZE, PAGE_USER_RWX)) {
		ktest_fail(t, __FILE__, __LINE__, "cannot map the probe page");
		return NULL;
	}
	pte = walk(mm->pgd, PROBE_USER_VA, NULL);
	kva = __va(PFN_PHYS(pte_pfn(*pte)));
	*(uint32_t *)kva = RISCV_INSN_RET;
	*(uint64_t *)(kva + sizeof(uint64_t)) = PROBE_PATTERN;
	fence_i();
	return kva;
}

static void unmap_probe_page(void)
{
	unmap_range(myproc()->mm->pgd, PROBE_USER_VA, PAGE_SIZE, &pgtable_page_alloc,
	            UNMAP_FREE_PAGES);
}

/* SUM is clear in the kernel, so a plain load or store of a user address
 * faults; with SUM set (the control) the same load works. */
static void user_access_needs_sum(struct ktest *t)
{
	uint64_t v = 0;
	uint8_t *kva = map_probe_page(t);

	if (!kva)
		return;
	KTEST_EXPECT_EQ(t, csr_read_sstatus() & SSTATUS_SUM, 0);
	KTEST_EXPECT_EQ(t, probe_read_u64(PROBE_USER_VA + sizeof(uint64_t), &v), -EFAULT);
	KTEST_EXPECT_EQ(t, probe_write_u8(PROBE_USER_VA + sizeof(uint64_t), 0), -EFAULT);
	csr_set_sstatus(SSTATUS_SUM);
	KTEST_EXPECT_EQ(t, probe_read_u64(PROBE_USER_VA + sizeof(uint64_t), &v), 0);
	csr_clear_sstatus(SSTATUS_SUM);
	KTEST_EXPECT_EQ(t, v, PROBE_PATTERN);
	KTEST_EXPECT_EQ(t, *(uint64_t *)(kva + sizeof(uint64_t)), PROBE_PATTERN);
	unmap_probe_page();
}

/* S-mode never fetches from a user page, SUM or not; a kernel function
 * (the control) runs. */
static void user_memory_never_executes(struct ktest *t)
{
	if (!map_probe_page(t))
		return;
	KTEST_EXPECT_EQ(t, probe_exec((uint64_t)protect_nop), 0);
	KTEST_EXPECT_EQ(t, probe_exec(PROBE_USER_VA), -EFAULT);
	csr_set_sstatus(SSTATUS_SUM);
	KTEST_EXPECT_EQ(t, probe_exec(PROBE_USER_VA), -EFAULT);
	csr_clear_sstatus(SSTATUS_SUM);
	unmap_probe_page();
}

/* Stores to text and rodata fault (each writes back the byte already
 * there, so a missing protection changes nothing); data takes them. */
static void image_text_rodata_readonly(struct ktest *t)
{
	static volatile uint64_t data_word = PROBE_PATTERN;
	uint64_t text = (uint64_t)protect_nop, ro = (uint64_t)&rodata_word;

	KTEST_EXPECT_EQ(t, probe_write_u8(text, *(volatile uint8_t *)text), -EFAULT);
	KTEST_EXPECT_EQ(t, probe_write_u8(ro, *(volatile uint8_t *)ro), -EFAULT);
	KTEST_EXPECT_EQ(t, probe_write_u8((uint64_t)&data_word, (uint8_t)PROBE_PATTERN), 0);
}

/* Every leaf over [start, end) of the kernel page table has the bits in
 * must and none of those in must_not. */
static void check_leaves(struct ktest *t, uint64_t start, uint64_t end, pgprot_t must,
                         pgprot_t must_not, const char *what)
{
	for (uint64_t va = start; va < end;) {
		enum pt_level level = PT_LEVEL_PTE;
		pte_t *e = walk(swapper_pg_dir, va, &level);
		pgprot_t prot = e ? entry_prot(e->pte) : 0;

		if (!e || (prot & must) != must || (prot & must_not)) {
			ktest_fail(t, __FILE__, __LINE__, "%s: va 0x%lx has bits 0x%lx", what, va,
			           prot);
			return;
		}
		va = ALIGN_DOWN(va, LEVEL_SIZE(level)) + LEVEL_SIZE(level);
	}
}

/* W^X in the kernel page table: text R-X, rodata R--, data and the direct
 * map never executable. */
static void kernel_mappings_w_xor_x(struct ktest *t)
{
	phys_addr_t s, e;

	check_leaves(t, (uint64_t)_start_image, (uint64_t)_etext, _PAGE_EXEC, _PAGE_WRITE, "text");
	check_leaves(t, (uint64_t)_etext, (uint64_t)_erodata, _PAGE_READ, _PAGE_WRITE | _PAGE_EXEC,
	             "rodata");
	check_leaves(t, (uint64_t)_erodata, ALIGN_UP((uint64_t)_end, PAGE_SIZE), _PAGE_WRITE,
	             _PAGE_EXEC, "data");
	for (int i = 0; i < memblock.memory.cnt; i++)
		if (direct_map_range(i, &s, &e))
			check_leaves(t, (uint64_t)__va(s), (uint64_t)__va(e), _PAGE_READ,
			             _PAGE_EXEC, "direct map");
}

/* The copy routines refuse kernel-half addresses as user pointers, even
 * where the kernel itself could read them. */
static void kernel_half_pointer_refused(struct ktest *t)
{
	struct mm_struct *mm = myproc()->mm;
	uint64_t buf = 0;

	KTEST_EXPECT_EQ(t, copyin(mm, &buf, (uint64_t)_start_image, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, copyin(mm, &buf, (uint64_t)&rodata_word, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, copyout(mm, PAGE_OFFSET, &buf, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, copyout(mm, USER_TOP - sizeof(buf) / 2, &buf, sizeof(buf)), -EFAULT);
}

static const struct ktest_case protect_cases[] = {
    {"user_access_needs_sum", user_access_needs_sum},
    {"user_memory_never_executes", user_memory_never_executes},
    {"image_text_rodata_readonly", image_text_rodata_readonly},
    {"kernel_mappings_w_xor_x", kernel_mappings_w_xor_x},
    {"kernel_half_pointer_refused", kernel_half_pointer_refused},
};
KTEST_SUITE(protect, "protect", protect_cases);
