/* Screenings: the owner of the screenings table. Each operation is one transaction on one
 * case (safepath/caseop.h): the policy decides first, answers, facts, the engine's result and
 * the official's conclusion are sealed under the person's key, the audit record is written in
 * the same transaction. The protocol is the exact file the screening started with (id,
 * version, content hash): a screening is never evaluated against another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identify/identify.h"
#include "safepath/caseevent.h"
#include "safepath/caseop.h"
#include "safepath/date.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/need.h"
#include "safepath/screening.h"
#include "safepath/store.h"
#include "safepath/task.h"

#define TABLE "screenings"
/* The field classes a screening's answers and result are, by its protocol's kind: a
 * first-contact screening is the screener's own work (class screening, within a screener's
 * reach on the cases assigned to it); an indicator interview holds trafficking and GBV
 * details, need-to-know. The list of a case's screenings shows workflow columns only. */
enum { OP_START, OP_SAVE, OP_COMPLETE, OP_READ, OP_COUNT };
#define SCREENING_FIELDS SP_FIELD(SP_FC_SCREENING)
#define INTERVIEW_FIELDS (SP_FIELD(SP_FC_TRAFFICKING) | SP_FIELD(SP_FC_GBV))
#define ACTS(fields)                                                          \
	{                                                                     \
		{SP_ACT_CASE_UPDATE, fields, "screening.start"},              \
		{SP_ACT_CASE_UPDATE, fields, "screening.save"},               \
		{SP_ACT_CASE_UPDATE, fields, "screening.complete"},           \
		{SP_ACT_CASE_READ, fields, "screening.read"},                 \
	}
static const struct sp_case_act first_contact_acts[OP_COUNT] = ACTS(SCREENING_FIELDS);
static const struct sp_case_act interview_acts[OP_COUNT] = ACTS(INTERVIEW_FIELDS);
static const struct sp_case_act act_list = {SP_ACT_CASE_READ, SP_FIELD(SP_FC_STAT),
					    "screening.list"};

static const struct sp_case_act *act_of(enum sp_proto_kind kind, int op)
{
	return kind == SP_KIND_FIRST_CONTACT ? &first_contact_acts[op] : &interview_acts[op];
}

/* The audit record's field classes, as the policy names them. */
static const char *field_names(enum sp_proto_kind kind)
{
	return kind == SP_KIND_FIRST_CONTACT ? "screening" : "trafficking,gbv";
}

static const char *const status_names[] = {
	[SP_SCREENING_IN_PROGRESS] = "in_progress",
	[SP_SCREENING_COMPLETED] = "completed",
};

const char *sp_screening_status_name(enum sp_screening_status s)
{
	return (unsigned)s <= SP_SCREENING_COMPLETED ? status_names[s] : "?";
}

static int status_parse(const char *s)
{
	return sp_name_index(status_names, SP_SCREENING_COMPLETED + 1, s);
}

/* ---- rows ---- */

#define COLUMNS                                                                              \
	"id, case_id, protocol_id, protocol_version, protocol_hash, status, lang, interpreter, " \
	"differs, started_by, started_us, updated_us, completed_us, version, kind"

/* The sealed columns of a row, copied out of the statement (ciphertext is no secret). */
struct sealed {
	const void *ct[4];
	size_t n[4];
};
static const char *const sealed_columns[4] = {"facts", "answers", "result", "conclusion"};

static int kind_parse(const char *s)
{
	for (int k = SP_KIND_FIRST_CONTACT; s && k <= SP_KIND_FORCED_LABOUR; k++)
		if (strcmp(s, sp_proto_kind_name((enum sp_proto_kind)k)) == 0)
			return k;
	return -1;
}

static int read_row(struct sp_stmt *st, struct sp_arena *a, struct sp_screening *s,
		    struct sealed *sealed, struct sp_err *err)
{
	memset(s, 0, sizeof *s);
	int status = status_parse(sp_stmt_text(st, 5));
	int kind = kind_parse(sp_stmt_text(st, 14));
	const char *interp = sp_stmt_text(st, 7);
	if (sp_stmt_id(st, 0, &s->id) || sp_stmt_id(st, 1, &s->case_id) ||
	    sp_text_copy(s->protocol_id, sizeof s->protocol_id, sp_stmt_text(st, 2)) ||
	    sp_text_copy(s->protocol_hash, sizeof s->protocol_hash, sp_stmt_text(st, 4)) ||
	    status < 0 || kind < 0 || sp_text_copy(s->lang, sizeof s->lang, sp_stmt_text(st, 6)) ||
	    (interp && sp_text_copy(s->interpreter, sizeof s->interpreter, interp)) ||
	    sp_stmt_id(st, 9, &s->started_by))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed screening row");
	s->protocol_version = (int)sp_stmt_int64(st, 3);
	s->status = (enum sp_screening_status)status;
	s->kind = (enum sp_proto_kind)kind;
	s->differs = !sp_stmt_is_null(st, 8) && sp_stmt_int64(st, 8) != 0;
	s->started_us = sp_stmt_int64(st, 10);
	s->updated_us = sp_stmt_int64(st, 11);
	s->completed_us = sp_stmt_is_null(st, 12) ? 0 : sp_stmt_int64(st, 12);
	s->version = sp_stmt_int64(st, 13);
	for (int i = 0; sealed && i < 4; i++) {
		size_t n = 0;
		const void *b = sp_stmt_is_null(st, 15 + i) ? NULL : sp_stmt_blob(st, 15 + i, &n);
		void *copy = b ? sp_arena_alloc(a, n ? n : 1) : NULL;
		if (b && !copy)
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		if (b)
			memcpy(copy, b, n);
		sealed->ct[i] = copy;
		sealed->n[i] = n;
	}
	return SP_OK;
}

/* The row by id with its ciphertexts, inside the open transaction. */
static int load(struct sp_caseop *op, const struct sp_id *id, struct sp_screening *s,
		struct sealed *sealed, struct sp_err *err)
{
	struct sp_stmt *st;
	const struct sp_id want = *id; /* id may be s's own */
	memset(s, 0, sizeof *s);        /* the analyzer cannot see read_row fill it */
	int rc = sp_store_prepare(op->cw->store,
				  "SELECT " COLUMNS ", facts, answers, result, conclusion "
				  "FROM screenings WHERE id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &want)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such screening");
	else if (rc > 0)
		rc = read_row(st, op->cw->arena, s, sealed, err);
	sp_stmt_done(st);
	return rc;
}

/* The row by id, its case allowed by the policy for the operation `which` (OP_*) on a
 * screening of its kind, its sealed values open. */
static int load_open(struct sp_caseop *op, int which, const struct sp_id *id,
		     struct sp_screening *s, struct sp_err *err)
{
	struct sealed sealed = {{0}, {0}};
	int rc = load(op, id, s, &sealed, err);
	if (!rc) {
		op->act = act_of(s->kind, which);
		rc = sp_caseop_case(op, &s->case_id, err);
	}
	const char **out[4] = {&s->facts, &s->answers, &s->result, &s->conclusion};
	for (int i = 0; !rc && i < 4; i++) {
		size_t len;
		if (sealed.ct[i])
			rc = sp_caseop_open(op, TABLE, sealed_columns[i], &s->id, sealed.ct[i],
					    sealed.n[i], out[i], &len, err);
	}
	return rc;
}

int sp_screening_result_in(struct sp_caseop *op, const struct sp_id *id, const char **result,
			   struct sp_err *err)
{
	struct sp_screening s;
	struct sealed sealed = {{0}, {0}};
	size_t len;
	*result = NULL;
	int rc = load(op, id, &s, &sealed, err);
	if (!rc && (memcmp(s.case_id.b, op->c.id.b, SP_ID_LEN) != 0 ||
		    s.status != SP_SCREENING_COMPLETED || !sealed.ct[2]))
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such completed screening on this case");
	if (!rc && !sp_caseop_may(op, act_of(s.kind, OP_READ)))
		rc = sp_caseop_refuse(op, SP_REASON_NEED_TO_KNOW,
				      "the screening's result is beyond your reach", err);
	if (!rc)
		rc = sp_caseop_open(op, TABLE, sealed_columns[2], &s.id, sealed.ct[2], sealed.n[2],
				    result, &len, err);
	return rc;
}

/* Seal n texts of screening id, each under the case person's key bound to its column, into
 * bufs[0..n) (initialised here; the caller frees them with sp_buf_free, also on failure). */
static int seal_all(struct sp_caseop *op, const struct sp_id *id, const char *const *columns,
		    const char *const *texts, struct sp_buf *bufs, size_t n, struct sp_err *err)
{
	int rc = SP_OK;
	for (size_t i = 0; i < n; i++)
		sp_buf_init(&bufs[i], 4u << 20);
	for (size_t i = 0; !rc && i < n; i++)
		rc = texts[i] ? sp_caseop_seal(op, TABLE, columns[i], id, texts[i], strlen(texts[i]),
					       &bufs[i], err)
			      : sp_err_set(err, SP_EINTERNAL, "", "nothing to seal");
	return rc;
}

static void free_all(struct sp_buf *bufs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sp_buf_free(&bufs[i]);
}

static int step_done(struct sp_stmt *st, int bind_failed, struct sp_err *err)
{
	int rc = bind_failed ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
			     : sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the screening was changed meanwhile");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}

/* Keep a JSON value's text in the arena (plaintext: wiped with it); the dump is wiped too. */
static int dump_into(struct sp_arena *a, const json_t *j, const char **out, struct sp_err *err)
{
	char *text = sp_json_dump(j);
	*out = text ? sp_arena_strdup(a, text) : NULL;
	sp_json_free(text);
	return *out ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
}

/* ---- the person's facts, from the case ---- */

static char sex_letter(enum sp_sex s)
{
	static const char letters[SP_SEX_COUNT] = {
		[SP_SEX_UNKNOWN] = 'U', [SP_SEX_FEMALE] = 'F', [SP_SEX_MALE] = 'M',
		[SP_SEX_OTHER] = 'X'};
	return letters[(unsigned)s < SP_SEX_COUNT ? s : SP_SEX_UNKNOWN];
}

/* What the case tells the engine: the age from the date of birth when it gives one (a span
 * that straddles 18 is an unknown age), the age dispute, unaccompanied and separated from the
 * case flags (a flag not set is unknown, never "no"), the sex, and the case's current
 * age-assessment decision, which settles child or adult whatever was presumed. */
static int facts_json(struct sp_caseop *op, json_t **out, struct sp_err *err)
{
	struct sp_person p;
	bool has = false;
	int rc = sp_caseop_person(op, &p, &has, err);
	if (rc)
		return rc;
	json_t *f = json_object();
	int bad = !f;
	bool age_known = false;
	if (has && p.has_birth) {
		struct sp_date today;
		struct sp_err e = {0};
		int lo, hi;
		if (!sp_date_today(&today, &e) &&
		    !sp_date_age_at(&p.birth, &today, &lo, &hi, &e) &&
		    (lo == hi || hi < 18 || lo >= 18)) {
			bad |= json_object_set_new(f, "age", json_integer(hi < 18 ? hi : lo));
			age_known = true;
		}
	}
	unsigned flags = op->c.flags;
	bad |= json_object_set_new(f, "age_unknown", json_boolean(!age_known));
	bad |= json_object_set_new(f, "age_disputed",
				   json_boolean((flags & SP_CASE_AGE_DISPUTED) != 0));
	if (flags & SP_CASE_UNACCOMPANIED_CHILD)
		bad |= json_object_set_new(f, "unaccompanied", json_true());
	if (flags & SP_CASE_SEPARATED_CHILD)
		bad |= json_object_set_new(f, "separated", json_true());
	if (has) {
		char sex[2] = {sex_letter(p.sex), '\0'};
		bad |= json_object_set_new(f, "sex", json_string(sex));
	}
	int child = -1;
	rc = sp_decision_current_age(op, &child, err);
	if (!rc && child >= 0)
		bad |= json_object_set_new(f, "age_assessment",
					   json_string(child ? "child" : "adult"));
	if (rc || bad) {
		json_decref(f);
		return rc ? rc : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	*out = f;
	return SP_OK;
}

/* ---- start ---- */

static int check_start(const struct sp_protocols *reg, const struct sp_screening_start *in,
		       const struct sp_protocol **p, char lang[SP_CODE_MAX],
		       char interp[SP_CODE_MAX], struct sp_err *err)
{
	*p = in->protocol ? sp_protocols_lookup(reg, in->protocol) : NULL;
	if (!*p)
		return sp_err_set(err, SP_EINVAL, "/protocol", "no such protocol");
	if (!in->lang || sp_language_code(in->lang, lang, err))
		return sp_err_set(err, SP_EINVAL, "/lang", "unknown language");
	interp[0] = '\0';
	if (in->interpreter && sp_language_code(in->interpreter, interp, err))
		return sp_err_set(err, SP_EINVAL, "/interpreter", "unknown language");
	return SP_OK;
}

static int insert(struct sp_caseop *op, const struct sp_screening *s, struct sp_err *err)
{
	static const char *const columns[] = {"facts", "answers"};
	const char *const texts[] = {s->facts, s->answers};
	struct sp_buf ct[2];
	struct sp_stmt *st = NULL;
	int rc = seal_all(op, &s->id, columns, texts, ct, 2, err);
	if (!rc)
		rc = sp_store_prepare(op->cw->store,
				      "INSERT INTO screenings (id, case_id, protocol_id, "
				      "protocol_version, protocol_hash, status, lang, interpreter, "
				      "facts, answers, started_by, started_us, updated_us, version, kind) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      &st, err);
	if (!rc) {
		int b = sp_stmt_bind_id(st, 1, &s->id);
		b |= sp_stmt_bind_id(st, 2, &s->case_id);
		b |= sp_stmt_bind_text(st, 3, s->protocol_id);
		b |= sp_stmt_bind_int64(st, 4, s->protocol_version);
		b |= sp_stmt_bind_text(st, 5, s->protocol_hash);
		b |= sp_stmt_bind_text(st, 6, sp_screening_status_name(s->status));
		b |= sp_stmt_bind_text(st, 7, s->lang);
		b |= sp_stmt_bind_text(st, 8, s->interpreter[0] ? s->interpreter : NULL);
		b |= sp_stmt_bind_blob(st, 9, ct[0].data, ct[0].len);
		b |= sp_stmt_bind_blob(st, 10, ct[1].data, ct[1].len);
		b |= sp_stmt_bind_id(st, 11, &s->started_by);
		b |= sp_stmt_bind_int64(st, 12, s->started_us);
		b |= sp_stmt_bind_int64(st, 13, s->updated_us);
		b |= sp_stmt_bind_int64(st, 14, s->version);
		b |= sp_stmt_bind_text(st, 15, sp_proto_kind_name(s->kind));
		rc = step_done(st, b, err);
	}
	free_all(ct, 2);
	return rc;
}

int sp_screening_start(struct sp_casework *cw, const struct sp_protocols *reg,
		       const struct sp_id *case_id, const struct sp_screening_start *in,
		       struct sp_screening *out, struct sp_err *err)
{
	const struct sp_protocol *p = NULL;
	struct sp_screening s = {0};
	int rc = check_start(reg, in, &p, s.lang, s.interpreter, err);
	if (rc || !p)
		return rc ? rc : sp_err_set(err, SP_EINTERNAL, "", "no protocol");
	struct sp_caseop op;
	if ((rc = sp_caseop_begin(cw, act_of(p->kind, OP_START), true, &op, err)))
		return rc;
	json_t *facts = NULL;
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc)
		rc = facts_json(&op, &facts, err);
	if (!rc) {
		struct sp_facts f;
		struct sp_diag d;
		sp_diag_init(&d);
		if (sp_facts_decode(facts, &f, &d)) /* what facts_json wrote */
			rc = sp_err_set(err, SP_EINTERNAL, "", "facts not decoded");
		sp_diag_free(&d);
		/* The child variant is chosen once, here: the wizard asks its questions. */
		if (!rc)
			p = sp_protocols_variant(reg, p, NULL, &f);
	}
	if (!rc && strlen(p->id) >= sizeof s.protocol_id)
		rc = sp_err_set(err, SP_EINVAL, "/protocol", "protocol id too long");
	if (!rc) {
		sp_id_new(&s.id);
		s.case_id = *case_id;
		memcpy(s.protocol_id, p->id, strlen(p->id) + 1);
		s.kind = p->kind;
		s.protocol_version = p->version;
		memcpy(s.protocol_hash, p->hash, sizeof s.protocol_hash);
		s.status = SP_SCREENING_IN_PROGRESS;
		s.started_by = cw->subject->user;
		s.started_us = s.updated_us = sp_now_us();
		s.version = 1;
		s.answers = "{}";
		rc = dump_into(cw->arena, facts, &s.facts, err);
	}
	if (!rc)
		rc = insert(&op, &s, err);
	if (!rc)
		rc = sp_caseop_idem(&op, "screening", &s.id, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "screening", &s.id, field_names(s.kind), NULL, err);
	json_decref(facts);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = s;
	return rc;
}

/* ---- read ---- */

int sp_screening_get(struct sp_casework *cw, const struct sp_id *id, struct sp_screening *out,
		     struct sp_err *err)
{
	struct sp_caseop op;
	int rc = sp_caseop_begin(cw, act_of(SP_KIND_TRAFFICKING, OP_READ), false, &op, err);
	if (rc)
		return rc;
	rc = load_open(&op, OP_READ, id, out, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "screening", id, field_names(out->kind), NULL, err);
	return sp_caseop_finish(&op, rc, err);
}

int sp_screening_list(struct sp_casework *cw, const struct sp_id *case_id,
		      struct sp_screening **out, size_t *n, struct sp_err *err)
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
				      "SELECT " COLUMNS " FROM screenings WHERE case_id = ? "
				      "ORDER BY started_us, id",
				      &st, err);
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		struct sp_screening *grown = sp_arena_grow(cw->arena, *out, *n, &cap, sizeof *grown);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		*out = grown;
		rc = read_row(st, cw->arena, &(*out)[*n], NULL, err);
		if (!rc)
			(*n)++;
	}
	sp_stmt_done(st);
	/* one record for the case: the list shows its screenings' workflow columns */
	if (!rc)
		rc = sp_caseop_audit(&op, "case", case_id, "stat", NULL, err);
	return sp_caseop_finish(&op, rc, err);
}

/* ---- the protocol a screening was started with ---- */

static const struct sp_protocol *protocol_of(const struct sp_protocols *reg,
					     const struct sp_screening *s, struct sp_err *err)
{
	const struct sp_protocol *p = sp_protocols_find(reg, s->protocol_id, s->protocol_version);
	if (!p || strcmp(p->hash, s->protocol_hash) != 0) {
		sp_err_set(err, SP_EUNAVAIL, "",
			   "the screening's protocol is not loaded with the same content");
		return NULL;
	}
	return p;
}

/* Decode the stored answers and facts against p: the engine's input. */
static int engine_input(const struct sp_protocol *p, const struct sp_screening *s, json_t **answers,
			struct sp_answers *ans, struct sp_facts *f, struct sp_err *err)
{
	struct sp_diag d;
	sp_diag_init(&d);
	json_t *facts = sp_json_parse(s->facts, strlen(s->facts), err);
	*answers = facts ? sp_json_parse(s->answers, strlen(s->answers), err) : NULL;
	int rc = *answers ? SP_OK : SP_EINTERNAL;
	if (!rc)
		rc = sp_answers_init(ans, p);
	if (!rc && (sp_facts_decode(facts, f, &d) || sp_answers_decode(p, *answers, ans, &d))) {
		sp_answers_free(ans);
		rc = SP_EINTERNAL;
	}
	sp_diag_free(&d);
	json_decref(facts);
	if (rc) {
		json_decref(*answers);
		*answers = NULL;
		return sp_err_set(err, SP_EINTERNAL, "", "stored answers do not decode");
	}
	return SP_OK;
}

/* ---- save ---- */

static int update_answers(struct sp_caseop *op, struct sp_screening *s, int64_t version,
			  struct sp_err *err)
{
	static const char *const columns[] = {"answers"};
	struct sp_buf ct;
	struct sp_stmt *st = NULL;
	int rc = seal_all(op, &s->id, columns, &s->answers, &ct, 1, err);
	if (!rc)
		rc = sp_store_prepare(op->cw->store,
				      "UPDATE screenings SET answers = ?, updated_us = ?, version = ? "
				      "WHERE id = ? AND version = ?",
				      &st, err);
	if (!rc) {
		int b = sp_stmt_bind_blob(st, 1, ct.data, ct.len);
		b |= sp_stmt_bind_int64(st, 2, s->updated_us);
		b |= sp_stmt_bind_int64(st, 3, s->version);
		b |= sp_stmt_bind_id(st, 4, &s->id);
		b |= sp_stmt_bind_int64(st, 5, version);
		rc = step_done(st, b, err);
	}
	free_all(&ct, 1);
	return rc;
}

/* A screening that may change: in progress and at the version the client read. */
static int check_writable(const struct sp_screening *s, int64_t version, struct sp_err *err)
{
	if (s->status != SP_SCREENING_IN_PROGRESS)
		return sp_err_set(err, SP_ECONFLICT, "/status", "the screening is completed");
	if (s->version != version)
		return sp_err_set(err, SP_ECONFLICT, "/version", "the screening was changed meanwhile");
	return SP_OK;
}

static void step_on(struct sp_screening *s)
{
	int64_t now = sp_now_us();
	s->updated_us = now > s->updated_us ? now : s->updated_us + 1;
	s->version++;
}

/* The stored answers with patch merged in (null removes), checked against p. */
static int merge(const struct sp_protocol *p, struct sp_screening *s, json_t *patch,
		 struct sp_arena *a, struct sp_diag *diag, struct sp_err *err)
{
	json_t *all = sp_json_parse(s->answers, strlen(s->answers), err);
	if (!all)
		return SP_EINTERNAL;
	const char *key;
	json_t *v;
	int bad = 0;
	json_object_foreach(patch, key, v)
		bad |= json_is_null(v) ? (json_object_del(all, key), 0)
				       : json_object_set(all, key, v);
	struct sp_answers ans;
	int rc = bad ? sp_err_set(err, SP_ENOMEM, "", "out of memory") : sp_answers_init(&ans, p);
	if (!rc) {
		size_t before = diag->n;
		if (sp_answers_decode(p, all, &ans, diag) || diag->n > before)
			rc = sp_err_set(err, SP_EINVAL, diag->n > before ? diag->items[before].pointer : "",
					"%s", diag->n > before ? diag->items[before].msg : "bad answers");
		sp_answers_free(&ans);
	}
	if (!rc)
		rc = dump_into(a, all, &s->answers, err);
	json_decref(all);
	return rc;
}

int sp_screening_save(struct sp_casework *cw, const struct sp_protocols *reg,
		      const struct sp_id *id, int64_t version, json_t *answers,
		      struct sp_screening *out, struct sp_diag *diag, struct sp_err *err)
{
	if (!json_is_object(answers))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	struct sp_caseop op;
	struct sp_screening s;
	int rc = sp_caseop_begin(cw, act_of(SP_KIND_TRAFFICKING, OP_SAVE), true, &op, err);
	if (rc)
		return rc;
	const struct sp_protocol *p = NULL;
	rc = load_open(&op, OP_SAVE, id, &s, err);
	if (!rc)
		rc = check_writable(&s, version, err);
	if (!rc && !(p = protocol_of(reg, &s, err)))
		rc = err->code;
	if (!rc)
		rc = merge(p, &s, answers, cw->arena, diag, err);
	if (!rc) {
		step_on(&s);
		rc = update_answers(&op, &s, version, err);
	}
	if (!rc)
		rc = sp_caseop_audit(&op, "screening", id, field_names(s.kind), NULL, err);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = s;
	return rc;
}

/* ---- the official's conclusion ---- */

static const char *const tri_words[] = {[SP_TRI_NO] = "no", [SP_TRI_YES] = "yes",
					[SP_TRI_UNKNOWN] = "undetermined"};

static int vocab_member(const struct sp_protocol *p, json_t *j, const char *key,
			enum sp_vocab_kind kind, int *out, struct sp_err *err)
{
	char field[48];
	snprintf(field, sizeof field, "/%s", key);
	json_t *v = json_object_get(j, key);
	if (!json_is_string(v))
		return sp_err_set(err, SP_EINVAL, field, v ? "must be a string" : "is required");
	*out = sp_vocab_find(p->vocab, kind, json_string_value(v));
	return *out < 0 ? sp_err_set(err, SP_EINVAL, field, "unknown %s", sp_vocab_kind_name(kind))
			: SP_OK;
}

int sp_conclusion_decode(const struct sp_protocol *p, json_t *j, struct sp_conclusion *out,
			 struct sp_err *err)
{
	static const char *const keys[] = {"possible_trafficking", "intervention_level",
					   "priority", "child", NULL};
	memset(out, 0, sizeof *out);
	if (!json_is_object(j))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int rc = sp_json_only_keys(j, keys, err);
	if (rc)
		return rc;
	json_t *t = json_object_get(j, "possible_trafficking");
	out->possible_trafficking = SP_TRI_UNKNOWN;
	int found = -1;
	for (int i = 0; json_is_string(t) && i < 3; i++)
		if (strcmp(json_string_value(t), tri_words[i]) == 0)
			found = i;
	if (found < 0)
		return sp_err_set(err, SP_EINVAL, "/possible_trafficking",
				  t ? "must be \"yes\", \"no\" or \"undetermined\"" : "is required");
	out->possible_trafficking = (enum sp_tri)found;
	if ((rc = vocab_member(p, j, "intervention_level", SP_VOCAB_INTERVENTION_LEVELS,
			       &out->intervention_level, err)) ||
	    (rc = vocab_member(p, j, "priority", SP_VOCAB_PRIORITIES, &out->priority, err)))
		return rc;
	json_t *c = json_object_get(j, "child");
	if (!json_is_boolean(c))
		return sp_err_set(err, SP_EINVAL, "/child", c ? "must be true or false" : "is required");
	out->child = json_is_true(c);
	return SP_OK;
}

/* The engine's reading on possible trafficking: any reading holds, every one fails, or not
 * yet known. SP_TRI_UNKNOWN with *has false when the protocol has no readings. */
static enum sp_tri engine_trafficking(const struct sp_result *r, bool *has)
{
	bool any_unknown = false;
	*has = r->p->n_readings > 0;
	for (unsigned i = 0; i < r->p->n_readings; i++) {
		if (r->reading[i] == SP_TRI_YES)
			return SP_TRI_YES;
		any_unknown |= r->reading[i] == SP_TRI_UNKNOWN;
	}
	return any_unknown ? SP_TRI_UNKNOWN : SP_TRI_NO;
}

unsigned sp_conclusion_differs(const struct sp_result *r, const struct sp_conclusion *c)
{
	unsigned d = 0;
	bool has;
	enum sp_tri t = engine_trafficking(r, &has);
	if (has && t != c->possible_trafficking)
		d |= SP_DIFFERS_TRAFFICKING;
	if (r->intervention_level >= 0 && r->intervention_level != c->intervention_level)
		d |= SP_DIFFERS_INTERVENTION;
	if (r->priority >= 0 && r->priority != c->priority)
		d |= SP_DIFFERS_PRIORITY;
	bool child = r->group == SP_PERSON_CHILD || r->presumed_child;
	if (child != c->child)
		d |= SP_DIFFERS_CHILD;
	return d;
}

static const char *const differs_names[] = {"possible_trafficking", "intervention_level",
					    "priority", "child"};

/* The conclusion as stored: what the official said, the reason, and what differs. */
static json_t *conclusion_json(const struct sp_protocol *p, const struct sp_conclusion *c,
			       const char *reason, unsigned differs)
{
	json_t *d = json_array();
	for (unsigned i = 0; d && i < 4; i++)
		if ((differs & (1u << i)) && json_array_append_new(d, json_string(differs_names[i]))) {
			json_decref(d);
			d = NULL;
		}
	return json_pack(
		"{s:s, s:s, s:s, s:b, s:s?, s:o?}", "possible_trafficking",
		tri_words[c->possible_trafficking], "intervention_level",
		sp_vocab_id(p->vocab, SP_VOCAB_INTERVENTION_LEVELS, (size_t)c->intervention_level),
		"priority", sp_vocab_id(p->vocab, SP_VOCAB_PRIORITIES, (size_t)c->priority), "child",
		c->child, "reason", reason, "differs", d);
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* What a completed screening changes on the case, in the completion's transaction:
 * the case flags it implies — a presumed child whose age was unknown makes the age disputed;
 * the official's "yes" on possible trafficking makes the case a possible victim's (HTCDS
 * PossibleVictimOfTrafficking); the needs the result names become the case's needs (unmet,
 * from this screening) and its tasks the official's tasks, due the hours the protocol gives
 * from now (an unaccompanied or presumed child's urgent guardian appointment among them), each
 * with its own policy check and audit record in the completion's transaction; the deadlines
 * of jurisdiction jur a child presumption and a first identification start. The suggested
 * referrals stay suggestions in the result, for the referral wing. */
static int screening_apply_outcomes(struct sp_caseop *op, const struct sp_jurisdictions *jurs,
				    const struct sp_jurisdiction *jur,
				    const struct sp_id *screening, const struct sp_result *r,
				    const struct sp_facts *f, const struct sp_conclusion *c,
				    struct sp_err *err)
{
	unsigned flags = 0;
	if (r->presumed_child && !f->has_age)
		flags |= SP_CASE_AGE_DISPUTED;
	if (c->possible_trafficking == SP_TRI_YES)
		flags |= SP_CASE_POSSIBLE_VOT;
	int rc = flags ? sp_caseop_flags_on(op, flags, err) : SP_OK;
	const struct sp_vocab *v = r->p->vocab;
	for (unsigned i = 0; !rc && i < r->n_needs; i++) {
		const struct sp_need_new need = {.kind = sp_vocab_id(v, SP_VOCAB_NEEDS, r->needs[i]),
						 .source = SP_NEED_FROM_SCREENING,
						 .screening = screening};
		rc = sp_need_add_in(op, &need, NULL, err);
	}
	int64_t now = sp_now_us();
	for (unsigned i = 0; !rc && i < r->n_tasks; i++) {
		const struct sp_result_task *t = &r->tasks[i];
		int pr = t->priority < 0 ? SP_TASK_ROUTINE
					 : sp_task_priority_parse(
						   sp_vocab_id(v, SP_VOCAB_PRIORITIES, (size_t)t->priority));
		const struct sp_task_new task = {
			.kind = sp_vocab_id(v, SP_VOCAB_TASKS, t->task),
			.due_us = t->due_hours < 0 ? 0 : now + (int64_t)t->due_hours * 3600 * 1000000,
			.priority = pr < 0 ? SP_TASK_ROUTINE : (enum sp_task_priority)pr,
		};
		rc = sp_task_add_in(op, &task, NULL, err);
	}
	/* the deadlines: a presumed child's protection starts now, as does whatever follows a
	 * first identification as a possible victim */
	struct sp_case_event ev = {SP_EVENT_CHILD_PRESUMED, now, SP_DEADLINE_FROM_SCREENING,
				   screening};
	if (!rc && r->presumed_child)
		rc = sp_case_event_in(op, jurs, jur, &ev, NULL, err);
	ev.event = SP_EVENT_IDENTIFICATION;
	if (!rc && c->possible_trafficking == SP_TRI_YES)
		rc = sp_case_event_in(op, jurs, jur, &ev, NULL, err);
	return rc;
}

static int update_completed(struct sp_caseop *op, struct sp_screening *s, int64_t version,
			    struct sp_err *err)
{
	static const char *const columns[] = {"result", "conclusion"};
	const char *const texts[] = {s->result, s->conclusion};
	struct sp_buf ct[2];
	struct sp_stmt *st = NULL;
	int rc = seal_all(op, &s->id, columns, texts, ct, 2, err);
	if (!rc)
		rc = sp_store_prepare(op->cw->store,
				      "UPDATE screenings SET status = ?, result = ?, conclusion = ?, "
				      "differs = ?, completed_us = ?, updated_us = ?, version = ? "
				      "WHERE id = ? AND version = ?",
				      &st, err);
	if (!rc) {
		int b = sp_stmt_bind_text(st, 1, sp_screening_status_name(s->status));
		b |= sp_stmt_bind_blob(st, 2, ct[0].data, ct[0].len);
		b |= sp_stmt_bind_blob(st, 3, ct[1].data, ct[1].len);
		b |= sp_stmt_bind_int64(st, 4, s->differs);
		b |= sp_stmt_bind_int64(st, 5, s->completed_us);
		b |= sp_stmt_bind_int64(st, 6, s->updated_us);
		b |= sp_stmt_bind_int64(st, 7, s->version);
		b |= sp_stmt_bind_id(st, 8, &s->id);
		b |= sp_stmt_bind_int64(st, 9, version);
		rc = step_done(st, b, err);
	}
	free_all(ct, 2);
	return rc;
}

/* Evaluate, compare, and put the result and the conclusion texts into s. */
static int conclude(const struct sp_protocol *p, struct sp_screening *s, json_t *conclusion,
		    const char *reason, struct sp_arena *a, struct sp_result *r,
		    struct sp_facts *f, struct sp_conclusion *c, struct sp_err *err)
{
	json_t *answers = NULL;
	struct sp_answers ans;
	int rc = sp_conclusion_decode(p, conclusion, c, err);
	if (rc)
		return rc;
	if (reason && strlen(reason) > SP_SCREENING_REASON_MAX)
		return sp_err_set(err, SP_EINVAL, "/reason", "is too long");
	if ((rc = engine_input(p, s, &answers, &ans, f, err)))
		return rc;
	sp_evaluate(p, &ans, f, r);
	unsigned differs = sp_conclusion_differs(r, c);
	if (differs && blank(reason))
		rc = sp_err_set(err, SP_EINVAL, "/reason",
				"is required: the conclusion differs from the screening's result");
	struct sp_buf out;
	sp_buf_init(&out, 4u << 20);
	if (!rc) /* the record is in English; answers render it in the language asked */
		rc = sp_result_json(r, "en", &out);
	if (!rc && !(s->result = sp_arena_strndup(a, out.data, out.len)))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	json_t *cj = rc ? NULL : conclusion_json(p, c, blank(reason) ? NULL : reason, differs);
	if (!rc)
		rc = cj ? dump_into(a, cj, &s->conclusion, err)
			: sp_err_set(err, SP_ENOMEM, "", "out of memory");
	json_decref(cj);
	sp_buf_free(&out);
	s->differs = differs != 0;
	sp_answers_free(&ans);
	json_decref(answers);
	return rc;
}

int sp_screening_complete(struct sp_casework *cw, const struct sp_protocols *reg,
			  const struct sp_jurisdictions *jurs, const struct sp_jurisdiction *jur,
			  const struct sp_id *id, int64_t version, json_t *conclusion,
			  const char *reason, struct sp_screening *out, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_screening s;
	struct sp_result r = {0};
	struct sp_facts f;
	struct sp_conclusion c = {SP_TRI_UNKNOWN, 0, 0, false};
	bool has_result = false;
	sp_facts_init(&f);
	int rc = sp_caseop_begin(cw, act_of(SP_KIND_TRAFFICKING, OP_COMPLETE), true, &op, err);
	if (rc)
		return rc;
	const struct sp_protocol *p = NULL;
	rc = load_open(&op, OP_COMPLETE, id, &s, err);
	if (!rc)
		rc = check_writable(&s, version, err);
	if (!rc && !(p = protocol_of(reg, &s, err)))
		rc = err->code;
	if (!rc && !(rc = sp_result_init(&r, p)))
		has_result = true;
	if (!rc)
		rc = conclude(p, &s, conclusion, reason, cw->arena, &r, &f, &c, err);
	if (!rc) {
		step_on(&s);
		s.status = SP_SCREENING_COMPLETED;
		s.completed_us = s.updated_us;
		rc = update_completed(&op, &s, version, err);
	}
	if (!rc)
		rc = screening_apply_outcomes(&op, jurs, jur, id, &r, &f, &c, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "screening", id, field_names(s.kind), s.differs ? "differs" : NULL,
				     err);
	if (has_result)
		sp_result_free(&r);
	rc = sp_caseop_finish(&op, rc, err);
	if (!rc && out)
		*out = s;
	return rc;
}

/* ---- the API's view ---- */

json_t *sp_screening_encode_row(const struct sp_screening *s)
{
	char id[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1], by[SP_ID_STRLEN + 1];
	char started[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1], done[SP_TIME_STRLEN + 1];
	sp_id_format(&s->id, id);
	sp_id_format(&s->case_id, case_id);
	sp_id_format(&s->started_by, by);
	sp_time_format(s->started_us, started);
	sp_time_format(s->updated_us, updated);
	sp_time_format(s->completed_us, done);
	bool completed = s->status == SP_SCREENING_COMPLETED;
	return json_pack("{s:s, s:s, s:{s:s, s:i, s:s}, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, "
			 "s:I, s:o}",
			 "id", id, "case_id", case_id, "protocol", "id", s->protocol_id, "version",
			 s->protocol_version, "hash", s->protocol_hash, "status",
			 sp_screening_status_name(s->status), "lang", s->lang, "interpreter",
			 s->interpreter[0] ? s->interpreter : NULL, "started_by", by, "started_at",
			 started, "updated_at", updated, "completed_at", completed ? done : NULL,
			 "version", (json_int_t)s->version, "differs",
			 completed ? json_boolean(s->differs) : json_null());
}

/* {"asked": [...], "skipped": [...], "next": id|null} from the engine's skip logic. */
static json_t *questions_json(const struct sp_protocol *p, const struct sp_answers *ans,
			      const struct sp_result *r)
{
	json_t *asked = json_array(), *skipped = json_array();
	const char *next = NULL;
	int bad = !asked || !skipped;
	for (unsigned i = 0; !bad && i < p->n_questions; i++) {
		bad |= json_array_append_new(r->asked[i] ? asked : skipped,
					     json_string(p->questions[i].id));
		if (r->asked[i] && !next && ans->a[i].state == SP_ANS_MISSING)
			next = p->questions[i].id;
	}
	json_t *q = bad ? NULL
			: json_pack("{s:O, s:O, s:s?}", "asked", asked, "skipped", skipped, "next",
				    next);
	json_decref(asked);
	json_decref(skipped);
	return q;
}

static json_t *parse_or_null(const char *text, struct sp_err *err)
{
	return text ? sp_json_parse(text, strlen(text), err) : json_null();
}

json_t *sp_screening_encode(const struct sp_protocols *reg, const struct sp_screening *s,
			    const char *lang, struct sp_err *err)
{
	const struct sp_protocol *p = protocol_of(reg, s, err);
	if (!p)
		return NULL;
	json_t *answers = NULL, *out = NULL;
	struct sp_answers ans;
	struct sp_facts f;
	struct sp_result r;
	if (engine_input(p, s, &answers, &ans, &f, err))
		return NULL;
	if (sp_result_init(&r, p)) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	sp_evaluate(p, &ans, &f, &r);
	json_t *result = json_null();
	if (s->status == SP_SCREENING_COMPLETED && strcmp(lang, "en") == 0) {
		result = parse_or_null(s->result, err);
	} else if (s->status == SP_SCREENING_COMPLETED) {
		/* the same protocol, answers and facts give the stored result: rendered in lang */
		struct sp_buf b;
		sp_buf_init(&b, 4u << 20);
		result = sp_result_json(&r, lang, &b) ? NULL : sp_json_parse(b.data, b.len, err);
		sp_buf_free(&b);
	}
	json_t *row = sp_screening_encode_row(s);
	json_t *q = questions_json(p, &ans, &r);
	json_t *conclusion = parse_or_null(s->conclusion, err);
	if (row && q && result && conclusion && !json_object_set(row, "answers", answers) &&
	    !json_object_set(row, "questions", q) && !json_object_set(row, "result", result) &&
	    !json_object_set(row, "conclusion", conclusion)) {
		out = row;
	} else {
		if (!err->code)
			sp_err_set(err, SP_ENOMEM, "", "out of memory");
		json_decref(row);
	}
	json_decref(q);
	json_decref(result);
	json_decref(conclusion);
	sp_result_free(&r);
out:
	sp_answers_free(&ans);
	json_decref(answers);
	return out;
}
