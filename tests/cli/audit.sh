# audit verify from the command line: a clean trail passes; an edited record and a truncated
# tail, made with the sqlite3 tool behind safepath's back, are reported and exit 1.
. "$(dirname "$0")/lib.sh"

expect 0 "$SP" init
for _ in 1 2 3; do expect 0 "$SP" key rotate; done
expect 0 "$SP" audit verify
has "audit trail intact"
cp var/safepath.db clean.db

sqlite3 var/safepath.db "UPDATE audit_log SET action = 'key.backup' WHERE seq = 2"
expect 1 "$SP" --json audit verify
has '"edited"'

cp clean.db var/safepath.db
rm -f var/safepath.db-wal var/safepath.db-shm
sqlite3 var/safepath.db "DELETE FROM audit_log WHERE seq >= 2; UPDATE audit_head SET seq = 1, mac = (SELECT mac FROM audit_log WHERE seq = 1)"
expect 1 "$SP" audit verify
has "truncated" "$WORK/out"
echo ok
