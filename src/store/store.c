/* The store wrapper over a driver: URL selection, transactions, a per-connection statement
 * cache, fault injection (fail the Nth fallible call) for the all-or-nothing tests, and
 * deferred inserts (the batch path's rows sent as multi-row INSERTs). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/buf.h"
#include "safepath/store.h"
#include "store/driver.h"

#define CACHE_SLOTS 128 /* power of two */
#define DEFER_QUEUES 16  /* distinct statements deferred at once */
#define DEFER_CHUNK 64   /* rows of one multi-row INSERT */
#define DEFER_ROWS 4096  /* rows kept before they are sent anyway */
#define DEFER_BYTES (64u << 20)

/* A value bound to a deferred statement: its type, and an integer or bytes kept aside. */
enum dtype { DV_NULL, DV_INT, DV_TEXT, DV_BLOB };
struct dval {
	enum dtype type;
	int64_t i;
	size_t off, len; /* in the row's or the queue's bytes */
};

struct sp_stmt {
	struct sp_store *store;
	struct sp_dstmt *d;
	char *sql;       /* owned copy; the cache key */
	uint64_t hash;
	int in_use;
	int cached;      /* lives in the cache; otherwise freed by sp_stmt_done */
	/* a single-row INSERT that may be deferred: its parameters (0: it may not), where its
	 * row "(...)" starts and ends in sql, and the length of its table's name (at sql + 12) */
	int dcols;
	size_t drow, dtail, dtable;
	struct dval *row; /* the values bound while the store defers */
	struct sp_buf bytes;
	int deferred;     /* its last step only recorded the row */
};

/* The rows recorded for one deferred statement (its SQL and shape copied), sent together. */
struct defer_q {
	char *sql, *table;
	int dcols;
	size_t drow, dtail, dtable;
	size_t rows, cap;  /* rows recorded; room for cap */
	struct dval *vals; /* rows * dcols */
	struct sp_buf bytes;
};

struct sp_store {
	const struct sp_store_driver *drv;
	struct sp_db *db;
	long calls;
	long fail_at;
	int in_tx;
	int defer, flushing;
	size_t nq, held; /* queues in use; rows held by them */
	struct defer_q q[DEFER_QUEUES];
	struct sp_stmt *cache[CACHE_SLOTS];
};

static uint64_t hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Count a fallible call; SP_EFAULT when it is the one armed to fail. */
static int tick(struct sp_store *s, struct sp_err *err, const char *what)
{
	s->calls++;
	if (s->fail_at && s->calls == s->fail_at)
		return sp_err_set(err, SP_EFAULT, "", "injected fault at store call %ld (%s)",
				  s->calls, what);
	return SP_OK;
}

/* ---- deferred inserts (sp_store_defer_begin) ---- */

/* A single-row "INSERT INTO t (...) VALUES (...)" whose row holds every parameter and no
 * parenthesis or quote, with no tail or an ON CONFLICT ... DO UPDATE one (a DO NOTHING may
 * change no row, which a deferred step could not tell): its shape into st. */
static void defer_shape(struct sp_stmt *st)
{
	const char *sql = st->sql, *v = strstr(sql, " VALUES (");
	if (strncmp(sql, "INSERT INTO ", 12) != 0 || !v)
		return;
	const char *p = v + 9;
	int n = 0;
	for (; *p && *p != ')'; p++) {
		if (*p == '(' || *p == '\'' || *p == '"')
			return;
		n += *p == '?';
	}
	if (*p != ')' || n == 0 || strchr(p, '?') || strstr(p, "RETURNING") ||
	    (p[1] && !strstr(p, "DO UPDATE")))
		return;
	st->dcols = n;
	st->drow = (size_t)(v + 8 - sql);
	st->dtail = (size_t)(p + 1 - sql);
	st->dtable = strcspn(sql + 12, " (");
	sp_buf_init(&st->bytes, DEFER_BYTES);
}

static int deferring(const struct sp_stmt *st)
{
	return st->dcols && st->store->defer && !st->store->flushing;
}

/* Keep a value bound to a deferred statement (text with its NUL). */
static int defer_bind(struct sp_stmt *st, int idx, enum dtype type, int64_t i, const void *p,
		      size_t n)
{
	if (idx < 1 || idx > st->dcols)
		return SP_EINVAL;
	if (!st->row && !(st->row = calloc((size_t)st->dcols, sizeof *st->row)))
		return SP_ENOMEM;
	st->row[idx - 1] = (struct dval){type, i, st->bytes.len, n};
	if ((n && sp_buf_add(&st->bytes, p, n)) || (type == DV_TEXT && sp_buf_addc(&st->bytes, 0)))
		return SP_ENOMEM;
	return SP_OK;
}

static void row_clear(struct sp_stmt *st)
{
	if (st->row)
		memset(st->row, 0, (size_t)st->dcols * sizeof *st->row);
	sp_buf_reset(&st->bytes);
}

static void queue_free(struct defer_q *q)
{
	free(q->sql);
	free(q->table);
	free(q->vals);
	sp_buf_free(&q->bytes);
	memset(q, 0, sizeof *q);
}

/* k rows of q from first as one INSERT. */
static int defer_send(struct sp_store *s, const struct defer_q *q, size_t first, size_t k,
		      struct sp_err *err)
{
	struct sp_buf sql;
	struct sp_stmt *st = NULL;
	sp_buf_init(&sql, 1u << 20);
	int rc = sp_buf_add(&sql, q->sql, q->drow);
	for (size_t r = 0; !rc && r < k; r++)
		rc = (r && sp_buf_adds(&sql, ", ")) || sp_buf_add(&sql, q->sql + q->drow, q->dtail - q->drow);
	if (rc || sp_buf_adds(&sql, q->sql + q->dtail))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	else
		rc = sp_store_prepare(s, sql.data, &st, err);
	sp_buf_free(&sql);
	if (rc || !st)
		return rc ? rc : sp_err_set(err, SP_EINTERNAL, "", "deferred rows: no statement");
	int b = 0;
	for (size_t r = 0; r < k; r++)
		for (int c = 0; c < q->dcols; c++) {
			const struct dval *v = &q->vals[(first + r) * (size_t)q->dcols + (size_t)c];
			const char *p = q->bytes.data ? q->bytes.data + v->off : "";
			int idx = (int)r * q->dcols + c + 1;
			b |= v->type == DV_NULL ? s->drv->bind_null(st->d, idx)
			     : v->type == DV_INT ? s->drv->bind_int64(st->d, idx, v->i)
			     : v->type == DV_TEXT ? s->drv->bind_text(st->d, idx, p, v->len)
						  : s->drv->bind_blob(st->d, idx, p, v->len);
		}
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "deferred rows: bind failed")
	       : sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc > 0 ? sp_err_set(err, SP_EINTERNAL, "", "deferred rows: a row came back") : rc;
}

/* Send every queue's rows, the queues in the order of their first rows in the transaction
 * (a parent's rows before its children's): DEFER_CHUNK rows to a statement, then 8, then 1
 * (three statements' shapes, each prepared once). The queues are emptied either way, and
 * keep their order. */
static int defer_flush(struct sp_store *s, struct sp_err *err)
{
	int rc = SP_OK;
	s->flushing = 1;
	for (size_t i = 0; i < s->nq; i++) {
		struct defer_q *q = &s->q[i];
		for (size_t done = 0, k; !rc && done < q->rows; done += k) {
			size_t left = q->rows - done;
			k = left >= DEFER_CHUNK ? DEFER_CHUNK : left >= 8 ? 8 : 1;
			rc = defer_send(s, q, done, k, err);
		}
		q->rows = 0;
		sp_buf_reset(&q->bytes);
	}
	s->held = 0;
	s->flushing = 0;
	return rc;
}

static void queues_free(struct sp_store *s)
{
	for (size_t i = 0; i < s->nq; i++)
		queue_free(&s->q[i]);
	s->nq = s->held = 0;
}

static bool ident_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Does sql name a table whose rows wait (its name with no identifier character around)? */
static int defer_touches(const struct sp_store *s, const char *sql)
{
	for (size_t i = 0; i < s->nq; i++) {
		size_t n = s->q[i].dtable;
		for (const char *p = sql; (p = strstr(p, s->q[i].table)) != NULL; p++)
			if ((p == sql || !ident_char(p[-1])) && !ident_char(p[n]))
				return 1;
	}
	return 0;
}

/* Record st's row in the queue of its SQL (a new queue for new SQL). */
static int defer_row(struct sp_stmt *st, struct sp_err *err)
{
	struct sp_store *s = st->store;
	struct defer_q *q = NULL;
	int rc = SP_OK;
	for (size_t i = 0; i < s->nq && !q; i++)
		if (strcmp(s->q[i].sql, st->sql) == 0)
			q = &s->q[i];
	if (!q && s->nq == DEFER_QUEUES && !(rc = defer_flush(s, err)))
		queues_free(s);
	if (!rc && !q) {
		q = &s->q[s->nq];
		*q = (struct defer_q){.sql = strdup(st->sql), .table = strndup(st->sql + 12, st->dtable),
				      .dcols = st->dcols, .drow = st->drow, .dtail = st->dtail,
				      .dtable = st->dtable};
		sp_buf_init(&q->bytes, DEFER_BYTES);
		if (!q->sql || !q->table) {
			queue_free(q);
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		}
		s->nq++;
	}
	if (!rc && q->rows == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct dval *v = realloc(q->vals, cap * (size_t)q->dcols * sizeof *v);
		if (!v)
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		q->vals = v;
		q->cap = cap;
	}
	struct dval *row = rc ? NULL : &q->vals[q->rows * (size_t)q->dcols];
	for (int c = 0; row && c < q->dcols; c++) {
		row[c] = st->row ? st->row[c] : (struct dval){DV_NULL, 0, 0, 0};
		row[c].off = q->bytes.len;
		size_t n = row[c].len + (row[c].type == DV_TEXT);
		if (n && st->row && sp_buf_add(&q->bytes, st->bytes.data + st->row[c].off, n))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	row_clear(st);
	if (rc)
		return rc;
	q->rows++;
	st->deferred = 1;
	return ++s->held >= DEFER_ROWS ? defer_flush(s, err) : SP_OK;
}

int sp_store_defer_begin(struct sp_store *s, struct sp_err *err)
{
	if (!s->in_tx)
		return sp_err_set(err, SP_EINTERNAL, "", "deferred inserts need a transaction");
	s->defer = (s->drv->caps & SP_STORE_CAP_REMOTE) != 0;
	return SP_OK;
}

static void stmt_free(struct sp_stmt *st)
{
	st->store->drv->finalize(st->d);
	free(st->row);
	sp_buf_free(&st->bytes);
	free(st->sql);
	free(st);
}

int sp_store_open(const char *url, const struct sp_store_options *opt, struct sp_store **out,
		  struct sp_err *err)
{
	const struct sp_store_driver *drv = &sp_store_sqlite;
	const char *target = url;
	if (strncmp(url, "sqlite:", 7) == 0) {
		target = url + 7;
	} else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		drv = &sp_store_postgres; /* libpq reads the whole URL */
	} else if (strstr(url, "://")) {
		return sp_err_set(err, SP_EINVAL, "db", "unknown database URL scheme");
	}
	if (!*target)
		return sp_err_set(err, SP_EINVAL, "db", "empty database path");
	struct sp_store *s = calloc(1, sizeof *s);
	if (!s)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	s->drv = drv;
	int rc = drv->open(target, opt, &s->db, err);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return SP_OK;
}

void sp_store_close(struct sp_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		s->drv->rollback(s->db);
	queues_free(s);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (s->cache[i])
			stmt_free(s->cache[i]);
	s->drv->close(s->db);
	free(s);
}

const struct sp_store_driver *sp_store_driver_of(const struct sp_store *s)
{
	return s->drv;
}

void sp_store_fail_at(struct sp_store *s, long n)
{
	s->fail_at = n;
	s->calls = 0;
}

long sp_store_calls(const struct sp_store *s)
{
	return s->calls;
}

int sp_store_exec(struct sp_store *s, const char *sql, struct sp_err *err)
{
	int rc = tick(s, err, "exec");
	if (!rc && s->held)
		rc = defer_flush(s, err);
	return rc ? rc : s->drv->exec(s->db, sql, err);
}

int sp_store_begin_read(struct sp_store *s, struct sp_err *err)
{
	if (s->in_tx)
		return sp_err_set(err, SP_EINTERNAL, "", "transaction already open");
	int rc = tick(s, err, "begin");
	if (!rc)
		rc = s->drv->begin_read(s->db, err);
	s->in_tx = rc == SP_OK;
	return rc;
}

int sp_store_begin_write(struct sp_store *s, struct sp_err *err)
{
	if (s->in_tx)
		return sp_err_set(err, SP_EINTERNAL, "", "transaction already open");
	int rc = tick(s, err, "begin");
	if (!rc)
		rc = s->drv->begin_write(s->db, err);
	s->in_tx = rc == SP_OK;
	return rc;
}

int sp_store_commit(struct sp_store *s, struct sp_err *err)
{
	int rc = tick(s, err, "commit");
	if (!rc && s->held)
		rc = defer_flush(s, err);
	if (!rc)
		rc = s->drv->commit(s->db, err);
	if (!rc) {
		queues_free(s);
		s->in_tx = s->defer = 0;
	}
	return rc; /* on failure the transaction stays open for the caller's rollback */
}

void sp_store_rollback(struct sp_store *s)
{
	if (s->in_tx)
		s->drv->rollback(s->db);
	queues_free(s);
	s->in_tx = s->defer = 0;
}

int sp_store_in_transaction(const struct sp_store *s)
{
	return s->in_tx;
}

int sp_store_prepare(struct sp_store *s, const char *sql, struct sp_stmt **out, struct sp_err *err)
{
	int rc = tick(s, err, "prepare");
	if (rc)
		return rc;
	uint64_t h = hash_sql(sql);
	size_t slot = (size_t)h & (CACHE_SLOTS - 1);
	for (size_t i = 0; i < CACHE_SLOTS; i++, slot = (slot + 1) & (CACHE_SLOTS - 1)) {
		struct sp_stmt *c = s->cache[slot];
		if (!c)
			break;
		if (c->hash == h && strcmp(c->sql, sql) == 0) {
			if (c->in_use)
				break; /* the same query open twice (nested): use a fresh one */
			c->in_use = 1;
			*out = c;
			return SP_OK;
		}
	}
	struct sp_stmt *st = calloc(1, sizeof *st);
	if (!st || !(st->sql = strdup(sql))) {
		free(st);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	rc = s->drv->prepare(s->db, sql, &st->d, err);
	if (rc) {
		free(st->sql);
		free(st);
		return rc;
	}
	st->store = s;
	st->hash = h;
	st->in_use = 1;
	defer_shape(st);
	slot = (size_t)h & (CACHE_SLOTS - 1);
	for (size_t i = 0; i < CACHE_SLOTS; i++, slot = (slot + 1) & (CACHE_SLOTS - 1)) {
		if (!s->cache[slot]) {
			s->cache[slot] = st;
			st->cached = 1;
			break;
		}
	}
	*out = st;
	return SP_OK;
}

int sp_stmt_bind_int64(struct sp_stmt *st, int idx, int64_t v)
{
	if (deferring(st))
		return defer_bind(st, idx, DV_INT, v, NULL, 0);
	return st->store->drv->bind_int64(st->d, idx, v);
}

int sp_stmt_bind_text(struct sp_stmt *st, int idx, const char *s)
{
	if (!s)
		return sp_stmt_bind_null(st, idx);
	if (deferring(st))
		return defer_bind(st, idx, DV_TEXT, 0, s, strlen(s));
	return st->store->drv->bind_text(st->d, idx, s, strlen(s));
}

int sp_stmt_bind_blob(struct sp_stmt *st, int idx, const void *p, size_t n)
{
	if (deferring(st))
		return defer_bind(st, idx, DV_BLOB, 0, p, n);
	return st->store->drv->bind_blob(st->d, idx, p, n);
}

int sp_stmt_bind_id(struct sp_stmt *st, int idx, const struct sp_id *id)
{
	return sp_stmt_bind_blob(st, idx, id->b, SP_ID_LEN);
}

int sp_stmt_bind_null(struct sp_stmt *st, int idx)
{
	if (deferring(st))
		return defer_bind(st, idx, DV_NULL, 0, NULL, 0);
	return st->store->drv->bind_null(st->d, idx);
}

int sp_stmt_step(struct sp_stmt *st, struct sp_err *err)
{
	struct sp_store *s = st->store;
	int rc = tick(s, err, "step");
	st->deferred = 0;
	if (!rc && deferring(st))
		return defer_row(st, err);
	/* a statement naming a table whose rows wait sees them first */
	if (!rc && s->held && !s->flushing && defer_touches(s, st->sql))
		rc = defer_flush(s, err);
	return rc ? rc : s->drv->step(st->d, err);
}

int sp_stmt_is_null(struct sp_stmt *st, int col)
{
	return st->store->drv->column_is_null(st->d, col);
}

int64_t sp_stmt_int64(struct sp_stmt *st, int col)
{
	return st->store->drv->column_int64(st->d, col);
}

const void *sp_stmt_blob(struct sp_stmt *st, int col, size_t *n)
{
	return st->store->drv->column_blob(st->d, col, n);
}

const char *sp_stmt_text(struct sp_stmt *st, int col)
{
	return st->store->drv->column_text(st->d, col, NULL);
}

int sp_stmt_id(struct sp_stmt *st, int col, struct sp_id *out)
{
	size_t n;
	const void *p = st->store->drv->column_blob(st->d, col, &n);
	if (!p || n != SP_ID_LEN)
		return SP_EINVAL;
	memcpy(out->b, p, SP_ID_LEN);
	return SP_OK;
}

int64_t sp_stmt_changes(struct sp_stmt *st)
{
	return st->deferred ? 1 : st->store->drv->changes(st->d);
}

void sp_stmt_stream(struct sp_stmt *st)
{
	if (st->store->drv->stream)
		st->store->drv->stream(st->d);
}

void sp_stmt_done(struct sp_stmt *st)
{
	if (!st)
		return;
	st->deferred = 0;
	row_clear(st);
	if (st->cached) {
		st->store->drv->reset(st->d);
		st->in_use = 0;
		return;
	}
	stmt_free(st);
}

int sp_store_backup_to(struct sp_store *s, const char *path, struct sp_err *err)
{
	if (!(s->drv->caps & SP_STORE_CAP_BACKUP) || !s->drv->backup_to)
		return sp_err_set(err, SP_EINVAL, "db", "the %s driver has no online backup",
				  s->drv->name);
	int rc = tick(s, err, "backup");
	return rc ? rc : s->drv->backup_to(s->db, path, err);
}

int sp_store_compact(struct sp_store *s, struct sp_err *err)
{
	if (!s->drv->compact)
		return SP_OK;
	int rc = tick(s, err, "compact");
	return rc ? rc : s->drv->compact(s->db, err);
}

int sp_store_settle(struct sp_store *s, struct sp_err *err)
{
	if (!s->drv->settle)
		return SP_OK;
	int rc = tick(s, err, "settle");
	return rc ? rc : s->drv->settle(s->db, err);
}

int sp_store_list_tables(struct sp_store *s, sp_store_table_fn fn, void *ctx, struct sp_err *err)
{
	if (!s->drv->list_tables)
		return sp_err_set(err, SP_EINVAL, "db", "the %s driver cannot list its tables",
				  s->drv->name);
	int rc = tick(s, err, "list tables");
	return rc ? rc : s->drv->list_tables(s->db, fn, ctx, err);
}

int sp_store_check(struct sp_store *s, struct sp_err *err)
{
	if (!s->drv->check)
		return SP_OK;
	int rc = tick(s, err, "check");
	return rc ? rc : s->drv->check(s->db, err);
}

int sp_store_lock_schema(struct sp_store *s, struct sp_err *err)
{
	if (!s->in_tx)
		return sp_err_set(err, SP_EINTERNAL, "", "schema lock outside a transaction");
	return s->drv->lock_schema ? s->drv->lock_schema(s->db, err) : SP_OK;
}

const char *sp_store_type_lookup(const struct sp_type_token *map, const char *t)
{
	for (; map->token; map++)
		if (strcmp(map->token, t) == 0)
			return map->type;
	return NULL;
}
