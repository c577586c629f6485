# Retention and subject access from the command line (issue 6, items 11, 12 and 17): under
# the default jurisdiction's 60 months, a case closed today is due on the same day five years
# on (worked out by hand from the closure date); a dry run lists it, changes no row (the
# database's dump is the same but for the log-ins' own records) and a day early lists nothing; a case on legal hold is listed
# and kept; the run anonymises the due case (no name found, the person unreadable, the case
# with its statistics flagged anonymised), is audited once per case and `audit verify` passes;
# a backup taken before, restored after, opens nothing of that person; a closed family tracing
# request two years (the file's period) past its closure is listed by the dry run and erased
# by the run, with one tracing.erase record. Then the DPO's
# subject-access export: refused to a caseworker and without a requester, encrypted (no clear
# text in the file), opened by the DPO with every section and the redaction marks, audited
# and flagged to the DPO.
. "$(dirname "$0")/lib.sh"
demo_world 0

person() { echo "{\"names\": [{\"role\": \"given\", \"romanised\": \"$1\"}], \"sex\": \"female\", \"safety\": {\"people_to_avoid\": \"Her uncle Tekle\"}}"; }
add_case() {
	person "$1" | as demo.caseworker --json case add >case.json || die "case add $1"
	sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json
}
# The caseworker asks for the closure, the supervisor approves it (four eyes); the day it closed.
close_case() {
	as demo.caseworker --json lifecycle close --reason objectives_met "$1" </dev/null >asked.json ||
		die "closure of $1"
	as demo.supervisor lifecycle decide --approve --version 1 "$(jq -r .id asked.json)" \
		</dev/null >/dev/null || die "approving the closure of $1"
	as demo.supervisor --json case show "$1" >closed.json || die "show $1"
	jq -r .closed_at closed.json | cut -dT -f1
}

DUE=$(add_case Semhar)
echo "Met her at the bus station" | as demo.caseworker note add "$DUE" >/dev/null || die "note"
HELD=$(add_case Rahwa)
KEEP=$(add_case Luwam)
DAY=$(close_case "$DUE")
close_case "$HELD" >/dev/null
[ -n "$DAY" ] || die "no closure date"
# a family tracing request closed today: due two years on (the file's tracing_request period)
printf '{"requester": {"name": "Gebru Tesfamariam", "relationship": "father"}, "child": {"names": ["Filmon Tesfamariam"], "age": 9}}' |
	as demo.caseworker --json tracing create >req.json || die "tracing create"
REQ=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' req.json)
[ -n "$REQ" ] || die "no request id"
as demo.caseworker tracing close "$REQ" </dev/null >/dev/null || die "tracing close"
# five years on, by hand: the same month and day (a 29 February would be the 28th)
Y=${DAY%%-*}
MD=${DAY#*-}
[ "$MD" = 02-29 ] && MD=02-28
FIVE="$((Y + 5))-$MD"

expect 2 as demo.supervisor retention hold "$HELD" </dev/null
has 'needs --reason' err
expect 1 as demo.caseworker retention hold --reason criminal_proceedings "$HELD" </dev/null
has 'only a supervisor' err
expect 1 as demo.supervisor retention hold --reason because "$HELD" </dev/null
has '--reason' err
expect 0 as demo.supervisor retention hold --reason criminal_proceedings "$HELD" </dev/null
has "$HELD is on legal hold"
expect 0 as demo.supervisor --json case show "$HELD" </dev/null
has '"legal_hold"'
expect 1 as demo.supervisor case update --version 3 --unflag legal_hold "$HELD" </dev/null
has 'legal_hold is set and lifted as a legal hold' err

# every row but what each log-in adds (its user.login record, the chain's head and index)
dump() {
	sqlite3 var/safepath.db .dump |
		grep -v -e "'user.login'" -e '^INSERT INTO audit_head' -e '^INSERT INTO audit_object' |
		sha256sum
}
expect 1 as demo.caseworker retention run --dry-run </dev/null
has 'denied: no_role' err
BEFORE=$(dump)
# one day early: nothing due (the held case was closed the same day, so it is not due either)
expect 0 as demo.dpo retention run --dry-run --now "$(date -u -d "$FIVE -1 day" +%Y-%m-%dT23:59:59Z)" </dev/null
has '0 case(s) would be anonymised, 0 kept on legal hold'
expect 0 as demo.dpo retention run --dry-run --now "${FIVE}T23:59:59Z" </dev/null
has "$DUE .* 60m .* would_anonymise"
has "$HELD .* held (kept: on legal hold)"
has "tracing request .* 24m .* would_erase $REQ"
has '1 case(s) would be anonymised, 1 kept on legal hold (coe, 60 months after closure); 1 closed tracing request(s) would be erased (24 months after closure); dry run: nothing changed'
grep -q "$KEEP" out && die "an open case was listed"
[ "$(dump)" = "$BEFORE" ] || die "the dry run changed the database"

# a backup and a key-store backup before the run
expect 0 "$SP" "${g[@]}" backup --to before.spb
expect 0 "$SP" "${g[@]}" key store-backup

expect 0 as demo.dpo --json retention run --now "${FIVE}T23:59:59Z" </dev/null
has '"anonymised":1'
has '"held":1'
has "\"number\":\"$DUE\""
has '"action":"anonymised"'
has '"period_months":60'
has '"tracing_period_months":24'
has '"requests_erased":1'
has "\"id\":\"$REQ\""
has '"action":"erased"'
expect 1 as demo.caseworker tracing show "$REQ" </dev/null
N=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM tracing_requests")
[ "$N" = 0 ] || die "$N tracing requests left, wanted 0"
N=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM audit_log WHERE action = 'tracing.erase' AND reason = 'P24M'")
[ "$N" = 1 ] || die "$N tracing.erase records, wanted 1"
expect 0 as demo.supervisor --json case show "$DUE" </dev/null
has '"anonymised"'
has '"possible_victim_of_trafficking"\|"status":"closed"'
has '"closed_at":"'"$DAY"
expect 1 as demo.supervisor --json case show --person "$DUE" </dev/null
has "the person's data was erased" err
grep -q Semhar out err && die "the anonymised person was shown"
echo '{"names": ["Semhar"]}' | as demo.caseworker --json case search >found.json || die "search"
grep -q "$DUE" found.json && die "the anonymised person was found by name"
expect 0 as demo.dpo retention run --now "${FIVE}T23:59:59Z" </dev/null
has '0 case(s) anonymised, 1 kept on legal hold'
expect 0 as demo.supervisor retention lift "$HELD" </dev/null
has 'no longer on legal hold'
expect 0 "$SP" "${g[@]}" audit verify
has 'audit trail intact'
N=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM audit_log WHERE action = 'retention.anonymise'")
[ "$N" = 1 ] || die "$N retention.anonymise records, wanted 1"
grep -a -q Semhar var/safepath.db && die "a name in clear in the database"

# the backup from before, restored into a folder of its own with today's key store
mkdir restored
expect 0 "$SP" --data "$WORK/restored" --key-file "$WORK/keys/master.key" restore --from before.spb
expect 1 "$SP" --data "$WORK/restored" --key-file "$WORK/keys/master.key" --json case show \
	--person "$DUE" --as demo.supervisor --password-fd 3 3<<<"$PW" </dev/null
has "the person's data was erased" err
grep -q Semhar out err && die "the backup brought the person back"
expect 0 "$SP" --data "$WORK/restored" --key-file "$WORK/keys/master.key" --json case show \
	--person "$KEEP" --as demo.supervisor --password-fd 3 3<<<"$PW" </dev/null
has 'Luwam' # the other person's data still opens: the check above could fail

# ---- subject access ----
expect 1 as demo.caseworker subject-access export --case "$KEEP" --out sar.bin <<<"Luwam herself, in person"
has 'denied: no_role' err
expect 1 as demo.dpo subject-access export --case "$KEEP" --out sar.bin </dev/null
has 'requester' err
[ -e sar.bin ] && die "a refused export left a file"
expect 0 as demo.dpo --json subject-access export --case "$KEEP" --out sar.bin <<<"Luwam herself, in person, ID seen"
has '"encrypted":true'
has '"sections":11'
[ "$(mode_of sar.bin)" = 600 ] || die "export mode $(mode_of sar.bin)"
grep -a -q -e Luwam -e Tekle -e people_to_avoid sar.bin && die "the export is not encrypted"
grep -a -q "Luwam herself" var/safepath.db && die "the requester in clear in the database"
expect 1 as demo.caseworker subject-access open --in sar.bin --out clear.json </dev/null
has 'only the DPO' err
expect 0 as demo.dpo subject-access open --in sar.bin --out clear.json </dev/null
[ "$(mode_of clear.json)" = 600 ] || die "clear export mode $(mode_of clear.json)"
has Luwam clear.json
has Tekle clear.json
for s in case person notes consents needs tasks screenings decisions deadlines audit; do
	[ "$(jq -r --arg s "$s" 'has($s)' clear.json)" = true ] || die "no section $s"
done
[ "$(jq -r '.redactions[] | select(.pointer == "/person/safety/people_to_avoid") | .reason' clear.json)" = third_party ] ||
	die "people to avoid not marked for redaction"
[ "$(jq -r '.redactions[] | select(.pointer == "/case/assigned") | .reason' clear.json)" = staff ] ||
	die "the assigned caseworker not marked for redaction"
N=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM audit_log WHERE action = 'subject_access.export' AND flags = 1")
[ "$N" = 1 ] || die "$N flagged subject_access.export records, wanted 1"
N=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM audit_log WHERE action = 'subject_access.open' AND flags = 1")
[ "$N" = 1 ] || die "$N flagged subject_access.open records, wanted 1"
N=$(sqlite3 var/safepath.db "SELECT COUNT(*) FROM subject_exports")
[ "$N" = 1 ] || die "$N subject_exports rows, wanted 1"
expect 0 "$SP" "${g[@]}" audit verify
has 'audit trail intact'
echo "retention: ok"
