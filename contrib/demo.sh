#!/bin/bash
# SPDX-License-Identifier: MIT
# The main job: two hosts joined by a real WireGuard tunnel, each brought up with `wgctl up wg0`
# from its own /etc/wireguard-style directory. Two network namespaces joined by a veth pair play
# the hosts; their config directories, UAPI sockets and state live in one private temporary
# directory (WGCTL_CONFIG_DIR, WGCTL_RUN_DIR, WGCTL_STATE_DIR), so nothing of the machine's own
# /etc/wireguard or /run/wireguard is read or written. `up` takes the kernel's WireGuard where the
# module is, else wgctl's bundled datapath (`wgctl daemon`), and the demo says which.
# Needs root. Removes everything it made on exit, whatever happens: the namespaces, the links in
# them, any daemon still running there, and the temporary directory.
set -euo pipefail
WGCTL=$(realpath "${WGCTL:-$(dirname "$0")/../wgctl}")
[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
[ -x "$WGCTL" ] || { echo "demo: no wgctl binary at $WGCTL (run make first)" >&2; exit 1; }
tag=$$
ns_a=wgdemo-a-$tag ns_b=wgdemo-b-$tag
dir=$(mktemp -d "${TMPDIR:-/tmp}/wgctl-demo.XXXXXX")
made_ns=()
cleanup() {
	local ns pids=()
	trap - EXIT INT TERM
	for ns in "${made_ns[@]}"; do
		# Deleting the link ends a bundled daemon; any process still in the namespace is ours.
		ip -n "$ns" link del wg0 2>/dev/null || true
		pids+=($(ip netns pids "$ns" 2>/dev/null || true))
	done
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
	for _ in $(seq 50); do
		# An exited daemon may stay a zombie until init reaps it: that one is gone.
		ps -o stat= -p "$(IFS=,; echo "${pids[*]:-0}")" | grep -q '^[^Z]' || break
		sleep 0.1
	done
	for ns in "${made_ns[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 077

# Runs wgctl as host $1 ("a" or "b"): inside its namespace, with its own directories.
host() {
	local side=$1
	shift
	WGCTL_CONFIG_DIR=$dir/etc-$side WGCTL_RUN_DIR=$dir/run-$side WGCTL_STATE_DIR=$dir/state-$side \
		ip netns exec "wgdemo-$side-$tag" "$WGCTL" "$@"
}

a_priv=$("$WGCTL" genkey); a_pub=$(echo "$a_priv" | "$WGCTL" pubkey)
b_priv=$("$WGCTL" genkey); b_pub=$(echo "$b_priv" | "$WGCTL" pubkey)
psk=$("$WGCTL" genpsk)
mkdir -p "$dir/etc-a" "$dir/etc-b"
cat >"$dir/etc-a/wg0.conf" <<CONF
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
cat >"$dir/etc-b/wg0.conf" <<CONF
[Interface]
PrivateKey = $b_priv
Address = 10.99.0.2/24, fd99::2/64

[Peer]
# Name = host A
PublicKey = $a_pub
PresharedKey = $psk
AllowedIPs = 10.99.0.0/24, fd99::/64
Endpoint = 192.168.99.1:51820
PersistentKeepalive = 25
CONF
echo "--- wgctl check etc-a/wg0.conf etc-b/wg0.conf (the two hosts' configs, checked together)"
(cd "$dir" && "$WGCTL" check etc-a/wg0.conf etc-b/wg0.conf)

ip netns add "$ns_a" && made_ns+=("$ns_a")
ip netns add "$ns_b" && made_ns+=("$ns_b")
ip link add veth-a netns "$ns_a" type veth peer name veth-b netns "$ns_b"
ip -n "$ns_a" addr add 192.168.99.1/24 dev veth-a
ip -n "$ns_b" addr add 192.168.99.2/24 dev veth-b
for side in a b; do
	ns=wgdemo-$side-$tag
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "veth-$side" up
	echo "--- host $side: wgctl up wg0   (config: etc-$side/wg0.conf)"
	host "$side" up wg0
	if ip -n "$ns" -d link show wg0 | grep -qw wireguard; then
		echo "--- host $side: wg0 is the kernel's WireGuard link"
	else
		echo "--- host $side: wg0 is carried by wgctl's bundled datapath (pids $(ip netns pids "$ns" | tr '\n' ' ' | sed 's/ $//'))"
	fi
done
echo "--- hosts: namespaces $ns_a and $ns_b"

# IPv6 addresses may be tentative for a moment (duplicate address detection) on a TUN link.
for ns in "$ns_a" "$ns_b"; do
	for _ in $(seq 50); do
		[ -z "$(ip -n "$ns" -6 addr show dev wg0 tentative)" ] && break
		sleep 0.1
	done
done
echo "--- host B pings host A through the tunnel (B initiates: only B knows an endpoint)"
ip netns exec "$ns_b" ping -c 3 -i 0.2 -W 5 10.99.0.1
echo "--- host A pings host B over IPv6 inside the tunnel"
ip netns exec "$ns_a" ping -6 -c 3 -i 0.2 -W 5 fd99::2
echo "--- host A: wgctl show"
host a show
echo "--- host B: wgctl show wg0"
host b show wg0
for side in a b; do
	echo "--- host $side: wgctl down wg0"
	host "$side" down wg0
done
echo "--- both tunnels down; removing the namespaces and $dir"
