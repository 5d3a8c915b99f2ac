/*
 * Early boot, before paging: build the first page tables and save the
 * device tree. This code runs at the physical load address while linked
 * at KERNEL_LINK_ADDR, so it may only use PC-relative addressing: no
 * pointers stored in data, no jump tables (built with -fno-jump-tables),
 * no calls into other files.
 */
#include "types.h"
#include "memlayout.h"
#include "asm/csr.h"
#include "asm/pgtable.h"
#include "asm/sbi.h"
#include "early.h"
#include "mm.h"

/* Early tables: kernel image at its link address with 2 MiB leaves, and a
 * 1 GiB window of the direct map around the kernel (for early tables). */
static pgd_t early_pgd[PTRS_PER_TABLE] __section(".bss.pgtable") __aligned(PAGE_SIZE);
static pud_t early_kernel_pud[PTRS_PER_TABLE] __section(".bss.pgtable") __aligned(PAGE_SIZE);
static pmd_t early_kernel_pmd[PTRS_PER_TABLE] __section(".bss.pgtable") __aligned(PAGE_SIZE);
static pud_t early_dm_pud[PTRS_PER_TABLE] __section(".bss.pgtable") __aligned(PAGE_SIZE);

uint8_t early_fdt[EARLY_FDT_MAX] __aligned(8);
size_t early_fdt_size;          /* 0 if the blob was missing or too big */
size_t early_fdt_orig_size;     /* header totalsize, for the error message */
phys_addr_t early_fdt_pa;
uint64_t kernel_va_pa_offset;
phys_addr_t early_dm_start, early_dm_end;

extern char _start_image[], _end[];

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void copy_fdt(phys_addr_t fdt_pa)
{
	const uint8_t *src = (const uint8_t *)fdt_pa;
	size_t size;

	early_fdt_pa = fdt_pa;
	if (!fdt_pa || be32(src) != FDT_MAGIC_VALUE)
		return;
	size = be32(src + 4);
	early_fdt_orig_size = size;
	if (size > EARLY_FDT_MAX)
		return;
	for (size_t i = 0; i < size; i++)
		early_fdt[i] = src[i];
	early_fdt_size = size;
}

/*
 * Build early_pgd and return the satp value that enables it.
 * va_pa_offset is the link address minus the load address of the image.
 */
uint64_t setup_vm(phys_addr_t fdt_pa, uint64_t va_pa_offset)
{
	phys_addr_t image_pa = (phys_addr_t)_start_image;  /* PC-relative: physical */
	phys_addr_t end_pa = ALIGN_UP((phys_addr_t)_end, PMD_SIZE);
	uint64_t va = (uint64_t)image_pa + va_pa_offset;

	kernel_va_pa_offset = va_pa_offset;
	copy_fdt(fdt_pa);

	early_pgd[pt_index(va, PT_LEVEL_PGD)].pgd =
		pfn_entry(PFN_DOWN((phys_addr_t)early_kernel_pud), _PAGE_TABLE);
	early_kernel_pud[pt_index(va, PT_LEVEL_PUD)].pud =
		pfn_entry(PFN_DOWN((phys_addr_t)early_kernel_pmd), _PAGE_TABLE);
	for (phys_addr_t pa = image_pa; pa < end_pa; pa += PMD_SIZE, va += PMD_SIZE)
		early_kernel_pmd[pt_index(va, PT_LEVEL_PMD)].pmd =
			pfn_entry(PFN_DOWN(pa), PAGE_KERNEL_RWX);

	early_dm_start = ALIGN_DOWN(image_pa, PUD_SIZE);
	early_dm_end = early_dm_start + PUD_SIZE;
	va = PAGE_OFFSET + early_dm_start;
	early_pgd[pt_index(va, PT_LEVEL_PGD)].pgd =
		pfn_entry(PFN_DOWN((phys_addr_t)early_dm_pud), _PAGE_TABLE);
	early_dm_pud[pt_index(va, PT_LEVEL_PUD)].pud =
		pfn_entry(PFN_DOWN(early_dm_start), PAGE_KERNEL);

	return make_satp((phys_addr_t)early_pgd);
}

static void early_puts(const char *s)
{
	while (*s)
		sbi_console_putchar(*s++);
}

static void early_puthex(uint64_t v)
{
	for (int shift = 60; shift >= 0; shift -= 4)
		sbi_console_putchar("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* A trap before trap_init() is a kernel bug: say where, then stop. */
void early_trap_report(void)
{
	early_puts("\nearly trap: scause 0x");
	early_puthex(csr_read_scause());
	early_puts(" sepc 0x");
	early_puthex(csr_read_sepc());
	early_puts(" stval 0x");
	early_puthex(csr_read_stval());
	early_puts("\n");
	sbi_shutdown(true);
}
