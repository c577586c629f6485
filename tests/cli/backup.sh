# Backups from the command line (issue 4, item 7): `backup` writes an encrypted file (0600)
# that reads back; `restore` fills an empty store only, refuses a changed or cut file and
# another master key, and `audit verify` afterwards names the checkpoints the restore rolled
# back; `key store-backup` keeps the newest few and `key store-restore` brings a lost key
# store back; `store copy` moves everything into an empty store, and never into a full one.
. "$(dirname "$0")/lib.sh"

# flip_byte FILE OFFSET: the byte there with its lowest bit flipped
flip_byte() {
	local b
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

expect 0 "$SP" init
expect 0 "$SP" --json demo --cases 3
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")
[ -n "$PW" ] || die "no demo password"
echo '{"names": [{"role": "given", "original": "Tsehaynesh"}], "sex": "female"}' >person.json
expect 0 "$SP" --json case add --as demo.caseworker --password-fd 3 3<<<"$PW" <person.json
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' "$WORK/out")
[ -n "$CASE" ] || die "no case number"

# ---- backup ----
expect 0 "$SP" --json backup --to b.spb
has '"backup":true'
has '"store":"sqlite"'
SEQ=$(jq -r .audit_seq "$WORK/out")
[ "$(mode_of b.spb)" = 600 ] || die "backup mode $(mode_of b.spb)"
ls -a | grep -q 'safepath-backup-\|\.tmp-' && die "work files left beside the backup"
grep -q -a -e Tsehaynesh -e audit_log -e "CREATE TABLE" b.spb && die "the backup is not encrypted"
grep -q -a "CREATE TABLE" var/safepath.db || die "the check above could not fail"
# online: while the server runs and logs people in (each log-in writes a session and an
# audit record), the backup is taken, reads back and restores
serve_start "$WORK/serve.err"
(for _ in $(seq 1 12); do
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data-binary "{\"username\":\"demo.caseworker\",\"password\":\"$PW\"}" \
		"http://127.0.0.1:$port/api/v1/session"
done) &
writer=$!
expect 0 "$SP" --json backup --to online.spb
wait "$writer"
kill "$pid"
wait "$pid" || die "serve exited $?"
expect 0 "$SP" --data online --json restore --from online.spb
expect 0 "$SP" --data online audit verify
has "audit trail intact"

expect 1 "$SP" backup --to no/such/folder/b.spb
has "to:" "$WORK/err"
expect 2 "$SP" backup

# ---- restore refuses a store with data, and a changed, cut or foreign file ----
expect 1 "$SP" restore --from b.spb
has "not empty: table" "$WORK/err"
cp b.spb changed.spb
flip_byte changed.spb 20000
cmp -s b.spb changed.spb && die "the byte did not change"
expect 1 "$SP" --data d1 restore --from changed.spb
has "changed, damaged or cut short" "$WORK/err"
[ -e d1/safepath.db ] && die "a refused restore left a database"
head -c 30000 b.spb >cut.spb
expect 1 "$SP" --data d1 restore --from cut.spb
has "from:" "$WORK/err"
expect 0 "$SP" --data other --key-file k2/master.key init
expect 1 "$SP" --data d1 --key-file k2/master.key restore --from b.spb
has "another master key" "$WORK/err"
expect 1 "$SP" --data d1 restore --from person.json
has "not a safepath backup" "$WORK/err"

# ---- restore into an empty data folder ----
expect 0 "$SP" --data d2 --json restore --from b.spb
has '"restored":true'
expect 0 "$SP" --data d2 audit verify
has "audit trail intact"
has "1 restores"

# ---- more cases after the backup (new checkpoints), then the database is lost: restore into an
# empty data folder that keeps the checkpoints, and verify names what the restore rolled back ----
echo '{"names": [{"role": "given", "original": "Afterwards"}], "sex": "male"}' >later.json
expect 0 "$SP" --json case add --as demo.caseworker --password-fd 3 3<<<"$PW" <later.json
LATER=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' "$WORK/out")
expect 0 "$SP" --json case add --as demo.caseworker --password-fd 3 3<<<"$PW" <later.json
mkdir fresh && cp -r var/audit fresh/
expect 0 "$SP" --data fresh restore --from b.spb
has "restored:"
expect 0 "$SP" --data fresh --json audit verify
has '"ok":true'
[ "$(jq .rolled_back_from "$WORK/out")" = $((SEQ + 1)) ] || die "rolled back from: $(cat "$WORK/out")"
[ "$(jq .rolled_back_to "$WORK/out")" -gt $((SEQ + 2)) ] || die "rolled back to: $(cat "$WORK/out")"
expect 0 "$SP" --data fresh --json case show "$CASE" --person --as demo.caseworker --password-fd 3 3<<<"$PW"
has Tsehaynesh
expect 1 "$SP" --data fresh case show "$LATER" --as demo.caseworker --password-fd 3 3<<<"$PW"
# the same in place: the database files removed from the data folder
rm -f var/safepath.db var/safepath.db-wal var/safepath.db-shm
expect 0 "$SP" restore --from b.spb
has "restored:"
expect 0 "$SP" --json audit verify
has '"ok":true'
[ "$(jq .rolled_back_from "$WORK/out")" = $((SEQ + 1)) ] || die "rolled back from: $(cat "$WORK/out")"
[ "$(jq .rolled_back "$WORK/out")" -ge 2 ] || die "rolled back: $(cat "$WORK/out")"
expect 0 "$SP" audit verify
has "rolled back by a restore (records $((SEQ + 1)) to"
expect 0 "$SP" --json case show "$CASE" --person --as demo.caseworker --password-fd 3 3<<<"$PW"
has Tsehaynesh

# ---- the key store's own backups ----
for _ in 1 2 3 4; do expect 0 "$SP" --json key store-backup; done
has '"retained":3'
has '"removed":1'
[ "$(find keys/persons-backups -name 'persons-*.ksb' | wc -l)" = 3 ] || die "not 3 key-store backups"
[ "$(mode_of keys/persons-backups)" = 700 ] || die "backup folder mode"
NEWEST=$(find keys/persons-backups -name 'persons-*.ksb' | sort | tail -1)
# by age too: one from 2001 goes at the next backup, whatever the count allows
cp "$NEWEST" keys/persons-backups/persons-0978307200000000.ksb
SAFEPATH_KEY_STORE_BACKUP_KEEP=10 expect 0 "$SP" --json key store-backup
has '"retained":4'
has '"removed":1'
[ -e keys/persons-backups/persons-0978307200000000.ksb ] && die "an old key-store backup was kept"
SAFEPATH_KEY_STORE_BACKUP_KEEP=0 expect 1 "$SP" key store-backup
has "key-store-backup-keep: must be at least 1" "$WORK/err"
NEWEST=$(find keys/persons-backups -name 'persons-*.ksb' | sort | tail -1)
expect 1 "$SP" key store-restore "$NEWEST"
has "the key store exists" "$WORK/err"
mv keys/persons.db lost.db
rm -f keys/persons.db-wal keys/persons.db-shm
expect 0 "$SP" key store-restore "$NEWEST"
[ "$(mode_of keys/persons.db)" = 600 ] || die "restored key store mode"
expect 0 "$SP" --json case show "$CASE" --person --as demo.caseworker --password-fd 3 3<<<"$PW"
has Tsehaynesh
# a backup of the data is not one of the key store
mv keys/persons.db kept.db
expect 1 "$SP" key store-restore b.spb
has "not a safepath backup" "$WORK/err"
[ -e keys/persons.db ] && die "a refused key-store restore left a file"
mv kept.db keys/persons.db

# ---- store copy ----
expect 0 "$SP" --json store copy --from sqlite:var/safepath.db --to sqlite:copy.db
has '"copied":true'
for t in cases persons audit_log users agencies data_keys; do
	a=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM $t")
	b=$(sqlite3 copy.db "SELECT COUNT(*) FROM $t")
	[ "$a" = "$b" ] && [ "$a" -gt 0 ] || die "$t: $a rows, copied $b"
done
expect 0 "$SP" --db sqlite:copy.db audit verify
has "audit trail intact"
expect 0 "$SP" --db sqlite:copy.db --json case show "$CASE" --person --as demo.caseworker --password-fd 3 3<<<"$PW"
has Tsehaynesh
expect 1 "$SP" store copy --from sqlite:var/safepath.db --to sqlite:copy.db
has "not empty" "$WORK/err"
expect 2 "$SP" store copy --from sqlite:var/safepath.db
expect 2 "$SP" store copy --from sqlite:a.db --to sqlite:a.db
echo ok
