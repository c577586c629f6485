# Deadlines from the command line, under England and Wales (the jurisdiction setting): a
# referral recorded by hand starts the reasonable-grounds target, due at the end of the fifth
# working day after the referral in London time (worked out by hand); the case's list words
# it in French; the agency's overdue list holds it with the case number; it is marked met with
# --version (a stale one refused); bad events, an unknown jurisdiction and a colleague not on
# the case refused.
. "$(dirname "$0")/lib.sh"

g=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
"$SP" "${g[@]}" init >/dev/null || die "init"
"$SP" "${g[@]}" --json demo --cases 2 >demo.json || die "demo"
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' demo.json)
as() { local who=$1; shift; SAFEPATH_JURISDICTION=gb-eng-wls "$SP" "${g[@]}" "$@" --as "$who" --password-fd 3 3<<<"$PW"; }

echo '{"names": [{"role": "given", "romanised": "Termina"}], "sex": "female"}' |
	as demo.caseworker --json case add >case.json || die "case add"
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json)

# Friday 2 October 2026, 16:00 in London: Mon 5 .. Thu 8, Fri 9 October is the fifth day
expect 0 as demo.caseworker deadline event --event referral --at 2026-10-02T15:00:00Z "$CASE" </dev/null
has 'referral recorded under gb-eng-wls: 1 deadline(s) started, 0 closed'
has 'rg_decision'
has '2026-10-09T23:59:59.999999+01:00'
has 'overdue'
expect 0 as demo.caseworker --json deadline list --lang fr "$CASE" </dev/null
has '"title":"Décision sur les motifs raisonnables"'
has '"due_at":"2026-10-09T22:59:59.999999Z"'
ID=$(grep -o '"id":"[0-9a-f-]\{36\}"' out | head -1 | cut -d'"' -f4)
expect 0 as demo.caseworker deadline agency --overdue </dev/null
has "$ID"
has "$CASE"
expect 1 as demo.caseworker deadline met --version 4 "$ID" </dev/null
has '/version' err
expect 0 as demo.caseworker deadline met --version 1 "$ID" </dev/null
has ' met '
expect 1 as demo.caseworker deadline met --version 2 "$ID" </dev/null
has 'met already' err

expect 1 as demo.caseworker deadline event --event rg_positive "$CASE" </dev/null
has '--event' err
expect 1 as demo.caseworker deadline event --event referral --at yesterday "$CASE" </dev/null
has '--at' err
expect 2 as demo.caseworker deadline event "$CASE" </dev/null
has 'needs --event' err
expect 2 as demo.caseworker deadline agency "$CASE" </dev/null
expect 1 as demo.identifier deadline list "$CASE" </dev/null
has 'denied: not_assigned' err
SAFEPATH_JURISDICTION=atlantis expect 1 "$SP" "${g[@]}" deadline agency --as demo.caseworker --password-fd 3 3<<<"$PW"
has "no jurisdiction file has the id 'atlantis'" err
echo "deadlines: ok"
