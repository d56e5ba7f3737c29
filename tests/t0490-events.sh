#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl events` (issue 24) watching a real tunnel: host A (bundled daemon) and host B
# (wireguard-go) in namespaces. With a period of 0.2 s and a stale time of 3 s:
#  - B's first handshake is "connected", 3 s of silence "disconnected", B changing its port and
#    sending is "endpoint" (roaming) with the previous endpoint, the peer removed "removed" and
#    set again "added": each exactly once, in that order, with the config's name;
#  - --exec runs per event with WGCTL_EVENT, WGCTL_INTERFACE, WGCTL_PUBLIC_KEY,
#    WGCTL_PEER_NAME, WGCTL_ENDPOINT, WGCTL_PREVIOUS_ENDPOINT, WGCTL_LATEST_HANDSHAKE;
#  - across a restart of `events` (SIGTERM), a change made while it was down is reported once
#    by the new run, and nothing seen before is reported again.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping wg wireguard-go python3
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

unset WGCTL_RUN_DIR
export WGCTL_STATE_DIR=$TMP/state WGCTL_CONFIG_DIR=$TMP/conf
na=wgctl-t490a-$$ nb=wgctl-t490b-$$
test_netns "$na" && test_netns "$nb" || test_skip_all "cannot create network namespaces"
ip link add v490a$$ netns "$na" type veth peer name v490b$$ netns "$nb" ||
	test_skip_all "cannot create a veth pair"
A() { ip netns exec "$na" "$@"; }
B() { ip netns exec "$nb" "$@"; }
A ip addr add 192.168.90.1/24 dev v490a$$ && A ip link set v490a$$ up
B ip addr add 192.168.90.2/24 dev v490b$$ && B ip link set v490b$$ up
IA=t490a$$ IB=t490b$$
umask 077
mkdir -p "$WGCTL_CONFIG_DIR"
wg genkey >"$TMP/a.key" && wg genkey >"$TMP/b.key"
PA=$(wg pubkey <"$TMP/a.key") PB=$(wg pubkey <"$TMP/b.key")
printf '[Interface]\nPrivateKey = %s\nListenPort = 51890\n[Peer]\n# Name = site-b\nPublicKey = %s\nAllowedIPs = 10.90.0.2/32\n' \
	"$(cat "$TMP/a.key")" "$PB" >"$WGCTL_CONFIG_DIR/$IA.conf"
A "$WGCTL" daemon $IA && A "$WGCTL" setconf $IA <(sed /^#/d "$WGCTL_CONFIG_DIR/$IA.conf") &&
	A ip addr add 10.90.0.1/24 dev $IA && A ip link set $IA up || test_skip_all "cannot set up A"
B wireguard-go $IB >/dev/null 2>&1 && B wg set $IB private-key "$TMP/b.key" listen-port 51891 \
	peer "$PA" allowed-ips 10.90.0.1/32 endpoint 192.168.90.1:51890 &&
	B ip addr add 10.90.0.2/24 dev $IB && B ip link set $IB up || test_skip_all "cannot set up B"

EV_PID=
start_events() {
	# Not through A(): a backgrounded function is a subshell, and killing it would leave
	# `events' running. ip netns exec execs, so $! is the events process itself.
	ip netns exec "$na" "$WGCTL" events $IA --interval 0.2 --stale 3 \
		--exec 'env | grep ^WGCTL_ | sort >>"$EVDIR/env.$WGCTL_EVENT"; echo --- >>"$EVDIR/env.$WGCTL_EVENT"' \
		</dev/null >>"$TMP/events.json" 2>>"$TMP/events.err" &
	EV_PID=$!
}
stop_events() { kill $EV_PID && wait_for "! kill -0 $EV_PID 2>/dev/null"; }
test_on_exit 'kill $EV_PID'
export EVDIR=$TMP
start_events
sleep 1
count() { grep -c "\"event\":\"$1\"" "$TMP/events.json"; }
has() { wait_for "[ \"\$(count $1)\" = ${2:-1} ]"; }

test_expect_success 'connected: B'"'"'s first handshake, with the name from the config' '
	B ping -c 1 -W 5 10.90.0.1 >/dev/null && has connected &&
	grep "\"event\":\"connected\"" "$TMP/events.json" | grep -q "\"public_key\":\"$PB\",\"name\":\"site-b\",\"endpoint\":\"192.168.90.2:51891\""
'
test_expect_success 'disconnected: no handshake for longer than --stale' '
	sleep 3 && has disconnected && [ "$(count connected)" = 1 ]
'
test_expect_success 'endpoint: B roams to another port, previous endpoint given' '
	B wg set $IB listen-port 51892 && B ping -c 1 -W 5 10.90.0.1 >/dev/null && has endpoint &&
	grep "\"event\":\"endpoint\"" "$TMP/events.json" |
		grep -q "\"endpoint\":\"192.168.90.2:51892\",\"previous_endpoint\":\"192.168.90.2:51891\""
'
test_expect_success 'removed and added' '
	A wg set $IA peer "$PB" remove && has removed &&
	A wg set $IA peer "$PB" allowed-ips 10.90.0.2/32 && has added
'
test_expect_success '--exec: the details in the environment' '
	grep -qx "WGCTL_EVENT=endpoint" "$TMP/env.endpoint" &&
	grep -qx "WGCTL_INTERFACE=$IA" "$TMP/env.endpoint" &&
	grep -qx "WGCTL_PUBLIC_KEY=$PB" "$TMP/env.endpoint" &&
	grep -qx "WGCTL_PEER_NAME=site-b" "$TMP/env.endpoint" &&
	grep -qx "WGCTL_ENDPOINT=192.168.90.2:51892" "$TMP/env.endpoint" &&
	grep -qx "WGCTL_PREVIOUS_ENDPOINT=192.168.90.2:51891" "$TMP/env.endpoint" &&
	grep -q "^WGCTL_LATEST_HANDSHAKE=[1-9]" "$TMP/env.connected" &&
	[ "$(grep -c -- --- "$TMP/env.connected")" = 1 ] && [ "$(grep -c -- --- "$TMP/env.removed")" = 1 ]
'
test_expect_success 'a restart: what happened meanwhile once, nothing again' '
	stop_events && [ -s "$WGCTL_STATE_DIR/$IA.events" ] &&
	A wg set $IA peer "$PB" remove && start_events && has removed 2 && sleep 1 &&
	[ "$(count connected)" = 1 ] && [ "$(count disconnected)" = 1 ] && [ "$(count endpoint)" = 1 ] &&
	[ "$(count added)" = 1 ] && [ "$(wc -l <"$TMP/events.json")" = 6 ] &&
	python3 -c "import json; [json.loads(l) for l in open(\"$TMP/events.json\")]" &&
	! grep -v "^$" "$TMP/events.err"
'
test_done
