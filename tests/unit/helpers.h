/* Helpers shared by the unit tests that work on temporary folders and databases: include
 * after <cmocka.h>. A test file uses what it needs of them. */
#ifndef SAFEPATH_TEST_HELPERS_H
#define SAFEPATH_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

#include "safepath/store.h"

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
