#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile networks (issue 9; reliability R9-R11): `wgctl daemon` as a victim in namespace V, a
# legitimate peer (another `wgctl daemon`) in L, and an attacker in X sending from spoofed
# 10.99.0.0/16 sources with tests/tools/wgflood (raw socket, sendmmsg). V routes 10.99.0.0/16
# back to X, where nft counts every packet V sends that way (any protocol) and, separately, the
# 64-byte type-3 cookie replies among them.
#   a  garbage and wrong-MAC1 floods: no X25519 operation, no reply, each datagram counted; a
#      legitimate peer restarting under 2,000 wrong-MAC1 initiations a second is answered with a
#      handshake response, not a cookie reply (issue 19: a wrong MAC1 never puts V under load),
#      and completes well within Rekey-Timeout (nft in L counts what V sends it, by type)
#   c  replays of a captured initiation (an older and the latest timestamp) and of captured
#      data packets: no handshake, no reply, counted as rx_handshake_invalid / rx_replay
#   b  a MAC1-valid initiation flood (>= 50,000 pps): under load within 1 s, only 64-byte cookie
#      replies, a restarted legitimate peer completes its handshake within 12 s, an established
#      flow keeps >= 50% of its throughput
# Measured figures are printed as `# ` lines. FLOOD_PPS (default 60000) sets the flood rate.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft dumpcap tshark iperf3 python3 timeout
FLOOD=${WGFLOOD:-$TOP/$B/tests/tools/wgflood}
[ -x "$FLOOD" ] || test_skip_all "needs $FLOOD (make)"
FLOOD_PPS=${FLOOD_PPS:-60000}
# The time limits are the release build's; a sanitized one (make check SANITIZE=...) runs several
# times slower, so it is held to the behaviour and given room on time (its figures still shown).
# BADMAC_HS_LIMIT_MS: a cookie reply would hold a restarting peer back Rekey-Timeout (5 s).
HS_LIMIT_MS=12000 LOAD_LIMIT_MS=1000 MIN_RATIO_PCT=50 BADMAC_HS_LIMIT_MS=2500
if sanitized_binary "$WGCTL"; then
	HS_LIMIT_MS=30000 LOAD_LIMIT_MS=3000 MIN_RATIO_PCT=0 BADMAC_HS_LIMIT_MS=4000
fi

V=wgctl-t610v-$$ L=wgctl-t610l-$$ X=wgctl-t610x-$$
export WGCTL_RUN_DIR=$TMP/run
for n in $V $L $X; do
	test_netns "$n" || test_skip_all "cannot create network namespaces"
	ip -n "$n" link set lo up
done
ip link add v-l netns "$V" type veth peer name l-v netns "$L" &&
	ip link add v-x netns "$V" type veth peer name x-v netns "$X" ||
	test_skip_all "cannot create veth pairs"
ip -n "$V" addr add 10.50.1.1/24 dev v-l
ip -n "$L" addr add 10.50.1.2/24 dev l-v
ip -n "$V" addr add 10.50.2.1/24 dev v-x
ip -n "$X" addr add 10.50.2.2/24 dev x-v
for d in "$V v-l" "$V v-x" "$L l-v" "$X x-v"; do set -- $d; ip -n "$1" link set "$2" up; done
# Spoofed sources are routed back to the attacker's link; no reverse-path filter drops them.
ip -n "$V" route add 10.99.0.0/16 via 10.50.2.2
for k in all default v-x v-l; do ip netns exec "$V" sysctl -qw net.ipv4.conf.$k.rp_filter=0; done
ip netns exec "$X" nft -f - <<'EOF' || test_skip_all "cannot load nft counters in the attacker namespace"
table ip t610 {
	counter replies { }
	counter cookies { }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr 10.50.2.1 counter name replies
		ip saddr 10.50.2.1 udp sport 51820 udp length 72 @th,64,32 0x03000000 counter name cookies
	}
}
EOF

ip netns exec "$L" nft -f - <<'EOF' || test_skip_all "cannot load nft counters in the legitimate peer's namespace"
table ip t610l {
	counter responses { }
	counter cookies { }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr 10.50.1.1 udp sport 51820 udp length 100 @th,64,32 0x02000000 counter name responses
		ip saddr 10.50.1.1 udp sport 51820 udp length 72 @th,64,32 0x03000000 counter name cookies
	}
}
EOF

vpriv=$("$WGCTL" genkey) lpriv=$("$WGCTL" genkey)
vpub=$(echo "$vpriv" | "$WGCTL" pubkey) lpub=$(echo "$lpriv" | "$WGCTL" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.60.0.2/32\n' \
	"$vpriv" "$lpub" >"$TMP/v.conf"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.60.0.1/32\nEndpoint = 10.50.1.1:51820\n' \
	"$lpriv" "$vpub" >"$TMP/l.conf"

stat() { # counter [socket]
	"$TOP/tests/uapi.py" "${2:-$WGCTL_RUN_DIR/wgv.sock}" 'stats=1\n\n' | sed -n "s/^$1=//p"
}
replies() { ip netns exec "$X" nft list counter ip t610 "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
reset_replies() { ip netns exec "$X" nft reset counters table ip t610 >/dev/null; }
# What V sent L: type-2 handshake responses, type-3 cookie replies.
l_got() { ip netns exec "$L" nft list counter ip t610l "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
l_reset() { ip netns exec "$L" nft reset counters table ip t610l >/dev/null; }
now_ms() { date +%s%3N; }
# Measured figures: collected by test bodies (whose output prove hides unless they fail) and
# printed as TAP diagnostics after each test.
note() { echo "# $*" >>"$TMP/notes"; }
show_notes() { [ -s "$TMP/notes" ] && cat "$TMP/notes"; : >"$TMP/notes"; }
check() { test_expect_success "$@"; show_notes; }

start_v() {
	ip netns exec "$V" "$WGCTL" daemon wgv && ip netns exec "$V" "$WGCTL" setconf wgv "$TMP/v.conf" &&
		ip -n "$V" addr add 10.60.0.1/24 dev wgv && ip -n "$V" link set wgv up
}
start_l() {
	ip netns exec "$L" "$WGCTL" daemon wgl && ip netns exec "$L" "$WGCTL" setconf wgl "$TMP/l.conf" &&
		ip -n "$L" addr add 10.60.0.2/24 dev wgl && ip -n "$L" link set wgl up
}
stop_l() {
	ip -n "$L" link del wgl 2>/dev/null
	for _ in $(seq 50); do [ -S "$WGCTL_RUN_DIR/wgl.sock" ] || return 0; sleep 0.1; done
	return 1
}
# Ping from L until one answer; prints milliseconds taken, fails after $1 seconds.
ping_until() {
	local t0 limit=$1
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt $((limit * 1000)) ]; do
		if ip netns exec "$L" ping -c1 -W1 -q 10.60.0.1 >/dev/null 2>&1; then
			echo $(($(now_ms) - t0))
			return 0
		fi
	done
	return 1
}
# CPU time (ms) used so far by the victim daemon.
v_cpu_ms() {
	local p
	for p in $(ip netns pids "$V"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = wgctl ] || continue
		awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' /proc/$p/stat
		return 0
	done
	return 1
}
iperf_bps() { # seconds
	ip netns exec "$L" timeout $(($1 + 10)) iperf3 -c 10.60.0.1 -t "$1" -J 2>/dev/null |
		python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]
print(int(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", 0))'
}
rtt_ms() { ip netns exec "$L" ping -c 5 -i 0.2 -q 10.60.0.1 | sed -n "s|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p"; }
udp_drops() { ip netns exec "$V" nstat -az UdpRcvbufErrors | awk '/UdpRcvbufErrors/ { print $2 }'; }

check 'victim and legitimate peer start, the tunnel carries pings' '
	start_v && start_l && ping_until 10 >/dev/null
'

# ---- a: garbage and wrong-MAC1 floods ---------------------------------------------------------
flood_silent() { # mode counters...
	local mode=$1 x0 sum0=0 sum1=0 c out sent
	shift
	x0=$(stat x25519_operations) && reset_replies &&
	for c in "$@"; do sum0=$((sum0 + $(stat $c))); done &&
	out=$(ip netns exec "$X" "$FLOOD" $mode -t 10.50.2.1:51820 -k "$vpub" -r 50000 -d 2) &&
	sent=$(echo "$out" | sed -n "s/.*sent=\([0-9]*\).*/\1/p") && sleep 0.5 &&
	for c in "$@"; do sum1=$((sum1 + $(stat $c))); done &&
	note "$mode flood: $out; counted $((sum1 - sum0)) as $*; x25519 $x0 -> $(stat x25519_operations); replies $(replies replies)" &&
	[ "$(stat x25519_operations)" = "$x0" ] && [ "$(replies replies)" = 0 ] &&
	[ "$sent" -ge 50000 ] && [ $((sum1 - sum0)) -ge $((sent * 9 / 10)) ]
}
check 'garbage flood: no X25519 operation, no reply, counted' '
	flood_silent garbage rx_short rx_bad_type rx_bad_size rx_bad_mac1 rx_unknown_index
'
check 'wrong-MAC1 initiation flood: no X25519 operation, no reply, counted as rx_bad_mac1' '
	flood_silent badmac rx_bad_mac1
'
check "legitimate peer restarting under 2,000 wrong-MAC1 initiations/s: a handshake response, no cookie reply, handshake within $BADMAC_HS_LIMIT_MS ms" '
	b0=$(stat rx_bad_mac1) && c0=$(stat rx_cookie_sent) && reset_replies &&
	stop_l && l_reset &&
	{ ip netns exec "$X" "$FLOOD" badmac -t 10.50.2.1:51820 -k "$vpub" -r 2000 -d 30 >badmac.out & } &&
	fpid=$! && sleep 1.5 && start_l && hs_ms=$(ping_until 15) &&
	sleep 0.5 && { kill $fpid; wait $fpid; true; } && sleep 0.3 &&
	note "legitimate handshake under a 2,000/s wrong-MAC1 flood: $hs_ms ms; V sent L $(l_got responses) handshake responses, $(l_got cookies) cookie replies; rx_cookie_sent +$(($(stat rx_cookie_sent) - c0)); flood: $(cat badmac.out), rx_bad_mac1 +$(($(stat rx_bad_mac1) - b0)); replies toward the flood: $(replies replies)" &&
	[ "$(l_got responses)" -ge 1 ] && [ "$(l_got cookies)" = 0 ] &&
	[ "$(stat rx_cookie_sent)" = "$c0" ] && [ "$(replies replies)" = 0 ] &&
	[ "$hs_ms" -le "$BADMAC_HS_LIMIT_MS" ]
'
check 'the tunnel still works after both floods' 'ping_until 5 >/dev/null'

# ---- c: replays -------------------------------------------------------------------------------
# Two handshakes of a restarted L are captured on V's link: the first initiation is older than
# the second; the data packets (pings) belong to the current session.
capture_start() {
	ip netns exec "$V" dumpcap -q -i v-l -f "udp and src host 10.50.1.2" -w "$TMP/$1.pcapng" \
		>/dev/null 2>&1 &
	echo $! >"$TMP/$1.pid"
	for _ in $(seq 50); do [ -s "$TMP/$1.pcapng" ] && break; sleep 0.1; done
	sleep 0.3
}
capture_stop() { kill "$(cat "$TMP/$1.pid")"; wait "$(cat "$TMP/$1.pid")" 2>/dev/null; true; }
payloads() { # file filter
	tshark -r "$TMP/$1.pcapng" -Y "$2" -T fields -e udp.payload 2>/dev/null
}
check 'capture two initiations of the legitimate peer and data of its session' '
	capture_start cap &&
	stop_l && start_l && ping_until 10 >/dev/null && sleep 0.1 &&
	stop_l && start_l && ping_until 10 >/dev/null &&
	ip netns exec "$L" ping -c 20 -i 0.05 -q 10.60.0.1 >/dev/null && sleep 1 && capture_stop cap &&
	payloads cap "udp.length == 156 && udp.payload[0] == 1" | tail -n 2 >inits &&
	payloads cap "udp.payload[0] == 4" | tail -n 20 >data &&
	echo "captured $(wc -l <inits) initiations, $(wc -l <data) data packets" &&
	[ "$(wc -l <inits)" = 2 ] && [ "$(wc -l <data)" = 20 ]
'
replay_test() { # file counter count desc
	local f=$1 c=$2 n=$3 b0 hs0 x0 out
	b0=$(stat $c) && hs0=$(stat handshakes_completed) && reset_replies &&
	out=$(ip netns exec "$X" "$FLOOD" replay "$TMP/$f" -t 10.50.2.1:51820 -n "$n" -d 5) &&
	sleep 0.3 &&
	note "replay $f: $out; $c +$(($(stat $c) - b0)); handshakes $hs0 -> $(stat handshakes_completed); replies $(replies replies)" &&
	[ $(($(stat $c) - b0)) = "$n" ] && [ "$(stat handshakes_completed)" = "$hs0" ] &&
	[ "$(replies replies)" = 0 ]
}
check 'replayed initiations (older and latest timestamp): ignored, no reply' '
	replay_test inits rx_handshake_invalid 2
'
check 'replayed data packets: dropped as rx_replay, no reply' '
	replay_test data rx_replay 20
'
check 'replays from the original source: same result, endpoint unchanged' '
	b0=$(stat rx_handshake_invalid) && r0=$(stat rx_replay) && hs0=$(stat handshakes_completed) &&
	ip netns exec "$X" "$FLOOD" replay "$TMP/inits" -t 10.50.2.1:51820 -s 10.50.1.2/32 -p 51821 -n 2 >/dev/null &&
	ip netns exec "$X" "$FLOOD" replay "$TMP/data" -t 10.50.2.1:51820 -s 10.50.1.2/32 -p 51821 -n 20 >/dev/null &&
	sleep 0.3 && [ $(($(stat rx_handshake_invalid) - b0)) = 2 ] && [ $(($(stat rx_replay) - r0)) = 20 ] &&
	[ "$(stat handshakes_completed)" = "$hs0" ] &&
	ip netns exec "$V" "$WGCTL" show wgv endpoints | grep -q "10.50.1.2:51821$" &&
	ping_until 5 >/dev/null
'

# ---- b: MAC1-valid initiation flood -----------------------------------------------------------
ip netns exec "$V" iperf3 -s -D -B 10.60.0.1 >/dev/null 2>&1
sleep 0.5
check "initiation flood at $FLOOD_PPS pps: under load within 1 s, 64-byte cookie replies only, legit handshake within 12 s, established flow keeps half its throughput" '
	set -- $(iperf_bps 3) && base=$1 &&
	note "baseline throughput: $base bit/s, $2 TCP retransmits; tunnel RTT $(rtt_ms) ms" &&
	d0=$(udp_drops) &&
	c0=$(stat rx_cookie_sent) && reset_replies &&
	t0=$(now_ms) && cpu0=$(v_cpu_ms) &&
	{ ip netns exec "$X" "$FLOOD" init -t 10.50.2.1:51820 -k "$vpub" -r "$FLOOD_PPS" -d 50 >flood.out & } &&
	fpid=$! && seen_ms= &&
	while [ $(($(now_ms) - t0)) -lt 3000 ]; do
		[ "$(stat rx_cookie_sent)" -gt "$c0" ] && { seen_ms=$(now_ms); break; }
	done &&
	set -- $(iperf_bps 3) && under=$1 &&
	note "throughput under flood: $under bit/s, $2 TCP retransmits, ratio $(python3 -c "print(round($under/$base, 3))"); tunnel RTT $(rtt_ms) ms" &&
	# The attacker shares our two cores: a second look before calling a dip a failure.
	if [ $((under * 100)) -lt $((base * MIN_RATIO_PCT)) ]; then
		set -- $(iperf_bps 3) && under=$1 &&
		note "again under flood: $under bit/s, $2 TCP retransmits, ratio $(python3 -c "print(round($under/$base, 3))")"
	fi &&
	x0=$(stat x25519_operations) &&
	stop_l && start_l && hs_ms=$(ping_until 30) &&
	note "legitimate handshake under flood: $hs_ms ms; X25519 operations meanwhile: $(($(stat x25519_operations) - x0))" &&
	{ kill $fpid; wait $fpid; true; } && cpu1=$(v_cpu_ms) && t1=$(now_ms) &&
	note "init flood: $(cat flood.out); victim daemon CPU meanwhile (flood, iperf, handshake): $(((cpu1 - cpu0) * 100 / (t1 - t0)))% of one core; victim UDP receive-buffer drops: $(($(udp_drops) - d0))" &&
	sleep 0.3 && all=$(replies replies) && cookies=$(replies cookies) &&
	note "victim replies toward spoofed sources: $all, of which 64-byte type-3 cookie replies: $cookies; rx_cookie_sent +$(($(stat rx_cookie_sent) - c0)); rx_ratelimited $(stat rx_ratelimited)" &&
	pps=$(sed -n "s/.*pps=\([0-9]*\).*/\1/p" flood.out) &&
	load_ms= && { [ -z "$seen_ms" ] || load_ms=$((seen_ms - $(sed -n "s/.*start_ms=\([0-9]*\).*/\1/p" flood.out))); } &&
	note "time from the first flood datagram to the first cookie reply seen in stats=1 (polled): ${load_ms:-none} ms" &&
	[ "$pps" -ge 50000 ] &&
	[ -n "$load_ms" ] && [ "$load_ms" -le "$LOAD_LIMIT_MS" ] &&
	[ "$all" -gt 0 ] && [ "$all" = "$cookies" ] &&
	[ "$hs_ms" -le "$HS_LIMIT_MS" ] &&
	[ $((under * 100)) -ge $((base * MIN_RATIO_PCT)) ]
'
check 'the daemons survived' '
	stat rx_datagrams >/dev/null && ping_until 10 >/dev/null
'
test_done
