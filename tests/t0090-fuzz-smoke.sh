#!/bin/bash
# SPDX-License-Identifier: MIT
# Every libFuzzer harness, built with ASan+UBSan: every committed corpus file (tests/fuzz/corpus)
# and seed replayed, then up to 20,000 mutated inputs each within a few seconds (tests/fuzz/run
# --smoke). The harnesses are sanitized builds whatever SANITIZE says, so the sanitizer pass of
# make check (B=build-san) leaves them to the plain one instead of running them twice.
. "$(dirname "$0")/lib.sh"
require_cmd clang
case $B in build-san*) test_skip_all "the harnesses are sanitized builds; make check without SANITIZE runs them" ;; esac
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$TMP/probe.c"
clang -fsanitize=fuzzer "$TMP/probe.c" -o "$TMP/probe" 2>/dev/null || test_skip_all "clang has no libFuzzer runtime"
test_expect_success 'fuzz harnesses: every corpus file and seed, then mutations, no finding' '"$TOP/tests/fuzz/run" --smoke'
test_done
