#ifndef PAGODA_INIT_H
#define PAGODA_INIT_H
/* Boot-time memory set-up (kernel/mm/init.c), called in this order. */
struct platform;
/* Register RAM banks and reservations from the device tree in memblock. */
void memblock_init_from_platform(const struct platform *plat);
/* Build swapper_pg_dir: kernel image, direct map, shared kernel puds; switch to it. */
void init_mem_mapping(void);
/* Largest leaf the direct map may use (mapsize=). */
extern enum pt_level direct_map_max_leaf;
#endif
