#ifndef PAGODA_SPINLOCK_H
#define PAGODA_SPINLOCK_H
#include "types.h"

/* Mutual exclusion between harts; interrupts are off while one is held. */
struct spinlock {
	volatile uint32_t locked;
	const char *name;
	struct cpu *cpu;     /* holder, for debugging */
};

void spin_lock_init(struct spinlock *lk, const char *name);
/* Panics (naming the lock) if this hart already holds it. */
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
bool spin_is_held(struct spinlock *lk);
/* Nesting interrupt disable: push_off/pop_off pairs like spin_lock/unlock. */
void push_off(void);
void pop_off(void);
#endif
