#ifndef PAGODA_IO_H
#define PAGODA_IO_H
/* Memory-mapped I/O. */
#include "types.h"
#include "asm/csr.h"

/*
 * Map a device range into the vmalloc area; returns its virtual address
 * (page offset preserved) or NULL when out of page-table memory or address
 * space. Mappings are global and never cached differently (RISC-V PMAs
 * decide cacheability). iounmap() removes it and flushes every hart's TLB.
 */
void *ioremap(phys_addr_t pa, size_t size);
void iounmap(void *va, size_t size);

/* Accessors order device accesses with respect to other memory accesses. */
static inline uint8_t readb(const volatile void *a) { uint8_t v = *(const volatile uint8_t *)a; mb(); return v; }
static inline uint32_t readl(const volatile void *a) { uint32_t v = *(const volatile uint32_t *)a; mb(); return v; }
static inline uint64_t readq(const volatile void *a) { uint64_t v = *(const volatile uint64_t *)a; mb(); return v; }
static inline void writeb(uint8_t v, volatile void *a) { mb(); *(volatile uint8_t *)a = v; }
static inline void writel(uint32_t v, volatile void *a) { mb(); *(volatile uint32_t *)a = v; }
static inline void writeq(uint64_t v, volatile void *a) { mb(); *(volatile uint64_t *)a = v; }
#endif
