#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the test guest (dash). The console (ttyS0) gets diagnostics; the second serial port
# (ttyS1) carries only the test's TAP lines and a last "# guest-status N" line for the host.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs tmp /tmp
exec 3>/dev/ttyS1
for m in $(cat /modules/order); do
	insmod "/modules/$m" || echo "init: insmod $m failed"
done
ip link set lo up
# A sanitized wgctl (make check SANITIZE=...; mkinitramfs.sh brought its libasan and libubsan
# along with ldd's list) reports to files, as on the host (tests/lib.sh): a detached daemon's
# stderr is /dev/null. guest.sh's last test fails if any report appeared.
if grep -qa -e __asan_init -e __ubsan_handle_ /bin/wgctl; then
	mkdir -p /tmp/sanitizer
	export ASAN_OPTIONS=log_path=/tmp/sanitizer/report
	export UBSAN_OPTIONS=log_path=/tmp/sanitizer/report:print_stacktrace=1
fi
cd /data
WGCTL=/bin/wgctl sh /tests.sh
status=$?
echo "# guest-status $status" >&3
exec 3>&-
# Power off; should that fail, leaving init panics the kernel, and panic=-1 with -no-reboot ends qemu.
echo o >/proc/sysrq-trigger
sleep 10
