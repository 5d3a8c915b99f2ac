/* Sleep locks: a spinlock-protected flag; waiters sleep instead of spin. */
#include "sleeplock.h"
#include "proc.h"

void sleep_lock_init(struct sleeplock *lk, const char *name)
{
	spin_lock_init(&lk->lk, "sleep lock");
	lk->name = name;
	lk->locked = false;
	lk->pid = 0;
}

void sleep_lock(struct sleeplock *lk)
{
	spin_lock(&lk->lk);
	while (lk->locked)
		sleep(lk, &lk->lk);
	lk->locked = true;
	lk->pid = myproc()->pid;
	spin_unlock(&lk->lk);
}

void sleep_unlock(struct sleeplock *lk)
{
	spin_lock(&lk->lk);
	lk->locked = false;
	lk->pid = 0;
	wakeup(lk);
	spin_unlock(&lk->lk);
}

bool sleep_is_held(struct sleeplock *lk)
{
	bool held;

	spin_lock(&lk->lk);
	held = lk->locked && lk->pid == myproc()->pid;
	spin_unlock(&lk->lk);
	return held;
}
