/*
 * Buffer cache: NBUF disk blocks kept in memory, on a list ordered by
 * last use. Caching saves disk reads; it is also the one place a block
 * lives in memory, so two processes that touch a block share one copy
 * and the buffer's sleep lock serialises them.
 *
 * bcache.lock guards the list, refcnt, dev and blockno of every buffer;
 * a buffer's sleep lock guards its data and valid flag.
 */
#include "fs.h"
#include "buf.h"
#include "param.h"
#include "proc.h"
#include "printk.h"
#include "string.h"

static struct {
	struct spinlock lock;
	struct buf buf[NBUF];
	/* Circular list through prev/next; head.next is the most recent. */
	struct buf head;
} bcache;

static void lru_unlink(struct buf *b)
{
	b->next->prev = b->prev;
	b->prev->next = b->next;
}

static void lru_push_front(struct buf *b)
{
	b->next = bcache.head.next;
	b->prev = &bcache.head;
	bcache.head.next->prev = b;
	bcache.head.next = b;
}

void binit(void)
{
	spin_lock_init(&bcache.lock, "bcache");
	bcache.head.prev = &bcache.head;
	bcache.head.next = &bcache.head;
	for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
		sleep_lock_init(&b->lock, "buffer");
		lru_push_front(b);
	}
}

/* The cached buffer for (dev, blockno), or an unused one taken over for
 * it, or NULL when every buffer is in use. Caller holds bcache.lock. */
static struct buf *bget_locked(uint32_t dev, uint32_t blockno)
{
	struct buf *b;

	for (b = bcache.head.next; b != &bcache.head; b = b->next) {
		if (b->dev == dev && b->blockno == blockno) {
			b->refcnt++;
			return b;
		}
	}
	/* Recycle the least recently used buffer nobody holds. */
	for (b = bcache.head.prev; b != &bcache.head; b = b->prev) {
		if (b->refcnt == 0) {
			b->dev = dev;
			b->blockno = blockno;
			b->valid = false;
			b->refcnt = 1;
			return b;
		}
	}
	return NULL;
}

/* A locked buffer for the block; sleeps until one is free rather than
 * failing, since every holder releases its buffers soon. */
static struct buf *bget(uint32_t dev, uint32_t blockno)
{
	struct buf *b;

	spin_lock(&bcache.lock);
	while ((b = bget_locked(dev, blockno)) == NULL)
		sleep(&bcache, &bcache.lock);
	spin_unlock(&bcache.lock);
	sleep_lock(&b->lock);
	return b;
}

struct buf *bread(uint32_t dev, uint32_t blockno)
{
	struct buf *b = bget(dev, blockno);

	if (!b->valid) {
		/* A failed read leaves the buffer invalid: the next bread of
		 * the block asks the disk again instead of trusting junk. */
		if (virtio_blk_rw(b, BLK_READ) < 0) {
			brelse(b);
			return NULL;
		}
		b->valid = true;
	}
	return b;
}

struct buf *bget_zeroed(uint32_t dev, uint32_t blockno)
{
	struct buf *b = bget(dev, blockno);

	/* Its old contents do not matter: skip the disk read. */
	memset(b->data, 0, BSIZE);
	b->valid = true;
	return b;
}

int bwrite(struct buf *b)
{
	if (!sleep_is_held(&b->lock))
		panic("bwrite: buffer not locked");
	return virtio_blk_rw(b, BLK_WRITE);
}

void brelse(struct buf *b)
{
	if (!sleep_is_held(&b->lock))
		panic("brelse: buffer not locked");
	sleep_unlock(&b->lock);

	spin_lock(&bcache.lock);
	if (--b->refcnt == 0) {
		lru_unlink(b);
		lru_push_front(b);
		wakeup(&bcache);
	}
	spin_unlock(&bcache.lock);
}

void bpin(struct buf *b)
{
	spin_lock(&bcache.lock);
	b->refcnt++;
	spin_unlock(&bcache.lock);
}

void bunpin(struct buf *b)
{
	spin_lock(&bcache.lock);
	if (b->refcnt == 0)
		panic("bunpin: buffer not pinned");
	if (--b->refcnt == 0)
		wakeup(&bcache);
	spin_unlock(&bcache.lock);
}
