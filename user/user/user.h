/* xv6 programs include "user/user.h". */
#include "../user.h"
