/* Helpers shared by the unit tests that work on temporary folders and databases: include
 * after <cmocka.h>. A test file uses what it needs of them. */
#ifndef SAFEPATH_TEST_HELPERS_H
#define SAFEPATH_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

#include "safepath/store.h"

/* One suite, both stores: with SAFEPATH_TEST_PG set (tests/pg.sh's connection parameters,
 * "host=DIR&port=N&user=sp"), the store tests run on PostgreSQL; unset, on SQLite files. */
__attribute__((unused)) static const char *test_pg(void)
{
	const char *q = getenv("SAFEPATH_TEST_PG");
	return q && *q ? q : NULL;
}

/* The URL of a test's database: "sqlite:" + sqlite_path, or on PostgreSQL the database
 * pg_name, made empty for this test (its schema dropped and made anew: faster than a new
 * database). */
__attribute__((unused)) static void test_db_url(char *out, size_t n, const char *sqlite_path,
						const char *pg_name)
{
	if (!test_pg()) {
		snprintf(out, n, "sqlite:%s", sqlite_path);
		return;
	}
	snprintf(out, n, "postgresql:///%s?%s", pg_name, test_pg());
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 1};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	if (sp_store_open(out, &opt, &s, &err) != SP_OK ||
	    sp_store_exec(s, "DROP SCHEMA public CASCADE; CREATE SCHEMA public", &err) != SP_OK)
		fail_msg("cannot empty the test database %s: %s", pg_name, err.msg);
	sp_store_close(s);
}

/* Skip a test that is about one engine itself (SQLite's PRAGMAs, write-ahead log and backup
 * API; PostgreSQL's SQLSTATEs and connections) on the other: counted as skipped, with the
 * reason in the log. */
#define TEST_ONLY_ON(pg, reason)                                                                 \
	do {                                                                                     \
		if ((test_pg() != NULL) != (pg)) {                                                      \
			print_message("skipped on %s: %s\n", (pg) ? "SQLite" : "PostgreSQL",       \
				      reason);                                                   \
			skip();                                                                  \
		}                                                                                \
	} while (0)
#define TEST_PG_ONLY(reason) TEST_ONLY_ON(1, reason)
#define TEST_SQLITE_ONLY(reason) TEST_ONLY_ON(0, reason)

/* The single integer a query returns (COUNT(*) and the like); fails the test otherwise. */
__attribute__((unused)) static int64_t test_scalar(struct sp_store *s, const char *sql)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	if (sp_store_prepare(s, sql, &st, &err) != SP_OK)
		fail_msg("%s: %s", sql, err.msg);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	int64_t v = sp_stmt_int64(st, 0);
	sp_stmt_done(st);
	return v;
}

/* Remove a test's temporary folder: 0, or -1 for cmocka's teardown to report. */
__attribute__((unused)) static int test_rmtree(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
