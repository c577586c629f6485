/* store/: the SQLite driver's settings and error classes, BEGIN IMMEDIATE, the statement
 * cache, fault injection, type-token expansion and migrations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/store/migrate.c"

#include "helpers.h"

static char dir[64];
static char url[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sp-store-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
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

static void sqlite_settings(void **state)
{
	(void)state;
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
}

static void write_lock_taken_at_begin_and_busy_classified(void **state)
{
	(void)state;
	struct sp_store *a = open_store(50), *b = open_store(50);
	struct sp_err err = {0};
	assert_int_equal(sp_store_exec(a, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", &err), 0);
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	/* BEGIN IMMEDIATE: the second writer waits at BEGIN, not half-way through. */
	assert_int_equal(sp_store_begin_write(b, &err), SP_EBUSY);
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
	if (sp_store_exec(a, "INSERT INTO t VALUES (2, 'a')", &err) ||
	    sp_store_commit(a, &err))
		return p; /* failure */
	return NULL;
}

/* A second writer in the same process waits (within its busy timeout) for the first one's
 * commit, then goes on and sees its rows; a rollback lets the next writer in as well. */
static void writers_in_one_process_take_turns(void **state)
{
	(void)state;
	struct sp_store *a = open_store(5000), *b = open_store(5000);
	struct sp_err err = {0};
	assert_int_equal(sp_store_exec(a, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", &err), 0);
	assert_int_equal(sp_store_begin_write(a, &err), SP_OK);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, hold_then_commit, a), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sp_store_begin_write(b, &err), SP_OK);
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
	assert_int_equal(sp_stmt_int64(st, 0), 1);
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
	assert_int_equal(sp_store_exec(s, "CREATE TABLE u (id BLOB, n INTEGER, t TEXT, b BLOB)", &err),
			 0);
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

static void nth_call_fails_on_demand(void **state)
{
	(void)state;
	struct sp_store *s = open_store(50);
	struct sp_err err = {0};
	sp_store_fail_at(s, 2);
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);			   /* call 1 */
	assert_int_equal(sp_store_exec(s, "CREATE TABLE f (x)", &err), SP_EFAULT); /* call 2 */
	assert_non_null(strstr(err.msg, "store call 2"));
	assert_int_equal(sp_store_calls(s), 2);
	sp_store_rollback(s);
	sp_store_fail_at(s, 0);
	assert_int_equal(sp_store_exec(s, "CREATE TABLE f (x)", &err), SP_OK);
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
	/* 0009, 0010: the audit's object index is one B-tree keyed by (object_id, span, actor), no
	 * rowid */
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM pragma_index_list('audit_object') "
					"WHERE origin = 'pk'"), 1);
	struct sp_stmt *st;
	assert_int_not_equal(sp_store_prepare(s, "SELECT rowid FROM audit_object", &st, &err), SP_OK);
	sp_store_close(s);
}

static void online_backup_copies_the_database(void **state)
{
	(void)state;
	struct sp_store *s = open_store(50);
	struct sp_err err = {0};
	assert_int_equal(sp_store_exec(s, "CREATE TABLE k (v); INSERT INTO k VALUES (7)", &err), 0);
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
		cmocka_unit_test_setup_teardown(nth_call_fails_on_demand, setup, teardown),
		cmocka_unit_test(type_tokens_expand),
		cmocka_unit_test_setup_teardown(migrations_apply_once_and_are_recorded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(online_backup_copies_the_database, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
