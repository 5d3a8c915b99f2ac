#ifndef PAGODA_UAPI_STAT_H
#define PAGODA_UAPI_STAT_H
/* File types and struct stat, laid out as in xv6. */
#define T_DIR     1   /* directory */
#define T_FILE    2   /* regular file */
#define T_DEVICE  3   /* device */

struct stat {
	int dev;               /* file system's disk device */
	unsigned int ino;      /* inode number */
	short type;            /* type of file */
	short nlink;           /* number of links to file */
	unsigned long size;    /* size of file in bytes */
};
#endif
