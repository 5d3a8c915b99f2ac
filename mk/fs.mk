# File-system host tools and tests. The top Makefile builds $(B)/mkfs/mkfs;
# this adds the checker, fsck (run on images by the host tests and later by
# crash-consistency tests), and test_fs, the kernel's file-system code
# (kernel/fs/) run on the host against stand-ins for the rest of the kernel
# (tests/host/test_fs.c), with the sanitizers on.
# -iquote, not -I: kernel/include/string.h must not shadow libc's.

$(B)/mkfs/fsck: mkfs/fsck.c kernel/include/fs_format.h kernel/include/uapi/stat.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -O2 -Wall -Werror -iquote kernel/include -o $@ mkfs/fsck.c

FS_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Werror -fno-builtin \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -iquote kernel/include \
	-iquote kernel/arch/riscv/include -D__KERNEL__ -include $(STAGE_H)
FS_TEST_SRCS := tests/host/test_fs.c tests/host/test_fs_os.c \
	$(addprefix kernel/fs/,bio.c log.c fs.c file.c pipe.c sysfile.c)

$(B)/host/test_fs: $(FS_TEST_SRCS) $(wildcard kernel/include/*.h kernel/include/uapi/*.h) $(STAGE_H)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FS_TEST_CFLAGS) -o $@ $(FS_TEST_SRCS)

fsck: $(B)/mkfs/fsck

# What tests/test_host_mkfs.py runs.
host-tests:: $(B)/mkfs/mkfs $(B)/mkfs/fsck $(B)/host/test_fs

.PHONY: host-tests fsck
