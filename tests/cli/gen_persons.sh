# The generator's persons through the real command line (tools/gen_persons, docs/generator.md):
# every person object of a generated sample opens a case with `safepath case add` as the API's
# POST /api/v1/cases would, none refused; the same seed gives the same bytes. On SQLite here, on
# PostgreSQL when SAFEPATH_TEST_PG is set (tests/cli/pg_gen_persons.sh).
. "$(dirname "$0")/lib.sh"
GEN=$(dirname "$SP")/tools/gen_persons
[ -x "$GEN" ] || die "no $GEN (make builds it)"

if [ -n "${SAFEPATH_TEST_PG:-}" ]; then
	export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
	g=(--db "postgresql:///sp_cli_$$_$RANDOM?$SAFEPATH_TEST_PG")
	"$SP" "${g[@]}" init >/dev/null || die "init"
	"$SP" "${g[@]}" --json demo --cases 0 >demo.json || die "demo"
	PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' demo.json)
else
	demo_world 0
fi

expect 0 "$GEN" --persons 20 --seed 4
cp "$WORK/out" gen.jsonl
has "20 persons, $(wc -l <gen.jsonl) records, [1-9][0-9]* persons with duplicates" "$WORK/err"
# every registration of the sample, duplicates and their noise included
n=0
while IFS= read -r line; do
	person=$(node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).person))' "$line")
	as demo.caseworker --json case add <<<"$person" >"$WORK/out" 2>"$WORK/err" ||
		{ cat "$WORK/err" >&2; die "case add refused $person"; }
	has '"status":"open"'
	n=$((n + 1))
done <gen.jsonl
[ "$n" -gt 20 ] || die "only $n records"
# the last one read back: the same name parts, the script filled in where there is an original
number=$(sed -n 's/.*"number":"\([^"]*\)".*/\1/p' "$WORK/out")
expect 0 as demo.caseworker --json case show "$number" --person
node -e '
const [got, line] = [JSON.parse(process.argv[1]).person, JSON.parse(process.argv[2]).person];
const strip = (ns) => JSON.stringify(ns.map(({role, original, romanised}) => [role, original, romanised]));
if (strip(got.names) !== strip(line.names)) { console.error(strip(got.names), strip(line.names)); process.exit(1); }
' "$(cat "$WORK/out")" "$(tail -1 gen.jsonl)" || die "the names read back differ"

# the same seed, the same bytes; another seed, others
expect 0 "$GEN" --persons 20 --seed 4
cmp -s "$WORK/out" gen.jsonl || die "seed 4 gave other bytes"
expect 0 "$GEN" --persons 20 --seed 5
cmp -s "$WORK/out" gen.jsonl && die "seed 5 gave the same bytes"
expect 2 "$GEN" --persons 0
has "gen_persons: --persons: must be a whole number from 1 to 100000000" "$WORK/err"
echo "gen_persons: ok"
