#!/usr/bin/env bash
# The caseworker's dashboard at scale (issue 6, item 19): a store of CASES synthetic cases
# (default 1,000,000) made through the batch path (`safepath demo --cases N --batch`, under
# England and Wales's rules so that the referrals start deadlines), where demo.caseworker has
# exactly 500 open cases, 1,000 tasks, 100 referral events and 500 referrals to the synthetic
# shelter (sent; every second acknowledged, every tenth accepted); `safepath serve` pinned to
# core 0 with the benchmark profile; each page of PAGES (demo.caseworker's dashboard,
# demo.provider's incoming referrals: the first 50 of the 500) as its user, driven by wrk on
# core 1 at 1 and at 16 connections. Per run: req/s, p50, p99 and the server process's
# CPU per request (/proc, as read.sh), then the request thread's CPU by phase (/metrics). On
# PostgreSQL (STORE=pg) the throwaway cluster of tests/pg.sh, durable (fsync,
# synchronous_commit and full-page writes on); the cluster's own CPU per request is printed next to it.
# The loaded store is cached (BENCH_CACHE, default build/bench-cache): a second run copies it
# instead of making it again. On PostgreSQL, the statements a request of each page costs
# (log_statement=all for a second of wrk at one connection, after its runs). The query plans
# of the dashboard's statements are printed (EXPLAIN) after the runs. Settings: STORE (sqlite or pg), CASES, SECONDS_PER_RUN (20),
# ROUNDS (2), BENCH_CACHE.
# More pages to measure are more lines in PAGES.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/pg.sh"
# label, user, path
PAGES=("dashboard|demo.caseworker|/api/v1/me/dashboard"
	"inbox|demo.provider|/api/v1/referrals?box=incoming")
batch_store
start_server

# count_statements LABEL URL: on PostgreSQL, the statements of one request (each a round
# trip), from the server's log with log_statement=all around a second of wrk at one
# connection: on the request's own connection (the one that looks the session up, one
# lookup a request) and on the audit writer's (one batch a request at one connection).
psql_bench() { "$SP_PG_BIN/psql" -X -q -h "$SP_PG_DIR" -p "$SP_PG_PORT" -U sp -d sp_bench "$@"; }
count_statements() {
	local label=$1 url=$2 log="$SP_PG_DIR/server.log" from
	psql_bench -c "ALTER SYSTEM SET log_line_prefix = '%p:'" \
		-c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 1
	from=$(wc -l <"$log")
	taskset -c "$LOAD_CORE" wrk -t1 -c1 -d1s -H "Cookie: $COOKIE" "$url" >/dev/null
	psql_bench -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_line_prefix" \
		-c "SELECT pg_reload_conf()" >/dev/null
	tail -n +$((from + 1)) "$log" | grep -E '^[0-9]+:LOG:  (statement|execute)' | awk -F: -v l="$label" '
		{ n[$1]++ }
		/FROM sessions s JOIN users/ { req[$1]++ }
		/INSERT INTO audit_log/ { aud[$1] = 1 }
		END {
			for (p in req) if (!best || req[p] > req[best]) best = p
			for (p in aud) w += n[p]
			if (best) printf "%s: statements a request on PostgreSQL: %.1f on its connection, %.1f on the audit writer'"'"'s (%d requests)\n", l, n[best] / req[best], w / req[best], req[best]
		}'
}
for page in "${PAGES[@]}"; do
	IFS='|' read -r label user path <<<"$page"
	login "$user"
	curl -sf -H "Cookie: $COOKIE" "$BASE$path" >"$WORK/page.json" || { echo "bench: $path failed"; exit 1; }
	echo "$label: GET $path as $user, $(wc -c <"$WORK/page.json") bytes: $(sed 's/"items":\[[^]]*\]/"items":[…]/g' "$WORK/page.json" | head -c 400)"
	echo "wrk -t1 --latency on core $LOAD_CORE, $DUR s a run, $ROUNDS rounds"
	# a warm-up, not measured: every connection's thread opens its store connections
	taskset -c "$LOAD_CORE" wrk -t1 -c16 -d3s -H "Cookie: $COOKIE" "$BASE$path" >/dev/null
	for r in $(seq "$ROUNDS"); do
		for c in 1 16; do measure_run "$label" "$c" "${path%%\?*}" GET "$BASE$path" -H "Cookie: $COOKIE"; done
	done
	[ "$STORE" = pg ] && count_statements "$label" "$BASE$path"
done
stop_server

# The plans of the dashboard's statements for demo.caseworker and of the provider's inbox (the
# SQL of src/casework/search.c, task.c, deadline.c and src/refer/referral.c with the user's id
# looked up in the statement).
lit="(SELECT id FROM users WHERE username = 'demo.caseworker')"
if [ "$STORE" = sqlite ]; then
	explain() { sqlite3 "$WORK/var/safepath.db" "EXPLAIN QUERY PLAN $1"; }
else
	explain() { psql_bench -c "EXPLAIN $1"; }
fi
agency="(SELECT agency_id FROM users WHERE username = 'demo.caseworker')"
echo "== plans"
echo "-- cases by priority"
explain "SELECT priority, COUNT(*) FROM cases WHERE assigned_to = $lit AND agency_id = $agency AND status IN ('open', 'active') GROUP BY priority"
echo "-- the first cases"
order="ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, updated_us DESC, id"
explain "SELECT id, (SELECT display FROM person_display d WHERE d.person_id = cases.person_id) FROM cases WHERE id IN (SELECT id FROM cases WHERE assigned_to = $lit AND agency_id = $agency AND status IN ('open', 'active') $order LIMIT 20) $order"
echo "-- tasks due"
explain "SELECT COUNT(*) FROM tasks WHERE assignee_id = $lit AND status = 'open' AND due_order < 0"
echo "-- overdue deadlines"
explain "SELECT deadlines.id, cases.number FROM deadlines JOIN cases ON cases.id = deadlines.case_id WHERE cases.assigned_to = $lit AND cases.agency_id = $agency AND cases.status IN ('open', 'active') AND deadlines.status = 'open' AND kind = 'target' AND due_order < 0 ORDER BY due_order, deadlines.id"
ngo="(SELECT agency_id FROM users WHERE username = 'demo.caseworker')"
echo "-- referrals awaiting an answer: the count, the first 10"
explain "SELECT COUNT(*) FROM referrals WHERE agency_id = $ngo AND status IN ('sent', 'acknowledged')"
explain "SELECT id, summary FROM referrals WHERE agency_id = $ngo AND status IN ('sent', 'acknowledged') ORDER BY COALESCE(due_us, 9223372036854775807), id LIMIT 10"
shl="(SELECT agency_id FROM users WHERE username = 'demo.provider')"
echo "-- the provider's inbox"
explain "SELECT id, summary FROM referrals WHERE provider_agency_id = $shl AND status <> 'draft' AND (NULL IS NULL OR status = NULL) ORDER BY updated_us DESC, id DESC LIMIT 50"
