/* Internal to src/http/: the request as the pipeline sees it, the route table's shape, body
 * schemas, problem documents and metrics. Only server.c knows libmicrohttpd; the pipeline
 * works on struct http_req alone. */
#ifndef SAFEPATH_HTTP_INT_H
#define SAFEPATH_HTTP_INT_H

#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/access.h"
#include "safepath/arena.h"
#include "safepath/buf.h"
#include "safepath/codes.h"
#include "safepath/http.h"

#define HTTP_BODY_MAX (1u << 20) /* bytes; over it is 413 */
#define HTTP_PATH_MAX 1024
#define HTTP_SESSION_COOKIE "sp_session"
#define HTTP_CSRF_HEADER "X-CSRF-Token"
#define HTTP_IDEM_HEADER "Idempotency-Key"
#define HTTP_ETAG_SIZE 24 /* "\"" 16 hex digits "\"" and NUL */

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_METHOD_OTHER,
	HTTP_METHOD_COUNT
};
const char *http_method_name(enum http_method m); /* "GET"; "OTHER" */
enum http_method http_method_parse(const char *s);
int http_method_mutates(enum http_method m);

/* One thread's own connection, person-key store and access context, opened on its first
 * request. */
struct http_worker {
	struct sp_store *store;
	struct sp_keystore *keystore;
	struct sp_access access;
};

/* ---- the notifier thread (notify.c) ---- */

struct http_notify;
/* Start it when opt has a notifier and notify-interval-ms is not 0 (*out NULL otherwise). */
int http_notify_start(const struct sp_http_options *opt, struct http_notify **out,
		      struct sp_err *err) SP_MUST;
/* Stop it after its round, and close its connection; NULL does nothing. */
void http_notify_stop(struct http_notify *n);

#define HTTP_QUERY_MAX 8 /* query parameters kept; more is a 400 */
#define HTTP_ARENA_MAX ((size_t)64 << 20)

/* ---- rate limits (ratelimit.c): token buckets per session and per address ---- */

#define HTTP_RATE_MAX 1000000 /* the largest rate or burst a setting may give */
struct http_rate {
	double per_s; /* tokens added a second */
	double burst; /* the bucket's size */
};
struct http_ratelimit;
/* Buckets for rate-limit-per-s/-burst (sessions) and rate-limit-address-per-s/-burst;
 * SP_EINVAL naming the setting when one is out of range. */
int http_ratelimit_new(const struct sp_config *cfg, struct http_ratelimit **out,
		       struct sp_err *err) SP_MUST;
void http_ratelimit_free(struct http_ratelimit *rl);
/* Charge one request to the address's bucket (addr NULL or "": none) and then to the
 * session's (NULL: none). 0 when both had a token, else the seconds until one will. When the
 * buckets are shared, a key new to this server starts from its level in the database, read
 * with s (the request thread's connection; NULL: from a full bucket). */
int64_t http_ratelimit_take(struct http_ratelimit *rl, const char *addr,
			    const struct sp_id *session, int64_t now_us, struct sp_store *s);
/* Share the buckets with the other servers on the database: key them with a key derived from
 * the token key (the same on every server), and start a thread that runs
 * http_ratelimit_sync every interval_ms (rate-limit-share-ms) on store, which it then owns
 * (closed by http_ratelimit_free, which stops the thread). */
int http_ratelimit_share(struct http_ratelimit *rl, const struct sp_keys *keys,
			 struct sp_store *store, int64_t interval_ms, struct sp_err *err) SP_MUST;
/* Add what this server charged each key since the last sync to the key's bucket in the
 * database, and take that bucket's level back as the truth for this server's (keys used here
 * in the last minute are read even without a charge of their own). A failed batch is sent
 * again with the next. */
int http_ratelimit_sync(struct http_ratelimit *rl, struct sp_store *s, int64_t now_us,
			struct sp_err *err) SP_MUST;

/* ---- body schemas (schema.c): declared next to the route, checked before the handler ---- */

/* OBJECT and ARRAY are only checked for their JSON type; the handler's decoder checks what
 * they hold, with pointers below the member's. */
enum http_ftype { HTTP_F_STRING, HTTP_F_BOOL, HTTP_F_INT, HTTP_F_OBJECT, HTTP_F_ARRAY };
struct http_field {
	const char *name;
	enum http_ftype type;
	int required;
	size_t max_len; /* strings: bytes */
};
struct http_schema {
	const struct http_field *fields; /* ended by a NULL name */
};

/* ---- routes (routes.c) ---- */

enum http_auth {
	HTTP_AUTH_NONE,    /* anyone */
	HTTP_AUTH_SESSION, /* a session whose password needs no change */
	HTTP_AUTH_OTP_OK,  /* any session, even one logged in with a one-time password */
};

struct http_req;
struct http_route {
	enum http_method method;
	const char *pattern;             /* "/api/v1/me"; a ":name" segment matches one segment
					  * (logs and metrics print the pattern, so it stays a token) */
	enum http_auth auth;
	unsigned roles;                  /* any one of these roles; 0 = any signed-in user */
	const struct http_schema *body;  /* NULL: the request takes no body */
	int (*handle)(struct http_req *r);
};
/* The route table, ended by a NULL pattern. */
extern const struct http_route http_routes[];
/* Find the route for method and path. NULL with *path_known set when the path matches
 * another method's route (405; allow lists them), NULL and 0 when nothing matches (404). */
const struct http_route *http_route_find(enum http_method method, const char *path,
					 int *path_known, char *allow, size_t allow_n);
/* Routes of the web shell (static.c) serve embedded files, not the API: a document of the
 * API (docs/openapi.yaml) and tests over API routes skip the routes this answers 1 for. */
int http_route_is_static(const struct http_route *rt);
/* Strict segment match of a path against a pattern ("/" matches only "/"). */
int http_path_match(const char *pattern, const char *path);

/* ---- the request ---- */

struct http_req {
	/* from server.c */
	const struct sp_http_options *opt;
	struct http_worker *w;           /* NULL when the thread could not open the store */
	sem_t *hash_slots;               /* one Argon2id at a time per core; NULL = no limit */
	struct http_ratelimit *limits;   /* NULL = no rate limits (unit tests) */
	enum http_method method;
	const char *path;
	struct { const char *name, *value; } query[HTTP_QUERY_MAX];
	size_t n_query;                  /* parameters seen, counted past HTTP_QUERY_MAX */
	const char *session_cookie;      /* NULL if none */
	const char *csrf_header;
	const char *content_type;
	const char *if_match;            /* the If-Match header; NULL if none */
	int64_t if_version;              /* the version it names, on an update route (pipeline) */
	const char *idem_key;            /* the Idempotency-Key header; NULL if none */
	struct sp_audit_writer *audit_writer; /* read audit by group commit; NULL: in-transaction */
	const char *if_none_match;       /* the header, for static assets */
	const char *accept_language;     /* the Accept-Language header; NULL if none */
	struct sp_buf body;              /* capped at HTTP_BODY_MAX */
	size_t body_seen;                /* every byte received, counted past the cap */
	int tls;
	char client_addr[48];            /* the peer's address as text; "" if unknown */
	/* pipeline state */
	const struct http_route *route;
	int has_session;
	struct sp_session session;
	struct sp_user user;
	struct sp_subject subject;
	int csrf_ok;
	json_t *json;                    /* the decoded body */
	const struct sp_idem *idem;      /* a create's key while its handler runs (idempotency.c) */
	struct sp_arena arena;           /* decrypted values; zeroed and freed with the request */
	/* the response */
	int status;
	json_t *out;                     /* JSON body (owned), or the problem document */
	int is_problem;
	struct sp_buf text;              /* a non-JSON body (metrics) */
	const char *text_type;
	char set_cookie[256];
	char location[128];
	char disposition[128];           /* Content-Disposition of a download; "" if none */
	char allow[64];
	int64_t retry_after_s;           /* > 0 on a 429: sent as Retry-After */
	/* an embedded file (static.c): sent as it is, with its ETag and Cache-Control: no-cache */
	const char *asset;
	size_t asset_len;
	const char *asset_type;
	char etag[HTTP_ETAG_SIZE];
	/* encoded by the last phase: the JSON body (sp_json_free), or NULL with text used */
	char *encoded;
	size_t encoded_len;
	const char *encoded_type;
};

void http_req_init(struct http_req *r);
void http_req_free(struct http_req *r);
/* Run the phases, then encode; leaves the response in r. */
void http_pipeline_run(struct http_req *r);
/* The route template for logs and metrics labels: never the raw path. */
const char *http_req_template(const struct http_req *r);

/* Around a password check or change: wait for one of the server's hashing slots (one per
 * core), so a burst of log-ins cannot take more memory and CPU than the machine has. */
void http_hash_begin(struct http_req *r);
void http_hash_end(struct http_req *r);

/* A response written by the streaming writer straight into r->text (reply.c): begin with
 * about `expect` bytes reserved, write into w, then reply 200 with what it wrote (a 500
 * problem when it failed). */
struct sp_jsonw;
void http_jsonw_begin(struct http_req *r, struct sp_jsonw *w, size_t expect);
int http_jsonw_reply(struct http_req *r, struct sp_jsonw *w);
/* A page of cases, {"items": [...], "next_cursor": ...} (next zero: null; next NULL, as
 * for a search: no such member), written by the streaming writer. */
struct sp_case_hit;
int http_reply_case_hits(struct http_req *r, const struct sp_case_hit *hits, size_t n,
			 const struct sp_id *next);
/* A page of a list, {"items": items (taken; NULL: a 500), "next_cursor": next or null when
 * zero} (reply.c). */
int http_reply_page(struct http_req *r, json_t *items, const struct sp_id *next);
/* Reply with a JSON body (taking the reference) or no body. Return 0 for the handler. */
int http_reply_json(struct http_req *r, int status, json_t *body);
int http_reply_empty(struct http_req *r, int status);

/* The value of query parameter name, NULL when absent. */
const char *http_query(const struct http_req *r, const char *name);
/* 0 when every query parameter is one of allowed (NULL-ended), else a 400 problem and 1. */
int http_query_only(struct http_req *r, const char *const *allowed);
/* Whether the server loaded the jurisdiction files and the deployment's one; false with a 503
 * problem when not. */
bool http_jurisdiction_loaded(struct http_req *r);
/* http_query_lang when ?lang= is the only parameter allowed; NULL with a 400 problem when
 * another is there or it is not a language. */
const char *http_query_lang_only(struct http_req *r, const char *fallback, char buf[SP_CODE_MAX]);
/* The path's n-th ":name" segment (0 first) parsed as a UUID, else a 404 problem and 1. */
int http_path_id(struct http_req *r, size_t n, struct sp_id *out);

/* ---- optimistic concurrency (conditional.c) ---- */

/* The resource's ETag ("\"3\"") from its row version, sent with the answer. */
void http_etag_version(struct http_req *r, int64_t version);
/* The version an update's If-Match names: 0 to go on, 1 with a 428 problem when there is
 * none or a 412 when it is not one of our tags (it cannot match). */
int http_if_match(struct http_req *r, int64_t *version);
/* Does the route update a resource in place (the table in conditional.c)? The pipeline then
 * requires If-Match before the handler and leaves its version in r->if_version; the document
 * (docs/openapi.yaml) lists If-Match, 412 and 428 on exactly these routes. */
int http_route_updates(const struct http_route *rt);
/* The 412 of a stale version (also what http_problem_from_err makes of a library's
 * SP_ECONFLICT on "/version"). Returns 1. */
int http_precondition_failed(struct http_req *r);

/* ---- safe retries (idempotency.c) ---- */

/* Run the route's handler. A create sent with Idempotency-Key runs at most once per user and
 * key: a repeat is answered with what the first made (the route's replay handler, reading it
 * again like a GET), the key with another request is 422, and while the first still runs in
 * this server 409. Anything else goes straight to the handler. */
int http_handle_keyed(struct http_req *r);
/* Is the route a create (the table in idempotency.c)? The document lists Idempotency-Key,
 * 409 and 422 on exactly these routes. */
int http_route_creates(const struct http_route *rt);
/* A create's replay: answer status with the resource rec names, read through the policy and
 * the audit as a GET would. */
struct sp_idem_record;
int http_api_case_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_note_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_consent_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_need_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_plan_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_tracing_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_task_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_agency_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_user_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_screening_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_decision_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_referral_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_referral_incoming_replay(struct http_req *r, const struct sp_idem_record *rec);
int http_api_approval_replay(struct http_req *r, const struct sp_idem_record *rec);

/* ---- problem documents (problem.c), RFC 9457 ---- */

/* Start a problem: type urn:safepath:problem:SLUG. Returns 1, the "stop" value of a phase. */
int http_problem(struct http_req *r, int status, const char *slug, const char *title,
		 const char *detail);
/* One more bad field of a 400 validation problem, started by the first: returns 1. */
int http_invalid(struct http_req *r, const char *pointer, const char *reason);
/* Add {pointer, reason} to its errors array (pointer "" is the whole body). */
void http_problem_field(struct http_req *r, const char *pointer, const char *reason);
/* A library error as a problem: invalid input 400 naming err->field, denied 403, not found
 * 404, conflict 409, busy or unavailable 503, anything else 500 without detail. */
int http_problem_from_err(struct http_req *r, const struct sp_err *err);
/* The same, with a validation error's pointer put below prefix ("/person"). A policy
 * refusal carries the policy's reason code in a "reason" member. */
int http_problem_from_err_at(struct http_req *r, const struct sp_err *err, const char *prefix);

/* ---- body checks (schema.c) ---- */

/* Check r->json against the schema; every bad field becomes an error of one 400 problem.
 * 0 when the body is acceptable, 1 (a problem is set) otherwise. */
int http_schema_check(struct http_req *r, const struct http_schema *s);
/* Member name (present in the checked body) parsed by parse, an enumeration's names: into
 * *out; a bad value, or null, is a problem at /name. Whether it was set. */
bool http_member_enum(struct http_req *r, const char *name, int (*parse)(const char *), int *out);
/* Member name as an RFC 3339 time or a date into *us; null gives 0 (none); a bad one is a
 * problem at /name. Whether it was there. */
bool http_member_time(struct http_req *r, const char *name, int64_t *us);

/* ---- metrics (metrics.c) ---- */

void http_metrics_observe(const char *template, enum http_method m, int status, double seconds);
/* Add one measured request's thread CPU nanoseconds by phase (cputime.h) to its route's
 * counters; one request in HTTP_CPU_SAMPLE per thread is measured (a measured caseload page
 * reads the clock about 320 times, 0.4 µs each: 1 in 8 cost every page 16 µs, 1 in 32 costs 4). */
#define HTTP_CPU_SAMPLE 32
void http_metrics_cpu(const char *template, enum http_method m, const int64_t *ns);
/* Prometheus text exposition of everything observed. */
int http_metrics_render(struct sp_buf *out);

/* ---- handlers (api_*.c) ---- */
int http_api_healthz(struct http_req *r);
int http_api_metrics(struct http_req *r);
int http_api_session_create(struct http_req *r);
int http_api_session_delete(struct http_req *r);
int http_api_me(struct http_req *r);
int http_api_me_password(struct http_req *r);
int http_api_me_colleagues(struct http_req *r);
extern const struct http_schema http_schema_session, http_schema_password;
/* Ids, the user name, the agency and roles: what GET /me shows (api_session.c). */
json_t *http_user_json(const struct sp_user *u);
/* This request's casework context: the thread's connections, the signed-in subject, the
 * request arena, the read-audit writer, a create's idempotency key and the vocabulary of kinds
 * (api_cases.c). */
struct sp_casework;
void http_casework(struct http_req *r, struct sp_casework *cw);
/* The body's "flags" names as case flag bits (each unknown one a 400 error) and its "person"
 * through the casework decoder, errors below /person (1 with the problem set), shared by the
 * routes that open a case (api_cases.c). */
unsigned http_case_flags_decode(struct http_req *r);
struct sp_person;
int http_person_decode(struct http_req *r, struct sp_person *p);
int http_api_case_create(struct http_req *r);
/* api_match.c: the registration check and a case's links to other persons */
int http_api_match_check(struct http_req *r);
int http_api_link_add(struct http_req *r);
int http_api_link_undo(struct http_req *r);
int http_api_link_list(struct http_req *r);
extern const struct http_schema http_schema_match_check, http_schema_link;
int http_api_case_get(struct http_req *r);
int http_api_case_list(struct http_req *r);
int http_api_case_search(struct http_req *r);
int http_api_note_add(struct http_req *r);
int http_api_note_list(struct http_req *r);
int http_api_consent_add(struct http_req *r);
int http_api_consent_list(struct http_req *r);
int http_api_case_patch(struct http_req *r);
extern const struct http_schema http_schema_case_create, http_schema_case_search,
	http_schema_note, http_schema_consent, http_schema_case_patch;
/* api_approvals.c: a case's closure, reopening, transfer, reassignment and break-glass, its
 * approvals, and the supervisors' queue */
int http_api_closure_request(struct http_req *r);
int http_api_reopen(struct http_req *r);
int http_api_transfer_request(struct http_req *r);
int http_api_reassign(struct http_req *r);
int http_api_break_glass(struct http_req *r);
int http_api_case_approvals(struct http_req *r);
int http_api_approval_list(struct http_req *r);
int http_api_approval_get(struct http_req *r);
int http_api_approval_decide(struct http_req *r);
extern const struct http_schema http_schema_closure, http_schema_reopen, http_schema_transfer,
	http_schema_reassign, http_schema_break_glass, http_schema_approval_decision;
/* api_screenings.c: protocols for the wizard, and a case's screenings */
int http_api_protocol_list(struct http_req *r);
int http_api_protocol_get(struct http_req *r);
int http_api_screening_start(struct http_req *r);
int http_api_screening_list(struct http_req *r);
int http_api_screening_get(struct http_req *r);
int http_api_screening_patch(struct http_req *r);
int http_api_screening_complete(struct http_req *r);
extern const struct http_schema http_schema_screening_start, http_schema_screening_patch,
	http_schema_screening_complete;
/* api_referrals.c: a case's referrals, the inbox, one referral, its events, its print, the
 * agency's expiry */
int http_api_referral_create(struct http_req *r);
int http_api_referral_list(struct http_req *r);
int http_api_referral_inbox(struct http_req *r);
int http_api_referral_get(struct http_req *r);
int http_api_referral_event(struct http_req *r);
int http_api_referral_print(struct http_req *r);
int http_api_referral_incoming(struct http_req *r);
int http_api_referral_expire(struct http_req *r);
int http_api_referral_override(struct http_req *r);
extern const struct http_schema http_schema_referral_create, http_schema_referral_event,
	http_schema_referral_incoming, http_schema_referral_override;
/* api_dedup.c: the review queue of safepath dedup, and a decision on one pair */
int http_api_match_pairs(struct http_req *r);
int http_api_match_pair_decide(struct http_req *r);
extern const struct http_schema http_schema_match_pair_decision;
/* api_subject.c: the DPO's subject-access exports */
int http_api_subject_export_create(struct http_req *r);
int http_api_subject_export_create_by_case(struct http_req *r);
int http_api_subject_export_list_case(struct http_req *r);
int http_api_subject_export_list(struct http_req *r);
int http_api_subject_export_get(struct http_req *r);
int http_api_subject_export_document(struct http_req *r);
extern const struct http_schema http_schema_subject_export, http_schema_subject_export_case;
/* api_decisions.c: a case's decisions, and the deployment's jurisdiction */
int http_api_decision_add(struct http_req *r);
int http_api_decision_list(struct http_req *r);
int http_api_decision_get(struct http_req *r);
int http_api_jurisdiction_get(struct http_req *r);
extern const struct http_schema http_schema_decision_create;
/* api_focal.c: focal points and routing */
int http_api_focal_list(struct http_req *r);
int http_api_focal_create(struct http_req *r);
int http_api_focal_delete(struct http_req *r);
int http_api_routing_list(struct http_req *r);
int http_api_routing_create(struct http_req *r);
int http_api_routing_delete(struct http_req *r);
int http_api_routing_resolve(struct http_req *r);
extern const struct http_schema http_schema_focal_create, http_schema_routing_create;
/* api_services.c: the service directory */
int http_api_service_search(struct http_req *r);
int http_api_service_get(struct http_req *r);
int http_api_services_import(struct http_req *r);
int http_api_service_patch(struct http_req *r);
extern const struct http_schema http_schema_services_import, http_schema_service_patch;
/* api_needs.c and api_tasks.c: a case's needs and tasks, and the subject's own tasks */
int http_api_need_add(struct http_req *r);
int http_api_need_list(struct http_req *r);
int http_api_need_patch(struct http_req *r);
int http_api_task_add(struct http_req *r);
int http_api_task_list(struct http_req *r);
int http_api_task_patch(struct http_req *r);
int http_api_me_tasks(struct http_req *r);
/* api_tracing.c: family tracing, the requester's side and the child's side */
int http_api_tracing_create(struct http_req *r);
int http_api_tracing_list(struct http_req *r);
int http_api_tracing_get(struct http_req *r);
int http_api_tracing_rematch(struct http_req *r);
int http_api_tracing_close(struct http_req *r);
int http_api_case_tracing(struct http_req *r);
int http_api_tracing_match_get(struct http_req *r);
int http_api_tracing_verify(struct http_req *r);
int http_api_tracing_assess(struct http_req *r);
int http_api_tracing_contact(struct http_req *r);
extern const struct http_schema http_schema_tracing_create, http_schema_tracing_verification,
	http_schema_tracing_assessment, http_schema_tracing_contact;
int http_api_plan_add(struct http_req *r);
int http_api_plan_list(struct http_req *r);
int http_api_plan_patch(struct http_req *r);
int http_api_me_notifications(struct http_req *r);
int http_api_me_notification_count(struct http_req *r);
int http_api_me_notification_read(struct http_req *r);
int http_api_me_notification_read_all(struct http_req *r);
extern const struct http_schema http_schema_need_create, http_schema_need_patch,
	http_schema_task_create, http_schema_task_patch, http_schema_goal_create, http_schema_goal_patch;
/* api_deadlines.c: a case's deadlines, the agency's, marking one met, an event by hand */
int http_api_deadline_list(struct http_req *r);
int http_api_agency_deadlines(struct http_req *r);
int http_api_deadline_patch(struct http_req *r);
int http_api_case_event(struct http_req *r);
/* api_dashboard.c: the subject's dashboard */
int http_api_me_dashboard(struct http_req *r);
extern const struct http_schema http_schema_case_event, http_schema_deadline_patch;
/* api_retention.c: legal holds */
int http_api_legal_hold_set(struct http_req *r);
int http_api_legal_hold_lift(struct http_req *r);
extern const struct http_schema http_schema_legal_hold;
/* static.c: the web shell's files, and index.html for its client-side routes */
int http_static_get(struct http_req *r);
/* api_admin.c: agencies and users */
int http_api_agency_list(struct http_req *r);
int http_api_agency_create(struct http_req *r);
int http_api_agency_get(struct http_req *r);
int http_api_user_list(struct http_req *r);
int http_api_user_create(struct http_req *r);
int http_api_user_get(struct http_req *r);
int http_api_user_patch(struct http_req *r);
int http_api_user_password_reset(struct http_req *r);
extern const struct http_schema http_schema_agency_create, http_schema_user_create,
	http_schema_user_patch;
/* api_audit.c: the DPO's view of the trail */
int http_api_audit_list(struct http_req *r);
int http_api_audit_verify(struct http_req *r);
/* Audit a read the casework does not (users, the audit trail itself): one record naming
 * the objects shown, through the group-commit writer when the server has one, else in a
 * transaction of its own; 0, or 1 with a problem set (the read is not answered). */
int http_audit_read(struct http_req *r, const char *action, const char *object_type,
		    const struct sp_id *objects, size_t n, const char *fields, const char *reason);
/* ?limit=N (1 to max) into *limit, left alone when absent; 1 with a problem field added. */
/* ?cursor= as an id into buf: buf, or NULL when absent or not an id (a 400 at /cursor). */
const struct sp_id *http_query_cursor(struct http_req *r, struct sp_id *buf);
int http_query_limit(struct http_req *r, long max, long *limit);
/* ?lang= (a language code) into buf, else fallback; NULL with a problem field added when it
 * is not a language code. */
const char *http_query_lang(struct http_req *r, const char *fallback, char buf[SP_CODE_MAX]);
/* ?name=TIME (RFC 3339 in UTC, or a date) into *us; 1 with a problem field added. */
int http_query_time(struct http_req *r, const char *name, int64_t *us);

#endif
