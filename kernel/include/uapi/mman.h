#ifndef PAGODA_UAPI_MMAN_H
#define PAGODA_UAPI_MMAN_H
/*
 * mmap(addr, length, prot, flags, fd, offset) and munmap(addr, length),
 * with Linux's values. A failed call returns MAP_FAILED ((void *)-1) or -1,
 * and errno() says why (uapi/errno.h):
 *   EINVAL  zero or too long a length, unknown prot or flags bits, neither or
 *           both of MAP_SHARED and MAP_PRIVATE, an unaligned offset or
 *           MAP_FIXED address, offset + length overflowing;
 *   EBADF   no such fd without MAP_ANONYMOUS;
 *   EACCES  the fd is not open for reading, or MAP_SHARED with PROT_WRITE
 *           on an fd not open for writing;
 *   ENODEV  the fd cannot be mapped (directory, pipe, console), or
 *           MAP_SHARED | MAP_ANONYMOUS (not supported);
 *   ENXIO   the offset lies at or past the end of the file, or the mapping
 *           runs past the end of a device (/dev/mixmem, /dev/pfnmem);
 *   ENOMEM  no free range of addresses, MAP_FIXED outside the mapping area,
 *           or the process has MAX_VMAS mappings.
 * A file mapping may run past the end of the file: the bytes of the last
 * page past the end read as zero and are never written back; touching a
 * page wholly past the end kills the process. MAP_SHARED writes reach the
 * file when the mapping goes (munmap, exit, exec); read() and write() see
 * them at once.
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
