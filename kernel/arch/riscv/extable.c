/* The exception table (asm/extable.h): built by the linker from every
 * probe's __ex_table entry, searched by the kernel fault handler. */
#include "asm/extable.h"

extern const struct exception_table_entry __start___ex_table[], __stop___ex_table[];

const struct exception_table_entry *search_exception_tables(uint64_t addr)
{
	/* A handful of entries, in link order: a linear search is enough. */
	for (const struct exception_table_entry *e = __start___ex_table; e < __stop___ex_table; e++)
		if (e->insn == addr)
			return e;
	return NULL;
}
