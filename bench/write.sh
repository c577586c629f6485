#!/usr/bin/env bash
# Write path: POST /api/v1/cases (a new case with its person: validation, the policy, a person
# key created and committed in the key store, the profile sealed, blind-index rows, the case
# number, the case row and its audit record in one transaction on SQLite WAL with
# synchronous=FULL), with wrk on its own core and bench/post_case.lua making every body a
# different person, at 1 and at 16 connections; and, in the same run on the same disk, the
# plain SQLite program of Foundation I (bench/baseline_sqlite.c: the same rows and sizes, the
# same durability, one writer, no crypto, no policy, no HTTP). Each request commits on its own
# (no group commit of writes). Settings: SECONDS_PER_RUN (10), ROUNDS (3), BASE_CASES (1000).
. "$(dirname "$0")/lib.sh"
DUR=${SECONDS_PER_RUN:-10}
ROUNDS=${ROUNDS:-3}
B=$ROOT/build/gcc/bench
[ -x "$B/baseline_sqlite" ] || { echo "bench: build bench/*.c first (make bench)"; exit 1; }

machine_line
make_data 20
start_server
login demo.caseworker
export SP_COOKIE=$COOKIE SP_CSRF=$CSRF
# one request by hand: the script's body must be accepted
curl -sf -o /dev/null -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
	--data-binary '{"person":{"names":[{"role":"given","romanised":"Benchcheck"}],"sex":"male"}}' \
	"$BASE/api/v1/cases" || { echo "bench: POST /api/v1/cases refused"; exit 1; }
echo "write path: POST /api/v1/cases, wrk -t1 -cN -d${DUR}s --latency -s bench/post_case.lua on core $LOAD_CORE, $ROUNDS rounds; baseline: baseline_sqlite ${BASE_CASES:-1000} cases, one writer"
for r in $(seq "$ROUNDS"); do
	# 16k: 16 connections, each request with its own Idempotency-Key (recorded in its
	# transaction: one more look-up before it and one more row in it)
	for c in 1 16 16k; do
		conns=${c%k} keyed=0 what=""
		[ "$c" != "$conns" ] && keyed=1 what=", each with an Idempotency-Key"
		metrics_snapshot "$WORK/m0"
		t0=$(cpu_ticks "$server_pid")
		SP_IDEM_KEYS=$keyed taskset -c "$LOAD_CORE" wrk -t1 -c"$conns" -d"${DUR}s" --latency \
			-s "$ROOT/bench/post_case.lua" "$BASE/api/v1/cases" >"$WORK/w.$r.$c"
		t1=$(cpu_ticks "$server_pid")
		metrics_snapshot "$WORK/m1"
		n=$(awk '/requests in/ {print $1}' "$WORK/w.$r.$c")
		echo "round $r api, $conns connection(s)$what: $(wrk_summary "$WORK/w.$r.$c") server CPU µs/request=$(awk -v t=$((t1 - t0)) -v h="$TICK" -v n="$n" 'BEGIN {printf "%.0f", t / h * 1e6 / n}')"
		phase_table "$WORK/m0" "$WORK/m1" /api/v1/cases POST
	done
	echo -n "round $r baseline: "
	taskset -c "$SERVER_CORE" "$B/baseline_sqlite" "$WORK/base$r.db" "${BASE_CASES:-1000}" 480 7
done
