#!/bin/bash
# SPDX-License-Identifier: MIT
# genkey/genpsk/pubkey against Debian's wg(8): same public keys, same messages, same warnings.
. "$(dirname "$0")/lib.sh"
require_cmd wg python3
make_links
L=$TMP/bin

test_expect_success 'RFC 7748 §6.1: public keys of Alice and Bob' '
	echo dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= | "$WGCTL" pubkey >a &&
	echo hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo= >want && cmp a want &&
	echo XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os= | "$WGCTL" pubkey >b &&
	echo 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08= >want && cmp b want
'
test_expect_success '1000 random keys: wgctl and Debian wg agree both ways' '
	for i in $(seq 1 500); do
		k=$("$WGCTL" genkey) && [ "$(echo "$k" | "$WGCTL" pubkey)" = "$(echo "$k" | wg pubkey)" ] || exit 1
		k=$(wg genkey) && [ "$(echo "$k" | "$WGCTL" pubkey)" = "$(echo "$k" | wg pubkey)" ] || exit 1
	done
'
test_expect_success 'genkey is clamped and 44 base64 characters; genpsk is not clamped' '
	for i in $(seq 1 64); do "$WGCTL" genkey; done >keys && for i in $(seq 1 64); do "$WGCTL" genpsk; done >psks &&
	python3 -c "
import base64, sys
keys = [base64.b64decode(l) for l in open(\"keys\").read().split()]
psks = [base64.b64decode(l) for l in open(\"psks\").read().split()]
assert all(len(k) == 32 and k[0] & 7 == 0 and k[31] & 128 == 0 and k[31] & 64 for k in keys)
assert any(p[0] & 7 or p[31] & 128 or not p[31] & 64 for p in psks)
assert len(set(keys)) == 64 and len(set(psks)) == 64
" && ! grep -qv "^[A-Za-z0-9+/]\{43\}=$" keys psks
'
test_expect_success 'world-accessible output file: the same warning as wg' '
	(umask 022; "$L/wg" genkey >k1 2>e1; wg genkey >k2 2>e2) && test -s e1 && cmp e1 e2 &&
	(umask 077; "$L/wg" genpsk >k3 2>e3) && ! test -s e3
'
test_expect_success 'pubkey input errors: same text and status as wg' '
	k=$(wg genkey) &&
	for input in "$k zz" "x$k" "abc" "" "${k%=}A" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; do
		printf "%s\n" "$input" | "$L/wg" pubkey >o1 2>e1; r1=$?
		printf "%s\n" "$input" | wg pubkey >o2 2>e2; r2=$?
		[ $r1 = $r2 ] && cmp e1 e2 && cmp o1 o2 || { echo "differs for input: $input"; cat e1 e2; exit 1; }
	done
'
test_expect_success 'pubkey accepts trailing whitespace and NUL like wg' '
	k=$(wg genkey) && printf "%s\0\n \t\n" "$k" | "$WGCTL" pubkey >a && printf "%s\n" "$k" | wg pubkey >b && cmp a b
'
test_done
