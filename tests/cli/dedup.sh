# safepath dedup over a registry of generated persons (docs/dedup.md): tools/gen_persons with a
# fixed seed, imported with `demo --generated`, then deduplicated by the demo supervisor, and
# the pairs it keeps measured against the generator's truth (precision and recall of every
# pair in the queue, whoever may see it) with floors written by hand after measuring; only the
# supervisor may run it, only pairs of persons it may read reach its file (sealed by default),
# a rejected pair stays rejected on the next run, one audit record a run, the trail intact.
# tests/cli/pg_dedup.sh runs the same on PostgreSQL (DB_URL set).
. "$(dirname "$0")/lib.sh"
export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
store_world
if [ -n "${DB_URL:-}" ]; then
	hex() { echo "encode($1, 'hex')"; }
else
	hex() { echo "lower(hex($1))"; }
fi
GEN=$(dirname "$SP")/tools/gen_persons
ROOT=$(cd "$(dirname "$SP")/../.." && pwd) # the binary is build/PROFILE/safepath
as() { local who=$1; shift; "$SP" "${g[@]}" "$@" --as "$who" --password-fd 3 3<<<"$PW"; }

"$GEN" --persons 1500 --seed 11 >persons.jsonl 2>gen.err || die "gen_persons"
expect 0 "$SP" "${g[@]}" --json init
: >empty.jsonl # an empty file is refused, and nothing is made (not even the demo accounts)
expect 1 "$SP" "${g[@]}" demo --generated empty.jsonl --map empty.csv
has "--generated: the file holds no registration" "$WORK/err"
[ "$(q "SELECT COUNT(*) FROM users WHERE username LIKE 'demo.%'")" = 0 ] || die "a refused import made accounts"
expect 0 "$SP" "${g[@]}" --json demo --generated persons.jsonl --map map.csv
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' "$WORK/out")
records=$(wc -l <persons.jsonl)
[ "$(q "SELECT COUNT(*) FROM cases")" = "$records" ] || die "not $records cases"
[ "$(mode_of map.csv)" = 600 ] || die "the map is not 0600"

# only a supervisor runs it
expect 1 as demo.dpo dedup --out x.sealed
has "denied" "$WORK/err"
expect 1 as demo.caseworker dedup --out x.sealed
[ -e x.sealed ] && die "a refused run wrote its file"
expect 2 "$SP" "${g[@]}" dedup --format xml --out x --as demo.supervisor

# the run, sealed by default
expect 0 as demo.supervisor --json dedup --out pairs.sealed
cp "$WORK/out" run1.json
[ "$(mode_of pairs.sealed)" = 600 ] || die "the sealed file is not 0600"
grep -q "NGO-20" pairs.sealed && die "a case number in clear in the sealed file"
expect 0 as demo.supervisor dedup --open pairs.sealed --out pairs.json
[ "$(mode_of pairs.json)" = 600 ] || die "the opened file is not 0600"
shown=$(grep -o '"state":"proposed"' pairs.json | wc -l)
hidden=$(sed -n 's/.*"hidden":\([0-9]*\).*/\1/p' run1.json)
above=$(sed -n 's/.*"above_threshold":\([0-9]*\).*/\1/p' run1.json)
[ "$((shown + hidden))" = "$above" ] || die "shown $shown + hidden $hidden is not $above"
# what the supervisor of the NGO may read: pairs of two NGO cases, nothing else
grep -o '"case_number":"[A-Z]*-' pairs.json | grep -v '"NGO-' && die "a case of another agency shown"
[ "$shown" -gt 0 ] || die "no pair shown"
[ "$hidden" -gt 0 ] || die "no pair hidden (the registry spans three agencies)"

# precision and recall of the queue against the generator's truth: person -> cluster
q "SELECT $(hex person_a) || ',' || $(hex person_b) FROM match_pairs WHERE state = 'proposed'" >queue.txt
[ "$(wc -l <queue.txt)" = "$above" ] || die "the queue does not hold the $above pairs"
true_pairs=$(sed -n 's/.* \([0-9]*\) true duplicate pairs.*/\1/p' gen.err)
read -r tp fp <<<"$(awk -F, -f "$ROOT/tools/dedup_truth.awk" map.csv queue.txt)"
precision=$(awk -v a="$tp" -v b="$fp" 'BEGIN { printf "%.4f", a / (a + b) }')
recall=$(awk -v a="$tp" -v b="$true_pairs" 'BEGIN { printf "%.4f", a / b }')
echo "dedup: $records records, $true_pairs true pairs; queue $above: $tp true, $fp false; precision $precision, recall $recall"
# floors written by hand after measuring (2026-11-29, the person model estimated without truth
# in training sessions, at its default threshold 0.46): precision 0.9444 (1156 true of 1224),
# recall 0.8329 (of 1388), the same on both stores (the counted model before it, at 0.33:
# 0.9519 and 0.8271); a change that costs more than about 1 point of precision or 2 of
# recall fails
awk -v p="$precision" -v r="$recall" 'BEGIN { exit !(p >= 0.935 && r >= 0.81) }' ||
	die "precision $precision or recall $recall under the floors"

# the parameters kept for the registration check; one audit record, counts and no name
[ "$(q "SELECT COUNT(*) FROM match_params WHERE model = 'person'")" = 1 ] || die "no parameters kept"
[ "$(q "SELECT COUNT(*) FROM audit_log WHERE action = 'match.dedup' AND reason LIKE 'persons:$records,%'")" = 1 ] ||
	die "not one match.dedup record with the counts"
# the focal points of the agencies holding what the supervisor may not see were told
[ "$(q "SELECT COUNT(*) FROM notifications WHERE kind = 'dedup.elsewhere'")" -gt 0 ] ||
	die "no focal point told"

# a rejected pair stays rejected on the next run, untouched
q "UPDATE match_pairs SET state = 'rejected' WHERE id = (SELECT id FROM match_pairs ORDER BY id LIMIT 1)" >/dev/null
before=$(q "SELECT version || '|' || weight_micro FROM match_pairs WHERE state = 'rejected'")
expect 0 as demo.supervisor --json dedup --format csv --out pairs.csv
has '"decided":1'
[ "$(q "SELECT version || '|' || weight_micro FROM match_pairs WHERE state = 'rejected'")" = "$before" ] ||
	die "the rejected pair was touched"
[ "$(mode_of pairs.csv)" = 600 ] || die "the clear file is not 0600"
head -1 pairs.csv | grep -q '^pair_id,case_a,case_b,probability,weight,' || die "no CSV header"
[ "$(q "SELECT COUNT(*) FROM audit_log WHERE action = 'match.dedup' AND reason LIKE 'persons:%'")" = 2 ] ||
	die "not two runs audited"
# and the two refusals, as refusals
[ "$(q "SELECT COUNT(*) FROM audit_log WHERE action = 'match.dedup' AND reason LIKE 'denied:%'")" = 2 ] ||
	die "the refused runs are not recorded"
expect 0 "$SP" "${g[@]}" audit verify
has "audit trail intact"
