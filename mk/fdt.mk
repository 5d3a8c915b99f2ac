# Host build of the device-tree parser's unit-test harness.
# host-tests is double-colon: other fragments add their own host programs.
# -iquote, not -I: kernel/include/string.h must not shadow the libc one.

FDT_TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -iquote kernel/include

$(B)/host/test_fdt: tests/host/test_fdt.c kernel/lib/fdt.c kernel/include/fdt.h \
		kernel/include/types.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(FDT_TEST_CFLAGS) -o $@ tests/host/test_fdt.c kernel/lib/fdt.c

host-tests:: $(B)/host/test_fdt

.PHONY: host-tests
