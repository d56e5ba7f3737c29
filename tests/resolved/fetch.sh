#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetches Debian's systemd-resolved and the libsystemd-shared of the same version (apt-get
# download, never installed: systemd-resolved's maintainer scripts would repoint the machine's
# /etc/resolv.conf) and unpacks both once into the cache. Prints the unpacked tree's directory
# on stdout; reruns reuse it. The tree's libsystemd-shared goes first in LD_LIBRARY_PATH, so the
# daemon never depends on the host's systemd being the same point release.
#   WGCTL_RESOLVED_CACHE  cache directory (default /var/cache/wgctl-resolved if writable, else
#                         ~/.cache/wgctl-resolved)
set -euo pipefail

cache_dir() {
	if [ -n "${WGCTL_RESOLVED_CACHE:-}" ]; then
		echo "$WGCTL_RESOLVED_CACHE"
	elif mkdir -p /var/cache/wgctl-resolved 2>/dev/null && [ -w /var/cache/wgctl-resolved ]; then
		echo /var/cache/wgctl-resolved
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/wgctl-resolved"
	fi
}

cache=$(cache_dir)
mkdir -p "$cache"
cd "$cache"

version=$(apt-cache policy systemd-resolved 2>/dev/null | awk '/Candidate:/ { print $2; exit }' || true)
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	# No package lists (offline): fall back to whatever an earlier run unpacked.
	last=$(ls -d "$cache"/tree-* 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$last" ] && [ -f "$last/.complete" ] && { echo "$last"; exit 0; }
	echo "fetch.sh: apt-cache knows no systemd-resolved (no apt, or no package lists)" >&2
	exit 1
fi
tree="$cache/tree-$version"
if [ -f "$tree/.complete" ]; then
	echo "$tree"
	exit 0
fi

debs=()
for pkg in systemd-resolved libsystemd-shared; do
	deb=$(ls "$cache/${pkg}_${version//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		apt-get download -q "$pkg=$version" >&2
		deb=$(ls "$cache/${pkg}_${version//:/%3a}_"*.deb | head -n 1)
	fi
	debs+=("$deb")
done
rm -rf "$tree.tmp"
mkdir -p "$tree.tmp"
for deb in "${debs[@]}"; do
	dpkg-deb -x "$deb" "$tree.tmp"
done
for f in lib/systemd/systemd-resolved usr/bin/resolvectl \
	usr/share/dbus-1/system.d/org.freedesktop.resolve1.conf \
	usr/lib/*/systemd/libsystemd-shared-*.so; do
	ls "$tree.tmp"/$f >/dev/null
done
rm -rf "$tree"
mv "$tree.tmp" "$tree"
touch "$tree/.complete"
# A newer version replaces the older ones.
for old in "$cache"/tree-* "$cache"/*.deb; do
	case $old in "$tree" | "$cache"/*_"${version//:/%3a}"_*.deb) ;; *) rm -rf "$old" ;; esac
done
echo "$tree"
