# Accounts from the command line: the first administrator's one-time password must be
# changed before anything else; a data-reading role waits for a supervisor's approval (the
# first supervisor of an agency for a second administrator), flagged to the DPO; admins read
# no case data; a disabled user is refused; usage errors exit 2; the trail verifies.
. "$(dirname "$0")/lib.sh"

json() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$WORK/out"; }
as() { local user=$1 pw=$2; shift 2; "$SP" "$@" --as "$user" --password-fd 3 3<<<"$pw"; }
passwd() { "$SP" user passwd --as "$1" --password-fd 3 3<<<"$(printf '%s\n%s\n%s' "$2" "$3" "$3")"; }

expect 0 "$SP" --json init --agency-code SYS
OTP=$(json one_time_password)
expect 1 as admin "$OTP" agency list
has "must be changed" "$WORK/err"
expect 0 passwd admin "$OTP" "admin-password-123"
expect 1 as admin "$OTP" agency list          # the one-time password is spent
expect 0 as admin admin-password-123 agency add --code NGO --name "Test NGO" --kind ngo --country GR
expect 0 as admin admin-password-123 agency add --code IMM --name "Test immigration" --kind immigration --country GR
expect 2 as admin admin-password-123 agency add --code NGO --name "No kind"   # usage

# a supervisor role waits for approval; the requester cannot grant it
expect 0 "$SP" --json user add sup.one --agency NGO --roles supervisor --as admin --password-fd 3 3<<<"admin-password-123"
SUP_APPROVAL=$(json approval)
SUP_OTP=$(json one_time_password)
[ -n "$SUP_APPROVAL" ] || die "no approval for a data-reading role"
expect 1 as admin admin-password-123 approval grant "$SUP_APPROVAL"
# a second administrator decides for an agency that never had a supervisor
expect 0 "$SP" --json user add admin2 --agency SYS --roles admin --as admin --password-fd 3 3<<<"admin-password-123"
A2_OTP=$(json one_time_password)
expect 0 passwd admin2 "$A2_OTP" "admin2-password-123"
expect 0 "$SP" --json approval grant "$SUP_APPROVAL" --as admin2 --password-fd 3 3<<<"admin2-password-123"
NEW_OTP=$(json one_time_password)
[ -n "$NEW_OTP" ] || NEW_OTP=$SUP_OTP
expect 1 as sup.one "$SUP_OTP" case list 2>/dev/null || true
expect 0 passwd sup.one "$NEW_OTP" "supervisor-password-1"

# a caseworker: pending until the supervisor grants it; then a working account
expect 0 "$SP" --json user add cw.one --agency NGO --roles caseworker --as admin --password-fd 3 3<<<"admin-password-123"
CW_APPROVAL=$(json approval)
CW_OTP=$(json one_time_password)
expect 0 as sup.one supervisor-password-1 approval list --pending
has "cw.one"
expect 0 "$SP" --json approval grant "$CW_APPROVAL" --as sup.one --password-fd 3 3<<<"supervisor-password-1"
G_OTP=$(json one_time_password)
[ -n "$G_OTP" ] && CW_OTP=$G_OTP
expect 0 passwd cw.one "$CW_OTP" "caseworker-password-1"
echo '{"names": [{"role": "given", "romanised": "Test"}], "sex": "unknown"}' >p.json
expect 0 as cw.one caseworker-password-1 case add <p.json
has "NGO-"

# admins read no case data
expect 1 as admin admin-password-123 case list
has "denied\|not allowed\|admin" "$WORK/err"

# the grants were flagged to the DPO
expect 0 sqlite3 var/safepath.db "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'approval.grant%' AND flags % 2 = 1"
[ "$(cat "$WORK/out")" -ge 2 ] || die "approval grants not flagged to the DPO"

# disabling ends the account at once; enabling gives it back; enabling twice is refused
expect 0 as admin admin-password-123 user disable cw.one
expect 1 as cw.one caseworker-password-1 case list
expect 0 as admin admin-password-123 user enable cw.one
has "cw.one enabled"
expect 0 as cw.one caseworker-password-1 case list
expect 1 as admin admin-password-123 user enable cw.one

# revoking a role narrows access at once; the last role stays
expect 0 as admin admin-password-123 user grant cw.one --roles coordinator
expect 0 as admin admin-password-123 user revoke cw.one --roles caseworker
has "cw.one: roles revoked"
expect 1 as cw.one caseworker-password-1 case list
expect 1 as admin admin-password-123 user revoke cw.one --roles coordinator
expect 2 as admin admin-password-123 user revoke cw.one

# usage errors exit 2, with the usage
expect 2 "$SP" case
expect 2 "$SP" nosuchcommand
expect 2 "$SP" user add
expect 0 "$SP" user --help
has "usage: safepath user"

expect 0 "$SP" audit verify
has "audit trail intact"
echo ok
