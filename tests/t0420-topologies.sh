#!/bin/bash
# SPDX-License-Identifier: MIT
# The example configs of contrib/examples brought up for real with `wgctl up` in network
# namespaces, and the units of contrib/systemd and contrib/cron checked:
#  - relay: a relay and two clients, each behind its own NAT namespace (nft masquerade, both on
#    the same private LAN 192.168.1.0/24); client1 pings client2's tunnel addresses through the
#    relay, the relay sees both clients at their NATs' addresses, and down puts the relay's
#    forwarding sysctls back;
#  - site-to-site: two gateways with a LAN namespace behind each; a host on LAN A pings a host on
#    LAN B over IPv4 and IPv6, the gateways' wg0 transfer counters grow by what was sent, and
#    before up the LANs cannot reach each other at all; gateway A is driven by the command lines
#    of the units as systemd would run them (ExecStart, ExecReload, the reresolve and sync
#    services, ExecStop, with the units' Environment= and WGCTL_CONFIG_DIR as /etc/wireguard),
#    and reload, reresolve and sync leave the live interface as it was;
#  - full tunnel: the client's default route goes through the tunnel to the server, which
#    masquerades (its own PostUp) towards an "internet" host; the host sees the pings come from
#    the server's address only, the client's encrypted UDP leaves by its uplink (fwmark), and
#    the DNS = line reaches /etc/resolv.conf and is gone after down;
#  - after `wgctl down` every namespace is as it was before up (addresses, routes, rules, nft,
#    sysctls, processes);
#  - systemd-analyze verify accepts the units (with /usr/bin/wgctl replaced by this build), and
#    every command line of the units and of the cron file runs a real wgctl subcommand.
# The examples are used as they are: each is copied to $TMP (as wg0.conf, since the interface
# name comes from the file name) and nothing is substituted, because the namespaces are given the
# very addresses the examples use (203.0.113.10, 203.0.113.1/198.51.100.1, 203.0.113.50 and eth0
# for the full-tunnel server's uplink). The only adaptation is the environment: every namespace
# gets its own WGCTL_RUN_DIR and WGCTL_STATE_DIR, because all interfaces are called wg0.
# resolvconf rewrites /etc/resolv.conf: the script re-runs itself in a private mount namespace
# with an overlay over /etc and a tmpfs over /run; where that cannot be done the full-tunnel
# topology is skipped.
if [ -z "${T0420_MNTNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	# unshare execs in this same process: the PID marks the namespace as this run's own.
	T0420_MNTNS=$$ exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
EX=$TOP/contrib/examples
UNITS=$TOP/contrib/systemd

# --- The units and the cron file: no root needed.
subcommands=$("$WGCTL" help 2>&1 | sed -n 's/^  \([a-z]*\): .*/\1/p')
# Every command line that runs wgctl: "FILE: SUBCOMMAND ARGS..."; a template unit ends with %i.
wgctl_lines() {
	local f
	for f in "$UNITS"/*; do
		sed -n 's/^Exec[A-Za-z]*=//p' "$f" | sed "s|^|$(basename "$f"): |"
	done
	grep -v '^#\|^[A-Z]*=\|^$' "$TOP/contrib/cron/wgctl" | grep -o '/usr/bin/wgctl [^|]*' |
		sed 's|^|cron/wgctl: |'
}
test_expect_success 'units and cron: each command is /usr/bin/wgctl with a real subcommand' '
	[ -n "$subcommands" ] && wgctl_lines >lines && [ "$(wc -l <lines)" -ge 8 ] &&
	while read -r file cmd sub args; do
		[ "$cmd" = /usr/bin/wgctl ] || { echo "$file: runs $cmd"; exit 1; }
		printf "%s\n" $subcommands | grep -qx "$sub" || { echo "$file: no subcommand $sub"; exit 1; }
		case $file in *@.*) case " $args" in *" %i") ;; *) echo "$file: $sub $args"; exit 1 ;; esac ;; esac
	done <lines &&
	grep -qx "wgctl@.service: wgctl up %i" <(sed "s|/usr/bin/||" lines) &&
	grep -qx "wgctl@.service: wgctl down %i" <(sed "s|/usr/bin/||" lines) &&
	grep -qx "wgctl@.service: wgctl reload %i" <(sed "s|/usr/bin/||" lines) &&
	grep -q "^cron/wgctl: /usr/bin/wgctl reresolve wg0" lines &&
	grep -q "^cron/wgctl: /usr/bin/wgctl sync wg0" lines
'
test_expect_success 'units: each timer has its service, each man page named exists' '
	for t in "$UNITS"/*.timer; do [ -f "${t%.timer}.service" ] || exit 1; done &&
	grep -ho "man:[^ ]*" "$UNITS"/* | sort -u >docs && [ -s docs ] &&
	while read -r d; do
		p=${d#man:} && [ -f "$TOP/man/${p%(*}.${p//[^0-9]/}" ] || { echo "no page for $d"; exit 1; }
	done <docs
'
if command -v systemd-analyze >/dev/null; then
	test_expect_success 'systemd-analyze verify: every unit, /usr/bin/wgctl replaced by this build' '
		mkdir units && for f in "$UNITS"/*; do
			sed "s|/usr/bin/wgctl|$WGCTL|g" "$f" >"units/$(basename "$f")" || exit 1
		done &&
		systemd-analyze verify --man=no "$PWD"/units/* >out 2>&1; rc=$?; cat out;
		[ $rc = 0 ] && ! grep -q . out
	'
else
	test_skip 'systemd-analyze verify: systemd-analyze is not installed'
fi

# --- The examples on their own.
pub_of() { sed -n "s/^PrivateKey *= *//p" "$EX/$1/wg0.conf" | "$WGCTL" pubkey; }
peer_keys() { sed -n "s/^PublicKey *= *//p" "$EX/$1/wg0.conf"; }
test_expect_success 'examples: wgctl check is silent, keys pair up, endpoints are documentation addresses' '
	umask 077 &&
	for f in $(cd "$EX" && find . -name wg0.conf); do
		mkdir -p "chk/${f%/wg0.conf}" && cp "$EX/$f" "chk/$f" &&
			"$WGCTL" check "chk/$f" >/dev/null 2>err && ! grep . err || exit 1
	done &&
	[ "$(peer_keys relay/relay | sort)" = "$({ pub_of relay/client1; pub_of relay/client2; } | sort)" ] &&
	[ "$(peer_keys relay/client1)" = "$(pub_of relay/relay)" ] &&
	[ "$(peer_keys relay/client2)" = "$(pub_of relay/relay)" ] &&
	[ "$(peer_keys site-to-site/gateway-a)" = "$(pub_of site-to-site/gateway-b)" ] &&
	[ "$(peer_keys site-to-site/gateway-b)" = "$(pub_of site-to-site/gateway-a)" ] &&
	[ "$(peer_keys full-tunnel/server)" = "$(pub_of full-tunnel/client)" ] &&
	[ "$(peer_keys full-tunnel/client)" = "$(pub_of full-tunnel/server)" ] &&
	! grep -rh "^Endpoint" "$EX" | grep -v "= \(203\.0\.113\|198\.51\.100\|192\.0\.2\)\.[0-9]*:[0-9]*$" &&
	! grep -rL "^# EXAMPLE KEYS" "$EX" | grep .
'

# --- The topologies: root, namespaces.
if [ "$(id -u)" != 0 ]; then
	for t in relay site-to-site full-tunnel; do test_skip "$t topology: needs root"; done
	test_done
	exit
fi
for c in ip nft ping sysctl; do
	command -v $c >/dev/null || { test_skip "topologies: needs $c"; test_done; exit; }
done
isolated=
if [ "${T0420_MNTNS:-}" = $$ ]; then
	mkdir -p "$TMP/etc-up" "$TMP/etc-work" &&
		mount -t overlay wgctl-t0420 -o "lowerdir=/etc,upperdir=$TMP/etc-up,workdir=$TMP/etc-work" /etc &&
		mount -t tmpfs wgctl-t0420 /run && mkdir -p /run/netns && isolated=1
fi

tag=$$
mkdir -p "$TMP/run" "$TMP/state"
ns() { echo "wgctl-t420-$1-$tag"; }
on() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
# wgctl in namespace $1, with that namespace's own socket and state directories.
wgc() {
	local n=$1; shift
	ip netns exec "$(ns "$n")" env WGCTL_RUN_DIR="$TMP/run/$n" WGCTL_STATE_DIR="$TMP/state/$n" \
		"$WGCTL" "$@"
}
mkns() {
	local n
	for n in "$@"; do
		test_netns "$(ns "$n")" && ip -n "$(ns "$n")" link set lo up || return 1
	done
}
# veth NS1 IF1 NS2 IF2
veth() {
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" netns "$(ns "$3")" &&
		ip -n "$(ns "$1")" link set "$2" up && ip -n "$(ns "$3")" link set "$4" up
}
addr() { ip -n "$(ns "$1")" addr add "${@:2}"; }
route() { ip -n "$(ns "$1")" route add "${@:2}"; }
route6() { ip -n "$(ns "$1")" -6 route add "${@:2}"; }
sysctl_in() { on "$1" sysctl -qw "${@:2}"; }
# The example TOPOLOGY/HOST copied, untouched, to $TMP/ex/TOPOLOGY/HOST/wg0.conf (0600).
example() {
	mkdir -p "$TMP/ex/$1/$2" && (umask 077 && cp "$EX/$1/$2/wg0.conf" "$TMP/ex/$1/$2/wg0.conf") &&
		echo "$TMP/ex/$1/$2/wg0.conf"
}
snap() {
	{
		on "$1" ip -o link show | awk -F': ' '{ print $2 }'
		on "$1" ip -o addr show | sed 's/ valid_lft.*//; s/^[0-9]*: //' | grep -v "scope link"
		on "$1" ip -4 route show table all | sort
		on "$1" ip -6 route show table all | grep -v "^fe80\|^local fe80\|^multicast" | sort
		on "$1" ip -4 rule show
		on "$1" ip -6 rule show
		on "$1" nft list ruleset
		# Not src_valid_mark: wg-quick's up sets it and its down leaves it, and so does wgctl.
		on "$1" sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
		ip netns pids "$(ns "$1")"
		find "$TMP/run/$1" "$TMP/state/$1" -mindepth 1 2>/dev/null
	} 2>&1
	return 0
}
# wgctl up|down in namespace $1; its trace goes to log-$1, shown when it fails.
updown() {
	wgc "$1" "$2" "$3" 2>>"log-$1" || { echo "wgctl $2 in $1 failed:"; cat "log-$1"; return 1; }
}
# The command line KEY (ExecStart, ExecReload, ...) of contrib/systemd/UNIT for the instance wg0,
# run as systemd would (with the unit's Environment=) in namespace NS, /etc/wireguard being DIR.
unit_run() { # NS DIR UNIT KEY
	local cmd envs
	cmd=$(sed -n "s|^$4=/usr/bin/wgctl ||p" "$UNITS/$3" | sed 's/%i/wg0/g')
	envs=$(sed -n 's/^Environment=//p' "$UNITS/$3")
	[ -n "$cmd" ] || { echo "no $4 in $3"; return 1; }
	echo "[$3 $4] wgctl $cmd" >>"log-$1"
	# shellcheck disable=SC2086 # $envs and $cmd are word lists
	ip netns exec "$(ns "$1")" env $envs WGCTL_RUN_DIR="$TMP/run/$1" \
		WGCTL_STATE_DIR="$TMP/state/$1" WGCTL_CONFIG_DIR="$2" "$WGCTL" $cmd 2>>"log-$1" ||
		{ echo "$3 $4 in $1 failed:"; cat "log-$1"; return 1; }
}
# Waits (10 s at most) until wg0 in namespace $1 has a handshake with every peer.
handshaken() {
	local i
	for i in $(seq 1 50); do
		wgc "$1" show wg0 latest-handshakes | awk '$2 == 0 { z = 1 } END { exit !(NR && !z) }' &&
			return 0
		sleep 0.2
	done
	echo "no handshake in $1:"
	wgc "$1" show wg0
	return 1
}
# Bytes received + sent by wg0 in namespace $1 (all peers, or the peer with key $2).
bytes() {
	wgc "$1" show wg0 transfer | awk -v k="${2:-}" 'k == "" || $1 == k { n += $2 + $3 } END { print n + 0 }'
}
# Waits until the namespace has no processes left (the daemon ends when down deletes wg0).
quiet() {
	local i
	for i in $(seq 1 50); do
		[ -z "$(ip netns pids "$(ns "$1")")" ] && return 0
		sleep 0.1
	done
	echo "processes left in $1:"
	ps -o pid=,args= -p "$(ip netns pids "$(ns "$1")" | paste -sd,)"
	return 1
}
ping_ok() { # NS ADDRESS
	on "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null ||
		{ echo "ping $2 from $1 failed"; return 1; }
}
pubkey_of() { sed -n "s/^PrivateKey *= *//p" "$EX/$1/wg0.conf" | "$WGCTL" pubkey; }

# --- (a) relay: inet (a bridge) joins the relay and the two NATs.
setup_relay() {
	local i p
	mkns inet relay nat1 c1 nat2 c2 &&
		ip -n "$(ns inet)" link add br0 type bridge && ip -n "$(ns inet)" link set br0 up &&
		veth inet p-relay relay eth0 && veth inet p-nat1 nat1 wan && veth inet p-nat2 nat2 wan &&
		addr relay 203.0.113.10/24 dev eth0 || return 1
	for p in p-relay p-nat1 p-nat2; do ip -n "$(ns inet)" link set "$p" master br0 || return 1; done
	for i in 1 2; do
		veth nat$i lan c$i eth0 &&
			addr nat$i 203.0.113.2$i/24 dev wan && addr nat$i 192.168.1.1/24 dev lan &&
			sysctl_in nat$i net.ipv4.ip_forward=1 &&
			on nat$i nft add table ip nat &&
			on nat$i nft add chain ip nat post '{ type nat hook postrouting priority srcnat; }' &&
			on nat$i nft add rule ip nat post oifname wan masquerade &&
			addr c$i 192.168.1.2/24 dev eth0 && route c$i default via 192.168.1.1 || return 1
	done
}
setup_relay && relay_ready=1
if [ -n "${relay_ready:-}" ]; then
	for n in relay c1 c2; do snap $n >"$TMP/initial-$n"; done
	test_expect_success 'relay: up on the relay turns forwarding on; up on both clients' '
		sysctl_in relay net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 &&
		updown relay up "$(example relay relay)" &&
		[ "$(on relay sysctl -n net.ipv4.ip_forward)" = 1 ] &&
		[ "$(on relay sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] &&
		updown c2 up "$(example relay client2)" &&
		updown c1 up "$(example relay client1)"
	'
	test_expect_success 'relay: keepalives open both NATs; the relay sees the NAT addresses' '
		handshaken c2 && handshaken c1 && handshaken relay &&
		wgc relay show wg0 endpoints >eps &&
		grep -q "^$(pubkey_of relay/client1)	203\.0\.113\.21:[0-9]*$" eps &&
		grep -q "^$(pubkey_of relay/client2)	203\.0\.113\.22:[0-9]*$" eps
	'
	test_expect_success 'relay: client1 reaches client2 (IPv4 and IPv6) through the relay' '
		k1=$(pubkey_of relay/client1) && k2=$(pubkey_of relay/client2) &&
		b1=$(bytes relay "$k1") && b2=$(bytes relay "$k2") &&
		ping_ok c1 10.8.0.3 && ping_ok c1 fd08::3 &&
		on c1 ip route get 10.8.0.3 | grep -q " dev wg0 " &&
		[ $(($(bytes relay "$k1") - b1)) -ge 1000 ] && [ $(($(bytes relay "$k2") - b2)) -ge 1000 ]
	'
	test_expect_success 'relay: down everywhere; forwarding back off, namespaces as they were' '
		updown c1 down "$TMP/ex/relay/client1/wg0.conf" &&
		updown c2 down "$TMP/ex/relay/client2/wg0.conf" &&
		updown relay down "$TMP/ex/relay/relay/wg0.conf" &&
		[ "$(on relay sysctl -n net.ipv4.ip_forward)" = 0 ] &&
		[ "$(on relay sysctl -n net.ipv6.conf.all.forwarding)" = 0 ] &&
		for n in relay c1 c2; do
			quiet $n && snap $n >now && diff "$TMP/initial-$n" now || { echo "in $n"; exit 1; }
		done
	'
else
	test_skip 'relay topology: cannot create its namespaces'
fi

# --- (b) site-to-site: gwa and gwb joined by a point-to-point veth; a LAN behind each.
setup_s2s() {
	local s net4 net6
	mkns gwa gwb lana lanb &&
		veth gwa eth0 gwb eth0 &&
		addr gwa 203.0.113.1 peer 198.51.100.1/32 dev eth0 &&
		addr gwb 198.51.100.1 peer 203.0.113.1/32 dev eth0 &&
		veth gwa lan0 lana eth0 && veth gwb lan0 lanb eth0 || return 1
	for s in a b; do
		net4=192.168.$([ $s = a ] && echo 10 || echo 20) net6=fd10:$s:
		addr gw$s $net4.1/24 dev lan0 && addr gw$s $net6:1/64 dev lan0 nodad &&
			addr lan$s $net4.2/24 dev eth0 && addr lan$s $net6:2/64 dev eth0 nodad &&
			route lan$s default via $net4.1 && route6 lan$s default via $net6:1 &&
			sysctl_in gw$s net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 || return 1
	done
}
setup_s2s && s2s_ready=1
if [ -n "${s2s_ready:-}" ]; then
	for n in gwa gwb lana lanb; do snap $n >"$TMP/initial-$n"; done
	test_expect_success 'site-to-site: before up, LAN A cannot reach LAN B' '
		! on lana ping -c 1 -W 1 192.168.20.2 >/dev/null && ! on gwa ip route get 192.168.20.2
	'
	# Gateway A is driven by the command lines of the units, gateway B by wgctl up FILE.
	test_expect_success 'site-to-site: both gateways up (A by wgctl@.service ExecStart), handshake' '
		example site-to-site gateway-a >/dev/null &&
		unit_run gwa "$TMP/ex/site-to-site/gateway-a" wgctl@.service ExecStart &&
		updown gwb up "$(example site-to-site gateway-b)" &&
		handshaken gwa && handshaken gwb &&
		[ "$(on gwa sysctl -n net.ipv4.ip_forward)" = 1 ] &&
		on gwa ip route get 192.168.20.2 | grep -q " dev wg0 " &&
		on gwb ip -6 route get fd10:a::2 | grep -q " dev wg0 "
	'
	test_expect_success 'site-to-site: a host on LAN A pings a host on LAN B through the tunnel' '
		a0=$(bytes gwa) && b0=$(bytes gwb) &&
		ping_ok lana 192.168.20.2 && ping_ok lana fd10:b::2 && ping_ok lanb 192.168.10.2 &&
		[ $(($(bytes gwa) - a0)) -ge 2000 ] && [ $(($(bytes gwb) - b0)) -ge 2000 ]
	'
	test_expect_success 'site-to-site: ExecReload and the reresolve and sync services change nothing live' '
		idx=$(on gwa cat /sys/class/net/wg0/ifindex) && wgc gwa showconf wg0 >before &&
		unit_run gwa "$TMP/ex/site-to-site/gateway-a" wgctl@.service ExecReload &&
		unit_run gwa "$TMP/ex/site-to-site/gateway-a" wgctl-reresolve@.service ExecStart &&
		unit_run gwa "$TMP/ex/site-to-site/gateway-a" wgctl-sync@.service ExecStart &&
		[ "$(on gwa cat /sys/class/net/wg0/ifindex)" = "$idx" ] &&
		wgc gwa showconf wg0 >after && diff before after && ping_ok lana 192.168.20.2
	'
	test_expect_success 'site-to-site: down on both (A by ExecStop); namespaces as they were' '
		unit_run gwa "$TMP/ex/site-to-site/gateway-a" wgctl@.service ExecStop &&
		updown gwb down "$TMP/ex/site-to-site/gateway-b/wg0.conf" &&
		! on lana ping -c 1 -W 1 192.168.20.2 >/dev/null &&
		for n in gwa gwb lana lanb; do
			quiet $n && snap $n >now && diff "$TMP/initial-$n" now || { echo "in $n"; exit 1; }
		done
	'
else
	test_skip 'site-to-site topology: cannot create its namespaces'
fi

# --- (c) full tunnel: cli, srv and www hang off an "isp" router.
setup_full() {
	mkns cli isp srv www &&
		veth isp c0 cli eth0 && veth isp s0 srv eth0 && veth isp w0 www eth0 &&
		sysctl_in isp net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
		addr isp 192.0.2.1/24 dev c0 && addr cli 192.0.2.2/24 dev eth0 &&
		route cli default via 192.0.2.1 &&
		addr isp 203.0.113.1/24 dev s0 && addr srv 203.0.113.50/24 dev eth0 &&
		route srv default via 203.0.113.1 &&
		addr isp 2001:db8:50::1/64 dev s0 nodad && addr srv 2001:db8:50::50/64 dev eth0 nodad &&
		route6 srv default via 2001:db8:50::1 &&
		addr isp 198.51.100.1/24 dev w0 && addr www 198.51.100.80/24 dev eth0 &&
		route www default via 198.51.100.1 &&
		addr isp 2001:db8:80::1/64 dev w0 nodad && addr www 2001:db8:80::80/64 dev eth0 nodad &&
		route6 www default via 2001:db8:80::1 &&
		sysctl_in srv net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 &&
		ping_ok cli 198.51.100.80 && ping_ok srv 2001:db8:80::80 || return 1
	# Whom the internet host hears pings from, and what the ISP carries from the client.
	on www nft -f - <<-'NFT' || return 1
	table inet t420 {
		counter from_srv4 { }
		counter from_srv6 { }
		counter from_cli { }
		chain filter_in {
			type filter hook input priority 0;
			ip saddr 203.0.113.50 icmp type echo-request counter name from_srv4
			ip6 saddr 2001:db8:50::50 icmpv6 type echo-request counter name from_srv6
			ip saddr 192.0.2.2 counter name from_cli
		}
	}
	NFT
	on isp nft -f - <<-'NFT'
	table inet t420 {
		counter wg_udp { }
		counter plain { }
		chain filter_fwd {
			type filter hook forward priority 0;
			iifname "c0" ip saddr 192.0.2.2 ip daddr 203.0.113.50 udp dport 51820 counter name wg_udp
			iifname "c0" meta l4proto != udp counter name plain
		}
	}
	NFT
}
if [ -z "$isolated" ]; then
	test_skip 'full-tunnel topology: no private mount namespace, and its DNS = line would rewrite this machine'"'"'s /etc/resolv.conf'
elif ! command -v resolvconf >/dev/null; then
	test_skip 'full-tunnel topology: needs resolvconf (its config has DNS =)'
else
	setup_full && full_ready=1
fi
packets() { on "$1" nft list counter inet t420 "$2" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
if [ -n "${full_ready:-}" ]; then
	for n in cli srv; do snap $n >"$TMP/initial-$n"; done
	cp /etc/resolv.conf "$TMP/resolv.before"
	test_expect_success 'full tunnel: server up (forwarding, its PostUp NAT), client up' '
		updown srv up "$(example full-tunnel server)" &&
		[ "$(on srv sysctl -n net.ipv4.ip_forward)" = 1 ] &&
		on srv nft list table inet nat-wg0 | grep -q "oifname \"eth0\" masquerade" &&
		updown cli up "$(example full-tunnel client)" && handshaken cli &&
		[ "$(wgc cli show wg0 fwmark)" = 0xca6c ] &&
		on cli ip -4 rule show | grep -q "not from all fwmark 0xca6c lookup 51820" &&
		on cli ip route get 198.51.100.80 | grep -q " dev wg0 table 51820 "
	'
	test_expect_success 'full tunnel: DNS = is in resolv.conf while up' '
		on cli cat /etc/resolv.conf | grep -qx "nameserver 10.66.0.1" &&
		ping_ok cli 10.66.0.1
	'
	test_expect_success 'full tunnel: the internet host is reached through the tunnel and the NAT' '
		c0=$(bytes cli) && u0=$(packets isp wg_udp) && p0=$(packets isp plain) &&
		d0=$(packets www from_cli) &&
		ping_ok cli 198.51.100.80 && ping_ok cli 2001:db8:80::80 &&
		echo "www heard: from srv4 $(packets www from_srv4), from srv6 $(packets www from_srv6), from cli $d0 -> $(packets www from_cli)" &&
		echo "isp forwarded: wg udp $u0 -> $(packets isp wg_udp), other $p0 -> $(packets isp plain)" &&
		echo "client wg0 bytes: $c0 -> $(bytes cli)" &&
		[ "$(packets www from_srv4)" -ge 3 ] && [ "$(packets www from_srv6)" -ge 3 ] &&
		[ "$(packets www from_cli)" = "$d0" ] &&
		[ $(($(packets isp wg_udp) - u0)) -ge 6 ] && [ "$(packets isp plain)" = "$p0" ] &&
		[ $(($(bytes cli) - c0)) -ge 1000 ]
	'
	test_expect_success 'full tunnel: down on both; resolv.conf, NAT table and namespaces as they were' '
		updown cli down "$TMP/ex/full-tunnel/client/wg0.conf" &&
		updown srv down "$TMP/ex/full-tunnel/server/wg0.conf" &&
		cmp "$TMP/resolv.before" /etc/resolv.conf &&
		! on srv nft list table inet nat-wg0 2>/dev/null &&
		for n in cli srv; do
			quiet $n && snap $n >now && diff "$TMP/initial-$n" now || { echo "in $n"; exit 1; }
		done &&
		ping_ok cli 198.51.100.80 && [ "$(packets www from_cli)" -ge 3 ]
	'
else
	[ -n "$isolated" ] && command -v resolvconf >/dev/null &&
		test_skip 'full-tunnel topology: cannot create its namespaces'
fi
test_done
