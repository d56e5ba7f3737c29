#!/bin/bash
# SPDX-License-Identifier: MIT
# The main job until the bundled datapath lands: make keys for two hosts, write their configs,
# and let wgctl check and strip them. Touches nothing outside a temporary directory.
set -euo pipefail
WGCTL=${WGCTL:-$(dirname "$0")/../wgctl}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
umask 077
a_priv=$("$WGCTL" genkey); a_pub=$(echo "$a_priv" | "$WGCTL" pubkey)
b_priv=$("$WGCTL" genkey); b_pub=$(echo "$b_priv" | "$WGCTL" pubkey)
psk=$("$WGCTL" genpsk)
echo "host A public key: $a_pub"
echo "host B public key: $b_pub"
cat >"$dir/wga.conf" <<CONF
[Interface]
PrivateKey = $a_priv
Address = 10.99.0.1/24, fd99::1/64
ListenPort = 51820

[Peer]
# Name = host B
PublicKey = $b_pub
PresharedKey = $psk
AllowedIPs = 10.99.0.2/32, fd99::2/128
CONF
cat >"$dir/wgb.conf" <<CONF
[Interface]
PrivateKey = $b_priv
Address = 10.99.0.2/24, fd99::2/64
DNS = 10.99.0.1

[Peer]
PublicKey = $a_pub
PresharedKey = $psk
AllowedIPs = 10.99.0.0/24, fd99::/64
Endpoint = 127.0.0.1:51820
PersistentKeepalive = 25
CONF
echo "--- wgctl check"
"$WGCTL" check "$dir/wga.conf" "$dir/wgb.conf"
echo "--- wgctl strip wgb (what wg(8) is given)"
"$WGCTL" strip "$dir/wgb.conf" | sed 's/^\(PrivateKey\|PresharedKey\) = .*/\1 = (hidden)/'
