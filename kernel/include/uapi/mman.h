#ifndef PAGODA_UAPI_MMAN_H
#define PAGODA_UAPI_MMAN_H
/*
 * mmap(addr, length, prot, flags, fd, offset) and munmap(addr, length),
 * with Linux's values. A failed call returns MAP_FAILED ((void *)-1) or -1,
 * and errno() says why (uapi/errno.h).
 */
#define PROT_NONE     0x0
#define PROT_READ     0x1
#define PROT_WRITE    0x2
#define PROT_EXEC     0x4

#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20

#define MAP_FAILED    ((void *)-1)
#endif
