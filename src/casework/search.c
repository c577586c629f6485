/* Exact search without decrypting: by case number (clear), and by document, phone or name
 * through the person_index blind indexes. Each candidate case goes through the policy; what
 * the subject may not search is left out without a trace in the answer. A row carries the
 * person's name where the policy lets the subject read the person's identity. Each search or
 * page is one audit record naming every case shown and whether names were among the fields. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/store.h"

/* The rows are selected with HIT_COLUMNS: the case, then its person's sealed display name
 * (kept, copied into the arena, for the rows that may show it; opened by audit_as). */
#define HIT_COLUMNS CW_CASE_COLUMNS ", " CW_PERSON_DISPLAY_COLUMN
enum { HIT_DISPLAY_COL = 12 };

struct hits {
	struct sp_case_hit *out;
	size_t max, n;
	struct sealed {
		const void *ct; /* NULL: no display name stored */
		size_t n;
	} sealed[SP_SEARCH_MAX_HITS + 1];
};

/* The rows of st that the subject may see with action, into h until it is full; *seen counts
 * every row read and *last keeps the last one (allowed or not), where a next batch starts. */
static int collect_as(struct sp_casework *cw, struct sp_stmt *st, struct hits *h,
		      enum cw_action action, size_t *seen, struct sp_case *last, struct sp_err *err)
{
	int rc;
	while ((rc = sp_stmt_step(st, err)) == 1) {
		struct sp_case c;
		if ((rc = cw_case_row(st, &c, err)))
			return rc;
		++*seen;
		*last = c;
		if (!cw_allowed(cw, action, &c))
			continue;
		if (h->n == h->max)
			break;
		struct sp_case_hit *hit = &h->out[h->n++];
		memset(hit, 0, sizeof *hit);
		hit->case_id = c.id;
		hit->person = c.person;
		memcpy(hit->number, c.number, sizeof hit->number);
		hit->status = c.status;
		hit->priority = c.priority;
		hit->flags = c.flags;
		hit->named = cw_allowed(cw, CW_PERSON_READ, &c);
		struct sealed *name = &h->sealed[h->n - 1];
		name->ct = NULL;
		if (hit->named && !sp_stmt_is_null(st, HIT_DISPLAY_COL)) {
			const void *ct = sp_stmt_blob(st, HIT_DISPLAY_COL, &name->n);
			void *copy = sp_arena_alloc(cw->arena, name->n ? name->n : 1);
			if (!copy)
				return sp_err_set(err, SP_ENOMEM, "", "out of memory");
			if (ct)
				memcpy(copy, ct, name->n);
			name->ct = copy;
		}
	}
	return rc < 0 ? rc : SP_OK;
}

static int collect(struct sp_casework *cw, struct sp_stmt *st, struct hits *h, struct sp_err *err)
{
	size_t seen = 0;
	struct sp_case last;
	return collect_as(cw, st, h, CW_CASE_SEARCH, &seen, &last, err);
}

/* Open the names of the rows that show one; *names tells whether any was shown. */
static int open_names(struct sp_casework *cw, const struct hits *h, bool *names,
		      struct sp_err *err)
{
	*names = false;
	for (size_t i = 0; i < h->n; i++) {
		struct sp_case_hit *hit = &h->out[i];
		const struct sealed *name = &h->sealed[i];
		int rc = hit->named ? cw_person_display(cw, &hit->person, name->ct, name->n,
							&hit->name, err)
				    : SP_OK;
		if (rc)
			return rc;
		*names |= hit->name != NULL;
	}
	return SP_OK;
}

/* Open the names of the rows that show one, then write the one audit record of the search or
 * page, naming every case shown. */
static int audit_as(struct sp_casework *cw, const struct hits *h, enum cw_action action,
		    struct sp_err *err)
{
	struct sp_id ids[SP_SEARCH_MAX_HITS];
	size_t n = h->n < SP_SEARCH_MAX_HITS ? h->n : SP_SEARCH_MAX_HITS;
	bool names = false;
	int rc = open_names(cw, h, &names, err);
	for (size_t i = 0; !rc && i < n; i++)
		ids[i] = h->out[i].case_id;
	return rc ? rc
		  : cw_audit_many(cw, action, "case", ids, n, names ? "stat,identity" : "stat",
				  err);
}

static int audit_hits(struct sp_casework *cw, const struct hits *h, struct sp_err *err)
{
	return audit_as(cw, h, CW_CASE_SEARCH, err);
}

/* Run sql (cases selected by HIT_COLUMNS) with the blind values bound after kind. */
static int by_index(struct sp_casework *cw, const char *sql, const char *kind,
		    const unsigned char (*values)[CW_BLIND_LEN], size_t n_values, int64_t need,
		    struct hits *h, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_text(st, 1, kind);
	for (size_t i = 0; i < n_values; i++)
		b |= sp_stmt_bind_blob(st, (int)i + 2, values[i], CW_BLIND_LEN);
	if (need)
		b |= sp_stmt_bind_int64(st, (int)n_values + 2, need);
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : collect(cw, st, h, err);
	sp_stmt_done(st);
	return rc;
}

static const char one_value_sql[] =
	"SELECT " HIT_COLUMNS " FROM cases WHERE person_id IN "
	"(SELECT person_id FROM person_index WHERE kind = ? AND value = ?) "
	"ORDER BY created_us, id";

/* Open the operation's transaction once the subject may search or list at all. */
static int begin_as(struct sp_casework *cw, enum cw_action action, struct sp_err *err)
{
	int rc = cw_begin_read(cw, err);
	if (!rc && (rc = cw_authorise_any(cw, action, err)))
		return cw_finish(cw, rc, err);
	return rc;
}

int sp_case_find_number(struct sp_casework *cw, const char *number, struct sp_case_hit *out,
			struct sp_err *err)
{
	if (!number || !*number || strlen(number) >= SP_CASE_NUMBER_MAX)
		return sp_err_set(err, SP_EINVAL, "/number", "is not a case number");
	char norm[SP_CASE_NUMBER_MAX];
	size_t k = 0;
	for (const char *p = number; *p; p++) {
		char c = *p;
		if (c == ' ')
			continue;
		norm[k++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	norm[k] = '\0';
	int rc = begin_as(cw, CW_CASE_SEARCH, err);
	if (rc)
		return rc;
	struct hits h = {.out = out, .max = 1};
	struct sp_stmt *st;
	rc = sp_store_prepare(cw->store, "SELECT " HIT_COLUMNS " FROM cases WHERE number = ?",
			      &st, err);
	if (!rc) {
		rc = sp_stmt_bind_text(st, 1, norm)
			     ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
			     : collect(cw, st, &h, err);
		sp_stmt_done(st);
	}
	if (!rc)
		rc = audit_hits(cw, &h, err);
	rc = cw_finish(cw, rc, err);
	if (!rc && h.n == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "/number", "no such case");
	return rc;
}

int sp_case_find_document(struct sp_casework *cw, const struct sp_document *doc,
			  struct sp_case_hit *out, size_t max, size_t *n, struct sp_err *err)
{
	*n = 0;
	/* Indexed with the canonical country (alpha-2): "AFG" must find "AF". */
	struct sp_document d = *doc;
	int rc = sp_country_code(doc->country, d.country, err);
	if (rc)
		return cw_err_at(err, rc, "/country");
	if (!d.number || (int)d.type < 0 || d.type >= SP_DOC_TYPE_COUNT)
		return sp_err_set(err, SP_EINVAL, "/number", "is required");
	unsigned char v[1][CW_BLIND_LEN];
	rc = cw_blind_document(cw, &d, v[0], err);
	if (rc)
		return rc;
	if ((rc = begin_as(cw, CW_CASE_SEARCH, err)))
		return rc;
	struct hits h = {.out = out, .max = max < SP_SEARCH_MAX_HITS ? max : SP_SEARCH_MAX_HITS};
	rc = by_index(cw, one_value_sql, "document", (const unsigned char(*)[CW_BLIND_LEN])v, 1, 0,
		      &h, err);
	if (!rc)
		rc = audit_hits(cw, &h, err);
	rc = cw_finish(cw, rc, err);
	if (!rc)
		*n = h.n;
	return rc;
}

int sp_case_find_phone(struct sp_casework *cw, const char *phone, struct sp_case_hit *out,
		       size_t max, size_t *n, struct sp_err *err)
{
	*n = 0;
	if (!phone || !cw_phone_plausible(phone))
		return sp_err_set(err, SP_EINVAL, "/phone", "is not a phone number");
	unsigned char v[1][CW_BLIND_LEN];
	int rc = cw_blind_text(cw, CW_BLIND_PHONE, phone, v[0], err);
	if (rc)
		return rc;
	if ((rc = begin_as(cw, CW_CASE_SEARCH, err)))
		return rc;
	struct hits h = {.out = out, .max = max < SP_SEARCH_MAX_HITS ? max : SP_SEARCH_MAX_HITS};
	rc = by_index(cw, one_value_sql, "phone", (const unsigned char(*)[CW_BLIND_LEN])v, 1, 0, &h,
		      err);
	if (!rc)
		rc = audit_hits(cw, &h, err);
	rc = cw_finish(cw, rc, err);
	if (!rc)
		*n = h.n;
	return rc;
}

/* Split the normalised searched parts into words and blind each distinct word. */
static int name_words(struct sp_casework *cw, const char *const *parts, size_t n_parts,
		      unsigned char (*out)[CW_BLIND_LEN], size_t *n_out, struct sp_err *err)
{
	size_t n = 0;
	for (size_t i = 0; i < n_parts; i++) {
		const char *norm;
		int rc = sp_person_name_key(parts[i], cw->arena, &norm, err);
		if (rc) {
			cw_err_index(err, i);
			sp_err_prefix(err, "names"); /* the field the API and the CLI read them from */
			return rc;
		}
		for (const char *w = norm; *w;) {
			const char *sp = strchr(w, ' ');
			size_t len = sp ? (size_t)(sp - w) : strlen(w);
			if (n == SP_SEARCH_MAX_PARTS)
				return sp_err_set(err, SP_ETOOBIG, "/names", "more than %d words",
						  SP_SEARCH_MAX_PARTS);
			char *word = sp_arena_strndup(cw->arena, w, len);
			if (!word)
				return sp_err_set(err, SP_ENOMEM, "", "out of memory");
			if ((rc = cw_blind_text(cw, CW_BLIND_NAME, word, out[n], err)))
				return rc;
			bool dup = false;
			for (size_t k = 0; k < n && !dup; k++)
				dup = memcmp(out[k], out[n], CW_BLIND_LEN) == 0;
			if (!dup)
				n++;
			w += len;
			if (*w == ' ')
				w++;
		}
	}
	*n_out = n;
	return SP_OK;
}

int sp_case_find_name(struct sp_casework *cw, const char *const *parts, size_t n_parts,
		      struct sp_case_hit *out, size_t max, size_t *n, struct sp_err *err)
{
	*n = 0;
	if (n_parts == 0)
		return sp_err_set(err, SP_EINVAL, "/names", "needs at least one name part");
	unsigned char words[SP_SEARCH_MAX_PARTS][CW_BLIND_LEN];
	size_t n_words = 0;
	int rc = name_words(cw, parts, n_parts, words, &n_words, err);
	if (rc)
		return rc;
	/* The statement text holds placeholders only, never a value. A person matches when
	 * every distinct searched word is among their index rows (unique per person). */
	struct sp_buf sql;
	sp_buf_init(&sql, 2048);
	rc = sp_buf_adds(&sql,
			 "SELECT " HIT_COLUMNS " FROM cases WHERE person_id IN "
			 "(SELECT person_id FROM person_index WHERE kind = ? AND value IN (?");
	for (size_t i = 1; !rc && i < n_words; i++)
		rc = sp_buf_adds(&sql, ", ?");
	if (!rc)
		rc = sp_buf_adds(&sql, ") GROUP BY person_id HAVING COUNT(*) = ?) "
				       "ORDER BY created_us, id");
	if (rc) {
		sp_buf_free(&sql);
		return sp_err_set(err, SP_EINTERNAL, "", "query too long");
	}
	if ((rc = begin_as(cw, CW_CASE_SEARCH, err))) {
		sp_buf_free(&sql);
		return rc;
	}
	struct hits h = {.out = out, .max = max < SP_SEARCH_MAX_HITS ? max : SP_SEARCH_MAX_HITS};
	rc = by_index(cw, sql.data, "name", (const unsigned char(*)[CW_BLIND_LEN])words, n_words,
		      (int64_t)n_words, &h, err);
	if (!rc)
		rc = audit_hits(cw, &h, err);
	rc = cw_finish(cw, rc, err);
	sp_buf_free(&sql);
	if (!rc)
		*n = h.n;
	return rc;
}

/* The caseload statement: the filters given (one cached statement per combination; values are
 * bound, never written in), from a position when from is set, at most a batch of rows. The
 * cursor as a row value, and none on the first page: both stores then read the batch from the
 * index (agency_id, created_us, id) in order (an OR of the two columns made PostgreSQL scan
 * and sort the agency's cases). */
static int list_statement(struct sp_casework *cw, const struct sp_case_query *q,
			  const struct sp_case *from, int64_t batch, struct sp_stmt **out,
			  struct sp_err *err)
{
	char sql[640];
	int len = snprintf(sql, sizeof sql,
			   "SELECT " HIT_COLUMNS " FROM cases WHERE agency_id = ?%s%s%s%s%s%s%s "
			   "ORDER BY created_us, id LIMIT ?",
			   q->mine ? " AND assigned_to = ?" : "", q->status >= 0 ? " AND status = ?" : "",
			   q->has_priority ? " AND priority = ?" : "",
			   q->flags ? " AND (flags & ?) = ?" : "", q->from_us ? " AND created_us >= ?" : "",
			   q->to_us ? " AND created_us < ?" : "",
			   from ? " AND (created_us, id) > (?, ?)" : "");
	if (len < 0 || (size_t)len >= sizeof sql)
		return sp_err_set(err, SP_EINTERNAL, "", "list query too long");
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	int i = 1;
	int b = sp_stmt_bind_id(st, i++, cw_actor_agency(cw));
	if (q->mine)
		b |= sp_stmt_bind_id(st, i++, cw_actor(cw));
	if (q->status >= 0)
		b |= sp_stmt_bind_text(st, i++,
				       sp_case_status_name((enum sp_case_status)q->status));
	if (q->has_priority)
		b |= sp_stmt_bind_text(st, i++, sp_case_priority_name(q->priority));
	if (q->flags) {
		b |= sp_stmt_bind_int64(st, i++, q->flags);
		b |= sp_stmt_bind_int64(st, i++, q->flags);
	}
	if (q->from_us)
		b |= sp_stmt_bind_int64(st, i++, q->from_us);
	if (q->to_us)
		b |= sp_stmt_bind_int64(st, i++, q->to_us);
	if (from) {
		b |= sp_stmt_bind_int64(st, i++, from->created_us);
		b |= sp_stmt_bind_id(st, i++, &from->id);
	}
	b |= sp_stmt_bind_int64(st, i, batch);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	*out = st;
	return SP_OK;
}

/* The largest batch of rows read at once while the policy leaves rows out. */
enum { LIST_BATCH_MAX = 1024 };

int sp_case_list(struct sp_casework *cw, const struct sp_case_query *q, struct sp_case_hit *out,
		 size_t max, size_t *n, struct sp_id *next, struct sp_err *err)
{
	*n = 0;
	memset(next, 0, sizeof *next);
	if (q->status >= SP_CASE_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	if (q->has_priority && ((int)q->priority < 0 || q->priority >= SP_PRIORITY_COUNT))
		return sp_err_set(err, SP_EINVAL, "/priority", "unknown priority");
	if (q->flags & ~SP_CASE_FLAGS_ALL)
		return sp_err_set(err, SP_EINVAL, "/flag", "unknown flag");
	size_t page = max < SP_SEARCH_MAX_HITS ? max : SP_SEARCH_MAX_HITS;
	if (page == 0)
		return sp_err_set(err, SP_EINVAL, "/limit", "must be at least 1");
	int rc = begin_as(cw, CW_CASE_LIST, err);
	if (rc)
		return rc;
	struct sp_case from = {0};
	bool has_from = q->after != NULL;
	if (q->after && (rc = cw_case_load(cw, q->after, &from, err)) == SP_ENOTFOUND)
		rc = sp_err_set(err, SP_EINVAL, "/after", "no such case");
	/* One row more than the page tells whether there is a next page. The rows come in
	 * batches, each from where the last one ended, so that a store never reads (and
	 * PostgreSQL never sends) the whole caseload for one page: the first batch is the page
	 * and one more, each further one (the policy left rows out) twice the last. */
	struct sp_case_hit extra[SP_SEARCH_MAX_HITS + 1];
	struct hits h = {.out = extra, .max = page + 1};
	int64_t batch = (int64_t)page + 1;
	while (!rc) {
		struct sp_stmt *st = NULL;
		if ((rc = list_statement(cw, q, has_from ? &from : NULL, batch, &st, err)))
			break;
		size_t seen = 0;
		rc = collect_as(cw, st, &h, CW_CASE_LIST, &seen, &from, err);
		sp_stmt_done(st);
		if (rc || h.n == h.max || (int64_t)seen < batch)
			break;
		has_from = true;
		batch = batch * 2 < LIST_BATCH_MAX ? batch * 2 : LIST_BATCH_MAX;
	}
	if (rc)
		goto out;
	*n = h.n > page ? page : h.n;
	memcpy(out, extra, *n * sizeof *out);
	if (h.n > page)
		*next = extra[page - 1].case_id;
	h.out = out;
	h.n = *n;
	rc = audit_as(cw, &h, CW_CASE_LIST, err);
out:
	rc = cw_finish(cw, rc, err);
	if (rc) {
		*n = 0;
		memset(next, 0, sizeof *next);
	}
	return rc;
}

/* The subject's open cases (open or active, assigned to it in its agency): the counts per
 * priority from the clear columns, and the first rows by priority (urgent first), then the
 * latest update, through the policy as the caseload's. */
int cw_case_mine_open(struct sp_casework *cw, size_t *by_priority,
		      struct sp_case_hit *out, size_t max, size_t *n, bool *names,
		      struct sp_err *err)
{
	*n = 0;
	*names = false;
	memset(by_priority, 0, SP_PRIORITY_COUNT * sizeof *by_priority);
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT priority, COUNT(*) FROM cases WHERE assigned_to = ? AND "
				  "agency_id = ? AND status IN ('open', 'active') GROUP BY priority",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, cw_actor(cw)) || sp_stmt_bind_id(st, 2, cw_actor_agency(cw)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		int p = sp_case_priority_parse(sp_stmt_text(st, 0));
		rc = p < 0 ? sp_err_set(err, SP_EINTERNAL, "", "malformed case row") : SP_OK;
		if (!rc)
			by_priority[p] = (size_t)sp_stmt_int64(st, 1);
	}
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	/* The subject's own cases are a few hundred at most: sorting them is cheap, and the
	 * index cases_assigned_open (0026) finds and orders them among a million without
	 * reading their rows. Only the page's rows are read, with their sealed names. */
#define MINE_ORDER                                                                          \
	" ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 " \
	"ELSE 3 END, updated_us DESC, id"
	rc = sp_store_prepare(cw->store,
			      "SELECT " HIT_COLUMNS " FROM cases WHERE id IN (SELECT id FROM cases "
			      "WHERE assigned_to = ? AND agency_id = ? AND status IN ('open', "
			      "'active')" MINE_ORDER " LIMIT ?)" MINE_ORDER,
			      &st, err);
#undef MINE_ORDER
	if (rc)
		return rc;
	struct hits h = {.out = out, .max = max < SP_SEARCH_MAX_HITS ? max : SP_SEARCH_MAX_HITS};
	if (sp_stmt_bind_id(st, 1, cw_actor(cw)) || sp_stmt_bind_id(st, 2, cw_actor_agency(cw)) ||
	    sp_stmt_bind_int64(st, 3, (int64_t)h.max))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	size_t seen = 0;
	struct sp_case last;
	if (!rc)
		rc = collect_as(cw, st, &h, CW_CASE_LIST, &seen, &last, err);
	sp_stmt_done(st);
	if (!rc)
		rc = open_names(cw, &h, names, err);
	if (!rc)
		*n = h.n;
	return rc;
}
