# safepath jurisdictions: the shipped files, a data folder's override and addition, show, check
# with every error and its JSON pointer, --json, and the exit codes 0/1/2.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"

expect 0 "$SP" --data "$WORK/var" jurisdictions list
has '^coe  *1.0.0  *reference  *Council of Europe default$'
has '^gb-eng-wls  *1.0.0  *provisional  *England and Wales'
[ "$(wc -l <"$WORK/out")" = 2 ] || die "two shipped jurisdictions expected"

expect 0 "$SP" --data "$WORK/var" jurisdictions show gb-eng-wls
has '^time zone: Europe/London$'
has '^holidays: 24 in 2025-2027 \[S\]$'
has 'rg_decision  *target  *5 working_days  *from referral  *\[P\]'
has 'move_on  *minimum  *45 calendar_days  *from cg_positive  *\[P\]'
has 'reasonable_grounds  *roles identifier, agencies immigration \[U\]'

expect 0 "$SP" --data "$WORK/var" --json jurisdictions show coe
has '"id":"coe"'
has '"recovery_reflection"'

# a folder file replaces the shipped coe, another one joins
mkdir -p "$WORK/var/jurisdictions"
cp "$REPO"/tests/data/jurisdictions/folder/*.json "$WORK/var/jurisdictions/"
expect 0 "$SP" --data "$WORK/var" jurisdictions list
has '^coe  *0.0.1-test  *local  *Override of the shipped default$'
has '^xx-london '
[ "$(wc -l <"$WORK/out")" = 4 ] || die "four jurisdictions expected"
expect 0 "$SP" --data "$WORK/var" --json jurisdictions list
has '"id":"xx-havana"'
has '"time_zone":"America/Havana"'

# a bad file in the folder stops every command that loads them, naming the file and the field
cp "$REPO/tests/data/jurisdictions/invalid/units.json" "$WORK/var/jurisdictions/xx-units.json"
expect 1 "$SP" --data "$WORK/var" jurisdictions list
has "jurisdictions/xx-units.json: is not a known event" "$WORK/err"
has "/deadlines/0/trigger" "$WORK/err"
rm "$WORK/var/jurisdictions/xx-units.json"

expect 0 "$SP" jurisdictions check "$REPO/config/jurisdictions/gb-eng-wls.json"
has 'gb-eng-wls.json: valid$'
expect 1 "$SP" jurisdictions check "$REPO/tests/data/jurisdictions/invalid/dates.json"
has 'dates.json: /holidays/dates/1/date: is not a real date YYYY-MM-DD$' "$WORK/err"
has 'dates.json: /holidays/dates/7/observed: is not a known field$' "$WORK/err"
[ "$(wc -l <"$WORK/err")" = 7 ] || die "seven errors expected"
expect 1 "$SP" jurisdictions check "$REPO/tests/data/jurisdictions/invalid/syntax.json"
has 'syntax.json: (document): line 4 column 10: syntax error$' "$WORK/err"
expect 1 "$SP" --json jurisdictions check "$REPO/tests/data/jurisdictions/invalid/years.json"
has '"valid":false'
has '{"pointer":"/holidays/to_year","reason":"must not be before from_year"}'
expect 1 "$SP" jurisdictions check "$WORK/no-such-file.json"
has 'no-such-file.json: cannot open: No such file or directory' "$WORK/err"
expect 1 "$SP" --data "$WORK/var" jurisdictions show xx-nowhere
has 'no such jurisdiction' "$WORK/err"

expect 2 "$SP" jurisdictions
expect 2 "$SP" jurisdictions frob
expect 2 "$SP" jurisdictions show
expect 2 "$SP" jurisdictions list extra
expect 2 "$SP" jurisdictions check --strict x.json
expect 0 "$SP" jurisdictions --help
has 'jurisdictions check FILE'
echo ok
