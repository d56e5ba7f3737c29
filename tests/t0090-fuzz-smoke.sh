#!/bin/bash
# SPDX-License-Identifier: MIT
# Every libFuzzer harness, built with ASan+UBSan, over its seeds plus 20,000 mutated inputs.
. "$(dirname "$0")/lib.sh"
require_cmd clang
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$TMP/probe.c"
clang -fsanitize=fuzzer "$TMP/probe.c" -o "$TMP/probe" 2>/dev/null || test_skip_all "clang has no libFuzzer runtime"
test_expect_success 'fuzz harnesses: seeds and 20000 runs each, no finding' '"$TOP/tests/fuzz/run" --smoke'
test_done
