/*
 * fsck: check a Pagoda file-system image on the host, without changing it.
 *
 *   fsck fs.img
 *
 * Prints "fsck: OK" and exits 0 when the image is consistent; otherwise
 * prints each problem and exits 1. Exit 2 means the image could not be
 * read at all.
 *
 * A committed transaction still in the log (a crash between commit and
 * install) is replayed in memory first, as the kernel would at mount, so
 * a crash at any point must leave an image that checks clean.
 *
 * Link-count rule (as the kernel keeps it): an inode's nlink is the
 * number of directory entries naming it, not counting ".".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fs_format.h"
#include "uapi/stat.h"

enum fsck_exit { FSCK_OK = 0, FSCK_PROBLEMS = 1, FSCK_UNREADABLE = 2 };

static uint8_t *image;
static uint32_t image_blocks;
static struct superblock sb;
static uint32_t data_start;
static int problems;

/* Per block: the inode that references it (0 = none). */
static uint32_t *block_owner;
/* Per inode: directory entries naming it, not counting "." */
static uint32_t *links;
/* Per directory: the directory holding its name, and what its ".." says. */
static uint32_t *parent;
static uint32_t *dotdot;

__attribute__((format(printf, 1, 2)))
static void problem(const char *fmt, ...)
{
	va_list ap;

	fputs("fsck: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	problems++;
}

__attribute__((noreturn, format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fsck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(FSCK_UNREADABLE);
}

static uint8_t *block(uint32_t b)
{
	return image + (size_t)b * BSIZE;
}

static struct dinode *dinode(uint32_t inum)
{
	return (struct dinode *)block(IBLOCK(inum, sb)) + inum % IPB;
}

static bool bitmap_used(uint32_t b)
{
	return block(BBLOCK(b, sb))[(b % BPB) / 8] & (1u << (b % 8));
}

/* Map the image privately: log replay changes only fsck's copy, and
 * only the blocks fsck looks at are read. */
static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;

	if (!f)
		fail("%s: %m", path);
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0)
		fail("%s: cannot find its size: %m", path);
	image_blocks = len / BSIZE;
	if (image_blocks <= SB_BLOCKNO)
		fail("%s: only %ld bytes, too small for a file system", path, len);
	image = mmap(NULL, (size_t)image_blocks * BSIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE, fileno(f), 0);
	if (image == MAP_FAILED)
		fail("%s: cannot map: %m", path);
	fclose(f);
}

/* Problems here make the rest meaningless: report them and stop. */
static void check_superblock(void)
{
	uint32_t inode_blocks, bitmap_blocks;

	memcpy(&sb, block(SB_BLOCKNO), sizeof(sb));
	if (sb.magic != FSMAGIC) {
		problem("superblock: bad magic 0x%08x (expected 0x%08x): not a Pagoda image",
			sb.magic, FSMAGIC);
		return;
	}
	inode_blocks = (sb.ninodes + IPB - 1) / IPB;
	bitmap_blocks = (sb.size + BPB - 1) / BPB;
	data_start = sb.bmapstart + bitmap_blocks;
	if (sb.size > image_blocks)
		problem("superblock: size %u blocks, but the image has %u", sb.size, image_blocks);
	if (sb.logstart <= SB_BLOCKNO || sb.nlog < 2 ||
	    sb.inodestart < sb.logstart + sb.nlog ||
	    sb.bmapstart < sb.inodestart + inode_blocks || data_start >= sb.size)
		problem("superblock: regions out of order or too big (log %u+%u, "
			"inodes %u at %u, bitmap at %u, size %u)", sb.logstart,
			sb.nlog, sb.ninodes, sb.inodestart, sb.bmapstart, sb.size);
	if (sb.ninodes <= ROOTINO || sb.ninodes > UINT16_MAX + 1u)
		problem("superblock: %u inodes", sb.ninodes);
	if (sb.nblocks != sb.size - data_start)
		problem("superblock: nblocks %u, but the data area has %u blocks",
			sb.nblocks, sb.size - data_start);
}

/* Install a committed transaction in memory, as recovery would. */
static void replay_log(void)
{
	struct logheader lh;

	memcpy(&lh, block(sb.logstart), sizeof(lh));
	if (lh.n == 0)
		return;
	if (lh.n > sb.nlog - 1 || lh.n > LOG_MAXBLOCKS) {
		problem("log: header names %u blocks, the log holds %u", lh.n, sb.nlog - 1);
		return;
	}
	printf("fsck: log holds a committed transaction of %u blocks; "
	       "checking the image as recovery would leave it\n", lh.n);
	for (uint32_t i = 0; i < lh.n; i++) {
		if (lh.block[i] <= SB_BLOCKNO || lh.block[i] >= sb.size) {
			problem("log: entry %u targets block %u, out of range", i, lh.block[i]);
			continue;
		}
		memcpy(block(lh.block[i]), block(sb.logstart + 1 + i), BSIZE);
	}
}

/* Record that inode inum uses block b; false if b cannot be read. */
static bool claim(uint32_t inum, uint32_t b)
{
	if (b < data_start || b >= sb.size) {
		problem("inode %u: block %u out of range (data is %u..%u)", inum,
			b, data_start, sb.size - 1);
		return false;
	}
	if (block_owner[b])
		problem("block %u referenced twice (inode %u and inode %u)", b,
			block_owner[b], inum);
	else
		block_owner[b] = inum;
	if (!bitmap_used(b))
		problem("block %u used by inode %u is free in the bitmap", b, inum);
	return true;
}

/* Claim table block t and the blocks it maps, depth levels down. */
static void claim_table(uint32_t inum, uint32_t t, int depth)
{
	const uint32_t *entry = (const uint32_t *)block(t);

	if (!claim(inum, t))
		return;
	for (uint32_t i = 0; i < NINDIRECT; i++) {
		if (!entry[i])
			continue;
		if (depth > 1)
			claim_table(inum, entry[i], depth - 1);
		else
			claim(inum, entry[i]);
	}
}

/* Entry idx of table block t, or 0 if t is unusable. */
static uint32_t table_entry(uint32_t t, uint32_t idx)
{
	if (t < data_start || t >= sb.size)
		return 0;
	return ((const uint32_t *)block(t))[idx];
}

/* The disk block of file block bn, or 0 if unmapped or unusable. */
static uint32_t file_block(const struct dinode *di, uint32_t bn)
{
	if (bn < NDIRECT)
		return di->addrs[bn];
	bn -= NDIRECT;
	if (bn < NINDIRECT)
		return di->addrs[NDIRECT] ? table_entry(di->addrs[NDIRECT], bn) : 0;
	bn -= NINDIRECT;
	if (bn >= NDINDIRECT || !di->addrs[NDIRECT + 1])
		return 0;
	return table_entry(table_entry(di->addrs[NDIRECT + 1], bn / NINDIRECT),
			   bn % NINDIRECT);
}

static void check_inode_blocks(uint32_t inum, const struct dinode *di)
{
	uint32_t nblocks = (di->size + BSIZE - 1) / BSIZE;

	for (int i = 0; i < NDIRECT; i++)
		if (di->addrs[i])
			claim(inum, di->addrs[i]);
	if (di->addrs[NDIRECT])
		claim_table(inum, di->addrs[NDIRECT], 1);
	if (di->addrs[NDIRECT + 1])
		claim_table(inum, di->addrs[NDIRECT + 1], 2);
	if (di->size > (uint64_t)MAXFILE * BSIZE) {
		problem("inode %u: size %u beyond the largest file", inum, di->size);
		return;
	}
	for (uint32_t bn = 0; bn < nblocks; bn++) {
		uint32_t b = file_block(di, bn);

		if (b < data_start || b >= sb.size) {
			problem("inode %u: block %u of its %u bytes is missing", inum,
				bn, di->size);
			return;
		}
	}
}

static void check_inodes(void)
{
	for (uint32_t inum = ROOTINO; inum < sb.ninodes; inum++) {
		const struct dinode *di = dinode(inum);

		if (di->type == 0)
			continue;
		if (di->type != T_DIR && di->type != T_FILE && di->type != T_DEVICE) {
			problem("inode %u: bad type %d", inum, di->type);
			continue;
		}
		check_inode_blocks(inum, di);
	}
	if (dinode(ROOTINO)->type != T_DIR)
		problem("root inode %d is not a directory (type %d)", ROOTINO,
			dinode(ROOTINO)->type);
}

static void check_bitmap(void)
{
	for (uint32_t b = 0; b < sb.size; b++) {
		bool used = bitmap_used(b);

		if (b < data_start && !used)
			problem("metadata block %u is not marked in the bitmap", b);
		else if (b >= data_start && used && !block_owner[b])
			problem("block %u is marked in use but unreferenced (leak)", b);
	}
}

/* Copy a directory entry's name, which lacks a NUL when DIRSIZ long. */
static void entry_name(const struct dirent *de, char name[DIRSIZ + 1])
{
	int i;

	for (i = 0; i < DIRSIZ && de->name[i]; i++)
		name[i] = de->name[i];
	name[i] = '\0';
}

/* Check one entry of directory dir at position slot; count its link. */
static void check_entry(uint32_t dir, uint32_t slot, const struct dirent *de)
{
	char name[DIRSIZ + 1];
	const struct dinode *target;

	entry_name(de, name);
	if (de->inum >= sb.ninodes) {
		problem("directory %u: entry '%s' names inode %u, out of range", dir, name, de->inum);
		return;
	}
	target = dinode(de->inum);
	if (target->type == 0) {
		problem("directory %u: entry '%s' points to free inode %u", dir, name, de->inum);
		return;
	}
	if (slot < 2 && strcmp(name, slot == 0 ? "." : ".."))
		problem("directory %u: entry %u is '%s', expected '%s'", dir, slot,
			name, slot == 0 ? "." : "..");
	if (!strcmp(name, ".")) {
		if (de->inum != dir)
			problem("directory %u: '.' points to inode %u", dir, de->inum);
		return;
	}
	links[de->inum]++;
	if (!strcmp(name, "..")) {
		dotdot[dir] = de->inum;
		return;
	}
	if (target->type == T_DIR) {
		if (parent[de->inum])
			problem("directory %u is in two directories (%u and %u)",
				de->inum, parent[de->inum], dir);
		else
			parent[de->inum] = dir;
	}
}

static void scan_directory(uint32_t dir, const struct dinode *di)
{
	uint32_t per_block = BSIZE / sizeof(struct dirent);
	uint32_t nentries = di->size / sizeof(struct dirent);

	if (di->size % sizeof(struct dirent))
		problem("directory %u: size %u is not a whole number of entries", dir, di->size);
	if (nentries < 2)
		problem("directory %u: no '.' and '..' entries", dir);
	for (uint32_t i = 0; i < nentries; i++) {
		uint32_t b = file_block(di, i / per_block);
		const struct dirent *de;

		if (b < data_start || b >= sb.size)
			continue;   /* reported by check_inode_blocks */
		de = (const struct dirent *)block(b) + i % per_block;
		if (de->inum)
			check_entry(dir, i, de);
	}
}

static void check_directories(void)
{
	for (uint32_t inum = ROOTINO; inum < sb.ninodes; inum++)
		if (dinode(inum)->type == T_DIR && dinode(inum)->size <= (uint64_t)MAXFILE * BSIZE)
			scan_directory(inum, dinode(inum));
	for (uint32_t inum = ROOTINO; inum < sb.ninodes; inum++) {
		uint32_t want = inum == ROOTINO ? ROOTINO : parent[inum];

		if (dinode(inum)->type != T_DIR || !want)
			continue;   /* an unnamed directory shows up as a link problem */
		if (dotdot[inum] != want)
			problem("directory %u: '..' is inode %u, expected %u", inum,
				dotdot[inum], want);
	}
}

static void check_links(void)
{
	for (uint32_t inum = ROOTINO; inum < sb.ninodes; inum++) {
		const struct dinode *di = dinode(inum);

		if (di->type == 0)
			continue;
		if (links[inum] == 0)
			problem("inode %u (type %d, nlink %d) is allocated but in no directory",
				inum, di->type, di->nlink);
		else if ((uint32_t)di->nlink != links[inum])
			problem("inode %u: nlink %d but %u directory entries name it",
				inum, di->nlink, links[inum]);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2)
		fail("usage: fsck fs.img");
	load(argv[1]);
	check_superblock();
	if (problems) {
		printf("fsck: %d problems\n", problems);
		return FSCK_PROBLEMS;
	}
	block_owner = calloc(sb.size, sizeof(*block_owner));
	links = calloc(sb.ninodes, sizeof(*links));
	parent = calloc(sb.ninodes, sizeof(*parent));
	dotdot = calloc(sb.ninodes, sizeof(*dotdot));
	if (!block_owner || !links || !parent || !dotdot)
		fail("%s: out of memory", argv[1]);
	replay_log();
	check_inodes();
	check_bitmap();
	check_directories();
	check_links();
	if (problems) {
		printf("fsck: %d problems\n", problems);
		return FSCK_PROBLEMS;
	}
	printf("fsck: OK\n");
	return FSCK_OK;
}
