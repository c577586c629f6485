/* The DPO's subject-access export (owner of the subject_exports table): every section of one
 * case read as the DPO under subject.export (each read audited as it always is), put in one
 * JSON document with the members to redact listed by JSON pointer, sealed into a file from
 * memory (never in clear on disk), then the export recorded with its sealed requester and its
 * audit record, flagged to the DPO, in one transaction. A section is one function in
 * `sections`: referrals join as one more. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safepath/audit.h"
#include "safepath/caseop.h"
#include "safepath/deadline.h"
#include "safepath/decision.h"
#include "safepath/json.h"
#include "safepath/need.h"
#include "safepath/referral.h"
#include "safepath/screening.h"
#include "safepath/store.h"
#include "safepath/subject.h"
#include "safepath/task.h"

static const char magic[SP_SEALFILE_MAGIC_LEN] = {'S', 'P', 'S', 'U', 'B', 'J', 'A', '1'};

/* The export's policy question and audit record: every class; the policy flags it to the
 * DPO, and so its record. */
static const struct sp_case_act export_act = {SP_ACT_SUBJECT_EXPORT, 0, "subject_access.export"};
#define EXPORT_FIELDS "stat,identity,safety,gbv,trafficking,notes,screening"

struct sar {
	struct sp_casework *cw; /* a copy with subject_export set */
	const struct sp_protocols *reg;
	const struct sp_id *case_id;
	struct sp_case c;
};

static int oom(struct sp_err *err)
{
	return sp_err_set(err, SP_ENOMEM, "", "out of memory");
}

/* Append j (stolen) to the array a; NULL j is out of memory. */
static int push(json_t *a, json_t *j, struct sp_err *err)
{
	return !j || json_array_append_new(a, j) ? oom(err) : SP_OK;
}

/* ---- the sections ------------------------------------------------------------------- */

/* The object sections replace the empty array they are given. */
static int sec_case(struct sar *s, json_t **out, struct sp_err *err)
{
	json_decref(*out);
	*out = sp_case_encode(&s->c);
	return *out ? SP_OK : oom(err);
}

static int sec_person(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_person p;
	json_decref(*out);
	*out = NULL;
	int rc = sp_case_person(s->cw, s->case_id, true, &p, err);
	if (rc == SP_ENOTFOUND) { /* erased or anonymised: nothing is held any more */
		*out = json_null();
		return SP_OK;
	}
	if (rc)
		return rc;
	*out = sp_person_encode(&p, true);
	return *out ? SP_OK : oom(err);
}

static int sec_notes(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_note *v;
	size_t n;
	int rc = sp_note_list(s->cw, s->case_id, &v, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_note_encode(&v[i], true), err);
	return rc;
}

static int sec_consents(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_consent *v;
	size_t n;
	int rc = sp_consent_list(s->cw, s->case_id, &v, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_consent_encode(&v[i]), err);
	return rc;
}

static int sec_needs(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_need *v;
	size_t n;
	int rc = sp_need_list(s->cw, s->case_id, &v, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_need_encode(&v[i], true), err);
	return rc;
}

static int sec_tasks(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_task *v;
	size_t n;
	int rc = sp_task_list(s->cw, s->case_id, &v, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_task_encode(&v[i], true), err);
	return rc;
}

/* Each screening whole: answers, the questions asked, the result and its explanation. */
static int sec_screenings(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_screening *v;
	size_t n;
	int rc = sp_screening_list(s->cw, s->case_id, &v, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		struct sp_screening one;
		rc = sp_screening_get(s->cw, &v[i].id, &one, err);
		if (!rc) {
			json_t *j = sp_screening_encode(s->reg, &one, "en", err);
			rc = j ? push(*out, j, err) : err->code ? err->code : oom(err);
		}
	}
	return rc;
}

static int sec_decisions(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_case_decision *v;
	size_t n, withheld;
	int rc = sp_decision_list(s->cw, s->case_id, &v, &n, &withheld, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_decision_encode(&v[i]), err);
	return rc;
}

static int sec_deadlines(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_deadline *v;
	size_t n, withheld;
	int rc = sp_deadline_list(s->cw, s->case_id, &v, &n, &withheld, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_deadline_encode(&v[i]), err);
	return rc;
}

/* The case's referrals: to whom, the state, the summary and the provider's feedback. */
static int sec_referrals(struct sar *s, json_t **out, struct sp_err *err)
{
	struct sp_case_referral *v;
	size_t n;
	int rc = sp_referral_list(s->cw, s->case_id, &v, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = push(*out, sp_referral_encode(&v[i]), err);
	return rc;
}

static int audit_row(void *ctx, const struct sp_audit_rec *rec)
{
	return json_array_append_new(ctx, sp_audit_rec_encode(rec)) ? SP_ENOMEM : 0;
}

/* The records naming one object, in sequence order, page by page. */
static int audit_of(struct sar *s, const char *type, const struct sp_id *id, json_t *out,
		    struct sp_err *err)
{
	struct sp_audit_query q = {.object_type = type, .object_id = id, .limit = SP_AUDIT_PAGE_MAX};
	int rc;
	do {
		rc = sp_audit_list(s->cw->store, &q, audit_row, out, &q.after_seq, err);
		if (rc == SP_ENOMEM)
			rc = oom(err);
	} while (!rc && q.after_seq);
	return rc;
}

/* Who read and wrote what about the case and about the person (ids and field names). */
static int sec_audit(struct sar *s, json_t **out, struct sp_err *err)
{
	json_decref(*out);
	json_t *on_case = json_array(), *on_person = json_array();
	*out = json_pack("{s:o, s:o}", "case", on_case, "person", on_person);
	if (!*out)
		return oom(err);
	int rc = audit_of(s, "case", s->case_id, on_case, err);
	return rc ? rc : audit_of(s, "person", &s->c.person, on_person, err);
}

static const struct section {
	const char *name;
	int (*read)(struct sar *s, json_t **out, struct sp_err *err); /* *out: an empty array */
} sections[] = {
	{"case", sec_case},	      {"person", sec_person},	 {"notes", sec_notes},
	{"consents", sec_consents},   {"needs", sec_needs},	 {"tasks", sec_tasks},
	{"screenings", sec_screenings}, {"decisions", sec_decisions}, {"deadlines", sec_deadlines},
	{"referrals", sec_referrals},	{"audit", sec_audit},
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

/* ---- what to redact ------------------------------------------------------------------ */

/* Members that hold someone other than the subject (third parties, staff), or a staff
 * member's free text that may name them, by name wherever they are. */
static const struct {
	const char *member;
	const char *reason;
} redact[] = {
	{"people_to_avoid", "third_party"},
	{"family", "third_party"},
	{"given_by_name", "third_party"},
	{"author", "staff"},
	{"created_by", "staff"},
	{"recorded_by", "staff"},
	{"started_by", "staff"},
	{"assignee", "staff"},
	{"assigned", "staff"},
	{"actor", "staff"},
	{"text", "staff_note"},
	{"note", "staff_note"},
	{"title", "staff_note"},
};

static int mark(json_t *list, const char *pointer, const char *reason, struct sp_err *err)
{
	return push(list, json_pack("{s:s, s:s}", "pointer", pointer, "reason", reason), err);
}

static int walk(json_t *j, char *ptr, size_t len, size_t cap, json_t *list,
		struct sp_err *err)
{
	int rc = SP_OK;
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach(j, key, v) {
			int n = snprintf(ptr + len, cap - len, "/%s", key);
			if (n < 0 || (size_t)n >= cap - len)
				return sp_err_set(err, SP_EINTERNAL, "", "pointer too long");
			for (size_t i = 0; !rc && i < sizeof redact / sizeof redact[0]; i++)
				if (strcmp(key, redact[i].member) == 0 && !json_is_null(v))
					rc = mark(list, ptr, redact[i].reason, err);
			if (!rc)
				rc = walk(v, ptr, len + (size_t)n, cap, list, err);
			if (rc)
				return rc;
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) {
			int n = snprintf(ptr + len, cap - len, "/%zu", i);
			if (n < 0 || (size_t)n >= cap - len)
				return sp_err_set(err, SP_EINTERNAL, "", "pointer too long");
			if ((rc = walk(v, ptr, len + (size_t)n, cap, list, err)))
				return rc;
		}
	}
	ptr[len] = '\0';
	return rc;
}

/* ---- the document and the export ------------------------------------------------------- */

int sp_subject_access_may(struct sp_casework *cw, struct sp_err *err)
{
	return sp_caseop_authorise_any(cw, &export_act, err);
}

/* Ask the policy for the export on the case (a refusal is recorded under the export's name)
 * and keep the case. */
static int allowed(struct sp_casework *cw, const struct sp_id *case_id, struct sp_case *c,
		   struct sp_err *err)
{
	struct sp_caseop op;
	int rc = sp_caseop_begin(cw, &export_act, false, &op, err);
	if (rc)
		return rc;
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc)
		*c = op.c;
	return sp_caseop_finish(&op, rc, err);
}

int sp_subject_access_document(struct sp_casework *cw, const struct sp_protocols *reg,
			       const struct sp_id *case_id, json_t **out, struct sp_err *err)
{
	struct sp_casework as_export = *cw;
	as_export.subject_export = true;
	struct sar s = {.cw = &as_export, .reg = reg, .case_id = case_id};
	*out = NULL;
	int rc = allowed(cw, case_id, &s.c, err);
	if (rc)
		return rc;
	char now[SP_TIME_STRLEN + 1];
	sp_time_format(sp_now_us(), now);
	json_t *names = json_array(), *redactions = json_array();
	json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o}", "format", SP_SUBJECT_FORMAT,
				"case_number", s.c.number, "exported_at", now, "sections", names,
				"redactions", redactions);
	if (!doc)
		return oom(err);
	for (size_t i = 0; !rc && i < N_SECTIONS; i++) {
		json_t *part = json_array();
		rc = part ? sections[i].read(&s, &part, err) : oom(err);
		if (!rc && (json_object_set_new(doc, sections[i].name, part) ||
			    json_array_append_new(names, json_string(sections[i].name))))
			rc = oom(err);
		else if (rc)
			json_decref(part);
	}
	char ptr[256] = "";
	if (!rc)
		rc = walk(doc, ptr, 0, sizeof ptr, redactions, err);
	if (rc) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return SP_OK;
}

static int requester_check(const char *r, struct sp_err *err)
{
	size_t n = r ? strlen(r) : 0;
	bool blank = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)r[i];
		if (ch < 0x20 || ch == 0x7f)
			return sp_err_set(err, SP_EINVAL, "requester",
					  "must be one line without control characters");
		blank = blank && ch == ' ';
	}
	if (blank)
		return sp_err_set(err, SP_EINVAL, "requester",
				  "is required: who asked, and on what authority");
	if (n > SP_SUBJECT_REQUESTER_MAX)
		return sp_err_set(err, SP_ETOOBIG, "requester", "must be at most %d bytes",
				  SP_SUBJECT_REQUESTER_MAX);
	return SP_OK;
}

/* The subject_exports row with its sealed requester, and the audit record. */
static int record(struct sp_casework *cw, const struct sp_id *case_id, const char *requester,
		  const struct sp_id *id, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_buf sealed;
	struct sp_stmt *st = NULL;
	sp_buf_init(&sealed, SP_SUBJECT_REQUESTER_MAX + 1024);
	int rc = sp_caseop_begin(cw, &export_act, true, &op, err);
	if (rc)
		goto out;
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc)
		rc = sp_caseop_seal(&op, "subject_exports", "requester", id, requester,
				    strlen(requester), &sealed, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "INSERT INTO subject_exports (id, case_id, exported_by, "
				      "exported_us, requester) VALUES (?, ?, ?, ?, ?)",
				      &st, err);
	if (!rc) {
		int b = sp_stmt_bind_id(st, 1, id);
		b |= sp_stmt_bind_id(st, 2, case_id);
		b |= sp_stmt_bind_id(st, 3, &cw->subject->user);
		b |= sp_stmt_bind_int64(st, 4, sp_now_us());
		b |= sp_stmt_bind_blob(st, 5, sealed.data, sealed.len);
		rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
		sp_stmt_done(st);
	}
	if (!rc)
		rc = sp_caseop_audit(&op, "case", case_id, EXPORT_FIELDS, NULL, err);
	rc = sp_caseop_finish(&op, rc, err);
out:
	sp_buf_free(&sealed);
	return rc;
}

/* The export under id into path. */
static int export_at(struct sp_casework *cw, const struct sp_protocols *reg,
		     const struct sp_id *case_id, const char *requester, const struct sp_id *id,
		     const char *path, struct sp_subject_export *out, struct sp_err *err)
{
	int rc = requester_check(requester, err);
	if (rc)
		return rc;
	json_t *doc = NULL;
	if ((rc = sp_subject_access_document(cw, reg, case_id, &doc, err)))
		return rc;
	memset(out, 0, sizeof *out);
	out->id = *id;
	out->sections = json_array_size(json_object_get(doc, "sections"));
	out->redactions = json_array_size(json_object_get(doc, "redactions"));
	char *text = sp_json_dump(doc);
	json_decref(doc);
	if (!text)
		return oom(err);
	out->bytes = strlen(text);
	/* The header says what the file is, never whose: the export's id. */
	char header[SP_ID_STRLEN + 1];
	sp_id_format(&out->id, header);
	rc = sp_sealfile_write_mem(cw->keys, magic, header, strlen(header), text, out->bytes, path,
				   err);
	sp_json_free(text); /* wipes */
	if (!rc && (rc = record(cw, case_id, requester, &out->id, err)))
		unlink(path);
	return rc;
}

int sp_subject_access_export(struct sp_casework *cw, const struct sp_protocols *reg,
			     const struct sp_id *case_id, const char *requester, const char *path,
			     struct sp_subject_export *out, struct sp_err *err)
{
	struct sp_id id = {0};
	sp_id_new(&id);
	return export_at(cw, reg, case_id, requester, &id, path, out, err);
}

/* dir/<id>.sar */
static int export_path(const char *dir, const struct sp_id *id, char *path, size_t cap,
		       struct sp_err *err)
{
	char s[SP_ID_STRLEN + 1];
	sp_id_format(id, s);
	int n = snprintf(path, cap, "%s/%s.sar", dir, s);
	return n < 0 || (size_t)n >= cap
		       ? sp_err_set(err, SP_EINVAL, "subject-access", "the folder's path is too long")
		       : SP_OK;
}

int sp_subject_access_export_dir(struct sp_casework *cw, const struct sp_protocols *reg,
				 const struct sp_id *case_id, const char *requester,
				 const char *dir, struct sp_subject_export *out,
				 struct sp_err *err)
{
	char path[4096];
	struct sp_id id = {0};
	sp_id_new(&id);
	int rc = export_path(dir, &id, path, sizeof path, err);
	if (rc)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return sp_err_set(err, SP_EIO, "subject-access", "cannot create the folder: %s",
				  strerror(errno));
	return export_at(cw, reg, case_id, requester, &id, path, out, err);
}

/* ---- the exports made ------------------------------------------------------------------ */

static const struct sp_case_act list_act = {SP_ACT_SUBJECT_EXPORT, 0, "subject_access.list"};
static const struct sp_case_act read_act = {SP_ACT_SUBJECT_EXPORT, 0, "subject_access.read"};
static const struct sp_case_act download_act = {SP_ACT_SUBJECT_EXPORT, 0,
						"subject_access.download"};

#define ROW_COLUMNS                                                                             \
	"SELECT e.id, e.case_id, c.number, u.username, e.exported_us, e.requester "             \
	"FROM subject_exports e JOIN cases c ON c.id = e.case_id "                              \
	"JOIN users u ON u.id = e.exported_by "

static int read_row(struct sp_casework *cw, struct sp_stmt *st, struct sp_subject_export_row *r,
		    const void **ct, size_t *ct_len, struct sp_err *err)
{
	memset(r, 0, sizeof *r);
	if (sp_stmt_id(st, 0, &r->id) || sp_stmt_id(st, 1, &r->case_id))
		return sp_err_set(err, SP_EINTERNAL, "", "a subject export's ids are damaged");
	r->case_number = sp_arena_strdup(cw->arena, sp_stmt_text(st, 2));
	r->exported_by = sp_arena_strdup(cw->arena, sp_stmt_text(st, 3));
	r->exported_us = sp_stmt_int64(st, 4);
	if (ct) {
		const void *b = sp_stmt_blob(st, 5, ct_len);
		void *copy = sp_arena_alloc(cw->arena, *ct_len ? *ct_len : 1);
		if (copy && *ct_len)
			memcpy(copy, b, *ct_len);
		*ct = copy;
	}
	return r->case_number && r->exported_by && (!ct || *ct) ? SP_OK : oom(err);
}

/* Step st into a list in cw->arena. */
static int rows_of(struct sp_casework *cw, struct sp_stmt *st, struct sp_subject_export_row **out,
		   size_t *n, struct sp_err *err)
{
	size_t cap = 0;
	int rc;
	while ((rc = sp_stmt_step(st, err)) > 0) {
		*out = sp_arena_grow(cw->arena, *out, *n, &cap, sizeof **out);
		if (!*out)
			return oom(err);
		if ((rc = read_row(cw, st, &(*out)[*n], NULL, NULL, err)))
			return rc;
		(*n)++;
	}
	return rc;
}

int sp_subject_export_list(struct sp_casework *cw, const struct sp_id *case_id,
			   struct sp_subject_export_row **out, size_t *n, struct sp_err *err)
{
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	*out = NULL;
	*n = 0;
	if (!case_id) {
		/* the exports of the DPO's own agency: another agency's cases (across the firewall
		 * too) are not named */
		int rc = sp_caseop_authorise_any(cw, &list_act, err);
		if (!rc)
			rc = sp_store_prepare(cw->store,
					      ROW_COLUMNS "WHERE u.agency_id = ? "
							  "ORDER BY e.exported_us DESC, e.id",
					      &st, err);
		if (!rc && sp_stmt_bind_id(st, 1, &cw->subject->agency))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		if (!rc)
			rc = rows_of(cw, st, out, n, err);
		sp_stmt_done(st);
		return rc;
	}
	int rc = sp_caseop_begin(cw, &list_act, false, &op, err);
	if (rc)
		return rc;
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc)
		rc = sp_caseop_select(&op, ROW_COLUMNS "WHERE e.case_id = ? "
						       "ORDER BY e.exported_us DESC, e.id",
				      &st, err);
	if (!rc)
		rc = rows_of(cw, st, out, n, err);
	sp_stmt_done(st);
	if (!rc)
		rc = sp_caseop_audit(&op, "case", case_id, "stat", NULL, err);
	return sp_caseop_finish(&op, rc, err);
}

int sp_subject_export_read(struct sp_casework *cw, const char *dir, const struct sp_id *id,
			   bool download, struct sp_subject_export_row *row, struct sp_buf *doc,
			   struct sp_err *err)
{
	const struct sp_case_act *act = download ? &download_act : &read_act;
	struct sp_caseop op;
	struct sp_stmt *st = NULL;
	char path[4096];
	const void *ct = NULL;
	size_t ct_len = 0, len = 0;
	/* the policy's question comes first: nobody else learns whether an export exists */
	int rc = sp_caseop_authorise_any(cw, act, err);
	if (!rc)
		rc = export_path(dir, id, path, sizeof path, err);
	if (!rc)
		rc = sp_caseop_begin(cw, act, false, &op, err);
	if (rc)
		return rc;
	rc = sp_store_prepare(cw->store, ROW_COLUMNS "WHERE e.id = ?", &st, err);
	if (!rc && sp_stmt_bind_id(st, 1, id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc && (rc = sp_stmt_step(st, err)) == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such subject-access export");
	if (rc > 0)
		rc = read_row(cw, st, row, &ct, &ct_len, err);
	sp_stmt_done(st);
	if (!rc)
		rc = sp_caseop_case(&op, &row->case_id, err);
	if (!rc)
		rc = sp_caseop_open(&op, "subject_exports", "requester", id, ct, ct_len,
				    &row->requester, &len, err);
	char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	if (!rc)
		rc = sp_sealfile_read_mem(cw->keys, magic, path, doc, header, sizeof header, &hlen,
					  err);
	if (!rc)
		rc = sp_caseop_audit(&op, "subject_export", id, download ? EXPORT_FIELDS : "identity",
				     NULL, err);
	return sp_caseop_finish(&op, rc, err);
}

int sp_subject_access_open(const struct sp_keys *k, const char *path, const char *clear_path,
			   struct sp_err *err)
{
	char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	return sp_sealfile_read(k, magic, path, clear_path, header, sizeof header, &hlen, NULL,
				NULL, err);
}
