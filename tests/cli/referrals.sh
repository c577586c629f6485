# Referrals from the command line: a draft for a need, the send refused without the person's
# consent (naming /consent), the provider's inbox and answers, its feedback from standard
# input back to the caseworker, access ending when the referral is closed, expiry at a given
# instant by a supervisor only, a provider not on safepath printed and answered by hand, bad
# options named; the feedback never in clear under the data folder.
. "$(dirname "$0")/lib.sh"

demo_world 2
cat >directory.json <<'JSON'
{"organization": [
  {"id": "01900000-0000-7000-8000-000000000901", "name": "Guardians", "x_safepath_agency": "SHL"},
  {"id": "01900000-0000-7000-8000-000000000902", "name": "Tracing desk"}],
 "service": [
  {"id": "01900000-0000-7000-8000-000000000911", "organization_id": "01900000-0000-7000-8000-000000000901",
   "name": "Guardians North", "status": "active", "x_kinds": ["guardianship_service"], "x_referral_route": "direct"},
  {"id": "01900000-0000-7000-8000-000000000913", "organization_id": "01900000-0000-7000-8000-000000000902",
   "name": "Tracing", "status": "active", "x_kinds": ["family_tracing_service"], "x_referral_route": "direct"}]}
JSON
GUARDIANS=01900000-0000-7000-8000-000000000911
TRACING=01900000-0000-7000-8000-000000000913
expect 0 as demo.focal services import directory.json
expect 0 as demo.admin --json agency list
SHL=$(tr '{' '\n' <out | grep '"code":"SHL"' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$SHL" ] || die "no SHL agency in $(cat out)"

new_case() { # the case number; its guardianship need's id in $NEED
	echo '{"names": [{"role": "given", "romanised": "Referrina"}], "sex": "female", "languages": ["ti"]}' |
		as demo.caseworker --json case add >case.json || die "case add"
	sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json
}
id_of() { sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out | head -1; }
CASE=$(new_case)
expect 0 as demo.caseworker --json need add --kind guardianship "$CASE" </dev/null
NEED=$(id_of)

expect 0 as demo.caseworker --json referral create --need "$NEED" --service "$GUARDIANS" \
	--urgency urgent "$CASE" </dev/null
has '"status":"draft"'
has '"type":"guardianship_service"'
REF=$(sed -n 's/.*"due_at":[^,]*,"id":"\([^"]*\)".*/\1/p' out)
[ -n "$REF" ] || die "no referral id in $(cat out)"

# no consent yet: refused, naming what is missing
expect 1 as demo.caseworker referral event --event send "$REF" </dev/null
has '/consent' err
has 'no consent for referral' err
printf '{"purpose":"referral","scope_agency":"%s","status":"given","method":"verbal","by":"person"}' "$SHL" |
	as demo.caseworker consent add "$CASE" >/dev/null || die "consent add"
expect 0 as demo.caseworker referral event --event send "$REF" </dev/null
has 'sent'
has ' due '

# the provider's inbox and answers
expect 0 as demo.provider referral inbox </dev/null
has "$REF"
has 'need guardianship, age band unknown, sex female, language ti'
for e in acknowledge accept start; do
	expect 0 as demo.provider referral event --event "$e" "$REF" </dev/null
done
expect 1 as demo.provider referral event --event complete --outcome service_provided \
	--feedback-file - "$REF" <<<""
has '/feedback' err
FEEDBACK="Guardian Mr Okonkwo-Hale appointed at the Wexcombe hearing"
expect 0 as demo.provider referral event --event complete --outcome service_provided \
	--feedback-file - "$REF" <<<"$FEEDBACK"
has 'completed'
expect 0 as demo.caseworker referral show "$REF" </dev/null
has "feedback: $FEEDBACK"
has 'complete    in_progress -> completed by the receiver'
expect 0 as demo.caseworker referral event --event close "$REF" </dev/null
expect 1 as demo.provider referral show "$REF" </dev/null
has 'no_referral' err
expect 0 as demo.caseworker --json referral list "$CASE" </dev/null
has '"status":"closed"'

# expiry at a given instant: the supervisor's, as the system
expect 0 as demo.caseworker --json referral create --need "$NEED" --service "$GUARDIANS" \
	--urgency immediate "$CASE" </dev/null
LATE=$(sed -n 's/.*"due_at":[^,]*,"id":"\([^"]*\)".*/\1/p' out)
expect 0 as demo.caseworker referral event --event send "$LATE" </dev/null
expect 1 as demo.caseworker referral expire --now 2999-01-01T00:00:00Z </dev/null
has 'only a supervisor' err
expect 0 as demo.supervisor referral expire --now 2000-01-01T00:00:00Z </dev/null
has '0 referrals expired'
expect 0 as demo.supervisor referral expire --now 2999-01-01T00:00:00Z </dev/null
has '1 referral expired'
expect 0 as demo.caseworker referral show "$LATE" </dev/null
has 'expired'
has 'expire      sent -> expired by the system'

# a provider not on safepath: printed with the profile's fields, answered by hand
expect 0 as demo.caseworker --json referral create --need "$NEED" --service "$TRACING" "$CASE" </dev/null
has '"on_safepath":false'
PAPER=$(sed -n 's/.*"due_at":[^,]*,"id":"\([^"]*\)".*/\1/p' out)
printf '{"purpose":"services","status":"given","method":"verbal","by":"person"}' |
	as demo.caseworker consent add "$CASE" >/dev/null || die "consent add"
expect 0 as demo.caseworker referral event --event send "$PAPER" </dev/null
expect 0 as demo.caseworker --json referral print "$PAPER" </dev/null
has '"person":{"languages":\["ti"\],"names":\[{"role":"given","romanised":"Referrina"}\],"sex":"female"}'
expect 0 as demo.caseworker referral event --event acknowledge --manual "$PAPER" </dev/null
has 'acknowledged'
expect 1 as demo.caseworker referral event --event acknowledge --manual --version 1 "$PAPER" </dev/null
has '/version' err

# an incoming referral from a hotline: a new case with its need and the referral received
echo '{"names": [{"role": "given", "romanised": "Hotlina"}], "sex": "male"}' >caller.json
expect 0 as demo.caseworker referral incoming --source hotline --kind safe_shelter \
	--urgency soon --flag unaccompanied_child <caller.json
has '^case NGO-'
has 'accepted     incoming'
has 'need safe_shelter'
expect 1 as demo.caseworker referral incoming --source pigeon --kind safe_shelter <caller.json
has '/source' err
expect 2 as demo.caseworker referral incoming --kind safe_shelter <caller.json
has 'needs --source and --kind' err

# bad options
expect 2 as demo.caseworker referral event "$REF" </dev/null
has 'needs --event' err
expect 2 as demo.caseworker referral inbox "$REF" </dev/null
expect 2 as demo.caseworker referral create --urgency fast --suggestion x "$CASE" </dev/null
expect 1 as demo.caseworker referral create --need "$NEED" --service "$GUARDIANS" --urgency fast "$CASE" </dev/null
has '/urgency' err
expect 1 as demo.caseworker referral inbox --box sideways </dev/null
has 'incoming or outgoing' err

# the feedback is sealed: nowhere in clear under the data folder
if grep -rqa "Okonkwo-Hale" "$WORK/var"; then die "the feedback is in clear on disk"; fi
echo "ok"
