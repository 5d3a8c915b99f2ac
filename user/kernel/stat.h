/* xv6 programs include "kernel/stat.h": struct stat and T_* live in uapi. */
#include <uapi/stat.h>
