# Acting without consent from the command line (England and Wales): a guardian's consent whose
# giver the child must be kept from refused at /given_by_name without the name in the error;
# an override refused where the jurisdiction gives no basis, asked on the child basis, the send
# waiting for a supervisor, approved by one, then sent; bad options named. The giver's name and
# the override's note never in clear under the data folder.
. "$(dirname "$0")/lib.sh"

demo_world 0
gb() { SAFEPATH_JURISDICTION=gb-eng-wls as "$@"; }
cat >directory.json <<'JSON'
{"organization": [
  {"id": "01900000-0000-7000-8000-000000000901", "name": "Guardians", "x_safepath_agency": "SHL"}],
 "service": [
  {"id": "01900000-0000-7000-8000-000000000911", "organization_id": "01900000-0000-7000-8000-000000000901",
   "name": "Guardians North", "status": "active", "x_kinds": ["guardianship_service"], "x_referral_route": "direct"}]}
JSON
GUARDIANS=01900000-0000-7000-8000-000000000911
expect 0 as demo.focal services import directory.json
expect 0 as demo.admin --json agency list
SHL=$(tr '{' '\n' <out | grep '"code":"SHL"' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$SHL" ] || die "no SHL agency in $(cat out)"
id_of() { sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out | head -1; }

echo '{"names": [{"role": "given", "romanised": "Kidane"}], "sex": "male",
  "date_of_birth": {"date": "2015-03-01"},
  "safety": {"people_to_avoid": "Solomon Weldeab; the driver",
    "family": [{"relationship": "aunt_uncle", "name": "Ruta Haile", "suspected_exploiter": true}]}}' |
	as demo.caseworker --json case add >case.json || die "case add"
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json)
expect 0 as demo.caseworker --json need add --kind guardianship "$CASE" </dev/null
NEED=$(id_of)

# the aunt flagged a suspected exploiter, the name folded and in another order
printf '{"purpose":"referral","scope_agency":"%s","status":"given","method":"written","by":"guardian","given_by_name":"HAILE  Rúta","child_assent":"given"}' "$SHL" >consent.json
expect 1 as demo.caseworker consent add "$CASE" <consent.json
has '/given_by_name' err
has 'kept away' err
if grep -qi 'haile\|ruta' err; then die "the name is in the error"; fi
# a guardian's consent without the name
printf '{"purpose":"referral","scope_agency":"%s","status":"given","method":"written","by":"guardian","child_assent":"given"}' "$SHL" >nameless.json
expect 1 as demo.caseworker consent add "$CASE" <nameless.json
has '/given_by_name' err

expect 0 as demo.caseworker --json referral create --need "$NEED" --service "$GUARDIANS" "$CASE" </dev/null
REF=$(sed -n 's/.*"due_at":[^,]*,"id":"\([^"]*\)".*/\1/p' out)
[ -n "$REF" ] || die "no referral id in $(cat out)"

# no basis in the Council of Europe default
expect 1 as demo.caseworker referral override --basis child_without_consent "$REF" </dev/null
has '/basis' err
has 'gives no legal basis' err
expect 2 gb demo.caseworker referral override "$REF" </dev/null
has 'needs --basis' err
expect 1 gb demo.caseworker referral override --basis duty_to_notify "$REF" </dev/null
has 'is a child' err

# asked on the child basis: waits for a supervisor
NOTE="Police found Kidane alone at Wexcombe coach station at night"
expect 0 gb demo.caseworker referral override --basis child_without_consent --note-file - "$REF" <<<"$NOTE"
has 'without consent on child_without_consent (gb-eng-wls 1.0.0)'
APPROVAL=$(sed -n 's/.*approval \([0-9a-f-]*\) waits.*/\1/p' out)
[ -n "$APPROVAL" ] || die "no approval id in $(cat out)"
expect 1 gb demo.caseworker referral event --event send "$REF" </dev/null
has '/consent' err
has 'waits for a supervisor' err
expect 0 as demo.supervisor lifecycle queue </dev/null
has "$APPROVAL"
has 'consent_override'
expect 0 as demo.supervisor lifecycle decide --approve --version 1 "$APPROVAL" </dev/null
expect 0 gb demo.caseworker referral event --event send "$REF" </dev/null
has 'sent'
expect 0 gb demo.caseworker --json referral show "$REF" </dev/null
has '"legal_basis":{"basis":"child_without_consent","jurisdiction":"gb-eng-wls","version":"1.0.0"}'

# sealed: neither the note nor a giver's name in clear under the data folder
printf '{"purpose":"services","status":"given","method":"written","by":"guardian","given_by_name":"Almaz Berhane","child_assent":"given"}' >almaz.json
expect 0 as demo.caseworker consent add "$CASE" <almaz.json
if grep -rqa "Wexcombe coach" "$WORK/var"; then die "the override's note is in clear on disk"; fi
if grep -rqa "Almaz Berhane" "$WORK/var"; then die "the giver's name is in clear on disk"; fi
echo "ok"
