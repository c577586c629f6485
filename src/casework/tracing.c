/* Family tracing (owner of the tracing_requests and tracing_matches tables; safepath/tracing.h
 * says who may do what): requests sealed under a key of their own, matched against children's
 * open cases that hold a current consent for tracing through the blind name index and clear
 * columns, and the child's side's review — verification, best-interests assessment, contact —
 * on a state table. The requester's side is told a status, never anything of a case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casework/casework.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/notification.h"
#include "safepath/retention.h"
#include "safepath/store.h"
#include "safepath/tracing.h"

/* ---- names and the state table ---------------------------------------------------------- */

static const char *const status_names[SP_TRACING_STATUS_COUNT] = {
	[SP_TRACING_OPEN] = "open",
	[SP_TRACING_POSSIBLE_MATCH] = "possible_match",
	[SP_TRACING_VERIFYING] = "verifying",
	[SP_TRACING_CONTACT_APPROVED] = "contact_approved",
	[SP_TRACING_CONTACT_DECLINED] = "contact_declined",
	[SP_TRACING_CLOSED] = "closed",
};
static const char *const state_names[SP_MATCH_STATE_COUNT] = {
	[SP_MATCH_PROPOSED] = "proposed",
	[SP_MATCH_VERIFYING] = "verifying",
	[SP_MATCH_RULED_OUT] = "ruled_out",
	[SP_MATCH_CONTACT_APPROVED] = "contact_approved",
	[SP_MATCH_CONTACT_DECLINED] = "contact_declined",
};
static const char *const event_names[SP_MEV_COUNT] = {
	[SP_MEV_VERIFY_CONFIRMED] = "verify_confirmed",
	[SP_MEV_VERIFY_NOT_CONFIRMED] = "verify_not_confirmed",
	[SP_MEV_ASSESS] = "assess",
	[SP_MEV_APPROVE] = "approve",
	[SP_MEV_DECLINE] = "decline",
};
static const char *const method_names[SP_VERIFY_METHOD_COUNT] = {
	[SP_VERIFY_DOCUMENTS] = "documents",
	[SP_VERIFY_QUESTIONS] = "questions",
	[SP_VERIFY_RECOGNISED] = "child_recognised",
};
static const char *const bia_names[SP_BIA_OUTCOME_COUNT] = {
	[SP_BIA_CONTACT] = "contact_in_best_interests",
	[SP_BIA_NO_CONTACT] = "contact_not_in_best_interests",
};

const char *sp_tracing_status_name(enum sp_tracing_status s)
{
	return sp_name_of(status_names, SP_TRACING_STATUS_COUNT, (int)s);
}
int sp_tracing_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_TRACING_STATUS_COUNT, s);
}
const char *sp_match_state_name(enum sp_match_state s)
{
	return sp_name_of(state_names, SP_MATCH_STATE_COUNT, (int)s);
}
int sp_match_state_parse(const char *s)
{
	return sp_name_index(state_names, SP_MATCH_STATE_COUNT, s);
}
const char *sp_match_event_name(enum sp_match_event e)
{
	return sp_name_of(event_names, SP_MEV_COUNT, (int)e);
}
const char *sp_verify_method_name(enum sp_verify_method m)
{
	return sp_name_of(method_names, SP_VERIFY_METHOD_COUNT, (int)m);
}
int sp_verify_method_parse(const char *s)
{
	return sp_name_index(method_names, SP_VERIFY_METHOD_COUNT, s);
}
const char *sp_bia_outcome_name(enum sp_bia_outcome o)
{
	return sp_name_of(bia_names, SP_BIA_OUTCOME_COUNT, (int)o);
}
int sp_bia_outcome_parse(const char *s)
{
	return sp_name_index(bia_names, SP_BIA_OUTCOME_COUNT, s);
}

/* state x event -> state + 1 (0: the event may not happen there). A proposed match is
 * verified (confirmed: verifying; not: ruled out), assessed, or declined; a verifying one is
 * verified again, assessed, approved (sp_tracing_contact checks both records first) or
 * declined. Ruled out, approved and declined are final. */
#define TO(s) ((s) + 1)
static const unsigned char next_state[SP_MATCH_STATE_COUNT][SP_MEV_COUNT] = {
	[SP_MATCH_PROPOSED] = {[SP_MEV_VERIFY_CONFIRMED] = TO(SP_MATCH_VERIFYING),
			       [SP_MEV_VERIFY_NOT_CONFIRMED] = TO(SP_MATCH_RULED_OUT),
			       [SP_MEV_ASSESS] = TO(SP_MATCH_PROPOSED),
			       [SP_MEV_DECLINE] = TO(SP_MATCH_CONTACT_DECLINED)},
	[SP_MATCH_VERIFYING] = {[SP_MEV_VERIFY_CONFIRMED] = TO(SP_MATCH_VERIFYING),
				[SP_MEV_VERIFY_NOT_CONFIRMED] = TO(SP_MATCH_RULED_OUT),
				[SP_MEV_ASSESS] = TO(SP_MATCH_VERIFYING),
				[SP_MEV_APPROVE] = TO(SP_MATCH_CONTACT_APPROVED),
				[SP_MEV_DECLINE] = TO(SP_MATCH_CONTACT_DECLINED)},
};
#undef TO

int sp_match_next(enum sp_match_state from, enum sp_match_event ev)
{
	if ((unsigned)from >= SP_MATCH_STATE_COUNT || (unsigned)ev >= SP_MEV_COUNT)
		return -1;
	return (int)next_state[from][ev] - 1;
}

enum sp_tracing_status sp_tracing_status_of(const enum sp_match_state *states, size_t n)
{
	static const enum sp_tracing_status of[SP_MATCH_STATE_COUNT] = {
		[SP_MATCH_PROPOSED] = SP_TRACING_POSSIBLE_MATCH,
		[SP_MATCH_VERIFYING] = SP_TRACING_VERIFYING,
		[SP_MATCH_RULED_OUT] = SP_TRACING_OPEN,
		[SP_MATCH_CONTACT_APPROVED] = SP_TRACING_CONTACT_APPROVED,
		[SP_MATCH_CONTACT_DECLINED] = SP_TRACING_CONTACT_DECLINED,
	};
	/* the strongest first: what the requester's side most needs to know */
	static const enum sp_tracing_status rank[] = {
		SP_TRACING_CONTACT_APPROVED, SP_TRACING_VERIFYING, SP_TRACING_POSSIBLE_MATCH,
		SP_TRACING_CONTACT_DECLINED};
	for (size_t r = 0; r < sizeof rank / sizeof rank[0]; r++)
		for (size_t i = 0; i < n; i++)
			if ((unsigned)states[i] < SP_MATCH_STATE_COUNT && of[states[i]] == rank[r])
				return rank[r];
	return SP_TRACING_OPEN;
}

/* ---- the request's details ------------------------------------------------------------ */

/* err at "/key" plus its own path (code, reason); returns the code. */
static int names_err(struct sp_err *err, const char *key, int code, const char *reason)
{
	sp_err_set(err, code, "", "%s", reason);
	sp_err_prefix(err, key);
	return code;
}

/* A list of at most SP_TRACING_NAMES_MAX names under key (required: at least one). */
static int get_names(json_t *obj, const char *key, bool required, struct sp_arena *a,
		     const char **out, size_t *n, struct sp_err *err)
{
	json_t *list = json_object_get(obj, key);
	*n = 0;
	if (!list || json_is_null(list))
		return required ? names_err(err, key, SP_EINVAL, "is required") : SP_OK;
	if (!json_is_array(list))
		return names_err(err, key, SP_EINVAL, "must be an array of names");
	if (json_array_size(list) > SP_TRACING_NAMES_MAX)
		return names_err(err, key, SP_ETOOBIG, "more than 8 names");
	if (required && json_array_size(list) == 0)
		return names_err(err, key, SP_EINVAL, "needs at least one name");
	for (size_t i = 0; i < json_array_size(list); i++) {
		/* cw_get_text reads a member: each element is held as one */
		json_t *holder = json_pack("{s:O}", "v", json_array_get(list, i));
		int rc = holder ? cw_get_text(holder, "v", true, SP_TRACING_TEXT_MAX, a, &out[i], err)
				: sp_err_set(err, SP_ENOMEM, "", "out of memory");
		json_decref(holder);
		if (rc) {
			err->field[0] = '\0'; /* "/v" is the holder's */
			cw_err_index(err, i);
			sp_err_prefix(err, key);
			return rc;
		}
	}
	*n = json_array_size(list);
	return SP_OK;
}

/* A partial date ("YYYY", "YYYY-MM", "YYYY-MM-DD") under key; *has false when absent. */
static int get_date(json_t *obj, const char *key, struct sp_date *out, bool *has,
		    struct sp_err *err)
{
	const char *s = NULL;
	*has = false;
	int rc = sp_json_get_str(obj, key, false, &s, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	if (!rc && strchr(s, '/'))
		rc = sp_err_set(err, SP_EINVAL, "", "must be YYYY, YYYY-MM or YYYY-MM-DD");
	if (!rc)
		rc = sp_date_parse_iso(s, out, err);
	if (rc) {
		char path[64];
		snprintf(path, sizeof path, "/%s", key);
		return cw_err_at(err, rc, path);
	}
	*has = true;
	return SP_OK;
}

static int decode_requester(json_t *j, struct sp_arena *a, struct sp_tracing_details *d,
			    struct sp_err *err)
{
	static const char *const keys[] = {"name", "relationship", "contact", NULL};
	if (!json_is_object(j))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = cw_get_text(j, "name", true, SP_TRACING_TEXT_MAX, a, &d->requester_name, err);
	if (!rc)
		rc = cw_get_text(j, "relationship", true, SP_TRACING_TEXT_MAX, a,
				 &d->requester_relationship, err);
	if (!rc)
		rc = cw_get_text(j, "contact", false, SP_TRACING_TEXT_MAX, a, &d->requester_contact,
				 err);
	return rc;
}

static int decode_child(json_t *j, struct sp_arena *a, struct sp_tracing_details *d,
			struct sp_err *err)
{
	static const char *const keys[] = {"names", "nicknames", "sex", "date_of_birth",
					   "birth_estimated", "age", "place_of_separation",
					   "date_of_separation", "relatives", NULL};
	if (!json_is_object(j))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int sex = SP_SEX_UNKNOWN;
	int64_t age = -1;
	bool estimated = false;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = get_names(j, "names", true, a, d->names, &d->n_names, err);
	if (!rc)
		rc = get_names(j, "nicknames", false, a, d->nicknames, &d->n_nicknames, err);
	if (!rc)
		rc = get_names(j, "relatives", false, a, d->relatives, &d->n_relatives, err);
	if (!rc)
		rc = cw_get_enum(j, "sex", false, sp_sex_parse, "sex", &sex, err);
	if (!rc)
		rc = get_date(j, "date_of_birth", &d->birth, &d->has_birth, err);
	if (!rc && (rc = sp_json_get_bool(j, "birth_estimated", false, &estimated, err)) ==
			   SP_ENOTFOUND)
		rc = SP_OK;
	if (!rc && (rc = sp_json_get_int(j, "age", false, &age, err)) == SP_ENOTFOUND) {
		age = -1;
		rc = SP_OK;
	} else if (!rc && (age < 0 || age > 30))
		rc = sp_err_set(err, SP_EINVAL, "/age", "must be a child's age in years (0 to 30)");
	if (!rc && age >= 0 && d->has_birth)
		rc = sp_err_set(err, SP_EINVAL, "/age", "give a date of birth or an age, not both");
	if (!rc && estimated && !d->has_birth)
		rc = sp_err_set(err, SP_EINVAL, "/birth_estimated", "needs a date of birth");
	if (!rc)
		rc = cw_get_text(j, "place_of_separation", false, SP_TRACING_TEXT_MAX, a,
				 &d->place_of_separation, err);
	if (!rc)
		rc = get_date(j, "date_of_separation", &d->separation, &d->has_separation, err);
	d->sex = (enum sp_sex)sex;
	d->birth.estimated = estimated;
	d->age = (int)age;
	return rc;
}

int sp_tracing_decode(json_t *j, struct sp_arena *a, struct sp_tracing_details *out,
		      struct sp_err *err)
{
	static const char *const keys[] = {"requester", "child", "note", NULL};
	memset(out, 0, sizeof *out);
	out->age = -1;
	if (!json_is_object(j))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int rc = sp_json_only_keys(j, keys, err);
	if (rc)
		return rc;
	json_t *requester = json_object_get(j, "requester"), *child = json_object_get(j, "child");
	if (!requester)
		return sp_err_set(err, SP_EINVAL, "/requester", "is required");
	if ((rc = decode_requester(requester, a, out, err))) {
		sp_err_prefix(err, "requester");
		return rc;
	}
	if (!child)
		return sp_err_set(err, SP_EINVAL, "/child", "is required");
	if ((rc = decode_child(child, a, out, err))) {
		sp_err_prefix(err, "child");
		return rc;
	}
	return cw_get_text(j, "note", false, SP_TRACING_NOTE_MAX, a, &out->note, err);
}

static json_t *names_array(const char *const *names, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(names[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *sp_tracing_details_encode(const struct sp_tracing_details *d)
{
	char birth[SP_DATE_ISO_SIZE], separation[SP_DATE_ISO_SIZE];
	if (d->has_birth)
		sp_date_format_iso(&d->birth, birth);
	if (d->has_separation)
		sp_date_format_iso(&d->separation, separation);
	json_t *child = json_pack(
		"{s:o, s:o, s:o, s:s, s:s?, s:b, s:s?, s:s?}", "names",
		names_array(d->names, d->n_names), "nicknames",
		names_array(d->nicknames, d->n_nicknames), "relatives",
		names_array(d->relatives, d->n_relatives), "sex", sp_sex_name(d->sex),
		"date_of_birth", d->has_birth ? birth : NULL, "birth_estimated",
		d->has_birth && d->birth.estimated, "place_of_separation", d->place_of_separation,
		"date_of_separation", d->has_separation ? separation : NULL);
	if (child && d->age >= 0 && json_object_set_new(child, "age", json_integer(d->age))) {
		json_decref(child);
		child = NULL;
	}
	return json_pack("{s:{s:s, s:s, s:s?}, s:o, s:s?}", "requester", "name", d->requester_name,
			 "relationship", d->requester_relationship, "contact",
			 d->requester_contact, "child", child, "note", d->note);
}

/* ---- rows ----------------------------------------------------------------------------- */

#define REQ_SELECT                                                                          \
	"SELECT id, agency_id, created_by, status, details, created_us, updated_us, closed_us, " \
	"version FROM tracing_requests "

struct req_row {
	struct sp_tracing_request r;
	int64_t version;
	const void *ct; /* sealed details, in the arena */
	size_t ct_len;
};

static int req_row(struct sp_casework *cw, struct sp_stmt *st, struct req_row *row,
		   struct sp_err *err)
{
	memset(row, 0, sizeof *row);
	int status = sp_tracing_status_parse(sp_stmt_text(st, 3));
	size_t n = 0;
	const void *ct = sp_stmt_blob(st, 4, &n);
	if (sp_stmt_id(st, 0, &row->r.id) || sp_stmt_id(st, 1, &row->r.agency) ||
	    sp_stmt_id(st, 2, &row->r.created_by) || status < 0 || !ct)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing request row");
	row->r.status = (enum sp_tracing_status)status;
	row->r.created_us = sp_stmt_int64(st, 5);
	row->r.updated_us = sp_stmt_int64(st, 6);
	row->r.closed_us = sp_stmt_is_null(st, 7) ? 0 : sp_stmt_int64(st, 7);
	row->version = sp_stmt_int64(st, 8);
	void *copy = sp_arena_alloc(cw->arena, n ? n : 1);
	if (!copy)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	memcpy(copy, ct, n);
	row->ct = copy;
	row->ct_len = n;
	return SP_OK;
}

static int req_load(struct sp_casework *cw, const struct sp_id *id, struct req_row *row,
		    struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = cw_select_id(cw, REQ_SELECT "WHERE id = ?", id, "tracing request", &st, err);
	if (rc)
		return rc;
	rc = req_row(cw, st, row, err);
	sp_stmt_done(st);
	return rc;
}

/* The request's details opened with its own key and decoded into row->r.details. */
static int req_open(struct sp_casework *cw, struct req_row *row, struct sp_err *err)
{
	const char *pt;
	size_t len;
	int rc = cw_open(cw, &row->r.id, "tracing_requests", "details", &row->r.id, row->ct,
			 row->ct_len, &pt, &len, err);
	if (rc)
		return rc;
	json_t *j = sp_json_parse(pt, len, err);
	if (!j)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing request details");
	rc = sp_tracing_decode(j, cw->arena, &row->r.details, err);
	json_decref(j);
	if (rc)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing request details");
	row->r.has_details = true;
	return SP_OK;
}

#define MATCH_COLUMNS                                                                          \
	"id, request_id, case_id, state, score, explanation, verify_method, verify_confirmed, " \
	"verified_by, verified_us, verify_note, bia_outcome, assessed_by, assessed_us, "       \
	"bia_grounds, decided_by, decided_us, decision_note, created_us, updated_us, version"
#define MATCH_SELECT "SELECT " MATCH_COLUMNS " FROM tracing_matches "
enum { COL_VERIFY_NOTE = 10, COL_BIA_GROUNDS = 14, COL_DECISION_NOTE = 17 };

static int match_row(struct sp_stmt *st, struct sp_tracing_match *m, struct sp_err *err)
{
	memset(m, 0, sizeof *m);
	int state = sp_match_state_parse(sp_stmt_text(st, 3));
	if (sp_stmt_id(st, 0, &m->id) || sp_stmt_id(st, 1, &m->request_id) ||
	    sp_stmt_id(st, 2, &m->case_id) || state < 0 ||
	    sp_text_copy(m->explanation, sizeof m->explanation, sp_stmt_text(st, 5)))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing match row");
	m->state = (enum sp_match_state)state;
	m->score = (int)sp_stmt_int64(st, 4);
	if (!sp_stmt_is_null(st, 6)) {
		int method = sp_verify_method_parse(sp_stmt_text(st, 6));
		if (method < 0 || sp_stmt_id(st, 8, &m->verified_by))
			return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing match row");
		m->verified = true;
		m->verify_method = (enum sp_verify_method)method;
		m->verify_confirmed = sp_stmt_int64(st, 7) != 0;
		m->verified_us = sp_stmt_int64(st, 9);
	}
	if (!sp_stmt_is_null(st, 11)) {
		int bia = sp_bia_outcome_parse(sp_stmt_text(st, 11));
		if (bia < 0 || sp_stmt_id(st, 12, &m->assessed_by))
			return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing match row");
		m->assessed = true;
		m->bia = (enum sp_bia_outcome)bia;
		m->assessed_us = sp_stmt_int64(st, 13);
	}
	if (!sp_stmt_is_null(st, 15) && sp_stmt_id(st, 15, &m->decided_by))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed tracing match row");
	m->decided_us = sp_stmt_is_null(st, 16) ? 0 : sp_stmt_int64(st, 16);
	m->created_us = sp_stmt_int64(st, 18);
	m->updated_us = sp_stmt_int64(st, 19);
	m->version = sp_stmt_int64(st, 20);
	return SP_OK;
}

/* Open the sealed column col of the row (NULL stays NULL; an erased child's: NULL too). */
static int match_open(struct sp_casework *cw, const struct sp_case *c, struct sp_stmt *st, int col,
		      const char *column, const struct sp_tracing_match *m, const char **out,
		      struct sp_err *err)
{
	size_t n, len;
	*out = NULL;
	if (sp_stmt_is_null(st, col))
		return SP_OK;
	const void *ct = sp_stmt_blob(st, col, &n);
	int rc = cw_open(cw, &c->person, "tracing_matches", column, &m->id, ct, n, out, &len, err);
	if (rc == SP_ENOTFOUND) {
		*out = NULL;
		return SP_OK;
	}
	return rc;
}

/* The match by id with its case (loaded, not yet asked about). */
static int match_load(struct sp_casework *cw, const struct sp_id *id, struct sp_tracing_match *m,
		      struct sp_stmt **keep, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = cw_select_id(cw, MATCH_SELECT "WHERE id = ?", id, "tracing match", &st, err);
	if (rc)
		return rc;
	rc = match_row(st, m, err);
	if (rc || !keep)
		sp_stmt_done(st);
	else
		*keep = st;
	return rc;
}

/* ---- matching ------------------------------------------------------------------------- */

/* The sought child as a record of the registry's person model under one of its names: the
 * name as one part in the script it is written in, the sex, the date of birth (or a year from
 * the age, estimated: weak evidence to the model), the place and date of separation, the
 * relatives' names as family links. Everything borrowed from d and the caller. */
static void sought_person(const struct sp_tracing_details *d, const char *name,
			  const struct sp_date *birth, struct sp_name_part *part,
			  struct sp_family_link *family, struct sp_person *p)
{
	memset(p, 0, sizeof *p);
	*part = (struct sp_name_part){.role = SP_NAME_OTHER, .original = name};
	p->name = (struct sp_name){.parts = part, .n_parts = 1};
	p->sex = d->sex;
	p->has_birth = birth != NULL;
	if (birth)
		p->birth = *birth;
	p->has_separation = d->place_of_separation || d->has_separation;
	p->separation = (struct sp_separation){.place = d->place_of_separation,
					       .has_date = d->has_separation,
					       .date = d->separation};
	for (size_t i = 0; i < d->n_relatives; i++)
		family[i] = (struct sp_family_link){.relationship = SP_REL_OTHER_RELATIVE,
						    .name = d->relatives[i]};
	p->has_safety = true;
	p->safety.family = family;
	p->safety.n_family = d->n_relatives;
}

/* The dates of birth to probe with: the one told; from an age, the two years the child may
 * have been born in (this year minus the age, and the year before), each estimated; none. */
static int sought_births(const struct sp_tracing_details *d, int this_year, struct sp_date out[2],
			 size_t *n, struct sp_err *err)
{
	*n = 0;
	if (d->has_birth) {
		out[(*n)++] = d->birth;
		return SP_OK;
	}
	for (int i = 0; d->age >= 0 && i < 2; i++) {
		char year[8];
		snprintf(year, sizeof year, "%04d", this_year - d->age - i);
		int rc = sp_date_parse_iso(year, &out[*n], err);
		if (rc)
			return cw_err_at(err, rc, "/child/age");
		out[(*n)++].estimated = true;
	}
	return SP_OK;
}

/* The best probability any probe gave a person, and its explanation. */
struct best {
	struct sp_id person;
	double probability;
	char why[SP_TRACING_EXPLAIN_MAX];
};
struct bests {
	struct best *v;
	size_t n, cap;
};

/* A score in words: each comparison that had something on both sides, its level and its
 * contribution (log2 m/u), then the probability; never a value. */
static void explain(const struct sp_fs_score *s, char *out, size_t cap)
{
	struct sp_matchreg_field f[SP_FS_COMPARISONS_MAX];
	size_t n = cw_match_fields(s, f), at = 0;
	for (size_t i = 0; i < n; i++) {
		if (s->levels[i] == SP_LEVEL_MISSING)
			continue;
		int w = snprintf(out + at, cap - at, "%s: %s %+.2f; ", f[i].comparison, f[i].level,
				 f[i].contribution);
		if (w < 0 || (size_t)w >= cap - at)
			break;
		at += (size_t)w;
	}
	snprintf(out + at, cap - at, "probability %.2f", s->probability);
}

static int best_keep(struct sp_casework *cw, struct bests *b, const struct cw_probe_hit *h,
		     struct sp_err *err)
{
	size_t i = 0;
	while (i < b->n && memcmp(b->v[i].person.b, h->person.b, SP_ID_LEN) != 0)
		i++;
	if (i == b->n) {
		struct best *grown = cw_array_grow(cw->arena, b->v, b->n, &b->cap, sizeof *b->v);
		if (!grown)
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		b->v = grown;
		b->v[b->n++] = (struct best){.person = h->person, .probability = -1};
	}
	if (h->score.probability > b->v[i].probability) {
		b->v[i].probability = h->score.probability;
		explain(&h->score, b->v[i].why, sizeof b->v[i].why);
	}
	return SP_OK;
}

static int by_probability(const void *x, const void *y)
{
	const struct best *a = x, *b = y;
	if (a->probability != b->probability)
		return a->probability < b->probability ? 1 : -1;
	return memcmp(a->person.b, b->person.b, SP_ID_LEN);
}

/* Every name and nickname a probe of its own (with each date of birth to try) through the
 * registry's probe: each person scored keeps its best (sorted, most probable first). A name of nothing but signs or spaces is refused at its own pointer. */
static int probe_all(struct sp_casework *cw, const struct sp_tracing_details *d, int this_year,
		     struct bests *out, struct sp_err *err)
{
	struct sp_date births[2];
	size_t n_births;
	struct sp_family_link family[SP_TRACING_NAMES_MAX];
	int rc = sought_births(d, this_year, births, &n_births, err);
	for (size_t i = 0; !rc && i < d->n_names + d->n_nicknames; i++) {
		bool nick = i >= d->n_names;
		size_t k = nick ? i - d->n_names : i;
		const char *name = nick ? d->nicknames[k] : d->names[k], *norm;
		if ((rc = sp_person_name_key(name, cw->arena, &norm, err))) {
			if (rc == SP_EINVAL)
				snprintf(err->field, sizeof err->field, "/child/%s/%zu",
					 nick ? "nicknames" : "names", k);
			break;
		}
		for (size_t y = 0; !rc && y < (n_births ? n_births : 1); y++) {
			struct sp_person p;
			struct sp_name_part part;
			const char **cells;
			struct cw_probe pr = {0};
			sought_person(d, name, n_births ? &births[y] : NULL, &part, family, &p);
			rc = cw_match_cells(cw, &p, &cells, err);
			if (!rc)
				rc = cw_match_probe(cw, cells, NULL, NULL, &pr, err);
			for (size_t h = 0; !rc && h < pr.n; h++)
				rc = best_keep(cw, out, &pr.v[h], err);
		}
	}
	if (!rc && out->n)
		qsort(out->v, out->n, sizeof *out->v, by_probability);
	return rc;
}

struct person_facts {
	enum sp_sex sex;
	bool has_years;
	int year_min, year_max;
};

static int person_facts(struct sp_casework *cw, const struct sp_id *person,
			struct person_facts *f, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = cw_select_id(cw,
			      "SELECT sex, birth_year_min, birth_year_max, birth_estimated FROM "
			      "persons WHERE id = ?",
			      person, "person", &st, err);
	if (rc)
		return rc;
	int sex = sp_sex_parse(sp_stmt_text(st, 0));
	f->sex = sex < 0 ? SP_SEX_UNKNOWN : (enum sp_sex)sex;
	f->has_years = !sp_stmt_is_null(st, 1) && !sp_stmt_is_null(st, 2);
	f->year_min = (int)sp_stmt_int64(st, 1);
	f->year_max = (int)sp_stmt_int64(st, 2);
	if (f->has_years && sp_stmt_int64(st, 3)) { /* an estimated age: a year either side */
		f->year_min--;
		f->year_max++;
	}
	sp_stmt_done(st);
	return SP_OK;
}

static int this_year_of(const struct sp_casework *cw)
{
	time_t t = (time_t)(cw_now(cw) / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* May case c be matched: open or active, a protection actor's, a child's (born 18 years ago
 * or later, or flagged a child when no year is known), its consent for tracing given? */
static int case_traceable(struct sp_casework *cw, const struct sp_case *c,
			  const struct person_facts *f, int this_year, bool *out, struct sp_err *err)
{
	enum sp_agency_kind kind;
	*out = false;
	if (c->status == SP_CASE_CLOSED)
		return SP_OK;
	bool child = f->has_years ? f->year_max >= this_year - 18
				  : (c->flags & (SP_CASE_UNACCOMPANIED_CHILD | SP_CASE_SEPARATED_CHILD));
	if (!child)
		return SP_OK;
	int rc = cw_agency_kind(cw, &c->agency, "", &kind, err);
	if (rc || sp_agency_kind_is_enforcement(kind))
		return rc;
	return cw_consent_holds(cw, &c->id, SP_PURPOSE_TRACING, out, err);
}

/* Whether the request already has a match with the case. */
static int match_exists(struct sp_casework *cw, const struct sp_id *request,
			const struct sp_id *case_id, bool *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT 1 FROM tracing_matches WHERE request_id = ? AND case_id = ?",
				  &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_id(st, 1, request) || sp_stmt_bind_id(st, 2, case_id)
		     ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
		     : sp_stmt_step(st, err);
	sp_stmt_done(st);
	*out = rc == 1;
	return rc < 0 ? rc : SP_OK;
}

/* Tell the child's side, with ids only: the case's caseworker by name, its agency's focal
 * points by role. */
static int notify_match(struct sp_casework *cw, const struct sp_case *c, const struct sp_id *match,
			struct sp_err *err)
{
	struct sp_notice n = {.kind = SP_NOTIFY_TRACING_MATCH,
			      .agency = c->agency,
			      .roles = SP_ROLE_FOCAL_POINT,
			      .object = *match,
			      .case_id = &c->id};
	int rc = sp_notify(cw->store, &n, NULL, err);
	static const struct sp_id none;
	if (!rc && memcmp(c->assigned.b, none.b, SP_ID_LEN) != 0) {
		n.user = &c->assigned;
		n.roles = 0;
		rc = sp_notify(cw->store, &n, NULL, err);
	}
	return rc;
}

static int match_insert(struct sp_casework *cw, const struct sp_id *request,
			const struct sp_case *c, int score, const char *why, struct sp_err *err)
{
	struct sp_stmt *st;
	struct sp_id id = {{0}};
	int64_t now = sp_now_us();
	sp_id_new(&id);
	int rc = sp_store_prepare(cw->store,
				  "INSERT INTO tracing_matches (id, request_id, case_id, state, score, "
				  "explanation, created_us, updated_us, version) VALUES "
				  "(?, ?, ?, ?, ?, ?, ?, ?, 1)",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &id) | sp_stmt_bind_id(st, 2, request) |
	    sp_stmt_bind_id(st, 3, &c->id) |
	    sp_stmt_bind_text(st, 4, sp_match_state_name(SP_MATCH_PROPOSED)) |
	    sp_stmt_bind_int64(st, 5, score) | sp_stmt_bind_text(st, 6, why) |
	    sp_stmt_bind_int64(st, 7, now) | sp_stmt_bind_int64(st, 8, now)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = cw_exec_done(st, err);
	return rc ? rc : notify_match(cw, c, &id, err);
}

/* The candidate's open cases that may be traced, each proposed when not proposed already. */
static int match_person(struct sp_casework *cw, const struct sp_id *request,
			const struct sp_id *person, const struct person_facts *f, int score,
			const char *why, int this_year, struct sp_id *proposed, size_t *n,
			struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT " CW_CASE_COLUMNS " FROM cases WHERE person_id = ? "
				  "ORDER BY created_us, id",
				  &st, err);
	if (rc)
		return rc;
	struct sp_case cases[8];
	size_t k = 0;
	rc = sp_stmt_bind_id(st, 1, person) ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : SP_OK;
	while (!rc && k < 8 && (rc = sp_stmt_step(st, err)) == 1)
		rc = cw_case_row(st, &cases[k++], err);
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < k && *n < SP_TRACING_MATCHES_MAX; i++) {
		bool ok = false, known = false;
		if ((rc = case_traceable(cw, &cases[i], f, this_year, &ok, err)))
			return rc;
		if (ok && (rc = match_exists(cw, request, &cases[i].id, &known, err)))
			return rc;
		if (!ok || known)
			continue;
		if ((rc = match_insert(cw, request, &cases[i], score, why, err)))
			return rc;
		proposed[(*n)++] = cases[i].id;
	}
	return SP_OK;
}

/* Tell the requester's side that its request's status changed, with ids only: the officer who
 * recorded it by name, its agency's focal points by role; once per change (the version the
 * change wrote). */
static int notify_status(struct sp_casework *cw, const struct req_row *row, int64_t version,
			 struct sp_err *err)
{
	char id[SP_ID_STRLEN + 1], dedupe[SP_NOTIFICATION_DEDUPE_MAX];
	sp_id_format(&row->r.id, id);
	snprintf(dedupe, sizeof dedupe, "tracing.status:%s@%lld", id, (long long)version);
	struct sp_notice n = {.kind = SP_NOTIFY_TRACING_STATUS,
			      .agency = row->r.agency,
			      .roles = SP_ROLE_FOCAL_POINT,
			      .object = row->r.id,
			      .dedupe = dedupe};
	int rc = sp_notify(cw->store, &n, NULL, err);
	if (rc)
		return rc;
	snprintf(dedupe, sizeof dedupe, "tracing.status:%s@%lld:recorder", id, (long long)version);
	n.user = &row->r.created_by;
	n.roles = 0;
	return sp_notify(cw->store, &n, NULL, err);
}

/* The request's status again from its matches (not when closed); written with its version on,
 * and the requester's side told when it changed. */
static int req_restatus(struct sp_casework *cw, const struct sp_id *id, int64_t now,
			enum sp_tracing_status *out, struct sp_err *err)
{
	struct sp_stmt *st;
	struct req_row row;
	enum sp_match_state states[64];
	size_t n = 0;
	int rc = req_load(cw, id, &row, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "SELECT state FROM tracing_matches WHERE request_id = ?", &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_id(st, 1, id) ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : SP_OK;
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		int s = sp_match_state_parse(sp_stmt_text(st, 0));
		if (s < 0)
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed tracing match row");
		else if (n < sizeof states / sizeof states[0])
			states[n++] = (enum sp_match_state)s;
	}
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	*out = sp_tracing_status_of(states, n);
	rc = sp_store_prepare(cw->store,
			      "UPDATE tracing_requests SET status = ?, updated_us = ?, version = "
			      "version + 1 WHERE id = ? AND status <> 'closed'",
			      &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_text(st, 1, sp_tracing_status_name(*out)) |
	    sp_stmt_bind_int64(st, 2, now) | sp_stmt_bind_id(st, 3, id)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = cw_exec_done(st, err);
	bool changed = row.r.status != SP_TRACING_CLOSED && row.r.status != *out;
	return rc || !changed ? rc : notify_status(cw, &row, row.version + 1, err);
}

/* Match request (open, details decoded) in the open transaction: the persons the registry's
 * probe scored at or above SP_TRACING_THRESHOLD, most probable first, each case of theirs
 * that may be traced proposed. One tracing.match record names the proposed cases (stat:
 * nothing of them was shown) and says how many persons' cells were opened ("opened:N"). */
static int match_run(struct sp_casework *cw, struct req_row *row, size_t *matched,
		     struct sp_err *err)
{
	struct bests b = {0};
	size_t n = 0;
	struct sp_id proposed[SP_TRACING_MATCHES_MAX];
	int this_year = this_year_of(cw);
	int rc = probe_all(cw, &row->r.details, this_year, &b, err);
	for (size_t i = 0; !rc && i < b.n && b.v[i].probability >= SP_TRACING_THRESHOLD &&
			   n < SP_TRACING_MATCHES_MAX;
	     i++) {
		struct person_facts f;
		if (!(rc = person_facts(cw, &b.v[i].person, &f, err)))
			rc = match_person(cw, &row->r.id, &b.v[i].person, &f,
					  (int)(100 * b.v[i].probability + 0.5), b.v[i].why, this_year,
					  proposed, &n, err);
	}
	if (!rc)
		rc = req_restatus(cw, &row->r.id, sp_now_us(), &row->r.status, err);
	char opened[32];
	snprintf(opened, sizeof opened, "opened:%zu", b.n);
	if (!rc)
		rc = cw_audit_act(cw, cw_act(CW_TRACING_MATCH), n ? "case" : "tracing_request",
				  n ? proposed : &row->r.id, n ? n : 1, "stat", opened, err);
	*matched = n;
	return rc;
}

/* ---- the requester's side ------------------------------------------------------------- */

int sp_tracing_create(struct sp_casework *cw, const struct sp_tracing_details *in,
		      struct sp_tracing_request *out, size_t *matched, struct sp_err *err)
{
	struct req_row row = {.version = 1};
	*matched = 0;
	if (in->n_names == 0)
		return sp_err_set(err, SP_EINVAL, "/child/names", "needs at least one name");
	json_t *j = sp_tracing_details_encode(in);
	char *text = j ? sp_json_dump(j) : NULL;
	json_decref(j);
	if (!text)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	sp_id_new(&row.r.id);
	row.r.agency = *cw_actor_agency(cw);
	row.r.created_by = *cw_actor(cw);
	row.r.status = SP_TRACING_OPEN;
	row.r.created_us = row.r.updated_us = sp_now_us();
	row.r.details = *in;
	row.r.has_details = true;
	struct sp_buf ct;
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	struct sp_stmt *st = NULL;
	/* the request's own key: in the key store, before the write transaction */
	int rc = cw_person_key_create(cw, &row.r.id, err);
	if (!rc)
		rc = cw_begin(cw, err);
	if (rc) {
		sp_json_free(text);
		return rc;
	}
	rc = cw_authorise_agency(cw, CW_TRACING_CREATE, &row.r.agency, err);
	if (!rc)
		rc = cw_seal(cw, &row.r.id, "tracing_requests", "details", &row.r.id, text,
			     strlen(text), &ct, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "INSERT INTO tracing_requests (id, agency_id, created_by, "
				      "status, details, created_us, updated_us, version) VALUES "
				      "(?, ?, ?, ?, ?, ?, ?, 1)",
				      &st, err);
	if (!rc && (sp_stmt_bind_id(st, 1, &row.r.id) | sp_stmt_bind_id(st, 2, &row.r.agency) |
		    sp_stmt_bind_id(st, 3, &row.r.created_by) |
		    sp_stmt_bind_text(st, 4, sp_tracing_status_name(SP_TRACING_OPEN)) |
		    sp_stmt_bind_blob(st, 5, ct.data, ct.len) |
		    sp_stmt_bind_int64(st, 6, row.r.created_us) |
		    sp_stmt_bind_int64(st, 7, row.r.updated_us))) {
		sp_stmt_done(st);
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	} else if (!rc)
		rc = cw_exec_done(st, err);
	if (!rc)
		rc = cw_audit(cw, CW_TRACING_CREATE, "tracing_request", &row.r.id, "identity,notes",
			      err);
	if (!rc)
		rc = cw_idem_record(cw, "tracing_request", &row.r.id, NULL, err);
	if (!rc)
		rc = match_run(cw, &row, matched, err);
	sp_buf_free(&ct);
	sp_json_free(text);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = row.r;
	return rc;
}

int sp_tracing_rematch(struct sp_casework *cw, const struct sp_id *id,
		       struct sp_tracing_request *out, size_t *matched, struct sp_err *err)
{
	struct req_row row;
	*matched = 0;
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	rc = req_load(cw, id, &row, err);
	if (!rc)
		rc = cw_authorise_agency(cw, CW_TRACING_MATCH, &row.r.agency, err);
	if (!rc && row.r.status == SP_TRACING_CLOSED)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "the request is closed");
	if (!rc)
		rc = req_open(cw, &row, err);
	if (!rc)
		rc = match_run(cw, &row, matched, err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		*out = row.r;
		out->has_details = false;
	}
	return rc;
}

int sp_tracing_get(struct sp_casework *cw, const struct sp_id *id, struct sp_tracing_request *out,
		   struct sp_err *err)
{
	struct req_row row;
	/* tracing.request is no read-only policy action: its record is written in the
	 * operation's own (write) transaction, not through the read-audit writer */
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	rc = req_load(cw, id, &row, err);
	if (!rc)
		rc = cw_authorise_agency(cw, CW_TRACING_READ, &row.r.agency, err);
	if (!rc)
		rc = req_open(cw, &row, err);
	if (!rc)
		rc = cw_audit(cw, CW_TRACING_READ, "tracing_request", id, "identity,notes", err);
	rc = cw_finish(cw, rc, err);
	if (!rc)
		*out = row.r;
	return rc;
}

enum { LIST_MAX = 200 };

int sp_tracing_list(struct sp_casework *cw, struct sp_tracing_request **out, size_t *n,
		    struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	struct sp_tracing_request *list = NULL;
	struct sp_id ids[LIST_MAX];
	size_t count = 0, cap = 0;
	*out = NULL;
	*n = 0;
	int rc = cw_begin(cw, err); /* as sp_tracing_get's */
	if (rc)
		return rc;
	rc = cw_authorise_agency(cw, CW_TRACING_LIST, cw_actor_agency(cw), err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      REQ_SELECT "WHERE agency_id = ? ORDER BY created_us DESC, id "
						 "DESC LIMIT 200",
				      &st, err);
	if (!rc && sp_stmt_bind_id(st, 1, cw_actor_agency(cw)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && count < LIST_MAX && (rc = sp_stmt_step(st, err)) == 1) {
		struct req_row row;
		struct sp_tracing_request *grown =
			cw_array_grow(cw->arena, list, count, &cap, sizeof *list);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		list = grown;
		if ((rc = req_row(cw, st, &row, err)))
			break;
		ids[count] = row.r.id;
		list[count++] = row.r;
	}
	sp_stmt_done(st);
	if (rc == 0)
		rc = cw_audit_many(cw, CW_TRACING_LIST, "tracing_request", ids, count, "stat", err);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = list;
		*n = count;
	}
	return rc;
}

int sp_tracing_close(struct sp_casework *cw, const struct sp_id *id,
		     struct sp_tracing_request *out, struct sp_err *err)
{
	struct req_row row;
	struct sp_stmt *st = NULL;
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	rc = req_load(cw, id, &row, err);
	if (!rc)
		rc = cw_authorise_agency(cw, CW_TRACING_CLOSE, &row.r.agency, err);
	if (!rc && row.r.status == SP_TRACING_CLOSED)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "the request is closed already");
	int64_t now = sp_now_us();
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "UPDATE tracing_requests SET status = 'closed', closed_us = ?, "
				      "updated_us = ?, version = version + 1 WHERE id = ? AND "
				      "version = ?",
				      &st, err);
	if (!rc && (sp_stmt_bind_int64(st, 1, now) | sp_stmt_bind_int64(st, 2, now) |
		    sp_stmt_bind_id(st, 3, id) | sp_stmt_bind_int64(st, 4, row.version))) {
		sp_stmt_done(st);
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	} else if (!rc) {
		rc = cw_step_versioned(st, "tracing request", err);
		sp_stmt_done(st);
	}
	if (!rc)
		rc = cw_audit(cw, CW_TRACING_CLOSE, "tracing_request", id, "stat", err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		*out = row.r;
		out->status = SP_TRACING_CLOSED;
		out->closed_us = out->updated_us = now;
	}
	return rc;
}

/* ---- the child's side ----------------------------------------------------------------- */

int sp_tracing_case_matches(struct sp_casework *cw, const struct sp_id *case_id,
			    struct sp_tracing_match **out, size_t *n, struct sp_err *err)
{
	struct sp_case c;
	struct sp_stmt *st = NULL;
	struct sp_tracing_match *list = NULL;
	size_t count = 0, cap = 0;
	*out = NULL;
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	rc = cw_case_load_for(cw, CW_TRACING_CASE_MATCHES, case_id, &c, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      MATCH_SELECT "WHERE case_id = ? ORDER BY created_us, id", &st,
				      err);
	if (!rc && sp_stmt_bind_id(st, 1, case_id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_tracing_match *grown =
			cw_array_grow(cw->arena, list, count, &cap, sizeof *list);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		list = grown;
		rc = match_row(st, &list[count++], err);
	}
	sp_stmt_done(st);
	if (rc == 0)
		rc = cw_audit(cw, CW_TRACING_CASE_MATCHES, "case", case_id, "stat", err);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = list;
		*n = count;
	}
	return rc;
}

int sp_tracing_review(struct sp_casework *cw, const struct sp_id *match_id,
		      struct sp_tracing_match *out, struct sp_tracing_request *req,
		      struct sp_err *err)
{
	struct sp_case c;
	struct sp_stmt *st = NULL;
	struct req_row row;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	rc = match_load(cw, match_id, out, &st, err);
	if (!rc)
		rc = cw_case_load_for(cw, CW_TRACING_REVIEW, &out->case_id, &c, err);
	if (!rc)
		rc = match_open(cw, &c, st, COL_VERIFY_NOTE, "verify_note", out, &out->verify_note,
				err);
	if (!rc)
		rc = match_open(cw, &c, st, COL_BIA_GROUNDS, "bia_grounds", out, &out->bia_grounds,
				err);
	if (!rc)
		rc = match_open(cw, &c, st, COL_DECISION_NOTE, "decision_note", out,
				&out->decision_note, err);
	sp_stmt_done(st);
	if (!rc)
		rc = req_load(cw, &out->request_id, &row, err);
	if (!rc)
		rc = req_open(cw, &row, err);
	if (!rc)
		rc = cw_audit(cw, CW_TRACING_REVIEW, "tracing_match", match_id, "stat,notes", err);
	rc = cw_finish(cw, rc, err);
	if (!rc)
		*req = row.r;
	return rc;
}

/* One step of the child's side on a match: loaded at version, its case allowed for action,
 * the request open, ready's check (may be NULL), the event's move; *c the case for sealing. */
static int step_begin(struct sp_casework *cw, enum cw_action action, const struct sp_id *id,
		      int64_t version, enum sp_match_event ev,
		      int (*ready)(const struct sp_tracing_match *m, struct sp_err *err),
		      struct sp_tracing_match *m, struct sp_case *c, struct sp_err *err)
{
	struct req_row row;
	int rc = match_load(cw, id, m, NULL, err);
	if (!rc)
		rc = cw_case_load_for(cw, action, &m->case_id, c, err);
	if (!rc && m->version != version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the match was changed meanwhile");
	if (!rc)
		rc = req_load(cw, &m->request_id, &row, err);
	if (!rc && row.r.status == SP_TRACING_CLOSED)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "the tracing request was closed");
	if (!rc && ready && m->state <= SP_MATCH_VERIFYING) /* not on a final state: /state */
		rc = ready(m, err);
	if (!rc && sp_match_next(m->state, ev) < 0)
		rc = sp_err_set(err, SP_ECONFLICT, "/state", "a %s match cannot be changed so",
				sp_match_state_name(m->state));
	return rc;
}

/* Write the step: the state after ev, the columns of set (a fragment "a = ?, b = ?") bound
 * by bind from parameter 1, the sealed note (NULL: none) into note_col, the request's status
 * again, the audit record. */
static int step_write(struct sp_casework *cw, enum cw_action action, struct sp_tracing_match *m,
		      const struct sp_case *c, enum sp_match_event ev, const char *set,
		      const char *note_col, const char *note,
		      int (*bind)(struct sp_stmt *st, const struct sp_tracing_match *m),
		      struct sp_err *err)
{
	char sql[512];
	struct sp_buf ct;
	struct sp_stmt *st = NULL;
	int64_t now = sp_now_us();
	m->state = (enum sp_match_state)sp_match_next(m->state, ev);
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	int rc = note ? cw_seal(cw, &c->person, "tracing_matches", note_col, &m->id, note,
				strlen(note), &ct, err)
		      : SP_OK;
	snprintf(sql, sizeof sql,
		 "UPDATE tracing_matches SET %s, %s = ?, state = ?, updated_us = ?, version = ? "
		 "WHERE id = ? AND version = ?",
		 set, note_col);
	if (!rc)
		rc = sp_store_prepare(cw->store, sql, &st, err);
	if (!rc) {
		int i = bind(st, m);
		int b = i < 0;
		b |= note ? sp_stmt_bind_blob(st, i + 1, ct.data, ct.len) : sp_stmt_bind_null(st, i + 1);
		b |= sp_stmt_bind_text(st, i + 2, sp_match_state_name(m->state)) |
		     sp_stmt_bind_int64(st, i + 3, now) | sp_stmt_bind_int64(st, i + 4, m->version + 1) |
		     sp_stmt_bind_id(st, i + 5, &m->id) | sp_stmt_bind_int64(st, i + 6, m->version);
		rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
		       : cw_step_versioned(st, "match", err);
		sp_stmt_done(st);
	}
	sp_buf_free(&ct);
	enum sp_tracing_status status;
	if (!rc)
		rc = req_restatus(cw, &m->request_id, now, &status, err);
	if (!rc)
		rc = cw_audit(cw, action, "tracing_match", &m->id, note ? "stat,notes" : "stat", err);
	if (!rc) {
		m->version++;
		m->updated_us = now;
	}
	return rc;
}

static int bind_verify(struct sp_stmt *st, const struct sp_tracing_match *m)
{
	int b = sp_stmt_bind_text(st, 1, sp_verify_method_name(m->verify_method)) |
		sp_stmt_bind_int64(st, 2, m->verify_confirmed) |
		sp_stmt_bind_id(st, 3, &m->verified_by) | sp_stmt_bind_int64(st, 4, m->verified_us);
	return b ? -1 : 4;
}

static int bind_assess(struct sp_stmt *st, const struct sp_tracing_match *m)
{
	int b = sp_stmt_bind_text(st, 1, sp_bia_outcome_name(m->bia)) |
		sp_stmt_bind_id(st, 2, &m->assessed_by) | sp_stmt_bind_int64(st, 3, m->assessed_us);
	return b ? -1 : 3;
}

static int bind_decide(struct sp_stmt *st, const struct sp_tracing_match *m)
{
	int b = sp_stmt_bind_id(st, 1, &m->decided_by) | sp_stmt_bind_int64(st, 2, m->decided_us);
	return b ? -1 : 2;
}

static int check_note(const char *note, bool required, const char *field, struct sp_err *err)
{
	if (!note)
		return required ? sp_err_set(err, SP_EINVAL, field, "is required") : SP_OK;
	return cw_text_check(note, SP_TRACING_NOTE_MAX, field, err);
}

int sp_tracing_verify(struct sp_casework *cw, const struct sp_id *match_id, int64_t version,
		      enum sp_verify_method method, bool confirmed, const char *note,
		      struct sp_tracing_match *out, struct sp_err *err)
{
	struct sp_case c;
	struct sp_tracing_match m;
	enum sp_match_event ev = confirmed ? SP_MEV_VERIFY_CONFIRMED : SP_MEV_VERIFY_NOT_CONFIRMED;
	if ((unsigned)method >= SP_VERIFY_METHOD_COUNT)
		return sp_err_set(err, SP_EINVAL, "/method", "unknown method");
	int rc = check_note(note, false, "/note", err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	rc = step_begin(cw, CW_TRACING_VERIFY, match_id, version, ev, NULL, &m, &c, err);
	if (!rc) {
		m.verified = true;
		m.verify_method = method;
		m.verify_confirmed = confirmed;
		m.verified_by = *cw_actor(cw);
		m.verified_us = sp_now_us();
		m.verify_note = note;
		rc = step_write(cw, CW_TRACING_VERIFY, &m, &c, ev,
				"verify_method = ?, verify_confirmed = ?, verified_by = ?, "
				"verified_us = ?",
				"verify_note", note, bind_verify, err);
	}
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = m;
	return rc;
}

int sp_tracing_assess(struct sp_casework *cw, const struct sp_id *match_id, int64_t version,
		      enum sp_bia_outcome outcome, const char *grounds,
		      struct sp_tracing_match *out, struct sp_err *err)
{
	struct sp_case c;
	struct sp_tracing_match m;
	if ((unsigned)outcome >= SP_BIA_OUTCOME_COUNT)
		return sp_err_set(err, SP_EINVAL, "/outcome", "unknown outcome");
	int rc = check_note(grounds, true, "/grounds", err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	rc = step_begin(cw, CW_TRACING_ASSESS, match_id, version, SP_MEV_ASSESS, NULL, &m, &c,
			err);
	if (!rc) {
		m.assessed = true;
		m.bia = outcome;
		m.assessed_by = *cw_actor(cw);
		m.assessed_us = sp_now_us();
		m.bia_grounds = grounds;
		rc = step_write(cw, CW_TRACING_ASSESS, &m, &c, SP_MEV_ASSESS,
				"bia_outcome = ?, assessed_by = ?, assessed_us = ?", "bia_grounds",
				grounds, bind_assess, err);
	}
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = m;
	return rc;
}

/* Contact is approved only on a confirmed relationship and a best-interests assessment that
 * found contact in the child's best interests. */
static int contact_ready(const struct sp_tracing_match *m, struct sp_err *err)
{
	if (!m->verified || !m->verify_confirmed)
		return sp_err_set(err, SP_ECONFLICT, "/verification",
				  "the relationship has not been verified");
	if (!m->assessed)
		return sp_err_set(err, SP_ECONFLICT, "/best_interests",
				  "no best-interests assessment is recorded");
	if (m->bia != SP_BIA_CONTACT)
		return sp_err_set(err, SP_ECONFLICT, "/best_interests",
				  "the assessment found contact not in the child's best interests");
	return SP_OK;
}

int sp_tracing_contact(struct sp_casework *cw, const struct sp_id *match_id, int64_t version,
		       bool approve, const char *note, struct sp_tracing_match *out,
		       struct sp_err *err)
{
	struct sp_case c;
	struct sp_tracing_match m;
	enum sp_match_event ev = approve ? SP_MEV_APPROVE : SP_MEV_DECLINE;
	int rc = check_note(note, !approve, "/note", err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	rc = step_begin(cw, CW_TRACING_CONTACT, match_id, version, ev,
			approve ? contact_ready : NULL, &m, &c, err);
	if (!rc) {
		m.decided_by = *cw_actor(cw);
		m.decided_us = sp_now_us();
		m.decision_note = note;
		rc = step_write(cw, CW_TRACING_CONTACT, &m, &c, ev,
				"decided_by = ?, decided_us = ?", "decision_note", note,
				bind_decide, err);
	}
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = m;
	return rc;
}

/* ---- retention ------------------------------------------------------------------------ */

/* The next page of closed requests closed at or before bound, of agency (NULL: all), after
 * the cursor (closed_us, id) once started; oldest closure first. */
struct expiry_scan {
	int64_t bound;
	const struct sp_id *agency;
	bool started;
	int64_t after_us;
	struct sp_id after_id;
};
#define EXPIRY_PAGE 64

static int expiry_page(struct sp_casework *cw, struct expiry_scan *sc, struct sp_id *ids,
		       int64_t *closed, size_t *n, struct sp_err *err)
{
	static const struct sp_id none;
	struct sp_stmt *st;
	*n = 0;
	int rc = sp_store_prepare(cw->store,
				  "SELECT id, closed_us FROM tracing_requests WHERE status = 'closed' "
				  "AND closed_us <= ? AND (? = 0 OR agency_id = ?) AND (? = 0 OR "
				  "closed_us > ? OR (closed_us = ? AND id > ?)) ORDER BY closed_us, id "
				  "LIMIT 64",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, sc->bound) | sp_stmt_bind_int64(st, 2, sc->agency != NULL) |
	    sp_stmt_bind_id(st, 3, sc->agency ? sc->agency : &none) |
	    sp_stmt_bind_int64(st, 4, sc->started) | sp_stmt_bind_int64(st, 5, sc->after_us) |
	    sp_stmt_bind_int64(st, 6, sc->after_us) | sp_stmt_bind_id(st, 7, &sc->after_id)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	while (*n < EXPIRY_PAGE && (rc = sp_stmt_step(st, err)) == 1) {
		if ((rc = sp_stmt_id(st, 0, &ids[*n])))
			break;
		closed[(*n)++] = sp_stmt_int64(st, 1);
	}
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	if (*n) {
		sc->started = true;
		sc->after_us = closed[*n - 1];
		sc->after_id = ids[*n - 1];
	}
	return SP_OK;
}

/* One request erased: its key destroyed first (repeatable: a run that fails after it finds
 * the request again and finishes it), then its matches and its row deleted with one
 * tracing.erase record, in one transaction. */
static int expire_one(struct sp_casework *cw, const struct sp_id *id, int months,
		      struct sp_err *err)
{
	char period[16];
	snprintf(period, sizeof period, "P%dM", months);
	int rc = cw_person_key_destroy(cw, id, err);
	if (!rc)
		rc = cw_begin(cw, err);
	if (rc)
		return rc;
	rc = cw_exec_id(cw, "DELETE FROM tracing_matches WHERE request_id = ?", id, err);
	if (!rc)
		rc = cw_exec_id(cw, "DELETE FROM tracing_requests WHERE id = ?", id, err);
	if (!rc)
		rc = cw_audit_act(cw, cw_act(CW_TRACING_ERASE), "tracing_request", id, 1,
				  "identity,notes", period, err);
	return cw_finish(cw, rc, err);
}

int cw_tracing_expire(struct sp_casework *cw, const struct cw_tracing_expiry *in, size_t *n,
		      struct sp_err *err)
{
	/* a month is at least 28 days: every due request is in the scan, each checked exactly */
	struct expiry_scan sc = {.bound = in->now_us - (int64_t)in->months * 28 * 86400000000LL,
				 .agency = in->agency};
	struct sp_id ids[EXPIRY_PAGE];
	int64_t closed[EXPIRY_PAGE];
	*n = 0;
	for (;;) {
		size_t k;
		int rc = expiry_page(cw, &sc, ids, closed, &k, err);
		if (rc || k == 0)
			return rc;
		for (size_t i = 0; i < k; i++) {
			int64_t due = sp_retention_due(closed[i], in->months);
			if (due > in->now_us)
				continue;
			if (!in->dry_run && (rc = expire_one(cw, &ids[i], in->months, err)))
				return rc;
			++*n;
			if (in->each && (rc = in->each(in->ctx, &ids[i], closed[i], due)))
				return rc;
		}
	}
}

/* ---- encoding ------------------------------------------------------------------------- */

json_t *sp_tracing_request_encode(const struct sp_tracing_request *r)
{
	char id[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1],
		closed[SP_TIME_STRLEN + 1];
	sp_id_format(&r->id, id);
	sp_time_format(r->created_us, created);
	sp_time_format(r->updated_us, updated);
	sp_time_format(r->closed_us, closed);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", id, "status",
			      sp_tracing_status_name(r->status), "created_at", created,
			      "updated_at", updated, "closed_at", r->closed_us ? closed : NULL);
	if (j && r->has_details &&
	    json_object_set_new(j, "request", sp_tracing_details_encode(&r->details))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *sp_tracing_match_encode(const struct sp_tracing_match *m)
{
	char id[SP_ID_STRLEN + 1], req[SP_ID_STRLEN + 1], kase[SP_ID_STRLEN + 1],
		by[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1],
		at[SP_TIME_STRLEN + 1];
	sp_id_format(&m->id, id);
	sp_id_format(&m->request_id, req);
	sp_id_format(&m->case_id, kase);
	sp_time_format(m->created_us, created);
	sp_time_format(m->updated_us, updated);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:I}", "id", id,
			      "request_id", req, "case_id", kase, "state",
			      sp_match_state_name(m->state), "score", m->score, "explanation",
			      m->explanation, "created_at", created, "updated_at", updated,
			      "version", (json_int_t)m->version);
	int bad = !j;
	if (!bad && m->verified) {
		sp_id_format(&m->verified_by, by);
		sp_time_format(m->verified_us, at);
		bad = json_object_set_new(
			j, "verification",
			json_pack("{s:s, s:b, s:s, s:s, s:s?}", "method",
				  sp_verify_method_name(m->verify_method), "confirmed",
				  m->verify_confirmed, "by", by, "at", at, "note", m->verify_note));
	}
	if (!bad && m->assessed) {
		sp_id_format(&m->assessed_by, by);
		sp_time_format(m->assessed_us, at);
		bad = json_object_set_new(j, "best_interests",
					  json_pack("{s:s, s:s, s:s, s:s?}", "outcome",
						    sp_bia_outcome_name(m->bia), "by", by, "at", at,
						    "grounds", m->bia_grounds));
	}
	if (!bad && m->decided_us) {
		sp_id_format(&m->decided_by, by);
		sp_time_format(m->decided_us, at);
		bad = json_object_set_new(
			j, "contact",
			json_pack("{s:b, s:s, s:s, s:s?}", "approved",
				  m->state == SP_MATCH_CONTACT_APPROVED, "by", by, "at", at, "note",
				  m->decision_note));
	}
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}
