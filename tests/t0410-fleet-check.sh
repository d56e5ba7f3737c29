#!/bin/bash
# SPDX-License-Identifier: MIT
# `wgctl check` over a fleet (one file per host): the per-file lines stay as they were, the
# findings between files name every file:line involved, errors set the exit status, warnings
# do not, no private key is ever printed, and --json is one valid document with codes and locations.
. "$(dirname "$0")/lib.sh"
require_cmd python3
umask 077
for h in a b c d; do
	"$WGCTL" genkey >"$TMP/$h.key" && "$WGCTL" pubkey <"$TMP/$h.key" >"$TMP/$h.pub" || exit 1
done
key() { cat "$TMP/$1.key"; }
pub() { cat "$TMP/$1.pub"; }

# A hub relaying 10.0.0.0/24 (a) with spokes behind NAT; $2 replaces the Forwarding line.
hub() {
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.0.0.1/24\nListenPort = 51820\n%s\n' "$(key a)" "${2-Forwarding = ipv4}"
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.3/32\n' "$(pub b)" "$(pub c)"
	printf '%b' "${1-}"
}
# spoke KEY OCTET [KEEPALIVE-LINE]
spoke() {
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.0.0.%s/24\n' "$(key $1)" "$2"
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.0/24\nEndpoint = 192.0.2.1:51820\n%s\n' "$(pub a)" "${3-PersistentKeepalive = 25}"
}
fleet() { hub >a.conf && spoke b 2 >b.conf && spoke c 3 >c.conf; }
# json_check FILE PYTHON-EXPRESSION: the document parses and the expression (over d) holds.
json_check() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert set(d) >= {"files", "findings", "errors", "warnings"}, d
for f in d["findings"]:
    assert f["severity"] in ("error", "warning") and f["code"] and f["message"] and f["locations"], f
codes = sorted(f["code"] for f in d["findings"])
locs = {f["code"]: [(l["file"], l["line"]) for l in f["locations"]] for f in d["findings"]}
assert eval("(" + sys.argv[2] + ")"), (codes, locs, d)' "$@"
}

test_expect_success 'a clean fleet: every file ok, a summary line, exit 0' '
	fleet && "$WGCTL" check ./a.conf ./b.conf ./c.conf >out 2>err &&
	printf "./a.conf: ok\n./b.conf: ok\n./c.conf: ok\nfleet: 3 files, 0 errors, 0 warnings\n" >want &&
	diff want out && ! [ -s err ]
'
test_expect_success 'one file: the output of before, no summary line' '
	fleet && "$WGCTL" check ./a.conf >out 2>err && echo "./a.conf: ok" >want && diff want out && ! [ -s err ]
'
test_expect_success 'one private key on two hosts: an error naming both files, exit 1, no key printed' '
	fleet && spoke b 3 >c.conf &&
	! "$WGCTL" check ./a.conf ./b.conf ./c.conf >out 2>err &&
	grep -qxF "./c.conf:1: the same PrivateKey as ./b.conf:1 (two hosts cannot share a key)" err &&
	grep -qx "fleet: 3 files, [1-9][0-9]* errors\?, [0-9]* warnings\?" out &&
	! grep -qF "$(key b)" err out
'
test_expect_success 'a peer that is no host: an error at its [Peer] line' '
	fleet && hub "[Peer]\nPublicKey = $(pub d)\nAllowedIPs = 10.0.0.4/32\n" >a.conf &&
	! "$WGCTL" check ./a.conf ./b.conf ./c.conf 2>err &&
	grep -qF "./a.conf:12: [Peer] $(pub d) is no host'"'"'s public key" err &&
	"$WGCTL" check ./a.conf 2>err && ! grep -q "no host" err
'
test_expect_success 'overlapping AllowedIPs in one file: a warning with both lines and prefixes, exit 0' '
	printf "[Interface]\nPrivateKey = %s\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.0/24\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.3/32\n" \
		"$(key a)" "$(pub b)" "$(pub c)" >x.conf &&
	"$WGCTL" check ./x.conf >out 2>err &&
	grep -qxF "./x.conf:8: Warning: AllowedIPs 10.0.0.3/32 of the [Peer] at line 6 overlaps 10.0.0.0/24 of the [Peer] at line 3 (./x.conf:5): the longer prefix takes the addresses they share" err &&
	echo "./x.conf: ok (1 warning)" >want && diff want out
'
test_expect_success 'unmirrored routes and a NAT-ed host without keepalive: warnings with both places, exit 0' '
	fleet && spoke b 2 "" >b.conf && printf "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.3/24\n" "$(key c)" >c.conf &&
	sed -i "s|^AllowedIPs = 10.0.0.2/32|AllowedIPs = 10.0.1.0/24|" a.conf &&
	"$WGCTL" check ./a.conf ./b.conf ./c.conf >out 2>err &&
	grep -qF "./a.conf:6: Warning: the [Peer] for ./b.conf does not route its Address 10.0.0.2/24 (./b.conf:3)" err &&
	grep -qF "./a.conf:9: Warning: the [Peer] for ./c.conf is one-sided: ./c.conf has no [Peer] for this host (./c.conf:1)" err &&
	grep -qF "./b.conf:4: Warning: no host has an Endpoint for this host, so it is likely behind NAT" err &&
	grep -qF "the [Peer] for this host at ./a.conf:6 cannot reach it" err &&
	grep -qx "fleet: 3 files, 0 errors, 3 warnings" out
'
test_expect_success 'a relay others route through without Forwarding: a warning at its [Interface]' '
	fleet && hub "" "" | sed "s|^Address = 10.0.0.1/24|Address = 10.0.0.1/32|" >a.conf &&
	"$WGCTL" check ./a.conf ./b.conf ./c.conf 2>err &&
	grep -qF "./a.conf:1: Warning: relays IPv4 but forwarding is off: ./b.conf:6 routes ./c.conf'"'"'s Address 10.0.0.3/24 (./c.conf:3) through this host; add \`Forwarding = ipv4'"'"' to [Interface]" err &&
	hub "" "Forwarding = ipv4" | sed "s|^Address = 10.0.0.1/24|Address = 10.0.0.1/32|" >a.conf &&
	"$WGCTL" check ./a.conf ./b.conf ./c.conf 2>err && ! grep -q relays err
'
test_expect_success '--json anywhere: one document with codes, severities, locations and counts' '
	fleet && cp b.conf e.conf &&
	hub "[Peer]\nPublicKey = $(pub d)\nAllowedIPs = 10.0.0.3/32, 0.0.0.0/0\n" "" >a.conf &&
	! "$WGCTL" check ./a.conf --json ./b.conf ./c.conf ./e.conf >out.json 2>err &&
	json_check out.json "d[\"files\"] == [\"./a.conf\", \"./b.conf\", \"./c.conf\", \"./e.conf\"] and d[\"fleet\"] is True
and locs[\"duplicate-private-key\"] == [(\"./e.conf\", 1), (\"./b.conf\", 1)]
and locs[\"unknown-peer\"] == [(\"./a.conf\", 12)]
and locs[\"ipv6-leak\"] == [(\"./a.conf\", 14)]
and locs[\"relay-no-forwarding\"] == [(\"./a.conf\", 3)]
and locs[\"allowedips-overlap\"] == [(\"./a.conf\", 14), (\"./a.conf\", 11)]
and locs[\"one-sided-peer\"] == [(\"./e.conf\", 4), (\"./a.conf\", 1)]
and d[\"errors\"] == sum(f[\"severity\"] == \"error\" for f in d[\"findings\"]) == 2
and d[\"warnings\"] == len(d[\"findings\"]) - 2" &&
	! grep -qF "$(key b)" out.json && ! grep -qF "$(key a)" out.json
'
test_expect_success '--json: a clean fleet has no findings and exits 0; one file is no fleet' '
	fleet && "$WGCTL" check --json ./a.conf ./b.conf ./c.conf >out.json &&
	json_check out.json "d == {\"files\": [\"./a.conf\", \"./b.conf\", \"./c.conf\"], \"fleet\": True, \"findings\": [], \"errors\": 0, \"warnings\": 0}" &&
	"$WGCTL" check ./a.conf --json >out.json && json_check out.json "d[\"fleet\"] is False and d[\"findings\"] == []"
'
test_expect_success '--json: file names are escaped, bytes that are not UTF-8 included' '
	dir=$(printf "q\"b\\\\s\tt\377") && mkdir -p "$dir" && fleet && cp a.conf "$dir/wg0.conf" &&
	"$WGCTL" check --json "./$dir/wg0.conf" ./b.conf ./c.conf >out.json &&
	json_check out.json "d[\"files\"][0] == \"./q\\\"b\\\\s\\tt\\ufffd/wg0.conf\""
'
test_expect_success 'a file that does not parse: exit 1, the fleet not checked as a whole' '
	fleet && echo "Bogus = 1" >>c.conf &&
	! "$WGCTL" check ./a.conf ./b.conf ./c.conf >out 2>err &&
	grep -qF "./c.conf:9: Line unrecognized" err && grep -qF "not checked as a whole: 1 of 3 files did not load" err &&
	grep -qx "./a.conf: ok" out && grep -qx "fleet: 3 files, 1 error, 0 warnings" out &&
	! "$WGCTL" check --json ./a.conf ./b.conf ./c.conf >out.json 2>/dev/null &&
	json_check out.json "d[\"fleet\"] is False and locs == {\"parse\": [(\"./c.conf\", 0)]} and d[\"errors\"] == 1"
'
# One shared list for every host of a mesh (the guide's peers.conf): each file holds only
# [Interface]; a mesh of peers with Endpoints is not a relay.
shared() { # extra list text
	for h in a b c; do
		printf '[Interface]\nPrivateKey = %s\nAddress = 10.0.0.%s/24\nPeerList = peers.conf\n' "$(key $h)" \
			"$([ $h = a ] && echo 1 || { [ $h = b ] && echo 2 || echo 3; })" >$h.conf
	done
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.1/32\nEndpoint = 192.0.2.1:51820\n\n' "$(pub a)" >peers.conf
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.2/32\nEndpoint = 192.0.2.2:51820\n\n' "$(pub b)" >>peers.conf
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.3/32\nEndpoint = 192.0.2.3:51820\n%b' "$(pub c)" "${1-}" >>peers.conf
}
test_expect_success 'a fleet sharing one peers.conf: its peers count, each host skips its own' '
	shared && "$WGCTL" check ./a.conf ./b.conf ./c.conf >out 2>err &&
	tail -n1 out | grep -qx "fleet: 3 files, 0 errors, 0 warnings"
'
test_expect_success 'an unknown key in the shared list: one error, located in the list' '
	shared "\n[Peer]\nPublicKey = $(pub d)\nAllowedIPs = 10.0.0.9/32\n" &&
	! "$WGCTL" check --json ./a.conf ./b.conf ./c.conf >out.json 2>err &&
	json_check out.json "codes.count(\"unknown-peer\") == 1 and locs[\"unknown-peer\"] == [(\"peers.conf\", 16)]"
'
test_expect_success 'a lint warning about a list peer is located in the list' '
	shared && sed -i "s|^AllowedIPs = 10.0.0.3/32|AllowedIPs = 10.0.0.3/32, 0.0.0.0/0|" peers.conf &&
	sed -i "/^PeerList = /a PeerListAllowedIPs = 0.0.0.0/0" a.conf &&
	"$WGCTL" check --json ./a.conf >out.json 2>err &&
	json_check out.json "locs[\"ipv6-leak\"] == [(\"peers.conf\", 13)]"
'
test_expect_success 'a list peer taking a default route outside PeerListAllowedIPs is refused, and said so' '
	shared && sed -i "s|^AllowedIPs = 10.0.0.3/32|AllowedIPs = 10.0.0.3/32, 0.0.0.0/0|" peers.conf &&
	"$WGCTL" check ./a.conf >out 2>err &&
	grep -q "^peers.conf:13: Warning: peer $(pub c) claims 0.0.0.0/0, a default route" err
'
test_done
