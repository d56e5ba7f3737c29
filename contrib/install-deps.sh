#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs what a fresh Debian 12 machine lacks to build wgctl (and, with --test, to run every
# test tier: Debian's wireguard-tools and wireguard-go are test oracles, never runtime needs;
# t0330 fetches Debian's systemd-resolved itself and never installs it).
# --bench is --test plus bookworm-backports' wireguard-go (TUN and UDP offload), unpacked into
# $GO_OFFLOAD_DIR beside Debian's own, for `make bench` to compare against.
set -euo pipefail
GO_OFFLOAD_DIR=${GO_OFFLOAD_DIR:-/opt/wireguard-go-offload}
GO_OFFLOAD_VERSION=0.0.20231211-1~bpo12+1
# libsodium-dev brings libsodium23, the one wgctl links at run time (X25519).
build=(build-essential pkg-config git libinih-dev libmnl-dev libnl-3-dev libnl-route-3-dev
	libsystemd-dev libcurl4-openssl-dev libssl-dev libsodium-dev libqrencode-dev zlib1g-dev iproute2 iputils-ping)
test=(clang clang-format libclang-rt-14-dev wireguard-tools wireguard-go python3 perl mandoc zsh openssl
	iperf3 nftables iptables openresolv qemu-system-x86 cpio kmod tshark dbus-daemon dnsmasq-base
	zbar-tools prometheus prometheus-node-exporter curl)
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

bench_go() {
	local list=/etc/apt/sources.list.d/wgctl-backports.sources tmp
	[ -x "$GO_OFFLOAD_DIR/usr/bin/wireguard-go" ] && return 0
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
		$SUDO tee "$list" >/dev/null
	# Backports' default pin (100) never replaces Debian's own wireguard-go, the interop oracle.
	$SUDO apt-get update -q -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
		-o APT::Get::List-Cleanup=0
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "wireguard-go=$GO_OFFLOAD_VERSION")
	$SUDO dpkg-deb -x "$tmp"/wireguard-go_*.deb "$GO_OFFLOAD_DIR"
	rm -rf "$tmp"
}

pkgs=("${build[@]}")
case "${1:-}" in
--test) pkgs+=("${test[@]}") ;;
--bench) pkgs+=("${test[@]}") ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ "${1:-}" = --bench ]; then
	bench_go
fi
