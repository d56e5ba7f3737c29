#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the guest's initramfs (newc cpio, gzip): dash as /bin/sh, the binary under test, Debian's
# wg and iproute2's ip for differential checks, a few core tools, each with the shared libraries
# ldd lists, and the kernel modules WireGuard needs, in the order to insmod them.
#   mkinitramfs.sh OUT KERNEL_TREE WGCTL INIT GUEST_SCRIPT DATA_DIR
set -euo pipefail
[ $# -eq 6 ] || { echo "usage: $0 OUT KERNEL_TREE WGCTL INIT GUEST_SCRIPT DATA_DIR" >&2; exit 2; }
out=$1 tree=$2 wgctl=$3 init=$4 script=$5 data=$6
kver=$(basename "$(ls -d "$tree"/lib/modules/*)")
moddir=$tree/lib/modules/$kver

root=$(mktemp -d "${TMPDIR:-/tmp}/wgctl-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,etc,modules,data,var,lib64,lib/x86_64-linux-gnu}
ln -s ../run "$root/var/run"

copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# name=path: required tools; the guest script checks for the optional ones itself.
copy_bin() {
	local name=$1 path=$2
	cp -L "$path" "$root/bin/$name"
	copy_libs "$path"
}

copy_bin sh "$(command -v dash)"
copy_bin wgctl "$wgctl"
copy_bin wg "$(command -v wg)"
copy_bin ip "$(command -v ip || echo /usr/sbin/ip)"
copy_bin insmod "$(command -v kmod || echo /usr/bin/kmod)"
for t in env timeout mount mkdir cat cmp grep sed seq sleep sort head tail wc tr ls rm cp mv ln \
	ping awk date dd stat cut diff uname chroot chmod \
	basename dirname tee; do
	p=$(PATH=$PATH:/usr/sbin:/sbin command -v "$t" || true)
	[ -n "$p" ] && copy_bin "$t" "$p"
done
# ld.so finds the libraries through its cache, as on the host.
printf '/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' >"$root/etc/ld.so.conf"
PATH=$PATH:/usr/sbin:/sbin ldconfig -r "$root" 2>/dev/null || true

# wireguard's dependencies from modules.dep, deepest first, then tun and veth; then what the
# guest needs to mount the host's root over 9p (read-only, under an overlay) for the
# orchestration tests (tests/vm/orch.sh).
order=()
add_module() {
	local rel=$1 dep m
	for m in "${order[@]}"; do [ "$m" = "$rel" ] && return 0; done
	for dep in $(awk -v m="$rel:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep"); do
		add_module "$dep"
	done
	order+=("$rel")
}
for m in drivers/net/wireguard/wireguard.ko drivers/net/tun.ko drivers/net/veth.ko \
	drivers/virtio/virtio_pci.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko fs/overlayfs/overlay.ko; do
	add_module "kernel/$m"
done
i=0
for rel in "${order[@]}"; do
	i=$((i + 1))
	name=$(printf '%02d-%s' "$i" "$(basename "$rel")")
	cp "$moddir/$rel" "$root/modules/$name"
	echo "$name" >>"$root/modules/order"
done

cp "$init" "$root/init"
cp "$script" "$root/tests.sh"
cp "$(dirname "$0")/orch.sh" "$root/orch.sh"
chmod 0755 "$root/init" "$root/tests.sh"
cp -r "$data"/. "$root/data/"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
