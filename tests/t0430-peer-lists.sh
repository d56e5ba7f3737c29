#!/bin/bash
# SPDX-License-Identifier: MIT
# Shared peer lists against a real HTTP(S) server (tests/fleet/listserver.py: ETag/Last-Modified,
# 304s, a request log) in its own namespace, with a CA and certificate made here by openssl.
# Host A takes its peers from a signed list over HTTPS; B is a real peer with a live session.
# Proves: first fetch applied at `up`; unchanged list -> conditional request, 304, no change;
# a changed list applied without touching unchanged peers (B's session and handshake survive);
# server down -> sync changes nothing (and says so), `up` uses the 0600 cached copy; tampered,
# unsigned or untrusted (TLS) copies refused and the last good copy kept, nothing changed; size
# cap and timeout; strip expands lists for plain wg; save keeps listed peers out of the file;
# sign/verify; a 10,000-peer list applied. What a list may do to a host is t0440's.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip wg ping python3 openssl
nsa=wgctl-t430a-$$ nsb=wgctl-t430b-$$ nss=wgctl-t430s-$$
test_netns "$nsa" && test_netns "$nsb" && test_netns "$nss" || test_skip_all "cannot create network namespaces"
in_a() { ip netns exec "$nsa" "$@"; }
in_b() { ip netns exec "$nsb" "$@"; }
in_s() { ip netns exec "$nss" "$@"; }
for n in "$nsa" "$nsb" "$nss"; do ip netns exec "$n" ip link set lo up; done
ip link add t430as netns "$nsa" type veth peer name t430sa netns "$nss"
ip link add t430ab netns "$nsa" type veth peer name t430ba netns "$nsb"
in_a ip addr add 10.43.1.1/24 dev t430as && in_s ip addr add 10.43.1.2/24 dev t430sa
in_a ip addr add 10.43.2.1/24 dev t430ab && in_b ip addr add 10.43.2.2/24 dev t430ba
in_a ip link set t430as up && in_s ip link set t430sa up && in_a ip link set t430ab up && in_b ip link set t430ba up
export WGCTL_CACHE_DIR=$TMP/cache WGCTL_LIST_STATE_DIR=$TMP/list-state WGCTL_STATE_DIR=$TMP/state WGCTL_CONFIG_DIR=$TMP
umask 077
IFA=wgla$$ IFB=wglb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
mkdir -p "$TMP/etc"
for k in a b c d e; do "$WGCTL" genkey >"$TMP/$k.key"; "$WGCTL" pubkey <"$TMP/$k.key" >"$TMP/$k.pub"; done
"$WGCTL" genkey >"$TMP/sign.key"
"$WGCTL" pubkey --ed25519 <"$TMP/sign.key" >"$TMP/sign.pub"
"$WGCTL" genkey >"$TMP/other-sign.key"

fleet_ns=$nss fleet_addr=10.43.1.2
. "$TOP/tests/fleet/lib.sh"
fleet_make_ca
# publish FILE: installs it as the served list, signed with the next serial (a header naming
# the URL, which the config's PeerList line expects by default). Test bodies run in subshells:
# the serial lives in a file.
publish() {
	local serial=$(($(cat "$TMP/serial" 2>/dev/null || echo 0) + 1))
	echo $serial >"$TMP/serial" && cp "$1" "$W/peers.conf" &&
		"$WGCTL" sign --name "$URL" --serial $serial "$TMP/sign.key" "$W/peers.conf" >"$W/peers.conf.sig" 2>/dev/null
}
pub() { cat "$TMP/$1.pub"; }
URL=https://10.43.1.2:8443/peers.conf
cat >"$TMP/$IFA.conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/a.key")
Address = 10.44.0.1/24
ListenPort = 51430
PeerList = $URL
PeerListKey = $(cat "$TMP/sign.pub")
PeerListCA = $TMP/ca.pem
CONF
cat >"$TMP/$IFB.conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/b.key")
Address = 10.44.0.2/24
ListenPort = 51431
[Peer]
PublicKey = $(pub a)
AllowedIPs = 10.44.0.1/32
Endpoint = 10.43.2.1:51430
CONF
# The list every host shares: A's own entry is in it too and A must skip it.
{ peer a 10.44.0.1/32 10.43.2.1:51430; peer b 10.44.0.2/32 10.43.2.2:51431; peer c 10.44.3.0/24; } >"$TMP/v1"
publish "$TMP/v1"
dump() { in_a wg show $IFA dump | tail -n +2 | cut -f1,3,4,5,7 | sort; }
hs() { in_a wg show $IFA latest-handshakes | awk -v k="$(pub b)" '$1 == k { print $2 }'; }
requests() { grep -c "^GET /peers.conf " "$TMP/http.log" 2>/dev/null || echo 0; }

test_expect_success 'setup: HTTPS server up, B up' '
	serve 8443 tls && in_b "$WGCTL" up "$TMP/$IFB.conf" 2>/dev/null
'
test_expect_success 'up: the first fetch is verified, applied and cached 0600; own key skipped' '
	in_a "$WGCTL" up "$TMP/$IFA.conf" 2>err &&
	grep -q "^GET /peers.conf 200 inm=- " "$TMP/http.log" &&
	[ "$(in_a wg show $IFA peers | sort)" = "$(printf "%s\n" "$(pub b)" "$(pub c)" | sort)" ] &&
	in_a ping -c1 -W5 10.44.0.2 >/dev/null &&
	in_a ip route show dev $IFA | grep -q "^10.44.3.0/24" &&
	cache=$(ls "$WGCTL_CACHE_DIR"/$IFA-*.list) && [ "$(stat -c %a "$cache")" = 600 ] &&
	[ "$(stat -c %a "$WGCTL_CACHE_DIR")" = 700 ] &&
	state=$(ls "$WGCTL_LIST_STATE_DIR"/$IFA-*.state) && [ "$(stat -c %a "$state")" = 600 ] &&
	[ "$(stat -c %a "$WGCTL_LIST_STATE_DIR")" = 700 ] && grep -qx "serial: 1" "$state" &&
	grep -qx "source: $URL" "$state"
'
test_expect_success 'sync, list unchanged: conditional request answered 304, nothing touched' '
	before=$(dump) && n=$(requests) &&
	in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$URL: not modified, serial 1, 2 peers" out &&
	grep -qx "$IFA: 0 added, 0 updated, 0 removed, 2 unchanged" out &&
	! grep -q "\[#\]" err &&
	tail -n1 "$TMP/http.log" | grep -q "^GET /peers.conf 304 inm=\"" &&
	[ "$(requests)" = $((n + 1)) ] && [ "$(dump)" = "$before" ]
'
test_expect_success 'sync, list changed: new and changed peers applied, B keeps its session' '
	in_a ping -c1 -W5 10.44.0.2 >/dev/null && hs_before=$(hs) &&
	{ peer a 10.44.0.1/32; peer b 10.44.0.2/32 10.43.2.2:51431; peer c 10.44.3.0/24,10.44.33.0/24; peer d 10.44.4.0/24; } >"$TMP/v2" &&
	publish "$TMP/v2" &&
	in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$URL: fetched, serial 2, 3 peers" out &&
	grep -qx "$IFA: 1 added, 1 updated, 0 removed, 1 unchanged" out &&
	in_a wg show $IFA allowed-ips | grep -q "^$(pub d)	10.44.4.0/24$" &&
	in_a ip route show dev $IFA | grep -q "^10.44.33.0/24" && in_a ip route show dev $IFA | grep -q "^10.44.4.0/24" &&
	[ "$(hs)" = "$hs_before" ] && in_a ping -c1 -W2 10.44.0.2 >/dev/null && [ "$(hs)" = "$hs_before" ]
'
test_expect_success 'sync, a peer leaves the list: removed with its routes' '
	{ peer b 10.44.0.2/32 10.43.2.2:51431; peer c 10.44.3.0/24,10.44.33.0/24; } >"$TMP/v3" && publish "$TMP/v3" &&
	in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$IFA: 0 added, 0 updated, 1 removed, 2 unchanged" out &&
	! in_a wg show $IFA peers | grep -q "$(pub d)" && ! in_a ip route show dev $IFA | grep -q "^10.44.4.0/24"
'
# A copy that is refused changes nothing: the last good copy stands in (the cache is not
# replaced), and sync says the list is not current with its exit status.
refused_copy() { # message
	local before cached
	before=$(cat before) && cached=$(cat cached) &&
	! in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "Warning: $URL: $1" err && grep -qx "Warning: $URL: using the last good copy, .*" err &&
	grep -qx "$URL: cached copy, serial 3, 2 peers" out &&
	grep -qx "wgctl: $IFA: 1 shared peer list is not current; the rest was applied" err &&
	[ "$(dump)" = "$before" ] && [ "$(cat "$WGCTL_CACHE_DIR"/$IFA-*.list | sha256sum)" = "$cached" ]
}
test_expect_success 'a tampered list (old signature) is refused: nothing changed, cache kept' '
	dump >before && cat "$WGCTL_CACHE_DIR"/$IFA-*.list | sha256sum >cached &&
	peer e 10.44.5.0/24 >>"$W/peers.conf" &&
	refused_copy "the signature does not verify with any PeerListKey"
'
test_expect_success 'signed by another key: refused' '
	"$WGCTL" sign "$TMP/other-sign.key" "$W/peers.conf" >"$W/peers.conf.sig" 2>/dev/null &&
	refused_copy "the signature does not verify with any PeerListKey"
'
test_expect_success 'an unsigned list is refused when PeerListKey is set' '
	rm "$W/peers.conf.sig" && refused_copy "no signature, and PeerListKey requires one"
'
test_expect_success 'TLS is verified: without the private CA the fetch fails, nothing changed' '
	publish "$TMP/v2" && before=$(dump) &&
	grep -v "^PeerListCA" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	! in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err &&
	grep -q "^Warning: $URL: cannot fetch: .*certificate" err && [ "$(dump)" = "$before" ]
'
test_expect_success 'size cap: a list over WGCTL_FETCH_MAX_SIZE is refused' '
	! in_a env WGCTL_FETCH_MAX_SIZE=100 "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "Warning: $URL: cannot fetch: larger than the limit of 100 bytes" err
'
test_expect_success 'timeout: a server that never answers fails within WGCTL_FETCH_TIMEOUT' '
	sed "s|^PeerList = .*|PeerList = https://10.43.1.2:8443/hang/peers.conf|" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	start=$(date +%s) && ! in_a env WGCTL_FETCH_TIMEOUT=2 "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err &&
	[ $(($(date +%s) - start)) -lt 10 ] && grep -q "cannot fetch: .*[Tt]imeout\|timed out" err
'
test_expect_success 'server down: sync fails and changes nothing' '
	in_a "$WGCTL" sync $IFA >/dev/null 2>&1 && before=$(dump) && stop 8443 &&
	! in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -q "^Warning: $URL: cannot fetch: " err && [ "$(dump)" = "$before" ]
'
test_expect_success 'server down: up uses the last good copy, with a warning, and carries traffic' '
	in_a "$WGCTL" down $IFA 2>/dev/null && in_a "$WGCTL" up "$TMP/$IFA.conf" 2>err &&
	grep -q "^Warning: $URL: cannot fetch" err && grep -q "using the last good copy" err &&
	[ "$(in_a wg show $IFA peers | wc -l)" = 3 ] && in_a ping -c1 -W5 10.44.0.2 >/dev/null
'
test_expect_success 'strip expands the lists for plain wg(8), own key skipped' '
	in_a "$WGCTL" strip "$TMP/$IFA.conf" >stripped 2>/dev/null &&
	grep -q "^# From $URL" stripped && [ "$(grep -c "^\[Peer\]" stripped)" = 3 ] &&
	! grep -q "$(pub a)" stripped && grep -qx "# Name = d" stripped &&
	in_a wg syncconf $IFA stripped && [ "$(in_a wg show $IFA peers | wc -l)" = 3 ]
'
test_expect_success 'save keeps listed peers in their list, the PeerList lines in the file' '
	cp "$TMP/$IFA.conf" "$TMP/etc/$IFA.conf" && in_a wg set $IFA peer "$(pub e)" allowed-ips 10.44.5.0/24 &&
	in_a "$WGCTL" save "$TMP/etc/$IFA.conf" 2>/dev/null &&
	[ "$(grep -c "^\[Peer\]" "$TMP/etc/$IFA.conf")" = 1 ] && grep -q "$(pub e)" "$TMP/etc/$IFA.conf" &&
	grep -qx "PeerList = $URL" "$TMP/etc/$IFA.conf" && grep -q "^PeerListKey = " "$TMP/etc/$IFA.conf" &&
	[ "$(stat -c %a "$TMP/etc/$IFA.conf")" = 600 ]
'
test_expect_success 'plain http is allowed for a signed list: Last-Modified only, 304 on the second fetch' '
	serve 8443 tls && serve 8080 &&
	sed -e "s|^PeerList = .*|PeerList = http://10.43.1.2:8080/peers.conf name=$URL|" \
		-e "/^PeerListCA/d" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err && grep -q "fetched, serial 4, 3 peers" out &&
	in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err && grep -q "not modified, serial 4, 3 peers" out &&
	tail -n1 "$TMP/http.log" | grep -q "^GET /peers.conf 304 inm=\".*ims=[A-Z][a-z][a-z],_"
'
test_expect_success 'sign and verify: the publisher side' '
	"$WGCTL" verify "$(cat "$TMP/sign.pub")" "$W/peers.conf" >out && grep -q "good signature" out &&
	grep -qx "name: $URL" out && grep -qx "serial: 4" out && grep -q "^expires: 20[0-9-]*T[0-9:]*Z$" out &&
	"$WGCTL" verify "$TMP/sign.pub" "$W/peers.conf" "$W/peers.conf.sig" >/dev/null &&
	echo >>"$W/peers.conf" && ! "$WGCTL" verify "$TMP/sign.pub" "$W/peers.conf" 2>err &&
	grep -q "does not verify" err && publish "$TMP/v2"
'
test_expect_success 'a 10,000-peer signed list is applied' '
	python3 -c "
import base64, os
for i in range(10000):
    print(\"[Peer]\\nPublicKey = %s\\nAllowedIPs = 10.%d.%d.0/24\\n\" % (base64.b64encode(os.urandom(32)).decode(), 100 + i // 256, i % 256))
" >"$TMP/big" && peer b 10.44.0.2/32 10.43.2.2:51431 >>"$TMP/big" && publish "$TMP/big" &&
	in_a "$WGCTL" sync $IFA >out 2>err && grep -qx "$IFA: 10000 added, 0 updated, 2 removed, 1 unchanged" out &&
	[ "$(in_a wg show $IFA peers | wc -l)" = 10001 ] && in_a ping -c1 -W5 10.44.0.2 >/dev/null &&
	in_a "$WGCTL" sync $IFA >out 2>err && grep -qx "$IFA: 0 added, 0 updated, 0 removed, 10001 unchanged" out
'
test_expect_success 'down' '
	in_a "$WGCTL" down $IFA 2>/dev/null && in_b "$WGCTL" down $IFB 2>/dev/null
'
stop 8443
stop 8080
test_done
