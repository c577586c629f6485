/* The Fellegi–Sunter model: model files checked against golden errors
 * (tests/data/matching/invalid/NAME.json with NAME.err, one "POINTER: message" line), the
 * shipped models, and linking small tables whose blocking, levels and term-frequency
 * adjustment are worked out by hand; precision, recall and F1 of labelled pairs by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "safepath/fsmodel.h"

#define DIR_MATCHING "tests/data/matching"
#define NEAR(x, y) assert_true(fabs((x) - (y)) < 1e-9)

static void invalid_golden(void **state)
{
	(void)state;
	DIR *d = opendir(DIR_MATCHING "/invalid");
	assert_non_null(d);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL) {
		static char text[65536], want[1024], got[1024];
		char path[512];
		size_t len;
		if (!golden_pair(DIR_MATCHING "/invalid", e->d_name, path, sizeof path, text,
				 sizeof text, &len, want, sizeof want))
			continue;
		struct sp_fs_model m;
		struct sp_err err = {0};
		assert_int_equal(sp_fs_model_parse(text, len, &m, &err), SP_EINVAL);
		snprintf(got, sizeof got, "%s: %s\n", err.field[0] ? err.field : "(document)",
			 err.msg);
		if (strcmp(got, want) != 0)
			fail_msg("%s: error differs\n--- expected\n%s--- got\n%s", path, want, got);
		assert_int_equal(m.n_fields, 0); /* nothing half-read is left */
		files++;
	}
	closedir(d);
	assert_int_equal(files, 22);
}

static void load_tiny(struct sp_fs_model *m)
{
	static char text[65536];
	FILE *f = fopen(DIR_MATCHING "/tiny.json", "rb");
	assert_non_null(f);
	size_t len = fread(text, 1, sizeof text, f);
	fclose(f);
	struct sp_err err = {0};
	if (sp_fs_model_parse(text, len, m, &err))
		fail_msg("%s: %s", err.field, err.msg);
}

static void shipped_and_tiny(void **state)
{
	(void)state;
	struct sp_fs_model m;
	struct sp_err err = {0};
	assert_int_equal(sp_fs_model_shipped("febrl", &m, &err), SP_OK);
	assert_int_equal(m.n_fields, 10);
	NEAR(m.threshold, 0.99);
	assert_int_equal(sp_fs_model_shipped("person", &m, &err), SP_OK);
	assert_int_equal(sp_fs_model_field(&m, "relatives"), 7);
	assert_int_equal(m.field_kind[2], SP_CMP_DATE);
	assert_int_equal(sp_fs_model_shipped("nobody", &m, &err), SP_ENOTFOUND);
	assert_string_equal(err.field, "model");

	load_tiny(&m);
	assert_string_equal(m.id, "tiny");
	assert_int_equal(m.n_comparisons, 3);
	assert_int_equal(m.comparisons[1].levels[1].test, SP_TEST_DAMERAU);
	assert_int_equal(m.comparisons[1].levels[1].max, 1);
	assert_true(m.comparisons[0].term_frequency);
	assert_int_equal(m.n_rules, 2);
	assert_int_equal(m.rules[0].keys[0].prefix, 2);
	assert_true(m.rules[1].keys[0].year);
	assert_int_equal(m.max_block_pairs, 100);
	/* the defaults: 50 million pairs, 100 EM rounds */
	assert_int_equal(m.max_pairs, 50000000);
	assert_int_equal(m.em_iterations, 100);
	assert_int_equal(m.random_pairs, 1000);
}

#define ROWS(...) ((const char *const[]){__VA_ARGS__})

/* Blocking: anna/anne share "an" and 1990|f, so one candidate; bob and zoe share nothing (zoe
 * has no date, so no key under the second rule). Levels: anna/anne Jaro 0.83333 + 0.3 ×
 * 0.16667 = 0.88333 under 0.9: else; 1990-05-01/1990-05-02 one digit; f/f exact. */
static void link_by_hand(void **state)
{
	(void)state;
	struct sp_fs_model m;
	load_tiny(&m);
	const char *const *cells = ROWS("anna", "1990-05-01", "f", "anne", "1990-05-02", "f",
					"bob", "1985-01-01", "m", "zoe", "", "f");
	struct sp_fs_table t = {4, cells};
	struct sp_fs_result *r = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_fs_link(&m, &t, NULL, NULL, NULL, &r, &err), SP_OK);
	assert_int_equal(r->n_pairs, 1);
	assert_int_equal(r->pairs[0].left, 0);
	assert_int_equal(r->pairs[0].right, 1);
	assert_int_equal(r->levels[0], 2);
	assert_int_equal(r->levels[1], 1);
	assert_int_equal(r->levels[2], 0);
	/* 3 for the candidate, 3 for each of the 6 random pairs: only 6 pairs exist */
	assert_int_equal(r->comparisons, 21);
	assert_int_equal(r->capped_keys, 0);
	double w = log2(r->lambda / (1 - r->lambda));
	for (int c = 0; c < 3; c++)
		w += sp_fs_contribution(r, 0, c);
	NEAR(r->pairs[0].weight, w);
	NEAR(r->pairs[0].probability, 1 / (1 + exp2(-w)));
	char words[512];
	sp_fs_explain(r, 0, words, sizeof words);
	assert_non_null(strstr(words, "name else "));
	assert_non_null(strstr(words, "; dob 1 edit or fewer +"));
	assert_non_null(strstr(words, "; sex exact +"));
	assert_non_null(strstr(words, "; prior "));
	sp_fs_result_free(r);

	/* linking the same rows as two lists: the four self-pairs join the candidates, and the
	 * same seed gives the same numbers twice */
	struct sp_fs_result *a = NULL, *b = NULL;
	assert_int_equal(sp_fs_link(&m, &t, &t, NULL, NULL, &a, &err), SP_OK);
	assert_int_equal(sp_fs_link(&m, &t, &t, NULL, NULL, &b, &err), SP_OK);
	/* an (0 1) x (0 1): 4 pairs; bo: (2, 2); zo: (3, 3); 1990|f adds none, 1985|m none new */
	assert_int_equal(a->n_pairs, 6);
	for (size_t i = 0; i < a->n_pairs; i++) {
		assert_int_equal(a->pairs[i].left, b->pairs[i].left);
		assert_int_equal(a->pairs[i].right, b->pairs[i].right);
		assert_true(a->pairs[i].weight == b->pairs[i].weight);
		assert_true(i == 0 || a->pairs[i - 1].probability >= a->pairs[i].probability);
	}
	sp_fs_result_free(a);
	sp_fs_result_free(b);

	assert_int_equal(sp_fs_link(&m, &(struct sp_fs_table){1, cells}, NULL, NULL, NULL, &r, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "rows");
	assert_null(r);
}

/* Term frequency: six rows named ali and two zainab, every one its own date. Exact agreement
 * on zainab weighs log2(6/2) = log2 3 more than on ali, whatever m is: u is the value's
 * frequency (6/8 against 2/8). */
static void term_frequency_by_hand(void **state)
{
	(void)state;
	struct sp_fs_model m;
	load_tiny(&m);
	const char *const *cells =
		ROWS("ali", "1990-05-01", "m", "ali", "1991-06-02", "m", "ali", "1992-07-03", "m",
		     "ali", "1993-08-04", "m", "ali", "1994-09-05", "m", "ali", "1995-10-06", "m",
		     "zainab", "1980-03-07", "f", "zainab", "1970-04-08", "f");
	struct sp_fs_table t = {8, cells};
	struct sp_fs_result *r = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_fs_link(&m, &t, NULL, NULL, NULL, &r, &err), SP_OK);
	/* "al": C(6, 2) = 15 pairs, "za": 1 */
	assert_int_equal(r->n_pairs, 16);
	double ali = 0, zainab = 0;
	for (size_t i = 0; i < r->n_pairs; i++) {
		assert_int_equal(r->levels[i * 3], 0);
		if (r->pairs[i].left >= 6)
			zainab = sp_fs_contribution(r, i, 0);
		else
			ali = sp_fs_contribution(r, i, 0);
	}
	NEAR(zainab - ali, log2(3));
	sp_fs_result_free(r);

	/* over the cap: 15 pairs under "al" with at most 10 per key */
	m.max_block_pairs = 10;
	assert_int_equal(sp_fs_link(&m, &t, NULL, NULL, NULL, &r, &err), SP_OK);
	assert_int_equal(r->n_pairs, 1);
	assert_int_equal(r->capped_keys, 1);
	sp_fs_result_free(r);
	/* over the whole budget */
	m.max_block_pairs = 100;
	m.max_pairs = 10;
	assert_int_equal(sp_fs_link(&m, &t, NULL, NULL, NULL, &r, &err), SP_ETOOBIG);
	assert_string_equal(err.field, "max_pairs");
	assert_null(r);
}

/* 0.9 yes, 0.8 no, 0.6 yes, 0.4 yes, 0.2 no. At 0.5: TP 2, FP 1, FN 1: precision = recall =
 * F1 = 2/3. The best: at 0.4, TP 3 of 4 proposed and 3 true: F1 = 6/7. */
static void quality_by_hand(void **state)
{
	(void)state;
	struct sp_fs_labelled p[] = {{0.2, false}, {0.9, true}, {0.6, true}, {0.8, false},
				     {0.4, true}};
	struct sp_fs_quality q;
	sp_fs_quality(p, 5, 0.5, &q);
	assert_int_equal(q.true_pos, 2);
	assert_int_equal(q.false_pos, 1);
	assert_int_equal(q.false_neg, 1);
	NEAR(q.precision, 2.0 / 3);
	NEAR(q.recall, 2.0 / 3);
	NEAR(q.f1, 2.0 / 3);
	sp_fs_best_threshold(p, 5, &q);
	NEAR(q.threshold, 0.4);
	NEAR(q.f1, 6.0 / 7);
	NEAR(q.recall, 1);
	NEAR(q.precision, 0.75);
	sp_fs_quality(p, 5, 1.0, &q); /* nothing proposed: all undefined, 0 */
	assert_int_equal(q.false_neg, 3);
	NEAR(q.f1, 0);
	NEAR(q.precision, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(invalid_golden),  cmocka_unit_test(shipped_and_tiny),
		cmocka_unit_test(link_by_hand),	   cmocka_unit_test(term_frequency_by_hand),
		cmocka_unit_test(quality_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
