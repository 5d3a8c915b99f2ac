#ifndef PAGODA_EARLY_H
#define PAGODA_EARLY_H
/* What the paging-off boot code leaves behind (kernel/arch/riscv/early.c). */
#include "types.h"

#define FDT_MAGIC_VALUE 0xd00dfeedu
#define EARLY_FDT_MAX   (64 * 1024)   /* QEMU's virt tree is about 8 KiB */

extern uint8_t early_fdt[EARLY_FDT_MAX];
extern size_t early_fdt_size;
extern size_t early_fdt_orig_size;
extern phys_addr_t early_fdt_pa;
/* Physical range reachable through the direct map before init_mem_mapping(). */
extern phys_addr_t early_dm_start, early_dm_end;
extern uint64_t secondary_satp;
extern uint64_t secondary_stack_top[];
#endif
