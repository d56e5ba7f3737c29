#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl up`/`down` on their own (t0300 compares them with Debian's wg-quick): a full-tunnel
# config comes up with its rules, routes and firewall, and down leaves the namespace as it was;
# a failing PostUp undoes everything; --dry-run changes nothing; the relay opt-in turns
# forwarding on and down puts back the previous value; a relay without the opt-in stays a host.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft wg
ns=wgctl-t320-$$
test_netns "$ns" || test_skip_all "cannot create a network namespace"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip link add u0 type veth peer name u1
in_ns ip addr add 192.168.32.2/24 dev u0
in_ns ip link set u0 up && in_ns ip link set u1 up
export WGCTL_STATE_DIR=$TMP/state
umask 077
IF=wgt320
conf() { # name extra-interface-lines allowed-ips
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.32.0.2/24, fd32::2/64\n%b\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\nEndpoint = 192.168.32.1:51820\n' \
		"$(wg genkey 2>/dev/null || "$WGCTL" genkey)" "$2" "$("$WGCTL" genkey | "$WGCTL" pubkey)" "$3" >"$TMP/$1.conf"
}
snap() {
	{
		in_ns ip -o addr show | sed 's/ valid_lft.*//; s/^[0-9]*: //' | grep -v "scope link"
		in_ns ip -4 route show table all | sort
		in_ns ip -6 route show table all | grep -v "^fe80\|^local fe80\|^multicast" | sort
		in_ns ip -4 rule show; in_ns ip -6 rule show
		in_ns nft list ruleset
		in_ns sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
		ls /var/run/wireguard/ 2>/dev/null | grep "^$IF" || true
	} 2>&1
}
snap >"$TMP/initial"

conf $IF "" "0.0.0.0/0, ::/0"
test_expect_success 'up: full tunnel' '
	in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log &&
	grep -qx "\[#\] ip -4 rule add not fwmark 51820 table 51820" log &&
	in_ns ip -4 rule show | grep -q "not from all fwmark 0xca6c lookup 51820" &&
	in_ns ip -6 route show table 51820 | grep -q "^default dev $IF" &&
	in_ns nft list table ip wg-quick-$IF >/dev/null &&
	[ "$(in_ns ip -o link show $IF | grep -o "mtu [0-9]*")" = "mtu 1420" ] &&
	in_ns wg show $IF fwmark | grep -qx 0xca6c
'
test_expect_success 'up again: refused, nothing changed' '
	snap >before && ! in_ns "$WGCTL" up "$TMP/$IF.conf" 2>err &&
	grep -qx "wgctl: \`$IF'"'"' already exists" err && snap >after && cmp before after
'
test_expect_success 'down: the namespace is as it was' '
	in_ns "$WGCTL" down "$TMP/$IF.conf" 2>log && sleep 0.3 && snap >now && diff "$TMP/initial" now
'
test_expect_success 'down of an interface that is gone: says so, exit 1' '
	! in_ns "$WGCTL" down "$TMP/$IF.conf" 2>err && grep -q "is not a WireGuard interface" err
'
conf $IF "PostUp = true\nPostUp = exit 3" "0.0.0.0/0, ::/0, 10.99.0.0/16"
test_expect_success 'a failing PostUp undoes everything and names the hook' '
	! in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log &&
	grep -q "^wgctl: .*$IF.conf:[0-9]*: PostUp hook failed: exit status 3$" log &&
	sleep 0.3 && snap >now && diff "$TMP/initial" now
'
conf $IF "DNS = 10.32.0.1" "0.0.0.0/0, ::/0"
test_expect_success 'a failing daemon: one message naming the step, nothing left' '
	! in_ns env WG_QUICK_USERSPACE_IMPLEMENTATION=false "$WGCTL" up "$TMP/$IF.conf" 2>log &&
	grep -qx "wgctl: creating the link: \`false $IF'"'"' exited with status 1" log && snap >now && diff "$TMP/initial" now
'
test_expect_success 'a failing resolvconf after addresses and link: all of it undone' '
	mkdir -p fake && printf "#!/bin/sh\nexit 1\n" >fake/resolvconf && chmod +x fake/resolvconf &&
	! in_ns env PATH="$PWD/fake:$PATH" "$WGCTL" up "$TMP/$IF.conf" 2>log &&
	grep -q "^wgctl: setting DNS: " log && grep -qx "\[#\] ip link delete dev $IF" log &&
	sleep 0.3 && snap >now && diff "$TMP/initial" now
'
conf $IF "Table = nosuchtable" "10.40.0.0/16"
test_expect_success 'a route step that fails (unknown table name): all of it undone' '
	! in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log && grep -q "^wgctl: adding routes: " log &&
	sleep 0.3 && snap >now && diff "$TMP/initial" now
'
conf $IF "MTU = 1380" "10.40.0.0/16"
test_expect_success '--dry-run prints the plan and changes nothing' '
	in_ns "$WGCTL" up --dry-run "$TMP/$IF.conf" 2>log &&
	grep -qx "\[#\] ip link set mtu 1380 up dev $IF" log &&
	grep -qx "\[#\] ip -4 route add 10.40.0.0/16 dev $IF" log &&
	snap >now && diff "$TMP/initial" now
'
conf $IF "Forwarding = ipv4, ipv6" "10.32.0.0/24, 10.33.0.0/16"
test_expect_success 'relay opt-in: forwarding on while up, previous values back after down' '
	in_ns sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 &&
	in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log &&
	[ "$(in_ns sysctl -n net.ipv4.ip_forward)" = 1 ] &&
	[ "$(in_ns sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] &&
	in_ns "$WGCTL" down "$TMP/$IF.conf" 2>log &&
	[ "$(in_ns sysctl -n net.ipv4.ip_forward)" = 0 ] &&
	[ "$(in_ns sysctl -n net.ipv6.conf.all.forwarding)" = 0 ]
'
test_expect_success 'relay opt-in leaves a value that was already on alone' '
	in_ns sysctl -qw net.ipv4.ip_forward=1 &&
	in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log && ! grep -q "ip_forward" log &&
	in_ns "$WGCTL" down "$TMP/$IF.conf" 2>log && [ "$(in_ns sysctl -n net.ipv4.ip_forward)" = 1 ] &&
	in_ns sysctl -qw net.ipv4.ip_forward=0
'
conf $IF "" "10.32.0.0/24, 10.33.0.0/16"
test_expect_success 'without the opt-in, up never turns forwarding on' '
	in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log && [ "$(in_ns sysctl -n net.ipv4.ip_forward)" = 0 ] &&
	in_ns "$WGCTL" down "$TMP/$IF.conf" 2>log
'
test_expect_success 'check: a relay without the opt-in is warned about, with the opt-in not' '
	key() { "$WGCTL" genkey | "$WGCTL" pubkey; } &&
	printf "[Interface]\nPrivateKey = %s\nAddress = 10.9.0.1/24\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.9.0.2/32\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.9.0.3/32\n" \
		"$("$WGCTL" genkey)" "$(key)" "$(key)" >relay.conf &&
	"$WGCTL" check ./relay.conf 2>err && grep -q "./relay.conf:3: Warning: 2 peers are routed inside this interface.s subnet" err &&
	sed -i "s/^Address = .*/&\nForwarding = ipv4/" relay.conf &&
	"$WGCTL" check ./relay.conf 2>err && ! grep -q Warning err
'
conf $IF "" "10.32.0.0/24, fd33::/64"
test_expect_success 'IPv6 disabled: up warns about each IPv6 step and succeeds; down cleans up' '
	in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
	in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log &&
	grep -q "^\[!\] IPv6 is disabled on this host; skipping: fd32::2/64" log &&
	grep -q "^\[!\] IPv6 is disabled on this host; skipping: fd33::/64" log &&
	in_ns ip -4 route show dev $IF | grep -q "^10.32.0.0/24" &&
	in_ns "$WGCTL" down "$TMP/$IF.conf" 2>log &&
	in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
'
test_expect_success 'reload: addresses, MTU, routes and peers change in place; the link stays' '
	k1=$("$WGCTL" genkey | "$WGCTL" pubkey) && k2=$("$WGCTL" genkey | "$WGCTL" pubkey) &&
	priv=$("$WGCTL" genkey) &&
	printf "[Interface]\nPrivateKey = %s\nAddress = 10.32.0.2/24\nMTU = 1400\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.50.0.0/16, 0.0.0.0/0\nEndpoint = 192.168.32.1:51820\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.60.0.0/16\n" \
		"$priv" "$k1" "$k2" >"$TMP/$IF.conf" &&
	in_ns "$WGCTL" up "$TMP/$IF.conf" 2>log && idx=$(in_ns cat /sys/class/net/$IF/ifindex) &&
	port=$(in_ns wg show $IF listen-port) &&
	printf "[Interface]\nPrivateKey = %s\nListenPort = %s\nAddress = 10.32.0.2/24, 10.33.0.2/24\nMTU = 1380\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.51.0.0/16, 0.0.0.0/0\nEndpoint = 192.168.32.1:51820\n" \
		"$priv" "$port" "$k1" >"$TMP/$IF.conf" &&
	in_ns "$WGCTL" reload "$TMP/$IF.conf" 2>log &&
	[ "$(in_ns cat /sys/class/net/$IF/ifindex)" = "$idx" ] &&
	in_ns ip -4 addr show dev $IF | grep -q "10.33.0.2/24" &&
	[ "$(in_ns cat /sys/class/net/$IF/mtu)" = 1380 ] &&
	in_ns ip -4 route show dev $IF | grep -q "^10.51.0.0/16" &&
	! in_ns ip -4 route show dev $IF | grep -q "^10.50.0.0/16" &&
	! in_ns ip -4 route show dev $IF | grep -q "^10.60.0.0/16" &&
	[ "$(in_ns wg show $IF peers)" = "$k1" ] && in_ns wg show $IF fwmark | grep -qx 0xca6c &&
	in_ns ip -4 rule show | grep -q "lookup 51820" &&
	in_ns "$WGCTL" down "$TMP/$IF.conf" 2>log && sleep 0.3 && snap >now && diff "$TMP/initial" now
'
test_expect_success 'strip leaves the wgctl keys out' '
	conf $IF "Forwarding = ipv4\nProxyARP = true" "10.32.0.0/24" &&
	"$WGCTL" strip "$TMP/$IF.conf" >out && ! grep -qi "forwarding\|proxyarp" out
'
test_done
