/* Process, time and machine system calls. */
#include "syscall.h"
#include "proc.h"
#include "vm.h"
#include "mm.h"
#include "pgtable.h"
#include "memblock.h"
#include "uaccess.h"
#include "printk.h"
#include "trap.h"
#include "ktest.h"
#include "mmap.h"
#include "filemap.h"
#include "memremap.h"
#include "fault_inject.h"
#include "uapi/memstat.h"
#include "asm/sbi.h"


long sys_fork(void)
{
	return fork();
}

long sys_exit(void)
{
	exit(argint(0));
}

long sys_wait(void)
{
	return wait(argaddr(0));
}

long sys_kill(void)
{
	int pid = argint(0);

	return pid <= 0 ? -EINVAL : kill(pid);
}

long sys_getpid(void)
{
	return myproc()->pid;
}

long sys_sbrk(void)
{
	return mm_sbrk(myproc()->mm, argint(0));
}

long sys_sleep(void)
{
	int n = argint(0);
	uint64_t start;

	if (n < 0)
		return -EINVAL;
	spin_lock(&tickslock);
	start = ticks;
	while (ticks - start < (uint64_t)n) {
		if (killed(myproc())) {
			spin_unlock(&tickslock);
			return -EINTR;
		}
		sleep(&ticks, &tickslock);
	}
	spin_unlock(&tickslock);
	return 0;
}

long sys_uptime(void)
{
	uint64_t t;

	spin_lock(&tickslock);
	t = ticks;
	spin_unlock(&tickslock);
	return (long)t;
}

long sys_memstat(void)
{
	struct memstat ms = { 0 };

	ms.total_pages = nr_managed_pages();
	ms.free_pages = nr_free_pages();
	ms.used_pages = ms.total_pages - ms.free_pages;
	ms.ram_pages = memblock_phys_mem_size() >> PAGE_SHIFT;
	ms.reserved_pages = ms.ram_pages - ms.total_pages;
	ms.pgtable_pages = pgtable_page_alloc.nr_tables + early_pgtable_alloc.nr_tables;
	ms.rss_pages = mm_rss_pages(myproc()->mm);
	ms.pagecache_pages = nr_pagecache_pages();
	ms.devmem_pages = nr_devmem_pages();
	return copyout(myproc()->mm, argaddr(0), &ms, sizeof(ms));
}

long sys_halt(void)
{
	/* The last word of a fault-injection run: what was injected. */
	fault_inject_report_counters();
	printf("halt: powering off\n");
	smp_stop_others();
	sbi_shutdown(false);
}

/* failnth(n): the nth page allocation of this process from now fails (0
 * turns it off). Returns how many allocations were still to go, so a
 * caller learns whether its operation reached the failure point. */
long sys_failnth(void)
{
	int n = argint(0), left = myproc()->fail_nth;

	if (n < 0)
		return -EINVAL;
	myproc()->fail_nth = n;
	return left;
}

/* faultstat(struct faultstat *): the fault-injection counters. 0 or -EFAULT. */
long sys_faultstat(void)
{
	struct faultstat st;

	fault_inject_stats(&st);
	return copyout(myproc()->mm, argaddr(0), &st, sizeof(st));
}

/* make_it_fail(on): whether the command-line fault-injection sites act on
 * this process (and the children it forks from now). 0 or -EINVAL. */
long sys_make_it_fail(void)
{
	int on = argint(0);

	if (on != 0 && on != 1)
		return -EINVAL;
	myproc()->make_it_fail = on;
	return 0;
}

long sys_errno(void)
{
	return myproc()->last_errno;
}

long sys_ktest(void)
{
	char spec[64];
	int len = argstr(0, spec, sizeof(spec));

	return len < 0 ? len : ktest_run(spec);
}
