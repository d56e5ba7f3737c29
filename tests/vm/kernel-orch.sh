#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl up` and the verbs after it on the kernel's WireGuard (issue 21). Runs in the kernel tier's
# guest (tests/vm/orch.sh chroots into the host's root shared over 9p; WGCTL_IN_VM=1), where the
# module is loaded: elsewhere it skips. Two namespaces, client and server, over a veth:
#  - the full-tunnel client comes up on a kernel link (no daemon), reaches the server's
#    203.0.113.1, which answers only through the tunnel, while its own encrypted UDP leaves by the
#    fwmark rule (an nft counter on the underlay counts marked UDP to the endpoint);
#  - reload after changing an Address, a peer and DNS: applied, the session kept;
#  - sync from a peer list file: a peer added to the list appears, one removed goes;
#  - reresolve moves a never-handshaken peer to the address its name now resolves to;
#  - save writes a peer added with `wg set` into the file;
#  - with the module unloaded and refused (modprobe.d: install wireguard /bin/false), up falls
#    back to the bundled daemon and says so; down leaves nothing; the module is loaded again.
. "$(dirname "$0")/../lib.sh"
require_root
require_cmd ip nft wg ping resolvconf modprobe rmmod
[ "${WGCTL_IN_VM:-}" = 1 ] || test_skip_all "runs in the kernel tier's guest (t0200)"
[ -d /sys/module/wireguard ] || test_skip_all "no WireGuard module loaded"
c=wgctl-ko-c-$$ s=wgctl-ko-s-$$
test_netns "$c" && test_netns "$s" || test_skip_all "cannot create network namespaces"
in_c() { ip netns exec "$c" "$@"; }
in_s() { ip netns exec "$s" "$@"; }
export WGCTL_STATE_DIR=$TMP/state WGCTL_CACHE_DIR=$TMP/cache WGCTL_LIST_STATE_DIR=$TMP/lists
umask 077
for k in c s x y z; do
	"$WGCTL" genkey >"$TMP/$k.key" && "$WGCTL" pubkey <"$TMP/$k.key" >"$TMP/$k.pub"
done
key() { cat "$TMP/$1.key"; }
pub() { cat "$TMP/$1.pub"; }

ip -n "$c" link set lo up && ip -n "$s" link set lo up
ip -n "$c" link add ulc type veth peer name uls netns "$s"
ip -n "$c" addr add 192.0.2.2/24 dev ulc && ip -n "$c" link set ulc up
ip -n "$s" addr add 192.0.2.1/24 dev uls && ip -n "$s" link set uls up
ip -n "$c" route add default via 192.0.2.1 dev ulc
for a in 198.51.100.1 198.51.100.2 203.0.113.1; do ip -n "$s" addr add $a/32 dev lo; done
# 203.0.113.1 only through the tunnel: the server drops it on the underlay.
in_s nft add table inet ko
in_s nft 'add chain inet ko in { type filter hook input priority 0; }'
in_s nft add rule inet ko in iifname uls ip daddr 203.0.113.1 drop
# The client's marked UDP to the endpoint, counted as it leaves by the underlay.
in_c nft add table inet ko
in_c nft 'add chain inet ko out { type filter hook output priority 0; }'
in_c nft add rule inet ko out oifname ulc ip daddr 198.51.100.1 udp dport 51820 meta mark 0xca6c counter

printf '[Interface]\nPrivateKey = %s\nAddress = 10.70.0.1/24\nListenPort = 51820\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.70.0.2/32, 10.70.0.3/32\n' \
	"$(key s)" "$(pub c)" >"$TMP/srv0.conf"
mkdir -p "$TMP/etc"
cat >"$TMP/etc/cli0.conf" <<EOF
[Interface]
PrivateKey = $(key c)
Address = 10.70.0.2/32
DNS = 10.70.0.1

[Peer]
PublicKey = $(pub s)
AllowedIPs = 0.0.0.0/0
Endpoint = 198.51.100.1:51820
EOF
# The name of peer x (it never completes a handshake), in the guest's own /etc/hosts.
cp /etc/hosts "$TMP/hosts.orig"
test_on_exit 'cp "$TMP/hosts.orig" /etc/hosts'
echo "198.51.100.1 peer-x.wgctl.test" >>/etc/hosts
kernel_link() { ip -n "$1" -d link show "$2" | grep -qw wireguard; }

test_expect_success 'up (server and full-tunnel client): kernel links, no daemon in either namespace' '
	! in_c ping -c 1 -W 1 203.0.113.1 >/dev/null 2>&1 &&
	in_s "$WGCTL" up "$TMP/srv0.conf" 2>srv.err && in_c "$WGCTL" up "$TMP/etc/cli0.conf" 2>cli.err &&
	! grep -q "Falling back\|daemon" cli.err srv.err &&
	kernel_link "$s" srv0 && kernel_link "$c" cli0 && [ -z "$(ip netns pids "$c")$(ip netns pids "$s")" ] &&
	in_c wg show cli0 fwmark | grep -qx 0xca6c && grep -qx "\[#\] ip -4 rule add not fwmark 51820 table 51820" cli.err &&
	in_c resolvconf -l | grep -q "^nameserver 10.70.0.1"
'
test_expect_success 'traffic: 203.0.113.1 through the tunnel; the encrypted UDP leaves marked by the underlay' '
	rx0=$(in_s wg show srv0 transfer | awk "{ print \$2 }") &&
	in_c ping -c 3 -i 0.2 -W 3 203.0.113.1 &&
	rx1=$(in_s wg show srv0 transfer | awk "{ print \$2 }") && [ "${rx1:-0}" -gt "${rx0:-0}" ] &&
	pk=$(in_c nft list chain inet ko out | sed -n "s/.* counter packets \([0-9]*\) .*/\1/p") &&
	echo "marked UDP packets out of ulc: $pk" && [ "${pk:-0}" -gt 0 ] &&
	in_c ip route get 198.51.100.1 mark 0xca6c | grep -q "dev ulc" &&
	in_c ip route get 198.51.100.1 | grep -q "dev cli0"
'
test_expect_success 'reload after changing an Address, a peer and DNS: applied, the session kept' '
	hs0=$(in_c wg show cli0 latest-handshakes | awk "{ print \$2 }") && [ "$hs0" -gt 0 ] &&
	sed -i "s|^Address = .*|Address = 10.70.0.2/32, 10.70.0.3/32|; s|^DNS = .*|DNS = 10.70.0.53|" "$TMP/etc/cli0.conf" &&
	printf "\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.80.0.0/16\nEndpoint = peer-x.wgctl.test:51999\n" "$(pub x)" >>"$TMP/etc/cli0.conf" &&
	in_c "$WGCTL" reload "$TMP/etc/cli0.conf" 2>reload.err && cat reload.err &&
	in_c ip -o addr show dev cli0 | grep -q "inet 10.70.0.3/32" &&
	in_c wg show cli0 endpoints | grep -qx "$(pub x)	198.51.100.1:51999" &&
	in_c resolvconf -l | grep -q "^nameserver 10.70.0.53" && ! in_c resolvconf -l | grep -q "^nameserver 10.70.0.1$" &&
	[ "$(in_c wg show cli0 latest-handshakes | grep "$(pub s)" | awk "{ print \$2 }")" = "$hs0" ] &&
	in_c ping -c 1 -W 3 -I 10.70.0.3 203.0.113.1 >/dev/null
'
# (on the server: the client's full tunnel routes everything, so the file's peer would win every
# prefix a listed peer claims there)
test_expect_success 'sync from a peer list: a peer added to the list appears, one removed goes' '
	printf "[Peer]\nPublicKey = %s\nAllowedIPs = 10.81.0.0/16\n" "$(pub y)" >"$TMP/fleet.peers" &&
	sed -i "/^ListenPort = /a PeerList = fleet.peers" "$TMP/srv0.conf" &&
	in_s "$WGCTL" sync "$TMP/srv0.conf" 2>sync1.err && cat sync1.err && in_s wg show srv0 peers | grep -qx "$(pub y)" &&
	printf "[Peer]\nPublicKey = %s\nAllowedIPs = 10.82.0.0/16\n" "$(pub z)" >"$TMP/fleet.peers" &&
	in_s "$WGCTL" sync "$TMP/srv0.conf" 2>sync2.err && cat sync2.err &&
	in_s wg show srv0 peers | grep -qx "$(pub z)" && ! in_s wg show srv0 peers | grep -qx "$(pub y)" &&
	in_s wg show srv0 peers | grep -qx "$(pub c)" && in_c ping -c 1 -W 3 203.0.113.1 >/dev/null
'
test_expect_success 'reresolve: a peer that never completed a handshake follows its name' '
	sed -i "s/^198.51.100.1 peer-x.wgctl.test$/198.51.100.2 peer-x.wgctl.test/" /etc/hosts &&
	in_c "$WGCTL" reresolve "$TMP/etc/cli0.conf" 2>rr.err &&
	in_c wg show cli0 endpoints | grep -qx "$(pub x)	198.51.100.2:51999" &&
	in_c wg show cli0 endpoints | grep -qx "$(pub s)	198.51.100.1:51820"
'
test_expect_success 'save: a peer added with wg set is written into the file' '
	in_c wg set cli0 peer "$(pub y)" allowed-ips 10.83.0.0/16 &&
	cp "$TMP/etc/cli0.conf" before.conf &&
	in_c "$WGCTL" save "$TMP/etc/cli0.conf" 2>save.err && cat save.err "$TMP/etc/cli0.conf" | grep -v Key &&
	grep -qx "PublicKey = $(pub y)" "$TMP/etc/cli0.conf" && grep -qx "AllowedIPs = 10.83.0.0/16" "$TMP/etc/cli0.conf" &&
	grep -q "^Address = .*10.70.0.3/32" "$TMP/etc/cli0.conf" &&
	! cmp -s before.conf "$TMP/etc/cli0.conf"
'
test_expect_success 'down of both: the namespaces hold no WireGuard link, rule or DNS record' '
	in_c "$WGCTL" down "$TMP/etc/cli0.conf" 2>down.err && in_s "$WGCTL" down "$TMP/srv0.conf" &&
	! in_c ip link show cli0 2>/dev/null && ! in_s ip link show srv0 2>/dev/null &&
	! in_c ip rule show | grep -q 51820 && [ -z "$(in_c resolvconf -l)" ]
'

# The module refused: unloaded (no WireGuard link may exist anywhere in the guest), and the
# kernel's request for it fails through modprobe.d's install line.
modconf=/etc/modprobe.d/wgctl-refuse-wireguard.conf
reload_module() { rm -f "$modconf"; [ -d /sys/module/wireguard ] || modprobe wireguard; }
test_on_exit reload_module
unload() {
	local i
	echo "install wireguard /bin/false" >"$modconf"
	for i in $(seq 50); do
		rmmod wireguard 2>/dev/null && return 0
		sleep 0.2
	done
	echo "rmmod wireguard: still in use"; lsmod | grep wireguard; return 1
}
printf '[Interface]\nPrivateKey = %s\nAddress = 10.71.0.2/24\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.71.0.0/24\nEndpoint = 192.0.2.1:51820\n' \
	"$(key c)" "$(pub s)" >"$TMP/fb0.conf"
test_expect_success 'module refused: up falls back to the bundled daemon, says so, down leaves nothing' '
	unload && [ ! -d /sys/module/wireguard ] && ! in_c ip link add probe0 type wireguard 2>/dev/null &&
	in_c "$WGCTL" up "$TMP/fb0.conf" 2>fb.err && cat fb.err &&
	grep -qx "\[!\] Missing WireGuard kernel module. Falling back to slow userspace implementation." fb.err &&
	grep -qx "\[#\] wgctl daemon fb0" fb.err && ! kernel_link "$c" fb0 && [ -n "$(ip netns pids "$c")" ] &&
	in_c "$WGCTL" show fb0 | grep -q "^peer: $(pub s)$" &&
	in_c "$WGCTL" down "$TMP/fb0.conf" && ! in_c ip link show fb0 2>/dev/null &&
	for i in $(seq 50); do [ -z "$(ip netns pids "$c")" ] && break; sleep 0.1; done && [ -z "$(ip netns pids "$c")" ]
'
test_expect_success 'the module loads again: up is back on a kernel link' '
	reload_module && [ -d /sys/module/wireguard ] &&
	in_c "$WGCTL" up "$TMP/fb0.conf" 2>k.err && kernel_link "$c" fb0 && ! grep -q Falling k.err &&
	in_c "$WGCTL" down "$TMP/fb0.conf"
'
test_done
