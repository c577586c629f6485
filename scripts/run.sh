#!/usr/bin/env bash
# Behind `make run`: on first use create ./var (master key in ./keys, outside it) with demo
# data and print the accounts; afterwards say where things are. Serving the web shell here
# comes with it (issue 3); the API can be started by hand meanwhile (`safepath serve`).
set -eu
cd "$(dirname "$0")/.."
SP=build/gcc/safepath
if [ -d var ]; then
	echo "safepath: ./var exists already: the demo accounts were printed when it was made."
	echo "To start again: rm -rf var keys && make run"
else
	"$SP" init --agency-code SYS --agency-name "System administration"
	echo
	"$SP" demo
fi
cat <<'EOT'

Try, for instance (the program asks for the password):
  build/gcc/safepath case list --as demo.caseworker
  echo '{"names": ["Amanuel"]}' | build/gcc/safepath case search --as demo.caseworker --password-fd 3 3<<<"PASSWORD"
  build/gcc/safepath audit verify
  build/gcc/safepath serve            # the JSON API on http://127.0.0.1:8080 (docs/api.md)
  build/gcc/safepath help
EOT
