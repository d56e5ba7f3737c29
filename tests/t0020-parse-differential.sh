#!/bin/bash
# SPDX-License-Identifier: MIT
# The parser against the real tools, over tests/corpus/: `wgctl strip` must equal Debian's
# `wg-quick strip` byte for byte, and what wgctl parses must equal what `wg showconf` reports
# after `wg setconf` of the stripped file on a live wireguard-go interface.
#
# Debian 12 ships wireguard-tools v1.0.20210914; wgctl follows current upstream where they differ.
# None of the differences below is visible through strip/setconf/showconf, so the corpus checks
# all of them against Debian without exceptions; the unit table (t_model_parse) covers them:
#  - hooks keep text after '#' (upstream 2025-01; Debian cuts it) - both consume the hook line;
#  - AllowedIPs with +/- prefixes (upstream 2025-05) - not in the corpus, Debian rejects them;
#  - ListenPort outside 0-65535 is an error in wgctl (wg silently truncates it).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd wg wg-quick wireguard-go ip python3
CONFDUMP=$TOP/$B/tests/tools/confdump
[ -x "$CONFDUMP" ] || test_skip_all "build $CONFDUMP first (make units)"

ns=wgctl-t20-$$
IF=wgt20p$$
IF=${IF:0:15}
ip netns add "$ns" || test_skip_all "cannot create a network namespace"
test_on_exit "ip netns del $ns"
ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go -f "$IF" >/dev/null 2>&1 &
wgpid=$!
test_on_exit "kill $wgpid"
for i in $(seq 1 50); do [ -S "/var/run/wireguard/$IF.sock" ] && break; sleep 0.1; done

test_expect_success 'wireguard-go interface is up' '[ -S "/var/run/wireguard/$IF.sock" ] && wg show "$IF" >/dev/null'

for src in "$TOP"/tests/corpus/*.conf; do
	name=$(basename "$src")
	cp "$src" "$TMP/$name" && chmod 600 "$TMP/$name"
	f=$TMP/$name
	test_expect_success "strip equals wg-quick strip: $name" '
		wg-quick strip "$f" >theirs.strip 2>theirs.err; r1=$?
		"$WGCTL" strip "$f" >ours.strip 2>ours.err; r2=$?
		[ $r1 = 0 ] && [ $r2 = 0 ] && cmp theirs.strip ours.strip
	'
	test_expect_success "parse equals wg setconf+showconf on wireguard-go: $name" '
		wg-quick strip "$f" >s.conf && wg setconf "$IF" s.conf && wg showconf "$IF" >theirs.show &&
		"$CONFDUMP" "$f" >ours.show &&
		python3 "$TOP/tests/normconf.py" theirs.show >theirs.json &&
		python3 "$TOP/tests/normconf.py" ours.show >ours.json &&
		diff -u theirs.json ours.json
	'
done

test_expect_success 'file names that are not "<interface name>.conf": same refusal as wg-quick' '
	for n in a-name-longer-than-15.conf "sp ace.conf" wg0.cfg; do
		cp "$TMP/site-to-site.conf" "$TMP/$n" &&
		! wg-quick strip "$TMP/$n" >/dev/null 2>e1 && ! "$WGCTL" strip "$TMP/$n" >/dev/null 2>e2 &&
		sed "s/^wgctl:/wg-quick:/" e2 | cmp - e1 || exit 1
	done
'
test_expect_success 'a config wg rejects is rejected by wgctl too, with file and line' '
	printf "[Interface]\nPrivateKey = abc\n" >bad.conf && chmod 600 bad.conf &&
	wg-quick strip "$TMP/bad.conf" >s.conf && ! wg setconf "$IF" s.conf 2>/dev/null &&
	! "$WGCTL" strip "$TMP/bad.conf" >/dev/null 2>err &&
	grep -q "^$TMP/bad.conf:2: Key is not the correct length or format: \`abc'"'"'$" err
'
test_done
