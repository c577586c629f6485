/* Decisions: the owner of the decisions table. A decision is recorded once, in one
 * transaction on its case (safepath/caseop.h): the policy decides on the type's field class,
 * the deployment's jurisdiction on who records the type, the details are sealed under the
 * person's key and the audit record is written in the same transaction. Nothing updates or
 * deletes a row: the case's current decision of a type is the latest decided, then recorded. */
#include <stdio.h>
#include <string.h>

#include "identify/identify.h"
#include "safepath/caseevent.h"
#include "safepath/caseop.h"
#include "safepath/decision.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/store.h"

#define TABLE "decisions"
#define COLUMN "details"

static const enum sp_field_class type_class[SP_DECISION_TYPE_COUNT] = {
	[SP_DECISION_AGE_ASSESSMENT] = SP_FC_IDENTITY,
	[SP_DECISION_REASONABLE_GROUNDS] = SP_FC_TRAFFICKING,
	[SP_DECISION_CONCLUSIVE_GROUNDS] = SP_FC_TRAFFICKING,
	[SP_DECISION_BEST_INTERESTS] = SP_FC_NOTES,
};

enum sp_field_class sp_decision_class(enum sp_decision_type t)
{
	return (unsigned)t < SP_DECISION_TYPE_COUNT ? type_class[t] : SP_FC_NOTES;
}

/* A write asks for stat and the type's class, all or nothing. A read asks for the class alone:
 * the policy lets a read through with some requested classes dropped, and a decision is
 * shown whole or not at all. */
#define WRITE_FIELDS(c) (SP_FIELD(SP_FC_STAT) | SP_FIELD(c))
#define READ_FIELDS(c) SP_FIELD(c)
#define ACTS(verb, action, fields)                                                      \
	{                                                                               \
		{action, fields(SP_FC_IDENTITY), "decision." verb},                     \
		{action, fields(SP_FC_TRAFFICKING), "decision." verb},                  \
		{action, fields(SP_FC_TRAFFICKING), "decision." verb},                  \
		{action, fields(SP_FC_NOTES), "decision." verb},                        \
	}
static const struct sp_case_act record_acts[SP_DECISION_TYPE_COUNT] =
	ACTS("record", SP_ACT_DECISION_WRITE, WRITE_FIELDS);
static const struct sp_case_act read_acts[SP_DECISION_TYPE_COUNT] =
	ACTS("read", SP_ACT_DECISION_READ, READ_FIELDS);
static const struct sp_case_act act_list = {SP_ACT_DECISION_READ, SP_FIELD(SP_FC_STAT),
					    "decision.list"};

/* The audit record's field classes, as the policy names them. */
static const char *field_names(enum sp_decision_type t)
{
	return t == SP_DECISION_AGE_ASSESSMENT	 ? "stat,identity"
	       : t == SP_DECISION_BEST_INTERESTS ? "stat,notes"
						 : "stat,trafficking";
}

/* ---- who records a type, in words ---- */

static const char *const type_words[SP_DECISION_TYPE_COUNT] = {
	[SP_DECISION_AGE_ASSESSMENT] = "age assessments",
	[SP_DECISION_REASONABLE_GROUNDS] = "reasonable-grounds decisions",
	[SP_DECISION_CONCLUSIVE_GROUNDS] = "conclusive-grounds decisions",
	[SP_DECISION_BEST_INTERESTS] = "best-interests determinations",
};

/* Append s to out (n bytes) with '_' read as a space. */
static void append_words(char *out, size_t n, const char *s)
{
	size_t len = strlen(out);
	for (; *s && len + 1 < n; s++)
		out[len++] = *s;
	for (char *u = out; (u = strchr(u, '_')); u++)
		*u = ' ';
	out[len] = '\0';
}

void sp_decision_recorders(const struct sp_jurisdiction *j, enum sp_decision_type t, char *out,
			   size_t n)
{
	if (!n)
		return;
	out[0] = '\0';
	const struct sp_jur_decision *d = &j->decisions[t];
	int seen = 0;
	for (unsigned bit = 0; bit < SP_ROLE_COUNT; bit++)
		if (d->roles & (1u << bit)) {
			append_words(out, n, seen++ ? " or " : "");
			append_words(out, n, sp_role_name(1u << bit));
		}
	seen = 0;
	for (int k = 0; k < SP_AGENCY_KIND_COUNT; k++)
		if (d->agency_kinds & (1u << k)) {
			const char *name = sp_agency_kind_name((enum sp_agency_kind)k);
			append_words(out, n,
				     seen++ ? " or "
				     : strchr("aeiou", name[0]) ? " at an "
								 : " at a ");
			append_words(out, n, name);
		}
	if (seen)
		append_words(out, n, " agency");
}

/* ---- checking what is asked ---- */

/* A decision asked for, checked: its type and instant. */
struct checked {
	enum sp_decision_type type;
	int64_t decided_us;
};

static bool vocab_has(const struct sp_casework *cw, const char *list, const char *code)
{
	return cw->vocabulary && code && cw->vocabulary->has(cw->vocabulary->ctx, list, code);
}

static void check_outcome(const struct sp_casework *cw, enum sp_decision_type t,
			  const char *outcome, struct sp_diag *d)
{
	bool ok;
	if (!outcome) {
		sp_diag_add(d, "/outcome", "is required");
		return;
	}
	if (t == SP_DECISION_AGE_ASSESSMENT)
		ok = strcmp(outcome, "child") == 0 || strcmp(outcome, "adult") == 0;
	else if (t == SP_DECISION_BEST_INTERESTS)
		ok = vocab_has(cw, "best_interests_outcomes", outcome);
	else
		ok = strcmp(outcome, "positive") == 0 || strcmp(outcome, "negative") == 0;
	if (!ok)
		sp_diag_add(d, "/outcome", "%s",
			    t == SP_DECISION_AGE_ASSESSMENT   ? "must be child or adult"
			    : t == SP_DECISION_BEST_INTERESTS ? "unknown best_interests_outcomes code"
							      : "must be positive or negative");
}

/* An age assessment's own members; other types must leave them out. */
static void check_age(const struct sp_casework *cw, const struct sp_decision_new *in,
		      bool age, struct sp_diag *d)
{
	if (!age) {
		static const char *const only = "is only for an age assessment";
		if (in->method)
			sp_diag_add(d, "/method", "%s", only);
		if (in->benefit_of_doubt >= 0)
			sp_diag_add(d, "/benefit_of_doubt", "%s", only);
		if (in->assessed_age >= 0)
			sp_diag_add(d, "/assessed_age", "%s", only);
		return;
	}
	bool child = in->outcome && strcmp(in->outcome, "child") == 0;
	bool adult = in->outcome && strcmp(in->outcome, "adult") == 0;
	if (!in->method)
		sp_diag_add(d, "/method", "is required for an age assessment");
	else if (!vocab_has(cw, "age_methods", in->method))
		sp_diag_add(d, "/method", "unknown age_methods code");
	if (in->benefit_of_doubt < 0)
		sp_diag_add(d, "/benefit_of_doubt", "is required for an age assessment");
	else if (in->benefit_of_doubt && !child)
		sp_diag_add(d, "/benefit_of_doubt", "can only be given with the outcome child");
	if (in->assessed_age == -1)
		return;
	if (in->assessed_age < 0 || in->assessed_age > SP_DECISION_AGE_MAX)
		sp_diag_add(d, "/assessed_age", "must be between 0 and %d", SP_DECISION_AGE_MAX);
	else if (child && in->assessed_age >= 18)
		sp_diag_add(d, "/assessed_age", "must be under 18 for the outcome child");
	else if (adult && in->assessed_age < 18)
		sp_diag_add(d, "/assessed_age", "must be 18 or more for the outcome adult");
}

static void check_grounds(const struct sp_decision_new *in, struct sp_diag *d)
{
	if (!in->grounds || in->grounds_len == 0) {
		sp_diag_add(d, "/grounds", "is required");
		return;
	}
	if (in->grounds_len > SP_DECISION_GROUNDS_MAX) {
		sp_diag_add(d, "/grounds", "is longer than %d bytes", SP_DECISION_GROUNDS_MAX);
		return;
	}
	json_t *s = memchr(in->grounds, '\0', in->grounds_len)
			    ? NULL
			    : json_stringn(in->grounds, in->grounds_len); /* checks the UTF-8 */
	if (!s)
		sp_diag_add(d, "/grounds", "must be UTF-8 text without NUL");
	json_decref(s);
}

static void check_time(const char *at, int64_t now, int64_t *out, struct sp_diag *d)
{
	*out = now;
	if (!at)
		return;
	if (sp_time_parse(at, out))
		sp_diag_add(d, "/decided_at",
			    "must be an RFC 3339 instant in UTC from 1970 on (2026-03-01T10:00:00Z)");
	else if (*out > now + SP_DECISION_FUTURE_SLACK_US)
		sp_diag_add(d, "/decided_at", "is in the future");
}

/* Every field of in; SP_EINVAL with err naming the first bad one, each in diag. */
static int check(const struct sp_casework *cw, const struct sp_decision_new *in,
		 struct checked *out, struct sp_diag *diag, struct sp_err *err)
{
	size_t before = diag->n;
	bool typed = in->type && !sp_decision_type_parse(in->type, &out->type);
	if (!typed)
		sp_diag_add(diag, "/type",
			    in->type ? "must be age_assessment, reasonable_grounds, "
				       "conclusive_grounds or best_interests"
				     : "is required");
	if (typed)
		check_outcome(cw, out->type, in->outcome, diag);
	if (typed)
		check_age(cw, in, out->type == SP_DECISION_AGE_ASSESSMENT, diag);
	check_grounds(in, diag);
	check_time(in->decided_at, sp_now_us(), &out->decided_us, diag);
	if (diag->n == before)
		return SP_OK;
	return sp_err_set(err, SP_EINVAL, diag->items[before].pointer, "%s",
			  diag->items[before].msg);
}

/* ---- rows ---- */

#define COLUMNS                                                                        \
	"id, case_id, type, outcome, decided_us, jurisdiction_id, jurisdiction_version, " \
	"recorded_by, agency_id, recorded_us, version, details"
#define LATEST " ORDER BY decided_us DESC, recorded_us DESC, id DESC"

/* A row into d; its sealed details copied into the arena (*ct, *n). */
static int read_row(struct sp_stmt *st, struct sp_arena *a, struct sp_case_decision *d,
		    const void **ct, size_t *n, struct sp_err *err)
{
	memset(d, 0, sizeof *d);
	d->benefit_of_doubt = d->assessed_age = -1;
	const char *type = sp_stmt_text(st, 2);
	if (sp_stmt_id(st, 0, &d->id) || sp_stmt_id(st, 1, &d->case_id) || !type ||
	    sp_decision_type_parse(type, &d->type) ||
	    sp_text_copy(d->outcome, sizeof d->outcome, sp_stmt_text(st, 3)) ||
	    sp_text_copy(d->jurisdiction_id, sizeof d->jurisdiction_id, sp_stmt_text(st, 5)) ||
	    sp_text_copy(d->jurisdiction_version, sizeof d->jurisdiction_version,
		      sp_stmt_text(st, 6)) ||
	    sp_stmt_id(st, 7, &d->recorded_by) || sp_stmt_id(st, 8, &d->agency))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed decision row");
	d->decided_us = sp_stmt_int64(st, 4);
	d->recorded_us = sp_stmt_int64(st, 9);
	d->version = sp_stmt_int64(st, 10);
	const void *b = sp_stmt_blob(st, 11, n);
	void *copy = b ? sp_arena_alloc(a, *n ? *n : 1) : NULL;
	if (!copy)
		return sp_err_set(err, b ? SP_ENOMEM : SP_EINTERNAL, "",
				  b ? "out of memory" : "decision without details");
	memcpy(copy, b, *n);
	*ct = copy;
	return SP_OK;
}

/* The latest decision of type t on the case decided at or before `until`, by (decided,
 * recorded, id): its id and outcome; *found false when there is none. */
static int latest(struct sp_store *s, const struct sp_id *case_id, enum sp_decision_type t,
		  int64_t until, struct sp_id *id, char outcome[SP_DECISION_OUTCOME_MAX],
		  bool *found, struct sp_err *err)
{
	struct sp_stmt *st;
	*found = false;
	int rc = sp_store_prepare(s,
				  "SELECT id, outcome FROM decisions WHERE case_id = ? AND type = ? "
				  "AND decided_us <= ?" LATEST " LIMIT 1",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, case_id) | sp_stmt_bind_text(st, 2, sp_decision_type_name(t)) |
	    sp_stmt_bind_int64(st, 3, until))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc > 0) {
		rc = sp_stmt_id(st, 0, id) ||
				     sp_text_copy(outcome, SP_DECISION_OUTCOME_MAX, sp_stmt_text(st, 1))
			     ? sp_err_set(err, SP_EINTERNAL, "", "malformed decision row")
			     : SP_OK;
		*found = rc == SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}

/* Is d the case's current decision of its type? */
static int set_current(struct sp_store *s, struct sp_case_decision *d, struct sp_err *err)
{
	struct sp_id id;
	char outcome[SP_DECISION_OUTCOME_MAX];
	bool found;
	int rc = latest(s, &d->case_id, d->type, INT64_MAX, &id, outcome, &found, err);
	d->current = !rc && found && memcmp(id.b, d->id.b, SP_ID_LEN) == 0;
	return rc;
}

int sp_decision_current_age(struct sp_caseop *op, int *out, struct sp_err *err)
{
	struct sp_id id;
	char outcome[SP_DECISION_OUTCOME_MAX];
	bool found;
	*out = -1;
	int rc = latest(op->cw->store, &op->c.id, SP_DECISION_AGE_ASSESSMENT, INT64_MAX, &id,
			outcome, &found, err);
	if (!rc && found)
		*out = strcmp(outcome, "child") == 0;
	return rc;
}

/* The recorder's user name ("" when the user is gone). */
static int recorder_name(struct sp_casework *cw, struct sp_case_decision *d, struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get(cw->access, &d->recorded_by, &u, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	if (!rc)
		snprintf(d->recorded_by_name, sizeof d->recorded_by_name, "%s", u.username);
	return rc;
}

/* ---- the sealed details ---- */

static json_t *details_json(const struct sp_decision_new *in)
{
	json_t *j = json_pack("{s:s%}", "grounds", in->grounds, in->grounds_len);
	int bad = !j;
	if (j && in->method)
		bad |= json_object_set_new(j, "method", json_string(in->method));
	if (j && in->benefit_of_doubt >= 0)
		bad |= json_object_set_new(j, "benefit_of_doubt",
					   json_boolean(in->benefit_of_doubt));
	if (j && in->assessed_age >= 0)
		bad |= json_object_set_new(j, "assessed_age", json_integer(in->assessed_age));
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Open the details ciphertext of d into its members (strings in the arena). */
static int open_details(struct sp_caseop *op, struct sp_case_decision *d, const void *ct,
			size_t n, struct sp_err *err)
{
	const char *pt;
	size_t len;
	int rc = sp_caseop_open(op, TABLE, COLUMN, &d->id, ct, n, &pt, &len, err);
	if (rc)
		return rc;
	json_t *j = sp_json_parse(pt, len, err);
	json_t *g = json_object_get(j, "grounds"), *m = json_object_get(j, "method");
	json_t *b = json_object_get(j, "benefit_of_doubt"), *age = json_object_get(j, "assessed_age");
	d->grounds = json_is_string(g) ? sp_arena_strdup(op->cw->arena, json_string_value(g)) : NULL;
	d->method = json_is_string(m) ? sp_arena_strdup(op->cw->arena, json_string_value(m)) : NULL;
	d->benefit_of_doubt = json_is_boolean(b) ? json_is_true(b) : -1;
	d->assessed_age = json_is_integer(age) ? (int)json_integer_value(age) : -1;
	rc = !d->grounds || (m && !d->method)
		     ? sp_err_set(err, SP_EINTERNAL, "", "malformed decision details")
		     : SP_OK;
	json_decref(j);
	return rc;
}

/* ---- record ---- */

static int insert(struct sp_caseop *op, const struct sp_case_decision *d, const json_t *details,
		  struct sp_err *err)
{
	char *text = sp_json_dump(details);
	struct sp_buf ct;
	struct sp_stmt *st = NULL;
	sp_buf_init(&ct, 1u << 20);
	int rc = text ? sp_caseop_seal(op, TABLE, COLUMN, &d->id, text, strlen(text), &ct, err)
		      : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	sp_json_free(text);
	if (!rc)
		rc = sp_store_prepare(op->cw->store,
				      "INSERT INTO decisions (" COLUMNS
				      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      &st, err);
	if (!rc) {
		int b = sp_stmt_bind_id(st, 1, &d->id);
		b |= sp_stmt_bind_id(st, 2, &d->case_id);
		b |= sp_stmt_bind_text(st, 3, sp_decision_type_name(d->type));
		b |= sp_stmt_bind_text(st, 4, d->outcome);
		b |= sp_stmt_bind_int64(st, 5, d->decided_us);
		b |= sp_stmt_bind_text(st, 6, d->jurisdiction_id);
		b |= sp_stmt_bind_text(st, 7, d->jurisdiction_version);
		b |= sp_stmt_bind_id(st, 8, &d->recorded_by);
		b |= sp_stmt_bind_id(st, 9, &d->agency);
		b |= sp_stmt_bind_int64(st, 10, d->recorded_us);
		b |= sp_stmt_bind_int64(st, 11, d->version);
		b |= sp_stmt_bind_blob(st, 12, ct.data, ct.len);
		rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
		if (rc > 0)
			rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
		sp_stmt_done(st);
	}
	sp_buf_free(&ct);
	return rc;
}

/* May the subject record type t under j? The policy has allowed it on the case already. */
static int jurisdiction_allows(struct sp_caseop *op, const struct sp_jurisdiction *j,
			       enum sp_decision_type t, struct sp_err *err)
{
	const struct sp_subject *who = op->cw->subject;
	if (sp_jurisdiction_may_decide(j, t, who->roles, (int)who->agency_kind))
		return SP_OK;
	char whom[160], detail[sizeof err->msg];
	const char *title = sp_jur_text(j->title, "en");
	sp_decision_recorders(j, t, whom, sizeof whom);
	if (j->decisions[t].present)
		snprintf(detail, sizeof detail, "In %s %s are recorded by: %s", title ? title : j->id,
			 type_words[t], whom);
	else
		snprintf(detail, sizeof detail, "In %s there are no %s", title ? title : j->id,
			 type_words[t]);
	return sp_caseop_refuse(op, SP_REASON_JURISDICTION, detail, err);
}

/* A conclusive-grounds decision follows a positive reasonable-grounds one: the case's latest
 * reasonable-grounds decision at the instant of the conclusive one must be positive. */
static int grounds_order(struct sp_caseop *op, const struct sp_case_decision *d,
			 struct sp_err *err)
{
	struct sp_id id;
	char outcome[SP_DECISION_OUTCOME_MAX];
	bool found;
	if (d->type != SP_DECISION_CONCLUSIVE_GROUNDS)
		return SP_OK;
	int rc = latest(op->cw->store, &d->case_id, SP_DECISION_REASONABLE_GROUNDS, d->decided_us,
			&id, outcome, &found, err);
	if (!rc && (!found || strcmp(outcome, "positive") != 0))
		rc = sp_err_set(err, SP_EINVAL, "/type",
				"a conclusive-grounds decision needs a positive reasonable-grounds "
				"decision on the case before it");
	return rc;
}

/* The events a decision is, for the deadlines: at most two. */
static size_t events_of(const struct sp_case_decision *d, enum sp_jur_event ev[2])
{
	bool positive = strcmp(d->outcome, "positive") == 0;
	switch (d->type) {
	case SP_DECISION_REASONABLE_GROUNDS:
		ev[0] = positive ? SP_EVENT_RG_POSITIVE : SP_EVENT_RG_NEGATIVE;
		return 1;
	case SP_DECISION_CONCLUSIVE_GROUNDS:
		ev[0] = positive ? SP_EVENT_CG_POSITIVE : SP_EVENT_CG_NEGATIVE;
		ev[1] = SP_EVENT_CG_DECISION;
		return 2;
	case SP_DECISION_AGE_ASSESSMENT:
		ev[0] = SP_EVENT_AGE_ADULT;
		return strcmp(d->outcome, "adult") == 0 ? 1 : 0;
	default:
		return 0;
	}
}

/* What a recorded decision changes on its case. It may become the case's current decision of
 * its type: an age assessment then settles the age the engine is given by every later
 * screening (sp_decision_current_age reads it from the table). And the events it is start and
 * close the case's deadlines: a positive reasonable-grounds decision meets the decision target
 * and starts the recovery period, an adult finding makes the child presumption's lapse. */
static int on_recorded(struct sp_caseop *op, const struct sp_jurisdictions *jurs,
		       const struct sp_jurisdiction *j, struct sp_case_decision *d,
		       struct sp_err *err)
{
	int rc = set_current(op->cw->store, d, err);
	enum sp_jur_event ev[2];
	size_t n = events_of(d, ev);
	for (size_t i = 0; !rc && i < n; i++) {
		const struct sp_case_event e = {ev[i], d->decided_us, SP_DEADLINE_FROM_DECISION,
						&d->id};
		rc = sp_case_event_in(op, jurs, j, &e, NULL, err);
	}
	return rc;
}

int sp_decision_add(struct sp_casework *cw, const struct sp_jurisdictions *jurs,
		    const struct sp_jurisdiction *j,
		    const struct sp_id *case_id, const struct sp_decision_new *in,
		    struct sp_case_decision *out, struct sp_diag *diag, struct sp_err *err)
{
	struct checked c = {SP_DECISION_AGE_ASSESSMENT, 0}; /* the analyzer cannot see check fill it */
	int rc = check(cw, in, &c, diag, err);
	if (rc)
		return rc;
	if (!j || !jurs)
		return sp_err_set(err, SP_EUNAVAIL, "", "no jurisdiction is loaded");
	struct sp_case_decision d = {.type = c.type, .decided_us = c.decided_us, .version = 1,
				     .benefit_of_doubt = in->benefit_of_doubt,
				     .assessed_age = (int)in->assessed_age};
	if (sp_text_copy(d.outcome, sizeof d.outcome, in->outcome) ||
	    sp_text_copy(d.jurisdiction_id, sizeof d.jurisdiction_id, j->id) ||
	    sp_text_copy(d.jurisdiction_version, sizeof d.jurisdiction_version, j->version))
		return sp_err_set(err, SP_EINTERNAL, "", "decision code too long");
	struct sp_caseop op;
	if ((rc = sp_caseop_begin(cw, &record_acts[c.type], true, &op, err)))
		return rc;
	json_t *details = details_json(in);
	rc = details ? sp_caseop_case(&op, case_id, err)
		     : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc)
		rc = jurisdiction_allows(&op, j, c.type, err);
	if (!rc) {
		sp_id_new(&d.id);
		d.case_id = *case_id;
		d.recorded_by = cw->subject->user;
		d.agency = cw->subject->agency;
		d.recorded_us = sp_now_us();
		rc = grounds_order(&op, &d, err);
	}
	if (!rc)
		rc = insert(&op, &d, details, err);
	if (!rc)
		rc = on_recorded(&op, jurs, j, &d, err);
	if (!rc)
		rc = recorder_name(cw, &d, err);
	if (!rc)
		rc = sp_caseop_idem(&op, "decision", &d.id, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "decision", &d.id, field_names(d.type), NULL, err);
	if (!rc) {
		d.grounds = sp_arena_strdup(cw->arena, json_string_value(json_object_get(details, "grounds")));
		d.method = in->method ? sp_arena_strdup(cw->arena, in->method) : NULL;
		if (!d.grounds || (in->method && !d.method))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	json_decref(details);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = d;
	return rc;
}

/* ---- read ---- */

int sp_decision_get(struct sp_casework *cw, const struct sp_id *id, struct sp_case_decision *out,
		    struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	const void *ct = NULL;
	size_t n = 0;
	const struct sp_id want = *id;
	int rc = sp_caseop_begin(cw, &read_acts[SP_DECISION_REASONABLE_GROUNDS], false, &op, err);
	if (rc)
		return rc;
	rc = sp_store_prepare(cw->store, "SELECT " COLUMNS " FROM decisions WHERE id = ?", &st,
			      err);
	if (!rc && sp_stmt_bind_id(st, 1, &want))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such decision");
	else if (rc > 0)
		rc = read_row(st, cw->arena, out, &ct, &n, err);
	sp_stmt_done(st);
	if (!rc) {
		op.act = &read_acts[out->type]; /* the policy asks about the type's class */
		rc = sp_caseop_case(&op, &out->case_id, err);
	}
	if (!rc)
		rc = open_details(&op, out, ct, n, err);
	if (!rc)
		rc = set_current(cw->store, out, err);
	if (!rc)
		rc = recorder_name(cw, out, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "decision", &want, field_names(out->type), NULL, err);
	return sp_caseop_finish(&op, rc, err);
}

/* Grow the list by one row in the arena (doubling). */
static struct sp_case_decision *grow(struct sp_arena *a, struct sp_case_decision **list,
				     size_t n, size_t *cap)
{
	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct sp_case_decision *grown = sp_arena_alloc(a, ncap * sizeof *grown);
		if (!grown)
			return NULL;
		if (n)
			memcpy(grown, *list, n * sizeof *grown);
		*list = grown;
		*cap = ncap;
	}
	return &(*list)[n];
}

int sp_decision_list(struct sp_casework *cw, const struct sp_id *case_id,
		     struct sp_case_decision **out, size_t *n, size_t *withheld,
		     struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	size_t cap = 0;
	bool seen[SP_DECISION_TYPE_COUNT] = {false}, may[SP_DECISION_TYPE_COUNT];
	unsigned shown = 0; /* types shown, for the audit record */
	*out = NULL;
	*n = *withheld = 0;
	int rc = sp_caseop_begin(cw, &act_list, false, &op, err);
	if (rc)
		return rc;
	rc = sp_caseop_case(&op, case_id, err);
	for (int t = 0; !rc && t < SP_DECISION_TYPE_COUNT; t++)
		may[t] = sp_caseop_may(&op, &read_acts[t]);
	if (!rc)
		rc = sp_caseop_select(&op, "SELECT " COLUMNS " FROM decisions WHERE case_id = ?" LATEST,
				      &st, err);
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		struct sp_case_decision *d = grow(cw->arena, out, *n, &cap);
		const void *ct = NULL;
		size_t len = 0;
		rc = d ? read_row(st, cw->arena, d, &ct, &len, err)
		       : sp_err_set(err, SP_ENOMEM, "", "out of memory");
		if (rc)
			break;
		/* newest first: the first of each type is the case's current one */
		d->current = !seen[d->type];
		seen[d->type] = true;
		if (!may[d->type]) {
			(*withheld)++;
			continue;
		}
		rc = open_details(&op, d, ct, len, err);
		if (!rc)
			rc = recorder_name(cw, d, err);
		if (!rc) {
			shown |= 1u << d->type;
			(*n)++;
		}
	}
	sp_stmt_done(st);
	if (!rc) {
		/* one record for the case, naming the classes of the decisions shown */
		char fields[48];
		snprintf(fields, sizeof fields, "stat%s%s%s",
			 shown & (1u << SP_DECISION_AGE_ASSESSMENT) ? ",identity" : "",
			 shown & ((1u << SP_DECISION_REASONABLE_GROUNDS) |
				  (1u << SP_DECISION_CONCLUSIVE_GROUNDS))
				 ? ",trafficking"
				 : "",
			 shown & (1u << SP_DECISION_BEST_INTERESTS) ? ",notes" : "");
		rc = sp_caseop_audit(&op, "case", case_id, fields, NULL, err);
	}
	return sp_caseop_finish(&op, rc, err);
}

/* ---- JSON ---- */

json_t *sp_decision_encode(const struct sp_case_decision *d)
{
	char id[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1], by[SP_ID_STRLEN + 1];
	char agency[SP_ID_STRLEN + 1], decided[SP_TIME_STRLEN + 1], recorded[SP_TIME_STRLEN + 1];
	sp_id_format(&d->id, id);
	sp_id_format(&d->case_id, case_id);
	sp_id_format(&d->recorded_by, by);
	sp_id_format(&d->agency, agency);
	sp_time_format(d->decided_us, decided);
	sp_time_format(d->recorded_us, recorded);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s?}, s:s, s:{s:s, s:s}, s:s?, "
			 "s:s?, s:o, s:o, s:b}",
			 "id", id, "case_id", case_id, "type", sp_decision_type_name(d->type),
			 "outcome", d->outcome, "decided_at", decided, "recorded_at", recorded,
			 "recorded_by", "id", by, "name",
			 d->recorded_by_name[0] ? d->recorded_by_name : NULL, "agency_id", agency,
			 "jurisdiction", "id", d->jurisdiction_id, "version",
			 d->jurisdiction_version, "grounds", d->grounds, "method", d->method,
			 "benefit_of_doubt",
			 d->benefit_of_doubt < 0 ? json_null() : json_boolean(d->benefit_of_doubt),
			 "assessed_age",
			 d->assessed_age < 0 ? json_null() : json_integer(d->assessed_age),
			 "current", d->current);
}
