/* Fuzz every route of the table that takes a body, signed in, through the whole pipeline to
 * its real handler over a real temporary store: the input is the body of each in turn (log-in,
 * password change, case creation with its person, case search, case update with the case's
 * ETag in If-Match, note, consent, a need and a task (added, and changed with their ETags in
 * If-Match), a referral (drafted, and moved by an event with its ETag in If-Match), an event
 * on the case (England and Wales's deadlines), and the administrator's routes, which refuse the caseworker
 * once the body is decoded), sent with a live session's cookie and CSRF token, paths naming
 * a case that exists. So each handler's own
 * decoding (the case envelope and the person below /person, the one-of search query and its
 * document, the note's text rules, the consent decoder and its rules, the password rules) runs
 * on the input, and what it accepts goes on to the casework, the policy and the audit trail.
 *
 * Never a crash, UB or leak, and never a 5xx: bad input is the client's error. Every refusal
 * is a well-formed 4xx problem document (not 405 or 415: method and media type are right, nor
 * 429: the limits are out of reach, nor 401 but for a wrong log-in); each error's pointer
 * is "" or a JSON pointer made of plain field names and array indices only (a member name that
 * could be a value sent as a key is never repeated back) whose parent is in the body sent.
 * abort() when not.
 *
 * The store lives in a temporary folder (under /dev/shm when there is one) for the process;
 * Argon2id runs at libsodium's smallest cost and the failed-login limits are out of reach, so
 * the password routes stay cheap and open. A password the input changes is changed back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "http/http.h"
#include "safepath/protocol.h"
#include "safepath/audit.h"
#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/config.h"
#include "safepath/crypto.h"
#include "safepath/date.h"
#include "safepath/init.h"
#include "safepath/json.h"
#include "safepath/jurisdiction.h"
#include "safepath/need.h"
#include "safepath/person.h"
#include "safepath/referral.h"
#include "safepath/store.h"
#include "safepath/task.h"

#define USERNAME "fuzz.caseworker"
#define PASSWORD "fuzz-password-2026-abc"

static char dir[64];
static struct sp_config cfg;
static struct sp_keys *keys;
static struct sp_audit_keys *akeys;
static struct http_worker worker;
static struct sp_http_options opt;
static struct sp_vocabulary vocabulary; /* the protocols', as serve gives the handlers */
static char token[SP_SESSION_TOKEN_SIZE], csrf[SP_SESSION_TOKEN_SIZE];
static char case_id[SP_ID_STRLEN + 1];
static char need_id[SP_ID_STRLEN + 1], task_id[SP_ID_STRLEN + 1]; /* of that case */
static char referral_id[SP_ID_STRLEN + 1];                           /* a draft for the need */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void need(int rc, const struct sp_err *err, const char *what)
{
	if (rc) {
		fprintf(stderr, "fuzz_http_routes: %s: %s %s\n", what, err->field, err->msg);
		abort();
	}
}

static void remove_dir(void)
{
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz_http_routes: could not remove %s\n", dir);
}

static void settings(void)
{
	static const char *const set[][2] = {
		{"argon2-ops", "1"},
		{"argon2-mem-kib", "8"},
		{"login-max-failures", "1000000"},
		{"login-max-failures-per-address", "1000000"},
	};
	struct sp_err err = {0};
	sp_config_init(&cfg);
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		need(sp_config_set(&cfg, set[i][0], set[i][1], SP_CONF_FLAG, &err), &err, set[i][0]);
}

/* Store, keys, person-key store and audit keys in a new temporary folder. */
static void open_store(void)
{
	struct sp_err err = {0};
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof dir, "%s/sp-fuzz-routes-XXXXXX", base);
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	char url[128], key[128], data[128], ks[128];
	snprintf(data, sizeof data, "%s/var", dir);
	snprintf(url, sizeof url, "sqlite:%s/var/safepath.db", dir);
	snprintf(key, sizeof key, "%s/keys/master.key", dir);
	snprintf(ks, sizeof ks, "sqlite:%s/keys/persons.db", dir);
	if (mkdir(data, 0700) != 0)
		abort();
	struct sp_store_options so = {.busy_timeout_ms = 1000, .create = 1};
	struct sp_master *m = NULL;
	need(sp_store_open(url, &so, &worker.store, &err) || sp_store_migrate(worker.store, &err) ||
		     sp_master_key_file_create(key, data, &m, &err) ||
		     sp_keys_open(worker.store, m, &keys, &err) ||
		     sp_keystore_open(ks, 1, &worker.keystore, &err),
	     &err, "open the store");
	sp_master_free(m);
	akeys = sodium_malloc(sizeof *akeys);
	if (!akeys)
		abort();
	const unsigned char *pk, *sk;
	memcpy(akeys->chain_key, sp_keys_audit_chain_key(keys), SP_AUDIT_KEY_LEN);
	sp_keys_audit_signing(keys, &pk, &sk);
	memcpy(akeys->sign_pk, pk, sizeof akeys->sign_pk);
	memcpy(akeys->sign_sk, sk, sizeof akeys->sign_sk);
	need(sp_access_init(&worker.access, worker.store, &cfg, &err), &err, "access");
	sp_access_set_audit_keys(&worker.access, akeys);
	opt.cfg = &cfg;
	opt.keys = keys;
	opt.audit_keys = akeys;
	/* the screening routes' protocols: the test ones, as the API tests give the server */
	static struct sp_protocols *reg;
	struct sp_diag d;
	sp_diag_init(&d);
	if (sp_protocols_load("tests/data/protocols", &reg, &d) != SP_OK)
		abort();
	sp_diag_free(&d);
	opt.protocols = reg;
	sp_vocab_for_casework(sp_protocols_vocab(reg), &vocabulary);
	opt.vocabulary = &vocabulary;
	/* the decision and deadline routes' jurisdiction: England and Wales, whose rules a
	 * referral starts and which lets a child-protection caseworker record age assessments */
	static struct sp_jurisdictions jurs;
	need(sp_jurisdictions_load(NULL, &jurs, &err), &err, "jurisdictions");
	opt.jurisdiction = sp_jurisdictions_find(&jurs, "gb-eng-wls");
	opt.jurisdictions = &jurs;
	if (!opt.jurisdiction)
		abort();
	static struct sp_referral_types *types;
	need(sp_referral_types_shipped(&vocabulary, &types, &err), &err, "referral types");
	opt.referral_types = types;
}

/* One agency, one caseworker whose password works at once, one case of theirs. The agency
 * protects children, so the jurisdiction lets the caseworker record age assessments and
 * best-interests determinations. */
static void seed(struct sp_user *u)
{
	static const struct sp_agency agency = {.code = "CPA",
						.name = "Fuzz child protection",
						.kind = SP_AGENCY_CHILD_PROTECTION,
						.country = "ZZ"};
	static const struct sp_demo_user user = {USERNAME, "CPA", SP_ROLE_CASEWORKER};
	struct sp_err err = {0};
	need(sp_access_demo_seed(&worker.access, &agency, 1, &user, 1, PASSWORD, &err), &err,
	     "seed");
	need(sp_user_get_by_name(&worker.access, USERNAME, u, &err), &err, "user");
	struct sp_subject subject;
	sp_user_subject(u, &subject);
	struct sp_arena arena;
	sp_arena_init(&arena, 4096, 1u << 20);
	struct sp_casework cw = {.store = worker.store, .access = &worker.access, .keys = keys,
				 .keystore = worker.keystore, .audit = akeys, .subject = &subject,
				 .arena = &arena, .vocabulary = &vocabulary};
	struct sp_person p;
	struct sp_case c;
	need(sp_demo_person(1, 0, &arena, &p, &err), &err, "person");
	struct sp_case_open in = {.person = &p, .priority = SP_PRIORITY_NORMAL};
	need(sp_case_open(&cw, &in, &c, &err), &err, "case");
	sp_id_format(&c.id, case_id);
	struct sp_need nd;
	struct sp_task tk;
	const struct sp_need_new nn = {.kind = "medical"};
	const struct sp_task_new tn = {.kind = "medical_check"};
	need(sp_need_add(&cw, &c.id, &nn, &nd, &err), &err, "need");
	need(sp_task_add(&cw, &c.id, &tn, &tk, &err), &err, "task");
	sp_id_format(&nd.id, need_id);
	sp_id_format(&tk.id, task_id);
	struct sp_case_referral ref;
	const struct sp_referral_new rn = {.need = &nd.id, .type = "medical"};
	need(sp_referral_create(&cw, opt.referral_types, &c.id, &rn, &ref, &err), &err, "referral");
	sp_id_format(&ref.id, referral_id);
	sp_arena_release(&arena);
}

static void log_in(void)
{
	struct sp_err err = {0};
	struct sp_user u;
	struct sp_session s;
	need(sp_user_get_by_name(&worker.access, USERNAME, &u, &err) ||
		     sp_session_create(&worker.access, keys, &u, 3600, token, csrf, &s, &err),
	     &err, "session");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct sp_err err = {0};
	struct sp_user u;
	if (sp_init() != SP_OK || sp_codes_load(&err) != SP_OK)
		abort();
	settings();
	open_store();
	seed(&u);
	log_in();
	return 0;
}

/* ---- what an answer may be ---- */

static int plain_token(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    s[i]))
			return 0;
	return 1;
}

/* The member of body that the pointer's tokens up to the last name, NULL when it is not there;
 * each token must be plain. */
static json_t *parent_of(json_t *body, const char *pointer, int *plain)
{
	json_t *at = body;
	*plain = 1;
	const char *p = pointer;
	while (*p == '/') {
		size_t n = strcspn(p + 1, "/");
		if (!plain_token(p + 1, n)) {
			*plain = 0;
			return NULL;
		}
		if (p[1 + n] == '\0')
			return at; /* the last token: its parent is at */
		char tok[65];
		memcpy(tok, p + 1, n);
		tok[n] = '\0';
		if (json_is_array(at)) {
			char *end = NULL;
			unsigned long i = strtoul(tok, &end, 10);
			at = *end ? NULL : json_array_get(at, i);
		} else {
			at = json_object_get(at, tok);
		}
		p += 1 + n;
	}
	return *p ? NULL : at;
}

static void check_problem(const struct http_req *r, const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	json_t *doc = sp_json_parse(r->encoded, r->encoded_len, &err);
	const char *type = json_string_value(json_object_get(doc, "type"));
	if (!doc || !type || strncmp(type, "urn:safepath:problem:", 21) != 0 ||
	    json_integer_value(json_object_get(doc, "status")) != r->status)
		abort();
	json_t *body = strcmp(type, "urn:safepath:problem:malformed-json") == 0
			       ? NULL
			       : sp_json_parse((const char *)data, size, &err);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "errors"), i, e) {
		const char *pointer = json_string_value(json_object_get(e, "pointer"));
		const char *reason = json_string_value(json_object_get(e, "reason"));
		if (!pointer || !reason || !reason[0] || (pointer[0] && pointer[0] != '/'))
			abort();
		int plain;
		json_t *parent = parent_of(body, pointer, &plain);
		if (body && (!plain || !parent)) {
			fprintf(stderr, "pointer %s: %s\n", pointer, plain ? "not in the body" : "not plain");
			abort();
		}
	}
	json_decref(body);
	json_decref(doc);
}

/* A password the input changed goes back, so the next inputs find the same account. */
static void restore_password(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	json_t *j = sp_json_parse((const char *)data, size, &err);
	const char *fresh = json_string_value(json_object_get(j, "new"));
	need(!fresh || sp_user_passwd(&worker.access, USERNAME, fresh, PASSWORD, &err), &err,
	     "restore the password");
	json_decref(j);
}

/* The ETag a GET of path answers now, "" when the answer is not a 200. */
static void etag_at(const char *path, char *out, size_t n)
{
	struct http_req r;
	http_req_init(&r);
	r.opt = &opt;
	r.w = &worker;
	r.method = HTTP_GET;
	r.path = path;
	r.session_cookie = token;
	snprintf(r.client_addr, sizeof r.client_addr, "127.0.0.1");
	http_pipeline_run(&r);
	snprintf(out, n, "%s", r.status == 200 ? r.etag : "");
	http_req_free(&r);
}

/* The case's ETag as a GET answers it now: a PATCH quotes it in If-Match, so the input
 * reaches the update's decoding and the casework instead of a 428. */
static void case_etag(char *out, size_t n)
{
	char path[HTTP_PATH_MAX];
	snprintf(path, sizeof path, "/api/v1/cases/%s", case_id);
	etag_at(path, out, n);
	if (!out[0])
		abort();
}

/* The ETag of the case's need or task id as the case's list has it now ("needs" or "tasks"):
 * a PATCH of one quotes it in If-Match. An input may have taken the case from the user (a
 * case PATCH of "assigned"): the list is refused then, and "1" does (a 403 follows). */
static void item_etag(const char *list, const char *id, char *out, size_t n)
{
	char path[HTTP_PATH_MAX];
	snprintf(path, sizeof path, "/api/v1/cases/%s/%s", case_id, list);
	struct http_req r;
	http_req_init(&r);
	r.opt = &opt;
	r.w = &worker;
	r.method = HTTP_GET;
	r.path = path;
	r.session_cookie = token;
	snprintf(r.client_addr, sizeof r.client_addr, "127.0.0.1");
	http_pipeline_run(&r);
	json_t *items = r.status == 200 ? json_object_get(r.out, "items") : NULL, *item;
	size_t i;
	out[0] = '\0';
	json_array_foreach(items, i, item)
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
			snprintf(out, n, "\"%lld\"",
				 (long long)json_integer_value(json_object_get(item, "version")));
	if (!out[0])
		snprintf(out, n, "\"1\"");
	http_req_free(&r);
}

/* The seeded referral's ETag as a GET answers it now (an input may have moved it on). */
static void referral_etag(char *out, size_t n)
{
	char path[HTTP_PATH_MAX];
	snprintf(path, sizeof path, "/api/v1/referrals/%s", referral_id);
	etag_at(path, out, n);
	if (!out[0])
		snprintf(out, n, "\"1\"");
}

/* The id a route's ":id" names: the seeded need or task for their own routes, else the case. */
static const char *param_id(const struct http_route *rt)
{
	if (strncmp(rt->pattern, "/api/v1/needs/", 14) == 0)
		return need_id;
	if (strncmp(rt->pattern, "/api/v1/tasks/", 14) == 0)
		return task_id;
	if (strncmp(rt->pattern, "/api/v1/referrals/", 18) == 0)
		return referral_id;
	return case_id;
}

static void one(const struct http_route *rt, const uint8_t *data, size_t size)
{
	char path[HTTP_PATH_MAX];
	const char *param = strstr(rt->pattern, "/:id");
	if (param)
		snprintf(path, sizeof path, "%.*s/%s%s", (int)(param - rt->pattern), rt->pattern,
			 param_id(rt), param + 4);
	else
		snprintf(path, sizeof path, "%s", rt->pattern);
	struct http_req r;
	http_req_init(&r);
	r.opt = &opt;
	r.w = &worker;
	r.method = rt->method;
	r.path = path;
	r.session_cookie = token;
	r.csrf_header = csrf;
	r.content_type = "application/json";
	snprintf(r.client_addr, sizeof r.client_addr, "127.0.0.1");
	char etag[sizeof r.etag];
	if (rt->method == HTTP_PATCH && strncmp(rt->pattern, "/api/v1/cases/", 14) == 0) {
		case_etag(etag, sizeof etag);
		r.if_match = etag;
	} else if (param_id(rt) == referral_id) {
		referral_etag(etag, sizeof etag);
		r.if_match = etag;
	} else if (rt->method == HTTP_PATCH && param_id(rt) != case_id) {
		item_etag(param_id(rt) == need_id ? "needs" : "tasks", param_id(rt), etag,
			  sizeof etag);
		r.if_match = etag;
	}
	if (size > HTTP_BODY_MAX || sp_buf_add(&r.body, data, size))
		abort();
	r.body_seen = size;
	http_pipeline_run(&r);
	/* a wrong log-in is 401, but the session itself must stay alive; the failed-login and
	 * rate limits are out of reach */
	if ((r.status == 401 && rt->auth != HTTP_AUTH_NONE) || r.status == 429)
		abort();
	if (r.status >= 200 && r.status < 300) {
		if (r.is_problem)
			abort();
	} else if (r.status >= 400 && r.status < 500 && r.status != 405 && r.status != 415) {
		if (!r.is_problem || !r.encoded)
			abort();
		check_problem(&r, data, size);
	} else {
		fprintf(stderr, "%s %s: status %d\n", http_method_name(rt->method), rt->pattern,
			r.status);
		abort();
	}
	if (r.status == 204 && rt->body == &http_schema_password)
		restore_password(data, size);
	http_req_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (const struct http_route *rt = http_routes; rt->pattern; rt++)
		if (rt->body)
			one(rt, data, size);
	sp_date_release_thread_cache();
	return 0;
}
