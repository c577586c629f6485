#!/usr/bin/env bash
# safepath dedup over a registry of generated persons (issue 7, item 14): tools/gen_persons
# --persons PERSONS (default 1,000,000: about 1.5 million registrations, seed 1) imported with
# `safepath demo --generated` (the batch path), then `safepath dedup --format csv` as the demo
# supervisor, timed from the start of the command to the written file with /usr/bin/time -v
# (wall clock, CPU, maximum resident set): persons, pairs after blocking, comparisons a
# second, pairs at or above the threshold, and precision and recall of the queue against the
# generator's truth (tools/dedup_truth.awk). The imported store is cached (BENCH_CACHE,
# default build/bench-cache): a second run copies it instead of making it again, and each run
# starts from the cached store (no pairs kept yet). SQLite. Settings: PERSONS, BENCH_CACHE. The figures and the machine go to docs/performance.md by hand.
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SP=${SAFEPATH_BIN:-$ROOT/build/gcc/safepath}
GEN=$(dirname "$SP")/tools/gen_persons
PERSONS=${PERSONS:-1000000}
CACHE=${BENCH_CACHE:-$ROOT/build/bench-cache}/dedup-sqlite-$PERSONS
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)"; exit 1; }
WORK=$(mktemp -d -p "${BENCH_DIR:-$ROOT/build}")
trap 'rm -rf "$WORK"' EXIT
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
G=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -f "$CACHE/ready" ]; then
	cp -a "$CACHE/var" "$CACHE/keys" "$CACHE/demo.json" "$CACHE/map.csv" "$CACHE/gen.err" "$WORK/"
	echo "store: $PERSONS persons from the cache $CACHE ($(cat "$CACHE/ready"))"
else
	"$GEN" --persons "$PERSONS" --seed 1 >"$WORK/persons.jsonl" 2>"$WORK/gen.err"
	"$SP" "${G[@]}" --json init >"$WORK/init.json"
	t0=$(date +%s)
	"$SP" "${G[@]}" --json demo --generated "$WORK/persons.jsonl" --map "$WORK/map.csv" \
		>"$WORK/demo.json" 2>"$WORK/demo.err" || { cat "$WORK/demo.err"; exit 1; }
	t1=$(date +%s)
	rm "$WORK/persons.jsonl"
	secs=$(sed -n 's/.*"batch_seconds":\([0-9.]*\).*/\1/p' "$WORK/demo.json")
	records=$(($(wc -l <"$WORK/map.csv") - 1))
	made="$records registrations imported: batch path $secs s, $(awk -v n="$records" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') a second; the whole demo $((t1 - t0)) s"
	echo "store: $made"
	mkdir -p "$CACHE"
	rm -rf "$CACHE/var" "$CACHE/keys"
	cp -a "$WORK/var" "$WORK/keys" "$WORK/demo.json" "$WORK/map.csv" "$WORK/gen.err" "$CACHE/"
	echo "$made; $(date -u +%FT%TZ)" >"$CACHE/ready"
fi
cat "$WORK/gen.err"
PASSWORD=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/demo.json")
echo "command: safepath dedup --format csv --out pairs.csv --as demo.supervisor"
/usr/bin/time -v -o "$WORK/time.txt" "$SP" "${G[@]}" --json dedup --format csv --out "$WORK/pairs.csv" \
	--as demo.supervisor --password-fd 3 3<<<"$PASSWORD" >"$WORK/run.json"
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$WORK/run.json"; }
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")
cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.1f", u + s}' "$WORK/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/time.txt")
echo "dedup: wall $wall, CPU $cpu s, max RSS $rss MB; in the run $(printf %.1f "$(field seconds)") s, comparing and estimating $(printf %.1f "$(field compare_seconds)") s"
echo "persons $(field persons), candidates $(field candidates), keys $(field keys) shared and $(field capped_keys) capped, pairs after blocking $(field pairs), comparisons $(field comparisons) ($(field comparisons_per_second | cut -d. -f1) a second)"
echo "at or above $(printf %.2f "$(field threshold)"): $(field above_threshold) pairs ($(field hidden) not the supervisor's to see)"
sqlite3 "$WORK/var/safepath.db" "SELECT lower(hex(person_a)) || ',' || lower(hex(person_b)) FROM match_pairs WHERE state = 'proposed'" >"$WORK/queue.txt"
true_pairs=$(sed -n 's/.* \([0-9]*\) true duplicate pairs.*/\1/p' "$WORK/gen.err")
read -r tp fp <<<"$(awk -F, -f "$ROOT/tools/dedup_truth.awk" "$WORK/map.csv" "$WORK/queue.txt")"
awk -v tp="$tp" -v fp="$fp" -v t="$true_pairs" 'BEGIN { printf "truth: %d true pairs; the queue %d true, %d false: precision %.4f, recall %.4f\n", t, tp, fp, tp / (tp + fp), tp / t }'
