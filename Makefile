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
PKGS := inih libmnl libnl-3.0 libnl-route-3.0 libcurl libcrypto

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
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARNFLAGS) $(HARDEN_CFLAGS) -I. -Ilib -Iuapi -MMD -MP \
	-DWGCTL_VERSION='"$(VERSION)"' -DRUNSTATEDIR='"$(RUNSTATEDIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' -DSTATEDIR='"$(STATEDIR)"' \
	$(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS)
ALL_LDFLAGS := $(HARDEN_LDFLAGS) $(LDFLAGS)

libs = $(shell $(PKG_CONFIG) --libs $(1))
objs = $(patsubst %.c,$(B)/%.o,$(sort $(wildcard $(1)/*.c)))

UTIL_OBJS := $(call objs,lib/util)
CRYPTO_OBJS := $(call objs,lib/crypto)
MODEL_OBJS := $(call objs,lib/model)
NOISE_OBJS := $(call objs,lib/noise)
DATAPATH_OBJS := $(call objs,lib/datapath)
BACKEND_OBJS := $(call objs,lib/backend)
ORCH_OBJS := $(call objs,lib/orch)
DAEMON_OBJS := $(call objs,lib/daemon)
FLEET_OBJS := $(call objs,lib/fleet)
CMD_OBJS := $(call objs,cmd)

# Layer closure and libraries per unit-test prefix (t_<layer>_*.c).
layer_util := $(UTIL_OBJS)
layer_crypto := $(layer_util) $(CRYPTO_OBJS)
layer_model := $(layer_crypto) $(MODEL_OBJS)
layer_noise := $(layer_crypto) $(NOISE_OBJS)
layer_datapath := $(layer_noise) $(MODEL_OBJS) $(DATAPATH_OBJS)
layer_backend := $(layer_datapath) $(BACKEND_OBJS)
layer_orch := $(layer_backend) $(ORCH_OBJS)
layer_daemon := $(layer_backend) $(DAEMON_OBJS)
layer_fleet := $(layer_model) $(FLEET_OBJS)
libs_util :=
libs_crypto := $(call libs,libcrypto)
libs_model := $(call libs,inih libcrypto)
libs_noise := $(call libs,libcrypto)
libs_datapath := $(call libs,inih libcrypto) -lpthread
libs_backend := $(call libs,$(PKGS)) -lpthread
libs_orch := $(call libs,$(PKGS)) -lpthread
libs_daemon := $(call libs,$(PKGS)) -lpthread
libs_fleet := $(call libs,inih libcurl libcrypto) -lpthread
# libsodium is a test oracle only (differential tests); wgctl itself never links it.
TEST_ORACLE_LIBS := $(call libs,libsodium)

LIB_OBJS := $(layer_orch) $(DAEMON_OBJS) $(FLEET_OBJS)
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

all: $(WGCTL_BIN)

$(WGCTL_BIN): $(CMD_OBJS) $(LIB_OBJS)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(call libs,$(PKGS)) -lpthread

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

.SECONDARY:
.SECONDEXPANSION:
$(B)/tests/t_%: $(B)/tests/unit/t_%.o $$(layer_$$(firstword $$(subst _, ,$$*)))
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(libs_$(firstword $(subst _, ,$*))) $(TEST_ORACLE_LIBS)

$(B)/tests/tools/%: $(B)/tests/tools/%.o $(LIB_OBJS)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(call libs,$(PKGS) libsodium) -lpthread

units: $(UNIT_BINS) $(TOOL_BINS)

# The test command of the README. Runs every tier this machine supports; ends with prove's summary.
check: $(WGCTL_BIN) units
	$(Q)B=$(B) WGCTL=$(abspath $(WGCTL_BIN)) tests/run-all

fuzz:
	$(Q)tests/fuzz/run $(FUZZ_SECONDS)

bench-crypto: $(B)/tests/tools/crypto-bench
	$(Q)$(B)/tests/tools/crypto-bench

# The datapath benchmark (tests/bench/README.md): reports, never passes or fails on numbers.
bench: $(WGCTL_BIN) $(B)/tests/tools/crypto-bench
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
	rm -rf build build-san wgctl

.PHONY: all units check check-hostile fuzz bench bench-scale bench-crypto install install-compat uninstall format-check clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# The main job of the README's quick start.
demo: wgctl
	$(Q)contrib/demo.sh
.PHONY: demo
