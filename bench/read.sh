#!/usr/bin/env bash
# Read path: GET /api/v1/cases?limit=50 as demo.caseworker (a page of 50 cases with their
# names decrypted, through the session check, the rate limits, the policy for every row and
# one audit record for the page, durable before the answer), with wrk on its own core against the server on another; then
# nginx (1 worker, sendfile, no access log, keep-alive) serving a static file of the same size
# on the same core, in the same run, for context. Per round: the API's req/s and latency,
# nginx's, the whole server process's CPU per request (/proc), and the request thread's CPU
# by phase (safepath_http_cpu_seconds_total on /metrics). The page shows each person's name,
# opened per row with the person's key; a third run per round reads one case with its whole
# person (GET /api/v1/cases/:id). Settings: SECONDS_PER_RUN (30), CONNECTIONS (64), ROUNDS
# (3), CASES (300 demo cases).
. "$(dirname "$0")/lib.sh"
DUR=${SECONDS_PER_RUN:-30}
CONN=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
command -v nginx >/dev/null || { echo "bench: nginx is missing (bash scripts/deps.sh)"; exit 1; }

machine_line
make_data "${CASES:-300}"
start_server
login demo.caseworker
URL="$BASE/api/v1/cases?limit=50"
curl -sf -H "Cookie: $COOKIE" "$URL" >"$WORK/page.json"
SIZE=$(wc -c <"$WORK/page.json")
ITEMS=$(grep -o '"id":' "$WORK/page.json" | wc -l)
NAMED=$(grep -o '"name":"' "$WORK/page.json" | wc -l)
CASE_URL="$BASE/api/v1/cases/$(sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' "$WORK/page.json" | head -1)"
curl -sf -H "Cookie: $COOKIE" "$CASE_URL" | grep -q '"names"' || { echo "bench: the case read shows no person"; exit 1; }
echo "read path: GET /api/v1/cases?limit=50, $ITEMS items ($NAMED with a name), $SIZE bytes; wrk -t1 -c$CONN -d${DUR}s --latency on core $LOAD_CORE, $DUR s per run, $ROUNDS rounds"

# nginx with its own configuration in the temporary folder, on a free port
NGX=$WORK/nginx
mkdir -p "$NGX/html" "$NGX/tmp"
head -c "$SIZE" /dev/zero | tr '\0' x >"$NGX/html/page.json"
NPORT=$(comm -23 <(seq 20000 40000 | sort) <(ss -ltnH | awk '{print $4}' | sed 's/.*://' | sort -u) | shuf -n1)
user_line=""
[ "$(id -u)" = 0 ] && user_line="user $(id -un);"
cat >"$NGX/nginx.conf" <<EOT
$user_line
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	default_type application/json;
	client_body_temp_path $NGX/tmp; proxy_temp_path $NGX/tmp; fastcgi_temp_path $NGX/tmp;
	uwsgi_temp_path $NGX/tmp; scgi_temp_path $NGX/tmp;
	server { listen 127.0.0.1:$NPORT; root $NGX/html; }
}
EOT
taskset -c "$SERVER_CORE" nginx -c "$NGX/nginx.conf" -p "$NGX" 2>"$NGX/start.err" &
nginx_pid=$!
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$NPORT/page.json" -o /dev/null && break
	sleep 0.05
done
NWORKER=$(pgrep -P "$nginx_pid" | head -1)
[ -n "$NWORKER" ] || { cat "$NGX/start.err" "$NGX/error.log"; echo "bench: nginx did not start"; exit 1; }
echo "nginx: 1 worker on core $SERVER_CORE, sendfile on, access_log off, keep-alive; static file of $SIZE bytes"

# a warm-up, not measured: every connection's thread opens its store connections
taskset -c "$LOAD_CORE" wrk -t1 -c"$CONN" -d3s -H "Cookie: $COOKIE" "$URL" >/dev/null
# measure LABEL PID SECONDS URL [ROUTE]: one wrk run; req/s, latency, the process PID's CPU per
# request, and with ROUTE the request thread's CPU by phase from /metrics.
measure() {
	local label=$1 pid=$2 secs=$3 url=$4 route=${5:-} out="$WORK/wrk.$RANDOM" t0 t1 n
	[ -n "$route" ] && metrics_snapshot "$WORK/m0"
	t0=$(cpu_ticks "$pid")
	taskset -c "$LOAD_CORE" wrk -t1 -c"$CONN" -d"${secs}s" --latency -H "Cookie: $COOKIE" "$url" >"$out"
	t1=$(cpu_ticks "$pid")
	n=$(awk '/requests in/ {print $1}' "$out")
	echo "round $r $label: $(wrk_summary "$out") CPU µs/request=$(awk -v t=$((t1 - t0)) -v h="$TICK" -v n="$n" 'BEGIN {printf "%.1f", t / h * 1e6 / n}') rss_kib=$(rss_kib "$pid")"
	if [ -n "$route" ]; then
		metrics_snapshot "$WORK/m1"
		phase_table "$WORK/m0" "$WORK/m1" "$route" GET
	fi
}
for r in $(seq "$ROUNDS"); do
	measure "api (whole server process)" "$server_pid" "$DUR" "$URL" /api/v1/cases
	measure "nginx (its worker)" "$NWORKER" "$DUR" "http://127.0.0.1:$NPORT/page.json"
	measure "one case with its person" "$server_pid" "$(( (DUR + 2) / 3 ))" "$CASE_URL" /api/v1/cases/:id
done
