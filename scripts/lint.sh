#!/usr/bin/env bash
# make lint: clang-tidy with the committed .clang-tidy check list, and cppcheck. Zero findings.
set -u
cd "$(dirname "$0")/.."
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -DSAFEPATH_VERSION=\"lint\" -Iinclude -Isrc $(pkg-config --cflags libsodium sqlite3 libpq jansson icu-uc icu-i18n)"
files=$(ls src/*/*.c)
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "clang-tidy: $(echo "$files" | wc -l) files"
# shellcheck disable=SC2086
export flags
if ! printf '%s\n' $files | xargs -P"$(nproc)" -n4 bash -c 'clang-tidy --quiet "$@" -- $flags' _ >"$log" 2>&1; then
	status=1
fi
grep -E 'warning:|error:' "$log" && status=1
echo "cppcheck"
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --std=c11 -Iinclude -Isrc --suppress=missingIncludeSystem \
	--suppress=unusedStructMember $files 2>&1 || status=1
[ $status = 0 ] && echo "lint: 0 findings" || echo "lint: findings above"
exit $status
