# Pagoda: every entry point. `make qemu` boots to a shell, `make test` runs
# every test. Missing tools are installed by scripts/install-deps.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# STAGE=<lab> builds the reference tree with labs up to <lab> solved and the
# later ones in their handout state; the default is every lab solved.
STAGE ?=
MEMMODEL ?=
ifeq ($(STAGE),)
B ?= build$(if $(MEMMODEL),/model-$(MEMMODEL))
else
B ?= build/stage-$(STAGE)$(if $(MEMMODEL),/model-$(MEMMODEL))
endif
CPUS ?= 2
MEM ?= 512M
BOOTARGS ?=

# ---- tools --------------------------------------------------------------
RISCV_PREFIX ?= $(shell for p in riscv64-unknown-elf- riscv64-linux-gnu- riscv64-elf-; do \
	command -v $${p}gcc >/dev/null 2>&1 && { echo $$p; exit; }; done; echo riscv64-unknown-elf-)
CC      := $(RISCV_PREFIX)gcc
LD      := $(RISCV_PREFIX)ld
OBJCOPY := $(RISCV_PREFIX)objcopy
OBJDUMP := $(RISCV_PREFIX)objdump
NM      := $(RISCV_PREFIX)nm
HOSTCC  ?= gcc
QEMU    ?= qemu-system-riscv64

# Install what is missing once, before anything is built.
NEEDED_TOOLS := $(CC) $(QEMU) dtc $(HOSTCC)
MISSING := $(strip $(foreach t,$(NEEDED_TOOLS),$(if $(shell command -v $(t) 2>/dev/null),,$(t))))
ifneq ($(MISSING),)
  $(info make: missing $(MISSING); running scripts/install-deps)
  $(shell ./scripts/install-deps >&2)
  RISCV_PREFIX := riscv64-unknown-elf-
  CC := $(RISCV_PREFIX)gcc
  LD := $(RISCV_PREFIX)ld
  OBJCOPY := $(RISCV_PREFIX)objcopy
  OBJDUMP := $(RISCV_PREFIX)objdump
  NM := $(RISCV_PREFIX)nm
endif

# A Python that has pytest and pexpect (the first python3 on PATH may not).
PYTHON := $(shell scripts/find-python)

# ---- stages ---------------------------------------------------------------
LABTOOL := $(PYTHON) grader/labtool.py
STAGE_ORDER := $(if $(STAGE),$(shell $(LABTOOL) order $(STAGE) || echo BAD),$(shell $(LABTOOL) list | wc -l))
ifeq ($(STAGE_ORDER),BAD)
  $(error STAGE=$(STAGE) is not a lab; see labs/)
endif
STAGE_H := $(B)/include/stage.h
MARKED_SRCS := $(shell find kernel user mkfs -name '*.[chS]' 2>/dev/null)
# Markers are checked first: a malformed one is named with file:line
# instead of surfacing as a compiler error.
$(STAGE_H): $(wildcard labs/*/lab.toml) grader/labtool.py $(MARKED_SRCS)
	@$(LABTOOL) check >/dev/null
	$(LABTOOL) stage-header $@

# ---- flags --------------------------------------------------------------
ARCHFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
COMMONFLAGS := $(ARCHFLAGS) -ffreestanding -fno-common -nostdlib -fno-builtin \
	-fno-stack-protector -fno-pie -no-pie -Wall -Werror -O2 -g \
	-fno-omit-frame-pointer -Wundef -MMD -MP \
	-include $(STAGE_H) -DPAGODA_STAGE=$(STAGE_ORDER)
# MEMMODEL=flat|sparse|vmemmap picks the memory model (lab vmemmap); empty
# means the stage's default (kernel/include/memmodel.h). Each model builds in
# its own folder (B above), so objects of two models never mix.
MEMMODELS := flat sparse vmemmap
ifneq ($(MEMMODEL),)
  ifeq ($(filter $(MEMMODEL),$(MEMMODELS)),)
    $(error MEMMODEL=$(MEMMODEL): expected one of $(MEMMODELS))
  endif
  MEMMODEL_FLAGS := -DMEMMODEL=MEMMODEL_$(shell echo $(MEMMODEL) | tr a-z A-Z)
endif
KCFLAGS := $(COMMONFLAGS) -Ikernel/include -Ikernel/arch/riscv/include \
	-D__KERNEL__ $(MEMMODEL_FLAGS) $(EXTRA_KCFLAGS)
UCFLAGS := $(COMMONFLAGS) -Iuser -Ikernel/include

# ---- kernel -------------------------------------------------------------
KSRCS := $(shell find kernel -name '*.c' -o -name '*.S' | sort)
KOBJS := $(patsubst %,$(B)/%.o,$(KSRCS))
KLDS  := kernel/arch/riscv/kernel.ld

$(B)/kernel/%.c.o: kernel/%.c $(STAGE_H)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/kernel/%.S.o: kernel/%.S $(STAGE_H)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

# Two links: the first gives the text symbols, the second embeds them for
# backtraces. The symbol table sits after all code, so text does not move.
$(B)/kernel/kallsyms0.S:
	@mkdir -p $(dir $@)
	printf '.section .kallsyms,"a"\n.balign 8\n.globl kallsyms_count\nkallsyms_count: .quad 0\n.globl kallsyms_addrs\nkallsyms_addrs:\n.globl kallsyms_offs\nkallsyms_offs:\n.globl kallsyms_names\nkallsyms_names: .byte 0\n' > $@
$(B)/kernel/kernel.pass1: $(KOBJS) $(B)/kernel/kallsyms0.S.o $(KLDS)
	$(LD) -T $(KLDS) -o $@ $(KOBJS) $(B)/kernel/kallsyms0.S.o
$(B)/kernel/kallsyms.S: $(B)/kernel/kernel.pass1 scripts/kallsyms.awk
	$(NM) -n $< | awk -f scripts/kallsyms.awk > $@
$(B)/kernel/%.S.o: $(B)/kernel/%.S $(STAGE_H)
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/kernel/kernel.elf: $(KOBJS) $(B)/kernel/kallsyms.S.o $(KLDS)
	$(LD) -T $(KLDS) -o $@ $(KOBJS) $(B)/kernel/kallsyms.S.o
	@cmp -s <($(NM) -n $@ | grep -i ' t ') <($(NM) -n $(B)/kernel/kernel.pass1 | grep -i ' t ') \
		|| { echo "kallsyms: text moved between links" >&2; rm -f $@; exit 1; }
	$(OBJDUMP) -S $@ > $(B)/kernel/kernel.asm

kernel: $(B)/kernel/kernel.elf

# ---- user ---------------------------------------------------------------
ULIB := $(patsubst %,$(B)/%.o,user/lib/ulib.c user/lib/printf.c user/lib/umalloc.c user/lib/usys.S)
UPROGS := $(sort $(basename $(notdir $(wildcard user/bin/*.c))))
UBINS := $(addprefix $(B)/user/bin/,$(UPROGS))

$(B)/user/%.c.o: user/%.c $(STAGE_H)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/%.S.o: user/%.S $(STAGE_H)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/bin/%: $(B)/user/bin/%.c.o $(ULIB) user/user.ld
	$(LD) -T user/user.ld -o $@ $< $(ULIB)

# ---- file system --------------------------------------------------------
$(B)/mkfs/mkfs: mkfs/mkfs.c kernel/include/fs_format.h kernel/include/uapi/stat.h kernel/include/param.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -O2 -Wall -Werror -iquote kernel/include -o $@ mkfs/mkfs.c
$(B)/fs.img: $(B)/mkfs/mkfs $(UBINS) README.md
	$(B)/mkfs/mkfs $@ README.md $(UBINS)

all: $(B)/kernel/kernel.elf $(B)/fs.img

# ---- running ------------------------------------------------------------
QEMUOPTS = -machine virt -bios default -kernel $(B)/kernel/kernel.elf \
	-m $(MEM) -smp $(CPUS) -nographic \
	-global virtio-mmio.force-legacy=false \
	-drive file=$(B)/fs.img,if=none,format=raw,id=disk0 \
	-device virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0 \
	-append "$(BOOTARGS)" $(PMEMOPTS) $(QEMUEXTRA)

# Lab altmap: PMEM=<size> (1G, 4G, ...) adds a persistent-memory device
# (ivshmem-plain) over the sparse file $(PMEMFILE), kept across boots.
PMEM ?=
PMEMFILE ?= $(B)/pmem0.img
PMEMDEV = -object memory-backend-file,id=pm0,mem-path=$(PMEMFILE),size=$(PMEM),share=on \
	-device ivshmem-plain,memdev=pm0
PMEMOPTS = $(if $(PMEM),$(PMEMDEV))
pmem-file:
	@if [ -n "$(PMEM)" ]; then \
	  want=$$(numfmt --from=iec $(PMEM)) || exit 1; \
	  [ -e "$(PMEMFILE)" ] || truncate -s $$want $(PMEMFILE); \
	  have=$$(stat -c %s $(PMEMFILE)); \
	  if [ "$$have" != "$$want" ]; then \
	    echo "$(PMEMFILE): holds a $$have-byte device, PMEM=$(PMEM) asks for $$want bytes;" \
	         "remove it (its data goes) or pick another PMEMFILE=" >&2; exit 1; fi; \
	fi

qemu: all pmem-file
	$(QEMU) $(QEMUOPTS)

.gdbinit: scripts/gdbinit.tmpl
	sed "s/@PORT@/$(GDBPORT)/" $< > $@
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)
qemu-gdb: BOOTARGS += panic=spin
qemu-gdb: all .gdbinit
	@echo "*** now run 'gdb-multiarch' in this directory (port $(GDBPORT))"
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

# ---- tests --------------------------------------------------------------
# xdist runs two workers when present (QEMU boots are bounded in conftest).
XDIST := $(shell $(PYTHON) -c 'import xdist' 2>/dev/null && printf -- '-n 2')
test: all
	$(PYTHON) -m pytest -q $(XDIST) tests

# ---- labs -------------------------------------------------------------------
# In a handout tree labs/HANDOUT names the lab; in the reference tree say LAB=.
HANDOUT_LAB := $(shell cat labs/HANDOUT 2>/dev/null)
LAB ?= $(HANDOUT_LAB)
GRADE_STAGE := $(if $(HANDOUT_LAB),,$(LAB))
GRADE_B := $(if $(GRADE_STAGE),build/stage-$(GRADE_STAGE),build)
GRADE_OUT := $(GRADE_B)/grade
grade:
	@test -n "$(LAB)" || { echo "make grade: which lab? make grade LAB=<lab> (labs: $$($(LABTOOL) list | tr '\n' ' '))" >&2; exit 2; }
	$(PYTHON) -m pytest -q $(XDIST) tests --grade $(LAB) --stage "$(GRADE_STAGE)" \
		--build-dir $(GRADE_B) --results-json $(GRADE_OUT)/results.json \
		--junitxml $(GRADE_OUT)/junit.xml $(if $(TEST),-k "$(TEST)")

handout:
	@test -n "$(LAB)" -a -n "$(OUT)" || { echo "usage: make handout LAB=<lab> OUT=<dir>" >&2; exit 2; }
	$(LABTOOL) handout $(LAB) $(OUT)

labs-check:
	$(LABTOOL) check

# A git repository with one branch per lab, each commit that lab's handout;
# lab k+1's commit descends from lab k's, so students merge the next lab in.
handout-repo:
	@test -n "$(OUT)" || { echo "usage: make handout-repo OUT=<dir>" >&2; exit 2; }
	$(LABTOOL) handout-repo $(OUT)

# Rerun one test with its QEMU paused for gdb on GDBPORT (see qemu-gdb),
# panic=spin and no timeouts. In the reference tree LAB= picks the stage.
grade-gdb:
	@test -n "$(TEST)" || { echo "usage: make grade-gdb TEST=<test name>$(if $(HANDOUT_LAB),, [LAB=<lab>])" >&2; exit 2; }
	@echo "make grade-gdb: QEMU will wait for gdb on port $(GDBPORT); attach from this directory with"
	@echo "    gdb-multiarch $(GRADE_B)/kernel/kernel.elf -ex 'target remote :$(GDBPORT)'"
	$(PYTHON) -m pytest -q -s tests --stage "$(GRADE_STAGE)" --build-dir $(GRADE_B) \
		--gdb $(GDBPORT) -k "$(TEST)"

.PHONY: handout-repo grade-gdb

clean:
	rm -rf $(B) .gdbinit

# Fragments: host tests and other self-contained pieces.
-include $(sort $(wildcard mk/*.mk))

.PHONY: all kernel qemu qemu-gdb pmem-file test grade handout labs-check clean
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
