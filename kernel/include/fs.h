#ifndef PAGODA_FS_H
#define PAGODA_FS_H
/*
 * The file system, in xv6's layers: buffer cache (bio.c), write-ahead log
 * (log.c), then inodes, directories and path names (fs.c).
 *
 * Every operation that may write the disk, including iput() and the path
 * lookups (which may iput), runs inside begin_op()/end_op().
 */
#include "types.h"
#include "sleeplock.h"
#include "list.h"
#include "param.h"
#include "fs_format.h"
#include "uaccess.h"

struct buf;
struct stat;

/* ---- buffer cache (kernel/fs/bio.c) ---- */
void binit(void);
/* A locked buffer holding the block's contents; sleeps for a free buffer
 * when all are in use. NULL when the disk failed the read (the caller
 * reports -EIO; the block is read again next time). */
__must_check struct buf *bread(uint32_t dev, uint32_t blockno);
/* A locked buffer for a block about to be overwritten whole: zeroed,
 * without reading the disk. */
struct buf *bget_zeroed(uint32_t dev, uint32_t blockno);
/* Write b to disk now. Caller holds b's lock. 0, or -EIO when the disk
 * failed the write (the block's contents on disk are then unknown). */
__must_check int bwrite(struct buf *b);
/* Unlock b and drop the caller's reference. */
void brelse(struct buf *b);
/* Keep b in the cache (the log holds it until it is installed). */
void bpin(struct buf *b);
void bunpin(struct buf *b);

/* ---- write-ahead log (kernel/fs/log.c) ---- */
/* Recover a committed transaction, if any, then start logging on dev. */
void initlog(uint32_t dev, const struct superblock *sb);
/* Bracket a file-system operation: writes between them reach the disk
 * all together or not at all. begin_op sleeps while the log is full; it
 * returns 0, or -EIO once the file system has shut down after an I/O
 * error (then the caller must not call end_op). */
__must_check int begin_op(void);
void end_op(void);
/* Stop all further changes from reaching the disk, after an I/O error
 * that left an operation unable to finish (why names it). Idempotent. */
void fs_shutdown(const char *why);
/* For callers that only read but may drop an inode's last reference
 * (lookups in exec and chdir, close, exit): begin_op(), or after a
 * shutdown nothing, since iput() then frees nothing on disk. Returns
 * whether the caller owes an end_op(). */
__must_check bool begin_op_readonly(void);
/* Whether fs_shutdown() has happened. */
bool fs_is_shut_down(void);
/* Record that b was modified, in place of bwrite(). Caller holds b's lock
 * and is inside begin_op/end_op. Panics if the transaction is too big. */
void log_write(struct buf *b);

/* ---- inodes (kernel/fs/fs.c) ---- */
/* An in-memory copy of an on-disk inode. */
struct inode {
	uint32_t dev;
	uint32_t inum;
	int ref;                 /* references; itable lock */
	struct sleeplock lock;   /* protects everything below */
	bool valid;              /* read from disk yet */
	int16_t type;            /* copy of struct dinode */
	int16_t major;
	int16_t minor;
	int16_t nlink;
	uint32_t size;
	uint32_t addrs[NDIRECT + 2];
	struct list_head i_pages; /* page cache (kernel/mm/filemap.c) */
};

/*
 * Data blocks one transaction of a file write may cover. Besides its n
 * data blocks a chunk dirties the inode block, up to three block-number
 * tables (crossing from one table to the next touches both and the one
 * above them) and, for each of the n + 2 blocks it may allocate, possibly
 * a bitmap block of its own: 2n + 6 <= MAXOPBLOCKS.
 */
#define WRITE_CHUNK_BLOCKS ((MAXOPBLOCKS - 1 - 3 - 2) / 2)
_Static_assert(WRITE_CHUNK_BLOCKS >= 1, "MAXOPBLOCKS too small for a file write");

/* Largest file in bytes. */
#define MAXFILE_BYTES ((uint64_t)MAXFILE * BSIZE)

void iinit(void);
/* Read and check the superblock, recover the log. Once, from the first
 * process (it sleeps on the disk). Panics if dev holds no Pagoda image. */
void fsinit(int dev);

/* A new, unlocked inode of type on dev, or NULL when the disk has no free
 * inode (or the in-memory table is full). In a transaction. */
struct inode *ialloc(uint32_t dev, int16_t type);
/* Copy ip's fields to disk. Caller holds ip's lock, in a transaction. An
 * I/O error reading the inode block shuts the file system down. */
void iupdate(struct inode *ip);
/* Another reference to ip (ip = idup(ip1) idiom). */
struct inode *idup(struct inode *ip);
/* Lock ip, reading it from disk if needed: 0, or -EIO (ip is then not
 * locked; the caller still holds its reference). Cannot fail for an inode
 * locked before while the caller held its reference. Panics on a free
 * inode. */
__must_check int ilock(struct inode *ip);
/* Lock an inode already read in: an open file's, or one the caller locked
 * before and kept a reference to. Cannot fail; panics if ip is not valid. */
void ilock_valid(struct inode *ip);
void iunlock(struct inode *ip);
/* Drop a reference; the last one to an unlinked inode frees it and its
 * blocks. In a transaction. */
void iput(struct inode *ip);
void iunlockput(struct inode *ip);
/* Free all of ip's blocks, size 0. Caller holds ip's lock, in a transaction. */
void itrunc(struct inode *ip);
void stati(struct inode *ip, struct stat *st);

/*
 * Copy n bytes at offset off between ip and dst/src (in the address space
 * named by where). off is 64-bit so that no caller's offset wraps onto
 * real data. Caller holds ip's lock; writei is in a transaction.
 * readi returns the bytes read (0 at or past the end of the file).
 * writei returns the bytes written, short when the disk fills up; with
 * nothing written it returns -ENOSPC, -EFBIG (past MAXFILE_BYTES),
 * -EFAULT or -EINVAL (off past the end of the file). Both return -EFAULT
 * when nothing could be copied.
 */
int readi(struct inode *ip, enum addr_space where, uint64_t dst, uint64_t off, uint32_t n);
int writei(struct inode *ip, enum addr_space where, uint64_t src, uint64_t off, uint32_t n);

/* ---- directories and path names (kernel/fs/fs.c) ---- */
/* Name buffers passed to the functions below hold DIRSIZ + 1 bytes. */
#define NAME_BUF (DIRSIZ + 1)

/* Compare two names as stored in directory entries (at most DIRSIZ bytes). */
int namecmp(const char *a, const char *b);
/*
 * Look name up in directory dp (locked by the caller). On success store an
 * unlocked, referenced inode in *ipp and the entry's offset in *poff (if
 * not NULL) and return 0; otherwise -ENOENT, or -ENFILE when the inode
 * table is full.
 */
int dirlookup(struct inode *dp, const char *name, uint32_t *poff, struct inode **ipp);
/* Add the entry name -> inum to dp (locked by the caller, in a
 * transaction). 0, -EEXIST, -ENAMETOOLONG, or writei's errors. */
int dirlink(struct inode *dp, const char *name, uint32_t inum);
/* True if directory dp (locked) holds nothing but "." and "..". */
bool dir_is_empty(struct inode *dp);

/* What path_lookup returns: the named inode or the directory holding it. */
enum lookup_intent {
	LOOKUP_TARGET,
	LOOKUP_PARENT,
};
/*
 * Walk path from the root or the current directory. LOOKUP_TARGET stores
 * the named inode in *ipp; LOOKUP_PARENT stores its directory and copies
 * the last element into name (NAME_BUF bytes). The inode is referenced,
 * unlocked. 0, or -ENOENT, -ENOTDIR, -ENAMETOOLONG (an element longer
 * than DIRSIZ), -ENFILE (inode table full), -EEXIST (LOOKUP_PARENT of a
 * path with no last element, such as "/"). In a transaction.
 */
int path_lookup(const char *path, enum lookup_intent intent, char *name,
		struct inode **ipp);
/* path_lookup for callers that only need success or failure: NULL on
 * any error. In a transaction. */
struct inode *namei(const char *path);
struct inode *nameiparent(const char *path, char *name);
#endif
