#!/bin/bash
# SPDX-License-Identifier: MIT
# lib/orch/firewall.c and resolvconf.c (through tests/tools/orch-probe) against Debian's wg-quick:
#  - nft: after fw-add, the ruleset of a bare namespace equals the one Debian's wg-quick leaves
#    in another namespace for a full-tunnel wireguard-go interface of the same name (same
#    addresses, same fwmark); fw-remove deletes ours and wg-quick's tables; wg-quick down deletes
#    ours;
#  - iptables (nft hidden from PATH, for both programs): iptables-save/ip6tables-save equal,
#    removal both ways;
#  - resolvconf (openresolv): `resolvconf -l` and /etc/resolv.conf after dns-add equal what
#    wg-quick up leaves, dns-servers equals the DNS lines of `wg-quick save`, dns-del restores
#    resolv.conf, and the "tun." record prefix of /etc/resolvconf/interface-order matches.
# resolvconf rewrites the machine's /etc/resolv.conf: the script re-runs itself in a private
# mount namespace with an overlay over /etc and a tmpfs over /run, so nothing outside changes.
# Where that cannot be done it saves and restores /etc/resolv.conf and /run/resolvconf instead.
if [ -z "${T0310_MNTNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	T0310_MNTNS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft wg wg-quick wireguard-go
PROBE=$TOP/$B/tests/tools/orch-probe
[ -x "$PROBE" ] || test_skip_all "build $PROBE first (make units)"

isolated=
if [ -n "${T0310_MNTNS:-}" ]; then
	mkdir -p "$TMP/etc-up" "$TMP/etc-work" &&
		mount -t overlay wgctl-t0310 -o "lowerdir=/etc,upperdir=$TMP/etc-up,workdir=$TMP/etc-work" /etc &&
		mount -t tmpfs wgctl-t0310 /run && mkdir -p /run/netns && isolated=1
fi
if [ -z "$isolated" ]; then
	cp -a /etc/resolv.conf "$TMP/resolv.conf.saved"
	test_on_exit "cat '$TMP/resolv.conf.saved' >/etc/resolv.conf"
	if [ -d /run/resolvconf ]; then
		cp -a /run/resolvconf "$TMP/run-resolvconf.saved"
		test_on_exit "rm -rf /run/resolvconf && cp -a '$TMP/run-resolvconf.saved' /run/resolvconf"
	else
		test_on_exit "rm -rf /run/resolvconf"
	fi
fi

IF=wgt310
export WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go
# wg-quick prepends its own directory (/usr/bin) to PATH; nft lives in /usr/sbin.
NONFT=$TMP/nonft
mkdir -p "$NONFT"
for t in ip sysctl wg wireguard-go resolvconf iptables ip6tables iptables-save ip6tables-save \
	iptables-restore ip6tables-restore; do
	p=$(command -v "$t") && ln -s "$p" "$NONFT/$t"
done
NONFT_PATH=$NONFT:/usr/bin:/bin

# A wg-quick config: name, then [Interface] extras, then the peer's AllowedIPs.
quick_conf() {
	mkdir -p "$TMP/q" &&
		printf '[Interface]\nPrivateKey = %s\n%s\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\nEndpoint = 192.0.2.1:51820\n' \
			"$(wg genkey)" "$2" "$(wg genkey | wg pubkey)" "$3" >"$TMP/q/$1.conf" &&
		chmod 600 "$TMP/q/$1.conf"
}

# `ADDR` arguments for orch-probe from the interface's addresses of one family (4 or 6).
if_addrs() {
	ip netns exec "$1" ip -o -"$2" address show dev "$IF" | sed -n 's/.* inet6\{0,1\} \([0-9a-f:.]*\/[0-9]*\).*/\1/p'
}

nsq=wgctl-t310q-$$ nso=wgctl-t310o-$$
test_netns "$nsq" && test_netns "$nso" || test_skip_all "cannot create network namespaces"

test_expect_success 'nft: Debian wg-quick brings up a full-tunnel wireguard-go interface' '
	quick_conf $IF "Address = 10.31.0.2/24, fd00:31::2/64" "0.0.0.0/0, ::/0" &&
	ip netns exec $nsq ip link set lo up &&
	ip netns exec $nsq wg-quick up "$TMP/q/$IF.conf" 2>up.log &&
	ip netns exec $nsq nft list ruleset >"$TMP/theirs.nft" &&
	grep -q "table ip wg-quick-$IF" "$TMP/theirs.nft" && grep -q "table ip6 wg-quick-$IF" "$TMP/theirs.nft" &&
	ip netns exec $nsq wg show $IF fwmark >"$TMP/mark" && [ "$(cat "$TMP/mark")" = 0xca6c ]
'
test_expect_success 'nft: fw-add gives the ruleset wg-quick made (same addresses and fwmark)' '
	for f in $(sed -n "s/^table \(ip6\{0,1\}\) wg-quick-.*/\1/p" "$TMP/theirs.nft"); do
		v=4 && [ $f = ip6 ] && v=6
		ip netns exec $nso "$PROBE" fw-add $IF $f 51820 $(if_addrs $nsq $v) || exit 1
	done &&
	ip netns exec $nso nft list ruleset >ours.nft &&
	diff -u "$TMP/theirs.nft" ours.nft
'
test_expect_success 'nft: tables listed alone are equal too (ip and ip6)' '
	for f in ip ip6; do
		ip netns exec $nsq nft list table $f wg-quick-$IF >t || exit 1
		ip netns exec $nso nft list table $f wg-quick-$IF | diff -u t - || exit 1
	done
'
test_expect_success 'nft: the [#] line names the command as wg-quick does, the script on stdin' '
	[ "$(ip netns exec $nso "$PROBE" fw-describe $IF ip6)" = "nft -f /dev/stdin" ]
'
test_expect_success 'nft: fw-present, fw-remove removes both tables, fw-present again' '
	ip netns exec $nso "$PROBE" fw-present $IF &&
	ip netns exec $nso "$PROBE" fw-remove $IF &&
	[ -z "$(ip netns exec $nso nft list ruleset)" ] &&
	! ip netns exec $nso "$PROBE" fw-present $IF 2>/dev/null
'
test_expect_success 'nft: fw-remove of another interface leaves wg-quick-IF alone' '
	ip netns exec $nsq "$PROBE" fw-remove ${IF}x && ip netns exec $nsq "$PROBE" fw-remove ${IF:0:5} &&
	ip netns exec $nsq nft list ruleset | cmp - "$TMP/theirs.nft"
'
test_expect_success 'nft: fw-remove removes the tables Debian wg-quick made' '
	ip netns exec $nsq "$PROBE" fw-remove $IF &&
	! ip netns exec $nsq nft list tables | grep -q wg-quick
'
test_expect_success 'nft: Debian wg-quick down removes the tables fw-add made' '
	ip netns exec $nsq "$PROBE" fw-add $IF ip 51820 $(if_addrs $nsq 4) &&
	ip netns exec $nsq "$PROBE" fw-add $IF ip6 51820 $(if_addrs $nsq 6) &&
	ip netns exec $nsq wg-quick down "$TMP/q/$IF.conf" 2>down.log &&
	grep -q "^\[#\] nft -f" down.log &&
	! ip netns exec $nsq nft list tables | grep -q wg-quick
'

# iptables: both programs see no nft. Fresh namespaces, so no nft table is left from above.
ipt_save() {
	ip netns exec "$1" iptables-save | grep -v "^#" &&
		ip netns exec "$1" ip6tables-save | grep -v "^#"
}
if [ ! -x "$NONFT/iptables-restore" ] || [ ! -x "$NONFT/ip6tables-restore" ]; then
	test_skip "iptables: iptables is not installed (contrib/install-deps.sh --test installs it)"
else
	nsq4=wgctl-t310q4-$$ nso4=wgctl-t310o4-$$
	test_netns "$nsq4" && test_netns "$nso4"
	test_expect_success 'iptables: Debian wg-quick without nft in PATH' '
		ip netns exec $nsq4 ip link set lo up &&
		ip netns exec $nsq4 env PATH=$NONFT_PATH wg-quick up "$TMP/q/$IF.conf" 2>up.log &&
		grep -q "^\[#\] iptables-restore -n" up.log && grep -q "^\[#\] ip6tables-restore -n" up.log &&
		ipt_save $nsq4 >"$TMP/theirs.ipt" &&
		grep -q "wg-quick(8) rule for $IF" "$TMP/theirs.ipt"
	'
	test_expect_success 'iptables: fw-add without nft gives the same iptables-save output' '
		[ "$(ip netns exec $nso4 env PATH=$NONFT_PATH "$PROBE" fw-describe $IF ip)" = "iptables-restore -n" ] &&
		ip netns exec $nso4 env PATH=$NONFT_PATH "$PROBE" fw-add $IF ip6 51820 $(if_addrs $nsq4 6) &&
		ip netns exec $nso4 env PATH=$NONFT_PATH "$PROBE" fw-add $IF ip 51820 $(if_addrs $nsq4 4) &&
		ipt_save $nso4 >ours.ipt && diff -u "$TMP/theirs.ipt" ours.ipt
	'
	test_expect_success 'iptables: fw-remove (nft in PATH, as on a normal host) deletes every rule' '
		ip netns exec $nso4 "$PROBE" fw-present $IF &&
		ip netns exec $nso4 "$PROBE" fw-remove $IF &&
		! ipt_save $nso4 | grep -q "wg-quick(8)" &&
		! ip netns exec $nso4 "$PROBE" fw-present $IF 2>/dev/null
	'
	test_expect_success 'iptables: fw-remove deletes the rules Debian wg-quick made; its down deletes ours' '
		ip netns exec $nsq4 env PATH=$NONFT_PATH "$PROBE" fw-remove $IF &&
		! ipt_save $nsq4 | grep -q "wg-quick(8)" &&
		ip netns exec $nsq4 env PATH=$NONFT_PATH "$PROBE" fw-add $IF ip 51820 $(if_addrs $nsq4 4) &&
		ipt_save $nsq4 | grep -q "wg-quick(8) rule for $IF" &&
		ip netns exec $nsq4 env PATH=$NONFT_PATH wg-quick down "$TMP/q/$IF.conf" 2>down.log &&
		! ipt_save $nsq4 | grep -q "wg-quick(8)"
	'
fi

# DNS through openresolv.
if ! resolvconf --version 2>/dev/null | grep -q openresolv; then
	test_skip "resolvconf: openresolv is not installed (contrib/install-deps.sh --test installs it)"
	test_done
	exit
fi
DIF=wgd310
nsd=wgctl-t310d-$$
test_netns "$nsd" || test_skip_all "cannot create a network namespace"
cp /etc/resolv.conf "$TMP/resolv.before"

test_expect_success 'resolvconf: the record name has no prefix without interface-order' '
	[ ! -e /etc/resolvconf/interface-order ] && [ "$("$PROBE" dns-record $DIF)" = $DIF ]
'
test_expect_success 'resolvconf: Debian wg-quick up with DNS servers and search domains; save' '
	quick_conf $DIF "Address = 10.32.0.2/24
DNS = 10.32.0.1, fd00:32::1, example.com
DNS = corp.example" 10.32.0.0/24 &&
	ip netns exec $nsd wg-quick up "$TMP/q/$DIF.conf" 2>up.log &&
	grep -q "^\[#\] resolvconf -a $DIF -m 0 -x" up.log &&
	resolvconf -l $DIF >"$TMP/theirs.rc" && cp /etc/resolv.conf "$TMP/theirs.resolv" &&
	grep -q "^nameserver 10.32.0.1" "$TMP/theirs.resolv" &&
	ip netns exec $nsd wg-quick save "$TMP/q/$DIF.conf" 2>save.log &&
	sed -n "s/^DNS = //p" "$TMP/q/$DIF.conf" >"$TMP/theirs.servers" && [ -s "$TMP/theirs.servers" ] &&
	ip netns exec $nsd wg-quick down "$TMP/q/$DIF.conf" 2>down.log &&
	[ -z "$(resolvconf -l $DIF)" ] && cmp /etc/resolv.conf "$TMP/resolv.before"
'
test_expect_success 'resolvconf: dns-add gives the same record and resolv.conf' '
	"$PROBE" dns-add $DIF 10.32.0.1,fd00:32::1 example.com,corp.example &&
	resolvconf -l $DIF | diff -u "$TMP/theirs.rc" - &&
	diff -u "$TMP/theirs.resolv" /etc/resolv.conf
'
test_expect_success 'resolvconf: dns-servers reads back what wg-quick save writes' '
	"$PROBE" dns-servers $DIF | diff -u "$TMP/theirs.servers" -
'
test_expect_success 'resolvconf: dns-del removes the record and restores resolv.conf' '
	"$PROBE" dns-del $DIF && [ -z "$(resolvconf -l $DIF)" ] &&
	diff -u "$TMP/resolv.before" /etc/resolv.conf &&
	[ -z "$("$PROBE" dns-servers $DIF)" ]
'
test_expect_success 'resolvconf: dns-add without search domains' '
	"$PROBE" dns-add $DIF 10.32.0.1 && resolvconf -l $DIF >rc &&
	[ "$(grep -v "^#" rc | grep .)" = "nameserver 10.32.0.1" ] &&
	"$PROBE" dns-del $DIF && [ -z "$(resolvconf -l $DIF)" ]
'
if [ -z "$isolated" ]; then
	test_skip "resolvconf: interface-order prefix (needs a private /etc: no mount namespace here)"
else
	test_expect_success 'resolvconf: interface-order "tun*" gives the record tun.IF, as wg-quick' '
		mkdir -p /etc/resolvconf && printf "# order\nlo.inet*\n  tun*  \nwg*\n" >/etc/resolvconf/interface-order &&
		[ "$("$PROBE" dns-record $DIF)" = tun.$DIF ] &&
		ip netns exec $nsd wg-quick up "$TMP/q/$DIF.conf" 2>up.log &&
		grep -q "^\[#\] resolvconf -a tun.$DIF -m 0 -x" up.log &&
		"$PROBE" dns-servers $DIF >s && diff -u "$TMP/theirs.servers" s &&
		"$PROBE" dns-del $DIF && [ -z "$(resolvconf -l tun.$DIF)" ] &&
		ip netns exec $nsd wg-quick down "$TMP/q/$DIF.conf" 2>down.log &&
		"$PROBE" dns-add $DIF 10.32.0.1 && [ -n "$(resolvconf -l tun.$DIF)" ] &&
		"$PROBE" dns-del $DIF && [ -z "$(resolvconf -l tun.$DIF)" ]
	'
	test_expect_success 'resolvconf: no prefix when resolvconf in PATH is a symlink (resolvectl)' '
		mkdir -p lnk && ln -s "$(command -v resolvconf)" lnk/resolvconf &&
		[ "$(PATH=$TMP/lnk:$PATH "$PROBE" dns-record $DIF)" = $DIF ] &&
		rm -f /etc/resolvconf/interface-order
	'
fi
test_done
