#ifndef PAGODA_DEVICE_H
#define PAGODA_DEVICE_H
#include "param.h"
#include "uaccess.h"
#include "uapi/mixmem.h"
#include "uapi/pmem.h"

struct file;
struct vm_area_struct;

/* Character devices: a T_DEVICE inode's major number indexes devsw. */
struct devsw {
	/* Move n bytes at f->off (devices with a size advance it). Return
	 * bytes moved, or a negative errno. */
	int (*read)(struct file *f, enum addr_space where, uint64_t dst, int n);
	int (*write)(struct file *f, enum addr_space where, uint64_t src, int n);
	/* Set up vma (placed, not yet linked) for an mmap() of the device:
	 * flags, ops, and any ptes made up front. 0 or a negative errno. */
	int (*mmap)(struct file *f, struct vm_area_struct *vma);
};
extern struct devsw devsw[NDEV];

enum device_major {
	CONSOLE_MAJOR = 1,
	MIXMEM_DEV = MIXMEM_MAJOR,   /* lab mixedmap */
	PMEM_DEV = PMEM_MAJOR,       /* lab altmap */
	PFNMEM_DEV = PFNMEM_MAJOR,   /* lab mixedmap */
};
#endif
