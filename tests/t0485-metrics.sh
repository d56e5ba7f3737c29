#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl metrics` (issue 24) against its real counterparts: host A runs the bundled daemon
# (`wgctl up`, its config naming the peer), host B wireguard-go; traffic crosses the tunnel.
#  - (interfaces named: other tests' sockets share /var/run/wireguard)
#  - the exposition of each passes Debian's `promtool check metrics` (its linter too);
#  - every peer's rx/tx bytes, latest handshake and endpoint equal `wg show IF dump`, with
#    the name from the config's `# Name =` and the allowed IPs as labels;
#  - the bundled datapath's counters are there on A (rx_packets matching the daemon's own
#    stats=1 answer) and absent on B (wireguard-go has none);
#  - `--textfile DIR` writes IFACE.prom (0644) that Debian's prometheus-node-exporter, started
#    here on loopback in A's namespace with only the textfile collector, serves with the same
#    values; a scrape shows no textfile error;
#  - contrib's wgctl-metrics.service/.timer pass systemd-analyze verify.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping wg wireguard-go promtool prometheus-node-exporter curl
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

unset WGCTL_RUN_DIR CREDENTIALS_DIRECTORY
export WGCTL_STATE_DIR=$TMP/state WGCTL_CONFIG_DIR=$TMP/conf
na=wgctl-t485a-$$ nb=wgctl-t485b-$$
test_netns "$na" && test_netns "$nb" || test_skip_all "cannot create network namespaces"
ip link add v485a$$ netns "$na" type veth peer name v485b$$ netns "$nb" ||
	test_skip_all "cannot create a veth pair"
A() { ip netns exec "$na" "$@"; }
B() { ip netns exec "$nb" "$@"; }
A ip link set lo up && B ip link set lo up
A ip addr add 192.168.85.1/24 dev v485a$$ && A ip link set v485a$$ up
B ip addr add 192.168.85.2/24 dev v485b$$ && B ip link set v485b$$ up
IA=t485a$$ IB=t485b$$
umask 077
mkdir -p "$WGCTL_CONFIG_DIR" "$TMP/prom"
KA=$(wg genkey) KB=$(wg genkey)
cat >"$WGCTL_CONFIG_DIR/$IA.conf" <<EOF
[Interface]
PrivateKey = $KA
Address = 10.85.0.1/24
ListenPort = 51885
[Peer]
# Name = site-b
PublicKey = $(echo "$KB" | wg pubkey)
AllowedIPs = 10.85.0.2/32, fd85::2/128
Endpoint = 192.168.85.2:51886
EOF
echo "$KB" >"$TMP/b.key"
# metric NAME IFACE KEY [TEXT]: the value of NAME's line for that peer (or interface).
metric() { grep "^$1{interface=\"$2\"${3:+,public_key=\"$3\"}" "${4:-/dev/stdin}" | awk '{ print $NF }'; }

test_expect_success 'setup: A (wgctl up, bundled daemon) and B (wireguard-go) carry traffic' '
	A "$WGCTL" up $IA 2>up.log &&
	B wireguard-go $IB && B wg set $IB private-key "$TMP/b.key" listen-port 51886 \
		peer "$(echo "$KA" | wg pubkey)" allowed-ips 10.85.0.1/32 endpoint 192.168.85.1:51885 &&
	B ip addr add 10.85.0.2/24 dev $IB && B ip link set $IB up &&
	A ping -c 3 -W 5 10.85.0.2 >/dev/null && sleep 0.5
'
test_expect_success 'promtool check metrics passes, on both backends' '
	A "$WGCTL" metrics $IA >a.prom && promtool check metrics <a.prom &&
	B "$WGCTL" metrics $IB $IA >b.prom && { promtool check metrics <b.prom || { cat b.prom; false; }; } &&
	grep -q "^wgctl_datapath_rx_packets_total{interface=\"$IA\"} [1-9]" a.prom &&
	grep -q "^wireguard_peer_receive_bytes_total{interface=\"$IB\"" b.prom &&
	! grep -q "^wgctl_datapath.*{interface=\"$IB\"" b.prom
'
# check_dump IFACE FILE: every peer of `wg show IFACE dump` (file dump) has the same values in
# FILE, whatever the label order or number format (node_exporter sorts labels, writes floats).
check_dump() {
	python3 - "$1" "$2" dump <<-\EOF
	import re, sys
	iface, prom, dump = sys.argv[1:]
	m = {}
	for line in open(prom):
	    r = re.match(r'^(\w+)\{(.*)\} (\S+)$', line.strip())
	    if not r:
	        continue
	    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', r.group(2)))
	    if labels.get("interface") != iface or "public_key" not in labels:
	        continue
	    m[(r.group(1), labels["public_key"])] = (float(r.group(3)), labels)
	peers = [l.split("\t") for l in open(dump).read().splitlines()[1:]]
	assert peers, "no peers"
	for key, psk, ep, ips, hs, rx, tx, ka in peers:
	    for name, want in (("receive_bytes_total", rx), ("transmit_bytes_total", tx),
	                       ("latest_handshake_seconds", hs)):
	        got = m[("wireguard_peer_" + name, key)]
	        assert got[0] == float(want), (name, key, got, want)
	        assert got[1]["allowed_ips"] == ips, (got, ips)
	    if ep != "(none)":
	        assert m[("wireguard_peer_endpoint_info", key)][1]["endpoint"] == ep
	EOF
}
# stable NS IFACE OUT: metrics of IFACE in OUT, with `dump` taken right before and unchanged
# right after (a keepalive may cross between the two reads otherwise).
stable() {
	local i
	for i in 1 2 3 4 5; do
		$1 wg show $2 dump >dump && $1 "$WGCTL" metrics $2 >"$3" && $1 wg show $2 dump >dump2 &&
			cmp -s dump dump2 && return 0
	done
	return 1
}
test_expect_success 'values match wg show dump (bytes, handshake, endpoint, allowed IPs, name)' '
	stable A $IA a.prom && check_dump $IA a.prom &&
	grep -q "name=\"site-b\",allowed_ips=\"10.85.0.2/32,fd85::2/128\"" a.prom &&
	stable B $IB b.prom && check_dump $IB b.prom &&
	[ "$(metric wireguard_interface_peers $IA "" a.prom)" = 1 ]
'
test_expect_success 'datapath counters are the daemon'"'"'s own stats' '
	A "$WGCTL" metrics $IA >a.prom &&
	s=$(printf "stats=1\n\n" | A python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(\"/var/run/wireguard/$IA.sock\")
s.sendall(sys.stdin.buffer.read()); print(s.recv(65536).decode())" | sed -n "s/^handshakes_completed=//p") &&
	[ "$(metric wgctl_datapath_handshakes_completed_total $IA "" a.prom)" = "$s" ]
'
PORT=$((20000 + $$ % 20000))
test_expect_success '--textfile: node_exporter (textfile collector) serves the same values' '
	for i in 1 2 3 4 5; do
		A wg show $IA dump >dump && A "$WGCTL" metrics --textfile "$TMP/prom" $IA &&
			A wg show $IA dump >dump2 && cmp -s dump dump2 && break
	done && [ "$(stat -c %a "$TMP/prom/$IA.prom")" = 644 ] &&
	promtool check metrics <"$TMP/prom/$IA.prom" &&
	{ ip netns exec "$na" prometheus-node-exporter --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$TMP/prom" \
		--web.listen-address=127.0.0.1:$PORT </dev/null >"$TMP/ne.log" 2>&1 & } &&
	wait_for "A curl -sf http://127.0.0.1:$PORT/metrics >scrape" &&
	grep -q "^node_textfile_scrape_error 0" scrape && check_dump $IA scrape
'
if command -v systemd-analyze >/dev/null; then
	test_expect_success 'contrib wgctl-metrics.service and .timer verify' '
		mkdir -p units && sed "s|/usr/bin/wgctl|$WGCTL|" "$TOP/contrib/systemd/wgctl-metrics.service" \
			>units/wgctl-metrics.service && cp "$TOP/contrib/systemd/wgctl-metrics.timer" units/ &&
		systemd-analyze verify --man=no "$PWD"/units/* >out 2>&1; rc=$?; cat out;
		[ $rc = 0 ] && ! grep -q . out
	'
fi
test_done
