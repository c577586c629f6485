#!/usr/bin/env bash
# Start-up and memory of `safepath serve` with a key file: the time from exec to the first
# successful GET /healthz (curl in a loop, so a few milliseconds of curl's own start-up are
# included), then resident memory (VmRSS) after start plus one log-in and one case-list page,
# after 10,000 and after 20,000 GET /api/v1/cases?limit=50 on CONNECTIONS (4) connections, and
# after a run on 64 connections (each connection has its own thread with its own database
# and key-store connections). Settings: ROUNDS (3) start-ups, REQUESTS (10000).
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-3}
REQ=${REQUESTS:-10000}
CONN=${CONNECTIONS:-4}
machine_line
make_data 300
echo "start-up: exec to first 200 on /healthz, key file, 300 demo cases; $ROUNDS starts"
for r in $(seq "$ROUNDS"); do
	t0=$(date +%s%N)
	start_server
	t1=$(date +%s%N)
	echo "round $r start-up ms=$(( (t1 - t0) / 1000000 )) rss_kib=$(rss_kib "$server_pid")"
	[ "$r" = "$ROUNDS" ] || stop_server
done
login demo.caseworker
URL="$BASE/api/v1/cases?limit=50"
curl -sf -o /dev/null -H "Cookie: $COOKIE" "$URL"
echo "rss after start, a log-in and one page: $(rss_kib "$server_pid") KiB"
export SP_COOKIE=$COOKIE SP_REQUESTS=$REQ
# count.lua stops wrk at REQ answers; the totals printed add up what wrk reports.
total=1
for k in 1 2; do
	taskset -c "$LOAD_CORE" wrk -t1 -c"$CONN" -d120s -s "$ROOT/bench/count.lua" "$URL" >"$WORK/m.$k"
	total=$((total + $(awk '/requests in/ {print $1}' "$WORK/m.$k")))
	echo "rss after $total pages in all (this batch on $CONN connections): $(rss_kib "$server_pid") KiB"
done
taskset -c "$LOAD_CORE" wrk -t1 -c64 -d10s --latency -H "Cookie: $COOKIE" "$URL" >"$WORK/m.64"
echo "rss after 10 s on 64 connections: $(rss_kib "$server_pid") KiB ($(wrk_summary "$WORK/m.64"))"
sleep 2
echo "rss 2 s later (connection threads gone): $(rss_kib "$server_pid") KiB"
