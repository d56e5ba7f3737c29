#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetches Debian's current linux-image-amd64 (apt-get download, never installed) and unpacks it
# once into the cache. Prints the unpacked tree's directory on stdout; reruns reuse it.
#   WGCTL_VM_CACHE  cache directory (default /var/cache/wgctl-vm if writable, else ~/.cache)
set -euo pipefail

cache_dir() {
	if [ -n "${WGCTL_VM_CACHE:-}" ]; then
		echo "$WGCTL_VM_CACHE"
	elif mkdir -p /var/cache/wgctl-vm 2>/dev/null && [ -w /var/cache/wgctl-vm ]; then
		echo /var/cache/wgctl-vm
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/wgctl-vm"
	fi
}

cache=$(cache_dir)
mkdir -p "$cache"
cd "$cache"

# linux-image-amd64 is a metapackage; the kernel is the package it depends on.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }' || true)
if [ -z "$pkg" ]; then
	# No package lists (offline): fall back to whatever an earlier run unpacked.
	last=$(ls -d "$cache"/tree-* 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$last" ] && [ -f "$last/.complete" ] && { echo "$last"; exit 0; }
	echo "kernel.sh: apt-cache knows no linux-image-amd64 (no apt, or no package lists)" >&2
	exit 1
fi
version=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2; exit }')
tree="$cache/tree-$pkg-$version"
if [ -f "$tree/.complete" ]; then
	echo "$tree"
	exit 0
fi

deb=$(ls "$cache/${pkg}_${version//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	apt-get download "$pkg=$version" >&2
	deb=$(ls "$cache/${pkg}_"*.deb | head -n 1)
fi
rm -rf "$tree.tmp"
mkdir -p "$tree.tmp"
dpkg-deb -x "$deb" "$tree.tmp"
kver=$(basename "$(ls -d "$tree.tmp"/lib/modules/*)")
ls "$tree.tmp/boot/vmlinuz-$kver" >/dev/null
# The package leaves modules.dep to the installer's depmod.
PATH=$PATH:/usr/sbin:/sbin depmod -b "$tree.tmp" "$kver"
rm -rf "$tree"
mv "$tree.tmp" "$tree"
touch "$tree/.complete"
# A newer kernel replaces the older ones.
for old in "$cache"/tree-* "$cache"/*.deb; do
	case $old in "$tree" | "$deb") ;; *) rm -rf "$old" ;; esac
done
echo "$tree"
