# safepath serve over HTTPS: a self-signed certificate made here with openssl, a log-in over
# TLS that sets a Secure cookie and HSTS, plain HTTP to the same port refused, TLS 1.1
# refused; and every bad certificate or key (missing, unreadable, not PEM, another key, one of
# the two only) stops the server at once with exit 2 naming the setting.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || die "openssl is missing (scripts/deps.sh installs it)"

json() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$WORK/out"; }
mkcert() { # NAME: NAME.crt and NAME.key, a P-256 self-signed certificate for 127.0.0.1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
		-keyout "$1.key" -out "$1.crt" 2>/dev/null || die "openssl could not make $1"
}
mkcert good
mkcert other
echo "not a certificate" >junk.pem
touch unreadable.key && chmod 000 unreadable.key

expect 0 "$SP" --json init --agency-code SYS
OTP=$(json one_time_password)
[ -n "$OTP" ] || die "init printed no one-time password"

# usage errors and bad files: exit 2, the setting named, nothing served
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert good.crt
has "go together" "$WORK/err"
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-key good.key
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert missing.crt --tls-key good.key
has "tls-cert: no such file" "$WORK/err"
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert good.crt --tls-key junk.pem
has "tls-key: not an unencrypted PEM private key" "$WORK/err"
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert junk.pem --tls-key good.key
has "tls-cert: not a PEM X.509 certificate" "$WORK/err"
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert good.crt --tls-key other.key
has "tls-key: does not belong to the certificate" "$WORK/err"
expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert good.crt --tls-key .
has "tls-key: not a regular file" "$WORK/err"
if [ "$(id -u)" != 0 ]; then # root reads a mode-000 file anyway
	expect 2 "$SP" serve --listen 127.0.0.1:0 --tls-cert good.crt --tls-key unreadable.key
	has "tls-key: cannot open the file" "$WORK/err"
fi
# the settings from the environment, with the same check
SAFEPATH_TLS_CERT=good.crt expect 2 "$SP" serve --listen 127.0.0.1:0
has "go together" "$WORK/err"

SAFEPATH_TLS_CERT=good.crt SAFEPATH_TLS_KEY=good.key serve_start "$WORK/serve.err"
URL="https://127.0.0.1:$port"

curl -sS --cacert good.crt -D headers -o out -H 'Content-Type: application/json' \
	--data-binary "{\"username\":\"admin\",\"password\":\"$OTP\"}" "$URL/api/v1/session" \
	|| die "no log-in over HTTPS"
grep -q '^HTTP/1.1 201' headers || { cat headers out; die "log-in over HTTPS: not 201"; }
grep -i '^Set-Cookie: sp_session=' headers | grep -q '; Secure' || { cat headers; die "the session cookie is not Secure"; }
grep -qi '^Strict-Transport-Security: max-age=31536000' headers || die "no HSTS header"
has '"must_change_password":true' out
# a certificate the client does not trust is refused, and so is plain HTTP on the TLS port
curl -sS --cacert other.crt "$URL/healthz" >out 2>err && die "an untrusted certificate was accepted"
curl -sS "http://127.0.0.1:$port/healthz" >out 2>err && die "plain HTTP was answered on the TLS port"
grep -q '"ok"' out && die "plain HTTP got an answer"
# TLS 1.2 is served as well as 1.3; 1.1 and older are not offered
curl -sS --cacert good.crt --tlsv1.2 --tls-max 1.2 "$URL/healthz" >out 2>err ||
	{ cat err; die "no answer over TLS 1.2"; }
has '"ok"'
curl -sS --cacert good.crt --tlsv1.1 --tls-max 1.1 "$URL/healthz" >out 2>err &&
	die "TLS 1.1 was accepted"
kill -s TERM "$pid"
wait "$pid" || die "serve exited $? on SIGTERM"
has "event=serve.stopped" "$WORK/serve.err"
grep -q "$OTP" "$WORK/serve.err" && die "the password is in the server's log"
grep -q "PRIVATE KEY" "$WORK/serve.err" && die "the key is in the server's log"
exit 0
