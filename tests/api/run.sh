#!/usr/bin/env bash
# The API tests: a real `safepath serve` on a free port over a temporary data folder with
# demo data, then node's test runner (TAP) over tests/api/*.test.mjs, then a check of what
# the server wrote to its stderr. Usage: bash tests/api/run.sh PATH/TO/safepath
# With SAFEPATH_TEST_PG set (tests/pg.sh's connection parameters) everything runs on
# PostgreSQL: a database of its own for this run (and its "_keys" sibling, the person-key
# store), named in SAFEPATH_DB, which every safepath started here and by the tests inherits.
# SAFEPATH_TEST_PG=own: start a throwaway cluster for this run alone (tests/pg.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
SP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d)
pid=""
own_pg=""
. "$here/../pg.sh"
if [ "${SAFEPATH_TEST_PG:-}" = own ]; then
	own_pg=1
	pg_start || exit 1
	SAFEPATH_TEST_PG=$SP_PG_QUERY
fi
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${pid2:-}" ] && kill "$pid2" 2>/dev/null && wait "$pid2" 2>/dev/null
	[ -n "${pid3:-}" ] && kill "$pid3" 2>/dev/null && wait "$pid3" 2>/dev/null
	[ -n "${pid4:-}" ] && kill "$pid4" 2>/dev/null && wait "$pid4" 2>/dev/null
	[ -n "${pid5:-}" ] && kill "$pid5" 2>/dev/null && wait "$pid5" 2>/dev/null
	[ -n "${pid6:-}" ] && kill "$pid6" 2>/dev/null && wait "$pid6" 2>/dev/null
	rm -rf "$WORK"
	[ -z "$own_pg" ] || pg_stop
}
trap cleanup EXIT
cd "$WORK" || exit 1
if [ -n "${SAFEPATH_TEST_PG:-}" ]; then
	export SAFEPATH_DB="postgresql:///sp_api_$$_$RANDOM?$SAFEPATH_TEST_PG"
fi
# The smallest Argon2id cost: the tests log in many times.
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
g=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
"$SP" "${g[@]}" --json init >init.json 2>init.err || { cat init.err; exit 1; }
"$SP" "${g[@]}" --json demo --cases 20 >demo.json 2>demo.err || { cat demo.err; exit 1; }
# The screening tests' protocols, through the data folder's override folder (loaded at start).
mkdir -p "$WORK/var/protocols" && cp "$here"/../data/protocols/test-labour*@1.json "$WORK/var/protocols/"

# Port 0: the kernel picks a free port, which the server logs. Every test logs in from
# 127.0.0.1: on the main server the per-address limits are set out of the suite's reach and
# the session ones too (concurrency tests); the per-user limit on failed log-ins stays at its
# default. A second server on the same database, with low rate limits, is throttle.test.mjs's
# (and shows the failed-login counters are shared between processes). A third, whose sessions
# last one second, is expiry.test.mjs's. The fourth and fifth are servers.test.mjs's.
start_server() { # NAME, then VAR=VALUE settings; sets $pidNAME and $portNAME
	local name=$1 p="" got=""
	shift
	env "$@" "$SP" "${g[@]}" serve --listen 127.0.0.1:0 >"server$name.out" 2>"server$name.err" &
	p=$!
	eval "pid$name=$p"
	for _ in $(seq 1 100); do
		got=$(sed -n 's/.*event=serve.listening .*port=\([0-9][0-9]*\).*/\1/p' "server$name.err")
		[ -n "$got" ] && break
		kill -0 "$p" 2>/dev/null || { cat "server$name.err"; echo "the server did not start"; exit 1; }
		sleep 0.05
	done
	[ -n "$got" ] || { echo "no port logged"; exit 1; }
	for _ in $(seq 1 100); do
		curl -sf "http://127.0.0.1:$got/healthz" >/dev/null && break
		sleep 0.05
	done
	eval "port$name=$got"
}
pid="" pid2="" pid3="" pid4="" pid5="" pid6="" port="" port2="" port3="" port4="" port5="" port6=""
start_server "" SAFEPATH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 SAFEPATH_RATE_LIMIT_SHARE_MS=0 \
	SAFEPATH_RATE_LIMIT_PER_S=100000 SAFEPATH_RATE_LIMIT_BURST=100000 \
	SAFEPATH_RATE_LIMIT_ADDRESS_PER_S=100000 SAFEPATH_RATE_LIMIT_ADDRESS_BURST=100000
start_server 2 SAFEPATH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 SAFEPATH_RATE_LIMIT_SHARE_MS=0 \
	SAFEPATH_RATE_LIMIT_PER_S=1 SAFEPATH_RATE_LIMIT_BURST=10 \
	SAFEPATH_RATE_LIMIT_ADDRESS_PER_S=1 SAFEPATH_RATE_LIMIT_ADDRESS_BURST=60
start_server 3 SAFEPATH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 SAFEPATH_SESSION_TTL_S=1 \
	SAFEPATH_RATE_LIMIT_SHARE_MS=0
# The fourth and fifth, alike, share their rate-limit counts through the database
# (servers.test.mjs): a session may take 10 at once and 1 a second over both. The others keep
# their counts to themselves (rate-limit-share-ms=0): their limits differ, and every test
# comes from the one address.
for name in 4 5; do
	start_server $name SAFEPATH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
		SAFEPATH_RATE_LIMIT_PER_S=1 SAFEPATH_RATE_LIMIT_BURST=10 \
		SAFEPATH_RATE_LIMIT_ADDRESS_PER_S=100000 SAFEPATH_RATE_LIMIT_ADDRESS_BURST=100000
done
# The sixth counts deadlines under England and Wales (deadlines.test.mjs); the others under
# the default, the Council of Europe's.
start_server 6 SAFEPATH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 SAFEPATH_RATE_LIMIT_SHARE_MS=0 \
	SAFEPATH_JURISDICTION=gb-eng-wls

export SP_BASE6="http://127.0.0.1:$port6"
export SP_BASE="http://127.0.0.1:$port" SP_BASE2="http://127.0.0.1:$port2" SP_BASE3="http://127.0.0.1:$port3" SP_BASE4="http://127.0.0.1:$port4" SP_BASE5="http://127.0.0.1:$port5" SP_BIN="$SP" SP_WORK="$WORK"
export SP_SERVER_LOG="$WORK/server.err" SP_SERVER_OUT="$WORK/server.out"
# docs/openapi.yaml as JSON, made with the unit tests beside the binary: every answer is checked
# against it (openapi.mjs).
export SP_OPENAPI="$(dirname "$SP")/openapi.json"
[ -f "$SP_OPENAPI" ] || { echo "not ok - no $SP_OPENAPI: make units first"; exit 1; }
status=0
node --test --test-reporter=tap "$here"/*.test.mjs || status=1
# Every operation of the document answered with success at least once.
node --test --test-reporter=tap "$here/after/openapi.check.mjs" || status=1
# Last, once every request is done: the servers' output holds nothing personal.
node --test --test-reporter=tap "$here/after/logs.check.mjs" || status=1
SP_SERVER_LOG="$WORK/server2.err" SP_SERVER_OUT="$WORK/server2.out" \
	node --test --test-reporter=tap "$here/after/logs.check.mjs" || status=1
SP_SERVER_LOG="$WORK/server3.err" SP_SERVER_OUT="$WORK/server3.out" \
	node --test --test-reporter=tap "$here/after/logs.check.mjs" || status=1
for name in 4 5 6; do
	SP_SERVER_LOG="$WORK/server$name.err" SP_SERVER_OUT="$WORK/server$name.out" \
		node --test --test-reporter=tap "$here/after/logs.check.mjs" || status=1
done
for name in "" 2 3 4 5 6; do
	eval "p=\$pid$name"
	kill "$p" && wait "$p"
	serve_rc=$?
	eval "pid$name=''"
	if [ "$serve_rc" != 0 ]; then echo "not ok - serve$name exited $serve_rc on SIGTERM"; status=1; fi
	grep -q 'event=serve.stopped' "$WORK/server$name.err" ||
		{ echo "not ok - no clean stop logged by serve$name"; status=1; }
done
# Once the servers have stopped and their files are final: nothing sent is in clear on disk.
node --test --test-reporter=tap "$here/after/data.check.mjs" || status=1
exit $status
