#ifndef PAGODA_FAULT_INJECT_H
#define PAGODA_FAULT_INJECT_H
/*
 * Fault injection chosen on the command line, in the spirit of Linux's
 * failslab / fail_page_alloc / fail_make_request (kernel/lib/fault_inject.c):
 *
 *   fail_page_alloc=<seed>:<percent>[:<max>]   alloc_pages() fails <percent>%
 *                                              of the time
 *   fail_disk=<seed>:<percent>[:<max>]         virtio-blk requests complete with
 *                                              VIRTIO_BLK_S_IOERR
 *   delay_irq=<seed>:<max_us>                  each interrupt waits a random
 *                                              0..max_us before it is handled
 *
 * <percent> may have two decimals (0.25). <max> caps the number of
 * injected failures (0 or absent: no cap). The failure sites act only for
 * processes that asked with make_it_fail(1) (Linux's task-filter and
 * /proc/<pid>/make-it-fail; user/bin/failrun.c runs a command so), which
 * their children inherit: boot, init and the shell that drives a test keep
 * working, and the counters count the workload alone. Interrupt delays
 * apply to every interrupt. Each
 * site draws from its own pseudo-random stream seeded from <seed>, so a
 * run is reproducible from its seed as long as the same calls reach the
 * site in the same order. Every site prints one line at boot (its
 * configuration) and one line with its counters when asked (halt prints
 * them; the faultstat system call returns them).
 */
#include "types.h"

enum fault_site {
	FAULT_PAGE_ALLOC,
	FAULT_DISK,
	FAULT_IRQ_DELAY,
	NR_FAULT_SITES,
};

/* What user space reads with faultstat(): one entry per site. */
#include "uapi/faultstat.h"

/*
 * Should the call reaching this site fail? Counts the call, and the
 * injection if it is one. False (and nothing counted) for a site that is
 * off. Callable from any context, interrupts off included.
 */
bool should_fail(enum fault_site site);
/* A delay in microseconds for this call of a delay site (0 when off);
 * counted like should_fail (a nonzero delay is an injection). */
uint64_t fault_delay_us(enum fault_site site);
/* Whether the current process has asked for injected failures. */
bool fault_inject_current(void);
/* Print each enabled site's configuration (at boot). */
void fault_inject_report_config(void);
/* Print each enabled site's counters: "fault_inject: <site>: injected N of M calls". */
void fault_inject_report_counters(void);
/* Copy the counters of every site into st (st->nr_sites entries). */
void fault_inject_stats(struct faultstat *st);
#endif
