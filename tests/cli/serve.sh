# safepath serve from the command line: help, usage errors, a bad address named as such, an
# out-of-range setting named as such, a port already taken, core dumps off, and a clean stop on SIGTERM and SIGINT with an audit checkpoint.
. "$(dirname "$0")/lib.sh"

expect 0 "$SP" serve --help
has "serve \[--listen ADDR:PORT\]"
expect 2 "$SP" serve --port 80
expect 0 "$SP" init

expect 1 "$SP" serve --listen nowhere
has "listen" "$WORK/err"
expect 1 "$SP" serve --listen 127.0.0.1:99999
expect 1 "$SP" serve --listen 300.1.1.1:80
# an Idempotency-Key kept no time, or longer than 30 days, is refused at start, named
SAFEPATH_IDEMPOTENCY_TTL_S=0 expect 1 "$SP" serve --listen 127.0.0.1:0
has "idempotency-ttl-s" "$WORK/err"
SAFEPATH_IDEMPOTENCY_TTL_S=2592001 expect 1 "$SP" serve --listen 127.0.0.1:0
has "idempotency-ttl-s" "$WORK/err"

for sig in TERM INT; do
	before=$(wc -l <var/audit/checkpoints 2>/dev/null || echo 0)
	serve_start "$WORK/serve.err"
	# healthy within a moment of listening (a loaded machine may take a few seconds)
	for _ in $(seq 1 100); do
		curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"ok"' && break
		sleep 0.1
	done
	curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"ok"' || die "no health"
	grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" || die "core dumps are on"
	# the port is taken now
	expect 1 "$SP" serve --listen "127.0.0.1:$port"
	has "cannot listen" "$WORK/err"
	kill -s "$sig" "$pid"
	wait "$pid" || die "serve exited $? on SIG$sig"
	has "event=serve.stopped" "$WORK/serve.err"
	after=$(wc -l <var/audit/checkpoints)
	[ "$after" -gt "$before" ] || die "no audit checkpoint on SIG$sig"
done
expect 0 "$SP" audit verify
