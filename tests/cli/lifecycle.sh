# A case's life from the command line: closure asked by the caseworker (a bad reason and a
# past follow-up refused) and approved by the supervisor (the case closed), the supervisor's
# own request refused to them (four eyes), a rejection without a note refused, reopening with
# a reason on standard input, break-glass by an unassigned colleague (the reason required,
# the person shown, the review in the supervisor's list), transfer (the firewall refused, the receiving
# agency's request waiting), reassignment; notes and reasons never in clear on disk.
. "$(dirname "$0")/lib.sh"

demo_world 2

open_case() {
	echo "{\"names\": [{\"role\": \"given\", \"romanised\": \"$1\"}], \"sex\": \"female\"}" |
		as demo.caseworker --json case add >case.json || die "case add"
	sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json
}
CASE=$(open_case Lifeline)
NOTE="Moved in with her aunt Corvessa near the Hallowmere docks"
GLASS="Brought to the Pellam clinic unconscious at night"

expect 1 as demo.caseworker lifecycle close --reason bored "$CASE" </dev/null
has '/reason' err
expect 1 as demo.caseworker lifecycle close --reason moved_away --follow-up 2001-01-01 "$CASE" </dev/null
has '/follow_up' err
expect 2 as demo.caseworker lifecycle close "$CASE" </dev/null
has 'needs --reason' err
expect 0 as demo.caseworker --json lifecycle close --reason moved_away --follow-up 2099-05-01 "$CASE" <<<"$NOTE"
has '"kind":"closure"'
has '"status":"pending"'
has '"follow_up":"2099-05-01"'
APPROVAL=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out | head -1)
expect 1 as demo.caseworker lifecycle queue </dev/null
has 'denied' err
expect 0 as demo.supervisor lifecycle queue --status pending </dev/null
has "$CASE"
has "$NOTE"
expect 1 as demo.supervisor lifecycle decide --reject --version 1 "$APPROVAL" </dev/null
has '/note' err
expect 2 as demo.supervisor lifecycle decide --version 1 "$APPROVAL" </dev/null
has 'needs --approve or --reject' err
expect 0 as demo.supervisor lifecycle decide --approve --version 1 "$APPROVAL" </dev/null
has ' approved '
expect 0 as demo.caseworker case show "$CASE" </dev/null
has ' closed '

# reopened by the supervisor at once, with a reason
expect 1 as demo.supervisor lifecycle reopen "$CASE" </dev/null
has '/reason' err
expect 0 as demo.supervisor lifecycle reopen "$CASE" <<<"She came back to the office on Monday"
has ' approved '
expect 0 as demo.caseworker case show "$CASE" </dev/null
has ' active '

# four eyes: the supervisor's own request is not theirs to approve
expect 0 as demo.supervisor --json lifecycle close --reason lost_contact "$CASE" </dev/null
OWN=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out | head -1)
expect 1 as demo.supervisor lifecycle decide --approve --version 1 "$OWN" </dev/null
has 'four eyes' err

# break-glass by a colleague who is not assigned
CASE2=$(open_case Glassline)
expect 1 as demo.focal lifecycle break-glass "$CASE2" </dev/null
has '/reason' err
expect 0 as demo.focal lifecycle break-glass "$CASE2" <<<"$GLASS"
has 'flagged to the DPO'
expect 0 as demo.focal --json case show --person "$CASE2" </dev/null
has 'Glassline'
expect 0 as demo.supervisor lifecycle list --status pending "$CASE2" </dev/null
has 'break_glass_review'

# transfer: never to immigration; to the child-protection authority, waiting there
expect 1 as demo.supervisor lifecycle transfer --to IMM "$CASE2" </dev/null
has 'firewall' err
expect 1 as demo.supervisor lifecycle transfer --to NOPE "$CASE2" </dev/null
has 'no such agency' err
expect 0 as demo.supervisor lifecycle transfer --to CPA "$CASE2" </dev/null
has ' transfer '
has ' pending '

# reassignment by the supervisor
expect 1 as demo.caseworker lifecycle reassign --to demo.focal --version 1 "$CASE2" </dev/null
expect 0 as demo.supervisor lifecycle reassign --to demo.focal --version 1 "$CASE2" </dev/null
has 'assigned to demo.focal'

# notes and reasons are sealed
for f in $(find "$WORK/var" "$WORK/keys" -type f); do
	grep -q -F -e "$NOTE" -e "$GLASS" "$f" && die "$f holds a note or reason in clear"
done
echo "lifecycle: ok"
