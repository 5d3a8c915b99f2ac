#ifndef PAGODA_UAPI_FAULTSTAT_H
#define PAGODA_UAPI_FAULTSTAT_H
/* faultstat(struct faultstat *): the fault-injection counters, one entry
 * per site in the order page_alloc, disk, irq_delay. */
#define FAULTSTAT_SITES 3

struct faultstat_site {
	unsigned long enabled;  /* 1 when chosen on the command line */
	unsigned long calls;    /* calls that reached the site while enabled */
	unsigned long injected; /* failures (or nonzero delays) injected */
};

struct faultstat {
	unsigned long nr_sites;
	struct faultstat_site site[FAULTSTAT_SITES];
};
#endif
