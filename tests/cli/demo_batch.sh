# The benchmarks' store (`safepath demo --cases N --batch`, docs/cli/demo.md) under England
# and Wales's rules: demo.caseworker's 500 open cases, each referred to the synthetic
# shelter through the audited operations (250 sent, 200 acknowledged, 50 accepted, the
# summaries sealed), demo.provider's inbox reading them, the trail intact. tests/cli/
# pg_demo_batch.sh runs the same on PostgreSQL (DB_URL set).
. "$(dirname "$0")/lib.sh"
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192 SAFEPATH_JURISDICTION=gb-eng-wls
store_world
same() { [ "$(q "$2")" = "$1" ] || die "wanted $1 from: $2 (got $(q "$2"))"; }

expect 0 "$SP" "${g[@]}" --json init
expect 0 "$SP" "${g[@]}" --json demo --cases 1200 --batch
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")
[ -n "$PW" ] || die "no demo password"
same 1200 "SELECT COUNT(*) FROM cases"
agency() { echo "(SELECT id FROM agencies WHERE code = '$1')"; }
mine="(SELECT id FROM users WHERE username = 'demo.caseworker')"
# one referral on each of the caseworker's 500 cases, from the NGO to the shelter
same 500 "SELECT COUNT(DISTINCT r.case_id) FROM referrals r JOIN cases c ON c.id = r.case_id
	WHERE c.assigned_to = $mine AND r.agency_id = $(agency NGO)
	AND r.provider_agency_id = $(agency SHL) AND r.type = 'shelter'"
same 500 "SELECT COUNT(*) FROM referrals"
same "accepted|50
acknowledged|200
sent|250" "SELECT status || '|' || COUNT(*) FROM referrals GROUP BY status ORDER BY status"
same 125 "SELECT COUNT(*) FROM referrals WHERE urgency = 'urgent'"
same 0 "SELECT COUNT(*) FROM referrals WHERE summary IS NULL"
same 500 "SELECT COUNT(*) FROM needs WHERE kind = 'safe_shelter' AND status = 'referred'"
# each step its own audit record, the provider's answers by the provider
same 500 "SELECT COUNT(*) FROM audit_log WHERE action = 'referral.send' AND actor = $mine"
same 250 "SELECT COUNT(*) FROM audit_log WHERE action = 'referral.acknowledge' AND
	actor = (SELECT id FROM users WHERE username = 'demo.provider')"
same 50 "SELECT COUNT(*) FROM audit_log WHERE action = 'referral.accept'"
# the summaries are sealed: their age bands are nowhere in clear
if [ -z "${DB_URL:-}" ]; then
	grep -q "age_band" var/safepath.db && die "a summary in clear"
fi
# the provider's inbox: the newest 50 of the 500, none withheld
expect 0 "$SP" "${g[@]}" --json referral inbox --box incoming --as demo.provider --password-fd 3 3<<<"$PW"
has '"withheld":0'
[ "$(grep -o '"view":"receiver"' "$WORK/out" | wc -l)" = 50 ] || die "not 50 referrals in the inbox"
expect 0 "$SP" "${g[@]}" audit verify
has "audit trail intact"
