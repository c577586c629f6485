#!/usr/bin/env bash
# The test harness behind `make check`: builds every profile it needs, runs each suite, prints
# each suite's time and ends with one line "N passed, N failed".
# Usage: tests/run.sh [--only SUITE]   (suites: build, lint-banned, lint, unit, unit-pg,
# unit-asan, unit-asan-pg, fuzz, cli, cli-asan, cli-pg, api, api-pg, api-asan, e2e, e2e-pg)
# The *-pg suites run the same tests on PostgreSQL: a throwaway cluster (tests/pg.sh) started
# at the first of them and removed on exit, also when a test fails or the run is interrupted.
set -u
cd "$(dirname "$0")/.."
only=""
[ "${1:-}" = "--only" ] && only="${2:-}"
JOBS=${JOBS:-$(nproc)}
passed=0 failed=0 skipped=0
failures=()
tmp=$(mktemp -d)
. tests/pg.sh
trap 'pg_stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
export SAFEPATH_TEST_SHARED=${SAFEPATH_TEST_SHARED:-$(cd .. && pwd)/shared}

pass() { passed=$((passed + ${2:-1})); }
skip() { skipped=$((skipped + $1)); }

# The PostgreSQL cluster of the *-pg suites, started once.
pg_ready() {
	[ -n "$SP_PG_DIR" ] && return 0
	pg_start >$tmp/pg.log 2>&1 || { cat $tmp/pg.log; return 1; }
}
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); echo "FAIL: $1"; }

# Run one cmocka binary; count its test cases from its summary lines.
run_cmocka() {
	local bin=$1 log
	log=$(mktemp)
	if "$bin" >"$log" 2>&1; then :; fi
	local p f s
	# cmocka writes its summary lines to stdout and stderr: match them anywhere on a line
	p=$(grep -o '\[  PASSED  \] [0-9]* test' "$log" | tail -1 | grep -o '[0-9][0-9]*')
	f=$(grep -o '\[  FAILED  \] [0-9]* test' "$log" | tail -1 | grep -o '[0-9][0-9]*')
	s=$(grep -o '\[  SKIPPED \] [0-9]* test' "$log" | tail -1 | grep -o '[0-9][0-9]*')
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$s" != 0 ]; then
		skip "$s"
		grep -h '^skipped on ' "$log" | sort | uniq -c | sed "s|^ *[0-9]* |  $(basename "$bin"): |"
	fi
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then
		cat "$log"; fail "$(basename "$bin") (crashed or ran nothing)"
	else
		pass x "$p"
		if [ "$f" != 0 ]; then tail -30 "$log"; fail "$(basename "$bin")" "$f"; fi
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
		if make -s -j"$JOBS" PROFILE=$p build units >$tmp/build-$p.log 2>&1; then pass build-$p
		else cat $tmp/build-$p.log | tail -40; fail "build with $p (warnings are errors)"; fi
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
		make -s -j"$JOBS" PROFILE=$profile build units >$tmp/build-$profile.log 2>&1 ||
			{ tail -40 $tmp/build-$profile.log; fail "build $profile"; return; }
	fi
	for t in build/$profile/tests/test_*; do
		[ -x "$t" ] && run_cmocka "$t"
	done
}

# The unit tests that open a store (tests/unit/helpers.h test_db_url, or the shared world of
# tests/unit/world.h), on PostgreSQL, in the profile's build (made by the unit or unit-asan
# suite before).
s_unit_pg() {
	pg_ready || { fail "unit-pg: cannot start PostgreSQL"; return; }
	for src in $(grep -lE 'test_db_url|"world\.h"' tests/unit/test_*.c); do
		local t=build/$1/tests/$(basename "$src" .c)
		[ -x "$t" ] && SAFEPATH_TEST_PG=$SP_PG_QUERY run_cmocka "$t"
	done
}

s_fuzz() {
	make -s -j"$JOBS" PROFILE=fuzz build fuzz-build >$tmp/build-fuzz.log 2>&1 ||
		{ tail -40 $tmp/build-fuzz.log; fail "build fuzz targets"; return; }
	if bash tests/fuzz/run.sh replay; then pass; else fail "fuzz replay"; fi
}

s_cli() {
	local bin=$1
	[ -x "$bin" ] || { fail "no $bin to test"; return; }
	for t in tests/cli/*.sh; do
		[ "$(basename "$t")" = lib.sh ] && continue
		# tests/cli/pg_*.sh are the PostgreSQL ones (cli-pg), and only those run there
		case $(basename "$t") in pg_*) [ "${2:-}" = pg_ ] || continue ;; *) [ -z "${2:-}" ] || continue ;; esac
		if bash "$t" "$bin" >$tmp/cli.log 2>&1; then pass
		else tail -30 $tmp/cli.log; fail "$(basename "$t")"; fi
	done
}

# The API suite: node's test runner (TAP) against a real server; every node test counts, and
# so does each check the runner makes itself ("not ok - ...": a clean stop on SIGTERM).
s_api() {
	local bin=$1
	[ -x "$bin" ] || { fail "no $bin to test"; return; }
	command -v node >/dev/null || { fail "api: node is not installed"; return; }
	bash tests/api/run.sh "$bin" >$tmp/api.log 2>&1
	local rc=$? p f extra
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' $tmp/api.log | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' $tmp/api.log | awk '{s += $1} END {print s + 0}')
	extra=$(grep -c '^not ok - ' $tmp/api.log)
	[ "$p" -gt 0 ] && pass x "$p"
	if [ "$f" -gt 0 ] || [ "$extra" -gt 0 ] || [ "$rc" != 0 ] || [ "$p" = 0 ]; then
		grep -E -A12 '^not ok' $tmp/api.log | head -80
		[ "$f" -gt 0 ] || [ "$extra" -gt 0 ] || tail -30 $tmp/api.log
		fail "api tests ($bin)" $((f + extra > 0 ? f + extra : 1))
	fi
}

# The command line on PostgreSQL: tests/cli/pg_*.sh.
s_cli_pg() {
	pg_ready || { fail "cli-pg: cannot start PostgreSQL"; return; }
	SAFEPATH_TEST_PG=$SP_PG_QUERY s_cli "$1" pg_
}

# The API suite on PostgreSQL: the same tests, the servers on a database of their own.
s_api_pg() {
	pg_ready || { fail "api-pg: cannot start PostgreSQL"; return; }
	SAFEPATH_TEST_PG=$SP_PG_QUERY s_api "$1"
}

# The browser suite: node's test runner (TAP) driving Chromium against a real server.
s_e2e() {
	local bin=$1
	[ -x "$bin" ] || { fail "no $bin to test"; return; }
	command -v node >/dev/null || { fail "e2e: node is not installed"; return; }
	bash tests/e2e/run.sh "$bin" >$tmp/e2e.log 2>&1
	local rc=$? p f
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' $tmp/e2e.log | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' $tmp/e2e.log | awk '{s += $1} END {print s + 0}')
	[ "$p" -gt 0 ] && pass x "$p"
	if [ "$f" -gt 0 ] || [ "$rc" != 0 ] || [ "$p" = 0 ]; then
		grep -E -A30 '^not ok' $tmp/e2e.log | head -120
		[ "$f" -gt 0 ] || tail -30 $tmp/e2e.log
		grep '^# e2e: kept' $tmp/e2e.log
		fail "browser tests ($bin)" $((f > 0 ? f : 1))
	fi
}

# One browser flow on PostgreSQL (tests/e2e/run.sh picks it).
s_e2e_pg() {
	pg_ready || { fail "e2e-pg: cannot start PostgreSQL"; return; }
	SAFEPATH_TEST_PG=$SP_PG_QUERY s_e2e "$1"
}

s_lint() {
	if bash scripts/lint.sh >$tmp/lint.log 2>&1; then pass; else tail -40 $tmp/lint.log; fail "make lint"; fi
}

suite build s_build
suite lint-banned s_banned
suite lint s_lint
suite unit s_unit gcc
suite unit-pg s_unit_pg gcc
suite unit-asan s_unit asan
suite unit-asan-pg s_unit_pg asan
suite fuzz s_fuzz
suite cli s_cli build/gcc/safepath
suite cli-asan s_cli build/asan/safepath
suite cli-pg s_cli_pg build/gcc/safepath
suite api s_api build/gcc/safepath
suite api-pg s_api_pg build/gcc/safepath
suite api-asan s_api build/asan/safepath
suite e2e s_e2e build/gcc/safepath
suite e2e-pg s_e2e_pg build/gcc/safepath

if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"; printf '  %s\n' "${failures[@]}"
fi
[ "$skipped" = 0 ] || echo "skipped: $skipped (each with its reason above; not counted as passed)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
