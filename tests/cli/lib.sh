# Shared by the CLI tests: a temporary working folder removed on exit, and small assertions
# that name what failed. Each test is `bash tests/cli/NAME.sh PATH/TO/safepath`.
set -u
SP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
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
