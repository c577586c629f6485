#!/usr/bin/env bash
# Fuzz targets: `replay` runs every committed corpus file through each target, then a fixed-seed,
# fixed-count run (make check); `long` fuzzes each target for FUZZ_SECONDS (default 300) and
# keeps new crashes as corpus files (make fuzz).
set -u
cd "$(dirname "$0")/../.."
mode=${1:-replay}
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for bin in build/fuzz/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus"
	if [ "$mode" = replay ]; then
		"$bin" -runs=0 "$corpus" >$tmp/$name.log 2>&1 || { tail -30 $tmp/$name.log; status=1; continue; }
		# new inputs go to the first folder (a scratch one): the committed corpus stays as it is
		scratch=$(mktemp -d)
		"$bin" -seed=1 -runs=20000 -max_len=512 -rss_limit_mb=1024 "$scratch" "$corpus" \
			-artifact_prefix=$tmp/$name- >>$tmp/$name.log 2>&1 || { tail -30 $tmp/$name.log; status=1; }
		rm -rf "$scratch"
	else
		"$bin" -max_total_time="${FUZZ_SECONDS:-300}" -artifact_prefix="$corpus/crash-" "$corpus" || status=1
	fi
	echo "$name: done"
done
exit $status
