# Faults (cli-pg suite): PostgreSQL stopped hard (`pg_ctl -m immediate`, as a crash: no
# checkpoint, recovery from the WAL at start) and started again under write load. Meanwhile
# requests get 503 problem documents; the server reconnects by itself (cases are created again
# after the restart, by the same server process); every case it acknowledged with 201 is in the
# database afterwards; the audit chain verifies. The test runs a throwaway cluster of its own
# (tests/pg.sh) with synchronous_commit on, so a 201 means the commit's WAL was written, and the
# restart touches no other test.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../pg.sh"
[ -n "${SAFEPATH_TEST_PG:-}" ] || die "SAFEPATH_TEST_PG is not set (run through tests/run.sh --only cli-pg)"
trap 'kill "${pid:-}" 2>/dev/null; pg_stop; rm -rf "$WORK"' EXIT
SP_PG_EXTRA="-c synchronous_commit=on" pg_start >pg.log 2>&1 ||
	{ cat pg.log; die "cannot start a cluster of its own"; }
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
URL=$(pg_url sp_faults)
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$URL" -c "$1"; }
expect 0 "$SP" --db "$URL" --json init
expect 0 "$SP" --db "$URL" --json demo --cases 3
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")
# the writers go as fast as they can: rate limits out of their reach
SAFEPATH_RATE_LIMIT_PER_S=100000 SAFEPATH_RATE_LIMIT_BURST=100000 serve_start serve.err --db "$URL"
B="http://127.0.0.1:$port"
curl -s -D login.h -o login.json -H 'Content-Type: application/json' \
	--data-binary "{\"username\":\"demo.caseworker\",\"password\":\"$PW\"}" "$B/api/v1/session"
COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(sp_session=[^;]*\);.*/\1/p' login.h)
CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' login.json)
[ -n "$COOKIE" ] && [ -n "$CSRF" ] || die "cannot log in"

# writer N: create cases for 8 seconds; one line per answer: "ms status type number"
writer() {
	local end=$((SECONDS + 8)) i=0
	while [ $SECONDS -lt $end ]; do
		i=$((i + 1))
		curl -s -o "body.$1" -D "head.$1" -m 20 -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"person\":{\"names\":[{\"role\":\"given\",\"romanised\":\"Fault$1x$i\"}],\"sex\":\"female\"}}" \
			"$B/api/v1/cases"
		local status type number
		status=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "head.$1")
		type=$(sed -n 's/^[Cc]ontent-[Tt]ype: \([^;\r]*\).*/\1/p' "head.$1")
		number=$(sed -n 's/.*"number":"\([A-Z0-9-]*\)".*/\1/p' "body.$1")
		echo "$(date +%s%3N) ${status:-none} ${type:-none} ${number:-none}" >>"answers.$1"
	done
}
writers=()
for w in 1 2 3 4; do
	writer $w &
	writers+=($!)
done
sleep 2
before=$(date +%s%3N)
# (restart reuses the options the cluster was started with)
pg_as_owner "$SP_PG_BIN/pg_ctl" -D "$SP_PG_DIR/data" -m immediate -w -t 60 restart >restart.log 2>&1 ||
	{ cat restart.log; die "the cluster did not restart"; }
after=$(date +%s%3N)
wait "${writers[@]}"
cat answers.* >answers
kill -0 "$pid" || die "the server died with the database"

# only 201 (acknowledged) and 503 problem documents
bad=$(awk '$2 != "201" && !($2 == "503" && $3 == "application/problem+json")' answers)
[ -z "$bad" ] || { echo "$bad" | head; die "answers other than 201 and a 503 problem document"; }
grep -q ' 503 application/problem+json ' answers || die "no 503 while the database was down"
# created before the restart, and again after it: the server reconnected by itself
awk -v t="$before" '$2 == "201" && $1 < t' answers | grep -q . || die "nothing created before the restart"
awk -v t="$after" '$2 == "201" && $1 > t + 500' answers | grep -q . || die "nothing created after the restart: no reconnect"
# every acknowledged case is there, by its number (each a case of its own)
n=$(awk '$2 == "201"' answers | wc -l)
acked=$(awk '$2 == "201" {print $4}' answers | sort -u)
[ "$(echo "$acked" | grep -c '^[A-Z]*-[0-9]*-[0-9]*$')" = "$n" ] || die "a 201 without its own case number"
list=$(echo "$acked" | sed "s/.*/'&'/" | paste -sd,)
found=$(q "SELECT count(*) FROM cases WHERE number IN ($list)")
[ "$found" = "$n" ] || die "$n cases acknowledged, $found in the database"
echo "acknowledged $n cases, $(grep -c ' 503 ' answers) answers 503 during the restart"
expect 0 "$SP" --db "$URL" audit verify
has "audit trail intact"
kill "$pid"; wait "$pid"; rc=$?; [ $rc = 0 ] || { grep -v http.request serve.err | tail -5; die "serve exited $rc on SIGTERM"; }
pid=""
