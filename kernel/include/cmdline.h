#ifndef PAGODA_CMDLINE_H
#define PAGODA_CMDLINE_H
/*
 * The kernel command line (/chosen/bootargs, QEMU -append): space-separated
 * `name=value` or `name` options. Each subsystem declares its own options
 * with early_param(); unknown options and bad values are reported at boot.
 */
#include "types.h"

struct kernel_param {
	const char *name;
	/* value is "" for a bare `name`. Return 0, or -EINVAL for a bad value. */
	int (*set)(const char *value);
	const char *help;   /* accepted values, shown on a bad value */
};

#define early_param(str, fn, helptext)                                          \
	static const struct kernel_param __param_##fn                           \
		__attribute__((used, section(".init.params"), aligned(8))) = {  \
			.name = str, .set = fn, .help = helptext }

/* Parse the line; prints one line per unknown option or bad value and
 * returns how many there were. */
int cmdline_parse(const char *line);
extern char boot_command_line[];
#endif
