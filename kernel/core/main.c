/* Boot: the boot hart's path from the first C code to the scheduler. */
#include "types.h"
#include "proc.h"
#include "trap.h"
#include "fdt.h"
#include "early.h"
#include "cmdline.h"
#include "memblock.h"
#include "init.h"
#include "mixmem.h"
#include "pci.h"
#include "pmem.h"
#include "ptdump.h"
#include "mm.h"
#include "irq.h"
#include "uart.h"
#include "console.h"
#include "buf.h"
#include "fs.h"
#include "file.h"
#include "printk.h"
#include "fault_inject.h"
#include "asm/csr.h"

static struct platform platform;

/* Everything about the machine comes from the device tree. */
static void parse_device_tree(void)
{
	char err[128];

	if (!early_fdt_size)
		panic("parse_device_tree: no device tree at 0x%lx (size %lu, limit %lu)",
		      early_fdt_pa, early_fdt_orig_size, (uint64_t)EARLY_FDT_MAX);
	if (fdt_parse(early_fdt, early_fdt_size, &platform, err, sizeof(err)))
		panic("parse_device_tree: %s", err);
	if (!platform.nr_mem)
		panic("parse_device_tree: no memory banks");
}

static void report_memory(void)
{
	uint64_t ram = memblock_phys_mem_size() >> PAGE_SHIFT;

	printf("memory: %lu KiB RAM in %d bank%s, %lu KiB free, %lu KiB reserved\n",
	       ram << 2, platform.nr_mem, platform.nr_mem == 1 ? "" : "s",
	       nr_free_pages() << 2, (ram - nr_managed_pages()) << 2);
}

__noreturn void kmain(uint64_t hartid, phys_addr_t fdt_pa)
{
	(void)fdt_pa;   /* early.c copied the tree before paging */
	/* Per-hart state first: locks and printf rely on tp. */
	cpus[0].id = 0;
	cpus[0].hartid = (uint32_t)hartid;
	write_tp(&cpus[0]);
	trap_init_hart();
	printf("\nPagoda: booting on hart %lu\n", hartid);

	/* The machine: device tree, then the command line it carries. */
	parse_device_tree();
	cmdline_parse(platform.bootargs);
	fault_inject_report_config();

	/* Memory: memblock, kernel page table, memmap, page allocator. */
	memblock_init_from_platform(&platform);
	/* Lab mixedmap's device memory leaves RAM before the memmap is made. */
	mixmem_reserve();
	init_mem_mapping();
	memmap_init();
	memblock_free_all();
	report_memory();

	/* Interrupts and devices. */
	timer_init(&platform);
	plic_init(&platform);
	plic_init_hart(0);
	console_init();
	uart_init(&platform);
	virtio_blk_init(&platform);
	/* PCIe: enumerate the ECAM bridge, place BARs (lab altmap's pmem is there). */
	pci_init(&platform);
	mixmem_init();
	/* Lab altmap: persistent memory on PCI, its memmap onlined. */
	pmem_init();
	/* Every boot-time mapping exists now: dump them if asked. */
	ptdump_boot();

	/* File system tables (the disk is read by the first process). */
	binit();
	iinit();
	fileinit();

	/* Processes, then the other harts, then run. */
	proc_init();
	userinit();
	WRITE_ONCE(cpus[0].started, true);
	smp_boot_secondaries(&platform, (uint32_t)hartid);
	timer_init_hart();
	scheduler();
}
