# Acceptance item 20: after `demo` and after creating persons with distinctive names,
# document numbers, phone numbers, notes and safety information through the command line,
# none of those strings appears in clear in any file under the data folder (database, WAL,
# audit checkpoints) nor in anything the program wrote to its log (stderr, at debug level).
. "$(dirname "$0")/lib.sh"

LOG=$WORK/log
run() { "$SP" --log-level debug "$@" 2>>"$LOG"; }

run init >/dev/null || die "init"
run --json demo >demo.json || die "demo"
PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' demo.json)
[ -n "$PW" ] || die "no demo password"

# Distinctive values: each must never be found in clear.
secrets=(
	"Zarghunashtra" "Qadirovna" "Wolde-Giyorgis" "زرغونه" "ቅድስት" "Мирзоева"
	"P9X4K7Q2Z" "+44 7700 900123" "447700900123"
	"hides from the foreman behind the bakery"
	"never call the landlord Rustam"
	"only after 18:00 through the sister"
)
cat >person.json <<'JSON'
{"names": [{"role": "given", "original": "زرغونه", "romanised": "Zarghunashtra"},
           {"role": "family", "original": "Мирзоева", "romanised": "Qadirovna"}],
 "aliases": [{"names": [{"role": "given", "original": "ቅድስት", "romanised": "Wolde-Giyorgis"}]}],
 "sex": "female",
 "date_of_birth": {"calendar": "persian", "year": 1385, "month": 11, "day": 2},
 "nationalities": ["AF"], "languages": ["ps", "fa"],
 "documents": [{"type": "passport", "country": "AF", "number": "P9X4K7Q2Z"}],
 "contacts": [{"kind": "phone", "value": "+44 7700 900123"}],
 "safety": {"safe_contact": "only after 18:00 through the sister",
            "never_use": "never call the landlord Rustam",
            "people_to_avoid": "hides from the foreman behind the bakery"}}
JSON
run --json case add --flag possible_victim_of_trafficking --as demo.caseworker --password-fd 3 \
	<person.json 3<<<"$PW" >case.json || { cat "$LOG"; die "case add"; }
CASE=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' case.json)
[ -n "$CASE" ] || die "no case number in: $(cat case.json)"
printf 'Disclosed debt of 4000 to the recruiter; hides from the foreman behind the bakery.' |
	run note add --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW" >/dev/null || die "note add"
printf '{"purpose":"services","status":"given","method":"interpreter","interpreter_used":true,"interpreter_language":"ps","by":"person","note":"never call the landlord Rustam"}' |
	run consent add --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW" >/dev/null || die "consent add"

# The values are really there for those allowed: the test would prove nothing otherwise.
run case show --person --safety --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW" >shown.json ||
	die "case show"
for s in "Zarghunashtra" "P9X4K7Q2Z" "hides from the foreman behind the bakery"; do
	grep -q -- "$s" shown.json || die "case show lacks a value it should show"
done
echo '{"names": ["zarghunashtra"]}' | run case search --as demo.caseworker --password-fd 3 3<<<"$PW" >found.txt
grep -q "$CASE" found.txt || die "name search did not find the case"
grep "$CASE" found.txt | grep -q "possible_victim_of_trafficking" || die "the hit lacks the case's flag"
echo '{"document": {"type": "passport", "country": "AF", "number": "p9x4-k7q2z"}}' |
	run case search --as demo.caseworker --password-fd 3 3<<<"$PW" >found.txt
grep -q "$CASE" found.txt || die "document search did not find the case"

# After a data-key rotation the sealed data still opens, and new data goes in.
run key rotate >/dev/null || die "key rotate"
run case show --person --safety --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW" >shown.json ||
	die "case show after key rotate"
grep -q -- "hides from the foreman behind the bakery" shown.json || die "old data unreadable after rotation"
printf 'Second interview after the rotation; hides from the foreman behind the bakery.' |
	run note add --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW" >/dev/null || die "note after rotation"
run note list --as demo.caseworker --password-fd 3 "$CASE" 3<<<"$PW" >notes.txt || die "note list"
grep -q "Second interview after the rotation" notes.txt || die "new note unreadable"
grep -q "Disclosed debt of 4000" notes.txt || die "old note unreadable"

# Demo names are personal data too: sample every romanised demo name of 6+ letters.
demo_names=$(grep -o '"[A-Z][a-z]\{5,\}"' "$(dirname "$SP")/../../config/demo/names.json" 2>/dev/null | tr -d '"' | sort -u | head -200)

checked=0
while IFS= read -r -d '' f; do
	for s in "${secrets[@]}"; do
		grep -aqF -- "$s" "$f" && die "'$s' in clear in $f"
		# and its lower-case form (normalised keys must be blinded, never stored)
		lc=$(printf '%s' "$s" | tr '[:upper:]' '[:lower:]')
		grep -aqF -- "$lc" "$f" && die "'$lc' in clear in $f"
	done
	for s in $demo_names; do
		grep -aqF -- "$s" "$f" && die "demo name '$s' in clear in $f"
	done
	checked=$((checked + 1))
done < <(find var keys -type f -print0)
[ -f var/safepath.db ] && [ -f var/audit/checkpoints ] && [ -f keys/persons.db ] || die "expected files missing"
for s in "${secrets[@]}"; do
	grep -aqF -- "$s" "$LOG" && die "'$s' in the log"
done
[ -s "$LOG" ] || die "nothing was logged at debug level, so the log check proves nothing"
echo "ok: $checked files (data folder and key folder) and the log checked for ${#secrets[@]} values and $(echo $demo_names | wc -w) demo names"
