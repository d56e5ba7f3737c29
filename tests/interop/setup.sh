# SPDX-License-Identifier: MIT
# Shared functions of the interop suite (t0110-interop.sh), sourced after tests/lib.sh.
#
# Two network namespaces, side "a" and side "b", joined by a veth pair (va/vb) with IPv4 and
# IPv6 underlay addresses. Each side runs one WireGuard implementation ("go" = Debian's
# wireguard-go, "wgctl" = `wgctl daemon`) that creates a TUN inside its namespace and serves
# /var/run/wireguard/IF.sock; Debian's `wg` configures both. That socket directory is shared by
# all namespaces, so interface names carry the test's PID.
#
# Main-shell state (test bodies run in subshells and only read it):
#   NS_a NS_b  namespaces     IF_a IF_b  interface names    IMPL_a IMPL_b  implementations
#   PID_a PID_b daemon PIDs   UP         1 when both daemons answered `wg show`
#   $TMP/{a,b}.{key,pub}, $TMP/psk   keys

# Underlay and tunnel addresses, ports.
U4_a=192.168.241.1  U4_b=192.168.241.2  U4R_a=192.168.241.11 U4R_b=192.168.241.12
U6_a=fd01::1        U6_b=fd01::2        U6R_a=fd01::11       U6R_b=fd01::12
T4_a=10.0.0.1       T4_b=10.0.0.2       T6_a=fd00::1         T6_b=fd00::2
PORT_a=40001        PORT_b=40002
IA_LOG_LEVEL=${IA_LOG_LEVEL:-error}
IA_LOGN=0
UP=0
IMPL_a= IMPL_b= PID_a= PID_b= LOG_a=/dev/null LOG_b=/dev/null

other() { [ "$1" = a ] && echo b || echo a; }
ns() { local v=NS_$1; echo "${!v}"; }
ifn() { local v=IF_$1; echo "${!v}"; }
in_ns() { local s=$1; shift; ip netns exec "$(ns "$s")" "$@"; }
wgs() { local s=$1; shift; ip netns exec "$(ns "$s")" timeout 10 wg "$@"; }

# ia_underlay: namespaces, veth, keys. Registers its own cleanup.
ia_underlay() {
	NS_a=wgctl-t110a-$$ NS_b=wgctl-t110b-$$
	IF_a=wgia$$ IF_b=wgib$$
	IF_a=${IF_a:0:15} IF_b=${IF_b:0:15}
	# Only the daemons this run started and still runs (ia_stop forgets the ones it stopped).
	test_on_exit "ia_stop a; ia_stop b"
	ip netns add "$NS_a" || return 1
	test_on_exit "ip netns del $NS_a"
	ip netns add "$NS_b" || return 1
	test_on_exit "ip netns del $NS_b"
	ip link add va netns "$NS_a" type veth peer name vb netns "$NS_b" || return 1
	local s
	for s in a b; do
		in_ns $s ip link set lo up || return 1
		in_ns $s ip link set v$s up || return 1
		# Removing the primary IPv4 address must keep the roaming (secondary) one.
		in_ns $s sysctl -qw net.ipv4.conf.v$s.promote_secondaries=1 || return 1
		(umask 077 && wg genkey >"$TMP/$s.key") && wg pubkey <"$TMP/$s.key" >"$TMP/$s.pub" || return 1
	done
	(umask 077 && wg genpsk >"$TMP/psk")
	# Underlay packets marked 0x2a are blackholed in A (to see that fwmark is applied).
	in_ns a ip rule add fwmark 0x2a table 100 && in_ns a ip -6 rule add fwmark 0x2a table 100 &&
	in_ns a ip route add blackhole default table 100 &&
	in_ns a ip -6 route add blackhole default table 100 || return 1
	ia_addrs
}

# ia_addrs: put the underlay back to its base addresses (after roaming).
ia_addrs() {
	local s u4 u6
	for s in a b; do
		u4=U4_$s u6=U6_$s
		in_ns $s ip addr flush dev v$s scope global
		in_ns $s ip addr add "${!u4}/24" dev v$s || return 1
		in_ns $s ip addr add "${!u6}/64" dev v$s nodad || return 1
	done
}

# ia_start SIDE IMPL: start the implementation in SIDE's namespace, wait until `wg show` reads it.
ia_start() {
	local s=$1 impl=$2 if pid log i
	if=$(ifn "$s")
	IA_LOGN=$((IA_LOGN + 1))
	log=$TMP/log.$s.$IA_LOGN.$impl
	eval "LOG_$s=\$log IMPL_$s=\$impl"
	case $impl in
	go) ip netns exec "$(ns "$s")" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL="$IA_LOG_LEVEL" \
		wireguard-go -f "$if" >"$log" 2>&1 &
		pid=$! ;;
	wgctl) ip netns exec "$(ns "$s")" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL="$IA_LOG_LEVEL" \
		"$WGCTL" daemon -f "$if" >"$log" 2>&1 &
		pid=$! ;;
	*) echo "unknown implementation '$impl' (go|wgctl)" >&2; return 1 ;;
	esac
	eval "PID_$s=\$pid"
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		[ -S "/var/run/wireguard/$if.sock" ] && wg show "$if" >/dev/null 2>&1 &&
			in_ns "$s" ip link show "$if" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$impl on side $s did not come up (interface $if)" >&2
	return 1
}

# ia_stop SIDE: stop the way wg-quick down does for userspace (delete the link; the daemon
# exits), falling back to SIGTERM/SIGKILL. Fails when the link deletion did not stop it or
# when the daemon left its socket behind.
ia_stop() {
	local s=$1 pid if i rc=0
	pid=PID_$s pid=${!pid} if=$(ifn "$s")
	[ -n "$pid" ] || return 0
	in_ns "$s" ip link del "$if" 2>/dev/null
	for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "side $s: $(eval echo \$IMPL_$s) did not exit after its interface was deleted" >&2
		rc=1
		kill "$pid" 2>/dev/null
		for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	if [ -e "/var/run/wireguard/$if.sock" ]; then
		echo "side $s: $(eval echo \$IMPL_$s) left /var/run/wireguard/$if.sock behind" >&2
		rm -f "/var/run/wireguard/$if.sock"
		rc=1
	fi
	eval "PID_$s="
	return $rc
}

# ia_iface SIDE: keys, listen port, link up, tunnel addresses.
ia_iface() {
	local s=$1 if p t4 t6
	if=$(ifn "$s") p=PORT_$s t4=T4_$s t6=T6_$s
	wgs "$s" set "$if" private-key "$TMP/$s.key" listen-port "${!p}" || return 1
	in_ns "$s" ip addr add "${!t4}/24" dev "$if" || return 1
	in_ns "$s" ip addr add "${!t6}/64" dev "$if" nodad || return 1
	in_ns "$s" ip link set "$if" up mtu 1420
}

# ia_endpoint SIDE 4|6: the address SIDE's peer reaches SIDE at, as wg prints it.
ia_endpoint() {
	local s=$1 p=PORT_$1 u
	if [ "$2" = 4 ]; then u=U4_$s; echo "${!u}:${!p}"; else u=U6_$s; echo "[${!u}]:${!p}"; fi
}

# ia_peer SIDE ENDPOINT(4|6|none) PSK(0|1) [KEEPALIVE]: SIDE's peer entry for the other side.
ia_peer() {
	local s=$1 o t4 t6 args=()
	o=$(other "$s") t4=T4_$o t6=T6_$o
	args=(peer "$(cat "$TMP/$o.pub")" allowed-ips "${!t4}/32,${!t6}/128")
	[ "$3" = 1 ] && args+=(preshared-key "$TMP/psk")
	[ "$2" != none ] && args+=(endpoint "$(ia_endpoint "$o" "$2")")
	[ -n "${4:-}" ] && args+=(persistent-keepalive "$4")
	wgs "$s" set "$(ifn "$s")" "${args[@]}"
}

# ia_pair IMPL_A IMPL_B: (re)start both sides with fresh state and configure the interfaces.
ia_pair() {
	ia_stop a; ia_stop b
	ia_addrs
	UP=0
	ia_start a "$1" && ia_start b "$2" && ia_iface a && ia_iface b && UP=1
}

# ia_ping SIDE DST [TRIES]: one answered ping through the tunnel, retrying once a second.
ia_ping() {
	local i
	for i in $(seq 1 "${3:-5}"); do
		in_ns "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	echo "side $1: no answer from $2 after ${3:-5} tries" >&2
	return 1
}

# ia_field SIDE FIELD: one value of `wg show IF FIELD` for the only peer (2nd column).
ia_field() {
	wgs "$1" show "$(ifn "$1")" "$2" | awk -F'\t' 'NR==1{print $2}'
}

# ia_wait_endpoint SIDE EXPECTED: wait up to 3 s for SIDE to show EXPECTED as its peer's endpoint.
ia_wait_endpoint() {
	local i e=
	for i in $(seq 1 30); do
		e=$(ia_field "$1" endpoints)
		[ "$e" = "$2" ] && return 0
		sleep 0.1
	done
	echo "side $1: endpoint is '$e', expected '$2'" >&2
	return 1
}

# ia_counters: once traffic settles, A's transfer-tx equals B's transfer-rx and the reverse.
ia_counters() {
	local i ra ta rb tb
	for i in $(seq 1 10); do
		read -r _ ra ta < <(wgs a show "$IF_a" transfer)
		read -r _ rb tb < <(wgs b show "$IF_b" transfer)
		[ -n "$ta" ] && [ "$ta" = "$rb" ] && [ "$ra" = "$tb" ] && return 0
		sleep 0.2
	done
	echo "A rx/tx $ra/$ta, B rx/tx $rb/$tb: A's tx must equal B's rx and A's rx B's tx"
	return 1
}

# ia_wait_handshake SIDE: wait up to 3 s for a handshake with SIDE's peer.
ia_wait_handshake() {
	local i hs=
	for i in $(seq 1 30); do
		hs=$(ia_field "$1" latest-handshakes)
		[ -n "$hs" ] && [ "$hs" != 0 ] && return 0
		sleep 0.1
	done
	echo "side $1: no handshake after 3 s (latest-handshakes '$hs')" >&2
	return 1
}

# ia_check_dump SIDE PORT ENDPOINT PSK(0|1) KEEPALIVE [FWMARK]: Debian's `wg show all dump`
# against what was configured, for SIDE's interface and its one peer, after traffic.
ia_check_dump() {
	local s=$1 port=$2 ep=$3 psk=$4 ka=$5 fw=${6:-off} o if bad=0 now t4 t6
	local f1 f2 f3 f4 f5 f6 f7 f8 f9 n
	o=$(other "$s") if=$(ifn "$s") t4=T4_$o t6=T6_$o
	wgs "$s" show all dump >"$TMP/dump.all.$s" 2>"$TMP/dump.err.$s"
	awk -F'\t' -v i="$if" '$1 == i' "$TMP/dump.all.$s" >"$TMP/dump.$s"
	n=$(wc -l <"$TMP/dump.$s")
	[ "$n" = 2 ] || { echo "side $s: $n dump lines for $if, expected 2:"; cat "$TMP/dump.all.$s" "$TMP/dump.err.$s"; return 1; }
	# the per-interface dump is the same without the name column
	wgs "$s" show "$if" dump | sed "s/^/$if\t/" | cmp -s - "$TMP/dump.$s" ||
		{ echo "side $s: 'wg show $if dump' differs from 'wg show all dump'"; bad=1; }
	chk() { [ "$2" = "$3" ] || { echo "side $s: $1 is '$2', expected '$3'"; bad=1; }; }
	IFS=$'\t' read -r f1 f2 f3 f4 f5 <"$TMP/dump.$s"
	chk private-key "$f2" "$(cat "$TMP/$s.key")"
	chk public-key "$f3" "$(cat "$TMP/$s.pub")"
	chk listen-port "$f4" "$port"
	chk fwmark "$f5" "$fw"
	IFS=$'\t' read -r f1 f2 f3 f4 f5 f6 f7 f8 f9 < <(sed -n 2p "$TMP/dump.$s")
	chk peer-public-key "$f2" "$(cat "$TMP/$o.pub")"
	if [ "$psk" = 1 ]; then chk preshared-key "$f3" "$(cat "$TMP/psk")"; else chk preshared-key "$f3" "(none)"; fi
	chk endpoint "$f4" "$ep"
	chk allowed-ips "$(echo "$f5" | tr , '\n' | sort | paste -sd,)" \
		"$(printf '%s\n' "${!t4}/32" "${!t6}/128" | sort | paste -sd,)"
	now=$(date +%s)
	[ "${f6:-0}" -gt 0 ] && [ $((now - f6)) -ge -5 ] && [ $((now - f6)) -lt 300 ] ||
		{ echo "side $s: latest-handshake '$f6' is not recent (now $now)"; bad=1; }
	[ "${f7:-0}" -gt 0 ] || { echo "side $s: transfer-rx is '$f7'"; bad=1; }
	[ "${f8:-0}" -gt 0 ] || { echo "side $s: transfer-tx is '$f8'"; bad=1; }
	chk persistent-keepalive "$f9" "$ka"
	[ $bad = 0 ] || cat "$TMP/dump.$s"
	return $bad
}

# ia_xfer FROM TO DST MB: MB mebibytes over TCP from FROM to DST (TO's tunnel address);
# the sha256 on both ends must match.
ia_xfer() {
	local from=$1 to=$2 dst=$3 mb=$4 port=5201 spid r1 r2 t0 t1
	rm -f "$TMP/xfer.ready"
	in_ns "$to" timeout 90 python3 "$TOP/tests/interop/xfer.py" serve "$dst" $port "$TMP/xfer.ready" \
		>"$TMP/xfer.recv" 2>"$TMP/xfer.recv.err" &
	spid=$!
	for i in $(seq 1 50); do [ -e "$TMP/xfer.ready" ] && break; sleep 0.1; done
	t0=$(date +%s%N)
	in_ns "$from" timeout 80 python3 "$TOP/tests/interop/xfer.py" send "$dst" $port \
		$((mb << 20)) $$ >"$TMP/xfer.send" 2>"$TMP/xfer.send.err"
	r1=$?
	wait $spid
	r2=$?
	t1=$(date +%s%N)
	echo "$mb MiB in $(((t1 - t0) / 1000000)) ms: sent $(cat "$TMP/xfer.send") received $(cat "$TMP/xfer.recv")" |
		tee "$TMP/xfer.time"
	[ $r1 = 0 ] && [ $r2 = 0 ] || { cat "$TMP/xfer.send.err" "$TMP/xfer.recv.err"; return 1; }
	[ -s "$TMP/xfer.send" ] && cmp "$TMP/xfer.send" "$TMP/xfer.recv"
}

# ia_bgping SIDE DST COUNT: pings every 0.05 s in the background (BG_PID, $TMP/bgping.out);
# ia_bgwait MIN: wait for it; at least MIN answers, and answers up to the end.
ia_bgping() {
	in_ns "$1" ping -n -i 0.05 -W 1 -c "$3" "$2" >"$TMP/bgping.out" 2>&1 &
	BG_PID=$! BG_COUNT=$3
}
ia_bgwait() {
	local got last
	wait "$BG_PID"
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/bgping.out")
	echo "background ping: $(grep -E 'received|rtt' "$TMP/bgping.out" | tr '\n' ' ')"
	[ "${got:-0}" -ge "$1" ] || { echo "expected at least $1 answers"; return 1; }
	last=$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$TMP/bgping.out" | tail -n 1)
	[ "${last:-0}" -ge $((BG_COUNT - 2)) ] ||
		{ echo "the last answer was to icmp_seq=$last of $BG_COUNT: traffic did not resume"; return 1; }
}

# ia_roam SIDE 4|6: SIDE moves to a new underlay address (the new one added, the old one
# removed) while it pings the other side through the tunnel; the other side's endpoint must
# follow and the pings continue.
ia_roam() {
	local s=$1 f=$2 o t t2 old new exp p pl nodad=
	o=$(other "$s") t=T${f}_$o t2=T$((10 - f))_$o p=PORT_$s
	old=U${f}_$s new=U${f}R_$s
	ia_unroam || return 1
	ia_ping "$s" "${!t}" || return 1
	if [ "$f" = 4 ]; then exp="${!new}:${!p}" pl=24; else exp="[${!new}]:${!p}" pl=64 nodad=nodad; fi
	ia_bgping "$s" "${!t}" 24 && sleep 0.4 &&
	in_ns "$s" ip addr add "${!new}/$pl" dev "v$s" $nodad &&
	in_ns "$s" ip addr del "${!old}/$pl" dev "v$s" &&
	ia_wait_endpoint "$o" "$exp" && ia_bgwait 14 && ia_ping "$s" "${!t2}"
}

# ia_unroam: move roamed sides back to their base underlay addresses; each moved side then
# pings so that the other side learns its address again.
ia_unroam() {
	local s f old new pl nodad t moved=
	for s in a b; do
		for f in 4 6; do
			old=U${f}_$s new=U${f}R_$s pl=24 nodad=
			[ "$f" = 6 ] && pl=64 nodad=nodad
			in_ns "$s" ip addr show dev "v$s" | grep -q " ${!new}/" || continue
			in_ns "$s" ip addr add "${!old}/$pl" dev "v$s" $nodad || return 1
			in_ns "$s" ip addr del "${!new}/$pl" dev "v$s" || return 1
			moved="$moved $s"
		done
	done
	for s in $moved; do
		t=T4_$(other "$s")
		ia_ping "$s" "${!t}" || { echo "(after moving side $s back to its first address)"; return 1; }
	done
}

# ia_diag: state of both sides, appended to a failing test's output.
ia_diag() {
	local s
	echo "--- diagnostics (A=$IMPL_a B=$IMPL_b)"
	for s in a b; do
		echo "--- side $s ($(eval echo \$IMPL_$s), pid $(eval echo \$PID_$s)): wg show"
		wgs "$s" show "$(ifn "$s")" 2>&1 | sed 's/private key: .*/private key: (hidden)/'
		in_ns "$s" ip -br addr 2>&1
		echo "--- side $s log tail"
		tail -n 15 "$(eval echo \$LOG_$s)" 2>/dev/null
	done
}

# itest DESC BODY: test_expect_success that fails at once when the daemons are not running
# and prints both sides' state when the body fails.
itest() {
	if [ "$UP" != 1 ]; then
		test_expect_success "$1" 'echo "daemons not running (A=$IMPL_a B=$IMPL_b)"; ia_diag; false'
	else
		test_expect_success "$1" "{ $2
} || { ia_diag; false; }"
	fi
}
