/*
 * System-call stubs: the number goes in a7, the arguments are already in
 * a0..a5 by the C calling convention, and the kernel leaves the result in
 * a0. One stub per call, all made by the same macro so they cannot drift.
 */
#include <uapi/syscall.h>

#define SYSCALL(name)              \
	.globl name;               \
	.type name, @function;     \
	name:                      \
	li a7, SYS_##name;         \
	ecall;                     \
	ret;                       \
	.size name, . - name

	.text
SYSCALL(fork)
SYSCALL(exit)
SYSCALL(wait)
SYSCALL(pipe)
SYSCALL(read)
SYSCALL(kill)
SYSCALL(exec)
SYSCALL(fstat)
SYSCALL(chdir)
SYSCALL(dup)
SYSCALL(getpid)
SYSCALL(sbrk)
SYSCALL(sleep)
SYSCALL(uptime)
SYSCALL(open)
SYSCALL(write)
SYSCALL(mknod)
SYSCALL(unlink)
SYSCALL(link)
SYSCALL(mkdir)
SYSCALL(close)
SYSCALL(memstat)
SYSCALL(halt)
SYSCALL(errno)
SYSCALL(pgdump)
SYSCALL(mmap)
SYSCALL(munmap)
SYSCALL(ktest)
SYSCALL(failnth)
SYSCALL(pageinfo)
SYSCALL(faultstat)
SYSCALL(make_it_fail)
