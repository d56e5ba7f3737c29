#!/bin/bash
# SPDX-License-Identifier: MIT
# `Namespace = NAME` and `up --netns NAME` on the bundled daemon: the link is made where `up` runs
# (the daemon and its UDP socket stay there) and moved into NAME, where addresses, MTU, routes
# (a default route with no policy rules), DNS (/etc/netns/NAME/resolv.conf) and hooks happen.
# Programs in NAME reach the server only through the tunnel (the server counts what arrives);
# `down` leaves no trace and removes the namespace only when `up` made it; a failed `up` leaves
# nothing. The kernel link goes the same way (the kernel tier).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft nsenter
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"
[ -d /sys/module/wireguard ] && test_skip_all "the host has the WireGuard module: this is the daemon's test"

U=wgctl-t462u-$$ S=wgctl-t462s-$$ V=wgctl-t462v-$$
for n in "$U" "$S"; do test_netns "$n" || test_skip_all "cannot create a network namespace"; done
# Whatever is left of V, should a test fail half-way.
test_on_exit "ip netns del $V; rm -rf /etc/netns/$V"
export WGCTL_RUN_DIR=$TMP/run WGCTL_STATE_DIR=$TMP/state
IF=t462$$ && IF=${IF:0:15}
# Only the network namespace: `ip netns exec` would give up a mount namespace of its own, where
# the /run/netns mount of a namespace up makes would stay.
UN="nsenter --net=/run/netns/$U"

ip link add t462u netns "$U" type veth peer name t462s netns "$S" &&
	ip -n "$U" addr add 10.50.0.1/24 dev t462u && ip -n "$U" link set t462u up &&
	ip -n "$S" addr add 10.50.0.2/24 dev t462s && ip -n "$S" link set t462s up &&
	ip -n "$U" link set lo up && ip -n "$S" link set lo up || test_skip_all "cannot make veth links"

cpriv=$("$WGCTL" genkey) spriv=$("$WGCTL" genkey)
cpub=$(echo "$cpriv" | "$WGCTL" pubkey) spub=$(echo "$spriv" | "$WGCTL" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.51.0.1/32\n' \
	"$spriv" "$cpub" >"$TMP/s.conf"
ip netns exec "$S" "$WGCTL" daemon wgs && ip netns exec "$S" "$WGCTL" setconf wgs "$TMP/s.conf" &&
	ip -n "$S" addr add 10.51.0.2/24 dev wgs && ip -n "$S" link set wgs up ||
	test_skip_all "cannot start the server"
# The server counts what reaches it from the client's underlay: WireGuard's UDP, and the rest.
ip netns exec "$S" nft -f - <<EOF2 || test_skip_all "nft does not work here"
table inet t462 {
	chain in {
		type filter hook input priority 0;
		iifname "t462s" udp dport 51820 counter name wgudp
		iifname "t462s" counter name clear
	}
	counter wgudp {}
	counter clear {}
}
EOF2
clear_packets() {
	ip netns exec "$S" nft list counter inet t462 clear | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
udp_packets() {
	ip netns exec "$S" nft list counter inet t462 wgudp | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

write_conf() { # extra [Interface] lines
	{
		printf '[Interface]\nPrivateKey = %s\nAddress = 10.51.0.1/24\nDNS = 10.51.0.2, example.test\n' "$cpriv"
		printf 'PreUp = readlink /proc/self/ns/net >%s/preup.%%i\n' "$TMP"
		printf 'PostUp = ip link show %%i >%s/postup.%%i\n' "$TMP"
		printf '%s\n' "$@"
		printf '[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\nEndpoint = 10.50.0.2:51820\n' "$spub"
	} >"$TMP/$IF.conf"
}
pings() { # namespace
	local i
	for i in $(seq 10); do ip netns exec "$1" ping -c1 -W1 -q 10.51.0.2 >/dev/null 2>&1 && return 0; done
	return 1
}
daemon_in_u() {
	local p
	for p in $(ip netns pids "$U"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " daemon $IF " && return 0
	done
	return 1
}
no_trace() {
	! ip netns list | grep -qw "$V" && ! $UN ip link show "$IF" >/dev/null 2>&1 &&
		! daemon_in_u && [ ! -e "/etc/netns/$V" ] && [ -z "$(ls -A "$TMP/state" 2>/dev/null)" ]
}

test_expect_success 'up with Namespace: the link lives in the namespace, the daemon where up ran' '
	write_conf "Namespace = $V" &&
	$UN "$WGCTL" up "$TMP/$IF.conf" 2>err && cat err &&
	grep -qx "\[#\] ip netns add $V" err && grep -qx "\[#\] ip link set dev $IF netns $V" err &&
	ip -n "$V" link show "$IF" | grep -q "UP" && ! $UN ip link show "$IF" 2>/dev/null &&
	daemon_in_u && $UN ss -uln | grep -q ":$(ip netns exec "$V" "$WGCTL" show "$IF" listen-port) "
'

test_expect_success 'inside: addresses, a default route without policy rules, DNS, hooks' '
	ip -n "$V" -4 addr show dev "$IF" | grep -q "inet 10.51.0.1/24" &&
	ip -n "$V" route show default | grep -q "dev $IF" &&
	[ "$(ip -n "$V" rule show | wc -l)" = 3 ] && [ "$(ip -n "$U" rule show | wc -l)" = 3 ] &&
	grep -qx "nameserver 10.51.0.2" "/etc/netns/$V/resolv.conf" &&
	grep -qx "search example.test" "/etc/netns/$V/resolv.conf" &&
	[ "$(cat "$TMP/preup.$IF")" = "$(ip netns exec "$V" readlink /proc/self/ns/net)" ] &&
	grep -q "$IF" "$TMP/postup.$IF" &&
	ip -n "$V" link show lo | grep -q "UP"
'

test_expect_success 'programs inside reach the server only through the tunnel; outside untouched' '
	c0=$(clear_packets) u0=$(udp_packets) &&
	pings "$V" && ip netns exec "$V" ping -c3 -i 0.2 -q 10.50.0.2 >/dev/null &&
	c1=$(clear_packets) u1=$(udp_packets) &&
	[ "$c1" = "$((c0 + u1 - u0))" ] && [ "$u1" -gt "$u0" ] &&
	$UN ip route show default | wc -l | grep -qx 0 && $UN ping -c1 -W1 -q 10.50.0.2 >/dev/null &&
	[ "$(clear_packets)" -gt "$c1" ]
'

# A name server and a web server behind the tunnel, on the server's tunnel address.
have_dns=0
if command -v dnsmasq >/dev/null && command -v python3 >/dev/null; then
	ip netns exec "$S" dnsmasq -k --no-resolv --no-hosts --bind-interfaces -a 10.51.0.2 \
		--address=/example.test/10.51.0.2 --pid-file="$TMP/dnsmasq.pid" >/dev/null 2>&1 &
	(cd "$TMP" && exec ip netns exec "$S" python3 -m http.server -b 10.51.0.2 8462 >/dev/null 2>&1) &
	wait_for "ip netns exec $S ss -tln | grep -q 10.51.0.2:8462" && have_dns=1
fi

test_expect_success 'wgctl exec runs a program inside, with the namespace sysfs and resolv.conf' '
	"$WGCTL" exec "$V" -- cat /etc/resolv.conf | grep -qx "nameserver 10.51.0.2" &&
	[ "$("$WGCTL" exec "$V" -- cat /sys/class/net/$IF/mtu)" = 1420 ] &&
	[ "$("$WGCTL" exec "$V" -- id -u)" = 0 ] &&
	"$WGCTL" exec "$V" true && ! "$WGCTL" exec "$V" -- false &&
	! "$WGCTL" exec "$V/x" -- true 2>err && grep -q "not a network namespace name" err
'

test_expect_success 'wgctl exec -u nobody: not root, and no way back' '
	[ "$("$WGCTL" exec "$V" -u nobody -- id -u)" = "$(id -u nobody)" ] &&
	"$WGCTL" exec "$V" -u nobody -- grep -q "^CapEff:.0000000000000000" /proc/self/status &&
	! "$WGCTL" exec "$V" -u nobody -- ip link set lo down 2>/dev/null &&
	! "$WGCTL" exec "$V" -u no-such-user-t462 -- true 2>err && grep -q "no such user" err
'

if [ "$have_dns" = 1 ]; then
	test_expect_success 'as nobody inside: DNS resolves through the tunnel server, TCP reaches it' '
		"$WGCTL" exec "$V" -u nobody -- getent hosts www.example.test | grep -q "^10.51.0.2 " &&
		"$WGCTL" exec "$V" -u nobody -- python3 -c "
import urllib.request
assert urllib.request.urlopen(\"http://www.example.test:8462/\", timeout=5).status == 200" &&
		! $UN getent hosts www.example.test >/dev/null
	'
else
	test_skip "needs dnsmasq and python3"
fi

test_expect_success 'show, save and reload work on it by its name' '
	$UN "$WGCTL" show "$IF" | grep -q "peer: $spub" &&
	sed -i "s/^DNS = .*/DNS = 10.51.0.3/" "$TMP/$IF.conf" &&
	$UN "$WGCTL" reload "$TMP/$IF.conf" &&
	grep -qx "nameserver 10.51.0.3" "/etc/netns/$V/resolv.conf" &&
	cp "$TMP/$IF.conf" "$TMP/save.conf" && $UN "$WGCTL" save "$TMP/$IF.conf" &&
	grep -qx "Namespace = $V" "$TMP/$IF.conf" && grep -q "^DNS = 10.51.0.3" "$TMP/$IF.conf" &&
	grep -q "^Address = 10.51.0.1/24" "$TMP/$IF.conf" && pings "$V"
'

test_expect_success 'a second up is refused and changes nothing' '
	! $UN "$WGCTL" up "$TMP/$IF.conf" 2>err && grep -q "already exists" err &&
	! grep -q "^\[#\]" err && pings "$V"
'

test_expect_success 'down leaves no trace, the namespace it made included' '
	$UN "$WGCTL" down "$TMP/$IF.conf" 2>err && cat err &&
	grep -qx "\[#\] ip netns delete $V" err && wait_for no_trace
'

test_expect_success 'up --netns into a namespace that exists: down keeps it' '
	write_conf && ip netns add "$V" &&
	$UN "$WGCTL" up --netns "$V" "$TMP/$IF.conf" 2>err && ! grep -q "ip netns add" err &&
	pings "$V" && $UN "$WGCTL" down "$TMP/$IF.conf" 2>err && ! grep -q "ip netns delete" err &&
	ip netns list | grep -qw "$V" && ! ip -n "$V" link show "$IF" 2>/dev/null &&
	wait_for "! daemon_in_u" && [ ! -e "/etc/netns/$V/resolv.conf" ] && ip netns del "$V"
'

test_expect_success 'a failed up leaves nothing: no link, daemon, namespace or DNS file' '
	write_conf "Namespace = $V" "PostUp = false" &&
	! $UN "$WGCTL" up "$TMP/$IF.conf" 2>err && cat err &&
	grep -qx "\[#\] ip netns delete $V" err && wait_for no_trace
'

test_done
