#ifndef PAGODA_DEVICE_H
#define PAGODA_DEVICE_H
#include "param.h"
#include "uaccess.h"

/* Character devices: a T_DEVICE inode's major number indexes devsw. */
struct devsw {
	/* Return bytes moved, or a negative errno. */
	int (*read)(enum addr_space where, uint64_t dst, int n);
	int (*write)(enum addr_space where, uint64_t src, int n);
};
extern struct devsw devsw[NDEV];

enum device_major {
	CONSOLE_MAJOR = 1,
	MIXMEM_MAJOR = 2,   /* lab mixedmap */
	PMEM_MAJOR = 3,     /* lab altmap */
};
#endif
