/*
 * PCI Express host bridge: the generic ECAM bridge of QEMU virt, as the
 * device tree describes it (compatible "pci-host-ecam-generic").
 *
 * pci_init() maps the configuration space of one bus at a time, keeps the
 * mapping of buses that have functions, records every function, sizes its
 * BARs with decoding off, then places all BARs, largest first, each
 * naturally aligned in a window of its kind (a bump allocator per window:
 * largest first means alignment never leaves holes), and finally turns on
 * I/O and memory decoding for the kinds each function was given.
 *
 * Bridges (header type 1) are listed and their two BARs placed, but their
 * bus numbers are not programmed: QEMU virt puts every device on bus 0.
 *
 * The console lines are parsed by the grader: their regular expressions are
 * in grader/expect.py, section "PCI"; change both together.
 */
#include "pci.h"
#include "fdt.h"
#include "io.h"
#include "printk.h"

#define PCI_MAX_BARS_TOTAL (PCI_MAX_DEVICES * PCI_NR_BARS)
#define HALF_BITS          32           /* a 64-bit BAR is two dword slots */
#define PCI_MEM32_LIMIT    (1ull << 32) /* 32-bit BARs decode below 4 GiB */
/*
 * Never hand out bus address 0 (QEMU, like many bridges, reads a BAR of 0
 * as unassigned) nor the legacy ISA ports below 0x1000.
 */
#define PCI_MIN_BUS_ADDR 0x1000

/* One window's allocator: the next free PCI bus address. */
struct pci_space {
	const struct pci_window *win;
	uint64_t next;
};

/* A BAR waiting for a place. */
struct pci_bar_ref {
	struct pci_dev *dev;
	int index;
};

static struct {
	const struct platform *plat;
	struct pci_dev dev[PCI_MAX_DEVICES];
	int nr_dev;
	struct pci_space space[FDT_MAX_PCI_WINDOWS];
	int nr_space;
	struct pci_bar_ref order[PCI_MAX_BARS_TOTAL]; /* by size, largest first */
	int nr_order;
} pci;

/* ---- configuration space accessors ------------------------------------- */

static volatile uint8_t *cfg_addr(const struct pci_dev *dev, unsigned int where, unsigned int width)
{
	if (!dev || !dev->cfg || where >= PCI_CFG_SPACE_SIZE || where % width)
		panic("pci_config: bad access to %p at 0x%x, width %u", (void *)dev, where, width);
	return dev->cfg + where;
}

uint8_t pci_read_config_byte(const struct pci_dev *dev, unsigned int where)
{
	return readb(cfg_addr(dev, where, sizeof(uint8_t)));
}

uint16_t pci_read_config_word(const struct pci_dev *dev, unsigned int where)
{
	return readw(cfg_addr(dev, where, sizeof(uint16_t)));
}

uint32_t pci_read_config_dword(const struct pci_dev *dev, unsigned int where)
{
	return readl(cfg_addr(dev, where, sizeof(uint32_t)));
}

void pci_write_config_word(const struct pci_dev *dev, unsigned int where, uint16_t val)
{
	writew(val, cfg_addr(dev, where, sizeof(uint16_t)));
}

void pci_write_config_dword(const struct pci_dev *dev, unsigned int where, uint32_t val)
{
	writel(val, cfg_addr(dev, where, sizeof(uint32_t)));
}

/* ---- names for the console --------------------------------------------- */

static const char *bar_type_name(enum pci_bar_type t)
{
	switch (t) {
	case PCI_BAR_IO:
		return "io";
	case PCI_BAR_MEM32:
		return "mem32";
	case PCI_BAR_MEM64:
		return "mem64";
	default:
		return "none";
	}
}

static const char *window_type_name(enum pci_window_type t)
{
	switch (t) {
	case PCI_WINDOW_IO:
		return "io";
	case PCI_WINDOW_MEM32:
		return "mem32";
	default:
		return "mem64";
	}
}

/* ---- BAR sizing ---------------------------------------------------------- */

/* Write all ones, read the mask back, put the old value back. */
static uint32_t bar_mask(struct pci_dev *dev, unsigned int where)
{
	uint32_t old = pci_read_config_dword(dev, where);
	uint32_t mask;

	pci_write_config_dword(dev, where, PCI_BAR_SIZING);
	mask = pci_read_config_dword(dev, where);
	pci_write_config_dword(dev, where, old);
	return mask;
}

/*
 * Size BAR slot i; returns how many slots it takes (2 for 64-bit memory).
 * The size is the lowest writable address bit, which also works for I/O
 * BARs whose upper 16 bits are hardwired to zero.
 */
static int size_bar(struct pci_dev *dev, int i, int nr_slots)
{
	unsigned int where = PCI_BASE_ADDRESS_0 + i * PCI_BAR_STRIDE;
	uint32_t lo = bar_mask(dev, where);
	struct pci_bar *bar = &dev->bar[i];
	uint64_t mask;

	if (lo & PCI_BAR_SPACE_IO) {
		mask = lo & PCI_BAR_IO_ADDR_MASK;
		bar->type = PCI_BAR_IO;
	} else if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && i + 1 < nr_slots) {
		mask = (uint64_t)bar_mask(dev, where + PCI_BAR_STRIDE) << HALF_BITS |
		       (lo & PCI_BAR_MEM_ADDR_MASK);
		bar->type = PCI_BAR_MEM64;
	} else {
		mask = lo & PCI_BAR_MEM_ADDR_MASK;
		bar->type = PCI_BAR_MEM32;
	}
	bar->prefetchable = bar->type != PCI_BAR_IO && (lo & PCI_BAR_MEM_PREFETCH);
	bar->size = mask & -mask;
	if (!bar->size)
		*bar = (struct pci_bar){.type = PCI_BAR_NONE};
	return bar->type == PCI_BAR_MEM64 ? 2 : 1;
}

/* Size every BAR of the header type with decoding off, and leave it off. */
static void size_bars(struct pci_dev *dev)
{
	uint8_t hdr = pci_read_config_byte(dev, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	uint16_t cmd = pci_read_config_word(dev, PCI_COMMAND);
	int nr_slots = hdr == PCI_HEADER_TYPE_NORMAL   ? PCI_NR_BARS
	               : hdr == PCI_HEADER_TYPE_BRIDGE ? PCI_BRIDGE_NR_BARS
	                                               : 0;

	cmd &= ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	pci_write_config_word(dev, PCI_COMMAND, cmd);
	for (int i = 0; i < nr_slots;)
		i += size_bar(dev, i, nr_slots);
}

/* ---- enumeration --------------------------------------------------------- */

/* Record the function whose config space is at cfg (its vendor id is valid). */
static void add_function(uint32_t bus, int slot, int func, volatile uint8_t *cfg)
{
	struct pci_dev *dev;

	if (pci.nr_dev == PCI_MAX_DEVICES) {
		printf("pci %02x:%02x.%d: ignored, more than %d functions\n", bus, slot, func,
		       PCI_MAX_DEVICES);
		return;
	}
	dev = &pci.dev[pci.nr_dev++];
	*dev = (struct pci_dev){.bus = bus, .slot = slot, .func = func, .cfg = cfg};
	dev->vendor = pci_read_config_word(dev, PCI_VENDOR_ID);
	dev->device = pci_read_config_word(dev, PCI_DEVICE_ID);
	dev->class_code = pci_read_config_dword(dev, PCI_CLASS_REVISION) >> PCI_CLASS_SHIFT;
	size_bars(dev);
}

/* Functions of one slot: function 0, and 1-7 if it says it is multi-function. */
static int scan_slot(uint32_t bus, int slot, volatile uint8_t *bus_cfg)
{
	volatile uint8_t *slot_cfg = bus_cfg + ((uint64_t)slot << PCI_ECAM_SLOT_SHIFT);
	int nr_funcs = PCI_MAX_FUNCS, found = 0;

	for (int func = 0; func < nr_funcs; func++) {
		volatile uint8_t *cfg = slot_cfg + ((uint64_t)func << PCI_ECAM_FUNC_SHIFT);

		if (readw(cfg + PCI_VENDOR_ID) == PCI_VENDOR_NONE) {
			if (func == 0)
				return 0;
			continue;
		}
		if (func == 0 && !(readb(cfg + PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MULTIFUNC))
			nr_funcs = 1;
		add_function(bus, slot, func, cfg);
		found++;
	}
	return found;
}

/* Map one bus, scan it, and keep the mapping only if it has functions. */
static int scan_bus(uint32_t bus)
{
	const struct platform *plat = pci.plat;
	phys_addr_t pa =
	    plat->pci_ecam.base + ((uint64_t)(bus - plat->pci_bus_start) << PCI_ECAM_BUS_SHIFT);
	volatile uint8_t *cfg = ioremap(pa, PCI_ECAM_BUS_SIZE);
	int found = 0;

	if (!cfg) {
		printf("pci: bus %02x: cannot map its config space at 0x%lx\n", bus, pa);
		return 0;
	}
	for (int slot = 0; slot < PCI_MAX_SLOTS; slot++)
		found += scan_slot(bus, slot, cfg);
	if (!found)
		iounmap((void *)cfg, PCI_ECAM_BUS_SIZE);
	return found;
}

/* ---- BAR placement ------------------------------------------------------- */

/* Insert a BAR into pci.order, keeping it sorted by size, largest first. */
static void queue_bar(struct pci_dev *dev, int index)
{
	uint64_t size = dev->bar[index].size;
	int i = pci.nr_order++;

	if (pci.nr_order > PCI_MAX_BARS_TOTAL)
		panic("queue_bar: more than %d BARs", PCI_MAX_BARS_TOTAL);
	for (; i > 0; i--) {
		struct pci_bar_ref *prev = &pci.order[i - 1];
		if (prev->dev->bar[prev->index].size >= size)
			break;
		pci.order[i] = *prev;
	}
	pci.order[i] = (struct pci_bar_ref){dev, index};
}

/*
 * Take size bytes, aligned to size, from one window; the PCI bus address,
 * or 0 when it does not fit (or, with below_4g, would reach past 4 GiB).
 */
static uint64_t space_alloc(struct pci_space *s, uint64_t size, bool below_4g)
{
	uint64_t end = s->win->pci_addr + s->win->size;
	uint64_t addr;

	if (below_4g && end > PCI_MEM32_LIMIT)
		end = PCI_MEM32_LIMIT;
	if (s->next > UINT64_MAX - (size - 1))
		return 0;
	addr = ALIGN_UP(s->next, size);
	if (addr >= end || end - addr < size)
		return 0;
	s->next = addr + size;
	return addr;
}

/* The first window of this kind with room; sets *space and returns the bus address. */
static uint64_t alloc_from(enum pci_window_type type, uint64_t size, bool below_4g,
                           struct pci_space **space)
{
	for (int i = 0; i < pci.nr_space; i++) {
		struct pci_space *s = &pci.space[i];
		uint64_t addr;

		if (s->win->type != type || !(addr = space_alloc(s, size, below_4g)))
			continue;
		*space = s;
		return addr;
	}
	return 0;
}

/* Program BAR index of dev with bus address addr (both halves if 64-bit). */
static void write_bar(struct pci_dev *dev, int index, uint64_t addr)
{
	unsigned int where = PCI_BASE_ADDRESS_0 + index * PCI_BAR_STRIDE;

	pci_write_config_dword(dev, where, (uint32_t)addr);
	if (dev->bar[index].type == PCI_BAR_MEM64)
		pci_write_config_dword(dev, where + PCI_BAR_STRIDE, (uint32_t)(addr >> HALF_BITS));
}

/*
 * Place one BAR: I/O in an I/O window, 32-bit memory in a MEM32 window,
 * 64-bit memory in a MEM64 window or else below 4 GiB in a MEM32 one.
 * Leaves pa 0 when nothing fits.
 */
static void assign_bar(struct pci_dev *dev, int index)
{
	struct pci_bar *bar = &dev->bar[index];
	struct pci_space *s = NULL;
	uint64_t addr = 0;

	if (bar->type == PCI_BAR_IO)
		addr = alloc_from(PCI_WINDOW_IO, bar->size, false, &s);
	else if (bar->type == PCI_BAR_MEM64)
		addr = alloc_from(PCI_WINDOW_MEM64, bar->size, false, &s);
	if (!addr && bar->type != PCI_BAR_IO)
		addr = alloc_from(PCI_WINDOW_MEM32, bar->size, true, &s);
	if (!addr)
		return;
	write_bar(dev, index, addr);
	bar->pa = s->win->cpu_addr + (addr - s->win->pci_addr);
}

static uint16_t decode_bit(enum pci_bar_type t)
{
	return t == PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
}

/*
 * Turn on decoding for each kind (I/O, memory) of which dev has BARs, all
 * of them placed: an unplaced BAR would decode at whatever it holds. Returns
 * the kinds left off because a BAR of theirs is unplaced.
 */
static uint16_t enable_decoding(struct pci_dev *dev)
{
	uint16_t cmd = pci_read_config_word(dev, PCI_COMMAND);
	uint16_t placed = 0, unplaced = 0;

	for (int i = 0; i < PCI_NR_BARS; i++) {
		if (dev->bar[i].type == PCI_BAR_NONE)
			continue;
		if (dev->bar[i].pa)
			placed |= decode_bit(dev->bar[i].type);
		else
			unplaced |= decode_bit(dev->bar[i].type);
	}
	pci_write_config_word(dev, PCI_COMMAND, cmd | (placed & ~unplaced));
	return unplaced;
}

/* ---- reporting (formats: grader/expect.py, PCI) ------------------------ */

static void print_bar(const struct pci_dev *dev, int i)
{
	const struct pci_bar *bar = &dev->bar[i];

	printf("pci %02x:%02x.%d: BAR%d %s%s size 0x%lx ", dev->bus, dev->slot, dev->func, i,
	       bar_type_name(bar->type), bar->prefetchable ? " pref" : "", bar->size);
	if (bar->pa)
		printf("at 0x%lx\n", bar->pa);
	else
		printf("unassigned: no room in a %s window\n",
		       bar->type == PCI_BAR_IO ? "io" : "memory");
}

static void print_function(const struct pci_dev *dev)
{
	printf("pci %02x:%02x.%d: [%04x:%04x] class 0x%06x\n", dev->bus, dev->slot, dev->func,
	       dev->vendor, dev->device, dev->class_code);
	for (int i = 0; i < PCI_NR_BARS; i++)
		if (dev->bar[i].type != PCI_BAR_NONE)
			print_bar(dev, i);
}

/* Announce the bridge and set up one allocator per window. */
static void init_windows(const struct platform *plat)
{
	printf("pci: host bridge ecam 0x%lx buses %u-%u\n", plat->pci_ecam.base,
	       plat->pci_bus_start, plat->pci_bus_end);
	for (int i = 0; i < plat->nr_pci_windows; i++) {
		const struct pci_window *w = &plat->pci_window[i];

		printf("pci: window %s%s cpu 0x%lx pci 0x%lx size 0x%lx\n",
		       window_type_name(w->type), w->prefetchable ? " pref" : "", w->cpu_addr,
		       w->pci_addr, w->size);
		pci.space[i].win = w;
		pci.space[i].next = w->pci_addr > PCI_MIN_BUS_ADDR ? w->pci_addr : PCI_MIN_BUS_ADDR;
	}
	pci.nr_space = plat->nr_pci_windows;
}

/* ---- interface ----------------------------------------------------------- */

/* How many buses from pci_bus_start to scan: those of bus-range the ECAM covers. */
static uint32_t nr_buses(const struct platform *plat)
{
	uint64_t mapped = plat->pci_ecam.size >> PCI_ECAM_BUS_SHIFT;
	uint64_t wanted = (uint64_t)plat->pci_bus_end - plat->pci_bus_start + 1;

	if (mapped >= wanted)
		return wanted;
	printf("pci: ecam covers %lu of %lu buses; scanning those\n", mapped, wanted);
	return mapped;
}

/* Scan every reachable bus of the bridge. */
static void scan_buses(const struct platform *plat)
{
	uint32_t buses = nr_buses(plat);

	for (uint32_t b = 0; b < buses; b++)
		scan_bus(plat->pci_bus_start + b);
}

/* Queue every implemented BAR for placement (dev, then BAR order). */
static void queue_bars(void)
{
	for (int n = 0; n < pci.nr_dev * PCI_NR_BARS; n++) {
		struct pci_dev *dev = &pci.dev[n / PCI_NR_BARS];

		if (dev->bar[n % PCI_NR_BARS].type != PCI_BAR_NONE)
			queue_bar(dev, n % PCI_NR_BARS);
	}
}

/* Place every queued BAR, largest first. */
static void assign_bars(void)
{
	for (int i = 0; i < pci.nr_order; i++)
		assign_bar(pci.order[i].dev, pci.order[i].index);
}

/* Turn every function on and say what it got. */
static void enable_and_report(void)
{
	for (int d = 0; d < pci.nr_dev; d++) {
		struct pci_dev *dev = &pci.dev[d];
		uint16_t off = enable_decoding(dev);

		print_function(dev);
		/* grader/expect.py PCI_DECODING_OFF */
		if (off)
			printf("pci %02x:%02x.%d: decoding off:%s%s\n", dev->bus, dev->slot,
			       dev->func, off & PCI_COMMAND_IO ? " io" : "",
			       off & PCI_COMMAND_MEMORY ? " memory" : "");
	}
}

int pci_init(const struct platform *plat)
{
	if (!plat->has_pci)
		return 0;
	pci.plat = plat;
	init_windows(plat);
	scan_buses(plat);
	queue_bars();
	assign_bars();
	enable_and_report();
	return pci.nr_dev;
}

struct pci_dev *pci_get_device(uint16_t vendor, uint16_t device, int nth)
{
	for (int d = 0; d < pci.nr_dev; d++) {
		struct pci_dev *dev = &pci.dev[d];

		if (dev->vendor == vendor && dev->device == device && nth-- == 0)
			return dev;
	}
	return NULL;
}
