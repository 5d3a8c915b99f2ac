#ifndef PAGODA_KTEST_H
#define PAGODA_KTEST_H
/*
 * In-kernel tests, reported in KTAP (the kernel test output format):
 *
 *   KTAP version 1
 *   1..1
 *       KTAP version 1
 *       # Subtest: memblock
 *       1..2
 *       ok 1 add_merges
 *       not ok 2 alloc_top_down # memblock.c:40: expected 0x1000 == 0x2000
 *   not ok 1 memblock
 *
 * Suites register with KTEST_SUITE(); `ktest=all` or `ktest=a,b` on the
 * command line runs them in the first process before /init starts.
 */
#include "types.h"

struct ktest {
	bool failed;
	char reason[160];
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	int nr_cases;
};

#define KTEST_SUITE(var, suite_name, case_array)                                  \
	static const struct ktest_suite __ktest_##var                             \
		__attribute__((used, section(".init.ktests"), aligned(8))) = {    \
			.name = suite_name, .cases = case_array,                  \
			.nr_cases = ARRAY_SIZE(case_array) }

/* Record the first failure of a case (later ones are dropped). */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
	__printf(4, 5);

#define KTEST_EXPECT(t, cond)                                                      \
	do {                                                                       \
		if (!(cond))                                                       \
			ktest_fail(t, __FILE__, __LINE__, "expected %s", #cond);   \
	} while (0)
#define KTEST_EXPECT_EQ(t, a, b)                                                   \
	do {                                                                       \
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);                \
		if (__a != __b)                                                    \
			ktest_fail(t, __FILE__, __LINE__, "%s == %s: 0x%lx != 0x%lx", \
				   #a, #b, __a, __b);                              \
	} while (0)

/* A KTAP diagnostic line ("    # ...") inside the running suite: figures
 * that the grader reads beside the verdict. */
void ktest_diag(const char *fmt, ...) __printf(1, 2);

/* Run the suites named in spec ("all" or a comma list); returns the number
 * of failed cases, or -ENOENT if a name matches no suite. */
int ktest_run(const char *spec);
/* The ktest= option from the command line ("" when absent). */
extern char ktest_spec[];
#endif
