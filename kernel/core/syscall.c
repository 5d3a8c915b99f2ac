/* System-call dispatch and argument fetching. */
#include "syscall.h"
#include "proc.h"
#include "vm.h"
#include "uaccess.h"
#include "printk.h"

static const syscall_fn syscall_table[NR_SYSCALLS] = {
	[SYS_fork] = sys_fork,       [SYS_exit] = sys_exit,
	[SYS_wait] = sys_wait,       [SYS_pipe] = sys_pipe,
	[SYS_read] = sys_read,       [SYS_kill] = sys_kill,
	[SYS_exec] = sys_exec,       [SYS_fstat] = sys_fstat,
	[SYS_chdir] = sys_chdir,     [SYS_dup] = sys_dup,
	[SYS_getpid] = sys_getpid,   [SYS_sbrk] = sys_sbrk,
	[SYS_sleep] = sys_sleep,     [SYS_uptime] = sys_uptime,
	[SYS_open] = sys_open,       [SYS_write] = sys_write,
	[SYS_mknod] = sys_mknod,     [SYS_unlink] = sys_unlink,
	[SYS_link] = sys_link,       [SYS_mkdir] = sys_mkdir,
	[SYS_close] = sys_close,     [SYS_memstat] = sys_memstat,
	[SYS_halt] = sys_halt,       [SYS_errno] = sys_errno,
	[SYS_ktest] = sys_ktest,     [SYS_pgdump] = sys_pgdump,
	[SYS_mmap] = sys_mmap,       [SYS_munmap] = sys_munmap,
	[SYS_failnth] = sys_failnth,  [SYS_pageinfo] = sys_pageinfo,
	[SYS_faultstat] = sys_faultstat, [SYS_make_it_fail] = sys_make_it_fail,
};

/* Linux's convention: results in [-4095, -1] are errors. */
#define MAX_ERRNO 4095

uint64_t argraw(int n)
{
	struct trapframe *tf = &myproc()->tf;
	const uint64_t regs[] = { tf->a0, tf->a1, tf->a2, tf->a3, tf->a4, tf->a5 };

	if (n < 0 || n >= (int)ARRAY_SIZE(regs))
		panic("argraw: argument %d", n);
	return regs[n];
}

int argint(int n)
{
	return (int)argraw(n);
}

uint64_t argaddr(int n)
{
	return argraw(n);
}

int argstr(int n, char *buf, size_t max)
{
	return fetchstr(argaddr(n), buf, max);
}

int fetchaddr(uint64_t va, uint64_t *out)
{
	return copyin(myproc()->mm, out, va, sizeof(*out));
}

int fetchstr(uint64_t va, char *buf, size_t max)
{
	return copyinstr(myproc()->mm, buf, va, max);
}

void syscall(void)
{
	struct proc *p = myproc();
	uint64_t num = p->tf.a7;
	long ret;

	if (num < NR_SYSCALLS && syscall_table[num])
		ret = syscall_table[num]();
	else
		ret = -ENOSYS;
	if (ret < 0 && ret >= -MAX_ERRNO) {
		p->last_errno = (int)-ret;
		ret = -1;
	}
	p->tf.a0 = (uint64_t)ret;
}
