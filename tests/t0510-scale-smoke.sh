#!/bin/bash
# SPDX-License-Identifier: MIT
# Smoke test of scale (docs/scale.md): 1,000 peers with 100,000 allowed IPs, set in one go through
# wgctl's own client and through the scale benchmark (tests/bench/scale), read back complete and
# in order. No timing is judged.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip python3
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

ns=wgctl-t510-$$
test_netns "$ns" || test_skip_all "cannot create a network namespace"
export WGCTL_RUN_DIR=$TMP/run
NS="ip netns exec $ns"
I=t510s$$ && I=${I:0:15}

# 1,000 peers, 100 prefixes each: /32s, /24s, /128s and /64s, no prefix twice.
python3 - "$TMP" <<'EOF'
import base64, ipaddress, random, sys
rng = random.Random(510)
seen = set()
def prefix(i):
    while True:
        k = i % 4
        v = rng.getrandbits(24)
        p = ["10.%d.%d.%d/32" % (v >> 16, v >> 8 & 255, v & 255),
             "%d.%d.%d.0/24" % (100 + (v >> 16) % 64, v >> 8 & 255, v & 255),
             "fd00::%x:%x/128" % (v >> 12, v & 4095),
             "2001:db8:%x:%x::/64" % (v >> 12, v & 4095)][k]
        p = str(ipaddress.ip_network(p))
        if p not in seen:
            seen.add(p)
            return p
with open(sys.argv[1] + "/big.conf", "w") as f, open(sys.argv[1] + "/want", "w") as w:
    f.write("[Interface]\nPrivateKey = %s\nListenPort = 0\n" % "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=")
    for n in range(1000):
        key = base64.b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode()
        aips = [prefix(n * 100 + j) for j in range(100)]
        f.write("[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (key, ", ".join(aips)))
        w.write("%s\t%s\n" % (key, ",".join(aips)))
EOF

test_expect_success 'scale: daemon up, setconf of 1,000 peers / 100,000 allowed IPs' '
	$NS "$WGCTL" daemon "$I" &&
	"$WGCTL" setconf "$I" "$TMP/big.conf"
'

test_expect_success 'scale: show dump has every peer and every prefix, in insertion order' '
	"$WGCTL" show "$I" dump | tail -n +2 | cut -f1,4 >got &&
	[ "$(wc -l <got)" = 1000 ] &&
	sort "$TMP/want" >want.sorted && sort got >got.sorted &&
	cmp want.sorted got.sorted
'

test_expect_success 'scale: syncconf of the same file changes nothing, removing half the peers works' '
	"$WGCTL" syncconf "$I" "$TMP/big.conf" &&
	"$WGCTL" show "$I" dump | tail -n +2 | cut -f1,4 | sort >again &&
	cmp got.sorted again &&
	python3 -c "
import sys
lines = open(sys.argv[1]).read().split(\"[Peer]\")
open(sys.argv[2], \"w\").write(\"[Peer]\".join(lines[:501]))
" "$TMP/big.conf" half.conf &&
	"$WGCTL" syncconf "$I" half.conf &&
	[ "$("$WGCTL" show "$I" dump | tail -n +2 | wc -l)" = 500 ] &&
	"$WGCTL" show "$I" allowed-ips | tr "\t " "\n\n" | grep -cE "/[0-9]+$" >n &&
	[ "$(cat n)" = 50000 ]
'

test_expect_success 'scale: tests/bench/scale --peers 1000 --prefixes 100000 reports every figure' '
	"$TOP/tests/bench/scale" --peers 1000 --prefixes 100000 --json s.json >s.out 2>s.err ||
		{ cat s.out s.err; false; }
	python3 - s.json <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))["results"]["wgctl"]
	keys = ["set_s", "reset_s", "get_s", "peers_only_set_s", "rss_before_mib", "rss_after_mib",
	        "hwm_after_mib", "bytes_per_peer"]
	bad = [k for k in keys if not isinstance(d.get(k), (int, float)) or d[k] < 0]
	assert not bad, bad
	EOF
'

test_done
