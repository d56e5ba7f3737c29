#!/bin/bash
# SPDX-License-Identifier: MIT
# The multiplexed binary: subcommand table, help, version, personalities by link name.
. "$(dirname "$0")/lib.sh"
make_links
L=$TMP/bin

test_expect_success 'help lists every subcommand and exits 0' '
	"$WGCTL" help >out && grep -q "^  up: " out && grep -q "^  genkey: " out && grep -q "^  check: " out
'
test_expect_success '--version and version' '
	"$WGCTL" --version | grep -q "^wgctl " && "$WGCTL" version | grep -q "^wgctl "
'
test_expect_success 'unknown subcommand: message, usage on stderr, exit 1' '
	! "$WGCTL" frobnicate >out 2>err && grep -q "^Invalid subcommand: \`frobnicate'"'"'$" err &&
	grep -q "^Usage: wgctl <cmd>" err && ! test -s out
'
test_expect_success 'matching is exact: no prefixes' '
	! "$WGCTL" gen 2>/dev/null && ! "$WGCTL" GENKEY 2>/dev/null
'
test_expect_success '--help works on every subcommand' '
	for c in show showconf set setconf addconf syncconf genkey genpsk pubkey up down save strip reload sync sign verify check reresolve daemon; do
		"$WGCTL" $c --help >out || exit 1
		grep -q "^Usage: wgctl $c" out || exit 1
	done
'
test_expect_success 'sync of a config that does not exist: wg-quick'"'"'s message, exit 1' '
	! WGCTL_CONFIG_DIR=$TMP "$WGCTL" sync wgnone 2>err && grep -q "does not exist" err
'
test_expect_success 'as wg: only wg(8) subcommands' '
	"$L/wg" help >out && grep -q "^Usage: wg <cmd>" out && grep -q "^  syncconf: " out &&
	! grep -q "^  up: " out && ! "$L/wg" up wg0 2>err && grep -q "Invalid subcommand: \`up'"'"'" err
'
test_expect_success 'as wg: usage text matches Debian wg for key tools' '
	if command -v wg >/dev/null && ! [ "$(readlink -f "$(command -v wg)")" = "$(readlink -f "$WGCTL")" ]; then
		"$L/wg" genkey extra 2>mine; wg genkey extra 2>theirs; cmp mine theirs
	fi
'
test_expect_success 'as wg-quick: usage and argument rules' '
	"$L/wg-quick" --help >out && grep -q "^Usage: wg-quick \[ up | down | save | strip \]" out &&
	! "$L/wg-quick" up 2>err && grep -q "^Usage: wg-quick" err &&
	! "$L/wg-quick" show wg0 2>/dev/null
'
test_expect_success 'as wg-quick: strip of a missing interface names the file' '
	! WGCTL_CONFIG_DIR=$TMP "$L/wg-quick" strip nosuch 2>err &&
	grep -q "^wg-quick: \`$TMP/nosuch.conf'"'"' does not exist$" err
'
test_expect_success 'as wgctl-daemon: it is `wgctl daemon`' '
	"$L/wgctl-daemon" --help | grep -q "^Usage: wgctl-daemon daemon"
'
test_expect_success 'a write error on stdout is not success' '
	! "$WGCTL" help >/dev/full 2>err && grep -q "write failure on standard output" err
'
test_done
