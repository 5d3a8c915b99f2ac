/*
 * Processes: the process table, fork/exit/wait/kill, sleep/wakeup and the
 * round-robin scheduler. Locking follows xv6: p->lock protects a process's
 * state, wait_lock the parent links, and must be taken before any p->lock.
 */
#include "proc.h"
#include "mmap.h"
#include "vm.h"
#include "fs.h"
#include "file.h"
#include "trap.h"
#include "vmalloc.h"
#include "ktest.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"
#include "asm/csr.h"

struct cpu cpus[NCPU];
int nr_cpus = 1;
static struct proc proc_table[NPROC];
static struct proc *initproc;
static int next_pid = INIT_PID;
static struct spinlock pid_lock = { .name = "next_pid" };
/* Held while touching p->parent, so a parent's wakeup is never missed. */
static struct spinlock wait_lock = { .name = "wait_lock" };

extern void swtch(struct context *old, struct context *new);
int kernel_exec(const char *path, char *const argv[]);

void proc_init(void)
{
	for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
		spin_lock_init(&p->lock, "proc");
		p->state = UNUSED;
		p->kstack = alloc_kernel_stack(KSTACK_PAGES);
		if (!p->kstack)
			panic("proc_init: no memory for kernel stacks");
	}
}

struct proc *myproc(void)
{
	struct proc *p;

	push_off();
	p = mycpu()->proc;
	pop_off();
	return p;
}

static int alloc_pid(void)
{
	int pid;

	spin_lock(&pid_lock);
	pid = next_pid++;
	spin_unlock(&pid_lock);
	return pid;
}

static void forkret(void);

/* Find an UNUSED slot and set it up to start in forkret(); returns it with
 * p->lock held, or NULL when the table or memory is full. */
static struct proc *alloc_proc(void)
{
	struct proc *p;

	for (p = proc_table; p < &proc_table[NPROC]; p++) {
		spin_lock(&p->lock);
		if (p->state == UNUSED)
			goto found;
		spin_unlock(&p->lock);
	}
	return NULL;
found:
	p->pid = alloc_pid();
	p->state = USED;
	p->mm = mm_alloc();
	if (!p->mm) {
		p->state = UNUSED;
		spin_unlock(&p->lock);
		return NULL;
	}
	memset(&p->tf, 0, sizeof(p->tf));
	memset(&p->context, 0, sizeof(p->context));
	p->context.ra = (uint64_t)forkret;
	p->context.sp = p->kstack + KSTACK_PAGES * PAGE_SIZE;
	p->last_errno = 0;
	return p;
}

/* Release a slot; p->lock held. The kernel stack stays for the next user. */
static void free_proc(struct proc *p)
{
	if (p->mm)
		mm_free(p->mm);
	p->mm = NULL;
	p->pid = 0;
	p->parent = NULL;
	p->name[0] = '\0';
	p->chan = NULL;
	p->killed = false;
	p->fail_nth = 0;
	p->make_it_fail = false;
	p->xstate = 0;
	p->state = UNUSED;
}

/* The first process: it runs /init from forkret() once the disk is up. */
void userinit(void)
{
	struct proc *p = alloc_proc();

	if (!p)
		panic("userinit: no process slot");
	initproc = p;
	strlcpy(p->name, "init", sizeof(p->name));
	p->state = RUNNABLE;
	spin_unlock(&p->lock);
}

static void forkret(void)
{
	static bool first = true;
	static char *const init_argv[] = { "init", NULL };

	/* Still holding p->lock from scheduler(). */
	spin_unlock(&myproc()->lock);
	if (first) {
		first = false;
		/* The file system needs a process context (it sleeps on disk I/O). */
		fsinit(ROOTDEV);
		myproc()->cwd = namei("/");
		if (ktest_spec[0])
			ktest_run(ktest_spec);
		int err = kernel_exec("/init", init_argv);
		if (err < 0)
			panic("forkret: cannot exec /init (error %d): is fs.img built?", -err);
	}
	usertrap_return();
}

int fork(void)
{
	struct proc *np, *p = myproc();
	int pid;

	if (!(np = alloc_proc()))
		return -EAGAIN;
	/* Nobody looks at a slot that is not RUNNABLE and has no parent, so
	 * the copy runs with interrupts on; its failure may close files. */
	spin_unlock(&np->lock);
	if (mm_copy(np->mm, p->mm) < 0) {
		exit_mmap(np->mm);
		spin_lock(&np->lock);
		free_proc(np);
		spin_unlock(&np->lock);
		return -ENOMEM;
	}
	spin_lock(&np->lock);
	np->tf = p->tf;
	np->tf.a0 = 0;   /* the child sees fork() return 0 */
	for (int i = 0; i < NOFILE; i++)
		if (p->ofile[i])
			np->ofile[i] = filedup(p->ofile[i]);
	np->cwd = idup(p->cwd);
	strlcpy(np->name, p->name, sizeof(np->name));
	np->make_it_fail = p->make_it_fail;   /* a workload's children fail too */
	pid = np->pid;
	spin_unlock(&np->lock);

	spin_lock(&wait_lock);
	np->parent = p;
	spin_unlock(&wait_lock);

	spin_lock(&np->lock);
	np->state = RUNNABLE;
	spin_unlock(&np->lock);
	return pid;
}

/* Give p's children to init. Caller holds wait_lock. */
static void reparent(struct proc *p)
{
	for (struct proc *pp = proc_table; pp < &proc_table[NPROC]; pp++) {
		if (pp->parent == p) {
			pp->parent = initproc;
			wakeup(initproc);
		}
	}
}

void exit(int status)
{
	struct proc *p = myproc();

	if (p == initproc)
		panic("exit: init exiting (status %d)", status);
	for (int fd = 0; fd < NOFILE; fd++) {
		if (p->ofile[fd]) {
			fileclose(p->ofile[fd]);
			p->ofile[fd] = NULL;
		}
	}
	/* Mappings go now, in process context: shared file pages are written
	 * back, and the files they hold are closed. */
	exit_mmap(p->mm);
	bool in_op = begin_op_readonly();
	iput(p->cwd);
	if (in_op)
		end_op();
	p->cwd = NULL;

	spin_lock(&wait_lock);
	reparent(p);
	wakeup(p->parent);
	spin_lock(&p->lock);
	p->xstate = status;
	p->state = ZOMBIE;
	spin_unlock(&wait_lock);
	sched();
	panic("exit: zombie returned");
}

/* Reap zombie child pp (both locks held): returns its pid. */
static int reap(struct proc *pp, uint64_t status_va)
{
	int pid = pp->pid;

	if (status_va && copyout(myproc()->mm, status_va, &pp->xstate, sizeof(pp->xstate)) < 0)
		return -EFAULT;
	/* Switch away from a dying address space never happens here: the
	 * zombie's page table is not live on any hart. */
	free_proc(pp);
	return pid;
}

int wait(uint64_t status_va)
{
	struct proc *p = myproc();

	spin_lock(&wait_lock);
	for (;;) {
		bool have_kids = false;
		for (struct proc *pp = proc_table; pp < &proc_table[NPROC]; pp++) {
			if (pp->parent != p)
				continue;
			spin_lock(&pp->lock);
			have_kids = true;
			if (pp->state == ZOMBIE) {
				int ret = reap(pp, status_va);
				spin_unlock(&pp->lock);
				spin_unlock(&wait_lock);
				return ret;
			}
			spin_unlock(&pp->lock);
		}
		if (!have_kids || killed(p)) {
			spin_unlock(&wait_lock);
			return have_kids ? -EINTR : -ECHILD;
		}
		sleep(p, &wait_lock);
	}
}

void scheduler(void)
{
	struct cpu *c = mycpu();

	c->proc = NULL;
	for (;;) {
		bool ran = false;
		/* Take pending interrupts, then scan with them off: a wakeup that
		 * arrives during the scan stays pending and ends the wfi below
		 * at once instead of waiting for the next tick. */
		local_irq_enable();
		local_irq_disable();
		for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
			spin_lock(&p->lock);
			if (p->state == RUNNABLE) {
				p->state = RUNNING;
				c->proc = p;
				switch_mm(p->mm);
				swtch(&c->context, &p->context);
				switch_mm(NULL);
				c->proc = NULL;
				ran = true;
			}
			spin_unlock(&p->lock);
		}
		if (!ran)
			wait_for_interrupt();
	}
}

/* Switch to the scheduler. Caller holds only p->lock and changed p->state. */
void sched(void)
{
	struct proc *p = myproc();
	bool intena;

	if (!spin_is_held(&p->lock))
		panic("sched: p->lock not held");
	if (mycpu()->noff != 1)
		panic("sched: %d locks held", mycpu()->noff);
	if (p->state == RUNNING)
		panic("sched: process still RUNNING");
	if (irqs_enabled())
		panic("sched: interrupts enabled");
	intena = mycpu()->intena;
	swtch(&p->context, &mycpu()->context);
	mycpu()->intena = intena;
}

void yield(void)
{
	struct proc *p = myproc();

	spin_lock(&p->lock);
	p->state = RUNNABLE;
	sched();
	spin_unlock(&p->lock);
}

void sleep(void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();

	/* Holding p->lock before dropping lk means no wakeup can be missed. */
	spin_lock(&p->lock);
	spin_unlock(lk);
	p->chan = chan;
	p->state = SLEEPING;
	sched();
	p->chan = NULL;
	spin_unlock(&p->lock);
	spin_lock(lk);
}

void wakeup(void *chan)
{
	struct proc *self = myproc();

	for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
		if (p == self)
			continue;
		spin_lock(&p->lock);
		if (p->state == SLEEPING && p->chan == chan)
			p->state = RUNNABLE;
		spin_unlock(&p->lock);
	}
}

int kill(int pid)
{
	for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
		spin_lock(&p->lock);
		if (p->pid == pid && p->state != UNUSED) {
			p->killed = true;
			if (p->state == SLEEPING)
				p->state = RUNNABLE;   /* let it notice */
			spin_unlock(&p->lock);
			return 0;
		}
		spin_unlock(&p->lock);
	}
	return -ESRCH;
}

void setkilled(struct proc *p)
{
	spin_lock(&p->lock);
	p->killed = true;
	spin_unlock(&p->lock);
}

bool killed(struct proc *p)
{
	bool k;

	spin_lock(&p->lock);
	k = p->killed;
	spin_unlock(&p->lock);
	return k;
}

/* Count processes in use (memstat, tests). */
int nr_procs(void)
{
	int n = 0;

	for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++)
		n += READ_ONCE(p->state) != UNUSED;
	return n;
}

void procdump(void)
{
	static const char *const names[] = {
		[UNUSED] = "unused", [USED] = "used", [SLEEPING] = "sleep",
		[RUNNABLE] = "runble", [RUNNING] = "run", [ZOMBIE] = "zombie",
	};

	printf("\n");
	for (struct proc *p = proc_table; p < &proc_table[NPROC]; p++) {
		if (p->state == UNUSED)
			continue;
		printf("%d %s %s\n", p->pid, names[p->state], p->name);
	}
}
