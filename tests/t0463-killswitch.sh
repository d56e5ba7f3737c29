#!/bin/bash
# SPDX-License-Identifier: MIT
# KillSwitch = on | persistent, with an "internet" namespace that counts what reaches it in
# clear (anything but WireGuard's UDP). With the server stopped, a client's ping, TCP connect and
# DNS query fail and nothing arrives in clear, IPv4 and IPv6 (the tunnel carries only IPv4);
# nothing leaks while `up` runs (a PreUp sleeps while probes run); KillSwitchAllow lets its
# prefixes out; persistent survives down and a killed daemon; `wgctl killswitch off` and down
# restore the nft ruleset exactly; a failed up leaves the previous state.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft nsenter python3 timeout
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

C=wgctl-t463c-$$ I=wgctl-t463i-$$
for n in "$C" "$I"; do test_netns "$n" || test_skip_all "cannot create a network namespace"; done
export WGCTL_RUN_DIR=$TMP/run WGCTL_STATE_DIR=$TMP/state
IF=t463$$ && IF=${IF:0:15}
CN="nsenter --net=/run/netns/$C"

ip link add t463c netns "$C" type veth peer name t463i netns "$I" &&
	ip -n "$C" addr add 10.52.0.1/24 dev t463c && ip -n "$C" addr add fd00:52::1/64 dev t463c nodad &&
	ip -n "$I" addr add 10.52.0.2/24 dev t463i && ip -n "$I" addr add fd00:52::2/64 dev t463i nodad &&
	ip -n "$C" link set t463c up && ip -n "$I" link set t463i up &&
	ip -n "$C" link set lo up && ip -n "$I" link set lo up || test_skip_all "cannot make veth links"
# The internet beyond the LAN: addresses on I's loopback, C's default routes through I.
ip -n "$I" addr add 198.51.100.1/32 dev lo && ip -n "$I" addr add 2001:db8:100::1/128 dev lo &&
	ip -n "$C" route add default via 10.52.0.2 && ip -n "$C" -6 route add default via fd00:52::2 ||
	test_skip_all "cannot route"
ip netns exec "$I" nft -f - <<EOF2 || test_skip_all "nft does not work here"
table inet t463 {
	chain in {
		type filter hook input priority 0;
		iifname "t463i" udp dport 51820 counter name wg accept
		iifname "t463i" meta nfproto ipv4 counter name clear4
		iifname "t463i" meta nfproto ipv6 counter name clear6
	}
	counter wg {}
	counter clear4 {}
	counter clear6 {}
}
EOF2
# The internet's services: TCP on 80 for both families, DNS (UDP 53) is just counted.
(cd "$TMP" && exec ip netns exec "$I" python3 -m http.server -b :: 80 >/dev/null 2>&1) &
wait_for "ip netns exec $I ss -tln | grep -q ':80 '" || test_skip_all "no web server"

count() { # counter
	ip netns exec "$I" nft list counter inet t463 "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
clear_count() { echo "$(count clear4)/$(count clear6)"; }
# Every probe from C to the internet, both families: each must fail.
# The LAN's addresses (a route of their own, outside the tunnel) and the internet's.
probes_fail() {
	local a
	for a in 10.52.0.2 fd00:52::2 198.51.100.1 2001:db8:100::1; do
		! $CN ping -c1 -W1 -q "$a" >/dev/null 2>&1 &&
			! $CN timeout 2 bash -c "echo >/dev/tcp/$a/80" 2>/dev/null || return 1
	done
	$CN python3 -c '
import socket, sys
q = bytes.fromhex("123401000001000000000000076578616d706c650000010001")
for fam, addr in ((socket.AF_INET, "10.52.0.2"), (socket.AF_INET6, "fd00:52::2"),
                  (socket.AF_INET, "198.51.100.1"), (socket.AF_INET6, "2001:db8:100::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1)
    try:
        s.sendto(q, (addr, 53))
    except OSError:
        pass
'
}

cpriv=$("$WGCTL" genkey) spriv=$("$WGCTL" genkey)
cpub=$(echo "$cpriv" | "$WGCTL" pubkey) spub=$(echo "$spriv" | "$WGCTL" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.53.0.1/32\n' \
	"$spriv" "$cpub" >"$TMP/s.conf"
write_conf() { # extra [Interface] lines
	{
		printf '[Interface]\nPrivateKey = %s\nAddress = 10.53.0.1/24\n' "$cpriv"
		printf '%s\n' "$@"
		printf '[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\nEndpoint = 10.52.0.2:51820\n' "$spub"
	} >"$TMP/$IF.conf"
}
ks_present() { $CN nft list table inet "wgctl-ks-$IF" >/dev/null 2>&1; }
daemon_pid() {
	local p
	for p in $(ip netns pids "$C"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " daemon $IF " && echo "$p" && return 0
	done
	return 1
}

$CN nft list ruleset >"$TMP/before"

test_expect_success 'without a kill switch the probes reach the internet in clear (the test can fail)' '
	c0=$(clear_count) && ! probes_fail && [ "$(clear_count)" != "$c0" ]
'

test_expect_success 'KillSwitch = on, server stopped: ping, TCP and DNS fail, nothing in clear' '
	write_conf "KillSwitch = on" && $CN "$WGCTL" up "$TMP/$IF.conf" 2>err && cat err &&
	head -n 1 err | grep -q "^\[#\] nft -f /dev/stdin # inet wgctl-ks-$IF" &&
	c0=$(clear_count) && w0=$(count wg) && probes_fail &&
	[ "$(clear_count)" = "$c0" ] && [ "$(count wg)" -gt "$w0" ]
'

test_expect_success 'down removes it: the ruleset is the one before' '
	$CN "$WGCTL" down "$TMP/$IF.conf" && $CN nft list ruleset >after && diff -u "$TMP/before" after
'

test_expect_success 'nothing leaks while up runs (PreUp sleeps while probes run)' '
	write_conf "KillSwitch = on" "PreUp = sleep 4" &&
	{ $CN "$WGCTL" up "$TMP/$IF.conf" 2>"$TMP/up.err" & } &&
	wait_for ks_present && c0=$(clear_count) && probes_fail &&
	[ "$(clear_count)" = "$c0" ] && wait && wait_for "daemon_pid >/dev/null" &&
	$CN "$WGCTL" down "$TMP/$IF.conf" 2>/dev/null && ! ks_present
'

test_expect_success 'with the server up the tunnel works, and still nothing goes in clear' '
	ip netns exec "$I" "$WGCTL" daemon wgs && ip netns exec "$I" "$WGCTL" setconf wgs "$TMP/s.conf" &&
	ip -n "$I" addr add 10.53.0.2/24 dev wgs && ip -n "$I" link set wgs up &&
	write_conf "KillSwitch = on" && $CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null &&
	c0=$(clear_count) &&
	wait_for "$CN ping -c1 -W1 -q 10.53.0.2 >/dev/null 2>&1" &&
	$CN ping -c2 -i 0.2 -W1 -q 198.51.100.1 >/dev/null &&
	$CN timeout 5 python3 -c "import urllib.request; urllib.request.urlopen(\"http://198.51.100.1/\", timeout=4)" &&
	! $CN ping -c1 -W1 -q 10.52.0.2 >/dev/null 2>&1 &&
	! $CN ping -6 -c1 -W1 -q 2001:db8:100::1 >/dev/null 2>&1 &&
	[ "$(clear_count)" = "$c0" ] && $CN "$WGCTL" down "$TMP/$IF.conf" 2>/dev/null
'

test_expect_success 'KillSwitchAllow lets its prefixes out (IPv6 to the LAN)' '
	write_conf "KillSwitch = on" "KillSwitchAllow = fd00:52::/64" &&
	$CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null &&
	wait_for "$CN ping -6 -c1 -W1 -q fd00:52::2 >/dev/null 2>&1" &&
	! $CN timeout 2 bash -c "echo >/dev/tcp/fd00:52::3/80" 2>/dev/null &&
	$CN "$WGCTL" down "$TMP/$IF.conf" 2>/dev/null && ! ks_present
'

ip netns exec "$I" ip link del wgs

test_expect_success 'persistent survives down, and keeps the host closed' '
	write_conf "KillSwitch = persistent" && $CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null &&
	$CN "$WGCTL" down "$TMP/$IF.conf" 2>/dev/null && ks_present &&
	c0=$(clear_count) && probes_fail && [ "$(clear_count)" = "$c0" ]
'

test_expect_success 'persistent survives a killed daemon' '
	$CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null && pid=$(daemon_pid) && kill -9 "$pid" &&
	wait_for "! $CN ip link show $IF >/dev/null 2>&1" && ks_present &&
	c0=$(clear_count) && probes_fail && [ "$(clear_count)" = "$c0" ]
'

test_expect_success 'killswitch off restores the ruleset exactly' '
	$CN "$WGCTL" down "$TMP/$IF.conf" >/dev/null 2>&1; $CN "$WGCTL" killswitch off "$IF" &&
	! ks_present && $CN nft list ruleset >after && diff -u "$TMP/before" after &&
	! $CN "$WGCTL" killswitch off "$IF" 2>err && grep -q "no kill switch" err &&
	! probes_fail
'

test_expect_success 'a failed up takes back a kill switch it added' '
	write_conf "KillSwitch = on" "PostUp = false" && ! $CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null &&
	! ks_present && $CN nft list ruleset >after && diff -u "$TMP/before" after
'

test_expect_success 'a failed up leaves a persistent switch that was there closed' '
	write_conf "KillSwitch = persistent" && $CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null &&
	$CN "$WGCTL" down "$TMP/$IF.conf" 2>/dev/null &&
	write_conf "KillSwitch = persistent" "PostUp = false" &&
	! $CN "$WGCTL" up "$TMP/$IF.conf" 2>/dev/null && ks_present &&
	c0=$(clear_count) && probes_fail && [ "$(clear_count)" = "$c0" ] &&
	$CN "$WGCTL" killswitch off "$IF"
'

test_done
