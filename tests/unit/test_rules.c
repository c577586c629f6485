/* identify/rules.c: the expression language. Kleene's three-valued logic, integer intervals,
 * and the compiler's errors with their columns, against tests/data/protocols/test-labour@1.json.
 * Every expected value is worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/init.h"
#include "safepath/json.h"
#include "identify/protocol.h"

static struct sp_protocols *reg;
static const struct sp_protocol *P;

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	int rc = sp_protocols_load("tests/data/protocols", &reg, &d);
	sp_diag_free(&d);
	if (rc)
		return -1;
	P = sp_protocols_lookup(reg, "test-labour@1");
	return P ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocols_free(reg);
	return 0;
}

static const unsigned ALL = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON | SP_ALLOW_CHILD |
			    SP_ALLOW_FOUND | SP_ALLOW_DIM | SP_ALLOW_READING;

/* The truth of src on answers (JSON text) for an adult of 30 with everything else unknown. */
static enum sp_tri truth_with(const char *src, const char *answers, unsigned allow)
{
	struct sp_arena arena;
	sp_arena_init(&arena, 4096, 0);
	struct sp_scope sc = {.p = P, .allow = allow, .questions = P->n_questions,
			      .indicators = P->n_indicators, .readings = P->n_readings};
	const struct sp_expr *e = NULL;
	char msg[200];
	if (sp_expr_compile(src, &sc, &arena, &e, msg, sizeof msg))
		fail_msg("%s: %s", src, msg);
	struct sp_err err = {0};
	json_t *j = sp_json_parse(answers, strlen(answers), &err);
	assert_non_null(j);
	struct sp_answers ans;
	struct sp_diag d;
	sp_diag_init(&d);
	assert_int_equal(sp_answers_init(&ans, P), SP_OK);
	if (sp_answers_decode(P, j, &ans, &d))
		fail_msg("%s: %s", d.items[0].pointer, d.items[0].msg);
	struct sp_facts f;
	sp_facts_init(&f);
	f.has_age = true;
	f.age = 30;
	f.age_unknown = f.age_disputed = SP_TRI_NO;
	struct sp_result r;
	assert_int_equal(sp_result_init(&r, P), SP_OK);
	sp_evaluate(P, &ans, &f, &r);
	struct sp_eval ev = {.p = P, .ans = &ans, .facts = &f, .r = &r, .child = r.child,
			     .presumed = SP_TRI_NO};
	enum sp_tri t = sp_expr_truth(e, &ev);
	sp_result_free(&r);
	sp_answers_free(&ans);
	sp_diag_free(&d);
	json_decref(j);
	sp_arena_release(&arena);
	return t;
}

static enum sp_tri truth(const char *src, const char *answers)
{
	return truth_with(src, answers, ALL);
}

#define Y SP_TRI_YES
#define N SP_TRI_NO
#define U SP_TRI_UNKNOWN

/* Kleene: a row per pair of answers to job_deceived (a) and wage_deceived (b). */
static void kleene_truth_tables(void **state)
{
	(void)state;
	static const char *const v[3] = {"\"no\"", "\"yes\"", "\"unknown\""};
	/* by hand: and, or over (a, b) in no/yes/unknown */
	static const enum sp_tri and_[3][3] = {{N, N, N}, {N, Y, U}, {N, U, U}};
	static const enum sp_tri or_[3][3] = {{N, Y, U}, {Y, Y, Y}, {U, Y, U}};
	static const enum sp_tri not_[3] = {Y, N, U};
	for (int a = 0; a < 3; a++) {
		for (int b = 0; b < 3; b++) {
			char ans[128];
			snprintf(ans, sizeof ans, "{\"job_deceived\": %s, \"wage_deceived\": %s}", v[a],
				 v[b]);
			assert_int_equal(truth("yes(job_deceived) and yes(wage_deceived)", ans),
					 and_[a][b]);
			assert_int_equal(truth("yes(job_deceived) or yes(wage_deceived)", ans),
					 or_[a][b]);
		}
		char ans[64];
		snprintf(ans, sizeof ans, "{\"job_deceived\": %s}", v[a]);
		assert_int_equal(truth("not yes(job_deceived)", ans), not_[a]);
		assert_int_equal(truth("not not yes(job_deceived)", ans), (enum sp_tri)a);
		/* unknown is not "no": no() is unknown too */
		assert_int_equal(truth("no(job_deceived)", ans), not_[a]);
		/* answered() is never unknown */
		assert_int_equal(truth("answered(job_deceived)", ans), a == 2 ? N : Y);
	}
	/* a question left out of the answers is unknown as well */
	assert_int_equal(truth("yes(job_deceived)", "{}"), U);
	assert_int_equal(truth("answered(job_deceived)", "{}"), N);
	/* precedence: not binds tighter than and, and than or */
	assert_int_equal(truth("yes(job_deceived) or yes(wage_deceived) and yes(violence)",
			       "{\"job_deceived\": \"yes\", \"wage_deceived\": \"no\"}"), Y);
	assert_int_equal(truth("(yes(job_deceived) or yes(wage_deceived)) and yes(violence)",
			       "{\"job_deceived\": \"yes\", \"wage_deceived\": \"no\"}"), U);
	assert_int_equal(truth("not yes(job_deceived) and yes(wage_deceived)",
			       "{\"job_deceived\": \"no\", \"wage_deceived\": \"yes\"}"), Y);
}

static void choices_and_lists(void **state)
{
	(void)state;
	assert_int_equal(truth("is(sector, domestic)", "{\"sector\": \"domestic\"}"), Y);
	assert_int_equal(truth("is(sector, \"domestic\")", "{\"sector\": \"agriculture\"}"), N);
	assert_int_equal(truth("is(sector, domestic)", "{\"sector\": \"unknown\"}"), U);
	assert_int_equal(truth("is(conditions, hazardous)",
			       "{\"conditions\": [\"no_pay\", \"hazardous\"]}"), Y);
	assert_int_equal(truth("is(conditions, bad_housing)",
			       "{\"conditions\": [\"no_pay\", \"hazardous\"]}"), N);
	assert_int_equal(truth("is(conditions, bad_housing)", "{\"conditions\": []}"), N);
	assert_int_equal(truth("is(conditions, bad_housing)", "{\"conditions\": \"unknown\"}"), U);
}

/* Numbers are intervals: an unknown hours is 0..24 (the question's bounds). */
static void integer_intervals(void **state)
{
	(void)state;
	assert_int_equal(truth("num(hours) > 10", "{\"hours\": 11}"), Y);
	assert_int_equal(truth("num(hours) > 10", "{\"hours\": 10}"), N);
	assert_int_equal(truth("num(hours) >= 10", "{\"hours\": 10}"), Y);
	assert_int_equal(truth("num(hours) > 10", "{\"hours\": \"unknown\"}"), U);
	/* 0..24 + 5 = 5..29: never 30 */
	assert_int_equal(truth("num(hours) + 5 >= 30", "{\"hours\": \"unknown\"}"), N);
	assert_int_equal(truth("num(hours) + 5 >= 29", "{\"hours\": \"unknown\"}"), U);
	/* 0..24 - 25 = -25..-1: always below 0 */
	assert_int_equal(truth("num(hours) - 25 < 0", "{\"hours\": \"unknown\"}"), Y);
	assert_int_equal(truth("num(hours) <= 24", "{}"), Y);
	assert_int_equal(truth("num(hours) = 8", "{\"hours\": 8}"), Y);
	assert_int_equal(truth("num(hours) != 8", "{\"hours\": 8}"), N);
	assert_int_equal(truth("num(hours) = 8", "{\"hours\": \"unknown\"}"), U);
	assert_int_equal(truth("num(hours) = 30", "{\"hours\": \"unknown\"}"), N);
	assert_int_equal(truth("num(hours) != 30", "{\"hours\": \"unknown\"}"), Y);
	assert_int_equal(truth("1 + 2 = 3", "{}"), Y);
	assert_int_equal(truth("10 - 2 - 3 = 5", "{}"), Y); /* left to right */
	/* the person: age 30 */
	assert_int_equal(truth("age() >= 18", "{}"), Y);
	assert_int_equal(truth("age() < 18", "{}"), N);
	assert_int_equal(truth("sex(F)", "{}"), U);
	assert_int_equal(truth("fact(unaccompanied)", "{}"), U);
	assert_int_equal(truth("child()", "{}"), N);
}

/* A skipped question is not asked: its answer reads as no, its number as none. */
static void skipped_questions(void **state)
{
	(void)state;
	assert_int_equal(truth("yes(debt_by_work)", "{\"debt\": \"no\", \"debt_by_work\": \"yes\"}"), N);
	assert_int_equal(truth("no(debt_by_work)", "{\"debt\": \"no\"}"), N);
	assert_int_equal(truth("yes(debt_by_work)", "{\"debt\": \"yes\", \"debt_by_work\": \"yes\"}"), Y);
	/* the condition unknown: asked, so its own unknown shows */
	assert_int_equal(truth("yes(debt_by_work)", "{\"debt\": \"unknown\"}"), U);
}

/* strong, medium, weak in the dimension rule: found..found+gaps. */
static void strength_counts_are_intervals(void **state)
{
	(void)state;
	struct sp_arena arena;
	sp_arena_init(&arena, 4096, 0);
	struct sp_scope sc = {.p = P, .allow = SP_ALLOW_COUNTS};
	const struct sp_expr *e = NULL;
	char msg[200];
	assert_int_equal(sp_expr_compile("strong >= 2", &sc, &arena, &e, msg, sizeof msg), SP_OK);
	struct sp_eval ev = {.p = P};
	ev.count_lo[SP_STRONG] = 1;
	ev.count_hi[SP_STRONG] = 2; /* one found, one unknown */
	assert_int_equal(sp_expr_truth(e, &ev), U);
	ev.count_lo[SP_STRONG] = 2;
	assert_int_equal(sp_expr_truth(e, &ev), Y);
	ev.count_lo[SP_STRONG] = ev.count_hi[SP_STRONG] = 1;
	assert_int_equal(sp_expr_truth(e, &ev), N);
	assert_int_equal(sp_expr_compile("medium + weak >= 1", &sc, &arena, &e, msg, sizeof msg),
			 SP_OK);
	memset(&ev, 0, sizeof ev);
	ev.count_hi[SP_WEAK] = 1;
	assert_int_equal(sp_expr_truth(e, &ev), U);
	ev.count_lo[SP_MEDIUM] = ev.count_hi[SP_MEDIUM] = 1;
	assert_int_equal(sp_expr_truth(e, &ev), Y);
	sp_arena_release(&arena);
}

static void expect_error(const char *src, unsigned allow, unsigned questions, const char *want)
{
	struct sp_arena arena;
	sp_arena_init(&arena, 4096, 0);
	struct sp_scope sc = {.p = P, .allow = allow, .questions = questions,
			      .indicators = 3, .readings = 1};
	const struct sp_expr *e = NULL;
	char msg[200];
	assert_int_equal(sp_expr_compile(src, &sc, &arena, &e, msg, sizeof msg), SP_EINVAL);
	assert_null(e);
	if (strcmp(msg, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", src, msg, want);
	sp_arena_release(&arena);
}

static void compile_errors_name_the_column(void **state)
{
	(void)state;
	unsigned n = P->n_questions;
	expect_error("", ALL, n, "is empty");
	expect_error("   ", ALL, n, "is empty");
	expect_error("yes(nope)", ALL, n, "column 5: unknown question 'nope'");
	expect_error("yes(job_deceived) and", ALL, n,
		     "column 22: unexpected end of the expression");
	expect_error("yes(job_deceived) & yes(debt)", ALL, n, "column 19: unexpected character '&'");
	expect_error("yes(hours)", ALL, n,
		     "column 5: yes() cannot read question 'hours' of type number");
	expect_error("num(debt) > 1", ALL, n,
		     "column 5: num() cannot read question 'debt' of type yes_no");
	expect_error("answered(remarks)", ALL, n,
		     "column 10: answered() cannot read question 'remarks' of type text");
	expect_error("is(sector, nope)", ALL, n, "column 12: question 'sector' has no option 'nope'");
	expect_error("is(debt, yes)", ALL, n,
		     "column 4: is() cannot read question 'debt' of type yes_no");
	expect_error("yes()", ALL, n, "column 1: yes() takes 1 argument, not 0");
	expect_error("child(x)", ALL, n, "column 1: child() takes 0 arguments, not 1");
	expect_error("frob(x)", ALL, n, "column 1: unknown function 'frob'");
	expect_error("debt", ALL, n, "column 1: unknown name 'debt' (a function needs its parentheses)");
	expect_error("yes(debt", ALL, n, "column 9: expected ',' or ')'");
	expect_error("yes(3)", ALL, n, "column 5: yes() takes a name, not a number");
	expect_error("num(hours)", ALL, n, "column 1: a rule needs a condition, not a number");
	expect_error("num(hours) and yes(debt)", ALL, n,
		     "column 1: 'and' needs a condition, not a number");
	expect_error("yes(debt) > 1", ALL, n, "column 1: '>' needs a number, not a condition");
	expect_error("1 + yes(debt) > 1", ALL, n, "column 5: '+' needs a number, not a condition");
	expect_error("not num(hours)", ALL, n, "column 5: 'not' needs a condition, not a number");
	expect_error("1 = 1 = 1", ALL, n, "column 7: unexpected text after the expression");
	expect_error("99999999999 > 1", ALL, n, "column 1: number over 1000000000");
	expect_error("12ab > 1", ALL, n, "column 1: a number runs into a name");
	expect_error("is(sector, \"domestic)", ALL, n, "column 12: unterminated string");
	expect_error("strong >= 1", ALL, n, "column 1: 'strong' counts indicators only in dimension_rule");
	expect_error("dim(D9)", ALL, n, "column 5: unknown dimension 'D9'");
	expect_error("found(nope)", ALL, n, "column 7: unknown indicator 'nope'");
	/* the scope: only indicators 0..2 and reading 0 are earlier here */
	expect_error("found(debt_bondage)", ALL, n,
		     "column 7: indicator 'debt_bondage' is not an earlier indicator (no rule may "
		     "depend on itself)");
	expect_error("reading(B)", ALL, n,
		     "column 9: reading 'B' is not an earlier reading (no rule may depend on itself)");
	expect_error("step(A, x)", ALL, n, "column 6: reading 'A' has no steps");
	expect_error("fact(tall)", ALL, n,
		     "column 6: unknown fact 'tall' (unaccompanied, separated, age_unknown, "
		     "age_disputed, reason_to_believe_minor)");
	expect_error("sex(W)", ALL, n, "column 5: sex() takes F, M, X or U");
	expect_error("yes(debt)", SP_ALLOW_PERSON, n,
		     "column 1: yes() cannot be used here: this expression may not read answers");
	expect_error("dim(D1)", SP_ALLOW_ANSWERS, n,
		     "column 1: dim() cannot be used here: this expression may not read dimensions");
	expect_error("yes(debt)", ALL, 3,
		     "column 5: question 'debt' is not an earlier question");
	char deep[200] = "";
	for (int i = 0; i < 60; i++)
		deep[i] = '(';
	expect_error(deep, ALL, n, "column 49: nested too deeply" /* 48 levels allowed */);
	expect_error("yes(job_deceived) or \x01", ALL, n, "column 22: unexpected byte 0x01");
}

static void ladder_steps_can_be_named(void **state)
{
	(void)state;
	/* B's steps are 0: trafficked, 1: deceived_and_exploited, 2: exploited_migrant */
	assert_int_equal(truth("step(B, exploited_migrant)", "{\"hours\": 12, \"forced_overtime\": \"yes\"}"), U);
	const char *only_d4 =
		"{\"hours\": 12, \"forced_overtime\": \"yes\", \"job_deceived\": \"no\", "
		"\"wage_deceived\": \"no\", \"violence\": \"no\", \"docs_taken\": \"no\", "
		"\"debt\": \"no\", \"locked_in\": \"no\", \"threats\": \"no\"}";
	assert_int_equal(truth("step(B, exploited_migrant)", only_d4), Y);
	assert_int_equal(truth("step(B, trafficked)", only_d4), N);
	assert_int_equal(truth("reading(B) and not reading(A)", only_d4), Y);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kleene_truth_tables),
		cmocka_unit_test(choices_and_lists),
		cmocka_unit_test(integer_intervals),
		cmocka_unit_test(skipped_questions),
		cmocka_unit_test(strength_counts_are_intervals),
		cmocka_unit_test(compile_errors_name_the_column),
		cmocka_unit_test(ladder_steps_can_be_named),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
