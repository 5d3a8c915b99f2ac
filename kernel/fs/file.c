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
#include "asm/pgtable.h"
#include "uapi/stat.h"
#include "uapi/errno.h"


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
		bool in_op = begin_op_readonly();

		iput(copy.ip);
		if (in_op)
			end_op();
	}
}

int filestat(struct file *f, uint64_t addr)
{
	struct stat st;

	if (f->type != FD_INODE && f->type != FD_DEVICE)
		return -EINVAL;
	ilock_valid(f->ip);
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

/*
 * The user's buffer is copied outside the inode's lock, through a bounce
 * buffer: touching it may fault in a page of a mapped file, which takes
 * that file's lock (perhaps this very one) and reads the disk.
 */
#define BOUNCE_BYTES PAGE_SIZE   /* a quarter of the kernel stack */
_Static_assert(BOUNCE_BYTES <= WRITE_CHUNK_BLOCKS * BSIZE, "a bounce must fit one transaction");

/* Read from an inode. Bytes read, or an error when none were. */
static int inode_read(struct file *f, uint64_t addr, int n)
{
	uint8_t bounce[BOUNCE_BYTES];
	int done = 0;

	while (done < n) {
		int r;

		ilock_valid(f->ip);
		r = readi(f->ip, ADDR_KERNEL, (uint64_t)bounce, f->off, MIN(n - done, BOUNCE_BYTES));
		iunlock(f->ip);
		/* The offset moves only past bytes the caller received. */
		if (r > 0 && copyout(myproc()->mm, addr + done, bounce, r) < 0)
			r = -EFAULT;
		if (r > 0) {
			ilock_valid(f->ip);
			f->off += r;
			iunlock(f->ip);
		}
		if (r < 0)
			return done ? done : r;
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

int fileread(struct file *f, uint64_t addr, int n)
{
	struct devsw *dev;

	if (!f->readable)
		return -EBADF;
	switch (f->type) {
	case FD_PIPE:
		return piperead(f->pipe, addr, n);
	case FD_DEVICE:
		dev = device_of(f);
		if (!dev || !dev->read)
			return -ENODEV;
		return dev->read(f, ADDR_USER, addr, n);
	case FD_INODE:
		return inode_read(f, addr, n);
	default:
		panic("fileread: file of type %d", f->type);
	}
}

/* Write to an inode in transactions small enough for the log. Bytes
 * written, or an error when none were. */
static int inode_write(struct file *f, uint64_t addr, int n)
{
	uint8_t bounce[BOUNCE_BYTES];
	int done = 0;

	while (done < n) {
		int chunk = MIN(n - done, BOUNCE_BYTES), r;

		if (copyin(myproc()->mm, bounce, addr + done, chunk) < 0)
			return done ? done : -EFAULT;
		if ((r = begin_op()))
			return done ? done : r;
		ilock_valid(f->ip);
		/* End the chunk on a block boundary so it spans at most
		 * WRITE_CHUNK_BLOCKS blocks whatever the offset. */
		chunk = MIN(chunk, (int)(WRITE_CHUNK_BLOCKS * BSIZE - f->off % BSIZE));
		r = writei(f->ip, ADDR_KERNEL, (uint64_t)bounce, f->off, chunk);
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
		return dev->write(f, ADDR_USER, addr, n);
	case FD_INODE:
		return inode_write(f, addr, n);
	default:
		panic("filewrite: file of type %d", f->type);
	}
}
