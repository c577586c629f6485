/* identify/screening.c on a real store (SQLite, or PostgreSQL under unit-pg) with real keys,
 * policy and audit, against the test protocols of tests/data/protocols: start (the child
 * variant from the case's facts), save (merge, skip logic, every bad answer with its
 * pointer, If-Match), complete (the conclusion rule, the reason where it differs, the case
 * flags), read-only once completed, need-to-know, sealing, and the fault walk over start,
 * save and complete: nothing half-written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "safepath/json.h"
#include "safepath/protocol.h"
#include "safepath/deadline.h"
#include "safepath/jurisdiction.h"
#include "safepath/screening.h"

#include "helpers.h"
#include "world.h"

static struct sp_protocols *reg;
static struct sp_jurisdictions jurs;
static const struct sp_jurisdiction *coe;
static struct sp_id ngo;
static struct sp_subject caseworker, screener, coordinator;

static const char *const tables[] = {"cases", "screenings", "needs", "tasks", "deadlines", "audit_log",
					   "idempotency_keys"};
#define N_TABLES (sizeof tables / sizeof tables[0])

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	struct sp_err err = {0};
	if (world_open("screening") || sp_protocols_load("tests/data/protocols", &reg, &d) ||
	    sp_jurisdictions_load(NULL, &jurs, &err) || !(coe = sp_jurisdictions_find(&jurs, "coe")))
		return -1;
	sp_diag_free(&d);
	/* a completion makes the needs and tasks its outcomes name: the protocols' own codes */
	static struct sp_vocabulary vocab;
	sp_vocab_for_casework(sp_protocols_vocab(reg), &vocab);
	world_vocabulary = &vocab;
	add_agency(&ngo, "NGO", "ngo");
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&screener, "scr", &ngo, SP_AGENCY_NGO, SP_ROLE_SCREENER);
	add_user(&coordinator, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocols_free(reg);
	sp_jurisdictions_free(&jurs);
	return world_close();
}

/* A case opened by who for a person given as JSON, with flags. */
#define ADULT "{\"names\": [{\"role\": \"given\", \"romanised\": \"Samuel\"}], \"sex\": \"male\"}"

static json_t *parse(const char *s)
{
	struct sp_err err = {0};
	json_t *j = sp_json_parse(s, strlen(s), &err);
	assert_non_null(j);
	return j;
}

static int save(struct sp_casework *cw, struct sp_screening *s, const char *answers,
		struct sp_diag *d, struct sp_err *err)
{
	json_t *j = parse(answers);
	int rc = sp_screening_save(cw, reg, &s->id, s->version, j, s, d, err);
	json_decref(j);
	return rc;
}

static int complete(struct sp_casework *cw, struct sp_screening *s, const char *conclusion,
		    const char *reason, struct sp_err *err)
{
	json_t *j = parse(conclusion);
	int rc = sp_screening_complete(cw, reg, &jurs, coe, &s->id, s->version, j, reason, s, err);
	json_decref(j);
	return rc;
}

static const char *str_at(json_t *j, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(j, a), b));
}

/* The whole path of an adult's screening. */
static void start_save_resume_complete(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, ADULT, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_screening s;
	struct sp_screening_start in = {"test-labour@1", "ti", "en"};
	ok(sp_screening_start(&cw, reg, &c.id, &in, &s, &err), &err, "start");
	assert_string_equal(s.protocol_id, "test-labour");
	assert_int_equal(s.protocol_version, 1);
	/* the file's hash as the vignettes state it */
	assert_string_equal(s.protocol_hash,
			    "187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd");
	assert_string_equal(s.lang, "ti");
	assert_string_equal(s.interpreter, "en");
	assert_int_equal(s.version, 1);

	/* Skip logic: debt_by_work is asked only after a "yes" to debt. */
	struct sp_diag d;
	sp_diag_init(&d);
	ok(save(&cw, &s, "{\"says_under_18\": \"no\", \"debt\": \"no\"}", &d, &err), &err, "save");
	assert_int_equal(s.version, 2);
	json_t *v = sp_screening_encode(reg, &s, "en", &err);
	assert_non_null(v);
	json_t *q = json_object_get(v, "questions");
	assert_int_equal(json_array_size(json_object_get(q, "skipped")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(q, "skipped"), 0)),
			    "debt_by_work");
	assert_string_equal(str_at(v, "questions", "next"), "arrival");
	assert_true(json_is_null(json_object_get(v, "result")));
	json_decref(v);
	/* A change of mind: the debt question now asks its follow-up, which comes next after
	 * the questions before it are answered; null removes an answer. */
	ok(save(&cw, &s,
		"{\"debt\": \"yes\", \"arrival\": \"2025-06\", \"remarks\": \"unknown\", "
		"\"job_deceived\": \"yes\", \"wage_deceived\": \"no\", \"violence\": \"no\", "
		"\"docs_taken\": \"yes\", \"says_under_18\": null}",
		&d, &err),
	   &err, "save 2");
	v = sp_screening_encode(reg, &s, "en", &err);
	assert_int_equal(json_array_size(json_object_get(json_object_get(v, "questions"), "skipped")),
			 0);
	assert_string_equal(str_at(v, "questions", "next"), "says_under_18");
	assert_null(json_object_get(json_object_get(v, "answers"), "says_under_18"));
	assert_string_equal(str_at(v, "answers", "remarks"), "unknown");
	json_decref(v);

	/* Every bad answer with its pointer; nothing saved. */
	int64_t version = s.version;
	assert_int_equal(save(&cw, &s, "{\"hours\": \"many\", \"nope\": \"yes\", \"sector\": \"mining\"}",
			      &d, &err),
			 SP_EINVAL);
	assert_int_equal(d.n, 3);
	const char *want[] = {"/hours", "/nope", "/sector"};
	for (size_t i = 0; i < 3; i++) {
		int seen = 0;
		for (size_t k = 0; k < d.n; k++)
			seen |= strcmp(d.items[k].pointer, want[i]) == 0;
		assert_true(seen);
	}
	sp_diag_free(&d);
	sp_diag_init(&d);
	/* A stale version is a conflict on /version. */
	s.version = version - 1;
	assert_int_equal(save(&cw, &s, "{\"hours\": 9}", &d, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	/* Reading gives back the answers as saved. */
	ok(sp_screening_get(&cw, &s.id, &s, &err), &err, "get");
	assert_int_equal(s.version, version);
	assert_null(s.result);

	/* D1 (strong + weak), D4 (strong), D5 (2 strong): reading A, urgent, high. The official
	 * concludes otherwise on three counts: a reason is required. */
	ok(save(&cw, &s,
		"{\"says_under_18\": \"no\", \"debt_by_work\": \"yes\", \"hours\": 14, "
		"\"sector\": \"construction\", \"conditions\": [\"no_pay\"], "
		"\"forced_overtime\": \"yes\", \"no_school\": \"no\", \"locked_in\": \"no\", "
		"\"threats\": \"yes\", \"no_money\": \"no\"}",
		&d, &err),
	   &err, "save 3");
	const char *concl = "{\"possible_trafficking\": \"no\", \"intervention_level\": \"low\", "
			    "\"priority\": \"routine\", \"child\": false}";
	assert_int_equal(complete(&cw, &s, concl, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	assert_int_equal(complete(&cw, &s, concl, "  ", &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	int64_t audit_before = test_scalar(store, "SELECT COUNT(*) FROM audit_log");
	ok(complete(&cw, &s, concl, "She explained the debt was repaid and she left freely.", &err),
	   &err, "complete");
	assert_int_equal(s.status, SP_SCREENING_COMPLETED);
	assert_true(s.differs);
	/* The outcomes that hold (reading_a, exploitation, documents) make the case's needs,
	 * unmet and from this screening, in their order, and their one task (refer_nrm, named by
	 * two: the more pressing, urgent within 72 hours) the official's; one audit record each,
	 * beside the completion's. */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log"), audit_before + 6);
	static const char *const needs[] = {"trafficking_identification", "safe_shelter",
					    "labour_rights", "legal_assistance"};
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM needs"), 4);
	for (size_t i = 0; i < 4; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM needs WHERE kind = '%s' AND status = "
					  "'unmet' AND source = 'screening' AND screening_id IS NOT NULL",
			 needs[i]);
		assert_int_equal(test_scalar(store, sql), 1);
	}
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tasks WHERE kind = 'refer_nrm' AND "
					    "priority = 'urgent' AND status = 'open'"),
			 1);
	int64_t due = test_scalar(store, "SELECT due_us - created_us FROM tasks");
	assert_true(due >= 72LL * 3600 * 1000000 - 1000000 && due <= 72LL * 3600 * 1000000 + 1000000);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'screening.complete' AND reason = 'differs'"),
			 1);
	assert_int_equal(test_scalar(store, "SELECT differs FROM screenings"), 1);
	/* The engine: reading A holds (D1, D2, D4, D5): possible trafficking, high, urgent. */
	v = sp_screening_encode(reg, &s, "en", &err);
	assert_non_null(v);
	json_t *readings = json_object_get(json_object_get(v, "result"), "readings");
	assert_string_equal(str_at(v, "result", "intervention_level"), "high");
	assert_string_equal(str_at(v, "result", "priority"), "urgent");
	assert_string_equal(json_string_value(json_object_get(json_array_get(readings, 0), "holds")),
			    "yes");
	json_t *differs = json_object_get(json_object_get(v, "conclusion"), "differs");
	assert_int_equal(json_array_size(differs), 3);
	assert_string_equal(json_string_value(json_array_get(differs, 0)), "possible_trafficking");
	assert_string_equal(json_string_value(json_array_get(differs, 1)), "intervention_level");
	assert_string_equal(json_string_value(json_array_get(differs, 2)), "priority");
	json_decref(v);
	/* In French, rendered again from the same answers: the same result, other words. */
	v = sp_screening_encode(reg, &s, "fr", &err);
	assert_non_null(v);
	assert_string_equal(str_at(v, "result", "intervention_level"), "high");
	json_decref(v);
	/* Completed screenings are read-only. */
	assert_int_equal(save(&cw, &s, "{\"hours\": 9}", &d, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/status");
	assert_int_equal(complete(&cw, &s, concl, "again", &err), SP_ECONFLICT);
	sp_diag_free(&d);

	/* The list: one row, metadata only. */
	struct sp_screening *list;
	size_t n;
	ok(sp_screening_list(&cw, &c.id, &list, &n, &err), &err, "list");
	assert_int_equal(n, 1);
	assert_null(list[0].answers);
	assert_int_equal(list[0].status, SP_SCREENING_COMPLETED);
}

/* The agreeing official gives no reason; "yes" flags the case as a possible victim's. */
static void agreeing_conclusion_and_flags(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, ADULT, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_screening s;
	struct sp_screening_start in = {"test-labour", "en", NULL};
	ok(sp_screening_start(&cw, reg, &c.id, &in, &s, &err), &err, "start");
	assert_string_equal(s.interpreter, "");
	struct sp_diag d;
	sp_diag_init(&d);
	/* Reading A: D1 (strong + medium), D4 (2 strong), D5 (strong + medium); nothing open. */
	ok(save(&cw, &s,
		"{\"says_under_18\": \"no\", \"arrival\": \"2024\", \"remarks\": \"unknown\", "
		"\"job_deceived\": \"yes\", \"wage_deceived\": \"yes\", \"violence\": \"no\", "
		"\"docs_taken\": \"no\", \"debt\": \"no\", \"hours\": 15, \"sector\": \"agriculture\", "
		"\"conditions\": [], \"forced_overtime\": \"yes\", \"no_school\": \"no\", "
		"\"locked_in\": \"yes\", \"threats\": \"yes\", \"no_money\": \"no\"}",
		&d, &err),
	   &err, "save");
	sp_diag_free(&d);
	ok(complete(&cw, &s,
		    "{\"possible_trafficking\": \"yes\", \"intervention_level\": \"high\", "
		    "\"priority\": \"urgent\", \"child\": false}",
		    NULL, &err),
	   &err, "complete");
	assert_false(s.differs);
	struct sp_case after;
	ok(sp_case_get(&cw, &c.id, &after, &err), &err, "case");
	assert_true(after.flags & SP_CASE_POSSIBLE_VOT);
	assert_false(after.flags & SP_CASE_AGE_DISPUTED);
	assert_int_equal(after.version, c.version + 1);
}

/* A 15-year-old travelling alone: the child variant, chosen at start from the case. */
/* Someone of unknown age who says they are under 18 is presumed a child: the completion starts
 * the Council of Europe's protection-at-once deadline, due at the completion, from this
 * screening; and the case's age becomes disputed. */
static void presumed_child_starts_the_protection_deadline(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, ADULT, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_screening s;
	struct sp_screening_start in = {"test-labour", "en", NULL};
	ok(sp_screening_start(&cw, reg, &c.id, &in, &s, &err), &err, "start");
	struct sp_diag d;
	sp_diag_init(&d);
	ok(save(&cw, &s, "{\"says_under_18\": \"yes\"}", &d, &err), &err, "save");
	sp_diag_free(&d);
	ok(complete(&cw, &s,
		    "{\"possible_trafficking\": \"undetermined\", \"intervention_level\": "
		    "\"medium\", \"priority\": \"urgent\", \"child\": true}",
		    "unknown answers", &err),
	   &err, "complete");
	struct sp_deadline *list;
	size_t n, withheld;
	ok(sp_deadline_list(&cw, &c.id, &list, &n, &withheld, &err), &err, "deadlines");
	assert_int_equal(n, 1);
	assert_string_equal(list[0].jurisdiction, "coe");
	assert_string_equal(list[0].rule, "child_assistance");
	assert_string_equal(list[0].trigger, "child_presumed");
	assert_int_equal(list[0].source, SP_DEADLINE_FROM_SCREENING);
	assert_memory_equal(list[0].source_id.b, s.id.b, SP_ID_LEN);
	assert_true(list[0].has_due);
	assert_true(list[0].due_us == list[0].trigger_us && list[0].trigger_us >= s.started_us);
	struct sp_case after;
	ok(sp_case_get(&cw, &c.id, &after, &err), &err, "case");
	assert_true(after.flags & SP_CASE_AGE_DISPUTED);
}

static void child_variant_from_the_case(void **state)
{
	(void)state;
	char person[512];
	struct sp_case c = open_case(&caseworker, child_json(person, sizeof person),
				     SP_CASE_UNACCOMPANIED_CHILD);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_screening s;
	struct sp_screening_start in = {"test-labour", "fr", NULL};
	ok(sp_screening_start(&cw, reg, &c.id, &in, &s, &err), &err, "start");
	assert_string_equal(s.protocol_id, "test-labour-child");
	json_t *f = parse(s.facts);
	assert_true(json_is_true(json_object_get(f, "unaccompanied")));
	assert_true(json_integer_value(json_object_get(f, "age")) == 14 ||
		    json_integer_value(json_object_get(f, "age")) == 15);
	assert_string_equal(json_string_value(json_object_get(f, "sex")), "M");
	json_decref(f);
	/* An adult with no date of birth stays on the adult set, age unknown. */
	struct sp_case a = open_case(&caseworker, ADULT, SP_CASE_AGE_DISPUTED);
	ok(sp_screening_start(&cw, reg, &a.id, &in, &s, &err), &err, "start adult");
	f = parse(s.facts);
	assert_true(json_is_true(json_object_get(f, "age_unknown")));
	assert_true(json_is_true(json_object_get(f, "age_disputed")));
	json_decref(f);
}

/* Bad starts name their member; need-to-know keeps screeners and coordinators out. */
static void start_errors_and_policy(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, ADULT, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_screening s;
	struct sp_screening_start bad[] = {
		{"no-such-protocol", "en", NULL},
		{"test-labour@9", "en", NULL},
		{"test-labour", "xx-nope", NULL},
		{"test-labour", "en", "qqq"},
	};
	const char *fields[] = {"/protocol", "/protocol", "/lang", "/interpreter"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(sp_screening_start(&cw, reg, &c.id, &bad[i], &s, &err), SP_EINVAL);
		assert_string_equal(err.field, fields[i]);
	}
	struct sp_screening_start in = {"test-labour", "en", NULL};
	struct sp_id none;
	sp_id_new(&none);
	assert_int_equal(sp_screening_start(&cw, reg, &none, &in, &s, &err), SP_ENOTFOUND);
	/* A screener, even on its own case, has no need to know trafficking and GBV details. */
	struct sp_case mine = open_case(&screener, ADULT, 0);
	struct sp_casework scw = as(&screener);
	int64_t denied = test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE reason = "
					    "'denied:need_to_know'");
	assert_int_equal(sp_screening_start(&scw, reg, &mine.id, &in, &s, &err), SP_EDENIED);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE reason = "
					    "'denied:need_to_know' AND action = 'screening.start'"),
			 denied + 1);
	/* The first-contact screening it makes is its own work (class screening): started, saved
	 * and read on its own case, audited with that class; a colleague's case is out of reach. */
	struct sp_screening_start fc = {"first-contact", "en", NULL};
	struct sp_screening got;
	ok(sp_screening_start(&scw, reg, &mine.id, &fc, &s, &err), &err, "screener's first contact");
	assert_int_equal(s.kind, SP_KIND_FIRST_CONTACT);
	json_t *age = json_pack("{s:i}", "stated_age", 30);
	struct sp_diag d;
	sp_diag_init(&d);
	ok(sp_screening_save(&scw, reg, &s.id, s.version, age, &got, &d, &err), &err,
	   "screener saves");
	sp_diag_free(&d);
	json_decref(age);
	ok(sp_screening_get(&scw, &s.id, &got, &err), &err, "screener reads");
	assert_non_null(strstr(got.answers, "\"stated_age\":30"));
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE fields = 'screening' "
					    "AND action IN ('screening.start', 'screening.save', "
					    "'screening.read') AND reason = ''"),
			 3);
	assert_int_equal(sp_screening_start(&scw, reg, &c.id, &fc, &got, &err), SP_EDENIED);
	assert_int_equal(sp_screening_get(&scw, &s.id, &got, &err), SP_OK);
	ok(sp_screening_start(&cw, reg, &c.id, &in, &s, &err), &err, "start");
	/* ... while an indicator interview stays need-to-know for it, even to read. */
	assert_int_equal(sp_screening_get(&scw, &s.id, &got, &err), SP_EDENIED);
	struct sp_casework ccw = as(&coordinator);
	assert_int_equal(sp_screening_get(&ccw, &s.id, &got, &err), SP_EDENIED);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE reason = "
					    "'denied:aggregates_only' AND action = 'screening.read'"),
			 1);
	assert_int_equal(sp_screening_get(&cw, &none, &got, &err), SP_ENOTFOUND);
}

/* The conclusion rule, written out by hand on results made by hand. */
static void conclusion_rule(void **state)
{
	(void)state;
	struct sp_protocol p = {.n_readings = 2};
	struct sp_protocol none = {.n_readings = 0};
	unsigned char reading[2];
	struct sp_result r = {.p = &p, .reading = reading};
	static const struct {
		unsigned char r0, r1;
		int level, priority;
		enum sp_person_group group;
		bool presumed;
		enum sp_tri says;
		int c_level, c_priority;
		bool c_child;
		unsigned want;
	} cases[] = {
		/* a reading holds: "yes" agrees, "undetermined" and "no" differ */
		{SP_TRI_YES, SP_TRI_NO, 2, 2, SP_PERSON_ADULT, false, SP_TRI_YES, 2, 2, false, 0},
		{SP_TRI_YES, SP_TRI_NO, 2, 2, SP_PERSON_ADULT, false, SP_TRI_UNKNOWN, 2, 2, false,
		 SP_DIFFERS_TRAFFICKING},
		{SP_TRI_NO, SP_TRI_YES, 2, 2, SP_PERSON_ADULT, false, SP_TRI_NO, 2, 2, false,
		 SP_DIFFERS_TRAFFICKING},
		/* none holds, one unknown: undetermined */
		{SP_TRI_NO, SP_TRI_UNKNOWN, 1, 1, SP_PERSON_ADULT, false, SP_TRI_UNKNOWN, 1, 1, false,
		 0},
		{SP_TRI_NO, SP_TRI_UNKNOWN, 1, 1, SP_PERSON_ADULT, false, SP_TRI_NO, 1, 1, false,
		 SP_DIFFERS_TRAFFICKING},
		/* every reading fails: no */
		{SP_TRI_NO, SP_TRI_NO, 0, 0, SP_PERSON_ADULT, false, SP_TRI_NO, 0, 0, false, 0},
		/* level and priority each on their own */
		{SP_TRI_NO, SP_TRI_NO, 0, 0, SP_PERSON_ADULT, false, SP_TRI_NO, 1, 0, false,
		 SP_DIFFERS_INTERVENTION},
		{SP_TRI_NO, SP_TRI_NO, 0, 3, SP_PERSON_ADULT, false, SP_TRI_NO, 0, 2, false,
		 SP_DIFFERS_PRIORITY},
		/* no level or priority from the engine: nothing to differ from */
		{SP_TRI_NO, SP_TRI_NO, -1, -1, SP_PERSON_ADULT, false, SP_TRI_NO, 2, 3, false, 0},
		/* a child, a presumed child, an adult called a child */
		{SP_TRI_NO, SP_TRI_NO, 0, 0, SP_PERSON_CHILD, false, SP_TRI_NO, 0, 0, true, 0},
		{SP_TRI_NO, SP_TRI_NO, 0, 0, SP_PERSON_UNKNOWN, true, SP_TRI_NO, 0, 0, false,
		 SP_DIFFERS_CHILD},
		{SP_TRI_NO, SP_TRI_NO, 0, 0, SP_PERSON_ADULT, false, SP_TRI_NO, 0, 0, true,
		 SP_DIFFERS_CHILD},
		{SP_TRI_NO, SP_TRI_NO, 0, 0, SP_PERSON_UNKNOWN, false, SP_TRI_NO, 0, 0, false, 0},
		/* everything at once */
		{SP_TRI_YES, SP_TRI_YES, 2, 3, SP_PERSON_CHILD, true, SP_TRI_NO, 0, 0, false,
		 SP_DIFFERS_TRAFFICKING | SP_DIFFERS_INTERVENTION | SP_DIFFERS_PRIORITY |
			 SP_DIFFERS_CHILD},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		reading[0] = cases[i].r0;
		reading[1] = cases[i].r1;
		r.intervention_level = cases[i].level;
		r.priority = cases[i].priority;
		r.group = cases[i].group;
		r.presumed_child = cases[i].presumed;
		struct sp_conclusion c = {cases[i].says, cases[i].c_level, cases[i].c_priority,
					  cases[i].c_child};
		if (sp_conclusion_differs(&r, &c) != cases[i].want)
			fail_msg("case %zu: differs %u, want %u", i, sp_conclusion_differs(&r, &c),
				 cases[i].want);
	}
	/* A protocol without readings has no view on possible trafficking. */
	r.p = &none;
	r.intervention_level = r.priority = -1;
	r.group = SP_PERSON_ADULT;
	r.presumed_child = false;
	struct sp_conclusion yes = {SP_TRI_YES, 0, 0, false};
	assert_int_equal(sp_conclusion_differs(&r, &yes), 0);
}

/* The conclusion's members: each bad one named. */
static void conclusion_decoding(void **state)
{
	(void)state;
	const struct sp_protocol *p = sp_protocols_lookup(reg, "test-labour");
	assert_non_null(p);
	static const struct {
		const char *json, *field;
	} bad[] = {
		{"{\"intervention_level\": \"low\", \"priority\": \"soon\", \"child\": true}",
		 "/possible_trafficking"},
		{"{\"possible_trafficking\": \"maybe\", \"intervention_level\": \"low\", "
		 "\"priority\": \"soon\", \"child\": true}",
		 "/possible_trafficking"},
		{"{\"possible_trafficking\": \"yes\", \"intervention_level\": \"extreme\", "
		 "\"priority\": \"soon\", \"child\": true}",
		 "/intervention_level"},
		{"{\"possible_trafficking\": \"yes\", \"intervention_level\": \"low\", "
		 "\"priority\": 3, \"child\": true}",
		 "/priority"},
		{"{\"possible_trafficking\": \"yes\", \"intervention_level\": \"low\", "
		 "\"priority\": \"soon\", \"child\": \"no\"}",
		 "/child"},
		{"{\"possible_trafficking\": \"yes\", \"intervention_level\": \"low\", "
		 "\"priority\": \"soon\", \"child\": true, \"extra\": 1}",
		 "extra"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sp_err err = {0};
		struct sp_conclusion c;
		json_t *j = parse(bad[i].json);
		assert_int_equal(sp_conclusion_decode(p, j, &c, &err), SP_EINVAL);
		if (!strstr(err.field, bad[i].field))
			fail_msg("case %zu: field %s, want %s", i, err.field, bad[i].field);
		json_decref(j);
	}
}

/* No answer text in clear in the database file. */
static void answers_are_sealed(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("reads the SQLite file");
	struct sp_case c = open_case(&caseworker, ADULT, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_screening s;
	struct sp_screening_start in = {"test-labour", "en", NULL};
	ok(sp_screening_start(&cw, reg, &c.id, &in, &s, &err), &err, "start");
	struct sp_diag d;
	sp_diag_init(&d);
	ok(save(&cw, &s, "{\"remarks\": \"Kept at the Marigold Orchard in Kessel\"}", &d, &err),
	   &err, "save");
	sp_diag_free(&d);
	ok(complete(&cw, &s,
		    "{\"possible_trafficking\": \"undetermined\", \"intervention_level\": \"low\", "
		    "\"priority\": \"routine\", \"child\": false}",
		    "Pelican reason text", &err),
	   &err, "complete");
	exec_sql("PRAGMA wal_checkpoint(TRUNCATE)");
	assert_false(file_contains(db_path, "Marigold Orchard"));
	assert_false(file_contains(db_path, "Pelican reason"));
	assert_false(file_contains(db_path, "says_under_18"));
}

/* Every store call of start, save and complete fails in turn: the tables stay as they were. */
static int run(int which, struct sp_casework *cw, const struct sp_id *case_id,
	       struct sp_screening *s, struct sp_err *err)
{
	struct sp_diag d;
	int rc;
	switch (which) {
	case 0: {
		struct sp_screening_start in = {"test-labour", "en", "fr"};
		return sp_screening_start(cw, reg, case_id, &in, s, err);
	}
	case 1:
		sp_diag_init(&d);
		rc = save(cw, s, "{\"debt\": \"yes\", \"remarks\": \"walk\"}", &d, err);
		sp_diag_free(&d);
		return rc;
	default:
		return complete(cw, s,
				"{\"possible_trafficking\": \"yes\", \"intervention_level\": "
				"\"high\", \"priority\": \"urgent\", \"child\": false}",
				"the walk's reason", err);
	}
}

/* The walk's state: the screening each operation continues from. */
struct walk {
	struct sp_casework cw;
	struct sp_id case_id;
	struct sp_screening s, keep;
	int which;
};

static int walk_op(void *ctx, int which, struct sp_err *err)
{
	struct walk *w = ctx;
	if (which != w->which) { /* the next operation continues from what the last made */
		w->which = which;
		w->keep = w->s;
	}
	w->s = w->keep;
	return run(which, &w->cw, &w->case_id, &w->s, err);
}

static void fault_walk(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, ADULT, 0);
	struct walk w = {.cw = as(&caseworker), .case_id = c.id, .which = 0};
	fault_walk_over(tables, N_TABLES, 3, walk_op, &w);
	assert_int_equal(w.s.status, SP_SCREENING_COMPLETED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_save_resume_complete),
		cmocka_unit_test(agreeing_conclusion_and_flags),
		cmocka_unit_test(presumed_child_starts_the_protection_deadline),
		cmocka_unit_test(child_variant_from_the_case),
		cmocka_unit_test(start_errors_and_policy),
		cmocka_unit_test(conclusion_rule),
		cmocka_unit_test(conclusion_decoding),
		cmocka_unit_test(answers_are_sealed),
		cmocka_unit_test(fault_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
