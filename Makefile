# vzforge build. Modules are static libraries; cmd/ links them into binaries.
#   make            build everything (binaries in build/bin)
#   make check      build and run the hermetic Criterion suite
#   make check-real build real templates from the host's mirror (network)
#   make check-vm   the runtime's suites in a cgroup-v2 systemd guest (qemu; docs/testing.md)
#   make demo       the README's main job
#   make bench      side-by-side benchmarks
#   make fuzz       libFuzzer harnesses (fuzz/), each run FUZZ_SECONDS (docs/fuzzing.md)
#   V=1 verbose, DEVELOPER=1 the wider warning set + -Werror, SANITIZE=1 ASan+UBSan
#   make clean [BUILD=DIR]  removes build, build-san, build-fuzz (or DIR only)
# Adding a .c file to a module folder is enough: sources are found by wildcard.

-include config.mak

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config

PKGS      := libsolv libsolvext libarchive libcurl yaml-0.1 libcrypto jansson libzstd libseccomp \
             zlib liblzma expat libmd
# The tools that consume vzpkg export's formats, driven by tests/export
# (defined before DEPS_DEB, whose := expands it at once)
# (lxc-templates: the distributions' LXC configs an exported config includes).
DEPS_EXPORT := lxc lxc-templates lxd lxd-client podman runc skopeo umoci uidmap
DEPS_DEB  := libsolv-dev libsolvext-dev libarchive-dev libcurl4-openssl-dev libyaml-dev \
             libssl-dev libcriterion-dev libjansson-dev libzstd-dev pkg-config gcc make \
             nettle-dev libacl1-dev liblzma-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev libexpat1-dev \
             gpg gpgv zstd xz-utils busybox-static iproute2 openssh-server openssh-client dpkg-dev fakeroot openssl binutils jq \
             libseccomp-dev libmd-dev libsystemd-dev systemd rsync shellcheck groff-base btrfs-progs \
             rpm createrepo-c dnf $(DEPS_EXPORT)
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
# DEVELOPER=1 (CI builds this way): warnings that find bugs here, as errors.
# -Wconversion: narrowing that changes a value (a size_t length into an int)
# is a real bug class in parsers and the tree had 3 sites. Left out, each
# with a count from this tree: -Wsign-conversion (on with -Wconversion in C; 22 sites, mostly libsolv's
# signed Id into unsigned; it flags the idiom more than bugs), -Wcast-qual
# (100: exec's char *const argv[] forces casts), -Wwrite-strings (613: the
# same argv arrays of literals), -Wnull-dereference (only false positives
# after cr_assert, and its findings change with -O).
ifeq ($(DEVELOPER),1)
CFLAGS   += -Werror -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
            -Wmissing-declarations -Wnested-externs -Wredundant-decls -Wpointer-arith \
            -Wundef -Wvla -Wimplicit-fallthrough -Wconversion -Wno-sign-conversion
# gcc only: clang (FUZZ=1) would stop on an unknown warning under -Werror.
ifneq ($(FUZZ),1)
CFLAGS   += -Wduplicated-cond -Wlogical-op
endif
endif
CFLAGS   += -MMD -MP
# generated sources (vpscore/seccomp-default.inc, see SECCOMP_GEN below);
# absolute, so that BUILD=build and BUILD=/abs/build give the same flags (a
# test's `make install BUILD=$VZ_BUILD` rebuilt every binary under the other
# running tests when they differed)
CFLAGS   += -I$(abspath $(BUILD))/gen

# The flags are read when make starts, quietly: `make deps` must run on a
# machine without pkg-config or the -dev packages yet. A build says what is
# missing instead (the flags stamp, before anything is compiled).
# libsystemd (sd-bus) is compiled against but not linked: the runtime
# dlopen()s it only on a host whose PID 1 is systemd (vpscore/cgroup-systemd.c),
# where linking it would cost every vzctl command ~0.6 ms of loading.
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) libsystemd 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lcrypt
# Binaries name every library and keep only those they use (--as-needed):
# vzctl loads libc, libcrypt, jansson, libseccomp and libmd only (no libcrypto:
# tests/cmd/test_vzctl_progs.c).
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

# tmplbuild/<family>/*.c: each package family's folder (tmplbuild/family.h);
# cache/export/*.c: the export formats (cache/export/export.h).
mod_srcs = $(sort $(wildcard $(1)/*.c) $(if $(filter tmplbuild cache,$(1)),$(wildcard $(1)/*/*.c)))
mod_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call mod_srcs,$(1)))

# Each binary links only its own command files (docs/design.md, "Process
# start-up cost"): vzctl has no unpacking code; a `vzctl create` that must
# unpack execs vzctl-create.
cmd_objs = $(patsubst %,$(BUILD)/obj/cmd/%.o,$(1) cli)
VZCTL_OBJS        := $(call cmd_objs,vzctl vzctl_run vzctl_boot vzctl_ct vzctl_setopts vzctl_spawn vzctl_snapshot)
VZCTL_CREATE_OBJS := $(call cmd_objs,vzctl_create_main vzctl_create vzctl_setopts vzctl_tmpl vzctl_spawn tmpl_hint)
VZPKG_OBJS        := $(call cmd_objs,vzpkg $(basename $(notdir $(wildcard cmd/vzpkg_*.c))) tmpl_hint)
VZLIST_OBJS       := $(call cmd_objs,vzlist)
VZDUMP_OBJS       := $(call cmd_objs,vzdump)
VZRESTORE_OBJS    := $(call cmd_objs,vzrestore vzrestore_tmpl vzctl_tmpl tmpl_hint)
VZMIGRATE_OBJS    := $(call cmd_objs,vzmigrate vzmigrate_steps)
CMD_MAINS := vzpkg vzctl vzlist vzctl_create_main vzdump vzrestore vzmigrate
CMD_SHARED := $(filter-out $(addprefix cmd/,$(addsuffix .c,$(CMD_MAINS))),$(sort $(wildcard cmd/*.c)))
CMD_SHARED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CMD_SHARED))
BINS    := $(addprefix $(BUILD)/bin/,vzpkg vzctl vzlist vzctl-create vzdump vzrestore vzmigrate)

# Static test probes live in tests/progs (TEST_PROGS below).
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
	@$(PKG_CONFIG) --print-errors --exists $(PKGS) libsystemd || \
	    { echo "make: missing libraries (pkg-config above); run: make deps" >&2; exit 1; }
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
$(BUILD)/bin/vzdump: $(VZDUMP_OBJS) $(LIBS)
$(BUILD)/bin/vzrestore: $(VZRESTORE_OBJS) $(LIBS)
$(BUILD)/bin/vzmigrate: $(VZMIGRATE_OBJS) $(LIBS)
$(BUILD)/bin/%:
	@mkdir -p $(dir $@)
	$(call qecho,LINK,$@)$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS) \
	    $(if $(filter %/vzctl-create,$@),$(CREATE_LIBS),$(PKG_LIBS))

# The default seccomp profile's BPF, compiled by libseccomp at build time
# into vzctl (vpscore/seccomp-builtin.c says why): a generator linked from
# the profile's own code writes it as C.
SECCOMP_GEN := $(BUILD)/gen/seccomp_gen
SECCOMP_INC := $(BUILD)/gen/vpscore/seccomp-default.inc
$(SECCOMP_GEN): $(BUILD)/obj/vpscore/gen/seccomp_gen.o $(BUILD)/obj/vpscore/seccomp.o $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(call qecho,LINK,$@)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(SECCOMP_INC): $(SECCOMP_GEN)
	@mkdir -p $(dir $@)
	$(call qecho,GEN,$@)$(SECCOMP_GEN) > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/vpscore/seccomp-builtin.o: $(SECCOMP_INC)

# Static programs that a deb build puts into its root (tmplbuild/deb/native/,
# native_progs.h): built for the host with libc only, their bytes linked into
# the library, so vzpkg carries them wherever it is installed.
NATIVE_CA := $(BUILD)/gen/vz-ca-update
$(NATIVE_CA): tmplbuild/deb/native/ca_update.c
	@mkdir -p $(dir $@)
	$(call qecho,LINK,$@)$(CC) -static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wconversion \
	    -Wno-sign-conversion $(if $(filter 1,$(DEVELOPER)),-Werror) -o $@ $<
$(BUILD)/obj/tmplbuild/deb/native_progs.o: $(NATIVE_CA)
$(BUILD)/obj/tmplbuild/deb/native_progs.o: CFLAGS += -DVZ_NATIVE_CA='"$(abspath $(NATIVE_CA))"'

$(BUILD)/libtestlib.a: $(TESTLIB_OBJS)
	@$(PKG_CONFIG) --print-errors --exists $(TEST_PKGS) || \
	    { echo "make: missing test libraries (pkg-config above); run: make deps" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(call qecho,AR,$@)rm -f $@ && ar rcs $@ $^

define test_rule
$(BUILD)/tests/test_$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard tests/$(1)/*.c))) $(BUILD)/obj/tests/lib/reaper.o $(BUILD)/libtestlib.a $(CMD_SHARED_OBJS) $(LIBS)
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
	$(Q)CC="$(CC)" tools/check-cleanup-jumps.sh -I$(BUILD)/gen $(PKG_CFLAGS) $(TEST_CFLAGS)
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
	# archive keys no Debian package ships (distros/keys/README.md)
	install -d $(DESTDIR)$(PREFIX)/share/vzforge/distros/keys
	install -m 0644 distros/keys/*.gpg distros/keys/RPM-GPG-KEY-* $(DESTDIR)$(PREFIX)/share/vzforge/distros/keys/
	# the samples where OpenVZ keeps them (vzctl create --config NAME)
	install -m 0644 etc/*.conf-sample $(DESTDIR)/etc/vz/conf/
	# an admin's vz.conf and logrotate file are never overwritten
	[ -e $(DESTDIR)/etc/vz/vz.conf ] || install -m 0644 etc/vz.conf $(DESTDIR)/etc/vz/vz.conf
	install -d $(DESTDIR)/etc/logrotate.d
	[ -e $(DESTDIR)/etc/logrotate.d/vzctl ] || install -m 0644 etc/vzctl.logrotate $(DESTDIR)/etc/logrotate.d/vzctl
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(BUILD)/vz.service $(DESTDIR)$(SYSTEMDUNITDIR)/vz.service
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	for p in vzctl vzlist vzpkg; do \
	    install -m 0644 etc/bash-completion/vzforge $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$p; done

# Removes what install put in place, except configuration an admin may have
# changed (/etc/vz/vz.conf, /etc/logrotate.d/vzctl) and containers' data.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/sbin/,$(notdir $(filter-out %/vzctl-create,$(BINS))))
	rm -rf $(DESTDIR)$(PREFIX)/libexec/vzforge $(DESTDIR)$(PREFIX)/share/vzforge
	for f in etc/*.conf-sample; do rm -f $(DESTDIR)/etc/vz/conf/$$(basename $$f) $(DESTDIR)/etc/vz/$$(basename $$f); done
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/vz.service
	for f in man/*.5 man/*.8; do rm -f $(DESTDIR)$(PREFIX)/share/man/man$${f##*.}/$$(basename $$f); done
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/bash-completion/completions/,vzctl vzlist vzpkg)

# BUILD=DIR on the command line or in the environment: that tree only.
clean:
	rm -rf $(if $(filter command line environment,$(origin BUILD)),$(BUILD),build build-san build-fuzz)

.PHONY: all tests deps check check-real check-vm demo bench install uninstall clean fuzz fuzz-bins FORCE
FORCE:
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
