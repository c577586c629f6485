# Family tracing from the command line: the NGO's caseworker records a father's request (JSON
# on standard input) and is told "open" until the child-protection caseworker's child consents
# to tracing, then "possible_match", never the case; the child's side lists the case's match,
# reviews it (the request's details), is refused contact without a verification and an
# assessment, records both and approves; every bad option named; the request's details never
# in clear under the data folder.
. "$(dirname "$0")/lib.sh"

demo_world 0
YEAR=$(date -u +%Y)
CASE=$(printf '{"names": [{"role": "given", "romanised": "Dawitlo"}, {"role": "family", "romanised": "Ferrantesh"}], "sex": "male", "date_of_birth": {"date": "%d"}}' $((YEAR - 9)) |
	as demo.childworker --json case add | sed -n 's/.*"number":"\([^"]*\)".*/\1/p')
[ -n "$CASE" ] || die "case add"
printf '{"requester": {"name": "Gebru Ferrantesh", "relationship": "father", "contact": "Tenbridge camp, tent 41"}, "child": {"names": ["Dawitlo Ferrantesh"], "sex": "male", "age": 9, "place_of_separation": "Kassala"}}' >request.json

expect 0 as demo.caseworker --json tracing create <request.json
has '"status":"open"'
has '"matched":0'
REQ=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out)
[ -n "$REQ" ] || die "no request id"
echo '{"purpose": "tracing", "status": "given", "method": "verbal", "by": "person"}' |
	as demo.childworker consent add "$CASE" >/dev/null || die "consent add"
expect 0 as demo.caseworker tracing match "$REQ" </dev/null
has "possible_match .*new possible matches 1"
grep -q -F "$CASE" out && die "the requester's side was told the case number"
expect 0 as demo.caseworker tracing show "$REQ" </dev/null
has "requester: Gebru Ferrantesh (father)"
expect 0 as demo.caseworker tracing list </dev/null
has "$REQ"

# the child's side
expect 0 as demo.childworker --json tracing matches "$CASE" </dev/null
has '"state":"proposed"'
MATCH=$(sed -n 's/.*"id":"\([^"]*\)","request_id".*/\1/p' out)
[ -n "$MATCH" ] || die "no match id"
expect 0 as demo.childworker tracing review "$MATCH" </dev/null
has "Tenbridge camp"
expect 1 as demo.childworker tracing approve --version 1 "$MATCH" </dev/null
has '/verification' err
expect 0 as demo.childworker tracing verify --version 1 --method documents --confirmed "$MATCH" <<<"Birth certificate seen"
has "verifying  *version 2"
expect 1 as demo.childworker tracing approve --version 2 "$MATCH" </dev/null
has '/best_interests' err
expect 0 as demo.childworker tracing assess --version 2 --outcome contact_in_best_interests "$MATCH" <<<"Father is safe"
expect 0 as demo.childworker tracing approve --version 3 "$MATCH" </dev/null
has "contact_approved  *version 4"
expect 0 as demo.caseworker tracing show "$REQ" </dev/null
has "contact_approved"

# usage and refusals
expect 2 as demo.childworker tracing verify --version 1 "$MATCH" </dev/null
has 'needs --method' err
expect 2 as demo.childworker tracing assess "$MATCH" </dev/null
has 'needs --version' err
expect 2 as demo.caseworker tracing show --version 1 "$REQ" </dev/null
has 'takes no such option' err
expect 2 as demo.caseworker tracing vanish "$REQ" </dev/null
expect 1 as demo.caseworker tracing matches "$CASE" </dev/null
expect 1 as demo.screener tracing create <request.json
has 'firewall' err
echo '{"requester": {"name": "G"}, "child": {"names": ["D"]}}' | expect 1 as demo.caseworker tracing create
has '/requester/relationship' err

# sealed
for f in $(find "$WORK/var" "$WORK/keys" -type f); do
	grep -q -F -e "Gebru" -e "Tenbridge" -e "Birth certificate" "$f" && die "$f holds tracing details in clear"
done
echo "tracing: ok"
