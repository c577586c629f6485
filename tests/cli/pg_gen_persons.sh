# tests/cli/gen_persons.sh on PostgreSQL (the cli-pg suite sets SAFEPATH_TEST_PG).
[ -n "${SAFEPATH_TEST_PG:-}" ] || { echo "SAFEPATH_TEST_PG is not set (run through tests/run.sh --only cli-pg)" >&2; exit 1; }
exec bash "$(dirname "$0")/gen_persons.sh" "$@"
