#ifndef PAGODA_USER_RISCV_H
#define PAGODA_USER_RISCV_H
/*
 * The few page-size helpers xv6 user programs take from "kernel/riscv.h".
 * MAXVA is one past the highest user address (Sv48 user half).
 */
#include <memlayout.h>

#define PGSIZE 4096
#define PGSHIFT 12
#define PGROUNDUP(sz)  (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))
#define MAXVA USER_TOP
#endif
