# safepath protocols: list, show, check and evaluate, on the test protocols in a data folder
# of their own (no database, key or user needed). Expected outputs written by hand.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
T=$REPO/tests/data/protocols
mkdir -p data/protocols
cp "$T/test-labour@1.json" "$T/test-labour-child@1.json" data/protocols/

# usage and help
expect 0 "$SP" protocols --help
has "protocols check FILE"
expect 2 "$SP" protocols
expect 2 "$SP" protocols frob
expect 2 "$SP" protocols check
expect 2 "$SP" protocols show
expect 2 "$SP" protocols list extra
expect 2 "$SP" protocols evaluate test-labour
expect 2 "$SP" protocols evaluate test-labour --answers a.json --lang de

# list: one line per protocol (id, version, status, title)
expect 0 "$SP" --data data protocols list
has "^test-labour  *1  local  *Test labour screening (adult)$"
has "^test-labour-child  *1  provisional  *Test labour screening (child)$"
expect 0 "$SP" --data data protocols list --lang fr
has "Dépistage test travail (enfant)"
expect 0 "$SP" --data data --json protocols list
has '"id":"test-labour","kind":"trafficking_indicators","status":"local","title":"Test labour screening (adult)","version":1'
has '"hash":"187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd"'

# show: the protocol as loaded, with its hash (b2sum -l 256)
expect 0 "$SP" --data data protocols show test-labour@1
has "^test-labour@1  local  Test labour screening (adult)$"
has "^hash: 187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd$"
has "^3 sections, 17 questions, 6 dimensions, 15 indicators, 2 readings, 5 outcomes$"
has "^variants: adult test-labour, child test-labour-child$"
has "^note: Test data: not an instrument.$"
expect 0 "$SP" --data data --json protocols show test-labour
has '^{"hash":"187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd","protocol":{'
has '"dimension_rule":"strong >= 2 or'
expect 1 "$SP" --data data protocols show test-labour@2
has "no protocol test-labour@2" "$WORK/err"
expect 1 "$SP" --data data protocols show nothing

# check: ok, and every error with its pointer (the golden files of the unit tests)
expect 0 "$SP" protocols check "$T/test-labour@1.json" "$T/test-labour-child@1.json"
has "test-labour@1.json: ok (test-labour@1, 187b0e53"
expect 1 "$SP" protocols check "$T/invalid/show_if.json" "$T/test-labour@1.json"
has "invalid/show_if.json: /sections/0/questions/0/show_if: column 5: question 'b' is not an earlier question$"
has "invalid/show_if.json: /sections/0/questions/2/show_if: column 11: unexpected end of the expression$"
has "test-labour@1.json: ok"
[ "$(grep -c 'show_if.json:' "$WORK/out")" = 3 ] || die "not every error of show_if.json"
expect 1 "$SP" protocols check "$T/invalid/syntax.json"
has "syntax.json: line 3 column 9: syntax error$"
cp "$T/test-labour@1.json" misnamed.json
expect 1 "$SP" protocols check misnamed.json
has "^misnamed.json: the file must be named test-labour@1.json$"
expect 1 "$SP" protocols check nothing.json
has "^nothing.json: cannot be read$"
expect 1 "$SP" --json protocols check "$T/invalid/texts.json"
has '{"message":"has no text in fr","pointer":"/title"}'

# a bad file in the data folder stops every command that loads the protocols
cp "$T/invalid/ids.json" data/protocols/mini@1.json
expect 1 "$SP" --data data protocols list
has "mini@1.json: /id: must match" "$WORK/err"
rm data/protocols/mini@1.json

# evaluate: a 15-year-old travelling alone; the child variant is used
cat >facts.json <<'JSON'
{"age": 15, "unaccompanied": true, "sex": "M"}
JSON
cat >answers.json <<'JSON'
{"debt": "yes", "debt_by_work": "yes", "docs_taken": "unknown"}
JSON
expect 0 "$SP" --data data protocols evaluate test-labour --answers answers.json --facts facts.json
has '"protocol":{"id":"test-labour-child","version":1,'
has '"person":{"age_group":"child","presumed_child":false}'
has '"tasks":\[{"task":"appoint_guardian","priority":"urgent","due_hours":24}\]'
has '"warnings":\["provisional"\]'
has 'A child travelling without a parent or legal guardian: appoint a guardian or representative.'
expect 0 "$SP" --data data protocols evaluate test-labour --answers answers.json --facts facts.json --lang fr
has 'Un enfant voyageant sans parent ni tuteur légal : désigner un tuteur ou un représentant.'
# answers are checked against the protocol; errors name the pointer, never the value
echo '{"debt": "perhaps-secret"}' >bad.json
expect 1 "$SP" --data data protocols evaluate test-labour@1 --answers bad.json
has '/answers/debt: must be "yes", "no" or "unknown"' "$WORK/err"
grep -q secret "$WORK/err" && die "the value was repeated"
echo '{"age": "x"}' >badfacts.json
expect 1 "$SP" --data data protocols evaluate test-labour@1 --answers answers.json --facts badfacts.json
has '/facts/age: must be a whole number' "$WORK/err"
expect 1 "$SP" --data data protocols evaluate test-labour@9 --answers answers.json
has 'no protocol test-labour@9' "$WORK/err"
echo '{' >broken.json
expect 1 "$SP" --data data protocols evaluate test-labour --answers broken.json
has '--answers: line 2 column 0: unexpected end of input' "$WORK/err"
# the answers on standard input
expect 0 "$SP" --data data protocols evaluate test-labour --answers - --facts facts.json <answers.json
has '"person":{"age_group":"child","presumed_child":false}'
expect 2 "$SP" --data data protocols evaluate test-labour --answers - --facts - <answers.json
echo "protocols: ok"
