# Focal points and routing from the command line: a supervisor names the demo focal point
# for gender-based violence and another for hand-overs with France; each bad option or value
# named; a caseworker refused and shown where a need goes; a routing rule to the directory's
# shelter that takes referrals only through a focal point; removing a focal point takes the
# rules routed to it; the audit records.
DATA=$(cd "$(dirname "$0")/../data/services" && pwd)
. "$(dirname "$0")/lib.sh"

demo_world 0

expect 0 as demo.caseworker focal list
has "your agency has no focal point"
expect 0 as demo.caseworker focal route medical
has "medical: none"
has "Your agency has no routing rule and no focal point for this need: choose a service from the directory."

# Usage errors exit 2 and say what is wrong.
expect 2 as demo.supervisor focal add
has "focal add needs one argument" "$WORK/err"
expect 2 as demo.supervisor focal rule gbv_response
has "focal rule needs either --service or --to" "$WORK/err"
expect 2 as demo.supervisor focal list --need medical
has "--country, --need and --default are for focal add" "$WORK/err"
expect 2 as demo.supervisor focal launch
has "no focal subcommand 'launch'" "$WORK/err"

# Values refused by the library, by name.
expect 1 as demo.caseworker focal add demo.focal
has "denied: no_role" "$WORK/err"
expect 1 as demo.supervisor focal add demo.caseworker
has "focal add: user: does not hold the focal_point role" "$WORK/err"
expect 1 as demo.supervisor focal add nobody.here
has "focal add: USERNAME: no such user" "$WORK/err"
expect 1 as demo.supervisor focal add --need spaceship demo.focal
has "focal add: needs: item 0 is not a code of the needs vocabulary" "$WORK/err"
expect 1 as demo.supervisor focal add --country XY demo.focal
has "focal add: country: is not an ISO 3166-1 country code" "$WORK/err"

expect 0 as demo.supervisor focal add --need gbv_response --need trafficking_identification --default demo.focal
has "focal point .*: demo.focal"
expect 0 as demo.supervisor focal add --country fr demo.focal
expect 1 as demo.supervisor focal add --country FR demo.focal
has "focal add: user: is a focal point of your agency for this scope already" "$WORK/err"
expect 0 as demo.caseworker --json focal list
[ "$(jq -c '[.items[] | [.username, .scope, .country, .needs, .default]]' "$WORK/out")" = \
	'[["demo.focal","agency",null,["gbv_response","trafficking_identification"],true],["demo.focal","country","FR",[],false]]' ] ||
	die "focal list: $(cat "$WORK/out")"
agency_fp=$(jq -r '.items[0].id' "$WORK/out")

expect 0 as demo.caseworker focal route gbv_response
has "gbv_response: focal_point demo.focal"
has "It goes to the focal point your agency named for this need."

# The directory's safe house takes referrals only through a focal point.
expect 0 as demo.focal services import "$DATA/directory.json"
expect 1 as demo.supervisor focal rule --service 01900000-0000-7000-8000-000000000104 safe_shelter
has "focal rule: service: is not active" "$WORK/err"
expect 0 as demo.supervisor focal rule --service 01900000-0000-7000-8000-000000000101 gbv_response
expect 0 as demo.caseworker focal route gbv_response
has "gbv_response: service Safe House for Women and Girls (01900000-0000-7000-8000-000000000101) through demo.focal"
has "which takes referrals only through a focal point: demo.focal."
expect 0 as demo.focal focal rule --to demo.focal trafficking_identification
expect 1 as demo.focal focal rule --to demo.focal trafficking_identification
has "focal rule: need: is routed already: remove that rule first" "$WORK/err"
expect 0 as demo.caseworker --json focal rules
[ "$(jq -r '[.items[] | .need + ">" + .target] | join(" ")' "$WORK/out")" = \
	"gbv_response>service trafficking_identification>focal_point" ] || die "rules: $(cat "$WORK/out")"
expect 0 as demo.caseworker focal rules
has "gbv_response -> service Safe House for Women and Girls (01900000-0000-7000-8000-000000000101)"
has "trafficking_identification -> focal point demo.focal"

# Removing the agency-scope focal point takes the rule routed to them; the service's stays.
expect 0 as demo.supervisor focal remove "$agency_fp"
expect 0 as demo.caseworker --json focal rules
[ "$(jq -r '[.items[].need] | join(" ")' "$WORK/out")" = "gbv_response" ] || die "rules left: $(cat "$WORK/out")"
expect 0 as demo.caseworker focal route gbv_response
has "gbv_response: service Safe House"
has "your agency has none for this need."
expect 1 as demo.supervisor focal remove "$agency_fp"
has "focal remove: focal_point: no such focal point in your agency" "$WORK/err"

# Every change audited, by whom; the chain verifies.
expect 0 "$SP" "${g[@]}" audit verify
expect 0 sqlite3 var/safepath.db "SELECT a.action || ' ' || u.username FROM audit_log a JOIN users u ON u.id = a.actor WHERE a.action LIKE 'focal_point.%' OR a.action LIKE 'routing.%' ORDER BY a.seq"
[ "$(tr '\n' '|' <"$WORK/out")" = "focal_point.add demo.supervisor|focal_point.add demo.supervisor|routing.add demo.supervisor|routing.add demo.focal|focal_point.remove demo.supervisor|routing.remove demo.supervisor|" ] ||
	die "audit: $(cat "$WORK/out")"
