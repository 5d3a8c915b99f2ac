#ifndef PAGODA_PCI_H
#define PAGODA_PCI_H
/*
 * PCI Express through the generic ECAM host bridge of QEMU virt
 * (kernel/drivers/pci.c). Nothing before the kernel touches PCI: the kernel
 * walks the buses the device tree names, sizes every BAR, places it in one
 * of the bridge's windows and turns on decoding.
 */
#include "types.h"

#define PCI_MAX_DEVICES 32
#define PCI_NR_BARS     6

enum pci_bar_type {
	PCI_BAR_NONE,    /* not implemented by the function */
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,   /* takes two BAR slots; the upper slot is PCI_BAR_NONE */
};

struct pci_bar {
	enum pci_bar_type type;
	bool prefetchable;
	uint64_t size;     /* bytes, a power of two; 0 when not implemented */
	phys_addr_t pa;    /* CPU physical address once assigned, else 0 */
};

struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device;
	uint32_t class_code;   /* base class, subclass, prog-if: 24 bits */
	struct pci_bar bar[PCI_NR_BARS];
};

/*
 * Enumerate the host bridge the device tree describes: every function on
 * every bus of its bus-range, BARs sized and assigned from the matching
 * window (naturally aligned), memory and I/O decoding enabled for what was
 * assigned. Prints one line per function and one per BAR. A BAR that fits
 * no window is left unassigned and said so; never panics on device content.
 * Returns the number of functions found, 0 when there is no host bridge.
 */
struct platform;
int pci_init(const struct platform *plat);

/*
 * The nth function (from 0, in enumeration order) with this vendor and
 * device id, or NULL.
 */
struct pci_dev *pci_get_device(uint16_t vendor, uint16_t device, int nth);
#endif
