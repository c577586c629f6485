/* Referrals (docs/referrals.md): a case's referrals (create a draft, list), the inbox of the
 * signed-in user's agency, one referral, its events (send, acknowledge, accept, decline, start,
 * complete, close, cancel; If-Match), the printable referral for a provider not on safepath
 * and a supervisor's expiry of the agency's overdue ones. Each request is one refer operation through the policy and the audit; the
 * library holds the SQL and decides what each reader sees. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/caseapproval.h"
#include "safepath/jsonw.h"
#include "safepath/referral.h"

static const struct http_field create_fields[] = {
	{"need_id", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"service_id", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"type", HTTP_F_STRING, 0, SP_REFERRAL_CODE_MAX - 1},
	{"urgency", HTTP_F_STRING, 0, SP_REFERRAL_CODE_MAX - 1},
	{"screening_id", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"suggestion", HTTP_F_INT, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_referral_create = {create_fields};

static const struct http_field event_fields[] = {
	{"event", HTTP_F_STRING, 1, 32},
	{"reason", HTTP_F_STRING, 0, SP_REFERRAL_CODE_MAX - 1},
	{"outcome", HTTP_F_STRING, 0, SP_REFERRAL_CODE_MAX - 1},
	{"feedback", HTTP_F_STRING, 0, SP_REFERRAL_FEEDBACK_MAX},
	{"manual", HTTP_F_BOOL, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_referral_event = {event_fields};

static const struct http_field incoming_fields[] = {
	{"person", HTTP_F_OBJECT, 1, 0},
	{"source", HTTP_F_STRING, 1, SP_REFERRAL_CODE_MAX - 1},
	{"need", HTTP_F_STRING, 1, SP_REFERRAL_CODE_MAX - 1},
	{"urgency", HTTP_F_STRING, 0, SP_REFERRAL_CODE_MAX - 1},
	{"flags", HTTP_F_ARRAY, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_referral_incoming = {incoming_fields};

static const struct http_field override_fields[] = {
	{"basis", HTTP_F_STRING, 1, SP_REFERRAL_CODE_MAX - 1},
	{"note", HTTP_F_STRING, 0, SP_CASEAPPR_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_referral_override = {override_fields};

static int reply(struct http_req *r, int status, const struct sp_case_referral *ref, json_t *extra)
{
	json_t *j = sp_referral_encode(ref);
	if (j && extra)
		json_object_set_new(j, "next_services", extra);
	else
		json_decref(extra);
	http_etag_version(r, ref->version);
	return http_reply_json(r, status, j);
}

/* An optional id member; 1 with a 400 when it is not one. */
static int id_member(struct http_req *r, const char *name, struct sp_id *out, bool *has)
{
	const char *s = json_string_value(json_object_get(r->json, name));
	char pointer[32];
	*has = s != NULL;
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (s && sp_id_parse(s, out) != SP_OK)
		return http_invalid(r, pointer, "is not an id");
	return 0;
}

static int created(struct http_req *r, int status, const struct sp_case_referral *ref)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&ref->id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/referrals/%s", id);
	return reply(r, status, ref, NULL);
}

int http_api_referral_create(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id, need, service, screening;
	bool has_need, has_service, has_screening;
	struct sp_case_referral ref;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	if (!r->opt->referral_types)
		return http_problem(r, 503, "unavailable", "Try again shortly",
				    "No referral types are loaded.");
	int bad = id_member(r, "need_id", &need, &has_need);
	bad |= id_member(r, "service_id", &service, &has_service);
	bad |= id_member(r, "screening_id", &screening, &has_screening);
	json_t *s = json_object_get(r->json, "suggestion");
	if (bad)
		return 1;
	if (s && !has_screening)
		return http_invalid(r, "/suggestion", "goes with a screening_id");
	const struct sp_referral_new in = {
		.need = has_need ? &need : NULL,
		.service = has_service ? &service : NULL,
		.type = json_string_value(json_object_get(r->json, "type")),
		.urgency = json_string_value(json_object_get(r->json, "urgency")),
		.screening = has_screening ? &screening : NULL,
		.suggestion = s ? (int)json_integer_value(s) : 0,
	};
	http_casework(r, &cw);
	if (sp_referral_create(&cw, r->opt->referral_types, &case_id, &in, &ref, &err))
		return http_problem_from_err(r, &err);
	return created(r, 201, &ref);
}

/* A repeated create: the referral it made, read (and audited) as a GET. */
int http_api_referral_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_referral ref;
	http_casework(r, &cw);
	if (sp_referral_get(&cw, &rec->resource, &ref, &err))
		return http_problem_from_err(r, &err);
	return created(r, rec->status, &ref);
}

/* {"box", "items", "withheld"}: a box of the agency's referrals (box NULL: a case's list,
 * only its items), written by the streaming writer (the provider's inbox is asked for often). */
static int reply_list(struct http_req *r, const struct sp_case_referral *list, size_t n,
		      const char *box, size_t withheld)
{
	struct sp_jsonw w;
	http_jsonw_begin(r, &w, 128 + 1024 * n); /* about 800 bytes a referral */
	sp_jsonw_object(&w);
	if (box) {
		sp_jsonw_key(&w, "box");
		sp_jsonw_string(&w, box);
	}
	sp_jsonw_key(&w, "items");
	sp_jsonw_array(&w);
	for (size_t i = 0; i < n; i++)
		sp_referral_write(&w, &list[i]);
	sp_jsonw_array_end(&w);
	if (box) {
		sp_jsonw_key(&w, "withheld");
		sp_jsonw_int(&w, (int64_t)withheld);
	}
	sp_jsonw_object_end(&w);
	return http_jsonw_reply(r, &w);
}

int http_api_referral_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_case_referral *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	http_casework(r, &cw);
	if (sp_referral_list(&cw, &case_id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	return reply_list(r, list, n, NULL, 0);
}

int http_api_referral_inbox(struct http_req *r)
{
	static const char *const params[] = {"box", "status", "limit", NULL};
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_referral *list;
	size_t n, withheld;
	long limit = 50;
	if (http_query_only(r, params) || http_query_limit(r, 200, &limit))
		return 1;
	const char *box = http_query(r, "box"), *st = http_query(r, "status");
	int status = st ? sp_referral_status_parse(st) : -1;
	bool incoming = !box || strcmp(box, "incoming") == 0;
	if (box && !incoming && strcmp(box, "outgoing") != 0)
		return http_invalid(r, "/box", "must be incoming or outgoing");
	if (st && status < 0)
		return http_invalid(r, "/status", "is not a referral status");
	http_casework(r, &cw);
	if (sp_referral_inbox(&cw, incoming ? SP_REFERRAL_INCOMING : SP_REFERRAL_OUTGOING, status,
			      (size_t)limit, &list, &n, &withheld, &err))
		return http_problem_from_err(r, &err);
	return reply_list(r, list, n, incoming ? "incoming" : "outgoing", withheld);
}

/* A declined referral, to its sending side: the services that could take the need now. */
static int next_services(struct http_req *r, struct sp_casework *cw,
			 const struct sp_case_referral *ref, json_t **out, struct sp_err *err)
{
	*out = NULL;
	if (ref->status != SP_REF_DECLINED || ref->view != SP_REFERRAL_VIEW_SENDER ||
	    !r->opt->referral_types)
		return SP_OK;
	return sp_referral_next_services(cw, r->opt->referral_types, ref, out, err);
}

int http_api_referral_get(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_referral ref;
	json_t *next = NULL;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_referral_get(&cw, &id, &ref, &err) || next_services(r, &cw, &ref, &next, &err))
		return http_problem_from_err(r, &err);
	return reply(r, 200, &ref, next);
}

int http_api_referral_event(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_referral ref;
	json_t *next = NULL;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const struct sp_referral_change ch = {
		.version = r->if_version,
		.event = json_string_value(json_object_get(r->json, "event")),
		.reason = json_string_value(json_object_get(r->json, "reason")),
		.outcome = json_string_value(json_object_get(r->json, "outcome")),
		.feedback = json_string_value(json_object_get(r->json, "feedback")),
		.manual = json_is_true(json_object_get(r->json, "manual")),
	};
	http_casework(r, &cw);
	if (sp_referral_change(&cw, r->opt->jurisdiction, &id, &ch, &ref, &err) ||
	    next_services(r, &cw, &ref, &next, &err))
		return http_problem_from_err(r, &err); /* a refused send names /consent */
	return reply(r, 200, &ref, next);
}

/* Ask to send a draft without the consent, on a legal basis of the deployment's
 * jurisdiction: the referral with its basis, and the approval that waits for a supervisor. */
int http_api_referral_override(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_referral ref;
	struct sp_case_approval a;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const struct sp_referral_override in = {
		.version = r->if_version,
		.basis = json_string_value(json_object_get(r->json, "basis")),
		.note = json_string_value(json_object_get(r->json, "note")),
	};
	http_casework(r, &cw);
	if (sp_referral_override(&cw, r->opt->jurisdiction, &id, &in, &ref, &a, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, ref.version);
	return http_reply_json(r, 200,
			       json_pack("{s:o, s:o}", "referral", sp_referral_encode(&ref),
					 "approval", sp_case_approval_encode(&a)));
}

int http_api_referral_print(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_referral ref;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_referral_print(&cw, &id, &ref, &err))
		return http_problem_from_err(r, &err);
	return reply(r, 200, &ref, NULL);
}

int http_api_referral_incoming(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_person p;
	struct sp_case c;
	struct sp_case_referral ref;
	if (http_query_only(r, NULL))
		return 1;
	unsigned flags = http_case_flags_decode(r);
	if (http_person_decode(r, &p))
		return 1;
	const struct sp_referral_incoming in = {
		.person = &p,
		.flags = flags,
		.source = json_string_value(json_object_get(r->json, "source")),
		.need = json_string_value(json_object_get(r->json, "need")),
		.urgency = json_string_value(json_object_get(r->json, "urgency")),
	};
	http_casework(r, &cw);
	if (sp_referral_incoming(&cw, &in, &c, &ref, &err))
		return http_problem_from_err(r, &err);
	return created(r, 201, &ref);
}

/* The agency's unanswered referrals past their due date, expired by a supervisor now. */
int http_api_referral_expire(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	size_t n = 0;
	if (http_query_only(r, NULL))
		return 1;
	http_casework(r, &cw);
	if (sp_referral_expire(&cw, sp_now_us(), &n, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, json_pack("{s:I}", "expired", (json_int_t)n));
}

/* A repeated incoming referral: the case it opened holds it, read (and audited) as a GET. */
int http_api_referral_incoming_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_referral *list;
	size_t n;
	http_casework(r, &cw);
	if (sp_referral_list(&cw, &rec->resource, &list, &n, &err))
		return http_problem_from_err(r, &err);
	for (size_t i = 0; i < n; i++)
		if (list[i].source[0])
			return created(r, rec->status, &list[i]);
	return http_problem(r, 404, "not-found", "Not found", NULL);
}
