#!/usr/bin/env bash
# Behind `make run`: on first use create ./var (master key in ./keys, outside it) with demo
# data and print the accounts; then serve the web shell and the API on
# http://127.0.0.1:8080 in the foreground until Ctrl-C. SAFEPATH_LISTEN picks another address.
set -eu
cd "$(dirname "$0")/.."
SP=build/gcc/safepath
LISTEN=${SAFEPATH_LISTEN:-127.0.0.1:8080}
if [ -d var ]; then
	echo "safepath: ./var exists already: the demo accounts and their password were printed when"
	echo "it was made (demo.screener, demo.caseworker, demo.supervisor, demo.dpo, demo.admin, …)."
	echo "To start again with new demo data: rm -rf var keys && make run"
else
	"$SP" init --agency-code SYS --agency-name "System administration"
	echo
	"$SP" demo
fi
cat <<EOT

The command line works beside the server, for instance (it asks for the password):
  build/gcc/safepath case list --as demo.caseworker
  build/gcc/safepath audit verify
  build/gcc/safepath help

Open http://${LISTEN} in a browser and log in with a demo account (Ctrl-C stops the server).
EOT
exec "$SP" serve --listen "$LISTEN"
