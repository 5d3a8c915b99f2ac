/* Pagoda's address-space layout (USER_TOP, USER_STACK_PAGES, ...). */
#include <memlayout.h>
