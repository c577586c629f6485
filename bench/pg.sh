#!/usr/bin/env bash
# The read and write paths on PostgreSQL (issue 4): a throwaway cluster (tests/pg.sh) made
# durable like SQLite's synchronous=FULL (fsync, synchronous_commit and full-page writes on),
# the demo data in it, `safepath serve --db postgresql://…` pinned to core 0 with the benchmark
# profile, wrk on core 1. The database's processes run where the kernel puts them (both cores):
# their CPU is read from /proc for the postmaster and its children, and reported beside the
# server's and wrk's. Per round: GET /api/v1/cases?limit=50 at 64 connections (as read.sh),
# POST /api/v1/cases at 1 and 16 connections (as write.sh), and in the same run the plain libpq
# program bench/baseline_pg.c writing the same rows with the same durability, one writer.
# Then two servers on the database, the connections split between them: each server's CPU per
# request, the database's and the lock waits. Settings: SECONDS_PER_RUN (10), ROUNDS (2),
# BASE_CASES (1000), CASES (300, the demo cases at the start), SERVER2_CORE.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/pg.sh"
DUR=${SECONDS_PER_RUN:-10}
ROUNDS=${ROUNDS:-2}
B=$ROOT/build/gcc/bench
[ -x "$B/baseline_pg" ] || { echo "bench: build bench/*.c first (make bench)"; exit 1; }
trap 'cleanup; pg_stop' EXIT
SP_PG_EXTRA="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=128MB" \
	pg_start >"$WORK/pg.log" 2>&1 || { cat "$WORK/pg.log"; exit 1; }
URL=$(pg_url sp_bench)
G+=(--db "$URL")

machine_line
echo "postgresql: $("$SP_PG_BIN/postgres" --version), a cluster of its own, fsync and synchronous_commit on"
make_data "${CASES:-300}"
start_server
login demo.caseworker
export SP_COOKIE=$COOKIE SP_CSRF=$CSRF
postmaster=$(head -1 "$SP_PG_DIR/data/postmaster.pid")
# pg_ticks: CPU ticks of the database: the postmaster's own and those of the children it has
# reaped (a backend ends with its connection), plus its live children's
pg_ticks() {
	local t p
	t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")
	for p in $(pgrep -P "$postmaster"); do
		[ -r "/proc/$p/stat" ] && t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# lock_sampler FILE: every 20 ms until killed, the number of the database's sessions waiting on
# a lock (pg_stat_activity, wait_event_type Lock: a row lock such as the audit chain's head, or
# a transaction id), one line each; one psql session (\watch), whose own CPU is counted with the
# database's.
lock_sampler() {
	printf "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'\n\\watch 0.02\n" |
		"$SP_PG_BIN/psql" -X -A -t -q -h "$SP_PG_DIR" -p "$SP_PG_PORT" -U sp -d sp_bench 2>/dev/null |
		grep --line-buffered -E '^[0-9]+$' >>"$1"
}
# run LABEL CONNECTIONS PATH [wrk options]: one run against every server in PIDS/BASES at once,
# the connections split between them (a wrk each, all on the load core, as a load balancer
# would spread them); req/s and latency of each, CPU µs per request of each server (its CPU
# over its requests), of the database and of wrk (over all the requests), and the time the
# database's sessions spent waiting on locks (sampled: sessions waiting at each sample × the
# time between samples, over the requests).
run() {
	local label=$1 c=$2 path=$3 out="$WORK/wrk.$RANDOM" p0 p1 n=0 sampler i k=${#PIDS[@]}
	local -a s0 s1 wrks
	shift 3
	: >"$out.locks"
	lock_sampler "$out.locks" &
	sampler=$!
	for i in "${!PIDS[@]}"; do s0[i]=$(cpu_ticks "${PIDS[i]}"); done
	p0=$(pg_ticks)
	for i in "${!PIDS[@]}"; do
		/usr/bin/time -f "%U %S" -o "$out.$i.time" taskset -c "$LOAD_CORE" \
			wrk -t1 -c$((c / k)) -d"${DUR}s" --latency "$@" "${BASES[i]}$path" >"$out.$i" &
		wrks[i]=$!
	done
	for i in "${!PIDS[@]}"; do wait "${wrks[i]}"; done
	for i in "${!PIDS[@]}"; do s1[i]=$(cpu_ticks "${PIDS[i]}"); done
	p1=$(pg_ticks)
	pkill -P "$sampler" 2>/dev/null || true
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	local servers="" sums="" w=0
	for i in "${!PIDS[@]}"; do
		local ni
		ni=$(awk '/requests in/ {print $1}' "$out.$i")
		n=$((n + ni))
		[ "$k" -gt 1 ] && sums="$sums [server $((i + 1)): $(wrk_summary "$out.$i")]" || sums=$(wrk_summary "$out.$i")
		servers="$servers server$([ "$k" -gt 1 ] && echo $((i + 1)))=$(awk -v s=$((s1[i] - s0[i])) -v h="$TICK" -v n="$ni" 'BEGIN {printf "%.0f", s / h * 1e6 / n}')"
		w=$(awk -v a="$w" '{print a + $1 + $2}' "$out.$i.time")
	done
	awk -v l="$label" -v sum="$sums" -v sv="$servers" -v p=$((p1 - p0)) -v h="$TICK" -v n="$n" -v w="$w" \
		-v lk="$(awk '{w += $1; k++} END {printf "%.3f %d", k ? w / k * DUR : 0, k}' DUR="$DUR" "$out.locks")" \
		-v r="$r" -v d="$DUR" 'BEGIN {split(lk, L, " "); printf "round %s %s: %s; %.0f req/s in all; CPU µs/request:%s database=%.0f wrk=%.0f; lock waits: %.0f µs/request (%s samples)\n", r, l, sum, n / d, sv, p / h * 1e6 / n, w * 1e6 / n, L[1] * 1e6 / n, L[2]}'
}
echo "read: GET /api/v1/cases?limit=50 at 64 connections; write: POST /api/v1/cases (bench/post_case.lua) at 1 and 16; $DUR s a run, $ROUNDS rounds; baseline: baseline_pg ${BASE_CASES:-1000} cases"
PIDS=("$server_pid")
BASES=("$BASE")
for r in $(seq "$ROUNDS"); do
	run "read, 64 connections" 64 "/api/v1/cases?limit=50" -H "Cookie: $COOKIE"
	for c in 1 16; do
		run "write, $c connection(s)" "$c" "/api/v1/cases" -s "$ROOT/bench/post_case.lua"
	done
	echo -n "round $r baseline: "
	q="host=$SP_PG_DIR port=$SP_PG_PORT user=sp"
	"$SP_PG_BIN/createdb" -h "$SP_PG_DIR" -p "$SP_PG_PORT" -U sp "base$r"
	"$SP_PG_BIN/createdb" -h "$SP_PG_DIR" -p "$SP_PG_PORT" -U sp "base${r}_keys"
	PGOPTIONS="-c client_min_messages=warning" taskset -c "$SERVER_CORE" "$B/baseline_pg" \
		"$q dbname=base$r" "$q dbname=base${r}_keys" "${BASE_CASES:-1000}" 480 7
done
# Two servers on the one database, the second pinned to SERVER2_CORE (default: the first's
# core, so that the servers' CPU adds up on one core as on a machine with one core per
# server's share), the same session used on both (sessions live in the database).
first=$server_pid
SERVER_CORE=${SERVER2_CORE:-$SERVER_CORE} start_server
PIDS=("$first" "$server_pid")
BASES+=("$BASE")
server_pid="$first $server_pid"
echo "two servers: the connections split evenly between them, a wrk each"
for r in $(seq "$ROUNDS"); do
	run "2 servers, read, 64 connections" 64 "/api/v1/cases?limit=50" -H "Cookie: $COOKIE"
	for c in 2 16; do
		run "2 servers, write, $c connections" "$c" "/api/v1/cases" -s "$ROOT/bench/post_case.lua"
	done
done
