#!/bin/bash
# SPDX-License-Identifier: MIT
# Boots KERNEL with INITRD under qemu's TCG (the machines' /dev/kvm cannot run a stock kernel),
# off every network. The console (ttyS0) goes to CONSOLE_LOG, the guest's second serial port
# (ttyS1) to TAP_OUT. Exits with qemu's status, or timeout's 124. With WGCTL_VM_HOSTROOT=1 the
# host's / is shared read-only over 9p (mount tag "hostroot"): the guest runs the host's tools
# and test scripts on its own kernel (tests/vm/orch.sh).
#   run.sh KERNEL INITRD CONSOLE_LOG TAP_OUT [SECONDS]
set -u
kernel=$1 initrd=$2 console=$3 tap=$4 seconds=${5:-240}
bios=()
[ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)
share=()
[ "${WGCTL_VM_HOSTROOT:-0}" = 1 ] &&
	share=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
: >"$tap"
exec </dev/null
timeout -k 5 "$seconds" qemu-system-x86_64 \
	-m 2048 -smp 2 -accel tcg,thread=multi -cpu max,-erms,-fsrm "${bios[@]}" \
	-nic none -nographic -no-reboot -monitor none "${share[@]}" \
	-serial stdio -serial "file:$tap" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet" >"$console" 2>&1
