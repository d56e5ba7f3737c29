# SPDX-License-Identifier: MIT
# Sourced by guest.sh (dash) in the same boot: the orchestration tests on the kernel's WireGuard.
# The host's / arrives read-only over 9p (run.sh, WGCTL_VM_HOSTROOT=1) and becomes, under a
# tmpfs overlay, a root to chroot into: the host's bash, python3, nft, iptables, resolvconf,
# Debian's wg-quick, the tree under test and its binary, run on the guest's kernel. The kernel
# tree's modules replace the host's in that root, and the kernel's module loader (nf_tables and
# the rest, loaded on demand) runs the host's modprobe there.
# /data/hostinfo (written by t0200) sets TOP, WGCTL_HOST, TREE and ORCH_TESTS: the test scripts
# to run, each as "script[:VAR=value,...]" ("+" in a value for a space); their TAP lines are relayed as this guest's tests,
# each description prefixed with the script's name.
R=/newroot

orch_mount() {
	mkdir -p /host /ovl "$R"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host
	mount -t tmpfs -o mode=0755 ovl /ovl
	mkdir -p /ovl/u /ovl/w
	mount -t overlay overlay -o lowerdir=/host,upperdir=/ovl/u,workdir=/ovl/w "$R"
	mount -t proc proc "$R/proc"
	mount -t sysfs sysfs "$R/sys"
	mount -t devtmpfs devtmpfs "$R/dev"
	mkdir -p "$R/dev/pts" "$R/dev/shm"
	mount -t devpts devpts "$R/dev/pts"
	# What udev would add: bash's process substitution opens /dev/fd/N.
	ln -sf /proc/self/fd "$R/dev/fd"
	ln -sf /proc/self/fd/0 "$R/dev/stdin"
	ln -sf /proc/self/fd/1 "$R/dev/stdout"
	ln -sf /proc/self/fd/2 "$R/dev/stderr"
	mount -t tmpfs tmpfs "$R/dev/shm"
	# /tmp must be a tmpfs (t0300 puts overlay upper directories there, which an overlay cannot
	# hold), but the tree under test may live below /tmp: its directories are carried over.
	keep=
	for d in "$TOP" "$(dirname "$WGCTL_HOST")"; do
		case $d in /tmp/*) keep="$keep $d" ;; esac
	done
	i=0
	for d in $keep; do
		i=$((i + 1))
		mkdir -p "/hold$i"
		mount --bind "$R$d" "/hold$i"
	done
	mount -t tmpfs -o mode=0755 run "$R/run"
	mount -t tmpfs -o mode=1777 tmp "$R/tmp"
	i=0
	for d in $keep; do
		i=$((i + 1))
		mkdir -p "$R$d"
		mount --move "/hold$i" "$R$d"
	done
	# ip netns keeps its namespace files under /run/netns (a mount point of its own).
	mkdir -p "$R/run/netns" "$R/run/resolvconf" "$R/var/cache/wgctl-vm"
	kver=$(uname -r)
	mkdir -p "$R/usr/lib/modules/$kver"
	mount --bind "/host$TREE/lib/modules/$kver" "$R/usr/lib/modules/$kver"
	printf '#!/bin/sh\nexec /bin/chroot %s /sbin/modprobe "$@"\n' "$R" >/modprobe-host
	chmod 0755 /modprobe-host
	echo /modprobe-host >/proc/sys/kernel/modprobe
	[ -x "$R$WGCTL_HOST" ] || { echo "no $WGCTL_HOST in the shared root"; return 1; }
	[ -d "$R$TOP/tests" ] || { echo "no $TOP/tests in the shared root"; return 1; }
}

# orch_run SCRIPT [VAR=value,...]: runs the host's test script in the chroot, relays its TAP.
orch_run() {
	script=$1
	vars=${2:-}
	name=${script##*/}
	name=${name%.sh}
	# One env argument per VAR=value; "+" in a value stands for a space.
	set --
	oldifs=$IFS
	IFS=,
	for v in $vars; do
		set -- "$@" "$(echo "$v" | tr '+' ' ')"
	done
	IFS=$oldifs
	start=$(now_ms)
	echo "=== $name"
	# The console shows its output as it comes (a hang is seen where it hangs).
	{
		chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 WGCTL="$WGCTL_HOST" WGCTL_TOP="$TOP" WGCTL_IN_VM=1 "$@" \
			/bin/bash -c 'cd "$1" && exec bash "$2"' sh "$TOP" "$script" 2>&1
		echo $? >/tmp/orch.rc
	} | tee /tmp/orch.out
	rc=$(cat /tmp/orch.rc)
	ms=$(($(now_ms) - start))
	echo "=== $name: exit $rc, ${ms} ms"
	ran=0
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]* | "not ok "[0-9]*)
			ran=$((ran + 1))
			n=$((n + 1))
			prefix=${line%%[0-9]*}
			rest=${line#"$prefix"}
			rest=${rest#"${rest%%[!0-9]*}"}
			rest=${rest#" - "}
			echo "$prefix$n - $name: $rest" >&3
			[ "${line#not }" = "$line" ] || failed=$((failed + 1))
			;;
		"#"*) echo "$line" >&3 ;;
		"1..0"*)
			n=$((n + 1))
			failed=$((failed + 1))
			echo "not ok $n - $name: skipped in the guest (it must run here): $line" >&3
			;;
		esac
	done </tmp/orch.out
	echo "# $name: $ran tests in ${ms} ms, exit $rc" >&3
	if [ "$rc" -ne 0 ] && [ "$ran" -gt 0 ]; then
		# Every failure already counted as a "not ok": the exit status says no more.
		:
	elif [ "$rc" -ne 0 ] || [ "$ran" -eq 0 ]; then
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - $name: exited $rc after $ran tests" >&3
		tail -n 20 /tmp/orch.out | sed 's/^/# /' >&3
	fi
}

if [ -f /data/hostinfo ]; then
	. /data/hostinfo
	if orch_mount >/tmp/orch-mount.log 2>&1; then
		for spec in $ORCH_TESTS; do
			orch_run "${spec%%:*}" "$(case $spec in *:*) echo "${spec#*:}" ;; esac)"
		done
	else
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - mount the host's root over 9p for the orchestration tests" >&3
		sed 's/^/# /' /tmp/orch-mount.log | tail -n 20 >&3
	fi
fi
