#!/bin/bash
# SPDX-License-Identifier: MIT
# `show`, `showconf`, `set` and the conf commands against Debian's wg(8), on a wireguard-go
# interface and on a `wgctl daemon` interface in a namespace: every output form of wgctl (run
# through its `wg` link) must equal Debian wg's byte for byte, and `set` must parse and report
# errors as wg does. wireguard-go answers peers in Go map order, which changes between calls,
# so its outputs are compared with lines sorted; the daemon's order is stable and compared as is.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd wg wireguard-go ip python3
make_links
OURS=$TMP/bin/wg

ns=wgctl-t130-$$
GO=wgt130g$$ DM=wgt130d$$
GO=${GO:0:15} DM=${DM:0:15}
test_netns "$ns" || test_skip_all "cannot create a network namespace"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go -f "$GO" >/dev/null 2>&1 &
in_ns "$WGCTL" daemon "$DM"
for i in $(seq 50); do [ -S /var/run/wireguard/$GO.sock ] && break; sleep 0.1; done

umask 077
key() { wg genkey | tee "$TMP/$1.key" | wg pubkey >"$TMP/$1.pub"; }
for k in dev p1 p2 p3 p4; do key $k; done
wg genpsk >"$TMP/psk"
cat >"$TMP/conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/dev.key")
ListenPort = 0
FwMark = 0x1234

[Peer]
PublicKey = $(cat "$TMP/p1.pub")
PresharedKey = $(cat "$TMP/psk")
AllowedIPs = 10.1.0.0/24, fd00:1::/64, 192.168.7.7/32
Endpoint = 127.0.0.1:51001
PersistentKeepalive = 25

[Peer]
PublicKey = $(cat "$TMP/p2.pub")
AllowedIPs = 10.2.0.0/16
Endpoint = [::1]:51002

[Peer]
PublicKey = $(cat "$TMP/p3.pub")
PersistentKeepalive = 3600
CONF
sed -i "s/^ListenPort = 0/ListenPort = 51130/" "$TMP/conf"

test_expect_success 'setconf through wgctl on both interfaces' '
	in_ns "$OURS" setconf $GO "$TMP/conf" && in_ns "$WGCTL" setconf $DM "$TMP/conf.dm" 2>/dev/null ||
	{ sed "s/51130/51131/" "$TMP/conf" >"$TMP/conf.dm" && in_ns "$WGCTL" setconf $DM "$TMP/conf.dm"; }
'

forms="public-key private-key listen-port fwmark peers preshared-keys endpoints allowed-ips
	latest-handshakes transfer persistent-keepalive dump"
for IF in $GO $DM; do
	norm=cat
	[ $IF = $GO ] && norm=sort
	test_expect_success "show $IF (pretty, colour off and on, keys hidden and shown)" '
		in_ns wg show $IF | $norm >theirs && in_ns "$OURS" show $IF | $norm >ours && cmp theirs ours &&
		in_ns env WG_COLOR_MODE=always wg show $IF | $norm >theirs &&
		in_ns env WG_COLOR_MODE=always "$OURS" show $IF | $norm >ours && cmp theirs ours &&
		in_ns env WG_HIDE_KEYS=never wg show $IF | $norm >theirs &&
		in_ns env WG_HIDE_KEYS=never "$OURS" show $IF | $norm >ours && cmp theirs ours
	'
	for f in $forms; do
		test_expect_success "show $IF $f" '
			in_ns wg show $IF $f | $norm >theirs && in_ns "$OURS" show $IF $f | $norm >ours &&
			cmp theirs ours
		'
	done
	test_expect_success "showconf $IF" '
		in_ns wg showconf $IF | $norm >theirs && in_ns "$OURS" showconf $IF | $norm >ours &&
		cmp theirs ours
	'
done

# Live interfaces keep retrying handshakes to their unreachable endpoints: a counter or a
# "seconds ago" may move between the two snapshots. They must agree in one of three tries.
for f in "" dump peers; do
	test_expect_success "show all $f" '
		for try in 1 2 3; do
			in_ns wg show all $f | sort >theirs && in_ns "$OURS" show all $f | sort >ours &&
				cmp -s theirs ours && break
		done && cmp theirs ours
	'
done
# Debian's 2021 wg prints the interface name only before the first peer of `all endpoints`;
# current wg (and wgctl) prefix every line, as for every other field.
test_expect_success "show all endpoints (every line prefixed, as current wg)" '
	in_ns "$OURS" show all endpoints >ours && ! grep -qv "^wg[^	]*	[^	]*	[^	]*$" ours &&
	in_ns wg show all endpoints | awk -F"\t" "NF==3{print \$2\"\t\"\$3; next} {print}" | sort >theirs &&
	cut -f2- ours | sort >ours.cut && cmp theirs ours.cut
'
test_expect_success "wgctl is stricter than Debian wg: listen-port 70000 is an error" '
	! "$OURS" set nosuchif0 listen-port 70000 2>err &&
	grep -qx "Port is not in the range 0-65535: \`70000'"'"'" err
'

test_expect_success 'show interfaces' '
	in_ns wg show interfaces | tr " " "\n" | sort >theirs &&
	in_ns "$OURS" show interfaces | tr " " "\n" | sort >ours && cmp theirs ours && grep -qx $DM ours
'

# set: the same command through Debian wg on one interface and wgctl on the other must leave
# both in the same state (listen ports aside).
same_state() {
	in_ns wg show $GO dump | sed 1d | cut -f1-4,8 | sort >go.state &&
	in_ns wg show $DM dump | sed 1d | cut -f1-4,8 | sort >dm.state && cmp go.state dm.state
}
run_set() { # args after the interface name
	in_ns wg set $GO "$@" && in_ns "$WGCTL" set $DM "$@" && same_state
}
test_expect_success 'set: state equal before changes' 'same_state'
test_expect_success 'set: peer endpoint, keepalive, allowed-ips replace' '
	run_set peer "$(cat "$TMP/p2.pub")" endpoint 127.0.0.1:52002 persistent-keepalive 15 allowed-ips 10.9.0.0/16,fd09::/48
'
test_expect_success 'set: new peer with psk, then remove another' '
	run_set peer "$(cat "$TMP/p4.pub")" preshared-key "$TMP/psk" allowed-ips 10.4.0.1 peer "$(cat "$TMP/p3.pub")" remove
'
test_expect_success 'set: empty allowed-ips removes all, keepalive off, psk from /dev/null' '
	run_set peer "$(cat "$TMP/p1.pub")" allowed-ips "" persistent-keepalive off preshared-key /dev/null
'
test_expect_success 'set: private key from a file (with trailing newline) and fwmark off' '
	run_set private-key "$TMP/p1.key" fwmark off && in_ns wg show $DM private-key | cmp - "$TMP/p1.key"
'
test_expect_success 'set: a hostname endpoint is resolved' '
	in_ns "$WGCTL" set $DM peer "$(cat "$TMP/p2.pub")" endpoint localhost:52222 &&
	ep=$(in_ns wg show $DM endpoints | awk -v k="$(cat "$TMP/p2.pub")" "\$1 == k { print \$2 }") &&
	{ [ "$ep" = 127.0.0.1:52222 ] || [ "$ep" = "[::1]:52222" ]; }
'
test_expect_success 'set: an unknown host fails like wg, without retries for a permanent error' '
	WG_ENDPOINT_RESOLUTION_RETRIES=infinity timeout 10 "$OURS" set nosuchif0 peer "$(cat "$TMP/p2.pub")" \
		endpoint nosuchhost.invalid:1 2>ours.err; r2=$?
	WG_ENDPOINT_RESOLUTION_RETRIES=infinity timeout 10 wg set nosuchif0 peer "$(cat "$TMP/p2.pub")" \
		endpoint nosuchhost.invalid:1 2>theirs.err; r1=$?
	[ $r1 = 1 ] && [ $r2 = 1 ] && cmp theirs.err ours.err
'
# +/- allowed-ips (current wg; Debian's 2021 wg rejects them, so only the daemon is checked).
test_expect_success 'set: allowed-ips +prefix adds and -prefix removes, others stay' '
	p=$(cat "$TMP/p2.pub") &&
	in_ns "$WGCTL" set $DM peer "$p" allowed-ips "+10.5.0.0/24, -10.9.0.0/16" &&
	in_ns wg show $DM allowed-ips | grep -x "$p	.*" >line &&
	grep -q "10.5.0.0/24" line && ! grep -q "10.9.0.0/16" line && grep -q "fd09::/48" line
'
test_expect_success 'set: listen-port' '
	in_ns "$WGCTL" set $DM listen-port 51999 && [ "$(in_ns wg show $DM listen-port)" = 51999 ]
'
test_expect_success 'set: a port held elsewhere fails like wg and changes nothing' '
	in_ns wg show $DM dump >before &&
	! in_ns "$WGCTL" set $DM listen-port 51130 peer "$(cat "$TMP/p3.pub")" allowed-ips 10.3.0.0/24 2>err &&
	grep -qx "Unable to modify interface: Address already in use" err &&
	in_ns wg show $DM dump >after && cmp before after
'

# Argument errors never reach the interface: compare messages and status with Debian wg.
printf 'short\n' >"$TMP/badkey"
printf '%s x\n' "$(cat "$TMP/p1.key")" >"$TMP/trailing"
i=0
while IFS= read -r args; do
	i=$((i + 1))
	test_expect_success "set errors like wg ($i): $args" '
		eval "set -- $args"
		wg set nosuchif0 "$@" >theirs.out 2>theirs.err; r1=$?
		"$OURS" set nosuchif0 "$@" >ours.out 2>ours.err; r2=$?
		[ $r1 = $r2 ] && cmp theirs.out ours.out && cmp theirs.err ours.err
	'
done <<ARGS
bogus
listen-port
listen-port -1
listen-port nosuchservice
fwmark 0xfffffffff
fwmark nope
private-key /nonexistent
private-key $TMP/badkey
private-key $TMP/trailing
peer notakey
peer $(cat "$TMP/p1.pub") endpoint 1.2.3.4
peer $(cat "$TMP/p1.pub") endpoint [::1
peer $(cat "$TMP/p1.pub") allowed-ips 10.0.0.0/33
peer $(cat "$TMP/p1.pub") allowed-ips 10.0.0.1/8
peer $(cat "$TMP/p1.pub") persistent-keepalive 65536
peer $(cat "$TMP/p1.pub") remove listen-port 1
remove
ARGS
# Current wg documents the +/- allowed-ips syntax in the usage; Debian's 2021 wg does not.
test_expect_success 'set with too few arguments prints the usage' '
	! "$OURS" set 2>ours.err && ! wg set 2>theirs.err &&
	sed "s/\[+|-\]//g" ours.err | cmp theirs.err -
'
test_expect_success 'show of a missing interface' '
	! "$OURS" show nosuchif0 2>ours.err && ! wg show nosuchif0 2>theirs.err && cmp theirs.err ours.err
'
test_expect_success 'show with an unknown field' '
	! in_ns "$OURS" show $DM bogus 2>ours.err; ! in_ns wg show $DM bogus 2>theirs.err; cmp theirs.err ours.err
'
test_expect_success 'wgctl show --json parses and carries the peers and a friendly name' '
	mkdir -p cfg && { sed "s/^\[Peer\]$/[Peer]\n# Name = host four/" "$TMP/conf" | head -0; } &&
	printf "[Interface]\nPrivateKey = %s\n[Peer]\n# Name = host four\nPublicKey = %s\nAllowedIPs = 10.4.0.1/32\n" \
		"$(cat "$TMP/p1.key")" "$(cat "$TMP/p4.pub")" >cfg/$DM.conf && chmod 600 cfg/$DM.conf &&
	in_ns env WGCTL_CONFIG_DIR=$PWD/cfg "$WGCTL" show $DM --json >j &&
	python3 -c "
import json,sys
d=json.load(open(\"j\"))
names=[p.get(\"name\") for p in d[\"peers\"]]
assert \"host four\" in names, names
assert all(\"preshared_key\" not in p for p in d[\"peers\"])
assert d[\"name\"]==\"$DM\" and d[\"listen_port\"]==51999
" &&
	in_ns env WGCTL_CONFIG_DIR=$PWD/cfg "$WGCTL" show $DM | grep -qx "  name: host four" &&
	in_ns env WGCTL_CONFIG_DIR=$PWD/cfg "$OURS" show $DM >pretty && ! grep -q "name:" pretty
'
test_done
