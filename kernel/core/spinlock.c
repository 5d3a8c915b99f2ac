/* Spinlocks: test-and-set with interrupts off on the holding hart. */
#include "spinlock.h"
#include "proc.h"
#include "printk.h"
#include "asm/csr.h"

void spin_lock_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = NULL;
}

void spin_lock(struct spinlock *lk)
{
	push_off();   /* an interrupt handler taking lk here would deadlock */
	if (spin_is_held(lk))
		panic("spin_lock: %s already held by this hart", lk->name);
	while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	lk->cpu = mycpu();
}

void spin_unlock(struct spinlock *lk)
{
	if (!spin_is_held(lk))
		panic("spin_unlock: %s not held by this hart", lk->name);
	lk->cpu = NULL;
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
	pop_off();
}

/* Interrupts must be off: the answer is only stable on this hart. */
bool spin_is_held(struct spinlock *lk)
{
	return lk->locked && lk->cpu == mycpu();
}

void push_off(void)
{
	bool was_on = irqs_enabled();
	struct cpu *c;

	local_irq_disable();
	c = mycpu();
	if (c->noff == 0)
		c->intena = was_on;
	c->noff++;
}

void pop_off(void)
{
	struct cpu *c = mycpu();

	if (irqs_enabled())
		panic("pop_off: interrupts enabled");
	if (c->noff < 1)
		panic("pop_off: unbalanced");
	c->noff--;
	if (c->noff == 0 && c->intena)
		local_irq_enable();
}
