#!/bin/bash
# SPDX-License-Identifier: MIT
# Secret hygiene (issue 9): the daemon is not dumpable and keeps its keys in locked memory; its
# UAPI socket is 0600 in a 0755 directory; `up` warns about a world-accessible config as
# wg-quick does; no log line or error message ever shows a configured secret key; and a
# `save` killed with SIGKILL at any moment leaves the old or the new file, complete and 0600.
#
# How "not dumpable" is observed: for a process of the same uid, the kernel allows
# /proc/PID/exe (ptrace_may_access, PTRACE_MODE_READ) without CAP_SYS_PTRACE only if the target
# is dumpable and its capabilities are a subset of the caller's. So daemon A runs without
# CAP_SYS_PTRACE in its bounding set (it never needs it), a control process (`sleep`) likewise,
# and root reading both links through `setpriv --bounding-set=-sys_ptrace` must be allowed for
# the control and refused for the daemon: PR_SET_DUMPABLE 0 is the only difference. (Reading
# /proc/PID/environ does not tell them apart on current kernels.) No core dump is needed, so
# core_pattern and the like are left alone; RLIMIT_CORE 0 is read from /proc/PID/limits.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping setpriv
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

na=wgctl-t600a-$$
nb=wgctl-t600b-$$
test_netns "$na" || test_skip_all "cannot create a network namespace"
test_netns "$nb" || test_skip_all "cannot create a network namespace"
ip link add t600a$$ netns "$na" type veth peer name t600b$$ netns "$nb" ||
	test_skip_all "cannot create a veth pair"
A() { ip netns exec "$na" "$@"; }
B() { ip netns exec "$nb" "$@"; }
A ip link set lo up && B ip link set lo up
A ip addr add 192.168.60.1/24 dev t600a$$ && A ip link set t600a$$ up
B ip addr add 192.168.60.2/24 dev t600b$$ && B ip link set t600b$$ up

export WGCTL_RUN_DIR=$TMP/run
export WGCTL_STATE_DIR=$TMP/state
IA=t600a && IB=t600b

KA=$("$WGCTL" genkey) && KB=$("$WGCTL" genkey) && PSK=$("$WGCTL" genpsk)
PA=$(echo "$KA" | "$WGCTL" pubkey) && PB=$(echo "$KB" | "$WGCTL" pubkey)
b64hex() { echo "$1" | base64 -d | od -An -tx1 | tr -d ' \n'; }
# Every secret in every spelling a leak could take: base64, hex, and the first 10 characters.
secrets=()
for k in "$KA" "$KB" "$PSK"; do
	h=$(b64hex "$k")
	secrets+=("$k" "${k:0:10}" "$h" "${h:0:10}")
done
# no_secrets FILE...: none of the secrets appears in any of them.
no_secrets() {
	local s f bad=0
	for f in "$@"; do
		for s in "${secrets[@]}"; do
			if grep -qiF -- "$s" "$f"; then
				echo "secret \`${s:0:4}...' found in $f:" && grep -niF -- "$s" "$f" | head -n 3
				bad=1
			fi
		done
	done
	return $bad
}

(umask 077 && printf '%s\n' "$KA" >"$TMP/ka" && printf '%s\n' "$KB" >"$TMP/kb" &&
	printf '%s\n' "$PSK" >"$TMP/psk")

# The usual umask while the daemons start: the socket's 0600 and its directory's 0755 must
# come from the daemon, not from a umask that happens to be strict.
umask 022
# `ip netns exec` execs, so $! is the daemon itself.
{ ip netns exec "$na" setpriv --bounding-set=-sys_ptrace env LOG_LEVEL=verbose \
	"$WGCTL" daemon -f "$IA" 2>"$TMP/log-a" & } && pida=$!
{ ip netns exec "$nb" env LOG_LEVEL=verbose "$WGCTL" daemon -f "$IB" 2>"$TMP/log-b" & } && pidb=$!
wait_for "[ -S $WGCTL_RUN_DIR/$IA.sock ] && [ -S $WGCTL_RUN_DIR/$IB.sock ]" ||
	test_skip_all "the daemons did not start"
A "$WGCTL" set "$IA" private-key "$TMP/ka" listen-port 51820 peer "$PB" preshared-key "$TMP/psk" \
	endpoint 192.168.60.2:51820 allowed-ips 10.60.0.2/32
B "$WGCTL" set "$IB" private-key "$TMP/kb" listen-port 51820 peer "$PA" preshared-key "$TMP/psk" \
	endpoint 192.168.60.1:51820 allowed-ips 10.60.0.1/32
A ip addr add 10.60.0.1/24 dev "$IA" && A ip link set "$IA" up
B ip addr add 10.60.0.2/24 dev "$IB" && B ip link set "$IB" up

test_expect_success 'the tunnel works (so the logs below cover a handshake and data)' '
	A ping -c 2 -i 0.2 -W 3 10.60.0.2 >/dev/null
'

# The control: same uid, same capabilities as daemon A, dumpable.
{ setpriv --bounding-set=-sys_ptrace sleep 60 & } && ctl=$!
test_on_exit "kill $ctl"
test_expect_success 'the daemon is not dumpable: /proc/PID/exe refused without CAP_SYS_PTRACE' '
	wait_for "[ \"\$(readlink /proc/$ctl/exe)\" = \"\$(command -v sleep)\" ]" &&
	setpriv --bounding-set=-sys_ptrace readlink /proc/$ctl/exe &&
	echo "daemon $pida: $(readlink /proc/$pida/exe)" &&
	[ "$(readlink /proc/$pida/exe)" = "$(readlink -f "$WGCTL")" ] &&
	! setpriv --bounding-set=-sys_ptrace readlink -v /proc/$pida/exe 2>err &&
	grep -q "Permission denied" err
'

test_expect_success 'the daemon has no core file limit left (RLIMIT_CORE 0)' '
	grep -q "^Max core file size *0 *0 " /proc/$pida/limits
'

# Passes once the datapath allocates devices and peers with secmem_alloc (lib/util/secmem.h).
# Under ASan there is nothing to see: its runtime replaces mlock with a no-op that returns 0
# (MlockIsUnsupported, sanitizer_common_interceptors.inc; "ignores mlock" at verbosity=1).
if asan_binary "$WGCTL"; then
	test_skip 'the daemon holds locked memory for its keys: ASan makes mlock a no-op (the release build is checked)'
else
	test_expect_success 'the daemon holds locked memory for its keys (VmLck > 0)' '
		kb=$(sed -n "s/^VmLck:[[:space:]]*\([0-9]*\) kB/\1/p" /proc/$pida/status) &&
		echo "VmLck: $kb kB" && [ "$kb" -gt 0 ]
	'
fi

test_expect_success 'the UAPI socket is 0600 in a 0755 directory' '
	[ "$(stat -c %a "$WGCTL_RUN_DIR")" = 755 ] &&
	[ "$(stat -c %a "$WGCTL_RUN_DIR/$IA.sock")" = 600 ]
'

# Secrets go where secrets belong (key files of `set` and of the config's PrivateKeyFile and
# PresharedKeyFile, PrivateKey, PresharedKey, pubkey's stdin). A secret typed where a public
# key, endpoint or address belongs is quoted back as wg quotes it.
test_expect_success 'a battery of bad inputs: no error message shows a secret' '
	: >all-errors &&
	{
		A "$WGCTL" set "$IA" private-key /nonexistent
		A "$WGCTL" set "$IA" peer "$PB" preshared-key "$TMP/nonexistent"
		printf "%s  x\n" "$KA" >badkey && A "$WGCTL" set "$IA" private-key badkey
		printf "%s\n" "${KA%?}" >shortkey && A "$WGCTL" set "$IA" private-key shortkey
		printf "%s\n" "$(b64hex "$KA")" >hexkey && A "$WGCTL" set "$IA" private-key hexkey
		printf "%s\n" "${PSK}x" >badpsk && A "$WGCTL" set "$IA" peer "$PB" preshared-key badpsk
		A "$WGCTL" set "$IA" peer "${PB}x" preshared-key "$TMP/psk"
		echo "${KA}x" | "$WGCTL" pubkey
		echo "${KA%?}" | "$WGCTL" pubkey
		b64hex "$KA" | "$WGCTL" pubkey
		printf "%s" "${KA:0:20}" | "$WGCTL" pubkey
		for bad in "PrivateKey = ${KA}x" "PrivateKey = ${KA%?}" "PrivateKey = $KA $KA" \
			"PrivateKey = $(b64hex "$KA")" "PrivateKey=$KA\nListenPort = 70000" \
			"PrivateKey = $KA\nBogus = 1" "PrivateKey = $KA\n[Peer]\nPresharedKey = ${PSK}x" \
			"PrivateKey = $KA\n[Peer]\nPublicKey = $PB\nPresharedKey = $PSK\nAllowedIPs = bad" \
			"PrivateKey = $KA\n[Peer]\nPublicKey = $KA\nPresharedKey = $PSK\nEndpoint = x" \
			"$KA"; do
			printf "[Interface]\n%b\n" "$bad" >bad0.conf
			A "$WGCTL" setconf "$IA" bad0.conf
			A "$WGCTL" check bad0.conf
			A "$WGCTL" strip bad0.conf
			A "$WGCTL" up --dry-run "$PWD/bad0.conf"
		done
		# Key files (PrivateKeyFile, PresharedKeyFile) holding something close to a key.
		for kf in badkey shortkey hexkey /nonexistent; do
			printf "[Interface]\nPrivateKeyFile = %s\n[Peer]\nPublicKey = %s\nPresharedKeyFile = badpsk\n" \
				"$kf" "$PB" >bad1.conf
			A "$WGCTL" check bad1.conf
			A "$WGCTL" strip bad1.conf
			A "$WGCTL" up --dry-run "$PWD/bad1.conf"
		done
	} >>all-errors 2>&1
	[ -s all-errors ] && no_secrets all-errors
'

test_expect_success 'verbose daemon logs never show a secret' '
	A "$WGCTL" set "$IA" peer "$PB" remove && A "$WGCTL" set "$IA" private-key "$TMP/kb" &&
	A "$WGCTL" set "$IA" private-key "$TMP/ka" peer "$PB" preshared-key "$TMP/psk" \
		endpoint 192.168.60.2:51820 allowed-ips 10.60.0.2/32 &&
	A ping -c 1 -W 3 10.60.0.2 >/dev/null &&
	[ -s "$TMP/log-a" ] && no_secrets "$TMP/log-a" "$TMP/log-b"
'

Q=t600q
qconf() { # listen port
	printf "[Interface]\nPrivateKey = %s\nListenPort = %s\nAddress = 10.61.0.1/24\nSaveConfig = true\n\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.61.0.2/32\n" \
		"$KA" "$1" "$PB" "$PSK"
}

# A TUN device gets an IPv6 link-local address some time after it comes up, and `save` records
# it: no IPv6 in this namespace, so that the saved file depends only on what the test sets.
A sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
test_expect_success 'up on a world-accessible config prints wg-quick'"'"'s warning' '
	mkdir -p q && qconf 51900 >q/$Q.conf && chmod 644 q/$Q.conf &&
	{ A "$WGCTL" up "$PWD/q/$Q.conf" 2>up.log || { cat up.log; false; }; } &&
	grep -qxF "Warning: \`$PWD/q/$Q.conf'"'"' is world accessible" up.log &&
	no_secrets up.log
'

# Two states of the live interface (listen port 51901 / 51902) and the complete file `save`
# writes for each, made by full runs into another directory (the file name gives the
# interface). Each round switches the state and kills a `save` at a random moment.
test_expect_success 'save killed by SIGKILL at random moments: always the old or new file, 0600' '
	mkdir -p ref1 ref2 && cp -p q/$Q.conf ref1/ && cp -p q/$Q.conf ref2/ &&
	A "$WGCTL" set $Q listen-port 51901 && A "$WGCTL" save "$PWD/ref1/$Q.conf" &&
	A "$WGCTL" set $Q listen-port 51902 && A "$WGCTL" save "$PWD/ref2/$Q.conf" &&
	! cmp -s ref1/$Q.conf ref2/$Q.conf &&
	grep -q "^ListenPort = 51901" ref1/$Q.conf &&
	chmod 600 q/$Q.conf && cp -p ref2/$Q.conf q/$Q.conf &&
	echo "an administrator'"'"'s backup" >q/$Q.conf.20241207.1 && echo another >q/$Q.conf.999999999.0 &&
	start=$(date +%s%N) && A "$WGCTL" save "$PWD/q/$Q.conf" && end=$(date +%s%N) &&
	span=$(((end - start) / 1000)) && echo "one save: $span us" &&
	bad=0 && killed=0 &&
	for i in $(seq 1 200); do
		A "$WGCTL" set $Q listen-port $((51901 + i % 2)) || { bad=1; break; }
		# Not through A(): $! must be wgctl itself (ip netns exec execs), not a subshell.
		{ ip netns exec "$na" "$WGCTL" save "$PWD/q/$Q.conf" 2>/dev/null & } && p=$!
		us=$((RANDOM * 32768 + RANDOM)) && us=$((us % (span + span / 4 + 1)))
		sleep "$(printf "0.%06d" $us)"
		kill -9 $p 2>/dev/null && killed=$((killed + 1))
		wait $p 2>/dev/null
		if ! cmp -s q/$Q.conf ref1/$Q.conf && ! cmp -s q/$Q.conf ref2/$Q.conf; then
			echo "round $i: neither file" && diff ref1/$Q.conf q/$Q.conf; diff ref2/$Q.conf q/$Q.conf
			bad=1 && break
		fi
		[ "$(stat -c %a q/$Q.conf)" = 600 ] || { echo "round $i: mode $(stat -c %a q/$Q.conf)"; bad=1; break; }
	done &&
	echo "killed before the end: $killed of 200" &&
	stray=$(find q -name "$Q.conf.wgctl-tmp.*" | wc -l) && echo "stray temporary files: $stray" &&
	for f in $(find q -name "$Q.conf.wgctl-tmp.*"); do
		[ "$(stat -c %a "$f")" = 600 ] || { echo "$f: mode $(stat -c %a "$f")"; bad=1; }
	done &&
	[ $bad = 0 ] && [ $killed -gt 20 ] && [ -z "${T600_SHOW:-}" ]
'

# A kill can land between the link of the finished file and its rename (microseconds): the
# next save removes what a dead writer left.
test_expect_success 'after the kills, one more save leaves no temporary file behind' '
	A "$WGCTL" save "$PWD/q/$Q.conf" && [ -z "$(find q -name "$Q.conf.wgctl-tmp.*")" ]
'
# Only files with wgctl's marker are its temporary files: a backup whose name looks like
# `FILE.NUMBER.NUMBER` (a dead PID to the old rule) is somebody else's and stays as it was.
test_expect_success 'save leaves files named like wg0.conf.20241207.1 alone' '
	[ "$(cat q/$Q.conf.20241207.1)" = "an administrator'"'"'s backup" ] &&
	[ "$(cat q/$Q.conf.999999999.0)" = another ] &&
	[ "$(find q -name "$Q.conf?*" | sort)" = "$(printf "q/%s\n" $Q.conf.20241207.1 $Q.conf.999999999.0 | sort)" ]
'

test_expect_success 'down (SaveConfig) removes the interface; its messages show no secret' '
	find q -name "$Q.conf.wgctl-tmp.*" -delete && A "$WGCTL" down "$PWD/q/$Q.conf" 2>down.log &&
	! A ip link show $Q 2>/dev/null && no_secrets down.log
'

kill $pida $pidb 2>/dev/null
wait $pida $pidb 2>/dev/null
test_done
