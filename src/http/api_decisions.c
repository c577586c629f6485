/* A case's formal decisions (record, list, read one) and the deployment's jurisdiction as the
 * browser needs it to offer only what the signed-in user may record. Each decision request is
 * one identify operation through the policy, the jurisdiction and the audit; the library holds
 * the SQL. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/decision.h"
#include "safepath/jurisdiction.h"

static const struct http_field create_fields[] = {
	{"type", HTTP_F_STRING, 1, 32},
	{"outcome", HTTP_F_STRING, 1, SP_DECISION_OUTCOME_MAX - 1},
	{"decided_at", HTTP_F_STRING, 0, 40},
	{"grounds", HTTP_F_STRING, 1, SP_DECISION_GROUNDS_MAX},
	{"method", HTTP_F_STRING, 0, 48},
	{"benefit_of_doubt", HTTP_F_BOOL, 0, 0},
	{"assessed_age", HTTP_F_INT, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_decision_create = {create_fields};

static int created(struct http_req *r, int status, const struct sp_case_decision *d)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&d->id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/decisions/%s", id);
	return http_reply_json(r, status, sp_decision_encode(d));
}

int http_api_decision_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_case_decision d;
	struct sp_diag diag;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	json_t *grounds = json_object_get(r->json, "grounds");
	/* null is absent, as for every optional member */
	json_t *doubt = json_object_get(r->json, "benefit_of_doubt");
	json_t *age = json_object_get(r->json, "assessed_age");
	doubt = json_is_null(doubt) ? NULL : doubt;
	age = json_is_null(age) ? NULL : age;
	struct sp_decision_new in = {
		.type = json_string_value(json_object_get(r->json, "type")),
		.outcome = json_string_value(json_object_get(r->json, "outcome")),
		.decided_at = json_string_value(json_object_get(r->json, "decided_at")),
		.grounds = json_string_value(grounds),
		.grounds_len = json_string_length(grounds),
		.method = json_string_value(json_object_get(r->json, "method")),
		.benefit_of_doubt = doubt ? json_is_true(doubt) : -1,
		/* -1 is "absent" to the library: a negative age sent is refused as out of range */
		.assessed_age = !age ? -1 : json_integer_value(age) < 0 ? -2 : json_integer_value(age),
	};
	http_casework(r, &cw);
	sp_diag_init(&diag);
	int rc = sp_decision_add(&cw, r->opt->jurisdictions, r->opt->jurisdiction, &case_id, &in,
				 &d, &diag, &err);
	if (rc == SP_EINVAL && diag.n) {
		for (size_t i = 0; i < diag.n; i++)
			http_invalid(r, diag.items[i].pointer, diag.items[i].msg);
		sp_diag_free(&diag);
		return 1;
	}
	sp_diag_free(&diag);
	if (rc)
		return http_problem_from_err(r, &err);
	return created(r, 201, &d);
}

/* A repeated record: the decision it made, read (and audited) as a GET. */
int http_api_decision_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_decision d;
	http_casework(r, &cw);
	if (sp_decision_get(&cw, &rec->resource, &d, &err))
		return http_problem_from_err(r, &err);
	return created(r, rec->status, &d);
}

int http_api_decision_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_case_decision *list;
	size_t n, withheld;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	http_casework(r, &cw);
	if (sp_decision_list(&cw, &case_id, &list, &n, &withheld, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_decision_encode(&list[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200,
			       json_pack("{s:o, s:I}", "items", items, "withheld",
					 (json_int_t)withheld));
}

int http_api_decision_get(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_decision d;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_decision_get(&cw, &id, &d, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, sp_decision_encode(&d));
}

/* ---- the deployment's jurisdiction ---- */

/* Is an Accept-Language item (item up to end) refused with q=0? */
static bool zero_q(const char *item, const char *end)
{
	const char *q = strstr(item, ";q=");
	if (!q || q >= end || q[3] != '0')
		return false;
	const char *v = q + 4;
	v += strspn(v, ".0");
	v += strspn(v, " \t");
	return v == end;
}

/* The first language of an Accept-Language header ("fr-CH, fr;q=0.9, en;q=0.8") that texts
 * has, in the header's order (q-values other than 0 are not weighed); NULL when none. */
static const char *accepted(const char *header, const json_t *texts, char buf[SP_CODE_MAX])
{
	const char *p = header;
	while (p && *p) {
		p += strspn(p, " \t,");
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		const char *end = p + strcspn(p, ",");
		if (n >= 2 && n < SP_CODE_MAX && !zero_q(p, end)) {
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)(p[i] | 0x20);
			buf[n] = '\0';
			if (json_object_get(texts, buf))
				return buf;
		}
		p = end;
	}
	return NULL;
}

static json_t *names_of(unsigned mask, int count, const char *(*name)(unsigned))
{
	json_t *a = json_array();
	for (int i = 0; a && i < count; i++)
		if (mask & (1u << i))
			json_array_append_new(a, json_string(name(1u << i)));
	return a;
}

static const char *kind_name(unsigned bit)
{
	return sp_agency_kind_name((enum sp_agency_kind)__builtin_ctz(bit));
}

/* The legal bases to act without consent, in lang, and why there are none or their limits. */
static json_t *consent_of(const struct sp_jurisdiction *j, const char *lang)
{
	json_t *c = json_pack("{s:s?}", "notes",
			      j->consent_notes ? sp_jur_text(j->consent_notes, lang) : NULL);
	for (int b = 0; c && b < SP_JUR_BASIS_COUNT; b++) {
		const struct sp_jur_consent_basis *o = &j->consent[b];
		if (o->present)
			json_object_set_new(c, sp_jur_basis_name((enum sp_jur_basis)b),
					    json_pack("{s:s, s:s, s:s#, s:s?}", "basis",
						      sp_jur_text(o->basis, lang), "source",
						      o->source, "tag", &o->tag, 1, "authority",
						      o->authority));
	}
	return c;
}

int http_api_jurisdiction_get(struct http_req *r)
{
	char qbuf[SP_CODE_MAX], hbuf[SP_CODE_MAX];
	const char *lang = http_query_lang_only(r, "", qbuf);
	const struct sp_jurisdiction *j = r->opt->jurisdiction;
	if (!lang || !http_jurisdiction_loaded(r))
		return 1;
	if (!*lang)
		lang = accepted(r->accept_language, j->title, hbuf);
	json_t *decisions = json_object();
	for (int t = 0; decisions && t < SP_DECISION_TYPE_COUNT; t++) {
		const struct sp_jur_decision *d = &j->decisions[t];
		if (!d->present)
			continue;
		bool may = sp_jurisdiction_may_decide(j, (enum sp_decision_type)t, r->subject.roles,
						      (int)r->subject.agency_kind);
		json_object_set_new(decisions, sp_decision_type_name((enum sp_decision_type)t),
				    json_pack("{s:b, s:o, s:o}", "may_record", may, "roles",
					      names_of(d->roles, SP_ROLE_COUNT, sp_role_name),
					      "agency_kinds",
					      names_of(d->agency_kinds, SP_AGENCY_KIND_COUNT,
						       kind_name)));
	}
	const char *title = sp_jur_text(j->title, lang ? lang : "en");
	return http_reply_json(r, 200,
			       json_pack("{s:s, s:s, s:s, s:s?, s:s, s:o, s:o}", "id", j->id,
					 "version", j->version, "status",
					 sp_jur_status_name(j->status), "title", title, "time_zone",
					 j->time_zone, "decisions", decisions, "consent",
					 consent_of(j, lang ? lang : "en")));
}
