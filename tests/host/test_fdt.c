/*
 * Host harness for kernel/lib/fdt.c.
 *
 *   test_fdt FILE            parse FILE, print the struct platform as
 *                            "key: value" lines (stable, for pytest)
 *   test_fdt --check FILE    also run self-checks that need no expected
 *                            values: truncation, tiny error buffers,
 *                            determinism, and N random corruptions
 *   test_fdt --fuzz N FILE   number of corruptions for --check (default 2000)
 *
 * Built with -fsanitize=address,undefined so any out-of-bounds read of the
 * blob is a crash: every blob handed to fdt_parse sits in a heap buffer of
 * exactly max_size bytes.
 *
 * Exit status: 0 all good, 1 parse error or failed check, 2 usage/IO error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdt.h"

#define ERR_MAX          256
#define DEFAULT_FUZZ     2000
#define HDR_TOTALSIZE    4     /* header field offsets used by the checks */
#define HDR_SIZE_STRUCT  36
#define FUZZ_SEED        0x5eed1234u
#define WORD             4     /* bytes in a big-endian header field or cell */
#define NR_INTX_SLOTS    (sizeof(((struct platform *)0)->pci_intx_irq) / \
			  sizeof(((struct platform *)0)->pci_intx_irq[0]))
#define TINY_ERR_SIZES   { 1, 2, 8 }

static const char *const window_type_name[] = {
	[PCI_WINDOW_IO] = "io",
	[PCI_WINDOW_MEM32] = "mem32",
	[PCI_WINDOW_MEM64] = "mem64",
};

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long len;

	if (!f) {
		fprintf(stderr, "test_fdt: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)len;
	}
	if (!buf)
		fprintf(stderr, "test_fdt: %s: cannot read (empty file?)\n", path);
	fclose(f);
	return buf;
}

static void put_be32(unsigned char *b, size_t off, uint32_t v)
{
	b[off] = v >> 24;
	b[off + 1] = v >> 16;
	b[off + 2] = v >> 8;
	b[off + 3] = v;
}

static uint32_t get_be32(const unsigned char *b, size_t off)
{
	return (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 |
	       (uint32_t)b[off + 2] << 8 | b[off + 3];
}

/* Parse a private copy of exactly size bytes so ASan sees any overread. */
static int parse_copy(const unsigned char *blob, size_t size, struct platform *plat,
		      char *err, size_t err_size)
{
	unsigned char *copy = malloc(size ? size : 1);
	int rc;

	memcpy(copy, blob, size);
	rc = fdt_parse(copy, size, plat, err, err_size);
	free(copy);
	return rc;
}

static void dump_platform(const struct platform *p)
{
	for (int i = 0; i < p->nr_mem; i++)
		printf("mem[%d]: base=0x%llx size=0x%llx\n", i,
		       (unsigned long long)p->mem[i].base, (unsigned long long)p->mem[i].size);
	for (int i = 0; i < p->nr_reserved; i++)
		printf("reserved[%d]: base=0x%llx size=0x%llx nomap=%d name=%s\n", i,
		       (unsigned long long)p->reserved[i].base,
		       (unsigned long long)p->reserved[i].size, p->reserved[i].nomap,
		       p->reserved[i].name);
	printf("bootargs: \"%s\"\n", p->bootargs);
	printf("harts: %d\n", p->nr_harts);
	for (int i = 0; i < p->nr_harts; i++)
		printf("hart[%d]: id=%u plic_s_context=%d\n", i, p->hart_id[i],
		       p->plic_s_context[i]);
	printf("timebase: %llu\n", (unsigned long long)p->timebase_freq);
	if (p->has_uart)
		printf("uart: base=0x%llx size=0x%llx irq=%u clock=%u\n",
		       (unsigned long long)p->uart.base, (unsigned long long)p->uart.size,
		       p->uart_irq, p->uart_clock);
	if (p->has_plic)
		printf("plic: base=0x%llx size=0x%llx ndev=%u\n",
		       (unsigned long long)p->plic.base, (unsigned long long)p->plic.size,
		       p->plic_ndev);
	printf("virtio: %d\n", p->nr_virtio);
	for (int i = 0; i < p->nr_virtio; i++)
		printf("virtio[%d]: base=0x%llx size=0x%llx irq=%u\n", i,
		       (unsigned long long)p->virtio[i].base,
		       (unsigned long long)p->virtio[i].size, p->virtio_irq[i]);
}

static void dump_pci(const struct platform *p)
{
	if (!p->has_pci)
		return;
	printf("pci: ecam=0x%llx size=0x%llx bus=%u-%u\n",
	       (unsigned long long)p->pci_ecam.base, (unsigned long long)p->pci_ecam.size,
	       p->pci_bus_start, p->pci_bus_end);
	for (int i = 0; i < p->nr_pci_windows; i++) {
		const struct pci_window *w = &p->pci_window[i];

		printf("pci_window[%d]: type=%s prefetchable=%d pci=0x%llx cpu=0x%llx size=0x%llx\n",
		       i, window_type_name[w->type], w->prefetchable,
		       (unsigned long long)w->pci_addr, (unsigned long long)w->cpu_addr,
		       (unsigned long long)w->size);
	}
	if (!p->has_pci_intx)
		return;
	for (size_t slot = 0; slot < NR_INTX_SLOTS; slot++)
		printf("pci_intx[%zu]: %u,%u,%u,%u\n", slot, p->pci_intx_irq[slot][0],
		       p->pci_intx_irq[slot][1], p->pci_intx_irq[slot][2],
		       p->pci_intx_irq[slot][3]);
}

static int check_fail(const char *what)
{
	printf("check failed: %s\n", what);
	return 1;
}

/* A rejected blob must come with a message; an accepted one with sane counts. */
static int outcome_sane(int rc, const struct platform *p, const char *err)
{
	if (rc != 0)
		return rc == -1 && err[0] != '\0';
	return p->nr_mem > 0 && p->nr_mem <= FDT_MAX_MEM_BANKS &&
	       p->nr_reserved <= FDT_MAX_RESERVED && p->nr_harts > 0 &&
	       p->nr_harts <= FDT_MAX_HARTS && p->nr_virtio <= FDT_MAX_VIRTIO &&
	       p->nr_pci_windows <= FDT_MAX_PCI_WINDOWS &&
	       strlen(p->bootargs) < FDT_BOOTARGS_MAX;
}

/* Every shorter prefix must be refused, never read past its end. */
static int check_truncation(const unsigned char *blob, size_t total)
{
	static struct platform plat;
	char err[ERR_MAX];

	for (size_t len = 0; len < total; len++) {
		if (parse_copy(blob, len, &plat, err, sizeof(err)) != -1 || !err[0])
			return check_fail("a truncated blob was accepted");
	}
	return 0;
}

/* Shrinking size_dt_struct must be caught by the walk, not the header check. */
static int check_short_struct(const unsigned char *blob, size_t total)
{
	static struct platform plat;
	unsigned char *copy = malloc(total);
	char err[ERR_MAX];
	int rc;

	memcpy(copy, blob, total);
	put_be32(copy, HDR_SIZE_STRUCT, get_be32(copy, HDR_SIZE_STRUCT) / 2);
	rc = fdt_parse(copy, total, &plat, err, sizeof(err));
	free(copy);
	return rc == -1 && err[0] ? 0 : check_fail("half a structure block was accepted");
}

static int check_small_err(const unsigned char *blob, size_t total)
{
	static struct platform plat;
	const size_t sizes[] = TINY_ERR_SIZES;
	char err[ERR_MAX];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(err, 'x', sizeof(err));
		if (parse_copy(blob, total - 1, &plat, err, sizes[i]) != -1 ||
		    strlen(err) != sizes[i] - 1)
			return check_fail("error text overran a small buffer");
	}
	return 0;
}

static uint32_t next_random(uint32_t *state)
{
	/* xorshift32: reproducible corruptions without libc's rand(). */
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Overwrite a byte, or a whole aligned word with a boundary value. */
static void corrupt(unsigned char *b, size_t total, uint32_t *rng)
{
	static const uint32_t words[] = { 0, 1, 2, 3, 4, 9, 0x7fffffff, 0xffffffff,
					  0xfffffffc, 0x100, 0x1000 };
	uint32_t r = next_random(rng);
	size_t off = next_random(rng) % total;

	if (r & 1) {
		b[off] = (unsigned char)(r >> 8);
		return;
	}
	off &= ~(size_t)(WORD - 1);
	if (off + WORD <= total)
		put_be32(b, off, words[(r >> 8) % (sizeof(words) / sizeof(words[0]))]);
}

static int check_fuzz(const unsigned char *blob, size_t total, int rounds)
{
	static struct platform plat;
	unsigned char *copy = malloc(total);
	uint32_t rng = FUZZ_SEED;
	int rejected = 0, bad = 0;
	char err[ERR_MAX];

	for (int i = 0; i < rounds; i++) {
		memcpy(copy, blob, total);
		for (uint32_t n = 1 + next_random(&rng) % 3; n; n--)
			corrupt(copy, total, &rng);
		int rc = fdt_parse(copy, total, &plat, err, sizeof(err));

		rejected += rc != 0;
		bad += !outcome_sane(rc, &plat, err);
	}
	free(copy);
	printf("fuzz: %d corruptions, %d rejected\n", rounds, rejected);
	return bad ? check_fail("a corrupted blob gave an insane result") : 0;
}

static int run_checks(const unsigned char *blob, size_t size, const struct platform *plat,
		      int fuzz_rounds)
{
	static struct platform again;
	size_t total = fdt_total_size(blob);
	char err[ERR_MAX];
	int bad = 0;

	if (total == 0 || total > size || total != get_be32(blob, HDR_TOTALSIZE))
		return check_fail("fdt_total_size disagrees with the header");
	if (parse_copy(blob, total, &again, err, sizeof(err)) != 0 ||
	    memcmp(&again, plat, sizeof(again)) != 0)
		bad |= check_fail("parsing exactly totalsize bytes changed the result");
	if (fdt_total_size("\0\0\0\0\0\0\0\0") != 0)
		bad |= check_fail("fdt_total_size accepted a bad magic");
	bad |= check_truncation(blob, total);
	bad |= check_short_struct(blob, total);
	bad |= check_small_err(blob, total);
	bad |= check_fuzz(blob, total, fuzz_rounds);
	if (!bad)
		printf("checks: ok\n");
	return bad;
}

static int usage(void)
{
	fprintf(stderr, "usage: test_fdt [--check] [--fuzz N] FILE...\n");
	return 2;
}

static int run_file(const char *path, int check, int fuzz_rounds)
{
	static struct platform plat;
	char err[ERR_MAX];
	unsigned char *blob;
	size_t size;
	int rc;

	blob = read_file(path, &size);
	if (!blob)
		return 2;
	if (fdt_parse(blob, size, &plat, err, sizeof(err)) != 0) {
		printf("error: %s\n", err);
		rc = 1;
	} else {
		dump_platform(&plat);
		dump_pci(&plat);
		rc = check ? run_checks(blob, size, &plat, fuzz_rounds) : 0;
	}
	free(blob);
	return rc;
}

/* Exit status: 0 all parsed and checked, 1 a parse error or failed check, 2 usage/IO. */
int main(int argc, char **argv)
{
	int check = 0, fuzz_rounds = DEFAULT_FUZZ, status = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--fuzz") == 0 && i + 1 < argc)
			fuzz_rounds = atoi(argv[++i]);
		else
			return usage();
	}
	if (i == argc)
		return usage();
	for (; i < argc; i++) {
		int rc;

		if (argc - i > 1)
			printf("== %s\n", argv[i]);
		rc = run_file(argv[i], check, fuzz_rounds);
		status = rc > status ? rc : status;
	}
	return status;
}
