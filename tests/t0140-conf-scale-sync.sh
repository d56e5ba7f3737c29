#!/bin/bash
# SPDX-License-Identifier: MIT
# setconf/showconf at scale and syncconf semantics, on each userspace backend (wireguard-go and
# `wgctl daemon`): a peer with 130,560 allowed IPs and a device with 1,000 peers go through
# `wgctl setconf` and come back identical through `wgctl showconf`, Debian `wg showconf` and
# `wgctl show dump`; syncconf over a live tunnel keeps the unchanged peer's session (same
# handshake, counters only growing), removes, changes and adds the others.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd wg wireguard-go ip python3 ping
make_links

ns=wgctl-t140-$$ nsb=wgctl-t140b-$$
GO=wgt140g$$ DM=wgt140d$$ B=wgt140b$$
GO=${GO:0:15} DM=${DM:0:15} B=${B:0:15}
test_netns "$ns" && test_netns "$nsb" || test_skip_all "cannot create network namespaces"
in_ns() { ip netns exec "$ns" "$@"; }
in_b() { ip netns exec "$nsb" "$@"; }
in_ns ip link set lo up
ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go -f "$GO" >/dev/null 2>&1 &
in_ns "$WGCTL" daemon "$DM"
in_b "$WGCTL" daemon "$B"
for i in $(seq 50); do [ -S /var/run/wireguard/$GO.sock ] && break; sleep 0.1; done
umask 077

# conf KIND > file: "wide" = one peer with 130,560 allowed IPs, "many" = 1,000 peers.
gen() {
	python3 - "$1" <<'PY'
import base64, ipaddress, os, sys
key = lambda: base64.b64encode(os.urandom(32)).decode()
k = bytearray(os.urandom(32))
k[0] &= 248
k[31] = (k[31] & 127) | 64
print("[Interface]\nPrivateKey = %s\nListenPort = 0\n" % base64.b64encode(bytes(k)).decode())
if sys.argv[1] == "wide":
    ips = ["10.%d.%d.0/24" % (i // 256, i % 256) for i in range(65280)]
    ips += ["fd00:%x:%x::/48" % (i // 256, i % 256) for i in range(65280)]
    print("[Peer]\nPublicKey = %s" % key())
    for i in range(0, len(ips), 40):
        print("AllowedIPs = " + ", ".join(ips[i:i + 40]))
    print("Endpoint = 192.0.2.1:51820\n")
else:
    for i in range(1000):
        print("[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.%d.%d.0/24, fd01::%x/128"
              % (key(), key(), i // 256, i % 256, i))
        ep = ipaddress.ip_address("2001:db8::") + i
        print("Endpoint = [%s]:%d\nPersistentKeepalive = %d\n" % (ep, 1024 + i, 1 + i % 600))
PY
}
gen wide >"$TMP/wide.conf"
gen many >"$TMP/many.conf"
# The file as showconf would print it: one line per key, peers and prefixes sorted.
norm() { python3 "$TOP/tests/normconf.py"; }

for IF in $GO $DM; do
	for kind in wide many; do
		test_expect_success "$kind: setconf, then showconf (wgctl and Debian wg) on $IF" '
			cp "$TMP/$kind.conf" in.conf &&
			in_ns "$WGCTL" setconf $IF in.conf &&
			in_ns "$WGCTL" showconf $IF | grep -v "^ListenPort" | norm >ours &&
			in_ns wg showconf $IF | grep -v "^ListenPort" | norm >theirs &&
			grep -v "^ListenPort" in.conf | norm >want &&
			{ cmp want ours || { diff want ours | head -8; false; }; } && cmp want theirs
		'
		test_expect_success "$kind: show dump through the wg link equals Debian wg on $IF" '
			in_ns wg show $IF dump | sort >theirs && in_ns "$TMP/bin/wg" show $IF dump | sort >ours &&
			cmp theirs ours && [ $(wc -l <ours) -ge 2 ]
		'
	done
done

# syncconf over a live tunnel between $DM (side A) and $B.
ip link add vs$$ netns "$ns" type veth peer name vsb$$ netns "$nsb"
in_ns ip addr add 192.168.140.1/24 dev vs$$ && in_ns ip link set vs$$ up
in_b ip addr add 192.168.140.2/24 dev vsb$$ && in_b ip link set vsb$$ up && in_b ip link set lo up
for k in a b c d e f; do wg genkey >"$TMP/$k.key"; wg pubkey <"$TMP/$k.key" >"$TMP/$k.pub"; done
pub() { cat "$TMP/$1.pub"; }
cat >"$TMP/a1.conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/a.key")
ListenPort = 51140
[Peer]
PublicKey = $(pub b)
AllowedIPs = 10.140.0.2/32
Endpoint = 192.168.140.2:51141
[Peer]
PublicKey = $(pub c)
AllowedIPs = 10.140.3.0/24
[Peer]
PublicKey = $(pub d)
AllowedIPs = 10.140.4.0/24
CONF
cat >"$TMP/a2.conf" <<CONF
[Interface]
PrivateKey = $(cat "$TMP/a.key")
ListenPort = 51140
[Peer]
PublicKey = $(pub b)
AllowedIPs = 10.140.0.2/32
Endpoint = 192.168.140.2:51141
[Peer]
PublicKey = $(pub c)
AllowedIPs = 10.140.33.0/24
[Peer]
PublicKey = $(pub f)
AllowedIPs = 10.140.6.0/24
CONF
printf '[Interface]\nPrivateKey = %s\nListenPort = 51141\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.140.0.1/32\n' \
	"$(cat "$TMP/b.key")" "$(pub a)" >"$TMP/b.conf"

test_expect_success 'syncconf: a tunnel carries traffic first' '
	in_ns "$WGCTL" setconf $DM "$TMP/a1.conf" && in_b "$WGCTL" setconf $B "$TMP/b.conf" &&
	in_ns ip addr add 10.140.0.1/24 dev $DM && in_ns ip link set $DM up &&
	in_b ip addr add 10.140.0.2/24 dev $B && in_b ip link set $B up &&
	in_ns ping -c 2 -i 0.2 -W 5 10.140.0.2 >/dev/null
'
test_expect_success 'syncconf: B kept its session, C changed, D removed, F added' '
	hs=$(in_ns wg show $DM latest-handshakes | grep "^$(pub b)" | cut -f2) &&
	rx=$(in_ns wg show $DM transfer | grep "^$(pub b)" | cut -f2) &&
	[ "$hs" -gt 0 ] && [ "$rx" -gt 0 ] &&
	in_ns "$WGCTL" syncconf $DM "$TMP/a2.conf" &&
	in_ns ping -c 2 -i 0.2 -W 5 10.140.0.2 >/dev/null &&
	[ "$(in_ns wg show $DM latest-handshakes | grep "^$(pub b)" | cut -f2)" = "$hs" ] &&
	[ "$(in_ns wg show $DM transfer | grep "^$(pub b)" | cut -f2)" -gt "$rx" ] &&
	in_ns wg show $DM allowed-ips | grep -qx "$(pub c)	10.140.33.0/24" &&
	! in_ns wg show $DM peers | grep -qx "$(pub d)" &&
	in_ns wg show $DM peers | grep -qx "$(pub f)"
'
test_expect_success 'syncconf: the result equals the file' '
	in_ns "$WGCTL" showconf $DM | grep -v "^Endpoint" | norm >ours &&
	grep -v "^Endpoint" "$TMP/a2.conf" | norm >want && cmp want ours
'
test_done
