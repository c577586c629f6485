/* identify/engine.c and result.c: the screening engine on tests/data/protocols/test-labour@1
 * (adult) and its child variant. Each ILO/EC dimension rule path and its near misses, unknown
 * answers as gaps, the readings (plain and ladder), children first, how outcomes add up; and
 * the golden vignettes tests/data/screening/ *.json compared whole. Expected values by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/init.h"
#include "safepath/json.h"
#include "safepath/protocol.h"

static struct sp_protocols *reg;

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	int rc = sp_protocols_load("tests/data/protocols", &reg, &d);
	sp_diag_free(&d);
	return rc ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocols_free(reg);
	return 0;
}

struct run {
	const struct sp_protocol *p;
	struct sp_answers ans;
	struct sp_facts facts;
	struct sp_result r;
	json_t *json;
};

/* Evaluate ref on answers (JSON text); facts: an adult of 30 unless set by the caller. */
static void run(struct run *x, const char *ref, const char *answers, const struct sp_facts *facts)
{
	memset(x, 0, sizeof *x);
	x->p = sp_protocols_lookup(reg, ref);
	assert_non_null(x->p);
	struct sp_err err = {0};
	x->json = sp_json_parse(answers, strlen(answers), &err);
	if (!x->json)
		fail_msg("answers: %s", err.msg);
	struct sp_diag d;
	sp_diag_init(&d);
	assert_int_equal(sp_answers_init(&x->ans, x->p), SP_OK);
	if (sp_answers_decode(x->p, x->json, &x->ans, &d))
		fail_msg("%s: %s", d.items[0].pointer, d.items[0].msg);
	sp_diag_free(&d);
	if (facts) {
		x->facts = *facts;
	} else {
		sp_facts_init(&x->facts);
		x->facts.has_age = true;
		x->facts.age = 30;
		x->facts.age_unknown = x->facts.age_disputed = SP_TRI_NO;
	}
	assert_int_equal(sp_result_init(&x->r, x->p), SP_OK);
	sp_evaluate(x->p, &x->ans, &x->facts, &x->r);
}

static void done(struct run *x)
{
	sp_result_free(&x->r);
	sp_answers_free(&x->ans);
	json_decref(x->json);
}

static int dim_index(const struct sp_protocol *p, const char *id)
{
	for (unsigned i = 0; i < p->n_dimensions; i++)
		if (strcmp(p->dimensions[i].id, id) == 0)
			return (int)i;
	fail_msg("no dimension %s", id);
	return -1;
}

/* D4 of the adult set: strong excessive_hours (hours > 10), forced_overtime; medium low_pay,
 * bad_housing, hazardous (conditions); weak no_education (no_school). Everything else of D4
 * answered "no" unless the case says otherwise. */
static enum sp_tri d4(const char *hours, const char *overtime, const char *conditions,
		      const char *school)
{
	char answers[512];
	snprintf(answers, sizeof answers,
		 "{\"hours\": %s, \"forced_overtime\": \"%s\", \"conditions\": %s, "
		 "\"no_school\": \"%s\"}",
		 hours, overtime, conditions, school);
	struct run x;
	run(&x, "test-labour@1", answers, NULL);
	enum sp_tri t = (enum sp_tri)x.r.dimension[dim_index(x.p, "D4")];
	done(&x);
	return t;
}

static void dimension_rule_paths(void **state)
{
	(void)state;
	/* 2 strong */
	assert_int_equal(d4("12", "yes", "[]", "no"), SP_TRI_YES);
	/* 1 strong + 1 medium */
	assert_int_equal(d4("12", "no", "[\"no_pay\"]", "no"), SP_TRI_YES);
	/* 1 strong + 1 weak */
	assert_int_equal(d4("12", "no", "[]", "yes"), SP_TRI_YES);
	/* 3 medium */
	assert_int_equal(d4("8", "no", "[\"no_pay\", \"bad_housing\", \"hazardous\"]", "no"),
			 SP_TRI_YES);
	/* 2 medium + 1 weak */
	assert_int_equal(d4("8", "no", "[\"no_pay\", \"bad_housing\"]", "yes"), SP_TRI_YES);
}

static void dimension_rule_near_misses(void **state)
{
	(void)state;
	/* 1 strong alone */
	assert_int_equal(d4("12", "no", "[]", "no"), SP_TRI_NO);
	/* 2 medium */
	assert_int_equal(d4("8", "no", "[\"no_pay\", \"hazardous\"]", "no"), SP_TRI_NO);
	/* 1 medium + 1 weak */
	assert_int_equal(d4("8", "no", "[\"bad_housing\"]", "yes"), SP_TRI_NO);
	/* 1 weak */
	assert_int_equal(d4("8", "no", "[]", "yes"), SP_TRI_NO);
	/* nothing */
	assert_int_equal(d4("8", "no", "[]", "no"), SP_TRI_NO);
	/* hours = 10 is not over 10 */
	assert_int_equal(d4("10", "yes", "[]", "no"), SP_TRI_NO);
}

static void unknown_answers_are_gaps(void **state)
{
	(void)state;
	/* 1 strong + a strong unknown: strong is 1..2 */
	assert_int_equal(d4("12", "unknown", "[]", "no"), SP_TRI_UNKNOWN);
	/* 2 medium + the weak unknown */
	assert_int_equal(d4("8", "no", "[\"no_pay\", \"hazardous\"]", "unknown"), SP_TRI_UNKNOWN);
	/* 1 strong + the whole list of conditions unknown (medium 0..3) */
	assert_int_equal(d4("12", "no", "\"unknown\"", "no"), SP_TRI_UNKNOWN);
	/* an unknown that cannot tip it: hours unknown (strong 0..1) and nothing else */
	assert_int_equal(d4("\"unknown\"", "no", "[]", "no"), SP_TRI_NO);
	/* an unknown that cannot change a yes */
	assert_int_equal(d4("12", "yes", "\"unknown\"", "unknown"), SP_TRI_YES);

	struct run x;
	run(&x, "test-labour@1", "{\"hours\": 12, \"forced_overtime\": \"unknown\"}", NULL);
	/* the indicator is a gap, not absent; the question is a gap; debt_by_work is asked
	 * (its condition is unknown) */
	assert_int_equal(x.r.indicator[7], SP_TRI_UNKNOWN); /* forced_overtime */
	assert_int_equal(x.r.indicator[6], SP_TRI_YES);     /* excessive_hours */
	assert_int_equal(x.r.asked[sp_protocol_question(x.p, "debt_by_work")], 1);
	done(&x);
}

/* Answers for the readings: D1 (deceived_job strong + deceived_wages medium), D4 (2 strong),
 * D5 (documents + violence: 2 strong; D2 holds too: violence strong + documents medium). */
#define NO_REST "\"locked_in\": \"no\", \"threats\": \"no\", \"no_money\": \"no\", " \
		"\"sector\": \"agriculture\", \"debt\": \"no\", \"conditions\": [], \"no_school\": \"no\""
#define D1_YES "\"job_deceived\": \"yes\", \"wage_deceived\": \"yes\""
#define D1_NO "\"job_deceived\": \"no\", \"wage_deceived\": \"no\""
#define D4_YES "\"hours\": 13, \"forced_overtime\": \"yes\""
#define D5_YES "\"docs_taken\": \"yes\", \"violence\": \"yes\""
#define D5_NO "\"docs_taken\": \"no\", \"violence\": \"no\""

static void readings_plain_and_ladder(void **state)
{
	(void)state;
	struct run x;
	/* D4 only: B stops at exploited_migrant; A does not hold */
	run(&x, "test-labour@1", "{" D1_NO ", " D4_YES ", " D5_NO ", " NO_REST "}", NULL);
	assert_int_equal(x.r.reading[0], SP_TRI_NO);
	assert_int_equal(x.r.reading[1], SP_TRI_YES);
	assert_int_equal(x.r.reading_step[1], 2);
	done(&x);
	/* D1 + D4: deceived_and_exploited */
	run(&x, "test-labour@1", "{" D1_YES ", " D4_YES ", " D5_NO ", " NO_REST "}", NULL);
	assert_int_equal(x.r.reading[0], SP_TRI_NO); /* no means at destination */
	assert_int_equal(x.r.reading_step[1], 1);
	done(&x);
	/* D1 + D4 + D5: trafficked, and reading A */
	run(&x, "test-labour@1", "{" D1_YES ", " D4_YES ", " D5_YES ", " NO_REST "}", NULL);
	assert_int_equal(x.r.reading[0], SP_TRI_YES);
	assert_int_equal(x.r.reading_step[1], 0);
	assert_int_equal(x.r.dimension[1], SP_TRI_YES); /* D2 */
	done(&x);
	/* nothing: B holds at no step */
	run(&x, "test-labour@1", "{" D1_NO ", \"hours\": 8, \"forced_overtime\": \"no\", " D5_NO ", "
		NO_REST "}", NULL);
	assert_int_equal(x.r.reading[1], SP_TRI_NO);
	assert_int_equal(x.r.reading_step[1], -1);
	done(&x);
	/* the child set: no means needed, A holds on D1 + D4 */
	struct sp_facts f;
	sp_facts_init(&f);
	f.has_age = true;
	f.age = 16;
	f.age_unknown = f.age_disputed = SP_TRI_NO;
	run(&x, "test-labour-child@1", "{" D1_YES ", " D4_YES ", " D5_NO ", " NO_REST "}", &f);
	assert_int_equal(x.r.reading[0], SP_TRI_YES);
	assert_int_equal(x.r.group, SP_PERSON_CHILD);
	done(&x);
}

static void facts(struct sp_facts *f, int age, enum sp_tri unknown, enum sp_tri disputed,
		  enum sp_tri reason, enum sp_age_decision decision)
{
	sp_facts_init(f);
	f->has_age = age >= 0;
	f->age = age;
	f->age_unknown = unknown;
	f->age_disputed = disputed;
	f->reason_to_believe_minor = reason;
	f->unaccompanied = SP_TRI_YES;
	f->age_decision = decision;
}

static void children_first(void **state)
{
	(void)state;
	struct run x;
	struct sp_facts f;
	int vocab_guardian = sp_vocab_find(sp_protocols_vocab(reg), SP_VOCAB_TASKS,
					   "appoint_guardian");
	/* a child of 15 travelling alone: the guardian task, urgent, in 24 hours */
	facts(&f, 15, SP_TRI_NO, SP_TRI_NO, SP_TRI_UNKNOWN, SP_AGE_DECISION_NONE);
	run(&x, "test-labour@1", "{}", &f);
	assert_int_equal(x.r.group, SP_PERSON_CHILD);
	assert_false(x.r.presumed_child);
	assert_int_equal(x.r.outcome[3], SP_TRI_YES); /* child_alone */
	assert_int_equal(x.r.outcome[4], SP_TRI_NO);  /* presumed_child */
	assert_int_equal(x.r.n_tasks, 1);
	assert_int_equal(x.r.tasks[0].task, vocab_guardian);
	assert_int_equal(x.r.tasks[0].due_hours, 24);
	done(&x);
	/* age unknown, reason to believe under 18: presumed a child */
	facts(&f, -1, SP_TRI_YES, SP_TRI_UNKNOWN, SP_TRI_YES, SP_AGE_DECISION_NONE);
	run(&x, "test-labour@1", "{}", &f);
	assert_int_equal(x.r.group, SP_PERSON_CHILD);
	assert_true(x.r.presumed_child);
	assert_int_equal(x.r.outcome[3], SP_TRI_YES);
	assert_int_equal(x.r.outcome[4], SP_TRI_YES);
	done(&x);
	/* age disputed (says 16), the person says under 18, no other reason given */
	facts(&f, 16, SP_TRI_NO, SP_TRI_YES, SP_TRI_NO, SP_AGE_DECISION_NONE);
	run(&x, "test-labour@1", "{\"says_under_18\": \"yes\"}", &f);
	assert_true(x.r.presumed_child);
	done(&x);
	/* ... and when they do not: an adult (no reason to believe) */
	run(&x, "test-labour@1", "{\"says_under_18\": \"no\"}", &f);
	assert_int_equal(x.r.group, SP_PERSON_ADULT);
	assert_int_equal(x.r.outcome[3], SP_TRI_NO);
	done(&x);
	/* ... and when nobody knows: open, and child() is unknown, so child_alone may apply */
	run(&x, "test-labour@1", "{}", &f);
	assert_int_equal(x.r.group, SP_PERSON_UNKNOWN);
	assert_false(x.r.presumed_child);
	assert_int_equal(x.r.outcome[3], SP_TRI_UNKNOWN);
	done(&x);
	/* an age assessment decided adult: the presumption ends */
	facts(&f, -1, SP_TRI_YES, SP_TRI_YES, SP_TRI_YES, SP_AGE_DECISION_ADULT);
	run(&x, "test-labour@1", "{\"says_under_18\": \"yes\"}", &f);
	assert_int_equal(x.r.group, SP_PERSON_ADULT);
	assert_false(x.r.presumed_child);
	done(&x);
	/* decided child: a child, no longer presumed */
	facts(&f, 19, SP_TRI_NO, SP_TRI_YES, SP_TRI_NO, SP_AGE_DECISION_CHILD);
	run(&x, "test-labour@1", "{}", &f);
	assert_int_equal(x.r.group, SP_PERSON_CHILD);
	assert_false(x.r.presumed_child);
	done(&x);
}

static void outcomes_add_up(void **state)
{
	(void)state;
	const struct sp_vocab *v = sp_protocols_vocab(reg);
	struct run x;
	/* reading A (urgent, high, refer_nrm urgent 72h) + exploitation (soon, medium) +
	 * documents (refer_nrm soon, no due): one refer_nrm, urgent, in 72 hours */
	run(&x, "test-labour@1", "{" D1_YES ", " D4_YES ", " D5_YES ", " NO_REST "}", NULL);
	assert_int_equal(x.r.priority, sp_vocab_find(v, SP_VOCAB_PRIORITIES, "urgent"));
	assert_int_equal(x.r.intervention_level,
			 sp_vocab_find(v, SP_VOCAB_INTERVENTION_LEVELS, "high"));
	assert_int_equal(x.r.n_tasks, 1);
	assert_int_equal(x.r.tasks[0].task, sp_vocab_find(v, SP_VOCAB_TASKS, "refer_nrm"));
	assert_int_equal(x.r.tasks[0].priority, sp_vocab_find(v, SP_VOCAB_PRIORITIES, "urgent"));
	assert_int_equal(x.r.tasks[0].due_hours, 72);
	/* needs in the outcomes' order, once each */
	assert_int_equal(x.r.n_needs, 4);
	static const char *const needs[] = {"trafficking_identification", "safe_shelter",
					    "labour_rights", "legal_assistance"};
	for (unsigned i = 0; i < 4; i++)
		assert_string_equal(sp_vocab_id(v, SP_VOCAB_NEEDS, x.r.needs[i]), needs[i]);
	static const char *const places[] = {"specialised_reception_for_children", "safe_shelter",
					     "community", "open_reception"};
	assert_int_equal(x.r.n_placement, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_string_equal(sp_vocab_id(v, SP_VOCAB_PLACEMENTS, x.r.placement[i]), places[i]);
	assert_int_equal(x.r.n_referrals, 2);
	assert_int_equal(x.r.n_red_flags, 2);
	/* the same answers again: the same result (the engine is pure) */
	struct sp_buf a, b;
	sp_buf_init(&a, 1 << 20);
	sp_buf_init(&b, 1 << 20);
	assert_int_equal(sp_result_json(&x.r, "en", &a), SP_OK);
	sp_evaluate(x.p, &x.ans, &x.facts, &x.r);
	assert_int_equal(sp_result_json(&x.r, "en", &b), SP_OK);
	assert_string_equal(a.data, b.data);
	assert_null(strstr(a.data, "victim"));
	sp_buf_free(&a);
	sp_buf_free(&b);
	done(&x);
}

static void answers_are_checked(void **state)
{
	(void)state;
	const struct sp_protocol *p = sp_protocols_lookup(reg, "test-labour@1");
	static const struct {
		const char *json, *pointer, *msg;
	} bad[] = {
		{"{\"debt\": true}", "/debt", "must be \"yes\", \"no\" or \"unknown\""},
		{"{\"debt\": \"maybe\"}", "/debt", "must be \"yes\", \"no\" or \"unknown\""},
		{"{\"sector\": \"fishing\"}", "/sector",
		 "must be one of the question's options or \"unknown\""},
		{"{\"conditions\": \"no_pay\"}", "/conditions",
		 "must be a list of the question's options or \"unknown\""},
		{"{\"conditions\": [\"no_pay\", \"no_pay\"]}", "/conditions/1", "is listed twice"},
		{"{\"conditions\": [\"nope\"]}", "/conditions/0", "is not one of the question's options"},
		{"{\"hours\": 25}", "/hours", "must be from 0 to 24"},
		{"{\"hours\": 1.5}", "/hours", "must be an integer or \"unknown\""},
		{"{\"arrival\": \"2024-13\"}", "/arrival",
		 "must be a date YYYY, YYYY-MM or YYYY-MM-DD, or \"unknown\""},
		{"{\"arrival\": \"2024-02-30\"}", "/arrival",
		 "must be a date YYYY, YYYY-MM or YYYY-MM-DD, or \"unknown\""},
		{"{\"remarks\": 3}", "/remarks", "must be a text of at most 8000 bytes"},
		{"{\"shoe_size\": 42}", "/shoe_size", "is not a question of test-labour@1"},
		{"[]", "", "must be an object from question id to answer"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sp_err err = {0};
		json_t *j = sp_json_parse(bad[i].json, strlen(bad[i].json), &err);
		assert_non_null(j);
		struct sp_answers ans;
		struct sp_diag d;
		sp_diag_init(&d);
		assert_int_equal(sp_answers_init(&ans, p), SP_OK);
		assert_int_equal(sp_answers_decode(p, j, &ans, &d), SP_EINVAL);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.items[0].pointer, bad[i].pointer);
		assert_string_equal(d.items[0].msg, bad[i].msg);
		sp_answers_free(&ans);
		sp_diag_free(&d);
		json_decref(j);
	}
	/* good ones */
	struct run x;
	run(&x, "test-labour@1",
	    "{\"arrival\": \"2024-02\", \"remarks\": \"unknown\", \"hours\": 0, \"debt\": \"unknown\"}",
	    NULL);
	int q = sp_protocol_question(x.p, "arrival");
	assert_int_equal(x.ans.a[q].state, SP_ANS_GIVEN);
	assert_string_equal(x.ans.a[q].v.date, "2024-02");
	q = sp_protocol_question(x.p, "remarks");
	assert_int_equal(x.ans.a[q].state, SP_ANS_GIVEN); /* a text is only text */
	q = sp_protocol_question(x.p, "debt");
	assert_int_equal(x.ans.a[q].state, SP_ANS_UNKNOWN);
	done(&x);
}

/* Each tests/data/screening/NAME.json: {"protocol", "facts", "answers", "lang", "expected"},
 * the result compared whole. */
static void golden_vignettes(void **state)
{
	(void)state;
	DIR *dir = opendir("tests/data/screening");
	assert_non_null(dir);
	struct dirent *e;
	int seen = 0, failed = 0;
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "tests/data/screening/%s", e->d_name);
		json_error_t je;
		json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
		if (!v)
			fail_msg("%s: line %d: %s", path, je.line, je.text);
		const char *ref = json_string_value(json_object_get(v, "protocol"));
		const char *lang = json_string_value(json_object_get(v, "lang"));
		json_t *facts = json_object_get(v, "facts");
		assert_non_null(ref);
		struct sp_buf out;
		struct sp_diag d;
		sp_buf_init(&out, 1 << 22);
		sp_diag_init(&d);
		int rc = sp_screen_json(reg, ref, json_object_get(v, "answers"), facts,
					lang ? lang : "en", &out, &d);
		if (rc)
			fail_msg("%s: %s %s", path, d.n ? d.items[0].pointer : "",
				 d.n ? d.items[0].msg : "");
		json_t *got = json_loads(out.data, 0, NULL);
		assert_non_null(got);
		if (!json_equal(got, json_object_get(v, "expected"))) {
			char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
			char *w = json_dumps(json_object_get(v, "expected"),
					     JSON_INDENT(1) | JSON_SORT_KEYS);
			print_error("%s differs:\n--- got\n%s\n--- expected\n%s\n", path, g, w);
			sp_json_free(g); /* jansson's allocator (sp_init's), not free() */
			sp_json_free(w);
			failed++;
		}
		json_decref(got);
		json_decref(v);
		sp_buf_free(&out);
		sp_diag_free(&d);
		seen++;
	}
	closedir(dir);
	assert_int_equal(failed, 0);
	assert_true(seen >= 1);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dimension_rule_paths),
		cmocka_unit_test(dimension_rule_near_misses),
		cmocka_unit_test(unknown_answers_are_gaps),
		cmocka_unit_test(readings_plain_and_ladder),
		cmocka_unit_test(children_first),
		cmocka_unit_test(outcomes_add_up),
		cmocka_unit_test(answers_are_checked),
		cmocka_unit_test(golden_vignettes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
