/* xv6 programs include "kernel/fcntl.h": the O_* flags live in uapi. */
#include <uapi/fcntl.h>
