#ifndef PAGODA_SYSCALL_H
#define PAGODA_SYSCALL_H
#include "types.h"
#include "uapi/syscall.h"
#include "uapi/errno.h"

/*
 * A system call returns a non-negative result or a negative errno;
 * syscall() turns -e into -1 for user space and records e for errno().
 */
typedef long (*syscall_fn)(void);
void syscall(void);

/* The n-th argument (0..5) of the current system call, raw. */
uint64_t argraw(int n);
int argint(int n);
uint64_t argaddr(int n);
/* Copy the n-th argument as a string; length, or -EFAULT/-ENAMETOOLONG. */
int argstr(int n, char *buf, size_t max);

/* Fetch a uint64_t at a user address: 0 or -EFAULT. */
int fetchaddr(uint64_t va, uint64_t *out);
/* Fetch a string at a user address: length or negative errno. */
int fetchstr(uint64_t va, char *buf, size_t max);

/* Handlers, by subsystem. kernel/core/sysproc.c: */
long sys_fork(void), sys_exit(void), sys_wait(void), sys_kill(void);
long sys_getpid(void), sys_sbrk(void), sys_sleep(void), sys_uptime(void);
long sys_memstat(void), sys_halt(void), sys_errno(void), sys_ktest(void);
long sys_pgdump(void), sys_mmap(void), sys_munmap(void), sys_failnth(void);
long sys_pageinfo(void), sys_faultstat(void), sys_make_it_fail(void);
/* kernel/core/exec.c: */
long sys_exec(void);
/* kernel/fs/sysfile.c: */
long sys_pipe(void), sys_read(void), sys_write(void), sys_close(void);
long sys_fstat(void), sys_chdir(void), sys_dup(void), sys_open(void);
long sys_mknod(void), sys_unlink(void), sys_link(void), sys_mkdir(void);
#endif
