# A case's support plan from the command line: a goal added with its text on standard input,
# listed with it, moved along its status table with --version (a stale one and a move the
# table lacks refused), its review date changed and removed, its text replaced; every bad
# option named; a colleague not on the case refused; the goal's text never in clear under
# the data folder.
. "$(dirname "$0")/lib.sh"

GOAL="Sit the Tarnwick bakery apprenticeship exam"
GOAL2="Join the Ellersby evening literacy group first"
demo_world 0
CASE=$(echo '{"names": [{"role": "given", "romanised": "Planwyn"}], "sex": "female"}' |
	as demo.caseworker --json case add | sed -n 's/.*"number":"\([^"]*\)".*/\1/p')
[ -n "$CASE" ] || die "case add"

expect 0 as demo.caseworker --json plan add --type livelihood --review 2031-04-01 "$CASE" <<<"$GOAL"
has '"status":"planned"'
has '"type":"livelihood"'
has '"review_at":"2031-04-01T00:00:00.000000Z"'
has '"goal":null'
ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out)
expect 0 as demo.caseworker plan list "$CASE" </dev/null
has "livelihood  *planned  *review 2031-04-01  version 1"
has "    $GOAL"

# usage and bad values
expect 2 as demo.caseworker plan add "$CASE" <<<"$GOAL"
has 'needs --type' err
expect 2 as demo.caseworker plan add --type education --review someday "$CASE" <<<"$GOAL"
has 'review must be' err
expect 2 as demo.caseworker plan update --status in_progress "$ID" </dev/null
has 'needs --version' err
expect 2 as demo.caseworker plan update --version 1 --status finished "$ID" </dev/null
expect 2 as demo.caseworker plan list --status planned "$CASE" </dev/null
expect 2 as demo.caseworker plan retire "$CASE" </dev/null
expect 1 as demo.caseworker plan add --type spaceship "$CASE" <<<"$GOAL"
has '/type' err
expect 1 as demo.caseworker plan add --type education "$CASE" </dev/null
has '/goal' err

# moves, dates, text
expect 1 as demo.caseworker plan update --version 1 --status achieved "$ID" </dev/null
has 'cannot go from planned to achieved' err
expect 0 as demo.caseworker plan update --version 1 --status in_progress "$ID" </dev/null
has 'in_progress  *review 2031-04-01  version 2'
expect 0 as demo.caseworker --json plan update --version 2 --review none --goal "$ID" <<<"$GOAL2"
has '"review_at":null'
has '"version":3'
# a stale version
expect 1 as demo.caseworker plan update --version 2 --status achieved "$ID" </dev/null
has '/version' err
expect 0 as demo.caseworker plan list "$CASE" </dev/null
has "    $GOAL2"
grep -q -F "$GOAL" out && die "the old text is still listed"

# the case's audience only
expect 1 as demo.identifier plan list "$CASE" </dev/null
has 'denied: not_assigned' err
# immigration, across the firewall, does not even find the case by its number
expect 1 as demo.screener plan add --type legal "$CASE" <<<"x"
has 'no such case' err

# the text is sealed
for f in $(find "$WORK/var" "$WORK/keys" -type f); do
	grep -q -F -e "Tarnwick" -e "Ellersby" "$f" && die "$f holds a goal in clear"
done
echo "plan: ok"
