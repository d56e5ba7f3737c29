#!/bin/bash
# SPDX-License-Identifier: MIT
# The build enforces the layer graph of the Makefile: in a copy of the tree, each planted upward
# or sideways include, and each planted upward or sideways call, fails `make'; the copy builds
# again once the plant is gone. The copy reuses the objects of $TOP/build when they are there.
. "$(dirname "$0")/lib.sh"
require_cmd make cc pkg-config
T=$TMP/tree
mkdir -p "$T/tests" "$T/build"
cp -a "$TOP/Makefile" "$TOP/lib" "$TOP/cmd" "$T/"
cp -a "$TOP/tests/check-includes" "$TOP/tests/unit" "$T/tests/"
mkdir -p "$T/tests/fuzz" && cp -a "$TOP"/tests/fuzz/fuzz_*.c "$T/tests/fuzz/"
for d in lib cmd layers; do
	[ -d "$TOP/build/$d" ] && cp -a "$TOP/build/$d" "$T/build/"
done

# plant FILE TEXT: FILE (under the copy) holds TEXT, after an SPDX line.
plant() {
	mkdir -p "$(dirname "$T/$1")" && printf '// SPDX-License-Identifier: MIT\n%s\n' "$2" >"$T/$1"
}

# build: make's layer checks in the copy (what `make' runs after wgctl), output in $TMP/make.out.
build() {
	env -u MAKEFLAGS -u MAKELEVEL make -s -C "$T" B=build layers >"$TMP/make.out" 2>&1
}

# refused FILE TEXT MESSAGE...: FILE with TEXT fails the build, which says each MESSAGE; then the
# plant is removed.
refused() {
	local f=$1 text=$2 m
	shift 2
	plant "$f" "$text"
	! build || { cat "$TMP/make.out"; return 1; }
	for m in "$@"; do
		grep -qF -- "$m" "$TMP/make.out" || { cat "$TMP/make.out"; echo "no line with: $m"; return 1; }
	done
	rm -f "$T/$f"
}

test_expect_success 'the tree as it is passes every layer check' 'build || { cat make.out; false; }'

test_expect_success 'upward include (model -> backend) fails the build' '
	refused lib/model/planted.h "#include \"backend/backend.h\"" \
		"lib/model/planted.h:2: model may not include \`backend/backend.h'"'"': backend is not below model (model may use crypto, util)"
'
test_expect_success 'sideways include (backend -> datapath) fails the build' '
	refused lib/backend/planted.c "#include \"datapath/device.h\"" \
		"lib/backend/planted.c:2: backend may not include \`datapath/device.h'"'"'"
'
test_expect_success 'the lib/ spelling and angle brackets are the same include' '
	refused lib/orch/planted.c "#include <lib/fleet/cache.h>" \
		"lib/orch/planted.c:2: orch may not include \`lib/fleet/cache.h'"'"'"
'
test_expect_success 'an include may not climb out of its layer with ..' '
	refused lib/model/planted.c "#include \"../orch/orch.h\"" \
		"lib/model/planted.c:2: \`../orch/orch.h'"'"' climbs out of model'"'"'s directory"
'
test_expect_success 'a library header outside the layers that call it fails the build' '
	refused lib/fleet/planted.c "#include <openssl/evp.h>" \
		"lib/fleet/planted.c:2: fleet may not include \`openssl/evp.h'"'"': only crypto may call that library"
'
test_expect_success 'a private header (NAME_impl.h) stays in its layer, even for a layer above' '
	refused lib/daemon/planted.c "#include \"datapath/device_impl.h\"" \
		"lib/daemon/planted.c:2: daemon may not include \`datapath/device_impl.h'"'"': it is private to datapath"
'
test_expect_success 'a unit test includes only what its layer may' '
	refused tests/unit/t_noise_planted.c "#include \"model/model.h\"" \
		"tests/unit/t_noise_planted.c:2: noise may not include \`model/model.h'"'"'"
'
test_expect_success 'a fuzz harness includes only what its layer may, and must name its layer' '
	cp "$T/tests/fuzz/fuzz_uapi.c" fuzz_uapi.c &&
	refused tests/fuzz/fuzz_uapi.c "#include \"orch/orch.h\"" \
		"tests/fuzz/fuzz_uapi.c:2: model may not include \`orch/orch.h'"'"'" &&
	cp fuzz_uapi.c "$T/tests/fuzz/fuzz_uapi.c" &&
	refused tests/fuzz/fuzz_planted.c "#include \"model/model.h\"" \
		"tests/fuzz/fuzz_planted.c: belongs to no layer of the Makefile'"'"'s graph"
'
test_expect_success 'a directory under lib/ that the graph does not name fails the build' '
	refused lib/extra/planted.c "int planted;" "lib/extra: not a layer of the Makefile'"'"'s graph" &&
	rmdir "$T/lib/extra"
'

# Calls declared by hand, so that no include gives them away: only the link can tell.
test_expect_success 'sideways call (backend -> datapath) fails the build: undefined reference' '
	refused lib/backend/planted.c "
struct dp_device;
void dp_device_free(struct dp_device *dev);
void planted(void);
void planted(void)
{
	dp_device_free(0);
}" "undefined reference to \`dp_device_free'"'"'" "build/layers/backend"
'
test_expect_success 'upward call (model -> fleet) fails the build and the unit tests: undefined reference' '
	plant lib/model/planted.c "
const char *cache_dir(void);
const char *planted(void);
const char *planted(void)
{
	return cache_dir();
}" &&
	! build && grep -qF "undefined reference to \`cache_dir'"'"'" make.out && grep -qF build/layers/model make.out &&
	! env -u MAKEFLAGS -u MAKELEVEL make -s -C "$T" B=build build/tests/t_model_encoding >make.out 2>&1 &&
	grep -qF "undefined reference to \`cache_dir'"'"'" make.out &&
	rm -f "$T/lib/model/planted.c"
'
test_expect_success 'without the plants the copy builds again' 'build || { cat make.out; false; }'
test_done
