# SPDX-License-Identifier: MIT
# epp-gate: one non-recursive Makefile for the whole tree.
#
#   make            build everything into build/ (programs in build/bin, libraries in build/lib)
#   make deps       install the Debian packages building needs (make test-deps: the tests' too)
#   make check      install missing Debian packages, build, run every test (unit, integration, faults)
#   make demo       install missing packages, start broker + epp-sim + epp-gate, send requests
#   make bench      benchmarks (figures, not pass/fail)   make soak: bounded soak test
#   make check-san  unit + integration tests built with AddressSanitizer + UBSan (in build-san/)
#   make check-tsan unit tests and a gate under load built with ThreadSanitizer (in build-tsan/)
#   make check-cluster  the tests in tests/cluster (3-node RabbitMQ cluster, PostgreSQL)
#   make check-pg   the request journal's tests with a PostgreSQL journal (make check runs
#                   test_journal against both backends already)
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each
#   make install    PREFIX=/usr/local DESTDIR=     (make uninstall with the same variables)
#   make deb        the Debian packages (debian/), into build/deb/
#   make check-packages  build, install, exercise and purge the Debian packages (tests/pkg)
#
# Sources are found by wildcard: a new file in common/, gate/, rpcclient/, sim/ or tests/unit/
# needs no change here.

VERSION   := 1.0.0
SOVERSION := 1
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
LIBDIR    ?= $(PREFIX)/lib
INCDIR    ?= $(PREFIX)/include
DATADIR   ?= $(PREFIX)/share
MANDIR    ?= $(DATADIR)/man
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
# The daemon's configuration and state live where the systemd units' ConfigurationDirectory=
# and StateDirectory= put them, /etc/epp-gate and /var/lib/epp-gate, whatever PREFIX is
# (as the man pages say). Other values are refused while units are installed (UNITDIR=
# empty installs none).
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
# systemd reads units, sysusers.d and tmpfiles.d files below /usr/local/lib too.
UNITDIR   ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

# SAN=1: AddressSanitizer + UBSan (build-san/); SAN=thread: ThreadSanitizer (build-tsan/).
SAN       ?=
BUILD     ?= $(if $(filter thread,$(SAN)),build-tsan,$(if $(SAN),build-san,build))
# WERROR=0 for packagers: a newer compiler's new warning must not fail their build.
WERROR    ?= 1
CC        ?= cc
# The daemon needs these (sqlite3 and libpq: the request journal's two backends; libidn2:
# names in A-label form, common/idn.c, for the gate, epp-codec and epp-sim); only
# epp-gate-mail (the alert mailer) needs libcurl. The client library links RPC_PKGS alone.
PKGS      := librabbitmq openssl libxml-2.0 json-c libconfig sqlite3 libpq libidn2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
# libpq and SQLite are loaded at run time by the journal's backends alone, when such a
# journal is opened (gate/dynlib.h): their headers are needed, their libraries not linked.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libpq sqlite3,$(PKGS)) 2>/dev/null)
MAIL_LIBS  := $(shell pkg-config --libs libcurl 2>/dev/null)
RPC_PKGS  := librabbitmq json-c
RPC_LIBS  := $(shell pkg-config --libs $(RPC_PKGS) 2>/dev/null)

WARN := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
        -Wpointer-arith -Wcast-qual -Wsign-compare -Wformat=2 -Wundef -Wvla \
        -Wimplicit-fallthrough -Wmissing-declarations -Wold-style-definition \
        -Wno-format-truncation
# (snprintf into fixed buffers truncates on purpose: messages and names have caps.)
ifeq ($(SAN),)
OPT      ?= -O2 -g -D_FORTIFY_SOURCE=2
SANFLAGS :=
else ifeq ($(SAN),thread)
OPT      ?= -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=thread
else
OPT      ?= -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
endif
CFLAGS   ?=
LDFLAGS  ?=
CPPFLAGS ?=
ALL_CFLAGS  = -std=gnu11 -D_GNU_SOURCE -fPIC -pthread -fstack-protector-strong $(OPT) $(SANFLAGS) $(WARN) \
              $(INC) -DEPPGATE_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pthread $(SANFLAGS) -Wl,-z,relro,-z,now $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
GATE_SRC   := $(filter-out gate/main.c,$(wildcard gate/*.c))
RPC_SRC    := $(filter-out rpcclient/epp-rpc.c,$(wildcard rpcclient/*.c))
# The pieces of common/ that the client library carries in itself (no libxml2, no OpenSSL).
RPC_COMMON := common/err.c common/rdfile.c common/cmdinfo.c common/healthline.c common/jsonval.c
RPC_OBJ     = $(call obj,$(RPC_SRC)) $(patsubst common/%.c,$(BUILD)/obj/rpc-common/%.o,$(RPC_COMMON))
SIM_SRC    := $(filter-out sim/main.c,$(wildcard sim/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
TLIB_SRC   := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
BENCH_SRC  := $(wildcard tests/bench/*.c)

# V=1 shows whole command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# Include paths per directory: the boundaries are the build's, not a convention.
# common/ sees only itself; the client library sees itself and the common pieces it
# carries, never the gate; the simulator never sees the gate or the client. Tests and
# benchmarks see everything.
INC := -Icommon -Igate -Irpcclient -Isim
$(BUILD)/obj/common/%.o $(BUILD)/obj/rpc-common/%.o: INC := -Icommon
$(BUILD)/obj/gate/%.o: INC := -Icommon -Igate
$(BUILD)/obj/rpcclient/%.o: INC := -Irpcclient -Icommon
$(BUILD)/obj/sim/%.o: INC := -Icommon -Isim
$(BUILD)/obj/tools/epp-codec.o: INC := -Icommon
$(BUILD)/obj/tools/epp-gate-mail.o: INC := -Icommon -Igate

LIBCOMMON := $(BUILD)/lib/libeppgate-common.a
LIBGATE   := $(BUILD)/lib/libeppgate-gate.a
LIBRPC_A  := $(BUILD)/lib/libeppgate-rpc.a
LIBRPC_INT := $(BUILD)/lib/libeppgate-rpc-internal.a
LIBSIM    := $(BUILD)/lib/libeppsim.a
LIBRPC_SO := $(BUILD)/lib/libeppgate-rpc.so.$(VERSION)
LIBRPC_SONAME := libeppgate-rpc.so.$(SOVERSION)

PROGRAMS := $(BUILD)/bin/epp-gate $(BUILD)/bin/epp-gate-mail $(BUILD)/bin/epp-rpc \
            $(BUILD)/bin/epp-sim $(BUILD)/bin/epp-codec
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# systemd units and the sysusers.d and tmpfiles.d files, made from systemd/*.in with the
# install paths.
UNITS    := $(patsubst systemd/%.in,$(BUILD)/systemd/%,$(wildcard systemd/*.service.in systemd/*.path.in))
SYSUSERS := $(BUILD)/systemd/epp-gate.sysusers
TMPFILES := $(BUILD)/systemd/epp-gate.tmpfiles
MANPAGES  = $(wildcard man/*.[1-8])
EXAMPLES  = $(wildcard etc/*.example)

.PHONY: all check check-san check-tsan check-valgrind check-unit check-cluster check-pg demo bench soak fuzz fuzz-ci \
        deps ensure-deps install uninstall clean tests test-deps units deb check-packages
.DEFAULT_GOAL := all
# Objects of test programs are kept: a rebuild compiles only what changed.
.SECONDARY:

all: $(PROGRAMS) $(LIBRPC_A) $(LIBRPC_SO) $(BUILD)/lib/eppgate-rpc.pc units
units: $(UNITS) $(SYSUSERS) $(TMPFILES)
tests: all $(UNIT_BIN) $(BENCH_BIN)

# ---- objects ---------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The client library exports only its public egrpc_* API.
$(BUILD)/obj/rpcclient/%.o: rpcclient/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

$(BUILD)/obj/rpc-common/%.o: common/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (client library)")
	$(Q)$(CC) $(ALL_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- libraries -------------------------------------------------------------
$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBGATE): $(call obj,$(GATE_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBSIM): $(call obj,$(SIM_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# The installed archive is one relocatable object whose hidden symbols (rpcc_*, and the
# eg_* of the common pieces it carries) are made local: a program linking it statically
# sees only egrpc_*. The unit tests, which call the internals, link the plain objects.
$(LIBRPC_A): $(RPC_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(CC) -r -nostdlib -o $(BUILD)/obj/libeppgate-rpc.o $^ && \
	    objcopy --localize-hidden $(BUILD)/obj/libeppgate-rpc.o && \
	    rm -f $@ && ar rcs $@ $(BUILD)/obj/libeppgate-rpc.o

$(LIBRPC_INT): $(RPC_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBRPC_SO): $(RPC_OBJ) rpcclient/libeppgate-rpc.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-z,defs -Wl,-soname,$(LIBRPC_SONAME) -Wl,--version-script=rpcclient/libeppgate-rpc.map \
	    $(ALL_LDFLAGS) -o $@ $(RPC_OBJ) $(RPC_LIBS)
	ln -sf libeppgate-rpc.so.$(VERSION) $(BUILD)/lib/$(LIBRPC_SONAME)
	ln -sf $(LIBRPC_SONAME) $(BUILD)/lib/libeppgate-rpc.so

# The .pc names the install directories: written again whenever they change.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|'
$(BUILD)/lib/eppgate-rpc.pc: rpcclient/eppgate-rpc.pc.in FORCE
	@mkdir -p $(dir $@)
	@$(PC_SED) $< > $@.tmp && if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:

# Units likewise (ExecStart= names SBINDIR, --config SYSCONFDIR, ...).
PATH_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g'
$(BUILD)/systemd/%: systemd/%.in FORCE
	@mkdir -p $(dir $@)
	@$(PATH_SED) $< > $@.tmp && if grep -n '@[A-Z]*@' $@.tmp; then \
	    echo "$<: a placeholder the Makefile does not fill" >&2; rm -f $@.tmp; exit 1; fi
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# ---- programs --------------------------------------------------------------
$(BUILD)/bin/epp-gate: $(call obj,gate/main.c) $(LIBGATE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/epp-gate-mail: $(call obj,tools/epp-gate-mail.c) $(LIBGATE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MAIL_LIBS)

$(BUILD)/bin/epp-rpc: $(call obj,rpcclient/epp-rpc.c) $(call obj,common/usage.c) $(LIBRPC_A)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(RPC_LIBS)

$(BUILD)/bin/epp-sim: $(call obj,sim/main.c) $(LIBSIM) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/epp-codec: $(call obj,tools/epp-codec.c) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- tests and benchmarks --------------------------------------------------
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(TLIB_SRC)) $(LIBGATE) $(LIBSIM) $(LIBRPC_INT) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(call obj,$(TLIB_SRC)) $(LIBGATE) $(LIBSIM) $(LIBRPC_INT) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- entry points ----------------------------------------------------------
# Targets first install what a fresh machine lacks (tools/deps.sh: build, test and deb
# sets), then re-enter make so that pkg-config is consulted again with the packages
# present. Those that start a broker need root, and say so at once when run without it.
DEPS = tools/deps.sh --if-missing --as "make $@"
NEEDS_BROKER = --root "to run the test broker (Debian's rabbitmq-server starts as root, then becomes its rabbitmq user)"

# What building needs: no broker, database or test tools (a production host runs this).
deps:
	@$(DEPS) build
	@echo "make deps: the packages building needs are installed ($$(tools/deps.sh --list build | wc -l))"

test-deps:
	@$(DEPS) build test
	@echo "make test-deps: the packages the tests need are installed ($$(tools/deps.sh --list build test | wc -l))"

ensure-deps:
	@$(DEPS) build test

check:
	@$(DEPS) $(NEEDS_BROKER) build test
	@$(MAKE) --no-print-directory tests
	@tests/run-all $(BUILD)

check-unit:
	@$(DEPS) build test
	@$(MAKE) --no-print-directory tests
	@tests/run-all --unit $(BUILD)

check-san:
	@$(DEPS) $(NEEDS_BROKER) build test
	@$(MAKE) --no-print-directory SAN=1 tests
	@tests/run-all --san build-san

# ThreadSanitizer: the unit tests, then the gate's threads under load (tests/gate-checked.sh).
check-tsan:
	@$(DEPS) $(NEEDS_BROKER) build test
	@$(MAKE) --no-print-directory SAN=thread tests
	@tests/run-all --tsan build-tsan

# Each script in tests/cluster starts and stops its own RabbitMQ cluster and PostgreSQL.
check-cluster:
	@$(DEPS) --root "to run RabbitMQ and PostgreSQL (their Debian wrappers start as root)" build test
	@$(MAKE) --no-print-directory all
	@tests/run-all --only tests/cluster $(BUILD)

# test_journal and the scripts that take their journal from tests/lib/gate.sh journal_conf,
# with a PostgreSQL journal on a private server (tests/lib/pg.sh) and a private broker.
check-pg:
	@$(DEPS) --root "to run RabbitMQ and PostgreSQL (their Debian wrappers start as root)" build test
	@$(MAKE) --no-print-directory tests
	@tests/run-all --pg $(BUILD)

# With AMQP_PORT naming a running broker, the demo starts none and needs no root.
demo:
	@$(DEPS) $(if $(AMQP_PORT),,$(NEEDS_BROKER)) build test
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(BUILD)

bench:
	@$(DEPS) $(NEEDS_BROKER) build test
	@$(MAKE) --no-print-directory tests
	@tests/bench/run.sh $(BUILD)

soak:
	@$(DEPS) $(NEEDS_BROKER) build test
	@$(MAKE) --no-print-directory tests
	@tests/bench/soak.sh $(BUILD)

FUZZ_SECONDS ?= 60
fuzz:
	@$(DEPS) build test
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-ci:
	@$(DEPS) build test
	@tests/fuzz/run.sh 15

# The unit tests under valgrind (CI runs this too).
check-valgrind:
	@$(DEPS) build test
	@$(MAKE) --no-print-directory tests
	@tests/run-all --valgrind $(BUILD)

# ---- install ---------------------------------------------------------------
# ldconfig, when the library lands in a directory the dynamic linker searches on this
# machine (DESTDIR empty); as root only.
define LDCONFIG
	@if [ -z "$(DESTDIR)" ]; then PATH=$$PATH:/usr/sbin:/sbin; d=$$(readlink -f "$(LIBDIR)"); \
	for s in /lib /usr/lib $$(ldconfig -v -N -X 2>/dev/null | sed -n 's|^\(/[^:]*\):.*|\1|p'); do \
	    [ "$$(readlink -f "$$s")" = "$$d" ] || continue; \
	    if [ "$$(id -u)" -eq 0 ]; then echo ldconfig; ldconfig; \
	    else echo "$(LIBDIR) is searched by the dynamic linker: run ldconfig as root"; fi; \
	    break; \
	done; fi
endef

# Units are installed only with /etc and /var: their ConfigurationDirectory=,
# StateDirectory= and LogsDirectory= cannot name anything else.
define UNITS_CHECK
	@if [ -n "$(UNITDIR)" ] && [ "$(SYSCONFDIR):$(LOCALSTATEDIR)" != /etc:/var ]; then \
	    echo "make $@: the systemd units keep configuration in /etc and state in /var" \
	        "(ConfigurationDirectory=, StateDirectory=), not $(SYSCONFDIR) and $(LOCALSTATEDIR):" \
	        "leave SYSCONFDIR and LOCALSTATEDIR alone, or set UNITDIR= (empty) to install no units" >&2; \
	    exit 1; fi
endef

install: all
	$(UNITS_CHECK)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(SYSCONFDIR)/epp-gate $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(BUILD)/bin/epp-gate $(BUILD)/bin/epp-gate-mail $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/bin/epp-rpc $(BUILD)/bin/epp-codec $(BUILD)/bin/epp-sim $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIBRPC_A) $(LIBRPC_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libeppgate-rpc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIBRPC_SONAME)
	ln -sf $(LIBRPC_SONAME) $(DESTDIR)$(LIBDIR)/libeppgate-rpc.so
	install -m 0644 rpcclient/eppgate-rpc.h $(DESTDIR)$(INCDIR)/
	install -m 0644 $(BUILD)/lib/eppgate-rpc.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	@for p in $(MANPAGES); do s=$${p##*.}; \
	    echo "install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/"; \
	    install -d $(DESTDIR)$(MANDIR)/man$$s && install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(SYSCONFDIR)/epp-gate/
	install -m 0644 rpcclient/epp-rpc.bash $(DESTDIR)$(COMPLETIONDIR)/epp-rpc
ifneq ($(UNITDIR),)
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -m 0644 $(SYSUSERS) $(DESTDIR)$(SYSUSERSDIR)/epp-gate.conf
	install -m 0644 $(TMPFILES) $(DESTDIR)$(TMPFILESDIR)/epp-gate.conf
endif
	$(LDCONFIG)

# Everything install put there. Directories of its own (epp-gate's configuration, units,
# sysusers.d, completions) go when empty: $(SYSCONFDIR)/epp-gate stays when it holds
# anything else (a configuration written there).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/epp-gate $(DESTDIR)$(SBINDIR)/epp-gate-mail \
	    $(DESTDIR)$(BINDIR)/epp-rpc $(DESTDIR)$(BINDIR)/epp-codec $(DESTDIR)$(BINDIR)/epp-sim \
	    $(DESTDIR)$(LIBDIR)/libeppgate-rpc.a $(DESTDIR)$(LIBDIR)/libeppgate-rpc.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/$(LIBRPC_SONAME) $(DESTDIR)$(LIBDIR)/libeppgate-rpc.so \
	    $(DESTDIR)$(INCDIR)/eppgate-rpc.h $(DESTDIR)$(LIBDIR)/pkgconfig/eppgate-rpc.pc \
	    $(foreach p,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p))) \
	    $(addprefix $(DESTDIR)$(SYSCONFDIR)/epp-gate/,$(notdir $(EXAMPLES))) \
	    $(DESTDIR)$(COMPLETIONDIR)/epp-rpc
ifneq ($(UNITDIR),)
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) $(DESTDIR)$(SYSUSERSDIR)/epp-gate.conf \
	    $(DESTDIR)$(TMPFILESDIR)/epp-gate.conf
endif
	@for d in $(DESTDIR)$(SYSCONFDIR)/epp-gate $(if $(UNITDIR),$(DESTDIR)$(UNITDIR) $(dir $(DESTDIR)$(UNITDIR)) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)) $(DESTDIR)$(COMPLETIONDIR) $(dir $(DESTDIR)$(COMPLETIONDIR)); do \
	    if [ -d $$d ]; then rmdir --ignore-fail-on-non-empty $$d; fi; done
	$(LDCONFIG)

# ---- Debian packages -------------------------------------------------------
# dpkg-buildpackage on a copy of the tree (without .git and build directories), so
# that its clean step leaves this tree's builds alone. The packages land in build/deb/.
# DEB_BUILD_OPTIONS=nocheck skips the unit tests debian/rules runs.
DEBDIR := build/deb
deb:
	@$(DEPS) build deb
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); [ "$$v" = "$(VERSION)" ] || { \
	    echo "make deb: debian/changelog is at $$v, VERSION at $(VERSION): add an entry (dch -v $(VERSION))" >&2; \
	    exit 1; }
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/epp-gate-$(VERSION)
	tar -cf - --exclude=./.git --exclude='./build*' --exclude=./tests/tmp . | \
	    tar -C $(DEBDIR)/epp-gate-$(VERSION) -xf -
	cd $(DEBDIR)/epp-gate-$(VERSION) && dpkg-buildpackage -us -uc -b
	rm -rf $(DEBDIR)/epp-gate-$(VERSION)
	@ls -l $(DEBDIR)/*.deb

# Builds the packages, installs them, runs what they installed, purges them (root: it
# installs packages on this machine and starts a test broker).
# (The package build skips its unit tests here: make check runs them.)
check-packages:
	@$(DEPS) --root "to install the packages and to run the test broker" build test deb
	@$(MAKE) --no-print-directory deb DEB_BUILD_OPTIONS="nocheck $(DEB_BUILD_OPTIONS)"
	@tests/pkg/packages.sh $(DEBDIR)

clean:
	rm -rf build build-san build-tsan build-fuzz tests/tmp
