# Shared by the CLI tests: a temporary working folder removed on exit, and small assertions
# that name what failed. Each test is `bash tests/cli/NAME.sh PATH/TO/safepath`.
set -u
SP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d)
# a server a failed test left running goes with its folder
trap 'kill "${pid:-}" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

die() { echo "FAILED: $*" >&2; exit 1; }
# expect CODE COMMAND...: run, check the exit code; output in $WORK/out and $WORK/err
expect() {
	local want=$1; shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	local got=$?
	[ "$got" = "$want" ] || { cat "$WORK/out" "$WORK/err" >&2; die "exit $got, wanted $want: $*"; }
}
has() { grep -q -- "$1" "${2:-$WORK/out}" || { cat "${2:-$WORK/out}" >&2; die "no '$1' in ${2:-output}"; }; }
mode_of() { stat -c %a "$1"; }
# serve_start LOG ARGS...: `safepath serve --listen 127.0.0.1:0 ARGS...` in the background,
# stderr in LOG; sets $pid and $port once it listens, or dies.
serve_start() {
	local log=$1; shift
	"$SP" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
	pid=$!
	port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*event=serve.listening .*port=\([0-9][0-9]*\).*/\1/p' "$log")
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	cat "$log" >&2
	die "serve did not start"
}

# demo_world CASES: a data folder in $WORK with demo accounts and CASES demo cases; sets g (the
# folder's options) and PW (the demo password), and as USER ARGS... runs the program as USER
# with the password on file descriptor 3 (never on the command line).
demo_world() {
	g=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
	export SAFEPATH_ARGON2_OPS=1 SAFEPATH_ARGON2_MEM_KIB=8192
	"$SP" "${g[@]}" init >/dev/null || die "init"
	"$SP" "${g[@]}" --json demo --cases "$1" >demo.json || die "demo"
	PW=$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' demo.json)
}
as() { local who=$1; shift; "$SP" "${g[@]}" "$@" --as "$who" --password-fd 3 3<<<"$PW"; }
# store_world: in g the options of a data folder in $WORK, or of the PostgreSQL database
# DB_URL when it is set (the pg_*.sh variants); q SQL prints a query's result on that store.
store_world() {
	if [ -n "${DB_URL:-}" ]; then
		g=(--db "$DB_URL")
		q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -d "$DB_URL" -c "$1"; }
	else
		g=(--data "$WORK/var" --key-file "$WORK/keys/master.key")
		q() { sqlite3 "$WORK/var/safepath.db" "$1"; }
	fi
}
