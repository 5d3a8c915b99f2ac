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

/*
 * ECAM (PCIe base spec 7.2.2): each function has 4 KiB of configuration
 * space at ecam + ((bus - first bus) << 20 | device << 15 | function << 12).
 */
#define PCI_ECAM_BUS_SHIFT  20
#define PCI_ECAM_SLOT_SHIFT 15
#define PCI_ECAM_FUNC_SHIFT 12
#define PCI_ECAM_BUS_SIZE   (1ul << PCI_ECAM_BUS_SHIFT)
#define PCI_CFG_SPACE_SIZE  (1u << PCI_ECAM_FUNC_SHIFT)
#define PCI_MAX_SLOTS       32
#define PCI_MAX_FUNCS       8

/* Configuration header, common part (PCI local bus spec 3.0, 6.1). */
#define PCI_VENDOR_ID      0x00   /* 16 bits; PCI_VENDOR_NONE: no function */
#define PCI_DEVICE_ID      0x02   /* 16 bits */
#define PCI_COMMAND        0x04   /* 16 bits */
#define PCI_CLASS_REVISION 0x08   /* 32 bits: class code << 8 | revision */
#define PCI_HEADER_TYPE    0x0e   /* 8 bits */
#define PCI_BASE_ADDRESS_0 0x10   /* the BARs, one dword each */
#define PCI_BAR_STRIDE     4

#define PCI_VENDOR_NONE    0xffff /* what reads of an absent function return */
#define PCI_COMMAND_IO     (1u << 0)   /* decode I/O space BARs */
#define PCI_COMMAND_MEMORY (1u << 1)   /* decode memory space BARs */
#define PCI_CLASS_SHIFT    8           /* class code above the revision byte */

#define PCI_HEADER_TYPE_MASK      0x7f
#define PCI_HEADER_TYPE_MULTIFUNC 0x80   /* functions 1-7 may exist */
#define PCI_HEADER_TYPE_NORMAL    0      /* type 0: six BARs */
#define PCI_HEADER_TYPE_BRIDGE    1      /* type 1: two BARs */
#define PCI_BRIDGE_NR_BARS        2

/* BAR low bits (PCI local bus spec 3.0, 6.2.5.1). */
#define PCI_BAR_SPACE_IO      (1u << 0)
#define PCI_BAR_MEM_TYPE_MASK (3u << 1)
#define PCI_BAR_MEM_TYPE_32   (0u << 1)
#define PCI_BAR_MEM_TYPE_64   (2u << 1)
#define PCI_BAR_MEM_PREFETCH  (1u << 3)
#define PCI_BAR_MEM_ADDR_MASK (~0xfu)
#define PCI_BAR_IO_ADDR_MASK  (~0x3u)
#define PCI_BAR_SIZING        0xffffffffu   /* written to read a BAR's mask */

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
	volatile uint8_t *cfg; /* its PCI_CFG_SPACE_SIZE bytes of ECAM, mapped */
};

/*
 * Enumerate the host bridge the device tree describes: every function on
 * every bus of its bus-range, BARs sized and assigned from the matching
 * window (naturally aligned), memory and I/O decoding enabled for what was
 * assigned. Prints one line per function and one per BAR. A BAR that fits
 * no window is left unassigned and said so, and its kind (memory or I/O)
 * stays undecoded on that function, since the BAR would decode wherever it
 * points; never panics on device content. Lines: grader/expect.py, PCI.
 * Returns the number of functions found, 0 when there is no host bridge.
 */
struct platform;
int pci_init(const struct platform *plat);

/*
 * The nth function (from 0, in enumeration order) with this vendor and
 * device id, or NULL.
 */
struct pci_dev *pci_get_device(uint16_t vendor, uint16_t device, int nth);

/*
 * Configuration space of a function found by pci_init(). where is a byte
 * offset below PCI_CFG_SPACE_SIZE, aligned to the access size; anything else
 * is a caller bug and panics.
 */
uint8_t pci_read_config_byte(const struct pci_dev *dev, unsigned int where);
uint16_t pci_read_config_word(const struct pci_dev *dev, unsigned int where);
uint32_t pci_read_config_dword(const struct pci_dev *dev, unsigned int where);
void pci_write_config_word(const struct pci_dev *dev, unsigned int where, uint16_t val);
void pci_write_config_dword(const struct pci_dev *dev, unsigned int where, uint32_t val);
#endif
