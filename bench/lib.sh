# shellcheck shell=bash
# Shared by the server benchmarks (read.sh, write.sh, memory.sh): a temporary data folder
# with demo data, `safepath serve` pinned to core 0 with the benchmark profile
# (bench/serve.conf), a log-in, and readers for wrk's output, /metrics and /proc.
# Benchmarks are not tests: they print figures and never pass or fail on a timing.
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SP=${SAFEPATH_BIN:-$ROOT/build/gcc/safepath} # another build to compare: SAFEPATH_BIN=...
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
for tool in wrk curl taskset; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (bash scripts/deps.sh)"; exit 1; }
done
WORK=$(mktemp -d -p "${BENCH_DIR:-$ROOT/build}")
chmod 755 "$WORK" # nginx's worker may run as another user
server_pid=""
cleanup() {
	for p in $server_pid ${nginx_pid:-}; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
# The demo accounts log in once: a cheap Argon2id keeps set-up short (it is not measured).
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
G=(--data "$WORK/var" --key-file "$WORK/keys/master.key" --config "$ROOT/bench/serve.conf")

machine_line() {
	echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); server on core $SERVER_CORE, load tool on core $LOAD_CORE"
}

# make_data CASES: init and demo; sets PASSWORD (the demo accounts' password).
make_data() {
	"$SP" "${G[@]}" --json init >"$WORK/init.json" 2>"$WORK/init.err" || { cat "$WORK/init.err"; exit 1; }
	"$SP" "${G[@]}" --json demo --cases "$1" >"$WORK/demo.json" 2>"$WORK/demo.err" || { cat "$WORK/demo.err"; exit 1; }
	PASSWORD=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/demo.json")
}

# start_server: serve on a free port, pinned to SERVER_CORE; sets server_pid, BASE.
start_server() {
	local port=""
	taskset -c "$SERVER_CORE" "$SP" "${G[@]}" --log-level warn serve --listen 127.0.0.1:0 \
		2>"$WORK/serve.err" &
	server_pid=$!
	# warn hides the listening line: the port is the one the process listens on
	for _ in $(seq 1 200); do
		port=$(ss -ltnpH 2>/dev/null | grep "pid=$server_pid," | sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -1)
		[ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
		kill -0 "$server_pid" 2>/dev/null || { cat "$WORK/serve.err"; exit 1; }
		sleep 0.02
	done
	[ -n "$port" ] || { echo "bench: the server did not start"; exit 1; }
	BASE="http://127.0.0.1:$port"
}

stop_server() {
	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=""
}

# login USER: sets COOKIE (sp_session=...) and CSRF.
login() {
	curl -sf -D "$WORK/login.h" -o "$WORK/login.json" -H 'Content-Type: application/json' \
		--data-binary "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session" ||
		{ echo "bench: cannot log in as $1"; exit 1; }
	COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(sp_session=[^;]*\);.*/\1/p' "$WORK/login.h")
	CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$WORK/login.json")
}

# cpu_ticks PID: user + system CPU of the whole process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# pg_cpu_ticks: user + system CPU so far of the throwaway cluster, in clock ticks: its
# postmaster's, its live processes' (the backends, the WAL writer, the checkpointer), and
# those of the backends that have ended (the postmaster's children's time: a backend ends
# when the server's connection thread does, at the end of a wrk run).
pg_cpu_ticks() {
	local pm
	pm=$(head -1 "$SP_PG_DIR/data/postmaster.pid")
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$pm" '
		{ sub(/^[0-9]+ \([^)]*\) /, "") }
		$2 == pm { t += $12 + $13 }
		END { print t + 0 }' | {
		read -r kids
		echo $((kids + $(awk '{sub(/^[0-9]+ \([^)]*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$pm/stat")))
	}
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
TICK=$(getconf CLK_TCK)

# metric NAME LABELS: the value of a /metrics sample whose labels contain LABELS ("" if none).
metrics_snapshot() { curl -sf "$BASE/metrics" >"$1"; }
metric() { # FILE NAME LABELS
	grep "^$2{" "$1" | grep -F "$3" | awk '{print $2}' | head -1
}

# phase_table BEFORE AFTER ROUTE METHOD: µs of thread CPU per request by phase between two
# /metrics snapshots, from safepath_http_cpu_seconds_total (cputime.h).
phase_table() {
	local b=$1 a=$2 labels="route=\"$3\",method=\"$4\""
	local n0 n1 n
	n0=$(metric "$b" safepath_http_cpu_requests_total "$labels"); n1=$(metric "$a" safepath_http_cpu_requests_total "$labels")
	n=$(( ${n1:-0} - ${n0:-0} ))
	[ "$n" -gt 0 ] || { echo "  (no requests counted)"; return; }
	local line="" total=0 ph s0 s1 us
	for ph in decode session policy store decrypt audit commit encode; do
		s0=$(metric "$b" safepath_http_cpu_seconds_total "$labels,phase=\"$ph\"")
		s1=$(metric "$a" safepath_http_cpu_seconds_total "$labels,phase=\"$ph\"")
		us=$(awk -v a="${s1:-0}" -v b="${s0:-0}" -v n="$n" 'BEGIN {printf "%.1f", (a - b) * 1e6 / n}')
		line="$line $ph=$us"
		total=$(awk -v t="$total" -v u="$us" 'BEGIN {printf "%.1f", t + u}')
	done
	echo "  CPU µs per request by phase (request thread, $n requests):$line, sum=$total"
}

# wrk_summary FILE: "req/s p50 p99 errors" from wrk --latency output.
wrk_summary() {
	local rps p50 p99 non2xx errs
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$1")
	p50=$(awk '$1 == "50%" {print $2}' "$1")
	p99=$(awk '$1 == "99%" {print $2}' "$1")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$1")
	errs=$(awk '/Socket errors:/ {print $0}' "$1")
	echo "req/s=$rps p50=$p50 p99=$p99 non-2xx=${non2xx:-0}${errs:+ ($errs)}"
}

# batch_store: the store of CASES synthetic cases (default 1,000,000) on STORE (sqlite, the
# default, or pg: the durable throwaway cluster of tests/pg.sh, which the caller sources, G
# pointed at it) made through the batch path (`safepath demo --cases N --batch`, under England
# and Wales's rules so that the referrals start deadlines) with machine_line printed first, or
# copied from its cache BENCH_CACHE/batch-STORE-CASES (made on the first run, shared by
# dashboard.sh and registration.sh); sets STORE, CASES, DUR (SECONDS_PER_RUN, 20), ROUNDS (2),
# CACHE, PASSWORD.
batch_store() {
	export SAFEPATH_JURISDICTION=gb-eng-wls
	STORE=${STORE:-sqlite}
	CASES=${CASES:-1000000}
	DUR=${SECONDS_PER_RUN:-20}
	ROUNDS=${ROUNDS:-2}
	CACHE=${BENCH_CACHE:-$ROOT/build/bench-cache}/batch-$STORE-$CASES
	case $STORE in
	sqlite) ;;
	pg)
		trap 'cleanup; pg_stop' EXIT
		# BENCH_PG_EXTRA: more server settings, e.g. "-c shared_preload_libraries=pg_stat_statements"
		SP_PG_EXTRA="-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=256MB ${BENCH_PG_EXTRA:-}"
		[ -f "$CACHE/ready" ] && SP_PG_SEED=$CACHE/pgdata
		SP_PG_EXTRA=$SP_PG_EXTRA pg_start >"$WORK/pg.log" 2>&1 || { cat "$WORK/pg.log"; exit 1; }
		G+=(--db "$(pg_url sp_bench)")
		;;
	*) echo "bench: STORE is sqlite or pg"; exit 1 ;;
	esac

	machine_line
	if [ -f "$CACHE/ready" ]; then
		cp -a "$CACHE/keys" "$CACHE/demo.json" "$WORK/"
		[ "$STORE" = sqlite ] && cp -a "$CACHE/var" "$WORK/"
		[ "$STORE" = pg ] && mkdir -p "$WORK/var"
		echo "store: $CASES cases from the cache $CACHE ($(cat "$CACHE/ready"))"
	else
		"$SP" "${G[@]}" --json init >"$WORK/init.json" 2>"$WORK/init.err" || { cat "$WORK/init.err"; exit 1; }
		t0=$(date +%s)
		"$SP" "${G[@]}" --json demo --cases "$CASES" --batch >"$WORK/demo.json" 2>"$WORK/demo.err" ||
			{ cat "$WORK/demo.err"; exit 1; }
		t1=$(date +%s)
		secs=$(sed -n 's/.*"batch_seconds":\([0-9.]*\).*/\1/p' "$WORK/demo.json")
		made="batch path $secs s, $(awk -v n="$CASES" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') cases/s; the whole demo $((t1 - t0)) s"
		echo "store: $CASES cases made: $made"
		mkdir -p "$CACHE"
		rm -rf "$CACHE/var" "$CACHE/keys"
		cp -a "$WORK/keys" "$WORK/demo.json" "$CACHE/"
		if [ "$STORE" = sqlite ]; then
			cp -a "$WORK/var" "$CACHE/"
		else
			pg_save "$CACHE/pgdata"
			SP_PG_SEED=$CACHE/pgdata
			pg_stop
			SP_PG_EXTRA=$SP_PG_EXTRA pg_start >"$WORK/pg.log" 2>&1 || { cat "$WORK/pg.log"; exit 1; }
			G=(--data "$WORK/var" --key-file "$WORK/keys/master.key" --config "$ROOT/bench/serve.conf" --db "$(pg_url sp_bench)")
		fi
		echo "$made; $(date -u +%FT%TZ)" >"$CACHE/ready"
	fi
	PASSWORD=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/demo.json")
}

# measure_run LABEL CONNECTIONS ROUTE METHOD URL WRK-ARGS...: one wrk run of $DUR s on
# LOAD_CORE (round $r): req/s, latency, the server's CPU per request, then the request
# thread's CPU by phase for ROUTE (a route template) and METHOD.
measure_run() {
	local label=$1 c=$2 route=$3 method=$4 url=$5 out="$WORK/wrk.$RANDOM" t0 t1 n
	shift 5
	metrics_snapshot "$WORK/m0"
	local pg0=0 pg1=0 pg=""
	[ "${STORE:-sqlite}" = pg ] && pg0=$(pg_cpu_ticks)
	t0=$(cpu_ticks "$server_pid")
	taskset -c "$LOAD_CORE" wrk -t1 -c"$c" -d"${DUR}s" --latency "$@" "$url" >"$out"
	t1=$(cpu_ticks "$server_pid")
	n=$(awk '/requests in/ {print $1}' "$out")
	per() { awk -v t="$1" -v h="$TICK" -v n="$n" 'BEGIN {printf "%.1f", t / h * 1e6 / n}'; }
	[ "${STORE:-sqlite}" = pg ] && pg1=$(pg_cpu_ticks) && pg=" PostgreSQL's CPU µs/request=$(per $((pg1 - pg0)))"
	echo "round $r $label, $c connection(s): $(wrk_summary "$out") CPU µs/request=$(per $((t1 - t0)))$pg"
	metrics_snapshot "$WORK/m1"
	phase_table "$WORK/m0" "$WORK/m1" "$route" "$method"
}
