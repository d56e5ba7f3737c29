#!/bin/bash
# SPDX-License-Identifier: MIT
# DNS on systemd-resolved (lib/orch/dns.c), against a real one, and what any host refuses.
#  - Any host (no system bus): a `~name` with resolvconf, and DNS servers with no backend at all,
#    stop `up` with one message on the config's line before anything changes (the resolvconf in
#    PATH is a recorder: never run); `check` warns of both (code dns-backend), and of names
#    without a server (lint).
#  - Debian's systemd-resolved, unpacked from its package (tests/resolved/fetch.sh, cached; never
#    installed) and run without systemd as PID 1: in a private mount namespace /run is a tmpfs,
#    /etc/passwd and /etc/group gain a systemd-resolve user, /etc/dbus-1/system.d gains the
#    package's org.freedesktop.resolve1.conf, and /etc/resolv.conf is empty; dbus-daemon
#    --system and systemd-resolved run in the "host" network namespace. The host's underlay
#    ul0 carries the "old resolver" (resolved's per-link server, as DHCP would set it); a
#    "server" namespace at the other end runs the tunnel's other side and two dnsmasq: the old
#    resolver on 192.0.2.53 (every name 198.51.100.1) and the tunnel's on 10.53.0.1
#    (*.corp.example 10.53.0.10, every other name 10.53.0.80), each logging its queries.
#    `resolvectl status` and `resolvectl query` show what wgctl did: servers, search domains,
#    routing-only domains (split DNS), `~.` and the default route of a full tunnel (a query
#    for any name reaches the tunnel's resolver and not the old one; without `~.` it does reach
#    the old one, so the check can fail), and that down, a rollback, and reload revert them;
#    reload changes only what differs; save reads the link's DNS back; --dry-run prints the
#    `[#] resolvectl ...` lines and changes nothing.
if [ -z "${T0330_MNTNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	T0330_MNTNS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip
[ -n "${T0330_MNTNS:-}" ] || test_skip_all "needs a private mount namespace (unshare -m)"
mount -t tmpfs wgctl-t0340 /run && mkdir -p /run/netns /run/dbus /run/systemd ||
	test_skip_all "cannot mount a tmpfs on /run"
umask 077
nsh=wgctl-t330h-$$ nss=wgctl-t330s-$$
test_netns "$nsh" && test_netns "$nss" || test_skip_all "cannot create network namespaces"
in_h() { ip netns exec "$nsh" "$@"; }
in_s() { ip netns exec "$nss" "$@"; }
in_h ip link set lo up && in_s ip link set lo up &&
	ip link add ul0 netns "$nsh" type veth peer name ul0p netns "$nss" &&
	in_h ip addr add 192.0.2.2/24 dev ul0 && in_h ip link set ul0 up &&
	in_s ip addr add 192.0.2.1/24 dev ul0p && in_s ip addr add 192.0.2.53/24 dev ul0p &&
	in_s ip link set ul0p up || test_skip_all "cannot build the underlay"
export WGCTL_STATE_DIR=$TMP/state
IF=wgr330
HOSTKEY=$("$WGCTL" genkey) SRVKEY=$("$WGCTL" genkey)
HOSTPUB=$(echo "$HOSTKEY" | "$WGCTL" pubkey) SRVPUB=$(echo "$SRVKEY" | "$WGCTL" pubkey)

# conf NAME INTERFACE-LINES ALLOWED-IPS: the host's config $TMP/NAME/$IF.conf, DNS and such
# in INTERFACE-LINES (line 4 on).
conf() {
	mkdir -p "$TMP/$1" &&
		printf '[Interface]\nPrivateKey = %s\nAddress = 10.53.0.2/24\n%b\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\nEndpoint = 192.0.2.1:51820\n' \
			"$HOSTKEY" "$2" "$SRVPUB" "$3" >"$TMP/$1/$IF.conf"
}
links() { in_h ip -o link show | grep -c "$IF" || true; }

# --- any host: no system bus, so no systemd-resolved
NOBUS=unix:path=$TMP/no-bus
mkdir -p "$TMP/rc" "$TMP/none"
printf '#!/bin/sh\necho "$@" >>%s/rc.calls\n' "$TMP" >"$TMP/rc/resolvconf" && chmod +x "$TMP/rc/resolvconf"
conf routing "DNS = 10.53.0.1, corp.example\nDNS = ~lab.example" 10.53.0.0/24
test_expect_success 'resolvconf: a ~name stops up on its line, before anything changes' '
	! in_h env DBUS_SYSTEM_BUS_ADDRESS=$NOBUS PATH=$TMP/rc:$PATH "$WGCTL" up "$TMP/routing/$IF.conf" 2>err &&
	cat >want <<-EOF &&
	wgctl: $TMP/routing/$IF.conf:5: \`~lab.example'"'"' is a routing-only domain, which needs systemd-resolved: resolvconf can only make it a search domain
	EOF
	diff -u want err && [ "$(links)" = 0 ] && [ ! -e "$TMP/rc.calls" ]
'
conf plain "DNS = 10.53.0.1" 10.53.0.0/24
test_expect_success 'no backend: up says so in one message, before anything changes' '
	! in_h env DBUS_SYSTEM_BUS_ADDRESS=$NOBUS PATH=$TMP/none "$WGCTL" up "$TMP/plain/$IF.conf" 2>err &&
	cat >want <<-EOF &&
	wgctl: $TMP/plain/$IF.conf:4: DNS servers are set, but this host has no DNS backend: systemd-resolved is not running and resolvconf is not installed
	EOF
	diff -u want err && [ "$(links)" = 0 ]
'
test_expect_success 'no backend: up --dry-run refuses the same way' '
	! in_h env DBUS_SYSTEM_BUS_ADDRESS=$NOBUS PATH=$TMP/none "$WGCTL" up --dry-run "$TMP/plain/$IF.conf" 2>err &&
	diff -u want err && ! grep -q "^\[#\]" err
'
test_expect_success 'check: both as dns-backend warnings on their lines; names without a server' '
	env DBUS_SYSTEM_BUS_ADDRESS=$NOBUS PATH=$TMP/none "$WGCTL" check "$TMP/plain/$IF.conf" 2>err &&
	grep -qx "$TMP/plain/$IF.conf:4: Warning: DNS servers are set, but this host has no DNS backend: .*" err &&
	env DBUS_SYSTEM_BUS_ADDRESS=$NOBUS PATH=$TMP/rc:$PATH "$WGCTL" check --json "$TMP/routing/$IF.conf" >json 2>/dev/null &&
	grep -q "\"code\":\"dns-backend\",\"message\":\"\`~lab.example'"'"' is a routing-only domain.*\"line\":5}" json &&
	conf nosrv "DNS = corp.example" 10.53.0.0/24 &&
	"$WGCTL" check "$TMP/nosrv/$IF.conf" 2>err &&
	grep -qx "$TMP/nosrv/$IF.conf:4: Warning: DNS names \`corp.example'"'"' but no DNS server: without a server, no DNS is set" err
'
test_expect_success 'check: no warning where a backend can take the file' '
	env DBUS_SYSTEM_BUS_ADDRESS=$NOBUS PATH=$TMP/rc:$PATH "$WGCTL" check "$TMP/plain/$IF.conf" 2>err &&
	! grep -q Warning err
'

# --- systemd-resolved
skip_rest() {
	test_skip "systemd-resolved: $1"
	test_done
	exit
}
command -v dbus-daemon >/dev/null || skip_rest "needs dbus-daemon (contrib/install-deps.sh --test installs it)"
command -v dnsmasq >/dev/null || skip_rest "needs dnsmasq (contrib/install-deps.sh --test installs dnsmasq-base)"
command -v nft >/dev/null || skip_rest "needs nft for the full tunnel"
tree=$("$TOP/tests/resolved/fetch.sh" 2>"$TMP/fetch.err") ||
	skip_rest "cannot fetch Debian's systemd-resolved package: $(tail -n 1 "$TMP/fetch.err")"
LIBDIR=$(dirname "$(ls "$tree"/usr/lib/*/systemd/libsystemd-shared-*.so | head -n 1)")
R() { in_h env LD_LIBRARY_PATH="$LIBDIR" "$tree/usr/bin/resolvectl" "$@"; }

cp /etc/passwd "$TMP/passwd" && cp /etc/group "$TMP/group" &&
	echo 'systemd-resolve:x:990:990:systemd Resolver:/:/usr/sbin/nologin' >>"$TMP/passwd" &&
	echo 'systemd-resolve:x:990:' >>"$TMP/group" &&
	mkdir -p "$TMP/system.d" && cp -a /etc/dbus-1/system.d/. "$TMP/system.d/" &&
	cp "$tree/usr/share/dbus-1/system.d/org.freedesktop.resolve1.conf" "$TMP/system.d/" &&
	echo '# t0340: no system resolver' >"$TMP/resolv.conf" &&
	chmod 644 "$TMP/passwd" "$TMP/group" "$TMP/resolv.conf" "$TMP/system.d/org.freedesktop.resolve1.conf" &&
	chmod 755 "$TMP" "$TMP/system.d" &&
	mount --bind "$TMP/passwd" /etc/passwd && mount --bind "$TMP/group" /etc/group &&
	mount --bind "$TMP/system.d" /etc/dbus-1/system.d &&
	mount --bind "$TMP/resolv.conf" /etc/resolv.conf || skip_rest "cannot prepare /etc"
in_h dbus-daemon --system --fork --print-pid >"$TMP/dbus.pid" 2>"$TMP/dbus.err" ||
	skip_rest "dbus-daemon --system did not start: $(tail -n 1 "$TMP/dbus.err")"
test_on_exit "kill $(cat "$TMP/dbus.pid")"
# At debug level its log names every D-Bus call it gets: reverts can be counted.
in_h env LD_LIBRARY_PATH="$LIBDIR" SYSTEMD_LOG_LEVEL=debug "$tree/lib/systemd/systemd-resolved" \
	>"$TMP/resolved.log" 2>&1 &
RESOLVED_PID=$!
test_on_exit "kill $RESOLVED_PID"
wait_for 'R status >/dev/null 2>&1' ||
	skip_rest "systemd-resolved did not come up: $(tail -n 1 "$TMP/resolved.log")"

# The tunnel's other side, and the two resolvers.
mkdir -p "$TMP/server"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\nAddress = 10.53.0.1/24\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.53.0.2/32\n' \
	"$SRVKEY" "$HOSTPUB" >"$TMP/server/wgs330.conf"
in_s "$WGCTL" up "$TMP/server/wgs330.conf" 2>"$TMP/server.log" || skip_rest "the server side did not come up"
dnsmasq_at() { # ADDRESS LOG OPTIONS...
	local addr=$1 log=$2
	shift 2
	in_s dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --pid-file= --user=root \
		--bind-interfaces --listen-address="$addr" --log-queries --log-facility="$log" "$@" &
	test_on_exit "kill $!"
	wait_for "grep -q started '$log' 2>/dev/null"
}
dnsmasq_at 192.0.2.53 "$TMP/old.log" --address=/#/198.51.100.1 &&
	dnsmasq_at 10.53.0.1 "$TMP/tun.log" --address=/corp.example/10.53.0.10 --address=/#/10.53.0.80 ||
	skip_rest "dnsmasq did not start"
R dns ul0 192.0.2.53 || skip_rest "resolvectl cannot set the underlay's resolver"

# query NAME: the address resolved answers with (via whichever link), caches flushed first.
query() {
	R flush-caches && R query --legend=no "$1" 2>&1 | sed -n "s/^.*: \([0-9.]*\) .*-- link: \(.*\)$/\1 \2/p"
}
# mark; asked RESOLVER NAME: whether RESOLVER's log (old, tun) has a query for NAME since the mark.
mark() { wc -l <"$TMP/old.log" >"$TMP/old.mark" && wc -l <"$TMP/tun.log" >"$TMP/tun.mark"; }
asked() { tail -n +$(($(cat "$TMP/$1.mark") + 1)) "$TMP/$1.log" | grep -q "query\[A\] $2 from"; }
# resolved forgets a deleted link when its netlink notification arrives.
gone() { wait_for '! R status | grep -q "($IF)"'; }
# reverts: how many RevertLink calls resolved has had.
reverts() { grep -c "member=RevertLink" "$TMP/resolved.log" || true; }

test_expect_success 'resolved: the old resolver answers on the underlay before any tunnel' '
	[ "$(query www.example.org)" = "198.51.100.1 ul0" ]
'

conf search "DNS = 10.53.0.1, corp.example" 10.53.0.0/24
test_expect_success 'resolved: up sets the link'"'"'s server, names as search domains, no resolvconf' '
	in_h "$WGCTL" up "$TMP/search/$IF.conf" 2>log &&
	grep "^\[#\] resolvectl" log >got &&
	cat >want <<-EOF &&
	[#] resolvectl dns $IF 10.53.0.1
	[#] resolvectl domain $IF corp.example
	[#] resolvectl default-route $IF yes
	[#] resolvectl llmnr $IF no
	[#] resolvectl mdns $IF no
	EOF
	diff -u want got && ! grep -q resolvconf log &&
	R status $IF >st && grep -q "DNS Servers: 10.53.0.1$" st && grep -q "DNS Domain: corp.example$" st &&
	grep -q "+DefaultRoute -LLMNR -mDNS" st &&
	[ "$(query host)" = "10.53.0.10 $IF" ]
'
test_expect_success 'resolved: save writes the server and the search domain back' '
	mkdir -p saved && cp "$TMP/search/$IF.conf" saved/ && in_h "$WGCTL" save saved/$IF.conf 2>log &&
	[ "$(grep "^DNS = " saved/$IF.conf)" = "DNS = 10.53.0.1
DNS = corp.example" ]
'
test_expect_success 'resolved: down reverts the link before deleting it; names go back' '
	n=$(reverts) && in_h "$WGCTL" down "$TMP/search/$IF.conf" 2>log &&
	grep -A1 "^\[#\] resolvectl revert $IF$" log | tail -n 1 | grep -qx "\[#\] ip link delete dev $IF" &&
	[ "$(reverts)" = $((n + 1)) ] && gone && [ "$(query host.corp.example)" = "198.51.100.1 ul0" ]
'

conf split "DNS = 10.53.0.1, ~corp.example" 10.53.0.0/24
test_expect_success 'resolved: split DNS, ~corp.example to the tunnel only, the rest as before' '
	in_h "$WGCTL" up "$TMP/split/$IF.conf" 2>log &&
	grep -qx "\[#\] resolvectl domain $IF ~corp.example" log &&
	grep -qx "\[#\] resolvectl default-route $IF no" log &&
	R status $IF >st && grep -q "DNS Domain: ~corp.example$" st && grep -q -- "-DefaultRoute" st &&
	mark && [ "$(query host.corp.example)" = "10.53.0.10 $IF" ] &&
	[ "$(query www.example.org)" = "198.51.100.1 ul0" ] &&
	asked tun host.corp.example && ! asked old host.corp.example &&
	asked old www.example.org && ! asked tun www.example.org
'
test_expect_success 'resolved: reload with nothing changed makes no call' '
	in_h "$WGCTL" reload "$TMP/split/$IF.conf" 2>log && ! grep -q resolvectl log
'
test_expect_success 'resolved: reload changes the domains by difference' '
	conf split "DNS = 10.53.0.1, ~corp.example, lab.example" 10.53.0.0/24 &&
	in_h "$WGCTL" reload "$TMP/split/$IF.conf" 2>log && grep "^\[#\] resolvectl" log >got &&
	printf "[#] resolvectl domain $IF ~corp.example lab.example\n[#] resolvectl default-route $IF no\n" >want &&
	diff -u want got && R status $IF | grep -q "DNS Domain: ~corp.example lab.example$"
'
test_expect_success 'resolved: reload without DNS reverts the link, which stays up' '
	conf split "" 10.53.0.0/24 &&
	in_h "$WGCTL" reload "$TMP/split/$IF.conf" 2>log && grep "^\[#\] resolvectl" log >got &&
	echo "[#] resolvectl revert $IF" >want && diff -u want got &&
	R status $IF >st && ! grep -q "DNS Servers" st && ! grep -q "DNS Domain" st &&
	in_h ip link show $IF >/dev/null
'
test_expect_success 'resolved: reload with DNS again sets it again' '
	conf split "DNS = 10.53.0.1, ~corp.example" 10.53.0.0/24 &&
	in_h "$WGCTL" reload "$TMP/split/$IF.conf" 2>log &&
	grep -qx "\[#\] resolvectl dns $IF 10.53.0.1" log && grep -qx "\[#\] resolvectl llmnr $IF no" log &&
	[ "$(query host.corp.example)" = "10.53.0.10 $IF" ] &&
	in_h "$WGCTL" down "$TMP/split/$IF.conf" 2>log && gone
'

conf full "DNS = 10.53.0.1" "0.0.0.0/0, ::/0"
test_expect_success 'resolved: full tunnel, ~. and the default route: every query to the tunnel' '
	in_h "$WGCTL" up "$TMP/full/$IF.conf" 2>log &&
	grep -qx "\[#\] resolvectl domain $IF ~\." log && grep -qx "\[#\] resolvectl default-route $IF yes" log &&
	R status $IF >st && grep -q "DNS Domain: ~\.$" st && grep -q "+DefaultRoute" st &&
	mark && [ "$(query www.example.org)" = "10.53.0.80 $IF" ] &&
	[ "$(query host.corp.example)" = "10.53.0.10 $IF" ] &&
	asked tun www.example.org && ! asked old www.example.org && ! asked old host.corp.example
'
test_expect_success 'resolved: (control) without ~. a query for any name also reaches the old resolver' '
	R domain $IF "" && mark && query www.example.org >/dev/null &&
	asked old www.example.org && asked tun www.example.org
'
test_expect_success 'resolved: reload puts ~. back; save leaves it to up' '
	in_h "$WGCTL" reload "$TMP/full/$IF.conf" 2>log && grep -qx "\[#\] resolvectl domain $IF ~\." log &&
	mark && query www.example.org >/dev/null && ! asked old www.example.org &&
	mkdir -p saved && cp "$TMP/full/$IF.conf" saved/ && in_h "$WGCTL" save saved/$IF.conf 2>log &&
	[ "$(grep "^DNS = " saved/$IF.conf)" = "DNS = 10.53.0.1" ] &&
	in_h "$WGCTL" down "$TMP/full/$IF.conf" 2>log && gone
'

conf hook "DNS = 10.53.0.1, ~corp.example\nPostUp = false" 10.53.0.0/24
test_expect_success 'resolved: a failing PostUp reverts the link'"'"'s DNS, then deletes the link' '
	n=$(reverts) && ! in_h "$WGCTL" up "$TMP/hook/$IF.conf" 2>log && [ "$(reverts)" = $((n + 1)) ] &&
	grep -A1 "^\[#\] resolvectl revert $IF$" log | tail -n 1 | grep -qx "\[#\] ip link delete dev $IF" &&
	gone && [ "$(links)" = 0 ]
'
conf bad "DNS = 10.53.0.1, bad..example" 10.53.0.0/24
test_expect_success 'resolved: a domain resolved refuses: one message, nothing left' '
	n=$(reverts) && ! in_h "$WGCTL" up "$TMP/bad/$IF.conf" 2>log && [ "$(reverts)" = $((n + 1)) ] &&
	grep -qx "wgctl: setting DNS: systemd-resolved: SetLinkDomains: Invalid search domain bad..example" log &&
	[ "$(grep -c "^wgctl:" log)" = 1 ] &&
	grep -A1 "^\[#\] resolvectl domain $IF bad..example$" log | tail -n 1 | grep -qx "\[#\] resolvectl revert $IF" &&
	gone && [ "$(links)" = 0 ]
'
conf dry "DNS = 10.53.0.1, ~corp.example" "0.0.0.0/0, ::/0"
test_expect_success 'resolved: --dry-run prints the resolvectl calls and changes nothing' '
	R status >before && in_h "$WGCTL" up --dry-run "$TMP/dry/$IF.conf" 2>log &&
	grep "^\[#\] resolvectl" log >got &&
	cat >want <<-EOF &&
	[#] resolvectl dns $IF 10.53.0.1
	[#] resolvectl domain $IF ~corp.example ~.
	[#] resolvectl default-route $IF yes
	[#] resolvectl llmnr $IF no
	[#] resolvectl mdns $IF no
	EOF
	diff -u want got && [ "$(links)" = 0 ] && R status | diff -u before -
'
test_expect_success 'resolved: check takes ~names without a warning here' '
	in_h "$WGCTL" check "$TMP/routing/$IF.conf" 2>err && ! grep -q Warning err
'
test_expect_success 'resolved: systemd-resolved is still running' '
	kill -0 $RESOLVED_PID
'
test_done
