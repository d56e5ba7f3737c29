#!/bin/bash
# SPDX-License-Identifier: MIT
# What a shared peer list, its server or the network can do to a host (issue 19), against the
# real HTTPS server of the peer-list tests and live interfaces on the bundled daemon:
#   - http:// without PeerListKey is a config error naming the line; an unsigned https:// list
#     is a warning from check, up and sync.
#   - a host only moves forward: an older validly signed list is refused (a revoked peer stays
#     out), at sync and at up, and still after the cache is gone; a list signed for another
#     fleet (name) is refused; a list that expired is refused, and a server that answers 304
#     past the expiry, or cannot be reached, does not keep its peers in use.
#   - scope: a default route only within PeerListAllowedIPs (and then the full-tunnel routing
#     is installed); a prefix a file peer routes, or a file peer's key, is refused, the file
#     wins and the rest of the list applies.
#   - one bad list costs only itself, at up and at sync.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip wg python3 openssl
nsa=wgctl-t440a-$$ nss=wgctl-t440s-$$
test_netns "$nsa" && test_netns "$nss" || test_skip_all "cannot create network namespaces"
in_a() { ip netns exec "$nsa" "$@"; }
for n in "$nsa" "$nss"; do ip netns exec "$n" ip link set lo up; done
ip link add t440as netns "$nsa" type veth peer name t440sa netns "$nss"
in_a ip addr add 10.45.1.1/24 dev t440as && ip -n "$nss" addr add 10.45.1.2/24 dev t440sa
in_a ip link set t440as up && ip -n "$nss" link set t440sa up
export WGCTL_CACHE_DIR=$TMP/cache WGCTL_LIST_STATE_DIR=$TMP/list-state WGCTL_STATE_DIR=$TMP/state WGCTL_CONFIG_DIR=$TMP
umask 077
IF=wglt$$
IF=${IF:0:15}
for k in a b c f g h x; do "$WGCTL" genkey >"$TMP/$k.key" && "$WGCTL" pubkey <"$TMP/$k.key" >"$TMP/$k.pub"; done
"$WGCTL" genkey >"$TMP/sign.key" && "$WGCTL" pubkey --ed25519 <"$TMP/sign.key" >"$TMP/sign.pub"
pub() { cat "$TMP/$1.pub"; }
fleet_ns=$nss fleet_addr=10.45.1.2
. "$TOP/tests/fleet/lib.sh"
fleet_make_ca || test_skip_all "openssl cannot make a test CA"
URL=https://10.45.1.2:8443/peers.conf
CONF=$TMP/$IF.conf

# config [extra [Interface] lines...]: the host's file, a signed list and one peer of its own.
config() {
	{
		printf '[Interface]\nPrivateKey = %s\nAddress = 10.46.0.1/24\nListenPort = 51440\n' "$(cat "$TMP/a.key")"
		printf 'PeerList = %s\nPeerListKey = %s\nPeerListCA = %s\n' "$URL" "$(pub sign)" "$TMP/ca.pem"
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '\n[Peer]\n# Name = f\nPublicKey = %s\nAllowedIPs = 10.46.7.0/24\n' "$(pub f)"
	} >"$CONF"
}
# publish FILE SERIAL [sign options]: installs FILE as the served list, signed; keeps a copy.
publish() {
	local f=$1 n=$2
	shift 2
	cp "$f" "$W/peers.conf" &&
		"$WGCTL" sign --name "$URL" --serial "$n" "$@" "$TMP/sign.key" "$W/peers.conf" >"$W/peers.conf.sig" 2>/dev/null &&
		cp "$W/peers.conf" "$TMP/served.$n" && cp "$W/peers.conf.sig" "$TMP/served.$n.sig"
}
peers() { in_a wg show $IF peers | sort; }
has() { in_a wg show $IF peers | grep -qx "$(pub "$1")"; }
aips() { in_a wg show $IF allowed-ips | awk -v k="$(pub "$1")" '$1 == k { $1 = ""; print substr($0, 2) }'; }
sync_a() { in_a "$WGCTL" sync $IF >out 2>err; }
cache_sum() { cat "$WGCTL_CACHE_DIR"/$IF-*.list | sha256sum; }

{ peer b 10.46.0.2/32; peer c 10.46.3.0/24; peer x 10.46.9.0/24; } >"$TMP/v1"
{ peer b 10.46.0.2/32; peer c 10.46.3.0/24; } >"$TMP/v2"

test_expect_success 'setup: the HTTPS server' 'serve 8443 tls'

test_expect_success 'http:// without PeerListKey is a config error naming its line; nothing applied' '
	printf "[Interface]\nPrivateKey = %s\nAddress = 10.46.0.1/24\nPeerList = http://10.45.1.2:8080/peers.conf\n" \
		"$(cat "$TMP/a.key")" >"$CONF" &&
	! in_a "$WGCTL" up "$CONF" 2>err &&
	grep -qx "$CONF:4: PeerList \`http://10.45.1.2:8080/peers.conf'"'"' is fetched in clear and no PeerListKey verifies it: anyone on the network path could choose this host'"'"'s peers (use https://, add PeerListKey, or both)" err &&
	grep -qx "wgctl: $CONF: 1 error; nothing was applied" err && ! in_a ip link show $IF 2>/dev/null &&
	! "$WGCTL" check "$CONF" >out 2>&1 && grep -q "fetched in clear" out
'
test_expect_success 'an unsigned https:// list: a warning from check, up and sync' '
	publish "$TMP/v2" 1 &&
	printf "[Interface]\nPrivateKey = %s\nAddress = 10.46.0.1/24\nPeerList = %s\nPeerListCA = %s\n" \
		"$(cat "$TMP/a.key")" "$URL" "$TMP/ca.pem" >"$CONF" &&
	warning="$CONF:4: Warning: PeerList \`$URL'"'"' is not signed: whoever controls that server can choose this host'"'"'s peers (add PeerListKey)" &&
	"$WGCTL" check "$CONF" >out 2>&1 && grep -qxF "$warning" out &&
	in_a "$WGCTL" up "$CONF" 2>err && grep -qxF "$warning" err && has b && has c &&
	sync_a && grep -qxF "$warning" err &&
	in_a "$WGCTL" down "$CONF" 2>/dev/null && rm -rf "$WGCTL_CACHE_DIR" "$WGCTL_LIST_STATE_DIR"
'

test_expect_success 'a signed list at serial 1 comes up with its peers' '
	config && publish "$TMP/v1" 1 && in_a "$WGCTL" up "$CONF" 2>err &&
	has b && has c && has x && has f && [ "$(aips x)" = 10.46.9.0/24 ]
'
test_expect_success 'serial 2 revokes x: removed at sync' '
	publish "$TMP/v2" 2 && sync_a && grep -qx "$URL: fetched, serial 2, 2 peers" out && ! has x &&
	! in_a ip route show dev $IF | grep -q "^10.46.9.0/24" &&
	grep -qx "serial: 2" "$WGCTL_LIST_STATE_DIR"/$IF-*.state
'
test_expect_success 'rollback: serial 1 served again is refused; cache and interface unchanged, x stays out' '
	before=$(peers) && cached=$(cache_sum) &&
	cp "$TMP/served.1" "$W/peers.conf" && cp "$TMP/served.1.sig" "$W/peers.conf.sig" &&
	! sync_a &&
	grep -qx "Warning: $URL: serial 1 is lower than serial 2, which this host accepted before: refused as a rollback" err &&
	grep -q "^Warning: $URL: using the last good copy" err &&
	[ "$(peers)" = "$before" ] && [ "$(cache_sum)" = "$cached" ] && ! has x
'
test_expect_success 'rollback at up: the refused fresh copy falls back to the valid cached one' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null && in_a "$WGCTL" up "$CONF" 2>err &&
	grep -q "serial 1 is lower than serial 2" err && has b && has c && ! has x
'
test_expect_success 'rollback with the cache gone: the recorded serial still refuses it; x stays out' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null && rm -rf "$WGCTL_CACHE_DIR" &&
	in_a "$WGCTL" up "$CONF" 2>err && grep -q "serial 1 is lower than serial 2" err &&
	grep -qx "Warning: $URL: no copy can be used; its peers are not used" err &&
	[ "$(peers)" = "$(pub f)" ]
'
test_expect_success 'cross-fleet: a list signed with another name is refused' '
	publish "$TMP/v2" 3 && sync_a && has b &&
	cp "$TMP/v1" "$W/peers.conf" &&
	"$WGCTL" sign --name fleet-b --serial 4 "$TMP/sign.key" "$W/peers.conf" >"$W/peers.conf.sig" 2>/dev/null &&
	before=$(peers) && ! sync_a &&
	grep -qx "Warning: $URL: the list is named \`fleet-b'"'"', but $CONF:5 expects \`$URL'"'"'" err &&
	[ "$(peers)" = "$before" ] && ! has x
'
test_expect_success 'a PeerList line naming the list accepts that name' '
	config && sed -i "s|^PeerList = .*|& name=fleet-b|" "$CONF" &&
	sync_a && grep -qx "$URL: fetched, serial 4, 3 peers" out && has x && config
'
test_expect_success 'freeze: 304 past the expiry removes the list'"'"'s peers and their routes' '
	publish "$TMP/v2" 5 --expires 3s && sync_a && has b && ! has x && sleep 4 &&
	! sync_a && tail -n1 "$TMP/http.log" | grep -q "^GET /peers.conf 304 " &&
	grep -q "^Warning: $URL: not modified, and expired at 20[0-9T:-]*Z (serial 5); its peers are not used" err &&
	grep -qx "$URL: expired, serial 5, no peers" out && grep -qx "$IF: 0 added, 0 updated, 2 removed, 1 unchanged" out &&
	[ "$(peers)" = "$(pub f)" ] && ! in_a ip route show dev $IF | grep -q "^10.46.3.0/24"
'
test_expect_success 'a server that cannot be reached keeps an expired copy out at up' '
	stop 8443 && in_a "$WGCTL" down "$CONF" 2>/dev/null && in_a "$WGCTL" up "$CONF" 2>err &&
	grep -q "^Warning: $URL: cannot fetch" err && grep -q "the last good copy expired at" err &&
	[ "$(peers)" = "$(pub f)" ]
'
test_expect_success 'a new serial brings the peers back' '
	serve 8443 tls && publish "$TMP/v2" 6 && sync_a && has b && has c
'

# g claims the default route, h a prefix that file peer f routes; f's key is repeated too.
{
	peer b 10.46.0.2/32; peer c 10.46.3.0/24; peer g 0.0.0.0/0; peer h 10.46.7.5/32
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.46.8.0/24\n\n' "$(pub f)"
} >"$TMP/v7"
test_expect_success 'a default route is refused without PeerListAllowedIPs; so are h and f'"'"'s key' '
	publish "$TMP/v7" 7 && sync_a &&
	grep -q "^$URL:[0-9]*: Warning: peer $(pub g) claims 0.0.0.0/0, a default route, which a list may claim only within PeerListAllowedIPs (none at $CONF:5); the peer is not used$" err &&
	grep -q "^$URL:[0-9]*: Warning: peer $(pub h) claims 10.46.7.5/32, which the peer at $CONF:9 routes (10.46.7.0/24); the file wins and this peer is not used$" err &&
	grep -q "^$URL:[0-9]*: Warning: peer $(pub f) is already defined at $CONF:9; that definition is used$" err &&
	grep -qx "$URL: fetched, serial 7, 2 peers, 3 refused" out &&
	! has g && ! has h && has b && has c && [ "$(aips f)" = 10.46.7.0/24 ] &&
	! in_a ip rule show | grep -q "lookup 51820"
'
test_expect_success 'within PeerListAllowedIPs the default route is taken, with the full-tunnel routing' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null &&
	config "PeerListAllowedIPs = 0.0.0.0/0, 10.46.0.0/16" && in_a "$WGCTL" up "$CONF" 2>err &&
	has g && [ "$(aips g)" = 0.0.0.0/0 ] && ! has h && [ "$(aips f)" = 10.46.7.0/24 ] &&
	in_a ip rule show | grep -q "not from all fwmark 0xca6c lookup 51820" &&
	in_a ip route show table 51820 | grep -q "^default dev $IF" &&
	[ "$(in_a sysctl -n net.ipv4.conf.all.src_valid_mark)" = 1 ]
'
test_expect_success 'a narrower PeerListAllowedIPs refuses what is outside it' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null && config "PeerListAllowedIPs = 10.46.0.0/24" &&
	in_a "$WGCTL" up "$CONF" 2>err &&
	grep -q "peer $(pub c) claims 10.46.3.0/24, outside PeerListAllowedIPs ($CONF:8); the peer is not used$" err &&
	has b && ! has c && ! has g && ! in_a ip rule show | grep -q "lookup 51820"
'

# A second list, a signed local file: when a copy of it is refused, its last good copy stands in
# (its peers stay as they were) while the other list's changes are applied.
test_expect_success 'one bad list costs only itself: its last good copy stands in, the other applies' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null && config "PeerList = local.conf" &&
	peer x 10.46.9.0/24 >"$TMP/local.conf" &&
	"$WGCTL" sign --name local.conf "$TMP/sign.key" "$TMP/local.conf" >"$TMP/local.conf.sig" 2>/dev/null &&
	publish "$TMP/v2" 8 && in_a "$WGCTL" up "$CONF" 2>err && has b && has c && has x &&
	peer h 10.46.12.0/24 >>"$TMP/local.conf" && { peer b 10.46.0.2/32; } >"$TMP/v9" && publish "$TMP/v9" 9 &&
	! sync_a && grep -qx "Warning: local.conf: the signature does not verify with any PeerListKey" err &&
	grep -q "^Warning: local.conf: using the last good copy" err &&
	grep -qx "local.conf: cached copy, serial 1, 1 peer" out && grep -qx "$URL: fetched, serial 9, 1 peer" out &&
	grep -qx "wgctl: $IF: 1 shared peer list is not current; the rest was applied" err &&
	has b && ! has c && has x && ! has h
'
test_expect_success 'and at up: the refused copy falls back, the rest comes up' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null && in_a "$WGCTL" up "$CONF" 2>err &&
	grep -q "^Warning: local.conf: using the last good copy" err && has b && has x && ! has h
'
test_expect_success 'a list never read here has no peers, and up goes on without it' '
	in_a "$WGCTL" down "$CONF" 2>/dev/null && config "PeerList = missing.conf" && in_a "$WGCTL" up "$CONF" 2>err &&
	grep -q "^Warning: missing.conf: cannot read .*No such file or directory$" err &&
	grep -qx "Warning: missing.conf: no copy can be used; its peers are not used" err &&
	[ "$(peers)" = "$(printf "%s\n" "$(pub b)" "$(pub f)" | sort)" ]
'
test_expect_success 'down' 'in_a "$WGCTL" down "$CONF" 2>/dev/null && ! in_a ip link show $IF 2>/dev/null'
stop 8443
test_done
