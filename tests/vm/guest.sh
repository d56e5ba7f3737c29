#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside the VM under dash, in /data (written by mkdata.sh), as root on a kernel that has
# WireGuard. TAP goes to fd 3; command output to the console. $WGCTL is the binary under test;
# `wg` is Debian's wireguard-tools, the reference every output is compared with.
W=${WGCTL:-wgctl}
n=0
failed=0

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# t 'description' function [args]: the function runs under set -e in a subshell.
t() {
	desc=$1
	shift
	n=$((n + 1))
	echo "=== $n - $desc"
	t0=$(now_ms)
	out=$( (set -e; "$@") 2>&1)
	rc=$?
	ms=$(($(now_ms) - t0))
	printf '%s\n' "$out"
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $desc" >&3
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc" >&3
		printf '%s\n' "$out" | tail -n 25 | sed 's/^/# /' >&3
	fi
	echo "# $n took ${ms} ms" >&3
}


# Byte-identical, or show where not.
same() {
	if ! cmp "$1" "$2"; then
		if command -v diff >/dev/null; then
			diff -u "$1" "$2" | head -n 40 | cut -c 1-200
		else
			head -n 20 "$1" | cut -c 1-200
			echo ---
			head -n 20 "$2" | cut -c 1-200
		fi
		return 1
	fi
}

fails() {
	if "$@"; then
		echo "unexpected success: $*"
		return 1
	fi
	return 0
}

# ---- 1. setconf / showconf against wg ------------------------------------------------------

t_link() {
	ip link add wg0 type wireguard
	ip link show wg0
}

t_basic() {
	$W setconf wg0 basic-messy.conf
	$W showconf wg0 >/tmp/basic.wgctl
	wg showconf wg0 >/tmp/basic.wg
	same /tmp/basic.wg /tmp/basic.wgctl
	same basic.conf /tmp/basic.wg
}

t_basic_wg_set() {
	ip link add wg9 type wireguard
	wg setconf wg9 basic-messy.conf
	$W showconf wg9 >/tmp/basic9.wgctl
	same basic.conf /tmp/basic9.wgctl
}

t_errors() {
	fails $W showconf nosuch0 2>/tmp/e.wgctl
	fails wg showconf nosuch0 2>/tmp/e.wg
	same /tmp/e.wg /tmp/e.wgctl
	fails $W showconf lo 2>/tmp/e.wgctl
	fails wg showconf lo 2>/tmp/e.wg
	same /tmp/e.wg /tmp/e.wgctl
	fails $W setconf nosuch0 basic.conf 2>/tmp/e.wgctl
	fails wg setconf nosuch0 basic.conf 2>/tmp/e.wg
	same /tmp/e.wg /tmp/e.wgctl
	cat /tmp/e.wg
}

# ---- 2. scale ------------------------------------------------------------------------------

t_big() {
	ip link add wg1 type wireguard
	a=$(now_ms)
	timeout 120 $W setconf wg1 big.conf
	b=$(now_ms)
	timeout 120 wg showconf wg1 >/tmp/big.wg
	c=$(now_ms)
	timeout 120 $W showconf wg1 >/tmp/big.wgctl
	d=$(now_ms)
	echo "setconf $((b - a)) ms, wg showconf $((c - b)) ms, wgctl showconf $((d - c)) ms"
	same big.conf /tmp/big.wg
	same big.conf /tmp/big.wgctl
}

t_many() {
	ip link add wg2 type wireguard
	timeout 120 $W setconf wg2 many.conf
	timeout 120 wg showconf wg2 >/tmp/many.wg
	timeout 120 $W showconf wg2 >/tmp/many.wgctl
	same many.conf /tmp/many.wg
	same many.conf /tmp/many.wgctl
}

t_many_wg_set() {
	ip link add wg3 type wireguard
	timeout 120 wg setconf wg3 many.conf
	timeout 120 $W showconf wg3 >/tmp/many3.wgctl
	same many.conf /tmp/many3.wgctl
}

t_replace() {
	timeout 120 $W setconf wg1 basic.conf
	$W showconf wg1 >/tmp/replaced.wgctl
	wg showconf wg1 >/tmp/replaced.wg
	same basic.conf /tmp/replaced.wg
	same basic.conf /tmp/replaced.wgctl
}

# The kernel marks a dump that a SET interrupted (NLM_F_DUMP_INTR); the reader must dump again.
# Every snapshot taken while a peer's endpoint flips must be one of the states, never a mix.
t_dump_consistent() {
	ip link add wg6 type wireguard
	$W setconf wg6 many.conf
	key=$(awk '/^PublicKey/ { if (++c == 2) print $3 }' many.conf)
	sed 's/^Endpoint = \[2001:db8::2\]:20001$/Endpoint = 192.0.2.200:1/' many.conf >/tmp/ma
	sed 's/^Endpoint = \[2001:db8::2\]:20001$/Endpoint = 192.0.2.201:2/' many.conf >/tmp/mb
	fails cmp -s many.conf /tmp/ma
	(while :; do
		wg set wg6 peer "$key" endpoint 192.0.2.200:1
		sleep 0.05
		wg set wg6 peer "$key" endpoint 192.0.2.201:2
		sleep 0.05
	done) &
	flipper=$!
	i=0
	bad=0
	a=$(now_ms)
	while [ $i -lt 15 ]; do
		if ! $W showconf wg6 >/tmp/snap; then
			bad=$((bad + 1))
		elif ! cmp -s /tmp/snap /tmp/ma && ! cmp -s /tmp/snap /tmp/mb && ! cmp -s /tmp/snap many.conf; then
			bad=$((bad + 1))
			diff /tmp/snap /tmp/ma | head -n 10
		fi
		i=$((i + 1))
	done
	echo "15 snapshots in $(($(now_ms) - a)) ms, $bad inconsistent"
	kill "$flipper"
	wait "$flipper" || true
	[ "$bad" -eq 0 ]
}

# ---- 3. syncconf ---------------------------------------------------------------------------

t_sync() {
	ip link add wg4 type wireguard
	$W setconf wg4 sync-a.conf
	$W syncconf wg4 sync-b.conf
	wg showconf wg4 >/tmp/sync.wg
	$W showconf wg4 >/tmp/sync.wgctl
	# Peers kept in place (A, B) stay ahead of the new one (D): nothing was recreated.
	same sync-expected.conf /tmp/sync.wg
	same sync-expected.conf /tmp/sync.wgctl
}

t_sync_wg() {
	ip link add wg5 type wireguard
	wg setconf wg5 sync-a.conf
	wg syncconf wg5 sync-b.conf
	wg showconf wg5 >/tmp/sync5.wg
	same /tmp/sync5.wg /tmp/sync.wg
}

t_sync_same() {
	$W syncconf wg4 sync-b.conf
	$W showconf wg4 >/tmp/sync2.wgctl
	same sync-expected.conf /tmp/sync2.wgctl
}

t_addconf() {
	$W addconf wg4 add.conf
	wg addconf wg5 add.conf
	wg showconf wg4 >/tmp/add4.wg
	wg showconf wg5 >/tmp/add5.wg
	$W showconf wg4 >/tmp/add4.wgctl
	same /tmp/add5.wg /tmp/add4.wg
	same /tmp/add5.wg /tmp/add4.wgctl
	fails cmp -s sync-expected.conf /tmp/add4.wg
}

# Linux 6.1 predates WGALLOWEDIP_A_FLAGS: the request is refused whole, as wg's would be.
t_remove_aip_old_kernel() {
	fails $W addconf wg4 remove-aip.conf 2>/tmp/rm.err
	cat /tmp/rm.err
	grep -q 'Invalid argument' /tmp/rm.err
	$W showconf wg4 >/tmp/rm.wgctl
	same /tmp/add4.wgctl /tmp/rm.wgctl
}

# ---- 4. interop: kernel wgk0 in "kern" <-> wgctl daemon wgu0 in "user" ----------------------

K="ip netns exec kern"
U="ip netns exec user"

t_topology() {
	ip netns add kern
	ip netns add user
	ip -n kern link set lo up
	ip -n user link set lo up
	ip link add veth-k netns kern type veth peer name veth-u netns user
	ip -n kern addr add 192.168.241.1/24 dev veth-k
	ip -n user addr add 192.168.241.2/24 dev veth-u
	ip -n kern link set veth-k up
	ip -n user link set veth-u up
	ip -n kern link add wgk0 type wireguard
	$K $W setconf wgk0 kern.conf
	ip -n kern addr add 10.9.0.1/24 dev wgk0
	ip -n kern addr add fd09::1/64 dev wgk0 nodad
	ip -n kern link set wgk0 up
	timeout 30 $U $W daemon wgu0
	$U $W setconf wgu0 user.conf
	ip -n user addr add 10.9.0.2/24 dev wgu0
	ip -n user addr add fd09::2/64 dev wgu0 nodad
	ip -n user link set wgu0 up
	ip -n user link show wgu0
}

t_ping_k2u() {
	timeout 30 $K ping -c 1 -W 20 10.9.0.2
	timeout 30 $K ping -c 3 -i 0.2 -W 5 10.9.0.2
}

t_ping_u2k() {
	timeout 30 $U ping -c 3 -i 0.2 -W 5 10.9.0.1
}

t_ping6() {
	timeout 30 $K ping -c 2 -i 0.2 -W 5 fd09::2
	timeout 30 $U ping -c 2 -i 0.2 -W 5 fd09::1
}

t_ping_big() {
	timeout 30 $K ping -c 3 -i 0.2 -W 5 -s 1300 10.9.0.2
	timeout 30 $U ping -c 3 -i 0.2 -W 5 -s 1300 10.9.0.1
	# Larger than the tunnel MTU: the inner packet is fragmented, every fragment crosses.
	timeout 30 $K ping -c 3 -i 0.2 -W 5 -s 8000 10.9.0.2
	timeout 30 $U ping -c 3 -i 0.2 -W 5 -s 8000 10.9.0.1
	timeout 30 $U ping -c 2 -i 0.2 -W 5 -s 1300 fd09::1
}

t_flood() {
	# A burst: 200 echo requests back to back, at most 2 lost.
	timeout 60 $K ping -c 200 -i 0.002 -W 5 -q -s 1000 10.9.0.2 >/tmp/flood.txt || true
	cat /tmp/flood.txt
	rcvd=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' /tmp/flood.txt)
	[ "${rcvd:-0}" -ge 198 ]
}

t_interop_conf() {
	$K wg showconf wgk0 >/tmp/k.wg
	$K $W showconf wgk0 >/tmp/k.wgctl
	same kern.conf /tmp/k.wg
	same kern.conf /tmp/k.wgctl
	$U wg showconf wgu0 >/tmp/u.wg
	$U $W showconf wgu0 >/tmp/u.wgctl
	same user.conf /tmp/u.wg
	same user.conf /tmp/u.wgctl
}

field() { # ns peer-key field-name -> second column of `wg show wgk0 FIELD` for that peer
	$1 wg show wgk0 "$3" | awk -v k="$2" '$1 == k { print $2 }'
}

t_sync_keeps_session() {
	peer=$($K wg show wgk0 peers | head -n 1)
	h1=$(field "$K" "$peer" latest-handshakes)
	rx1=$(field "$K" "$peer" transfer)
	echo "before: handshake $h1, rx $rx1"
	[ "$h1" -gt 0 ]
	[ "$rx1" -gt 0 ]
	$K $W syncconf wgk0 kern-plus.conf
	h2=$(field "$K" "$peer" latest-handshakes)
	rx2=$(field "$K" "$peer" transfer)
	echo "after syncconf: handshake $h2, rx $rx2"
	[ "$h2" = "$h1" ]
	[ "$rx2" -ge "$rx1" ]
	[ "$($K wg show wgk0 peers | wc -l)" -eq 2 ]
	sleep 1.2
	timeout 30 $K ping -c 2 -i 0.2 -W 5 10.9.0.2
	h3=$(field "$K" "$peer" latest-handshakes)
	echo "after ping: handshake $h3"
	# The session survived: no new handshake was needed to send.
	[ "$h3" = "$h1" ]
}

# Every output form of show on the live kernel interface, through wgctl's wg link, as wg prints it.
t_show_forms() {
	ln -sf "$W" /tmp/wg
	# The pretty form is left out: its "N seconds ago" may tick between the two runs.
	for f in dump peers endpoints allowed-ips latest-handshakes transfer persistent-keepalive \
		preshared-keys public-key private-key listen-port fwmark; do
		$K wg show wgk0 $f >/tmp/show.wg
		$K /tmp/wg show wgk0 $f >/tmp/show.wgctl
		same /tmp/show.wg /tmp/show.wgctl
	done
	$K wg show all dump >/tmp/show.wg
	$K /tmp/wg show all dump >/tmp/show.wgctl
	same /tmp/show.wg /tmp/show.wgctl
}

t_list() {
	wg show interfaces >/tmp/list.wg
	$W show interfaces >/tmp/list.wgctl
	same /tmp/list.wg /tmp/list.wgctl
}

echo "guest: $(uname -r), wgctl $($W --version 2>&1 | head -n 1)"
# WGCTL_VM_ORCH_ONLY=1 on the host (hostinfo's ORCH_ONLY): only the orchestration tests below.
ORCH_ONLY=0
[ -f /data/hostinfo ] && . /data/hostinfo
if [ "$ORCH_ONLY" != 1 ]; then
	t 'ip link add wg0 type wireguard (module loaded)' t_link
	t 'wgctl setconf then showconf: equals wg showconf and the stripped file' t_basic
	t 'wg setconf then wgctl showconf: equals the stripped file' t_basic_wg_set
	t 'errors for a missing device and a non-WireGuard link match wg' t_errors
	t 'one peer with 130,560 allowed IPs: setconf, wg showconf, wgctl showconf' t_big
	t '1,000 peers: setconf, wg showconf, wgctl showconf' t_many
	t '1,000 peers set by wg, read by wgctl' t_many_wg_set
	t 'showconf while another process updates: consistent snapshots (dump retried)' t_dump_consistent
	t 'setconf replaces a 130,560-prefix device with a small one' t_replace
	t 'syncconf: removed peer goes, changed peer changes, kept peers stay in place' t_sync
	t 'syncconf: wg gives the same result' t_sync_wg
	t 'syncconf of an unchanged file changes nothing' t_sync_same
	t 'addconf: wgctl and wg give the same result' t_addconf
	t 'allowed-IP removal (-prefix) on Linux 6.1: EINVAL, device unchanged' t_remove_aip_old_kernel
	t 'interop topology: kernel wgk0 and wgctl daemon wgu0 in two namespaces, veth' t_topology
	t 'ping kernel -> wgctl daemon (handshake)' t_ping_k2u
	t 'ping wgctl daemon -> kernel' t_ping_u2k
	t 'ping over IPv6 both ways' t_ping6
	t 'ping -s 1300 and -s 8000 (fragmented) both ways' t_ping_big
	t '200-packet burst kernel -> daemon' t_flood
	t 'showconf of both ends equals their files (kernel and UAPI)' t_interop_conf
	t 'syncconf keeps the established session (handshake time, counters)' t_sync_keeps_session
	t 'wgctl show interfaces lists what wg lists' t_list
	t 'show on the kernel interface: every field, dump and all dump equal wg' t_show_forms
fi

# ---- 5. orchestration on kernel links: the host's test scripts in this boot (orch.sh) --------
[ -f /orch.sh ] && . /orch.sh

# A sanitized build (init.sh set log_path): the daemon is ended by deleting its link, and waited
# for, since its exit runs LeakSanitizer; then no process may have written a report.
t_sanitizers() {
	ip -n user link del wgu0 2>/dev/null || true
	i=0
	while [ $i -lt 100 ]; do
		alive=
		for p in /proc/[0-9]*; do
			case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in *" daemon wgu0 ") alive=$p ;; esac
		done
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	[ -z "$alive" ] || { echo "the daemon ($alive) did not exit"; return 1; }
	found=
	for f in /tmp/sanitizer/report.*; do
		[ -s "$f" ] || continue
		echo "sanitizer report $f:"
		head -n 40 "$f"
		found=1
	done
	[ -z "$found" ]
}
[ -d /tmp/sanitizer ] && t 'no sanitizer reports (the daemon ended, LeakSanitizer ran at its exit)' t_sanitizers
echo "1..$n" >&3
[ "$failed" -eq 0 ]
