# tests/cli/match_evaluate.sh on PostgreSQL (run by the cli-pg suite with SAFEPATH_TEST_PG set).
[ -n "${SAFEPATH_TEST_PG:-}" ] || { echo "SAFEPATH_TEST_PG is not set (run through tests/run.sh --only cli-pg)" >&2; exit 1; }
DB_URL="postgresql:///sp_cli_$$_$RANDOM?$SAFEPATH_TEST_PG"
. "$(dirname "$0")/match_evaluate.sh"
