#ifndef PAGODA_IO_H
#define PAGODA_IO_H
/* Memory-mapped I/O. */
#include "types.h"
#include "asm/csr.h"

/*
 * Map a device range into the vmalloc area (placed so that the largest
 * leaves its alignment allows are used); returns its virtual address
 * (page offset preserved) or NULL when out of page-table memory or address
 * space. Mappings are global and never cached differently (RISC-V PMAs
 * decide cacheability). iounmap() removes it and flushes every hart's TLB.
 */
void *ioremap(phys_addr_t pa, size_t size);
void iounmap(void *va, size_t size);

/*
 * Accessors order device accesses against ordinary memory: a read is
 * complete before later memory reads (fence i,r), and earlier memory writes
 * (a ring index, a buffer) are visible before a device write (fence w,o).
 */
static inline void io_fence_after_read(void) { __asm__ volatile("fence i, r" : : : "memory"); }
static inline void io_fence_before_write(void) { __asm__ volatile("fence w, o" : : : "memory"); }
static inline uint8_t readb(const volatile void *a) { uint8_t v = *(const volatile uint8_t *)a; io_fence_after_read(); return v; }
static inline uint16_t readw(const volatile void *a) { uint16_t v = *(const volatile uint16_t *)a; io_fence_after_read(); return v; }
static inline uint32_t readl(const volatile void *a) { uint32_t v = *(const volatile uint32_t *)a; io_fence_after_read(); return v; }
static inline uint64_t readq(const volatile void *a) { uint64_t v = *(const volatile uint64_t *)a; io_fence_after_read(); return v; }
static inline void writeb(uint8_t v, volatile void *a) { io_fence_before_write(); *(volatile uint8_t *)a = v; }
static inline void writew(uint16_t v, volatile void *a) { io_fence_before_write(); *(volatile uint16_t *)a = v; }
static inline void writel(uint32_t v, volatile void *a) { io_fence_before_write(); *(volatile uint32_t *)a = v; }
static inline void writeq(uint64_t v, volatile void *a) { io_fence_before_write(); *(volatile uint64_t *)a = v; }
#endif
