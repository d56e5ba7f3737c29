#!/bin/bash
# SPDX-License-Identifier: MIT
# Malformed datagrams against a running `wgctl daemon`: each kind is dropped without any reply,
# the daemon keeps running, and the drop is counted under its own name in the `stats=1` answer
# of the UAPI socket. (The authenticated kinds - bad tag, replay, disallowed inner source - need
# a live session and are covered with real keys in t_datapath_device.)
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3

ns=wgctl-t120-$$
IF=wgt120
export WGCTL_RUN_DIR=$TMP/run
test_netns "$ns" || test_skip_all "cannot create a network namespace"
ip -n "$ns" link set lo up
sock=$WGCTL_RUN_DIR/$IF.sock
priv=$("$WGCTL" genkey)
pub=$(echo "$priv" | "$WGCTL" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51900\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.2/32\n' \
	"$priv" "$("$WGCTL" genkey | "$WGCTL" pubkey)" >"$TMP/c.conf"

test_expect_success 'daemon starts and takes a config' '
	ip netns exec "$ns" "$WGCTL" daemon $IF &&
	ip netns exec "$ns" "$WGCTL" setconf $IF "$TMP/c.conf" &&
	ip -n "$ns" link set $IF up
'

stat() {
	"$TOP/tests/uapi.py" "$sock" 'stats=1\n\n' | sed -n "s/^$1=//p"
}

check_kind() { # kind counter [address]
	local kind=$1 counter=$2 addr=${3:-127.0.0.1}
	test_expect_success "malformed $kind ($addr): no reply, counted as $counter" '
		before=$(stat $counter) && total=$(stat rx_datagrams) &&
		out=$(ip netns exec "$ns" "$TOP/tests/wgcraft.py" $addr 51900 "$pub" $kind) &&
		[ "$out" = "$kind silent" ] &&
		[ "$(stat $counter)" = $((before + 1)) ] &&
		[ "$(stat rx_datagrams)" = $((total + 1)) ]
	'
}

check_kind empty rx_short
check_kind short rx_short
check_kind type0 rx_bad_type
check_kind type5 rx_bad_type
check_kind reserved rx_bad_type
check_kind init-truncated rx_bad_size
check_kind init-oversized rx_bad_size
check_kind response-truncated rx_bad_size
check_kind cookie-oversized rx_bad_size
check_kind data-huge rx_unknown_index
check_kind init-bad-mac1 rx_bad_mac1
check_kind init-garbage rx_handshake_invalid
check_kind init-garbage rx_handshake_invalid ::1
check_kind response-unknown-index rx_unknown_index
check_kind cookie-unknown-index rx_unknown_index
check_kind data-unknown-index rx_unknown_index ::1

test_expect_success 'daemon still serves get after all of it' '
	"$TOP/tests/uapi.py" "$sock" "get=1\n\n" | grep -q "^listen_port=51900$"
'

daemon_pid() {
	local p
	for p in $(ip netns pids "$ns"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = wgctl ] && echo "$p" && return 0
	done
	return 1
}
settled() { # counter: its value once it stops changing
	local a b
	b=$(stat "$1")
	while sleep 0.2; a=$(stat "$1"); [ "$a" != "$b" ]; do b=$a; done
	echo "$a"
}
# Handshakes have their own receive queue, a reuseport pair steered by message type: a flood
# that overflows it (the daemon stopped, so nothing is read) must not cost a data datagram.
pid=
test_expect_success 'handshake flood overflowing its queue: every data datagram still read' '
	pid=$(daemon_pid) && d0=$(stat rx_unknown_index) && h0=$(stat rx_bad_mac1) &&
	kill -STOP "$pid" &&
	ip netns exec "$ns" python3 -c "
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20000):
    s.sendto(bytes([1, 0, 0, 0]) + os.urandom(144), (\"127.0.0.1\", 51900))
for i in range(100):
    s.sendto(bytes([4, 0, 0, 0]) + os.urandom(60), (\"127.0.0.1\", 51900))
"; r=$?; kill -CONT "$pid"; [ $r = 0 ] &&
	[ "$(settled rx_unknown_index)" = $((d0 + 100)) ] && h=$(($(settled rx_bad_mac1) - h0)) &&
	echo "handshakes read: $h of 20000" && [ "$h" -gt 0 ] && [ "$h" -lt 20000 ] &&
	[ "$(ip netns exec "$ns" ss -Huan "sport = :51900" | wc -l)" = 4 ]
'
test_expect_success 'a link deletion forged by a local process is ignored' '
	pid=$(daemon_pid) && idx=$(ip netns exec "$ns" cat /sys/class/net/$IF/ifindex) &&
	n=$(ip netns exec "$ns" "$TOP/tests/nlforge.py" "$pid" "$idx") && [ "$n" -ge 1 ] &&
	sleep 0.5 && kill -0 "$pid" && [ -S "$sock" ] &&
	"$TOP/tests/uapi.py" "$sock" "get=1\n\n" | grep -q "^listen_port=51900$"
'
test_done
