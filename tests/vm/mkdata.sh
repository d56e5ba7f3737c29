#!/bin/bash
# SPDX-License-Identifier: MIT
# Writes the guest's configuration files into DIR. Each *.conf that a test compares against is
# already in the exact form `wg showconf` prints, so "expected" is the file itself.
#   mkdata.sh DIR KEYTOOL       (KEYTOOL: a wg-compatible genkey/pubkey/genpsk)
set -euo pipefail
dir=$1 wg=$2
mkdir -p "$dir"
cd "$dir"

# Peer public keys and PSKs need not be points anyone holds: 32 random bytes in base64.
# Device private keys must be real (the kernel clamps what it is given).
randkeys() { # count seed
	awk -v n="$1" -v seed="$2" 'BEGIN {
		a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		srand(seed)
		for (k = 0; k < n; k++) {
			s = ""
			for (i = 0; i < 42; i++) s = s substr(a, int(rand() * 64) + 1, 1)
			print s substr(a, int(rand() * 16) * 4 + 1, 1) "="
		}
	}'
}

k_basic=$("$wg" genkey) k_big=$("$wg" genkey) k_many=$("$wg" genkey) k_sync=$("$wg" genkey)
k_kern=$("$wg" genkey) k_user=$("$wg" genkey)
mapfile -t r < <(randkeys 16 7)

# 1. a small device with every attribute: v4/v6 endpoints, PSKs, keepalives, several peers.
cat >basic.conf <<EOC
[Interface]
ListenPort = 51820
FwMark = 0x1234
PrivateKey = $k_basic

[Peer]
PublicKey = ${r[0]}
PresharedKey = ${r[1]}
AllowedIPs = 10.192.122.3/32, 10.192.124.0/24, fd00:1::/64
Endpoint = 192.0.2.1:51820
PersistentKeepalive = 25

[Peer]
PublicKey = ${r[2]}
AllowedIPs = 10.10.10.0/24, 2001:db8:1::/48
Endpoint = [2001:db8::1]:4500

[Peer]
PublicKey = ${r[3]}
PresharedKey = ${r[4]}
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = [2001:db8:ffff::1]:1
PersistentKeepalive = 65535

[Peer]
PublicKey = ${r[5]}
PersistentKeepalive = 1

[Peer]
PublicKey = ${r[6]}
AllowedIPs = 198.51.100.7/32
Endpoint = 203.0.113.254:65535
EOC
# The same, as a person writes it: comments, case, spacing, AllowedIPs over several lines.
cat >basic-messy.conf <<EOC
# written by hand
[interface]
privatekey=$k_basic
  ListenPort =   51820   # the usual port
fwmark = 0x1234

[Peer]
PublicKey = ${r[0]}
AllowedIPs = 10.192.122.3/32
AllowedIPs = 10.192.124.0/24,fd00:1::/64
Endpoint = 192.0.2.1:51820
PresharedKey = ${r[1]}
PersistentKeepalive = 25
[Peer]
PublicKey = ${r[2]}
Endpoint = [2001:db8::1]:4500
AllowedIPs = 10.10.10.0/24, 2001:db8:1::/48

[PEER]
PUBLICKEY = ${r[3]}
presharedkey = ${r[4]}
AllowedIPs = 0.0.0.0/0
AllowedIPs = ::/0
Endpoint = [2001:db8:ffff::1]:1
PersistentKeepalive = 65535

[Peer]
PublicKey = ${r[5]}
PersistentKeepalive = 1
[Peer]
PublicKey = ${r[6]}
AllowedIPs = 198.51.100.7/32
Endpoint = 203.0.113.254:65535
EOC

# 2a. one peer with 130,560 allowed IPs, on one line as showconf prints them.
{
	printf '[Interface]\nListenPort = 51821\nPrivateKey = %s\n\n[Peer]\nPublicKey = %s\n' "$k_big" "${r[7]}"
	awk 'BEGIN {
		printf "AllowedIPs = "
		for (i = 0; i < 65280; i++) printf "10.0.%d.%d/32, ", int(i / 256), i % 256
		for (j = 0; j < 65280; j++) printf "fd00::%x:%x/128%s", int(j / 256) + 1, j % 256 + 1, j < 65279 ? ", " : "\n"
	}'
	printf 'Endpoint = 192.0.2.9:9\n'
} >big.conf

# 2b. 1,000 peers.
{
	printf '[Interface]\nListenPort = 51822\nFwMark = 0xff\nPrivateKey = %s\n\n' "$k_many"
	randkeys 2000 11 | awk '
		NR % 2 == 1 { pub = $0; next }
		{
			p = (NR / 2) - 1
			printf "[Peer]\nPublicKey = %s\n", pub
			if (p % 2 == 0) printf "PresharedKey = %s\n", $0
			printf "AllowedIPs = 10.100.%d.%d/32, fd00:100::1:%x/128\n", int(p / 256), p % 256, p + 1
			if (p % 3 == 0) printf "Endpoint = 192.0.2.%d:%d\n", p % 250 + 1, 10000 + p
			if (p % 3 == 1) printf "Endpoint = [2001:db8::%x]:%d\n", p + 1, 20000 + p
			if (p % 5 == 0) printf "PersistentKeepalive = %d\n", p % 60 + 1
			if (p < 999) printf "\n"
		}'
} >many.conf

# 3. syncconf: A unchanged, B changed, C removed, D added (listed first in the new file).
sync_if="[Interface]
ListenPort = 51830
PrivateKey = $k_sync
"
peer_a="[Peer]
PublicKey = ${r[8]}
PresharedKey = ${r[9]}
AllowedIPs = 10.1.0.0/24
Endpoint = 192.0.2.11:1111
PersistentKeepalive = 25"
peer_b1="[Peer]
PublicKey = ${r[10]}
AllowedIPs = 10.2.0.0/24, fd02::/64
Endpoint = [2001:db8::2]:2222"
peer_b2="[Peer]
PublicKey = ${r[10]}
AllowedIPs = 10.2.1.0/24
Endpoint = 192.0.2.22:2222
PersistentKeepalive = 10"
peer_c="[Peer]
PublicKey = ${r[11]}
AllowedIPs = 10.3.0.0/24"
peer_d="[Peer]
PublicKey = ${r[12]}
AllowedIPs = 10.4.0.0/24
Endpoint = 192.0.2.44:4444"
printf '%s\n%s\n\n%s\n\n%s\n' "$sync_if" "$peer_a" "$peer_b1" "$peer_c" >sync-a.conf
printf '%s\n%s\n\n%s\n\n%s\n' "$sync_if" "$peer_d" "$peer_b2" "$peer_a" >sync-b.conf
printf '%s\n%s\n\n%s\n\n%s\n' "$sync_if" "$peer_a" "$peer_b2" "$peer_d" >sync-expected.conf

# 4. interop: kernel wgk0 in ns "kern" <-> wgctl daemon wgu0 in ns "user", over a veth pair.
psk=$("$wg" genpsk)
cat >kern.conf <<EOC
[Interface]
ListenPort = 51820
PrivateKey = $k_kern

[Peer]
PublicKey = $(printf '%s\n' "$k_user" | "$wg" pubkey)
PresharedKey = $psk
AllowedIPs = 10.9.0.2/32, fd09::2/128
Endpoint = 192.168.241.2:51821
EOC
cat >user.conf <<EOC
[Interface]
ListenPort = 51821
PrivateKey = $k_user

[Peer]
PublicKey = $(printf '%s\n' "$k_kern" | "$wg" pubkey)
PresharedKey = $psk
AllowedIPs = 10.9.0.1/32, fd09::1/128
Endpoint = 192.168.241.1:51820
EOC
{
	cat kern.conf
	printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.9.0.77/32\n' "${r[13]}"
} >kern-plus.conf

# 3b. addconf on top of sync-expected: B's list replaced, E added, the rest untouched.
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.2.2.0/24, fd02:2::/64\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.5.0.0/24\nPersistentKeepalive = 5\n' \
	"${r[10]}" "${r[14]}" >add.conf
# 3c. an allowed IP removed with "-" (WGALLOWEDIP_F_REMOVE_ME, Linux >= 6.16).
printf '[Peer]\nPublicKey = %s\nAllowedIPs = -10.2.2.0/24\n' "${r[10]}" >remove-aip.conf
