#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl daemon`: lifecycle (detach, -f, exit on SIGTERM / socket removal / link removal), the UAPI
# socket (mode, framing, garbage, slow clients) and Debian's wg / wg-quick driving it. Everything
# runs in network namespaces made here; sockets go to $WGCTL_RUN_DIR except where wg(8) must
# find them in /var/run/wireguard (those interfaces get names unique to this run).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3 wg wg-quick
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"
make_links

ns=wgctl-t100-$$
ns2=wgctl-t100b-$$
test_netns "$ns" || test_skip_all "cannot create a network namespace"
test_netns "$ns2" || test_skip_all "cannot create a network namespace"
# Only processes inside our own namespaces: the daemons and helpers this test started there.

export WGCTL_RUN_DIR=$TMP/run
NS="ip netns exec $ns"
A=t100a$$ && A=${A:0:15}
W=t100w$$ && W=${W:0:15}
Q=t100q$$ && Q=${Q:0:15}
SYSRUN=/var/run/wireguard

cat >"$TMP/uapi.py" <<'EOF'
# uapi.py SOCKET REQUEST: sends REQUEST (backslash escapes allowed), prints the whole reply.
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin1"))
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode("latin1"))
EOF
uapi() {
	python3 "$TMP/uapi.py" "$@"
}

# PID of the daemon serving interface $1 in namespace $2 (default $ns).
daemon_pid() {
	local p
	for p in $(ip netns pids "${2:-$ns}"); do
		case " $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in
		*" $1 ") echo "$p" && return 0 ;;
		esac
	done
	return 1
}

gone() {
	! daemon_pid "$1" >/dev/null && ! $NS ip link show "$1" >/dev/null 2>&1 && [ ! -e "$2" ]
}

test_expect_success 'daemon creates the TUN, detaches, and the socket answers at once' '
	$NS "$WGCTL" daemon "$A" &&
	uapi "$WGCTL_RUN_DIR/$A.sock" "get=1\n\n" >out &&
	grep -q "^listen_port=[0-9]*$" out && tail -n 2 out | head -n 1 | grep -qx "errno=0" &&
	pid=$(daemon_pid "$A") && [ "$(ps -o sid= -p "$pid" | tr -d " ")" = "$pid" ] &&
	$NS ip link show "$A" | grep -q "mtu 1420"
'

test_expect_success 'the socket is 0600 in a 0755 directory' '
	[ "$(stat -c %a "$WGCTL_RUN_DIR")" = 755 ] &&
	[ "$(stat -c %a "$WGCTL_RUN_DIR/$A.sock")" = 600 ]
'

test_expect_success 'several operations on one connection, stats included' '
	uapi "$WGCTL_RUN_DIR/$A.sock" "set=1\nlisten_port=41000\n\nget=1\n\nstats=1\n\n" >out &&
	head -n 2 out | tr "\n" " " | grep -qx "errno=0  " &&
	grep -qx "listen_port=41000" out && grep -qx "rx_datagrams=0" out &&
	[ "$(grep -c "^errno=0$" out)" = 3 ] &&
	$NS ss -uln | grep -q ":41000 "
'

test_expect_success 'garbage gets an errno reply, and the daemon keeps serving' '
	s=$WGCTL_RUN_DIR/$A.sock &&
	uapi "$s" "hello\nget=1\n\n" >out && printf "errno=-71\n\n" | cmp - out &&
	uapi "$s" "foo=1\n\n" >out && printf "errno=-22\n\n" | cmp - out &&
	uapi "$s" "get=1\nx\n" >out && printf "errno=-22\n\n" | cmp - out &&
	uapi "$s" "set=1\nno equals sign\n\n" >out && printf "errno=-71\n\n" | cmp - out &&
	uapi "$s" "set=1\nlisten_port=\x00\n\n" >out && printf "errno=-71\n\n" | cmp - out &&
	uapi "$s" "set=1\nlisten_port=$(head -c 10000 /dev/zero | tr "\0" 1)\n\n" >out &&
	printf "errno=-71\n\n" | cmp - out &&
	uapi "$s" "set=1\nno_such_key=1\n\nget=1\n\n" >out &&
	head -n 2 out | tr "\n" " " | grep -qx "errno=-22  " && grep -qx "listen_port=41000" out
'

test_expect_success 'a client that stops reading or stalls mid-request blocks nobody' '
	python3 - "$WGCTL_RUN_DIR/$A.sock" <<-\EOF
	import socket, sys, time
	path = sys.argv[1]
	def conn():
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	    s.connect(path)
	    return s
	stalled = conn()
	stalled.sendall(b"set=1\nlisten_po")
	greedy = conn()
	greedy.setblocking(False)
	try:
	    for _ in range(100000):
	        greedy.send(b"get=1\n\n" * 64)
	except BlockingIOError:
	    pass
	c = conn()
	c.settimeout(3)
	c.sendall(b"get=1\n\n")
	reply = b""
	while not reply.endswith(b"errno=0\n\n"):
	    d = c.recv(4096)
	    assert d, reply
	    reply += d
	assert b"listen_port=41000\n" in reply, reply
	EOF
'

test_expect_success 'a set of 130,560 allowed IPs fits in one request' '
	python3 - "$WGCTL_RUN_DIR/$A.sock" <<-\EOF
	import socket, sys
	lines = ["set=1", "public_key=" + "11" * 32, "replace_allowed_ips=true"]
	lines += ["allowed_ip=10.%d.%d.0/24" % (i >> 8, i & 255) for i in range(130560 // 2)]
	lines += ["allowed_ip=fd00:%x::/32" % i for i in range(130560 // 2)]
	req = ("\n".join(lines) + "\n\nget=1\n\n").encode()
	assert len(req) > 3 << 20
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.settimeout(60)
	s.connect(sys.argv[1])
	s.sendall(req)
	s.shutdown(socket.SHUT_WR)
	out = b""
	while True:
	    d = s.recv(1 << 20)
	    if not d:
	        break
	    out += d
	assert out.startswith(b"errno=0\n\n"), out[:200]
	assert out.count(b"\nallowed_ip=") == 130560, out.count(b"\nallowed_ip=")
	EOF
'

test_expect_success 'starting a second daemon on the same name fails clearly' '
	! $NS "$WGCTL" daemon "$A" 2>err &&
	grep -q "already in use" err && [ $(wc -l <err) = 1 ] &&
	uapi "$WGCTL_RUN_DIR/$A.sock" "get=1\n\n" | grep -qx "listen_port=41000"
'

test_expect_success 'a socket path that answers is refused, and the TUN made for it removed' '
	mkdir -p "$TMP/run2" && python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
time.sleep(10)" "$TMP/run2/t100y.sock" & holder=$! &&
	wait_for "[ -S \"$TMP/run2/t100y.sock\" ]" &&
	! WGCTL_RUN_DIR=$TMP/run2 $NS "$WGCTL" daemon t100y 2>err; r=$?;
	kill $holder;
	[ $r = 0 ] && grep -q "already in use" err && ! $NS ip link show t100y 2>/dev/null
'

test_expect_success 'a stale socket file is replaced' '
	mkdir -p "$TMP/run3" &&
	python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$TMP/run3/t100z.sock" &&
	[ -S "$TMP/run3/t100z.sock" ] &&
	WGCTL_RUN_DIR=$TMP/run3 $NS "$WGCTL" daemon t100z &&
	uapi "$TMP/run3/t100z.sock" "get=1\n\n" | grep -qx "errno=0" &&
	kill "$(daemon_pid t100z)" && wait_for "gone t100z $TMP/run3/t100z.sock"
'

test_expect_success 'SIGTERM: the daemon exits and removes its socket and link' '
	kill -TERM "$(daemon_pid "$A")" && wait_for "gone $A $WGCTL_RUN_DIR/$A.sock"
'

test_expect_success 'deleting the socket file stops the daemon' '
	$NS "$WGCTL" daemon "$A" && rm "$WGCTL_RUN_DIR/$A.sock" &&
	wait_for "gone $A $WGCTL_RUN_DIR/$A.sock"
'

test_expect_success 'ip link del stops the daemon and removes its socket' '
	$NS "$WGCTL" daemon "$A" && $NS ip link del "$A" &&
	wait_for "gone $A $WGCTL_RUN_DIR/$A.sock"
'

test_expect_success '-f stays in the foreground and exits 0 on SIGTERM' '
	{ $NS "$WGCTL" daemon -f "$A" 2>err & } && pid=$! &&
	wait_for "[ -S \"$WGCTL_RUN_DIR/$A.sock\" ]" &&
	[ "$(daemon_pid "$A")" = "$pid" ] &&
	kill -TERM $pid && wait $pid && gone "$A" "$WGCTL_RUN_DIR/$A.sock"
'

test_expect_success 'wgctl-daemon with WG_PROCESS_FOREGROUND=1 stays in the foreground, exits 0 on SIGINT' '
	{ WG_PROCESS_FOREGROUND=1 $NS "$TMP/bin/wgctl-daemon" "$A" & } && pid=$! &&
	wait_for "[ -S \"$WGCTL_RUN_DIR/$A.sock\" ]" &&
	[ "$(daemon_pid "$A")" = "$pid" ] &&
	kill -INT $pid && wait $pid && gone "$A" "$WGCTL_RUN_DIR/$A.sock"
'

test_expect_success 'bad arguments print the usage and fail' '
	! "$WGCTL" daemon 2>err && grep -q "^Usage: .* \[-f|--foreground\] <interface>" err &&
	! "$WGCTL" daemon -x wg0 2>err && grep -q "^Usage:" err &&
	! "$TMP/bin/wgctl-daemon" a b 2>err && grep -q "^Usage: wgctl-daemon \[" err &&
	! $NS "$WGCTL" daemon ../x 2>err && grep -q "Invalid interface name" err &&
	! $NS "$WGCTL" daemon a-name-longer-than-15 2>err && grep -q "Invalid interface name" err
'

for i in 1 2 3; do
	(umask 077 && "$WGCTL" genkey >"$TMP/k$i") && wg pubkey <"$TMP/k$i" >"$TMP/p$i"
done
P2=$(cat "$TMP/p2")
P3=$(cat "$TMP/p3")

test_expect_success "wg show and wg set work against the daemon at $SYSRUN" '
	env -u WGCTL_RUN_DIR $NS "$WGCTL" daemon "$W" &&
	[ "$(stat -c %a "$SYSRUN/$W.sock")" = 600 ] &&
	$NS wg show "$W" >out && grep -q "^interface: $W$" out &&
	$NS wg show interfaces | tr " " "\n" | grep -qx "$W" &&
	$NS wg set "$W" listen-port 42001 private-key "$TMP/k1" \
		peer "$P2" allowed-ips 10.1.0.2/32,fd01::2/128 endpoint 127.0.0.1:42002 persistent-keepalive 25 &&
	$NS wg show "$W" listen-port | grep -qx 42001 &&
	$NS wg show "$W" public-key | cmp - "$TMP/p1" &&
	$NS wg show "$W" allowed-ips | grep -q "^$P2	10.1.0.2/32 fd01::2/128$"
'

test_expect_success 'wg showconf shows what was set' '
	$NS wg showconf "$W" >conf &&
	grep -qx "ListenPort = 42001" conf && grep -qx "PrivateKey = $(cat "$TMP/k1")" conf &&
	grep -qx "PublicKey = $P2" conf && grep -qx "Endpoint = 127.0.0.1:42002" conf &&
	grep -qx "PersistentKeepalive = 25" conf &&
	grep -qx "AllowedIPs = 10.1.0.2/32, fd01::2/128" conf
'

test_expect_success 'a set that fails (port taken) reports it through wg and changes nothing' '
	$NS python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"0.0.0.0\", 42005))
time.sleep(10)" & holder=$! &&
	wait_for "$NS ss -uln | grep -q \":42005 \"" &&
	$NS wg showconf "$W" >before &&
	! $NS wg set "$W" listen-port 42005 peer "$P3" allowed-ips 10.1.0.3/32 2>err; r=$?;
	kill $holder;
	[ $r = 0 ] && grep -q "Address already in use" err &&
	$NS wg showconf "$W" | cmp - before && $NS ss -uln | grep -q ":42001 "
'

test_expect_success 'wg setconf replaces the configuration' '
	printf "[Interface]\nListenPort = 42003\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.1.0.3/32\n" "$P3" >set.conf &&
	$NS wg setconf "$W" set.conf && $NS wg show "$W" peers | cmp - "$TMP/p3" &&
	$NS wg show "$W" listen-port | grep -qx 42003 &&
	$NS ip link del "$W" && wait_for "gone $W $SYSRUN/$W.sock"
'

test_expect_success 'wg-quick up with WG_QUICK_USERSPACE_IMPLEMENTATION=wgctl-daemon, then down' '
	printf "[Interface]\nPrivateKey = %s\nAddress = 10.2.0.1/24\nListenPort = 42010\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.2.0.2/32\n" \
		"$(cat "$TMP/k1")" "$P2" >"$Q.conf" && chmod 600 "$Q.conf" &&
	env -u WGCTL_RUN_DIR PATH="$PATH:$TMP/bin" WG_QUICK_USERSPACE_IMPLEMENTATION=wgctl-daemon \
		$NS wg-quick up "$TMP/$Q.conf" &&
	[ -S "$SYSRUN/$Q.sock" ] && $NS wg show "$Q" listen-port | grep -qx 42010 &&
	$NS wg show "$Q" peers | cmp - "$TMP/p2" &&
	$NS ip -br addr show "$Q" | grep -q "10.2.0.1/24" && $NS ip link show "$Q" | grep -q ",UP" &&
	env -u WGCTL_RUN_DIR $NS wg-quick down "$TMP/$Q.conf" &&
	wait_for "gone $Q $SYSRUN/$Q.sock"
'

# Two daemons in two namespaces joined by a veth: the TUN and UDP paths end to end.
hex_key() {
	base64 -d <"$1" | od -An -tx1 | tr -d " \n"
}
test_expect_success 'two daemons ping each other across a veth, outer IPv6 then IPv4' '
	NS2="ip netns exec $ns2" && s1=$WGCTL_RUN_DIR/$A.sock && s2=$TMP/run4/$A.sock &&
	$NS ip link add veth0 type veth peer name veth1 netns "$ns2" &&
	$NS ip addr add 192.168.241.1/24 dev veth0 && $NS ip addr add fd99::1/64 dev veth0 nodad &&
	$NS2 ip addr add 192.168.241.2/24 dev veth1 && $NS2 ip addr add fd99::2/64 dev veth1 nodad &&
	$NS ip link set veth0 up && $NS2 ip link set veth1 up &&
	$NS "$WGCTL" daemon "$A" && WGCTL_RUN_DIR=$TMP/run4 $NS2 "$WGCTL" daemon "$A" &&
	uapi "$s1" "set=1\nprivate_key=$(hex_key "$TMP/k1")\nlisten_port=42021\npublic_key=$(hex_key "$TMP/p2")\nendpoint=[fd99::2]:42022\nallowed_ip=10.3.0.2/32\nallowed_ip=fd03::2/128\n\n" | grep -qx errno=0 &&
	uapi "$s2" "set=1\nprivate_key=$(hex_key "$TMP/k2")\nlisten_port=42022\npublic_key=$(hex_key "$TMP/p1")\nallowed_ip=10.3.0.1/32\nallowed_ip=fd03::1/128\n\n" | grep -qx errno=0 &&
	$NS ip addr add 10.3.0.1/24 dev "$A" && $NS ip addr add fd03::1/64 dev "$A" nodad && $NS ip link set "$A" up &&
	$NS2 ip addr add 10.3.0.2/24 dev "$A" && $NS2 ip addr add fd03::2/64 dev "$A" nodad && $NS2 ip link set "$A" up &&
	$NS ping -c 2 -W 2 10.3.0.2 && $NS2 ping -c 2 -W 2 fd03::1 &&
	uapi "$s2" "get=1\n\n" | grep -qx "endpoint=\[fd99::1\]:42021" &&
	uapi "$s1" "set=1\npublic_key=$(hex_key "$TMP/p2")\nendpoint=192.168.241.2:42022\n\n" | grep -qx errno=0 &&
	$NS ping -c 2 -W 2 -s 1372 -M do 10.3.0.2 &&
	uapi "$s2" "get=1\n\n" | grep -qx "endpoint=192.168.241.1:42021" &&
	uapi "$s1" "get=1\n\n" | grep -q "^last_handshake_time_sec=[1-9]" &&
	uapi "$s1" "stats=1\n\n" | grep -q "^handshakes_completed=[1-9]"
'

test_expect_success 'timers run off the timerfd: persistent keepalives arrive every second' '
	s1=$WGCTL_RUN_DIR/$A.sock && s2=$TMP/run4/$A.sock &&
	uapi "$s1" "set=1\npublic_key=$(hex_key "$TMP/p2")\npersistent_keepalive_interval=1\n\n" | grep -qx errno=0 &&
	k0=$(uapi "$s2" "stats=1\n\n" | sed -n "s/^rx_keepalives=//p") && sleep 3.5 &&
	k1=$(uapi "$s2" "stats=1\n\n" | sed -n "s/^rx_keepalives=//p") &&
	echo "keepalives: $k0 -> $k1" && [ $((k1 - k0)) -ge 3 ] && [ $((k1 - k0)) -le 5 ]
'

test_done
