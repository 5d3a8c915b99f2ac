/* xv6 programs include "kernel/param.h" for NOFILE, MAXARG, MAXPATH... */
#include <param.h>
