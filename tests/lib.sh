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
at_exit() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" >/dev/null 2>&1; done
	rm -rf "$TMP"
}
trap at_exit EXIT

test_on_exit() {
	cleanup_hooks+=("$1")
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
