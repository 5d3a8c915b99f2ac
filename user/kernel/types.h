/* xv6 programs include "kernel/types.h": forward to the user types. */
#include "../types.h"
