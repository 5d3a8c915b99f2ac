/*
 * The file system proper, above the buffer cache and the log: the block
 * allocator, inodes, directories and path names. The on-disk layout is in
 * fs_format.h; everything about a particular disk comes from its
 * superblock.
 *
 * Inodes follow xv6's protocol. The in-memory table (itable) holds an
 * inode while anyone has a reference (ref, guarded by itable.lock); its
 * contents are valid only under the inode's sleep lock, and an inode
 * whose last link and last reference are gone is freed by iput().
 */
#include "fs.h"
#include "filemap.h"
#include "buf.h"
#include "param.h"
#include "proc.h"
#include "printk.h"
#include "string.h"
#include "uapi/stat.h"
#include "uapi/errno.h"

/* The slots of dinode.addrs[] that follow the direct blocks. */
enum {
	INDIRECT_SLOT = NDIRECT,
	DINDIRECT_SLOT = NDIRECT + 1,
};

/* How many levels of block-number tables lie above the data blocks. */
enum map_depth { MAP_SINGLE = 1, MAP_DOUBLE = 2 };

/* Whether bmap may allocate the blocks it does not find. */
enum bmap_mode { BMAP_LOOKUP, BMAP_ALLOC };

/*
 * Blocks an unlink dirties besides the bitmap: the directory block, the
 * parent's and the child's inode blocks. Freeing a file may touch every
 * bitmap block, so the bitmap must fit in one operation beside them.
 */
#define UNLINK_META_BLOCKS 3

/* What bmap and balloc return when the disk failed a read they needed:
 * not a block number (those are below sb.size, itself a uint32_t). */
#define BLOCK_IO_ERROR UINT32_MAX

static struct superblock sb;
static uint32_t data_start;   /* first block after the bitmap */
static uint32_t root_dev;

/* ---- superblock ---- */

static void check_superblock(int dev)
{
	uint32_t inode_blocks = DIV_ROUND_UP(sb.ninodes, IPB);
	uint32_t bitmap_blocks = DIV_ROUND_UP(sb.size, BPB);

	if (sb.magic != FSMAGIC)
		panic("fsinit: disk %d is not a Pagoda file system (magic 0x%x, "
		      "expected 0x%x); build the image with mkfs", dev,
		      sb.magic, FSMAGIC);
	if (sb.logstart <= SB_BLOCKNO || sb.nlog < 2 ||
	    sb.inodestart < sb.logstart + sb.nlog ||
	    sb.bmapstart < sb.inodestart + inode_blocks ||
	    sb.bmapstart + bitmap_blocks >= sb.size || sb.ninodes <= ROOTINO)
		panic("fsinit: disk %d: inconsistent superblock (size %u, log "
		      "%u+%u, inodes %u at %u, bitmap at %u)", dev, sb.size,
		      sb.logstart, sb.nlog, sb.ninodes, sb.inodestart, sb.bmapstart);
	if (bitmap_blocks + UNLINK_META_BLOCKS > MAXOPBLOCKS)
		panic("fsinit: disk %d: %u bitmap blocks do not fit in one "
		      "operation (MAXOPBLOCKS %d)", dev, bitmap_blocks, MAXOPBLOCKS);
	data_start = sb.bmapstart + bitmap_blocks;
}

void fsinit(int dev)
{
	struct buf *bp = bread(dev, SB_BLOCKNO);

	if (!bp)
		panic("fsinit: disk %d: I/O error reading the superblock", dev);
	memcpy(&sb, bp->data, sizeof(sb));
	brelse(bp);
	check_superblock(dev);
	root_dev = dev;
	initlog(dev, &sb);
	printf("fs: %u blocks (%u data), %u inodes, %u log blocks\n",
	       sb.size, sb.size - data_start, sb.ninodes, sb.nlog);
}

/* ---- block allocator: one bit per block, set when in use ---- */

/* Zero a newly allocated block through the log, so that stale contents
 * never show up in a file after a crash. */
static void block_zero(uint32_t dev, uint32_t blockno)
{
	struct buf *bp = bget_zeroed(dev, blockno);

	log_write(bp);
	brelse(bp);
}

/* The first clear bit among the first nbits of map, or -1. */
static int find_zero_bit(const uint8_t *map, uint32_t nbits)
{
	for (uint32_t byte = 0; byte * 8 < nbits; byte++) {
		if (map[byte] == 0xff)
			continue;
		for (uint32_t bit = byte * 8; bit < byte * 8 + 8 && bit < nbits; bit++)
			if (!(map[byte] & (1u << (bit % 8))))
				return bit;
	}
	return -1;
}

/* A zeroed block, 0 when the disk is full, BLOCK_IO_ERROR when a bitmap
 * block cannot be read. In a transaction. */
static uint32_t balloc(uint32_t dev)
{
	for (uint32_t base = 0; base < sb.size; base += BPB) {
		struct buf *bp = bread(dev, BBLOCK(base, sb));
		int bit;

		if (!bp)
			return BLOCK_IO_ERROR;
		bit = find_zero_bit(bp->data, MIN((uint32_t)BPB, sb.size - base));

		if (bit >= 0) {
			bp->data[bit / 8] |= 1u << (bit % 8);
			log_write(bp);
			brelse(bp);
			block_zero(dev, base + bit);
			return base + bit;
		}
		brelse(bp);
	}
	return 0;
}

static void bfree(uint32_t dev, uint32_t blockno)
{
	uint32_t byte = (blockno % BPB) / 8;
	uint8_t mask = 1u << (blockno % 8);
	struct buf *bp;

	if (blockno < data_start || blockno >= sb.size)
		panic("bfree: block %u outside the data area", blockno);
	bp = bread(dev, BBLOCK(blockno, sb));
	if (!bp) {
		/* The caller has already dropped its pointer to the block. */
		fs_shutdown("reading the bitmap to free a block");
		return;
	}
	if (!(bp->data[byte] & mask))
		panic("bfree: freeing free block %u", blockno);
	bp->data[byte] &= ~mask;
	log_write(bp);
	brelse(bp);
}

/* ---- the inode table ---- */

static struct {
	struct spinlock lock;
	struct inode inode[NINODE];
} itable;

void iinit(void)
{
	spin_lock_init(&itable.lock, "itable");
	for (int i = 0; i < NINODE; i++) {
		sleep_lock_init(&itable.inode[i].lock, "inode");
		INIT_LIST_HEAD(&itable.inode[i].i_pages);
	}
}

/* A referenced, unlocked in-memory inode for (dev, inum), not read from
 * disk yet; NULL when the table is full. */
static struct inode *iget(uint32_t dev, uint32_t inum)
{
	struct inode *ip, *empty = NULL;

	spin_lock(&itable.lock);
	for (ip = itable.inode; ip < itable.inode + NINODE; ip++) {
		if (ip->ref > 0 && ip->dev == dev && ip->inum == inum) {
			ip->ref++;
			spin_unlock(&itable.lock);
			return ip;
		}
		if (!empty && ip->ref == 0)
			empty = ip;
	}
	if (empty) {
		empty->dev = dev;
		empty->inum = inum;
		empty->ref = 1;
		empty->valid = false;
	}
	spin_unlock(&itable.lock);
	return empty;
}

static struct dinode *dinode_of(struct buf *bp, uint32_t inum)
{
	return (struct dinode *)bp->data + inum % IPB;
}

struct inode *ialloc(uint32_t dev, int16_t type)
{
	for (uint32_t inum = ROOTINO; inum < sb.ninodes; inum++) {
		struct buf *bp = bread(dev, IBLOCK(inum, sb));
		struct dinode *dip;
		struct inode *ip;

		if (!bp)
			return NULL;
		dip = dinode_of(bp, inum);
		if (dip->type != 0) {
			brelse(bp);
			continue;
		}
		/* Claim the table slot first: then nothing to undo on disk. */
		ip = iget(dev, inum);
		if (ip) {
			memset(dip, 0, sizeof(*dip));
			dip->type = type;
			log_write(bp);
		}
		brelse(bp);
		return ip;
	}
	return NULL;
}

void iupdate(struct inode *ip)
{
	struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
	struct dinode *dip;

	if (!bp) {
		/* The operation has changed the inode and cannot undo it. */
		fs_shutdown("reading an inode block to update it");
		return;
	}
	dip = dinode_of(bp, ip->inum);

	dip->type = ip->type;
	dip->major = ip->major;
	dip->minor = ip->minor;
	dip->nlink = ip->nlink;
	dip->size = ip->size;
	memcpy(dip->addrs, ip->addrs, sizeof(ip->addrs));
	log_write(bp);
	brelse(bp);
}

struct inode *idup(struct inode *ip)
{
	spin_lock(&itable.lock);
	ip->ref++;
	spin_unlock(&itable.lock);
	return ip;
}

static int iread(struct inode *ip)
{
	struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
	struct dinode *dip;

	if (!bp)
		return -EIO;
	dip = dinode_of(bp, ip->inum);

	ip->type = dip->type;
	ip->major = dip->major;
	ip->minor = dip->minor;
	ip->nlink = dip->nlink;
	ip->size = dip->size;
	memcpy(ip->addrs, dip->addrs, sizeof(ip->addrs));
	brelse(bp);
	ip->valid = true;
	if (ip->type == 0)
		panic("ilock: inode %u has no type", ip->inum);
	return 0;
}

int ilock(struct inode *ip)
{
	int err;

	if (!ip || ip->ref < 1)
		panic("ilock: unreferenced inode");
	sleep_lock(&ip->lock);
	if (ip->valid)
		return 0;
	err = iread(ip);
	if (err)
		sleep_unlock(&ip->lock);
	return err;
}

void ilock_valid(struct inode *ip)
{
	if (!ip || ip->ref < 1)
		panic("ilock_valid: unreferenced inode");
	sleep_lock(&ip->lock);
	if (!ip->valid)
		panic("ilock_valid: inode %u was never read in", ip->inum);
}

void iunlock(struct inode *ip)
{
	if (!ip || !sleep_is_held(&ip->lock) || ip->ref < 1)
		panic("iunlock: inode not locked");
	sleep_unlock(&ip->lock);
}

/* Free an unlinked inode whose last reference is being dropped. Nobody
 * else can reach it (ref is 1, no directory names it), so locking it
 * cannot block. */
static void ifree(struct inode *ip)
{
	sleep_lock(&ip->lock);
	itrunc(ip);
	ip->type = 0;
	iupdate(ip);
	ip->valid = false;
	sleep_unlock(&ip->lock);
}

/* The last reference is going: its cached pages go too, so a closed and
 * unmapped file holds no memory. Caller holds itable.lock; returns with it. */
static void evict_pages(struct inode *ip)
{
	spin_unlock(&itable.lock);
	sleep_lock(&ip->lock);
	spin_lock(&itable.lock);
	/* With ip's lock held nobody can fault a page in; check that nobody
	 * took a reference meanwhile (they would want the pages). */
	bool last = ip->ref == 1;
	spin_unlock(&itable.lock);
	if (last)
		filemap_drop(ip);
	sleep_unlock(&ip->lock);
	spin_lock(&itable.lock);
}

void iput(struct inode *ip)
{
	spin_lock(&itable.lock);
	/* After a shutdown nothing may change on disk: an unlinked inode
	 * stays allocated there (the reboot's fsck counts it as an orphan). */
	if (ip->ref == 1 && ip->valid && ip->nlink == 0 && !fs_is_shut_down()) {
		spin_unlock(&itable.lock);
		ifree(ip);
		spin_lock(&itable.lock);
	}
	if (ip->ref == 1 && !list_empty(&ip->i_pages))
		evict_pages(ip);
	ip->ref--;
	spin_unlock(&itable.lock);
}

void iunlockput(struct inode *ip)
{
	iunlock(ip);
	iput(ip);
}

void stati(struct inode *ip, struct stat *st)
{
	st->dev = ip->dev;
	st->ino = ip->inum;
	st->type = ip->type;
	st->nlink = ip->nlink;
	st->size = ip->size;
}

/* ---- block map: direct, single-indirect and double-indirect ---- */

/*
 * The block number in *slot, allocating it first if it is missing and
 * mode allows. holder is the table block containing the slot (logged
 * when changed) or NULL for ip->addrs, which the caller writes back.
 * 0 when missing or the disk is full, BLOCK_IO_ERROR from balloc.
 */
static uint32_t map_slot(struct inode *ip, uint32_t *slot, struct buf *holder,
			 enum bmap_mode mode)
{
	if (*slot == 0 && mode == BMAP_ALLOC) {
		uint32_t blockno = balloc(ip->dev);

		if (blockno == BLOCK_IO_ERROR)
			return blockno;
		if (blockno) {
			*slot = blockno;
			if (holder)
				log_write(holder);
		}
	}
	return *slot;
}

/* Entry idx of the block-number table in block table (0: no table). */
static uint32_t map_table(struct inode *ip, uint32_t table, uint32_t idx,
			  enum bmap_mode mode)
{
	struct buf *bp;
	uint32_t blockno;

	if (table == 0 || table == BLOCK_IO_ERROR)
		return table;
	bp = bread(ip->dev, table);
	if (!bp)
		return BLOCK_IO_ERROR;
	blockno = map_slot(ip, (uint32_t *)bp->data + idx, bp, mode);
	brelse(bp);
	return blockno;
}

/* The disk block holding block bn of the file, 0 (missing, or no space
 * to allocate it) or BLOCK_IO_ERROR. Caller holds ip's lock. */
static uint32_t bmap(struct inode *ip, uint32_t bn, enum bmap_mode mode)
{
	uint32_t table, mid;

	if (bn < NDIRECT)
		return map_slot(ip, &ip->addrs[bn], NULL, mode);
	bn -= NDIRECT;
	if (bn < NINDIRECT) {
		table = map_slot(ip, &ip->addrs[INDIRECT_SLOT], NULL, mode);
		return map_table(ip, table, bn, mode);
	}
	bn -= NINDIRECT;
	if (bn < NDINDIRECT) {
		table = map_slot(ip, &ip->addrs[DINDIRECT_SLOT], NULL, mode);
		mid = map_table(ip, table, bn / NINDIRECT, mode);
		return map_table(ip, mid, bn % NINDIRECT, mode);
	}
	panic("bmap: block %u beyond MAXFILE", (uint32_t)(bn + NDIRECT + NINDIRECT));
}

/* Free table block and every block it maps, depth levels down. */
static void free_table(uint32_t dev, uint32_t table, enum map_depth depth)
{
	struct buf *bp = bread(dev, table);
	uint32_t *entry;

	if (!bp) {
		/* itrunc clears the pointer to the table regardless. */
		fs_shutdown("reading a block-number table to free it");
		return;
	}
	entry = (uint32_t *)bp->data;

	for (uint32_t i = 0; i < NINDIRECT; i++) {
		if (!entry[i])
			continue;
		if (depth == MAP_DOUBLE)
			free_table(dev, entry[i], MAP_SINGLE);
		else
			bfree(dev, entry[i]);
	}
	brelse(bp);
	bfree(dev, table);
}

void itrunc(struct inode *ip)
{
	filemap_drop(ip);
	for (int i = 0; i < NDIRECT; i++) {
		if (ip->addrs[i])
			bfree(ip->dev, ip->addrs[i]);
		ip->addrs[i] = 0;
	}
	if (ip->addrs[INDIRECT_SLOT])
		free_table(ip->dev, ip->addrs[INDIRECT_SLOT], MAP_SINGLE);
	if (ip->addrs[DINDIRECT_SLOT])
		free_table(ip->dev, ip->addrs[DINDIRECT_SLOT], MAP_DOUBLE);
	ip->addrs[INDIRECT_SLOT] = 0;
	ip->addrs[DINDIRECT_SLOT] = 0;
	ip->size = 0;
	iupdate(ip);
}

/* ---- reading and writing inode data ---- */

/* Read by a missing block: a consistent disk has no holes, but reading
 * zeros is kinder than reading the boot block. */
static const uint8_t hole_zeros[BSIZE];

/* Copy len bytes at offset off of disk block blockno out to dst. */
static int copy_block_out(struct inode *ip, uint32_t blockno, uint32_t off,
			  enum addr_space where, uint64_t dst, uint32_t len)
{
	struct buf *bp;
	int err;

	if (!blockno)
		return either_copyout(where, dst, hole_zeros + off, len);
	if (blockno == BLOCK_IO_ERROR)
		return -EIO;
	bp = bread(ip->dev, blockno);
	if (!bp)
		return -EIO;
	err = either_copyout(where, dst, bp->data + off, len);
	brelse(bp);
	return err;
}

int readi(struct inode *ip, enum addr_space where, uint64_t dst, uint64_t off64, uint32_t n)
{
	uint32_t off, tot, m;

	if (off64 >= ip->size)
		return 0;
	off = off64;   /* below size, so it fits */
	n = MIN(n, ip->size - off);
	n = MIN(n, (uint32_t)INT32_MAX);
	for (tot = 0; tot < n; tot += m, off += m, dst += m) {
		uint32_t blockno = bmap(ip, off / BSIZE, BMAP_LOOKUP);

		const uint8_t *cached = filemap_cached(ip, off);
		int err;

		m = MIN(n - tot, BSIZE - off % BSIZE);
		/* A cached page is newer than the disk (a shared mapping writes it). */
		if (cached)
			err = either_copyout(where, dst, cached, m);
		else
			err = copy_block_out(ip, blockno, off % BSIZE, where, dst, m);
		if (err < 0)
			return tot ? (int)tot : err;
	}
	return tot;
}

/* Copy len bytes from src to file offset file_off, in disk block blockno
 * and in the cached page, if any. */
static int copy_block_in(struct inode *ip, uint32_t blockno, uint32_t file_off,
			 enum addr_space where, uint64_t src, uint32_t len)
{
	struct buf *bp = bread(ip->dev, blockno);
	uint32_t off = file_off % BSIZE;
	uint8_t *cached;
	int err;

	if (!bp)
		return -EIO;   /* nothing changed: neither block nor page */
	err = either_copyin(bp->data + off, where, src, len);
	cached = filemap_cached(ip, file_off);

	/* Even a failed copy: the page must match what reaches the disk. */
	if (cached)
		memmove(cached, bp->data + off, len);   /* may be the page itself */

	/* Log even a failed copy: the cached block may be partly changed,
	 * and the cache must not differ from what reaches the disk. */
	log_write(bp);
	brelse(bp);
	return err;
}

int writei(struct inode *ip, enum addr_space where, uint64_t src, uint64_t off64, uint32_t n)
{
	uint32_t off, tot, m;
	int err = 0;

	if (off64 > ip->size)
		return -EINVAL;
	off = off64;   /* at most size, so it fits */
	if (n == 0)
		return 0;
	if (off >= MAXFILE_BYTES)
		return -EFBIG;
	n = MIN((uint64_t)n, MAXFILE_BYTES - off);
	n = MIN(n, (uint32_t)INT32_MAX);
	for (tot = 0; tot < n; tot += m, off += m, src += m) {
		uint32_t blockno = bmap(ip, off / BSIZE, BMAP_ALLOC);

		if (!blockno || blockno == BLOCK_IO_ERROR) {
			err = blockno ? -EIO : -ENOSPC;
			break;
		}
		m = MIN(n - tot, BSIZE - off % BSIZE);
		err = copy_block_in(ip, blockno, off, where, src, m);
		if (err < 0)
			break;
	}
	if (off > ip->size)
		ip->size = off;
	/* Even a failed write may have allocated blocks into ip->addrs. */
	iupdate(ip);
	return tot ? (int)tot : err;
}

/* ---- directories ---- */

int namecmp(const char *a, const char *b)
{
	return strncmp(a, b, DIRSIZ);
}

/* One entry; 0, or -EIO when the disk failed the read. */
static int read_dirent(struct inode *dp, uint32_t off, struct dirent *de)
{
	int r = readi(dp, ADDR_KERNEL, (uint64_t)de, off, sizeof(*de));

	if (r < 0)
		return r;
	if (r != sizeof(*de))
		panic("read_dirent: directory %u short at offset %u", dp->inum, off);
	return 0;
}

/* The inode number name has in dp (and its entry's offset), -ENOENT if
 * absent, or -EIO. */
static int dir_find(struct inode *dp, const char *name, uint32_t *poff)
{
	struct dirent de;
	int err;

	for (uint32_t off = 0; off < dp->size; off += sizeof(de)) {
		if ((err = read_dirent(dp, off, &de)))
			return err;
		if (de.inum != 0 && namecmp(name, de.name) == 0) {
			if (poff)
				*poff = off;
			return de.inum;
		}
	}
	return -ENOENT;
}

int dirlookup(struct inode *dp, const char *name, uint32_t *poff, struct inode **ipp)
{
	int inum;

	if (dp->type != T_DIR)
		panic("dirlookup: inode %u is not a directory", dp->inum);
	inum = dir_find(dp, name, poff);
	if (inum < 0)
		return inum;
	*ipp = iget(dp->dev, inum);
	return *ipp ? 0 : -ENFILE;
}

int dirlink(struct inode *dp, const char *name, uint32_t inum)
{
	size_t len = strnlen(name, DIRSIZ + 1);
	struct dirent de;
	uint32_t off;
	int r;

	if (len > DIRSIZ)
		return -ENAMETOOLONG;
	r = dir_find(dp, name, NULL);
	if (r != -ENOENT)
		return r < 0 ? r : -EEXIST;
	/* Reuse a free slot, or append. */
	for (off = 0; off < dp->size; off += sizeof(de)) {
		if ((r = read_dirent(dp, off, &de)))
			return r;
		if (de.inum == 0)
			break;
	}
	memset(&de, 0, sizeof(de));
	memcpy(de.name, name, len);
	de.inum = inum;
	r = writei(dp, ADDR_KERNEL, (uint64_t)&de, off, sizeof(de));
	if (r == sizeof(de))
		return 0;
	return r < 0 ? r : -ENOSPC;
}

bool dir_is_empty(struct inode *dp)
{
	struct dirent de;

	/* Skip "." and "..". A directory that cannot be read counts as not
	 * empty: refusing to remove it is the safe answer. */
	for (uint32_t off = 2 * sizeof(de); off < dp->size; off += sizeof(de)) {
		if (read_dirent(dp, off, &de) || de.inum != 0)
			return false;
	}
	return true;
}

/* ---- path names ---- */

/*
 * Copy the next element of *path into name (NUL-terminated) and advance
 * *path past it and the slashes after it, so that **path == '\0' tells
 * the element was the last. Its length, 0 if none is left, -ENAMETOOLONG.
 */
static int next_elem(const char **path, char *name)
{
	const char *p = *path, *start;
	size_t len;

	while (*p == '/')
		p++;
	start = p;
	while (*p != '/' && *p != '\0')
		p++;
	len = p - start;
	if (len > DIRSIZ)
		return -ENAMETOOLONG;
	memcpy(name, start, len);
	name[len] = '\0';
	while (*p == '/')
		p++;
	*path = p;
	return len;
}

static struct inode *lookup_start(const char *path)
{
	if (*path == '/')
		return iget(root_dev, ROOTINO);
	return idup(myproc()->cwd);
}

int path_lookup(const char *path, enum lookup_intent intent, char *name,
		struct inode **ipp)
{
	struct inode *ip, *next = NULL;
	int len, err;

	if (*path == '\0')
		return -ENOENT;
	ip = lookup_start(path);
	if (!ip)
		return -ENFILE;
	while ((len = next_elem(&path, name)) > 0) {
		if ((err = ilock(ip))) {
			iput(ip);
			return err;
		}
		if (ip->type != T_DIR) {
			iunlockput(ip);
			return -ENOTDIR;
		}
		if (intent == LOOKUP_PARENT && *path == '\0') {
			iunlock(ip);
			*ipp = ip;
			return 0;
		}
		err = dirlookup(ip, name, NULL, &next);
		iunlockput(ip);
		if (err)
			return err;
		ip = next;
	}
	if (len < 0 || intent == LOOKUP_PARENT) {
		iput(ip);
		return len < 0 ? len : -EEXIST;
	}
	*ipp = ip;
	return 0;
}

struct inode *namei(const char *path)
{
	char name[NAME_BUF];
	struct inode *ip;

	return path_lookup(path, LOOKUP_TARGET, name, &ip) ? NULL : ip;
}

struct inode *nameiparent(const char *path, char *name)
{
	struct inode *ip;

	return path_lookup(path, LOOKUP_PARENT, name, &ip) ? NULL : ip;
}
