#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl peer add / remove / list` (issue 24) against the real components, in namespaces: a
# server (`wgctl up`, bundled daemon) on a bridge, and clients joined to the bridge by veths.
#  - three clients are added; c1 comes up with `wgctl up`, c2 with Debian's wg-quick and
#    wireguard-go, c3 from the config its PNG QR code decodes to (zbarimg), which must be
#    exactly the client's file; each pings the server through the tunnel;
#  - the server's running peers keep their sessions: c1's latest handshake and transfer
#    counters are unchanged by later adds and removes (the peer was not re-created);
#  - remove and add again: the freed address is given again, never two peers with one address;
#  - eight concurrent `peer add`s are serialized: eight new peers, eight distinct addresses, the
#    file and the interface agreeing;
#  - the server's comments and formatting stay; no client's private key in the server's files;
#  - bad input (a name or an address taken, a full subnet, no Address, no endpoint) is one
#    error, and changes neither the file nor the interface.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping wg wg-quick wireguard-go zbarimg
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

unset WGCTL_RUN_DIR CREDENTIALS_DIRECTORY
export WGCTL_STATE_DIR=$TMP/state
p=$$
ns=wgctl-t480s-$p
test_netns "$ns" || test_skip_all "cannot create a network namespace"
S() { ip netns exec "$ns" "$@"; }
S ip link set lo up
S ip link add br0 type bridge && S ip link set br0 up && S ip addr add 192.168.80.1/24 dev br0
client_ns() { # client_ns N: namespace wgctl-t480cN-PID on the bridge as 192.168.80.(10+N)
	local c=wgctl-t480c$1-$p
	test_netns "$c" || return 1
	ip link add v480c$1 netns "$c" type veth peer name v480s$1 netns "$ns" || return 1
	S ip link set v480s$1 master br0 && S ip link set v480s$1 up &&
		ip -n "$c" link set lo up && ip -n "$c" addr add 192.168.80.$((10 + $1))/24 dev v480c$1 &&
		ip -n "$c" link set v480c$1 up
}
for n in 1 2 3; do client_ns $n || test_skip_all "cannot create namespaces and veths"; done
C() { local n=$1; shift; ip netns exec "wgctl-t480c$n-$p" "$@"; }

umask 077
SIF=t480s$p
SIF=${SIF:0:15}
mkdir -p "$TMP/srv"
CONF=$TMP/srv/$SIF.conf
cat >"$CONF" <<EOF
# The office server: everything below is kept as written.
[Interface]
PrivateKey = $("$WGCTL" genkey)   # rotated 2026-01
Address = 10.80.0.1/24,fd80::1/64
ListenPort = 51880
#PublicEndpoint = 192.168.80.1:51880

# an old peer, written by hand
[Peer]
PublicKey = $(wg genkey | wg pubkey)
AllowedIPs = 10.80.0.2/32, fd80::2/128
EOF
cp "$CONF" "$TMP/orig.conf"
peer() { S "$WGCTL" peer "$@"; }
# The file's AllowedIPs and the interface's, one address per line, sorted.
file_ips() { sed -n 's/^AllowedIPs *= *//p' "$CONF" | tr ',' '\n' | tr -d ' ' | sort; }
live_ips() { S wg show $SIF allowed-ips | awk '{ for (i = 2; i <= NF; i++) print $i }' | sort; }
pubkey_of() { sed -n 's/^PrivateKey = //p' "$1" | wg pubkey; }
hs() { S wg show $SIF latest-handshakes | awk -v k="$1" '$1 == k { print $2 }'; }
rx() { S wg show $SIF transfer | awk -v k="$1" '$1 == k { print $2 }'; }

test_expect_success 'server up; c1 added (wgctl up) reaches the server' '
	S "$WGCTL" up "$CONF" 2>up.log &&
	peer add "$CONF" c1 --out "$TMP/c1.conf" --keepalive 25 2>add.log && cat add.log &&
	grep -q "added peer c1 .* with 10.80.0.3/32, fd80::3/128" add.log &&
	[ "$(stat -c %a "$TMP/c1.conf")" = 600 ] &&
	grep -qx "Endpoint = 192.168.80.1:51880" "$TMP/c1.conf" &&
	grep -qx "AllowedIPs = 10.80.0.0/24, fd80::/64" "$TMP/c1.conf" &&
	cp "$TMP/c1.conf" "$TMP/wgc1.conf" && C 1 "$WGCTL" up "$TMP/wgc1.conf" 2>c1.log &&
	C 1 ping -c 2 -W 5 10.80.0.1 >/dev/null && C 1 ping -c 1 -W 5 fd80::1 >/dev/null &&
	[ -n "$(hs "$(pubkey_of "$TMP/c1.conf")")" ] && [ "$(hs "$(pubkey_of "$TMP/c1.conf")")" != 0 ]
'
K1=$(pubkey_of "$TMP/c1.conf" 2>/dev/null)
HS1=$(hs "$K1")
RX1=$(rx "$K1")

test_expect_success 'the comments and formatting of the rest of the server file stay' '
	head -c "$(stat -c %s "$TMP/orig.conf")" "$CONF" | cmp - "$TMP/orig.conf" &&
	grep -qx "# Name = c1" "$CONF"
'
test_expect_success 'c2 added with a PSK, up with Debian wg-quick + wireguard-go' '
	peer add "$CONF" c2 --psk --out "$TMP/wgc2.conf" 2>add.log &&
	grep -q "^PresharedKey = " "$TMP/wgc2.conf" &&
	C 2 env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$TMP/wgc2.conf" 2>c2.log &&
	C 2 ping -c 2 -W 5 10.80.0.1 >/dev/null &&
	grep -qx "Address = 10.80.0.4/32, fd80::4/128" "$TMP/wgc2.conf"
'
test_expect_success 'c3: the PNG QR code decodes (zbarimg) to exactly its config, which comes up' '
	peer add "$CONF" c3 --allowed-ips 10.80.0.1/32 --out "$TMP/c3.conf" --qr "$TMP/c3.png" &&
	[ "$(stat -c %a "$TMP/c3.png")" = 600 ] &&
	zbarimg -q --raw "$TMP/c3.png" 2>/dev/null >dec && head -c -1 dec >"$TMP/wgc3.conf" &&
	cmp "$TMP/wgc3.conf" "$TMP/c3.conf" &&
	C 3 "$WGCTL" up "$TMP/wgc3.conf" 2>c3.log && C 3 ping -c 2 -W 5 10.80.0.1 >/dev/null
'
test_expect_success 'the terminal QR code (UTF-8 blocks) decodes to the same config' '
	peer add "$CONF" c3b --endpoint vpn.example.com:443 --dns 10.80.0.1 >qr.txt 2>/dev/null &&
	peer remove "$CONF" c3b 2>/dev/null && S "$WGCTL" peer add "$CONF" c3c --qr >qr.txt 2>/dev/null &&
	grep -q "█" qr.txt && ! grep -q PrivateKey qr.txt &&
	python3 - qr.txt <<-\EOF
	import sys, zlib, struct
	rows = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
	px = []
	for r in rows:
	    up, dn = [], []
	    for ch in r:
	        # light modules are the blocks
	        up.append(0 if ch in "█▀" else 1); dn.append(0 if ch in "█▄" else 1)
	    px += [up, dn]
	s = 6; w = len(px[0]) * s
	raw = b"".join(b"\0" + bytes(255 * (1 - v) for v in row for _ in range(s)) for row in px for _ in range(s))
	def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	open("qr.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, len(px) * s, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
	EOF
	zbarimg -q --raw qr.png 2>/dev/null | grep -qx "# Name = c3c"
'
test_expect_success 'the running peers kept their sessions: c1 not re-created' '
	[ "$(hs "$K1")" = "$HS1" ] && [ "$(rx "$K1")" -ge "$RX1" ] && [ "$RX1" -gt 0 ] &&
	C 1 ping -c 1 -W 5 10.80.0.1 >/dev/null
'
test_expect_success 'remove c2 (by name) and c3 (by key); add again: freed addresses reused, none twice' '
	peer remove "$CONF" c2 2>rm.log && grep -q "removed peer c2" rm.log &&
	peer remove "$CONF" "$(pubkey_of "$TMP/c3.conf")" &&
	! S wg show $SIF peers | grep -qxF "$(pubkey_of "$TMP/wgc2.conf")" &&
	! grep -q "# Name = c2$" "$CONF" &&
	peer add "$CONF" c4 --out "$TMP/c4.conf" 2>/dev/null &&
	grep -qx "Address = 10.80.0.4/32, fd80::4/128" "$TMP/c4.conf" &&
	peer add "$CONF" c5 --out "$TMP/c5.conf" 2>/dev/null &&
	grep -qx "Address = 10.80.0.5/32, fd80::5/128" "$TMP/c5.conf" &&
	[ -z "$(file_ips | uniq -d)" ] && [ -z "$(live_ips | uniq -d)" ] &&
	[ "$(file_ips)" = "$(live_ips)" ] &&
	[ "$(hs "$K1")" = "$HS1" ]
'
test_expect_success 'peer list: names, addresses, handshake, transfer; --json' '
	peer list "$CONF" >list && grep -q "^c1 .*$K1 10.80.0.3/32,fd80::3/128 .*20[0-9-]*T" list &&
	grep -q "^c4 " list && ! grep -q "^c2 " list &&
	peer list --json "$CONF" >list.json &&
	python3 -c "
import json, sys
l = json.load(open(\"list.json\"))
c1 = [p for p in l if p[\"name\"] == \"c1\"][0]
assert c1[\"public_key\"] == \"$K1\" and c1[\"latest_handshake\"] == $HS1, c1
assert c1[\"transfer_rx\"] > 0 and c1[\"allowed_ips\"] == [\"10.80.0.3/32\", \"fd80::3/128\"], c1
assert [p[\"name\"] for p in l].count(None) == 1  # the hand-written peer has no name
"
'
test_expect_success 'eight concurrent adds are serialized: eight peers, eight addresses' '
	before=$(grep -c "^\[Peer\]" "$CONF") && pids= &&
	for i in 1 2 3 4 5 6 7 8; do
		S "$WGCTL" peer add "$CONF" par$i --out "$TMP/par$i.conf" 2>par$i.log & pids="$pids $!"
	done && for pid in $pids; do wait $pid || exit 1; done &&
	[ "$(grep -c "^\[Peer\]" "$CONF")" = $((before + 8)) ] &&
	[ -z "$(file_ips | uniq -d)" ] && [ "$(file_ips)" = "$(live_ips)" ] &&
	[ "$(sed -n "s/^Address = //p" "$TMP"/par*.conf | sort -u | wc -l)" = 8 ] &&
	"$WGCTL" check "$CONF" >/dev/null
'
test_expect_success 'no client private key in the server files' '
	for f in "$TMP"/c1.conf "$TMP"/wgc2.conf "$TMP"/c3.conf "$TMP"/c4.conf "$TMP"/par*.conf; do
		k=$(sed -n "s/^PrivateKey = //p" "$f") && [ -n "$k" ] &&
		! grep -rqF "$k" "$TMP/srv" || exit 1
	done
'
snap() { cat "$CONF" && S wg showconf $SIF; }
test_expect_success 'bad input: one error each, file and interface unchanged' '
	snap >before &&
	! peer add "$CONF" c1 2>e1 && grep -q "already named .c1." e1 &&
	! peer add "$CONF" x --address 10.80.0.3 2>e2 && grep -q "10.80.0.3.*already taken" e2 &&
	! peer add "$CONF" x --address 10.80.0.255 2>e3 && grep -q "already taken" e3 &&
	! peer add "$CONF" "bad name" 2>e4 && grep -q "peer name" e4 &&
	! peer add "$CONF" x --full-tunnel --allowed-ips 1.2.3.4/32 2>e5 && grep -q Usage e5 &&
	! peer add "$CONF" x --allowed-ips 1.2.3.4/99 2>e6 &&
	! peer remove "$CONF" nosuch 2>e7 && grep -q "no peer named .nosuch." e7 &&
	snap >after && cmp before after &&
	[ $(wc -l <e1) = 1 ] && [ $(wc -l <e2) = 1 ]
'
test_expect_success 'a full subnet, no Address, no endpoint: errors, files unchanged' '
	mkdir -p "$TMP/o" && printf "[Interface]\nPrivateKey = %s\nAddress = 10.81.0.1/30\n# PublicEndpoint = h:1\n" \
		"$("$WGCTL" genkey)" >"$TMP/o/f1.conf" &&
	"$WGCTL" peer add "$TMP/o/f1.conf" a 2>/dev/null >/dev/null && cp "$TMP/o/f1.conf" f1 &&
	! "$WGCTL" peer add "$TMP/o/f1.conf" b 2>e && grep -q "f1.conf:3: no free address left in .10.81.0.1/30." e &&
	cmp f1 "$TMP/o/f1.conf" &&
	printf "[Interface]\nPrivateKey = %s\n" "$("$WGCTL" genkey)" >"$TMP/o/f2.conf" && cp "$TMP/o/f2.conf" f2 &&
	! "$WGCTL" peer add "$TMP/o/f2.conf" b 2>e && grep -q "no .Address =." e && cmp f2 "$TMP/o/f2.conf" &&
	! "$WGCTL" peer add "$TMP/o/f2.conf" b --address 10.1.1.1 2>e && grep -q "pass --allowed-ips" e &&
	cmp f2 "$TMP/o/f2.conf" &&
	printf "[Interface]\nPrivateKey = %s\nAddress = 10.82.0.1/24\n" "$("$WGCTL" genkey)" >"$TMP/o/f3.conf" &&
	cp "$TMP/o/f3.conf" f3 && ! "$WGCTL" peer add "$TMP/o/f3.conf" b 2>e && grep -q "no endpoint" e &&
	cmp f3 "$TMP/o/f3.conf" && "$WGCTL" peer add "$TMP/o/f3.conf" b --endpoint h:1 >/dev/null 2>&1
'
test_done
