#ifndef PAGODA_BUF_H
#define PAGODA_BUF_H
#include "sleeplock.h"
#include "fs_format.h"

/* A cached disk block. */
struct buf {
	bool valid;           /* data has been read from disk */
	volatile bool disk;   /* the disk owns it (request in flight) */
	uint32_t dev;
	uint32_t blockno;
	struct sleeplock lock;
	uint32_t refcnt;
	struct buf *prev;     /* LRU list */
	struct buf *next;
	uint8_t data[BSIZE];
};

enum blk_op { BLK_READ, BLK_WRITE };

/* virtio-blk: probe the device-tree slots; panics if no disk is found. */
struct platform;
void virtio_blk_init(const struct platform *plat);
/* Read or write b->blockno; sleeps until done. Caller holds b->lock.
 * Returns 0 or -EIO. */
int virtio_blk_rw(struct buf *b, enum blk_op op);
#endif
