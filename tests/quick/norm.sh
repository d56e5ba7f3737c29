#!/bin/bash
# SPDX-License-Identifier: MIT
# Normalisers for tests/t0300-quick-differential.sh (sourced).
#   qk_norm IF DIR            stdin→stdout: IF→%i (whole names only), DIR→@DIR@, fe80::…→fe80::LL,
#                             /dev/fd/N→/dev/fd/N (bash's process substitution numbering), and
#                             wgctl's /dev/stdin→/dev/fd/N (the same script, piped to the tool's
#                             standard input instead of a process substitution)
#   qk_err IF DIR <FILE       the `[#]`/`[!]` lines of a tool's stderr, normalised as above and
#                             with the userspace implementation's own line as `[#] <userspace> %i`
#   qk_deb2up_err SEDS...     stdin→stdout: Debian 2021 wg-quick's `[#]` lines rewritten into
#                             upstream's (the list and reasons are in t0300's header):
#                             U1 `ip link add IF` → `ip link add dev IF`; U2 PreUp lines after the
#                             link creation; U3 `wg setconf` → `wg addconf`; U4 the /0 route in
#                             table T after its two rules; then the config's own sed expressions.

qk_norm() {
	local ifn=$1 dir=$2
	sed -E -e "s|$dir|@DIR@|g" \
		-e "s/wg-quick-$ifn([^A-Za-z0-9_=+.-]|$)/wg-quick-%i\1/g" \
		-e "s/(^|[^A-Za-z0-9_=+.-])$ifn($|[^A-Za-z0-9_=+.-])/\1%i\2/g" \
		-e "s/(^|[^A-Za-z0-9_=+.-])$ifn($|[^A-Za-z0-9_=+.-])/\1%i\2/g" \
		-e 's/fe80::[0-9a-f:]*[0-9a-f]/fe80::LL/g' -e 's|/dev/fd/[0-9]+|/dev/fd/N|g' \
		-e 's|^(\[#\] nft -f )/dev/stdin$|\1/dev/fd/N|'
}

qk_err() {
	grep -E '^\[[#!]\] ' | qk_norm "$1" "$2" |
		sed -E 's/^\[#\] (wireguard-go|wgctl daemon|[^ ]*wgctl-daemon) %i$/[#] <userspace> %i/'
}

qk_deb2up_err() {
	local e args=()
	for e in "$@"; do args+=(-e "$e"); done
	sed -E -e 's/^\[#\] ip link add %i type wireguard$/[#] ip link add dev %i type wireguard/' \
		-e 's/^\[#\] wg setconf %i /[#] wg addconf %i /' |
	awk '
	# U2: the PreUp hooks are printed before `ip link add` by Debian; move them after the link
	# lines ([!] fallback notice and the userspace implementation).
	st == 0 && /^\[#\] ip link add / { print; st = 1; next }
	st == 0 { pre[np++] = $0; next }
	st == 1 && (/^\[!\] / || /^\[#\] <userspace> /) { print; next }
	st == 1 { for (i = 0; i < np; i++) print pre[i]; np = 0; st = 2 }
	# U4: Debian adds the default route in table T before the two rules; upstream after them.
	held != "" && /^\[#\] ip -[46] rule add / { print; next }
	held != "" { print held; held = "" }
	/^\[#\] ip -[46] route add (0\.0\.0\.0|::)\/0 dev %i table [0-9]+$/ { held = $0; next }
	{ print }
	END { for (i = 0; i < np; i++) print pre[i]; if (held != "") print held }
	' | if [ ${#args[@]} -gt 0 ]; then sed -E "${args[@]}"; else cat; fi
}
