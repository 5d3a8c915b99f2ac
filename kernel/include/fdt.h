#ifndef PAGODA_FDT_H
#define PAGODA_FDT_H
/*
 * Flattened device tree (devicetree specification v0.4, chapter 5) reader.
 * fdt_parse() turns the blob firmware hands over into a struct platform:
 * everything the kernel knows about the machine comes from here.
 * This file and kernel/lib/fdt.c also build on the host for unit tests.
 */
#include "types.h"

#define FDT_MAX_MEM_BANKS   16
#define FDT_MAX_RESERVED    16
#define FDT_MAX_HARTS       8
#define FDT_MAX_VIRTIO      8
#define FDT_MAX_PCI_WINDOWS 4
#define FDT_BOOTARGS_MAX    512
#define FDT_NAME_MAX        32

struct fdt_region {
	phys_addr_t base;
	uint64_t size;
};

struct fdt_reserved {
	phys_addr_t base;
	uint64_t size;
	bool nomap;                 /* "no-map": keep out of the direct map */
	char name[FDT_NAME_MAX];    /* node name, e.g. "mmode_resv0@80000000" */
};

enum pci_window_type {
	PCI_WINDOW_IO,
	PCI_WINDOW_MEM32,
	PCI_WINDOW_MEM64,
};

struct pci_window {
	enum pci_window_type type;
	bool prefetchable;
	uint64_t pci_addr;          /* address on the PCI bus */
	phys_addr_t cpu_addr;       /* address the CPU uses */
	uint64_t size;
};

struct platform {
	/* RAM: /memory nodes (device_type = "memory"), every reg entry. */
	struct fdt_region mem[FDT_MAX_MEM_BANKS];
	int nr_mem;
	/* /reserved-memory children with a reg, and /memreserve/ entries. */
	struct fdt_reserved reserved[FDT_MAX_RESERVED];
	int nr_reserved;
	char bootargs[FDT_BOOTARGS_MAX];   /* /chosen/bootargs, "" if absent */

	/* /cpus: harts whose status is okay (or absent), in node order. */
	uint32_t hart_id[FDT_MAX_HARTS];
	int nr_harts;
	uint64_t timebase_freq;            /* /cpus/timebase-frequency, Hz */

	/* ns16550a UART (compatible "ns16550a"). */
	bool has_uart;
	struct fdt_region uart;
	uint32_t uart_irq;
	uint32_t uart_clock;               /* clock-frequency, 0 if absent */

	/* PLIC (compatible "riscv,plic0" or "sifive,plic-1.0.0"). */
	bool has_plic;
	struct fdt_region plic;
	uint32_t plic_ndev;                /* riscv,ndev */
	/* S-mode context number of hart hart_id[i], -1 if it has none. */
	int plic_s_context[FDT_MAX_HARTS];

	/*
	 * virtio,mmio slots, sorted by base address (QEMU lists them highest
	 * first), so on QEMU virt virtio[i] is the transport of virtio-mmio-bus.i.
	 */
	struct fdt_region virtio[FDT_MAX_VIRTIO];
	uint32_t virtio_irq[FDT_MAX_VIRTIO];
	int nr_virtio;

	/* PCIe host bridge (compatible "pci-host-ecam-generic"). */
	bool has_pci;
	struct fdt_region pci_ecam;
	uint32_t pci_bus_start, pci_bus_end;   /* bus-range */
	struct pci_window pci_window[FDT_MAX_PCI_WINDOWS];
	int nr_pci_windows;
	/* INTx: interrupt-map entries for device slot 0..3, pin INTA..INTD. */
	uint32_t pci_intx_irq[4][4];
	bool has_pci_intx;
};

/*
 * Parse the blob at fdt (at most max_size bytes may be read).
 * Returns 0 on success, or -1 with a one-line reason in err
 * (e.g. "bad magic 0x12345678", "memory node has no reg").
 * Nodes the kernel does not know are ignored; known nodes with bad
 * properties are errors.
 */
int fdt_parse(const void *fdt, size_t max_size, struct platform *out,
	      char *err, size_t err_size);

/* Size of the blob (header totalsize), or 0 if the magic is wrong. */
size_t fdt_total_size(const void *fdt);
#endif
