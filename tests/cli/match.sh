# safepath match: FEBRL 4a x 4b through the command line against the truth in the record ids
# (rec-N-org with rec-N-dup-0), FEBRL 1 deduplicated, two agencies' lists with different
# headers (one with an HXL row) through --map, and the errors of a bad map, a bad CSV and a bad
# model, with the exit codes 0/1/2. No data folder, no --as.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
FEBRL=${SAFEPATH_TEST_SHARED:-$REPO/../shared}/data/febrl
D=$REPO/tests/data/matching
[ -f "$FEBRL/dataset4a.csv" ] || die "no FEBRL data in $FEBRL"

expect 0 "$SP" match --help
has '^usage: safepath match --left A.csv'

# FEBRL 4: 5000 true pairs. At the model's threshold, F1 >= 0.99 means at least 4950 right
# pairs and few wrong ones; every line's ids must name the same N.
expect 0 "$SP" match --model febrl --left "$FEBRL/dataset4a.csv" --right "$FEBRL/dataset4b.csv" \
	--out "$WORK/pairs.csv"
[ "$(mode_of "$WORK/pairs.csv")" = 600 ] || die "the pairs file must be 0600"
[ ! -s "$WORK/out" ] || die "nothing on standard output with --out"
has '^match: [0-9]* pairs at probability >= 0.99 of [0-9]* candidates after blocking' "$WORK/err"
head -1 "$WORK/pairs.csv" >"$WORK/header"
has '^left_id,right_id,probability,weight,given_name,surname,date_of_birth,soc_sec_id,street_number,address_1,address_2,suburb,postcode,state$' "$WORK/header"
pairs=$(($(wc -l <"$WORK/pairs.csv") - 1))
right=$(tail -n +2 "$WORK/pairs.csv" | awk -F, '{split($1, a, "-"); split($2, b, "-");
	if (a[2] == b[2] && $1 ~ /-org$/ && $2 ~ /-dup-0$/) n++} END {print n + 0}')
wrong=$((pairs - right))
[ "$right" -ge 4950 ] || die "only $right of 5000 true pairs found"
[ "$wrong" -le 50 ] || die "$wrong wrong pairs"
# the first record of 4a (michaela neumann) and a record with no given name in 4b
grep -q '^rec-1070-org,rec-1070-dup-0,' "$WORK/pairs.csv" || die "rec-1070 not paired"
# by descending probability, every probability at least the threshold, 14 columns
tail -n +2 "$WORK/pairs.csv" | awk -F, 'NF != 14 || $3 < 0.99 || (NR > 1 && $3 > last) {bad = 1}
	{last = $3} END {exit bad}' || die "rows out of order, short or under the threshold"

# FEBRL 1 deduplicated (no --right): 500 true pairs, each line one N
expect 0 "$SP" match --model febrl --left "$FEBRL/dataset1.csv" --id rec_id
lines=$(($(wc -l <"$WORK/out") - 1))
same=$(tail -n +2 "$WORK/out" | awk -F, '{split($1, a, "-"); split($2, b, "-"); if (a[2] == b[2]) n++} END {print n + 0}')
[ "$lines" -ge 495 ] && [ "$same" = "$lines" ] || die "dataset1: $same of $lines right, 500 true"

# two agencies: other headers, B with an HXL row, the name in two columns joined; candidates
# worked out by hand from the person model's blocking: A1/B1 (skeleton mhmd of a word and the
# date of birth), A2/B3 (the skeletons of both words, mnl+tsf, and the year 2008), A4/B2 (ln
# and the date); Fatima (A3) and Peter (B4) have no candidate
MAP='name=first;last|#name+given;#name+family,date_of_birth=born|dob,sex=sex|gender,nationality=country|nationality'
expect 0 "$SP" match --left "$D/agency_a.csv" --right "$D/agency_b.csv" --id 'ref|id' \
	--map "$MAP" --threshold 0 --explain
[ "$(wc -l <"$WORK/out")" = 4 ] || die "three pairs and the header expected"
has '^A1,B1,'
has '^A2,B3,'
has '^A4,B2,'
has '^left_id,right_id,probability,weight,name,date_of_birth,sex,nationality,place_of_separation,date_of_separation,relatives,explanation$'
# Mohamed Ali / Mohammed Ali: one letter inserted, every word paired: one edit; ~2008 is an
# estimate: weak agreement
grep '^A1,B1,' "$WORK/out" | grep -q '"name 1 edit or fewer +' || die "A1/B1 explanation"
grep '^A2,B3,' "$WORK/out" | grep -q 'date_of_birth weak date, agree +' || die "A2/B3 explanation"
grep '^A2,B3,' "$WORK/out" | grep -q 'relatives missing +0.00;' || die "a missing field adds 0"

# errors: usage (2) for the command line, failure (1) for the files
expect 2 "$SP" match
has 'the first list is required' "$WORK/err"
expect 2 "$SP" match --left "$D/agency_a.csv" --map name
has '^safepath: --map: each item must be FIELD=COLUMN, separated by commas$' "$WORK/err"
expect 2 "$SP" match --left "$D/agency_a.csv" --map nickname=first
has "^safepath: --map: 'nickname' is not a field of the model person: name date_of_birth" "$WORK/err"
expect 1 "$SP" match --left "$D/agency_a.csv" --right "$D/agency_b.csv" --map 'name=first;last'
has "agency_b.csv has no column first;last (for name)" "$WORK/err"
expect 1 "$SP" match --left "$D/agency_a.csv" --map 'name=first;last,relatives=first;last'
has "only one field may join columns" "$WORK/err"
expect 1 "$SP" match --left "$D/agency_a.csv" --id nosuch
has "agency_a.csv has no column 'nosuch'" "$WORK/err"
expect 2 "$SP" match --left "$D/agency_a.csv" --threshold 1.5
has 'must be a probability from 0 to 1' "$WORK/err"
expect 2 "$SP" match --left "$D/agency_a.csv" extra
expect 2 "$SP" match --left "$D/agency_a.csv" --frob
expect 1 "$SP" match --left "$D/bad_quote.csv" --map name=first
has 'bad_quote.csv: line 3, column 2: a quoted value is not closed$' "$WORK/err"
expect 1 "$SP" match --left "$WORK/none.csv"
has 'none.csv: cannot open: No such file or directory' "$WORK/err"
expect 1 "$SP" match --left "$D/agency_a.csv" --model nosuch
has 'model: is not a shipped model (config/matching/)' "$WORK/err"
expect 1 "$SP" match --left "$D/agency_a.csv" --model "$D/invalid/missing_threshold.json"
has 'missing_threshold.json: /threshold: is required$' "$WORK/err"
expect 1 "$SP" match --left "$D/agency_a.csv" --out "$WORK/no/such/dir.csv"
has 'match: --out: .*dir.csv: No such file or directory' "$WORK/err"
echo "match: ok"
