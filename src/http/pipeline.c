/* The request pipeline: a fixed list of phases (DESIGN.md §3), each of which either lets the
 * request through or leaves a response and stops it; the last, encode, always runs. The
 * handler runs the domain operation, which is one transaction with its audit record inside;
 * sending the bytes is server.c's. */
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "safepath/cputime.h"
#include "safepath/json.h"
#include "safepath/log.h"

static const char *const method_names[HTTP_METHOD_COUNT] = {
	[HTTP_GET] = "GET",
	[HTTP_HEAD] = "HEAD",
	[HTTP_POST] = "POST",
	[HTTP_PUT] = "PUT",
	[HTTP_PATCH] = "PATCH",
	[HTTP_DELETE] = "DELETE",
	[HTTP_OPTIONS] = "OPTIONS",
	[HTTP_METHOD_OTHER] = "OTHER",
};

const char *http_method_name(enum http_method m)
{
	return m < HTTP_METHOD_COUNT ? method_names[m] : "OTHER";
}

enum http_method http_method_parse(const char *s)
{
	for (int m = 0; m < HTTP_METHOD_OTHER; m++)
		if (strcmp(method_names[m], s) == 0)
			return (enum http_method)m;
	return HTTP_METHOD_OTHER;
}

int http_method_mutates(enum http_method m)
{
	return m != HTTP_GET && m != HTTP_HEAD && m != HTTP_OPTIONS;
}

void http_req_init(struct http_req *r)
{
	memset(r, 0, sizeof *r);
	sp_buf_init(&r->body, HTTP_BODY_MAX);
	sp_buf_init(&r->text, 4u << 20);
	sp_arena_init(&r->arena, 16384, HTTP_ARENA_MAX);
	r->method = HTTP_METHOD_OTHER;
}

void http_req_free(struct http_req *r)
{
	sp_buf_free(&r->body); /* zeroes: it may hold a password */
	sp_buf_free(&r->text);
	sp_arena_release(&r->arena); /* zeroes: decrypted personal data */
	if (r->json)
		json_decref(r->json);
	if (r->out)
		json_decref(r->out);
	r->json = r->out = NULL;
	if (r->encoded)
		sp_json_free(r->encoded);
	r->encoded = NULL;
}

const char *http_req_template(const struct http_req *r)
{
	return r->route ? r->route->pattern : "unmatched";
}

void http_hash_begin(struct http_req *r)
{
	if (r->hash_slots)
		while (sem_wait(r->hash_slots) != 0)
			; /* EINTR */
}

void http_hash_end(struct http_req *r)
{
	if (r->hash_slots)
		sem_post(r->hash_slots);
}

int http_reply_json(struct http_req *r, int status, json_t *body)
{
	if (!body)
		return http_problem(r, 500, "internal", "Internal error", NULL);
	if (r->out)
		json_decref(r->out);
	r->out = body;
	r->status = status;
	r->is_problem = 0;
	return 0;
}

int http_reply_empty(struct http_req *r, int status)
{
	if (r->out)
		json_decref(r->out);
	r->out = NULL;
	r->status = status;
	return 0;
}

/* ---- the phases: 0 = go on, 1 = a response is set, stop ---- */

/* libmicrohttpd has parsed the request line and headers; check what it leaves to us. */
static int phase_parse(struct http_req *r)
{
	if (r->body_seen > HTTP_BODY_MAX)
		return http_problem(r, 413, "too-large", "The request body is too large",
				    "The limit is 1 MiB.");
	if (!r->path || r->path[0] != '/' || strlen(r->path) > HTTP_PATH_MAX)
		return http_problem(r, 404, "not-found", "Not found", NULL);
	return 0;
}

/* Who is asking: the session the cookie names, and on a mutating request whether the CSRF
 * header belongs to it. Refusals wait for authorise, which knows what the route needs. */
static int phase_authenticate(struct http_req *r)
{
	if (!r->session_cookie)
		return 0;
	/* No database connection for this thread: whether the session is valid cannot be told,
	 * and an API request must not be answered as if it had none (the web shell's files
	 * load without it). */
	if (!r->w)
		return strncmp(r->path, "/api/", 5) == 0
			       ? http_problem(r, 503, "unavailable", "Try again shortly", NULL)
			       : 0;
	struct sp_err err = {0};
	int rc = sp_session_lookup(&r->w->access, r->opt->keys, r->session_cookie, &r->session,
				   &r->user, &err);
	if (rc == SP_ENOTFOUND)
		return 0;
	if (rc)
		return http_problem_from_err(r, &err);
	sp_user_subject(&r->user, &r->subject);
	r->has_session = 1;
	r->csrf_ok = http_method_mutates(r->method) &&
		     sp_session_csrf_ok(r->opt->keys, &r->session, r->csrf_header);
	return 0;
}

/* Every request is charged to its address and, with a session, to the session (ratelimit.c);
 * health checks and metrics scrapes are free, so monitoring never locks itself out. */
static int phase_rate_limit(struct http_req *r)
{
	if (!r->limits || strcmp(r->path, "/healthz") == 0 || strcmp(r->path, "/metrics") == 0)
		return 0;
	int64_t wait = http_ratelimit_take(r->limits, r->client_addr,
					   r->has_session ? &r->session.id : NULL, sp_now_us(),
					   r->w ? r->w->store : NULL);
	if (!wait)
		return 0;
	r->retry_after_s = wait;
	return http_problem(r, 429, "rate-limited", "Too many requests",
			    "Wait for the time in Retry-After before sending more.");
}

static int phase_route(struct http_req *r)
{
	int known = 0;
	r->route = http_route_find(r->method, r->path, &known, r->allow, sizeof r->allow);
	if (r->route)
		return 0;
	if (known)
		return http_problem(r, 405, "method-not-allowed", "Method not allowed", NULL);
	return http_problem(r, 404, "not-found", "Not found", NULL);
}

static int phase_authorise(struct http_req *r)
{
	const struct http_route *rt = r->route;
	if (rt->auth == HTTP_AUTH_NONE)
		return 0;
	if (!r->has_session)
		return http_problem(r, 401, "unauthenticated", "Log in first",
				    "No session, or the session has ended.");
	if (http_method_mutates(r->method) && !r->csrf_ok)
		return http_problem(r, 403, "csrf", "Missing or wrong CSRF token",
				    "Send the session's token in the " HTTP_CSRF_HEADER " header.");
	if (r->user.must_change_password && rt->auth != HTTP_AUTH_OTP_OK)
		return http_problem(r, 403, "password-change-required",
				    "The password must be changed first",
				    "POST /api/v1/me/password is the only request allowed.");
	if (rt->roles && !(r->subject.roles & rt->roles))
		return http_problem(r, 403, "forbidden", "Not allowed", NULL);
	return 0;
}

static int content_type_is_json(const char *ct)
{
	static const char json_type[] = "application/json";
	size_t n = sizeof json_type - 1;
	if (!ct || strncasecmp(ct, json_type, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static int phase_decode(struct http_req *r)
{
	const struct http_schema *s = r->route->body;
	if (!s) {
		if (r->body.len)
			return http_problem(r, 400, "validation", "This request takes no body", NULL);
		return 0;
	}
	if (!content_type_is_json(r->content_type))
		return http_problem(r, 415, "unsupported-media-type",
				    "The body must be application/json", NULL);
	struct sp_err err = {0};
	r->json = sp_json_parse(r->body.data ? r->body.data : "", r->body.len, &err);
	if (!r->json) {
		http_problem(r, 400, "malformed-json", "The body is not valid JSON", NULL);
		http_problem_field(r, err.field, err.msg);
		return 1;
	}
	return http_schema_check(r, s);
}

static int phase_handle(struct http_req *r)
{
	/* the web shell's files need no database: they load even when it is away */
	if (!r->w && !http_route_is_static(r->route))
		return http_problem(r, 503, "unavailable", "Try again shortly", NULL);
	if (http_route_updates(r->route) && http_if_match(r, &r->if_version))
		return 1;
	return http_handle_keyed(r) ? 1 : 0;
}

/* Each phase's CPU time is charged to a counter (cputime.h); inside the handler the casework
 * wing moves it on to policy, decrypt, audit and commit. */
static const struct phase {
	const char *name;
	int (*run)(struct http_req *r);
	enum sp_cpu_phase cpu;
} phases[] = {
	{"parse", phase_parse, SP_CPU_DECODE},
	{"authenticate", phase_authenticate, SP_CPU_SESSION},
	{"rate_limit", phase_rate_limit, SP_CPU_SESSION},
	{"route", phase_route, SP_CPU_DECODE},
	{"authorise", phase_authorise, SP_CPU_POLICY},
	{"decode", phase_decode, SP_CPU_DECODE},
	{"handle", phase_handle, SP_CPU_STORE},
};

/* The last phase, whatever stopped the others: the response body's bytes. */
static void phase_encode(struct http_req *r)
{
	if (!r->status)
		http_problem(r, 500, "internal", "Internal error", NULL);
	if (r->out) {
		r->encoded = sp_json_dump(r->out);
		if (!r->encoded) {
			r->status = 500;
			r->encoded_type = NULL;
			return;
		}
		r->encoded_len = strlen(r->encoded);
		r->encoded_type = r->is_problem ? "application/problem+json" : "application/json";
	}
}

void http_pipeline_run(struct http_req *r)
{
	/* One request in HTTP_CPU_SAMPLE per thread has its phases measured (ended by the
	 * server once the response is queued): the clock reads cost too much for every one. */
	static _Thread_local unsigned seen;
	if (seen++ % HTTP_CPU_SAMPLE == 0)
		sp_cpu_begin(SP_CPU_DECODE);
	for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
		sp_cpu_enter(phases[i].cpu);
		if (phases[i].run(r)) {
			if (r->is_problem) /* which phase refused, for whoever debugs a client */
				sp_log(SP_LOG_DEBUG, "http.refused", "phase", phases[i].name,
				       (const char *)NULL);
			break;
		}
	}
	sp_cpu_enter(SP_CPU_ENCODE);
	phase_encode(r);
}
