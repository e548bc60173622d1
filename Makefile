# vzforge build. Modules are static libraries; cmd/ links them into binaries.
#   make            build everything (binaries in build/bin)
#   make check      build and run the hermetic Criterion suite
#   make check-real build real templates from the host's mirror (network)
#   make check-vm   the runtime's suites in a cgroup-v2 systemd guest (qemu; docs/testing.md)
#   make demo       the README's main job
#   make bench      side-by-side benchmarks
#   make fuzz       libFuzzer harnesses (fuzz/), each run FUZZ_SECONDS (docs/fuzzing.md)
#   V=1 verbose, DEVELOPER=1 -Werror, SANITIZE=1 ASan+UBSan
# Adding a .c file to a module folder is enough: sources are found by wildcard.

-include config.mak

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config

PKGS      := libsolv libsolvext libarchive libcurl yaml-0.1 libcrypto jansson libzstd libseccomp
DEPS_DEB  := libsolv-dev libsolvext-dev libarchive-dev libcurl4-openssl-dev libyaml-dev \
             libssl-dev libcriterion-dev libjansson-dev libzstd-dev pkg-config gcc make \
             nettle-dev libacl1-dev liblzma-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev \
             gpg gpgv zstd xz-utils busybox-static iproute2 dpkg-dev fakeroot openssl binutils jq \
             libseccomp-dev libsystemd-dev systemd
# check-vm: qemu (TCG), the guest's disk tools (mkfs.ext4 -d, tar --zstd)
DEPS_VM   := qemu-system-x86 qemu-utils e2fsprogs tar zstd
DEPS_REAL := debootstrap mmdebstrap jq curl time lxd-client python3 openssl xz-utils \
             qemu-user-static binfmt-support
# clang 14 compiles the harnesses; libclang-rt-14-dev holds the libFuzzer,
# ASan and UBSan runtimes (clang only recommends it).
DEPS_FUZZ := clang libclang-rt-14-dev
TEST_PKGS := criterion

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
            -fno-strict-aliasing -D_GNU_SOURCE -DVZ_VERSION='"$(VERSION)"' -DVZ_DATADIR='"$(PREFIX)/share/vzforge"' \
            -DVZ_LIBEXECDIR='"$(PREFIX)/libexec/vzforge"' -DVZ_SBINDIR='"$(PREFIX)/sbin"' -I.
ifeq ($(DEVELOPER),1)
CFLAGS   += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer
# gcc 12 + UBSan: false "null format string" on vsnprintf(NULL, 0, fmt, ap)
CFLAGS   += -Wno-format-truncation
LDFLAGS  += -fsanitize=address,undefined
BUILD    := build-san
endif
# FUZZ=1 (set by `make fuzz`): the library compiled again with clang,
# instrumented for libFuzzer, ASan and UBSan, into its own build directory.
# UBSan findings abort, so the fuzzer counts them as crashes.
FUZZ_CC ?= clang
ifeq ($(FUZZ),1)
override CC := $(FUZZ_CC)
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
# clang (unlike gcc) flags vprintf-style wrappers without a format attribute
CFLAGS   += -Wno-format-nonliteral
LDFLAGS  += -fsanitize=address,undefined
BUILD    := build-fuzz
endif
CFLAGS   += -MMD -MP

# libsystemd (sd-bus) is compiled against but not linked: the runtime
# dlopen()s it only on a host whose PID 1 is systemd (vpscore/cgroup-systemd.c),
# where linking it would cost every vzctl command ~0.6 ms of loading.
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) libsystemd 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lcrypt
# Binaries name every library and keep only those they use (--as-needed):
# vzctl loads libc, libcrypto, libcrypt, jansson and libseccomp only.
BIN_LDFLAGS := -Wl,--as-needed
# vzctl-create links libarchive statically (the formats it reads pull in
# only zstd, xz, gzip, bzip2 and lz4 from libarchive's dependencies), so a
# create does not pay for loading libarchive's whole tree.
# STATIC_LIBARCHIVE=0 links it dynamically.
STATIC_LIBARCHIVE ?= 1
ifeq ($(STATIC_LIBARCHIVE),1)
CREATE_LIBS := $(filter-out -larchive,$(PKG_LIBS)) -Wl,-Bstatic -larchive -Wl,-Bdynamic \
               $(filter-out -larchive,$(shell $(PKG_CONFIG) --libs --static libarchive 2>/dev/null))
else
CREATE_LIBS := $(PKG_LIBS)
endif
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ifneq ($(V),1)
Q = @
qecho = @printf '  %-7s %s\n' $(1) $(2);
else
Q =
qecho =
endif

# Link order: higher modules first.
MODULES := tmplbuild vpscore cache metadata common
LIBS    := $(foreach m,$(MODULES),$(BUILD)/lib$(m).a)

# tmplbuild/<family>/*.c: each package family's folder (tmplbuild/family.h).
mod_srcs = $(sort $(wildcard $(1)/*.c) $(if $(filter tmplbuild,$(1)),$(wildcard tmplbuild/*/*.c)))
mod_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call mod_srcs,$(1)))

# Each binary links only its own command files (docs/design.md, "Process
# start-up cost"): vzctl has no unpacking code; a `vzctl create` that must
# unpack execs vzctl-create.
cmd_objs = $(patsubst %,$(BUILD)/obj/cmd/%.o,$(1) cli)
VZCTL_OBJS        := $(call cmd_objs,vzctl vzctl_run vzctl_boot vzctl_ct vzctl_create vzctl_tmpl vzctl_spawn)
VZCTL_CREATE_OBJS := $(call cmd_objs,vzctl_create_main vzctl_create vzctl_tmpl vzctl_spawn)
VZPKG_OBJS        := $(call cmd_objs,vzpkg $(basename $(notdir $(wildcard cmd/vzpkg_*.c))))
VZLIST_OBJS       := $(call cmd_objs,vzlist)
CMD_MAINS := vzpkg vzctl vzlist vzctl_create_main
CMD_SHARED := $(filter-out $(addprefix cmd/,$(addsuffix .c,$(CMD_MAINS))),$(sort $(wildcard cmd/*.c)))
CMD_SHARED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CMD_SHARED))
BINS    := $(addprefix $(BUILD)/bin/,vzpkg vzctl vzlist vzctl-create)

# Extra helper programs (tiny init, test probes) live in vpscore/progs and tests/progs.
TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTLIB_SRCS))
TEST_MODS := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard tests/*/test_*.c)))))
TEST_BINS := $(addprefix $(BUILD)/tests/test_,$(TEST_MODS))

# Fuzz harnesses: fuzz/fuzz_NAME.c -> $(BUILD)/fuzz/fuzz_NAME, with the
# other fuzz/*.c (shared set-up) linked into each.
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_UTIL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out fuzz/fuzz_%.c,$(sort $(wildcard fuzz/*.c))))
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)

all: $(BINS) $(BUILD)/vz.service


# Rebuild everything when the compiler flags change (PREFIX, SANITIZE, ...).
FLAGS_STAMP := $(BUILD)/.cflags
FLAGS_NOW   := $(CC) $(CFLAGS) $(PKG_CFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@

# The boot service (systemd/vz.service.in), with this build's paths.
# Installed into systemd's unit directory, never enabled by make install.
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
$(BUILD)/vz.service: systemd/vz.service.in $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call qecho,GEN,$@)sed 's|@SBINDIR@|$(PREFIX)/sbin|g' $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call qecho,CC,$<)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(if $(filter tests/%,$<),$(TEST_CFLAGS)) -c -o $@ $<

define module_rule
$(BUILD)/lib$(1).a: $(call mod_objs,$(1))
	@mkdir -p $$(dir $$@)
	$$(call qecho,AR,$$@)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rule,$(m))))

$(BUILD)/bin/vzctl: $(VZCTL_OBJS) $(LIBS)
$(BUILD)/bin/vzctl-create: $(VZCTL_CREATE_OBJS) $(LIBS)
$(BUILD)/bin/vzpkg: $(VZPKG_OBJS) $(LIBS)
$(BUILD)/bin/vzlist: $(VZLIST_OBJS) $(LIBS)
$(BUILD)/bin/%:
	@mkdir -p $(dir $@)
	$(call qecho,LINK,$@)$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS) \
	    $(if $(filter %/vzctl-create,$@),$(CREATE_LIBS),$(PKG_LIBS))

$(BUILD)/libtestlib.a: $(TESTLIB_OBJS)
	@mkdir -p $(dir $@)
	$(call qecho,AR,$@)rm -f $@ && ar rcs $@ $^

define test_rule
$(BUILD)/tests/test_$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard tests/$(1)/*.c))) $(BUILD)/libtestlib.a $(CMD_SHARED_OBJS) $(LIBS)
	@mkdir -p $$(dir $$@)
	$$(call qecho,LINK,$$@)$$(CC) $$(LDFLAGS) -o $$@ $$(filter $(BUILD)/obj/tests/%,$$^) $(BUILD)/libtestlib.a $(CMD_SHARED_OBJS) $(LIBS) $$(TEST_LIBS) $$(PKG_LIBS)
endef
$(foreach t,$(TEST_MODS),$(eval $(call test_rule,$(t))))

# Static probes that tests copy into container roots (tests/progs/).
TEST_PROGS := $(patsubst tests/progs/%.c,$(BUILD)/tests/%,$(wildcard tests/progs/*.c))
$(BUILD)/tests/%: tests/progs/%.c
	@mkdir -p $(dir $@)
	$(call qecho,LINK,$@)$(CC) -static -O2 -Wall -o $@ $<

tests: $(TEST_BINS) $(BINS) $(TEST_PROGS)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/fuzz/fuzz_%.o $(FUZZ_UTIL_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(call qecho,LINK,$@)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_UTIL_OBJS) $(LIBS) $(PKG_LIBS)

fuzz-bins: $(FUZZ_BINS)

# Deps: install what is missing, idempotently. Skipped when everything is present.
deps:
	@missing=$$(for p in $(DEPS_DEB); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: need root to apt-get install (run: sudo make deps)"; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)VZ_BUILD=$(abspath $(BUILD)) VZ_SRC=$(CURDIR) tests/run-tests.sh $(TEST_BINS)

check-real: deps
	$(Q)$(MAKE) --no-print-directory deps DEPS_DEB="$(DEPS_REAL)"
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VZ_BUILD=$(abspath $(BUILD)) VZ_SRC=$(CURDIR) tests/real/run.sh

# Boots the guest (tests/vm/): image and template caches from the host's
# mirror, cached in VZ_VM_CACHE (/var/cache/vzforge-vm); see docs/testing.md.
check-vm: deps
	$(Q)$(MAKE) --no-print-directory deps DEPS_DEB="$(DEPS_VM)"
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)VZ_BUILD=$(abspath $(BUILD)) tests/vm/check-vm.sh

# Builds every harness into build-fuzz/ (build/ is left alone) and runs each
# for FUZZ_SECONDS (0: the committed corpus once, no fuzzing); fails on any
# crash, leak, UBSan finding or timeout. FUZZ_TARGETS=conf runs some only.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory deps DEPS_DEB="$(DEPS_FUZZ)"
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	$(Q)fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VZ_BUILD=$(abspath $(BUILD)) VZ_SRC=$(CURDIR) bench/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory deps DEPS_DEB="$(DEPS_REAL) hyperfine"
	$(Q)$(MAKE) --no-print-directory all
	$(Q)VZ_BUILD=$(abspath $(BUILD)) VZ_SRC=$(CURDIR) bench/run-all.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/libexec/vzforge \
	    $(DESTDIR)$(PREFIX)/share/vzforge/distros $(DESTDIR)/etc/vz/conf
	install -m 0755 $(filter-out %/vzctl-create,$(BINS)) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BUILD)/bin/vzctl-create $(DESTDIR)$(PREFIX)/libexec/vzforge/
	install -m 0644 distros/*.yaml $(DESTDIR)$(PREFIX)/share/vzforge/distros/
	install -m 0644 etc/*.conf-sample $(DESTDIR)/etc/vz/
	# an admin's vz.conf and logrotate file are never overwritten
	[ -e $(DESTDIR)/etc/vz/vz.conf ] || install -m 0644 etc/vz.conf $(DESTDIR)/etc/vz/vz.conf
	install -d $(DESTDIR)/etc/logrotate.d
	[ -e $(DESTDIR)/etc/logrotate.d/vzctl ] || install -m 0644 etc/vzctl.logrotate $(DESTDIR)/etc/logrotate.d/vzctl
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(BUILD)/vz.service $(DESTDIR)$(SYSTEMDUNITDIR)/vz.service

# Removes what install put in place, except configuration an admin may have
# changed (/etc/vz/vz.conf, /etc/logrotate.d/vzctl) and containers' data.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/sbin/,$(notdir $(filter-out %/vzctl-create,$(BINS))))
	rm -rf $(DESTDIR)$(PREFIX)/libexec/vzforge $(DESTDIR)$(PREFIX)/share/vzforge
	for f in etc/*.conf-sample; do rm -f $(DESTDIR)/etc/vz/$$(basename $$f); done
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/vz.service

clean:
	rm -rf build build-san build-fuzz

.PHONY: all tests deps check check-real check-vm demo bench install uninstall clean fuzz fuzz-bins FORCE
FORCE:
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
