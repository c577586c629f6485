/* Referrals: the owner of the referrals and referral_events tables (docs/referrals.md). Each
 * operation is one transaction on the referral's case (safepath/caseop.h): the policy decides
 * on the side's action first, the state machine (referral_machine.c) on the event, then the
 * row, its event row, what the case shares with the provider (sp_caseop_share), the need it
 * serves and the audit record are written together. The person's summary (age band, sex,
 * language) and the provider's feedback are sealed under the case person's key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identify/identify.h"
#include "safepath/caseapproval.h"
#include "safepath/caseop.h"
#include "safepath/date.h"
#include "safepath/jurisdiction.h"
#include "safepath/json.h"
#include "safepath/jsonw.h"
#include "safepath/names.h"
#include "safepath/need.h"
#include "safepath/notification.h"
#include "safepath/referral.h"
#include "safepath/screening.h"
#include "safepath/service.h"
#include "safepath/store.h"

#define TABLE "referrals"

static const char *const source_names[] = {"hotline", "organisation", "self", "other"};
#define SOURCE_COUNT 4
/* What a completed referral achieved, as the provider reports it. */
static const char *const outcome_names[] = {"service_provided", "partly_provided",
					    "not_provided", "person_withdrew"};
#define OUTCOME_COUNT 4

const char *sp_referral_source_name(int source)
{
	return sp_name_of(source_names, SOURCE_COUNT, source);
}

int sp_referral_source_parse(const char *s)
{
	return sp_name_index(source_names, SOURCE_COUNT, s);
}

/* ---- what each operation asks the policy for ---- */

#define EVENT_ACTS(action)                                                                  \
	{                                                                                   \
		{action, 0, "referral.send"},     {action, 0, "referral.acknowledge"},       \
		{action, 0, "referral.accept"},   {action, 0, "referral.decline"},           \
		{action, 0, "referral.start"},    {action, 0, "referral.complete"},          \
		{action, 0, "referral.close"},    {action, 0, "referral.cancel"},            \
		{action, 0, "referral.expire"},                                               \
	}
static const struct sp_case_act sender_acts[SP_REF_EVENT_COUNT] =
	EVENT_ACTS(SP_ACT_REFERRAL_WRITE);
static const struct sp_case_act receiver_acts[SP_REF_EVENT_COUNT] =
	EVENT_ACTS(SP_ACT_REFERRAL_RESPOND);
static const struct sp_case_act act_create = {SP_ACT_REFERRAL_WRITE, 0, "referral.create"};
static const struct sp_case_act act_read = {SP_ACT_REFERRAL_READ, 0, "referral.read"};
static const struct sp_case_act act_list = {SP_ACT_REFERRAL_READ, 0, "referral.list"};
static const struct sp_case_act act_print = {SP_ACT_REFERRAL_WRITE, 0, "referral.print"};
static const struct sp_case_act act_override = {SP_ACT_REFERRAL_WRITE, 0, "referral.override"};
/* the feedback is a note: read only with that class */
static const struct sp_case_act act_notes = {SP_ACT_REFERRAL_READ, SP_FIELD(SP_FC_NOTES),
					     "referral.read"};

/* ---- rows ---- */

#define COLUMNS                                                                             \
	"id, case_id, need_id, service_id, organization_id, provider_agency_id, agency_id, "   \
	"type, urgency, status, profile, fields, reason, outcome, source, due_us, summary, "   \
	"feedback, created_by, created_us, updated_us, version, legal_basis, basis_jurisdiction, " \
	"basis_version, (SELECT kind FROM needs WHERE needs.id = referrals.need_id)"

/* The sealed columns of a row, copied into the arena. */
struct sealed {
	const void *summary, *feedback;
	size_t summary_len, feedback_len;
};

static int opt_id(struct sp_stmt *st, int col, struct sp_id *out)
{
	memset(out, 0, sizeof *out);
	return sp_stmt_is_null(st, col) ? 0 : sp_stmt_id(st, col, out);
}

static int opt_text(char *dst, size_t cap, const char *s)
{
	if (!s) {
		dst[0] = '\0';
		return 0;
	}
	return sp_text_copy(dst, cap, s);
}

static const void *blob_copy(struct sp_stmt *st, int col, struct sp_arena *a, size_t *n)
{
	*n = 0;
	if (sp_stmt_is_null(st, col))
		return NULL;
	const void *b = sp_stmt_blob(st, col, n);
	void *copy = b ? sp_arena_alloc(a, *n ? *n : 1) : NULL;
	if (copy)
		memcpy(copy, b, *n);
	return copy;
}

/* The profile's field names back into bits. */
static unsigned profile_bits(const char *profile)
{
	unsigned bits = 0;
	char name[32];
	for (const char *p = profile; *p;) {
		size_t n = strcspn(p, ",");
		if (n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			int f = sp_referral_field_parse(name);
			if (f >= 0)
				bits |= 1u << f;
		}
		p += n + (p[n] == ',');
	}
	return bits;
}

static int read_row(struct sp_stmt *st, struct sp_arena *a, struct sp_case_referral *r,
		    struct sealed *s, struct sp_err *err)
{
	memset(r, 0, sizeof *r);
	memset(s, 0, sizeof *s);
	int status = sp_referral_status_parse(sp_stmt_text(st, 9));
	if (sp_stmt_id(st, 0, &r->id) || sp_stmt_id(st, 1, &r->case_id) || opt_id(st, 2, &r->need) ||
	    opt_id(st, 3, &r->service) || opt_id(st, 4, &r->organization) ||
	    opt_id(st, 5, &r->provider_agency) || sp_stmt_id(st, 6, &r->agency) ||
	    sp_text_copy(r->type, sizeof r->type, sp_stmt_text(st, 7)) ||
	    sp_text_copy(r->urgency, sizeof r->urgency, sp_stmt_text(st, 8)) || status < 0 ||
	    sp_text_copy(r->profile, sizeof r->profile, sp_stmt_text(st, 10)) ||
	    opt_text(r->reason, sizeof r->reason, sp_stmt_text(st, 12)) ||
	    opt_text(r->outcome, sizeof r->outcome, sp_stmt_text(st, 13)) ||
	    opt_text(r->source, sizeof r->source, sp_stmt_text(st, 14)) ||
	    sp_stmt_id(st, 18, &r->created_by) ||
	    opt_text(r->legal_basis, sizeof r->legal_basis, sp_stmt_text(st, 22)) ||
	    opt_text(r->basis_jurisdiction, sizeof r->basis_jurisdiction, sp_stmt_text(st, 23)) ||
	    opt_text(r->basis_version, sizeof r->basis_version, sp_stmt_text(st, 24)) ||
	    opt_text(r->need_kind, sizeof r->need_kind, sp_stmt_text(st, 25)))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed referral row");
	r->status = (enum sp_referral_status)status;
	r->shares = profile_bits(r->profile);
	r->due_us = sp_stmt_is_null(st, 15) ? 0 : sp_stmt_int64(st, 15);
	s->summary = blob_copy(st, 16, a, &s->summary_len);
	s->feedback = blob_copy(st, 17, a, &s->feedback_len);
	r->created_us = sp_stmt_int64(st, 19);
	r->updated_us = sp_stmt_int64(st, 20);
	r->version = sp_stmt_int64(st, 21);
	return SP_OK;
}

/* The referral by id in the open transaction; SP_ENOTFOUND when there is none. */
static int load(struct sp_casework *cw, const struct sp_id *id, struct sp_case_referral *r,
		struct sealed *s, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, "SELECT " COLUMNS " FROM referrals WHERE id = ?", &st,
				  err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such referral");
	else if (rc > 0)
		rc = read_row(st, cw->arena, r, s, err);
	sp_stmt_done(st);
	return rc;
}

/* The referral by id, and the policy's word on the operation over its case. */
static int load_case(struct sp_caseop *op, const struct sp_id *id, struct sp_case_referral *r,
		     struct sealed *s, struct sp_err *err)
{
	int rc = load(op->cw, id, r, s, err);
	return rc ? rc : sp_caseop_case(op, &r->case_id, err);
}

static int bind_opt_id(struct sp_stmt *st, int i, const struct sp_id *id)
{
	return sp_id_is_zero(id) ? sp_stmt_bind_null(st, i) : sp_stmt_bind_id(st, i, id);
}

static int bind_opt_text(struct sp_stmt *st, int i, const char *s)
{
	return s[0] ? sp_stmt_bind_text(st, i, s) : sp_stmt_bind_null(st, i);
}

static int bind_opt_blob(struct sp_stmt *st, int i, const struct sp_buf *b)
{
	return b && b->len ? sp_stmt_bind_blob(st, i, b->data, b->len) : sp_stmt_bind_null(st, i);
}

/* Step a statement that writes one referral row: SP_ECONFLICT on "/version" when it wrote none
 * (the row moved on from the version the caller read). */
static int step_one(struct sp_stmt *st, struct sp_err *err)
{
	int rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the referral was changed meanwhile");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	return rc;
}

/* Insert r (was == 0) or write it over the row at version was; the sealed columns from
 * summary and feedback (NULL keeps the stored ones on an update, none on an insert). */
static int write_row(struct sp_caseop *op, const struct sp_case_referral *r, int64_t was,
		     const struct sp_buf *summary, const struct sp_buf *feedback,
		     struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	char sql[640];
	if (was)
		snprintf(sql, sizeof sql,
			 "UPDATE referrals SET status = ?, reason = ?, outcome = ?, due_us = ?, "
			 "updated_us = ?, version = ?%s%s WHERE id = ? AND version = ?",
			 summary ? ", summary = ?" : "", feedback ? ", feedback = ?" : "");
	else
		snprintf(sql, sizeof sql,
			 "INSERT INTO referrals (status, reason, outcome, due_us, updated_us, "
			 "version, summary, feedback, id, case_id, need_id, service_id, "
			 "organization_id, provider_agency_id, agency_id, type, urgency, profile, "
			 "fields, source, created_by, created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
			 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc = sp_store_prepare(op->cw->store, sql, &st, err);
	if (rc)
		return rc;
	int i = 1;
	int b = sp_stmt_bind_text(st, i++, sp_referral_status_name(r->status));
	b |= bind_opt_text(st, i++, r->reason);
	b |= bind_opt_text(st, i++, r->outcome);
	b |= r->due_us ? sp_stmt_bind_int64(st, i++, r->due_us) : sp_stmt_bind_null(st, i++);
	b |= sp_stmt_bind_int64(st, i++, r->updated_us);
	b |= sp_stmt_bind_int64(st, i++, r->version);
	if (!was || summary)
		b |= bind_opt_blob(st, i++, summary);
	if (!was || feedback)
		b |= bind_opt_blob(st, i++, feedback);
	b |= sp_stmt_bind_id(st, i++, &r->id);
	if (was) {
		b |= sp_stmt_bind_int64(st, i++, was);
	} else {
		b |= sp_stmt_bind_id(st, i++, &r->case_id);
		b |= bind_opt_id(st, i++, &r->need);
		b |= bind_opt_id(st, i++, &r->service);
		b |= bind_opt_id(st, i++, &r->organization);
		b |= bind_opt_id(st, i++, &r->provider_agency);
		b |= sp_stmt_bind_id(st, i++, &r->agency);
		b |= sp_stmt_bind_text(st, i++, r->type);
		b |= sp_stmt_bind_text(st, i++, r->urgency);
		b |= sp_stmt_bind_text(st, i++, r->profile);
		b |= sp_stmt_bind_int64(st, i++, (int64_t)sp_referral_field_classes(r->shares));
		b |= bind_opt_text(st, i++, r->source);
		b |= sp_stmt_bind_id(st, i++, &r->created_by);
		b |= sp_stmt_bind_int64(st, i++, r->created_us);
	}
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : step_one(st, err);
	sp_stmt_done(st);
	return rc;
}

static int event_insert(struct sp_caseop *op, const struct sp_case_referral *r,
			const struct sp_referral_event_row *e, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int rc = sp_store_prepare(op->cw->store,
				  "INSERT INTO referral_events (id, referral_id, event, from_status, "
				  "to_status, side, manual, actor, agency_id, at_us, reason) VALUES "
				  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &e->id);
	b |= sp_stmt_bind_id(st, 2, &r->id);
	b |= sp_stmt_bind_text(st, 3, sp_referral_event_name(e->event));
	b |= sp_stmt_bind_text(st, 4, sp_referral_status_name(e->from));
	b |= sp_stmt_bind_text(st, 5, sp_referral_status_name(e->to));
	b |= sp_stmt_bind_text(st, 6, sp_referral_side_name(e->side));
	b |= sp_stmt_bind_int64(st, 7, e->manual);
	b |= bind_opt_id(st, 8, &e->actor);
	b |= bind_opt_id(st, 9, &e->agency);
	b |= sp_stmt_bind_int64(st, 10, e->at_us);
	b |= bind_opt_text(st, 11, e->reason);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc > 0 ? sp_err_set(err, SP_EINTERNAL, "", "unexpected row") : rc;
}

static int events_load(struct sp_casework *cw, struct sp_case_referral *r, struct sp_err *err)
{
	struct sp_stmt *st;
	size_t cap = 0;
	int rc = sp_store_prepare(cw->store,
				  "SELECT id, event, from_status, to_status, side, manual, actor, "
				  "agency_id, at_us, reason FROM referral_events WHERE referral_id = ? "
				  "ORDER BY at_us, id",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &r->id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		struct sp_referral_event_row *g =
			sp_arena_grow(cw->arena, r->events, r->n_events, &cap, sizeof *g);
		if (!g) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		r->events = g;
		struct sp_referral_event_row *e = &r->events[r->n_events];
		memset(e, 0, sizeof *e);
		int ev = sp_referral_event_parse(sp_stmt_text(st, 1));
		int from = sp_referral_status_parse(sp_stmt_text(st, 2));
		int to = sp_referral_status_parse(sp_stmt_text(st, 3));
		int side = sp_referral_side_parse(sp_stmt_text(st, 4));
		if (sp_stmt_id(st, 0, &e->id) || ev < 0 || from < 0 || to < 0 || side < 0 ||
		    opt_id(st, 6, &e->actor) || opt_id(st, 7, &e->agency) ||
		    opt_text(e->reason, sizeof e->reason, sp_stmt_text(st, 9))) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed referral event row");
			break;
		}
		e->event = (enum sp_referral_event)ev;
		e->from = (enum sp_referral_status)from;
		e->to = (enum sp_referral_status)to;
		e->side = (enum sp_referral_side)side;
		e->manual = sp_stmt_int64(st, 5) != 0;
		e->at_us = sp_stmt_int64(st, 8);
		r->n_events++;
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}

/* ---- the summary: need, urgency, age band, sex, language ---- */

static const char *age_band(int youngest)
{
	return youngest < 0	 ? "unknown"
	       : youngest < 5	 ? "0_4"
	       : youngest < 12 ? "5_11"
	       : youngest < 15 ? "12_14"
	       : youngest < 18 ? "15_17"
	       : youngest < 25 ? "18_24"
	       : youngest < 60 ? "25_59"
				 : "60_plus";
}

/* The youngest age the person's date of birth allows; -1 when unknown. */
static int youngest_age(const struct sp_person *p)
{
	struct sp_date today;
	struct sp_err e = {0};
	int lo, hi;
	if (!p->has_birth || sp_date_today(&today, &e) || sp_date_age_at(&p->birth, &today, &lo,
									 &hi, &e))
		return -1;
	return lo;
}

/* The person's summary, sealed into out; *youngest their youngest possible age (-1). An
 * erased person, or one the subject may not read, is summarised as unknown. */
static int summary_seal(struct sp_caseop *op, const struct sp_case_referral *r, struct sp_buf *out,
			int *youngest, struct sp_err *err)
{
	struct sp_person p;
	bool has = false;
	*youngest = -1;
	int rc = sp_caseop_person(op, &p, &has, err);
	if (rc)
		return rc;
	if (has)
		*youngest = youngest_age(&p);
	json_t *j = json_pack("{s:s, s:s, s:s?}", "age_band", age_band(*youngest), "sex",
			      has ? sp_sex_name(p.sex) : "unknown", "language",
			      has && p.n_languages ? p.languages[0] : NULL);
	char *text = j ? sp_json_dump(j) : NULL;
	json_decref(j);
	rc = text ? sp_caseop_seal(op, TABLE, "summary", &r->id, text, strlen(text), out, err)
		  : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	sp_json_free(text);
	return rc;
}

static int summary_open(struct sp_caseop *op, struct sp_case_referral *r, const struct sealed *s,
			struct sp_err *err)
{
	const char *pt;
	size_t len;
	if (!s->summary)
		return SP_OK;
	int rc = sp_caseop_open(op, TABLE, "summary", &r->id, s->summary, s->summary_len, &pt,
				&len, err);
	if (rc == SP_ENOTFOUND) /* erased */
		return SP_OK;
	json_t *j = rc ? NULL : sp_json_parse(pt, len, err);
	if (!rc && !j)
		rc = SP_EINTERNAL;
	if (!rc && (sp_text_copy(r->age_band, sizeof r->age_band,
				 json_string_value(json_object_get(j, "age_band"))) ||
		    sp_text_copy(r->sex, sizeof r->sex, json_string_value(json_object_get(j, "sex")))))
		rc = sp_err_set(err, SP_EINTERNAL, "", "malformed referral summary");
	if (!rc)
		(void)opt_text(r->language, sizeof r->language,
			       json_string_value(json_object_get(j, "language")));
	r->has_summary = rc == SP_OK;
	json_decref(j);
	return rc;
}

static int feedback_open(struct sp_caseop *op, struct sp_case_referral *r, const struct sealed *s,
			 struct sp_err *err)
{
	size_t len;
	if (!s->feedback || !sp_caseop_may(op, &act_notes))
		return SP_OK;
	int rc = sp_caseop_open(op, TABLE, "feedback", &r->id, s->feedback, s->feedback_len,
				&r->feedback, &len, err);
	return rc == SP_ENOTFOUND ? SP_OK : rc;
}

/* The need's kind, for the summary ("" without a need). */
static int need_kind(struct sp_casework *cw, struct sp_case_referral *r, struct sp_err *err)
{
	struct sp_stmt *st;
	r->need_kind[0] = '\0';
	if (sp_id_is_zero(&r->need))
		return SP_OK;
	int rc = sp_store_prepare(cw->store, "SELECT kind FROM needs WHERE id = ?", &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &r->need))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc > 0)
		rc = opt_text(r->need_kind, sizeof r->need_kind, sp_stmt_text(st, 0))
			     ? sp_err_set(err, SP_EINTERNAL, "", "malformed need row")
			     : SP_OK;
	sp_stmt_done(st);
	return rc;
}

/* ---- the service referred to ---- */

struct service_row {
	struct sp_id organization, agency;
	char kinds[512];
	char route[32];
};

static int service_load(struct sp_casework *cw, const struct sp_id *id, struct service_row *s,
			struct sp_err *err)
{
	struct sp_stmt *st;
	memset(s, 0, sizeof *s);
	int rc = sp_store_prepare(cw->store,
				  "SELECT s.organization_id, o.agency_id, s.kinds, s.referral_route, "
				  "s.status FROM services s JOIN organizations o ON o.id = "
				  "s.organization_id WHERE s.id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_EINVAL, "/service", "no such service");
	else if (rc > 0 && (sp_stmt_id(st, 0, &s->organization) || opt_id(st, 1, &s->agency) ||
			    opt_text(s->kinds, sizeof s->kinds, sp_stmt_text(st, 2)) ||
			    opt_text(s->route, sizeof s->route, sp_stmt_text(st, 3))))
		rc = sp_err_set(err, SP_EINTERNAL, "", "malformed service row");
	else if (rc > 0 && strcmp(sp_stmt_text(st, 4), "active") != 0)
		rc = sp_err_set(err, SP_EINVAL, "/service", "is not active");
	else if (rc > 0)
		rc = SP_OK;
	sp_stmt_done(st);
	return rc;
}

/* Does the service ",a,b," offer a kind of type t? */
static bool service_fits(const struct service_row *s, const struct sp_referral_type *t)
{
	char needle[SP_REFERRAL_CODE_MAX + 2];
	for (size_t i = 0; i < t->n_kinds; i++) {
		snprintf(needle, sizeof needle, ",%s,", t->kinds[i]);
		if (strstr(s->kinds, needle))
			return true;
	}
	return false;
}

/* ---- create ---- */

/* The suggestion-th referral suggestion of a completed screening of the case: its need kind
 * and service kind into need and kind. */
static int suggestion(struct sp_caseop *op, const struct sp_id *screening, int index,
		      char need[SP_REFERRAL_CODE_MAX], char kind[SP_REFERRAL_CODE_MAX],
		      struct sp_err *err)
{
	const char *result = NULL;
	int rc = sp_screening_result_in(op, screening, &result, err);
	if (rc == SP_ENOTFOUND)
		return sp_err_set(err, SP_EINVAL, "/screening_id",
				  "is not a completed screening of this case");
	if (rc)
		return rc;
	json_t *j = sp_json_parse(result, strlen(result), err);
	json_t *s = json_array_get(json_object_get(j, "referrals"), (size_t)index);
	if (!j)
		rc = SP_EINTERNAL;
	else if (index < 0 || !s)
		rc = sp_err_set(err, SP_EINVAL, "/suggestion",
				"the screening has no referral suggestion %d", index);
	else if (sp_text_copy(need, SP_REFERRAL_CODE_MAX,
			      json_string_value(json_object_get(s, "need"))) ||
		 sp_text_copy(kind, SP_REFERRAL_CODE_MAX,
			      json_string_value(json_object_get(s, "service"))))
		rc = sp_err_set(err, SP_EINTERNAL, "", "malformed screening result");
	json_decref(j);
	return rc;
}

/* The case's need of kind made by the screening (the one completing it added); the newest
 * unmet or referred one when several. */
static int screening_need(struct sp_caseop *op, const struct sp_id *screening, const char *kind,
			  struct sp_id *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(op->cw->store,
				  "SELECT id FROM needs WHERE case_id = ? AND screening_id = ? AND "
				  "kind = ? ORDER BY created_us DESC, id DESC LIMIT 1",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &op->c.id) | sp_stmt_bind_id(st, 2, screening) |
	    sp_stmt_bind_text(st, 3, kind))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_EINVAL, "/suggestion",
				"the screening's need %s is not on the case", kind);
	else if (rc > 0)
		rc = sp_stmt_id(st, 0, out) ? sp_err_set(err, SP_EINTERNAL, "", "malformed need row")
					    : SP_OK;
	sp_stmt_done(st);
	return rc;
}

/* Fill r from in, inside the operation on the allowed case. */
static int draft(struct sp_caseop *op, const struct sp_referral_types *types,
		 const struct sp_referral_new *in, struct sp_case_referral *r, struct sp_err *err)
{
	char kind[SP_REFERRAL_CODE_MAX] = "", sneed[SP_REFERRAL_CODE_MAX] = "";
	const char *type_id = in->type;
	int rc = SP_OK;
	if (in->screening && in->need)
		return sp_err_set(err, SP_EINVAL, "/need_id",
				  "give a need or a screening's suggestion, not both");
	if (in->screening) {
		rc = suggestion(op, in->screening, in->suggestion, sneed, kind, err);
		if (!rc)
			rc = screening_need(op, in->screening, sneed, &r->need, err);
		if (!rc && !type_id) {
			const struct sp_referral_type *t = sp_referral_type_of_kind(types, kind);
			type_id = t ? t->id : NULL;
			if (!t)
				return sp_err_set(err, SP_EINVAL, "/suggestion",
						  "no referral type covers the suggested %s", kind);
		}
	} else if (in->need) {
		r->need = *in->need;
	} else {
		return sp_err_set(err, SP_EINVAL, "/need_id", "is required (or a screening's "
							      "suggestion)");
	}
	struct sp_need n;
	if (!rc)
		rc = sp_need_get_in(op, &r->need, &n, err);
	if (rc == SP_ENOTFOUND)
		return sp_err_set(err, SP_EINVAL, "/need_id", "is not a need of this case");
	if (!rc && (n.status == SP_NEED_MET || n.status == SP_NEED_NO_LONGER_NEEDED))
		return sp_err_set(err, SP_EINVAL, "/need_id", "is %s: there is nothing to refer",
				  sp_need_status_name(n.status));
	struct service_row s = {0};
	if (!rc && in->service) {
		rc = service_load(op->cw, in->service, &s, err);
		r->service = *in->service;
		r->organization = s.organization;
		r->provider_agency = s.agency;
	}
	if (rc)
		return rc;
	if (!type_id && in->service) {
		/* the type of the service's first kind that has one */
		char *save = s.kinds;
		for (char *k = save; *k && !type_id;) {
			size_t len = strcspn(k + 1, ",");
			char code[SP_REFERRAL_CODE_MAX];
			if (len && len < sizeof code) {
				memcpy(code, k + 1, len);
				code[len] = '\0';
				const struct sp_referral_type *t = sp_referral_type_of_kind(types, code);
				type_id = t ? t->id : NULL;
			}
			k += len + 1;
		}
	}
	const struct sp_referral_type *t = sp_referral_type_find(types, type_id);
	if (!t)
		return sp_err_set(err, SP_EINVAL, "/type",
				  type_id ? "is not a referral type (config/referrals.json)"
					  : "is required when the service has no referral type");
	if (in->service && !service_fits(&s, t))
		return sp_err_set(err, SP_EINVAL, "/service", "does not offer a %s service", t->id);
	const char *urgency = in->urgency ? in->urgency : "routine";
	if (sp_jur_urgency_parse(urgency) < 0)
		return sp_err_set(err, SP_EINVAL, "/urgency",
				  "must be routine, soon, urgent or immediate");
	(void)sp_text_copy(r->type, sizeof r->type, t->id);
	(void)sp_text_copy(r->urgency, sizeof r->urgency, urgency);
	r->shares = t->shares;
	size_t at = 0;
	for (int f = 0; f < SP_RF_COUNT; f++)
		if (t->shares & (1u << f))
			at += (size_t)snprintf(r->profile + at, sizeof r->profile - at, "%s%s",
					       at ? "," : "",
					       sp_referral_field_name((enum sp_referral_field)f));
	return SP_OK;
}

int sp_referral_create(struct sp_casework *cw, const struct sp_referral_types *types,
		       const struct sp_id *case_id, const struct sp_referral_new *in,
		       struct sp_case_referral *out, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_case_referral r = {0};
	struct sp_buf summary;
	int youngest;
	int rc = sp_caseop_begin(cw, &act_create, true, &op, err);
	if (rc)
		return rc;
	sp_buf_init(&summary, 4096);
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc) {
		sp_id_new(&r.id);
		r.case_id = *case_id;
		r.agency = op.c.agency;
		r.created_by = cw->subject->user;
		r.created_us = r.updated_us = sp_now_us();
		r.version = 1;
		r.status = SP_REF_DRAFT;
		rc = draft(&op, types, in, &r, err);
	}
	if (!rc)
		rc = summary_seal(&op, &r, &summary, &youngest, err);
	if (!rc)
		rc = write_row(&op, &r, 0, &summary, NULL, err);
	if (!rc)
		rc = sp_caseop_idem(&op, "referral", &r.id, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "referral", &r.id, "stat,referral", NULL, err);
	if (!rc) {
		struct sealed s = {summary.data, NULL, summary.len, 0};
		rc = summary_open(&op, &r, &s, err);
	}
	if (!rc)
		rc = need_kind(cw, &r, err);
	sp_buf_free(&summary);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = r;
	return rc;
}

/* ---- incoming ---- */

static const struct sp_case_act act_incoming = {SP_ACT_REFERRAL_WRITE, 0, "referral.incoming"};

struct incoming {
	const struct sp_referral_incoming *in;
	struct sp_case_referral r;
};

/* The need and the received referral on the case sp_case_open just wrote. */
static int incoming_then(struct sp_caseop *op, void *ctx, struct sp_err *err)
{
	struct incoming *x = ctx;
	struct sp_case_referral *r = &x->r;
	struct sp_need n;
	struct sp_buf summary;
	int youngest;
	const struct sp_need_new nn = {.kind = x->in->need, .source = SP_NEED_FROM_PERSON};
	int rc = sp_need_add_in(op, &nn, &n, err);
	if (rc == SP_EINVAL)
		return sp_err_set(err, SP_EINVAL, "/need", "%s", err->msg);
	if (rc)
		return rc;
	sp_id_new(&r->id);
	r->case_id = op->c.id;
	r->agency = op->c.agency;
	r->need = n.id;
	r->created_by = op->cw->subject->user;
	r->created_us = r->updated_us = sp_now_us();
	r->version = 1;
	r->status = SP_REF_ACCEPTED;
	(void)sp_text_copy(r->type, sizeof r->type, "incoming");
	(void)sp_text_copy(r->urgency, sizeof r->urgency, x->in->urgency ? x->in->urgency : "routine");
	(void)sp_text_copy(r->source, sizeof r->source, x->in->source);
	struct sp_referral_event_row e = {.event = SP_REF_ACCEPT, .from = SP_REF_SENT,
					  .to = SP_REF_ACCEPTED, .side = SP_REFERRAL_RECEIVER,
					  .actor = op->cw->subject->user,
					  .agency = op->cw->subject->agency, .at_us = r->created_us};
	sp_id_new(&e.id);
	sp_buf_init(&summary, 4096);
	rc = summary_seal(op, r, &summary, &youngest, err);
	if (!rc)
		rc = write_row(op, r, 0, &summary, NULL, err);
	if (!rc)
		rc = event_insert(op, r, &e, err);
	if (!rc)
		rc = sp_caseop_audit(op, "referral", &r->id, "stat,referral", x->in->source, err);
	if (!rc) {
		struct sealed s = {summary.data, NULL, summary.len, 0};
		rc = summary_open(op, r, &s, err);
	}
	if (!rc)
		(void)sp_text_copy(r->need_kind, sizeof r->need_kind, n.kind);
	sp_buf_free(&summary);
	return rc;
}

int sp_referral_incoming(struct sp_casework *cw, const struct sp_referral_incoming *in,
			 struct sp_case *case_out, struct sp_case_referral *out,
			 struct sp_err *err)
{
	if (sp_referral_source_parse(in->source) < 0)
		return sp_err_set(err, SP_EINVAL, "/source",
				  in->source ? "must be hotline, organisation, self or other"
					     : "is required");
	if (!in->need)
		return sp_err_set(err, SP_EINVAL, "/need", "is required");
	if (in->urgency && sp_jur_urgency_parse(in->urgency) < 0)
		return sp_err_set(err, SP_EINVAL, "/urgency",
				  "must be routine, soon, urgent or immediate");
	struct incoming x = {.in = in};
	const struct sp_case_open open = {.person = in->person, .priority = SP_PRIORITY_NORMAL,
					  .flags = in->flags, .then = incoming_then,
					  .then_act = &act_incoming, .then_ctx = &x};
	int rc = sp_case_open(cw, &open, case_out, err);
	if (!rc && out)
		*out = x.r;
	return rc;
}

/* ---- events ---- */

/* The consent a sending needs, checked in the open operation (docs/referrals.md). */
static int consent_holds(struct sp_caseop *op, const struct sp_case_referral *r, bool child,
			 struct sp_err *err)
{
	struct sp_consent c;
	bool found = false, on = !sp_id_is_zero(&r->provider_agency);
	int rc = sp_consent_current_in(op, on ? SP_PURPOSE_REFERRAL : SP_PURPOSE_SERVICES,
				       on ? &r->provider_agency : NULL, &c, &found, err);
	if (rc)
		return rc;
	const char *purpose = on ? "referral to the provider's agency" : "services";
	if (!found)
		return sp_err_set(err, SP_ECONFLICT, "/consent",
				  "no consent for %s is recorded: record it before sending", purpose);
	if (c.status != SP_CONSENT_GIVEN)
		return sp_err_set(err, SP_ECONFLICT, "/consent",
				  "the newest consent for %s is %s: it must be given", purpose,
				  sp_consent_status_name(c.status));
	if (child && c.by == SP_BY_PERSON)
		return sp_err_set(err, SP_ECONFLICT, "/consent",
				  "the person is a child: a guardian or representative must give "
				  "the consent, with the child's assent");
	if (child && c.child_assent != SP_ASSENT_GIVEN && c.child_assent != SP_ASSENT_NOT_ABLE)
		return sp_err_set(err, SP_ECONFLICT, "/consent",
				  "the child's assent is %s: it must be given, or recorded as "
				  "not able",
				  sp_assent_name(c.child_assent));
	/* the safety block may have changed since the consent was recorded */
	return child ? sp_consent_giver_check_in(op, &c, err) : SP_OK;
}

/* The consent a sending needs, or for a referral whose sender named a legal basis, the
 * supervisor's approval of acting without it (only for that referral: the approval's object). */
static int send_consent(struct sp_caseop *op, const struct sp_case_referral *r, bool child,
			struct sp_err *err)
{
	int rc = consent_holds(op, r, child, err);
	if (rc != SP_ECONFLICT || !r->legal_basis[0])
		return rc;
	enum sp_caseappr_status st = SP_CASEAPPR_PENDING;
	bool found = false;
	rc = sp_case_approval_latest_in(op, SP_CASEAPPR_CONSENT_OVERRIDE, &r->id, &st, &found,
					err);
	if (rc || (found && st == SP_CASEAPPR_APPROVED))
		return rc;
	return sp_err_set(err, SP_ECONFLICT, "/consent",
			  !found ? "acting without consent was not asked for: ask a supervisor"
			  : st == SP_CASEAPPR_PENDING
				  ? "acting without consent waits for a supervisor's approval"
				  : "a supervisor refused acting without consent: record the consent, "
				    "or cancel the referral");
}

/* Is the case's person a child: the case's flags, the current age assessment, or else the
 * date of birth? */
static int is_child(struct sp_caseop *op, int youngest, bool *out, struct sp_err *err)
{
	int assessed = -1;
	*out = (op->c.flags & (SP_CASE_UNACCOMPANIED_CHILD | SP_CASE_SEPARATED_CHILD)) != 0;
	int rc = *out ? SP_OK : sp_decision_current_age(op, &assessed, err);
	if (!rc && !*out)
		*out = assessed == 1 || (assessed < 0 && youngest >= 0 && youngest < 18);
	return rc;
}

/* What the fired event changes besides the status: the due date, the need, the share. */
static int follow(struct sp_caseop *op, const struct sp_jurisdiction *j, struct sp_case_referral *r,
		  enum sp_referral_event ev, struct sp_err *err)
{
	int rc = SP_OK;
	int u = sp_jur_urgency_parse(r->urgency);
	r->due_us = 0;
	if ((ev == SP_REF_SEND || ev == SP_REF_ACKNOWLEDGE) && j && j->has_referrals)
		rc = sp_jurisdiction_referral_due(j, (enum sp_jur_urgency)(u < 0 ? 0 : u),
						  ev == SP_REF_SEND ? SP_REF_STEP_ACKNOWLEDGE
								    : SP_REF_STEP_RESPOND,
						  r->updated_us, &r->due_us, err);
	bool back = ev == SP_REF_DECLINE || ev == SP_REF_EXPIRE || ev == SP_REF_CANCEL;
	if (!rc && !sp_id_is_zero(&r->need) && (ev == SP_REF_SEND || back))
		rc = sp_need_follow_in(op, &r->need, back ? SP_NEED_UNMET : SP_NEED_REFERRED, err);
	if (!rc && !sp_id_is_zero(&r->provider_agency))
		rc = sp_caseop_share(op, &r->provider_agency, &r->id,
				     sp_referral_provider_access(r->status),
				     sp_referral_field_classes(r->shares), err);
	return rc;
}

/* Which side the subject fires from, and the descriptor the policy is asked for. */
static int side_of(const struct sp_casework *cw, const struct sp_case_referral *r,
		   enum sp_referral_event ev, bool manual, enum sp_referral_side *side,
		   unsigned *roles, const struct sp_case_act **act, struct sp_err *err)
{
	const struct sp_subject *who = cw->subject;
	bool sender = memcmp(who->agency.b, r->agency.b, SP_ID_LEN) == 0;
	*roles = who->roles;
	/* anyone outside the owning agency is asked about as a provider (rule 5) */
	*side = sender ? SP_REFERRAL_SENDER : SP_REFERRAL_RECEIVER;
	*act = sender ? &sender_acts[ev] : &receiver_acts[ev];
	if (!manual)
		return SP_OK;
	if (!sender)
		return sp_err_set(err, SP_EINVAL, "/manual", "is only for the referring side");
	if (!sp_id_is_zero(&r->provider_agency))
		return sp_err_set(err, SP_EINVAL, "/manual",
				  "the provider is on safepath: it answers for itself");
	/* the caseworker records the provider's answer: the receiver's move, as the provider */
	*side = SP_REFERRAL_RECEIVER;
	*roles = SP_ROLE_PROVIDER;
	return SP_OK;
}

/* The completion's outcome and feedback; refused on any other event. */
static int check_outcome(const struct sp_referral_change *ch, enum sp_referral_event ev,
			 struct sp_err *err)
{
	bool complete = ev == SP_REF_COMPLETE;
	if (!complete && (ch->outcome || ch->feedback))
		return sp_err_set(err, SP_EINVAL, ch->outcome ? "/outcome" : "/feedback",
				  "is only for the event complete");
	if (complete && sp_name_index(outcome_names, OUTCOME_COUNT, ch->outcome) < 0)
		return sp_err_set(err, SP_EINVAL, "/outcome",
				  ch->outcome ? "must be service_provided, partly_provided, "
						"not_provided or person_withdrew"
					      : "is required to complete a referral");
	if (ch->feedback && (strlen(ch->feedback) == 0 ||
			     strlen(ch->feedback) > SP_REFERRAL_FEEDBACK_MAX))
		return sp_err_set(err, SP_EINVAL, "/feedback", "must be 1 to %d bytes",
				  SP_REFERRAL_FEEDBACK_MAX);
	return SP_OK;
}

/* Fire ev on r in the open operation (the policy has allowed its case), as side with roles;
 * writes everything the transition changes. */
static bool anonymous_type(const struct sp_case_referral *r)
{
	return strcmp(r->type, SP_REFERRAL_TYPE_DUTY_TO_NOTIFY) == 0;
}

/* What the receiving side of an anonymous report is not given: the case's and the need's
 * ids, which would let it ask about the person, and the person's language. */
static void anonymise(struct sp_case_referral *r)
{
	if (r->view != SP_REFERRAL_VIEW_RECEIVER || !anonymous_type(r))
		return;
	memset(&r->case_id, 0, sizeof r->case_id);
	memset(&r->need, 0, sizeof r->need);
	r->language[0] = '\0';
	r->shows_profile = false; /* it shares no person field: not even an empty "person" */
}

/* What waits for the receiving agency once a referral is sent: its providers' and focal
 * points' inbox (ids only; the words come from the kind). In the send's transaction. */
static int notify_received(struct sp_casework *cw, const struct sp_case_referral *r,
			   struct sp_err *err)
{
	bool anonymous = anonymous_type(r);
	const struct sp_notice n = {.kind = anonymous ? SP_NOTIFY_REPORT_RECEIVED
						      : SP_NOTIFY_REFERRAL_RECEIVED,
				    .agency = r->provider_agency,
				    .roles = SP_ROLE_PROVIDER | SP_ROLE_FOCAL_POINT,
				    .object = r->id,
				    .case_id = anonymous ? NULL : &r->case_id};
	return sp_notify(cw->store, &n, NULL, err);
}

static int transition(struct sp_caseop *op, const struct sp_jurisdiction *j,
		      struct sp_case_referral *r, enum sp_referral_event ev, enum sp_referral_side side,
		      unsigned roles, const struct sp_referral_change *ch, struct sp_err *err)
{
	struct sp_casework *cw = op->cw;
	enum sp_referral_status to = r->status;
	struct sp_buf summary, feedback;
	int youngest = -1;
	bool child = false;
	sp_buf_init(&summary, 4096);
	sp_buf_init(&feedback, (size_t)2 * SP_REFERRAL_FEEDBACK_MAX);
	int rc = sp_referral_fire(r->status, ev, side, roles, ch ? ch->reason : NULL,
				  cw->vocabulary, &to, err);
	if (!rc && ch)
		rc = check_outcome(ch, ev, err);
	if (!rc && ev == SP_REF_SEND)
		rc = summary_seal(op, r, &summary, &youngest, err);
	if (!rc && ev == SP_REF_SEND)
		rc = is_child(op, youngest, &child, err);
	if (!rc && ev == SP_REF_SEND)
		rc = send_consent(op, r, child, err);
	if (!rc && ch && ch->feedback)
		rc = sp_caseop_seal(op, TABLE, "feedback", &r->id, ch->feedback,
				    strlen(ch->feedback), &feedback, err);
	struct sp_referral_event_row e = {.event = ev, .from = r->status, .to = to, .side = side,
					  .manual = ch && ch->manual};
	int64_t was = r->version, now = sp_now_us();
	if (!rc) {
		sp_id_new(&e.id);
		if (side != SP_REFERRAL_SYSTEM) {
			e.actor = cw->subject->user;
			e.agency = cw->subject->agency;
		}
		if (ch && ch->reason)
			(void)sp_text_copy(e.reason, sizeof e.reason, ch->reason);
		r->status = to;
		r->updated_us = now > r->updated_us ? now : r->updated_us + 1;
		e.at_us = r->updated_us;
		r->version++;
		if (ev == SP_REF_DECLINE)
			(void)sp_text_copy(r->reason, sizeof r->reason, ch->reason);
		if (ev == SP_REF_COMPLETE)
			(void)sp_text_copy(r->outcome, sizeof r->outcome, ch->outcome);
		rc = follow(op, j, r, ev, err);
	}
	if (!rc)
		rc = write_row(op, r, was, ev == SP_REF_SEND ? &summary : NULL,
			       ch && ch->feedback ? &feedback : NULL, err);
	if (!rc)
		rc = event_insert(op, r, &e, err);
	if (!rc && ev == SP_REF_SEND && !sp_id_is_zero(&r->provider_agency))
		rc = notify_received(cw, r, err);
	if (!rc)
		rc = sp_caseop_audit(op, "referral", &r->id,
				     ch && ch->feedback ? "stat,referral,notes" : "stat,referral",
				     e.reason[0] ? e.reason : NULL, err);
	sp_buf_free(&summary);
	sp_buf_free(&feedback);
	return rc;
}

/* Fill what the reader may see of r in the operation: summary, feedback (the need's kind
 * comes with the row). */
static int reveal(struct sp_caseop *op, struct sp_case_referral *r, const struct sealed *s,
		  struct sp_err *err)
{
	int rc = summary_open(op, r, s, err);
	if (!rc && r->view == SP_REFERRAL_VIEW_SENDER)
		rc = feedback_open(op, r, s, err);
	return rc;
}

/* The profile's fields of the person, for an accepted provider or the printable referral:
 * the person is read (through the policy) only when the profile holds an identity field. */
static int person_for(struct sp_caseop *op, struct sp_case_referral *r, struct sp_err *err)
{
	r->shows_profile = true;
	if (!(sp_referral_field_classes(r->shares) & SP_FIELD(SP_FC_IDENTITY)))
		return SP_OK;
	return sp_caseop_person(op, &r->person, &r->has_person, err);
}

/* The provider's view of an accepted (in progress, completed) referral: its profile. */
static int accepted_profile(struct sp_caseop *op, struct sp_case_referral *r, struct sp_err *err)
{
	if (r->view != SP_REFERRAL_VIEW_RECEIVER ||
	    sp_referral_provider_access(r->status) != SP_REFERRAL_ACCEPTED)
		return SP_OK;
	return person_for(op, r, err);
}

int sp_referral_change(struct sp_casework *cw, const struct sp_jurisdiction *j,
		       const struct sp_id *id, const struct sp_referral_change *ch,
		       struct sp_case_referral *out, struct sp_err *err)
{
	int ev = ch->event ? sp_referral_event_parse(ch->event) : -1;
	if (ev < 0)
		return sp_err_set(err, SP_EINVAL, "/event",
				  ch->event ? "is not a referral event" : "is required");
	if (ev == SP_REF_EXPIRE)
		return sp_err_set(err, SP_EINVAL, "/event", "expire is the system's, at the due "
							    "date");
	struct sp_caseop op;
	struct sp_case_referral r = {0};
	struct sealed s = {0};
	enum sp_referral_side side = SP_REFERRAL_SENDER;
	unsigned roles;
	const struct sp_case_act *act = &sender_acts[ev];
	int rc = sp_caseop_begin(cw, act, true, &op, err);
	if (rc)
		return rc;
	rc = load(cw, id, &r, &s, err);
	if (!rc)
		rc = side_of(cw, &r, (enum sp_referral_event)ev, ch->manual, &side, &roles, &act,
			     err);
	if (!rc) {
		op.act = act;
		rc = sp_caseop_case(&op, &r.case_id, err);
	}
	r.view = side == SP_REFERRAL_RECEIVER && !ch->manual ? SP_REFERRAL_VIEW_RECEIVER
							     : SP_REFERRAL_VIEW_SENDER;
	/* the provider of this referral, while it gives its agency something */
	if (!rc && r.view == SP_REFERRAL_VIEW_RECEIVER &&
	    (memcmp(cw->subject->agency.b, r.provider_agency.b, SP_ID_LEN) != 0 ||
	     sp_referral_provider_access(r.status) == SP_REFERRAL_NONE))
		rc = sp_caseop_refuse(&op, SP_REASON_NO_REFERRAL,
				      "this referral gives your agency nothing to act on", err);
	if (!rc && r.version != ch->version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the referral was changed meanwhile");
	if (!rc)
		rc = transition(&op, j, &r, (enum sp_referral_event)ev, side, roles, ch, err);
	if (!rc) /* the answer to a change shows no person: GET reads (and audits) it */
		rc = reveal(&op, &r, &s, err);
	anonymise(&r);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = r;
	return rc;
}

/* ---- acting without consent ---- */

/* Does the referral go to a service of the authority's kind (the jurisdiction's duty to
 * notify)? */
static int to_authority(struct sp_caseop *op, const struct sp_case_referral *r,
			const char *authority, struct sp_err *err)
{
	struct service_row s;
	char needle[SP_REFERRAL_CODE_MAX + 2];
	int rc = sp_id_is_zero(&r->service) ? SP_OK : service_load(op->cw, &r->service, &s, err);
	snprintf(needle, sizeof needle, ",%s,", authority);
	if (!rc && (sp_id_is_zero(&r->service) || !strstr(s.kinds, needle)))
		rc = sp_err_set(err, SP_EINVAL, "/basis",
				"the report goes to the authority: a service of kind %s", authority);
	return rc;
}

/* Does basis b fit the referral and its person (a child or an adult)? */
static int basis_fits(struct sp_caseop *op, const struct sp_case_referral *r, enum sp_jur_basis b,
		      const struct sp_jurisdiction *j, struct sp_err *err)
{
	struct sp_buf summary;
	int youngest = -1;
	bool child = false;
	sp_buf_init(&summary, 4096);
	int rc = summary_seal(op, r, &summary, &youngest, err);
	sp_buf_free(&summary);
	if (!rc)
		rc = is_child(op, youngest, &child, err);
	if (rc)
		return rc;
	if (b == SP_JUR_BASIS_CHILD && !child)
		return sp_err_set(err, SP_EINVAL, "/basis",
				  "the person is not a child: an adult's referral needs their consent");
	if (b == SP_JUR_BASIS_CHILD && anonymous_type(r))
		return sp_err_set(err, SP_EINVAL, "/basis",
				  "a duty-to-notify report is for an adult: refer the child instead");
	if (b == SP_JUR_BASIS_DUTY_TO_NOTIFY && child)
		return sp_err_set(err, SP_EINVAL, "/basis",
				  "the person is a child: a child is referred without consent "
				  "(child_without_consent), not reported");
	if (b == SP_JUR_BASIS_DUTY_TO_NOTIFY && !anonymous_type(r))
		return sp_err_set(err, SP_EINVAL, "/basis",
				  "only a referral of type duty_to_notify is sent under the duty "
				  "to notify");
	return b == SP_JUR_BASIS_DUTY_TO_NOTIFY ? to_authority(op, r, j->consent[b].authority, err)
						: SP_OK;
}

/* Record the basis with the jurisdiction's id and version on r at its version. */
static int basis_write(struct sp_caseop *op, struct sp_case_referral *r, enum sp_jur_basis b,
		       const struct sp_jurisdiction *j, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int64_t was = r->version, now = sp_now_us();
	if (sp_text_copy(r->legal_basis, sizeof r->legal_basis, sp_jur_basis_name(b)) ||
	    sp_text_copy(r->basis_jurisdiction, sizeof r->basis_jurisdiction, j->id) ||
	    sp_text_copy(r->basis_version, sizeof r->basis_version, j->version))
		return sp_err_set(err, SP_EINTERNAL, "", "jurisdiction id or version too long");
	r->version++;
	r->updated_us = now > r->updated_us ? now : r->updated_us + 1;
	int rc = sp_store_prepare(op->cw->store,
				  "UPDATE referrals SET legal_basis = ?, basis_jurisdiction = ?, "
				  "basis_version = ?, updated_us = ?, version = ? WHERE id = ? AND "
				  "version = ?",
				  &st, err);
	if (rc)
		return rc;
	int bad = sp_stmt_bind_text(st, 1, r->legal_basis) |
		  sp_stmt_bind_text(st, 2, r->basis_jurisdiction) |
		  sp_stmt_bind_text(st, 3, r->basis_version) |
		  sp_stmt_bind_int64(st, 4, r->updated_us) | sp_stmt_bind_int64(st, 5, r->version) |
		  sp_stmt_bind_id(st, 6, &r->id) | sp_stmt_bind_int64(st, 7, was);
	rc = bad ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : step_one(st, err);
	sp_stmt_done(st);
	return rc;
}

int sp_referral_override(struct sp_casework *cw, const struct sp_jurisdiction *j,
			 const struct sp_id *id, const struct sp_referral_override *in,
			 struct sp_case_referral *out, struct sp_case_approval *approval,
			 struct sp_err *err)
{
	int b = in->basis ? sp_jur_basis_parse(in->basis) : -1;
	if (b < 0)
		return sp_err_set(err, SP_EINVAL, "/basis",
				  in->basis ? "must be child_without_consent or duty_to_notify"
					    : "is required");
	struct sp_caseop op;
	struct sp_case_referral r = {0};
	struct sealed s = {0};
	struct sp_case_approval a = {0};
	int rc = sp_caseop_begin(cw, &act_override, true, &op, err);
	if (rc)
		return rc;
	rc = load_case(&op, id, &r, &s, err);
	if (!rc && r.status != SP_REF_DRAFT)
		rc = sp_err_set(err, SP_ECONFLICT, "/status",
				"only a draft is sent without consent: this referral is %s",
				sp_referral_status_name(r.status));
	if (!rc && r.version != in->version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the referral was changed meanwhile");
	if (!rc && (!j || !j->consent[b].present))
		rc = sp_err_set(err, SP_ECONFLICT, "/basis",
				"the jurisdiction %s gives no legal basis to act without consent "
				"here (%s)",
				j ? j->id : "(none)", in->basis);
	if (!rc)
		rc = basis_fits(&op, &r, (enum sp_jur_basis)b, j, err);
	if (!rc)
		rc = basis_write(&op, &r, (enum sp_jur_basis)b, j, err);
	char rid[SP_ID_STRLEN + 1];
	sp_id_format(&r.id, rid);
	json_t *payload = rc ? NULL
			     : json_pack("{s:s, s:s, s:s, s:s}", "referral", rid, "basis",
					 in->basis, "jurisdiction", j->id, "jurisdiction_version",
					 j->version);
	if (!rc && !payload)
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc) {
		const struct sp_caseappr_request req = {.kind = SP_CASEAPPR_CONSENT_OVERRIDE,
							.object = &r.id,
							.reason = in->basis,
							.payload = payload,
							.note = in->note};
		rc = sp_case_approval_request_in(&op, &req, &a, err);
	}
	json_decref(payload);
	if (!rc)
		rc = sp_caseop_audit(&op, "referral", &r.id, "stat,referral", in->basis, err);
	if (!rc)
		rc = reveal(&op, &r, &s, err);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = r;
	if (!rc && approval)
		*approval = a;
	return rc;
}

/* ---- reading ---- */


/* How the subject reads r: its sending side (the owning agency), the receiving provider
 * while the referral gives it something, or nobody (SP_EDENIED no_referral). */
static int view_of(struct sp_caseop *op, struct sp_case_referral *r, struct sp_err *err)
{
	const struct sp_subject *who = op->cw->subject;
	r->view = SP_REFERRAL_VIEW_SENDER;
	if (memcmp(who->agency.b, r->agency.b, SP_ID_LEN) == 0)
		return SP_OK;
	r->view = SP_REFERRAL_VIEW_RECEIVER;
	if (!sp_id_is_zero(&r->provider_agency) &&
	    memcmp(who->agency.b, r->provider_agency.b, SP_ID_LEN) == 0 &&
	    sp_referral_provider_access(r->status) != SP_REFERRAL_NONE)
		return SP_OK;
	return sp_caseop_refuse(op, SP_REASON_NO_REFERRAL,
				"referral.read: denied: no_referral", err);
}

static const char *read_fields(const struct sp_case_referral *r)
{
	if (r->view == SP_REFERRAL_VIEW_RECEIVER)
		return r->has_person ? "referral,identity" : "referral";
	return r->feedback ? "stat,referral,notes" : "stat,referral";
}

/* One referral read in one operation under act: loaded, its case asked about, then body
 * fills what the reader sees, then the audit record naming the classes shown. */
static int read_referral(struct sp_casework *cw, const struct sp_case_act *act, bool write,
			 const struct sp_id *id,
			 int (*body)(struct sp_caseop *op, struct sp_case_referral *r,
				     const struct sealed *s, struct sp_err *err),
			 struct sp_case_referral *out, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_case_referral r = {0}; /* the analyzer cannot see load fill it */
	struct sealed s = {0};
	int rc = sp_caseop_begin(cw, act, write, &op, err);
	if (rc)
		return rc;
	rc = load_case(&op, id, &r, &s, err);
	if (!rc)
		rc = body(&op, &r, &s, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "referral", id, read_fields(&r), NULL, err);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = r;
	return rc;
}

/* GET: as the subject's side sees it, with its events. */
static int get_body(struct sp_caseop *op, struct sp_case_referral *r, const struct sealed *s,
		    struct sp_err *err)
{
	int rc = view_of(op, r, err);
	if (!rc)
		rc = reveal(op, r, s, err);
	if (!rc)
		rc = accepted_profile(op, r, err);
	if (!rc)
		rc = events_load(op->cw, r, err);
	anonymise(r);
	return rc;
}

/* The printable referral: what a provider not on safepath is given, once sent. */
static int print_body(struct sp_caseop *op, struct sp_case_referral *r, const struct sealed *s,
		      struct sp_err *err)
{
	if (!sp_id_is_zero(&r->provider_agency))
		return sp_err_set(err, SP_ECONFLICT, "", "the provider is on safepath: it reads the "
							 "referral there");
	if (r->status == SP_REF_DRAFT || sp_referral_terminal(r->status))
		return sp_err_set(err, SP_ECONFLICT, "", "a %s referral is not printed",
				  sp_referral_status_name(r->status));
	r->view = SP_REFERRAL_VIEW_RECEIVER; /* what the provider is given */
	int rc = summary_open(op, r, s, err);
	if (!rc)
		rc = person_for(op, r, err);
	anonymise(r);
	return rc;
}

int sp_referral_get(struct sp_casework *cw, const struct sp_id *id, struct sp_case_referral *out,
		    struct sp_err *err)
{
	return read_referral(cw, &act_read, false, id, get_body, out, err);
}

int sp_referral_print(struct sp_casework *cw, const struct sp_id *id, struct sp_case_referral *out,
		      struct sp_err *err)
{
	return read_referral(cw, &act_print, true, id, print_body, out, err);
}

int sp_referral_list(struct sp_casework *cw, const struct sp_id *case_id,
		     struct sp_case_referral **out, size_t *n, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int rc = sp_caseop_begin(cw, &act_list, false, &op, err);
	if (rc)
		return rc;
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc)
		rc = sp_caseop_select(&op,
				      "SELECT " COLUMNS " FROM referrals WHERE case_id = ? ORDER BY "
				      "created_us DESC, id DESC",
				      &st, err);
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		struct sp_case_referral *g = sp_arena_grow(cw->arena, *out, *n, &cap, sizeof *g);
		struct sealed s = {0};
		if (!g) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		*out = g;
		struct sp_case_referral *r = &g[*n];
		if ((rc = read_row(st, cw->arena, r, &s, err)))
			break;
		/* a provider sees only the live referrals to its own agency */
		r->view = memcmp(cw->subject->agency.b, r->agency.b, SP_ID_LEN) == 0
				  ? SP_REFERRAL_VIEW_SENDER
				  : SP_REFERRAL_VIEW_RECEIVER;
		if (r->view == SP_REFERRAL_VIEW_RECEIVER &&
		    (memcmp(cw->subject->agency.b, r->provider_agency.b, SP_ID_LEN) != 0 ||
		     sp_referral_provider_access(r->status) == SP_REFERRAL_NONE))
			continue;
		if ((rc = reveal(&op, r, &s, err)))
			break;
		(*n)++;
	}
	sp_stmt_done(st);
	if (!rc)
		rc = sp_caseop_audit(&op, "case", case_id, "stat,referral", NULL, err);
	rc = sp_caseop_finish(&op, rc, err);
	if (rc) {
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The rows of st (prepared; bound unless bind_failed) as box's side reads them, st done:
 * each row's case asked about, the ones the policy refuses (or, incoming, no longer the
 * provider's) left out and counted in *withheld, the others revealed into *out; one audit
 * record naming those shown. */
static int read_box(struct sp_caseop *op, struct sp_stmt *st, int bind_failed,
		    enum sp_referral_box box, struct sp_case_referral **out, size_t *n,
		    size_t *withheld, struct sp_err *err)
{
	struct sp_casework *cw = op->cw;
	size_t cap = 0, count = 0;
	int rc = bind_failed ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : SP_OK;
	/* read first, the statement done before each row's case is asked about */
	struct inbox_row {
		struct sp_case_referral r;
		struct sealed s;
	} *rows = NULL;
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		struct inbox_row *g = sp_arena_grow(cw->arena, rows, count, &cap, sizeof *g);
		if (!g) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		rows = g;
		if ((rc = read_row(st, cw->arena, &rows[count].r, &rows[count].s, err)))
			break;
		count++;
	}
	sp_stmt_done(st);
	struct sp_case_referral *shown = NULL;
	struct sp_id *ids = NULL, *cases = NULL;
	if (!rc && count) {
		shown = sp_arena_alloc(cw->arena, count * sizeof *shown);
		ids = sp_arena_alloc(cw->arena, count * sizeof *ids);
		cases = sp_arena_alloc(cw->arena, count * sizeof *cases);
		if (!shown || !ids || !cases)
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	for (size_t i = 0; !rc && cases && i < count; i++)
		cases[i] = rows[i].r.case_id;
	for (size_t i = 0; !rc && shown && ids && cases && i < count; i++) {
		struct sp_case_referral *r = &rows[i].r;
		/* the rows' cases read ahead, a chunk at a time: not two statements a row */
		if (i % SP_CASEOP_PREFETCH == 0 &&
		    (rc = sp_caseop_prefetch(op, cases + i, count - i, err)))
			break;
		r->view = box == SP_REFERRAL_INCOMING ? SP_REFERRAL_VIEW_RECEIVER
						      : SP_REFERRAL_VIEW_SENDER;
		int allowed = sp_caseop_case(op, &r->case_id, err);
		if (allowed == SP_EDENIED ||
		    (r->view == SP_REFERRAL_VIEW_RECEIVER &&
		     sp_referral_provider_access(r->status) == SP_REFERRAL_NONE)) {
			(*withheld)++; /* left out and counted, as a list does */
			continue;
		}
		rc = allowed ? allowed : reveal(op, r, &rows[i].s, err);
		if (!rc) {
			anonymise(r);
			ids[*n] = r->id;
			shown[(*n)++] = *r;
		}
	}
	if (!rc)
		rc = sp_caseop_audit_many(op, "referral", ids, *n, "stat,referral", err);
	if (!rc)
		*out = shown;
	return rc;
}

/* A box's read begun: nothing out yet, the limit within an audit record's objects; a section
 * of the caller's open read (the dashboard's referrals) joins it. */
static int box_begin(struct sp_casework *cw, bool section, size_t *limit,
		     struct sp_case_referral **out, size_t *n, size_t *withheld,
		     struct sp_caseop *op, struct sp_err *err)
{
	*out = NULL;
	*n = *withheld = 0;
	if (*limit == 0 || *limit > SP_AUDIT_OBJECTS_MAX)
		*limit = SP_AUDIT_OBJECTS_MAX;
	return section ? sp_caseop_begin_read_in(cw, &act_list, op, err)
		       : sp_caseop_begin(cw, &act_list, false, op, err);
}

/* A box's read finished: committed, or nothing out. */
static int box_finish(struct sp_caseop *op, int rc, struct sp_case_referral **out, size_t *n,
		      size_t *withheld, struct sp_err *err)
{
	rc = sp_caseop_finish(op, rc, err);
	if (rc) {
		*out = NULL;
		*n = *withheld = 0;
	}
	return rc;
}

int sp_referral_inbox(struct sp_casework *cw, enum sp_referral_box box, int status, size_t limit,
		      struct sp_case_referral **out, size_t *n, size_t *withheld, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	int rc = box_begin(cw, false, &limit, out, n, withheld, &op, err);
	if (rc)
		return rc;
	rc = sp_store_prepare(cw->store,
			      box == SP_REFERRAL_INCOMING
				      ? "SELECT " COLUMNS " FROM referrals WHERE provider_agency_id = ? "
					"AND status <> 'draft' AND (? IS NULL OR status = ?) ORDER BY "
					"updated_us DESC, id DESC LIMIT ?"
				      : "SELECT " COLUMNS " FROM referrals WHERE agency_id = ? AND "
					"(? IS NULL OR status = ?) ORDER BY updated_us DESC, id DESC "
					"LIMIT ?",
			      &st, err);
	const char *want = status < 0 ? NULL : sp_referral_status_name((enum sp_referral_status)status);
	if (!rc) {
		int b = sp_stmt_bind_id(st, 1, &cw->subject->agency);
		b |= want ? sp_stmt_bind_text(st, 2, want) : sp_stmt_bind_null(st, 2);
		b |= want ? sp_stmt_bind_text(st, 3, want) : sp_stmt_bind_null(st, 3);
		b |= sp_stmt_bind_int64(st, 4, (int64_t)limit);
		rc = read_box(&op, st, b, box, out, n, withheld, err);
	}
	return box_finish(&op, rc, out, n, withheld, err);
}

/* The awaiting referrals' condition and order: the partial index referrals_awaiting
 * (migration 0030) holds exactly these rows in this order, a missing due date last. */
#define AWAITING "FROM referrals WHERE agency_id = ? AND status IN ('sent', 'acknowledged')"
#define AWAITING_ORDER "ORDER BY COALESCE(due_us, 9223372036854775807), id"

int sp_referral_awaiting(struct sp_casework *cw, size_t limit, size_t *awaiting,
			 struct sp_case_referral **out, size_t *n, size_t *withheld,
			 struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	*awaiting = 0;
	int rc = box_begin(cw, true, &limit, out, n, withheld, &op, err);
	if (rc)
		return rc;
	rc = sp_store_prepare(cw->store, "SELECT COUNT(*) " AWAITING, &st, err);
	if (!rc && sp_stmt_bind_id(st, 1, &cw->subject->agency))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		*awaiting = (size_t)sp_stmt_int64(st, 0);
		rc = SP_OK;
	}
	sp_stmt_done(st);
	if (!rc && !*awaiting) /* nothing waits: nothing shown, the count audited */
		rc = sp_caseop_audit_many(&op, "referral", NULL, 0, "stat,referral", err);
	else if (!rc)
		rc = sp_store_prepare(cw->store, "SELECT " COLUMNS " " AWAITING " " AWAITING_ORDER
						 " LIMIT ?",
				      &st, err);
	if (!rc && *awaiting)
		rc = read_box(&op, st,
			      sp_stmt_bind_id(st, 1, &cw->subject->agency) |
				      sp_stmt_bind_int64(st, 2, (int64_t)limit),
			      SP_REFERRAL_OUTGOING, out, n, withheld, err);
	rc = box_finish(&op, rc, out, n, withheld, err);
	if (rc)
		*awaiting = 0;
	return rc;
}

/* ---- expiry ---- */

static int expire_one(struct sp_casework *cw, const struct sp_id *id, int64_t now_us,
		      bool *done, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_case_referral r = {0}; /* the analyzer cannot see load fill it */
	struct sealed s = {0};
	*done = false;
	int rc = sp_caseop_begin(cw, &sender_acts[SP_REF_EXPIRE], true, &op, err);
	if (rc)
		return rc;
	rc = load_case(&op, id, &r, &s, err);
	/* still due and unanswered in this transaction: another server may have moved it */
	bool due = !rc && r.due_us && r.due_us < now_us &&
		   (r.status == SP_REF_SENT || r.status == SP_REF_ACKNOWLEDGED);
	if (due)
		rc = transition(&op, NULL, &r, SP_REF_EXPIRE, SP_REFERRAL_SYSTEM, 0, NULL, err);
	rc = sp_caseop_finish(&op, rc, err);
	*done = !rc && due;
	return rc;
}

int sp_referral_expire(struct sp_casework *cw, int64_t now_us, size_t *count, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	struct sp_id *ids = NULL;
	size_t n = 0, cap = 0;
	*count = 0;
	if (!(cw->subject->roles & SP_ROLE_SUPERVISOR))
		return sp_err_set(err, SP_EDENIED, "", "only a supervisor runs the referrals' "
						       "expiry for the agency");
	int rc = sp_store_begin_read(cw->store, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "SELECT id FROM referrals WHERE agency_id = ? AND status IN "
				      "('sent', 'acknowledged') AND due_us IS NOT NULL AND due_us < ? "
				      "ORDER BY due_us, id",
				      &st, err);
	if (!rc && (sp_stmt_bind_id(st, 1, &cw->subject->agency) | sp_stmt_bind_int64(st, 2, now_us)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		struct sp_id *g = sp_arena_grow(cw->arena, ids, n, &cap, sizeof *g);
		if (!g) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		ids = g;
		rc = sp_stmt_id(st, 0, &ids[n++]) ? sp_err_set(err, SP_EINTERNAL, "", "malformed id")
						   : SP_OK;
	}
	sp_stmt_done(st);
	sp_store_rollback(cw->store); /* the read transaction: nothing written */
	for (size_t i = 0; !rc && i < n; i++) {
		bool done;
		rc = expire_one(cw, &ids[i], now_us, &done, err);
		*count += done;
	}
	return rc;
}

/* ---- escalation ---- */

/* A referral past its due date, as the escalation reads it: ids only. */
struct overdue_ref {
	struct sp_id id, case_id, agency, provider;
	char status[SP_REFERRAL_CODE_MAX];
	bool anonymous; /* a duty-to-notify report: its receiving side is told of no case */
};

/* The escalation of one overdue referral, once per state it fell overdue in: the referring
 * agency's focal points and supervisors, and the receiving agency's focal points (of an
 * anonymous report: report.overdue, about no case). */
static int escalate_one(struct sp_store *s, const struct overdue_ref *o, int64_t now_us,
			size_t *added, struct sp_err *err)
{
	char id[SP_ID_STRLEN + 1], key[SP_NOTIFICATION_DEDUPE_MAX];
	sp_id_format(&o->id, id);
	struct sp_notice n = {.kind = SP_NOTIFY_REFERRAL_OVERDUE,
			      .agency = o->agency,
			      .roles = SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR,
			      .object = o->id,
			      .case_id = &o->case_id,
			      .dedupe = key,
			      .now_us = now_us};
	bool fresh = false;
	snprintf(key, sizeof key, "referral.overdue:%s@%s:sender", id, o->status);
	int rc = sp_notify(s, &n, &fresh, err);
	*added += fresh;
	if (!rc && !sp_id_is_zero(&o->provider)) {
		n.agency = o->provider;
		n.roles = SP_ROLE_FOCAL_POINT;
		if (o->anonymous) {
			n.kind = SP_NOTIFY_REPORT_OVERDUE;
			n.case_id = NULL;
		}
		snprintf(key, sizeof key, "referral.overdue:%s@%s:receiver", id, o->status);
		fresh = false;
		rc = sp_notify(s, &n, &fresh, err);
		*added += fresh;
	}
	return rc;
}

int sp_referral_escalate(struct sp_store *s, int64_t since_us, int64_t now_us, size_t *added,
			 struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	struct overdue_ref *list = NULL;
	size_t n = 0, cap = 0;
	*added = 0;
	int rc = sp_store_begin_read(s, err);
	if (!rc)
		rc = sp_store_prepare(s,
				      "SELECT id, case_id, agency_id, provider_agency_id, status, type "
				      "FROM referrals WHERE status IN ('sent', 'acknowledged') AND due_us >= ? "
				      "AND due_us < ? ORDER BY due_us, id",
				      &st, err);
	if (!rc && (sp_stmt_bind_int64(st, 1, since_us) | sp_stmt_bind_int64(st, 2, now_us)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		rc = SP_OK;
		if (n == cap) {
			size_t want = cap ? cap * 2 : 16;
			struct overdue_ref *g = realloc(list, want * sizeof *g);
			if (!g) {
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
				break;
			}
			list = g;
			cap = want;
		}
		struct overdue_ref *o = &list[n];
		memset(o, 0, sizeof *o);
		if (sp_stmt_id(st, 0, &o->id) || sp_stmt_id(st, 1, &o->case_id) ||
		    sp_stmt_id(st, 2, &o->agency) || opt_id(st, 3, &o->provider) ||
		    sp_text_copy(o->status, sizeof o->status, sp_stmt_text(st, 4)) ||
		    !sp_stmt_text(st, 5))
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed referrals row");
		else
			n++;
		o->anonymous =
			!rc && strcmp(sp_stmt_text(st, 5), SP_REFERRAL_TYPE_DUTY_TO_NOTIFY) == 0;
	}
	sp_stmt_done(st);
	sp_store_rollback(s); /* the read transaction: nothing written */
	/* one write transaction for the lot, only when there is something to escalate */
	if (rc >= 0 && n) {
		rc = sp_store_begin_write(s, err);
		for (size_t i = 0; !rc && i < n; i++)
			rc = escalate_one(s, &list[i], now_us, added, err);
		if (!rc)
			rc = sp_store_commit(s, err);
		if (rc)
			sp_store_rollback(s);
	}
	free(list);
	return rc < 0 ? rc : SP_OK;
}

/* ---- the next services after a decline ---- */

int sp_referral_next_services(struct sp_casework *cw, const struct sp_referral_types *types,
			      const struct sp_case_referral *r, json_t **out, struct sp_err *err)
{
	struct sp_service_query q = {.need = r->need_kind[0] ? r->need_kind : NULL, .age = -1};
	char lang[SP_CODE_MAX];
	const struct sp_referral_type *t = sp_referral_type_find(types, r->type);
	json_t *all = json_array();
	*out = NULL;
	int rc = all ? sp_service_query_from_case(cw, &r->case_id, &q, lang, err)
		     : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	/* each kind of the type, the declined service left out, each service once */
	for (size_t k = 0; !rc && t && k < t->n_kinds; k++) {
		json_t *hits = NULL;
		q.kind = t->kinds[k];
		rc = sp_service_search(cw->access, cw->vocabulary, &q, &hits, err);
		size_t i;
		json_t *h;
		json_array_foreach(hits, i, h) {
			struct sp_id sid;
			const char *s = json_string_value(json_object_get(h, "id"));
			bool same = s && sp_id_parse(s, &sid) == SP_OK &&
				    memcmp(sid.b, r->service.b, SP_ID_LEN) == 0;
			bool seen = false;
			size_t x;
			json_t *o;
			json_array_foreach(all, x, o)
				seen = seen || json_equal(json_object_get(o, "id"),
							  json_object_get(h, "id"));
			if (!same && !seen)
				json_array_append(all, h);
		}
		json_decref(hits);
	}
	if (rc)
		json_decref(all);
	else
		*out = all;
	return rc;
}

/* ---- JSON ---- */

static void str_member(struct sp_jsonw *w, const char *key, const char *v)
{
	sp_jsonw_key(w, key);
	sp_jsonw_string(w, v);
}

/* A member whose value is a string or null (null for the empty string too). */
static void text_member(struct sp_jsonw *w, const char *key, const char *v)
{
	str_member(w, key, v && v[0] ? v : NULL);
}

static void id_member(struct sp_jsonw *w, const char *key, const struct sp_id *id)
{
	sp_jsonw_key(w, key);
	sp_jsonw_opt_id(w, id);
}

static void time_member(struct sp_jsonw *w, const char *key, int64_t us)
{
	sp_jsonw_key(w, key);
	sp_jsonw_opt_time(w, us);
}

/* The profile's fields of the person: from the person when read, else what the summary says
 * of sex and language. */
static void shared_person(struct sp_jsonw *w, const struct sp_case_referral *r)
{
	json_t *all = r->has_person ? sp_person_encode(&r->person, false) : NULL;
	json_t *o = json_object();
	for (int f = 0; o && f < SP_RF_COUNT; f++) {
		if (!(r->shares & (1u << f)))
			continue;
		const char *name = sp_referral_field_name((enum sp_referral_field)f);
		json_t *v = json_object_get(all, name);
		if (v)
			json_object_set(o, name, v);
		else if (f == SP_RF_SEX && r->has_summary)
			json_object_set_new(o, name, json_string(r->sex));
		else if (f == SP_RF_LANGUAGES && r->has_summary)
			json_object_set_new(o, name, r->language[0]
							     ? json_pack("[s]", r->language)
							     : json_array());
	}
	json_decref(all);
	if (o)
		sp_jsonw_value(w, o);
	else
		sp_jsonw_fail(w, SP_ENOMEM);
	json_decref(o);
}

static void events_write(struct sp_jsonw *w, const struct sp_case_referral *r)
{
	sp_jsonw_array(w);
	for (size_t i = 0; i < r->n_events; i++) {
		const struct sp_referral_event_row *e = &r->events[i];
		sp_jsonw_object(w);
		id_member(w, "actor", &e->actor);
		id_member(w, "agency_id", &e->agency);
		time_member(w, "at", e->at_us);
		str_member(w, "event", sp_referral_event_name(e->event));
		str_member(w, "from", sp_referral_status_name(e->from));
		sp_jsonw_key(w, "manual");
		sp_jsonw_bool(w, e->manual);
		text_member(w, "reason", e->reason);
		str_member(w, "side", sp_referral_side_name(e->side));
		str_member(w, "to", sp_referral_status_name(e->to));
		sp_jsonw_object_end(w);
	}
	sp_jsonw_array_end(w);
}

void sp_referral_write(struct sp_jsonw *w, const struct sp_case_referral *r)
{
	sp_jsonw_object(w); /* members in sorted order, as sp_json_dump writes them */
	id_member(w, "agency_id", &r->agency);
	id_member(w, "case_id", &r->case_id);
	time_member(w, "created_at", r->created_us);
	time_member(w, "due_at", r->due_us);
	if (r->events) {
		sp_jsonw_key(w, "events");
		events_write(w, r);
	}
	if (r->feedback)
		str_member(w, "feedback", r->feedback);
	id_member(w, "id", &r->id);
	if (r->legal_basis[0] && r->view == SP_REFERRAL_VIEW_SENDER) {
		sp_jsonw_key(w, "legal_basis");
		sp_jsonw_object(w);
		str_member(w, "basis", r->legal_basis);
		str_member(w, "jurisdiction", r->basis_jurisdiction);
		str_member(w, "version", r->basis_version);
		sp_jsonw_object_end(w);
	}
	id_member(w, "need_id", &r->need);
	sp_jsonw_key(w, "on_safepath");
	sp_jsonw_bool(w, !sp_id_is_zero(&r->provider_agency));
	id_member(w, "organization_id", &r->organization);
	text_member(w, "outcome", r->outcome);
	if (r->shows_profile) {
		sp_jsonw_key(w, "person");
		shared_person(w, r);
	}
	sp_jsonw_key(w, "profile");
	sp_jsonw_array(w);
	for (int f = 0; f < SP_RF_COUNT; f++)
		if (r->shares & (1u << f))
			sp_jsonw_string(w, sp_referral_field_name((enum sp_referral_field)f));
	sp_jsonw_array_end(w);
	id_member(w, "provider_agency_id", &r->provider_agency);
	text_member(w, "reason", r->reason);
	id_member(w, "service_id", &r->service);
	text_member(w, "source", r->source);
	str_member(w, "status", sp_referral_status_name(r->status));
	if (r->has_summary) {
		sp_jsonw_key(w, "summary");
		sp_jsonw_object(w);
		str_member(w, "age_band", r->age_band);
		text_member(w, "language", r->language);
		text_member(w, "need", r->need_kind);
		str_member(w, "sex", r->sex);
		str_member(w, "urgency", r->urgency);
		sp_jsonw_object_end(w);
	}
	str_member(w, "type", r->type);
	time_member(w, "updated_at", r->updated_us);
	str_member(w, "urgency", r->urgency);
	sp_jsonw_key(w, "version");
	sp_jsonw_int(w, (int64_t)r->version);
	str_member(w, "view", r->view == SP_REFERRAL_VIEW_RECEIVER ? "receiver" : "sender");
	sp_jsonw_object_end(w);
}

static void referral_write(struct sp_jsonw *w, const void *r)
{
	sp_referral_write(w, r);
}

json_t *sp_referral_encode(const struct sp_case_referral *r)
{
	return sp_jsonw_read(referral_write, r);
}
