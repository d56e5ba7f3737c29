#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs what a fresh Debian 12 machine lacks to build wgctl (and, with --test, to run every
# test tier: Debian's wireguard-tools and wireguard-go are test oracles, never runtime needs).
set -euo pipefail
build=(build-essential pkg-config git libinih-dev libmnl-dev libnl-3-dev libnl-route-3-dev
	libcurl4-openssl-dev libssl-dev iproute2 iputils-ping)
test=(libsodium-dev clang libclang-rt-14-dev wireguard-tools wireguard-go python3 perl mandoc zsh openssl
	iperf3 nftables iptables openresolv qemu-system-x86 cpio kmod)
pkgs=("${build[@]}")
[ "${1:-}" = --test ] && pkgs+=("${test[@]}")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
