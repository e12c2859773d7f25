# alcove — build, test, install.
#
#   make demo      a contained ssh login on this machine, removed on exit (as root)
#   make deps      install every build and test dependency (apt-get, Debian 12)
#   make           build everything into build/
#   make check     unit tests (ASan+UBSan) and root integration tests
#   make install   honours DESTDIR and PREFIX; Debian paths by default

PREFIX       ?= /usr
SYSCONFDIR   ?= /etc
LOCALSTATEDIR ?= /var
LIBEXECDIR   ?= $(PREFIX)/libexec/alcove
SBINDIR      ?= $(PREFIX)/sbin
MANDIR       ?= $(PREFIX)/share/man
DATADIR      ?= $(PREFIX)/share
TMPFILESDIR  ?= $(PREFIX)/lib/tmpfiles.d
# Debian 12's systemd unit directory (pkg-config systemd's systemdsystemunitdir).
SYSTEMDUNITDIR ?= /lib/systemd/system
MULTIARCH    ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch)
PAMDIR       ?= /lib/$(MULTIARCH)/security
DESTDIR      ?=
BUILD        ?= build

CC       ?= cc
OPT      ?= -O2 -g
# -Werror in developer and CI builds; the Debian package build sets WERROR= (debian/rules), so a
# newer compiler's new warning never fails a distribution build.
WERROR   ?= -Werror
WARNINGS := -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
            -Wmissing-declarations -Wundef -Wpointer-arith -Wno-unused-parameter -Wvla
# GCC's spelling; the fuzz build (clang) gets WARNINGS only.
GCC_WARNINGS := -Wimplicit-fallthrough=5 -Wduplicated-cond
HARDEN   := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fPIC
DEFS     := -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' -DLIBEXECDIR='"$(LIBEXECDIR)"' \
            -DLOCALSTATEDIR='"$(LOCALSTATEDIR)"' -Icommon
# The libraries' include flags from their .pc files (one call each: a missing one costs only
# its own flags; on Debian 12 they are in the default path).
PKG_CFLAGS := $(foreach p,libconfig libsystemd cmocka libarchive libcrypto jansson,\
		$(shell pkg-config --cflags $(p) 2>/dev/null))
ALCOVE_CFLAGS = -std=gnu11 $(OPT) $(WARNINGS) $(GCC_WARNINGS) $(HARDEN) $(DEFS) $(PKG_CFLAGS) \
		$(EXTRA_CFLAGS) $(CFLAGS)
LDHARDEN := -Wl,-z,relro,-z,now -Wl,--as-needed
ALCOVE_LDFLAGS = $(LDHARDEN) $(LDFLAGS)
LIBS_CONFIG  := $(shell pkg-config --libs libconfig 2>/dev/null || echo -lconfig)
# Only test tools link libsystemd: the helper loads it when it talks to systemd
# (helper/lib/sdbus_dlopen.c), and logging speaks the journal protocol itself (common/log.c).
LIBS_SYSTEMD := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
LIBS_CMOCKA  := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
# Only alcove-unpack (and a test tool) links these: libarchive's dependencies (libxml2, ICU,
# libstdc++...) and libcrypto cost every program that loads them some 8 ms of start-up, which
# alcovectl's verbs do not pay (unpack/alcove-unpack.c).
LIBS_OCI     := $(shell pkg-config --libs libarchive libcrypto jansson 2>/dev/null || \
		  echo -larchive -lcrypto -ljansson)
# libpam ships no .pc file on Debian 12.
LIBS_PAM     := -lpam

SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CFLAGS = -std=gnu11 -O1 -g $(WARNINGS) $(GCC_WARNINGS) -fPIC $(DEFS) $(PKG_CFLAGS) $(SAN) \
	     $(EXTRA_CFLAGS)

# Each program is built only when its directory has sources: nothing is shipped that does
# nothing yet. common/ is a static library; the linker pulls only what a program uses, which
# keeps the static alcove-init free of libconfig and libsystemd.
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
LIBALCOVE   := $(BUILD)/libalcove.a

define prog_objs
$(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)/*.c))
endef

# helper/: main.c, then verbs/ (open, close, stop, reset, gc), build/ (the pipeline of a build,
# a file per stage; DESIGN §12) and lib/ (what both share); includes name the directory
# ("build/build.h"), so helper/ is the include root.
HELPER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard helper/*.c helper/*/*.c))
INIT_OBJS   := $(call prog_objs,init)
ENTER_OBJS  := $(call prog_objs,enter)
CTL_OBJS    := $(call prog_objs,ctl)
UNPACK_OBJS := $(call prog_objs,unpack)
PAM_OBJS    := $(call prog_objs,pam_module)

# A program is built once one of its files has main() (parts of it land before the rest).
has_main = $(shell grep -ls '^int main' $(1)/*.c)
PROGS := $(if $(call has_main,helper),$(BUILD)/alcove-helper) \
         $(if $(INIT_OBJS),$(BUILD)/alcove-init) \
         $(if $(ENTER_OBJS),$(BUILD)/alcove-enter) \
         $(if $(call has_main,ctl),$(BUILD)/alcovectl) \
         $(if $(call has_main,unpack),$(BUILD)/alcove-unpack) \
         $(if $(PAM_OBJS),$(BUILD)/pam_alcove.so)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
TEST_TOOLS := $(BUILD)/tests/scope-probe $(BUILD)/tests/lobby-probe $(BUILD)/tests/pam-session \
	      $(BUILD)/tests/escape-probe $(BUILD)/tests/libnss_alcidtest.so.2 \
	      $(BUILD)/tests/helper-race $(BUILD)/tests/helper-orphan $(BUILD)/tests/oci-unpack
FAULT_DIR  := $(BUILD)/tests/fault
TEST_TOOLS += $(FAULT_DIR)/alcove-helper-fault
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/test/%)
SAN_COMMON := $(COMMON_SRCS:%.c=$(BUILD)/san/%.o)
# The programs' pure files (data in, data out; no syscalls) that unit tests link, by name;
# and layer_diff.c, layer_merge.c, tree_remove.c, which their unit tests run on a temp tree.
SAN_EXTRA_SRCS := helper/verbs/gc_names.c helper/verbs/request.c helper/build/rootfs_plan.c \
		  helper/build/account_merge.c \
		  helper/build/scope_props.c helper/lib/lock.c helper/lib/paths.c \
		  helper/lib/tree_remove.c \
		  init/args.c init/lifecycle.c init/log_budget.c \
		  ctl/json.c ctl/list_format.c ctl/profile_print.c ctl/show_format.c \
		  ctl/user_manager_rules.c ctl/pamd_configs.c pam_module/options.c pam_module/opened.c \
		  pam_module/account_race.c \
		  ctl/layer_diff.c ctl/layer_merge.c ctl/bash_env.c ctl/oci_unpack.c
SAN_EXTRA  := $(SAN_EXTRA_SRCS:%.c=$(BUILD)/san/%.o)

.SECONDARY:
# check-vm: layer 4 (TCG VMs with enforced limits; minutes), run by .ci/run after check.
.PHONY: check-vm
.PHONY: all deps demo check check-unit check-integration install clean format fuzz bench deb check-deb
all: $(PROGS)

deps:
	./tests/install-deps.sh

# What the demo misses first (the build's libraries, ssh and sshd: install-deps.sh --demo, which
# leaves no service started or enabled by that install), then `all`, then the demo (demo/demo.sh): a throw-away user logs in through a private sshd on 127.0.0.1 into an
# alcove; the host's PAM and sshd configuration are not touched, and nothing is left after.
demo:
	@./tests/install-deps.sh --demo
	@$(MAKE) --no-print-directory all
	@./demo/demo.sh

# The paths compiled in (DEFS): an object built with other ones is built again, so that
# `make install PREFIX=/opt` after a plain `make` installs programs that look under /opt. The
# stamp is rewritten only when they change (make then sees it newer than the objects).
PATHS_STAMP := $(BUILD)/paths.stamp
PATHS_TEXT  := $(SYSCONFDIR) $(LIBEXECDIR) $(LOCALSTATEDIR)
$(PATHS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(PATHS_TEXT)' | cmp -s - $@ || echo '$(PATHS_TEXT)' >$@
.PHONY: FORCE
FORCE:

$(BUILD)/obj/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/helper/%.o $(BUILD)/fault/helper/%.o $(BUILD)/san/helper/%.o: EXTRA_CFLAGS += -Ihelper

$(BUILD)/san/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

$(LIBALCOVE): $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/alcove-helper: $(HELPER_OBJS) $(LIBALCOVE)
	$(CC) -pie $(ALCOVE_LDFLAGS) -o $@ $^ $(LIBS_CONFIG)

# PID 1 of every alcove: static, because it is exec'd after pivot_root into an image
# whose libc is not ours to assume.
$(BUILD)/alcove-init: $(INIT_OBJS) $(LIBALCOVE)
	$(CC) -static-pie $(ALCOVE_LDFLAGS) -o $@ $^

# The login's shell, run as the user on the host with an environment the user sets
# (~/.pam_environment, ssh SetEnv): static, so that no LD_PRELOAD or LD_LIBRARY_PATH reaches a
# dynamic loader; it makes no NSS lookup either (a static NSS dlopen()s modules through
# LD_LIBRARY_PATH). Nothing but libc, no libconfig. Mode 0711 wherever it goes: an exec of a
# file the user cannot read leaves the process not dumpable, so that no process of the user's
# opens its fds (an admin's terminal under su) through /proc before its first statement
# (SECURITY.md, route 2).
$(BUILD)/alcove-enter: $(ENTER_OBJS) $(LIBALCOVE)
	$(CC) -static-pie $(ALCOVE_LDFLAGS) -o $@ $^
	chmod 0711 $@

# Image pulls (ctl/oci_*.c) remove a stale layer as the helper removes trees.
$(BUILD)/obj/ctl/oci_%.o: EXTRA_CFLAGS += -Ihelper
# layer diff opens /var/lib/alcove as the helper does (helper/lib/paths.h), and finds the
# mount points the helper makes in a user's layer with the helper's own plan (rootfs_plan.c)
$(BUILD)/obj/ctl/cmd_layer.o $(BUILD)/obj/ctl/layer_points.o: EXTRA_CFLAGS += -Ihelper
$(BUILD)/alcovectl: $(CTL_OBJS) $(BUILD)/obj/helper/lib/tree_remove.o \
		$(BUILD)/obj/helper/lib/paths.o $(BUILD)/obj/helper/build/rootfs_plan.o $(LIBALCOVE)
	$(CC) -pie $(ALCOVE_LDFLAGS) -o $@ $^ $(LIBS_CONFIG)

# A pull's layout read (jansson, libcrypto's sha256) and its layers unpacked (libarchive), in a
# process of its own that alcovectl runs (unpack/alcove-unpack.c).
$(BUILD)/obj/unpack/%.o: EXTRA_CFLAGS += -Ihelper
$(BUILD)/alcove-unpack: $(UNPACK_OBJS) $(BUILD)/obj/helper/lib/tree_remove.o $(LIBALCOVE)
	$(CC) -pie $(ALCOVE_LDFLAGS) -o $@ $^ $(LIBS_OCI)

# Only the pam_sm_* entry points are exported.
$(BUILD)/pam_alcove.so: $(PAM_OBJS) $(LIBALCOVE) pam_module/pam_alcove.map
	$(CC) -shared $(ALCOVE_LDFLAGS) -Wl,--version-script=pam_module/pam_alcove.map \
		-o $@ $(PAM_OBJS) $(LIBALCOVE) $(LIBS_PAM) $(LIBS_CONFIG)

$(BUILD)/test/%: tests/unit/%.c $(SAN_COMMON) $(SAN_EXTRA)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -Itests/unit $(TEST_LDFLAGS) -o $@ $^ $(LIBS_CMOCKA) $(LIBS_CONFIG) \
		$(LIBS_SYSTEMD)

# The helper's directory making where renameat2() takes no flag (EINVAL, as on NFS).
$(BUILD)/test/test_paths_dir: TEST_LDFLAGS := -Wl,--wrap=renameat2

# As `sudo make check` on a fresh host (README): what the tests need first, then both layers.
check:
	./tests/install-deps.sh
	@$(MAKE) --no-print-directory check-unit check-integration

# The unit tests that make files other users own (a tenant's tree, root's lock files) need root;
# without it (a package build as a user) each is named as not run. `make check` runs as root.
UNIT_ROOT := $(BUILD)/test/test_authkeys $(BUILD)/test/test_lock
check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
		if [ "$$(id -u)" != 0 ]; then case " $(UNIT_ROOT) " in *" $$t "*) \
			echo "NOT RUN: $$t needs root (it makes files other users own):" \
				"sudo make check-unit"; continue ;; esac; fi; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

# Root tests against real namespaces, a real sshd, a real systemd; each script cleans up.
check-integration: all $(TEST_TOOLS)
	./tests/run-integration.sh

# What a login costs with alcove, and how it scales (tests/bench/run.sh, BENCHMARKS.md): real
# sshd logins against a baseline in the same run; numbers only, never a pass/fail on a time.
bench: all $(BUILD)/tests/lobby-probe $(BUILD)/tests/oci-unpack
	./tests/bench/run.sh

# The helper with crash points (helper/lib/fault.h: FAULT_POINT kills it with SIGKILL where the
# environment's ALCOVE_FAULT names the stage), next to copies of the programs it runs from its
# own directory. Tests point alcovectl at it with ALCOVE_HELPER.
FAULT_OBJS := $(HELPER_OBJS:$(BUILD)/obj/%.o=$(BUILD)/fault/%.o)

$(BUILD)/fault/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -DALCOVE_FAULT_INJECTION -MMD -MP -c $< -o $@

$(FAULT_DIR)/alcove-helper-fault: $(FAULT_OBJS) $(LIBALCOVE) $(filter-out $(BUILD)/alcove-helper,$(PROGS))
	@mkdir -p $(dir $@)
	$(CC) -pie $(ALCOVE_LDFLAGS) -o $@ $(FAULT_OBJS) $(LIBALCOVE) $(LIBS_CONFIG)
	if [ -e $(BUILD)/alcove-init ]; then install -m 0755 $(BUILD)/alcove-init $(FAULT_DIR)/; fi
	if [ -e $(BUILD)/alcove-enter ]; then install -m 0711 $(BUILD)/alcove-enter $(FAULT_DIR)/; fi

check-vm: all $(TEST_TOOLS)
	./tests/vm/run-vm.sh

# Root programs the integration tests drive, linked with the code they test.
$(BUILD)/tests/scope-probe: tests/tools/scope-probe.c $(BUILD)/obj/helper/build/scope.o \
		$(BUILD)/obj/helper/build/scope_props.o $(LIBALCOVE)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -Ihelper $(ALCOVE_LDFLAGS) -o $@ $^ $(LIBS_SYSTEMD)

# A fake directory service for the name tests (case-insensitive, sssd-style long names).
$(BUILD)/tests/libnss_alcidtest.so.2: tests/tools/nss-alcidtest.c
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -shared -Wl,-soname,libnss_alcidtest.so.2 $(ALCOVE_LDFLAGS) -o $@ $^

$(BUILD)/tests/pam-session: tests/tools/pam-session.c
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) $(ALCOVE_LDFLAGS) -o $@ $^ $(LIBS_PAM)

# Run inside alcoves by the escape battery: static, as alcove-init is (the image's libc).
$(BUILD)/tests/escape-probe: tests/tools/escape-probe.c
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -static-pie $(ALCOVE_LDFLAGS) -o $@ $^

# The helper client against a reused pid (66-hardening): itself plays the helper.
$(BUILD)/tests/helper-race: tests/tools/helper-race.c $(LIBALCOVE)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) $(ALCOVE_LDFLAGS) -o $@ $^

# A caller that dies before its helper starts (42-pam-ssh): the helper is reparented to it.
$(BUILD)/tests/helper-orphan: tests/tools/helper-orphan.c $(LIBALCOVE)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) $(ALCOVE_LDFLAGS) -o $@ $^

# Unpacks a layout's layers into a store directory with a chosen size bound (tests/90).
$(BUILD)/tests/oci-unpack: tests/tools/oci-unpack.c $(BUILD)/obj/unpack/layer_unpack.o \
		$(BUILD)/obj/unpack/oci_layout.o $(BUILD)/obj/ctl/oci_unpack.o \
		$(BUILD)/obj/helper/lib/tree_remove.o $(LIBALCOVE)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -Ictl -Iunpack $(ALCOVE_LDFLAGS) -o $@ $^ $(LIBS_OCI)

$(BUILD)/tests/lobby-probe: tests/tools/lobby-probe.c $(BUILD)/obj/helper/build/lobby.o \
		$(BUILD)/obj/helper/build/lobby_mask.o $(BUILD)/obj/helper/lib/mountapi.o \
		$(BUILD)/obj/helper/lib/shell_path.o $(LIBALCOVE)
	@mkdir -p $(dir $@)
	$(CC) $(ALCOVE_CFLAGS) -Ihelper $(ALCOVE_LDFLAGS) -o $@ $^

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) against common/ built with clang and the
# sanitizers; `make fuzz` runs each for FUZZ_SECONDS and fails on a crash (tests/fuzz/run.sh).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=gnu11 -O1 -g $(WARNINGS) $(DEFS) -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_COMMON  := $(COMMON_SRCS:%.c=$(BUILD)/fuzzobj/%.o)

$(BUILD)/fuzzobj/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/libalcove.a: $(FUZZ_COMMON)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzzobj/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/libalcove.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LIBS_CONFIG)

fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh $(FUZZ_BINS)

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PAMDIR) \
		$(DESTDIR)$(SYSCONFDIR)/alcove $(DESTDIR)$(DATADIR)/pam-configs \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)/user@.service.d
	$(if $(wildcard $(BUILD)/alcove-helper),install -m 0755 $(BUILD)/alcove-helper $(DESTDIR)$(LIBEXECDIR)/)
	$(if $(wildcard $(BUILD)/alcove-init),install -m 0755 $(BUILD)/alcove-init $(DESTDIR)$(LIBEXECDIR)/)
	$(if $(wildcard $(BUILD)/alcove-enter),install -m 0711 $(BUILD)/alcove-enter $(DESTDIR)$(LIBEXECDIR)/)
	$(if $(wildcard $(BUILD)/alcove-unpack),install -m 0755 $(BUILD)/alcove-unpack $(DESTDIR)$(LIBEXECDIR)/)
	$(if $(wildcard $(BUILD)/alcovectl),install -m 0755 $(BUILD)/alcovectl $(DESTDIR)$(SBINDIR)/)
	$(if $(wildcard $(BUILD)/pam_alcove.so),install -m 0644 $(BUILD)/pam_alcove.so $(DESTDIR)$(PAMDIR)/)
	test -e $(DESTDIR)$(SYSCONFDIR)/alcove/alcove.conf || \
		install -m 0644 config/alcove.conf $(DESTDIR)$(SYSCONFDIR)/alcove/alcove.conf
	$(if $(wildcard config/pam-configs/alcove),install -m 0644 config/pam-configs/alcove $(DESTDIR)$(DATADIR)/pam-configs/alcove)
	install -m 0644 config/alcove.tmpfiles $(DESTDIR)$(TMPFILESDIR)/alcove.conf
	sed 's|@SBINDIR@|$(SBINDIR)|g' config/systemd-user-manager.conf \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/user@.service.d/alcove.conf
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/user@.service.d/alcove.conf
	$(foreach m,$(wildcard man/*.5),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man5/;)
	$(foreach m,$(wildcard man/*.8),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man8/;)

# Debian packages (libpam-alcove, alcove) into $(BUILD)/deb/. dpkg-buildpackage writes its
# results into the parent of the source tree, so it builds a copy under $(BUILD)/debsrc/.
DEB_UPSTREAM = $(shell dpkg-parsechangelog -S Version | sed 's/-[^-]*$$//')
DEBSRC       = $(BUILD)/debsrc/alcove-$(DEB_UPSTREAM)
deb:
	rm -rf $(BUILD)/debsrc $(BUILD)/deb
	mkdir -p $(DEBSRC) $(BUILD)/deb
	tar -cf - --exclude=./$(BUILD) --exclude=./.git --exclude=./debian/.debhelper \
		--exclude=./debian/alcove --exclude=./debian/libpam-alcove --exclude=./debian/tmp . \
		| tar -xf - -C $(DEBSRC)
	cd $(DEBSRC) && dpkg-buildpackage -us -uc -b
	cp $(BUILD)/debsrc/*.deb $(BUILD)/deb/
	@ls -l $(BUILD)/deb/

# The man pages must be mandoc-clean and the packages lintian-clean: no error, no warning
# (tags we accept are overridden in debian/*.lintian-overrides, each with the reason).
check-deb: deb
	mandoc -Tlint -W warning $(wildcard man/*.[1-8])
	lintian --fail-on error,warning --display-info --info $(BUILD)/debsrc/*.changes

format:
	clang-format -i $(wildcard */*.c */*.h */*/*.c */*/*.h)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/san $(BUILD)/fault $(BUILD)/fuzzobj -name '*.d' 2>/dev/null)
