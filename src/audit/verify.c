/* `audit verify`: walk the trail in seq order recomputing the keyed chain, compare the head
 * row, then check every signed checkpoint outside the database against the records, so an
 * edited, deleted or reordered record and a cut-off tail all show, each at its seq. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "safepath/store.h"

/* A chain break is classified by looking this many records either side for the place the
 * record's MAC belongs: found elsewhere = reordered, nowhere = edited. */
#define WINDOW 8
#define WIN_ROWS (2 * WINDOW + 2)

static const char *const problem_names[SP_AUDIT_P_COUNT_] = {
	[SP_AUDIT_P_NONE] = "none",
	[SP_AUDIT_P_EDITED] = "edited",
	[SP_AUDIT_P_DELETED] = "deleted",
	[SP_AUDIT_P_REORDERED] = "reordered",
	[SP_AUDIT_P_TRUNCATED] = "truncated",
	[SP_AUDIT_P_HEAD_MISMATCH] = "head_mismatch",
	[SP_AUDIT_P_CHECKPOINT_MISMATCH] = "checkpoint_mismatch",
	[SP_AUDIT_P_BAD_SIGNATURE] = "bad_signature",
	[SP_AUDIT_P_BAD_CHECKPOINT_LINE] = "bad_checkpoint_line",
};

const char *sp_audit_problem_name(enum sp_audit_problem p)
{
	if ((unsigned)p >= SP_AUDIT_P_COUNT_)
		return "unknown";
	return problem_names[p];
}

static const char sql_walk[] = "SELECT " SP_AUDIT_COLUMNS " FROM audit_log ORDER BY seq";
static const char sql_window[] =
	"SELECT " SP_AUDIT_COLUMNS " FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq";
static const char sql_mac_at[] = "SELECT mac FROM audit_log WHERE seq = ?";

/* A record copied out of its statement, since verify runs other queries around a break. */
struct row {
	struct sp_audit_rec rec;
	int ok;      /* read, sizes right, tokens only: its encoding is defined */
	int mac_ok;  /* its stored mac can be read, to check the next link */
	char roles[SP_AUDIT_TOKEN_MAX + 1], action[SP_AUDIT_TOKEN_MAX + 1];
	char object_type[SP_AUDIT_TOKEN_MAX + 1], fields[SP_AUDIT_FIELDS_MAX + 1];
	char reason[SP_AUDIT_TOKEN_MAX + 1], request_id[SP_AUDIT_TOKEN_MAX + 1];
	struct sp_id objects[SP_AUDIT_OBJECTS_MAX];
};

static int copy_str(char *dst, size_t cap, const char **src)
{
	size_t n = strlen(*src);
	if (n >= cap)
		return -1;
	memcpy(dst, *src, n + 1);
	*src = dst;
	return 0;
}

static void row_load(struct sp_stmt *st, struct row *r)
{
	r->ok = 0;
	size_t n = 0;
	const void *p = sp_stmt_blob(st, 12, &n);
	unsigned char mac[SP_AUDIT_MAC_LEN] = {0};
	r->mac_ok = p && n == SP_AUDIT_MAC_LEN;
	if (r->mac_ok)
		memcpy(mac, p, SP_AUDIT_MAC_LEN);
	if (sp_audit_row_read(st, &r->rec) != SP_OK) {
		r->rec.seq = sp_stmt_int64(st, 0);
		memcpy(r->rec.mac, mac, SP_AUDIT_MAC_LEN);
		return;
	}
	struct sp_audit_rec *x = &r->rec;
	if (copy_str(r->roles, sizeof r->roles, &x->roles) ||
	    copy_str(r->action, sizeof r->action, &x->action) ||
	    copy_str(r->object_type, sizeof r->object_type, &x->object_type) ||
	    copy_str(r->fields, sizeof r->fields, &x->fields) ||
	    copy_str(r->reason, sizeof r->reason, &x->reason) ||
	    copy_str(r->request_id, sizeof r->request_id, &x->request_id))
		return;
	if (x->nobjects) { /* row_read bounded it */
		memcpy(r->objects, x->objects, x->nobjects * SP_ID_LEN);
		x->objects = r->objects;
	}
	r->ok = sp_audit_rec_check(x, NULL) == SP_OK;
}

static void add(struct sp_audit_report *out, enum sp_audit_problem kind, int64_t seq, long line)
{
	out->nfound++;
	if (out->nkept < SP_AUDIT_REPORT_MAX)
		out->found[out->nkept++] = (struct sp_audit_finding){kind, seq, line};
}

static void chain_mac(const struct sp_audit_keys *keys, const unsigned char *prev,
		      const struct sp_audit_rec *rec, unsigned char out[SP_AUDIT_MAC_LEN])
{
	unsigned char enc[SP_AUDIT_ENC_MAX];
	size_t n = sp_audit_encode(rec, enc);
	sp_audit_mac_enc(keys->chain_key, prev, enc, n, out);
}

struct verify {
	struct sp_store *s;
	const struct sp_audit_keys *keys;
	struct sp_audit_report *out;
	struct row *win;   /* WIN_ROWS rows around a break */
	struct row cur;
	/* restore checkpoints in file order, and the lowest restored seq from each on */
	size_t nrestores, caprestores;
	long *restore_line;
	int64_t *restore_min;
	size_t next_restore;
	int64_t top_seq;   /* highest checkpoint not rolled back, and its line */
	long top_line;
	struct sp_err *err;
};

/* The record at cur broke the chain. Does its MAC belong to another position nearby, after
 * another record's MAC? Then it was moved there (or its neighbour was): reordered. */
static int classify(struct verify *v, enum sp_audit_problem *kind)
{
	const struct row *cur = &v->cur;
	*kind = SP_AUDIT_P_EDITED;
	struct sp_stmt *st;
	int rc = sp_store_prepare(v->s, sql_window, &st, v->err);
	if (rc)
		return rc;
	int64_t lo = cur->rec.seq - WINDOW - 1, hi = cur->rec.seq + WINDOW;
	if ((rc = sp_stmt_bind_int64(st, 1, lo)) || (rc = sp_stmt_bind_int64(st, 2, hi))) {
		sp_stmt_done(st);
		return sp_err_set(v->err, rc, NULL, "cannot bind the audit window");
	}
	size_t n = 0;
	while (n < WIN_ROWS && (rc = sp_stmt_step(st, v->err)) == 1)
		row_load(st, &v->win[n++]);
	sp_stmt_done(st);
	if (rc < 0)
		return rc;

	static const unsigned char genesis[SP_AUDIT_MAC_LEN];
	struct sp_audit_rec r = cur->rec;
	for (int64_t m = lo + 1 < 1 ? 1 : lo + 1; m <= hi; m++) {
		r.seq = m;
		unsigned char enc[SP_AUDIT_ENC_MAX], mac[SP_AUDIT_MAC_LEN];
		size_t len = sp_audit_encode(&r, enc);
		for (size_t i = 0; i <= n; i++) {
			const unsigned char *prev = i == n ? genesis : v->win[i].rec.mac;
			if (i < n && !v->win[i].mac_ok)
				continue;
			sp_audit_mac_enc(v->keys->chain_key, prev, enc, len, mac);
			if (sodium_memcmp(mac, cur->rec.mac, SP_AUDIT_MAC_LEN) == 0) {
				*kind = SP_AUDIT_P_REORDERED;
				return SP_OK;
			}
		}
	}
	return SP_OK;
}

static int walk(struct verify *v)
{
	struct sp_audit_report *out = v->out;
	struct sp_stmt *st;
	int rc = sp_store_prepare(v->s, sql_walk, &st, v->err);
	if (rc)
		return rc;
	int64_t expect = 1;
	unsigned char prev[SP_AUDIT_MAC_LEN] = {0};
	int prev_ok = 1;
	while ((rc = sp_stmt_step(st, v->err)) == 1) {
		struct row *cur = &v->cur;
		row_load(st, cur);
		out->records++;
		int64_t seq = cur->rec.seq;
		if (seq < expect) { /* seq 0 or below: not a place in the chain */
			add(out, SP_AUDIT_P_EDITED, seq, 0);
			continue;
		}
		if (seq > expect) {
			add(out, SP_AUDIT_P_DELETED, expect, 0);
			prev_ok = 0; /* the next link is broken by the gap, reported once */
		}
		if (!cur->ok) {
			add(out, SP_AUDIT_P_EDITED, seq, 0);
		} else if (prev_ok) {
			unsigned char mac[SP_AUDIT_MAC_LEN];
			chain_mac(v->keys, prev, &cur->rec, mac);
			if (sodium_memcmp(mac, cur->rec.mac, SP_AUDIT_MAC_LEN) != 0) {
				enum sp_audit_problem kind = SP_AUDIT_P_EDITED;
				/* Past the kept findings only the count matters. */
				if (out->nkept < SP_AUDIT_REPORT_MAX && (rc = classify(v, &kind)))
					goto out;
				add(out, kind, seq, 0);
			}
		}
		prev_ok = cur->mac_ok;
		if (prev_ok)
			memcpy(prev, cur->rec.mac, SP_AUDIT_MAC_LEN);
		expect = seq + 1;
		out->last_seq = seq;
	}
	if (rc > 0)
		rc = SP_OK;
out:
	sp_stmt_done(st);
	return rc;
}

static int check_head(struct verify *v)
{
	struct sp_audit_report *out = v->out;
	unsigned char mac[SP_AUDIT_MAC_LEN];
	int rc = sp_audit_head_read(v->s, 0, &out->head_seq, mac, v->err);
	if (rc)
		return rc;
	if (out->head_seq > out->last_seq) {
		add(out, SP_AUDIT_P_TRUNCATED, out->last_seq + 1, 0);
	} else if (out->head_seq < out->last_seq) {
		add(out, SP_AUDIT_P_HEAD_MISMATCH, out->head_seq + 1, 0);
	} else if (out->last_seq > 0 &&
		   (!v->cur.mac_ok || sodium_memcmp(mac, v->cur.rec.mac, SP_AUDIT_MAC_LEN) != 0)) {
		/* v->cur still holds the last record the walk read */
		add(out, SP_AUDIT_P_HEAD_MISMATCH, out->head_seq, 0);
	}
	return SP_OK;
}

/* Pass 1: the restore points. */
static int collect_restore(void *ctx, const char *line, size_t n, long lineno)
{
	struct verify *v = ctx;
	struct sp_audit_cp cp;
	if (sp_audit_cp_parse(line, n, &cp) || cp.kind != SP_AUDIT_CP_RESTORE ||
	    sp_audit_cp_check(&cp, v->keys->sign_pk))
		return SP_OK; /* pass 2 reports it */
	if (v->nrestores == v->caprestores) {
		size_t cap = v->caprestores ? 2 * v->caprestores : 16;
		long *l = realloc(v->restore_line, cap * sizeof *l);
		if (l)
			v->restore_line = l;
		int64_t *m = realloc(v->restore_min, cap * sizeof *m);
		if (m)
			v->restore_min = m;
		if (!l || !m)
			return sp_err_set(v->err, SP_ENOMEM, NULL, "out of memory");
		v->caprestores = cap;
	}
	v->restore_line[v->nrestores] = lineno;
	v->restore_min[v->nrestores++] = cp.seq;
	return SP_OK;
}

static int mac_at(struct verify *v, int64_t seq, unsigned char mac[SP_AUDIT_MAC_LEN], int *found)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(v->s, sql_mac_at, &st, v->err);
	if (rc)
		return rc;
	*found = 0;
	if ((rc = sp_stmt_bind_int64(st, 1, seq))) {
		rc = sp_err_set(v->err, rc, NULL, "cannot bind the audit seq");
		goto out;
	}
	if ((rc = sp_stmt_step(st, v->err)) < 0)
		goto out;
	size_t n = 0;
	const void *p = rc == 1 ? sp_stmt_blob(st, 0, &n) : NULL;
	if (p && n == SP_AUDIT_MAC_LEN) {
		memcpy(mac, p, SP_AUDIT_MAC_LEN);
		*found = 1;
	} else if (rc == 1) {
		*found = -1; /* a row with a damaged mac: the walk reported it */
	}
	rc = SP_OK;
out:
	sp_stmt_done(st);
	return rc;
}

/* Pass 2: every line. A checkpoint followed (anywhere later in the file) by a restore to a
 * lower seq was rolled back by that restore; every other one must match the records. */
static int check_line(void *ctx, const char *line, size_t n, long lineno)
{
	struct verify *v = ctx;
	struct sp_audit_report *out = v->out;
	struct sp_audit_cp cp;
	if (sp_audit_cp_parse(line, n, &cp)) {
		add(out, SP_AUDIT_P_BAD_CHECKPOINT_LINE, 0, lineno);
		return SP_OK;
	}
	if (sp_audit_cp_check(&cp, v->keys->sign_pk)) {
		add(out, SP_AUDIT_P_BAD_SIGNATURE, cp.seq, lineno);
		return SP_OK;
	}
	while (v->next_restore < v->nrestores && v->restore_line[v->next_restore] <= lineno)
		v->next_restore++;
	if (cp.kind == SP_AUDIT_CP_RESTORE)
		out->restores++;
	if (v->next_restore < v->nrestores && cp.seq > v->restore_min[v->next_restore]) {
		int64_t from = v->restore_min[v->next_restore] + 1;
		out->rolled_back++;
		if (!out->rolled_back_from || from < out->rolled_back_from)
			out->rolled_back_from = from;
		if (cp.seq > out->rolled_back_to)
			out->rolled_back_to = cp.seq;
		return SP_OK;
	}
	if (cp.kind == SP_AUDIT_CP_CHECKPOINT)
		out->checkpoints++;
	out->last_checkpoint_seq = cp.seq;
	if (cp.seq > v->top_seq) {
		v->top_seq = cp.seq;
		v->top_line = lineno;
	}
	if (cp.seq > out->last_seq)
		return SP_OK; /* the cut tail is reported once, after the file */
	unsigned char mac[SP_AUDIT_MAC_LEN] = {0};
	int found = 1;
	if (cp.seq > 0) {
		int rc = mac_at(v, cp.seq, mac, &found);
		if (rc)
			return rc;
	}
	/* A missing record is a gap the walk reported; here only a different one counts. */
	if (found == 1 && sodium_memcmp(mac, cp.mac, SP_AUDIT_MAC_LEN) != 0)
		add(out, SP_AUDIT_P_CHECKPOINT_MISMATCH, cp.seq, lineno);
	return SP_OK;
}

static int check_checkpoints(struct verify *v, const char *dir)
{
	int torn = 0;
	int rc = sp_audit_cp_read(dir, collect_restore, v, &torn, v->err);
	if (rc)
		return rc;
	for (size_t i = v->nrestores; i-- > 1;) /* suffix minimum */
		if (v->restore_min[i] < v->restore_min[i - 1])
			v->restore_min[i - 1] = v->restore_min[i];
	if ((rc = sp_audit_cp_read(dir, check_line, v, &torn, v->err)))
		return rc;
	v->out->torn_last_line = torn;
	if (v->top_seq > v->out->last_seq)
		add(v->out, SP_AUDIT_P_TRUNCATED, v->out->last_seq + 1, v->top_line);
	return SP_OK;
}

int sp_audit_verify(struct sp_store *s, const struct sp_audit_keys *keys, const char *dir,
		    struct sp_audit_report *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	struct verify v = {.s = s, .keys = keys, .out = out, .err = err};
	v.win = calloc(WIN_ROWS, sizeof *v.win);
	if (!v.win)
		return sp_err_set(err, SP_ENOMEM, NULL, "out of memory");
	int own = !sp_store_in_transaction(s);
	int rc = own ? sp_store_begin_read(s, err) : SP_OK; /* one snapshot for every check */
	if (rc)
		goto out;
	if ((rc = walk(&v)) || (rc = check_head(&v)) || (rc = check_checkpoints(&v, dir)))
		goto out;
	out->ok = out->nfound == 0;
out:
	if (own && sp_store_in_transaction(s))
		sp_store_rollback(s);
	free(v.win);
	free(v.restore_line);
	free(v.restore_min);
	return rc;
}
