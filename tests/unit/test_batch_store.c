/* The batch path of synthetic cases (sp_case_open_batch, sp_demo_cases_batch) on a real store
 * (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): cases numbered in order with sealed persons,
 * index rows and keys in the key store, one audit record for the batch naming the first case
 * and the count; a case without the synthetic flag, an empty or oversized batch, an assignee
 * of another agency and a subject the policy refuses write nothing. Expected values by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, other;
static struct sp_subject caseworker, colleague, outsider, coordinator;

static int setup(void **state)
{
	(void)state;
	if (world_open("batch"))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&other, "OTH", "ngo");
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&colleague, "cw2", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&outsider, "out", &other, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&coordinator, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return world_close();
}

static int64_t rows(const char *table)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
	return test_scalar(store, sql);
}

static int64_t keys_held(void)
{
	return test_scalar(sp_keystore_store(keystore), "SELECT COUNT(*) FROM person_keys");
}

/* Three named persons, as JSON, each flagged synthetic unless said. */
static void three(struct sp_person *p, struct sp_case_open *in, unsigned flags)
{
	static const char *const names[] = {"Batchilde", "Batchmir", "Batchuna"};
	for (int i = 0; i < 3; i++) {
		char json[128];
		struct sp_err err = {0};
		snprintf(json, sizeof json,
			 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}]}", names[i]);
		json_t *j = sp_json_parse(json, strlen(json), &err);
		assert_non_null(j);
		ok(sp_person_decode(j, &arena, &p[i], &err), &err, "person");
		json_decref(j);
		in[i] = (struct sp_case_open){.person = &p[i], .priority = SP_PRIORITY_NORMAL,
					      .flags = SP_CASE_SYNTHETIC | (i == 2 ? flags : 0)};
	}
}

static void a_batch_is_one_transaction_and_one_record(void **state)
{
	(void)state;
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_person p[3];
	struct sp_case_open in[3];
	struct sp_case out[3];
	three(p, in, 0);
	int64_t audit = rows("audit_log");
	ok(sp_case_open_batch(&cw, in, 3, out, &err), &err, "batch");
	assert_int_equal(rows("cases"), 3);
	assert_int_equal(rows("persons"), 3);
	assert_int_equal(keys_held(), 3);
	/* each person has the index rows of its one name word */
	assert_int_equal(test_scalar(store, "SELECT COUNT(DISTINCT person_id) FROM person_index "
					    "WHERE kind = 'name'"),
			 3);
	char want[32];
	for (int i = 0; i < 3; i++) {
		snprintf(want, sizeof want, "NGO-%.4s-%06d", out[0].number + 4, i + 1);
		assert_string_equal(out[i].number, want);
		assert_memory_equal(out[i].assigned.b, caseworker.user.b, SP_ID_LEN);
		assert_int_equal(out[i].flags, SP_CASE_SYNTHETIC);
	}
	assert_int_equal(rows("audit_log"), audit + 1);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'case.create_batch' AND reason = 'synthetic:3' AND "
					    "fields = 'stat,identity,safety'"),
			 1);
	/* the person is readable through the ordinary path, and not in clear on disk */
	struct sp_person back;
	ok(sp_case_person(&cw, &out[1].id, false, &back, &err), &err, "person");
	assert_string_equal(back.name.parts[0].romanised, "Batchmir");
	if (!test_pg()) {
		exec_sql("PRAGMA wal_checkpoint(TRUNCATE)");
		assert_false(file_contains(db_path, "Batchmir"));
	}
	/* another batch goes on with the numbers, assigned to a colleague */
	three(p, in, 0);
	for (int i = 0; i < 3; i++)
		in[i].assigned = &colleague.user;
	ok(sp_case_open_batch(&cw, in, 3, out, &err), &err, "batch 2");
	snprintf(want, sizeof want, "NGO-%.4s-%06d", out[0].number + 4, 6);
	assert_string_equal(out[2].number, want);
	assert_memory_equal(out[2].assigned.b, colleague.user.b, SP_ID_LEN);
}

static void refusals_write_nothing(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_person p[3];
	struct sp_case_open in[3];
	struct sp_case out[3];
	int64_t cases = rows("cases"), persons = rows("persons"), held = keys_held();
	/* a real person's case is never opened in a batch */
	three(p, in, SP_CASE_UNACCOMPANIED_CHILD);
	in[1].flags = SP_CASE_POSSIBLE_VOT;
	struct sp_casework cw = as(&caseworker);
	assert_int_equal(sp_case_open_batch(&cw, in, 3, out, &err), SP_EINVAL);
	assert_string_equal(err.field, "/flags");
	assert_int_equal(keys_held(), held);
	three(p, in, 0);
	assert_int_equal(sp_case_open_batch(&cw, in, 0, out, &err), SP_EINVAL);
	assert_int_equal(sp_case_open_batch(&cw, in, SP_CASE_BATCH_MAX + 1, out, &err), SP_EINVAL);
	/* an assignee of another agency: refused at the third case, the first two rolled back
	 * (their keys, made before, are orphans that seal nothing) */
	in[2].assigned = &outsider.user;
	assert_int_equal(sp_case_open_batch(&cw, in, 3, out, &err), SP_EINVAL);
	assert_string_equal(err.field, "/assigned");
	/* a coordinator may open no case */
	struct sp_casework coord = as(&coordinator);
	three(p, in, 0);
	assert_int_equal(sp_case_open_batch(&coord, in, 3, out, &err), SP_EDENIED);
	assert_int_equal(rows("cases"), cases);
	assert_int_equal(rows("persons"), persons);
}

static void demo_batches(void **state)
{
	(void)state;
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_case out[5];
	int64_t cases = rows("cases");
	ok(sp_demo_cases_batch(&cw, 42, 0, 5, NULL, out, &err), &err, "demo batch");
	assert_int_equal(rows("cases"), cases + 5);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM cases WHERE (flags & 32) = 32"),
			 cases + 5);
	for (int i = 0; i < 5; i++)
		assert_true(out[i].flags & SP_CASE_SYNTHETIC);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'case.create_batch' AND reason = 'synthetic:5'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_batch_is_one_transaction_and_one_record),
		cmocka_unit_test(refusals_write_nothing),
		cmocka_unit_test(demo_batches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
