# A throwaway PostgreSQL cluster for the test suites, sourced by tests/run.sh and the API and
# browser harnesses (docs/testing.md). Never touches the machine's default cluster: initdb in a
# fresh folder under /tmp owned by an unprivileged user (postgres when run as root), the server
# on a Unix socket in that folder (a short path: socket paths are capped near 100 bytes) under
# a port number no one listens on, TCP off. The caller puts pg_stop in its EXIT trap.
#
#   pg_start            start it; sets SP_PG_DIR and SP_PG_QUERY (host=...&port=...&user=sp)
#   pg_url NAME         postgresql:///NAME?... for database NAME
#   pg_createdb NAME    create database NAME (empty)
#   pg_restart          restart the server (fault tests: clients see their connections break)
#   (SP_PG_EXTRA: more server settings for pg_start, e.g. "-c synchronous_commit=on";
#    SP_PG_SEED: a cluster's data folder saved by pg_save, started instead of a new one)
#   pg_save DIR         stop the server cleanly and keep a copy of its data folder in DIR
#   pg_stop             stop the server and remove the folder (safe to call twice)
# A harness sourcing this under one that started the cluster (the variables are exported)
# uses that cluster, and leaves stopping it to its owner.

SP_PG_DIR=${SP_PG_DIR:-}
SP_PG_QUERY=${SP_PG_QUERY:-}

pg_bindir() {
	local d
	d=$(pg_config --bindir 2>/dev/null)
	# Debian's /usr/bin/pg_config is the client's: its bindir has no initdb
	if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
		d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	fi
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || return 1
	echo "$d"
}

# Run a server program as the cluster's owner.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
	done
	return 1
}

pg_start() {
	local bin port
	bin=$(pg_bindir) || { echo "pg: no PostgreSQL server binaries (scripts/deps.sh installs them)" >&2; return 1; }
	port=$(pg_free_port) || { echo "pg: no free port" >&2; return 1; }
	SP_PG_DIR=$(mktemp -d /tmp/sp-pg.XXXXXX) || return 1
	SP_PG_BIN=$bin
	[ "$(id -u)" = 0 ] && chown postgres: "$SP_PG_DIR"
	chmod 700 "$SP_PG_DIR"
	if [ -n "${SP_PG_SEED:-}" ]; then
		cp -a "$SP_PG_SEED" "$SP_PG_DIR/data" || { pg_stop; return 1; }
		[ "$(id -u)" = 0 ] && chown -R postgres: "$SP_PG_DIR/data"
	elif ! pg_as_owner "$bin/initdb" -D "$SP_PG_DIR/data" -U sp --auth=trust -E UTF8 \
		--locale=C.UTF-8 >"$SP_PG_DIR/initdb.log" 2>&1; then
		cat "$SP_PG_DIR/initdb.log" >&2; pg_stop; return 1
	fi
	# Test speed, not durability: the cluster is gone after the run.
	if ! pg_as_owner "$bin/pg_ctl" -D "$SP_PG_DIR/data" -l "$SP_PG_DIR/server.log" -w -t 60 \
		-o "-k $SP_PG_DIR -p $port -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${SP_PG_EXTRA:-}" \
		start >/dev/null 2>&1; then
		tail -20 "$SP_PG_DIR/server.log" >&2; pg_stop; return 1
	fi
	SP_PG_PORT=$port
	SP_PG_QUERY="host=$SP_PG_DIR&port=$port&user=sp"
	export SP_PG_DIR SP_PG_QUERY SP_PG_BIN SP_PG_PORT
}

pg_url() {
	echo "postgresql:///$1?$SP_PG_QUERY"
}

pg_createdb() {
	"$SP_PG_BIN/createdb" -h "$SP_PG_DIR" -p "$SP_PG_PORT" -U sp "$1"
}

pg_restart() {
	pg_as_owner "$SP_PG_BIN/pg_ctl" -D "$SP_PG_DIR/data" -m fast -w -t 60 restart >/dev/null 2>&1
}

pg_save() {
	pg_as_owner "$SP_PG_BIN/pg_ctl" -D "$SP_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 &&
		rm -rf "$1" && cp -a "$SP_PG_DIR/data" "$1" && rm -f "$1/postmaster.pid"
}

pg_stop() {
	[ -n "$SP_PG_DIR" ] && [ -d "$SP_PG_DIR" ] || return 0
	if [ -f "$SP_PG_DIR/data/postmaster.pid" ]; then
		pg_as_owner "$SP_PG_BIN/pg_ctl" -D "$SP_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$SP_PG_DIR"
	SP_PG_DIR=""
}
