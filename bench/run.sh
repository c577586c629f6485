#!/usr/bin/env bash
# make bench: build every bench/*.c against build/gcc/libsafepath.a and run them in turn, then
# the server's benchmarks (read.sh, write.sh, memory.sh).
# Benchmarks are not tests: they print figures (copy them into docs/performance.md with the
# machine line) and never pass or fail on a timing.
set -eu
cd "$(dirname "$0")/.."
B=build/gcc/bench
mkdir -p "$B"
libs="$(pkg-config --cflags --libs libsodium sqlite3 libpq jansson icu-uc icu-i18n icu-io) -lpthread -lm"
for src in bench/*.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -Isrc "$src" build/gcc/libsafepath.a $libs -o "$B/$name"
done
echo "machine: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "== seal and open one field"
"$B/bench_seal" "${SEAL_ITERATIONS:-200000}"
echo "== screening protocols: evaluate one screening, load the shipped protocols"
"$B/bench_protocols" "${PROTOCOL_ITERATIONS:-200000}"
echo "== names across scripts: normalise a person's name with its keys, compare two names"
"$B/bench_normalise" "${NAME_PERSONS:-5000}"
if [ -x "$B/bench_case" ]; then
	echo "== create a case with its person, one transaction each (library vs plain SQLite)"
	bash bench/case.sh
fi
# The server: read path against nginx, write path against plain SQLite, start-up and memory.
# They need wrk and nginx (scripts/deps.sh) and a quiet machine: `uptime` first.
echo "== the case list over HTTP (and nginx with a same-size file)"
bash bench/read.sh
echo "== creating cases over HTTP at 1 and 16 connections (and plain SQLite)"
bash bench/write.sh
echo "== serve: start-up and resident memory"
bash bench/memory.sh
echo "== the read and write paths on PostgreSQL (and plain libpq)"
bash bench/pg.sh
echo "== safepath match on FEBRL 4a x 4b"
bash bench/match.sh
