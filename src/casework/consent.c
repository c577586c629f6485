/* Consents (owner of the consents table): per purpose, with who, when and how, and for a
 * child the child's own assent beside a guardian's or representative's consent. Records are
 * append-only; a withdrawal is a new record and the newest per purpose and scope holds. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/access.h"
#include "safepath/case.h"
#include "safepath/caseop.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/store.h"

static const char *const purpose_names[SP_PURPOSE_COUNT] = {
	[SP_PURPOSE_SERVICES] = "services",         [SP_PURPOSE_REFERRAL] = "referral",
	[SP_PURPOSE_DATA_SHARING] = "data_sharing", [SP_PURPOSE_STATISTICS] = "statistics",
	[SP_PURPOSE_TRACING] = "tracing",
};
static const char *const status_names[SP_CONSENT_STATUS_COUNT] = {
	[SP_CONSENT_GIVEN] = "given",
	[SP_CONSENT_REFUSED] = "refused",
	[SP_CONSENT_WITHDRAWN] = "withdrawn",
};
static const char *const method_names[SP_METHOD_COUNT] = {
	[SP_METHOD_VERBAL] = "verbal",
	[SP_METHOD_WRITTEN] = "written",
	[SP_METHOD_INTERPRETER] = "interpreter",
};
static const char *const by_names[SP_BY_COUNT] = {
	[SP_BY_PERSON] = "person",
	[SP_BY_GUARDIAN] = "guardian",
	[SP_BY_REPRESENTATIVE] = "representative",
};
static const char *const assent_names[SP_ASSENT_COUNT] = {
	[SP_ASSENT_NONE] = "none",
	[SP_ASSENT_GIVEN] = "given",
	[SP_ASSENT_REFUSED] = "refused",
	[SP_ASSENT_NOT_ABLE] = "not_able",
};

#define NAMES(fn, type, table, count)                                                              \
	const char *sp_##fn##_name(type v)                                                         \
	{                                                                                          \
		return sp_name_of(table, count, (int)v);                                         \
	}                                                                                          \
	int sp_##fn##_parse(const char *s)                                                         \
	{                                                                                          \
		return sp_name_index(table, count, s);                                             \
	}
NAMES(consent_purpose, enum sp_consent_purpose, purpose_names, SP_PURPOSE_COUNT)
NAMES(consent_status, enum sp_consent_status, status_names, SP_CONSENT_STATUS_COUNT)
NAMES(consent_method, enum sp_consent_method, method_names, SP_METHOD_COUNT)
NAMES(consent_by, enum sp_consent_by, by_names, SP_BY_COUNT)
NAMES(assent, enum sp_assent, assent_names, SP_ASSENT_COUNT)
#undef NAMES

int sp_consent_check(const struct sp_consent *c, struct sp_err *err)
{
	if ((int)c->purpose < 0 || c->purpose >= SP_PURPOSE_COUNT)
		return sp_err_set(err, SP_EINVAL, "/purpose", "unknown purpose");
	if ((int)c->status < 0 || c->status >= SP_CONSENT_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	if ((int)c->method < 0 || c->method >= SP_METHOD_COUNT)
		return sp_err_set(err, SP_EINVAL, "/method", "unknown method");
	if ((int)c->by < 0 || c->by >= SP_BY_COUNT)
		return sp_err_set(err, SP_EINVAL, "/by", "unknown value");
	if ((int)c->child_assent < 0 || c->child_assent >= SP_ASSENT_COUNT)
		return sp_err_set(err, SP_EINVAL, "/child_assent", "unknown value");
	bool agency = !sp_id_is_zero(&c->scope_agency);
	if (c->purpose == SP_PURPOSE_REFERRAL && !agency)
		return sp_err_set(err, SP_EINVAL, "/scope_agency", "is required for a referral");
	if (c->purpose != SP_PURPOSE_REFERRAL && agency)
		return sp_err_set(err, SP_EINVAL, "/scope_agency", "only for a referral");
	if (c->purpose == SP_PURPOSE_DATA_SHARING && !c->scope_country[0])
		return sp_err_set(err, SP_EINVAL, "/scope_country", "is required for data sharing");
	if (c->purpose != SP_PURPOSE_DATA_SHARING && c->scope_country[0])
		return sp_err_set(err, SP_EINVAL, "/scope_country", "only for data sharing");
	if (c->method == SP_METHOD_INTERPRETER && !c->interpreter_used)
		return sp_err_set(err, SP_EINVAL, "/interpreter_used",
				  "must be true when the method is interpreter");
	if (!c->interpreter_used && c->interpreter_language[0])
		return sp_err_set(err, SP_EINVAL, "/interpreter_language",
				  "only with an interpreter");
	/* A child's guardian or representative consents; the child's own view is recorded
	 * beside it, never left out (CRC art. 12). */
	if (c->by != SP_BY_PERSON && c->child_assent == SP_ASSENT_NONE)
		return sp_err_set(err, SP_EINVAL, "/child_assent",
				  "is required beside a guardian's or representative's consent");
	if (c->by == SP_BY_PERSON && c->child_assent != SP_ASSENT_NONE)
		return sp_err_set(err, SP_EINVAL, "/child_assent",
				  "only beside a guardian's or representative's consent");
	if (c->by != SP_BY_PERSON && !c->given_by_name)
		return sp_err_set(err, SP_EINVAL, "/given_by_name",
				  "is required: the name of the guardian or representative who "
				  "consents");
	if (c->by == SP_BY_PERSON && c->given_by_name)
		return sp_err_set(err, SP_EINVAL, "/given_by_name",
				  "only for a guardian's or representative's consent");
	return SP_OK;
}

int sp_consent_decode(json_t *j, struct sp_arena *a, struct sp_consent *out, struct sp_err *err)
{
	static const char *const keys[] = {"purpose",
					   "scope_agency",
					   "scope_country",
					   "status",
					   "method",
					   "interpreter_used",
					   "interpreter_language",
					   "by",
					   "given_by_name",
					   "child_assent",
					   "note",
					   NULL};
	memset(out, 0, sizeof *out);
	int rc = sp_json_only_keys(j, keys, err);
	int purpose = 0, status = 0, method = 0, by = SP_BY_PERSON, assent = SP_ASSENT_NONE;
	if (!rc)
		rc = cw_get_enum(j, "purpose", true, sp_consent_purpose_parse, "value", &purpose,
				 err);
	if (!rc)
		rc = cw_get_enum(j, "status", true, sp_consent_status_parse, "value", &status, err);
	if (!rc)
		rc = cw_get_enum(j, "method", true, sp_consent_method_parse, "value", &method, err);
	if (!rc)
		rc = cw_get_enum(j, "by", false, sp_consent_by_parse, "value", &by, err);
	if (!rc)
		rc = cw_get_enum(j, "child_assent", false, sp_assent_parse, "value", &assent, err);
	if (rc)
		return rc;
	out->purpose = (enum sp_consent_purpose)purpose;
	out->status = (enum sp_consent_status)status;
	out->method = (enum sp_consent_method)method;
	out->by = (enum sp_consent_by)by;
	out->child_assent = (enum sp_assent)assent;
	const char *s = NULL;
	rc = sp_json_get_str(j, "scope_agency", false, &s, err);
	if (rc == SP_OK && sp_id_parse(s, &out->scope_agency))
		return sp_err_set(err, SP_EINVAL, "/scope_agency", "is not an id");
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	rc = sp_json_get_str(j, "scope_country", false, &s, err);
	if (rc == SP_OK && (rc = sp_country_code(s, out->scope_country, err)))
		return cw_err_at(err, rc, "/scope_country");
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	rc = sp_json_get_bool(j, "interpreter_used", false, &out->interpreter_used, err);
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	rc = sp_json_get_str(j, "interpreter_language", false, &s, err);
	if (rc == SP_OK && (rc = sp_language_code(s, out->interpreter_language, err)))
		return cw_err_at(err, rc, "/interpreter_language");
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	if ((rc = cw_get_text(j, "note", false, SP_NOTE_MAX, a, &out->note, err)) ||
	    (rc = cw_get_text(j, "given_by_name", false, SP_PERSON_MAX_TEXT, a,
			      &out->given_by_name, err)))
		return rc;
	return sp_consent_check(out, err);
}

json_t *sp_consent_encode(const struct sp_consent *c)
{
	char id[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1], by[SP_ID_STRLEN + 1];
	sp_id_format(&c->id, id);
	sp_id_format(&c->case_id, case_id);
	sp_id_format(&c->recorded_by, by);
	char recorded[SP_TIME_STRLEN + 1];
	sp_time_format(c->recorded_us, recorded);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "id", id, "case",
			      case_id, "purpose", sp_consent_purpose_name(c->purpose), "status",
			      sp_consent_status_name(c->status), "method",
			      sp_consent_method_name(c->method), "interpreter_used",
			      c->interpreter_used, "by", sp_consent_by_name(c->by), "recorded_by",
			      by, "recorded_at", recorded);
	if (!o)
		return NULL;
	int bad = 0;
	if (!sp_id_is_zero(&c->scope_agency)) {
		char a[SP_ID_STRLEN + 1];
		sp_id_format(&c->scope_agency, a);
		bad |= json_object_set_new(o, "scope_agency", json_string(a));
	}
	if (c->scope_country[0])
		bad |= json_object_set_new(o, "scope_country", json_string(c->scope_country));
	if (c->interpreter_language[0])
		bad |= json_object_set_new(o, "interpreter_language",
					   json_string(c->interpreter_language));
	if (c->child_assent != SP_ASSENT_NONE)
		bad |= json_object_set_new(o, "child_assent",
					   json_string(sp_assent_name(c->child_assent)));
	if (c->note)
		bad |= json_object_set_new(o, "note", json_string(c->note));
	if (c->given_by_name)
		bad |= json_object_set_new(o, "given_by_name", json_string(c->given_by_name));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The giver's name against the safety block of case c's person (read here whatever the
 * subject's need-to-know: the check protects the person, and shows nothing). */
static int giver_check(struct sp_casework *cw, const struct sp_case *c,
		       const struct sp_case_act *act, const char *name, struct sp_err *err)
{
	struct sp_person p;
	bool match = false;
	int rc = cw_person_load(cw, &c->person, true, &p, err);
	if (!rc && p.has_safety)
		rc = sp_safety_avoids(&p.safety, name, cw->arena, &match, err);
	if (rc == SP_EINVAL)
		return sp_err_set(err, SP_EINVAL, "/given_by_name", "has no letters or digits");
	if (!rc && match)
		rc = cw_refuse_conflict(act, &c->id, SP_REASON_PERSON_TO_AVOID, "/given_by_name",
					"the person who gives this consent is among the people the "
					"child must be kept away from (safety information or family "
					"links): the consent of someone else is needed",
					err);
	return rc;
}

int sp_consent_giver_check_in(struct sp_caseop *op, const struct sp_consent *c,
			      struct sp_err *err)
{
	if (c->by == SP_BY_PERSON)
		return SP_OK;
	if (!c->given_by_name)
		return sp_err_set(err, SP_ECONFLICT, "/consent",
				  "the consent does not name the guardian or representative who "
				  "gave it: record it again with their name");
	return giver_check(op->cw, &op->c, op->act, c->given_by_name, err);
}

int sp_consent_record(struct sp_casework *cw, const struct sp_id *case_id,
		      const struct sp_consent *in, struct sp_consent *out, struct sp_err *err)
{
	int rc = sp_consent_check(in, err);
	if (rc)
		return rc;
	if ((rc = cw_begin(cw, err)))
		return rc;
	struct sp_consent c = *in;
	struct sp_case kase = {0};
	struct sp_buf note, giver;
	struct sp_stmt *st = NULL;
	sp_buf_init(&note, SP_SEAL_LIMIT);
	sp_buf_init(&giver, SP_SEAL_LIMIT);
	sp_id_new(&c.id);
	c.case_id = *case_id;
	c.recorded_by = *cw_actor(cw);
	c.recorded_us = sp_now_us();
	rc = cw_case_load_for(cw, CW_CONSENT_ADD, case_id, &kase, err);
	if (!rc && !sp_id_is_zero(&c.scope_agency)) {
		struct sp_agency ag; /* consent to a referral names an organisation that exists */
		rc = sp_agency_get(cw->access, &c.scope_agency, &ag, err);
		if (rc == SP_ENOTFOUND)
			rc = sp_err_set(err, SP_EINVAL, "/scope_agency", "no such agency");
	}
	if (!rc && c.given_by_name)
		rc = giver_check(cw, &kase, cw_act(CW_CONSENT_ADD), c.given_by_name, err);
	if (!rc && c.note)
		rc = cw_seal(cw, &kase.person, "consents", "note", &c.id, c.note, strlen(c.note),
			     &note, err);
	if (!rc && c.given_by_name)
		rc = cw_seal(cw, &kase.person, "consents", "given_by_name", &c.id, c.given_by_name,
			     strlen(c.given_by_name), &giver, err);
	if (!rc)
		rc = sp_store_prepare(
			cw->store,
			"INSERT INTO consents (id, case_id, purpose, scope_agency_id, "
			"scope_country, "
			"status, method, interpreter_used, interpreter_language, given_by, "
			"child_assent, recorded_by, recorded_us, note, given_by_name) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st, err);
	if (rc)
		goto out;
	int b = sp_stmt_bind_id(st, 1, &c.id);
	b |= sp_stmt_bind_id(st, 2, case_id);
	b |= sp_stmt_bind_text(st, 3, sp_consent_purpose_name(c.purpose));
	b |= sp_id_is_zero(&c.scope_agency) ? sp_stmt_bind_null(st, 4)
					    : sp_stmt_bind_id(st, 4, &c.scope_agency);
	b |= sp_stmt_bind_text(st, 5, c.scope_country[0] ? c.scope_country : NULL);
	b |= sp_stmt_bind_text(st, 6, sp_consent_status_name(c.status));
	b |= sp_stmt_bind_text(st, 7, sp_consent_method_name(c.method));
	b |= sp_stmt_bind_int64(st, 8, c.interpreter_used);
	b |= sp_stmt_bind_text(st, 9, c.interpreter_language[0] ? c.interpreter_language : NULL);
	b |= sp_stmt_bind_text(st, 10, sp_consent_by_name(c.by));
	b |= sp_stmt_bind_text(
		st, 11, c.child_assent == SP_ASSENT_NONE ? NULL : sp_assent_name(c.child_assent));
	b |= sp_stmt_bind_id(st, 12, &c.recorded_by);
	b |= sp_stmt_bind_int64(st, 13, c.recorded_us);
	b |= c.note ? sp_stmt_bind_blob(st, 14, note.data, note.len) : sp_stmt_bind_null(st, 14);
	b |= c.given_by_name ? sp_stmt_bind_blob(st, 15, giver.data, giver.len)
			     : sp_stmt_bind_null(st, 15);
	if (b) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = cw_exec_done(st, err);
	st = NULL;
	if (!rc)
		rc = cw_idem_record(cw, "consent", &c.id, case_id, err);
	if (!rc)
		rc = cw_audit(cw, CW_CONSENT_ADD, "consent", &c.id,
			      c.given_by_name ? (c.note ? "stat,safety,notes" : "stat,safety")
					      : (c.note ? "stat,notes" : "stat"),
			      err);
out:
	sp_stmt_done(st);
	sp_buf_free(&note);
	sp_buf_free(&giver);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		if (c.note)
			c.note = sp_arena_strdup(cw->arena, c.note);
		if (c.given_by_name)
			c.given_by_name = sp_arena_strdup(cw->arena, c.given_by_name);
		*out = c;
	}
	return rc;
}

static int parse_or(const char *s, int (*parse)(const char *), int absent, int *out)
{
	if (!s) {
		*out = absent;
		return absent < 0 ? -1 : 0;
	}
	*out = parse(s);
	return *out < 0 ? -1 : 0;
}

static int consent_row(struct sp_casework *cw, struct sp_stmt *st, const struct sp_case *kase,
		       struct sp_consent *c, struct sp_err *err)
{
	memset(c, 0, sizeof *c);
	c->case_id = kase->id;
	int purpose, status, method, by, assent;
	const char *country = sp_stmt_text(st, 3), *lang = sp_stmt_text(st, 7);
	if (sp_stmt_id(st, 0, &c->id) ||
	    parse_or(sp_stmt_text(st, 1), sp_consent_purpose_parse, -1, &purpose) ||
	    (!sp_stmt_is_null(st, 2) && sp_stmt_id(st, 2, &c->scope_agency)) ||
	    parse_or(sp_stmt_text(st, 4), sp_consent_status_parse, -1, &status) ||
	    parse_or(sp_stmt_text(st, 5), sp_consent_method_parse, -1, &method) ||
	    parse_or(sp_stmt_text(st, 8), sp_consent_by_parse, -1, &by) ||
	    parse_or(sp_stmt_text(st, 9), sp_assent_parse, SP_ASSENT_NONE, &assent) ||
	    sp_stmt_id(st, 10, &c->recorded_by) || (country && strlen(country) >= SP_CODE_MAX) ||
	    (lang && strlen(lang) >= SP_CODE_MAX))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed consent row");
	c->purpose = (enum sp_consent_purpose)purpose;
	c->status = (enum sp_consent_status)status;
	c->method = (enum sp_consent_method)method;
	c->by = (enum sp_consent_by)by;
	c->child_assent = (enum sp_assent)assent;
	c->interpreter_used = sp_stmt_int64(st, 6) != 0;
	snprintf(c->scope_country, sizeof c->scope_country, "%s", country ? country : "");
	snprintf(c->interpreter_language, sizeof c->interpreter_language, "%s", lang ? lang : "");
	c->recorded_us = sp_stmt_int64(st, 11);
	size_t n, len;
	int rc = SP_OK;
	if (!sp_stmt_is_null(st, 12)) {
		const void *ct = sp_stmt_blob(st, 12, &n);
		rc = cw_open(cw, &kase->person, "consents", "note", &c->id, ct, n, &c->note, &len,
			     err);
	}
	if (!rc && !sp_stmt_is_null(st, 13)) {
		const void *ct = sp_stmt_blob(st, 13, &n);
		rc = cw_open(cw, &kase->person, "consents", "given_by_name", &c->id, ct, n,
			     &c->given_by_name, &len, err);
	}
	return rc;
}

/* Every consent record of the case into the arena, oldest first (inside a transaction). */
static int load_all(struct sp_casework *cw, const struct sp_case *kase, struct sp_consent **out,
		    size_t *n, struct sp_err *err)
{
	struct sp_stmt *st;
	struct sp_consent *list = NULL;
	size_t count = 0, cap = 0;
	int rc = sp_store_prepare(
		cw->store,
		"SELECT id, purpose, scope_agency_id, scope_country, status, method, "
		"interpreter_used, interpreter_language, given_by, child_assent, recorded_by, "
		"recorded_us, note, given_by_name FROM consents WHERE case_id = ? "
		"ORDER BY recorded_us, id",
		&st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &kase->id)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	while ((rc = sp_stmt_step(st, err)) == 1) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			struct sp_consent *grown = sp_arena_alloc(cw->arena, cap * sizeof *grown);
			if (!grown) {
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
				break;
			}
			if (count)
				memcpy(grown, list, count * sizeof *list);
			list = grown;
		}
		if ((rc = consent_row(cw, st, kase, &list[count], err)))
			break;
		count++;
	}
	sp_stmt_done(st);
	if (rc == 0) {
		*out = list;
		*n = count;
	}
	return rc;
}

int sp_consent_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_consent **out,
		    size_t *n, struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case kase = {0};
	rc = cw_case_load_for(cw, CW_CONSENT_READ, case_id, &kase, err);
	if (!rc)
		rc = load_all(cw, &kase, out, n, err);
	if (!rc)
		rc = cw_audit(cw, CW_CONSENT_READ, "case", case_id, "stat,notes", err);
	rc = cw_finish(cw, rc, err);
	if (rc) {
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The newest of n records (oldest first) for purpose and scope; NULL when none. */
static const struct sp_consent *newest(const struct sp_consent *all, size_t n,
				       enum sp_consent_purpose purpose,
				       const struct sp_id *scope_agency, const char *scope_country)
{
	struct sp_id zero = {{0}};
	const struct sp_id *agency = scope_agency ? scope_agency : &zero;
	const char *country = scope_country ? scope_country : "";
	for (size_t i = n; i-- > 0;)
		if (all[i].purpose == purpose &&
		    memcmp(all[i].scope_agency.b, agency->b, SP_ID_LEN) == 0 &&
		    strcmp(all[i].scope_country, country) == 0)
			return &all[i];
	return NULL;
}

int sp_consent_current(struct sp_casework *cw, const struct sp_id *case_id,
		       enum sp_consent_purpose purpose, const struct sp_id *scope_agency,
		       const char *scope_country, struct sp_consent *out, struct sp_err *err)
{
	struct sp_consent *all;
	size_t n;
	int rc = sp_consent_list(cw, case_id, &all, &n, err);
	if (rc)
		return rc;
	const struct sp_consent *c = newest(all, n, purpose, scope_agency, scope_country);
	if (!c)
		return sp_err_set(err, SP_ENOTFOUND, "", "no consent recorded for this purpose");
	*out = *c;
	return SP_OK;
}

int sp_consent_current_in(struct sp_caseop *op, enum sp_consent_purpose purpose,
			  const struct sp_id *scope_agency, struct sp_consent *out, bool *found,
			  struct sp_err *err)
{
	struct sp_consent *all = NULL;
	size_t n = 0;
	*found = false;
	int rc = cw_caseop_allow(op, CW_CONSENT_READ, err);
	if (!rc)
		rc = load_all(op->cw, &op->c, &all, &n, err);
	const struct sp_consent *c = rc ? NULL : newest(all, n, purpose, scope_agency, NULL);
	if (c) {
		*out = *c;
		*found = true;
	}
	return rc;
}

int cw_consent_holds(struct sp_casework *cw, const struct sp_id *case_id,
		     enum sp_consent_purpose purpose, bool *out, struct sp_err *err)
{
	struct sp_stmt *st;
	*out = false;
	int rc = sp_store_prepare(cw->store,
				  "SELECT status FROM consents WHERE case_id = ? AND purpose = ? "
				  "ORDER BY recorded_us DESC, id DESC LIMIT 1",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, case_id) ||
	    sp_stmt_bind_text(st, 2, sp_consent_purpose_name(purpose)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else if ((rc = sp_stmt_step(st, err)) == 1) {
		*out = sp_consent_status_parse(sp_stmt_text(st, 0)) == SP_CONSENT_GIVEN;
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}
