#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel tier: Debian's stock kernel (which has WireGuard) boots under qemu TCG with an
# initramfs holding this build, and tests/vm/guest.sh checks the netlink backend against
# Debian's wg and the userspace datapath against the kernel's. In the same boot, the host's / is
# shared read-only over 9p and tests/vm/orch.sh runs host test scripts in a chroot on the guest's
# kernel links: `wgctl up` and friends (tests/vm/kernel-orch.sh), `make demo` (t0330), and t0300's
# differential against Debian's wg-quick, wgctl's wg-quick personality included. Every exec
# there reads its binary over 9p, slow under TCG: the default set is kept small.
#   WGCTL_VM_ORCH="script[:VAR=value,...] ..."  other scripts ("+" for a space; none: no phase 2)
#   WGCTL_VM_ORCH_ONLY=1   skip guest.sh's own checks (quicker runs of the orchestration tests)
#   WGCTL_VM_SECONDS       qemu's time limit (1800)
# The guest's TAP lines are relayed here; if the VM never reports, one "not ok" carries the
# console's tail.
test_description='netlink backend and kernel interop in a VM'
. "$(dirname "$0")/lib.sh"

VM_SECONDS=${WGCTL_VM_SECONDS:-1800}
# The host's test scripts the guest runs on kernel links (tests/vm/orch.sh), in the same boot:
# script[:VAR=value,...] ("+" for a space in a value). WGCTL_VM_ORCH=none runs only guest.sh.
ORCH_TESTS=${WGCTL_VM_ORCH:-tests/vm/kernel-orch.sh tests/t0330-demo.sh tests/t0300-quick-differential.sh:QUICK_TOOLS=quick+wgctl+persona,QUICK_CONFS=full+hooks,QUICK_EXTRA=0,QUICK_TIMEOUT=60}
# The sanitizer pass of make check (B=build-san) runs the orchestration tests on the host with
# the sanitized binary already; in the guest it keeps to guest.sh, so CI stays well inside its time.
case ${B:-build} in build-san*) [ -n "${WGCTL_VM_ORCH:-}" ] || ORCH_TESTS=none ;; esac
[ "$ORCH_TESTS" = none ] && ORCH_TESTS=

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	test_skip_all "needs qemu-system-x86_64 (contrib/install-deps.sh --test installs qemu-system-x86)"
require_cmd wg ip dash timeout cpio gzip ldd awk
[ -x "$WGCTL" ] || test_skip_all "no binary under test at $WGCTL"
tree=$("$TOP/tests/vm/kernel.sh" 2>"$TMP/kernel.err") ||
	test_skip_all "cannot fetch the linux-image-amd64 package: $(tail -n 1 "$TMP/kernel.err")"

vm=$TMP/vm
mkdir -p "$vm"
build_ok=true
{
	"$TOP/tests/vm/mkdata.sh" "$vm/data" wg &&
		if [ -n "$ORCH_TESTS" ]; then
			printf 'TOP=%s\nWGCTL_HOST=%s\nTREE=%s\nORCH_TESTS="%s"\nORCH_ONLY=%s\n' "$TOP" \
				"$(realpath "$WGCTL")" "$tree" "$ORCH_TESTS" "${WGCTL_VM_ORCH_ONLY:-0}" >"$vm/data/hostinfo"
		fi &&
		"$TOP/tests/vm/mkinitramfs.sh" "$vm/initrd.gz" "$tree" "$WGCTL" "$TOP/tests/vm/init.sh" \
			"$TOP/tests/vm/guest.sh" "$vm/data"
} >"$vm/build.log" 2>&1 || build_ok=false
if ! $build_ok; then
	echo "not ok 1 - build the guest's initramfs"
	sed 's/^/# /' "$vm/build.log" | tail -n 30
	echo "1..1"
	exit 1
fi

start=$(date +%s)
WGCTL_VM_HOSTROOT=$([ -n "$ORCH_TESTS" ] && echo 1 || echo 0) "$TOP/tests/vm/run.sh" "$(ls "$tree"/boot/vmlinuz-*)" "$vm/initrd.gz" "$vm/console.log" "$vm/tap.txt" \
	"$VM_SECONDS"
qemu_status=$?
elapsed=$(($(date +%s) - start))
[ -z "${WGCTL_VM_KEEP:-}" ] || cp "$vm/console.log" "$vm/tap.txt" "$WGCTL_VM_KEEP/"

# Relay the guest's results under our own numbering.
count=0
failed=0
guest_plan=
guest_status=
while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	"ok "[0-9]* | "not ok "[0-9]*)
		count=$((count + 1))
		[ "${line#not }" = "$line" ] || failed=$((failed + 1))
		prefix=${line%%[0-9]*}
		rest=${line#"$prefix"}
		rest=${rest#"${rest%%[!0-9]*}"}
		echo "$prefix$count$rest"
		;;
	"# guest-status "*) guest_status=${line#"# guest-status "} ;;
	"#"*) echo "$line" ;;
	1..[0-9]*) guest_plan=${line#1..} ;;
	esac
done <"$vm/tap.txt"

count=$((count + 1))
if [ -n "$guest_status" ] && [ "$guest_plan" = "$((count - 1))" ] && [ "$qemu_status" -eq 0 ]; then
	echo "ok $count - guest ran $guest_plan tests, exited with status $guest_status (VM ${elapsed}s)"
else
	failed=$((failed + 1))
	echo "not ok $count - guest finished (qemu status $qemu_status, guest status ${guest_status:-none}," \
		"plan ${guest_plan:-none}, ${elapsed}s of at most ${VM_SECONDS}s)"
	tr -d '\r' <"$vm/console.log" | tail -n 40 | sed 's/^/# /'
fi
echo "1..$count"
[ "$failed" -eq 0 ]
