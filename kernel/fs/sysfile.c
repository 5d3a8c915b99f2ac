/*
 * File-system system calls. They check their arguments, then hand the
 * work to file.c (open files) and fs.c (inodes, directories, paths).
 * Every call that may write the disk runs in one begin_op/end_op.
 */
#include "file.h"
#include "fs.h"
#include "param.h"
#include "proc.h"
#include "printk.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/fcntl.h"
#include "uapi/stat.h"
#include "uapi/errno.h"

#define O_ACCMODE   (O_WRONLY | O_RDWR)
#define OPEN_FLAGS  (O_ACCMODE | O_CREATE | O_TRUNC)
#define NLINK_MAX   INT16_MAX   /* dinode.nlink is an int16_t */

/* ---- file descriptors ---- */

int argfd(int n, int *pfd, struct file **pf)
{
	int fd = argint(n);
	struct file *f;

	if (fd < 0 || fd >= NOFILE || !(f = myproc()->ofile[fd]))
		return -EBADF;
	if (pfd)
		*pfd = fd;
	if (pf)
		*pf = f;
	return 0;
}

/* Give f the lowest free descriptor of the current process; the caller's
 * reference moves to it. The descriptor or -EMFILE. */
static int fdalloc(struct file *f)
{
	struct proc *p = myproc();

	for (int fd = 0; fd < NOFILE; fd++) {
		if (!p->ofile[fd]) {
			p->ofile[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

/* The n-th argument as a path into path (MAXPATH bytes): 0 or -errno. */
static int argpath(int n, char *path)
{
	int r = argstr(n, path, MAXPATH);

	return r < 0 ? r : 0;
}

long sys_dup(void)
{
	struct file *f;
	int fd, err = argfd(0, NULL, &f);

	if (err)
		return err;
	fd = fdalloc(f);
	if (fd < 0)
		return fd;
	filedup(f);
	return fd;
}

long sys_read(void)
{
	struct file *f;
	int n = argint(2), err = argfd(0, NULL, &f);

	if (err)
		return err;
	if (n < 0)
		return -EINVAL;
	return fileread(f, argaddr(1), n);
}

long sys_write(void)
{
	struct file *f;
	int n = argint(2), err = argfd(0, NULL, &f);

	if (err)
		return err;
	if (n < 0)
		return -EINVAL;
	return filewrite(f, argaddr(1), n);
}

long sys_close(void)
{
	struct file *f;
	int fd, err = argfd(0, &fd, &f);

	if (err)
		return err;
	myproc()->ofile[fd] = NULL;
	fileclose(f);
	return 0;
}

long sys_fstat(void)
{
	struct file *f;
	int err = argfd(0, NULL, &f);

	if (err)
		return err;
	return filestat(f, argaddr(1));
}

long sys_pipe(void)
{
	uint64_t fdarray = argaddr(0);
	struct proc *p = myproc();
	struct file *rf, *wf;
	int fds[2], err;

	err = pipealloc(&rf, &wf);
	if (err)
		return err;
	fds[0] = fdalloc(rf);
	fds[1] = fds[0] < 0 ? -EMFILE : fdalloc(wf);
	err = fds[1] < 0 ? -EMFILE : 0;
	if (!err && copyout(p->mm, fdarray, fds, sizeof(fds)) < 0)
		err = -EFAULT;
	if (!err)
		return 0;
	if (fds[0] >= 0)
		p->ofile[fds[0]] = NULL;
	if (fds[1] >= 0)
		p->ofile[fds[1]] = NULL;
	fileclose(rf);
	fileclose(wf);
	return err;
}

/* ---- creating and opening ---- */

/* Resolve path to a locked inode. In a transaction. */
static int lookup_locked(const char *path, struct inode **ipp)
{
	char name[NAME_BUF];
	int err = path_lookup(path, LOOKUP_TARGET, name, ipp);

	if (!err && (err = ilock(*ipp)))
		iput(*ipp);
	return err;
}

/* create() found name already there: a file or device is reopened by
 * open(O_CREATE), anything else is an error. */
static int create_existing(struct inode *ip, int16_t type, struct inode **ipp)
{
	int err = ilock(ip);

	if (err) {
		iput(ip);
		return err;
	}
	if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE)) {
		*ipp = ip;
		return 0;
	}
	err = type == T_FILE && ip->type == T_DIR ? -EISDIR : -EEXIST;
	iunlockput(ip);
	return err;
}

/* Fill in a new inode and enter it in dp; both locked. */
static int init_new_inode(struct inode *dp, struct inode *ip, const char *name,
			  int16_t major, int16_t minor)
{
	int err = 0;

	ip->major = major;
	ip->minor = minor;
	ip->nlink = 1;
	iupdate(ip);
	if (ip->type == T_DIR) {
		/* "." takes no link: a directory must not keep itself alive. */
		err = dirlink(ip, ".", ip->inum);
		if (!err)
			err = dirlink(ip, "..", dp->inum);
	}
	if (!err)
		err = dirlink(dp, name, ip->inum);
	if (err)
		return err;
	if (ip->type == T_DIR) {
		dp->nlink++;   /* the child's ".." */
		iupdate(dp);
	}
	return 0;
}

static int create_new(struct inode *dp, const char *name, int16_t type,
		      int16_t major, int16_t minor, struct inode **ipp)
{
	struct inode *ip;
	int err;

	if (dp->nlink == 0)
		return -ENOENT;   /* dp was removed while someone's cwd */
	if (type == T_DIR && dp->nlink >= NLINK_MAX)
		return -EMLINK;
	ip = ialloc(dp->dev, type);
	if (!ip)
		return -ENOSPC;
	/* ialloc has just logged its block, so it is cached: this cannot
	 * fail, but if it did the new inode would be left allocated. */
	if ((err = ilock(ip))) {
		fs_shutdown("reading a new inode");
		iput(ip);
		return err;
	}
	err = init_new_inode(dp, ip, name, major, minor);
	if (err) {
		ip->nlink = 0;   /* iput frees it and whatever it got */
		iupdate(ip);
		iunlockput(ip);
		return err;
	}
	*ipp = ip;
	return 0;
}

/* Create path as type, or with type T_FILE open what is there. On
 * success *ipp is locked. In a transaction. */
static int create(const char *path, int16_t type, int16_t major, int16_t minor,
		  struct inode **ipp)
{
	char name[NAME_BUF];
	struct inode *dp, *ip;
	int err = path_lookup(path, LOOKUP_PARENT, name, &dp);

	if (err)
		return err;
	if ((err = ilock(dp))) {
		iput(dp);
		return err;
	}
	err = dirlookup(dp, name, NULL, &ip);
	if (err != -ENOENT) {
		iunlockput(dp);
		return err ? err : create_existing(ip, type, ipp);
	}
	err = create_new(dp, name, type, major, minor, ipp);
	iunlockput(dp);
	return err;
}

static bool open_flags_valid(int flags)
{
	return !(flags & ~OPEN_FLAGS) && (flags & O_ACCMODE) != O_ACCMODE;
}

static int check_open(struct inode *ip, int flags)
{
	if (ip->type == T_DIR && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV))
		return -ENODEV;
	return 0;
}

/* A new descriptor for locked ip; the file takes the caller's reference
 * to ip on success. The descriptor or -ENFILE/-EMFILE. */
static int open_file(struct inode *ip, int flags)
{
	int accmode = flags & O_ACCMODE;
	struct file *f = filealloc();
	int fd;

	if (!f)
		return -ENFILE;
	fd = fdalloc(f);
	if (fd < 0) {
		fileclose(f);   /* still FD_NONE: no inode to release */
		return fd;
	}
	f->type = ip->type == T_DEVICE ? FD_DEVICE : FD_INODE;
	f->major = ip->major;
	f->ip = ip;
	f->off = 0;
	f->readable = accmode != O_WRONLY;
	f->writable = accmode != O_RDONLY;
	if ((flags & O_TRUNC) && ip->type == T_FILE)
		itrunc(ip);
	return fd;
}

/* An open that creates or truncates writes the disk; any other open only
 * reads, so it still works after a shutdown (see begin_op_readonly). */
static bool open_writes(int flags)
{
	return flags & (O_CREATE | O_TRUNC);
}

/* 0 with *in_op telling whether end_op() is owed, or -EIO. */
static int begin_open_op(int flags, bool *in_op)
{
	if (!open_writes(flags)) {
		*in_op = begin_op_readonly();
		return 0;
	}
	*in_op = true;
	return begin_op();
}

long sys_open(void)
{
	char path[MAXPATH];
	int flags = argint(1), fd, err;
	struct inode *ip;
	bool in_op;

	if (!open_flags_valid(flags))
		return -EINVAL;
	err = argpath(0, path);
	if (err)
		return err;
	if ((err = begin_open_op(flags, &in_op)))
		return err;
	if (flags & O_CREATE)
		err = create(path, T_FILE, 0, 0, &ip);
	else
		err = lookup_locked(path, &ip);
	if (err) {
		if (in_op)
			end_op();
		return err;
	}
	err = check_open(ip, flags);
	fd = err ? err : open_file(ip, flags);
	if (fd < 0)
		iunlockput(ip);
	else
		iunlock(ip);
	if (in_op)
		end_op();
	return fd;
}

long sys_mkdir(void)
{
	char path[MAXPATH];
	struct inode *ip;
	int err = argpath(0, path);

	if (err)
		return err;
	if ((err = begin_op()))
		return err;
	err = create(path, T_DIR, 0, 0, &ip);
	if (!err)
		iunlockput(ip);
	end_op();
	return err;
}

long sys_mknod(void)
{
	char path[MAXPATH];
	int major = argint(1), minor = argint(2);
	struct inode *ip;
	int err;

	if (major < 0 || major >= NDEV || minor < 0 || minor > INT16_MAX)
		return -EINVAL;
	err = argpath(0, path);
	if (err)
		return err;
	if ((err = begin_op()))
		return err;
	err = create(path, T_DEVICE, major, minor, &ip);
	if (!err)
		iunlockput(ip);
	end_op();
	return err;
}

long sys_chdir(void)
{
	char path[MAXPATH];
	struct proc *p = myproc();
	struct inode *ip;
	int err = argpath(0, path);
	bool in_op;

	if (err)
		return err;
	in_op = begin_op_readonly();
	err = lookup_locked(path, &ip);
	if (!err && ip->type != T_DIR) {
		iunlockput(ip);
		err = -ENOTDIR;
	}
	if (!err) {
		iunlock(ip);
		iput(p->cwd);
	}
	if (in_op)
		end_op();
	if (err)
		return err;
	p->cwd = ip;
	return 0;
}

/* ---- links ---- */

/* Enter ip (unlocked, its nlink already raised) under path. */
static int link_into(const char *path, struct inode *ip)
{
	char name[NAME_BUF];
	struct inode *dp;
	int err = path_lookup(path, LOOKUP_PARENT, name, &dp);

	if (err)
		return err;
	if ((err = ilock(dp))) {
		iput(dp);
		return err;
	}
	if (dp->dev != ip->dev)
		err = -EXDEV;
	else if (dp->nlink == 0)
		err = -ENOENT;
	else
		err = dirlink(dp, name, ip->inum);
	iunlockput(dp);
	return err;
}

long sys_link(void)
{
	char old[MAXPATH], new[MAXPATH];
	struct inode *ip;
	int err;

	if ((err = argpath(0, old)) || (err = argpath(1, new)))
		return err;
	if ((err = begin_op()))
		return err;
	err = lookup_locked(old, &ip);
	if (err)
		goto out;
	if (ip->type == T_DIR)
		err = -EPERM;
	else if (ip->nlink >= NLINK_MAX)
		err = -EMLINK;
	if (err) {
		iunlockput(ip);
		goto out;
	}
	/* Raise nlink first, so ip cannot be freed while unlocked. */
	ip->nlink++;
	iupdate(ip);
	iunlock(ip);
	err = link_into(new, ip);
	if (err) {
		ilock_valid(ip);
		ip->nlink--;
		iupdate(ip);
		iunlock(ip);
	}
	iput(ip);
out:
	end_op();
	return err;
}

/* Remove entry name from dp (locked). */
static int unlink_in(struct inode *dp, const char *name)
{
	struct dirent de;
	struct inode *ip;
	uint32_t off;
	int err;

	if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0)
		return -EINVAL;
	err = dirlookup(dp, name, &off, &ip);
	if (err)
		return err;
	if ((err = ilock(ip))) {
		iput(ip);
		return err;
	}
	if (ip->nlink < 1)
		panic("unlink_in: inode %u has no links", ip->inum);
	if (ip->type == T_DIR && !dir_is_empty(ip)) {
		iunlockput(ip);
		return -ENOTEMPTY;
	}
	memset(&de, 0, sizeof(de));
	/* An entry lies within one block: the write is all or nothing. */
	err = writei(dp, ADDR_KERNEL, (uint64_t)&de, off, sizeof(de));
	if (err < 0) {
		iunlockput(ip);
		return err;
	}
	if (err != sizeof(de))
		panic("unlink_in: cannot clear entry in directory %u", dp->inum);
	if (ip->type == T_DIR) {
		dp->nlink--;   /* the child's ".." is gone */
		iupdate(dp);
	}
	ip->nlink--;
	iupdate(ip);
	iunlockput(ip);
	return 0;
}

long sys_unlink(void)
{
	char path[MAXPATH], name[NAME_BUF];
	struct inode *dp;
	int err = argpath(0, path);

	if (err)
		return err;
	if ((err = begin_op()))
		return err;
	err = path_lookup(path, LOOKUP_PARENT, name, &dp);
	if (err == -EEXIST)
		err = -EBUSY;   /* path names the root itself */
	if (!err) {
		err = ilock(dp);
		if (!err) {
			err = unlink_in(dp, name);
			iunlock(dp);
		}
		iput(dp);
	}
	end_op();
	return err;
}
