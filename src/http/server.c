/* libmicrohttpd, wrapped: a thread per connection (so Argon2id, a database round trip or an
 * fsync in one request never stalls another), each thread with its own store connection and
 * access context, opened on its first request and closed when the thread ends. Bodies are
 * read and capped here; everything else is the pipeline's. Every response carries the
 * security headers, and one logfmt line: route template, status, milliseconds. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/http.h"
#include "safepath/cputime.h"
#include "safepath/log.h"

/* A client that keeps sending past the cap is cut off here rather than read for ever. */
#define HTTP_DISCARD_MAX ((size_t)8 * HTTP_BODY_MAX)

struct sp_http_server {
	struct MHD_Daemon *mhd;
	struct sp_http_options opt;
	unsigned port;
	sem_t hash_slots; /* one Argon2id per core at a time */
	struct http_ratelimit *limits;
	int tls;
	struct sp_store *audit_store; /* the read-audit writer's own connection */
	struct sp_audit_writer *audit_writer;
	struct http_notify *notify;
};

/* TLS 1.2 and 1.3 only, forward-secret key exchange and AEAD ciphers only (no RSA key
 * transport, no CBC, no SHA-1), in our order of preference. */
static char tls_priorities[] = /* not const: MHD's option array takes a void * */
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-AES-128-CBC:-AES-256-CBC:"
	"-CAMELLIA-128-CBC:-CAMELLIA-256-CBC:-SHA1:%SERVER_PRECEDENCE";

struct conn_req {
	struct http_req r;
	struct timespec start;
};

static pthread_key_t worker_key;
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;

static void worker_free(void *p)
{
	struct http_worker *w = p;
	if (!w)
		return;
	sp_keystore_close(w->keystore);
	sp_store_close(w->store);
	free(w);
}

static void worker_key_make(void)
{
	if (pthread_key_create(&worker_key, worker_free) != 0)
		abort(); /* only at start-up, with no key left: nothing can work */
}

/* This thread's store connection and access context; NULL (and a log line) if it cannot be
 * opened, which the pipeline answers with 503. */
static struct http_worker *worker_get(const struct sp_http_options *opt)
{
	struct http_worker *w = pthread_getspecific(worker_key);
	if (w)
		return w;
	struct sp_err err = {0};
	w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	int rc = sp_store_open(opt->db_url, &opt->store, &w->store, &err);
	if (!rc)
		rc = sp_keystore_open(opt->keystore_url, 0, &w->keystore, &err);
	if (!rc && opt->keystore_backups && *opt->keystore_backups)
		rc = sp_keystore_set_backup_dir(w->keystore, opt->keystore_backups, &err);
	if (!rc)
		rc = sp_access_init(&w->access, w->store, opt->cfg, &err);
	if (rc || pthread_setspecific(worker_key, w) != 0) {
		sp_log(SP_LOG_ERROR, "http.worker_open_failed", "status", sp_status_name(rc),
		       (const char *)NULL);
		worker_free(w);
		return NULL;
	}
	sp_access_set_audit_keys(&w->access, opt->audit_keys);
	return w;
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static const char *const security_headers[][2] = {
	{"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
};

static enum MHD_Result respond(struct MHD_Connection *c, struct conn_req *cr)
{
	struct http_req *r = &cr->r;
	static char empty[1];
	char *body = r->encoded ? r->encoded : r->text.data ? r->text.data : empty;
	size_t n = r->encoded ? r->encoded_len : r->text.len;
	if (r->asset) {
		/* an embedded file, const; MHD_RESPMEM_PERSISTENT only reads it */
		union {
			const char *in;
			char *out;
		} asset = {.in = r->asset};
		body = asset.out;
		n = r->asset_len;
	}
	/* No copy: the body (the request's buffers, or an embedded file) lives until on_completed,
	 * which libmicrohttpd calls once the response is sent. */
	struct MHD_Response *resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	int ok = 1;
	for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
		ok &= MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]) ==
		      MHD_YES;
	/* nothing is kept by a browser or a proxy but the web shell's files, which are
	 * revalidated by their ETag every time; an API answer with an ETag (a case) holds
	 * personal data and is never stored */
	int cacheable = r->etag[0] && strncmp(r->path ? r->path : "", "/api/", 5) != 0;
	ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				      cacheable ? "no-cache" : "no-store") == MHD_YES;
	if (r->etag[0])
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag) == MHD_YES;
	const char *type = r->asset ? r->asset_type : r->encoded ? r->encoded_type : r->text_type;
	if (type)
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES;
	if (r->set_cookie[0])
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie) ==
		      MHD_YES;
	if (r->tls) /* a browser that saw HTTPS here once never falls back to plain HTTP */
		ok &= MHD_add_response_header(resp, "Strict-Transport-Security",
					      "max-age=31536000") == MHD_YES;
	if (r->location[0])
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location) == MHD_YES;
	if (r->disposition[0])
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
					      r->disposition) == MHD_YES;
	if (r->status == 405 && r->allow[0])
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow) == MHD_YES;
	if (r->status == 429 && r->retry_after_s > 0) {
		char after[24];
		snprintf(after, sizeof after, "%lld", (long long)r->retry_after_s);
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, after) == MHD_YES;
	}
	enum MHD_Result res = ok ? MHD_queue_response(c, (unsigned)r->status, resp) : MHD_NO;
	MHD_destroy_response(resp);
	int64_t cpu[SP_CPU_PHASES];
	int measured = sp_cpu_end(cpu);

	double s = elapsed_s(&cr->start);
	const char *tmpl = http_req_template(r);
	http_metrics_observe(tmpl, r->method, r->status, s);
	if (measured)
		http_metrics_cpu(tmpl, r->method, cpu);
	char status[8], ms[32];
	snprintf(status, sizeof status, "%d", r->status);
	snprintf(ms, sizeof ms, "%.3f", s * 1000.0);
	sp_log(SP_LOG_INFO, "http.request", "route", tmpl, "method", http_method_name(r->method),
	       "status", status, "ms", ms, (const char *)NULL);
	return res;
}

/* The peer's network as text, for the per-address counters: an IPv4 address (an
 * IPv4-mapped IPv6 one too, so one client has one name), or an IPv6 address's /64 — the
 * usual size of one site's network, which hands its hosts any address in it at will.
 * "" when libmicrohttpd cannot say. */
static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
	out[0] = '\0';
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
		if (!inet_ntop(AF_INET, &a4->sin_addr, out, (socklen_t)n))
			out[0] = '\0';
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
		struct in6_addr net = a6->sin6_addr;
		const void *p = &net;
		int fam = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&net)) {
			p = &net.s6_addr[12];
			fam = AF_INET;
		} else {
			memset(&net.s6_addr[8], 0, 8);
		}
		if (!inet_ntop(fam, p, out, (socklen_t)n))
			out[0] = '\0';
	}
}

/* Query parameters: the first HTTP_QUERY_MAX kept (libmicrohttpd owns the strings for the
 * request's life), all counted. */
static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct http_req *r = cls;
	if (r->n_query < HTTP_QUERY_MAX) {
		r->query[r->n_query].name = key;
		r->query[r->n_query].value = value;
	}
	r->n_query++;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct sp_http_server *srv = cls;
	struct conn_req *cr = *con_cls;
	if (!cr) {
		cr = calloc(1, sizeof *cr);
		if (!cr)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &cr->start);
		http_req_init(&cr->r);
		*con_cls = cr;
		return MHD_YES;
	}
	struct http_req *r = &cr->r;
	if (*upload_size) {
		/* counted past the cap (chunked bodies too), kept only up to it */
		r->body_seen += *upload_size;
		if (r->body_seen <= HTTP_BODY_MAX) {
			if (sp_buf_add(&r->body, upload, *upload_size))
				return MHD_NO;
		} else {
			sp_buf_reset(&r->body);
			if (r->body_seen > HTTP_DISCARD_MAX)
				return MHD_NO; /* close the connection */
		}
		*upload_size = 0;
		return MHD_YES;
	}
	r->opt = &srv->opt;
	r->w = worker_get(&srv->opt);
	r->hash_slots = &srv->hash_slots;
	r->limits = srv->limits;
	r->tls = srv->tls;
	r->audit_writer = srv->audit_writer;
	r->method = http_method_parse(method);
	client_addr(c, r->client_addr, sizeof r->client_addr);
	r->path = url;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, r);
	r->session_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
	r->csrf_header = MHD_lookup_connection_value(c, MHD_HEADER_KIND, HTTP_CSRF_HEADER);
	r->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	r->if_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
	r->idem_key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, HTTP_IDEM_HEADER);
	r->if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_IF_NONE_MATCH);
	r->accept_language = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	http_pipeline_run(r);
	return respond(c, cr);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn_req *cr = *con_cls;
	if (!cr)
		return;
	http_req_free(&cr->r);
	free(cr);
	*con_cls = NULL;
}

/* libmicrohttpd's own messages may quote the request: only that one happened is logged. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
	sp_log(SP_LOG_DEBUG, "http.mhd_message", (const char *)NULL);
}

/* "ADDR:PORT" with a dotted IPv4 address, or "[ADDR]:PORT" with an IPv6 one. */
static int parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len,
			struct sp_err *err)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	memset(out, 0, sizeof *out);
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof host)
		return sp_err_set(err, SP_EINVAL, "listen", "must be ADDR:PORT or [ADDR]:PORT");
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
		return sp_err_set(err, SP_EINVAL, "listen", "the port must be 0 to 65535");
	size_t hn = (size_t)(colon - s);
	memcpy(host, s, hn);
	host[hn] = '\0';
	if (host[0] == '[' && hn > 2 && host[hn - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
		host[hn - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return sp_err_set(err, SP_EINVAL, "listen", "not an IPv6 address");
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return SP_OK;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return sp_err_set(err, SP_EINVAL, "listen", "not an IPv4 address");
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof *a4;
	return SP_OK;
}

/* The read-audit writer: one per server, on its own store connection, committing the read
 * records of every connection thread in batches (DESIGN.md §3). */
static int read_audit_start(struct sp_http_server *srv, struct sp_err *err)
{
	int rc = sp_store_open(srv->opt.db_url, &srv->opt.store, &srv->audit_store, err);
	if (!rc)
		rc = sp_audit_writer_start(srv->audit_store, srv->opt.audit_keys, NULL,
					   &srv->audit_writer, err);
	if (rc) {
		sp_store_close(srv->audit_store);
		srv->audit_store = NULL;
	}
	return rc;
}

static void read_audit_stop(struct sp_http_server *srv)
{
	if (srv->audit_writer)
		sp_audit_writer_stop(srv->audit_writer);
	sp_store_close(srv->audit_store);
	srv->audit_writer = NULL;
	srv->audit_store = NULL;
}

/* The rate-limit buckets, shared with the other servers on the database unless
 * rate-limit-share-ms is 0 (their sync thread has a connection of its own). */
static int limits_start(struct sp_http_server *srv, struct sp_err *err)
{
	int rc = http_ratelimit_new(srv->opt.cfg, &srv->limits, err);
	long long share_ms = sp_config_get_int(srv->opt.cfg, "rate-limit-share-ms");
	if (rc || share_ms == 0)
		return rc;
	struct sp_store *s = NULL;
	rc = sp_store_open(srv->opt.db_url, &srv->opt.store, &s, err);
	if (!rc)
		rc = http_ratelimit_share(srv->limits, srv->opt.keys, s, share_ms, err);
	if (rc) {
		sp_store_close(s);
		http_ratelimit_free(srv->limits);
		srv->limits = NULL;
	}
	return rc;
}

int sp_http_server_start(const struct sp_http_options *opt, struct sp_http_server **out,
			 struct sp_err *err)
{
	struct sockaddr_storage addr;
	socklen_t alen = 0;
	if (!opt->db_url || !opt->keystore_url || !opt->cfg || !opt->keys || !opt->audit_keys)
		return sp_err_set(err, SP_EINVAL, "",
				  "the server needs a database, a key store, keys and audit keys");
	int rc = parse_listen(opt->listen ? opt->listen : "", &addr, &alen, err);
	if (rc)
		return rc;
	if (sp_config_get_int(opt->cfg, "session-ttl-s") <= 0)
		return sp_err_set(err, SP_EINVAL, "session-ttl-s", "must be a positive number");
	long long glass = sp_config_get_int(opt->cfg, "break-glass-minutes");
	if (glass < 1 || glass > 1440)
		return sp_err_set(err, SP_EINVAL, "break-glass-minutes", "must be 1 to 1440 minutes");
	long long idem_ttl = sp_config_get_int(opt->cfg, "idempotency-ttl-s");
	if (idem_ttl <= 0 || idem_ttl > SP_IDEM_TTL_MAX_S)
		return sp_err_set(err, SP_EINVAL, "idempotency-ttl-s", "must be 1 second to 30 days");
	struct sp_throttle_limits lim;
	rc = sp_throttle_limits_from_config(opt->cfg, &lim, err);
	if (rc)
		return rc;
	if (opt->tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return sp_err_set(err, SP_EUNAVAIL, "tls-cert",
				  "this libmicrohttpd was built without TLS");
	pthread_once(&worker_once, worker_key_make);
	struct sp_http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	srv->opt = *opt;
	rc = limits_start(srv, err);
	if (rc) {
		free(srv);
		return rc;
	}
	rc = read_audit_start(srv, err);
	if (rc) {
		http_ratelimit_free(srv->limits);
		free(srv);
		return rc;
	}
	rc = http_notify_start(opt, &srv->notify, err);
	if (rc) {
		read_audit_stop(srv);
		http_ratelimit_free(srv->limits);
		free(srv);
		return rc;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (sem_init(&srv->hash_slots, 0, cores > 0 && cores < 1024 ? (unsigned)cores : 1) != 0) {
		http_notify_stop(srv->notify);
		read_audit_stop(srv);
		http_ratelimit_free(srv->limits);
		free(srv);
		return sp_err_set(err, SP_EINTERNAL, "", "cannot make the hashing semaphore");
	}
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	unsigned limit = opt->max_connections > 0 ? (unsigned)opt->max_connections : 256;
	struct MHD_OptionItem tls_opts[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, opt->tls ? opt->tls->cert : NULL},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, opt->tls ? opt->tls->key : NULL},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, tls_priorities},
		{MHD_OPTION_END, 0, NULL},
	};
	if (opt->tls) {
		flags |= MHD_USE_TLS;
		srv->tls = 1;
	} else {
		tls_opts[0].option = MHD_OPTION_END;
	}
	srv->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
		srv, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (!srv->mhd) {
		http_notify_stop(srv->notify);
		read_audit_stop(srv);
		sem_destroy(&srv->hash_slots);
		http_ratelimit_free(srv->limits);
		free(srv);
		return sp_err_set(err, SP_EUNAVAIL, "listen", "cannot listen there (in use?)");
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	*out = srv;
	return SP_OK;
}

void sp_http_server_stop(struct sp_http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd); /* joins the connection threads: their stores close */
	http_notify_stop(srv->notify);
	read_audit_stop(srv);      /* no request waits on it any more */
	sem_destroy(&srv->hash_slots);
	http_ratelimit_free(srv->limits);
	free(srv);
}

unsigned sp_http_server_port(const struct sp_http_server *srv)
{
	return srv->port;
}
