#ifndef PAGODA_PARAM_H
#define PAGODA_PARAM_H
/* Compile-time limits of the kernel. */
#define NCPU          8      /* harts the kernel can drive */
#define NPROC         64     /* process table size */
#define NOFILE        16     /* open files per process */
#define NFILE         100    /* open files in the system */
#define NINODE        50     /* in-memory inodes */
#define NDEV          10     /* device major numbers */
#define ROOTDEV       1      /* device number of the root disk */
#define MAXARG        32     /* exec arguments */
#define MAXOPBLOCKS   32     /* blocks one FS operation may write */
#define LOGSIZE       (MAXOPBLOCKS * 3)   /* on-disk log blocks */
#define NBUF          (LOGSIZE + MAXOPBLOCKS) /* buffer cache: a full log plus one op */
#define MAXPATH       128    /* longest path name */
#define KSTACK_PAGES  4      /* kernel stack per process (16 KiB) */
#define BOOTARGS_MAX  512    /* kernel command line */
#endif
