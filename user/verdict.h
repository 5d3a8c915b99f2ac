#ifndef PAGODA_USER_VERDICT_H
#define PAGODA_USER_VERDICT_H
/*
 * The grader's run token on the verdict lines of lab test programs (tamper
 * resistance; grader/expect.py TOKEN_OPTION, TOKEN_TAG and verdicts()).
 *
 * The grader runs a lab test program as "prog -T <hex> [args...]". The
 * program calls verdict_take_token(&argc, &argv) first, which removes the
 * two words, and ends every verdict line with verdict_tag() in the same
 * printf: " [token <hex>]", or "" when run by hand without -T. A verdict
 * line without this run's token scores nothing, so a program that just
 * prints "ok" does not pass.
 */
#include "user.h"

#define VERDICT_TOKEN_OPTION "-T"
#define VERDICT_TOKEN_MAX    64 /* hex digits */

static char verdict_tag_text[VERDICT_TOKEN_MAX + sizeof(" [token ]")];

static int verdict_token_is_hex(const char *s)
{
	int len = strlen(s);

	if (len == 0 || len > VERDICT_TOKEN_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* Take "-T <hex>" off the front of the arguments; argv[0] stays. */
static void verdict_take_token(int *argc, char ***argv)
{
	char **args = *argv;

	if (*argc < 3 || strcmp(args[1], VERDICT_TOKEN_OPTION) != 0)
		return;
	if (!verdict_token_is_hex(args[2])) {
		fprintf(2, "%s: -T wants the grader's token (hex digits), got '%s'\n", args[0],
		        args[2]);
		exit(2);
	}
	strcpy(verdict_tag_text, " [token ");
	strcpy(verdict_tag_text + strlen(verdict_tag_text), args[2]);
	strcpy(verdict_tag_text + strlen(verdict_tag_text), "]");
	args[2] = args[0];
	*argv = args + 2;
	*argc -= 2;
}

/* Why the case that just failed failed: CHECK() sets it. */
static const char *why __attribute__((unused));

/* In a case (a function returning 1 for a pass): fail it with reason
 * unless cond holds. */
#define CHECK(cond, reason)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			why = reason;                                                              \
			return 0;                                                                  \
		}                                                                                  \
	} while (0)

/* What ends a verdict line: the token's tag, or nothing. */
static const char *verdict_tag(void)
{
	return verdict_tag_text;
}
#endif
