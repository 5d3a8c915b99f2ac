#ifndef PAGODA_UAPI_ERRNO_H
#define PAGODA_UAPI_ERRNO_H
/*
 * Reasons a system call failed, numbered as in Linux. A failing call
 * returns -1 to user space; errno() (SYS_errno) returns the reason.
 */
#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define ENXIO    6   /* no such device or address: past the end of a file or device */
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EXDEV   18
#define ENODEV  19
#define ENOTDIR 20
#define EISDIR  21
#define EINVAL  22
#define ENFILE  23
#define EMFILE  24
#define EFBIG   27
#define ENOSPC  28
#define ESPIPE  29
#define EMLINK  31
#define EPIPE   32
#define ERANGE  34
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ENOTEMPTY 39
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#endif
