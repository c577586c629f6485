#!/usr/bin/env bash
# The registration check at scale (issue 7, item 15): a store of CASES synthetic cases
# (default 1,000,000) made through the batch path (`safepath demo --cases N --batch`: every
# person's sealed matching cells and blinded blocking keys written with it), `safepath serve`
# pinned to core 0 with the benchmark profile, and POST /api/v1/persons/match-check as
# demo.caseworker driven by wrk on core 1 at 1 and at 16 connections, each request a different
# person drawn like the demo's Tigrinya persons (bench/post_check.lua). Per run: req/s, p50,
# p99 and the server process's CPU per request (/proc), then the request thread's CPU by phase
# (/metrics). On PostgreSQL (STORE=pg) the throwaway cluster of tests/pg.sh, durable; the
# cluster's own CPU per request is printed next to it. The loaded store is cached (BENCH_CACHE, default
# build/bench-cache) and shared with dashboard.sh. One check's answer is printed first (its number of
# candidates, whether one is elsewhere), and the plan of the blocking look-up after the runs.
# Settings: STORE (sqlite or pg), CASES, SECONDS_PER_RUN (20), ROUNDS (2), BENCH_CACHE.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/pg.sh"
batch_store
start_server
login demo.caseworker
export SP_COOKIE=$COOKIE SP_CSRF=$CSRF
PATH_CHECK=/api/v1/persons/match-check
one='{"person":{"names":[{"role":"given","romanised":"Saba"},{"role":"father","romanised":"Tesfay"}],"sex":"female","date_of_birth":{"date":"2008-05-17"},"nationalities":["ER"]}}'
curl -sf -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	--data-binary "$one" "$BASE$PATH_CHECK" >"$WORK/check.json" || { echo "bench: the check failed"; exit 1; }
echo "one check: $(grep -o '"case_id"' "$WORK/check.json" | wc -l) candidate(s) shown, elsewhere=$(sed -n 's/.*"elsewhere":\(true\|false\).*/\1/p' "$WORK/check.json" | tail -1), $(wc -c <"$WORK/check.json") bytes"
echo "wrk -t1 --latency on core $LOAD_CORE, $DUR s a run, $ROUNDS rounds; load: bench/post_check.lua (a different person each request)"

# a warm-up, not measured: every connection's thread opens its store connections and matcher
taskset -c "$LOAD_CORE" wrk -t1 -c16 -d3s -s "$ROOT/bench/post_check.lua" "$BASE$PATH_CHECK" >/dev/null
for r in $(seq "$ROUNDS"); do
	for c in 1 16; do measure_run check "$c" "$PATH_CHECK" POST "$BASE$PATH_CHECK" -s "$ROOT/bench/post_check.lua"; done
done
stop_server

echo "== the blocking look-up's plan"
q="SELECT person_id FROM person_match_keys WHERE rule = 0 AND mkey = X'00' LIMIT 201"
if [ "$STORE" = sqlite ]; then
	sqlite3 "$WORK/var/safepath.db" "EXPLAIN QUERY PLAN $q"
	echo "keys: $(sqlite3 "$WORK/var/safepath.db" 'SELECT COUNT(*) FROM person_match_keys'), persons with cells: $(sqlite3 "$WORK/var/safepath.db" 'SELECT COUNT(*) FROM person_match')"
else
	"$SP_PG_BIN/psql" -X -q -h "$SP_PG_DIR" -p "$SP_PG_PORT" -U sp -d sp_bench \
		-c "EXPLAIN SELECT person_id FROM person_match_keys WHERE rule = 0 AND mkey = '\\x00'::bytea LIMIT 201"
fi
