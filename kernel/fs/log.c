/*
 * Write-ahead log, so that a crash leaves every file-system operation
 * either fully done or not done at all.
 *
 * An operation brackets its writes with begin_op()/end_op() and calls
 * log_write() instead of bwrite(); the modified blocks stay pinned in the
 * buffer cache. When the last outstanding operation ends, the group is
 * committed: the blocks are copied to the log region, the header naming
 * them is written (the commit point), the blocks are installed at their
 * home locations, and the header is cleared. Recovery at mount replays a
 * committed header, so installing twice is harmless.
 *
 * Operations are admitted only while the log can hold everything they
 * might write (MAXOPBLOCKS each), so a commit never runs out of room.
 */
#include "fs.h"
#include "buf.h"
#include "param.h"
#include "proc.h"
#include "printk.h"
#include "string.h"

/*
 * Buffers the log leaves unpinned: a commit needs one for the log block it
 * copies into, and running operations need a few for their reads. Without
 * this margin a full log could pin the whole cache and deadlock.
 */
#define LOG_BUF_RESERVE MAXOPBLOCKS

/* Whether install_trans runs for a commit or for recovery at mount. */
enum install_mode { INSTALL_COMMIT, INSTALL_RECOVER };

static struct {
	struct spinlock lock;
	uint32_t dev;
	uint32_t start;          /* header block */
	uint32_t size;           /* usable log blocks, header excluded */
	int outstanding;         /* operations inside begin_op/end_op */
	bool committing;         /* a commit is writing the disk */
	struct logheader lh;     /* in memory: the running group */
} log;

static void read_head(void)
{
	struct buf *b = bread(log.dev, log.start);

	memcpy(&log.lh, b->data, sizeof(log.lh));
	brelse(b);
}

/* Write the in-memory header to disk; with lh.n > 0 this is the commit. */
static void write_head(void)
{
	struct buf *b = bread(log.dev, log.start);

	memcpy(b->data, &log.lh, sizeof(log.lh));
	bwrite(b);
	brelse(b);
}

/* Copy each logged block from the log region to its home location. */
static void install_trans(enum install_mode mode)
{
	for (uint32_t i = 0; i < log.lh.n; i++) {
		struct buf *lbuf = bread(log.dev, log.start + 1 + i);
		struct buf *dbuf = bread(log.dev, log.lh.block[i]);

		memcpy(dbuf->data, lbuf->data, BSIZE);
		bwrite(dbuf);
		if (mode == INSTALL_COMMIT)
			bunpin(dbuf);
		brelse(lbuf);
		brelse(dbuf);
	}
}

static void recover_from_log(void)
{
	read_head();
	if (log.lh.n > log.size)
		panic("initlog: log header names %u blocks, log holds %u",
		      log.lh.n, log.size);
	if (log.lh.n)
		printf("fs: replaying %u logged blocks\n", log.lh.n);
	install_trans(INSTALL_RECOVER);
	log.lh.n = 0;
	write_head();
}

void initlog(uint32_t dev, const struct superblock *sb)
{
	uint32_t size;

	if (sb->nlog < 2)
		panic("initlog: log region of %u blocks", sb->nlog);
	size = sb->nlog - 1;
	spin_lock_init(&log.lock, "log");
	log.dev = dev;
	log.start = sb->logstart;
	/* Recovery uses the log as the disk has it... */
	log.size = MIN(size, (uint32_t)LOG_MAXBLOCKS);
	recover_from_log();
	/* ...new groups are limited by what the cache can pin. */
	log.size = MIN(log.size, (uint32_t)(NBUF - LOG_BUF_RESERVE));
	if (log.size < MAXOPBLOCKS)
		panic("initlog: log of %u blocks cannot hold one operation (%d)",
		      log.size, MAXOPBLOCKS);
}

void begin_op(void)
{
	spin_lock(&log.lock);
	for (;;) {
		uint32_t reserved = (log.outstanding + 1) * MAXOPBLOCKS;

		if (log.committing || log.lh.n + reserved > log.size) {
			/* Wait for the commit, which empties the log. */
			sleep(&log, &log.lock);
			continue;
		}
		log.outstanding++;
		break;
	}
	spin_unlock(&log.lock);
}

/* Copy the modified blocks from the cache into the log region. */
static void write_log(void)
{
	for (uint32_t i = 0; i < log.lh.n; i++) {
		struct buf *to = bread(log.dev, log.start + 1 + i);
		struct buf *from = bread(log.dev, log.lh.block[i]);

		memcpy(to->data, from->data, BSIZE);
		bwrite(to);
		brelse(from);
		brelse(to);
	}
}

static void commit(void)
{
	if (log.lh.n == 0)
		return;
	write_log();
	write_head();
	install_trans(INSTALL_COMMIT);
	log.lh.n = 0;
	write_head();
}

void end_op(void)
{
	bool do_commit = false;

	spin_lock(&log.lock);
	if (log.committing)
		panic("end_op: commit in progress");
	if (--log.outstanding < 0)
		panic("end_op: no operation in progress");
	if (log.outstanding == 0) {
		do_commit = true;
		log.committing = true;
	} else {
		/* This operation's reservation may admit a waiter. */
		wakeup(&log);
	}
	spin_unlock(&log.lock);

	if (!do_commit)
		return;
	/* Commit without the spinlock: it sleeps on the disk. */
	commit();
	spin_lock(&log.lock);
	log.committing = false;
	wakeup(&log);
	spin_unlock(&log.lock);
}

void log_write(struct buf *b)
{
	uint32_t i;

	spin_lock(&log.lock);
	if (log.outstanding < 1)
		panic("log_write: outside of a transaction");
	for (i = 0; i < log.lh.n; i++) {
		if (log.lh.block[i] == b->blockno)
			break;   /* absorbed: already in this group */
	}
	if (i == log.lh.n) {
		if (log.lh.n >= log.size)
			panic("log_write: transaction too big (%u blocks)", log.lh.n);
		log.lh.block[log.lh.n++] = b->blockno;
		bpin(b);
	}
	spin_unlock(&log.lock);
}
