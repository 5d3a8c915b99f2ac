/*
 * Flattened device tree reader (devicetree specification v0.4, chapter 5).
 *
 * One pass over the structure block. Because the specification puts every
 * property of a node before its first subnode, a node's properties are
 * complete when its first child starts or when it ends; only then is the
 * node "finished" (classified and decoded). So one property table serves
 * whichever node is open, and a small stack keeps what children need from
 * their ancestors (#address-cells, #size-cells, the hart id of a cpu).
 * References by phandle may point forward in the tree (QEMU puts the PLIC
 * after the PCI bridge that refers to it), so they are resolved after the
 * walk from a table of the phandles seen.
 *
 * The blob is untrusted: every offset is checked before it is read, and
 * multi-byte values are assembled byte by byte so no access is unaligned.
 * Built for the kernel and, unchanged, on the host for unit tests.
 */
#include "fdt.h"
#ifdef __KERNEL__
#include "printk.h"
#include "string.h"
#else
#include <stdio.h>
#include <string.h>
#endif

#define FDT_MAGIC            0xd00dfeedu
#define FDT_MIN_VERSION      16
#define FDT_READABLE_VERSION 17   /* layout this reader understands */
#define FDT_CELL             4    /* bytes in a cell and a token */
#define FDT_RSV_ENTRY        16   /* two 64-bit big-endian values */
#define FDT_RSV_ALIGN        8
#define FDT_MAX_DEPTH        16
#define FDT_MAX_PHANDLES     64
#define FDT_MAX_REG_CELLS    2    /* addresses and sizes up to 64 bits */
#define FDT_MAX_SPEC_CELLS   4    /* sane bound for interrupt specifiers */

/* Header fields, as byte offsets (specification 5.2). */
enum fdt_header_field {
	HDR_MAGIC = 0,
	HDR_TOTALSIZE = 4,
	HDR_OFF_DT_STRUCT = 8,
	HDR_OFF_DT_STRINGS = 12,
	HDR_OFF_MEM_RSVMAP = 16,
	HDR_VERSION = 20,
	HDR_LAST_COMP_VERSION = 24,
	HDR_SIZE_DT_STRINGS = 32,
	HDR_SIZE_DT_STRUCT = 36,
	HDR_V16_SIZE = 36,      /* version 16 ends before size_dt_struct */
	HDR_V17_SIZE = 40,
};

enum fdt_token {
	FDT_BEGIN_NODE = 1,
	FDT_END_NODE = 2,
	FDT_PROP = 3,
	FDT_NOP = 4,
	FDT_END = 9,
};

#define DEFAULT_ADDR_CELLS 2    /* specification 2.3.5 */
#define DEFAULT_SIZE_CELLS 1

/* RISC-V interrupt causes seen by the hart-local controller. */
#define IRQ_S_EXT 9

/* PCI bus binding (IEEE 1275 PCI, phys.hi cell: npt000ss bbbbbbbb dddddfff rrrrrrrr). */
#define PCI_ADDR_CELLS   3
#define PCI_SPACE_SHIFT  24
#define PCI_SPACE_MASK   0x3u
#define PCI_PREFETCHABLE (1u << 30)
#define PCI_DEVICE_SHIFT 11
#define PCI_DEVICE_MASK  0x1fu
#define PCI_INTX_SLOTS   4
#define PCI_INTX_PINS    4
#define PCI_MAX_BUS      0xff

enum pci_space {
	PCI_SPACE_CONFIG = 0,
	PCI_SPACE_IO = 1,
	PCI_SPACE_MEM32 = 2,
	PCI_SPACE_MEM64 = 3,
};

/* The properties any handled node may need. */
enum known_prop {
	P_ADDR_CELLS,
	P_SIZE_CELLS,
	P_INTR_CELLS,
	P_COMPATIBLE,
	P_DEVICE_TYPE,
	P_STATUS,
	P_REG,
	P_INTERRUPTS,
	P_INTR_EXTENDED,
	P_PHANDLE,
	P_INTR_CONTROLLER,
	P_NO_MAP,
	P_BOOTARGS,
	P_TIMEBASE,
	P_NDEV,
	P_CLOCK,
	P_RANGES,
	P_BUS_RANGE,
	P_INTR_MAP,
	NR_KNOWN_PROPS,
};

static const char *const prop_names[NR_KNOWN_PROPS] = {
	[P_ADDR_CELLS] = "#address-cells",
	[P_SIZE_CELLS] = "#size-cells",
	[P_INTR_CELLS] = "#interrupt-cells",
	[P_COMPATIBLE] = "compatible",
	[P_DEVICE_TYPE] = "device_type",
	[P_STATUS] = "status",
	[P_REG] = "reg",
	[P_INTERRUPTS] = "interrupts",
	[P_INTR_EXTENDED] = "interrupts-extended",
	[P_PHANDLE] = "phandle",
	[P_INTR_CONTROLLER] = "interrupt-controller",
	[P_NO_MAP] = "no-map",
	[P_BOOTARGS] = "bootargs",
	[P_TIMEBASE] = "timebase-frequency",
	[P_NDEV] = "riscv,ndev",
	[P_CLOCK] = "clock-frequency",
	[P_RANGES] = "ranges",
	[P_BUS_RANGE] = "bus-range",
	[P_INTR_MAP] = "interrupt-map",
};

/* Properties whose value must be a NUL-terminated string (list). */
static const enum known_prop string_props[] = {
	P_COMPATIBLE, P_DEVICE_TYPE, P_STATUS, P_BOOTARGS,
};

struct prop {
	uint32_t off;           /* value's offset in the blob */
	uint32_t len;
	bool found;
};

enum node_kind {
	NODE_OTHER,
	NODE_CPUS,
	NODE_CPU,
	NODE_RESERVED_MEMORY,
};

struct node_ctx {
	const char *name;
	enum node_kind kind;
	uint32_t addr_cells;    /* this node's, for its children's reg */
	uint32_t size_cells;
	uint32_t hart_id;       /* NODE_CPU only */
	bool hart_usable;
	bool finished;          /* properties decoded; no more may follow */
};

struct phandle_entry {
	uint32_t phandle;
	uint32_t addr_cells;    /* 0 when absent, as interrupt-map wants */
	uint32_t intr_cells;    /* 0 when absent: not an interrupt parent */
	bool cpu_intc;          /* interrupt controller inside a cpu node */
	bool hart_usable;
	uint32_t hart_id;
};

struct fdt_parser {
	const uint8_t *blob;
	uint32_t total;
	uint32_t struct_off, struct_end;
	uint32_t strings_off, strings_size;
	uint32_t rsv_off;
	struct platform *out;
	char *err;
	size_t err_size;

	struct node_ctx stack[FDT_MAX_DEPTH];
	int depth;              /* open nodes; stack[depth - 1] is current */
	bool root_closed;
	struct prop props[NR_KNOWN_PROPS];

	struct phandle_entry phandles[FDT_MAX_PHANDLES];
	int nr_phandles;
	/* Kept for after the walk, once every phandle is known. */
	struct prop plic_intr_ext;
	struct prop pci_intr_map;
	uint32_t pci_intr_cells;
};

static __printf(2, 3) int fail(struct fdt_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->err_size) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->err_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint32_t be32_at(const uint8_t *b, uint32_t off)
{
	return (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 |
	       (uint32_t)b[off + 2] << 8 | (uint32_t)b[off + 3];
}

static uint64_t be64_at(const uint8_t *b, uint32_t off)
{
	return (uint64_t)be32_at(b, off) << 32 | be32_at(b, off + FDT_CELL);
}

/* A value of ncells (0..2) cells; callers have checked the bounds. */
static uint64_t cells_at(const struct fdt_parser *p, uint32_t off, uint32_t ncells)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < ncells; i++)
		v = v << 32 | be32_at(p->blob, off + i * FDT_CELL);
	return v;
}

static void copy_string(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = MIN(len, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct node_ctx *current(struct fdt_parser *p)
{
	return &p->stack[p->depth - 1];
}

static struct node_ctx *parent_of_current(struct fdt_parser *p)
{
	return p->depth >= 2 ? &p->stack[p->depth - 2] : NULL;
}

/* ---- header and reservation block ----------------------------------- */

static int check_block(struct fdt_parser *p, const char *what, uint32_t off,
		       uint64_t size, uint32_t hdr_size)
{
	if (off < hdr_size || off + size > p->total)
		return fail(p, "%s block (offset 0x%x, size 0x%llx) outside the blob "
			    "(totalsize 0x%x)", what, off, (unsigned long long)size,
			    p->total);
	return 0;
}

static int check_header(struct fdt_parser *p, size_t max_size)
{
	const uint8_t *b = p->blob;
	uint32_t version, hdr_size;
	uint64_t struct_size;

	if (max_size < HDR_V16_SIZE)
		return fail(p, "blob of %zu bytes is smaller than a header", max_size);
	if (be32_at(b, HDR_MAGIC) != FDT_MAGIC)
		return fail(p, "bad magic 0x%08x", be32_at(b, HDR_MAGIC));
	version = be32_at(b, HDR_VERSION);
	if (version < FDT_MIN_VERSION)
		return fail(p, "version %u is older than %u", version, FDT_MIN_VERSION);
	if (be32_at(b, HDR_LAST_COMP_VERSION) > FDT_READABLE_VERSION)
		return fail(p, "last compatible version %u is newer than %u",
			    be32_at(b, HDR_LAST_COMP_VERSION), FDT_READABLE_VERSION);
	hdr_size = version >= FDT_READABLE_VERSION ? HDR_V17_SIZE : HDR_V16_SIZE;
	p->total = be32_at(b, HDR_TOTALSIZE);
	if (p->total > max_size)
		return fail(p, "totalsize 0x%x exceeds the 0x%zx bytes available (truncated blob?)",
			    p->total, max_size);
	if (p->total < hdr_size)
		return fail(p, "totalsize 0x%x is smaller than the header", p->total);
	p->struct_off = be32_at(b, HDR_OFF_DT_STRUCT);
	p->strings_off = be32_at(b, HDR_OFF_DT_STRINGS);
	p->strings_size = be32_at(b, HDR_SIZE_DT_STRINGS);
	p->rsv_off = be32_at(b, HDR_OFF_MEM_RSVMAP);
	/* Version 16 does not record the structure size: it may run to the end. */
	struct_size = version >= FDT_READABLE_VERSION ? be32_at(b, HDR_SIZE_DT_STRUCT)
		      : (uint64_t)p->total - MIN(p->struct_off, p->total);
	if (!IS_ALIGNED(p->struct_off, FDT_CELL) || !IS_ALIGNED(p->rsv_off, FDT_RSV_ALIGN))
		return fail(p, "misaligned block offset (structure 0x%x, reservations 0x%x)",
			    p->struct_off, p->rsv_off);
	if (check_block(p, "structure", p->struct_off, struct_size, hdr_size) ||
	    check_block(p, "strings", p->strings_off, p->strings_size, hdr_size) ||
	    check_block(p, "reservation", p->rsv_off, 0, hdr_size))
		return -1;
	p->struct_end = p->struct_off + (uint32_t)struct_size;
	return 0;
}

static int add_reserved(struct fdt_parser *p, uint64_t base, uint64_t size,
			bool nomap, const char *name, size_t name_len)
{
	struct platform *out = p->out;
	struct fdt_reserved *r;

	if (out->nr_reserved == FDT_MAX_RESERVED)
		return fail(p, "more than %d reserved memory regions", FDT_MAX_RESERVED);
	r = &out->reserved[out->nr_reserved++];
	r->base = base;
	r->size = size;
	r->nomap = nomap;
	copy_string(r->name, sizeof(r->name), name, name_len);
	return 0;
}

/* The header's /memreserve/ list: (address, size) pairs up to a zero pair. */
static int parse_reservation_block(struct fdt_parser *p)
{
	static const char name[] = "memreserve";

	for (uint32_t off = p->rsv_off;; off += FDT_RSV_ENTRY) {
		uint64_t base, size;

		if ((uint64_t)off + FDT_RSV_ENTRY > p->total)
			return fail(p, "memory reservation block has no terminating entry");
		base = be64_at(p->blob, off);
		size = be64_at(p->blob, off + sizeof(uint64_t));
		if (!base && !size)
			return 0;
		if (size && add_reserved(p, base, size, false, name, sizeof(name) - 1))
			return -1;
	}
}

/* ---- property helpers ------------------------------------------------ */

static bool has(const struct fdt_parser *p, enum known_prop k)
{
	return p->props[k].found;
}

/* Whether string (list) property k contains s; the list is pre-validated. */
static bool string_list_has(const struct fdt_parser *p, enum known_prop k, const char *s)
{
	const struct prop *pr = &p->props[k];
	uint32_t off = 0;

	if (!pr->found)
		return false;
	while (off < pr->len) {
		const char *item = (const char *)p->blob + pr->off + off;

		if (strcmp(item, s) == 0)
			return true;
		off += strlen(item) + 1;
	}
	return false;
}

static const char *string_prop(const struct fdt_parser *p, enum known_prop k)
{
	return p->props[k].found ? (const char *)p->blob + p->props[k].off : NULL;
}

/* A one-cell property, or def when absent; -1 if it has the wrong size. */
static int u32_prop(struct fdt_parser *p, enum known_prop k, uint32_t def, uint32_t *v)
{
	const struct prop *pr = &p->props[k];

	*v = def;
	if (!pr->found)
		return 0;
	if (pr->len != FDT_CELL)
		return fail(p, "node %s: %s has %u bytes, expected %u",
			    current(p)->name, prop_names[k], pr->len, FDT_CELL);
	*v = be32_at(p->blob, pr->off);
	return 0;
}

/* A frequency: one or two cells (specification 3.7 and 3.8), 0 if absent. */
static int freq_prop(struct fdt_parser *p, enum known_prop k, uint64_t *v)
{
	const struct prop *pr = &p->props[k];

	*v = 0;
	if (!pr->found)
		return 0;
	if (pr->len != FDT_CELL && pr->len != 2 * FDT_CELL)
		return fail(p, "node %s: %s has %u bytes, expected 4 or 8",
			    current(p)->name, prop_names[k], pr->len);
	*v = cells_at(p, pr->off, pr->len / FDT_CELL);
	return 0;
}

/* Status absent, "okay" or the older "ok" means the device is usable. */
static bool node_enabled(const struct fdt_parser *p)
{
	const char *status = string_prop(p, P_STATUS);

	return !status || strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0;
}

/* Number of entries in the current node's reg, decoded with the parent's cells. */
static int reg_count(struct fdt_parser *p, const char *what)
{
	const struct node_ctx *parent = parent_of_current(p);
	const struct prop *reg = &p->props[P_REG];
	uint32_t entry;

	if (!reg->found)
		return fail(p, "%s node %s has no reg", what, current(p)->name);
	if (!parent || parent->addr_cells < 1 || parent->addr_cells > FDT_MAX_REG_CELLS ||
	    parent->size_cells > FDT_MAX_REG_CELLS)
		return fail(p, "%s node %s: unsupported #address-cells/#size-cells %u/%u",
			    what, current(p)->name, parent ? parent->addr_cells : 0,
			    parent ? parent->size_cells : 0);
	entry = (parent->addr_cells + parent->size_cells) * FDT_CELL;
	if (reg->len == 0 || reg->len % entry)
		return fail(p, "%s node %s: reg has %u bytes, not a multiple of %u",
			    what, current(p)->name, reg->len, entry);
	return (int)(reg->len / entry);
}

static struct fdt_region reg_entry(const struct fdt_parser *p, int i)
{
	const struct node_ctx *parent = &p->stack[p->depth - 2];
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	uint32_t off = p->props[P_REG].off + (uint32_t)i * (ac + sc) * FDT_CELL;
	struct fdt_region r = {
		.base = cells_at(p, off, ac),
		.size = cells_at(p, off + ac * FDT_CELL, sc),
	};
	return r;
}

/* The first reg entry and first interrupt of a device node. */
static int device_reg_irq(struct fdt_parser *p, const char *what,
			  struct fdt_region *r, uint32_t *irq)
{
	const struct prop *intr = &p->props[P_INTERRUPTS];

	if (reg_count(p, what) < 0)
		return -1;
	*r = reg_entry(p, 0);
	if (!irq)
		return 0;
	if (!intr->found || intr->len < FDT_CELL)
		return fail(p, "%s node %s has no interrupts", what, current(p)->name);
	*irq = be32_at(p->blob, intr->off);
	return 0;
}

/* ---- nodes: memory, reserved memory, chosen, cpus -------------------- */

static int handle_memory(struct fdt_parser *p)
{
	struct platform *out = p->out;
	int n = reg_count(p, "memory");

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct fdt_region r = reg_entry(p, i);

		if (!r.size)
			continue;
		if (out->nr_mem == FDT_MAX_MEM_BANKS)
			return fail(p, "more than %d memory banks", FDT_MAX_MEM_BANKS);
		out->mem[out->nr_mem++] = r;
	}
	return 0;
}

/* A /reserved-memory child; those without reg are allocation requests. */
static int handle_reserved(struct fdt_parser *p)
{
	const char *name = current(p)->name;
	int n;

	if (!has(p, P_REG))
		return 0;
	n = reg_count(p, "reserved-memory");
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct fdt_region r = reg_entry(p, i);

		if (r.size && add_reserved(p, r.base, r.size, has(p, P_NO_MAP),
					   name, strlen(name)))
			return -1;
	}
	return 0;
}

static int handle_chosen(struct fdt_parser *p)
{
	const char *args = string_prop(p, P_BOOTARGS);
	size_t len;

	if (!args)
		return 0;
	len = strlen(args);
	if (len >= FDT_BOOTARGS_MAX)
		return fail(p, "bootargs has %zu bytes, at most %d fit", len,
			    FDT_BOOTARGS_MAX - 1);
	copy_string(p->out->bootargs, sizeof(p->out->bootargs), args, len);
	return 0;
}

static int handle_cpus(struct fdt_parser *p)
{
	current(p)->kind = NODE_CPUS;
	return freq_prop(p, P_TIMEBASE, &p->out->timebase_freq);
}

static int handle_cpu(struct fdt_parser *p)
{
	struct node_ctx *ctx = current(p);
	struct platform *out = p->out;
	struct fdt_region r;
	uint64_t tb;

	ctx->kind = NODE_CPU;
	if (reg_count(p, "cpu") < 0)
		return -1;
	r = reg_entry(p, 0);
	if (r.base > UINT32_MAX)
		return fail(p, "cpu node %s: hart id 0x%llx does not fit 32 bits",
			    ctx->name, (unsigned long long)r.base);
	ctx->hart_id = (uint32_t)r.base;
	ctx->hart_usable = node_enabled(p);
	/* /cpus holds the common value; a per-cpu one only fills a gap. */
	if (freq_prop(p, P_TIMEBASE, &tb))
		return -1;
	if (!out->timebase_freq)
		out->timebase_freq = tb;
	if (!ctx->hart_usable)
		return 0;
	if (out->nr_harts == FDT_MAX_HARTS)
		return fail(p, "more than %d usable harts", FDT_MAX_HARTS);
	out->hart_id[out->nr_harts++] = ctx->hart_id;
	return 0;
}

/* ---- nodes: devices --------------------------------------------------- */

static int handle_uart(struct fdt_parser *p)
{
	struct platform *out = p->out;
	uint64_t clock;

	if (out->has_uart)
		return 0;
	if (device_reg_irq(p, "uart", &out->uart, &out->uart_irq) ||
	    freq_prop(p, P_CLOCK, &clock))
		return -1;
	out->uart_clock = (uint32_t)clock;
	out->has_uart = true;
	return 0;
}

static int handle_plic(struct fdt_parser *p)
{
	struct platform *out = p->out;

	/* Only the first PLIC: a multi-socket machine's others serve other harts. */
	if (out->has_plic)
		return 0;
	if (device_reg_irq(p, "plic", &out->plic, NULL) ||
	    u32_prop(p, P_NDEV, 0, &out->plic_ndev))
		return -1;
	if (!has(p, P_NDEV))
		return fail(p, "plic node %s has no riscv,ndev", current(p)->name);
	if (!has(p, P_INTR_EXTENDED))
		return fail(p, "plic node %s has no interrupts-extended", current(p)->name);
	p->plic_intr_ext = p->props[P_INTR_EXTENDED];
	out->has_plic = true;
	return 0;
}

static int handle_virtio(struct fdt_parser *p)
{
	struct platform *out = p->out;
	int i = out->nr_virtio;

	if (i == FDT_MAX_VIRTIO)
		return fail(p, "more than %d virtio,mmio nodes", FDT_MAX_VIRTIO);
	if (device_reg_irq(p, "virtio", &out->virtio[i], &out->virtio_irq[i]))
		return -1;
	out->nr_virtio++;
	return 0;
}

static int add_pci_window(struct fdt_parser *p, uint32_t off, uint32_t parent_ac,
			  uint32_t size_cells)
{
	struct platform *out = p->out;
	uint32_t hi = be32_at(p->blob, off);
	uint32_t space = (hi >> PCI_SPACE_SHIFT) & PCI_SPACE_MASK;
	struct pci_window *w;

	if (space == PCI_SPACE_CONFIG)
		return 0;
	if (out->nr_pci_windows == FDT_MAX_PCI_WINDOWS)
		return fail(p, "pci: more than %d ranges", FDT_MAX_PCI_WINDOWS);
	w = &out->pci_window[out->nr_pci_windows++];
	w->type = space == PCI_SPACE_IO ? PCI_WINDOW_IO
		  : space == PCI_SPACE_MEM32 ? PCI_WINDOW_MEM32 : PCI_WINDOW_MEM64;
	w->prefetchable = (hi & PCI_PREFETCHABLE) != 0;
	w->pci_addr = cells_at(p, off + FDT_CELL, PCI_ADDR_CELLS - 1);
	off += PCI_ADDR_CELLS * FDT_CELL;
	w->cpu_addr = cells_at(p, off, parent_ac);
	w->size = cells_at(p, off + parent_ac * FDT_CELL, size_cells);
	return 0;
}

/* ranges: (PCI address, CPU address, size) with the bridge's and its parent's cells. */
static int parse_pci_ranges(struct fdt_parser *p)
{
	const struct node_ctx *ctx = current(p), *parent = parent_of_current(p);
	const struct prop *ranges = &p->props[P_RANGES];
	uint32_t entry;

	if (ctx->addr_cells != PCI_ADDR_CELLS || ctx->size_cells < 1 ||
	    ctx->size_cells > FDT_MAX_REG_CELLS || parent->addr_cells > FDT_MAX_REG_CELLS)
		return fail(p, "pci node %s: #address-cells/#size-cells %u/%u under a parent "
			    "with #address-cells %u, expected 3/1..2 under 1..2", ctx->name,
			    ctx->addr_cells, ctx->size_cells, parent->addr_cells);
	if (!ranges->found)
		return fail(p, "pci node %s has no ranges", ctx->name);
	entry = (PCI_ADDR_CELLS + parent->addr_cells + ctx->size_cells) * FDT_CELL;
	if (ranges->len % entry)
		return fail(p, "pci node %s: ranges has %u bytes, not a multiple of %u",
			    ctx->name, ranges->len, entry);
	for (uint32_t off = 0; off < ranges->len; off += entry)
		if (add_pci_window(p, ranges->off + off, parent->addr_cells, ctx->size_cells))
			return -1;
	return 0;
}

static int handle_pci(struct fdt_parser *p)
{
	struct platform *out = p->out;
	const struct prop *bus = &p->props[P_BUS_RANGE];

	if (out->has_pci)
		return 0;
	if (device_reg_irq(p, "pci", &out->pci_ecam, NULL) || parse_pci_ranges(p) ||
	    u32_prop(p, P_INTR_CELLS, 1, &p->pci_intr_cells))
		return -1;
	out->pci_bus_start = 0;
	out->pci_bus_end = PCI_MAX_BUS;
	if (bus->found) {
		if (bus->len != 2 * FDT_CELL)
			return fail(p, "pci: bus-range has %u bytes, expected 8", bus->len);
		out->pci_bus_start = be32_at(p->blob, bus->off);
		out->pci_bus_end = be32_at(p->blob, bus->off + FDT_CELL);
		if (out->pci_bus_start > out->pci_bus_end || out->pci_bus_end > PCI_MAX_BUS)
			return fail(p, "pci: bad bus-range %u-%u", out->pci_bus_start,
				    out->pci_bus_end);
	}
	p->pci_intr_map = p->props[P_INTR_MAP];
	out->has_pci = true;
	return 0;
}

/* ---- finishing a node ------------------------------------------------- */

static int check_string_props(struct fdt_parser *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(string_props); i++) {
		const struct prop *pr = &p->props[string_props[i]];

		if (pr->found && (pr->len == 0 || p->blob[pr->off + pr->len - 1] != '\0'))
			return fail(p, "node %s: %s is not a NUL-terminated string",
				    current(p)->name, prop_names[string_props[i]]);
	}
	return 0;
}

static int record_phandle(struct fdt_parser *p)
{
	const struct node_ctx *parent = parent_of_current(p);
	struct phandle_entry *e;

	if (!has(p, P_PHANDLE))
		return 0;
	if (p->nr_phandles == FDT_MAX_PHANDLES)
		return fail(p, "more than %d phandles", FDT_MAX_PHANDLES);
	e = &p->phandles[p->nr_phandles];
	if (u32_prop(p, P_PHANDLE, 0, &e->phandle) ||
	    u32_prop(p, P_ADDR_CELLS, 0, &e->addr_cells) ||
	    u32_prop(p, P_INTR_CELLS, 0, &e->intr_cells))
		return -1;
	e->cpu_intc = parent && parent->kind == NODE_CPU && has(p, P_INTR_CONTROLLER);
	e->hart_id = e->cpu_intc ? parent->hart_id : 0;
	e->hart_usable = e->cpu_intc && parent->hart_usable;
	p->nr_phandles++;
	return 0;
}

static bool name_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

/* Decode the current node by where it sits and what it says it is. */
static int classify_node(struct fdt_parser *p)
{
	const struct node_ctx *ctx = current(p), *parent = parent_of_current(p);
	const char *type = string_prop(p, P_DEVICE_TYPE);

	if (p->depth == 2 && name_is(ctx->name, "cpus"))
		return handle_cpus(p);
	if (p->depth == 2 && name_is(ctx->name, "chosen"))
		return handle_chosen(p);
	if (p->depth == 2 && name_is(ctx->name, "reserved-memory")) {
		current(p)->kind = NODE_RESERVED_MEMORY;
		return 0;
	}
	if (p->depth == 2 && type && strcmp(type, "memory") == 0)
		return node_enabled(p) ? handle_memory(p) : 0;
	if (parent && parent->kind == NODE_RESERVED_MEMORY)
		return handle_reserved(p);
	if (parent && parent->kind == NODE_CPUS && type && strcmp(type, "cpu") == 0)
		return handle_cpu(p);
	if (!node_enabled(p))
		return 0;
	if (string_list_has(p, P_COMPATIBLE, "ns16550a"))
		return handle_uart(p);
	if (string_list_has(p, P_COMPATIBLE, "riscv,plic0") ||
	    string_list_has(p, P_COMPATIBLE, "sifive,plic-1.0.0"))
		return handle_plic(p);
	if (string_list_has(p, P_COMPATIBLE, "virtio,mmio"))
		return handle_virtio(p);
	if (string_list_has(p, P_COMPATIBLE, "pci-host-ecam-generic"))
		return handle_pci(p);
	return 0;
}

static int finish_node(struct fdt_parser *p)
{
	struct node_ctx *ctx = current(p);

	if (ctx->finished)
		return 0;
	ctx->finished = true;
	if (check_string_props(p) ||
	    u32_prop(p, P_ADDR_CELLS, DEFAULT_ADDR_CELLS, &ctx->addr_cells) ||
	    u32_prop(p, P_SIZE_CELLS, DEFAULT_SIZE_CELLS, &ctx->size_cells))
		return -1;
	/* cpu nodes learn their hart id in classify_node; their children need it. */
	if (classify_node(p) || record_phandle(p))
		return -1;
	return 0;
}

/* ---- the structure block walk ----------------------------------------- */

static int read_token(struct fdt_parser *p, uint32_t off, uint32_t *tok)
{
	if ((uint64_t)off + FDT_CELL > p->struct_end)
		return fail(p, "structure block ends at offset 0x%x without FDT_END", off);
	*tok = be32_at(p->blob, off);
	return 0;
}

static int begin_node(struct fdt_parser *p, uint32_t *off)
{
	const char *name = (const char *)p->blob + *off;
	size_t room = p->struct_end - *off, len = strnlen(name, room);
	struct node_ctx *ctx;

	if (p->root_closed)
		return fail(p, "node after the root node at offset 0x%x", *off);
	if (len == room)
		return fail(p, "node name at offset 0x%x runs past the structure block", *off);
	if (p->depth == FDT_MAX_DEPTH)
		return fail(p, "nodes nested deeper than %d at %s", FDT_MAX_DEPTH, name);
	if (p->depth && finish_node(p))
		return -1;
	ctx = &p->stack[p->depth++];
	memset(ctx, 0, sizeof(*ctx));
	ctx->name = name;
	ctx->addr_cells = DEFAULT_ADDR_CELLS;
	ctx->size_cells = DEFAULT_SIZE_CELLS;
	memset(p->props, 0, sizeof(p->props));
	*off = ALIGN_UP(*off + (uint32_t)len + 1, FDT_CELL);
	return 0;
}

static int end_node(struct fdt_parser *p)
{
	if (!p->depth)
		return fail(p, "FDT_END_NODE without an open node");
	if (finish_node(p))
		return -1;
	if (--p->depth == 0)
		p->root_closed = true;
	return 0;
}

static void note_prop(struct fdt_parser *p, const char *name, uint32_t off, uint32_t len)
{
	for (int k = 0; k < NR_KNOWN_PROPS; k++) {
		if (strcmp(name, prop_names[k]) == 0) {
			p->props[k] = (struct prop){ .off = off, .len = len, .found = true };
			return;
		}
	}
}

static int property(struct fdt_parser *p, uint32_t *off)
{
	uint32_t at = *off - FDT_CELL, len, nameoff;
	const char *name;

	if ((uint64_t)*off + 2 * FDT_CELL > p->struct_end)
		return fail(p, "property at offset 0x%x runs past the structure block", at);
	len = be32_at(p->blob, *off);
	nameoff = be32_at(p->blob, *off + FDT_CELL);
	*off += 2 * FDT_CELL;
	if ((uint64_t)*off + len > p->struct_end)
		return fail(p, "property at offset 0x%x: %u bytes run past the structure block",
			    at, len);
	name = (const char *)p->blob + p->strings_off + nameoff;
	if (nameoff >= p->strings_size ||
	    strnlen(name, p->strings_size - nameoff) == p->strings_size - nameoff)
		return fail(p, "property at offset 0x%x: bad name offset 0x%x (strings block "
			    "has 0x%x bytes)", at, nameoff, p->strings_size);
	if (!p->depth)
		return fail(p, "property %s outside any node", name);
	if (current(p)->finished)
		return fail(p, "node %s: property %s after a subnode", current(p)->name, name);
	note_prop(p, name, *off, len);
	*off = ALIGN_UP(*off + len, FDT_CELL);
	return 0;
}

static int walk_structure(struct fdt_parser *p)
{
	uint32_t off = p->struct_off, tok = 0;
	int rc;

	for (;;) {
		if (read_token(p, off, &tok))
			return -1;
		off += FDT_CELL;
		if (tok == FDT_END)
			break;
		if (tok == FDT_BEGIN_NODE)
			rc = begin_node(p, &off);
		else if (tok == FDT_END_NODE)
			rc = end_node(p);
		else if (tok == FDT_PROP)
			rc = property(p, &off);
		else if (tok == FDT_NOP)
			rc = 0;
		else
			return fail(p, "unknown token 0x%x at offset 0x%x", tok, off - FDT_CELL);
		if (rc)
			return rc;
	}
	if (!p->root_closed || p->depth)
		return fail(p, "FDT_END inside an open node (or no root node)");
	return 0;
}

/* ---- after the walk: phandle references -------------------------------- */

static const struct phandle_entry *find_phandle(const struct fdt_parser *p, uint32_t ph)
{
	for (int i = 0; i < p->nr_phandles; i++)
		if (p->phandles[i].phandle == ph)
			return &p->phandles[i];
	return NULL;
}

/* Interrupt parent named at off, with its cell counts checked. */
static int interrupt_parent(struct fdt_parser *p, const char *what, uint32_t off,
			    const struct phandle_entry **e)
{
	uint32_t ph = be32_at(p->blob, off);

	*e = find_phandle(p, ph);
	if (!*e)
		return fail(p, "%s refers to unknown phandle 0x%x", what, ph);
	if ((*e)->intr_cells == 0)
		return fail(p, "%s: phandle 0x%x is not an interrupt controller "
			    "(no #interrupt-cells)", what, ph);
	if ((*e)->intr_cells > FDT_MAX_SPEC_CELLS || (*e)->addr_cells > FDT_MAX_SPEC_CELLS)
		return fail(p, "%s: phandle 0x%x has #interrupt-cells %u, #address-cells %u "
			    "(at most %u each)", what, ph, (*e)->intr_cells,
			    (*e)->addr_cells, FDT_MAX_SPEC_CELLS);
	return 0;
}

static void set_s_context(struct platform *out, uint32_t hart_id, int context)
{
	for (int i = 0; i < out->nr_harts; i++)
		if (out->hart_id[i] == hart_id)
			out->plic_s_context[i] = context;
}

/* Context n of the PLIC is entry n of interrupts-extended; irq 9 marks S mode. */
static int resolve_plic_contexts(struct fdt_parser *p)
{
	const struct prop *ie = &p->plic_intr_ext;
	uint32_t off = ie->off, end = ie->off + ie->len;

	for (int context = 0; off < end; context++) {
		const struct phandle_entry *e;

		if ((uint64_t)off + 2 * FDT_CELL > end)
			return fail(p, "plic: interrupts-extended is truncated");
		if (interrupt_parent(p, "plic interrupts-extended", off, &e))
			return -1;
		if ((uint64_t)off + (1 + e->intr_cells) * FDT_CELL > end)
			return fail(p, "plic: interrupts-extended is truncated");
		if (e->cpu_intc && e->hart_usable &&
		    be32_at(p->blob, off + FDT_CELL) == IRQ_S_EXT)
			set_s_context(p->out, e->hart_id, context);
		off += (1 + e->intr_cells) * FDT_CELL;
	}
	return 0;
}

/* One interrupt-map entry at *off: child address, pin, parent, parent irq. */
static int pci_intx_entry(struct fdt_parser *p, uint32_t *off, uint32_t end)
{
	struct platform *out = p->out;
	uint32_t child = (PCI_ADDR_CELLS + p->pci_intr_cells) * FDT_CELL;
	uint32_t hi, pin, slot, parent_len;
	const struct phandle_entry *e;

	if ((uint64_t)*off + child + FDT_CELL > end)
		return fail(p, "pci: interrupt-map is truncated");
	hi = be32_at(p->blob, *off);
	pin = be32_at(p->blob, *off + PCI_ADDR_CELLS * FDT_CELL);
	*off += child;
	if (interrupt_parent(p, "pci interrupt-map", *off, &e))
		return -1;
	parent_len = (1 + e->addr_cells + e->intr_cells) * FDT_CELL;
	if ((uint64_t)*off + parent_len > end)
		return fail(p, "pci: interrupt-map is truncated");
	if (pin < 1 || pin > PCI_INTX_PINS)
		return fail(p, "pci: interrupt-map names pin %u, expected 1..4", pin);
	slot = (hi >> PCI_DEVICE_SHIFT) & PCI_DEVICE_MASK;
	if (slot < PCI_INTX_SLOTS) {
		out->pci_intx_irq[slot][pin - 1] =
			be32_at(p->blob, *off + (1 + e->addr_cells) * FDT_CELL);
		out->has_pci_intx = true;
	}
	*off += parent_len;
	return 0;
}

static int resolve_pci_intx(struct fdt_parser *p)
{
	const struct prop *map = &p->pci_intr_map;
	uint32_t off = map->off, end = map->off + map->len;

	if (p->pci_intr_cells != 1)
		return fail(p, "pci: #interrupt-cells %u, expected 1", p->pci_intr_cells);
	while (off < end)
		if (pci_intx_entry(p, &off, end))
			return -1;
	return 0;
}

static void sort_virtio(struct platform *out)
{
	for (int i = 1; i < out->nr_virtio; i++) {
		for (int j = i; j > 0 && out->virtio[j - 1].base > out->virtio[j].base; j--) {
			struct fdt_region r = out->virtio[j];
			uint32_t irq = out->virtio_irq[j];

			out->virtio[j] = out->virtio[j - 1];
			out->virtio_irq[j] = out->virtio_irq[j - 1];
			out->virtio[j - 1] = r;
			out->virtio_irq[j - 1] = irq;
		}
	}
}

static int finish_platform(struct fdt_parser *p)
{
	struct platform *out = p->out;

	if (out->has_plic && resolve_plic_contexts(p))
		return -1;
	if (out->has_pci && p->pci_intr_map.found && resolve_pci_intx(p))
		return -1;
	if (!out->nr_mem)
		return fail(p, "no memory node (device_type \"memory\") with a non-empty reg");
	if (!out->nr_harts)
		return fail(p, "no usable cpu node in /cpus");
	if (!out->timebase_freq)
		return fail(p, "no timebase-frequency in /cpus or its cpu nodes");
	sort_virtio(out);
	return 0;
}

/* ---- interface --------------------------------------------------------- */

/* Header totalsize, 0 for a bad magic; reads the first 8 bytes only. */
size_t fdt_total_size(const void *fdt)
{
	const uint8_t *b = fdt;

	if (be32_at(b, HDR_MAGIC) != FDT_MAGIC)
		return 0;
	return be32_at(b, HDR_TOTALSIZE);
}

/* 0 with *out filled, or -1 with a one-line reason in err (see fdt.h). */
int fdt_parse(const void *fdt, size_t max_size, struct platform *out,
	      char *err, size_t err_size)
{
	struct fdt_parser p;

	memset(&p, 0, sizeof(p));
	p.blob = fdt;
	p.out = out;
	p.err = err;
	p.err_size = err_size;
	if (err && err_size)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < FDT_MAX_HARTS; i++)
		out->plic_s_context[i] = -1;
	if (!fdt)
		return fail(&p, "no device tree blob");
	if (check_header(&p, max_size) || parse_reservation_block(&p) ||
	    walk_structure(&p) || finish_platform(&p))
		return -1;
	return 0;
}
