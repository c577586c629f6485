#!/usr/bin/env bash
# The browser tests: a temporary data folder with demo data, then node's test runner (TAP)
# over tests/e2e/*.test.mjs; shell.test.mjs starts a real `safepath serve` on a free port
# and drives Debian's Chromium through Playwright. On failure the folder is kept, with the
# screenshots and the server's output. Usage: bash tests/e2e/run.sh PATH/TO/safepath
# With SAFEPATH_TEST_PG set (tests/pg.sh's connection parameters): the smoke flow only (log
# in, open a case, find it, add a note, log out), on a PostgreSQL database of its own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d)
status=0
cleanup() {
	if [ "$status" = 0 ]; then rm -rf "$WORK"
	else echo "# e2e: kept $WORK (screenshots, server output)"; fi
}
trap cleanup EXIT
cd "$WORK" || exit 1
tests=("$here"/*.test.mjs)
pattern=()
if [ -n "${SAFEPATH_TEST_PG:-}" ]; then
	export SAFEPATH_DB="postgresql:///sp_e2e_$$_$RANDOM?$SAFEPATH_TEST_PG"
	tests=("$here/shell.test.mjs")
	pattern=(--test-name-pattern '^log in with a one-time password')
fi
# The smallest Argon2id cost: the tests log in several times.
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
g=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
"$SP" "${g[@]}" --json init >init.json 2>init.err || { cat init.err; status=1; exit 1; }
"$SP" "${g[@]}" --json demo --cases 20 >demo.json 2>demo.err || { cat demo.err; status=1; exit 1; }
export SP_BIN="$SP" SP_WORK="$WORK" SP_ROOT="$root"
# The API tests' helpers (lib.mjs) check answers against the OpenAPI document.
export SP_OPENAPI="$(dirname "$SP")/openapi.json"
[ -f "$SP_OPENAPI" ] || { echo "not ok - no $SP_OPENAPI: make units first"; status=1; exit 1; }
node --test --test-reporter=tap --test-concurrency=1 "${pattern[@]}" "${tests[@]}" || status=1
exit $status
