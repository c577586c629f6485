# Decisions from the command line: an age assessment recorded by a child-protection
# caseworker with its grounds from a file, a correction that becomes the current decision,
# every bad option named, the grounds from standard input, the jurisdiction naming who records
# (an NGO caseworker refused an age assessment, with who may), a conclusive-grounds decision
# refused before a positive reasonable-grounds one, list and show; the grounds never in clear
# under the data folder.
. "$(dirname "$0")/lib.sh"

demo_world 2
new_case() { # WHO NAME: the case number
	echo "{\"names\": [{\"role\": \"given\", \"romanised\": \"$2\"}], \"sex\": \"female\"}" |
		as "$1" --json case add >case.json || die "case add"
	sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json
}
KID=$(new_case demo.childworker Decimira)
AGE_GROUNDS="Said she sat the Thornwick primary exams two summers ago"
RG_GROUNDS="Worked unpaid in the Halvergate laundry for the Osterby family"
printf '%s\n' "$AGE_GROUNDS" >grounds.txt

expect 0 as demo.childworker --json decision add --type age_assessment --outcome child \
	--decided-at 2026-03-01T10:00:00Z --method holistic_assessment --benefit-of-doubt yes \
	--assessed-age 16 --grounds-file grounds.txt "$KID" </dev/null
has '"type":"age_assessment"'
has '"outcome":"child"'
has '"decided_at":"2026-03-01T10:00:00.000000Z"'
has '"benefit_of_doubt":true'
has '"assessed_age":16'
has '"current":true'
has '"jurisdiction":{"id":"coe","version":"1.0.0"}'
has "\"grounds\":\"$AGE_GROUNDS\""
FIRST=$(sed -n 's/.*"grounds":"[^"]*","id":"\([^"]*\)".*/\1/p' out)
[ -n "$FIRST" ] || die "no decision id in $(cat out)"

# a correction from standard input, decided later: the current one
expect 0 as demo.childworker decision add --type age_assessment --outcome adult \
	--decided-at 2026-04-01T10:00:00Z --method documents --benefit-of-doubt no \
	--grounds-file - "$KID" <<<"Birth certificate from the consulate"
has 'adult'
has 'current'
expect 0 as demo.childworker decision list "$KID" </dev/null
has "$AGE_GROUNDS"
[ "$(grep -c ' current' out)" = 1 ] || die "not one current decision: $(cat out)"
head -1 out | grep -q adult || die "the newest is not first: $(cat out)"
expect 0 as demo.childworker --json decision show "$FIRST" </dev/null
has '"current":false'

# bad options: usage (2) or refused with every bad field (1)
expect 2 as demo.childworker decision add --type age_assessment --outcome child "$KID" </dev/null
has 'needs --type, --outcome and --grounds-file' err
expect 2 as demo.childworker decision add --type age_assessment --outcome child \
	--benefit-of-doubt maybe --grounds-file grounds.txt "$KID" </dev/null
has 'yes or no' err
expect 1 as demo.childworker decision add --type age_assessment --outcome adult \
	--benefit-of-doubt yes --assessed-age 12 --grounds-file grounds.txt "$KID" </dev/null
has '/method: is required for an age assessment' err
has '/benefit_of_doubt: can only be given with the outcome child' err
has '/assessed_age: must be 18 or more for the outcome adult' err
expect 1 as demo.childworker decision add --type best_interests --outcome adoption \
	--grounds-file grounds.txt "$KID" </dev/null
has '/outcome' err
expect 1 as demo.childworker decision add --type best_interests --outcome interim_care \
	--grounds-file missing.txt "$KID" </dev/null
has 'cannot be opened' err
expect 1 as demo.childworker decision add --type best_interests --outcome interim_care \
	--grounds-file - "$KID" </dev/null
has '/grounds: is required' err
expect 2 as demo.childworker decision show </dev/null
expect 1 as demo.childworker decision show not-an-id </dev/null
has 'is not a decision id' err

# the jurisdiction (coe) names who records each type
NGO=$(new_case demo.caseworker Ngolina)
expect 1 as demo.caseworker decision add --type age_assessment --outcome child --method other \
	--benefit-of-doubt yes --grounds-file grounds.txt "$NGO" </dev/null
has 'age assessments are recorded by: identifier or caseworker at a child protection agency' err
expect 1 as demo.childworker decision add --type reasonable_grounds --outcome positive \
	--grounds-file grounds.txt "$KID" </dev/null
has 'reasonable-grounds decisions are recorded by: identifier' err

# conclusive grounds only after a positive reasonable-grounds decision
ADULT=$(new_case demo.identifier Groundia)
expect 1 as demo.identifier decision add --type conclusive_grounds --outcome positive \
	--grounds-file grounds.txt "$ADULT" </dev/null
has '/type: a conclusive-grounds decision needs a positive reasonable-grounds decision' err
expect 0 as demo.identifier decision add --type reasonable_grounds --outcome positive \
	--grounds-file - "$ADULT" <<<"$RG_GROUNDS"
expect 0 as demo.identifier decision add --type conclusive_grounds --outcome positive \
	--grounds-file grounds.txt "$ADULT" </dev/null
has 'conclusive_grounds'
# need-to-know and the case's reach: a colleague not on the case is refused
expect 1 as demo.caseworker decision list "$ADULT" </dev/null
has 'denied: not_assigned' err

# the grounds are sealed
for f in $(find "$WORK/var" "$WORK/keys" -type f); do
	grep -q -F -e "$AGE_GROUNDS" -e "$RG_GROUNDS" "$f" && die "$f holds grounds in clear"
done
echo "decisions: ok"
