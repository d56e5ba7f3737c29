#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl reresolve` (contrib/reresolve-dns.sh's behaviour): hostname endpoints of stale peers
# follow their DNS, IPv4 and IPv6; a name that fails is reported with its line and does not stop
# the others; a peer with a fresh handshake and numeric endpoints are left alone; a peer that is
# not on the interface is not re-created. Names come from a hosts file that `ip netns exec`
# mounts over /etc/hosts for this namespace only (/etc/netns/NS/hosts).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip wg ping
ns=wgctl-t400-$$ nsb=wgctl-t400b-$$
test_netns "$ns" && test_netns "$nsb" || test_skip_all "cannot create network namespaces"
mkdir -p /etc/netns/$ns && test_on_exit "rm -rf /etc/netns/$ns; rmdir /etc/netns 2>/dev/null"
in_ns() { ip netns exec "$ns" "$@"; }
in_b() { ip netns exec "$nsb" "$@"; }
IF=wgr$$ IFB=wgrb$$
IF=${IF:0:15} IFB=${IFB:0:15}
in_ns ip link set lo up
in_ns "$WGCTL" daemon $IF
umask 077
for k in a b c d e self; do wg genkey >"$TMP/$k.key"; wg pubkey <"$TMP/$k.key" >"$TMP/$k.pub"; done
pub() { cat "$TMP/$1.pub"; }
hosts() { printf '127.0.0.1 localhost\n%s\n' "$@" >/etc/netns/$ns/hosts; }
cat >"$TMP/$IF.conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/self.key")
ListenPort = 51400
[Peer]
PublicKey = $(pub a)
AllowedIPs = 10.40.1.0/24
Endpoint = peer-a.test:51820
[Peer]
PublicKey = $(pub b)
AllowedIPs = 10.40.2.0/24
Endpoint = peer-b.test:51821
[Peer]
PublicKey = $(pub c)
AllowedIPs = 10.40.3.0/24
Endpoint = nowhere.invalid:51822
[Peer]
PublicKey = $(pub d)
AllowedIPs = 10.40.4.0/24
Endpoint = 192.0.2.40:51823
[Peer]
PublicKey = $(pub e)
AllowedIPs = 10.40.5.0/24
Endpoint = peer-e.test:51824
CONF
ep() { in_ns wg show $IF endpoints | awk -v k="$(pub $1)" '$1 == k { print $2 }'; }

test_expect_success 'setup: names resolve at setconf time, peer E then removed' '
	hosts "192.0.2.10 peer-a.test" "2001:db8::b peer-b.test" "192.0.2.30 nowhere.invalid" \
		"192.0.2.50 peer-e.test" &&
	in_ns "$WGCTL" setconf $IF "$TMP/$IF.conf" &&
	in_ns "$WGCTL" set $IF peer "$(pub e)" remove &&
	[ "$(ep a)" = 192.0.2.10:51820 ] && [ "$(ep b)" = "[2001:db8::b]:51821" ]
'
test_expect_success 'names move: stale peers follow, a failing name is reported and others go on' '
	hosts "192.0.2.11 peer-a.test" "2001:db8::bb peer-b.test" "192.0.2.51 peer-e.test" &&
	! in_ns env WG_ENDPOINT_RESOLUTION_RETRIES=0 "$WGCTL" reresolve "$TMP/$IF.conf" >out 2>err &&
	[ "$(ep a)" = 192.0.2.11:51820 ] && [ "$(ep b)" = "[2001:db8::bb]:51821" ] &&
	[ "$(ep c)" = 192.0.2.30:51822 ] && [ "$(ep d)" = 192.0.2.40:51823 ] &&
	grep -q "$IF.conf:[0-9]*: .*\`nowhere.invalid:51822'"'"'" err &&
	grep -q "peer-a.test:51820 now resolves to 192.0.2.11:51820 (was 192.0.2.10:51820)" out &&
	! in_ns wg show $IF peers | grep -qxF "$(pub e)"
'
test_expect_success 'nothing changed: silent, exit 0 once the bad name is fixed' '
	hosts "192.0.2.11 peer-a.test" "2001:db8::bb peer-b.test" "192.0.2.31 nowhere.invalid" &&
	in_ns "$WGCTL" reresolve "$TMP/$IF.conf" >out 2>err && [ "$(ep c)" = 192.0.2.31:51822 ] &&
	! grep -q peer-a out
'
# A fresh handshake keeps the endpoint even when the name moved: a real tunnel to peer A.
test_expect_success 'a peer with a handshake younger than 135 s is left alone' '
	ip link add vr$$ netns "$ns" type veth peer name vrb$$ netns "$nsb" &&
	in_ns ip addr add 192.0.2.11/24 dev vr$$ && in_ns ip link set vr$$ up &&
	in_b ip addr add 192.0.2.12/24 dev vrb$$ && in_b ip link set vrb$$ up && in_b ip link set lo up &&
	in_b "$WGCTL" daemon $IFB &&
	in_b "$WGCTL" set $IFB private-key "$TMP/a.key" listen-port 51820 \
		peer "$(pub self)" allowed-ips 10.40.0.1/32 &&
	in_b ip addr add 10.40.1.1/24 dev $IFB && in_b ip link set $IFB up &&
	in_b ip route add 10.40.0.0/24 dev $IFB &&
	hosts "192.0.2.12 peer-a.test" "2001:db8::bb peer-b.test" "192.0.2.31 nowhere.invalid" &&
	in_ns "$WGCTL" set $IF peer "$(pub a)" endpoint 192.0.2.12:51820 &&
	in_ns ip addr add 10.40.0.1/24 dev $IF && in_ns ip link set $IF up &&
	in_ns ip route add 10.40.1.0/24 dev $IF &&
	{ in_ns ping -c 1 -W 5 10.40.1.1 >/dev/null || { echo ping failed; in_ns wg show; in_b wg show; false; }; } &&
	hosts "192.0.2.99 peer-a.test" "2001:db8::bb peer-b.test" "192.0.2.31 nowhere.invalid" &&
	in_ns "$WGCTL" reresolve "$TMP/$IF.conf" && [ "$(ep a)" = 192.0.2.12:51820 ]
'
test_done
