#!/usr/bin/env bash
# Install what safepath needs to build, test and run, and nothing that is already there.
# Debian packages by name; npm packages from the committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(build-essential pkg-config clang libclang-rt-14-dev clang-tidy cppcheck
	libsodium-dev libsqlite3-dev sqlite3 libjansson-dev libicu-dev libcmocka-dev
	libmicrohttpd-dev libgnutls28-dev libpq-dev postgresql iso-codes curl openssl chromium libyaml-dev
	wrk nginx-light)

missing=()
for p in "${debs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exactly as the committed lockfile pins them; again whenever the lockfile is
# newer than what is installed.
if [ -f package-lock.json ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "deps: installing nodejs npm"
		SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
	fi
	if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		echo "deps: npm ci"
		npm ci --no-audit --no-fund --loglevel=error
	fi
fi
