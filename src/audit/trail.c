/* The trail in the database: append (single and batched, inside the caller's write
 * transaction), the chain head, checkpoints of the head, and the DPO's listing. Owns the
 * audit_log, audit_head and audit_object tables (migrations 0002_audit.sql, 0010). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <jansson.h>

#include "audit/audit.h"
#include "safepath/log.h"
#include "safepath/store.h"

static const char sql_head[] = "SELECT seq, mac FROM audit_head WHERE id = 1";
static const char sql_head_lock[] = "SELECT seq, mac FROM audit_head WHERE id = 1 FOR UPDATE";
/* Compare-and-set on seq: a head moved under us is a conflict, never a fork. */
static const char sql_head_move[] = "UPDATE audit_head SET seq = ?, mac = ? WHERE id = 1 AND seq = ?";
static const char sql_insert[] = "INSERT INTO audit_log (" SP_AUDIT_COLUMNS ") "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_index[] = "INSERT INTO audit_object (object_id, span, actor) VALUES (?, ?, ?) "
				"ON CONFLICT DO NOTHING";
#define SPAN_STR_(x) #x
#define SPAN_STR(x) SPAN_STR_(x)
#define SPAN_SQL SPAN_STR(SP_AUDIT_SPAN)
static const char sql_mac_at[] = "SELECT mac FROM audit_log WHERE seq = ?";
static const char sql_after_head[] = "SELECT COUNT(*) FROM audit_log WHERE seq > ?";

int sp_audit_row_read(struct sp_stmt *st, struct sp_audit_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->seq = sp_stmt_int64(st, 0);
	rec->ts_us = sp_stmt_int64(st, 1);
	const char *s[5];
	static const int str_col[] = {4, 5, 6, 8, 9};
	for (int i = 0; i < 5; i++) {
		s[i] = sp_stmt_text(st, str_col[i]);
		if (!s[i])
			s[i] = "";
	}
	rec->roles = s[0];
	rec->action = s[1];
	rec->object_type = s[2];
	rec->fields = s[3];
	rec->reason = s[4];
	const char *req = sp_stmt_text(st, 11);
	rec->request_id = req ? req : "";
	int64_t flags = sp_stmt_int64(st, 10);
	size_t n = 0, on = 0;
	const void *objects = sp_stmt_blob(st, 13, &on);
	if (on % SP_ID_LEN || on > (size_t)SP_AUDIT_OBJECTS_MAX * SP_ID_LEN || (on && !objects))
		return SP_EINVAL;
	rec->objects = objects; /* struct sp_id is 16 bytes, alignment 1 */
	rec->nobjects = on / SP_ID_LEN;
	const void *mac = sp_stmt_blob(st, 12, &n);
	if (sp_stmt_id(st, 2, &rec->actor) || sp_stmt_id(st, 3, &rec->agency) ||
	    sp_stmt_id(st, 7, &rec->object_id) || !mac || n != SP_AUDIT_MAC_LEN || flags < 0 ||
	    flags > (int64_t)UINT32_MAX)
		return SP_EINVAL;
	rec->flags = (unsigned)flags;
	memcpy(rec->mac, mac, SP_AUDIT_MAC_LEN);
	return SP_OK;
}

int sp_audit_head_read(struct sp_store *s, int lock, int64_t *seq,
		       unsigned char mac[SP_AUDIT_MAC_LEN], struct sp_err *err)
{
	int row_locks = (sp_store_driver_of(s)->caps & SP_STORE_CAP_ROW_LOCKS) != 0;
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, lock && row_locks ? sql_head_lock : sql_head, &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_EINTERNAL, NULL, "the audit head row is missing");
	if (rc < 0)
		goto out;
	*seq = sp_stmt_int64(st, 0);
	size_t n = 0;
	const void *p = sp_stmt_blob(st, 1, &n);
	if (*seq == 0) {
		memset(mac, 0, SP_AUDIT_MAC_LEN);
	} else if (*seq < 0 || !p || n != SP_AUDIT_MAC_LEN) {
		rc = sp_err_set(err, SP_EINTERNAL, NULL, "the audit head row is damaged");
		goto out;
	} else {
		memcpy(mac, p, SP_AUDIT_MAC_LEN);
	}
	rc = SP_OK;
out:
	sp_stmt_done(st);
	return rc;
}

static int insert_row(struct sp_stmt *st, const struct sp_audit_rec *r, struct sp_err *err)
{
	int rc;
	if ((rc = sp_stmt_bind_int64(st, 1, r->seq)) || (rc = sp_stmt_bind_int64(st, 2, r->ts_us)) ||
	    (rc = sp_stmt_bind_id(st, 3, &r->actor)) || (rc = sp_stmt_bind_id(st, 4, &r->agency)) ||
	    (rc = sp_stmt_bind_text(st, 5, r->roles ? r->roles : "")) ||
	    (rc = sp_stmt_bind_text(st, 6, r->action)) ||
	    (rc = sp_stmt_bind_text(st, 7, r->object_type ? r->object_type : "")) ||
	    (rc = sp_stmt_bind_id(st, 8, &r->object_id)) ||
	    (rc = sp_stmt_bind_text(st, 9, r->fields ? r->fields : "")) ||
	    (rc = sp_stmt_bind_text(st, 10, r->reason ? r->reason : "")) ||
	    (rc = sp_stmt_bind_int64(st, 11, (int64_t)r->flags)) ||
	    (rc = sp_stmt_bind_text(st, 12, r->request_id ? r->request_id : "")) ||
	    (rc = sp_stmt_bind_blob(st, 13, r->mac, SP_AUDIT_MAC_LEN)) ||
	    (rc = sp_stmt_bind_blob(st, 14, r->nobjects ? r->objects : (const void *)"",
				    r->nobjects * SP_ID_LEN)))
		return sp_err_set(err, rc, NULL, "cannot bind an audit record");
	rc = sp_stmt_step(st, err);
	return rc < 0 ? rc : SP_OK;
}

enum { SEEN_SLOTS = 4096 }; /* 160 KiB: a few thousand (case, caseworker) pairs per span */

struct sp_audit_seen {
	struct seen_slot {
		struct sp_id object, actor; /* object never zero in a used slot */
		int64_t span;
	} slot[SEEN_SLOTS];
};

struct sp_audit_seen *sp_audit_seen_new(void)
{
	return calloc(1, sizeof(struct sp_audit_seen));
}

void sp_audit_seen_forget(struct sp_audit_seen *seen)
{
	if (seen)
		memset(seen->slot, 0, sizeof seen->slot);
}

void sp_audit_seen_free(struct sp_audit_seen *seen)
{
	free(seen);
}

static uint64_t id_fold(const struct sp_id *id)
{
	uint64_t a, b;
	memcpy(&a, id->b, sizeof a);
	memcpy(&b, id->b + 8, sizeof b);
	return a ^ (b * 0xff51afd7ed558ccdu);
}

/* The slot for a key; *hit tells whether it holds that key already. */
static struct seen_slot *seen_slot(struct sp_audit_seen *seen, const struct sp_id *object,
				   int64_t span, const struct sp_id *actor, bool *hit)
{
	uint64_t h = id_fold(object) ^ (id_fold(actor) * 0x9e3779b97f4a7c15u) ^
		     ((uint64_t)span * 0xc2b2ae3d27d4eb4fu);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 32;
	struct seen_slot *sl = &seen->slot[h & (SEEN_SLOTS - 1)];
	*hit = sl->span == span && memcmp(&sl->object, object, sizeof *object) == 0 &&
	       memcmp(&sl->actor, actor, sizeof *actor) == 0;
	return sl;
}

static int index_object(struct sp_store *s, const struct sp_audit_rec *r, const struct sp_id *id,
			struct sp_audit_seen *seen, struct sp_err *err)
{
	int64_t span = r->seq / SP_AUDIT_SPAN;
	bool hit = false;
	struct seen_slot *sl = seen ? seen_slot(seen, id, span, &r->actor, &hit) : NULL;
	if (hit)
		return SP_OK;
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, sql_index, &st, err);
	if (rc)
		return rc;
	if ((rc = sp_stmt_bind_id(st, 1, id)) || (rc = sp_stmt_bind_int64(st, 2, span)) ||
	    (rc = sp_stmt_bind_id(st, 3, &r->actor)))
		rc = sp_err_set(err, rc, NULL, "cannot bind an audit object");
	else if ((rc = sp_stmt_step(st, err)) > 0)
		rc = SP_OK;
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	if (sl)
		*sl = (struct seen_slot){.object = *id, .actor = r->actor, .span = span};
	return SP_OK;
}

/* The record and the index of every object it names. */
static int insert_rec(struct sp_store *s, const struct sp_audit_rec *r, struct sp_audit_seen *seen,
		      struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, sql_insert, &st, err);
	if (rc)
		return rc;
	rc = insert_row(st, r, err);
	sp_stmt_done(st);
	if (rc == 0 && !sp_id_is_zero(&r->object_id))
		rc = index_object(s, r, &r->object_id, seen, err);
	for (size_t i = 0; rc == 0 && i < r->nobjects; i++)
		rc = index_object(s, r, &r->objects[i], seen, err);
	return rc;
}

int sp_audit_append_seen(struct sp_store *s, const struct sp_audit_keys *keys,
			 const struct sp_audit_rec *recs, size_t n, struct sp_audit_seen *seen,
			 int64_t *first_seq, struct sp_err *err)
{
	if (!sp_store_in_transaction(s))
		return sp_err_set(err, SP_EINVAL, NULL,
				  "an audit record is appended inside the caller's write transaction");
	if (n == 0)
		return sp_err_set(err, SP_EINVAL, NULL, "no audit records to append");
	/* Check everything first, so a bad record leaves nothing behind even without rollback. */
	for (size_t i = 0; i < n; i++) {
		int rc = sp_audit_rec_check(&recs[i], err);
		if (rc) {
			if (n > 1 && err) { /* which record: "/3/reason" */
				char field[sizeof err->field];
				int len = snprintf(field, sizeof field, "/%zu/%s", i, err->field);
				if (len > 0 && (size_t)len < sizeof field)
					memcpy(err->field, field, (size_t)len + 1);
			}
			return rc;
		}
	}
	int64_t head;
	unsigned char mac[SP_AUDIT_MAC_LEN];
	int rc = sp_audit_head_read(s, 1, &head, mac, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	int64_t now = sp_now_us();
	unsigned char enc[SP_AUDIT_ENC_MAX];
	for (size_t i = 0; i < n; i++) {
		struct sp_audit_rec r = recs[i];
		r.seq = head + 1 + (int64_t)i;
		if (r.ts_us == 0)
			r.ts_us = now;
		size_t len = sp_audit_encode(&r, enc);
		sp_audit_mac_enc(keys->chain_key, mac, enc, len, r.mac);
		memcpy(mac, r.mac, SP_AUDIT_MAC_LEN);
		if ((rc = insert_rec(s, &r, seen, err)))
			return rc;
		char seqs[24], obj[SP_ID_STRLEN + 1]; /* ids and tokens only, like the record */
		snprintf(seqs, sizeof seqs, "%lld", (long long)r.seq);
		sp_id_format(&r.object_id, obj);
		sp_log(SP_LOG_DEBUG, "audit.append", "seq", seqs, "action", r.action, "object", obj,
		       (const char *)NULL);
	}
	if ((rc = sp_store_prepare(s, sql_head_move, &st, err)))
		return rc;
	if ((rc = sp_stmt_bind_int64(st, 1, head + (int64_t)n)) ||
	    (rc = sp_stmt_bind_blob(st, 2, mac, SP_AUDIT_MAC_LEN)) ||
	    (rc = sp_stmt_bind_int64(st, 3, head))) {
		rc = sp_err_set(err, rc, NULL, "cannot bind the audit head");
		goto out;
	}
	if ((rc = sp_stmt_step(st, err)) < 0)
		goto out;
	if (sp_stmt_changes(st) != 1) {
		rc = sp_err_set(err, SP_ECONFLICT, NULL, "the audit head moved during the append");
		goto out;
	}
	rc = SP_OK;
	if (first_seq)
		*first_seq = head + 1;
out:
	sp_stmt_done(st);
	return rc;
}

int sp_audit_append_batch(struct sp_store *s, const struct sp_audit_keys *keys,
			  const struct sp_audit_rec *recs, size_t n, int64_t *first_seq,
			  struct sp_err *err)
{
	return sp_audit_append_seen(s, keys, recs, n, NULL, first_seq, err);
}

int sp_audit_append(struct sp_store *s, const struct sp_audit_keys *keys,
		    const struct sp_audit_rec *rec, int64_t *seq_out, struct sp_err *err)
{
	return sp_audit_append_seen(s, keys, rec, 1, NULL, seq_out, err);
}

/* Run sql with the head's seq as its one parameter: 1 = a row, 0 = none (st to release
 * either way), < 0 = error (st released). */
static int step_at_head(struct sp_store *s, const char *sql, int64_t seq, struct sp_stmt **st,
			struct sp_err *err)
{
	int rc = sp_store_prepare(s, sql, st, err);
	if (rc)
		return rc;
	if ((rc = sp_stmt_bind_int64(*st, 1, seq)))
		rc = sp_err_set(err, rc, NULL, "cannot bind the audit head");
	else
		rc = sp_stmt_step(*st, err);
	if (rc < 0)
		sp_stmt_done(*st);
	return rc;
}

/* Before signing, the head must be the last record and carry its mac: a checkpoint must
 * never vouch for a head someone moved. (The full chain is verify's job.) */
static int head_matches_tail(struct sp_store *s, int64_t seq, const unsigned char *mac,
			     struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = step_at_head(s, sql_after_head, seq, &st, err);
	if (rc < 0)
		return rc;
	if (rc == 0 || sp_stmt_int64(st, 0) != 0) {
		rc = sp_err_set(err, SP_ECONFLICT, NULL,
				"audit records lie beyond the head; run 'safepath audit verify'");
		goto out;
	}
	sp_stmt_done(st);
	if (seq == 0)
		return SP_OK;
	if ((rc = step_at_head(s, sql_mac_at, seq, &st, err)) < 0)
		return rc;
	size_t n = 0;
	const void *p = rc == 1 ? sp_stmt_blob(st, 0, &n) : NULL;
	if (!p || n != SP_AUDIT_MAC_LEN || sodium_memcmp(p, mac, SP_AUDIT_MAC_LEN) != 0) {
		rc = sp_err_set(err, SP_ECONFLICT, NULL,
				"the audit head disagrees with the last record; run 'safepath audit verify'");
		goto out;
	}
	rc = SP_OK;
out:
	sp_stmt_done(st);
	return rc;
}

static int checkpoint(struct sp_store *s, const struct sp_audit_keys *keys, const char *dir,
		      enum sp_audit_cp_kind kind, struct sp_err *err)
{
	/* Inside a transaction the head may be uncommitted and then rolled back: a checkpoint
	 * of it would later read as a cut tail. Sign committed records only. */
	if (sp_store_in_transaction(s))
		return sp_err_set(err, SP_EINVAL, NULL,
				  "an audit checkpoint is taken outside any transaction");
	int rc = sp_store_begin_read(s, err);
	if (rc)
		return rc;
	struct sp_audit_cp cp = {.kind = kind};
	rc = sp_audit_head_read(s, 0, &cp.seq, cp.mac, err);
	if (rc == 0)
		rc = head_matches_tail(s, cp.seq, cp.mac, err);
	sp_store_rollback(s); /* read only: nothing to commit */
	if (rc)
		return rc;
	cp.ts_us = sp_now_us();
	sp_audit_cp_sign(&cp, keys->sign_sk);
	return sp_audit_cp_append(dir, &cp, err);
}

int sp_audit_checkpoint(struct sp_store *s, const struct sp_audit_keys *keys, const char *dir,
			struct sp_err *err)
{
	return checkpoint(s, keys, dir, SP_AUDIT_CP_CHECKPOINT, err);
}

int sp_audit_checkpoint_restore(struct sp_store *s, const struct sp_audit_keys *keys,
				const char *dir, struct sp_err *err)
{
	return checkpoint(s, keys, dir, SP_AUDIT_CP_RESTORE, err);
}

static bool names_object(const struct sp_audit_rec *rec, const struct sp_id *id)
{
	if (memcmp(&rec->object_id, id, sizeof *id) == 0)
		return true;
	for (size_t i = 0; i < rec->nobjects; i++)
		if (memcmp(&rec->objects[i], id, sizeof *id) == 0)
			return true;
	return false;
}

/* The SQL names only the filters given, so each shape uses its index (and is one cached
 * statement). By object, the coarse index gives the records that may name it (its actors'
 * records in its spans) and the records themselves decide, so that shape has no LIMIT. */
int sp_audit_list(struct sp_store *s, const struct sp_audit_query *q, sp_audit_row_fn fn,
		  void *ctx, int64_t *next_seq, struct sp_err *err)
{
	*next_seq = 0;
	if (q->limit < 1 || q->limit > SP_AUDIT_PAGE_MAX)
		return sp_err_set(err, SP_EINVAL, "limit", "must be 1 to %d", SP_AUDIT_PAGE_MAX);
	if (q->after_seq < 0)
		return sp_err_set(err, SP_EINVAL, "after", "must not be negative");
	if (q->object_type || q->action) {
		struct sp_audit_rec probe = {.action = q->action ? q->action : "x",
					     .object_type = q->object_type};
		int rc = sp_audit_rec_check(&probe, err);
		if (rc)
			return rc;
	}
	char sql[720];
	int len = snprintf(sql, sizeof sql, "SELECT %s FROM audit_log WHERE seq > ?%s%s%s%s%s%s "
			   "ORDER BY seq%s", SP_AUDIT_COLUMNS,
			   q->from_us ? " AND ts_us >= ?" : "", q->to_us ? " AND ts_us < ?" : "",
			   q->actor ? " AND actor = ?" : "", q->action ? " AND action = ?" : "",
			   q->object_type ? " AND object_type = ?" : "",
			   q->object_id ? " AND seq IN (SELECT l.seq FROM audit_object o JOIN audit_log l"
					  " ON l.actor = o.actor AND l.seq >= o.span * " SPAN_SQL
					  " AND l.seq < (o.span + 1) * " SPAN_SQL " WHERE o.object_id = ?)"
					: "",
			   q->object_id ? "" : " LIMIT ?");
	if (len < 0 || (size_t)len >= sizeof sql)
		return sp_err_set(err, SP_EINTERNAL, NULL, "audit query too long");
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	int i = 1;
	if ((rc = sp_stmt_bind_int64(st, i++, q->after_seq)) ||
	    (q->from_us && (rc = sp_stmt_bind_int64(st, i++, q->from_us))) ||
	    (q->to_us && (rc = sp_stmt_bind_int64(st, i++, q->to_us))) ||
	    (q->actor && (rc = sp_stmt_bind_id(st, i++, q->actor))) ||
	    (q->action && (rc = sp_stmt_bind_text(st, i++, q->action))) ||
	    (q->object_type && (rc = sp_stmt_bind_text(st, i++, q->object_type))) ||
	    (q->object_id && (rc = sp_stmt_bind_id(st, i++, q->object_id))) ||
	    (!q->object_id && (rc = sp_stmt_bind_int64(st, i++, (int64_t)q->limit + 1)))) {
		rc = sp_err_set(err, rc, NULL, "cannot bind the audit query");
		goto out;
	}
	int rows = 0;
	int64_t last = 0;
	while ((rc = sp_stmt_step(st, err)) == 1) {
		struct sp_audit_rec rec;
		if (sp_audit_row_read(st, &rec) != SP_OK) {
			rc = sp_err_set(err, SP_EINTERNAL, NULL, "a damaged audit record; run 'safepath audit verify'");
			goto out;
		}
		if (q->object_id && !names_object(&rec, q->object_id))
			continue;
		if (rows == q->limit) {
			*next_seq = last; /* one more exists: the page is full */
			break;
		}
		rows++;
		last = rec.seq;
		if ((rc = fn(ctx, &rec)))
			goto out;
	}
	if (rc > 0)
		rc = SP_OK;
out:
	sp_stmt_done(st);
	return rc;
}

/* ---- the JSON form (the API's listing, the subject-access export) ---- */

static json_t *ids_json(const struct sp_audit_rec *rec)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < rec->nobjects; i++) {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&rec->objects[i], id);
		if (json_array_append_new(a, json_string(id))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Empty strings and zero ids are left out. */
static const char *opt_str(const char *s)
{
	return s && s[0] ? s : NULL;
}

json_t *sp_audit_rec_encode(const struct sp_audit_rec *rec)
{
	char ts[SP_TIME_STRLEN + 1], actor[SP_ID_STRLEN + 1], agency[SP_ID_STRLEN + 1],
		object[SP_ID_STRLEN + 1];
	sp_time_format(rec->ts_us, ts);
	sp_id_format(&rec->actor, actor);
	sp_id_format(&rec->agency, agency);
	sp_id_format(&rec->object_id, object);
	json_t *flags = json_array();
	if (flags && (rec->flags & SP_AUDIT_F_DPO))
		json_array_append_new(flags, json_string("dpo"));
	if (flags && (rec->flags & SP_AUDIT_F_BREAK_GLASS))
		json_array_append_new(flags, json_string("break_glass"));
	return json_pack("{s:I, s:s, s:s*, s:s*, s:s*, s:s, s:s*, s:s*, s:o*, s:s*, s:s*, s:o*}",
			 "seq", (json_int_t)rec->seq, "at", ts, "actor",
			 sp_id_is_zero(&rec->actor) ? NULL : actor, "agency",
			 sp_id_is_zero(&rec->agency) ? NULL : agency, "roles", opt_str(rec->roles),
			 "action", rec->action, "object_type", opt_str(rec->object_type),
			 "object_id", sp_id_is_zero(&rec->object_id) ? NULL : object, "objects",
			 ids_json(rec), "fields", opt_str(rec->fields), "reason",
			 opt_str(rec->reason), "flags", flags);
}
