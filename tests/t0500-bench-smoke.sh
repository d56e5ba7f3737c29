#!/bin/bash
# SPDX-License-Identifier: MIT
# Smoke test of the datapath benchmark (tests/bench/run, `make bench`): one short round of
# wgctl ⇄ wgctl and wireguard-go ⇄ wireguard-go in namespaces; the JSON must carry every figure
# for both implementations as a non-negative number. No figure is judged: timings are not tested.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd iperf3 wireguard-go wg ip ping ss python3

test_expect_success 'bench: --rounds 1 --seconds 1 runs and exits 0' '
	"$TOP/tests/bench/run" --rounds 1 --seconds 1 --json "$TMP/b.json" >bench.out 2>bench.err ||
		{ cat bench.out bench.err; false; }
'

test_expect_success 'bench: prints the table with wgctl, go and the ratio' '
	grep -q "wgctl/go" bench.out && grep -q "TCP 1 stream" bench.out &&
	grep -q "plain veth" bench.out
'

test_expect_success 'bench: JSON has every figure, numeric and non-negative, for wgctl and go' '
	python3 - "$TMP/b.json" <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	figs = ["tcp1_fwd_mbps", "tcp1_rev_mbps", "tcp4_mbps", "udp_max_mbps", "udp_max_loss_pct",
	        "udp_fixed_mbps", "udp_fixed_loss_pct", "udp_fixed_jitter_ms",
	        "ping_idle_p50_ms", "ping_idle_p99_ms", "ping_load_p50_ms", "ping_load_p99_ms",
	        "cpu_s_per_gb", "cpu_s_per_gb_sender", "cpu_s_per_gb_receiver",
	        "rss_peak_a_mib", "rss_peak_b_mib", "bringup_ms", "hs_per_cpu_s", "hs_per_s"]
	def num(v):
	    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
	bad = []
	assert len(d["rounds"]) == 1, "expected 1 round, got %d" % len(d["rounds"])
	for impl in ("wgctl", "go"):
	    for f in figs:
	        if not num(d["medians"][impl].get(f)):
	            bad.append("medians.%s.%s = %r" % (impl, f, d["medians"][impl].get(f)))
	        if not num(d["rounds"][0]["impls"][impl]["figures"].get(f)):
	            bad.append("rounds[0].%s.%s missing" % (impl, f))
	    if not num(d["ratios"]["wgctl/go"].get("tcp1_fwd_mbps")):
	        bad.append("ratios.wgctl/go.tcp1_fwd_mbps")
	if not num(d["medians"]["baseline"].get("veth_tcp1_mbps")):
	    bad.append("medians.baseline.veth_tcp1_mbps")
	for f in ("tcp1_fwd_mbps", "tcp4_mbps", "rss_peak_a_mib", "cpu_s_per_gb"):
	    for impl in ("wgctl", "go"):
	        if not d["medians"][impl][f] > 0:
	            bad.append("%s.%s is zero" % (impl, f))
	if bad:
	    print("\n".join(bad))
	    sys.exit(1)
	EOF
'

test_expect_success 'bench: nothing left behind (its namespaces, sockets, processes)' '
	pid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"meta\"][\"pid\"])" \
		"$TMP/b.json") && echo "bench pid $pid" &&
	! ip netns list | grep -q "^wgctl-bench-[ab]-$pid\b" &&
	! ls /var/run/wireguard/ 2>/dev/null | grep -q "^wb[AB]$pid\.sock$" &&
	! kill -0 "$pid" 2>/dev/null && ! ls -d /tmp/wgctl-bench.$pid.* 2>/dev/null
'

test_done
