#!/bin/bash
# SPDX-License-Identifier: MIT
# A lossy, reordering, duplicating underlay (issue 9; reliability R15/R16): two `wgctl daemon`s
# in namespaces A and B.
#   1  10% loss, reordering and 5% duplication both ways: a 20 MB TCP transfer through the
#      tunnel completes with a matching sha256, duplicated data messages are dropped as
#      rx_replay (the count equals the relay's, within 1%: a copy the relay or a socket buffer
#      dropped leaves nothing to replay), and reordering costs no replay drop
#   2  30% loss both ways from cold starts (fresh daemons): the handshake completes within 30 s
# The impairment is sch_netem on the veth pair when the kernel has it (NETEM=1 requires it);
# otherwise a userspace relay in A (python3) applies the same rates to the WireGuard datagrams
# and counts what it did, so the duplicate count can be checked exactly (NETEM=0 forces it).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3 timeout sha256sum
XFER_MB=${XFER_MB:-20}
COLD_STARTS=${COLD_STARTS:-3}

A=wgctl-t620a-$$ B=wgctl-t620b-$$
export WGCTL_RUN_DIR=$TMP/run
for n in $A $B; do
	test_netns "$n" || test_skip_all "cannot create network namespaces"
	ip -n "$n" link set lo up
done
ip link add a-b netns "$A" type veth peer name b-a netns "$B" || test_skip_all "cannot create a veth pair"
ip -n "$A" addr add 10.70.1.1/24 dev a-b
ip -n "$B" addr add 10.70.1.2/24 dev b-a
ip -n "$A" link set a-b up
ip -n "$B" link set b-a up

have_netem=0
if [ "${NETEM:-}" != 0 ] && ip netns exec "$A" tc qdisc add dev a-b root netem loss 1% 2>/dev/null; then
	ip netns exec "$A" tc qdisc del dev a-b root
	have_netem=1
fi
if [ "$have_netem" = 0 ]; then
	[ "${NETEM:-}" = 1 ] && test_skip_all "NETEM=1 but this kernel has no sch_netem ($(uname -r))"
	echo "# no sch_netem in kernel $(uname -r): impairing through a userspace relay instead"
fi

apriv=$("$WGCTL" genkey) bpriv=$("$WGCTL" genkey)
apub=$(echo "$apriv" | "$WGCTL" pubkey) bpub=$(echo "$bpriv" | "$WGCTL" pubkey)
# With the relay, A's peer endpoint is the relay's local port; B learns the relay's outer
# address (10.70.1.1:51901) from the first authenticated packet, as a NAT would make it do.
if [ "$have_netem" = 1 ]; then aep=10.70.1.2:51820; else aep=127.0.0.1:51900; fi
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.71.0.2/32\nEndpoint = %s\n' \
	"$apriv" "$bpub" "$aep" >"$TMP/a.conf"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.71.0.1/32\n' \
	"$bpriv" "$apub" >"$TMP/b.conf"

# The relay: datagrams from A's daemon (to 127.0.0.1:51900) go to B from 10.70.1.1:51901, B's
# answers go back to A's daemon. Per datagram and direction: lost with probability LOSS; else
# with probability REORDER held back until one to three later datagrams have passed (or 10 ms);
# and with probability DUP sent twice. SIGUSR1 writes counts (per message type) to STATS.
cat >"$TMP/relay.py" <<'EOF'
import json, os, random, select, signal, socket, sys, time
loss, reorder, dup = (float(x) for x in sys.argv[1:4])
stats_path = sys.argv[4]
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 51900))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("10.70.1.1", 51901))
for s in (a, b):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.setblocking(False)
to_b = ("10.70.1.2", 51820)
to_a = None
count = {}
held = []  # [release_after_n, deadline, sock, data, dest]
def bump(k):
    count[k] = count.get(k, 0) + 1
def dump(*_):
    with open(stats_path + ".tmp", "w") as f:
        json.dump(count, f)
    os.rename(stats_path + ".tmp", stats_path)
signal.signal(signal.SIGUSR1, dump)
def send(sock, data, dest):
    try:
        sock.sendto(data, dest)
    except (BlockingIOError, OSError):
        bump("send_error")
def release(all_due=False):
    now = time.monotonic()
    keep = []
    for h in held:
        h[0] -= 0 if all_due else 1
        if h[0] <= 0 or now >= h[1]:
            send(h[2], h[3], h[4]); bump("reordered")
        else:
            keep.append(h)
    held[:] = keep
def forward(sock, data, dest, d):
    t = data[0] if data else 0
    bump("%s_in" % d)
    if random.random() < loss:
        bump("%s_lost" % d); return
    release()
    if random.random() < reorder:
        held.append([random.randint(1, 3), time.monotonic() + 0.01, sock, data, dest])
    else:
        send(sock, data, dest)
    if random.random() < dup:
        bump("%s_dup_type%d" % (d, t)); send(sock, data, dest)
while True:
    try:
        r, _, _ = select.select([a, b], [], [], 0.005)
    except InterruptedError:
        continue
    if not r:
        release(True)
    for s in r:
        for _ in range(64):
            try:
                data, src = s.recvfrom(65535)
            except BlockingIOError:
                break
            if s is a:
                to_a = src
                forward(b, data, to_b, "ab")
            elif to_a:
                forward(a, data, to_a, "ba")
EOF

# The relay runs in the background of a test body (a subshell): its PID is kept in a file.
relay_start() { # loss reorder dup
	ip netns exec "$A" python3 "$TMP/relay.py" "$1" "$2" "$3" "$TMP/relay.json" \
		>"$TMP/relay.log" 2>&1 &
	echo $! >"$TMP/relay.pid"
	sleep 0.5
	kill -0 "$(cat "$TMP/relay.pid")"
}
relay_stop() {
	[ -s "$TMP/relay.pid" ] || return 0
	kill "$(cat "$TMP/relay.pid")" 2>/dev/null
	: >"$TMP/relay.pid"
}
relay_stats() { # key...: sum of counters
	rm -f "$TMP/relay.json"
	kill -USR1 "$(cat "$TMP/relay.pid")"
	for _ in $(seq 50); do [ -s "$TMP/relay.json" ] && break; sleep 0.05; done
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(sum(c.get(k,0) for k in sys.argv[2:]))' \
		"$TMP/relay.json" "$@"
}
impair() { # loss% reorder% dup%: netem on both veth ends, or the relay
	if [ "$have_netem" = 1 ]; then
		local d rargs=""
		[ "$2" != 0 ] && rargs="delay 5ms reorder $2% 50%"
		for d in "$A a-b" "$B b-a"; do
			set -- $d "$@"
			ip netns exec "$1" tc qdisc replace dev "$2" root netem loss "$3%" $rargs duplicate "$5%" || return 1
			shift 2
		done
	else
		relay_stop
		relay_start "$(python3 -c "print($1/100)")" "$(python3 -c "print($2/100)")" "$(python3 -c "print($3/100)")"
	fi
}

stat() { # side counter
	"$TOP/tests/uapi.py" "$WGCTL_RUN_DIR/wg$1.sock" 'stats=1\n\n' | sed -n "s/^$2=//p"
}
start_side() { # a|b
	local ns=$A
	[ "$1" = b ] && ns=$B
	ip netns exec "$ns" "$WGCTL" daemon "wg$1" && ip netns exec "$ns" "$WGCTL" setconf "wg$1" "$TMP/$1.conf" &&
		ip -n "$ns" addr add "10.71.0.$([ "$1" = a ] && echo 1 || echo 2)/24" dev "wg$1" &&
		ip -n "$ns" link set "wg$1" up
}
stop_side() {
	local ns=$A
	[ "$1" = b ] && ns=$B
	ip -n "$ns" link del "wg$1" 2>/dev/null
	for _ in $(seq 50); do [ -S "$WGCTL_RUN_DIR/wg$1.sock" ] || return 0; sleep 0.1; done
	return 1
}
now_ms() { date +%s%3N; }
note() { echo "# $*" >>"$TMP/notes"; }
check() { test_expect_success "$@"; [ -s "$TMP/notes" ] && cat "$TMP/notes"; : >"$TMP/notes"; }
test_on_exit relay_stop

check 'two daemons start and the tunnel carries pings (10% loss, reordering, 5% duplication)' '
	impair 10 25 5 && start_side a && start_side b &&
	for _ in $(seq 30); do ip netns exec "$A" ping -c1 -W1 -q 10.71.0.2 >/dev/null 2>&1 && break; done &&
	ip netns exec "$A" ping -c1 -W1 -q 10.71.0.2 >/dev/null 2>&1 ||
	ip netns exec "$A" ping -c3 -W1 -q 10.71.0.2 >/dev/null 2>&1
'

check "a ${XFER_MB} MB TCP transfer completes with a matching sha256; duplicates are dropped as rx_replay" '
	head -c $((XFER_MB * 1048576)) /dev/urandom >src && want=$(sha256sum <src | cut -d" " -f1) &&
	r0=$(($(stat a rx_replay) + $(stat b rx_replay))) &&
	{ ip netns exec "$B" timeout 100 python3 -c "
import socket, hashlib, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"10.71.0.2\", 5001)); s.listen(1); c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 16)
    if not d: break
    h.update(d); n += len(d)
print(h.hexdigest(), n)" >got & } && spid=$! && sleep 0.5 &&
	t0=$(now_ms) &&
	ip netns exec "$A" timeout 90 python3 -c "
import socket, sys
s = socket.create_connection((\"10.71.0.2\", 5001), timeout=60)
with open(\"src\", \"rb\") as f: s.sendfile(f)
s.shutdown(socket.SHUT_WR); s.recv(1)" &&
	wait $spid && t1=$(now_ms) &&
	note "transfer: $((XFER_MB)) MB in $((t1 - t0)) ms, received $(cut -d" " -f2 got) bytes, sha256 $( [ "$(cut -d" " -f1 got)" = "$want" ] && echo matches || echo DIFFERS)" &&
	[ "$(cut -d" " -f1 got)" = "$want" ] && [ "$(cut -d" " -f2 got)" = $((XFER_MB * 1048576)) ] &&
	sleep 0.5 && replay=$(($(stat a rx_replay) + $(stat b rx_replay) - r0)) &&
	if [ "$have_netem" = 1 ]; then
		rx=$(($(stat a rx_datagrams) + $(stat b rx_datagrams))) &&
		note "netem: rx_replay $replay of $rx datagrams received ($(python3 -c "print(round(100*$replay/$rx,2))")%, 5% duplicated)" &&
		[ $((replay * 100)) -ge $((rx * 2)) ] && [ $((replay * 100)) -le $((rx * 8)) ]
	else
		dups=$(relay_stats ab_dup_type4 ba_dup_type4) && alldup=$(relay_stats ab_dup_type1 ab_dup_type2 ab_dup_type3 ab_dup_type4 ba_dup_type1 ba_dup_type2 ba_dup_type3 ba_dup_type4) &&
		note "relay: $(relay_stats ab_in ba_in) datagrams in, $(relay_stats ab_lost ba_lost) lost, $(relay_stats reordered) reordered, $alldup duplicated ($dups data messages), $(relay_stats send_error) send errors; receivers counted rx_replay $replay" &&
		[ "$replay" -le "$dups" ] && [ "$replay" -ge $((dups - dups / 100 - 1)) ]
	fi
'

cold_start() {
	local t0 hs
	stop_side a && stop_side b && impair 30 0 0 &&
	start_side b && start_side a && t0=$(now_ms) &&
	{ ip netns exec "$A" ping -i 0.2 -W1 -q 10.71.0.2 >/dev/null 2>&1 & } && ppid=$! &&
	while [ $(($(now_ms) - t0)) -lt 30000 ]; do
		hs=$(stat a handshakes_completed)
		[ "${hs:-0}" -ge 1 ] && break
		sleep 0.05
	done
	kill $ppid; wait $ppid 2>/dev/null
	note "cold start $1 at 30% loss: handshake $([ "${hs:-0}" -ge 1 ] && echo "completed in $(($(now_ms) - t0)) ms" || echo "NOT completed in 30 s")"
	[ "${hs:-0}" -ge 1 ]
}
for i in $(seq "$COLD_STARTS"); do
	check "cold start $i with 30% loss both ways: handshake within 30 s" "cold_start $i"
done
relay_stop
test_done
