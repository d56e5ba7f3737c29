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
test_done
