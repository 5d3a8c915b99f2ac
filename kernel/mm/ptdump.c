/*
 * The page-table dump (lab pgtable): a depth-first walk of one address
 * space that prints every table and every run of leaves, for the pgdump
 * system call and the `pgdump=kernel` boot option. Format: ptdump.h.
 */
#include "ptdump.h"
#include "cmdline.h"
#include "proc.h"
#include "vm.h"
#include "uaccess.h"
#include "syscall.h"
#include "spinlock.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

#define LINE_MAX 128

static const char *const level_names[PGTABLE_LEVELS] = {
    [PT_LEVEL_PTE] = "pte",
    [PT_LEVEL_PMD] = "pmd",
    [PT_LEVEL_PUD] = "pud",
    [PT_LEVEL_PGD] = "pgd",
};
static const char *const leaf_names[PGTABLE_LEVELS] = {
    [PT_LEVEL_PTE] = "4K",
    [PT_LEVEL_PMD] = "2M",
    [PT_LEVEL_PUD] = "1G",
    [PT_LEVEL_PGD] = "512G",
};

/* Consecutive entries that print as one line: leaves of one size with the
 * same bits and contiguous pa, or tables with nothing in them (the kernel
 * half's preallocated pud tables). */
enum run_kind { RUN_NONE, RUN_LEAVES, RUN_EMPTY_TABLES };

struct entry_run {
	enum run_kind kind;
	enum pt_level level;
	uint64_t va, next_va;
	phys_addr_t pa, next_pa;
	pgprot_t prot;
	uint64_t count;
};

struct ptdump_state {
	struct ptdump_sink *sink;
	uint64_t first, last; /* the range asked for, inclusive */
	struct entry_run run;
	uint64_t tables[PGTABLE_LEVELS]; /* tables seen, by their own level */
	uint64_t leaves[PGTABLE_LEVELS];
};

static __printf(3, 4) void emit(struct ptdump_state *st, enum pt_level level, const char *fmt, ...)
{
	char line[LINE_MAX];
	int indent = 2 * (PT_LEVEL_PGD - level), n;
	va_list ap;

	memset(line, ' ', indent);
	va_start(ap, fmt);
	n = indent + vsnprintf(line + indent, sizeof(line) - indent - 1, fmt, ap);
	va_end(ap);
	n = MIN(n, (int)sizeof(line) - 2);
	line[n++] = '\n';
	line[n] = '\0';
	st->sink->emit(st->sink, line, n);
}

static void prot_string(pgprot_t prot, char *out, size_t size)
{
	static const struct {
		pgprot_t bit;
		char c;
	} bits[] = {
	    {_PAGE_READ, 'r'},   {_PAGE_WRITE, 'w'},    {_PAGE_EXEC, 'x'},  {_PAGE_USER, 'u'},
	    {_PAGE_GLOBAL, 'g'}, {_PAGE_ACCESSED, 'a'}, {_PAGE_DIRTY, 'd'},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits) && i + 1 < size; i++)
		out[i] = (prot & bits[i].bit) ? bits[i].c : '-';
	snprintf(out + i, size - i, "%s%s", (prot & _PAGE_SPECIAL) ? " special" : "",
	         (prot & _PAGE_COW) ? " cow" : "");
}

static void flush_run(struct ptdump_state *st)
{
	struct entry_run *r = &st->run;
	char prot[32];

	if (r->kind == RUN_EMPTY_TABLES)
		emit(st, r->level, "%s 0x%016lx-0x%016lx empty table x%lu", level_names[r->level],
		     r->va, r->next_va - 1, r->count);
	if (r->kind != RUN_LEAVES) {
		r->kind = RUN_NONE;
		return;
	}
	prot_string(r->prot, prot, sizeof(prot));
	emit(st, r->level, "%s 0x%016lx-0x%016lx %s x%lu pa 0x%016lx %s", level_names[r->level],
	     r->va, r->next_va - 1, leaf_names[r->level], r->count, r->pa, prot);
	r->kind = RUN_NONE;
}

/* Extend the current run with an entry at level for va, or start a new one. */
static void add_to_run(struct ptdump_state *st, enum run_kind kind, enum pt_level level,
                       uint64_t va, phys_addr_t pa, pgprot_t prot)
{
	struct entry_run *r = &st->run;
	uint64_t size = LEVEL_SIZE(level);

	if (r->kind == kind && r->level == level && r->next_va == va &&
	    (kind == RUN_EMPTY_TABLES || (r->next_pa == pa && r->prot == prot))) {
		r->count++;
		r->next_va += size;
		r->next_pa += size;
		return;
	}
	flush_run(st);
	*r = (struct entry_run){.kind = kind,
	                        .level = level,
	                        .va = va,
	                        .next_va = va + size,
	                        .pa = pa,
	                        .next_pa = pa + size,
	                        .prot = prot,
	                        .count = 1};
}

/* A leaf entry at level mapping va (unused until exercise 5 is done). */
static __unused void note_leaf(struct ptdump_state *st, enum pt_level level, uint64_t va,
                               uint64_t entry)
{
	st->leaves[level]++;
	add_to_run(st, RUN_LEAVES, level, va, PFN_PHYS(entry_pfn(entry)), entry_prot(entry));
}

static bool table_is_empty(phys_addr_t table_pa)
{
	const uint64_t *table = __va(table_pa);

	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++)
		if (READ_ONCE(table[i]))
			return false;
	return true;
}

/* An entry at level pointing at the next-level table at table_pa. */
static __unused void note_table(struct ptdump_state *st, enum pt_level level, uint64_t va,
                                phys_addr_t table_pa)
{
	st->tables[level - 1]++;
	if (table_is_empty(table_pa)) {
		add_to_run(st, RUN_EMPTY_TABLES, level, va, table_pa, 0);
		return;
	}
	flush_run(st);
	emit(st, level, "%s 0x%016lx-0x%016lx table 0x%016lx", level_names[level], va,
	     va + LEVEL_SIZE(level) - 1, table_pa);
}

#if SOLUTION(pgtable)
/* Visit the entries of one table that overlap the range, depth first;
 * base is the first address the table maps. */
static void dump_table(struct ptdump_state *st, const uint64_t *table, enum pt_level level,
                       uint64_t base)
{
	for (uint64_t i = 0; i < PTRS_PER_TABLE; i++) {
		uint64_t va = va_canonical(base + i * LEVEL_SIZE(level));
		uint64_t entry = READ_ONCE(table[i]);

		if (!entry_present(entry) || va + (LEVEL_SIZE(level) - 1) < st->first ||
		    va > st->last)
			continue;
		if (entry_leaf(entry) || level == PT_LEVEL_PTE) {
			note_leaf(st, level, va, entry);
			continue;
		}
		note_table(st, level, va, PFN_PHYS(entry_pfn(entry)));
		dump_table(st, table_va(entry), level - 1, va);
	}
}

static bool dump_tree(struct ptdump_state *st, pgd_t *pgd)
{
	dump_table(st, (const uint64_t *)pgd, PT_LEVEL_PGD, 0);
	return true;
}
#else
/*
 * Lab pgtable, exercise 5: the dump. Write dump_table(): visit the entries
 * of one table that overlap [st->first, st->last] depth first, calling
 * note_leaf() for a leaf and note_table() then itself for a table
 * (va_canonical() gives the address of an entry of the upper half).
 */
static bool dump_tree(struct ptdump_state *st, pgd_t *pgd)
{
	return false;
}
#endif /* SOLUTION(pgtable) */

void ptdump(pgd_t *pgd, uint64_t first, uint64_t last, const char *title, struct ptdump_sink *sink)
{
	struct ptdump_state st = {.sink = sink, .first = first, .last = last};

	emit(&st, PT_LEVEL_PGD, "pgdump: %s", title);
	if (!dump_tree(&st, pgd)) {
		emit(&st, PT_LEVEL_PGD,
		     "pgdump: not implemented (lab pgtable, kernel/mm/ptdump.c)");
		return;
	}
	flush_run(&st);
	emit(&st, PT_LEVEL_PGD,
	     "pgdump: tables pud=%lu pmd=%lu pte=%lu leaves 1G=%lu 2M=%lu 4K=%lu",
	     st.tables[PT_LEVEL_PUD], st.tables[PT_LEVEL_PMD], st.tables[PT_LEVEL_PTE],
	     st.leaves[PT_LEVEL_PUD], st.leaves[PT_LEVEL_PMD], st.leaves[PT_LEVEL_PTE]);
}

/* ---- where the lines go --------------------------------------------------- */

static void console_emit(struct ptdump_sink *s, const char *line, size_t len)
{
	printf("%s", line);
}

/* Into a user buffer: as much as fits, while counting the whole length. */
struct user_buffer {
	uint64_t va, size, off;
	int err;
};

static void user_emit(struct ptdump_sink *s, const char *line, size_t len)
{
	struct user_buffer *ub = s->priv;

	if (!ub->err && ub->off < ub->size) {
		size_t n = MIN(len, ub->size - ub->off);
		ub->err = copyout(myproc()->mm, ub->va + ub->off, line, n);
	}
	ub->off += len;
}

static void dump_kernel_half(struct ptdump_sink *sink)
{
	spin_lock(&kernel_pgtable_lock);
	ptdump(swapper_pg_dir, KERNEL_HALF_START, ~0UL, "kernel half", sink);
	spin_unlock(&kernel_pgtable_lock);
}

/* pgdump(what, buf, len): see uapi/pgdump.h. */
long sys_pgdump(void)
{
	int what = argint(0), len = argint(2);
	struct user_buffer ub = {.va = argaddr(1), .size = (uint64_t)len};
	struct ptdump_sink sink = {.emit = user_emit, .priv = &ub};
	char title[48];

	if (len < 0)
		return -EINVAL;
	switch (what) {
	case PGDUMP_USER:
		/* Only this process changes its own user tables. */
		snprintf(title, sizeof(title), "user half of pid %d (%s)", myproc()->pid,
		         myproc()->name);
		ptdump(myproc()->mm->pgd, 0, USER_TOP - 1, title, &sink);
		break;
	case PGDUMP_KERNEL:
		dump_kernel_half(&sink);
		break;
	default:
		return -EINVAL;
	}
	return ub.err ? ub.err : (long)ub.off;
}

/* ---- at boot ------------------------------------------------------------- */

static bool dump_at_boot;

static int set_pgdump(const char *v)
{
	if (strcmp(v, "kernel") != 0)
		return -EINVAL;
	dump_at_boot = true;
	return 0;
}
early_param("pgdump", set_pgdump, "kernel");

void ptdump_boot(void)
{
	struct ptdump_sink sink = {.emit = console_emit};

	if (dump_at_boot)
		dump_kernel_half(&sink);
}
