#ifndef PAGODA_UAPI_SYSCALL_H
#define PAGODA_UAPI_SYSCALL_H
/*
 * System-call numbers, shared by the kernel and user/usys.S.
 * 1-21 are numbered as in xv6-riscv so traces read the same.
 */
#define SYS_fork     1
#define SYS_exit     2
#define SYS_wait     3
#define SYS_pipe     4
#define SYS_read     5
#define SYS_kill     6
#define SYS_exec     7
#define SYS_fstat    8
#define SYS_chdir    9
#define SYS_dup     10
#define SYS_getpid  11
#define SYS_sbrk    12
#define SYS_sleep   13
#define SYS_uptime  14
#define SYS_open    15
#define SYS_write   16
#define SYS_mknod   17
#define SYS_unlink  18
#define SYS_link    19
#define SYS_mkdir   20
#define SYS_close   21
/* Pagoda's own calls. */
#define SYS_memstat 22   /* struct memstat *: page counts */
#define SYS_halt    23   /* power the machine off */
#define SYS_errno   24   /* reason for the last failed call */
#define SYS_pgdump  25   /* print page tables (lab pgtable) */
#define SYS_mmap    26   /* (lab mixedmap) */
#define SYS_munmap  27   /* (lab mixedmap) */
#define SYS_ktest   28   /* run in-kernel tests by name */
#define SYS_failnth 29   /* fault injection: fail the nth page allocation */
#define SYS_pageinfo 30  /* a page's pte kind and reference count (lab mixedmap) */
#define SYS_faultstat 31 /* struct faultstat *: fault-injection counters */
#define SYS_make_it_fail 32 /* 0/1: the command-line fault sites act on this process */
#define NR_SYSCALLS 33
#endif
