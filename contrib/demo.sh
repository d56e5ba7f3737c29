#!/bin/bash
# SPDX-License-Identifier: MIT
# The main job: a real WireGuard tunnel carried by wgctl's own datapath. Two network namespaces
# joined by a veth pair play two hosts; each runs `wgctl daemon`, is configured with
# `wgctl setconf`, and pings the other through the tunnel over IPv4 and IPv6.
# Needs root; everything it creates is removed on exit.
set -euo pipefail
WGCTL=$(realpath "${WGCTL:-$(dirname "$0")/../wgctl}")
[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
tag=$$
ns_a=wgdemo-a-$tag ns_b=wgdemo-b-$tag
dir=$(mktemp -d)
cleanup() {
	for ns in "$ns_a" "$ns_b"; do
		ip netns exec "$ns" ip link del wg0 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
umask 077
a_priv=$("$WGCTL" genkey); a_pub=$(echo "$a_priv" | "$WGCTL" pubkey)
b_priv=$("$WGCTL" genkey); b_pub=$(echo "$b_priv" | "$WGCTL" pubkey)
psk=$("$WGCTL" genpsk)
cat >"$dir/a.conf" <<CONF
[Interface]
PrivateKey = $a_priv
Address = 10.99.0.1/24, fd99::1/64
ListenPort = 51820

[Peer]
# Name = host B
PublicKey = $b_pub
PresharedKey = $psk
AllowedIPs = 10.99.0.2/32, fd99::2/128
CONF
cat >"$dir/b.conf" <<CONF
[Interface]
PrivateKey = $b_priv
Address = 10.99.0.2/24, fd99::2/64

[Peer]
PublicKey = $a_pub
PresharedKey = $psk
AllowedIPs = 10.99.0.0/24, fd99::/64
Endpoint = 192.168.99.1:51820
PersistentKeepalive = 25
CONF
echo "--- wgctl check"
"$WGCTL" check "$dir/a.conf" "$dir/b.conf"

ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add veth-a netns "$ns_a" type veth peer name veth-b netns "$ns_b"
ip -n "$ns_a" addr add 192.168.99.1/24 dev veth-a
ip -n "$ns_b" addr add 192.168.99.2/24 dev veth-b
for side in a b; do
	ns=wgdemo-$side-$tag
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "veth-$side" up
	echo "--- host $side: wgctl daemon wg0, wgctl setconf wg0 <(wgctl strip $side.conf)"
	# Namespaces share the filesystem, so each host keeps its UAPI socket in its own directory.
	WGCTL_RUN_DIR=$dir/run-$side ip netns exec "$ns" "$WGCTL" daemon wg0
	WGCTL_RUN_DIR=$dir/run-$side ip netns exec "$ns" "$WGCTL" setconf wg0 \
		<("$WGCTL" strip "$dir/$side.conf")
done
ip -n "$ns_a" addr add 10.99.0.1/24 dev wg0
ip -n "$ns_a" addr add fd99::1/64 dev wg0 nodad
ip -n "$ns_b" addr add 10.99.0.2/24 dev wg0
ip -n "$ns_b" addr add fd99::2/64 dev wg0 nodad
ip -n "$ns_a" link set wg0 up
ip -n "$ns_b" link set wg0 up

echo "--- host B pings host A through the tunnel (B initiates: only B knows an endpoint)"
ip netns exec "$ns_b" ping -c 3 -i 0.2 -W 5 10.99.0.1
echo "--- host A pings host B over IPv6 inside the tunnel"
ip netns exec "$ns_a" ping -6 -c 3 -i 0.2 -W 5 fd99::2
echo "--- host A: wgctl showconf wg0 (keys hidden)"
WGCTL_RUN_DIR=$dir/run-a ip netns exec "$ns_a" "$WGCTL" showconf wg0 | sed 's/^\(PrivateKey\|PresharedKey\) = .*/\1 = (hidden)/'
echo "--- tunnel up, traffic carried by wgctl's datapath; cleaning up"
