#ifndef PAGODA_UAPI_PGDUMP_H
#define PAGODA_UAPI_PGDUMP_H
/*
 * pgdump(what, buf, len): the page-table dump as text (kernel/mm/ptdump.c).
 * Returns the length of the whole dump; at most len bytes of it are
 * written to buf, so a caller whose buffer was short retries with the size
 * returned. -1 with EINVAL for an unknown `what`, EFAULT for a bad buffer.
 */
enum pgdump_what {
	PGDUMP_USER = 0,     /* the calling process's user half */
	PGDUMP_KERNEL = 1,   /* the kernel half, shared by every process */
};
#endif
