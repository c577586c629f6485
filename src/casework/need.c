/* Needs of a case (owner of the needs table): a kind from the "needs" vocabulary, a status
 * moved along a small table, where it came from (a screening or a person) and an optional
 * note sealed under the case person's key, bound to needs/note/<need id>, so erasing the
 * person shreds it. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/caseop.h"
#include "safepath/names.h"
#include "safepath/need.h"
#include "safepath/store.h"

static const char *const status_names[SP_NEED_STATUS_COUNT] = {
	[SP_NEED_UNMET] = "unmet",
	[SP_NEED_REFERRED] = "referred",
	[SP_NEED_MET] = "met",
	[SP_NEED_NO_LONGER_NEEDED] = "no_longer_needed",
};

static const char *const source_names[SP_NEED_SOURCE_COUNT] = {
	[SP_NEED_FROM_PERSON] = "person",
	[SP_NEED_FROM_SCREENING] = "screening",
};

/* from x to: a need is referred to a service and then met; a declined referral puts it back
 * to unmet, and so does a need that comes back; whatever its state, it may stop being
 * needed. Staying put is no move. */
static const bool moves[SP_NEED_STATUS_COUNT][SP_NEED_STATUS_COUNT] = {
	[SP_NEED_UNMET] = {[SP_NEED_REFERRED] = true, [SP_NEED_NO_LONGER_NEEDED] = true},
	[SP_NEED_REFERRED] = {[SP_NEED_MET] = true,
			      [SP_NEED_UNMET] = true,
			      [SP_NEED_NO_LONGER_NEEDED] = true},
	[SP_NEED_MET] = {[SP_NEED_UNMET] = true, [SP_NEED_NO_LONGER_NEEDED] = true},
	[SP_NEED_NO_LONGER_NEEDED] = {0},
};

const char *sp_need_status_name(enum sp_need_status s)
{
	return sp_name_of(status_names, SP_NEED_STATUS_COUNT, (int)s);
}
int sp_need_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_NEED_STATUS_COUNT, s);
}
const char *sp_need_source_name(enum sp_need_source s)
{
	return sp_name_of(source_names, SP_NEED_SOURCE_COUNT, (int)s);
}

bool sp_need_may_move(enum sp_need_status from, enum sp_need_status to)
{
	if ((unsigned)from >= SP_NEED_STATUS_COUNT || (unsigned)to >= SP_NEED_STATUS_COUNT)
		return false;
	return from == to || moves[from][to];
}

#define NEED_COLUMNS                                                                          \
	"id, case_id, kind, status, source, screening_id, note, created_by, created_us, "    \
	"updated_us, version"

/* A row selected with NEED_COLUMNS; the sealed note is left in *ct (NULL when none). */
static int need_row(struct sp_stmt *st, struct sp_need *n, const void **ct, size_t *ct_len,
		    struct sp_err *err)
{
	memset(n, 0, sizeof *n);
	const char *kind = sp_stmt_text(st, 2);
	int status = sp_need_status_parse(sp_stmt_text(st, 3));
	int source = sp_name_index(source_names, SP_NEED_SOURCE_COUNT, sp_stmt_text(st, 4));
	if (sp_stmt_id(st, 0, &n->id) || sp_stmt_id(st, 1, &n->case_id) ||
	    (!sp_stmt_is_null(st, 5) && sp_stmt_id(st, 5, &n->screening)) ||
	    sp_stmt_id(st, 7, &n->created_by) || !kind || strlen(kind) >= sizeof n->kind ||
	    status < 0 || source < 0)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed need row");
	memcpy(n->kind, kind, strlen(kind) + 1);
	n->status = (enum sp_need_status)status;
	n->source = (enum sp_need_source)source;
	*ct = sp_stmt_is_null(st, 6) ? NULL : sp_stmt_blob(st, 6, ct_len);
	n->created_us = sp_stmt_int64(st, 8);
	n->updated_us = sp_stmt_int64(st, 9);
	n->version = sp_stmt_int64(st, 10);
	return SP_OK;
}

/* Open a need's note into the arena; an erased person's is left out, not an error. */
static int open_note(struct sp_casework *cw, const struct sp_case *c, struct sp_need *n,
		     const void *ct, size_t len, struct sp_err *err)
{
	size_t tlen;
	if (!ct)
		return SP_OK;
	int rc = cw_open(cw, &c->person, "needs", "note", &n->id, ct, len, &n->note, &tlen, err);
	if (rc == SP_ENOTFOUND) {
		n->note = NULL;
		return SP_OK;
	}
	return rc;
}

static int check_new(const struct sp_casework *cw, const struct sp_need_new *in,
		     struct sp_err *err)
{
	int rc = cw_kind_check(cw, "needs", in->kind, "/kind", err);
	if (!rc && (unsigned)in->source >= SP_NEED_SOURCE_COUNT)
		rc = sp_err_set(err, SP_EINVAL, "/source", "unknown source");
	if (!rc && (in->source == SP_NEED_FROM_SCREENING) != (in->screening != NULL))
		rc = sp_err_set(err, SP_EINVAL, "/screening_id",
				"is required for a need from a screening, and only then");
	if (!rc && in->note)
		rc = cw_text_check(in->note, SP_NEED_NOTE_MAX, "/note", err);
	return rc;
}

/* Write row n (insert, or update at version `was`), its note sealed from text or, with
 * keep_ct, the sealed bytes kept as they are. */
static int need_write(struct sp_casework *cw, const struct sp_case *c, const struct sp_need *n,
		      const char *text, const void *keep_ct, size_t keep_len, int64_t was,
		      struct sp_err *err)
{
	struct sp_buf note;
	struct sp_stmt *st = NULL;
	sp_buf_init(&note, SP_SEAL_LIMIT);
	int rc = text ? cw_seal(cw, &c->person, "needs", "note", &n->id, text, strlen(text),
				&note, err)
		      : SP_OK;
	if (!rc && was)
		rc = sp_store_prepare(cw->store,
				      "UPDATE needs SET kind = ?, status = ?, source = ?, "
				      "screening_id = ?, note = ?, created_by = ?, created_us = ?, "
				      "updated_us = ?, version = ? WHERE id = ? AND version = ?",
				      &st, err);
	else if (!rc)
		rc = sp_store_prepare(cw->store,
				      "INSERT INTO needs (kind, status, source, screening_id, note, "
				      "created_by, created_us, updated_us, version, id, case_id) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      &st, err);
	if (rc)
		goto out;
	const void *ct = text ? note.data : keep_ct;
	size_t ct_len = text ? note.len : keep_len;
	int b = sp_stmt_bind_text(st, 1, n->kind);
	b |= sp_stmt_bind_text(st, 2, sp_need_status_name(n->status));
	b |= sp_stmt_bind_text(st, 3, sp_need_source_name(n->source));
	b |= sp_id_is_zero(&n->screening) ? sp_stmt_bind_null(st, 4)
					  : sp_stmt_bind_id(st, 4, &n->screening);
	b |= ct ? sp_stmt_bind_blob(st, 5, ct, ct_len) : sp_stmt_bind_null(st, 5);
	b |= sp_stmt_bind_id(st, 6, &n->created_by);
	b |= sp_stmt_bind_int64(st, 7, n->created_us);
	b |= sp_stmt_bind_int64(st, 8, n->updated_us);
	b |= sp_stmt_bind_int64(st, 9, n->version);
	b |= sp_stmt_bind_id(st, 10, &n->id);
	b |= was ? sp_stmt_bind_int64(st, 11, was) : sp_stmt_bind_id(st, 11, &n->case_id);
	if (b) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the need was changed meanwhile");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
out:
	sp_stmt_done(st);
	sp_buf_free(&note);
	return rc;
}

/* A new need of case c in the open transaction, the policy having allowed need.write on c:
 * its row and its audit record. */
static int need_insert(struct sp_casework *cw, const struct sp_case *c,
		       const struct sp_need_new *in, struct sp_need *n, struct sp_err *err)
{
	memset(n, 0, sizeof *n);
	sp_id_new(&n->id);
	n->case_id = c->id;
	snprintf(n->kind, sizeof n->kind, "%s", in->kind);
	n->status = SP_NEED_UNMET;
	n->source = in->source;
	if (in->screening)
		n->screening = *in->screening;
	n->created_by = *cw_actor(cw);
	n->created_us = n->updated_us = sp_now_us();
	n->version = 1;
	int rc = need_write(cw, c, n, in->note, NULL, 0, 0, err);
	if (!rc)
		rc = cw_audit(cw, CW_NEED_ADD, "need", &n->id, in->note ? "stat,notes" : "stat", err);
	if (!rc)
		n->note = in->note ? sp_arena_strdup(cw->arena, in->note) : NULL;
	return rc;
}

int sp_need_add(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_need_new *in,
		struct sp_need *out, struct sp_err *err)
{
	int rc = check_new(cw, in, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_need n = {0};
	rc = cw_case_load_for(cw, CW_NEED_ADD, case_id, &c, err);
	if (!rc)
		rc = need_insert(cw, &c, in, &n, err);
	if (!rc)
		rc = cw_idem_record(cw, "need", &n.id, case_id, err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = n;
	return rc;
}

int sp_need_add_in(struct sp_caseop *op, const struct sp_need_new *in, struct sp_need *out,
		   struct sp_err *err)
{
	struct sp_need n = {0};
	int rc = check_new(op->cw, in, err);
	if (!rc)
		rc = cw_caseop_allow(op, CW_NEED_ADD, err);
	if (!rc)
		rc = need_insert(op->cw, &op->c, in, &n, err);
	if (!rc && out)
		*out = n;
	return rc;
}

/* The need by id in the open transaction, its sealed note copied into ct. */
static int need_load(struct sp_casework *cw, const struct sp_id *id, struct sp_need *n,
		     struct sp_buf *ct, bool *has_ct, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, "SELECT " NEED_COLUMNS " FROM needs WHERE id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such need");
	if (rc == 1) {
		const void *p = NULL;
		size_t len = 0;
		rc = need_row(st, n, &p, &len, err);
		*has_ct = p != NULL;
		if (!rc && p && sp_buf_add(ct, p, len))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	sp_stmt_done(st);
	return rc;
}

int sp_need_get_in(struct sp_caseop *op, const struct sp_id *id, struct sp_need *out,
		   struct sp_err *err)
{
	struct sp_buf ct;
	bool has_ct = false;
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	int rc = cw_caseop_allow(op, CW_NEED_READ, err);
	if (!rc)
		rc = need_load(op->cw, id, out, &ct, &has_ct, err);
	if (!rc && memcmp(out->case_id.b, op->c.id.b, SP_ID_LEN) != 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such need on this case");
	sp_buf_free(&ct);
	out->note = NULL;
	return rc;
}

int sp_need_follow_in(struct sp_caseop *op, const struct sp_id *id, enum sp_need_status status,
		      struct sp_err *err)
{
	struct sp_need n = {0};
	struct sp_buf ct;
	bool has_ct = false;
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	int rc = op->has_case && op->write
			 ? need_load(op->cw, id, &n, &ct, &has_ct, err)
			 : sp_err_set(err, SP_EINTERNAL, "", "a need follows in a write operation");
	if (!rc && memcmp(n.case_id.b, op->c.id.b, SP_ID_LEN) != 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such need on this case");
	if (rc || n.status == status || !sp_need_may_move(n.status, status))
		goto out;
	int64_t was = n.version, now = sp_now_us();
	n.status = status;
	n.updated_us = now > n.updated_us ? now : n.updated_us + 1;
	n.version++;
	rc = need_write(op->cw, &op->c, &n, NULL, has_ct ? ct.data : NULL, ct.len, was, err);
	if (!rc)
		rc = cw_audit(op->cw, CW_NEED_UPDATE, "need", id, "stat", err);
out:
	sp_buf_free(&ct);
	return rc;
}

int sp_need_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_need_change *ch, struct sp_need *out, struct sp_err *err)
{
	if (ch->set_status && (unsigned)ch->status >= SP_NEED_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	int rc = ch->set_note && ch->note ? cw_text_check(ch->note, SP_NEED_NOTE_MAX, "/note", err)
					  : SP_OK;
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_need n = {0};
	struct sp_buf old;
	bool has_old = false;
	sp_buf_init(&old, SP_SEAL_LIMIT);
	rc = need_load(cw, id, &n, &old, &has_old, err);
	if (!rc)
		rc = cw_case_load_for(cw, CW_NEED_UPDATE, &n.case_id, &c, err);
	if (!rc && n.version != ch->version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the need was changed meanwhile");
	if (!rc && ch->set_status && !sp_need_may_move(n.status, ch->status))
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "a need cannot go from %s to %s",
				sp_need_status_name(n.status), sp_need_status_name(ch->status));
	if (rc)
		goto out;
	int64_t was = n.version, now = sp_now_us();
	if (ch->set_status)
		n.status = ch->status;
	n.updated_us = now > n.updated_us ? now : n.updated_us + 1;
	n.version++;
	if (ch->set_note)
		rc = need_write(cw, &c, &n, ch->note, NULL, 0, was, err);
	else
		rc = need_write(cw, &c, &n, NULL, has_old ? old.data : NULL, old.len, was, err);
	if (!rc)
		rc = cw_audit(cw, CW_NEED_UPDATE, "need", id, ch->set_note ? "stat,notes" : "stat",
			      err);
out:
	sp_buf_free(&old);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		n.note = ch->set_note && ch->note ? sp_arena_strdup(cw->arena, ch->note) : NULL;
		*out = n;
	}
	return rc;
}

int sp_need_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_need **out,
		 size_t *n, struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	struct sp_stmt *st = NULL;
	struct sp_need *list = NULL;
	size_t count = 0, cap = 0;
	rc = cw_case_load_for(cw, CW_NEED_READ, case_id, &c, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "SELECT " NEED_COLUMNS " FROM needs WHERE case_id = ? "
				      "ORDER BY created_us, id",
				      &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_id(st, 1, case_id)) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	while ((rc = sp_stmt_step(st, err)) == 1) {
		struct sp_need *grown = cw_array_grow(cw->arena, list, count, &cap, sizeof *list);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			goto out;
		}
		list = grown;
		const void *ct = NULL;
		size_t len = 0;
		rc = need_row(st, &list[count], &ct, &len, err);
		if (!rc)
			rc = open_note(cw, &c, &list[count], ct, len, err);
		if (rc)
			goto out;
		count++;
	}
	if (rc == 0)
		rc = cw_audit(cw, CW_NEED_READ, "case", case_id, "stat,notes", err);
out:
	sp_stmt_done(st);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = list;
		*n = count;
	}
	return rc;
}

json_t *sp_need_encode(const struct sp_need *n, bool with_note)
{
	char id[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1], screening[SP_ID_STRLEN + 1];
	char by[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1];
	sp_id_format(&n->id, id);
	sp_id_format(&n->case_id, case_id);
	sp_id_format(&n->screening, screening);
	sp_id_format(&n->created_by, by);
	sp_time_format(n->created_us, created);
	sp_time_format(n->updated_us, updated);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:I}", "id", id,
			 "case_id", case_id, "kind", n->kind, "status",
			 sp_need_status_name(n->status), "source", sp_need_source_name(n->source),
			 "screening_id", sp_id_is_zero(&n->screening) ? NULL : screening, "note",
			 with_note ? n->note : NULL, "created_by", by, "created_at", created,
			 "updated_at", updated, "version", (json_int_t)n->version);
}
