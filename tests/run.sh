#!/usr/bin/env bash
# The test harness behind `make check`: builds every profile it needs, runs each suite, prints
# each suite's time and ends with one line "N passed, N failed".
# Usage: tests/run.sh [--only SUITE]   (suites: build, lint-banned, unit, unit-asan, fuzz, cli)
set -u
cd "$(dirname "$0")/.."
only=""
[ "${1:-}" = "--only" ] && only="${2:-}"
JOBS=${JOBS:-$(nproc)}
passed=0 failed=0
failures=()
export SAFEPATH_TEST_SHARED=${SAFEPATH_TEST_SHARED:-$(cd .. && pwd)/shared}

pass() { passed=$((passed + ${2:-1})); }
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); echo "FAIL: $1"; }

# Run one cmocka binary; count its test cases from its summary lines.
run_cmocka() {
	local bin=$1 log
	log=$(mktemp)
	if "$bin" >"$log" 2>&1; then :; fi
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then
		cat "$log"; fail "$(basename "$bin") (crashed or ran nothing)"
	else
		pass x "$p"
		[ "$f" != 0 ] && { grep -E '^\[  (FAILED|  ERROR) \]|^\[  ERROR' "$log"; cat "$log" | tail -20; fail "$(basename "$bin")" "$f"; }
	fi
	rm -f "$log"
}

suite() {
	local name=$1; shift
	[ -n "$only" ] && [ "$only" != "$name" ] && return 0
	local t0=$SECONDS
	echo "== $name"
	"$@"
	echo "== $name: $((SECONDS - t0))s"
}

s_build() {
	for p in gcc clang; do
		if make -s -j"$JOBS" PROFILE=$p build units >/tmp/sp-build-$p.log 2>&1; then pass build-$p
		else cat /tmp/sp-build-$p.log | tail -40; fail "build with $p (warnings are errors)"; fi
	done
}

s_banned() {
	local hits
	hits=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|scanf)\s*\(' src include tools tests/unit tests/fuzz 2>/dev/null || true)
	if [ -z "$hits" ]; then pass; else echo "$hits"; fail "banned functions (STYLE.md)"; fi
}

s_unit() {
	local profile=$1
	if [ "$profile" != gcc ]; then
		make -s -j"$JOBS" PROFILE=$profile build units >/tmp/sp-build-$profile.log 2>&1 ||
			{ tail -40 /tmp/sp-build-$profile.log; fail "build $profile"; return; }
	fi
	for t in build/$profile/tests/test_*; do
		[ -x "$t" ] && run_cmocka "$t"
	done
}

s_fuzz() {
	make -s -j"$JOBS" PROFILE=fuzz build fuzz-build >/tmp/sp-build-fuzz.log 2>&1 ||
		{ tail -40 /tmp/sp-build-fuzz.log; fail "build fuzz targets"; return; }
	if bash tests/fuzz/run.sh replay; then pass; else fail "fuzz replay"; fi
}

s_cli() {
	for t in tests/cli/*.sh; do
		[ -f "$t" ] || continue
		if bash "$t" build/gcc/safepath >/tmp/sp-cli.log 2>&1; then pass
		else tail -30 /tmp/sp-cli.log; fail "$(basename "$t")"; fi
	done
}

s_lint() {
	if bash scripts/lint.sh >/tmp/sp-lint.log 2>&1; then pass; else tail -40 /tmp/sp-lint.log; fail "make lint"; fi
}

suite build s_build
suite lint-banned s_banned
suite lint s_lint
suite unit s_unit gcc
suite unit-asan s_unit asan
suite fuzz s_fuzz
suite cli s_cli

if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
