#!/bin/bash
# SPDX-License-Identifier: MIT
# snapshot.sh NS [IF]: the network state of namespace NS that wg-quick may change, normalised so
# that two runs compare equal whatever the interface indices, the random IPv6 link-local
# addresses, counters and timestamps; IF (the WireGuard interface, if any) is printed as %i.
# Sections: links (flags, MTU, state), addresses, routes of every table (sorted), rules, the
# sysctls wg-quick and the corpus hooks touch, nft ruleset, iptables-save/ip6tables-save,
# resolvconf state (resolvconf -l, /etc/resolv.conf: global, callers isolate them), and for IF:
# `wg showconf` canonicalised (peers by key, allowed IPs sorted; ListenPort masked when
# SNAP_MASK_PORT=1), whether its UAPI socket exists and whether any process runs in NS.
# Runs itself inside NS with `ip netns exec`.
set -u
if [ "${1:-}" != --in ]; then
	exec ip netns exec "$1" bash "$0" --in "$@"
fi
NS=$2 IF=${3:-}
export LC_ALL=C
norm() {
	local s='s/fe80::[0-9a-f:]*[0-9a-f]/fe80::LL/g'
	if [ -n "$IF" ]; then
		sed -E -e "s/wg-quick-$IF([^A-Za-z0-9_=+.-]|$)/wg-quick-%i\1/g" \
			-e "s/(^|[^A-Za-z0-9_=+.-])$IF([^A-Za-z0-9_=+.-]|$)/\1%i\2/g" \
			-e "s/(^|[^A-Za-z0-9_=+.-])$IF([^A-Za-z0-9_=+.-]|$)/\1%i\2/g" -e "$s"
	else
		sed -E -e "$s"
	fi
}

echo "== links"
ip -o link show | sed -E 's/^[0-9]+: ([^:@]+)(@[^:]+)?: <([^>]*)> mtu ([0-9]+) .* state ([A-Z]+) .*/link \1 <\3> mtu \4 state \5/' |
	sort | norm
echo "== addresses"
ip -o addr show | sed -E 's/^[0-9]+: +//; s/\\ .*//; s/ +/ /g; s/ $//' | sort | norm
for f in 4 6; do
	echo "== routes -$f (all tables)"
	ip -$f route show table all | sed -E 's/ expires [0-9]+sec//; s/ +$//' | sort | norm
	echo "== rules -$f"
	ip -$f rule show | norm
done
echo "== sysctls"
for k in net.ipv4.conf.all.src_valid_mark net.ipv4.ip_forward net.ipv4.conf.all.forwarding \
	net.ipv6.conf.all.forwarding net.ipv4.conf.all.rp_filter; do
	echo "$k = $(sysctl -n $k 2>&1)"
done
echo "== nft"
if command -v nft >/dev/null; then nft list ruleset 2>&1 | norm; else echo "(no nft)"; fi
for t in iptables ip6tables; do
	echo "== $t-save"
	if command -v $t-save >/dev/null; then
		$t-save 2>&1 | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[c]/' | norm
	else
		echo "(no $t-save)"
	fi
done
echo "== resolvconf -l"
resolvconf -l 2>&1 | norm
echo "== /etc/resolv.conf"
norm </etc/resolv.conf
if [ -n "$IF" ]; then
	echo "== wg showconf %i"
	if conf=$(wg showconf "$IF" 2>/dev/null); then
		printf '%s\n' "$conf" | python3 "$(dirname "$0")/../normconf.py" - |
			if [ "${SNAP_MASK_PORT:-0}" = 1 ]; then
				sed -E 's/("ListenPort": )"[0-9]+"/\1"<random>"/'
			else
				cat
			fi
	else
		echo "(none)"
	fi
	echo "== uapi socket: $([ -S "/var/run/wireguard/$IF.sock" ] && echo present || echo absent)"
fi
echo "== processes in namespace: $([ -n "$(ip netns pids "$NS" 2>/dev/null)" ] && echo some || echo none)"
