#ifndef PAGODA_SLEEPLOCK_H
#define PAGODA_SLEEPLOCK_H
#include "spinlock.h"

/* A lock held across sleeps (disk I/O); only processes may take it. */
struct sleeplock {
	bool locked;
	struct spinlock lk;
	const char *name;
	int pid;
};

void sleep_lock_init(struct sleeplock *lk, const char *name);
void sleep_lock(struct sleeplock *lk);
void sleep_unlock(struct sleeplock *lk);
/* True when the calling process holds it. */
bool sleep_is_held(struct sleeplock *lk);
#endif
