#!/usr/bin/env bash
# safepath match on FEBRL 4 (5000 x 5000 records, ../shared/data/febrl): pairs after blocking,
# field comparisons per CPU second and the command's CPU time, from the start of the command to
# the written result (reading both files, blocking, comparing, u from random pairs, EM, writing
# the pairs). Load: one process, ROUNDS rounds (default 5), the best and the median printed.
# Then the generator's persons (tools/gen_persons, seed 3) at GEN_PERSONS (default "100000
# 1000000") deduplicated with the person model by bench/bench_match_gen.c: pairs after blocking,
# field comparisons per CPU second, the link's phases, recall and precision against the truth.
# Not a test: copy the figures into docs/performance.md with the machine line.
set -eu
cd "$(dirname "$0")/.."
SP=build/gcc/safepath
FEBRL=${SAFEPATH_TEST_SHARED:-$(cd .. && pwd)/shared}/data/febrl
ROUNDS=${ROUNDS:-5}
[ -x "$SP" ] || make -s build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: $SP match --model febrl --left dataset4a.csv --right dataset4b.csv --out FILE"
for i in $(seq 1 "$ROUNDS"); do
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$SP" match --model febrl \
		--left "$FEBRL/dataset4a.csv" --right "$FEBRL/dataset4b.csv" --out "$tmp/pairs.csv" \
		2>"$tmp/err"
	read -r wall user sys rss <"$tmp/time"
	summary=$(grep '^match:' "$tmp/err")
	candidates=$(sed -n 's/.* of \([0-9]*\) candidates.*/\1/p' <<<"$summary")
	comparisons=$(sed -n 's/.*(\([0-9]*\) comparisons.*/\1/p' <<<"$summary")
	written=$(sed -n 's/^match: \([0-9]*\) pairs.*/\1/p' <<<"$summary")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')
	echo "$cpu $wall $rss $candidates $comparisons $written" >>"$tmp/rounds"
done
sort -n "$tmp/rounds" | awk -v n="$ROUNDS" '
	{cpu[NR] = $1; wall[NR] = $2; rss = $3; cand = $4; cmp = $5; out = $6}
	END {
		m = int((n + 1) / 2)
		printf "pairs after blocking: %d (of 25,000,000), pairs written: %d\n", cand, out
		printf "field comparisons (candidates and random pairs for u): %d\n", cmp
		printf "CPU s: best %.2f, median %.2f; wall s (median) %.2f; peak RSS %d KiB\n",
			cpu[1], cpu[m], wall[m], rss
		printf "comparisons per CPU second (whole command, median): %.0f\n", cmp / cpu[m]
	}'

B=build/gcc/bench
if [ ! -x "$B/bench_match_gen" ] || [ bench/bench_match_gen.c -nt "$B/bench_match_gen" ] ||
	[ build/gcc/libsafepath.a -nt "$B/bench_match_gen" ]; then
	mkdir -p "$B"
	# shellcheck disable=SC2046
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -Isrc bench/bench_match_gen.c \
		build/gcc/libsafepath.a $(pkg-config --cflags --libs libsodium sqlite3 libpq jansson \
		icu-uc icu-i18n icu-io) -lpthread -lm -o "$B/bench_match_gen"
fi
for n in ${GEN_PERSONS:-100000 1000000}; do
	echo "== generated persons: gen_persons --persons $n --seed 3, deduplicated with the person model"
	build/gcc/tools/gen_persons --persons "$n" --seed 3 >"$tmp/persons.jsonl" 2>/dev/null
	"$B/bench_match_gen" "$tmp/persons.jsonl"
	rm -f "$tmp/persons.jsonl"
done
