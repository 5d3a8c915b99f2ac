#ifndef PAGODA_FILE_H
#define PAGODA_FILE_H
/*
 * Open files (kernel/fs/file.c): the system-wide file table that file
 * descriptors point into, and pipes (kernel/fs/pipe.c).
 */
#include "types.h"

struct inode;
struct pipe;

enum file_type { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE };

struct file {
	enum file_type type;
	int ref;                 /* file table lock */
	bool readable;
	bool writable;
	struct pipe *pipe;       /* FD_PIPE */
	struct inode *ip;        /* FD_INODE and FD_DEVICE */
	uint64_t off;            /* FD_INODE: ip's lock; FD_DEVICE: the driver's */
	int16_t major;           /* FD_DEVICE */
};

void fileinit(void);
/* A file with ref 1 and type FD_NONE, or NULL when the table is full. */
struct file *filealloc(void);
/* Another reference to f. */
struct file *filedup(struct file *f);
/* Drop a reference; the last one releases the pipe end or the inode
 * (in its own transaction, so never call it inside one). */
void fileclose(struct file *f);
/* Copy f's struct stat to user address addr: 0, -EFAULT, -EINVAL (pipe). */
int filestat(struct file *f, uint64_t addr);
/* Read or write n bytes at user address addr. Bytes moved, or -EBADF
 * (wrong mode), -ENODEV, and what the pipe, device or inode returns. */
int fileread(struct file *f, uint64_t addr, int n);
int filewrite(struct file *f, uint64_t addr, int n);

/* The n-th system-call argument as a file descriptor of the current
 * process: 0 with *pfd and *pf set (either may be NULL), or -EBADF. */
int argfd(int n, int *pfd, struct file **pf);

/* ---- pipes ---- */
enum pipe_end { PIPE_READ_END, PIPE_WRITE_END };

/* A pipe and its two files (read end, write end). 0, -ENFILE or -ENOMEM. */
int pipealloc(struct file **rf, struct file **wf);
/* Close one end; the pipe is freed when both are closed. */
void pipeclose(struct pipe *pi, enum pipe_end end);
/*
 * Write n bytes from user address addr, sleeping while the pipe is full.
 * Returns n, or the bytes written before an error, or -EPIPE (no reader),
 * -EINTR (killed), -EFAULT.
 */
int pipewrite(struct pipe *pi, uint64_t addr, int n);
/* Read up to n bytes to user address addr, sleeping while the pipe is
 * empty and has a writer. Bytes read (0 at end of file), -EINTR, -EFAULT. */
int piperead(struct pipe *pi, uint64_t addr, int n);
#endif
