# Backups, restores and store copies on PostgreSQL (issue 4, item 7; run by the cli-pg suite
# with SAFEPATH_TEST_PG set): `backup` of a PostgreSQL deployment taken while a server writes,
# encrypted (no clear name in it) and read back; restored into an empty PostgreSQL database
# and into SQLite with the audit trail verifying (the restore checkpoint) and every table's
# rows equal; a SQLite backup restored into PostgreSQL; the key store's own backups from a
# PostgreSQL key store and their restore into an empty one; `store copy` sqlite→pg, pg→sqlite
# and pg→pg; and a copy that fails half-way (a trigger on the target) leaves the target empty.
. "$(dirname "$0")/lib.sh"
[ -n "${SAFEPATH_TEST_PG:-}" ] || die "SAFEPATH_TEST_PG is not set (run through tests/run.sh --only cli-pg)"
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
name=sp_bk_$$_$RANDOM
db() { echo "postgresql:///${name}_$1?$SAFEPATH_TEST_PG"; }
URL=$(db live)
KS=$(db live_keys)
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
# every table's rows, "table count" a line, by name (schema_migrations left out)
pg_counts() {
	q "$1" "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1" |
		while read -r t; do echo "$t $(q "$1" "SELECT count(*) FROM $t")"; done
}
sq_counts() {
	sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY 1" |
		while read -r t; do echo "$t $(sqlite3 "$1" "SELECT count(*) FROM $t")"; done
}
# the rows of every table but schema_migrations, summed
pg_rows() { pg_counts "$1" | awk '{ n += $2 } END { print n + 0 }'; }
as_cw() { "$@" --as demo.caseworker --password-fd 3 3<<<"$PW"; }

expect 0 "$SP" --db "$URL" init
expect 0 "$SP" --db "$URL" --json demo --cases 6
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")
[ -n "$PW" ] || die "no demo password"
echo '{"names": [{"role": "given", "original": "Tsehaynesh"}], "sex": "female"}' >person.json
as_cw expect 0 "$SP" --db "$URL" --json case add <person.json
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' "$WORK/out")
[ -n "$CASE" ] || die "no case number"
# the demo's names (capitalised Latin ones of 7 letters or more): none may be in any backup
DEMO_NAMES=$WORK/demo-names
jq -r '.. | strings' "$(dirname "$SP")/../../config/demo/names.json" | grep -E '^[A-Z][a-z]{6,}$' | sort -u >"$DEMO_NAMES"
[ "$(wc -l <"$DEMO_NAMES")" -gt 20 ] || die "too few demo names to look for"
clear_in() { grep -q -a -e Tsehaynesh -e audit_log -e "CREATE TABLE" -e person_keys "$1" || grep -q -a -F -f "$DEMO_NAMES" "$1"; }
clear_in "$DEMO_NAMES" || die "the check for clear names could not fail"

# ---- backup, online: a server logs people in (sessions, audit records) meanwhile ----
serve_start "$WORK/serve.err" --db "$URL"
(for _ in $(seq 1 12); do
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data-binary "{\"username\":\"demo.caseworker\",\"password\":\"$PW\"}" \
		"http://127.0.0.1:$port/api/v1/session"
done) &
writer=$!
expect 0 "$SP" --db "$URL" --json backup --to b.spb
wait "$writer"
kill "$pid"
wait "$pid" || die "serve exited $?"
has '"backup":true'
has '"store":"postgresql"'
SEQ=$(jq -r .audit_seq "$WORK/out")
[ "$(mode_of b.spb)" = 600 ] || die "backup mode $(mode_of b.spb)"
ls -a | grep -q 'safepath-backup-' && die "work files left beside the backup"
clear_in b.spb && die "the backup is not encrypted"
# the check above can fail: the names are what the caseworker sees
as_cw expect 0 "$SP" --db "$URL" --json case show "$CASE" --person
has Tsehaynesh
# the key store is not in it: the data database's tables only
[ "$(q "$URL" "SELECT count(*) FROM information_schema.tables WHERE table_name = 'person_keys'")" = 0 ] ||
	die "person_keys in the data database"

# Each deployment below has a data folder of its own (-d): its audit checkpoints.
# ---- restore into an empty PostgreSQL database (the key store stays where it is), and the
# same backup into SQLite: the same rows in every table, the backup's and one record more ----
R1=$(db r1)
expect 0 "$SP" --data d_r1 --db "$R1" --keystore-db "$KS" --json restore --from b.spb
has '"restored":true'
pg_counts "$R1" >r1.counts
expect 0 "$SP" --data sq --keystore-db "$KS" restore --from b.spb
sq_counts sq/safepath.db >sq.counts
[ "$(wc -l <r1.counts)" -gt 15 ] || die "too few tables: $(cat r1.counts)"
diff r1.counts sq.counts >&2 || die "the two restores differ"
grep -q '^cases 7$' r1.counts || die "not 7 cases restored: $(cat r1.counts)"
[ "$(awk '$1 == "audit_log" { print $2 }' r1.counts)" = $((SEQ + 1)) ] ||
	die "audit_log: not the backup's $SEQ records and the restore's own: $(cat r1.counts)"
expect 0 "$SP" --data d_r1 --db "$R1" --keystore-db "$KS" --json audit verify
has '"ok":true'
[ "$(jq .restores "$WORK/out")" = 1 ] || die "no restore checkpoint: $(cat "$WORK/out")"
as_cw expect 0 "$SP" --data d_r1 --db "$R1" --keystore-db "$KS" --json case show "$CASE" --person
has Tsehaynesh
expect 1 "$SP" --data d_r1 --db "$R1" --keystore-db "$KS" restore --from b.spb
has "not empty: table" "$WORK/err"
expect 0 "$SP" --data sq --keystore-db "$KS" audit verify
has "audit trail intact"
has "1 restores"
as_cw expect 0 "$SP" --data sq --keystore-db "$KS" --json case show "$CASE" --person
has Tsehaynesh

# ---- a SQLite backup into PostgreSQL ----
expect 0 "$SP" --data sq --keystore-db "$KS" --json backup --to s.spb
has '"store":"sqlite"'
clear_in s.spb && die "the SQLite backup is not encrypted"
R2=$(db r2)
expect 0 "$SP" --data d_r2 --db "$R2" --keystore-db "$KS" restore --from s.spb
expect 0 "$SP" --data d_r2 --db "$R2" --keystore-db "$KS" --json audit verify
has '"ok":true'
[ "$(jq .restores "$WORK/out")" = 1 ] || die "no restore checkpoint: $(cat "$WORK/out")"
as_cw expect 0 "$SP" --data d_r2 --db "$R2" --keystore-db "$KS" --json case show "$CASE" --person
has Tsehaynesh

# ---- the key store's own backups, from PostgreSQL ----
expect 0 "$SP" --db "$URL" --json key store-backup
has '"retained":1'
KSB=$(find keys/persons-backups -name 'persons-*.ksb' | head -1)
[ -n "$KSB" ] || die "no key-store backup beside the key file"
[ "$(mode_of keys/persons-backups)" = 700 ] || die "backup folder mode"
clear_in "$KSB" && die "the key-store backup is not encrypted"
ls -a keys/persons-backups | grep -q '^\.work-' && die "a working folder was left"
# into an empty key store: a new database, made by the restore
KS2=$(db keys2)
expect 0 "$SP" --db "$URL" --keystore-db "$KS2" key store-restore "$KSB"
[ "$(q "$KS2" "SELECT count(*) FROM person_keys")" = "$(q "$KS" "SELECT count(*) FROM person_keys")" ] ||
	die "not every person key restored"
[ "$(q "$KS2" "SELECT count(*) FROM person_keys")" = 7 ] || die "not 7 person keys"
as_cw expect 0 "$SP" --db "$URL" --keystore-db "$KS2" --json case show "$CASE" --person
has Tsehaynesh
# never into one that holds keys
expect 1 "$SP" --db "$URL" key store-restore "$KSB"
has "holds keys" "$WORK/err"
expect 1 "$SP" --db "$URL" --keystore-db "$(db keys3)" key store-restore b.spb
has "not a safepath backup" "$WORK/err"

# ---- store copy, each direction ----
expect 0 "$SP" --json store copy --from "$R1" --to sqlite:copy.db
has '"copied":true'
pg_counts "$R1" >r1.counts
sq_counts copy.db >copy.counts
diff r1.counts copy.counts >&2 || die "pg→sqlite: the counts differ"
C1=$(db c1)
# (each copy first records itself in its source's trail: the counts are compared right after)
expect 0 "$SP" --json store copy --from sqlite:copy.db --to "$C1"
has '"copied":true'
sq_counts copy.db >copy.counts
pg_counts "$C1" >c1.counts
diff copy.counts c1.counts >&2 || die "sqlite→pg: the counts differ"
C2=$(db c2)
expect 0 "$SP" --json store copy --from "$C1" --to "$C2"
has '"copied":true'
pg_counts "$C1" >c1.counts
pg_counts "$C2" >c2.counts
diff c1.counts c2.counts >&2 || die "pg→pg: the counts differ"
grep -q '^cases 7$' c2.counts || die "not 7 cases copied: $(cat c2.counts)"
for target in "$C2" sqlite:copy.db; do
	mkdir d_c
	expect 0 "$SP" --data d_c --db "$target" --keystore-db "$KS" audit verify
	has "audit trail intact"
	as_cw expect 0 "$SP" --data d_c --db "$target" --keystore-db "$KS" --json case show "$CASE" --person
	has Tsehaynesh
	rm -rf d_c
done
expect 1 "$SP" store copy --from "$C1" --to "$C2"
has "not empty" "$WORK/err"

# ---- a copy that fails half-way leaves the target empty: a migrated, emptied target whose
# users table refuses rows (agencies, which users reference, are copied before) ----
C3=$(db c3)
expect 0 "$SP" store copy --from "$C1" --to "$C3"
tables=$(q "$C3" "SELECT string_agg(table_name, ', ') FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'")
q "$C3" "TRUNCATE $tables"
[ "$(pg_rows "$C3")" = 0 ] || die "the target is not empty"
q "$C3" "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'refused'; END \$\$"
q "$C3" "CREATE TRIGGER refuse BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse()"
expect 1 "$SP" store copy --from "$C1" --to "$C3"
has "refused" "$WORK/err"
[ "$(pg_rows "$C3")" = 0 ] || die "a failed copy left rows: $(pg_counts "$C3" | awk '$2 > 0')"
q "$C3" "DROP TRIGGER refuse ON users"
expect 0 "$SP" store copy --from "$C1" --to "$C3"
grep -q '^users [1-9]' <(pg_counts "$C3") || die "no users after the copy"
# the same for a restore: it fails half-way and leaves the database empty
R3=$(db r3)
expect 0 "$SP" --data d_r3 --db "$R3" --keystore-db "$KS" restore --from b.spb
tables=$(q "$R3" "SELECT string_agg(table_name, ', ') FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'")
q "$R3" "TRUNCATE $tables"
q "$R3" "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'refused'; END \$\$"
q "$R3" "CREATE TRIGGER refuse BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION refuse()"
expect 1 "$SP" --data d_r3 --db "$R3" --keystore-db "$KS" restore --from b.spb
has "refused" "$WORK/err"
[ "$(pg_rows "$R3")" = 0 ] || die "a failed restore left rows: $(pg_counts "$R3" | awk '$2 > 0')"
echo ok
