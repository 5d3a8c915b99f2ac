#ifndef PAGODA_INIT_H
#define PAGODA_INIT_H
/* Boot-time memory set-up (kernel/mm/init.c), called in this order. */
#include "types.h"
struct platform;
/* Register RAM banks and reservations from the device tree in memblock. */
void memblock_init_from_platform(const struct platform *plat);
/* Build swapper_pg_dir: kernel image, direct map, shared kernel puds; switch to it. */
void init_mem_mapping(void);
/* Memblock memory region i as the direct map covers it (page aligned);
 * false when the region is not mapped (no-map, or smaller than a page). */
bool direct_map_range(int i, phys_addr_t *start, phys_addr_t *end);
/* Largest leaf the direct map may use (mapsize=). */
extern enum pt_level direct_map_max_leaf;
#endif
