/*
 * exec: replace the current process's image with an ELF executable.
 * The new address space is built completely before the old one is
 * dropped, so a failing exec returns to the caller unharmed.
 */
#include "elf.h"
#include "vm.h"
#include "proc.h"
#include "fs.h"
#include "syscall.h"
#include "uaccess.h"
#include "printk.h"
#include "string.h"
#include "uapi/errno.h"

static pgprot_t segment_prot(uint32_t flags)
{
	pgprot_t prot = _PAGE_BASE | _PAGE_USER;

	if (flags & PF_R)
		prot |= _PAGE_READ;
	if (flags & PF_W)
		prot |= _PAGE_WRITE | _PAGE_READ;   /* W without R is reserved */
	if (flags & PF_X)
		prot |= _PAGE_EXEC;
	return prot;
}

/* Copy file bytes [off, off+n) to user va in mm (pages already mapped). */
/* Exactly n bytes of the file at off: 0, readi's error (-EIO from the
 * disk), or -ENOEXEC when the file is too short. */
static int read_exact(struct inode *ip, void *dst, uint64_t off, uint32_t n)
{
	int r = readi(ip, ADDR_KERNEL, (uint64_t)dst, off, n);

	if (r < 0)
		return r;
	return r == (int)n ? 0 : -ENOEXEC;
}

static int load_bytes(struct mm_struct *mm, struct inode *ip, uint64_t va,
		      uint64_t off, uint64_t n)
{
	while (n > 0) {
		pte_t *pte = walk(mm->pgd, va, NULL);
		uint64_t chunk = MIN(n, PAGE_SIZE - (va & ~PAGE_MASK));
		void *dst;
		int err;
		if (!pte)
			return -ENOEXEC;
		dst = (char *)__va(PFN_PHYS(pte_pfn(*pte))) + (va & ~PAGE_MASK);
		if ((err = read_exact(ip, dst, off, chunk)))
			return err;
		va += chunk;
		off += chunk;
		n -= chunk;
	}
	return 0;
}

/* A loadable segment that lies inside the file and the user image area. */
static bool phdr_ok(const struct elf64_phdr *ph, uint64_t file_size)
{
	return ph->off <= file_size && ph->filesz <= file_size - ph->off &&
	       ph->memsz >= ph->filesz && ph->vaddr + ph->memsz >= ph->vaddr &&
	       ph->vaddr >= USER_TEXT_START &&
	       ph->vaddr + ph->memsz <= USER_MMAP_TOP &&
	       (ph->vaddr & ~PAGE_MASK) == (ph->off & ~PAGE_MASK);
}

/* Map and fill every PT_LOAD segment; sets mm->image_end. */
static int load_segments(struct mm_struct *mm, struct inode *ip, const struct elf64_hdr *eh)
{
	struct elf64_phdr ph;
	int err;

	if (eh->phoff > ip->size ||
	    (uint64_t)eh->phnum * sizeof(ph) > ip->size - eh->phoff)
		return -ENOEXEC;
	for (uint16_t i = 0; i < eh->phnum; i++) {
		uint64_t off = eh->phoff + (uint64_t)i * sizeof(ph);
		if ((err = read_exact(ip, &ph, off, sizeof(ph))))
			return err;
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (!phdr_ok(&ph, ip->size))
			return -ENOEXEC;
		uint64_t start = ALIGN_DOWN(ph.vaddr, PAGE_SIZE);
		uint64_t end = ALIGN_UP(ph.vaddr + ph.memsz, PAGE_SIZE);
		/* Fill while writable, then drop write access where the segment has none. */
		if ((err = mm_map_zeroed(mm, start, end - start, PAGE_USER_RW)))
			return err == -EEXIST ? -ENOEXEC : err;
		if ((err = load_bytes(mm, ip, ph.vaddr, ph.off, ph.filesz)))
			return err;
		for (uint64_t va = start; va < end; va += PAGE_SIZE) {
			pte_t *pte = walk(mm->pgd, va, NULL);
			set_pte(pte, pfn_pte(pte_pfn(*pte), segment_prot(ph.flags)));
		}
		mm->image_end = MAX(mm->image_end, end);
	}
	return 0;
}

/* Push argv strings and the pointer array; returns the new sp or an error. */
static int64_t push_args(struct mm_struct *mm, char *const kargv[], int argc,
			 uint64_t *argv_va)
{
	uint64_t sp = USER_STACK_TOP, ptrs[MAXARG + 1];

	for (int i = 0; i < argc; i++) {
		size_t len = strlen(kargv[i]) + 1;
		sp = ALIGN_DOWN(sp - len, 16);
		if (sp < mm->stack_start || copyout(mm, sp, kargv[i], len) < 0)
			return -E2BIG;
		ptrs[i] = sp;
	}
	ptrs[argc] = 0;
	sp = ALIGN_DOWN(sp - (argc + 1) * sizeof(uint64_t), 16);
	if (sp < mm->stack_start || copyout(mm, sp, ptrs, (argc + 1) * sizeof(uint64_t)) < 0)
		return -E2BIG;
	*argv_va = sp;
	return (int64_t)sp;
}

static int read_header(struct inode *ip, struct elf64_hdr *eh)
{
	int err = read_exact(ip, eh, 0, sizeof(*eh));

	if (err)
		return err;
	if (eh->magic != ELF_MAGIC || eh->ident[0] != ELFCLASS64 ||
	    eh->machine != EM_RISCV || eh->type != ET_EXEC)
		return -ENOEXEC;
	return 0;
}

/* Build the image of path in a new mm. */
static int build_image(const char *path, struct mm_struct *mm, uint64_t *entry)
{
	struct elf64_hdr eh;
	struct inode *ip;
	bool in_op = begin_op_readonly();
	int err;

	if (!(ip = namei(path))) {
		if (in_op)
			end_op();
		return -ENOENT;
	}
	err = ilock(ip);
	if (!err) {
		err = read_header(ip, &eh);
		if (!err)
			err = load_segments(mm, ip, &eh);
		iunlock(ip);
	}
	iput(ip);
	if (in_op)
		end_op();
	*entry = eh.entry;
	return err;
}

/* exec with arguments already in kernel memory. 0 or a negative errno. */
int kernel_exec(const char *path, char *const argv[])
{
	struct proc *p = myproc();
	struct mm_struct *mm, *old;
	uint64_t entry, argv_va;
	int64_t sp;
	int argc = 0, err;

	while (argv[argc])
		if (++argc > MAXARG)
			return -E2BIG;
	if (!(mm = mm_alloc()))
		return -ENOMEM;
	mm->stack_start = USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE;
	if ((err = build_image(path, mm, &entry)))
		goto fail;
	if ((err = mm_map_zeroed(mm, mm->stack_start, USER_STACK_TOP - mm->stack_start,
				 PAGE_USER_RW)))
		goto fail;
	if ((sp = push_args(mm, argv, argc, &argv_va)) < 0) {
		err = (int)sp;
		goto fail;
	}
	mm->brk = mm->image_end;
	old = p->mm;
	p->mm = mm;
	switch_mm(mm);
	mm_free(old);
	memset(&p->tf, 0, sizeof(p->tf));
	p->tf.epc = entry;
	p->tf.sp = (uint64_t)sp;
	p->tf.a0 = argc;
	p->tf.a1 = argv_va;
	const char *last = path;
	for (const char *s = path; *s; s++)
		if (*s == '/')
			last = s + 1;
	strlcpy(p->name, last, sizeof(p->name));
	return argc;   /* lands in a0: argc, as main() expects */
fail:
	mm_free(mm);
	return err;
}

/* Fetch the user argv array into kernel pages. */
static int fetch_argv(uint64_t uargv, char *argv[])
{
	int i;

	for (i = 0;; i++) {
		uint64_t uarg;
		if (i > MAXARG)
			return -E2BIG;
		if (fetchaddr(uargv + i * sizeof(uint64_t), &uarg) < 0)
			return -EFAULT;
		if (!uarg)
			break;
		if (!(argv[i] = kmalloc(PAGE_SIZE)))
			return -ENOMEM;
		argv[i + 1] = NULL;
		int len = fetchstr(uarg, argv[i], PAGE_SIZE);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : len;
	}
	argv[i] = NULL;
	return 0;
}

long sys_exec(void)
{
	char path[MAXPATH], *argv[MAXARG + 2] = { NULL };
	int err = argstr(0, path, sizeof(path));

	if (err >= 0)
		err = fetch_argv(argaddr(1), argv);
	if (err >= 0)
		err = kernel_exec(path, argv);
	for (int i = 0; argv[i]; i++)
		kfree(argv[i]);
	return err;
}
