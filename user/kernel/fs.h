/* xv6 programs include "kernel/fs.h" for DIRSIZ, struct dirent, BSIZE. */
#include <fs_format.h>
