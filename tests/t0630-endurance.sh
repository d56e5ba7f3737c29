#!/bin/bash
# SPDX-License-Identifier: MIT
# Endurance (issue 9): ENDURANCE_CYCLES (default 500) `wgctl up`/`down` cycles with traffic
# running, and nothing leaks: no file descriptor, thread or memory in a long-lived daemon, no
# process, link, address, route, rule, nft table, socket or file left by the cycled one, and
# (when $WGCTL is built with SANITIZE=address,undefined) every process, the cycled daemons
# included, passes LeakSanitizer at its exit with no ASan or UBSan report.
#
# Namespace B runs a persistent `wgctl daemon -f` (started here, so its PID is known) and pings
# A's tunnel addresses without a pause (IPv4 every 2 ms, IPv6 every 5 ms) from start to end.
# Namespace A cycles `wgctl up`/`down` of a full-tunnel config (v4+v6 addresses, policy rules,
# nft tables, PersistentKeepalive so that each new daemon starts a handshake). Each cycle:
#   1 up; the daemon is found exactly, as the process holding the listening UAPI socket
#   2 B's pings reach A through the new session (16 packets decrypted onto A's link)
#   3 B churns with that traffic running: link down, fwmark toggled (its UDP sockets are
#     rebound: new fds), its peer removed and added again, link up
#   4 the traffic comes back (B makes a fresh handshake): 16 more packets onto A's link
#   5 every 25th cycle A pings B through the tunnel and must get an answer within 5 s (a probe
#     every 200 ms until the first answer: one lost datagram under load is not a failure)
#   6 down; the daemon's PID must be gone (it exits by itself when its link is deleted; this
#     shell is a child subreaper, so an exited daemon cannot linger as a zombie unnoticed)
#   7 A's namespace (links, addresses, routes and rules of every table, nft ruleset, the sysctls
#     wg-quick touches, inet and unix sockets) and the run and state directories are compared
#     with the snapshot taken before the first up.
# B's daemon is measured (open fds, Threads, VmRSS) after a warm-up of 25 cycles and every 25
# cycles after that: fds and threads must not change, and RSS may grow by at most 1 MiB (see
# below). Every A daemon must have the same fds and threads. Then: B's traffic ran all along
# (both pings alive, two handshakes per cycle), B's link down and up lets B initiate at once
# (as the kernel does), B's daemon ends on SIGTERM with status 0, and, for a sanitized build,
# each daemon's log shows that LeakSanitizer ran at its exit and no process wrote a report.
# Measured figures are printed as `# ` lines after each test. On a loaded 2-core machine 500
# cycles took 137-155 s (270-310 ms a cycle, checks included), 176 s with the sanitized build.
#
# This shell re-executes itself as a child subreaper (PR_SET_CHILD_SUBREAPER, via python3): a
# daemon started by `up` detaches (double fork) and would otherwise be reparented to PID 1,
# which in some containers never reaps, so "no zombie" could neither be checked nor hold.
if [ -z "${T0630_SUBREAPER:-}" ] && command -v python3 >/dev/null 2>&1; then
	export T0630_SUBREAPER=1
	exec python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    os.environ["T0630_SUBREAPER"] = "failed"
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping nft ss python3 awk
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"
[ "${T0630_SUBREAPER:-}" = 1 ] || test_skip_all "cannot make this shell a child subreaper"

CYCLES=${ENDURANCE_CYCLES:-500}
[ "$CYCLES" -ge 2 ] 2>/dev/null || test_skip_all "ENDURANCE_CYCLES=$CYCLES: at least 2 cycles"
WARMUP=25
[ "$CYCLES" -ge 50 ] || WARMUP=$((CYCLES / 2))
PING_EVERY=25
RSS_BOUND_KB=1024

# A sanitized build: every process writes its reports to its own file under $TMP/san, and
# LSAN_OPTIONS=log_threads=1 makes the leak check itself leave a line ("Processing thread
# PID.") in that file, so that it can be shown that LeakSanitizer really ran in each daemon.
SAN=
if grep -aqF __asan_init "$WGCTL"; then
	SAN=address
	mkdir -p "$TMP/san"
	export ASAN_OPTIONS="log_path=$TMP/san/log:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$TMP/san/log:print_stacktrace=1:halt_on_error=1"
	export LSAN_OPTIONS="log_threads=1"
fi

na=wgctl-t630a-$$
nb=wgctl-t630b-$$
test_netns "$na" || test_skip_all "cannot create a network namespace"
test_netns "$nb" || test_skip_all "cannot create a network namespace"
A() { ip netns exec "$na" "$@"; }
B() { ip netns exec "$nb" "$@"; }
for n in "$na" "$nb"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
# IPv6 addresses survive B's link going down, as IPv4 ones do (B's pings resume after it).
B sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
ip link add e630a$$ netns "$na" type veth peer name e630b$$ netns "$nb" ||
	test_skip_all "cannot create a veth pair"
ip -n "$na" link set lo up && ip -n "$nb" link set lo up
ip -n "$na" addr add 192.168.63.1/24 dev e630a$$ && ip -n "$na" link set e630a$$ up
ip -n "$nb" addr add 192.168.63.2/24 dev e630b$$ && ip -n "$nb" link set e630b$$ up
# wg-quick sets src_valid_mark for a full tunnel and never resets it (t0300, R1): set here
# first, so that a difference in it would be a real change.
A sysctl -qw net.ipv4.conf.all.src_valid_mark=1

export WGCTL_RUN_DIR=$TMP/run
export WGCTL_STATE_DIR=$TMP/state
mkdir -p "$WGCTL_RUN_DIR" "$WGCTL_STATE_DIR"
IA=wgt630a
IB=wgt630b
umask 077
KA=$("$WGCTL" genkey) && KB=$("$WGCTL" genkey)
PA=$(echo "$KA" | "$WGCTL" pubkey) && PB=$(echo "$KB" | "$WGCTL" pubkey)
printf '%s\n' "$KB" >"$TMP/kb"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\nAddress = 10.63.0.1/24, fd63::1/64\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 192.168.63.2:51820\nPersistentKeepalive = 25\n' \
	"$KA" "$PB" >"$TMP/$IA.conf"

note() { echo "# $*" >>"$TMP/notes"; }
show_notes() { [ -s "$TMP/notes" ] && cat "$TMP/notes"; : >"$TMP/notes"; }
check() { test_expect_success "$@"; show_notes; }
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# Everything `up` changes or could leave behind in A, and the run and state directories.
snap() {
	A sh -c '
		ip -o link show | sed "s/^[0-9]*: //"
		ip -o addr show | sed "s/ valid_lft.*//; s/^[0-9]*: //"
		ip -4 route show table all; ip -6 route show table all
		ip -4 rule show; ip -6 rule show
		nft list ruleset
		sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.src_valid_mark
		ss -Han -A inet,unix
	' 2>&1
	ls -A "$WGCTL_RUN_DIR" "$WGCTL_STATE_DIR"
}
# The PID of the process holding the listening UAPI socket of interface $2 in namespace $1.
uapi_pid() {
	local ino p
	ino=$(ip netns exec "$1" awk -v s="$WGCTL_RUN_DIR/$2.sock" \
		'$8 == s && $4 == "00010000" { print $7; exit }' /proc/net/unix)
	[ -n "$ino" ] || return 1
	for p in $(ip netns pids "$1"); do
		if ls -l "/proc/$p/fd" 2>/dev/null | grep -q "socket:\[$ino\]$"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
# Open fds of $1, read until two reads 5 ms apart agree (a UAPI client that just left may
# still have its connection open in the daemon for a moment).
nfds() {
	local a b i
	a=$(ls "/proc/$1/fd" | wc -l)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.005
		b=$(ls "/proc/$1/fd" | wc -l)
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}
status_field() { sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }
# B's daemon, once: "fds threads rss_kB".
measure_b() {
	local pid
	pid=$(cat "$TMP/pidb")
	echo "$(nfds "$pid") $(status_field "$pid" Threads) $(status_field "$pid" VmRSS)"
}
# "bytes packets" received by A's tunnel link: packets of B's traffic that A's daemon decrypted
# and handed to the kernel.
tun_rx() { A awk -v d="$IA" '{ sub(/:/, " ") } $1 == d { print $2, $3 }' /proc/net/dev; }
# Waits until A's link has received $2 packets; prints "bytes packets". Fails after 10 s.
wait_rx() {
	local n=$1 want=$2 rx t0
	t0=$(now_us)
	while [ $(($(now_us) - t0)) -lt 10000000 ]; do
		rx=$(tun_rx)
		[ -n "$rx" ] || { echo "cycle $n: $IA is not in A's /proc/net/dev" >&2; return 1; }
		[ "${rx#* }" -ge "$want" ] && { echo "$rx"; return 0; }
		sleep 0.005
	done
	echo "cycle $n: $IA received ${rx#* } packets, not $want, within 10 s" >&2
	return 1
}
# Gone: no /proc entry (not even a zombie) within 10 s.
gone() {
	local t0
	t0=$(now_us)
	while [ -e "/proc/$1" ]; do
		[ $(($(now_us) - t0)) -lt 10000000 ] || return 1
		sleep 0.005
	done
}
# B with its traffic running: link down, fwmark toggled (new UDP sockets), peer removed and
# added back, link up.
churn_b() {
	local n=$1
	ip -n "$nb" link set "$IB" down &&
		B "$WGCTL" set "$IB" fwmark $((n % 2 ? 0x63 : 0)) peer "$PA" remove &&
		B "$WGCTL" set "$IB" peer "$PA" endpoint 192.168.63.1:51821 allowed-ips 10.63.0.1/32,fd63::1/128 &&
		ip -n "$nb" link set "$IB" up
}
# One cycle; on failure says why and fails. Appends "n pid fds threads rx_bytes rx_packets up_us
# down_us gone_us" to $TMP/cycles (A's daemon, its link's receive counters before down, the time
# up and down took, and the time from the end of down until the daemon's PID was gone).
cycle() {
	local n=$1 pid fds thr rx t0 t1 t2 t3
	t0=$(now_us)
	A "$WGCTL" up "$TMP/$IA.conf" >"$TMP/up.log" 2>&1 ||
		{ echo "cycle $n: up failed:" && cat "$TMP/up.log"; return 1; }
	t1=$(now_us)
	pid=$(uapi_pid "$na" "$IA") ||
		{ echo "cycle $n: no process holds the UAPI socket of $IA" && ls -l "$WGCTL_RUN_DIR"; return 1; }
	[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$WGCTL")" ] ||
		{ echo "cycle $n: $pid is $(readlink "/proc/$pid/exe"), not $WGCTL"; return 1; }
	rx=$(wait_rx "$n" 16) || return 1
	churn_b "$n" || { echo "cycle $n: churn of B failed"; return 1; }
	rx=$(wait_rx "$n" $((${rx#* } + 16))) || { echo "(after B's churn)"; return 1; }
	if [ $((n % PING_EVERY)) = 0 ]; then
		A ping -c 1 -i 0.2 -w 5 -q 10.63.0.2 >"$TMP/ping.log" 2>&1 ||
			{ echo "cycle $n: no answer within 5 s to pings from A through the tunnel:" && cat "$TMP/ping.log"; return 1; }
		echo "$n $(grep -o "^[0-9]* packets transmitted" "$TMP/ping.log")" >>"$TMP/a-pings"
	fi
	fds=$(nfds "$pid") && thr=$(status_field "$pid" Threads) && rx=$(tun_rx) || {
		echo "cycle $n: cannot read daemon $pid"
		return 1
	}
	t2=$(now_us)
	A "$WGCTL" down "$TMP/$IA.conf" >"$TMP/down.log" 2>&1 ||
		{ echo "cycle $n: down failed:" && cat "$TMP/down.log"; return 1; }
	t3=$(now_us)
	gone "$pid" || {
		echo "cycle $n: daemon $pid still there 10 s after down: $(cat "/proc/$pid/stat" 2>&1)"
		return 1
	}
	echo "$n $pid $fds $thr $rx $((t1 - t0)) $((t3 - t2)) $(($(now_us) - t3))" >>"$TMP/cycles"
	# Every process of this cycle has ended: its reports are put aside (log.PID names repeat
	# when PIDs wrap around, and a later process would truncate an earlier one's file).
	[ -z "$SAN" ] || { mv "$TMP/san" "$TMP/san.$n" && mkdir "$TMP/san"; } || return 1
	snap >"$TMP/now"
	diff "$TMP/initial" "$TMP/now" >"$TMP/diff" ||
		{ echo "cycle $n: after down, A's namespace is not as it was:" && cat "$TMP/diff"; return 1; }
	[ -z "$(ip netns pids "$na")" ] ||
		{ echo "cycle $n: processes left in A: $(ip netns pids "$na")"; return 1; }
}
# Cycles $1..$2; B's daemon is measured every 25 cycles (into $TMP/series).
run_cycles() {
	local n t0
	t0=$(now_us)
	for ((n = $1; n <= $2; n++)); do
		cycle "$n" || return 1
		[ $((n % 25)) != 0 ] || echo "$n $(measure_b)" >>"$TMP/series"
	done
	echo "$(($2 - $1 + 1)) $(($(now_us) - t0))" >"$TMP/span-$1"
}

: >"$TMP/cycles"
: >"$TMP/series"
: >"$TMP/a-pings"

# Children of this shell still running; on exit they are ended (a child already ended and
# reaped is not in the list: its PID may belong to another process by then).
ours=()
kill_ours() { [ ${#ours[@]} = 0 ] || kill "${ours[@]}"; }
test_on_exit kill_ours
# Not through B(): `ip netns exec` execs, so $! is the daemon itself.
{ ip netns exec "$nb" "$WGCTL" daemon -f "$IB" 2>"$TMP/log-b" & } && echo $! >"$TMP/pidb"
ours+=("$(cat "$TMP/pidb")")
check 'the persistent daemon in B serves its UAPI socket, and is the process holding it' '
	for i in $(seq 100); do [ -S "$WGCTL_RUN_DIR/$IB.sock" ] && break; sleep 0.1; done &&
	[ "$(uapi_pid "$nb" "$IB")" = "$(cat "$TMP/pidb")" ] &&
	B "$WGCTL" set "$IB" private-key "$TMP/kb" listen-port 51820 peer "$PA" \
		endpoint 192.168.63.1:51821 allowed-ips 10.63.0.1/32,fd63::1/128 &&
	ip -n "$nb" addr add 10.63.0.2/24 dev "$IB" && ip -n "$nb" addr add fd63::2/64 dev "$IB" &&
	ip -n "$nb" link set "$IB" up && note "B daemon: PID $(cat "$TMP/pidb")${SAN:+ (sanitized build: ASan, UBSan, LSan)}"
'

snap >"$TMP/initial"

# The traffic, from B toward A's tunnel addresses, for the whole run (send errors while A is
# down, or B's link is, are expected and do not stop ping).
{ ip netns exec "$nb" ping -q -i 0.002 10.63.0.1 >"$TMP/ping4.out" 2>/dev/null & } && ping4=$!
{ ip netns exec "$nb" ping -6 -q -i 0.005 fd63::1 >"$TMP/ping6.out" 2>/dev/null & } && ping6=$!
ours+=("$ping4" "$ping6")

check "warm-up: cycles 1..$WARMUP (up, traffic both ways, B churned, down, nothing left)" '
	run_cycles 1 $WARMUP && echo "$(measure_b)" >"$TMP/base" &&
	set -- $(cat "$TMP/base") &&
	note "B daemon after warm-up (cycle $WARMUP): $1 fds, $2 threads, VmRSS $3 kB"
'

check "cycles $((WARMUP + 1))..$CYCLES: the same checks every cycle" '
	run_cycles $((WARMUP + 1)) $CYCLES &&
	set -- $(cat "$TMP/span-1") && w_n=$1 w_us=$2 &&
	set -- $(cat "$TMP/span-$((WARMUP + 1))") && n=$(($1 + w_n)) us=$(($2 + w_us)) &&
	note "$n cycles in $((us / 1000)) ms: $((us / n / 1000)) ms per cycle, all checks included" &&
	awk "{ up += \$7; down += \$8; ex += \$9; if (\$9 > mx) mx = \$9; b += \$5; p += \$6 }
		END { printf \"# per cycle: up %.1f ms, down %.1f ms, daemon gone %.1f ms after down (max %.1f); A decrypted %d packets (%.1f MiB) of B'"'"'s traffic in all\n\",
			up / NR / 1000, down / NR / 1000, ex / NR / 1000, mx / 1000, p, b / 1048576 }" \
		"$TMP/cycles" >>"$TMP/notes" &&
	note "pings from A through the tunnel: $(wc -l <"$TMP/a-pings") cycles answered, $(awk "{ s += \$2 } END { print s + 0 }" "$TMP/a-pings") probes sent" &&
	note "A daemons (one per cycle): fds $(cut -d" " -f3 "$TMP/cycles" | sort -n | uniq -c | tr -s " \n" " "), threads $(cut -d" " -f4 "$TMP/cycles" | sort -n | uniq -c | tr -s " \n" " ")" &&
	[ "$(wc -l <"$TMP/cycles")" = "$CYCLES" ] &&
	{ [ "$(cut -d" " -f3,4 "$TMP/cycles" | sort -u | wc -l)" = 1 ] ||
		{ echo "A daemons differ in fds or threads"; false; }; }
'

# RSS bound: after the warm-up every allocation the daemon makes (buffers, hash tables, the
# allocator's arenas) exists; what a cycle adds and removes (a peer, its allowed IPs and
# sessions, two UDP sockets) comes back. 1 MiB over 475 cycles lets one page or two of
# allocator jitter pass but not a leak of 2.2 KiB or more per cycle (and under ASan, where the
# quarantine holds freed memory, LeakSanitizer at the daemon's exit is the memory check).
check 'the persistent daemon: same fds and threads as after warm-up, RSS grew by at most 1 MiB' '
	set -- $(cat "$TMP/base") && f0=$1 t0=$2 r0=$3 &&
	set -- $(measure_b) && f1=$1 t1=$2 r1=$3 &&
	note "B daemon at the end (cycle $CYCLES): $f1 fds, $t1 threads, VmRSS $r1 kB (after warm-up: $f0, $t0, $r0 kB; growth $((r1 - r0)) kB)" &&
	note "B daemon every 25 cycles (cycle:fds/threads/RSS kB): $(awk "{ printf \"%s:%s/%s/%s \", \$1, \$2, \$3, \$4 }" "$TMP/series")" &&
	[ "$f1" = "$f0" ] && [ "$t1" = "$t0" ] &&
	awk -v f="$f0" -v t="$t0" "\$1 >= $WARMUP && (\$2 != f || \$3 != t) { bad = 1 } END { exit bad }" "$TMP/series" &&
	if [ -n "$SAN" ]; then
		note "RSS not bounded under ASan (quarantine); LeakSanitizer checks B at its exit"
	else
		[ $((r1 - r0)) -le $RSS_BOUND_KB ]
	fi
'

# Ends a child of this shell (test bodies run in subshells, which cannot wait for it): signal
# $2; $ended is its exit status, or "hung" if it was still there 10 s later (then SIGKILL).
end_child() {
	local i
	kill -"$2" "$1" 2>/dev/null
	for i in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		ended=hung
	else
		wait "$1" 2>/dev/null
		ended=$?
	fi
	for i in "${!ours[@]}"; do [ "${ours[i]}" != "$1" ] || unset "ours[i]"; done
}
alive=
kill -0 $ping4 2>/dev/null && kill -0 $ping6 2>/dev/null && alive=yes
end_child $ping4 INT && ping4_status=$ended
end_child $ping6 INT && ping6_status=$ended
check 'the traffic from B ran throughout; B completed two handshakes in every cycle' '
	for f in ping4 ping6; do note "$f from B: $(grep "packets transmitted" "$TMP/$f.out")"; done &&
	st=$("$TOP/tests/uapi.py" "$WGCTL_RUN_DIR/$IB.sock" "stats=1\n\n") &&
	hs=$(echo "$st" | sed -n "s/^handshakes_completed=//p") &&
	note "B daemon stats: $(echo "$st" | grep -E "^(handshakes_completed|rx_packets|tx_packets|rx_unknown_index|tx_send_errors|tx_no_endpoint|tx_staged_dropped)=" | tr "\n" " ")" &&
	echo "pings alive until the end: ${alive:-no}; exit statuses $ping4_status $ping6_status" &&
	[ "$alive" = yes ] && [ "$ping4_status" = 0 ] && [ "$ping6_status" = 0 ] &&
	[ "$(grep -o "^[0-9]* packets transmitted" "$TMP/ping4.out" | cut -d" " -f1)" -ge $((CYCLES * 20)) ] &&
	[ "$(grep -o "[0-9]* received" "$TMP/ping4.out" | cut -d" " -f1)" -ge $((CYCLES * 4)) ] &&
	[ "$hs" -ge $((2 * CYCLES)) ]
'

# Found by B's churn: after a link down and up, the kernel (wg_stop resets the time of the last
# initiation: wg_noise_reset_last_sent_handshake) and wireguard-go (Peer.Start) let a peer
# initiate at once. A daemon that keeps that time makes the first packet after the link comes
# back wait until REKEY_TIMEOUT (5 s) has passed since its last initiation. (In the cycles
# above B's peer is also removed and added back, which hides this.)
check "B's link down and up 1 s after B initiated: B's traffic resumes within 1 s, as with the kernel" '
	A "$WGCTL" up "$TMP/$IA.conf" >up.log 2>&1 && pid=$(uapi_pid "$na" "$IA") &&
	B "$WGCTL" set "$IB" peer "$PA" remove &&
	B "$WGCTL" set "$IB" peer "$PA" endpoint 192.168.63.1:51821 allowed-ips 10.63.0.1/32,fd63::1/128 &&
	B ping -c 1 -w 5 -q 10.63.0.1 >/dev/null && sleep 1 &&
	ip -n "$nb" link set "$IB" down && sleep 0.2 && ip -n "$nb" link set "$IB" up && sleep 0.1 &&
	t0=$(now_us) && { B ping -c 1 -i 0.1 -w 10 -q 10.63.0.1 >/dev/null; true; } &&
	ms=$((($(now_us) - t0) / 1000)) && note "B: first answer $ms ms after its link came back"
	A "$WGCTL" down "$TMP/$IA.conf" >down.log 2>&1 && gone "$pid" && [ "${ms:-99999}" -lt 1000 ]
'

check 'A is as before the first up; no zombie is left among this shell'"'"'s children' '
	snap >now && diff "$TMP/initial" now &&
	! ps -o pid=,stat=,args= --ppid $$ | grep "^ *[0-9]* Z"
'

end_child "$(cat "$TMP/pidb")" TERM && b_status=$ended
check 'the persistent daemon ends on SIGTERM with status 0 and removes its socket' '
	echo "exit status: $b_status" && [ "$b_status" = 0 ] && ! [ -e "$WGCTL_RUN_DIR/$IB.sock" ]
'

if [ -n "$SAN" ]; then
	check 'sanitizers: LeakSanitizer ran at the exit of every daemon; no report from any process' '
		miss= &&
		while read -r n pid _; do
			grep -qs "Processing thread $pid\.$" "$TMP/san.$n/log.$pid" || miss="$miss $pid"
		done <"$TMP/cycles" &&
		pid=$(cat "$TMP/pidb") &&
		{ grep -qs "Processing thread $pid\.$" "$TMP/san/log.$pid" || miss="$miss $pid"; } &&
		n=$(grep -l "^==[0-9]*==Processing thread" "$TMP"/san*/log.* | wc -l) &&
		note "LeakSanitizer ran at the exit of $n processes (every wgctl run: up, down, set, the daemons); daemons without a leak check at exit: $(echo $miss | wc -w) of $((CYCLES + 1))${miss:+ (PIDs$miss)}" &&
		! grep -l "ERROR: \|runtime error\|SUMMARY: " "$TMP"/san*/log.* >bad 2>/dev/null &&
		[ -z "$miss" ] || { for f in $(cat bad 2>/dev/null | head -n 3); do echo "== $f" && grep -v "^==[0-9]*==\(Processing thread\|Stack at\|TLS at\)" "$f" | head -n 30; done; false; }
'
else
	test_skip "sanitizers: $WGCTL is not built with SANITIZE=address,undefined"
fi
test_done
