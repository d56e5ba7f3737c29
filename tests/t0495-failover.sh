#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl reresolve --watch` (issue 24): endpoints that keep working. Client A (wgctl up, bundled
# daemon) reaches server S over two paths, each in a namespace of its own between them (isp1,
# isp2: routers), the server answering on both. With --interval 1 --stale 4:
#  - failover: A's Endpoint is S's address behind isp1 and `# Endpoints =` names the one behind
#    isp2; isp1 is cut (its links down); the watcher moves the peer to the second endpoint
#    within stale + 2 periods + a handshake (asserted: 15 s), says so in a JSON line, and the
#    ping through the tunnel resumes;
#  - the comment is not wg's: `wgctl strip` leaves it a comment and Debian's wg accepts that;
#  - a DNS name that moves: Endpoint = srv.test:PORT from a per-namespace hosts file; the name
#    moves to the other path and that path's twin is cut; the watcher follows the name.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping wg
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

unset WGCTL_RUN_DIR
export WGCTL_STATE_DIR=$TMP/state
p=$$
for n in a s i1 i2; do test_netns wgctl-t495$n-$p || test_skip_all "cannot create namespaces"; done
N() { local n=$1; shift; ip netns exec "wgctl-t495$n-$p" "$@"; }
mkdir -p /etc/netns/wgctl-t495a-$p && test_on_exit "rm -rf /etc/netns/wgctl-t495a-$p"
# a --- i1 --- s   (192.168.101.0/24 and 192.168.111.0/24; S is 192.168.111.2)
# a --- i2 --- s   (192.168.102.0/24 and 192.168.112.0/24; S is 192.168.112.2)
link() { # NS1 IF1 ADDR1 NS2 IF2 ADDR2
	ip link add "$2" netns "wgctl-t495$1-$p" type veth peer name "$5" netns "wgctl-t495$4-$p" &&
		N "$1" ip addr add "$3" dev "$2" && N "$1" ip link set "$2" up &&
		N "$4" ip addr add "$6" dev "$5" && N "$4" ip link set "$5" up
}
{
	for n in a s i1 i2; do N $n ip link set lo up; done
	link a a1 192.168.101.1/24 i1 i1a 192.168.101.2/24 &&
		link i1 i1s 192.168.111.1/24 s s1 192.168.111.2/24 &&
		link a a2 192.168.102.1/24 i2 i2a 192.168.102.2/24 &&
		link i2 i2s 192.168.112.1/24 s s2 192.168.112.2/24 &&
		N i1 sysctl -qw net.ipv4.ip_forward=1 && N i2 sysctl -qw net.ipv4.ip_forward=1 &&
		N a ip route add 192.168.111.0/24 via 192.168.101.2 &&
		N a ip route add 192.168.112.0/24 via 192.168.102.2 &&
		N s ip route add 192.168.101.0/24 via 192.168.111.1 &&
		N s ip route add 192.168.102.0/24 via 192.168.112.1
} || test_skip_all "cannot build the topology"
IA=t495a$p IS=t495s$p
umask 077
mkdir -p "$TMP/a" "$TMP/s"
KA=$(wg genkey) KS=$(wg genkey)
PA=$(echo "$KA" | wg pubkey) PS=$(echo "$KS" | wg pubkey)
printf '[Interface]\nPrivateKey = %s\nAddress = 10.95.0.2/24\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.95.0.1/32\n' \
	"$KS" "$PA" >"$TMP/s/$IS.conf"
aconf() { # ENDPOINT [ALTERNATIVES]
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.95.0.1/24\n[Peer]\n# Name = server\nPublicKey = %s\nAllowedIPs = 10.95.0.2/32\nEndpoint = %s\n%s' \
		"$KA" "$PS" "$1" "${2:+# Endpoints = $2
}" >"$TMP/a/$IA.conf"
}
aconf 192.168.111.2:51895 "192.168.112.2:51895, [2001:db8::95]:51895"
sed -i 's/^PrivateKey.*/&\nListenPort = 51895/' "$TMP/s/$IS.conf"

ep() { N a wg show $IA endpoints | awk '{ print $2 }'; }
WATCH=
test_on_exit 'kill $WATCH'
test_expect_success 'setup: both up with wgctl up, the tunnel over isp1' '
	N s "$WGCTL" up "$TMP/s/$IS.conf" 2>s.log && N a "$WGCTL" up "$TMP/a/$IA.conf" 2>a.log &&
	N a ping -c 2 -W 5 10.95.0.2 >/dev/null && [ "$(ep)" = 192.168.111.2:51895 ]
'
test_expect_success '# Endpoints is a comment to wg: strip leaves it one, Debian wg takes it' '
	"$WGCTL" strip "$TMP/a/$IA.conf" >stripped &&
	grep -qx "# Endpoints = 192.168.112.2:51895, \[2001:db8::95\]:51895" stripped &&
	N a wg syncconf $IA stripped && [ "$(ep)" = 192.168.111.2:51895 ]
'
hosts() { printf '127.0.0.1 localhost\n%s srv.test\n' "$1" >/etc/netns/wgctl-t495a-$p/hosts; }
# The hosts file must be there before the watcher starts: ip netns exec bind-mounts it then.
hosts 192.168.112.2
start_watch() {
	N a "$WGCTL" reresolve --watch --interval 1 --stale 4 "$TMP/a/$IA.conf" \
		</dev/null >>"$TMP/watch.json" 2>>"$TMP/watch.err" &
	WATCH=$!
}
start_watch
# pings every 0.2 s in the background (what a user of the tunnel does), counted by the reply.
N a ping -i 0.2 -W 1 10.95.0.2 >"$TMP/ping.log" 2>&1 </dev/null &
PING=$!
test_on_exit "kill $PING"
replies() { grep -c "bytes from" "$TMP/ping.log"; }
test_expect_success 'a healthy peer is left alone' '
	sleep 6 && [ "$(ep)" = 192.168.111.2:51895 ] && ! grep -q . "$TMP/watch.json"
'
test_expect_success 'isp1 cut: the peer moves to the second endpoint and traffic resumes' '
	N i1 ip link set i1a down && N i1 ip link set i1s down && t0=$(date +%s) && sleep 1 &&
	r0=$(replies) && sleep 2 && [ "$(replies)" = "$r0" ] &&
	for i in $(seq 1 60); do r=$(replies); sleep 0.5; [ "$(replies)" -gt "$r" ] && [ "$(ep)" = 192.168.112.2:51895 ] && break; done &&
	t1=$(date +%s) && echo $((t1 - t0)) >"$TMP/t.failover" &&
	[ $((t1 - t0)) -le 15 ] &&
	grep -q "\"event\":\"failover\",\"interface\":\"$IA\",\"public_key\":\"$PS\",\"name\":\"server\",\"endpoint\":\"192.168.112.2:51895\",\"endpoint_text\":\"192.168.112.2:51895\",\"previous_endpoint\":\"192.168.111.2:51895\"" "$TMP/watch.json" &&
	[ "$(grep -c failover "$TMP/watch.json")" = 1 ]
'
[ -s "$TMP/t.failover" ] && echo "# failover: traffic resumed $(cat "$TMP/t.failover") s after the cut"
test_expect_success 'then it stays there while traffic flows' '
	sleep 6 && [ "$(ep)" = 192.168.112.2:51895 ] && [ "$(grep -c failover "$TMP/watch.json")" = 1 ]
'
test_expect_success 'a DNS name that moves is followed' '
	N i1 ip link set i1a up && N i1 ip link set i1s up &&
	N s ip route replace 192.168.101.0/24 via 192.168.111.1 &&
	aconf srv.test:51895 &&
	sleep 2 && [ "$(ep)" = 192.168.112.2:51895 ] &&
	hosts 192.168.111.2 && N i2 ip link set i2a down && t0=$(date +%s) &&
	for i in $(seq 1 60); do r=$(replies); sleep 0.5; [ "$(replies)" -gt "$r" ] && [ "$(ep)" = 192.168.111.2:51895 ] && break; done &&
	t1=$(date +%s) && echo $((t1 - t0)) >"$TMP/t.dns" && [ $((t1 - t0)) -le 15 ] &&
	grep -q "\"event\":\"reresolved\".*\"endpoint\":\"192.168.111.2:51895\",\"endpoint_text\":\"srv.test:51895\"" "$TMP/watch.json"
'
[ -s "$TMP/t.dns" ] && echo "# DNS: traffic resumed $(cat "$TMP/t.dns") s after the move"
test_expect_success 'the watcher ends on SIGTERM, having printed nothing to stderr' '
	kill $WATCH && wait_for "! kill -0 $WATCH 2>/dev/null" && ! grep -v "^$" "$TMP/watch.err"
'
test_done
