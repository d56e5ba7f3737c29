#!/bin/bash
# SPDX-License-Identifier: MIT
# run-one.sh OUT NS IF FILE STEP...: runs the steps in a private mount namespace whose /etc is an
# overlay (writes land in OUT/.ovl, so /etc/resolv.conf and resolvconf's /etc/resolv.conf.bak of
# the machine are never touched) and whose /run/resolvconf is a private tmpfs. Steps:
#   snap NAME        snapshot.sh NS IF > OUT/NAME
#   up TOOL|down TOOL|save TOOL   TOOL (quick = Debian wg-quick with wireguard-go, wgctl = $WGCTL
#                    with $BIN first in PATH, persona = the same binary called as wg-quick through
#                    $BIN/wg-quick (its wg-quick personality), upstream = the wg-quick script $QUICK_UPSTREAM with
#                    wireguard-go) runs VERB FILE in NS; stderr in OUT/VERB-TOOL.err,
#                    exit status in OUT/VERB-TOOL.rc; after down (and an up that failed and left no
#                    link) waits up to 5 s
#                    for the processes in NS (the userspace daemon) to end. Each run is killed
#                    after QUICK_TIMEOUT (10) seconds (exit status 124).
# A verb run twice by the same tool writes VERB-TOOL.2.{err,rc}. With QUICK_BY_NAME=1, FILE is
# copied to /etc/wireguard/IF.conf (in the overlay) and the tools get the bare name IF; the file
# as it is at the end is copied to OUT/etc-wireguard.conf.
# Environment: QUICK_PATH (the tools' PATH; snapshots keep ours), WGCTL, BIN, SNAP_MASK_PORT (passed to snapshot.sh), WGCTL_USERSPACE (given to
# wgctl as WG_QUICK_USERSPACE_IMPLEMENTATION; unset by default: its own daemon).
set -u
if [ "${RUN_ONE_PRIVATE:-}" != 1 ]; then
	RUN_ONE_PRIVATE=1 exec unshare -m --propagation private bash "$0" "$@"
fi
OUT=$1 NS=$2 IF=$3 FILE=$4
shift 4
HERE=$(cd "$(dirname "$0")" && pwd)
TMO=${QUICK_TIMEOUT:-10}
TPATH=${QUICK_PATH:-$PATH}
mkdir -p "$OUT/.ovl/u" "$OUT/.ovl/w"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$OUT/.ovl/u,workdir=$OUT/.ovl/w" /etc || exit 1
mount -t tmpfs tmpfs /run/resolvconf || exit 1

wait_quiet() {
	local i
	for i in $(seq 1 50); do
		[ -z "$(ip netns pids "$NS" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

ARG=$FILE
if [ "${QUICK_BY_NAME:-0}" = 1 ]; then
	mkdir -p /etc/wireguard && cp "$FILE" "/etc/wireguard/$IF.conf" && chmod 600 "/etc/wireguard/$IF.conf" || exit 1
	ARG=$IF
fi

tool() {
	local t=$1 verb=$2 rc f
	f=$verb-$t
	[ -e "$OUT/$f.rc" ] && f=$f.2
	case $t in
	quick) timeout -k 3 "$TMO" ip netns exec "$NS" env PATH="$TPATH" WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
		wg-quick "$verb" "$ARG" >"$OUT/$f.out" 2>"$OUT/$f.err" ;;
	wgctl) timeout -k 3 "$TMO" ip netns exec "$NS" env -u WG_QUICK_USERSPACE_IMPLEMENTATION PATH="$BIN:$TPATH" \
		${WGCTL_USERSPACE:+WG_QUICK_USERSPACE_IMPLEMENTATION=$WGCTL_USERSPACE} \
		"$WGCTL" "$verb" "$ARG" >"$OUT/$f.out" 2>"$OUT/$f.err" ;;
	persona) timeout -k 3 "$TMO" ip netns exec "$NS" env -u WG_QUICK_USERSPACE_IMPLEMENTATION PATH="$BIN:$TPATH" \
		${WGCTL_USERSPACE:+WG_QUICK_USERSPACE_IMPLEMENTATION=$WGCTL_USERSPACE} \
		"$BIN/wg-quick" "$verb" "$ARG" >"$OUT/$f.out" 2>"$OUT/$f.err" ;;
	upstream) timeout -k 3 "$TMO" ip netns exec "$NS" env PATH="$TPATH" WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
		bash "$QUICK_UPSTREAM" "$verb" "$ARG" >"$OUT/$f.out" 2>"$OUT/$f.err" ;;
	*) echo "unknown tool $t" >&2; return 1 ;;
	esac
	rc=$?
	[ $rc = 124 ] && echo "(killed after $TMO s)" >>"$OUT/$f.err"
	echo $rc >"$OUT/$f.rc"
	# (a refused second up leaves the first one's daemon: its link is still there)
	if [ "$verb" = down ] || { [ "$verb" = up ] && [ $rc != 0 ] && ! ip -n "$NS" link show "$IF" >/dev/null 2>&1; }; then
		wait_quiet || echo "processes left in $NS after $verb: $(ip netns pids "$NS" | tr '\n' ' ')" >>"$OUT/$f.err"
	fi
	return 0
}

while [ $# -gt 0 ]; do
	case $1 in
	snap) "$HERE/snapshot.sh" "$NS" "$IF" >"$OUT/$2" 2>&1 ;;
	up|down|save) tool "$2" "$1" ;;
	*) echo "unknown step $1" >&2; exit 1 ;;
	esac
	shift 2
done
[ "${QUICK_BY_NAME:-0}" = 1 ] && cp "/etc/wireguard/$IF.conf" "$OUT/etc-wireguard.conf"
umount /run/resolvconf
umount /etc
rm -rf "$OUT/.ovl"
