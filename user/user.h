#ifndef PAGODA_USER_H
#define PAGODA_USER_H
/*
 * The user-space API: xv6-riscv's system calls and ulib with the same
 * signatures and meaning, plus Pagoda's own calls. A failed system call
 * returns -1 (NULL-like (char *)-1 for sbrk); errno() says why.
 */
#include <stdarg.h>
#include "types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include <uapi/errno.h>
#include <uapi/memstat.h>
#include <uapi/pageinfo.h>
#include <uapi/faultstat.h>
#include <uapi/mixmem.h>
#include <uapi/pmem.h>
#include <uapi/pgdump.h>
#include <uapi/mman.h>

/* System calls (user/lib/usys.S). */
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int *);
int pipe(int *);
int write(int, const void *, int);
int read(int, void *, int);
int close(int);
int kill(int);
int exec(const char *, char **);
int open(const char *, int);
int mknod(const char *, short, short);
int unlink(const char *);
int fstat(int fd, struct stat *);
int link(const char *, const char *);
int mkdir(const char *);
int chdir(const char *);
int dup(int);
int getpid(void);
char *sbrk(int);
int sleep(int);
int uptime(void);

/* Pagoda's own system calls. */
int memstat(struct memstat *);
uint64 free_pages(void);        /* memstat()'s free_pages, 0 if it fails (ulib) */
int halt(void);
int errno(void);                 /* reason (E*) for the last failed call */
int pgdump(int what, char *buf, int len); /* enum pgdump_what; length of the dump */
void *mmap(void *, uint64, int, int, int, uint64);
int munmap(void *, uint64);
int ktest(const char *);
int failnth(int);                /* fail the nth page allocation of this process */
int pageinfo(int what, uint64 addr, struct pageinfo *); /* enum pageinfo_what */
int faultstat(struct faultstat *); /* fault-injection counters (kernel/include/fault_inject.h) */
int make_it_fail(int on);          /* 1: the fault_inject sites act on this process and its children */

/* ulib (user/lib/ulib.c). */
int stat(const char *, struct stat *);
char *strcpy(char *, const char *);
void *memmove(void *, const void *, int);
char *strchr(const char *, char c);
int strcmp(const char *, const char *);
char *gets(char *, int max);
uint strlen(const char *);
void *memset(void *, int, uint);
int atoi(const char *);
int memcmp(const void *, const void *, uint);
void *memcpy(void *, const void *, uint);
const char *strerror(int);

/* printf (user/lib/printf.c). */
void fprintf(int, const char *, ...);
void printf(const char *, ...);
void vprintf(int, const char *, va_list);

/* malloc (user/lib/umalloc.c). */
void *malloc(uint);
void free(void *);
/* Instructions this hart has retired: exact under QEMU's -icount, host
 * time otherwise. The kernel lets user mode read it (scounteren). */
static inline uint64 rdinstret(void)
{
	uint64 n;

	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

#endif
