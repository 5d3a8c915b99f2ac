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
 *
 * I/O errors. A transaction cannot be aborted: operations change cached
 * blocks in place and keep no copy of what was there before. Retrying a
 * write the device failed could hang on a dead disk, and the block's
 * contents on disk are unknown after the failure anyway. So the first
 * write error of a commit (or a read error that leaves an operation
 * unable to finish, see fs_shutdown) shuts the file system down, as
 * ext4's errors=remount-ro or XFS's shutdown do: nothing more is written,
 * the logged blocks stay pinned so that what the kernel reads stays
 * coherent, and every later begin_op() fails with -EIO. The disk keeps a
 * state the log makes consistent: a commit that failed before its header
 * reached the disk is simply absent after reboot; one whose header may
 * have reached it is replayed whole from the log, which was written
 * completely before the header.
 */
#include "fs.h"
#include "buf.h"
#include "param.h"
#include "proc.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

/*
 * Buffers the log leaves unpinned: a commit needs one for the log block it
 * copies into, and running operations need a few for their reads. Without
 * this margin a full log could pin the whole cache and deadlock.
 */
#define LOG_BUF_RESERVE MAXOPBLOCKS


static struct {
	struct spinlock lock;
	uint32_t dev;
	uint32_t start;          /* header block */
	uint32_t size;           /* usable log blocks, header excluded */
	int outstanding;         /* operations inside begin_op/end_op */
	bool committing;         /* a commit is writing the disk */
	bool shut_down;          /* an I/O error stopped all writing */
	struct logheader lh;     /* in memory: the running group */
} log;

void fs_shutdown(const char *why)
{
	bool first;

	spin_lock(&log.lock);
	first = !log.shut_down;
	log.shut_down = true;
	wakeup(&log);   /* waiters in begin_op learn it */
	spin_unlock(&log.lock);
	if (first)
		printf("fs: I/O error (%s): file system shut down, no further changes reach "
		       "the disk\n", why);
}

bool begin_op_readonly(void)
{
	return begin_op() == 0;
}

bool fs_is_shut_down(void)
{
	return READ_ONCE(log.shut_down);
}

static void read_head(void)
{
	struct buf *b = bread(log.dev, log.start);

	if (!b)
		panic("initlog: I/O error reading the log header (block %u)", log.start);
	memcpy(&log.lh, b->data, sizeof(log.lh));
	brelse(b);
}

/* Write the in-memory header to disk; with lh.n > 0 this is the commit.
 * The block holds nothing else, so it is not read first. 0 or -EIO. */
static int write_head(void)
{
	struct buf *b = bget_zeroed(log.dev, log.start);
	int err;

	memcpy(b->data, &log.lh, sizeof(log.lh));
	err = bwrite(b);
	brelse(b);
	return err;
}

/* Recovery: copy each logged block from the log region home. Boot-time
 * errors here leave no file system to run on, so they panic. */
static void recover_trans(void)
{
	for (uint32_t i = 0; i < log.lh.n; i++) {
		struct buf *lbuf = bread(log.dev, log.start + 1 + i);
		struct buf *dbuf = lbuf ? bget_zeroed(log.dev, log.lh.block[i]) : NULL;

		if (!lbuf)
			panic("initlog: I/O error reading log block %u", i);
		memcpy(dbuf->data, lbuf->data, BSIZE);
		if (bwrite(dbuf))
			panic("initlog: I/O error replaying block %u", log.lh.block[i]);
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
	recover_trans();
	log.lh.n = 0;
	if (write_head())
		panic("initlog: I/O error clearing the log header");
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

int begin_op(void)
{
	spin_lock(&log.lock);
	for (;;) {
		uint32_t reserved = (log.outstanding + 1) * MAXOPBLOCKS;

		if (log.shut_down) {
			spin_unlock(&log.lock);
			return -EIO;
		}
		if (log.committing || log.lh.n + reserved > log.size) {
			/* Wait for the commit, which empties the log. */
			sleep(&log, &log.lock);
			continue;
		}
		log.outstanding++;
		break;
	}
	spin_unlock(&log.lock);
	return 0;
}

/* A logged block: pinned, so in the cache and valid, and bread does not
 * touch the disk for it. */
static struct buf *logged_block(uint32_t i)
{
	struct buf *b = bread(log.dev, log.lh.block[i]);

	if (!b || !b->valid)
		panic("commit: logged block %u is not in the cache", log.lh.block[i]);
	return b;
}

/* Copy the modified blocks from the cache into the log region (overwritten
 * whole, so not read first). 0 or -EIO. */
static int write_log(void)
{
	int err = 0;

	for (uint32_t i = 0; i < log.lh.n && !err; i++) {
		struct buf *to = bget_zeroed(log.dev, log.start + 1 + i);
		struct buf *from = logged_block(i);

		memcpy(to->data, from->data, BSIZE);
		err = bwrite(to);
		brelse(from);
		brelse(to);
	}
	return err;
}

/* Write each logged block home from the cache, unpinning it once written.
 * 0 or -EIO; the blocks not written home stay pinned. */
static int install_trans(void)
{
	int err = 0;

	for (uint32_t i = 0; i < log.lh.n && !err; i++) {
		struct buf *b = logged_block(i);

		err = bwrite(b);
		brelse(b);
	}
	/* Unpin only after every block is home: on an error the whole group
	 * stays pinned, the in-memory truth until the reboot replays it. */
	for (uint32_t j = 0; j < log.lh.n && !err; j++) {
		struct buf *b = logged_block(j);

		bunpin(b);
		brelse(b);
	}
	return err;
}

/* The group's blocks to the log, the header (the commit point), the blocks
 * home, the header cleared. The first error shuts the file system down
 * (see the top of the file for why this leaves the disk consistent). */
static void commit(void)
{
	const char *failed = NULL;

	if (log.lh.n == 0 || fs_is_shut_down())
		return;
	if (write_log())
		failed = "writing the log";
	else if (write_head())
		failed = "writing the log header";
	else if (install_trans())
		failed = "installing a committed transaction";
	if (failed) {
		fs_shutdown(failed);
		return;
	}
	log.lh.n = 0;
	if (write_head())
		fs_shutdown("clearing the log header");
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
