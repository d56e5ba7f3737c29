#!/bin/bash
# SPDX-License-Identifier: MIT
# The bundled daemon's TUN moved to another network namespace and back (`ip link set wg1 netns B`,
# WireGuard's birthplace pattern): the daemon keeps running, its UDP sockets stay where it started,
# and the link carries pings and a large iperf3 transfer wherever it is. It stops when the link is
# deleted in its new home, or when that namespace goes away with it.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip iperf3 python3 timeout
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

A=wgctl-t460a-$$ S=wgctl-t460s-$$ B=wgctl-t460b-$$
for n in "$A" "$S" "$B"; do test_netns "$n" || test_skip_all "cannot create a network namespace"; done
export WGCTL_RUN_DIR=$TMP/run
# Transfer size; the issue's figure is 1 GB.
SIZE=${T460_SIZE:-1G}

ip link add t460a type veth peer name t460s netns "$S" && ip link set t460a netns "$A" &&
	ip -n "$A" addr add 10.46.0.1/24 dev t460a && ip -n "$A" link set t460a up &&
	ip -n "$S" addr add 10.46.0.2/24 dev t460s && ip -n "$S" link set t460s up &&
	ip -n "$A" link set lo up && ip -n "$S" link set lo up && ip -n "$B" link set lo up ||
	test_skip_all "cannot make veth links"

apriv=$("$WGCTL" genkey) spriv=$("$WGCTL" genkey)
apub=$(echo "$apriv" | "$WGCTL" pubkey) spub=$(echo "$spriv" | "$WGCTL" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.47.0.2/32\nEndpoint = 10.46.0.2:51820\n' \
	"$apriv" "$spub" >"$TMP/a.conf"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.47.0.1/32\n' \
	"$spriv" "$apub" >"$TMP/s.conf"

# PID of the daemon serving $1, wherever its link went: it stays in namespace $2.
daemon_pid() {
	local p
	for p in $(ip netns pids "$2"); do
		case " $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in
		*" $1 ") echo "$p" && return 0 ;;
		esac
	done
	return 1
}
ping_from() { # namespace
	local i
	for i in $(seq 20); do
		ip netns exec "$1" ping -c1 -W1 -q 10.47.0.2 >/dev/null 2>&1 && return 0
	done
	return 1
}
# Sets the link up with its address in namespace $1.
bring_up() {
	ip -n "$1" addr add 10.47.0.1/24 dev wga && ip -n "$1" link set wga up
}
transfer() { # namespace
	ip netns exec "$1" timeout 300 iperf3 -c 10.47.0.2 -n "$SIZE" -J >"$TMP/iperf.json" 2>&1 &&
		python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
s, r, n = e["sum_sent"], e["sum_received"], int(sys.argv[2])
print("# %.0f MB at %.0f Mbit/s" % (r["bytes"] / 1e6, r["bits_per_second"] / 1e6))
# The receiver'"'"'s count is taken when the sender stops: what is still in flight is not in it.
assert s["bytes"] >= n and r["bytes"] >= n * 0.9, e' "$TMP/iperf.json" "$(numfmt --from=iec "$SIZE")"
}

test_expect_success 'a tunnel between two daemons carries pings at home' '
	ip netns exec "$A" "$WGCTL" daemon wga && ip netns exec "$A" "$WGCTL" setconf wga "$TMP/a.conf" &&
	ip netns exec "$S" "$WGCTL" daemon wgs && ip netns exec "$S" "$WGCTL" setconf wgs "$TMP/s.conf" &&
	ip -n "$S" addr add 10.47.0.2/24 dev wgs && ip -n "$S" link set wgs up &&
	bring_up "$A" && ping_from "$A" &&
	ip netns exec "$S" iperf3 -s -D -B 10.47.0.2 >/dev/null 2>&1
'
pid=$(daemon_pid wga "$A")

test_expect_success 'moved to another namespace, the daemon keeps running and the link works there' '
	[ -n "$pid" ] && ip -n "$A" link set wga netns "$B" && sleep 0.5 &&
	kill -0 "$pid" && ip -n "$B" link show wga >/dev/null && bring_up "$B" && ping_from "$B" &&
	! ip -n "$A" link show wga >/dev/null 2>&1 &&
	ip netns exec "$A" ss -uln | grep -q ":51820 "
'

test_expect_success "a $SIZE iperf3 transfer through the moved link" '
	transfer "$B" >"$TMP/out" && cat "$TMP/out" && kill -0 "$pid"
'

test_expect_success 'its MTU is followed there' '
	ip -n "$B" link set wga mtu 1300 &&
	wait_for "ip netns exec \"$B\" ping -c1 -W1 -q -M do -s 1272 10.47.0.2 >/dev/null 2>&1" &&
	! ip netns exec "$B" ping -c1 -W1 -q -M do -s 1273 10.47.0.2 >/dev/null 2>&1 &&
	ip -n "$B" link set wga mtu 1420
'

test_expect_success 'moved back home, it works again' '
	ip -n "$B" link set wga netns "$A" && sleep 0.5 && kill -0 "$pid" &&
	bring_up "$A" && ping_from "$A" && transfer "$A"
'

test_expect_success 'a rename on the way is followed too' '
	ip -n "$A" link set wga netns "$B" name wgb && sleep 0.5 && kill -0 "$pid" &&
	ip -n "$B" addr add 10.47.0.1/24 dev wgb && ip -n "$B" link set wgb up && ping_from "$B"
'

test_expect_success 'deleting the link in its new namespace stops the daemon' '
	ip -n "$B" link del wgb && wait_for "! kill -0 $pid 2>/dev/null" &&
	[ ! -e "$WGCTL_RUN_DIR/wga.sock" ]
'

test_expect_success 'deleting the namespace that holds the link stops the daemon' '
	ip netns exec "$A" "$WGCTL" daemon wga && pid=$(daemon_pid wga "$A") &&
	ip netns add "$B-2" && ip -n "$A" link set wga netns "$B-2" && sleep 0.3 && kill -0 "$pid" &&
	ip netns del "$B-2" && wait_for "! kill -0 $pid 2>/dev/null"
'

test_done
