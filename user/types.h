#ifndef PAGODA_USER_TYPES_H
#define PAGODA_USER_TYPES_H
/*
 * The integer types xv6 user programs use. Kept apart from the kernel's
 * types.h so user code does not pull in kernel-only macros.
 */
typedef unsigned int   uint;
typedef unsigned short ushort;
typedef unsigned char  uchar;

typedef unsigned char  uint8;
typedef unsigned short uint16;
typedef unsigned int   uint32;
typedef unsigned long  uint64;

typedef uint64 pde_t;

#ifndef NULL
#define NULL ((void *)0)
#endif
#endif
