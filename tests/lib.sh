# SPDX-License-Identifier: MIT
# Shell-test helpers in the style of git's test-lib: TAP output for prove.
#   test_expect_success 'description' 'commands chained with &&'
#   test_skip_all 'reason'     (before any test)
#   test_done
set -u
TOP=${WGCTL_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${B:-build}
WGCTL=${WGCTL:-$TOP/wgctl}
test_count=0
test_failed=0
TMP=$(mktemp -d /tmp/wgctl-test.XXXXXX)
cleanup_hooks=()
# Hooks run last-registered first, so that what was made last is undone first.
at_exit() {
	local i
	for ((i = ${#cleanup_hooks[@]} - 1; i >= 0; i--)); do
		eval "${cleanup_hooks[i]}" >/dev/null 2>&1
	done
	rm -rf "$TMP"
}
trap at_exit EXIT

test_on_exit() {
	cleanup_hooks+=("$1")
}

# A network namespace for this test; on exit the processes the test started in it are ended
# (by PID) and it is deleted. Deleting a namespace alone would leave its daemons running.
test_netns() {
	ip netns add "$1" || return 1
	test_on_exit "netns_destroy $1"
}

netns_destroy() {
	local pids i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -z "$pids" ] && break
		kill $pids 2>/dev/null
		sleep 0.2
	done
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	ip netns del "$1"
}

test_expect_success() {
	local desc=$1 body=$2 out
	test_count=$((test_count + 1))
	if out=$(cd "$TMP" && eval "$body" 2>&1); then
		echo "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $desc"
		printf '%s\n' "$out" | sed 's/^/# /' | tail -n 40
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1"
}

test_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}

require_root() {
	[ "$(id -u)" = 0 ] || test_skip_all "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || test_skip_all "needs $c"
	done
}

# A personality link: a directory holding wg / wg-quick / wgctl-daemon pointing at this build.
make_links() {
	mkdir -p "$TMP/bin"
	local n
	for n in wg wg-quick wgctl-daemon; do ln -sf "$WGCTL" "$TMP/bin/$n"; done
}
