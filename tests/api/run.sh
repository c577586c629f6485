#!/usr/bin/env bash
# The API tests: a real `safepath serve` on a free port over a temporary data folder with
# demo data, then node's test runner (TAP) over tests/api/*.test.mjs, then a check of what
# the server wrote to its stderr. Usage: bash tests/api/run.sh PATH/TO/safepath
set -u
here=$(cd "$(dirname "$0")" && pwd)
SP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK" || exit 1
# The smallest Argon2id cost: the tests log in many times.
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
g=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
"$SP" "${g[@]}" --json init >init.json 2>init.err || { cat init.err; exit 1; }
"$SP" "${g[@]}" --json demo --cases 20 >demo.json 2>demo.err || { cat demo.err; exit 1; }

# Port 0: the kernel picks a free port, which the server logs. Every test logs in from
# 127.0.0.1: the per-address limit on failed log-ins is set out of the suite's reach, the
# per-user one stays at its default (throttle.test.mjs).
SAFEPATH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 "$SP" "${g[@]}" serve --listen 127.0.0.1:0 >server.out 2>server.err &
pid=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*event=serve.listening .*port=\([0-9][0-9]*\).*/\1/p' server.err)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || { cat server.err; echo "the server did not start"; exit 1; }
	sleep 0.05
done
[ -n "$port" ] || { echo "no port logged"; exit 1; }
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.05
done

export SP_BASE="http://127.0.0.1:$port" SP_BIN="$SP" SP_WORK="$WORK"
export SP_SERVER_LOG="$WORK/server.err" SP_SERVER_OUT="$WORK/server.out"
status=0
node --test --test-reporter=tap "$here"/*.test.mjs || status=1
# Last, once every request is done: the server's output holds nothing personal.
node --test --test-reporter=tap "$here/after/logs.check.mjs" || status=1
kill "$pid" && wait "$pid"
serve_rc=$?
pid=""
if [ "$serve_rc" != 0 ]; then echo "not ok - serve exited $serve_rc on SIGTERM"; status=1; fi
grep -q 'event=serve.stopped' "$WORK/server.err" || { echo "not ok - no clean stop logged"; status=1; }
exit $status
