#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl up|down` against Debian's wg-quick (wireguard-tools 1.0.20210914, userspace through
# WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go): for every config of tests/quick/corpus/, in a
# fresh namespace each, snapshot → up → snapshot → down → snapshot with each tool
# (tests/quick/snapshot.sh: links, addresses, routes of all tables, rules, sysctls, nft,
# iptables-save, resolvconf, `wg showconf`, UAPI socket, processes). Required:
#   - each tool: up changes the state, down returns exactly to the initial snapshot;
#   - wgctl's up and after-down snapshots, hook traces and SaveConfig-written file equal
#     wg-quick's;
#   - wgctl's `[#]`/`[!]` stderr lines of up and down equal wg-quick's.
# Then (each in a fresh namespace):
#   - by interface name (config in /etc/wireguard of the overlay, see below), per tool: up, a
#     second up refused, `save`, down, a second down refused; `wgctl save` writes wg-quick's
#     file, the refusals print wg-quick's messages (program name aside);
#   - cross teardown: wg-quick down after wgctl up, wgctl down after wg-quick up;
#   - a failing PostUp: wg-quick's as reference, wgctl's exits non-zero and leaves nothing, and
#     prints wg-quick's `[#]` lines for the rollback;
#   - traffic: client with a full tunnel by `wgctl up`, server by wg-quick/wireguard-go over a
#     veth; the server's 203.0.113.1 answers only through the tunnel and the endpoint is reached
#     only through the main table's default route, so the ping works only if wgctl's fwmark'd
#     UDP escapes table T; the server's `wg show transfer` must grow.
#
# Global state: /etc/resolv.conf and resolvconf's state belong to the machine, not to a network
# namespace. Every up/down runs in a private mount namespace (tests/quick/run-one.sh) whose /etc
# is an overlay and whose /run/resolvconf is a tmpfs, so the machine's files are not written; as
# a safety net /etc/resolv.conf is also saved and restored (and a leftover resolv.conf.bak and an
# empty /run/resolvconf this test created are removed) on exit.
#
# Debian's wg-quick is from 2021; wgctl follows current upstream. Where upstream changed what
# wg-quick does, Debian's output is rewritten into upstream's before the comparison, explicitly
# (tests/quick/norm.sh and the `# @deb2up-*` lines of the corpus), never by ignoring a field:
#   U1 `[#] ip link add IF type wireguard` → `ip link add dev IF type wireguard` (upstream spells
#      out `dev`; the same netlink request).
#   U2 PreUp runs after the link is created (upstream 2022, so hooks can e.g. move it into a
#      VRF): its `[#]` lines move after the link lines, and hooks.conf's PreUp trace, which
#      records whether the link exists, reads link=yes instead of Debian's link=no.
#   U3 `wg setconf` → `wg addconf` (upstream; identical on a new interface).
#   U4 in add_default the route in table T is added after its two rules (upstream 2022, closes a
#      window where unmarked traffic could leak): `[#]` order only, the final state is the same.
#   U5 automatic MTU takes the minimum over the endpoints' routes, not the maximum (upstream
#      2025-05): mtumin.conf, endpoints on MTU 1500 and 1400 links, Debian 1420, upstream 1320.
#   U6 `sysctl -q net.ipv4.conf.all.src_valid_mark=1` only when it is not already 1 (upstream
#      2026-02): busy.conf presets it to 1, Debian's `[#] sysctl` line is dropped.
#   U7 hooks keep the text after `#` (upstream 2025-01): the `[#]` line and the SaveConfig file
#      of hooks.conf/save.conf carry the trailing comment, Debian cuts it.
# R1 wg-quick (Debian and upstream) sets net.ipv4.conf.all.src_valid_mark=1 for a full tunnel and
#    never resets it, not at down nor when up fails: "after down" is compared with the initial
#    snapshot carrying the src_valid_mark line of the up snapshot. After a failed `wgctl up`
#    the state must equal the initial one strictly (wgctl's rollback restores the sysctl).
# R2 wg-quick's iptables path (iptables.conf: nft hidden from the tools' PATH) creates the raw and
#    mangle tables with their built-in chains through iptables-restore and at down deletes only
#    its own rules: for configs marked `# @residue: empty-xt-tables` the after-down snapshot is
#    compared without firewall tables that hold no rule (tests/quick/strip-empty-xt.py); any
#    leftover rule still fails. The after-down states of the two tools are compared unfiltered.
# Not upstream differences but normalised too: the interface name (each tool gets its own, as
# /var/run/wireguard is shared) → %i, the files' directory → @DIR@, IPv6 link-local addresses
# (random on a TUN) → fe80::LL, /dev/fd/N, the random ListenPort when the config has none, and
# the userspace daemon's `[#]` line (`wireguard-go IF` / `wgctl daemon IF`) → `<userspace> IF`.
#
# Selection (environment): QUICK_TOOLS="quick wgctl" (default both; "quick" alone checks the
# harness against Debian; "persona" adds wgctl called as wg-quick through a link, compared with
# Debian's like wgctl, its `save`/refusals and `strip` too; the kernel tier runs all three), QUICK_CONFS="full dns ..." (corpus names; default all; none: no corpus rows),
# QUICK_EXTRA=0 skips the by-name/cross/failing PostUp/traffic rows, QUICK_KEEP=DIR keeps the work files,
# QUICK_TIMEOUT=10 seconds after which one up/down is killed (a hang fails its rows, no more),
# WGCTL_USERSPACE=wireguard-go makes wgctl use wireguard-go as its datapath (to tell
# orchestration from daemon differences),
# QUICK_UPSTREAM=/path/to/upstream/wg-quick with "upstream" in QUICK_TOOLS also runs a current
# upstream wg-quick (src/wg-quick/linux.bash, not shipped here) and checks that it equals Debian's
# output after the U1-U7 rewriting, i.e. that the rewriting is exactly upstream's behaviour.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd wg wg-quick wireguard-go ip nft resolvconf unshare python3 ping awk
Q=$TOP/tests/quick
. "$Q/norm.sh"
make_links
BIN=$TMP/bin
export WGCTL BIN
TOOLS=${QUICK_TOOLS:-quick wgctl}
TAG=$(printf %04x $(($$ % 65536)))
T_START=$(date +%s)

have_tool() { case " $TOOLS " in *" $1 "*) return 0 ;; esac; return 1; }

# QUICK_KEEP=DIR: copy the work files (snapshots, stderr, traces) there on exit.
[ -n "${QUICK_KEEP:-}" ] && test_on_exit 'mkdir -p "$QUICK_KEEP" && cp -a "$TMP/." "$QUICK_KEEP/"'

# --- machine-global state: safety net (the runs themselves are isolated, see the header)
cp /etc/resolv.conf "$TMP/resolv.conf.orig" 2>/dev/null
RESOLV_BAK_EXISTED=0
[ -e /etc/resolv.conf.bak ] && RESOLV_BAK_EXISTED=1
restore_resolv() {
	[ -f "$TMP/resolv.conf.orig" ] && ! cmp -s "$TMP/resolv.conf.orig" /etc/resolv.conf &&
		cat "$TMP/resolv.conf.orig" >/etc/resolv.conf
	[ "$RESOLV_BAK_EXISTED" = 0 ] && rm -f /etc/resolv.conf.bak
	return 0
}
test_on_exit restore_resolv
if [ ! -d /run/resolvconf ]; then
	mkdir /run/resolvconf || test_skip_all "cannot create /run/resolvconf"
	test_on_exit "rmdir /run/resolvconf"
fi

# --- keys shared by both tools' runs, so that `wg showconf` compares without masking keys
for i in 1 2 3 4; do
	(umask 077 && wg genkey >"$TMP/k$i") || test_skip_all "wg genkey failed"
	wg pubkey <"$TMP/k$i" >"$TMP/p$i"
done
(umask 077 && wg genpsk >"$TMP/psk")

# qk_ns NS: a fresh namespace with an underlay: ul0 (veth, MTU 1500, 192.0.2.2/24,
# 2001:db8::2/64, default routes via it) and ul1 (veth, MTU 1400, 198.51.100.2/24,
# 2001:db8:1::2/64); fixed MACs and no DAD so that two namespaces snapshot alike.
qk_ns() {
	local ns=$1
	test_netns "$ns" || return 1
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 &&
	ip -n "$ns" link set lo up &&
	ip -n "$ns" link add ul0 address 02:00:00:00:00:10 type veth peer name ul0p address 02:00:00:00:00:11 &&
	ip -n "$ns" link add ul1 address 02:00:00:00:01:10 mtu 1400 type veth peer name ul1p address 02:00:00:00:01:11 mtu 1400 &&
	for l in ul0 ul0p ul1 ul1p; do ip -n "$ns" link set "$l" up || return 1; done &&
	ip -n "$ns" addr add 192.0.2.2/24 dev ul0 &&
	ip -n "$ns" addr add 2001:db8::2/64 dev ul0 nodad &&
	ip -n "$ns" addr add 198.51.100.2/24 dev ul1 &&
	ip -n "$ns" addr add 2001:db8:1::2/64 dev ul1 nodad &&
	ip -n "$ns" route add default via 192.0.2.1 dev ul0 &&
	ip -n "$ns" -6 route add default via 2001:db8::1 dev ul0
}

# tmpl NAME: the template (tests/quick/corpus, or tests/quick/extra for the special cases).
tmpl() { if [ -f "$Q/corpus/$1.conf" ]; then echo "$Q/corpus/$1.conf"; else echo "$Q/extra/$1.conf"; fi; }
# meta NAME KEY: the values of the template's `# @KEY: ...` lines.
meta() { sed -n "s/^# @$2: //p" "$(tmpl "$1")"; }

# gen NAME TOOL: writes the config for TOOL; sets IFN (≤ 15 characters), FILE, DIR, TRACE.
gen() {
	local name=$1 t=$2 c
	case $t in quick) c=q ;; wgctl) c=w ;; upstream) c=u ;; *) c=${t: -1} ;; esac
	IFN=${name:0:8}$c$TAG
	DIR=$TMP/$t
	FILE=$DIR/$IFN.conf
	TRACE=$DIR/$name.trace
	mkdir -p "$DIR" && chmod 700 "$DIR" && rm -f "$TRACE" &&
	grep -v '^# @' "$(tmpl "$name")" | sed \
		-e "s|@PRIV1@|$(cat "$TMP/k1")|; s|@PUB2@|$(cat "$TMP/p2")|; s|@PUB3@|$(cat "$TMP/p3")|" \
		-e "s|@PUB4@|$(cat "$TMP/p4")|; s|@PSK@|$(cat "$TMP/psk")|; s|@TRACE@|$TRACE|g" >"$FILE" &&
	chmod 600 "$FILE"
}

# setup NAME NS: the template's `# @setup:` commands inside NS.
setup() {
	local c
	while IFS= read -r c; do
		[ -n "$c" ] || continue
		ip netns exec "$2" bash -c "$c" || return 1
	done < <(meta "$1" setup)
}

# tool_path NAME: the PATH the tools run with: ours, or with `# @path: nonft`, one where nft is
# missing (every other program of /usr/sbin linked in $TMP/nonft), so the firewall goes through
# iptables-restore (iptables-nft here).
tool_path() {
	if [ "$(meta "$1" path)" = nonft ]; then
		if [ ! -d "$TMP/nonft" ]; then
			mkdir -p "$TMP/nonft"
			for f in /usr/sbin/* /usr/local/sbin/*; do
				[ -x "$f" ] && [ "${f##*/}" != nft ] && ln -sf "$f" "$TMP/nonft/"
			done
		fi
		echo "$TMP/nonft:/usr/local/bin:/usr/bin:/bin"
	else
		echo "$PATH"
	fi
}

# runs NAME TOOL: fresh namespace, then snapshot s0 → up → s1 → down → s2 in $TMP/TOOL/NAME;
# the normalised results: s0 s1 s2 up.err down.err trace saved (the file after down).
runs() {
	local name=$1 t=$2 ns out mask=1
	ns=wgctl-t300-$TAG-$name-$t
	out=$TMP/$t/$name
	gen "$name" "$t" || return 1
	rm -rf "$out" && mkdir -p "$out"
	grep -qi '^ListenPort' "$FILE" && mask=0
	qk_ns "$ns" && setup "$name" "$ns" || { echo "namespace setup failed" >"$out/error"; return 1; }
	SNAP_MASK_PORT=$mask QUICK_PATH=$(tool_path "$name") "$Q/run-one.sh" "$out/raw" "$ns" "$IFN" "$FILE" \
		snap s0 up "$t" snap s1 down "$t" snap s2
	netns_destroy "$ns"
	for f in s0 s1 s2; do qk_norm "$IFN" "$DIR" <"$out/raw/$f" >"$out/$f"; done
	for v in up down; do
		cat "$out/raw/$v-$t.rc" >"$out/$v.rc" 2>/dev/null || echo none >"$out/$v.rc"
		qk_err "$IFN" "$DIR" <"$out/raw/$v-$t.err" >"$out/$v.err"
	done
	if [ -f "$TRACE" ]; then qk_norm "$IFN" "$DIR" <"$TRACE"; fi >"$out/trace"
	qk_norm "$IFN" "$DIR" <"$FILE" |
		if [ $mask = 1 ]; then sed -E 's/^(ListenPort = )[0-9]+$/\1<random>/'; else cat; fi >"$out/saved"
	return 0
}

# svm_residue S0 S1: S0 with the src_valid_mark line of S1 (wg-quick sets it, never resets it).
svm_residue() {
	local l
	l=$(grep '^net.ipv4.conf.all.src_valid_mark = ' "$2")
	sed "s/^net.ipv4.conf.all.src_valid_mark = .*/$l/" "$1"
}

# The same state checks for any tool: up and down succeeded, up changed the state, down undid it
# (but src_valid_mark, which stays as up left it: R1 in the header).
check_roundtrip() {
	local out=$1
	[ "$(cat "$out/up.rc")" = 0 ] || { echo "up failed ($(cat "$out/up.rc")):"; cat "$out/raw/"up-*.err; return 1; }
	[ "$(cat "$out/down.rc")" = 0 ] || { echo "down failed ($(cat "$out/down.rc")):"; cat "$out/raw/"down-*.err; return 1; }
	! cmp -s "$out/s0" "$out/s1" || { echo "up changed nothing"; return 1; }
	grep -q '^link %i .*,UP' "$out/s1" || { echo "the interface is not up"; return 1; }
	svm_residue "$out/s0" "$out/s1" >"$out/s0.r1"
	if [ "$(meta "${out##*/}" residue)" = empty-xt-tables ]; then
		python3 "$Q/strip-empty-xt.py" <"$out/s2" >"$out/s2.r2"
	else
		cp "$out/s2" "$out/s2.r2"
	fi
	diff -u --label "initial (R1)" --label "after down (R2 if listed)" "$out/s0.r1" "$out/s2.r2" ||
		{ echo "(state after down differs from the initial state)"; return 1; }
}

# deb2up NAME KIND <in: Debian's output rewritten into upstream's (KIND: state trace saved err).
deb2up() {
	local e args=()
	if [ "$2" = err ]; then
		mapfile -t args < <(meta "$1" deb2up-stderr)
		qk_deb2up_err "${args[@]}"
		return
	fi
	mapfile -t args < <(meta "$1" "deb2up-$2")
	if [ ${#args[@]} = 0 ]; then cat; return; fi
	local sa=()
	for e in "${args[@]}"; do sa+=(-e "$e"); done
	sed -E "${sa[@]}"
}

# compare_state NAME [TOOL]: TOOL's (wgctl's) up snapshot, hook trace and saved file against
# Debian wg-quick's rewritten into upstream's.
compare_state() {
	local n=$1 b=${2:-wgctl} q=$TMP/quick/$1 w=$TMP/${2:-wgctl}/$1 rc=0
	[ -s "$w/s1" ] || { echo "no $b run"; return 1; }
	[ "$(cat "$w/up.rc")" = 0 ] || { echo "$b up failed:"; cat "$w/raw/up-$b.err"; return 1; }
	deb2up "$n" state <"$q/s1" >"$q/s1.up"
	diff -u --label "wg-quick (upstream-normalised)" --label "$b" "$q/s1.up" "$w/s1" || rc=1
	diff -u --label "wg-quick after down" --label "$b after down" "$q/s2" "$w/s2" || rc=1
	deb2up "$n" trace <"$q/trace" >"$q/trace.up"
	diff -u --label "wg-quick hook trace" --label "$b hook trace" "$q/trace.up" "$w/trace" || rc=1
	if grep -qi '^SaveConfig *= *true' "$Q/corpus/$n.conf"; then
		# wireguard-go lists peers in Go map order, which changes from run to run: the
		# [Peer] blocks are compared in sorted order, everything else byte for byte.
		deb2up "$n" saved <"$q/saved" | sort_peer_blocks >"$q/saved.up"
		sort_peer_blocks <"$w/saved" >"$w/saved.sorted"
		diff -u --label "file saved by wg-quick down" --label "file saved by $b down" \
			"$q/saved.up" "$w/saved.sorted" || rc=1
	fi
	return $rc
}

sort_peer_blocks() {
	python3 -c '
import sys
text = sys.stdin.read()
head, sep, rest = text.partition("\n[Peer]\n")
blocks = sorted(b.rstrip("\n") for b in rest.split("\n[Peer]\n")) if sep else []
sys.stdout.write(head + "".join("\n[Peer]\n" + b + "\n" for b in blocks) if sep else text)'
}

compare_err() {
	local n=$1 b=${2:-wgctl} q=$TMP/quick/$1 w=$TMP/${2:-wgctl}/$1 rc=0 v
	[ -s "$w/s1" ] || { echo "no $b run"; return 1; }
	for v in up down; do
		deb2up "$n" err <"$q/$v.err" >"$q/$v.err.up"
		diff -u --label "wg-quick $v (upstream-normalised)" --label "$b $v" "$q/$v.err.up" "$w/$v.err" || rc=1
	done
	return $rc
}

if [ "${QUICK_CONFS:-}" = none ]; then
	CONFS=
elif [ -n "${QUICK_CONFS:-}" ]; then
	CONFS=$QUICK_CONFS
else
	CONFS=$(cd "$Q/corpus" && ls *.conf | sed 's/\.conf$//')
fi

if have_tool upstream && [ ! -f "${QUICK_UPSTREAM:-}" ]; then
	test_skip_all "QUICK_TOOLS has upstream but QUICK_UPSTREAM is not a file"
fi
export QUICK_UPSTREAM
wgctl_ok=1
if have_tool wgctl && ! "$WGCTL" up --help >/dev/null 2>&1; then wgctl_ok=0; fi
[ -n "${WGCTL_USERSPACE:-}" ] && export WGCTL_USERSPACE

for n in $CONFS; do
	[ -f "$Q/corpus/$n.conf" ] || { test_expect_success "corpus config $n exists" false; continue; }
	for t in $TOOLS; do
		runs "$n" "$t"
		test_expect_success "$n: $t up changes the state, $t down returns to the initial one" \
			"check_roundtrip $TMP/$t/$n"
	done
	if have_tool quick && have_tool wgctl; then
		test_expect_success "$n: wgctl leaves the states wg-quick leaves (up and after-down snapshots, hooks, saved file)" \
			"compare_state $n"
		test_expect_success "$n: wgctl prints wg-quick's [#] lines for up and down" "compare_err $n"
	fi
	if have_tool quick && have_tool persona; then
		test_expect_success "$n: wgctl as wg-quick leaves the states wg-quick leaves (up and after-down snapshots, hooks, saved file)" \
			"compare_state $n persona"
		test_expect_success "$n: wgctl as wg-quick prints wg-quick's [#] lines for up and down" "compare_err $n persona"
	fi
	if have_tool quick && have_tool upstream; then
		test_expect_success "$n: (normalisation check) upstream wg-quick's state equals Debian's rewritten" \
			"compare_state $n upstream"
		test_expect_success "$n: (normalisation check) upstream wg-quick's [#] lines equal Debian's rewritten" \
			"compare_err $n upstream"
	fi
done

# --- strip: the personality's `wg-quick strip` prints Debian's output for every corpus config.
if have_tool quick && have_tool persona; then
	test_expect_success "strip: wgctl as wg-quick strip prints what wg-quick strip prints (every corpus config)" '
		rc=0
		for n in $CONFS; do
			gen "$n" quick && wg-quick strip "$FILE" >q.out 2>q.err; echo "exit $?" >>q.out
			"$BIN/wg-quick" strip "$FILE" >p.out 2>p.err; echo "exit $?" >>p.out
			diff -u --label "wg-quick strip $n" --label "wgctl as wg-quick strip $n" q.out p.out || rc=1
		done
		[ $rc = 0 ]'
fi

# --- cross teardown, failing PostUp (in run-one's isolation; generic state checks)
# xrun NAME TAG STEPS...: fresh namespace, config NAME for tool dir TAG, run-one with STEPS.
xrun() {
	local name=$1 tag=$2 ns out mask=1
	shift 2
	ns=wgctl-t300-$TAG-x-$tag
	gen "$name" "$tag" || return 1
	out=$TMP/$tag/$name
	rm -rf "$out" && mkdir -p "$out"
	grep -qi '^ListenPort' "$FILE" && mask=0
	qk_ns "$ns" && setup "$name" "$ns" || return 1
	SNAP_MASK_PORT=$mask "$Q/run-one.sh" "$out/raw" "$ns" "$IFN" "$FILE" "$@"
	netns_destroy "$ns"
	for f in "$out"/raw/s[0-9]*; do qk_norm "$IFN" "$DIR" <"$f" >"$out/${f##*/}"; done
	for f in "$out"/raw/*.err; do qk_err "$IFN" "$DIR" <"$f" >"$out/${f##*/}"; done
	for f in "$out"/raw/*.err; do qk_norm "$IFN" "$DIR" <"$f" >"$out/${f##*/}.all"; done
	if [ -f "$out/raw/etc-wireguard.conf" ]; then
		qk_norm "$IFN" "$DIR" <"$out/raw/etc-wireguard.conf" >"$out/saved"
	fi
	XOUT=$out
}

rc_is() { [ "$(cat "$XOUT/raw/$1.rc" 2>/dev/null)" = "$2" ] || { echo "$1: exit $(cat "$XOUT/raw/$1.rc" 2>/dev/null)"; cat "$XOUT/raw/$1.err"; return 1; }; }
rc_not0() { local r; r=$(cat "$XOUT/raw/$1.rc" 2>/dev/null); [ -n "$r" ] && [ "$r" != 0 ] || { echo "$1: exit ${r:-none}, want non-zero"; cat "$XOUT/raw/$1.err"; return 1; }; }

# --- verbs by interface name (/etc/wireguard/IF.conf, in the overlay): up, up again (refused:
# already exists), save, down, down again (refused: not a WireGuard interface).
if [ "${QUICK_EXTRA:-1}" != 0 ]; then
	for t in $TOOLS; do
		QUICK_BY_NAME=1 xrun dns "n${t:0:1}" snap s0 up $t snap s1 up $t snap s1b save $t down $t snap s2 down $t
		test_expect_success "by name: $t up/save/down IF use /etc/wireguard/IF.conf; a second up and a second down are refused without changes" '
			rc_is up-$t 0 && rc_not0 up-$t.2 && rc_is save-$t 0 && rc_is down-$t 0 && rc_not0 down-$t.2 &&
			! cmp -s $XOUT/s0 $XOUT/s1 && diff -u $XOUT/s1 $XOUT/s1b &&
			svm_residue $XOUT/s0 $XOUT/s1 | diff -u --label "initial (R1)" --label "after down" - $XOUT/s2 &&
			grep -q "^DNS = " $XOUT/saved && ! grep -qi "^SaveConfig" $XOUT/saved'
	done
	for t in wgctl persona upstream; do
		have_tool quick && have_tool $t || continue
		test_expect_success "by name: $t save writes the file wg-quick save writes; refusals read the same" "
			rc=0
			diff -u --label wg-quick --label $t $TMP/nq/dns/s1 $TMP/n${t:0:1}/dns/s1 || rc=1
			diff -u --label 'wg-quick save' --label '$t save' $TMP/nq/dns/saved $TMP/n${t:0:1}/dns/saved || rc=1
			for e in up-X.2.err.all down-X.2.err.all; do
				sed 's/^wgctl:/wg-quick:/' $TMP/n${t:0:1}/dns/\${e/X/$t} >e.$t &&
				diff -u --label \"wg-quick \${e%%-*} (refused)\" --label \"$t \${e%%-*} (refused)\" \
					$TMP/nq/dns/\${e/X/quick} e.$t || rc=1
			done
			[ \$rc = 0 ]"
	done
fi

if [ "${QUICK_EXTRA:-1}" != 0 ] && have_tool wgctl; then
	if have_tool quick; then
		xrun cross xq1 snap s0 up wgctl snap s1 down quick snap s2
		test_expect_success "cross: wg-quick down removes everything wgctl up made (full tunnel, DNS, hooks)" '
			rc_is up-wgctl 0 && rc_is down-quick 0 && ! cmp -s $XOUT/s0 $XOUT/s1 &&
			svm_residue $XOUT/s0 $XOUT/s1 | diff -u --label "initial (R1)" --label "after down" - $XOUT/s2'
		xrun cross xq2 snap s0 up quick snap s1 down wgctl snap s2
		test_expect_success "cross: wgctl down removes everything wg-quick up made (full tunnel, DNS, hooks)" '
			rc_is up-quick 0 && rc_is down-wgctl 0 && ! cmp -s $XOUT/s0 $XOUT/s1 &&
			svm_residue $XOUT/s0 $XOUT/s1 | diff -u --label "initial (R1)" --label "after down" - $XOUT/s2'
	fi
	if have_tool quick; then
		xrun fail xf2 snap s0 up quick snap s2
		test_expect_success "fail: (reference) wg-quick up with a failing PostUp exits non-zero and leaves nothing behind but R1" '
			rc_not0 up-quick && svm_residue $XOUT/s0 $XOUT/s2 | diff -u --label "initial (R1)" --label "after up" - $XOUT/s2 &&
			grep -q "^before-false " $TMP/xf2/fail.trace && ! grep -q not-reached $TMP/xf2/fail.trace'
	fi
	xrun fail xf1 snap s0 up wgctl snap s2
	# Strictly nothing: wgctl's rollback also restores src_valid_mark (wg-quick's leaves it, R1).
	test_expect_success "fail: wgctl up with a failing PostUp exits non-zero and leaves nothing behind" '
		rc_not0 up-wgctl && grep -q "^\[#\] false$" $XOUT/raw/up-wgctl.err &&
		diff -u --label "initial" --label "after up" $XOUT/s0 $XOUT/s2 &&
		grep -q "^before-false " $TMP/xf1/fail.trace && ! grep -q not-reached $TMP/xf1/fail.trace'
	if have_tool quick; then
		# Up to the failing hook wgctl prints wg-quick's lines; its rollback is its own by design
		# (issue 6): every change undone in reverse order, src_valid_mark included, where
		# wg-quick's trap runs its fixed del_if sequence and leaves the sysctl set.
		test_expect_success "fail: wgctl prints the [#] lines of wg-quick up to the failing hook" '
			deb2up fail err <$TMP/xf2/fail/up-quick.err | sed "/^\[#\] false$/q" >q.err &&
			sed "/^\[#\] false$/q" $TMP/xf1/fail/up-wgctl.err >w.err &&
			diff -u --label "wg-quick (upstream-normalised)" --label wgctl q.err w.err'
	fi
fi

# --- traffic: client (wgctl up, full tunnel) ⇄ server (wg-quick/wireguard-go) over a veth.
# The server's "internet" address 203.0.113.1 is dropped on the underlay, so only the tunnel
# reaches it; the server's endpoint 198.51.100.1 is not on a connected subnet of the client, so
# the client's UDP reaches it only through the main table's default route, i.e. only when its
# fwmark makes it skip table T (without the mark it would loop into the tunnel).
traffic() {
	local c=$1 s=$2 cif=tcli$TAG sif=tsrv$TAG d=$TMP/traffic rx0 rx1
	mkdir -p "$d" && chmod 700 "$d"
	ip -n "$c" link set lo up && ip -n "$s" link set lo up &&
	ip -n "$c" link add ulc type veth peer name uls netns "$s" &&
	ip -n "$c" addr add 192.0.2.2/24 dev ulc && ip -n "$c" link set ulc up &&
	ip -n "$s" addr add 192.0.2.1/24 dev uls && ip -n "$s" link set uls up &&
	ip -n "$c" route add default via 192.0.2.1 dev ulc &&
	ip -n "$s" addr add 198.51.100.1/32 dev lo && ip -n "$s" addr add 203.0.113.1/32 dev lo &&
	ip netns exec "$s" nft add table inet t300 &&
	ip netns exec "$s" nft 'add chain inet t300 in { type filter hook input priority 0; }' &&
	ip netns exec "$s" nft add rule inet t300 in iifname uls ip daddr 203.0.113.1 drop || return 1
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.70.0.1/24\nListenPort = 51820\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.70.0.2/32\n' \
		"$(cat "$TMP/k2")" "$(cat "$TMP/p1")" >"$d/$sif.conf"
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.70.0.2/32\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\nEndpoint = 198.51.100.1:51820\n' \
		"$(cat "$TMP/k1")" "$(cat "$TMP/p2")" >"$d/$cif.conf"
	chmod 600 "$d"/*.conf
	timeout -k 3 "${QUICK_TIMEOUT:-10}" ip netns exec "$s" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$d/$sif.conf" 2>"$d/srv.err" ||
		{ cat "$d/srv.err"; return 1; }
	if ip netns exec "$c" ping -c1 -W1 203.0.113.1 >/dev/null 2>&1; then
		echo "203.0.113.1 answers without the tunnel"; return 1
	fi
	timeout -k 3 "${QUICK_TIMEOUT:-10}" ip netns exec "$c" env PATH="$BIN:$PATH" "$WGCTL" up "$d/$cif.conf" 2>"$d/cli.err" ||
		{ cat "$d/cli.err"; return 1; }
	rx0=$(wg show "$sif" transfer | awk '{ print $2 }')
	ip netns exec "$c" ping -c3 -i0.2 -W2 203.0.113.1 || { echo "ping through the tunnel failed"; wg show "$sif"; return 1; }
	rx1=$(wg show "$sif" transfer | awk '{ print $2 }')
	echo "server rx bytes: ${rx0:-0} -> $rx1"
	[ "${rx1:-0}" -gt "${rx0:-0}" ] || return 1
	ip netns exec "$c" ping -c1 -W2 192.0.2.1 >/dev/null || { echo "underlay unreachable from the client"; return 1; }
	timeout -k 3 "${QUICK_TIMEOUT:-10}" ip netns exec "$c" env PATH="$BIN:$PATH" "$WGCTL" down "$d/$cif.conf" 2>>"$d/cli.err" || { cat "$d/cli.err"; return 1; }
	ip netns exec "$s" wg-quick down "$d/$sif.conf" 2>>"$d/srv.err"
}
if [ "${QUICK_EXTRA:-1}" != 0 ] && have_tool wgctl; then
	test_netns wgctl-t300-$TAG-tc && test_netns wgctl-t300-$TAG-ts
	test_expect_success "traffic: full tunnel by wgctl up reaches 203.0.113.1 through the server, whose wg transfer grows" \
		"traffic wgctl-t300-$TAG-tc wgctl-t300-$TAG-ts"
fi

echo "# t0300 took $(($(date +%s) - T_START)) s (tools: $TOOLS; wgctl up available: $wgctl_ok)"
test_done
