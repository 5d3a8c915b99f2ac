/*
 * virtio-blk over virtio-mmio, modern interface (virtio 1.1/1.2, sections
 * 3.1, 4.2, 2.6 and 5.2). One disk, one split virtqueue, every request a
 * three-descriptor chain: header (device reads), data, status (device
 * writes). Several requests may be in flight; a process waits asleep on its
 * buffer and the interrupt handler wakes it when the device hands the chain
 * back through the used ring.
 *
 * Locking: disk.lock guards the queue, the descriptor free list and the
 * owner table. It is taken by processes in virtio_blk_rw() and by the
 * interrupt handler; the only sleeps are sleep(..., &disk.lock).
 */
#include "buf.h"
#include "virtio.h"
#include "fdt.h"
#include "io.h"
#include "irq.h"
#include "mm.h"
#include "proc.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "printk.h"
#include "fault_inject.h"
#include "uapi/errno.h"

/* Our queue size: three descriptors per request, so ten requests in flight.
 * The device may offer fewer; it must be a power of two (section 2.6). */
#define VIRTQ_MAX          32
#define DESCS_PER_REQ      3
#define SECTORS_PER_BLOCK  (BSIZE / VIRTIO_BLK_SECTOR_SIZE)
#define QUEUE_INDEX        0      /* virtio-blk without MQ has one queue */
#define STATUS_UNSET       0xff   /* not a status the device may write */
#define RESET_SPIN_LIMIT   1000000
#define HALF_BITS          32     /* 64-bit values sit in two 32-bit registers */
/* Registers up to and including the capacity field must be mapped. */
#define VIRTIO_MMIO_MIN_SIZE (VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY + sizeof(uint64_t))

/* What we accept if offered: VERSION_1 is the modern interface itself; RO
 * lets us refuse writes up front; ACCESS_PLATFORM only says DMA goes through
 * the platform's address translation, and ours is the identity. FLUSH is
 * left out on purpose: without it the device must write through, which is
 * what the file system's log relies on. */
#define FEATURES_WANTED (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | \
			 VIRTIO_FEATURE(VIRTIO_BLK_F_RO) | \
			 VIRTIO_FEATURE(VIRTIO_F_ACCESS_PLATFORM))

enum req_part { REQ_HDR, REQ_DATA, REQ_STATUS };

/* Device-visible request headers and status bytes, indexed by the head
 * descriptor of the request's chain. Lives in its own page for DMA. */
struct blk_req_dma {
	struct virtio_blk_req_hdr hdr[VIRTQ_MAX];
	uint8_t status[VIRTQ_MAX];
};

_Static_assert(sizeof(struct virtq_desc) * VIRTQ_MAX <= PAGE_SIZE, "desc page");
_Static_assert(sizeof(struct virtq_avail) + sizeof(uint16_t) * (VIRTQ_MAX + 1) <= PAGE_SIZE,
	       "avail page");
_Static_assert(sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * VIRTQ_MAX +
	       sizeof(uint16_t) <= PAGE_SIZE, "used page");
_Static_assert(sizeof(struct blk_req_dma) <= PAGE_SIZE, "request page");
_Static_assert(BSIZE % VIRTIO_BLK_SECTOR_SIZE == 0, "block size");

static struct virtio_blk {
	struct spinlock lock;
	volatile uint8_t *regs;
	phys_addr_t base;
	uint32_t irq;
	uint16_t qsize;               /* descriptors in the queue */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct blk_req_dma *dma;
	bool desc_free[VIRTQ_MAX];
	int nr_free;
	struct buf *owner[VIRTQ_MAX]; /* request whose chain starts at desc i */
	uint16_t used_seen;           /* next used-ring entry to look at */
	uint64_t capacity;            /* in 512-byte sectors */
	bool read_only;
	bool ready;
} disk = { .lock = { .name = "virtio_blk" } };

static uint32_t reg_read(enum virtio_mmio_reg r) { return readl(disk.regs + r); }
static void reg_write(enum virtio_mmio_reg r, uint32_t v) { writel(v, disk.regs + r); }

static void add_status(uint32_t bit)
{
	reg_write(VIRTIO_MMIO_STATUS, reg_read(VIRTIO_MMIO_STATUS) | bit);
}

/* Writing 0 resets; the device is reset only once it reads back 0. */
static int reset_device(void)
{
	reg_write(VIRTIO_MMIO_STATUS, 0);
	for (int i = 0; i < RESET_SPIN_LIMIT; i++)
		if (reg_read(VIRTIO_MMIO_STATUS) == 0)
			return 0;
	printf("virtio-blk at %p: device did not reset\n", (void *)disk.base);
	return -ENODEV;
}

/* ---- feature negotiation (section 3.1.1, steps 4-6) -------------------- */

static uint64_t read_device_features(void)
{
	uint64_t f = 0;

	for (uint32_t w = 0; w < VIRTIO_FEATURE_WORDS; w++) {
		reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, w);
		f |= (uint64_t)reg_read(VIRTIO_MMIO_DEVICE_FEATURES) << (w * VIRTIO_FEATURE_WORD_BITS);
	}
	return f;
}

static void write_driver_features(uint64_t f)
{
	for (uint32_t w = 0; w < VIRTIO_FEATURE_WORDS; w++) {
		reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, w);
		reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> (w * VIRTIO_FEATURE_WORD_BITS)));
	}
}

static int negotiate_features(void)
{
	uint64_t offered = read_device_features();
	uint64_t accepted = offered & FEATURES_WANTED;

	if (!(offered & VIRTIO_FEATURE(VIRTIO_F_VERSION_1))) {
		printf("virtio-blk at %p: no VIRTIO_F_VERSION_1 (offers 0x%lx)\n",
		       (void *)disk.base, offered);
		return -ENODEV;
	}
	write_driver_features(accepted);
	add_status(VIRTIO_STATUS_FEATURES_OK);
	/* The device clears FEATURES_OK if it cannot live with our subset. */
	if (!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		printf("virtio-blk at %p: device refused features 0x%lx\n",
		       (void *)disk.base, accepted);
		return -ENODEV;
	}
	disk.read_only = (accepted & VIRTIO_FEATURE(VIRTIO_BLK_F_RO)) != 0;
	printf("virtio-blk: features offered 0x%lx, accepted 0x%lx\n", offered, accepted);
	return 0;
}

/* ---- the virtqueue (section 4.2.3.2) ------------------------------------ */

static uint16_t rounddown_pow2(uint32_t n)
{
	uint32_t p = 1;

	while (p * 2 <= n)
		p *= 2;
	return (uint16_t)p;
}

static void free_queue_pages(void)
{
	void *pages[] = { disk.desc, disk.avail, disk.used, disk.dma };

	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i])
			free_page(pages[i]);
	disk.desc = NULL;
	disk.avail = NULL;
	disk.used = NULL;
	disk.dma = NULL;
}

static int alloc_queue_pages(void)
{
	disk.desc = get_zeroed_page();
	disk.avail = get_zeroed_page();
	disk.used = get_zeroed_page();
	disk.dma = get_zeroed_page();
	if (!disk.desc || !disk.avail || !disk.used || !disk.dma) {
		free_queue_pages();
		printf("virtio-blk: no memory for the virtqueue\n");
		return -ENOMEM;
	}
	return 0;
}

static void write_queue_addr(enum virtio_mmio_reg low, enum virtio_mmio_reg high, void *va)
{
	phys_addr_t pa = __pa(va);

	reg_write(low, (uint32_t)pa);
	reg_write(high, (uint32_t)(pa >> HALF_BITS));
}

static int setup_queue(void)
{
	uint32_t max;

	reg_write(VIRTIO_MMIO_QUEUE_SEL, QUEUE_INDEX);
	if (reg_read(VIRTIO_MMIO_QUEUE_READY)) {
		printf("virtio-blk at %p: queue already live after reset\n", (void *)disk.base);
		return -ENODEV;
	}
	max = reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max < DESCS_PER_REQ) {
		printf("virtio-blk at %p: queue holds %u descriptors, need %d\n",
		       (void *)disk.base, max, DESCS_PER_REQ);
		return -ENODEV;
	}
	if (alloc_queue_pages())
		return -ENOMEM;
	disk.qsize = rounddown_pow2(MIN(max, (uint32_t)VIRTQ_MAX));
	for (int i = 0; i < disk.qsize; i++)
		disk.desc_free[i] = true;
	disk.nr_free = disk.qsize;
	reg_write(VIRTIO_MMIO_QUEUE_NUM, disk.qsize);
	write_queue_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH, disk.desc);
	write_queue_addr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, disk.avail);
	write_queue_addr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, disk.used);
	reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

/* 64-bit config fields are read as two 32-bit halves (section 4.2.2.2);
 * the generation counter tells us the halves belong together. */
static uint64_t read_capacity(void)
{
	uint32_t gen, lo, hi;

	do {
		gen = reg_read(VIRTIO_MMIO_CONFIG_GENERATION);
		lo = reg_read(VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY);
		hi = reg_read(VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY + sizeof(uint32_t));
	} while (gen != reg_read(VIRTIO_MMIO_CONFIG_GENERATION));
	return (uint64_t)hi << HALF_BITS | lo;
}

/* ---- completion ---------------------------------------------------------- */

static void complete_request(uint32_t head)
{
	struct buf *b = head < disk.qsize ? disk.owner[head] : NULL;

	if (!b) {
		printf("virtio-blk: device returned descriptor %u, which is not in flight\n", head);
		return;
	}
	b->disk = false;
	wakeup(b);
}

/* A configuration change: the disk may have been resized, or the device
 * may be asking for a reset we do not do. Caller holds disk.lock. */
static void config_changed(void)
{
	disk.capacity = read_capacity();
	printf("virtio-blk: configuration changed, now %lu KiB\n",
	       disk.capacity * VIRTIO_BLK_SECTOR_SIZE / KiB(1));
	if (reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		printf("virtio-blk: device needs a reset; requests may fail\n");
}

/* Interrupt handler: acknowledge, then retire every chain the device has
 * put in the used ring since the last interrupt. */
static void virtio_blk_intr(void *arg)
{
	uint32_t isr;

	(void)arg;
	spin_lock(&disk.lock);
	isr = reg_read(VIRTIO_MMIO_INTERRUPT_STATUS) &
	      (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	reg_write(VIRTIO_MMIO_INTERRUPT_ACK, isr);
	if (isr & VIRTIO_MMIO_INT_CONFIG)
		config_changed();
	while (disk.used_seen != READ_ONCE(disk.used->idx)) {
		mb();   /* read the entry only after the index that published it */
		complete_request(disk.used->ring[disk.used_seen % disk.qsize].id);
		disk.used_seen++;
	}
	spin_unlock(&disk.lock);
}

/* ---- probing ------------------------------------------------------------- */

/* Status sequence of section 3.1.1; on failure the device is left reset. */
static int start_device(void)
{
	int err = reset_device();

	if (err)
		return err;
	add_status(VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(VIRTIO_STATUS_DRIVER);
	err = negotiate_features();
	if (!err)
		err = setup_queue();
	if (!err)
		err = request_irq(disk.irq, virtio_blk_intr, &disk);
	if (err) {
		add_status(VIRTIO_STATUS_FAILED);
		reset_device();   /* the device must forget the queue before it is freed */
		free_queue_pages();
		return err;
	}
	disk.capacity = read_capacity();
	add_status(VIRTIO_STATUS_DRIVER_OK);
	return 0;
}

/* Device ID of a modern virtio-mmio slot; VIRTIO_ID_NONE for anything we
 * cannot drive (empty slot, bad magic, legacy or unknown version). */
static uint32_t identify(volatile uint8_t *regs, phys_addr_t base)
{
	uint32_t magic = readl(regs + VIRTIO_MMIO_MAGIC_VALUE);
	uint32_t version = readl(regs + VIRTIO_MMIO_VERSION);

	if (magic != VIRTIO_MMIO_MAGIC) {
		printf("virtio-mmio at %p: bad magic 0x%x\n", (void *)base, magic);
		return VIRTIO_ID_NONE;
	}
	if (version == VIRTIO_MMIO_VERSION_LEGACY) {
		if (readl(regs + VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_NONE)
			printf("virtio-mmio at %p is legacy (version 1): run QEMU with "
			       "-global virtio-mmio.force-legacy=false\n", (void *)base);
		return VIRTIO_ID_NONE;
	}
	if (version != VIRTIO_MMIO_VERSION_MODERN) {
		printf("virtio-mmio at %p: unknown version %u\n", (void *)base, version);
		return VIRTIO_ID_NONE;
	}
	return readl(regs + VIRTIO_MMIO_DEVICE_ID);
}

/* Take slot i if it is the first working block device; unmap it otherwise. */
static void probe_slot(const struct platform *plat, int i)
{
	const struct fdt_region *r = &plat->virtio[i];
	volatile uint8_t *regs;

	if (r->size < VIRTIO_MMIO_MIN_SIZE) {
		printf("virtio-mmio at %p: region of %lu bytes is too small\n",
		       (void *)r->base, r->size);
		return;
	}
	regs = ioremap(r->base, r->size);
	if (!regs) {
		printf("virtio-mmio at %p: ioremap failed\n", (void *)r->base);
		return;
	}
	if (identify(regs, r->base) == VIRTIO_ID_BLOCK) {
		if (disk.ready) {
			printf("virtio-blk at %p: ignored, only the first disk is used\n",
			       (void *)r->base);
		} else {
			disk.regs = regs;
			disk.base = r->base;
			disk.irq = plat->virtio_irq[i];
			disk.ready = start_device() == 0;
			if (disk.ready)
				return;
		}
	}
	iounmap((void *)regs, r->size);
}

/*
 * Find and start the first virtio-blk device among the device tree's
 * virtio,mmio slots. Panics if there is none: the root file system lives
 * on it. Call after plic_init() (it registers its interrupt) and before
 * the first virtio_blk_rw().
 */
void virtio_blk_init(const struct platform *plat)
{
	for (int i = 0; i < plat->nr_virtio; i++)
		probe_slot(plat, i);
	if (!disk.ready)
		panic("virtio_blk_init: no usable virtio-blk disk among %d virtio-mmio slots "
		      "(QEMU: -global virtio-mmio.force-legacy=false "
		      "-drive file=fs.img,if=none,format=raw,id=disk0 "
		      "-device virtio-blk-device,drive=disk0)", plat->nr_virtio);
	printf("virtio-blk at %p: %lu KiB%s, irq %u, queue of %u\n", (void *)disk.base,
	       disk.capacity * VIRTIO_BLK_SECTOR_SIZE / KiB(1),
	       disk.read_only ? ", read-only" : "", disk.irq, disk.qsize);
}

/* ---- requests ------------------------------------------------------------ */

/* Take DESCS_PER_REQ free descriptors, or none. Caller holds disk.lock. */
static bool alloc_chain(uint16_t d[DESCS_PER_REQ])
{
	int n = 0;

	if (disk.nr_free < DESCS_PER_REQ)
		return false;
	for (uint16_t i = 0; i < disk.qsize && n < DESCS_PER_REQ; i++) {
		if (disk.desc_free[i]) {
			disk.desc_free[i] = false;
			d[n++] = i;
		}
	}
	BUG_ON(n != DESCS_PER_REQ);   /* nr_free disagrees with desc_free[] */
	disk.nr_free -= DESCS_PER_REQ;
	return true;
}

/* Return the chain starting at head and wake requests waiting for space. */
static void free_chain(uint16_t head)
{
	uint16_t i = head;

	for (;;) {
		struct virtq_desc *d = &disk.desc[i];
		bool more = d->flags & VIRTQ_DESC_F_NEXT;
		uint16_t next = d->next;

		if (disk.desc_free[i])
			panic("free_chain: descriptor %u freed twice", i);
		disk.desc_free[i] = true;
		disk.nr_free++;
		*d = (struct virtq_desc){ 0 };
		if (!more)
			break;
		i = next;
	}
	wakeup(&disk.nr_free);
}

static void set_desc(uint16_t i, phys_addr_t pa, uint32_t len, uint16_t flags, uint16_t next)
{
	disk.desc[i] = (struct virtq_desc){ .addr = pa, .len = len, .flags = flags, .next = next };
}

/* The device reaches memory by physical address: only the direct map and
 * the kernel image translate with __pa() into one contiguous range. */
static phys_addr_t buf_dma_addr(struct buf *b)
{
	uint64_t va = (uint64_t)b->data;

	if (!(va >= PAGE_OFFSET && va < DIRECT_MAP_END) && va < KERNEL_VIRT_START)
		panic("virtio_blk_rw: buffer data at %p is not in the direct map or kernel image",
		      b->data);
	return __pa(b->data);
}

static void fill_request(const uint16_t d[DESCS_PER_REQ], struct buf *b, enum blk_op op)
{
	struct virtio_blk_req_hdr *hdr = &disk.dma->hdr[d[REQ_HDR]];
	uint8_t *status = &disk.dma->status[d[REQ_HDR]];
	uint16_t data_flags = VIRTQ_DESC_F_NEXT | (op == BLK_READ ? VIRTQ_DESC_F_WRITE : 0);

	hdr->type = op == BLK_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	hdr->reserved = 0;
	hdr->sector = (uint64_t)b->blockno * SECTORS_PER_BLOCK;
	*status = STATUS_UNSET;
	set_desc(d[REQ_HDR], __pa(hdr), sizeof(*hdr), VIRTQ_DESC_F_NEXT, d[REQ_DATA]);
	set_desc(d[REQ_DATA], buf_dma_addr(b), BSIZE, data_flags, d[REQ_STATUS]);
	set_desc(d[REQ_STATUS], __pa(status), sizeof(*status), VIRTQ_DESC_F_WRITE, 0);
}

/* Publish a chain in the available ring and tell the device. */
static void submit(uint16_t head)
{
	uint16_t idx = disk.avail->idx;

	disk.avail->ring[idx % disk.qsize] = head;
	mb();   /* the device must see the entry before the index that publishes it */
	WRITE_ONCE(disk.avail->idx, (uint16_t)(idx + 1));
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, QUEUE_INDEX);   /* writel orders the index first */
}

/* Reasons to refuse a request before it reaches the device. */
static int check_request(const struct buf *b, enum blk_op op)
{
	uint64_t end = ((uint64_t)b->blockno + 1) * SECTORS_PER_BLOCK;

	if (end > disk.capacity) {
		printf("virtio-blk: block %u is beyond the end of the disk (%lu blocks)\n",
		       b->blockno, disk.capacity / SECTORS_PER_BLOCK);
		return -EIO;
	}
	if (op == BLK_WRITE && disk.read_only) {
		printf("virtio-blk: block %u not written: the disk is read-only\n", b->blockno);
		return -EIO;
	}
	return 0;
}

/*
 * fail_disk= (fault_inject.h): the device carried the request out, and the
 * driver reports it failed, for requests of processes that asked. For a
 * write that is the hardest case for the file system: the block may or
 * may not be on the disk.
 */
/*
 * Read or write block b->blockno to/from b->data and sleep until the device
 * is done. The caller holds b->lock (a sleeplock) and is a process. Returns
 * 0, or -EIO (with a report) for a block past the end of the disk, a write
 * to a read-only disk, or a request the device failed.
 */
int virtio_blk_rw(struct buf *b, enum blk_op op)
{
	uint16_t d[DESCS_PER_REQ];
	uint8_t status;
	bool injected;
	int err;

	if (!disk.ready)
		panic("virtio_blk_rw: no disk (virtio_blk_init has not found one)");
	if (!sleep_is_held(&b->lock))
		panic("virtio_blk_rw: block %u: caller does not hold the buffer lock", b->blockno);
	err = check_request(b, op);
	if (err)
		return err;
	spin_lock(&disk.lock);
	while (!alloc_chain(d))
		sleep(&disk.nr_free, &disk.lock);
	fill_request(d, b, op);
	disk.owner[d[REQ_HDR]] = b;
	b->disk = true;
	submit(d[REQ_HDR]);
	while (b->disk)
		sleep(b, &disk.lock);
	status = READ_ONCE(disk.dma->status[d[REQ_HDR]]);
	disk.owner[d[REQ_HDR]] = NULL;
	free_chain(d[REQ_HDR]);
	spin_unlock(&disk.lock);
	injected = status == VIRTIO_BLK_S_OK && should_fail(FAULT_DISK);
	if (injected)
		status = VIRTIO_BLK_S_IOERR;
	if (status != VIRTIO_BLK_S_OK) {
		printf("virtio-blk: %s of block %u failed (status %u%s)\n",
		       op == BLK_WRITE ? "write" : "read", b->blockno, status,
		       injected ? ", injected" : "");
		return -EIO;
	}
	return 0;
}
