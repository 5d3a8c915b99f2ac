/*
 * The system-wide table of open files. A file descriptor points at a
 * struct file; fork and dup share one, with its offset, by counting
 * references. Reads and writes dispatch on the file's type: pipe,
 * inode, or character device through devsw[].
 */
#include "file.h"
#include "fs.h"
#include "device.h"
#include "param.h"
#include "proc.h"
#include "printk.h"
#include "string.h"
#include "uaccess.h"
#include "uapi/stat.h"
#include "uapi/errno.h"

/*
 * Data blocks one transaction of a file write may cover. Besides its n
 * data blocks a chunk dirties the inode block, up to three block-number
 * tables (crossing from one table to the next touches both and the one
 * above them) and, for each of the n + 2 blocks it may allocate, possibly
 * a bitmap block of its own: 2n + 6 <= MAXOPBLOCKS.
 */
#define WRITE_CHUNK_BLOCKS ((MAXOPBLOCKS - 1 - 3 - 2) / 2)
_Static_assert(WRITE_CHUNK_BLOCKS >= 1, "MAXOPBLOCKS too small for a file write");

struct devsw devsw[NDEV];

static struct {
	struct spinlock lock;
	struct file file[NFILE];
} ftable;

void fileinit(void)
{
	spin_lock_init(&ftable.lock, "ftable");
}

struct file *filealloc(void)
{
	spin_lock(&ftable.lock);
	for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
		if (f->ref == 0) {
			memset(f, 0, sizeof(*f));
			f->type = FD_NONE;
			f->ref = 1;
			spin_unlock(&ftable.lock);
			return f;
		}
	}
	spin_unlock(&ftable.lock);
	return NULL;
}

struct file *filedup(struct file *f)
{
	spin_lock(&ftable.lock);
	if (f->ref < 1)
		panic("filedup: file not open");
	f->ref++;
	spin_unlock(&ftable.lock);
	return f;
}

void fileclose(struct file *f)
{
	struct file copy;

	spin_lock(&ftable.lock);
	if (f->ref < 1)
		panic("fileclose: file not open");
	if (--f->ref > 0) {
		spin_unlock(&ftable.lock);
		return;
	}
	/* Release the slot first; the pipe or inode is let go without the
	 * table lock, since that may sleep. */
	copy = *f;
	f->type = FD_NONE;
	spin_unlock(&ftable.lock);

	if (copy.type == FD_PIPE) {
		pipeclose(copy.pipe, copy.writable ? PIPE_WRITE_END : PIPE_READ_END);
	} else if (copy.type == FD_INODE || copy.type == FD_DEVICE) {
		begin_op();
		iput(copy.ip);
		end_op();
	}
}

int filestat(struct file *f, uint64_t addr)
{
	struct stat st;

	if (f->type != FD_INODE && f->type != FD_DEVICE)
		return -EINVAL;
	ilock(f->ip);
	stati(f->ip, &st);
	iunlock(f->ip);
	return copyout(myproc()->mm, addr, &st, sizeof(st)) < 0 ? -EFAULT : 0;
}

/* The driver of a device file, or NULL if none is registered. */
static struct devsw *device_of(struct file *f)
{
	if (f->major < 0 || f->major >= NDEV)
		return NULL;
	return &devsw[f->major];
}

int fileread(struct file *f, uint64_t addr, int n)
{
	struct devsw *dev;
	int r;

	if (!f->readable)
		return -EBADF;
	switch (f->type) {
	case FD_PIPE:
		return piperead(f->pipe, addr, n);
	case FD_DEVICE:
		dev = device_of(f);
		if (!dev || !dev->read)
			return -ENODEV;
		return dev->read(ADDR_USER, addr, n);
	case FD_INODE:
		ilock(f->ip);
		r = readi(f->ip, ADDR_USER, addr, f->off, n);
		if (r > 0)
			f->off += r;
		iunlock(f->ip);
		return r;
	default:
		panic("fileread: file of type %d", f->type);
	}
}

/* Write to an inode in transactions small enough for the log. Bytes
 * written, or an error when none were. */
static int inode_write(struct file *f, uint64_t addr, int n)
{
	int done = 0;

	while (done < n) {
		int chunk, r;

		begin_op();
		ilock(f->ip);
		/* End the chunk on a block boundary so it spans at most
		 * WRITE_CHUNK_BLOCKS blocks whatever the offset. */
		chunk = MIN(n - done, (int)(WRITE_CHUNK_BLOCKS * BSIZE - f->off % BSIZE));
		r = writei(f->ip, ADDR_USER, addr + done, f->off, chunk);
		if (r > 0)
			f->off += r;
		iunlock(f->ip);
		end_op();
		if (r < 0)
			return done ? done : r;
		done += r;
		if (r < chunk)
			break;   /* disk full or bad address: report it next time */
	}
	return done;
}

int filewrite(struct file *f, uint64_t addr, int n)
{
	struct devsw *dev;

	if (!f->writable)
		return -EBADF;
	switch (f->type) {
	case FD_PIPE:
		return pipewrite(f->pipe, addr, n);
	case FD_DEVICE:
		dev = device_of(f);
		if (!dev || !dev->write)
			return -ENODEV;
		return dev->write(ADDR_USER, addr, n);
	case FD_INODE:
		return inode_write(f, addr, n);
	default:
		panic("filewrite: file of type %d", f->type);
	}
}
