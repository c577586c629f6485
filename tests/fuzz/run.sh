#!/usr/bin/env bash
# Fuzz targets: `replay` runs every committed corpus file through each target, then a fixed-seed,
# fixed-count run (make check); `long` fuzzes each target for FUZZ_SECONDS (default 300) and
# keeps new crashes as corpus files (make fuzz).
set -u
cd "$(dirname "$0")/../.."
mode=${1:-replay}
status=0
for bin in build/fuzz/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus"
	if [ "$mode" = replay ]; then
		"$bin" -runs=0 "$corpus" >/tmp/sp-$name.log 2>&1 || { tail -30 /tmp/sp-$name.log; status=1; continue; }
		"$bin" -seed=1 -runs=20000 -max_len=512 "$corpus" -rss_limit_mb=1024 \
			-artifact_prefix=/tmp/sp-$name- >>/tmp/sp-$name.log 2>&1 || { tail -30 /tmp/sp-$name.log; status=1; }
		# a fixed-seed run may add files to the corpus folder: keep the committed set as it was
		git checkout -q -- "$corpus" 2>/dev/null; git clean -qfd -- "$corpus" 2>/dev/null
	else
		"$bin" -max_total_time="${FUZZ_SECONDS:-300}" -artifact_prefix="$corpus/crash-" "$corpus" || status=1
	fi
	echo "$name: done"
done
exit $status
