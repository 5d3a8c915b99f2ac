/*
 * mkfs: build a Pagoda file-system image on the host.
 *
 *   mkfs fs.img file...
 *
 * Each file goes into the root directory under its base name, without a
 * leading '_' (xv6 names its user programs _cat and so on). The image is
 * built in memory and written only when everything fitted, so a failed
 * run leaves no half-made image. Any error exits with status 2 and a
 * message naming the file and the problem.
 *
 * Layout, in blocks: boot, superblock, log, inodes, bitmap, data. Data
 * blocks are handed out in order, so the bitmap is "everything below
 * next_block is in use".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_format.h"
#include "param.h"
#include "uapi/stat.h"

/*
 * The build passes -Ikernel/include, where the kernel's string.h hides
 * the C library's, so the string functions come from GCC's builtins and
 * error texts from printf's %m.
 */
#define memcpy  __builtin_memcpy
#define memset  __builtin_memset
#define strlen  __builtin_strlen
#define strcmp  __builtin_strcmp
#define strrchr __builtin_strrchr

#define FS_BLOCKS     32768            /* 32 MiB image */
#define FS_INODES     1024             /* a whole number of inode blocks */
#define FS_LOG_BLOCKS (LOGSIZE + 1)    /* the header and LOGSIZE blocks */

#define EXIT_ERROR 2

_Static_assert(FS_INODES % IPB == 0, "inodes should fill their blocks");
_Static_assert(FS_INODES <= UINT16_MAX, "dirent.inum is 16 bits");
_Static_assert(BSIZE % sizeof(struct dinode) == 0, "dinodes straddle blocks");
_Static_assert(BSIZE % sizeof(struct dirent) == 0, "dirents straddle blocks");
_Static_assert(sizeof(struct logheader) <= BSIZE, "log header too big");

static uint8_t *image;           /* FS_BLOCKS * BSIZE bytes */
static struct superblock sb;
static uint32_t next_block;      /* next free data block */
static uint32_t next_inum = ROOTINO;

/* Names already in the root directory, to refuse duplicates. */
static struct entry {
	char name[DIRSIZ + 1];
	const char *source;
} *entries;
static size_t nentries;

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkfs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

static uint8_t *block(uint32_t b)
{
	return image + (size_t)b * BSIZE;
}

static struct dinode *dinode(uint32_t inum)
{
	return (struct dinode *)block(IBLOCK(inum, sb)) + inum % IPB;
}

/* A zeroed data block; who names what needed it, for the error. */
static uint32_t balloc(const char *who)
{
	if (next_block >= sb.size)
		die("%s: image full: %u blocks of %d bytes are not enough",
		    who, sb.size, BSIZE);
	return next_block++;
}

static uint32_t ialloc(int16_t type, const char *who)
{
	uint32_t inum = next_inum;

	if (inum >= sb.ninodes)
		die("%s: too many files: the image holds %u inodes", who, sb.ninodes);
	next_inum++;
	dinode(inum)->type = type;
	dinode(inum)->nlink = 1;
	return inum;
}

/* The slot *slot, allocating its block if empty. */
static uint32_t map_slot(uint32_t *slot, const char *who)
{
	if (*slot == 0)
		*slot = balloc(who);
	return *slot;
}

static uint32_t *table_entry(uint32_t table, uint32_t idx)
{
	return (uint32_t *)block(table) + idx;
}

/* The disk block of file block bn, allocated if missing. */
static uint32_t bmap(struct dinode *di, uint32_t bn, const char *who)
{
	uint32_t table, mid;

	if (bn < NDIRECT)
		return map_slot(&di->addrs[bn], who);
	bn -= NDIRECT;
	if (bn < NINDIRECT) {
		table = map_slot(&di->addrs[NDIRECT], who);
		return map_slot(table_entry(table, bn), who);
	}
	bn -= NINDIRECT;
	if (bn >= NDINDIRECT)
		die("%s: larger than the largest file (%lu bytes)", who,
		    (unsigned long)MAXFILE * BSIZE);
	table = map_slot(&di->addrs[NDIRECT + 1], who);
	mid = map_slot(table_entry(table, bn / NINDIRECT), who);
	return map_slot(table_entry(mid, bn % NINDIRECT), who);
}

static void iappend(uint32_t inum, const void *data, size_t n, const char *who)
{
	struct dinode *di = dinode(inum);
	const uint8_t *p = data;

	while (n > 0) {
		uint32_t off = di->size % BSIZE;
		size_t m = BSIZE - off < n ? BSIZE - off : n;
		uint32_t b = bmap(di, di->size / BSIZE, who);

		memcpy(block(b) + off, p, m);
		di->size += m;
		p += m;
		n -= m;
	}
}

static void dir_add(uint32_t dir, const char *name, uint32_t inum, const char *who)
{
	struct dirent de;

	memset(&de, 0, sizeof(de));
	de.inum = inum;
	/* Not NUL-terminated when exactly DIRSIZ long. */
	memcpy(de.name, name, strlen(name));
	iappend(dir, &de, sizeof(de), who);
}

static void setup_superblock(void)
{
	uint32_t inode_blocks = FS_INODES / IPB;
	uint32_t bitmap_blocks = (FS_BLOCKS + BPB - 1) / BPB;

	sb.magic = FSMAGIC;
	sb.size = FS_BLOCKS;
	sb.ninodes = FS_INODES;
	sb.nlog = FS_LOG_BLOCKS;
	sb.logstart = SB_BLOCKNO + 1;
	sb.inodestart = sb.logstart + sb.nlog;
	sb.bmapstart = sb.inodestart + inode_blocks;
	next_block = sb.bmapstart + bitmap_blocks;
	sb.nblocks = sb.size - next_block;
	memcpy(block(SB_BLOCKNO), &sb, sizeof(sb));
}

/* The name path gets in the root directory; dies if it cannot have one. */
static const char *entry_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;

	if (name[0] == '_')
		name++;
	if (name[0] == '\0')
		die("%s: no file name left after stripping the directory and '_'", path);
	if (strlen(name) > DIRSIZ)
		die("%s: name '%s' is longer than %d characters", path, name, DIRSIZ);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		die("%s: '%s' is a reserved name", path, name);
	for (size_t i = 0; i < nentries; i++)
		if (!strcmp(entries[i].name, name))
			die("%s: duplicate name '%s' (already used by %s)", path,
			    name, entries[i].source);
	return name;
}

static void remember(const char *name, const char *source)
{
	struct entry *grown = realloc(entries, (nentries + 1) * sizeof(*entries));

	if (!grown)
		die("%s: out of memory", source);
	entries = grown;
	snprintf(entries[nentries].name, sizeof(entries[0].name), "%s", name);
	entries[nentries].source = source;
	nentries++;
}

static void add_file(uint32_t root, const char *path)
{
	const char *name = entry_name(path);
	uint8_t buf[BSIZE];
	uint32_t inum;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		die("%s: %m", path);
	inum = ialloc(T_FILE, path);
	dir_add(root, name, inum, path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		iappend(inum, buf, n, path);
	/* A directory opens fine and fails here, with EISDIR. */
	if (ferror(f))
		die("%s: cannot read: %m", path);
	fclose(f);
	remember(name, path);
}

/* Mark the metadata and every allocated data block in use. */
static void write_bitmap(void)
{
	for (uint32_t b = 0; b < next_block; b++)
		block(BBLOCK(b, sb))[(b % BPB) / 8] |= 1u << (b % 8);
}

static void write_image(const char *out)
{
	FILE *f = fopen(out, "wb");

	if (!f)
		die("%s: %m", out);
	if (fwrite(image, BSIZE, sb.size, f) != sb.size || fclose(f) != 0)
		die("%s: cannot write: %m", out);
}

int main(int argc, char **argv)
{
	const uint16_t probe = 1;
	uint32_t root;

	if (argc < 2)
		die("usage: mkfs fs.img [file...]");
	if (*(const uint8_t *)&probe != 1)
		die("the image is little-endian; this host is not");
	image = calloc(FS_BLOCKS, BSIZE);
	if (!image)
		die("%s: out of memory", argv[1]);
	setup_superblock();
	root = ialloc(T_DIR, "root directory");
	if (root != ROOTINO)
		die("root directory got inode %u, not %d", root, ROOTINO);
	/* The root is its own parent; "." adds no link (see fsck). */
	dir_add(root, ".", root, "root directory");
	dir_add(root, "..", root, "root directory");
	for (int i = 2; i < argc; i++)
		add_file(root, argv[i]);
	write_bitmap();
	write_image(argv[1]);
	printf("mkfs: %s: %zu files, %u of %u blocks, %u of %u inodes used\n",
	       argv[1], nentries, next_block, sb.size, next_inum - ROOTINO, sb.ninodes);
	return 0;
}
