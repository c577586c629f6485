/* The store wrapper over a driver: URL selection, transactions, a per-connection statement
 * cache, and fault injection (fail the Nth fallible call) for the all-or-nothing tests. */
#include <stdlib.h>
#include <string.h>

#include "safepath/store.h"
#include "store/driver.h"

#define CACHE_SLOTS 128 /* power of two */

struct sp_stmt {
	struct sp_store *store;
	struct sp_dstmt *d;
	char *sql;       /* owned copy; the cache key */
	uint64_t hash;
	int in_use;
	int cached;      /* lives in the cache; otherwise freed by sp_stmt_done */
};

struct sp_store {
	const struct sp_store_driver *drv;
	struct sp_db *db;
	long calls;
	long fail_at;
	int in_tx;
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
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (s->cache[i]) {
			s->drv->finalize(s->cache[i]->d);
			free(s->cache[i]->sql);
			free(s->cache[i]);
		}
	}
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
	if (!rc)
		rc = s->drv->commit(s->db, err);
	if (!rc)
		s->in_tx = 0;
	return rc; /* on failure the transaction stays open for the caller's rollback */
}

void sp_store_rollback(struct sp_store *s)
{
	if (s->in_tx)
		s->drv->rollback(s->db);
	s->in_tx = 0;
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
	return st->store->drv->bind_int64(st->d, idx, v);
}

int sp_stmt_bind_text(struct sp_stmt *st, int idx, const char *s)
{
	if (!s)
		return st->store->drv->bind_null(st->d, idx);
	return st->store->drv->bind_text(st->d, idx, s, strlen(s));
}

int sp_stmt_bind_blob(struct sp_stmt *st, int idx, const void *p, size_t n)
{
	return st->store->drv->bind_blob(st->d, idx, p, n);
}

int sp_stmt_bind_id(struct sp_stmt *st, int idx, const struct sp_id *id)
{
	return st->store->drv->bind_blob(st->d, idx, id->b, SP_ID_LEN);
}

int sp_stmt_bind_null(struct sp_stmt *st, int idx)
{
	return st->store->drv->bind_null(st->d, idx);
}

int sp_stmt_step(struct sp_stmt *st, struct sp_err *err)
{
	int rc = tick(st->store, err, "step");
	return rc ? rc : st->store->drv->step(st->d, err);
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
	return st->store->drv->changes(st->d);
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
	if (st->cached) {
		st->store->drv->reset(st->d);
		st->in_use = 0;
		return;
	}
	st->store->drv->finalize(st->d);
	free(st->sql);
	free(st);
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
