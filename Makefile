# SPDX-License-Identifier: MIT
# epp-gate: one non-recursive Makefile for the whole tree.
#
#   make            build everything into build/ (programs in build/bin, libraries in build/lib)
#   make check      install missing Debian packages, build, run every test (unit, integration, faults)
#   make demo       install missing packages, start broker + epp-sim + epp-gate, send requests
#   make bench      benchmarks (figures, not pass/fail)   make soak: bounded soak test
#   make check-san  unit + integration tests built with AddressSanitizer + UBSan (in build-san/)
#   make check-tsan unit tests and a gate under load built with ThreadSanitizer (in build-tsan/)
#   make check-cluster  the tests in tests/cluster (3-node RabbitMQ cluster, PostgreSQL)
#   make check-pg   the request journal's tests with a PostgreSQL journal (make check runs
#                   test_journal against both backends already)
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each
#   make install    PREFIX=/usr/local DESTDIR=
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
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(PREFIX)/etc
UNITDIR   ?= $(PREFIX)/lib/systemd/system

# SAN=1: AddressSanitizer + UBSan (build-san/); SAN=thread: ThreadSanitizer (build-tsan/).
SAN       ?=
BUILD     ?= $(if $(filter thread,$(SAN)),build-tsan,$(if $(SAN),build-san,build))
# WERROR=0 for packagers: a newer compiler's new warning must not fail their build.
WERROR    ?= 1
CC        ?= cc
# The daemon needs these (sqlite3 and libpq: the request journal's two backends); only
# epp-gate-mail (the alert mailer) needs libcurl.
PKGS      := librabbitmq openssl libxml-2.0 json-c libconfig sqlite3 libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
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
ALL_CFLAGS  = -std=gnu11 -D_GNU_SOURCE -fPIC -pthread -fstack-protector-strong $(OPT) $(SANFLAGS) $(WARN) \
              $(INC) -DEPPGATE_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pthread $(SANFLAGS) -Wl,-z,relro,-z,now $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
GATE_SRC   := $(filter-out gate/main.c,$(wildcard gate/*.c))
RPC_SRC    := $(filter-out rpcclient/epp-rpc.c,$(wildcard rpcclient/*.c))
# The pieces of common/ that the client library carries in itself (no libxml2, no OpenSSL).
RPC_COMMON := common/err.c common/rdfile.c common/cmdinfo.c common/healthline.c
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

.PHONY: all check check-san check-tsan check-valgrind check-unit check-cluster check-pg demo bench soak fuzz fuzz-ci deps ensure-deps install \
        uninstall clean tests
.DEFAULT_GOAL := all
# Objects of test programs are kept: a rebuild compiles only what changed.
.SECONDARY:

all: $(PROGRAMS) $(LIBRPC_A) $(LIBRPC_SO) $(BUILD)/lib/eppgate-rpc.pc
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

# ---- programs --------------------------------------------------------------
$(BUILD)/bin/epp-gate: $(call obj,gate/main.c) $(LIBGATE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/epp-gate-mail: $(call obj,tools/epp-gate-mail.c) $(LIBGATE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MAIL_LIBS)

$(BUILD)/bin/epp-rpc: $(call obj,rpcclient/epp-rpc.c) $(LIBRPC_A)
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
# check and demo first install what a fresh machine lacks, then re-enter make so that
# pkg-config is consulted again with the packages present.
ensure-deps:
	@tools/deps.sh --if-missing

deps:
	@tools/deps.sh

check: ensure-deps
	@$(MAKE) --no-print-directory tests
	@tests/run-all $(BUILD)

check-unit: ensure-deps
	@$(MAKE) --no-print-directory tests
	@tests/run-all --unit $(BUILD)

check-san: ensure-deps
	@$(MAKE) --no-print-directory SAN=1 tests
	@tests/run-all --san build-san

# ThreadSanitizer: the unit tests, then the gate's threads under load (tests/gate-checked.sh).
check-tsan: ensure-deps
	@$(MAKE) --no-print-directory SAN=thread tests
	@tests/run-all --tsan build-tsan

# Each script in tests/cluster starts and stops its own RabbitMQ cluster and PostgreSQL.
check-cluster: ensure-deps
	@$(MAKE) --no-print-directory all
	@tests/run-all --only tests/cluster $(BUILD)

# test_journal and the scripts that take their journal from tests/lib/gate.sh journal_conf,
# with a PostgreSQL journal on a private server (tests/lib/pg.sh) and a private broker.
check-pg: ensure-deps
	@$(MAKE) --no-print-directory tests
	@tests/run-all --pg $(BUILD)

demo: ensure-deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(BUILD)

bench: ensure-deps
	@$(MAKE) --no-print-directory tests
	@tests/bench/run.sh $(BUILD)

soak: ensure-deps
	@$(MAKE) --no-print-directory tests
	@tests/bench/soak.sh $(BUILD)

FUZZ_SECONDS ?= 60
fuzz: ensure-deps
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-ci: ensure-deps
	@tests/fuzz/run.sh 15

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/epp-gate $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/bin/epp-gate $(BUILD)/bin/epp-gate-mail $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/bin/epp-rpc $(BUILD)/bin/epp-codec $(BUILD)/bin/epp-sim $(DESTDIR)$(BINDIR)/
	install -m 0644 $(LIBRPC_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIBRPC_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libeppgate-rpc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIBRPC_SONAME)
	ln -sf $(LIBRPC_SONAME) $(DESTDIR)$(LIBDIR)/libeppgate-rpc.so
	install -m 0644 rpcclient/eppgate-rpc.h $(DESTDIR)$(INCDIR)/
	install -m 0644 $(BUILD)/lib/eppgate-rpc.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 man/epp-rpc.1 man/epp-sim.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/epp-gate.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/epp-gate.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0640 etc/*.example $(DESTDIR)$(SYSCONFDIR)/epp-gate/
	install -m 0644 systemd/*.service systemd/*.path $(DESTDIR)$(UNITDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/epp-gate $(DESTDIR)$(SBINDIR)/epp-gate-mail $(DESTDIR)$(BINDIR)/epp-rpc $(DESTDIR)$(BINDIR)/epp-codec \
	    $(DESTDIR)$(BINDIR)/epp-sim $(DESTDIR)$(MANDIR)/man1/epp-sim.1 \
	    $(DESTDIR)$(LIBDIR)/libeppgate-rpc.* $(DESTDIR)$(INCDIR)/eppgate-rpc.h \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/eppgate-rpc.pc $(DESTDIR)$(MANDIR)/man1/epp-rpc.1 \
	    $(DESTDIR)$(MANDIR)/man5/epp-gate.conf.5 $(DESTDIR)$(MANDIR)/man8/epp-gate.8

clean:
	rm -rf build build-san build-tsan build-fuzz tests/tmp

# The unit tests under valgrind (CI runs this too).
check-valgrind: ensure-deps
	@$(MAKE) --no-print-directory tests
	@tests/run-all --valgrind $(BUILD)
