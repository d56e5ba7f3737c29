#!/bin/bash
# SPDX-License-Identifier: MIT
# Shared peer lists against a real HTTP(S) server (tests/fleet/listserver.py: ETag/Last-Modified,
# 304s, a request log) in its own namespace, with a CA and certificate made here by openssl.
# Host A takes its peers from a signed list over HTTPS; B is a real peer with a live session.
# Proves: first fetch applied at `up`; unchanged list -> conditional request, 304, no change;
# a changed list applied without touching unchanged peers (B's session and handshake survive);
# server down -> sync changes nothing, `up` uses the 0600 cached copy; tampered, unsigned or
# untrusted (TLS) lists rejected with nothing changed; size cap and timeout; duplicates across
# lists name both places; strip expands lists for plain wg; save keeps listed peers out of the
# file; sign/verify; a 10,000-peer list applied.
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
export WGCTL_CACHE_DIR=$TMP/cache WGCTL_STATE_DIR=$TMP/state WGCTL_CONFIG_DIR=$TMP
umask 077
IFA=wgla$$ IFB=wglb$$
IFA=${IFA:0:15} IFB=${IFB:0:15}
W=$TMP/www
mkdir -p "$W" "$TMP/etc"
for k in a b c d e; do "$WGCTL" genkey >"$TMP/$k.key"; "$WGCTL" pubkey <"$TMP/$k.key" >"$TMP/$k.pub"; done
pub() { cat "$TMP/$1.pub"; }
"$WGCTL" genkey >"$TMP/sign.key"
"$WGCTL" pubkey --ed25519 <"$TMP/sign.key" >"$TMP/sign.pub"
"$WGCTL" genkey >"$TMP/other-sign.key"

# The CA and a certificate for the server's address, made here; nothing touches the system store.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=wgctl-test-ca \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=10.43.1.2 \
	-keyout "$TMP/srv.key" -out "$TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:10.43.1.2\n' >"$TMP/san.ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
	-extfile "$TMP/san.ext" -out "$TMP/srv.pem" 2>/dev/null

serve() { # port [cert]
	local tls=() ready=$TMP/server.$1.pid
	rm -f "$ready"
	[ $# -gt 1 ] && tls=(--cert "$TMP/srv.pem" --key "$TMP/srv.key")
	in_s python3 "$TOP/tests/fleet/listserver.py" --root "$W" --port "$1" --log "$TMP/http.log" \
		--ready "$ready" "${tls[@]}" >"$TMP/server.$1.out" 2>&1 &
	for _ in $(seq 50); do [ -e "$ready" ] && return 0; sleep 0.1; done
	return 1
}
stop() { [ -e "$TMP/server.$1.pid" ] && kill "$(cat "$TMP/server.$1.pid")" && rm "$TMP/server.$1.pid" && sleep 0.2; }
publish() { # list-file: installs it with a fresh signature
	cp "$1" "$W/peers.conf" && "$WGCTL" sign "$TMP/sign.key" "$W/peers.conf" >"$W/peers.conf.sig"
}
peer() { # name allowed-ips [endpoint]
	printf '[Peer]\n# Name = %s\nPublicKey = %s\nAllowedIPs = %s\n' "$1" "$(pub $1)" "$2"
	[ $# -gt 2 ] && printf 'Endpoint = %s\n' "$3"
	echo
}
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
	[ "$(stat -c %a "$WGCTL_CACHE_DIR")" = 700 ]
'
test_expect_success 'sync, list unchanged: conditional request answered 304, nothing touched' '
	before=$(dump) && n=$(requests) &&
	in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$URL: not modified, 2 peers" out &&
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
	grep -qx "$URL: fetched, 3 peers" out &&
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
test_expect_success 'a tampered list (old signature) is rejected: nothing changed, cache kept' '
	before=$(dump) && cached=$(cat "$WGCTL_CACHE_DIR"/$IFA-*.list | sha256sum) &&
	cp "$W/peers.conf.sig" sig.keep && peer e 10.44.5.0/24 >>"$W/peers.conf" &&
	! in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$URL: the signature does not verify with any PeerListKey" err &&
	grep -q "nothing was applied" err &&
	[ "$(dump)" = "$before" ] && [ "$(cat "$WGCTL_CACHE_DIR"/$IFA-*.list | sha256sum)" = "$cached" ]
'
test_expect_success 'signed by another key: rejected' '
	"$WGCTL" sign "$TMP/other-sign.key" "$W/peers.conf" >"$W/peers.conf.sig" &&
	! in_a "$WGCTL" sync $IFA >out 2>err && grep -q "does not verify with any PeerListKey" err
'
test_expect_success 'an unsigned list is rejected when PeerListKey is set' '
	before=$(dump) && rm "$W/peers.conf.sig" &&
	! in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$URL: no signature, and PeerListKey requires one" err && [ "$(dump)" = "$before" ]
'
test_expect_success 'TLS is verified: without the private CA the fetch fails, nothing changed' '
	publish "$TMP/v2" && before=$(dump) &&
	grep -v "^PeerListCA" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	! in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err &&
	grep -q "^$URL: cannot fetch: .*certificate" err && [ "$(dump)" = "$before" ]
'
test_expect_success 'size cap: a list over WGCTL_FETCH_MAX_SIZE is refused' '
	! in_a env WGCTL_FETCH_MAX_SIZE=100 "$WGCTL" sync $IFA >out 2>err &&
	grep -qx "$URL: cannot fetch: larger than the limit of 100 bytes" err
'
test_expect_success 'timeout: a server that never answers fails within WGCTL_FETCH_TIMEOUT' '
	sed "s|^PeerList = .*|PeerList = https://10.43.1.2:8443/hang/peers.conf|" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	start=$(date +%s) && ! in_a env WGCTL_FETCH_TIMEOUT=2 "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err &&
	[ $(($(date +%s) - start)) -lt 10 ] && grep -q "cannot fetch: .*[Tt]imeout\|timed out" err
'
test_expect_success 'server down: sync fails and changes nothing' '
	in_a "$WGCTL" sync $IFA >/dev/null 2>&1 && before=$(dump) && stop 8443 &&
	! in_a "$WGCTL" sync $IFA >out 2>err &&
	grep -q "^$URL: cannot fetch: " err && [ "$(dump)" = "$before" ]
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
test_expect_success 'duplicates across lists are an error naming both places' '
	serve 8443 tls && peer b 10.44.0.2/32 >"$TMP/etc/local.conf" &&
	"$WGCTL" sign "$TMP/sign.key" "$TMP/etc/local.conf" >"$TMP/etc/local.conf.sig" &&
	sed "s|^PeerList = .*|&\nPeerList = local.conf|" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	before=$(dump) && ! in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err &&
	grep -qx "local.conf:1: peer $(pub b) is already defined at $URL:6" err && [ "$(dump)" = "$before" ]
'
test_expect_success 'plain http with Last-Modified only: 304 on the second fetch' '
	serve 8080 && sed -e "s|^PeerList = .*|PeerList = http://10.43.1.2:8080/peers.conf|" -e "/^PeerListKey/d" \
		-e "/^PeerListCA/d" "$TMP/$IFA.conf" >"$TMP/etc/$IFA.conf" &&
	in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err && grep -q "fetched, 3 peers" out &&
	in_a "$WGCTL" sync "$TMP/etc/$IFA.conf" >out 2>err && grep -q "not modified, 3 peers" out &&
	tail -n1 "$TMP/http.log" | grep -q "^GET /peers.conf 304 inm=\".*ims=[A-Z][a-z][a-z],_"
'
test_expect_success 'sign and verify: the publisher side' '
	"$WGCTL" verify "$(cat "$TMP/sign.pub")" "$W/peers.conf" >out && grep -q "good signature" out &&
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
