#ifndef PAGODA_UAPI_PAGEINFO_H
#define PAGODA_UAPI_PAGEINFO_H
/*
 * pageinfo(what, addr, &info): what the kernel knows about one page of the
 * caller's address space (PAGEINFO_VA: addr is a user address) or about one
 * physical page frame (PAGEINFO_PFN: addr is a pfn). Lab mixedmap's test
 * program checks reference counts and pte kinds with it. Returns 0, or -1
 * with errno EINVAL (bad what or address), ENOENT (va not mapped), EFAULT.
 */
enum pageinfo_what { PAGEINFO_VA = 0, PAGEINFO_PFN = 1 };

enum pageinfo_flags {
	PI_PRESENT = 1 << 0,   /* PAGEINFO_VA: a pte maps the address */
	PI_WRITE = 1 << 1,     /* the pte allows writes */
	PI_SPECIAL = 1 << 2,   /* the pte is marked special (no counted page) */
	PI_COW = 1 << 3,       /* write-protected for copy-on-write */
	PI_NORMAL = 1 << 4,    /* vm_normal_page() returns a page for it */
	PI_STRUCT_PAGE = 1 << 5, /* the pfn has a struct page (pfn_valid) */
	PI_PAGECACHE = 1 << 6, /* the page belongs to a file's page cache */
};

struct pageinfo {
	unsigned long pfn;
	unsigned int flags;    /* enum pageinfo_flags */
	int refcount;          /* of the struct page; 0 without one */
};
#endif
