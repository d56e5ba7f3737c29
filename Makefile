# SPDX-License-Identifier: MIT
#
# One flat Makefile. Objects go to $(B); each lib/ layer has its own object list and unit tests
# link only the layers they may depend on, so a layering violation is a link error.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
RUNSTATEDIR ?= /var/run
SYSCONFDIR ?= /etc
STATEDIR ?= /var/lib

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
PKG_CONFIG ?= pkg-config
PKGS := inih libmnl libnl-3.0 libnl-route-3.0 libsystemd libcurl libcrypto libsodium libqrencode zlib

SANITIZE ?=
B ?= build$(if $(SANITIZE),-san)

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wvla
HARDEN_CFLAGS := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
ifneq ($(SANITIZE),)
HARDEN_CFLAGS := -fPIE
CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARNFLAGS) -I. -Ilib -Iuapi -MMD -MP \
	-DWGCTL_VERSION='"$(VERSION)"' -DRUNSTATEDIR='"$(RUNSTATEDIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' -DSTATEDIR='"$(STATEDIR)"' \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
ALL_CFLAGS := $(BASE_CFLAGS) $(HARDEN_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(HARDEN_LDFLAGS) $(LDFLAGS)

# The libFuzzer harnesses tests/fuzz/fuzz_<name>.c are built from the same object lists, compiled
# by clang with coverage and ASan+UBSan into their own directory.
FUZZ_B := build-fuzz
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(BASE_CFLAGS) -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

libs = $(if $(strip $(1)),$(shell $(PKG_CONFIG) --libs $(1)))
objs = $(patsubst %.c,$(B)/%.o,$(sort $(wildcard $(1)/*.c)))
comma := ,
empty :=
space := $(empty) $(empty)

# The layer graph, written down here and nowhere else. `uses_L' is what layer L may use
# directly; L may include and call every layer it reaches through these edges (its closure) and
# nothing else. `pkgs_L' are the libraries L calls itself; only the layers that list a library
# may include its headers (`headers_P'). Enforced by `make':
#   - $(B)/layers/L links L's closure alone, as do the unit tests t_L_*.c: an upward or
#     sideways call is an undefined reference;
#   - tests/check-includes refuses an #include of a layer outside the closure, or of a library
#     outside the layers that call it, before anything is compiled.
LAYERS := util crypto model noise datapath backend orch daemon fleet qr cmd
uses_util :=
uses_crypto := util
uses_model := crypto
uses_noise := crypto
uses_datapath := noise model
uses_backend := model
uses_orch := backend
uses_daemon := datapath
uses_fleet := model
uses_qr := util
uses_cmd := orch daemon fleet qr
pkgs_crypto := libcrypto libsodium
pkgs_model := inih
pkgs_backend := libmnl
pkgs_orch := libnl-3.0 libnl-route-3.0 libsystemd
pkgs_daemon := libmnl
pkgs_fleet := libcurl
pkgs_qr := libqrencode zlib
pthread_layers := crypto daemon fleet
headers_libcrypto := openssl/
headers_inih := ini.h
headers_libmnl := libmnl/
headers_libnl-3.0 := netlink/
headers_libnl-route-3.0 := netlink/route/
headers_libsystemd := systemd/
headers_libcurl := curl/
headers_libsodium := sodium
headers_libqrencode := qrencode.h
headers_zlib := zlib.h

closure = $(sort $(1) $(foreach u,$(uses_$(1)),$(call closure,$(u))))
layer_dir = $(if $(filter cmd,$(1)),cmd,lib/$(1))
$(foreach l,$(LAYERS),$(eval objs_$(l) := $(call objs,$(call layer_dir,$(l)))))
$(foreach l,$(LAYERS),$(eval closure_$(l) := $(call closure,$(l))))
# Objects and libraries of each layer's closure; unit tests take them by prefix (t_<layer>_*.c).
$(foreach l,$(LAYERS),$(eval layer_$(l) := $(foreach u,$(closure_$(l)),$(objs_$(u)))))
$(foreach l,$(LAYERS),$(eval libs_$(l) := $(call libs,$(sort $(foreach u,$(closure_$(l)),$(pkgs_$(u))))) \
	$(if $(filter $(pthread_layers),$(closure_$(l))),-lpthread)))
# Tests of any layer may call libsodium as an oracle (the crypto layer itself uses its X25519).
TEST_ORACLE_LIBS := $(call libs,libsodium)

# The layer each fuzz harness belongs to: it links that layer's closure and includes only from it.
fuzz_layer_config := model
fuzz_layer_netlink := backend
fuzz_layer_peerlist := fleet
fuzz_layer_receive := datapath
fuzz_layer_set := backend
fuzz_layer_uapi := model
fuzz_layer_lists := fleet
fuzz_layer_cache := fleet
fuzz_layer_uapi_server := daemon
fuzz_layer_linkwatch := daemon
fuzz_layer_allowedips := datapath
fuzz_layer_emit := model
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_B)/%,$(FUZZ_SRCS))
fuzz_objs = $(patsubst $(B)/%,$(FUZZ_B)/%,$(layer_$(fuzz_layer_$(1))))

LAYER_CHECKS := $(patsubst %,$(B)/layers/%,$(filter-out cmd,$(LAYERS)))
LAYER_ARGS := $(foreach l,$(LAYERS),$(l)=$(subst $(space),$(comma),$(closure_$(l)))) \
	$(foreach p,$(sort $(foreach l,$(LAYERS),$(pkgs_$(l)))),--library \
		$(headers_$(p))=$(subst $(space),$(comma),$(strip $(foreach l,$(LAYERS),$(if $(filter $(p),$(pkgs_$(l))),$(l))))))
LAYER_ARGS += $(foreach f,$(FUZZ_SRCS),--file $(f)=$(fuzz_layer_$(patsubst tests/fuzz/fuzz_%.c,%,$(f))))
LAYER_SRCS := $(sort $(wildcard lib/*/*.c lib/*/*.h cmd/*.c cmd/*.h tests/unit/t_*.c)) $(FUZZ_SRCS)

LIB_OBJS := $(filter-out $(objs_cmd),$(layer_cmd))
UNIT_SRCS := $(sort $(wildcard tests/unit/t_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
UNITS := $(notdir $(wildcard contrib/systemd/*.service contrib/systemd/*.timer contrib/systemd/*.target))
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(TOOL_SRCS))

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

# A sanitized build keeps its own binary so that it never passes for the release one.
WGCTL_BIN := $(if $(SANITIZE),$(B)/wgctl,wgctl)

all: $(WGCTL_BIN) layers

$(WGCTL_BIN): $(layer_cmd)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(libs_cmd)

# Nothing compiles before the includes are checked.
$(B)/%.o: %.c | $(B)/layers/includes.ok
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The layer graph, checked: every include, then each layer linked with only its closure (cmd's
# closure is wgctl itself).
layers: $(B)/layers/includes.ok $(LAYER_CHECKS)

$(B)/layers/includes.ok: tests/check-includes Makefile $(LAYER_SRCS)
	@mkdir -p $(dir $@)
	$(call say,CHECK,includes)tests/check-includes $(LAYER_ARGS) && touch $@

$(B)/layers/main.c:
	@mkdir -p $(dir $@)
	@printf 'int main(void)\n{\n\treturn 0;\n}\n' >$@

$(B)/layers/main.o: $(B)/layers/main.c
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

.SECONDARY:
.SECONDEXPANSION:
$(LAYER_CHECKS): $(B)/layers/%: $(B)/layers/main.o $$(layer_$$*)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(libs_$*)

$(B)/tests/t_%: $(B)/tests/unit/t_%.o $$(layer_$$(firstword $$(subst _, ,$$*)))
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(libs_$(firstword $(subst _, ,$*))) $(TEST_ORACLE_LIBS)

$(FUZZ_BINS): $(FUZZ_B)/fuzz_%: $(FUZZ_B)/tests/fuzz/fuzz_%.o $$(call fuzz_objs,$$*)
	$(if $(fuzz_layer_$*),,$(error tests/fuzz/fuzz_$*.c: name its layer in the Makefile, fuzz_layer_$* := ...))
	$(call say,LD,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(libs_$(fuzz_layer_$*))

$(FUZZ_B)/%.o: %.c | $(B)/layers/includes.ok
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/tests/tools/%: $(B)/tests/tools/%.o $(LIB_OBJS)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(call libs,$(PKGS) libsodium) -lpthread

units: $(UNIT_BINS) $(TOOL_BINS)

# The test command of the README. Runs every tier this machine supports; ends with prove's summary.
check: $(WGCTL_BIN) layers units
	$(Q)B=$(B) WGCTL=$(abspath $(WGCTL_BIN)) tests/run-all

fuzz-build: $(FUZZ_BINS)

# Every harness (or those in FUZZ_HARNESSES) for FUZZ_SECONDS (60) each, from and into the
# committed corpora tests/fuzz/corpus/; tests/fuzz/run --smoke is what make check runs.
fuzz: fuzz-build
	$(Q)FUZZ_CC=$(FUZZ_CC) tests/fuzz/run $(or $(FUZZ_SECONDS),60) $(FUZZ_HARNESSES)

bench-crypto: $(B)/tests/tools/crypto-bench
	$(Q)$(B)/tests/tools/crypto-bench

# The datapath benchmark (tests/bench/README.md): reports, never passes or fails on numbers.
bench: $(WGCTL_BIN) $(B)/tests/tools/crypto-bench $(B)/tests/tools/hsbench
	$(Q)B=$(B) WGCTL=$(abspath $(WGCTL_BIN)) tests/bench/run $(BENCH_ARGS)

# Just the floods, replays and lossy underlay of check (t0610, t0620), with their figures.
check-hostile: $(WGCTL_BIN) $(B)/tests/tools/wgflood
	$(Q)B=$(B) WGCTL=$(abspath $(WGCTL_BIN)) WGCTL_TOP=$(CURDIR) prove -v --exec '' tests/t0610-*.sh tests/t0620-*.sh

# 10,000 peers and 1,000,000 prefixes through the UAPI, and allowed-IPs lookups (docs/scale.md).
bench-scale: $(WGCTL_BIN) $(B)/tests/tools/aips-bench
	$(Q)WGCTL=$(abspath $(WGCTL_BIN)) tests/bench/scale $(SCALE_ARGS)
	$(Q)$(B)/tests/tools/aips-bench

install: wgctl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 wgctl $(DESTDIR)$(BINDIR)/wgctl
	ln -sf wgctl $(DESTDIR)$(BINDIR)/wgctl-daemon
	install -m 0644 man/wgctl.8 $(DESTDIR)$(MANDIR)/man8/wgctl.8
	install -m 0644 man/wgctl.conf.5 $(DESTDIR)$(MANDIR)/man5/wgctl.conf.5
	install -m 0644 completion/wgctl.bash-completion $(DESTDIR)$(BASHCOMPDIR)/wgctl
	install -m 0644 completion/wgctl.zsh-completion $(DESTDIR)$(ZSHCOMPDIR)/_wgctl
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	@for u in $(UNITS); do \
		sed 's|/usr/bin/wgctl|$(BINDIR)/wgctl|g' contrib/systemd/$$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; done

install-compat: install
	ln -sf wgctl $(DESTDIR)$(BINDIR)/wg
	ln -sf wgctl $(DESTDIR)$(BINDIR)/wg-quick

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wgctl $(DESTDIR)$(BINDIR)/wgctl-daemon \
		$(DESTDIR)$(MANDIR)/man8/wgctl.8 $(DESTDIR)$(MANDIR)/man5/wgctl.conf.5 \
		$(DESTDIR)$(BASHCOMPDIR)/wgctl $(DESTDIR)$(ZSHCOMPDIR)/_wgctl \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS))
	@for l in wg wg-quick; do \
		[ "$$(readlink $(DESTDIR)$(BINDIR)/$$l)" = wgctl ] && rm -f $(DESTDIR)$(BINDIR)/$$l || true; done

format-check:
	$(Q)clang-format --dry-run -Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san $(FUZZ_B)/lib $(FUZZ_B)/tests $(FUZZ_BINS) wgctl

.PHONY: all layers units check check-hostile fuzz fuzz-build bench bench-scale bench-crypto install install-compat uninstall format-check clean
-include $(shell find $(B) $(FUZZ_B)/lib $(FUZZ_B)/tests -name '*.d' 2>/dev/null)

# The main job of the README's quick start.
demo: wgctl
	$(Q)contrib/demo.sh
.PHONY: demo
