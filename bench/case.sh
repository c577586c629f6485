#!/usr/bin/env bash
# Creating a case with its person: the library (bench_case) against a plain C program
# writing rows of the same number and sizes into SQLite with the same durability
# (baseline_sqlite), in the same run, on the same disk, alternating so that both see the
# same disk weather. Single thread, one transaction per case. Then both again with
# synchronous=OFF: the user CPU per case left is what is spent outside the fsync.
# Load: N cases (CASES, default 2000) per round, ROUNDS rounds (default 3).
set -eu
cd "$(dirname "$0")/.."
B=build/gcc/bench
N=${CASES:-2000}
ROUNDS=${ROUNDS:-3}
dir=$(mktemp -d -p "${BENCH_DIR:-$PWD/build}")
trap 'rm -rf "$dir"' EXIT
for r in $(seq "$ROUNDS"); do
	out=$("$B/bench_case" "$dir/lib$r" "$N")
	echo "$out"
	profile=$(echo "$out" | sed -n 's/.*profile_bytes=\([0-9]*\).*/\1/p')
	safety=$(echo "$out" | sed -n 's/.*safety_bytes=\([0-9]*\).*/\1/p')
	rows=$(echo "$out" | sed -n 's/.*index_rows=\([0-9]*\).*/\1/p')
	"$B/baseline_sqlite" "$dir/base$r.db" "$N" $((profile + safety)) $((rows + 1))
done
"$B/bench_case" "$dir/liboff" "$N" off
"$B/baseline_sqlite" "$dir/baseoff.db" "$N" $((profile + safety)) $((rows + 1)) off
