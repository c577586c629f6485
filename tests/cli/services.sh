# The service directory from the command line: a hand-written HSDS file imported by a focal
# point and exported unchanged to the agency that runs its confidential shelter; everyone
# else sees the shelter's area and not its address; a bad file refused with each error named
# by row and column and nothing imported; search by need, area, age, sex and language; a
# capacity update with its version; who may change the directory; the audit records.
DATA=$(cd "$(dirname "$0")/../data/services" && pwd)
. "$(dirname "$0")/lib.sh"

demo_world 0

# A bad file: every error named, nothing imported.
expect 1 as demo.focal services import "$DATA/bad-row.json"
has "bad-row.json: /service/1/maximum_age: must not be below minimum_age" "$WORK/err"
has "bad-row.json: /service/1/x_sexes: item 0 must be female, male or other" "$WORK/err"
has "bad-row.json: /schedule/0/service_id: no service with this id in the document" "$WORK/err"
has 'bad-row.json: /schedule/0/closes_at: must be a time of day "HH:MM" from 00:00 to 23:59' "$WORK/err"
has "services import: 4 errors: nothing was imported" "$WORK/err"
expect 0 as demo.focal --json services export
[ "$(jq '.service | length' "$WORK/out")" = 0 ] || die "a bad file imported rows"

# Not JSON at all.
echo '{"service": [' >broken.json
expect 1 as demo.focal services import broken.json
has "broken.json: line" "$WORK/err"

# Only supervisors and focal points change the directory.
expect 1 as demo.caseworker services import "$DATA/directory.json"
has "denied: no_role" "$WORK/err"

expect 0 as demo.focal services import "$DATA/directory.json"
has "imported 5 services from $DATA/directory.json"
# Again: the ids are there already.
expect 1 as demo.supervisor services import "$DATA/directory.json"
has "/organization/0/id: a row with this id is already in the directory" "$WORK/err"

# The round trip: the shelter's own agency gets the file back as it was written.
expect 0 as demo.provider services export
jq -S . "$DATA/directory.json" >want.json
jq -S . "$WORK/out" >got.json
diff want.json got.json >&2 || die "export differs from the imported file"

# Anyone else: the confidential location's area only.
expect 0 as demo.caseworker services export
[ "$(jq -c '.location[0]' "$WORK/out")" = '{"id":"01900000-0000-7000-8000-000000000201","organization_id":"01900000-0000-7000-8000-000000000001","name":"Safe House","x_area":"DE-BE","x_confidential":true,"x_withheld":true}' ] ||
	die "confidential location: $(jq -c '.location[0]' "$WORK/out")"
if grep -q "Hidden Street" "$WORK/out"; then die "the shelter's address leaked"; fi

# Search: a girl of 16 in Friedrichshain-Kreuzberg who needs a safe shelter.
expect 0 as demo.caseworker --json services search --need safe_shelter --area DE-BE/FK --age 16 --sex female
[ "$(jq -r '[.[].name] | join("|")' "$WORK/out")" = "Kreuzberg Shelter|Safe House for Women and Girls|Youth Shelter Brandenburg" ] ||
	die "search order: $(cat "$WORK/out")"
[ "$(jq -r '[.[].area_match] | join(" ")' "$WORK/out")" = "same parent other" ] || die "area match"
expect 0 as demo.caseworker services search --need safe_shelter --area DE-BE/FK --age 16 --sex female --language ar --with-capacity
has "Safe House for Women and Girls (Haven Shelters)  area: parent  referral through a focal point only"
has "    serves DE-BE, which contains DE-BE/FK"
has "    3 places free"
if grep -q "Youth Shelter" "$WORK/out"; then die "a full shelter was found with --with-capacity"; fi
expect 0 as demo.caseworker services search --kind legal_aid --sex male --age 40
has "Asylum and Trafficking Legal Advice"
expect 0 as demo.caseworker services search --need torture_rehabilitation
has "no service matches"
expect 1 as demo.caseworker services search --area berlin
has "services search: area: must be a country code" "$WORK/err"
expect 2 as demo.caseworker services search --age old
has "age must be a number of years" "$WORK/err"

# A capacity update: its version, a stale version refused, the caseworker refused.
expect 0 as demo.supervisor --json services update --available 0 --version 1 01900000-0000-7000-8000-000000000105
has '"version":2'
expect 1 as demo.supervisor services update --available 1 --version 1 01900000-0000-7000-8000-000000000105
has "/version: the service changed since it was read (version 2 now)" "$WORK/err"
expect 1 as demo.supervisor services update --available 9 01900000-0000-7000-8000-000000000105
has "capacity_available: must not exceed capacity_total (5)" "$WORK/err"
expect 1 as demo.caseworker services update --available 1 01900000-0000-7000-8000-000000000105
has "denied: no_role" "$WORK/err"
expect 2 as demo.supervisor services update 01900000-0000-7000-8000-000000000105
has "needs --total, --available or --status" "$WORK/err"
expect 0 as demo.caseworker --json services show 01900000-0000-7000-8000-000000000105
[ "$(jq '.x_capacity_available, .version' "$WORK/out" | tr '\n' ' ')" = "0 2 " ] || die "show: $(cat "$WORK/out")"

# The audit trail holds one import and one update, by whom.
expect 0 "$SP" "${g[@]}" audit verify
expect 0 sqlite3 var/safepath.db "SELECT a.action, u.username FROM audit_log a JOIN users u ON u.id = a.actor WHERE a.action LIKE 'service.%' ORDER BY a.seq"
[ "$(tr '\n' ' ' <"$WORK/out")" = "service.import|demo.focal service.update|demo.supervisor " ] ||
	die "audit: $(cat "$WORK/out")"

# The tabular package: a hand-written one imported, then exported again byte for byte.
rm -rf var keys
demo_world 0
expect 0 as demo.focal services import --csv "$DATA/csv"
has "imported 2 services from $DATA/csv"
mkdir pkg
expect 0 as demo.provider services export --csv pkg
has "exported 2 services to pkg"
for f in organizations services locations service_at_location phones schedules languages service_areas; do
	cmp "$DATA/csv/$f.csv" "pkg/$f.csv" >&2 || die "$f.csv differs from the imported one"
done
expect 0 as demo.provider --json services show 01900000-0000-7000-8000-00000000b002
[ "$(jq -r '.description' "$WORK/out")" = "Nurses and a doctor,
no appointment needed." ] || die "a quoted cell with a comma and a new line: $(jq .description "$WORK/out")"
[ "$(jq -c '[.x_nationalities, .language[0].code, .schedule[0].byday, .organization[0].name]' "$WORK/out")" = '[["SY","ER"],"ti","WE","The \"Open Door\" Clinic"]' ] ||
	die "the clinic: $(cat "$WORK/out")"
# The shelter's coordinates, for its own agency, and not for the caseworker.
expect 0 as demo.provider --json services export
[ "$(jq -c '.location[0] | [.latitude, .longitude, .x_confidential]' "$WORK/out")" = '[51.5,-0.12,true]' ] || die "coordinates: $(cat "$WORK/out")"
expect 0 as demo.caseworker services export --csv pkg
if grep -q "Quiet Road" pkg/locations.csv; then die "the shelter's address leaked into the package"; fi

# A package that is not well-formed: each file named with its row, nothing imported.
expect 1 as demo.focal services import --csv "$DATA/csv-bad"
has "csv-bad: services.csv: column fees is not a column of service" "$WORK/err"
has "csv-bad: services.csv: row 2: 4 fields, the header has 7" "$WORK/err"
has "csv-bad: languages.csv: line 2: not CSV (a quote out of place, or one not closed)" "$WORK/err"
has "services import: 3 errors: nothing was imported" "$WORK/err"
# A value the import refuses: named by file, row and column.
cp -r "$DATA/csv" bad
sed -i 's/,12,17,shelter,/,12,11,spaceship,/' bad/services.csv
expect 1 as demo.focal services import --csv bad
has "bad: services.csv row 1, column maximum_age: must not be below minimum_age" "$WORK/err"
has "bad: services.csv row 1, column x_kinds: item 0 is not a code of the services vocabulary" "$WORK/err"
expect 1 as demo.focal services import --csv empty-folder
has "holds none of the package's files" "$WORK/err"
expect 2 as demo.focal services search --csv pkg
has "csv is for import and export" "$WORK/err"
echo "services csv: ok"
