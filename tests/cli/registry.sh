# The registry's matching index and links from the command line (issue 7, items 1 and 6): a
# store whose matching rows were lost (as one written before migration 0031) is rebuilt by
# `registry reindex` — a supervisor's, refused to a caseworker — with every person back and one
# audit record per batch; no name is in clear in the database file. Two cases of the same
# person are linked, listed, unlinked (each audited), rejected; the other agency's case stays
# unreadable and is listed only as elsewhere.
. "$(dirname "$0")/lib.sh"
demo_world 3

person='{"names": [{"role": "given", "romanised": "Mebrahtomit"}, {"role": "father", "romanised": "Ghebreyesusaw"}], "sex": "female", "date_of_birth": {"date": "2011-03-09"}, "nationalities": ["ER"]}'
echo "$person" | as demo.caseworker --json case add >mine.json || die "case add"
echo "$person" | as demo.childworker --json case add >theirs.json || die "case add (CPA)"
MINE=$(jq -r .number mine.json)
THEIRS=$(jq -r .id theirs.json)
THEIRS_NO=$(jq -r .number theirs.json)
db() { sqlite3 var/safepath.db "$1"; }
persons=$(db 'SELECT COUNT(*) FROM persons')
[ "$(db 'SELECT COUNT(*) FROM person_match')" = "$persons" ] || die "a person without its cells"
for clear in Mebrahtomit mebrahtomit Ghebreyesusaw ghebreyesusaw; do
	! grep -qa "$clear" var/safepath.db* || die "$clear in clear in the database"
done

# lost, then rebuilt
db 'DELETE FROM person_match_keys; DELETE FROM person_match'
keys_before=0
expect 1 as demo.caseworker registry reindex </dev/null
expect 0 as demo.supervisor registry reindex </dev/null
has "$persons person(s) reindexed"
[ "$(db 'SELECT COUNT(*) FROM person_match')" = "$persons" ] || die "reindex left persons out"
[ "$(db 'SELECT COUNT(*) FROM person_match_keys')" -gt "$keys_before" ] || die "no keys"
[ "$(db "SELECT COUNT(*) FROM audit_log WHERE action = 'person.match_reindex' AND reason = 'persons:$persons'")" = 1 ] ||
	die "no reindex record"
expect 2 as demo.supervisor registry reindex "$MINE" </dev/null

# links: the other agency's case by id, never shown
expect 0 as demo.caseworker registry link "$MINE" "$THEIRS" </dev/null
has confirmed
expect 0 as demo.caseworker registry links "$MINE" </dev/null
has 'elsewhere'
! grep -q "$THEIRS_NO" "$WORK/out" || die "the other agency's case number shown"
expect 1 as demo.caseworker case show "$THEIRS_NO" </dev/null
expect 0 as demo.caseworker registry unlink "$MINE" "$THEIRS" </dev/null
expect 1 as demo.caseworker registry unlink "$MINE" "$THEIRS" </dev/null
expect 0 as demo.caseworker registry reject "$MINE" "$THEIRS" </dev/null
has rejected
expect 1 as demo.childworker registry link "$MINE" "$THEIRS" </dev/null
expect 1 as demo.caseworker registry link "$MINE" NGO-1999-000001 </dev/null
expect 2 as demo.caseworker registry link "$MINE" </dev/null
for action in person.link person.unlink person.reject; do
	[ "$(db "SELECT COUNT(*) FROM audit_log WHERE action = '$action'")" = 1 ] || die "$action not audited once"
done
echo "registry: ok"
