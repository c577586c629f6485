/* Checking the matching model with the registry's labelled pairs (src/casework/matcheval.c) on
 * both stores (tests/unit/world.h): links made at registration and decisions of the review
 * queue (rows written as a run and a decision leave them), scored with the current parameters
 * and measured at the model's threshold. Worked out by hand: two registrations of one person
 * typed alike agree on every field (probability near 1, above the threshold 0.46), two
 * different persons on none (near 0). Labels: Amina twice linked (true positive), Faduma twice
 * rejected (false positive), Yonas with Grace linked (false negative), Omar with Lina rejected
 * (true negative), Hana twice confirmed in the queue (true positive); Sara twice linked but
 * rejected in the queue (conflicting: left out); Nur twice linked, one of them without cells
 * (left out); Amina with Omar linked and unlinked (no label). So 5 labels, 3 confirmed and 2
 * rejected, TP 2, FP 1, FN 1: precision = recall = F1 = 2/3. A supervisor's only; one audit
 * record with the counts; a store failure at any call leaves no record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "world.h"
#include "safepath/fsmodel.h"
#include "safepath/matcheval.h"
#include "safepath/matchreg.h"

#define NEAR(x, y) assert_true(fabs((x) - (y)) < 1e-9)

static struct sp_id ngo;
static struct sp_subject caseworker, supervisor;

static int setup(void **state)
{
	(void)state;
	if (world_open("matcheval"))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&supervisor, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_matchreg_release_thread();
	return world_close();
}

static struct sp_case person(const char *given, const char *family, const char *sex,
			     const char *date, const char *nationality)
{
	char json[512];
	snprintf(json, sizeof json,
		 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}, {\"role\": \"family\", "
		 "\"romanised\": \"%s\"}], \"sex\": \"%s\", \"date_of_birth\": {\"date\": \"%s\"}, "
		 "\"nationalities\": [\"%s\"]}",
		 given, family, sex, date, nationality);
	return open_case(&caseworker, json, 0);
}

static void decide(const struct sp_case *a, const struct sp_case *b, enum sp_link_state s)
{
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	ok(sp_matchreg_decide(&cw, &a->id, &b->id, s, &err), &err, "decide");
}

/* A pair of the review queue in a decided state, as a run and a decision leave it (the
 * persons in byte order, as the table keeps them). */
static void queue_pair(const struct sp_case *a, const struct sp_case *b, const char *state)
{
	if (memcmp(a->person.b, b->person.b, sizeof a->person.b) > 0) {
		const struct sp_case *t = a;
		a = b, b = t;
	}
	struct sp_id id;
	sp_id_new(&id);
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "INSERT INTO match_pairs (id, person_a, person_b, case_a, case_b, "
			    "agency_a, agency_b, model_version, weight_micro, fields, state, "
			    "found_us, version) VALUES (?, ?, ?, ?, ?, ?, ?, '0.2.0', 20000000, '[]', "
			    "?, 1000000, 2)",
			    &st, &err),
	   &err, "pair");
	assert_int_equal(sp_stmt_bind_id(st, 1, &id) | sp_stmt_bind_id(st, 2, &a->person) |
				 sp_stmt_bind_id(st, 3, &b->person) | sp_stmt_bind_id(st, 4, &a->id) |
				 sp_stmt_bind_id(st, 5, &b->id) | sp_stmt_bind_id(st, 6, &a->agency) |
				 sp_stmt_bind_id(st, 7, &b->agency) | sp_stmt_bind_text(st, 8, state),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

static int64_t audited(const char *reason)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT COUNT(*) FROM audit_log WHERE action = 'match.evaluate' AND reason = '%s'",
		 reason);
	return test_scalar(store, sql);
}

static void figures(const struct sp_match_evaluation *e)
{
	assert_int_equal(e->labels, 5);
	assert_int_equal(e->confirmed, 3);
	assert_int_equal(e->rejected, 2);
	assert_int_equal(e->conflicting, 1);
	assert_int_equal(e->unscored, 1);
	NEAR(e->quality.threshold, 0.46);
	assert_int_equal(e->quality.true_pos, 2);
	assert_int_equal(e->quality.false_pos, 1);
	assert_int_equal(e->quality.false_neg, 1);
	NEAR(e->quality.precision, 2.0 / 3);
	NEAR(e->quality.recall, 2.0 / 3);
	NEAR(e->quality.f1, 2.0 / 3);
}

static int evaluate_op(void *ctx, int which, struct sp_err *err)
{
	(void)which;
	struct sp_casework cw = as(&supervisor);
	return sp_match_evaluate(&cw, ctx, err);
}

static void labels_scored_by_hand(void **state)
{
	(void)state;
	struct sp_casework cw = as(&supervisor);
	struct sp_match_evaluation e;
	struct sp_err err = {0};
	ok(sp_match_evaluate(&cw, &e, &err), &err, "nothing labelled");
	assert_int_equal(e.labels, 0);
	assert_false(e.registry_params);
	NEAR(e.quality.f1, 0);

	struct sp_case amina1 = person("Amina", "Hassan", "female", "2005-03-14", "SD");
	struct sp_case amina2 = person("Amina", "Hassan", "female", "2005-03-14", "SD");
	struct sp_case faduma1 = person("Faduma", "Ali", "female", "2010-06-01", "SO");
	struct sp_case faduma2 = person("Faduma", "Ali", "female", "2010-06-01", "SO");
	struct sp_case yonas = person("Yonas", "Tesfay", "male", "1999-11-02", "ER");
	struct sp_case grace = person("Grace", "Okafor", "female", "1980-01-20", "NG");
	struct sp_case omar = person("Omar", "Khalil", "male", "1995-02-02", "SY");
	struct sp_case lina = person("Lina", "Haddad", "female", "1970-07-07", "LB");
	struct sp_case hana1 = person("Hana", "Bekele", "female", "2008-09-30", "ET");
	struct sp_case hana2 = person("Hana", "Bekele", "female", "2008-09-30", "ET");
	struct sp_case sara1 = person("Sara", "Mohammed", "female", "2012-12-12", "SD");
	struct sp_case sara2 = person("Sara", "Mohammed", "female", "2012-12-12", "SD");
	struct sp_case nur1 = person("Nur", "Ahmadi", "male", "2007-04-04", "AF");
	struct sp_case nur2 = person("Nur", "Ahmadi", "male", "2007-04-04", "AF");
	decide(&amina1, &amina2, SP_LINK_CONFIRMED);
	decide(&faduma1, &faduma2, SP_LINK_REJECTED);
	decide(&yonas, &grace, SP_LINK_CONFIRMED);
	decide(&omar, &lina, SP_LINK_REJECTED);
	queue_pair(&hana1, &hana2, "confirmed");
	decide(&sara1, &sara2, SP_LINK_CONFIRMED);
	queue_pair(&sara1, &sara2, "rejected");
	queue_pair(&amina1, &lina, "proposed"); /* not decided: no label */
	decide(&nur1, &nur2, SP_LINK_CONFIRMED);
	struct sp_stmt *st;
	ok(sp_store_prepare(store, "DELETE FROM person_match WHERE person_id = ?", &st, &err),
	   &err, "cells");
	assert_int_equal(sp_stmt_bind_id(st, 1, &nur2.person), 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	decide(&amina1, &omar, SP_LINK_CONFIRMED);
	struct sp_casework mine = as(&caseworker);
	ok(sp_matchreg_undo(&mine, &amina1.id, &omar.id, &err), &err, "undo");

	cw = as(&supervisor);
	ok(sp_match_evaluate(&cw, &e, &err), &err, "evaluate");
	figures(&e);
	assert_false(e.registry_params);
	static const char reason[] = "labels:5,confirmed:3,rejected:2,conflicting:1,unscored:1";
	assert_int_equal(audited(reason), 1);

	/* the registry's parameters once a deduplication kept some (here the shipped ones again:
	 * the same figures) */
	struct sp_fs_model m;
	struct sp_fs_params *p = NULL;
	ok(sp_fs_model_shipped(SP_MATCHREG_MODEL, &m, &err), &err, "model");
	ok(sp_fs_params_default(&m, &p, &err), &err, "params");
	char *text = sp_fs_params_encode(p);
	assert_non_null(text);
	ok(sp_store_prepare(store,
			    "INSERT INTO match_params (model, model_version, params, updated_us) "
			    "VALUES (?, ?, ?, 1)",
			    &st, &err),
	   &err, "params row");
	assert_int_equal(sp_stmt_bind_text(st, 1, m.id) | sp_stmt_bind_text(st, 2, m.version) |
				 sp_stmt_bind_text(st, 3, text),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	free(text);
	sp_fs_params_free(p);
	ok(sp_match_evaluate(&cw, &e, &err), &err, "evaluate with the registry's");
	assert_true(e.registry_params);
	figures(&e);
	assert_int_equal(audited(reason), 2);

	/* a caseworker is refused, and the refusal recorded */
	assert_int_equal(sp_match_evaluate(&mine, &e, &err), SP_EDENIED);
	assert_int_equal(e.labels, 0);
	assert_int_equal(audited("denied:no_role"), 1);

	/* a store failure at any call leaves no record */
	static const char *const tables[] = {"audit_log"};
	fault_walk_over(tables, 1, 1, evaluate_op, &e);
	assert_int_equal(audited(reason), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(labels_scored_by_hand),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
