/* The SQLite driver: WAL, foreign keys, busy timeout, synchronous=FULL, BEGIN IMMEDIATE for
 * writes, and SQLite's result codes mapped onto the store's error classes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "safepath/store.h"
#include "store/driver.h"

struct sp_db {
	sqlite3 *h;
	pthread_mutex_t *write_lock; /* this file's writers in this process; NULL: none */
	int write_locked;
	int busy_ms;
};

/* Writers of one database file in this process queue on a mutex before BEGIN IMMEDIATE.
 * SQLite's busy handler polls with growing sleeps (up to 100 ms each), so under load a
 * waiting writer can be passed over for a second and more; the mutex hands the lock on as
 * soon as it is free. It waits no longer than the busy timeout, and gives the same SP_EBUSY;
 * other processes still meet SQLite's own locking. */
#define WRITE_LOCKS 8
static struct {
	dev_t dev;
	ino_t ino;
	pthread_mutex_t m;
} write_locks[WRITE_LOCKS];
static size_t n_write_locks;
static pthread_mutex_t write_locks_guard = PTHREAD_MUTEX_INITIALIZER;

/* The mutex of the file at target, known by device and inode whatever path names it (NULL
 * for :memory:, or when the table is full). */
static pthread_mutex_t *write_lock_for(const char *target)
{
	struct stat st;
	if (stat(target, &st) != 0)
		return NULL;
	pthread_mutex_t *m = NULL;
	pthread_mutex_lock(&write_locks_guard);
	for (size_t i = 0; i < n_write_locks && !m; i++)
		if (write_locks[i].dev == st.st_dev && write_locks[i].ino == st.st_ino)
			m = &write_locks[i].m;
	if (!m && n_write_locks < WRITE_LOCKS && pthread_mutex_init(&write_locks[n_write_locks].m,
								    NULL) == 0) {
		write_locks[n_write_locks].dev = st.st_dev;
		write_locks[n_write_locks].ino = st.st_ino;
		m = &write_locks[n_write_locks++].m;
	}
	pthread_mutex_unlock(&write_locks_guard);
	return m;
}

static void write_unlock(struct sp_db *db)
{
	if (db->write_locked && db->write_lock) {
		db->write_locked = 0;
		pthread_mutex_unlock(db->write_lock);
	}
}

struct sp_dstmt {
	sqlite3_stmt *st;
	sqlite3 *h;
};

/* busy (retry), conflict (constraint), unavailable (cannot open / disk / I/O), internal. */
static int classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return SP_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SP_EBUSY;
	case SQLITE_CONSTRAINT:
		return SP_ECONFLICT;
	case SQLITE_NOMEM:
		return SP_ENOMEM;
	case SQLITE_TOOBIG:
		return SP_ETOOBIG;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return SP_EUNAVAIL;
	default:
		return SP_EINTERNAL;
	}
}

static int fail(sqlite3 *h, int rc, struct sp_err *err, const char *what)
{
	/* SQLite messages name tables and constraints, never bound values. */
	return sp_err_set(err, classify(rc), "", "sqlite %s: %s", what,
			  h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
}

static int sq_exec(struct sp_db *db, const char *sql, struct sp_err *err)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? SP_OK : fail(db->h, rc, err, "exec");
}

/* Each connection takes its first PAGE_CACHE_LINES pages from one allocation and reuses them:
 * every commit by another connection empties a reader's page cache, and the pages it then
 * reads again come from there instead of one malloc and free each. Set before SQLite's
 * first use in the process. */
#define PAGE_CACHE_LINES 48
static pthread_once_t page_cache_once = PTHREAD_ONCE_INIT;

static void page_cache_config(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, PAGE_CACHE_LINES);
}

static int sq_open(const char *target, const struct sp_store_options *opt, struct sp_db **out,
		   struct sp_err *err)
{
	pthread_once(&page_cache_once, page_cache_config);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (opt && opt->create)
		flags |= SQLITE_OPEN_CREATE;
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(target, &h, flags, NULL);
	if (rc != SQLITE_OK) {
		int r = sp_err_set(err, classify(rc), "db", "cannot open the database: %s",
				   sqlite3_errstr(rc));
		sqlite3_close(h);
		return r;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, opt && opt->busy_timeout_ms ? opt->busy_timeout_ms : 5000);
	struct sp_db *db = calloc(1, sizeof *db);
	if (!db) {
		sqlite3_close(h);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	db->h = h;
	db->busy_ms = opt && opt->busy_timeout_ms ? opt->busy_timeout_ms : 5000;
	rc = sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
			 "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;",
		     err);
	if (rc) {
		sqlite3_close(h);
		free(db);
		return rc;
	}
	db->write_lock = write_lock_for(target); /* the file exists now (WAL mode is written) */
	*out = db;
	return SP_OK;
}

static void sq_close(struct sp_db *db)
{
	if (!db)
		return;
	write_unlock(db);
	sqlite3_close_v2(db->h);
	free(db);
}

static int sq_begin_read(struct sp_db *db, struct sp_err *err)
{
	return sq_exec(db, "BEGIN", err);
}

static int sq_begin_write(struct sp_db *db, struct sp_err *err)
{
	if (db->write_lock && !db->write_locked) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += db->busy_ms / 1000;
		until.tv_nsec += (long)(db->busy_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_mutex_timedlock(db->write_lock, &until) != 0)
			return sp_err_set(err, SP_EBUSY, "", "the database is busy");
		db->write_locked = 1;
	}
	int rc = sq_exec(db, "BEGIN IMMEDIATE", err);
	if (rc)
		write_unlock(db);
	return rc;
}

static int sq_commit(struct sp_db *db, struct sp_err *err)
{
	int rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		write_unlock(db);
		return SP_OK;
	}
	/* An I/O error during COMMIT leaves the outcome unknown to the caller. */
	int r = fail(db->h, rc, err, "commit");
	if ((rc & 0xff) == SQLITE_IOERR)
		err->code = r = SP_EUNKNOWN;
	return r;
}

static void sq_rollback(struct sp_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	write_unlock(db);
}

static int sq_prepare(struct sp_db *db, const char *sql, struct sp_dstmt **out, struct sp_err *err)
{
	struct sp_dstmt *s = calloc(1, sizeof *s);
	if (!s)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
	if (rc != SQLITE_OK) {
		free(s);
		return fail(db->h, rc, err, "prepare");
	}
	s->h = db->h;
	*out = s;
	return SP_OK;
}

static int sq_bind_int64(struct sp_dstmt *s, int i, int64_t v)
{
	return classify(sqlite3_bind_int64(s->st, i, v));
}

static int sq_bind_text(struct sp_dstmt *s, int i, const char *p, size_t n)
{
	return classify(sqlite3_bind_text64(s->st, i, p, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sq_bind_blob(struct sp_dstmt *s, int i, const void *p, size_t n)
{
	/* An empty blob is still a blob, not NULL. */
	return classify(n ? sqlite3_bind_blob64(s->st, i, p, n, SQLITE_TRANSIENT)
			  : sqlite3_bind_zeroblob(s->st, i, 0));
}

static int sq_bind_null(struct sp_dstmt *s, int i)
{
	return classify(sqlite3_bind_null(s->st, i));
}

static int sq_step(struct sp_dstmt *s, struct sp_err *err)
{
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail(s->h, rc, err, "step");
}

static int sq_column_is_null(struct sp_dstmt *s, int c)
{
	return sqlite3_column_type(s->st, c) == SQLITE_NULL;
}

static int64_t sq_column_int64(struct sp_dstmt *s, int c)
{
	return sqlite3_column_int64(s->st, c);
}

static const void *sq_column_blob(struct sp_dstmt *s, int c, size_t *n)
{
	const void *p = sqlite3_column_blob(s->st, c);
	*n = (size_t)sqlite3_column_bytes(s->st, c);
	return p;
}

static const char *sq_column_text(struct sp_dstmt *s, int c, size_t *n)
{
	const char *p = (const char *)sqlite3_column_text(s->st, c);
	if (n)
		*n = (size_t)sqlite3_column_bytes(s->st, c);
	return p;
}

static int64_t sq_changes(struct sp_dstmt *s)
{
	return sqlite3_changes64(s->h);
}

static void sq_reset(struct sp_dstmt *s)
{
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
}

static void sq_finalize(struct sp_dstmt *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->st);
	free(s);
}

static const char *sq_type_token(const char *t)
{
	static const struct sp_type_token map[] = {
		{"id", "BLOB"},	  {"int64", "INTEGER"}, {"int", "INTEGER"},
		{"text", "TEXT"}, {"blob", "BLOB"},	{"bool", "SMALLINT"},
		/* after a table's closing parenthesis: its rows live in its primary key's B-tree
		 * (one tree to write per row, not a rowid table and an index beside it) */
		{"clustered", "WITHOUT ROWID"},
		{NULL, NULL},
	};
	return sp_store_type_lookup(map, t);
}

static int sq_backup_to(struct sp_db *db, const char *path, struct sp_err *err)
{
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(dst);
		return sp_err_set(err, SP_EIO, "to", "cannot create the backup file");
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db->h, "main");
	if (!b) {
		int r = fail(dst, sqlite3_errcode(dst), err, "backup");
		sqlite3_close(dst);
		return r;
	}
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(5);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	int r = rc == SQLITE_DONE ? SP_OK : fail(dst, rc, err, "backup");
	sqlite3_close(dst);
	return r;
}

/* Deleted rows' old pages live on in the write-ahead log until a checkpoint: copy the log
 * into the database (whose freed pages secure_delete overwrites) and truncate it. A reader
 * holding the log can keep part of it, so this is best effort. */
static int sq_compact(struct sp_db *db, struct sp_err *err)
{
	return sq_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
}

void sp_store_sqlite_remove(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[4200];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		int n = snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		if (n > 0 && (size_t)n < sizeof p)
			unlink(p);
	}
}

/* A declared type's kind, by SQLite's own affinity rules (INT, then CHAR/CLOB/TEXT). */
static enum sp_store_col_kind kind_of(const char *decl)
{
	char up[32] = {0};
	for (size_t i = 0; decl && decl[i] && i < sizeof up - 1; i++)
		up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 'a' + 'A' : decl[i]);
	if (strstr(up, "INT"))
		return SP_COL_INT;
	if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
		return SP_COL_TEXT;
	return SP_COL_BLOB;
}

#define SQ_MAX_COLS 64
#define SQ_NAME_MAX 64

/* The rows of st's first column (and second, as a kind, when kinds is set) into names. */
static int sq_names(sqlite3 *h, sqlite3_stmt *st, const char *table, char (*names)[SQ_NAME_MAX],
		    enum sp_store_col_kind *kinds, size_t *n, struct sp_err *err)
{
	*n = 0;
	int rc = sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (*n == SQ_MAX_COLS || !v || strlen(v) >= SQ_NAME_MAX) {
			sqlite3_reset(st);
			return sp_err_set(err, SP_EINVAL, "db", "table %.64s: too many or too long names",
					  table);
		}
		memcpy(names[*n], v, strlen(v) + 1);
		if (kinds)
			kinds[*n] = kind_of((const char *)sqlite3_column_text(st, 1));
		(*n)++;
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SP_OK : fail(h, rc, err, "list tables");
}

static int sq_list_tables(struct sp_db *db, sp_store_table_fn fn, void *ctx, struct sp_err *err)
{
	static const char *const sql[] = {
		("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' "
		 "ESCAPE '!' ORDER BY name"),
		"SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
		"SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?) ORDER BY 1",
	};
	sqlite3_stmt *st[3] = {NULL, NULL, NULL};
	char(*cols)[SQ_NAME_MAX] = calloc((size_t)2 * SQ_MAX_COLS, SQ_NAME_MAX);
	int rc = SP_OK;
	if (!cols) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory");
		rc = SP_ENOMEM;
	}
	for (int i = 0; i < 3 && !rc; i++)
		if (sqlite3_prepare_v2(db->h, sql[i], -1, &st[i], NULL) != SQLITE_OK)
			rc = fail(db->h, sqlite3_errcode(db->h), err, "list tables");
	int step = SQLITE_ROW;
	while (!rc && (step = sqlite3_step(st[0])) == SQLITE_ROW) {
		char table[SQ_NAME_MAX];
		const char *t = (const char *)sqlite3_column_text(st[0], 0);
		if (!t || strlen(t) >= sizeof table) {
			rc = sp_err_set(err, SP_EINVAL, "db", "a table name is too long");
			break;
		}
		memcpy(table, t, strlen(t) + 1);
		enum sp_store_col_kind kinds[SQ_MAX_COLS];
		const char *cp[SQ_MAX_COLS], *rp[SQ_MAX_COLS];
		size_t nc = 0, nr = 0;
		rc = sq_names(db->h, st[1], table, cols, kinds, &nc, err);
		if (!rc)
			rc = sq_names(db->h, st[2], table, cols + SQ_MAX_COLS, NULL, &nr, err);
		for (size_t i = 0; !rc && i < SQ_MAX_COLS; i++) {
			cp[i] = cols[i];
			rp[i] = cols[SQ_MAX_COLS + i];
		}
		if (!rc)
			rc = fn(ctx, table, cp, kinds, nc, rp, nr);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(db->h, step, err, "list tables");
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(st[i]);
	free(cols);
	return rc;
}

/* SQLite's own check of every page, index and constraint: one row "ok", else a problem per
 * row (names tables and indexes, never values); the first is reported. */
static int sq_check(struct sp_db *db, struct sp_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, "PRAGMA integrity_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(db->h, rc, err, "integrity check");
	rc = sqlite3_step(st);
	int r = SP_OK;
	const char *what = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (rc != SQLITE_ROW)
		r = fail(db->h, rc, err, "integrity check");
	else if (!what || strcmp(what, "ok") != 0)
		r = sp_err_set(err, SP_EUNAVAIL, "db", "the database is damaged: %.160s",
			       what ? what : "no answer");
	sqlite3_finalize(st);
	return r;
}

const struct sp_store_driver sp_store_sqlite = {
	.version = SP_STORE_DRIVER_VERSION,
	.name = "sqlite",
	.caps = SP_STORE_CAP_BACKUP,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin_read = sq_begin_read,
	.begin_write = sq_begin_write,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.prepare = sq_prepare,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.column_is_null = sq_column_is_null,
	.column_int64 = sq_column_int64,
	.column_blob = sq_column_blob,
	.column_text = sq_column_text,
	.changes = sq_changes,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.type_token = sq_type_token,
	.backup_to = sq_backup_to,
	.compact = sq_compact,
	.list_tables = sq_list_tables,
	.check = sq_check,
};
