# Notifications from the command line: a task the supervisor gives to the caseworker is in the
# caseworker's list (newest first, its link the case's page), not in anyone else's; read one,
# read --all; bad usage exits 2, someone else's notification 1; deliver writes each one as a
# file of the spool folder (the setting notify-spool), 0600 in a 0700 folder, byte for byte
# what is written here, once; and no name, title or case number in any spool file.
. "$(dirname "$0")/lib.sh"

demo_world 0
export SAFEPATH_NOTIFY_SPOOL="$WORK/outbox"
NAME="Belluccia"
TITLE="Book the interpreter Zavranko for Thursday"

echo "{\"names\": [{\"role\": \"given\", \"romanised\": \"$NAME\"}], \"sex\": \"female\"}" |
	as demo.caseworker --json case add >case.json || die "case add"
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json)
CASE_ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' case.json)

expect 0 as demo.caseworker --json notifications list </dev/null
[ "$(cat out)" = "[]" ] || die "notifications before any: $(cat out)"
expect 0 as demo.supervisor --json task add --kind appoint_guardian --assign demo.caseworker \
	"$CASE" <<<"$TITLE"
TASK=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' out)
ASSIGNEE=$(sed -n 's/.*"assignee":"\([^"]*\)".*/\1/p' out)

expect 0 as demo.caseworker notifications list </dev/null
has "unread task.assigned  */cases/$CASE_ID"
expect 0 as demo.caseworker --json notifications list --unread </dev/null
has "\"object_id\":\"$TASK\""
has '"read_at":null'
N=$(sed -n 's/.*"id":"\([^"]*\)","kind".*/\1/p' out)
CREATED=$(sed -n 's/.*"created_at":"\([^"]*\)".*/\1/p' out)
[ -n "$N" ] && [ -n "$CREATED" ] || die "no id or time in $(cat out)"
expect 0 as demo.supervisor --json notifications list </dev/null
[ "$(cat out)" = "[]" ] || die "the supervisor sees the caseworker's: $(cat out)"

# usage, and someone else's notification
expect 2 as demo.caseworker notifications read </dev/null
has 'needs one ID' err
expect 2 as demo.caseworker notifications read --unread "$N" </dev/null
expect 2 as demo.caseworker notifications list --all </dev/null
expect 2 as demo.caseworker notifications read not-an-id </dev/null
expect 2 "$SP" "${g[@]}" notifications deliver --limit 3
expect 2 "$SP" "${g[@]}" notifications ring
expect 1 as demo.supervisor notifications read "$N" </dev/null
has 'no such notification' err

# deliver: one file, exactly this, once
expect 0 "$SP" "${g[@]}" notifications deliver
has '1 notification(s) delivered'
[ "$(mode_of "$WORK/outbox")" = 700 ] || die "spool folder mode $(mode_of "$WORK/outbox")"
[ "$(ls -A "$WORK/outbox")" = "$N.json" ] || die "spool holds $(ls -A "$WORK/outbox")"
[ "$(mode_of "$WORK/outbox/$N.json")" = 600 ] || die "spool file mode"
printf '{"created_at":"%s","id":"%s","kind":"task.assigned","link":"/cases/%s","to":{"user":"%s"}}\n' \
	"$CREATED" "$N" "$CASE_ID" "$ASSIGNEE" >expected
cmp expected "$WORK/outbox/$N.json" || die "spool file: $(cat "$WORK/outbox/$N.json")"
expect 0 "$SP" "${g[@]}" --json notifications deliver
has '"delivered":0'

# read one, then all
expect 0 as demo.caseworker notifications read "$N" </dev/null
has "read   task.assigned"
expect 0 as demo.caseworker --json notifications list --unread </dev/null
[ "$(cat out)" = "[]" ] || die "still unread: $(cat out)"
expect 0 as demo.supervisor task add --kind medical_check --assign demo.caseworker "$CASE" </dev/null
expect 0 as demo.caseworker notifications read --all </dev/null
has '1 marked read'
expect 0 as demo.caseworker --json notifications read --all </dev/null
has '"marked":0'

# nothing of the case in the spool
for f in "$WORK"/outbox/*; do
	grep -q -F -e "$NAME" -e "$TITLE" -e "$CASE" "$f" && die "$f holds a name, title or number"
done
echo "notifications: ok"
