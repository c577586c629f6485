# Needs and tasks from the command line: a need added with its note on standard input, moved
# along its status table with --version (a stale one and a move the table lacks refused), a
# task added and listed, "my tasks", done; an assignee the policy does not let work on the
# case refused; a colleague not on the case refused; the note and the title never in clear
# under the data folder.
. "$(dirname "$0")/lib.sh"

demo_world 2

echo '{"names": [{"role": "given", "romanised": "Clineva"}], "sex": "female"}' |
	as demo.caseworker --json case add >case.json || die "case add"
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json)
NOTE="Sleeps in the Varnholt underpass since Tuesday"
TITLE="Ring the guardian Oskavel Prenditt today"

expect 0 as demo.caseworker --json need add --kind safe_shelter "$CASE" <<<"$NOTE"
has '"status":"unmet"'
has '"version":1'
NEED=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out)
expect 1 as demo.caseworker need add --kind spaceship "$CASE" </dev/null
has '/kind' err
expect 2 as demo.caseworker need add "$CASE" </dev/null
has 'needs --kind' err
expect 0 as demo.caseworker need list "$CASE" </dev/null
has "$NOTE"
expect 1 as demo.caseworker need set --version 1 --status met "$NEED" </dev/null
has 'cannot go from unmet to met' err
expect 0 as demo.caseworker need set --version 1 --status referred "$NEED" </dev/null
has 'referred'
expect 1 as demo.caseworker need set --version 1 --status met "$NEED" </dev/null
has '/version' err
expect 2 as demo.caseworker need set --status met "$NEED" </dev/null
has 'needs --version' err
expect 1 as demo.identifier need list "$CASE" </dev/null
has 'denied: not_assigned' err

expect 0 as demo.caseworker --json task add --kind appoint_guardian --due 2030-03-04 \
	--priority urgent "$CASE" <<<"$TITLE"
has '"due_at":"2030-03-04T00:00:00.000000Z"'
has '"title":null'
TASK=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out)
expect 1 as demo.caseworker task add --kind medical_check --assign demo.identifier "$CASE" </dev/null
has '/assignee' err
expect 2 as demo.caseworker task add --priority someday "$CASE" </dev/null
expect 0 as demo.caseworker task list --mine </dev/null
has "$TITLE"
has "$CASE"
expect 0 as demo.caseworker task done --version 1 "$TASK" </dev/null
has ' done '
expect 0 as demo.caseworker --json task list --mine </dev/null
[ "$(cat out)" = "[]" ] || die "a done task is still mine: $(cat out)"
expect 1 as demo.coordinator task list --mine </dev/null
has 'denied' err

# the note and the title are sealed
for f in $(find "$WORK/var" "$WORK/keys" -type f); do
	grep -q -F -e "$NOTE" -e "$TITLE" "$f" && die "$f holds a note or title in clear"
done
echo "needs_tasks: ok"
