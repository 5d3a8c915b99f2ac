/*
 * Fault injection sites chosen on the command line (see fault_inject.h).
 *
 * The generator: each site owns a 64-bit xorshift64* stream (Marsaglia's
 * xorshift with shifts 12, 25, 27, its output multiplied by Vigna's
 * constant 2685821657736338717), period 2^64 - 1. The seed goes through
 * one splitmix64 step, mixed with the site number first, so seed 0 works
 * (xorshift's state must not be 0) and two sites given the same seed do
 * not draw the same numbers. A draw is taken under the site's lock, so
 * the stream is one sequence however many harts call.
 */
#include "fault_inject.h"
#include "cmdline.h"
#include "spinlock.h"
#include "printk.h"
#include "proc.h"
#include "string.h"
#include "uapi/errno.h"

#define PERCENT           100
#define PERCENT_DECIMALS  2   /* "0.25": hundredths of a percent */
#define PERCENT_SCALE     100 /* 10^PERCENT_DECIMALS */
#define DECIMAL_BASE      10
#define SPLITMIX_GAMMA    0x9e3779b97f4a7c15UL
#define SPLITMIX_MUL1     0xbf58476d1ce4e5b9UL
#define SPLITMIX_MUL2     0x94d049bb133111ebUL
#define XORSHIFT_STAR_MUL 2685821657736338717UL
#define MAX_DELAY_US      100000 /* a tenth of a second per interrupt at most */

struct fault_attr {
	const char *name;     /* the site's name in reports */
	struct spinlock lock; /* guards state and the counters */
	bool enabled;
	uint64_t seed;
	uint64_t state;   /* xorshift64* state, never 0 */
	uint64_t percent; /* failure probability in hundredths of a percent */
	uint64_t max_us;  /* largest delay (delay sites) */
	uint64_t max;     /* cap on injections, 0 for none */
	uint64_t calls;
	uint64_t injected;
};

static struct fault_attr attrs[NR_FAULT_SITES] = {
    [FAULT_PAGE_ALLOC] = {.name = "fail_page_alloc", .lock = {.name = "fail_page_alloc"}},
    [FAULT_DISK] = {.name = "fail_disk", .lock = {.name = "fail_disk"}},
    [FAULT_IRQ_DELAY] = {.name = "delay_irq", .lock = {.name = "delay_irq"}},
};

_Static_assert(NR_FAULT_SITES == FAULTSTAT_SITES, "uapi faultstat has one entry per site");

static uint64_t splitmix64(uint64_t x)
{
	x += SPLITMIX_GAMMA;
	x = (x ^ (x >> 30)) * SPLITMIX_MUL1;
	x = (x ^ (x >> 27)) * SPLITMIX_MUL2;
	return x ^ (x >> 31);
}

/* Next number of the site's stream. Caller holds a->lock. */
static uint64_t next_random(struct fault_attr *a)
{
	uint64_t x = a->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	a->state = x;
	return x * XORSHIFT_STAR_MUL;
}

/* One decimal field ending at ':' or the end; -EINVAL when malformed. */
static int parse_field(const char **s, uint64_t *out)
{
	const char *end;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	*out = strtoull(*s, &end, 10);
	if (*end != ':' && *end != '\0')
		return -EINVAL;
	*s = *end == ':' ? end + 1 : end;
	return 0;
}

/* A percent with up to two decimals, in hundredths, ending at ':' or the
 * end; -EINVAL when malformed or above 100. */
static int parse_percent(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t whole = 0, frac = 0;
	int digits = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9' && whole <= PERCENT)
		whole = whole * DECIMAL_BASE + (uint64_t)(*p++ - '0');
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && digits < PERCENT_DECIMALS; digits++)
			frac = frac * DECIMAL_BASE + (uint64_t)(*p++ - '0');
		if (digits == 0)
			return -EINVAL;
	}
	for (; digits < PERCENT_DECIMALS; digits++)
		frac *= DECIMAL_BASE;
	*out = whole * PERCENT_SCALE + frac;
	if ((*p != ':' && *p != '\0') || *out > PERCENT * PERCENT_SCALE)
		return -EINVAL;
	*s = *p == ':' ? p + 1 : p;
	return 0;
}

/* "<seed>:<value>[:<max>]" into the site; value is a percent or a delay. */
static int parse_attr(enum fault_site site, const char *v, uint64_t limit)
{
	struct fault_attr *a = &attrs[site];
	uint64_t seed, value, max = 0;
	int err;

	if (parse_field(&v, &seed))
		return -EINVAL;
	if (site == FAULT_IRQ_DELAY)
		err = parse_field(&v, &value) || value > limit;
	else
		err = parse_percent(&v, &value);
	if (err)
		return -EINVAL;
	if (*v && (site == FAULT_IRQ_DELAY || parse_field(&v, &max) || *v))
		return -EINVAL;
	a->seed = seed;
	a->state = splitmix64(seed ^ splitmix64(site));
	if (!a->state)
		a->state = SPLITMIX_GAMMA;
	if (site == FAULT_IRQ_DELAY)
		a->max_us = value;
	else
		a->percent = value;
	a->max = max;
	a->enabled = true;
	return 0;
}

static int set_fail_page_alloc(const char *v)
{
	return parse_attr(FAULT_PAGE_ALLOC, v, 0);
}
early_param("fail_page_alloc", set_fail_page_alloc, "<seed>:<percent>[:<max failures>]");

static int set_fail_disk(const char *v)
{
	return parse_attr(FAULT_DISK, v, 0);
}
early_param("fail_disk", set_fail_disk, "<seed>:<percent>[:<max failures>]");

static int set_delay_irq(const char *v)
{
	return parse_attr(FAULT_IRQ_DELAY, v, MAX_DELAY_US);
}
early_param("delay_irq", set_delay_irq, "<seed>:<max microseconds, at most 100000>");

/* Draw for one call: a percent roll or a delay; 0 means no injection. */
static uint64_t draw(enum fault_site site)
{
	struct fault_attr *a = &attrs[site];
	uint64_t r, result = 0;

	if (!READ_ONCE(a->enabled))
		return 0;
	spin_lock(&a->lock);
	a->calls++;
	if (!a->max || a->injected < a->max) {
		r = next_random(a);
		if (site == FAULT_IRQ_DELAY)
			result = a->max_us ? r % (a->max_us + 1) : 0;
		else
			result = r % (PERCENT * PERCENT_SCALE) < a->percent;
		a->injected += result != 0;
	}
	spin_unlock(&a->lock);
	return result;
}

bool fault_inject_current(void)
{
	struct proc *p = myproc();

	return p && p->make_it_fail;
}

bool should_fail(enum fault_site site)
{
	if (!fault_inject_current())
		return false;
	return draw(site) != 0;
}

uint64_t fault_delay_us(enum fault_site site)
{
	return draw(site);
}

void fault_inject_report_config(void)
{
	for (int i = 0; i < NR_FAULT_SITES; i++) {
		struct fault_attr *a = &attrs[i];

		if (!a->enabled)
			continue;
		if (i == FAULT_IRQ_DELAY)
			printf("fault_inject: %s: seed %lu, delay up to %lu us\n", a->name, a->seed,
			       a->max_us);
		else
			printf("fault_inject: %s: seed %lu, %lu.%02lu%% of calls fail, at most %lu "
			       "(0: no cap), in processes that ask (make_it_fail)\n",
			       a->name, a->seed, a->percent / PERCENT_SCALE,
			       a->percent % PERCENT_SCALE, a->max);
	}
}

void fault_inject_report_counters(void)
{
	for (int i = 0; i < NR_FAULT_SITES; i++) {
		struct fault_attr *a = &attrs[i];

		if (!a->enabled)
			continue;
		spin_lock(&a->lock);
		printf("fault_inject: %s: injected %lu of %lu calls\n", a->name, a->injected,
		       a->calls);
		spin_unlock(&a->lock);
	}
}

void fault_inject_stats(struct faultstat *st)
{
	memset(st, 0, sizeof(*st));
	st->nr_sites = NR_FAULT_SITES;
	for (int i = 0; i < NR_FAULT_SITES; i++) {
		struct fault_attr *a = &attrs[i];

		spin_lock(&a->lock);
		st->site[i].enabled = a->enabled;
		st->site[i].calls = a->calls;
		st->site[i].injected = a->injected;
		spin_unlock(&a->lock);
	}
}
