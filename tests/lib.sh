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

# A sanitized binary under test (make check SANITIZE=...) writes its ASan, LSan and UBSan reports
# to files $SAN_DIR/report.PID: a daemon's stderr is /dev/null once it detaches, and its leaks are
# reported only when it exits, after the test's last check. Any report fails the test: the files
# seen by test_done become a "not ok", those that appear while the cleanup ends the daemons make
# the script exit 1. Only a sanitized binary gets these variables (the fuzz harnesses of t0090
# then log here too); anything already in ASAN_OPTIONS / UBSAN_OPTIONS is kept. Paths are
# absolute: the daemon changes to /. GCC's separate libubsan ignores log_path (its reports stay
# on stderr; with -fno-sanitize-recover the process exits 1); clang's runtime honours it.
sanitized_binary() {
	[ -f "$1" ] && grep -qa -m 1 -e __asan_init -e __ubsan_handle_ "$1"
}
# ASan's runtime: it also makes mlock a no-op that returns 0 (no VmLck to observe).
asan_binary() {
	[ -f "$1" ] && grep -qa -m 1 __asan_init "$1"
}
SAN_DIR=
if sanitized_binary "$WGCTL"; then
	SAN_DIR=$TMP/sanitizer
	mkdir -p "$SAN_DIR"
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN_DIR/report
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN_DIR/report:print_stacktrace=1
fi
san_reported=

# Appends the reports not seen yet to file $1 (each under its file name); returns 0 if there
# were any. Runs in this shell, not a subshell, so that each report is told once.
san_new_reports() {
	local f found=1
	[ -n "$SAN_DIR" ] || return 1
	for f in "$SAN_DIR"/report.*; do
		[ -s "$f" ] || continue
		# LSan's note that it could not read one thread's registers (it then scans that whole
		# stack) is not a report.
		grep -Evq '^(==[0-9]+==Unable to get registers from thread [0-9]+\.)?$' "$f" || continue
		case " $san_reported " in *" $f "*) continue ;; esac
		san_reported="$san_reported $f"
		{ echo "sanitizer report $(basename "$f"):" && head -n 60 "$f"; } >>"$1"
		found=0
	done
	return $found
}

cleanup_hooks=()
# Hooks run last-registered first, so that what was made last is undone first.
at_exit() {
	local i status=$?
	for ((i = ${#cleanup_hooks[@]} - 1; i >= 0; i--)); do
		eval "${cleanup_hooks[i]}" >/dev/null 2>&1
	done
	# Reports written while the cleanup ended the daemons (LSan runs at exit) go to stderr,
	# which prove shows.
	if san_new_reports "$TMP/sanitizer.exit"; then
		sed 's/^/# /' "$TMP/sanitizer.exit" >&2
		status=1
	fi
	rm -rf "$TMP"
	exit "$status"
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

# A sanitized daemon's exit runs LeakSanitizer over its whole heap: it gets 10 s, not 2, before
# SIGKILL, which would lose its report.
netns_destroy() {
	local pids i tries=10
	[ -n "$SAN_DIR" ] && tries=50
	for ((i = 0; i < tries; i++)); do
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
	if san_new_reports "$TMP/sanitizer.done"; then
		test_count=$((test_count + 1))
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - no sanitizer reports"
		sed 's/^/# /' "$TMP/sanitizer.done"
	fi
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}

# Evaluates $1 every 0.1 s until it succeeds, for at most 5 s.
wait_for() {
	local i
	for i in $(seq 1 50); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
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
