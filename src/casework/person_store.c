/* The persons, person_display, person_nationalities and person_index tables (owner: this
 * file; a person's matching cells and keys are matchreg.c's, written from here).
 *
 * Layout: one sealed JSON profile per person (names, aliases, gender identity, date of birth,
 * languages, documents, contacts) and the need-to-know safety block sealed apart, both under
 * the person's key and bound to persons/<column>/<id>. One seal per person is one AEAD call on
 * read and write, and destroying the person key shreds both. Clear columns: sex, the years the
 * birth date may fall in, the estimated flag, nationality codes. Exact search goes through
 * person_index: keyed BLAKE2b of each normalised name word, document and phone number. The
 * name as lists show it is sealed apart too, in person_display (a narrow table: a page reads
 * few database pages), so a page opens a short value per row. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/json.h"
#include "safepath/store.h"

/* Serialise j compactly; the text is personal, so it is wiped before it is freed. */
static int seal_json(struct sp_casework *cw, const struct sp_id *person, const char *column,
		     json_t *j, struct sp_buf *out, struct sp_err *err)
{
	if (!j)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	char *text = sp_json_dump(j);
	json_decref(j);
	if (!text)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	size_t n = strlen(text);
	int rc = cw_seal(cw, person, "persons", column, person, text, n, out, err);
	sp_json_free(text); /* wipes */
	return rc;
}

static json_t *safety_json(const struct sp_person *p)
{
	json_t *all = sp_person_encode(p, true);
	json_t *s = json_incref(json_object_get(all, "safety"));
	json_decref(all);
	return s;
}

/* Blind values of every word of every name part, document and phone, each once. */
struct index_rows {
	unsigned char (*v)[CW_BLIND_LEN];
	const char **kind;
	size_t n, cap;
};

static int add_row(struct index_rows *r, struct sp_arena *a, const char *kind,
		   const unsigned char v[CW_BLIND_LEN])
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->kind[i], kind) == 0 && memcmp(r->v[i], v, CW_BLIND_LEN) == 0)
			return SP_OK;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		unsigned char(*nv)[CW_BLIND_LEN] = sp_arena_alloc(a, cap * sizeof *nv);
		const char **nk = sp_arena_alloc(a, cap * sizeof *nk);
		if (!nv || !nk)
			return SP_ENOMEM;
		if (r->n) {
			memcpy(nv, r->v, r->n * sizeof *nv);
			memcpy(nk, r->kind, r->n * sizeof *nk);
		}
		r->v = nv;
		r->kind = nk;
		r->cap = cap;
	}
	memcpy(r->v[r->n], v, CW_BLIND_LEN);
	r->kind[r->n++] = kind;
	return SP_OK;
}

static int index_words(struct sp_casework *cw, struct index_rows *r, const char *text,
		       struct sp_err *err)
{
	if (!text)
		return SP_OK;
	const char *norm;
	int rc = sp_person_name_key(text, cw->arena, &norm, err);
	if (rc == SP_EINVAL)
		return SP_OK; /* punctuation only: nothing to find it by */
	if (rc)
		return rc;
	for (const char *w = norm; *w;) {
		const char *sp = strchr(w, ' ');
		size_t len = sp ? (size_t)(sp - w) : strlen(w);
		char *word = sp_arena_strndup(cw->arena, w, len);
		unsigned char v[CW_BLIND_LEN];
		if (!word)
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		if ((rc = cw_blind_text(cw, CW_BLIND_NAME, word, v, err)))
			return rc;
		if (add_row(r, cw->arena, "name", v))
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		w += len;
		if (*w == ' ')
			w++;
	}
	return SP_OK;
}

static int index_name(struct sp_casework *cw, struct index_rows *r, const struct sp_name *n,
		      struct sp_err *err)
{
	for (size_t i = 0; i < n->n_parts; i++) {
		int rc = index_words(cw, r, n->parts[i].original, err);
		if (!rc)
			rc = index_words(cw, r, n->parts[i].romanised, err);
		if (rc)
			return rc;
	}
	return SP_OK;
}

static int collect_index(struct sp_casework *cw, const struct sp_person *p, struct index_rows *r,
			 struct sp_err *err)
{
	int rc = index_name(cw, r, &p->name, err);
	for (size_t i = 0; !rc && i < p->n_aliases; i++)
		rc = index_name(cw, r, &p->aliases[i], err);
	for (size_t i = 0; !rc && i < p->n_documents; i++) {
		unsigned char v[CW_BLIND_LEN];
		rc = cw_blind_document(cw, &p->documents[i], v, err);
		if (!rc && add_row(r, cw->arena, "document", v))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	for (size_t i = 0; !rc && i < p->n_contacts; i++) {
		if (p->contacts[i].kind != SP_CONTACT_PHONE)
			continue;
		unsigned char v[CW_BLIND_LEN];
		rc = cw_blind_text(cw, CW_BLIND_PHONE, p->contacts[i].value, v, err);
		if (!rc && add_row(r, cw->arena, "phone", v))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	return rc;
}

static int write_children(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
			  struct sp_err *err)
{
	struct index_rows rows = {0};
	int rc = collect_index(cw, p, &rows, err);
	for (size_t i = 0; !rc && i < rows.n; i++) {
		struct sp_stmt *st;
		rc = sp_store_prepare(
			cw->store,
			"INSERT INTO person_index (kind, value, person_id) VALUES (?, ?, ?)", &st,
			err);
		if (rc)
			break;
		if (sp_stmt_bind_text(st, 1, rows.kind[i]) ||
		    sp_stmt_bind_blob(st, 2, rows.v[i], CW_BLIND_LEN) ||
		    sp_stmt_bind_id(st, 3, id)) {
			sp_stmt_done(st);
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
			break;
		}
		rc = cw_exec_done(st, err);
	}
	for (size_t i = 0; !rc && i < p->n_nationalities; i++) {
		struct sp_stmt *st;
		rc = sp_store_prepare(
			cw->store,
			"INSERT INTO person_nationalities (person_id, code) VALUES (?, ?)", &st,
			err);
		if (rc)
			break;
		if (sp_stmt_bind_id(st, 1, id) || sp_stmt_bind_text(st, 2, p->nationalities[i])) {
			sp_stmt_done(st);
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
			break;
		}
		rc = cw_exec_done(st, err);
	}
	return rc;
}

int cw_person_unindex(struct sp_casework *cw, const struct sp_id *id, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, "DELETE FROM person_index WHERE person_id = ?", &st,
				  err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, id)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = cw_exec_done(st, err);
	return rc ? rc : cw_match_forget(cw, id, err);
}

static int delete_children(struct sp_casework *cw, const struct sp_id *id, struct sp_err *err)
{
	static const char *const sql[] = {"DELETE FROM person_index WHERE person_id = ?",
					  "DELETE FROM person_nationalities WHERE person_id = ?"};
	for (size_t i = 0; i < 2; i++) {
		struct sp_stmt *st;
		int rc = sp_store_prepare(cw->store, sql[i], &st, err);
		if (rc)
			return rc;
		if (sp_stmt_bind_id(st, 1, id)) {
			sp_stmt_done(st);
			return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		}
		if ((rc = cw_exec_done(st, err)))
			return rc;
	}
	return SP_OK;
}

/* The parts of name in order, each as written (else in Latin letters), joined by spaces; then,
 * when that differs, the same in Latin letters first, in brackets: "محمد علي (Mohammed Ali)". */
static int display_name(const struct sp_name *name, struct sp_buf *out)
{
	struct sp_buf latin;
	sp_buf_init(&latin, SP_SEAL_LIMIT);
	int rc = 0;
	for (size_t i = 0; !rc && i < name->n_parts; i++) {
		const struct sp_name_part *pt = &name->parts[i];
		const char *written = pt->original ? pt->original : pt->romanised;
		const char *roman = pt->romanised ? pt->romanised : pt->original;
		rc = sp_buf_adds(out, i ? " " : "") || sp_buf_adds(out, written) ||
		     sp_buf_adds(&latin, i ? " " : "") || sp_buf_adds(&latin, roman);
	}
	if (!rc && (latin.len != out->len ||
		    (out->len && memcmp(latin.data, out->data, out->len) != 0)))
		rc = sp_buf_adds(out, " (") || sp_buf_add(out, latin.data, latin.len) ||
		     sp_buf_adds(out, ")");
	sodium_memzero(latin.data, latin.len);
	sp_buf_free(&latin);
	return rc;
}

static int seal_display(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
			struct sp_buf *out, struct sp_err *err)
{
	struct sp_buf text;
	sp_buf_init(&text, SP_SEAL_LIMIT);
	int rc = display_name(&p->name, &text)
			 ? sp_err_set(err, SP_ETOOBIG, "/name", "too long to show")
			 : cw_seal(cw, id, "persons", "display", id, text.data, text.len, out, err);
	sodium_memzero(text.data, text.len);
	sp_buf_free(&text);
	return rc;
}

/* Insert (replace == false) or update the persons row. An update of a person without a safety
 * block keeps the stored one: a reader without need-to-know never saw it to send it back. */
static int write_row(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
		     int64_t now, bool replace, struct sp_err *err)
{
	struct sp_buf profile, safety, display;
	sp_buf_init(&profile, SP_SEAL_LIMIT);
	sp_buf_init(&safety, SP_SEAL_LIMIT);
	sp_buf_init(&display, SP_SEAL_LIMIT);
	struct sp_stmt *st = NULL;
	int rc = seal_json(cw, id, "profile", sp_person_encode(p, false), &profile, err);
	if (!rc)
		rc = seal_display(cw, id, p, &display, err);
	if (!rc && p->has_safety)
		rc = seal_json(cw, id, "safety", safety_json(p), &safety, err);
	if (rc)
		goto out;
	rc = sp_store_prepare(
		cw->store,
		replace ? "UPDATE persons SET sex = ?, birth_year_min = ?, "
			  "birth_year_max = ?, birth_estimated = ?, profile = ?, "
			  "updated_us = ? WHERE id = ?"
			: "INSERT INTO persons (sex, birth_year_min, birth_year_max, "
			  "birth_estimated, profile, updated_us, id, created_us, "
			  "safety) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st, err);
	if (rc)
		goto out;
	int ymin = 0, ymax = 0;
	(void)cw_birth_years(p, &ymin, &ymax);
	int b = sp_stmt_bind_text(st, 1, sp_sex_name(p->sex));
	b |= p->has_birth ? sp_stmt_bind_int64(st, 2, ymin) : sp_stmt_bind_null(st, 2);
	b |= p->has_birth ? sp_stmt_bind_int64(st, 3, ymax) : sp_stmt_bind_null(st, 3);
	b |= sp_stmt_bind_int64(st, 4, p->has_birth && p->birth.estimated);
	b |= sp_stmt_bind_blob(st, 5, profile.data, profile.len);
	b |= sp_stmt_bind_int64(st, 6, now);
	b |= sp_stmt_bind_id(st, 7, id);
	if (!replace) {
		b |= sp_stmt_bind_int64(st, 8, now);
		b |= p->has_safety ? sp_stmt_bind_blob(st, 9, safety.data, safety.len)
				   : sp_stmt_bind_null(st, 9);
	}
	if (b) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = sp_stmt_step(st, err);
	if (rc == 0 && replace && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such person");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	st = NULL;
	if (rc)
		goto out;
	/* a person written before 0007 has no display row yet */
	rc = sp_store_prepare(cw->store,
			      "INSERT INTO person_display (person_id, display) VALUES (?, ?) "
			      "ON CONFLICT (person_id) DO UPDATE SET display = excluded.display",
			      &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_id(st, 1, id) || sp_stmt_bind_blob(st, 2, display.data, display.len)) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = cw_exec_done(st, err);
	st = NULL;
	if (rc || !replace || !p->has_safety)
		goto out;
	rc = sp_store_prepare(cw->store, "UPDATE persons SET safety = ? WHERE id = ?", &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_blob(st, 1, safety.data, safety.len) || sp_stmt_bind_id(st, 2, id)) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = cw_exec_done(st, err);
	st = NULL;
out:
	sp_stmt_done(st);
	sp_buf_free(&profile);
	sp_buf_free(&safety);
	sp_buf_free(&display);
	return rc;
}

int cw_person_insert(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
		     int64_t now, struct sp_err *err)
{
	int rc = write_row(cw, id, p, now, false, err);
	if (!rc)
		rc = write_children(cw, id, p, err);
	return rc ? rc : cw_match_write(cw, id, p, false, err);
}

int cw_person_replace(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
		      int64_t now, struct sp_err *err)
{
	int rc = write_row(cw, id, p, now, true, err);
	if (!rc)
		rc = delete_children(cw, id, err);
	if (!rc)
		rc = write_children(cw, id, p, err);
	return rc ? rc : cw_match_write(cw, id, p, true, err);
}

static int open_json(struct sp_casework *cw, const struct sp_id *id, const char *column,
		     const void *ct, size_t n, json_t **out, struct sp_err *err)
{
	const char *pt;
	size_t len;
	int rc = cw_open(cw, id, "persons", column, id, ct, n, &pt, &len, err);
	if (rc)
		return rc;
	*out = sp_json_parse(pt, len, err);
	return *out ? SP_OK : sp_err_set(err, SP_EINTERNAL, "", "sealed %s is not JSON", column);
}

/* Run sql (one id parameter) and step to its row: 1 with *st on the row, 0 without one, or
 * the error; *st is to be finished with sp_stmt_done either way. */
static int row_by_id(struct sp_casework *cw, const char *sql, const struct sp_id *id,
		     struct sp_stmt **st, struct sp_err *err)
{
	*st = NULL;
	int rc = sp_store_prepare(cw->store, sql, st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(*st, 1, id))
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	return sp_stmt_step(*st, err);
}

int cw_person_display(struct sp_casework *cw, const struct sp_id *id, const void *ct, size_t n,
		      const char **out, struct sp_err *err)
{
	*out = NULL;
	if (!ct)
		return SP_OK;
	const char *pt;
	size_t len;
	int rc = cw_open(cw, id, "persons", "display", id, ct, n, &pt, &len, err);
	if (rc == SP_ENOTFOUND) /* erased: the person's key is gone */
		return SP_OK;
	if (!rc && !(*out = sp_arena_strndup(cw->arena, pt, len)))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	return rc;
}

int cw_person_load(struct sp_casework *cw, const struct sp_id *id, bool with_safety,
		   struct sp_person *out, struct sp_err *err)
{
	struct sp_stmt *st;
	json_t *profile = NULL, *safety = NULL;
	int rc = row_by_id(cw, "SELECT profile, safety FROM persons WHERE id = ?", id, &st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such person");
	if (rc < 0)
		goto out;
	size_t n;
	const void *ct = sp_stmt_blob(st, 0, &n);
	rc = open_json(cw, id, "profile", ct, n, &profile, err);
	if (!rc && with_safety && !sp_stmt_is_null(st, 1)) {
		ct = sp_stmt_blob(st, 1, &n);
		rc = open_json(cw, id, "safety", ct, n, &safety, err);
		if (!rc && json_object_set(profile, "safety", safety))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	if (!rc) {
		rc = sp_person_decode(profile, cw->arena, out, err);
		/* What was sealed was validated: a failure here is ours, not the caller's. */
		if (rc)
			rc = sp_err_set(err, SP_EINTERNAL, "", "sealed profile does not decode");
	}
out:
	json_decref(profile);
	json_decref(safety);
	sp_stmt_done(st);
	return rc;
}
