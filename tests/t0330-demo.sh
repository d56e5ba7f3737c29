#!/bin/bash
# SPDX-License-Identifier: MIT
# `make demo` (contrib/demo.sh), the README's main job: two namespaces as two hosts, each
# brought up by `wgctl up wg0` from its own config directory; `wgctl show` shows a handshake and
# traffic; pings cross the tunnel over IPv4 and IPv6; `wgctl down`. Afterwards nothing it made is
# left: no namespace, no link, no process, no file; the same when it is interrupted mid-way.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"
ip netns add wgctl-t330-probe-$$ 2>/dev/null || test_skip_all "cannot create a network namespace"
ip netns del wgctl-t330-probe-$$

# The names of the root namespace's links, and whether the run dir wgctl uses by default has any
# socket of the demo's (it must use its own directory).
links() { ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort; }
default_socks() { ls /run/wireguard 2>/dev/null | grep -x 'wg0.sock' || true; }
cd "$TMP" || exit 1
links >links.before
default_socks >socks.before
mkdir tmp

# A process that has exited but not yet been reaped (a detached daemon's parent is init) is gone.
alive() {
	local stat
	stat=$(ps -o stat= -p "$1") && [ "${stat#Z}" = "$stat" ]
}
# Checks, after a run whose output is $1, that nothing the run made is left.
nothing_left() {
	local ns pid
	for ns in $(sed -n 's/^--- hosts: namespaces \(.*\) and \(.*\)$/\1 \2/p' "$1"); do
		! ip netns list | grep -qw "$ns" || { echo "namespace $ns left" && return 1; }
	done
	for pid in $(sed -n 's/.*bundled datapath (pids \(.*\))$/\1/p' "$1"); do
		! alive "$pid" || { echo "daemon $pid still runs" && return 1; }
	done
	links >links.after && diff links.before links.after &&
		default_socks >socks.after && diff socks.before socks.after &&
		[ -z "$(ls -A tmp)" ]
}

test_expect_success 'make demo: two hosts up with wgctl up, pings over IPv4 and IPv6' '
	TMPDIR=$PWD/tmp WGCTL="$WGCTL" "$TOP/contrib/demo.sh" >out 2>&1 &&
	grep -qx -- "--- host a: wgctl up wg0   (config: etc-a/wg0.conf)" out &&
	grep -qx -- "--- host b: wgctl up wg0   (config: etc-b/wg0.conf)" out &&
	grep -qx "\[#\] ip -4 address add 10.99.0.2/24 dev wg0" out &&
	grep -qx "\[#\] ip -6 address add fd99::1/64 dev wg0" out &&
	[ "$(grep -c "^--- host .: wg0 is \(the kernel.s WireGuard link\|carried by wgctl.s bundled datapath (pids [0-9 ]*)\)$" out)" = 2 ] &&
	[ "$(grep -c "^3 packets transmitted, 3 received, 0% packet loss" out)" = 2 ] &&
	grep -q "^64 bytes from 10.99.0.1: " out && grep -q "^64 bytes from fd99::2: " out
'
test_expect_success 'the datapath it names is the one this kernel offers (kernel tier: the module)' '
	if [ -d /sys/module/wireguard ]; then want="the kernel.s WireGuard link"; else want="carried by wgctl.s bundled datapath"; fi &&
	[ "$(grep -c "^--- host .: wg0 is $want" out)" = 2 ]
'
test_expect_success 'wgctl show in each host: the peer by name, a handshake, traffic' '
	grep -qx "  name: host B" out && grep -qx "  name: host A" out &&
	[ "$(grep -c "^  latest handshake: " out)" = 2 ] &&
	[ "$(grep -c "^  transfer: [1-9][0-9.]* [KMG]*i*B received, [1-9][0-9.]* [KMG]*i*B sent$" out)" = 2 ] &&
	! grep -q "PrivateKey\|private key: [^(]" out
'
test_expect_success 'wgctl down in both hosts' '
	[ "$(grep -cx "\[#\] ip link delete dev wg0" out)" = 2 ]
'
test_expect_success 'nothing left: namespaces, links, processes, files' '
	nothing_left out
'

# Interrupted while the tunnel is up: a ping that hangs until the demo's process group is
# terminated. (SIGTERM, not SIGINT: a background job of a script starts with SIGINT ignored.)
mkdir slow && printf '#!/bin/sh\nsleep 60\n' >slow/ping && chmod +x slow/ping
test_expect_success 'terminated mid-way (SIGTERM to its process group): nothing left' '
	{ TMPDIR=$PWD/tmp PATH=$PWD/slow:$PATH WGCTL="$WGCTL" setsid "$TOP/contrib/demo.sh" >out2 2>&1 & } &&
	pgid=$! &&
	for _ in $(seq 100); do grep -q "^--- host B pings" out2 && break; sleep 0.1; done &&
	grep -q "^--- host B pings" out2 &&
	[ "$(ps -o pgid= -p "$pgid" | tr -d " ")" = "$pgid" ] && kill -TERM -- "-$pgid" &&
	for _ in $(seq 100); do [ -z "$(ls -A tmp)" ] && ! ip netns list | grep -q "wgdemo-.-$pgid" && break; sleep 0.1; done &&
	sleep 0.5 && nothing_left out2
'
test_done
