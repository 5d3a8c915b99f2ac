#ifndef PAGODA_PROC_H
#define PAGODA_PROC_H
#include "param.h"
#include "spinlock.h"
#include "trapframe.h"

/* Callee-saved registers kept across swtch(). */
struct context {
	uint64_t ra;
	uint64_t sp;
	uint64_t s[12];
};

/* Per-hart state; tp points at this hart's struct cpu in the kernel. */
struct cpu {
	struct proc *proc;        /* running process, or NULL */
	struct context context;   /* swtch() here to enter the scheduler */
	int noff;                 /* push_off() depth */
	bool intena;              /* interrupts were on before push_off() */
	int id;                   /* index in cpus[] */
	uint32_t hartid;          /* RISC-V hart id */
	bool started;
};
extern struct cpu cpus[NCPU];
extern int nr_cpus;

static inline struct cpu *mycpu(void)
{
	struct cpu *c;
	__asm__ volatile("mv %0, tp" : "=r"(c));
	return c;
}
static inline int cpuid(void) { return mycpu()->id; }

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct mm_struct;
struct file;
struct inode;

struct proc {
	struct spinlock lock;
	/* p->lock must be held to use these: */
	enum procstate state;
	void *chan;               /* sleeping on chan */
	bool killed;
	int xstate;               /* exit status for the parent's wait() */
	int pid;
	/* wait_lock must be held to use this: */
	struct proc *parent;
	/* private to the process: */
	uint64_t kstack;          /* lowest address of the kernel stack */
	struct mm_struct *mm;     /* user address space */
	struct trapframe tf;      /* user registers; sscratch points here */
	struct context context;   /* swtch() here to run the process */
	struct file *ofile[NOFILE];
	struct inode *cwd;
	int last_errno;           /* reason for the last failed syscall */
	int fail_nth;             /* fault injection: the nth page allocation fails (0: none) */
	bool make_it_fail;        /* fault injection: the command-line sites act on it */
	char name[16];
};

/* The first process's pid: userinit() makes it before any other. */
#define INIT_PID 1

/* The running process, or NULL in the scheduler. */
struct proc *myproc(void);

/* Give up the CPU until wakeup(chan); lk is released while asleep and
 * re-acquired before returning. */
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
bool killed(struct proc *p);
void setkilled(struct proc *p);
/* Give up the CPU for one scheduling round. */
void yield(void);
/* Switch to this hart's scheduler; caller holds p->lock only. */
void sched(void);
int nr_procs(void);

void proc_init(void);
void userinit(void);
__noreturn void scheduler(void);
int fork(void);
__noreturn void exit(int status);
int wait(uint64_t status_va);
int kill(int pid);
/* Print the process table (console ^P). */
void procdump(void);

extern uint64_t ticks;
extern struct spinlock tickslock;
#endif
