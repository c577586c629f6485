/* store/: the drivers' settings and error classes, "begin for write" (BEGIN IMMEDIATE on
 * SQLite, row locks on PostgreSQL), the statement cache, fault injection, type-token
 * expansion, migrations, and the PostgreSQL driver's placeholders and reconnection. Runs on
 * SQLite, and on PostgreSQL with SAFEPATH_TEST_PG set (tests/pg.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/store/migrate.c"
#include "store/pg.h"

#include "helpers.h"

static char dir[64];
static char url[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sp-store-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char path[96];
	snprintf(path, sizeof path, "%s/t.db", dir);
	test_db_url(url, sizeof url, path, "sp_store");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(dir);
}

static struct sp_store *open_store(int busy_ms)
{
	struct sp_store_options opt = {.busy_timeout_ms = busy_ms, .create = 1};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_store_open(url, &opt, &s, &err), SP_OK);
	return s;
}

static int row_locks(struct sp_store *s)
{
	return (sp_store_driver_of(s)->caps & SP_STORE_CAP_ROW_LOCKS) != 0;
}

static void exec_ok(struct sp_store *s, const char *sql)
{
	struct sp_err err = {0};
	struct sp_buf b;
	sp_buf_init(&b, 4096);
	if (expand(sp_store_driver_of(s), sql, &b, &err) || sp_store_exec(s, b.data, &err))
		fail_msg("%s: %s", sql, err.msg);
	sp_buf_free(&b);
}

static void sqlite_settings(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("SQLite's PRAGMA settings");
	struct sp_store *s = open_store(100);
	struct sp_stmt *st;
	struct sp_err err = {0};
	assert_int_equal(sp_store_prepare(s, "PRAGMA journal_mode", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_string_equal(sp_stmt_text(st, 0), "wal");
	sp_stmt_done(st);
	assert_int_equal(test_scalar(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(test_scalar(s, "PRAGMA synchronous"), 2); /* FULL */
	sp_store_close(s);
}

static void url_forms(void **state)
{
	(void)state;
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	struct sp_store_options opt = {.create = 1};
	assert_int_equal(sp_store_open("mysql://x", &opt, &s, &err), SP_EINVAL);
	assert_string_equal(err.field, "db");
	assert_int_equal(sp_store_open("sqlite:", &opt, &s, &err), SP_EINVAL);
	char plain[128];
	snprintf(plain, sizeof plain, "%s/plain.db", dir);
	assert_int_equal(sp_store_open(plain, &opt, &s, &err), SP_OK);
	sp_store_close(s);
	opt.create = 0;
	snprintf(plain, sizeof plain, "%s/missing/none.db", dir);
	assert_int_equal(sp_store_open(plain, &opt, &s, &err), SP_EUNAVAIL);
	if (test_pg()) { /* the short scheme too, and the driver it picks */
		char pg[256];
		snprintf(pg, sizeof pg, "postgres:///sp_store?%s", test_pg());
		assert_int_equal(sp_store_open(pg, &opt, &s, &err), SP_OK);
		assert_string_equal(sp_store_driver_of(s)->name, "postgresql");
		assert_int_equal(test_scalar(s, "SELECT 6 * 7"), 42);
		sp_store_close(s);
	}
}

static void write_lock_taken_at_begin_and_busy_classified(void **state)
{
	(void)state;
	struct sp_store *a = open_store(50), *b = open_store(50);
	struct sp_err err = {0};
	assert_int_equal(sp_store_exec(a, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", &err), 0);
	assert_int_equal(sp_store_exec(a, "INSERT INTO t VALUES (0, 'head')", &err), 0);
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	if (row_locks(a)) {
		/* PostgreSQL: the row lock is the write lock; a second writer waits on it no longer
		 * than its busy timeout (lock_timeout), then gets SP_EBUSY. */
		assert_int_equal(sp_store_exec(a, "SELECT v FROM t WHERE k = 0 FOR UPDATE", &err), 0);
		assert_int_equal(sp_store_begin_write(b, &err), SP_OK);
		assert_int_equal(sp_store_exec(b, "UPDATE t SET v = 'b' WHERE k = 0", &err), SP_EBUSY);
		assert_non_null(strstr(err.msg, "55P03"));
		sp_store_rollback(b);
	} else {
		/* BEGIN IMMEDIATE: the second writer waits at BEGIN, not half-way through. */
		assert_int_equal(sp_store_begin_write(b, &err), SP_EBUSY);
	}
	assert_false(sp_store_in_transaction(b));
	sp_store_rollback(a);
	assert_int_equal(sp_store_begin_write(b, &err), SP_OK);
	assert_int_equal(sp_store_exec(b, "INSERT INTO t VALUES (1, 'x')", &err), SP_OK);
	assert_int_equal(sp_store_commit(b, &err), SP_OK);
	/* a constraint failure is a conflict */
	assert_int_equal(sp_store_exec(b, "INSERT INTO t VALUES (1, 'y')", &err), SP_ECONFLICT);
	sp_store_close(a);
	sp_store_close(b);
}

static void *hold_then_commit(void *p)
{
	struct sp_store *a = p;
	struct sp_err err = {0};
	struct timespec pause = {0, 150 * 1000000L};
	nanosleep(&pause, NULL);
	if (sp_store_exec(a, "UPDATE t SET v = 'a' WHERE k = 0", &err) ||
	    sp_store_exec(a, "INSERT INTO t VALUES (2, 'a')", &err) ||
	    sp_store_commit(a, &err))
		return p; /* failure */
	return NULL;
}

/* A second writer in the same process waits (within its busy timeout) for the first one's
 * commit, then goes on and sees its rows; a rollback lets the next writer in as well. SQLite
 * waits at BEGIN IMMEDIATE, PostgreSQL at the lock on the row both change. */
static void writers_in_one_process_take_turns(void **state)
{
	(void)state;
	struct sp_store *a = open_store(5000), *b = open_store(5000);
	struct sp_err err = {0};
	assert_int_equal(sp_store_exec(a, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", &err), 0);
	assert_int_equal(sp_store_exec(a, "INSERT INTO t VALUES (0, 'head')", &err), 0);
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	if (row_locks(a))
		assert_int_equal(sp_store_exec(a, "SELECT v FROM t WHERE k = 0 FOR UPDATE", &err), 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, hold_then_commit, a), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sp_store_begin_write(b, &err), SP_OK);
	if (row_locks(b))
		assert_int_equal(sp_store_exec(b, "SELECT v FROM t WHERE k = 0 FOR UPDATE", &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	void *failed = NULL;
	pthread_join(th, &failed);
	assert_null(failed);
	long ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_in_range(ms, 100, 1000);
	/* b sees a's row: it began after a's commit */
	struct sp_stmt *st = NULL;
	assert_int_equal(sp_store_prepare(b, "SELECT count(*) FROM t", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_int_equal(sp_stmt_int64(st, 0), 2);
	sp_stmt_done(st);
	sp_store_rollback(b);
	/* and a rolled-back writer lets the next one in too */
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	sp_store_rollback(a);
	assert_int_equal(sp_store_begin_write(b, &err), SP_OK);
	assert_int_equal(sp_store_commit(b, &err), SP_OK);
	sp_store_close(a);
	sp_store_close(b);
}

static void statements_are_cached_and_bind_in_order(void **state)
{
	(void)state;
	struct sp_store *s = open_store(50);
	struct sp_err err = {0};
	exec_ok(s, "CREATE TABLE u (id {id}, n {int64}, t {text}, b {blob})");
	const char *ins = "INSERT INTO u VALUES (?, ?, ?, ?)";
	struct sp_stmt *st1, *st2, *nested;
	struct sp_id id;
	sp_id_new(&id);
	assert_int_equal(sp_store_prepare(s, ins, &st1, &err), SP_OK);
	assert_int_equal(sp_store_prepare(s, ins, &nested, &err), SP_OK);
	assert_ptr_not_equal(st1, nested); /* in use: a fresh statement */
	sp_stmt_done(nested);
	assert_int_equal(sp_stmt_bind_id(st1, 1, &id), 0);
	assert_int_equal(sp_stmt_bind_int64(st1, 2, -42), 0);
	assert_int_equal(sp_stmt_bind_text(st1, 3, "abc"), 0);
	assert_int_equal(sp_stmt_bind_blob(st1, 4, "", 0), 0);
	assert_int_equal(sp_stmt_step(st1, &err), 0);
	assert_int_equal(sp_stmt_changes(st1), 1);
	sp_stmt_done(st1);
	assert_int_equal(sp_store_prepare(s, ins, &st2, &err), SP_OK);
	assert_ptr_equal(st1, st2); /* reused from the cache, bindings cleared */
	assert_int_equal(sp_stmt_step(st2, &err), 0);
	sp_stmt_done(st2);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM u WHERE n IS NULL"), 1);

	struct sp_stmt *q;
	assert_int_equal(sp_store_prepare(s, "SELECT id, n, t, b FROM u WHERE n = ?", &q, &err), 0);
	assert_int_equal(sp_stmt_bind_int64(q, 1, -42), 0);
	assert_int_equal(sp_stmt_step(q, &err), 1);
	struct sp_id back;
	assert_int_equal(sp_stmt_id(q, 0, &back), SP_OK);
	assert_memory_equal(back.b, id.b, 16);
	assert_string_equal(sp_stmt_text(q, 2), "abc");
	assert_false(sp_stmt_is_null(q, 3)); /* empty blob is not NULL */
	assert_int_equal(sp_stmt_id(q, 2, &back), SP_EINVAL);
	assert_int_equal(sp_stmt_step(q, &err), 0);
	sp_stmt_done(q);
	sp_store_close(s);
}

static void defer_insert(struct sp_store *s, const char *sql, int64_t id, int64_t parent,
			 int n)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	static const unsigned char blob[3] = {0, 0xff, 7};
	assert_int_equal(sp_store_prepare(s, sql, &st, &err), SP_OK);
	assert_int_equal(sp_stmt_bind_int64(st, 1, id), SP_OK);
	if (n) { /* the child's columns: parent, a NULL or a number, a blob, a text or NULL */
		assert_int_equal(sp_stmt_bind_int64(st, 2, parent), SP_OK);
		assert_int_equal(id % 3 ? sp_stmt_bind_int64(st, 3, -id * 1000)
					: sp_stmt_bind_null(st, 3),
				 SP_OK);
		assert_int_equal(sp_stmt_bind_blob(st, 4, blob, (size_t)id % 4), SP_OK);
		assert_int_equal(sp_stmt_bind_text(st, 5, id % 2 ? "zw\xc3\xb6lf" : NULL), SP_OK);
	} else {
		assert_int_equal(sp_stmt_bind_text(st, 2, "parent"), SP_OK);
	}
	assert_int_equal(sp_stmt_step(st, &err), 0);
	assert_int_equal(sp_stmt_changes(st), 1);
	sp_stmt_done(st);
}

/* Rows inserted into table so far and not yet in PostgreSQL's statistics (in the session's
 * first transaction that inserts: its own), read by a statement that does not name it. */
static int64_t inserted(struct sp_store *s, const char *table)
{
	char sql[160];
	snprintf(sql, sizeof sql,
		 "SELECT COALESCE(SUM(n_tup_ins), 0) FROM pg_stat_xact_user_tables WHERE relname "
		 "= 'd' || '%s'",
		 table + 1);
	return test_scalar(s, sql);
}

/* Deferred inserts (sp_store_defer_begin): on PostgreSQL a step only records its row, and
 * the rows go as multi-row INSERTs (64, 8 and 1 to a statement) once a statement names
 * their table or at the commit, a parent's before its children's; on SQLite every step
 * writes at once. Either way the same answers: every kind of value back as bound, an
 * upsert, a constraint error failing the whole transaction, a rollback keeping nothing. */
static void deferred_inserts(void **state)
{
	(void)state;
	struct sp_store *s = open_store(1000);
	struct sp_err err = {0};
	bool remote = (sp_store_driver_of(s)->caps & SP_STORE_CAP_REMOTE) != 0;
	exec_ok(s, "CREATE TABLE dp (id {int} PRIMARY KEY, name {text})");
	exec_ok(s, "CREATE TABLE dc (id {int} PRIMARY KEY, parent {int} NOT NULL REFERENCES dp "
		   "(id), n {int64}, b {blob}, t {text})");
	exec_ok(s, "CREATE TABLE du (k {int} PRIMARY KEY, v {text})");
	const char *parent = "INSERT INTO dp (id, name) VALUES (?, ?)";
	const char *child = "INSERT INTO dc (id, parent, n, b, t) VALUES (?, ?, ?, ?, ?)";
	assert_int_equal(sp_store_defer_begin(s, &err), SP_EINTERNAL); /* no transaction */
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_store_defer_begin(s, &err), SP_OK);
	for (int64_t i = 0; i < 75; i++) { /* 64 + 8 + 1 + 1 + 1 */
		defer_insert(s, parent, i, 0, 0);
		defer_insert(s, child, i, i, 1);
	}
	if (remote) /* nothing sent yet */
		assert_int_equal(inserted(s, "dp"), 0);
	/* a statement naming a table sees the rows first, every table's */
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dc"), 75);
	if (remote)
		assert_int_equal(inserted(s, "dp"), 75);
	defer_insert(s, child, 75, 3, 1); /* after the parents that went */
	for (int64_t k = 0; k < 3; k++) {
		struct sp_stmt *st;
		assert_int_equal(sp_store_prepare(s, "INSERT INTO du (k, v) VALUES (?, ?) ON CONFLICT "
						     "(k) DO UPDATE SET v = excluded.v",
						  &st, &err),
				 SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 1, k % 2), SP_OK);
		assert_int_equal(sp_stmt_bind_text(st, 2, k == 2 ? "second" : "first"), SP_OK);
		assert_int_equal(sp_stmt_step(st, &err), 0);
		sp_stmt_done(st);
		if (k == 1) /* two rows of one key in one statement would be refused: send them */
			assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM du"), 2);
	}
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dp"), 75);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dc WHERE n IS NULL"), 26);
	assert_int_equal(test_scalar(s, "SELECT -SUM(n) FROM dc"), 1875000); /* ids not of 3 */
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dc WHERE t = 'zw\xc3\xb6lf'"), 38);
	assert_int_equal(test_scalar(s, "SELECT parent FROM dc WHERE id = 75"), 3);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM du WHERE k = 0 AND v = 'second'"), 1);
	struct sp_stmt *q;
	assert_int_equal(sp_store_prepare(s, "SELECT id, b FROM dc ORDER BY id", &q, &err), SP_OK);
	for (int64_t i = 0; i < 76; i++) {
		assert_int_equal(sp_stmt_step(q, &err), 1);
		size_t n = 99;
		const unsigned char *b = sp_stmt_blob(q, 1, &n);
		assert_false(sp_stmt_is_null(q, 1)); /* an empty blob is still a blob */
		assert_int_equal(n, (size_t)i % 4);
		if (n)
			assert_memory_equal(b, "\0\xff\x07", n);
	}
	sp_stmt_done(q);
	/* a child without its parent: refused at its step or at the commit, nothing kept */
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_store_defer_begin(s, &err), SP_OK);
	defer_insert(s, parent, 100, 0, 0);
	struct sp_stmt *st;
	assert_int_equal(sp_store_prepare(s, child, &st, &err), SP_OK);
	assert_int_equal(sp_stmt_bind_int64(st, 1, 100) | sp_stmt_bind_int64(st, 2, 999), SP_OK);
	int rc = sp_stmt_step(st, &err);
	sp_stmt_done(st);
	assert_int_equal(rc == 0 ? sp_store_commit(s, &err) : rc, SP_ECONFLICT);
	sp_store_rollback(s);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dp"), 75);
	/* a rollback keeps nothing, and the next transaction starts without deferring */
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_store_defer_begin(s, &err), SP_OK);
	defer_insert(s, parent, 101, 0, 0);
	sp_store_rollback(s);
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	defer_insert(s, parent, 102, 0, 0);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dp"), 76);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM dp WHERE id IN (100, 101)"), 0);
	sp_store_close(s);
}

static void nth_call_fails_on_demand(void **state)
{
	(void)state;
	struct sp_store *s = open_store(50);
	struct sp_err err = {0};
	sp_store_fail_at(s, 2);
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);			   /* call 1 */
	assert_int_equal(sp_store_exec(s, "CREATE TABLE f (x INTEGER)", &err), SP_EFAULT); /* call 2 */
	assert_non_null(strstr(err.msg, "store call 2"));
	assert_int_equal(sp_store_calls(s), 2);
	sp_store_rollback(s);
	sp_store_fail_at(s, 0);
	assert_int_equal(sp_store_exec(s, "CREATE TABLE f (x INTEGER)", &err), SP_OK);
	sp_store_close(s);
}

static void type_tokens_expand(void **state)
{
	(void)state;
	struct sp_buf b;
	struct sp_err err = {0};
	sp_buf_init(&b, 1024);
	assert_int_equal(expand(&sp_store_sqlite, "CREATE TABLE x (a {id}, b {int64}, c {bool}, d {text})",
				&b, &err), SP_OK);
	assert_string_equal(b.data, "CREATE TABLE x (a BLOB, b INTEGER, c SMALLINT, d TEXT)");
	sp_buf_reset(&b);
	assert_int_equal(expand(&sp_store_sqlite, "CREATE TABLE y (a {id} PRIMARY KEY) {clustered}",
				&b, &err), SP_OK);
	assert_string_equal(b.data, "CREATE TABLE y (a BLOB PRIMARY KEY) WITHOUT ROWID");
	sp_buf_reset(&b);
	/* PostgreSQL: bytea for ids and blobs, bigint, smallint booleans; a heap table */
	sp_buf_reset(&b);
	assert_int_equal(expand(&sp_store_postgres, "CREATE TABLE x (a {id}, b {int64}, c {bool}, "
				"d {text}, e {int}, f {blob}) {clustered}", &b, &err), SP_OK);
	assert_string_equal(b.data, "CREATE TABLE x (a BYTEA, b BIGINT, c SMALLINT, d TEXT, "
				    "e INTEGER, f BYTEA) ");
	sp_buf_reset(&b);
	assert_int_equal(expand(&sp_store_postgres, "x {uuid}", &b, &err), SP_EINTERNAL);
	sp_buf_reset(&b);
	assert_int_equal(expand(&sp_store_sqlite, "x {uuid}", &b, &err), SP_EINTERNAL);
	assert_non_null(strstr(err.msg, "{uuid}"));
	sp_buf_free(&b);
}

static void migrations_apply_once_and_are_recorded(void **state)
{
	(void)state;
	struct sp_store *s = open_store(50);
	struct sp_err err = {0};
	int v1 = -1, v2 = -1;
	assert_int_equal(sp_store_migrate(s, &err), SP_OK);
	assert_int_equal(sp_store_schema_version(s, &v1, &err), SP_OK);
	int64_t rows = test_scalar(s, "SELECT COUNT(*) FROM schema_migrations");
	assert_int_equal(sp_store_migrate(s, &err), SP_OK); /* nothing new to do */
	assert_int_equal(sp_store_schema_version(s, &v2, &err), SP_OK);
	assert_int_equal(v1, v2);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM schema_migrations"), rows);
	/* every embedded migration is recorded under its number */
	int64_t embedded = 0;
	for (const struct sp_embedded *m = sp_embedded_files; m->path; m++)
		embedded += strncmp(m->path, migrations_dir, sizeof migrations_dir - 1) == 0;
	assert_int_equal(rows, embedded);
	if (row_locks(s)) {
		/* PostgreSQL: the renamed table keeps its primary key (object_id, span, actor) */
		assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM pg_indexes WHERE tablename = "
						"'audit_object' AND indexdef LIKE '%(object_id, span, actor)'"), 1);
		sp_store_close(s);
		return;
	}
	/* 0009, 0010: the audit's object index is one B-tree keyed by (object_id, span, actor), no
	 * rowid */
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM pragma_index_list('audit_object') "
					"WHERE origin = 'pk'"), 1);
	struct sp_stmt *st;
	assert_int_not_equal(sp_store_prepare(s, "SELECT rowid FROM audit_object", &st, &err), SP_OK);
	sp_store_close(s);
}

static void *migrate_one(void *p)
{
	struct sp_store *s = p;
	struct sp_err err = {0};
	if (sp_store_migrate(s, &err) == SP_OK)
		return NULL;
	print_message("migrate: %s: %s\n", sp_status_name(err.code), err.msg);
	return p;
}

/* Two processes (here: connections) migrating an empty database at once both succeed, and
 * every migration is applied and recorded once. */
static void concurrent_migrations_apply_once(void **state)
{
	(void)state;
	struct sp_store *s[3] = {open_store(5000), open_store(5000), open_store(5000)};
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, migrate_one, s[i]), 0);
	for (int i = 0; i < 3; i++) {
		void *failed = s[i];
		pthread_join(th[i], &failed);
		assert_null(failed);
	}
	int64_t embedded = 0;
	for (const struct sp_embedded *m = sp_embedded_files; m->path; m++)
		embedded += strncmp(m->path, migrations_dir, sizeof migrations_dir - 1) == 0;
	assert_int_equal(test_scalar(s[0], "SELECT COUNT(*) FROM schema_migrations"), embedded);
	assert_int_equal(test_scalar(s[0], "SELECT COUNT(DISTINCT number) FROM schema_migrations"),
			 embedded);
	assert_int_equal(test_scalar(s[0], "SELECT COUNT(*) FROM audit_head"), 1);
	for (int i = 0; i < 3; i++)
		sp_store_close(s[i]);
}

static void online_backup_copies_the_database(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("SQLite's online backup API (PostgreSQL backups: safepath backup)");
	struct sp_store *s = open_store(50);
	struct sp_err err = {0};
	assert_int_equal(sp_store_exec(s, "CREATE TABLE k (v INTEGER); INSERT INTO k VALUES (7)", &err),
			 0);
	char path[128];
	snprintf(path, sizeof path, "%s/copy.db", dir);
	assert_int_equal(sp_store_backup_to(s, path, &err), SP_OK);
	sp_store_close(s);
	char u[160];
	snprintf(u, sizeof u, "sqlite:%s", path);
	struct sp_store_options opt = {.create = 0};
	assert_int_equal(sp_store_open(u, &opt, &s, &err), SP_OK);
	assert_int_equal(test_scalar(s, "SELECT v FROM k"), 7);
	sp_store_close(s);
}

/* ---- the PostgreSQL driver ---- */

static void placeholders_rewritten_outside_literals_and_comments(void **state)
{
	(void)state;
	static const struct {
		const char *sql, *want;
		int n;
	} cases[] = {
		{"", "", 0},
		{"SELECT 1", "SELECT 1", 0},
		{"SELECT a FROM t WHERE k = ? AND v > ?", "SELECT a FROM t WHERE k = $1 AND v > $2", 2},
		{"INSERT INTO t VALUES (?,?,?)", "INSERT INTO t VALUES ($1,$2,$3)", 3},
		{"SELECT '?', 'it''s ?', ? FROM t", "SELECT '?', 'it''s ?', $1 FROM t", 1},
		{"SELECT \"a?\"\"b\" FROM t WHERE x = ?", "SELECT \"a?\"\"b\" FROM t WHERE x = $1", 1},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2", 2},
		{"SELECT ? -- last?", "SELECT $1 -- last?", 1},
		{"SELECT /* a? /* nested? */ still? */ ?", "SELECT /* a? /* nested? */ still? */ $1", 1},
		{"SELECT $$a?$$, $t$b?$t$, ?", "SELECT $$a?$$, $t$b?$t$, $1", 1},
		{"SELECT x$y, ?", "SELECT x$y, $1", 1},
		{"SELECT 1-?/?", "SELECT 1-$1/$2", 2},
	};
	struct sp_buf b;
	sp_buf_init(&b, 4096);
	int n;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sp_buf_reset(&b);
		n = -1;
		assert_int_equal(sp_pg_rewrite(cases[i].sql, &b, &n), SP_OK);
		assert_string_equal(b.data ? b.data : "", cases[i].want);
		assert_int_equal(n, cases[i].n);
	}
	const char *bad[] = {"SELECT 'open ?", "SELECT \"open", "SELECT /* open ? ", "SELECT $a$ ?",
			     "SELECT /* /* */ ?"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sp_buf_reset(&b);
		assert_int_equal(sp_pg_rewrite(bad[i], &b, &n), SP_EINVAL);
	}
	sp_buf_free(&b);
}

/* Values go in and come out as the SQLite driver gives them: 64-bit integers at both ends of
 * their range, blobs holding zero bytes, empty blobs that are not NULL, NULL, text, and an
 * aggregate PostgreSQL returns as NUMERIC. A statement first run with a NULL where a value
 * comes later is prepared again with the value's type. */
static void values_round_trip(void **state)
{
	(void)state;
	struct sp_store *s = open_store(1000);
	struct sp_err err = {0};
	exec_ok(s, "CREATE TABLE v (k {int} PRIMARY KEY, n {int64}, b {blob}, t {text}, f {bool})");
	const int64_t ns[] = {INT64_MIN, -1, 0, 1, INT64_MAX, 4102444800000000LL};
	const unsigned char blob[5] = {0, 1, 0, 0xff, 0};
	struct sp_stmt *st;
	const char *ins = "INSERT INTO v (k, n, b, t, f) VALUES (?, ?, ?, ?, ?)";
	for (int i = 0; i < 6; i++) {
		assert_int_equal(sp_store_prepare(s, ins, &st, &err), SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 1, i), SP_OK);
		if (i == 0)
			assert_int_equal(sp_stmt_bind_null(st, 2), SP_OK);
		else
			assert_int_equal(sp_stmt_bind_int64(st, 2, ns[i]), SP_OK);
		assert_int_equal(sp_stmt_bind_blob(st, 3, blob, (size_t)i % 6), SP_OK);
		assert_int_equal(sp_stmt_bind_text(st, 4, i % 2 ? "zw\xc3\xb6lf" : NULL), SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 5, i % 2), SP_OK);
		assert_int_equal(sp_stmt_step(st, &err), 0);
		assert_int_equal(sp_stmt_changes(st), 1);
		sp_stmt_done(st);
	}
	assert_int_equal(sp_store_prepare(s, "SELECT k, n, b, t, f FROM v ORDER BY k", &st, &err),
			 SP_OK);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(sp_stmt_step(st, &err), 1);
		assert_int_equal(sp_stmt_int64(st, 0), i);
		assert_int_equal(sp_stmt_is_null(st, 1), i == 0);
		if (i)
			assert_true(sp_stmt_int64(st, 1) == ns[i]);
		size_t n = 99;
		const void *p = sp_stmt_blob(st, 2, &n);
		assert_false(sp_stmt_is_null(st, 2));
		assert_int_equal(n, (size_t)i % 6);
		if (n)
			assert_memory_equal(p, blob, n);
		if (i % 2)
			assert_string_equal(sp_stmt_text(st, 3), "zw\xc3\xb6lf");
		else
			assert_null(sp_stmt_text(st, 3));
		assert_int_equal(sp_stmt_int64(st, 4), i % 2);
	}
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	assert_int_equal(test_scalar(s, "SELECT SUM(n) FROM v WHERE n > 0 AND n < 1000000000000000000"),
			 4102444800000001LL);
	assert_int_equal(test_scalar(s, "SELECT -SUM(n) FROM v WHERE n < 0 AND n > -2"), 1);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM v WHERE f = 1"), 3);
	/* an integer read as text is its decimal digits; text read as an integer its value */
	assert_int_equal(sp_store_prepare(s, "SELECT n, t, '-17' FROM v WHERE k = 1", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_string_equal(sp_stmt_text(st, 0), "-1");
	assert_int_equal(sp_stmt_int64(st, 2), -17);
	sp_stmt_done(st);
	/* a NULL whose type nothing tells ("? IS NULL"), inside a transaction that goes on */
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(sp_store_prepare(s, "SELECT COUNT(*) FROM v WHERE ? IS NULL OR k = ?",
						  &st, &err), SP_OK);
		assert_int_equal(sp_stmt_bind_null(st, 1), SP_OK);
		if (round)
			assert_int_equal(sp_stmt_bind_text(st, 1, "x"), SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 2, 3), SP_OK);
		assert_int_equal(sp_stmt_step(st, &err), 1);
		assert_int_equal(sp_stmt_int64(st, 0), round ? 1 : 6);
		sp_stmt_done(st);
	}
	assert_int_equal(sp_store_exec(s, "DELETE FROM v WHERE k = 5", &err), SP_OK);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM v"), 5);
	sp_store_close(s);
}

static void terminate(struct sp_store *victim)
{
	struct sp_store *c = open_store(1000);
	struct sp_err err = {0};
	char sql[80];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)",
		 (long long)test_scalar(victim, "SELECT pg_backend_pid()"));
	assert_int_equal(sp_store_exec(c, sql, &err), SP_OK);
	sp_store_close(c);
	struct timespec pause = {0, 50 * 1000000L}; /* the backend exits */
	nanosleep(&pause, NULL);
}

struct lock_two {
	struct sp_store *s;
	const char *first, *second;
	int rc;
};

static void *lock_two(void *p)
{
	struct lock_two *l = p;
	struct sp_err err = {0};
	l->rc = sp_store_exec(l->s, l->second, &err);
	return NULL;
}

/* SQLSTATEs onto the store's classes: deadlock and serialization failure are SP_EBUSY (the
 * callers retry), a constraint SP_ECONFLICT, no server SP_EUNAVAIL, a COMMIT whose connection
 * died SP_EUNKNOWN; and a broken connection is made anew at the next begin. */
static void pg_errors_classified_and_connections_recover(void **state)
{
	(void)state;
	TEST_PG_ONLY("PostgreSQL's error classes and connections");
	struct sp_store *a = open_store(5000), *b = open_store(5000);
	struct sp_err err = {0};
	exec_ok(a, "CREATE TABLE t (k {int} PRIMARY KEY, v {int64} NOT NULL)");
	exec_ok(a, "INSERT INTO t VALUES (1, 0), (2, 0)");
	assert_int_equal(sp_store_exec(a, "INSERT INTO t VALUES (1, 5)", &err), SP_ECONFLICT);
	assert_non_null(strstr(err.msg, "23505"));
	/* unlike SQLite, a failed statement ends the whole transaction: its COMMIT says so */
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	assert_int_equal(sp_store_exec(a, "UPDATE t SET v = 3 WHERE k = 2", &err), SP_OK);
	assert_int_equal(sp_store_exec(a, "INSERT INTO t VALUES (1, 5)", &err), SP_ECONFLICT);
	assert_int_equal(sp_store_commit(a, &err), SP_EINTERNAL);
	assert_non_null(strstr(err.msg, "had failed"));
	sp_store_rollback(a);
	assert_int_equal(test_scalar(a, "SELECT v FROM t WHERE k = 2"), 0);

	/* deadlock: a holds 1 and wants 2, b holds 2 and wants 1 */
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	assert_int_equal(sp_store_begin_write(b, &err), SP_OK);
	assert_int_equal(sp_store_exec(a, "UPDATE t SET v = 1 WHERE k = 1", &err), SP_OK);
	assert_int_equal(sp_store_exec(b, "UPDATE t SET v = 1 WHERE k = 2", &err), SP_OK);
	struct lock_two l = {a, NULL, "UPDATE t SET v = 2 WHERE k = 2", 1};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, lock_two, &l), 0);
	struct timespec pause = {0, 100 * 1000000L};
	nanosleep(&pause, NULL);
	int rb = sp_store_exec(b, "UPDATE t SET v = 2 WHERE k = 1", &err);
	if (rb)
		sp_store_rollback(b); /* b was chosen: a's update goes through */
	pthread_join(th, NULL);
	assert_true((rb == SP_EBUSY) != (l.rc == SP_EBUSY)); /* exactly one victim */
	assert_true(rb == SP_OK || l.rc == SP_OK);
	sp_store_rollback(a);
	sp_store_rollback(b);

	/* serialization failure: a's snapshot is older than b's committed update */
	assert_int_equal(sp_store_begin_read(a, &err), SP_OK);
	assert_int_equal(test_scalar(a, "SELECT v FROM t WHERE k = 1"), 0);
	assert_int_equal(sp_store_exec(b, "UPDATE t SET v = 7 WHERE k = 1", &err), SP_OK);
	assert_int_equal(sp_store_exec(a, "UPDATE t SET v = 8 WHERE k = 1", &err), SP_EBUSY);
	assert_non_null(strstr(err.msg, "40001"));
	sp_store_rollback(a);

	/* the connection dies between transactions: the next begin makes a new one, and the
	 * cached statement is prepared again on it */
	assert_int_equal(test_scalar(a, "SELECT v FROM t WHERE k = 1"), 7);
	terminate(a);
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	assert_int_equal(test_scalar(a, "SELECT v FROM t WHERE k = 1"), 7);
	assert_int_equal(sp_store_commit(a, &err), SP_OK);

	/* it dies inside a transaction: that statement fails, the COMMIT's outcome is unknown,
	 * and after the rollback the next begin works (nothing of the lost transaction stayed) */
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	assert_int_equal(sp_store_exec(a, "UPDATE t SET v = 9 WHERE k = 1", &err), SP_OK);
	terminate(a);
	assert_int_equal(sp_store_commit(a, &err), SP_EUNKNOWN);
	sp_store_rollback(a);
	assert_int_equal(sp_store_begin_read(a, &err), SP_OK);
	assert_int_equal(test_scalar(a, "SELECT v FROM t WHERE k = 1"), 7);
	sp_store_rollback(a);
	sp_store_close(a);
	sp_store_close(b);

	/* no server there */
	struct sp_store_options opt = {.busy_timeout_ms = 100};
	struct sp_store *none = NULL;
	assert_int_equal(sp_store_open("postgresql:///x?host=/nonexistent&port=1", &opt, &none, &err),
			 SP_EUNAVAIL);
	assert_string_equal(err.field, "db");
}

/* Rows of a streamed statement (sp_stmt_stream: on PostgreSQL single-row mode) come all, in
 * order, each once; a streamed statement left half-way, in a read transaction or outside one,
 * leaves the connection to the next. */
static void streamed_rows_come_in_order_and_a_stop_leaves_the_connection_usable(void **state)
{
	(void)state;
	struct sp_store *s = open_store(1000);
	struct sp_err err = {0};
	struct sp_stmt *st;
	exec_ok(s, "CREATE TABLE t (a {int64} PRIMARY KEY, b {text} NOT NULL)");
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	for (int i = 1; i <= 5000; i++) {
		char v[16];
		snprintf(v, sizeof v, "v%d", i);
		assert_int_equal(sp_store_prepare(s, "INSERT INTO t (a, b) VALUES (?, ?)", &st, &err),
				 SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 1, i) | sp_stmt_bind_text(st, 2, v), SP_OK);
		assert_int_equal(sp_stmt_step(st, &err), 0);
		sp_stmt_done(st);
	}
	assert_int_equal(sp_store_commit(s, &err), SP_OK);

	assert_int_equal(sp_store_begin_read(s, &err), SP_OK);
	assert_int_equal(sp_store_prepare(s, "SELECT a, b FROM t ORDER BY a", &st, &err), SP_OK);
	sp_stmt_stream(st);
	int rc, n = 0;
	while ((rc = sp_stmt_step(st, &err)) == 1) {
		char v[16];
		n++;
		snprintf(v, sizeof v, "v%d", n);
		assert_int_equal(sp_stmt_int64(st, 0), n);
		assert_string_equal(sp_stmt_text(st, 1), v);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 5000);
	sp_stmt_done(st);
	/* the same statement (from the cache) again, left after ten rows */
	assert_int_equal(sp_store_prepare(s, "SELECT a, b FROM t ORDER BY a", &st, &err), SP_OK);
	sp_stmt_stream(st);
	for (int i = 1; i <= 10; i++) {
		assert_int_equal(sp_stmt_step(st, &err), 1);
		assert_int_equal(sp_stmt_int64(st, 0), i);
	}
	sp_stmt_done(st);
	sp_store_rollback(s);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM t"), 5000);
	/* outside a transaction, and then a statement not streamed: all its rows at once */
	assert_int_equal(sp_store_prepare(s, "SELECT a FROM t WHERE a > ? ORDER BY a", &st, &err),
			 SP_OK);
	assert_int_equal(sp_stmt_bind_int64(st, 1, 4990), SP_OK);
	sp_stmt_stream(st);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_int_equal(sp_stmt_int64(st, 0), 4991);
	sp_stmt_done(st);
	assert_int_equal(test_scalar(s, "SELECT MAX(a) FROM t"), 5000);
	assert_int_equal(sp_store_prepare(s, "SELECT a FROM t WHERE a > ? ORDER BY a", &st, &err),
			 SP_OK);
	assert_int_equal(sp_stmt_bind_int64(st, 1, 4998), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_int_equal(sp_stmt_int64(st, 0), 4999);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_int_equal(sp_stmt_int64(st, 0), 5000);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	sp_store_close(s);
}

/* The tables as list_tables gives them, one line each: "name: col kind, ... -> refs". */
static int describe_table(void *ctx, const char *table, const char *const *columns,
			  const enum sp_store_col_kind *kinds, size_t ncolumns,
			  const char *const *refs, size_t nrefs)
{
	static const char *const kind_name[] = {"?", "int", "text", "blob"};
	struct sp_buf *b = ctx;
	int rc = sp_buf_addf(b, "%s:", table);
	for (size_t i = 0; !rc && i < ncolumns; i++)
		rc = sp_buf_addf(b, "%s %s %s", i ? "," : "", columns[i],
				 kinds[i] >= 1 && kinds[i] <= 3 ? kind_name[kinds[i]] : "?");
	for (size_t i = 0; !rc && i < nrefs; i++)
		rc = sp_buf_addf(b, "%s%s", i ? ", " : " -> ", refs[i]);
	return rc ? rc : sp_buf_adds(b, "\n");
}

/* list_tables on a schema made here: tables by name, columns in their order with their
 * kinds (a dropped column gone, an added one last), the tables their foreign keys reference,
 * once each and by name; on PostgreSQL nothing of another schema, and a type a copy cannot
 * carry refused naming the column. */
static void tables_listed_with_columns_kinds_and_references(void **state)
{
	(void)state;
	struct sp_store *s = open_store(1000);
	struct sp_err err = {0};
	exec_ok(s, "CREATE TABLE zeta (id {id} PRIMARY KEY, n {int64} NOT NULL, small {bool}, "
		   "label {text})");
	exec_ok(s, "CREATE TABLE alpha (id {id} PRIMARY KEY, zeta_id {id} REFERENCES zeta (id), "
		   "other {id} REFERENCES zeta (id), count {int}, body {blob})");
	exec_ok(s, "CREATE TABLE mid (a {int64}, b {id} REFERENCES alpha (id), "
		   "c {id} REFERENCES zeta (id))");
	exec_ok(s, "ALTER TABLE zeta DROP COLUMN small");
	exec_ok(s, "ALTER TABLE zeta ADD COLUMN late {text}");
	if (test_pg())
		exec_ok(s, "CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.hidden (a {int64})");
	struct sp_buf b;
	sp_buf_init(&b, 4096);
	assert_int_equal(sp_store_list_tables(s, describe_table, &b, &err), SP_OK);
	assert_string_equal(b.data, "alpha: id blob, zeta_id blob, other blob, count int, body blob"
				    " -> zeta\n"
				    "mid: a int, b blob, c blob -> alpha, zeta\n"
				    "zeta: id blob, n int, label text, late text\n");
	sp_buf_free(&b);
	if (test_pg()) {
		exec_ok(s, "CREATE TABLE odd (id {int64}, at TIMESTAMP)");
		sp_buf_init(&b, 4096);
		assert_int_equal(sp_store_list_tables(s, describe_table, &b, &err), SP_EINVAL);
		assert_string_equal(err.field, "db");
		assert_non_null(strstr(err.msg, "table odd: column at has type timestamp"));
		sp_buf_free(&b);
		exec_ok(s, "DROP SCHEMA elsewhere CASCADE");
	}
	sp_store_close(s);
}

/* pg_class's pages all-visible and row estimate of table t. */
static void pg_class_of_t(struct sp_store *s, int64_t *visible, int64_t *tuples)
{
	struct sp_err err = {0};
	struct sp_stmt *st;
	assert_int_equal(sp_store_prepare(s,
					  "SELECT relallvisible, reltuples::BIGINT FROM pg_class "
					  "WHERE relname = 't' AND relkind = 'r'",
					  &st, &err),
			 SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	*visible = sp_stmt_int64(st, 0);
	*tuples = sp_stmt_int64(st, 1);
	sp_stmt_done(st);
}

/* After a bulk load: on PostgreSQL the table is vacuumed (its pages marked all-visible) and
 * analysed (its row count known to the planner); SQLite has nothing to do. */
static void settle_vacuums_and_analyses_after_a_load(void **state)
{
	(void)state;
	struct sp_store *s = open_store(1000);
	struct sp_err err = {0};
	/* the test cluster commits asynchronously (tests/pg.sh): a page is marked all-visible
	 * only once its rows' commit is on disk */
	if (test_pg())
		exec_ok(s, "SET synchronous_commit = on");
	exec_ok(s, "CREATE TABLE t (k {int64} PRIMARY KEY, v {text} NOT NULL)");
	exec_ok(s, "INSERT INTO t (k, v) SELECT n, 'row' FROM (WITH RECURSIVE c(n) AS (SELECT 1 "
		   "UNION ALL SELECT n + 1 FROM c WHERE n < 500) SELECT n FROM c) AS c");
	int64_t visible, tuples;
	if (test_pg()) {
		pg_class_of_t(s, &visible, &tuples);
		assert_int_equal(visible, 0);
		assert_int_equal(tuples, -1); /* never analysed */
	}
	assert_int_equal(sp_store_settle(s, &err), SP_OK);
	if (test_pg()) {
		pg_class_of_t(s, &visible, &tuples);
		assert_true(visible >= 1);
		assert_int_equal(tuples, 500);
	}
	sp_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sqlite_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(url_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(write_lock_taken_at_begin_and_busy_classified, setup,
						teardown),
		cmocka_unit_test_setup_teardown(writers_in_one_process_take_turns, setup, teardown),
		cmocka_unit_test_setup_teardown(statements_are_cached_and_bind_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(deferred_inserts, setup, teardown),
		cmocka_unit_test_setup_teardown(nth_call_fails_on_demand, setup, teardown),
		cmocka_unit_test(type_tokens_expand),
		cmocka_unit_test_setup_teardown(migrations_apply_once_and_are_recorded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(concurrent_migrations_apply_once, setup, teardown),
		cmocka_unit_test_setup_teardown(online_backup_copies_the_database, setup, teardown),
		cmocka_unit_test(placeholders_rewritten_outside_literals_and_comments),
		cmocka_unit_test_setup_teardown(values_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(settle_vacuums_and_analyses_after_a_load, setup,
						teardown),
		cmocka_unit_test_setup_teardown(tables_listed_with_columns_kinds_and_references, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			streamed_rows_come_in_order_and_a_stop_leaves_the_connection_usable, setup,
			teardown),
		cmocka_unit_test_setup_teardown(pg_errors_classified_and_connections_recover, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
