# safepath match evaluate (issue 7 item 4: confirmed and rejected pairs used to check the model;
# docs/cli/match.md): eight registrations made by hand, four pairs of them decided with
# `registry link|reject`, one more linked and unlinked (no longer a label), then the model's
# decision at its threshold measured against those labels. Worked out by hand: Amina Hassan
# twice and Faduma Ali twice agree on every field (probability near 1, above the threshold);
# Yonas Tesfay against Grace Okafor and Omar Khalil against Lina Haddad agree on nothing (near
# 0). Linking Amina's pair is a true positive, rejecting Faduma's a false positive, linking
# Yonas with Grace a false negative and rejecting Omar and Lina a true negative: TP 1, FP 1,
# FN 1, precision = recall = F1 = 1/2, four labels (two confirmed, two rejected). Only a
# supervisor runs it; one audit record with the counts; no name printed.
# tests/cli/pg_match_evaluate.sh runs the same on PostgreSQL (DB_URL set).
. "$(dirname "$0")/lib.sh"
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
store_world
expect 0 "$SP" "${g[@]}" --json init
expect 0 "$SP" "${g[@]}" --json demo --cases 0
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")

# no label yet
expect 0 as demo.supervisor --json match evaluate </dev/null
has '"labels":0'
has '"parameters":"shipped"'
expect 0 as demo.supervisor match evaluate </dev/null
has "no pair has been confirmed or rejected yet"

add() { # NAME GIVEN FAMILY SEX DATE NATIONALITY: a case of the demo caseworker, its number in NAME
	printf '{"names": [{"role": "given", "romanised": "%s"}, {"role": "family", "romanised": "%s"}], "sex": "%s", "date_of_birth": {"date": "%s"}, "nationalities": ["%s"]}' \
		"$2" "$3" "$4" "$5" "$6" | as demo.caseworker --json case add >"$1.json" || die "case add $1"
	eval "$1=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' "$1.json")"
}
add amina1 Amina Hassan female 2005-03-14 SD
add amina2 Amina Hassan female 2005-03-14 SD
add faduma1 Faduma Ali female 2010-06-01 SO
add faduma2 Faduma Ali female 2010-06-01 SO
add yonas Yonas Tesfay male 1999-11-02 ER
add grace Grace Okafor female 1980-01-20 NG
add omar Omar Khalil male 1995-02-02 SY
add lina Lina Haddad female 1970-07-07 LB
expect 0 as demo.caseworker registry link "$amina1" "$amina2" </dev/null
expect 0 as demo.caseworker registry reject "$faduma1" "$faduma2" </dev/null
expect 0 as demo.caseworker registry link "$yonas" "$grace" </dev/null
expect 0 as demo.caseworker registry reject "$omar" "$lina" </dev/null
expect 0 as demo.caseworker registry link "$amina1" "$omar" </dev/null # undone: not a label
expect 0 as demo.caseworker registry unlink "$amina1" "$omar" </dev/null

# a supervisor's work only, refused and recorded
expect 1 as demo.caseworker match evaluate </dev/null
has "denied" "$WORK/err"
expect 2 as demo.supervisor match evaluate --threshold 0.5 </dev/null

expect 0 as demo.supervisor match evaluate </dev/null
has "labelled pairs     4 (2 confirmed, 2 rejected); left out: 0 conflicting, 0 without cells"
has "parameters         the model's shipped ones (no deduplication yet)"
has "at or above 0.46   1 true, 1 false; 1 confirmed pairs below"
has "precision          0.5000"
has "recall             0.5000"
has "F1                 0.5000"
for name in Amina Faduma Yonas Grace Omar Lina; do
	! grep -qi "$name" "$WORK/out" "$WORK/err" || die "$name printed"
done
expect 0 as demo.supervisor --json match evaluate </dev/null
has '"labels":4'
has '"true_positives":1'
has '"false_positives":1'
has '"false_negatives":1'
has '"f1":0.5'

[ "$(q "SELECT COUNT(*) FROM audit_log WHERE action = 'match.evaluate' AND reason = 'labels:4,confirmed:2,rejected:2,conflicting:0,unscored:0'")" = 2 ] ||
	die "not one audit record a run with its counts"
[ "$(q "SELECT COUNT(*) FROM audit_log WHERE action = 'match.evaluate' AND reason = 'denied:no_role'")" = 1 ] ||
	die "the refusal not recorded"
[ "$(q "SELECT COUNT(*) FROM audit_log WHERE action = 'match.evaluate'")" = 5 ] ||
	die "not one record a run (the first two, the refusal, two runs)"
echo "match evaluate: ok"
