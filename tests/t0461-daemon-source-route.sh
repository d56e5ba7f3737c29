#!/bin/bash
# SPDX-License-Identifier: MIT
# The bundled daemon's learned source address follows the route to its peer: when a better route
# via a second interface appears, the source learned on the first one is dropped, as the kernel
# does, and the peer sees the new address (`wgctl show endpoints` on the peer). IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

A=wgctl-t461a-$$ S=wgctl-t461s-$$
for n in "$A" "$S"; do test_netns "$n" || test_skip_all "cannot create a network namespace"; done
export WGCTL_RUN_DIR=$TMP/run

# Two links between A and S; the peer's endpoint address lives on S's loopback, reachable by both.
for i in 1 2; do
	ip link add "t461a$i" netns "$A" type veth peer name "t461s$i" netns "$S" &&
		ip -n "$A" addr add "10.48.$i.1/24" dev "t461a$i" &&
		ip -n "$A" addr add "fd00:48:$i::1/64" dev "t461a$i" nodad &&
		ip -n "$S" addr add "10.48.$i.2/24" dev "t461s$i" &&
		ip -n "$S" addr add "fd00:48:$i::2/64" dev "t461s$i" nodad &&
		ip -n "$A" link set "t461a$i" up && ip -n "$S" link set "t461s$i" up ||
		test_skip_all "cannot make veth links"
done
ip -n "$A" link set lo up && ip -n "$S" link set lo up &&
	ip -n "$S" addr add 10.48.9.1/32 dev lo && ip -n "$S" addr add fd00:48:9::1/128 dev lo &&
	ip netns exec "$S" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 &&
	ip -n "$A" route add 10.48.9.1/32 via 10.48.1.2 metric 100 &&
	ip -n "$A" -6 route add fd00:48:9::1/128 via fd00:48:1::2 metric 100 ||
	test_skip_all "cannot set up the routes"
for i in 1 2; do ip netns exec "$S" sysctl -qw "net.ipv4.conf.t461s$i.rp_filter=0"; done

apriv=$("$WGCTL" genkey) spriv=$("$WGCTL" genkey)
apub=$(echo "$apriv" | "$WGCTL" pubkey) spub=$(echo "$spriv" | "$WGCTL" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.49.0.2/32\nEndpoint = 10.48.9.1:51820\n' \
	"$apriv" "$spub" >"$TMP/a.conf"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.49.0.1/32\n' \
	"$spriv" "$apub" >"$TMP/s.conf"

pings() {
	local i ok=1
	for i in $(seq 10); do
		ip netns exec "$A" ping -c1 -W1 -q 10.49.0.2 >/dev/null 2>&1 && ok=0 && break
	done
	[ $ok = 0 ] && ip netns exec "$A" ping -c3 -i 0.2 -W1 -q 10.49.0.2 >/dev/null 2>&1
}
# The endpoint of A as the peer sees it.
seen() {
	ip netns exec "$S" "$WGCTL" show wgs endpoints | cut -f 2
}

test_expect_success 'the peer first sees the source of the first route (IPv4)' '
	ip netns exec "$A" "$WGCTL" daemon wga && ip netns exec "$A" "$WGCTL" setconf wga "$TMP/a.conf" &&
	ip netns exec "$S" "$WGCTL" daemon wgs && ip netns exec "$S" "$WGCTL" setconf wgs "$TMP/s.conf" &&
	ip -n "$A" addr add 10.49.0.1/24 dev wga && ip -n "$A" link set wga up &&
	ip -n "$S" addr add 10.49.0.2/24 dev wgs && ip -n "$S" link set wgs up &&
	pings && seen >out && grep -qx "10.48.1.1:51820" out
'

test_expect_success 'a better route via the second link moves the source the peer sees (IPv4)' '
	ip -n "$A" route add 10.48.9.1/32 via 10.48.2.2 metric 10 &&
	pings && seen >out && grep -qx "10.48.2.1:51820" out
'

test_expect_success 'and back when that route goes (IPv4)' '
	ip -n "$A" route del 10.48.9.1/32 via 10.48.2.2 metric 10 &&
	pings && seen >out && grep -qx "10.48.1.1:51820" out
'

test_expect_success 'the peer first sees the source of the first route (IPv6)' '
	ip netns exec "$A" "$WGCTL" set wga peer "$spub" endpoint "[fd00:48:9::1]:51820" &&
	pings && seen >out && grep -qx "\[fd00:48:1::1\]:51820" out
'

test_expect_success 'a better route via the second link moves the source the peer sees (IPv6)' '
	ip -n "$A" -6 route add fd00:48:9::1/128 via fd00:48:2::2 metric 10 &&
	pings && seen >out && grep -qx "\[fd00:48:2::1\]:51820" out
'

test_done
