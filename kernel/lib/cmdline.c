/* Kernel command-line parsing against the early_param() table. */
#include "cmdline.h"
#include "param.h"
#include "printk.h"
#include "string.h"

extern const struct kernel_param __params_start[], __params_end[];
char boot_command_line[BOOTARGS_MAX];

static const struct kernel_param *find_param(const char *name, size_t len)
{
	for (const struct kernel_param *p = __params_start; p < __params_end; p++)
		if (strlen(p->name) == len && strncmp(p->name, name, len) == 0)
			return p;
	return NULL;
}

/* Handle one token "name" or "name=value"; returns 1 on a problem. */
static int parse_token(char *tok)
{
	char *eq = strchr(tok, '=');
	size_t name_len = eq ? (size_t)(eq - tok) : strlen(tok);
	const char *value = eq ? eq + 1 : "";
	const struct kernel_param *p = find_param(tok, name_len);

	if (!p) {
		printf("cmdline: unknown option '%s' (ignored)\n", tok);
		return 1;
	}
	if (p->set(value) != 0) {
		if (eq)
			*eq = '\0';
		printf("cmdline: bad value '%s' for %s= (expected %s)\n", value,
		       tok, p->help);
		return 1;
	}
	return 0;
}

int cmdline_parse(const char *line)
{
	char buf[BOOTARGS_MAX];
	int problems = 0;
	char *s = buf;

	strlcpy(boot_command_line, line, BOOTARGS_MAX);
	strlcpy(buf, line, sizeof(buf));
	while (*s) {
		char *tok;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
		problems += parse_token(tok);
	}
	return problems;
}
