/*
 * Pipes: a ring buffer of one page between a read end and a write end.
 *
 * User memory is copied through a small bounce buffer on the kernel stack
 * with pi->lock released, because copyin/copyout may fault pages in and
 * must not run under a spinlock.
 */
#include "file.h"
#include "mm.h"
#include "proc.h"
#include "spinlock.h"
#include "uaccess.h"
#include "uapi/errno.h"

#define PIPE_SIZE  PAGE_SIZE   /* ring capacity in bytes */
#define PIPE_CHUNK 256         /* bytes moved per trip through the lock */

struct pipe {
	struct spinlock lock;
	char *data;           /* PIPE_SIZE bytes */
	/* Bytes ever read and written; they wrap, and their difference is
	 * what the ring holds (PIPE_SIZE divides 2^32). */
	uint32_t nread;
	uint32_t nwrite;
	bool readopen;
	bool writeopen;
};

static void pipe_free(struct pipe *pi)
{
	if (pi->data)
		free_page(pi->data);
	kfree(pi);
}

static struct pipe *pipe_new(void)
{
	struct pipe *pi = kzalloc(sizeof(*pi));

	if (!pi)
		return NULL;
	pi->data = get_zeroed_page();
	if (!pi->data) {
		pipe_free(pi);
		return NULL;
	}
	spin_lock_init(&pi->lock, "pipe");
	pi->readopen = true;
	pi->writeopen = true;
	return pi;
}

int pipealloc(struct file **rf, struct file **wf)
{
	struct pipe *pi = NULL;
	int err = -ENFILE;

	*wf = NULL;
	*rf = filealloc();
	if (!*rf || !(*wf = filealloc()))
		goto fail;
	err = -ENOMEM;
	pi = pipe_new();
	if (!pi)
		goto fail;
	(*rf)->type = FD_PIPE;
	(*rf)->readable = true;
	(*rf)->pipe = pi;
	(*wf)->type = FD_PIPE;
	(*wf)->writable = true;
	(*wf)->pipe = pi;
	return 0;
fail:
	/* Still FD_NONE: closing only returns them to the table. */
	if (*rf)
		fileclose(*rf);
	if (*wf)
		fileclose(*wf);
	return err;
}

void pipeclose(struct pipe *pi, enum pipe_end end)
{
	bool last;

	spin_lock(&pi->lock);
	if (end == PIPE_WRITE_END) {
		pi->writeopen = false;
		wakeup(&pi->nwrite);   /* readers see end of file */
	} else {
		pi->readopen = false;
		wakeup(&pi->nread);    /* writers see EPIPE */
	}
	last = !pi->readopen && !pi->writeopen;
	spin_unlock(&pi->lock);
	if (last)
		pipe_free(pi);
}

/*
 * Put len bytes from buf into the ring, sleeping while it is full.
 * Returns the bytes put; if an error stops it first, the error when
 * nothing was put.
 */
static int pipe_put(struct pipe *pi, const char *buf, int len)
{
	int put = 0, err = 0;

	spin_lock(&pi->lock);
	while (put < len) {
		if (!pi->readopen) {
			err = -EPIPE;
			break;
		}
		if (killed(myproc())) {
			err = -EINTR;
			break;
		}
		if (pi->nwrite - pi->nread == PIPE_SIZE) {
			wakeup(&pi->nwrite);
			sleep(&pi->nread, &pi->lock);
			continue;
		}
		while (put < len && pi->nwrite - pi->nread < PIPE_SIZE)
			pi->data[pi->nwrite++ % PIPE_SIZE] = buf[put++];
	}
	wakeup(&pi->nwrite);
	spin_unlock(&pi->lock);
	return put ? put : err;
}

int pipewrite(struct pipe *pi, uint64_t addr, int n)
{
	char chunk[PIPE_CHUNK];
	int done = 0;

	while (done < n) {
		int len = MIN(n - done, PIPE_CHUNK);
		int r;

		if (copyin(myproc()->mm, chunk, addr + done, len) < 0)
			return done ? done : -EFAULT;
		r = pipe_put(pi, chunk, len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if (r < len)
			break;   /* the error shows up on the next write */
	}
	return done;
}

/* Wait until the pipe holds data or has no writer. 0 or -EINTR. */
static int pipe_wait_data(struct pipe *pi)
{
	while (pi->nread == pi->nwrite && pi->writeopen) {
		if (killed(myproc()))
			return -EINTR;
		sleep(&pi->nwrite, &pi->lock);
	}
	return 0;
}

int piperead(struct pipe *pi, uint64_t addr, int n)
{
	char chunk[PIPE_CHUNK];
	int done = 0, err;

	if (n <= 0)
		return 0;
	spin_lock(&pi->lock);
	err = pipe_wait_data(pi);
	while (!err && done < n && pi->nread != pi->nwrite) {
		uint32_t len = MIN((uint32_t)MIN(n - done, PIPE_CHUNK),
				   pi->nwrite - pi->nread);

		for (uint32_t i = 0; i < len; i++)
			chunk[i] = pi->data[pi->nread++ % PIPE_SIZE];
		wakeup(&pi->nread);
		spin_unlock(&pi->lock);
		if (copyout(myproc()->mm, addr + done, chunk, len) < 0)
			return done ? done : -EFAULT;
		done += len;
		spin_lock(&pi->lock);
	}
	spin_unlock(&pi->lock);
	return done ? done : err;
}
