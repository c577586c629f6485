/* The registry side of matching people (src/casework/matchreg.c) on a real store (SQLite, or
 * PostgreSQL with SAFEPATH_TEST_PG): each person's model cells sealed (in no row in clear) and
 * their blocking keys blinded, written at create, update and the batch path, rebuilt by the
 * reindex, gone at erasure; the registration check showing a visible candidate with its
 * explanation and a candidate of another agency only as "elsewhere", with its audit record
 * and its focal points' notification; links and rejections that widen nobody's access.
 * Expected values by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "world.h"
#include "safepath/fsmodel.h"
#include "safepath/matchreg.h"
#include "safepath/normalise.h"
#include "safepath/notification.h"

static struct sp_id ngo, cpa, imm;
static struct sp_subject caseworker, supervisor, cpa_worker, cpa_focal, coordinator, officer;
static struct sp_fs_model model;

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	if (world_open("matchreg") || sp_fs_model_shipped(SP_MATCHREG_MODEL, &model, &err))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&cpa, "CPA", "child_protection");
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&supervisor, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&cpa_worker, "cpa", &cpa, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_CASEWORKER);
	add_user(&cpa_focal, "cpafp", &cpa, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_FOCAL_POINT);
	add_user(&coordinator, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	add_agency(&imm, "IMM", "immigration");
	add_user(&officer, "imm", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_SCREENER);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_matchreg_release_thread();
	return world_close();
}

static int64_t cells_rows(const struct sp_id *person)
{
	return world_count_id("SELECT COUNT(*) FROM person_match WHERE person_id = ?", person);
}

static int64_t key_rows(const struct sp_id *person)
{
	return world_count_id("SELECT COUNT(*) FROM person_match_keys WHERE person_id = ?", person);
}

/* The person's cells opened with its key, straight through crypto: the JSON array. */
static json_t *cells_of(const struct sp_id *person)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store, "SELECT cells FROM person_match WHERE person_id = ?", &st,
			    &err),
	   &err, "cells");
	assert_int_equal(sp_stmt_bind_id(st, 1, person), 0);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	size_t n;
	const void *ct = sp_stmt_blob(st, 0, &n);
	struct sp_person_key pk;
	ok(sp_person_key_get(keystore, keys, person, 0, &pk, &err), &err, "person key");
	const struct sp_field f = {"person_match", "cells", person};
	struct sp_buf pt;
	sp_buf_init(&pt, 1u << 20);
	ok(sp_field_open(keys, &pk, &f, ct, n, &pt, &err), &err, "open cells");
	sp_stmt_done(st);
	json_t *j = sp_json_parse(pt.data, pt.len, &err);
	sp_buf_free(&pt);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), (size_t)model.n_fields);
	return j;
}

static const char *cell(json_t *cells, const char *field)
{
	int f = sp_fs_model_field(&model, field);
	assert_true(f >= 0);
	return json_string_value(json_array_get(cells, (size_t)f));
}

static int64_t audited(const char *action)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE action = '%s'", action);
	return test_scalar(store, sql);
}

/* Whether text is in clear in any row of table (or, on SQLite, anywhere in the file). */
static bool in_clear(const char *table, const char *column, const char *text)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 test_pg() ? "SELECT COUNT(*) FROM %s WHERE position(convert_to('%s', 'UTF8') in "
			     "%s) > 0"
			   : "SELECT COUNT(*) FROM %s WHERE instr(%s, CAST('%s' AS BLOB)) > 0",
		 table, test_pg() ? text : column, test_pg() ? column : text);
	return test_scalar(store, sql) > 0 || (!test_pg() && file_contains(db_path, text));
}

static const char tesfay[] =
	"{\"names\": [{\"role\": \"given\", \"romanised\": \"Qelemework\"}, "
	"{\"role\": \"family\", \"romanised\": \"Tsegazeab\"}], \"sex\": \"female\", "
	"\"date_of_birth\": {\"date\": \"2009-04\", \"estimated\": true}, "
	"\"nationalities\": [\"ER\", \"ET\"], "
	"\"separation\": {\"place\": \"Shagarab\", \"date\": \"2023-06\"}, "
	"\"safety\": {\"family\": [{\"relationship\": \"mother\", \"name\": \"Letebrhan Gebru\"}, "
	"{\"relationship\": \"sibling\", \"name\": \"Yordanos; Tsegazeab\"}]}}";

/* Cells of every field filled by hand, sealed under the person's key, keys blind. */
static void cells_are_sealed_and_keys_blind(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, tesfay, 0);
	assert_int_equal(cells_rows(&c.person), 1);
	assert_true(key_rows(&c.person) > 0);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM person_match_keys WHERE person_id = ? "
				   "AND length(mkey) <> 32",
				   &c.person),
			 0);
	json_t *cells = cells_of(&c.person);
	assert_int_equal(cell(cells, "name")[0], SP_MATCH_PREPARED_MARK);
	assert_non_null(strstr(cell(cells, "name"), "qelemework"));
	assert_string_equal(cell(cells, "date_of_birth"), "~2009-04");
	assert_string_equal(cell(cells, "sex"), "f");
	assert_string_equal(cell(cells, "nationality"), "ER;ET");
	assert_string_equal(cell(cells, "place_of_separation"), "Shagarab");
	assert_string_equal(cell(cells, "date_of_separation"), "2023-06");
	/* a ';' inside a name is no separator */
	assert_string_equal(cell(cells, "relatives"), "Letebrhan Gebru;Yordanos  Tsegazeab");
	json_decref(cells);
	const char *const clear[] = {"Qelemework", "qelemework", "Tsegazeab", "tsegazeab",
				     "Shagarab", "Letebrhan"};
	for (size_t i = 0; i < sizeof clear / sizeof clear[0]; i++) {
		assert_false(in_clear("person_match", "cells", clear[i]));
		assert_false(in_clear("person_match_keys", "mkey", clear[i]));
	}
}

/* An update rebuilds them; one without the need-to-know block keeps the stored relatives. */
static void an_update_rebuilds_them(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, tesfay, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	const char changed[] =
		"{\"names\": [{\"role\": \"given\", \"romanised\": \"Qelemework\"}, "
		"{\"role\": \"family\", \"romanised\": \"Habtom\"}], \"sex\": \"female\", "
		"\"date_of_birth\": {\"date\": \"2008-11-02\"}, \"nationalities\": [\"ER\"]}";
	json_t *j = sp_json_parse(changed, strlen(changed), &err);
	struct sp_person p;
	ok(sp_person_decode(j, &arena, &p, &err), &err, "person");
	json_decref(j);
	ok(sp_case_person_update(&cw, &c.id, &p, &err), &err, "update");
	json_t *cells = cells_of(&c.person);
	assert_string_equal(cell(cells, "date_of_birth"), "2008-11-02");
	assert_string_equal(cell(cells, "nationality"), "ER");
	assert_string_equal(cell(cells, "place_of_separation"), "");
	assert_non_null(strstr(cell(cells, "name"), "habtom"));
	assert_null(strstr(cell(cells, "name"), "tsegazeab"));
	assert_string_equal(cell(cells, "relatives"), "Letebrhan Gebru;Yordanos  Tsegazeab");
	json_decref(cells);
	assert_int_equal(cells_rows(&c.person), 1);
}

/* Erasure deletes them with the index rows. */
static void erasure_forgets_them(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, tesfay, 0);
	struct sp_casework cw = as(&supervisor);
	struct sp_err err = {0};
	assert_int_equal(cells_rows(&c.person), 1);
	ok(sp_case_person_erase(&cw, &c.id, &err), &err, "erase");
	assert_int_equal(cells_rows(&c.person), 0);
	assert_int_equal(key_rows(&c.person), 0);
}

/* The batch path writes them for each person; the reindex rebuilds lost ones, a supervisor
 * only, with one record per batch. */
static void batch_and_reindex(void **state)
{
	(void)state;
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	static const char *const names[] = {"Batchhiwet", "Batchselam"};
	struct sp_person p[2];
	struct sp_case_open in[2];
	struct sp_case out[2];
	for (int i = 0; i < 2; i++) {
		char json[160];
		snprintf(json, sizeof json,
			 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}], "
			 "\"date_of_birth\": {\"date\": \"1990\"}}",
			 names[i]);
		json_t *j = sp_json_parse(json, strlen(json), &err);
		ok(sp_person_decode(j, &arena, &p[i], &err), &err, "person");
		json_decref(j);
		in[i] = (struct sp_case_open){.person = &p[i], .priority = SP_PRIORITY_NORMAL,
					      .flags = SP_CASE_SYNTHETIC};
	}
	ok(sp_case_open_batch(&cw, in, 2, out, &err), &err, "batch");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cells_rows(&out[i].person), 1);
		json_t *cells = cells_of(&out[i].person);
		assert_string_equal(cell(cells, "date_of_birth"), "1990");
		json_decref(cells);
	}
	int64_t persons = test_scalar(store, "SELECT COUNT(*) FROM persons");
	exec_sql("DELETE FROM person_match_keys");
	exec_sql("DELETE FROM person_match");
	uint64_t n = 0;
	assert_int_equal(sp_matchreg_reindex(&cw, NULL, NULL, &n, &err), SP_EDENIED);
	struct sp_casework sup = as(&supervisor);
	int64_t records = audited("person.match_reindex");
	ok(sp_matchreg_reindex(&sup, NULL, NULL, &n, &err), &err, "reindex");
	assert_int_equal((int64_t)n, persons);
	/* erased persons (their key destroyed) stay without cells */
	int64_t erased = test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'person.erase'");
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM person_match"), persons - erased);
	assert_int_equal(audited("person.match_reindex"), records + 1);
	json_t *cells = cells_of(&out[1].person);
	assert_string_equal(cell(cells, "date_of_birth"), "1990");
	json_decref(cells);
}

static struct sp_person probe_person(const char *json)
{
	struct sp_err err = {0};
	struct sp_person p;
	json_t *j = sp_json_parse(json, strlen(json), &err);
	assert_non_null(j);
	ok(sp_person_decode(j, &arena, &p, &err), &err, "probe");
	json_decref(j);
	return p;
}

static const char abrehet[] =
	"{\"names\": [{\"role\": \"given\", \"romanised\": \"Abrehet\"}, "
	"{\"role\": \"father\", \"romanised\": \"Weldemichael\"}], \"sex\": \"female\", "
	"\"date_of_birth\": {\"date\": \"2007-02-19\"}, \"nationalities\": [\"ER\"]}";
/* The same person registered again: the names spelled otherwise, the same birth date. */
static const char abrehet_again[] =
	"{\"names\": [{\"role\": \"given\", \"romanised\": \"Abrehet\"}, "
	"{\"role\": \"father\", \"romanised\": \"Woldemichael\"}], \"sex\": \"female\", "
	"\"date_of_birth\": {\"date\": \"2007-02-19\"}, \"nationalities\": [\"ER\"]}";

static const struct sp_matchreg_candidate *find(const struct sp_matchreg_check *r,
						 const struct sp_id *case_id)
{
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->c[i].case_id.b, case_id->b, SP_ID_LEN) == 0)
			return &r->c[i];
	return NULL;
}

/* Our own case is shown with its explanation; the child protection authority's only as
 * "elsewhere": an audit record on it and a notification to its focal point, no data. */
static void the_check_shows_what_the_user_may_see(void **state)
{
	(void)state;
	struct sp_case mine = open_case(&caseworker, abrehet, 0);
	struct sp_case theirs = open_case(&cpa_worker, abrehet, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_person p = probe_person(abrehet_again);
	struct sp_matchreg_check *r = sp_arena_alloc(&arena, sizeof *r);
	int64_t checks = audited("person.match_check"), away = audited("person.match_elsewhere");
	ok(sp_matchreg_check(&cw, &p, NULL, r, &err), &err, "check");
	const struct sp_matchreg_candidate *k = find(r, &mine.id);
	assert_non_null(k);
	assert_null(find(r, &theirs.id));
	assert_true(r->elsewhere >= 1);
	assert_true(k->probability >= model.threshold);
	assert_true(k->named);
	assert_string_equal(k->name, "Abrehet Weldemichael");
	assert_string_equal(k->date_of_birth, "2007-02-19");
	assert_int_equal(k->sex, SP_SEX_FEMALE);
	assert_string_equal(k->nationalities, "ER");
	assert_string_equal(k->number, mine.number);
	assert_int_equal(k->n_fields, (size_t)model.n_comparisons);
	int dob = -1;
	for (size_t i = 0; i < k->n_fields; i++)
		if (strcmp(k->fields[i].comparison, "date_of_birth") == 0)
			dob = (int)i;
	assert_true(dob >= 0);
	assert_true(k->fields[dob].shown);
	assert_string_equal(k->fields[dob].level, "exact");
	assert_true(k->fields[dob].contribution > 0);
	assert_int_equal(audited("person.match_check"), checks + 1);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'person.match_check' AND reason LIKE 'candidates:%'"),
			 checks + 1);
	assert_int_equal(audited("person.match_elsewhere"), away + (int64_t)r->elsewhere);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE action = "
				   "'person.match_elsewhere' AND object_id = ?",
				   &theirs.id),
			 1);
	/* the focal point of the agency holding it is told, about its own case only */
	struct sp_notification notes[8];
	size_t n = 0;
	struct sp_id next;
	ok(sp_notification_list(store, &cpa_focal, true, NULL, notes, 8, &n, &next, &err), &err,
	   "notifications");
	size_t told = 0;
	for (size_t i = 0; i < n; i++)
		if (notes[i].kind == SP_NOTIFY_MATCH_ELSEWHERE &&
		    memcmp(notes[i].case_id.b, theirs.id.b, SP_ID_LEN) == 0)
			told++;
	assert_int_equal(told, 1);
	/* the caseworker of our agency is told nothing */
	ok(sp_notification_list(store, &caseworker, true, NULL, notes, 8, &n, &next, &err), &err,
	   "mine");
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(notes[i].kind, SP_NOTIFY_MATCH_ELSEWHERE);
	/* a coordinator may not check at all */
	struct sp_casework co = as(&coordinator);
	assert_int_equal(sp_matchreg_check(&co, &p, NULL, r, &err), SP_EDENIED);
	/* across the firewall not even "elsewhere": an immigration officer's check says nothing of
	 * the two protection actors' cases, which are recorded all the same */
	struct sp_casework border = as(&officer);
	away = audited("person.match_elsewhere");
	ok(sp_matchreg_check(&border, &p, NULL, r, &err), &err, "immigration's check");
	assert_int_equal(r->n, 0);
	assert_int_equal(r->elsewhere, 0);
	assert_true(audited("person.match_elsewhere") >= away + 2);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE action = "
				   "'person.match_elsewhere' AND object_id = ?",
				   &mine.id),
			 1);
}

/* Many unseen candidates, with the server's audit writer: each is recorded and told (the
 * records one operation holds back for the writer are enough for SP_MATCHREG_MAX of them). */
static void many_unseen_candidates_each_recorded(void **state)
{
	(void)state;
	static const char selam[] =
		"{\"names\": [{\"role\": \"given\", \"romanised\": \"Selamawit\"}, "
		"{\"role\": \"father\", \"romanised\": \"Gebrekidan\"}], \"sex\": \"female\", "
		"\"date_of_birth\": {\"date\": \"2006-11-03\"}, \"nationalities\": [\"ER\"]}";
	for (int i = 0; i < 7; i++)
		(void)open_case(&cpa_worker, selam, 0);
	struct sp_err err = {0};
	struct sp_store *ws = NULL;
	struct sp_store_options opt = {.busy_timeout_ms = 1000};
	ok(sp_store_open(db_url, &opt, &ws, &err), &err, "writer's store");
	struct sp_audit_writer *w = NULL;
	ok(sp_audit_writer_start(ws, akeys, NULL, &w, &err), &err, "writer");
	struct sp_casework cw = as(&caseworker);
	cw.read_audit = w;
	struct sp_person p = probe_person(selam);
	struct sp_matchreg_check *r = sp_arena_alloc(&arena, sizeof *r);
	int64_t away = audited("person.match_elsewhere");
	ok(sp_matchreg_check(&cw, &p, NULL, r, &err), &err, "check");
	assert_int_equal(r->n, 0);
	assert_int_equal(r->elsewhere, 7);
	assert_int_equal(audited("person.match_elsewhere"), away + 7);
	sp_audit_writer_stop(w);
	sp_store_close(ws);
}

/* A link is stored and audited, undone and audited again, and never widens access: the other
 * agency's case stays unreadable and the check still shows it only as elsewhere. A rejected
 * pair is not proposed again to the agency that rejected it. */
static void links_widen_nothing(void **state)
{
	(void)state;
	const char person[] =
		"{\"names\": [{\"role\": \"given\", \"romanised\": \"Ghidewon\"}, "
		"{\"role\": \"family\", \"romanised\": \"Kidane\"}], \"sex\": \"male\", "
		"\"date_of_birth\": {\"date\": \"2006-08-30\"}, \"nationalities\": [\"ER\"]}";
	struct sp_case mine = open_case(&caseworker, person, 0);
	struct sp_case theirs = open_case(&cpa_worker, person, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	int64_t links = audited("person.link");
	ok(sp_matchreg_decide(&cw, &mine.id, &theirs.id, SP_LINK_CONFIRMED, &err), &err, "link");
	assert_int_equal(audited("person.link"), links + 1);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM person_links WHERE state = "
					    "'confirmed'"),
			 1);
	struct sp_case got;
	assert_int_equal(sp_case_get(&cw, &theirs.id, &got, &err), SP_EDENIED);
	struct sp_matchreg_check *r = sp_arena_alloc(&arena, sizeof *r);
	struct sp_person p = probe_person(person);
	ok(sp_matchreg_check(&cw, &p, NULL, r, &err), &err, "check");
	assert_non_null(find(r, &mine.id));
	assert_null(find(r, &theirs.id));
	assert_true(r->elsewhere >= 1);
	/* the list says only that a linked person exists elsewhere */
	struct sp_matchreg_link l[SP_MATCHREG_LINKS_MAX];
	size_t n = 0;
	ok(sp_matchreg_links(&cw, &mine.id, l, &n, &err), &err, "links");
	assert_int_equal(n, 1);
	assert_false(l[0].visible);
	assert_true(sp_id_is_zero(&l[0].case_id));
	assert_int_equal(l[0].state, SP_LINK_CONFIRMED);
	/* undone, audited */
	int64_t undos = audited("person.unlink");
	ok(sp_matchreg_undo(&cw, &mine.id, &theirs.id, &err), &err, "undo");
	assert_int_equal(audited("person.unlink"), undos + 1);
	assert_int_equal(sp_matchreg_undo(&cw, &mine.id, &theirs.id, &err), SP_ENOTFOUND);
	assert_string_equal(err.field, "/case_id");
	/* the other side may not decide on our case */
	struct sp_casework other = as(&cpa_worker);
	assert_int_equal(sp_matchreg_decide(&other, &mine.id, &theirs.id, SP_LINK_CONFIRMED, &err),
			 SP_EDENIED);
	/* a rejected pair: a check of a change of our case no longer proposes theirs, nor itself */
	struct sp_case twin = open_case(&caseworker, person, 0);
	ok(sp_matchreg_decide(&cw, &mine.id, &twin.id, SP_LINK_REJECTED, &err), &err, "reject");
	ok(sp_matchreg_check(&cw, &p, &mine.id, r, &err), &err, "check a change");
	assert_null(find(r, &mine.id));
	assert_null(find(r, &twin.id));
	/* another's check still proposes it */
	ok(sp_matchreg_check(&cw, &p, NULL, r, &err), &err, "check");
	assert_non_null(find(r, &twin.id));
	/* bad pairs are named */
	assert_int_equal(sp_matchreg_decide(&cw, &mine.id, &mine.id, SP_LINK_CONFIRMED, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/case_id");
	struct sp_id nowhere;
	sp_id_new(&nowhere);
	assert_int_equal(sp_matchreg_decide(&cw, &mine.id, &nowhere, SP_LINK_CONFIRMED, &err),
			 SP_ENOTFOUND);
	assert_string_equal(err.field, "/case_id");
}

/* A bad separation is named by its pointer. */
static void separation_is_checked(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{"{\"names\": [{\"role\": \"given\", \"romanised\": \"A\"}], \"separation\": {}}",
		 "/separation"},
		{"{\"names\": [{\"role\": \"given\", \"romanised\": \"A\"}], \"separation\": "
		 "{\"date\": \"2023-13\"}}",
		 "/separation/date"},
		{"{\"names\": [{\"role\": \"given\", \"romanised\": \"A\"}], \"separation\": "
		 "{\"place\": \"x\", \"when\": \"2023\"}}",
		 "/separation/when"},
		{"{\"names\": [{\"role\": \"given\", \"romanised\": \"A\"}], \"separation\": 3}",
		 "/separation"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sp_err err = {0};
		struct sp_person p;
		json_t *j = sp_json_parse(bad[i][0], strlen(bad[i][0]), &err);
		assert_non_null(j);
		assert_int_equal(sp_person_decode(j, &arena, &p, &err), SP_EINVAL);
		assert_string_equal(err.field, bad[i][1]);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cells_are_sealed_and_keys_blind),
		cmocka_unit_test(an_update_rebuilds_them),
		cmocka_unit_test(erasure_forgets_them),
		cmocka_unit_test(batch_and_reindex),
		cmocka_unit_test(the_check_shows_what_the_user_may_see),
		cmocka_unit_test(many_unseen_candidates_each_recorded),
		cmocka_unit_test(links_widen_nothing),
		cmocka_unit_test(separation_is_checked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
