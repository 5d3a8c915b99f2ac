#ifndef PAGODA_FS_FORMAT_H
#define PAGODA_FS_FORMAT_H
/*
 * On-disk file-system format, shared by the kernel and mkfs (host).
 *
 * [ boot | super | log header + log | inodes | free bitmap | data ... ]
 *   0      1       logstart          inodestart bmapstart
 */
#include <stdint.h>

#define BSIZE       1024          /* block size */
#define FSMAGIC     0x50474f44u   /* "PGOD" */
#define ROOTINO     1             /* root directory inode */
#define SB_BLOCKNO  1             /* block holding the superblock */

struct superblock {
	uint32_t magic;       /* FSMAGIC */
	uint32_t size;        /* image size in blocks */
	uint32_t nblocks;     /* data blocks */
	uint32_t ninodes;
	uint32_t nlog;        /* log blocks, header included */
	uint32_t logstart;
	uint32_t inodestart;
	uint32_t bmapstart;
};

/* Block map of an inode: direct, single-indirect, double-indirect. */
#define NDIRECT      11
#define NINDIRECT    (BSIZE / sizeof(uint32_t))
#define NDINDIRECT   (NINDIRECT * NINDIRECT)
#define MAXFILE      (NDIRECT + NINDIRECT + NDINDIRECT)   /* blocks */

struct dinode {
	int16_t type;         /* T_DIR, T_FILE, T_DEVICE; 0 = free */
	int16_t major;
	int16_t minor;
	int16_t nlink;
	uint32_t size;        /* bytes */
	uint32_t addrs[NDIRECT + 2];
};

#define IPB          (BSIZE / sizeof(struct dinode))   /* inodes per block */
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)
#define BPB          (BSIZE * 8)                        /* bitmap bits per block */
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)

#define DIRSIZ 14
struct dirent {
	uint16_t inum;        /* 0 = free slot */
	char name[DIRSIZ];    /* not NUL-terminated when DIRSIZ long */
};

/*
 * Log header, the first block of the log region. n != 0 means a committed
 * transaction: block[i] is where log block logstart + 1 + i belongs.
 */
#define LOG_MAXBLOCKS (BSIZE / sizeof(uint32_t) - 1)
struct logheader {
	uint32_t n;
	uint32_t block[LOG_MAXBLOCKS];
};

#endif
