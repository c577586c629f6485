# The program on PostgreSQL, end to end (run by the cli-pg suite with SAFEPATH_TEST_PG set to
# tests/pg.sh's connection parameters): `--db postgresql://...` for init, demo, case commands,
# the audit and serve; the person-key store in the data database's "_keys" sibling, or where
# --keystore-db says; the db setting from the configuration file; clear errors for a server
# that is not there and for a URL that names no database.
. "$(dirname "$0")/lib.sh"
[ -n "${SAFEPATH_TEST_PG:-}" ] || die "SAFEPATH_TEST_PG is not set (run through tests/run.sh --only cli-pg)"
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
name=sp_cli_$$_$RANDOM
URL="postgresql:///$name?$SAFEPATH_TEST_PG"
KS="postgresql:///${name}_keys?$SAFEPATH_TEST_PG"
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# init makes both databases on an empty server, and no SQLite file
expect 0 "$SP" --db "$URL" --json init
expect 0 "$SP" --db "$URL" --json demo --cases 5
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")
[ -n "$PW" ] || die "no demo password"
[ ! -e var/safepath.db ] && [ ! -e keys/persons.db ] || die "a SQLite file was made"
[ "$(q "$URL" "SELECT count(*) FROM cases")" = 5 ] || die "not 5 cases in $name"
[ "$(q "$KS" "SELECT count(*) FROM person_keys")" = 5 ] || die "not 5 person keys in ${name}_keys"
[ "$(q "$URL" "SELECT count(*) FROM information_schema.tables WHERE table_name = 'person_keys'")" = 0 ] ||
	die "the person keys are in the data database"

# init never touches a deployment: another folder, the same database
mkdir again && cd again || die "mkdir"
expect 1 "$SP" --db "$URL" init
has "already set up" "$WORK/err"
[ ! -e keys/master.key ] || die "a second master key was made"
cd "$WORK" || die "cd"

# the case commands, and the audit trail they leave, verified
expect 0 "$SP" --db "$URL" --json case list --as demo.caseworker --password-fd 3 3<<<"$PW"
has '"number"'
CASE=$(sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' "$WORK/out" | head -1)
[ -n "$CASE" ] || die "no case listed"
expect 0 "$SP" --db "$URL" case show --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW"
expect 0 "$SP" --db "$URL" audit verify
has "audit trail intact"

# the db setting from the configuration file: no --db, the same deployment
printf 'db = %s\n' "$URL" >var/safepath.conf
expect 0 "$SP" audit verify
has "audit trail intact"
rm var/safepath.conf

# serve on it
serve_start serve.err --db "$URL"
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || die "no healthz from serve on PostgreSQL"
kill "$pid" && wait "$pid" || die "serve did not stop cleanly"

# --keystore-db: the person keys where it says
mkdir other && cd other || die "mkdir"
OTHER="postgresql:///${name}_b?$SAFEPATH_TEST_PG"
OKS="postgresql:///${name}_custody?$SAFEPATH_TEST_PG"
expect 0 "$SP" --db "$OTHER" --keystore-db "$OKS" init
expect 0 "$SP" --db "$OTHER" --keystore-db "$OKS" demo --cases 3
[ "$(q "$OKS" "SELECT count(*) FROM person_keys")" = 3 ] || die "not 3 person keys in ${name}_custody"
[ -z "$(q "postgresql:///postgres?$SAFEPATH_TEST_PG" "SELECT 1 FROM pg_database WHERE datname = '${name}_b_keys'")" ] ||
	die "a _keys database was made despite --keystore-db"
cd "$WORK" || die "cd"

# errors that say what is wrong
expect 1 "$SP" --db "postgresql://?$SAFEPATH_TEST_PG" audit verify
has "keystore-db" "$WORK/err"
expect 1 "$SP" --db "postgresql:///$name?host=/nonexistent&port=1" audit verify
has "cannot open the database" "$WORK/err"
echo "ok"
