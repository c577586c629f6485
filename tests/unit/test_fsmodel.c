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
#include <stdlib.h>
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
	assert_int_equal(files, 27);
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
	assert_int_equal(sp_fs_model_field(&m, "name"), 0);
	assert_int_equal(sp_fs_model_field(&m, "relatives"), 6);
	assert_int_equal(sp_fs_model_field(&m, "aliases"), 7);
	assert_int_equal(m.field_kind[0], SP_CMP_NAME);
	assert_int_equal(m.field_kind[1], SP_CMP_DATE);
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
	struct sp_fs_table t = {.n_rows = 4, .cells = cells};
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

	assert_int_equal(sp_fs_link(&m, &(struct sp_fs_table){.n_rows = 1, .cells = cells}, NULL,
				    NULL, NULL, &r, &err),
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
	struct sp_fs_table t = {.n_rows = 8, .cells = cells};
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

/* Training sessions (tests/data/matching/training.json: the tiny model with the rules "the same
 * date of birth" and "the same name"). anna/zara share a date: the first session's one pair,
 * name else (Jaro 2/4, 2/4, no transposition: 0.667) and sex exact, the date held out; bob/bob
 * share a name: the second session's one pair, date else and sex else, the name held out. One
 * pair, whatever its posterior, puts all of m on its level, the others at the floor 1e-6: the
 * name's m (1e-6, 1e-6, 1) / (1 + 2e-6) from the first session alone, the date's from the
 * second alone, and sex the mean of (1, 1e-6) / (1 + 1e-6) and (1e-6, 1) / (1 + 1e-6): one half
 * each. u comes from the random pairs (all 6 pairs of 4 rows), and lambda is the share among
 * all 6 pairs: the candidates' (0 1 and 2 3) probabilities summed over 6. */
static void training_by_hand(void **state)
{
	(void)state;
	static char text[65536];
	FILE *f = fopen(DIR_MATCHING "/training.json", "rb");
	assert_non_null(f);
	size_t len = fread(text, 1, sizeof text, f);
	fclose(f);
	struct sp_fs_model m;
	struct sp_err err = {0};
	if (sp_fs_model_parse(text, len, &m, &err))
		fail_msg("%s: %s", err.field, err.msg);
	assert_int_equal(m.n_training, 2);
	NEAR(m.m_floor, 1e-6);
	assert_true(sp_fs_rule_fixes(&m, &m.training[0], 1));
	assert_false(sp_fs_rule_fixes(&m, &m.training[0], 0));
	const char *const *cells = ROWS("anna", "1990-05-01", "f", "zara", "1990-05-01", "f",
					"bob", "1985-01-01", "m", "bob", "1970-07-07", "f");
	struct sp_fs_table t = {.n_rows = 4, .cells = cells};
	struct sp_fs_result *r = NULL;
	assert_int_equal(sp_fs_link(&m, &t, NULL, NULL, NULL, &r, &err), SP_OK);
	double one = 1 / (1 + 2e-6), floor3 = 1e-6 / (1 + 2e-6);
	NEAR(r->m[0 * SP_CMP_LEVELS_MAX + 0], floor3);
	NEAR(r->m[0 * SP_CMP_LEVELS_MAX + 1], floor3);
	NEAR(r->m[0 * SP_CMP_LEVELS_MAX + 2], one);
	NEAR(r->m[1 * SP_CMP_LEVELS_MAX + 0], floor3);
	NEAR(r->m[1 * SP_CMP_LEVELS_MAX + 2], one);
	NEAR(r->m[2 * SP_CMP_LEVELS_MAX + 0], 0.5);
	NEAR(r->m[2 * SP_CMP_LEVELS_MAX + 1], 0.5);
	/* the candidates of the blocking rules: bo (2 3) and 1990|f (0 1) */
	assert_int_equal(r->n_pairs, 2);
	double sum = r->pairs[0].probability + r->pairs[1].probability;
	/* neither looks like one person under these m: anna/zara agree on the date and bob/bob on
	 * the name, whose m at exact are the floor; so the share among all pairs, sum / 6, falls
	 * to lambda's floor 1e-12 */
	assert_true(sum / 6 < 1e-12);
	NEAR(r->lambda, 1e-12);
	/* candidates, the 6 random pairs, and each session's pair: 3 comparisons each */
	assert_int_equal(r->comparisons, (2 + 6 + 1 + 1) * 3);
	sp_fs_result_free(r);
}

/* The threshold by EM: probabilities 0.9, 0.8, 0.3, 0.1 sum to S = 2.1; the expected F1 of the
 * k most probable, 2 S_k / (k + S): 1.8 / 3.1 = 0.581, 3.4 / 4.1 = 0.829, 4 / 5.1 = 0.784,
 * 4.2 / 6.1 = 0.689; the best at k = 2, threshold 0.8, expected precision 1.7 / 2 and recall
 * 1.7 / 2.1. */
static void expected_threshold_by_hand(void **state)
{
	(void)state;
	struct sp_fs_pair pairs[] = {{0, 1, 0, 0.9}, {0, 2, 0, 0.8}, {1, 2, 0, 0.3}, {2, 3, 0, 0.1}};
	struct sp_fs_result r = {.n_pairs = 4, .pairs = pairs};
	struct sp_fs_quality q;
	sp_fs_expected_threshold(&r, &q);
	NEAR(q.threshold, 0.8);
	NEAR(q.f1, 3.4 / 4.1);
	NEAR(q.precision, 0.85);
	NEAR(q.recall, 1.7 / 2.1);
	assert_int_equal(q.true_pos, 0);
	r.n_pairs = 0; /* no candidates: nothing expected, threshold 1 */
	sp_fs_expected_threshold(&r, &q);
	NEAR(q.threshold, 1);
	NEAR(q.f1, 0);
}

/* The tiny model with rules over a name's words: its skeleton per word with the year, every
 * two words with sex, the first two letters per word. */
static void load_words_model(struct sp_fs_model *m)
{
	static const char text[] =
		"{\"id\":\"words\",\"version\":\"1\",\"title\":\"t\",\"source\":\"s\","
		"\"fields\":[\"name\",\"dob\",\"sex\"],"
		"\"comparisons\":[{\"id\":\"name\",\"field\":\"name\",\"kind\":\"name\","
		"\"levels\":[{\"test\":\"exact\"},{\"test\":\"else\"}]},"
		"{\"id\":\"dob\",\"field\":\"dob\",\"kind\":\"date\","
		"\"levels\":[{\"test\":\"exact\"},{\"test\":\"else\"}]},"
		"{\"id\":\"sex\",\"field\":\"sex\",\"kind\":\"sex\","
		"\"levels\":[{\"test\":\"exact\"},{\"test\":\"else\"}]}],"
		"\"blocking\":{\"rules\":[[{\"field\":\"name\",\"skeleton\":true},"
		"{\"field\":\"dob\",\"year\":true}],"
		"[{\"field\":\"name\",\"pairs\":true},{\"field\":\"sex\"}],"
		"[{\"field\":\"name\",\"prefix\":2}]]},"
		"\"estimation\":{\"prior\":0.1},"
		"\"threshold\":{\"probability\":0.5,\"chosen\":\"by hand\"}}";
	struct sp_err err = {0};
	if (sp_fs_model_parse(text, sizeof text - 1, m, &err))
		fail_msg("%s: %s", err.field, err.msg);
}

#define W(role, bare, skel, phon) "\x1e" role bare "\x1f" skel "\x1f" phon

static void row_keys_by_hand(void **state)
{
	(void)state;
	struct sp_fs_model m;
	load_words_model(&m);
	assert_int_equal(m.rules[0].keys[0].form, SP_FS_KEY_SKELETON);
	assert_true(m.rules[1].keys[0].pairs);
	struct sp_fs_rowkey k[16];
	/* mohamed twice: its keys once per rule */
	const char *const *row = ROWS("\x02" W("0", "mohamed", "mhmd", "mhmt") W("3", "abdi", "bd", "bt")
				      W("1", "mohamed", "mhmd", "mhmt"),
				      "1990-05-01", "male");
	static const struct {
		int rule;
		const char *key;
	} want[] = {
		{0, "mhmd\x1f" "1990\x1f"}, {0, "bd\x1f" "1990\x1f"},
		{1, "abdi+mohamed\x1fm\x1f"}, {1, "mohamed+mohamed\x1fm\x1f"},
		{2, "mo\x1f"}, {2, "ab\x1f"},
	};
	assert_int_equal(sp_fs_row_keys(&m, row, k, 16), 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(k[i].rule, want[i].rule);
		assert_string_equal(k[i].key, want[i].key);
	}
	assert_int_equal(sp_fs_row_keys(&m, row, k, 3), 3); /* at most cap */
	/* a plain cell is one word; its skeleton through sp_name_keys (mohamed mhmd, abdi bd);
	 * no date, no key under the first rule */
	const char *const *plain = ROWS("Mohamed-Abdi", "", "f");
	assert_int_equal(sp_fs_row_keys(&m, plain, k, 16), 2);
	assert_string_equal(k[0].key, "mohamed-abdi\x1f" "f\x1f");
	assert_string_equal(k[1].key, "mo\x1f");
	const char *const *plain_dated = ROWS("Mohamed-Abdi", "1990", "");
	assert_int_equal(sp_fs_row_keys(&m, plain_dated, k, 16), 2);
	assert_string_equal(k[0].key, "mhmdbd\x1f" "1990\x1f");
	/* a plain cell with letters beyond ASCII has no skeleton without the normaliser */
	const char *const *arabic = ROWS("محمد", "1990", "");
	assert_int_equal(sp_fs_row_keys(&m, arabic, k, 16), 1);
	assert_int_equal(k[0].rule, 2);

	/* key parts are checked */
	static const char bad[] =
		"{\"id\":\"w\",\"version\":\"1\",\"title\":\"t\",\"source\":\"s\","
		"\"fields\":[\"name\",\"dob\"],\"comparisons\":[{\"id\":\"d\",\"field\":\"dob\","
		"\"kind\":\"date\",\"levels\":[{\"test\":\"exact\"},{\"test\":\"else\"}]}],"
		"\"blocking\":{\"rules\":[[{\"field\":\"name\",\"skeleton\":true}]]},"
		"\"estimation\":{\"prior\":0.1},\"threshold\":{\"probability\":0.5,\"chosen\":\"x\"}}";
	struct sp_err err = {0};
	/* name has no comparison here: it is no name field */
	assert_int_equal(sp_fs_model_parse(bad, strlen(bad), &m, &err), SP_EINVAL);
	assert_string_equal(err.field, "/blocking/rules/0/0/skeleton");
	assert_string_equal(err.msg, "is only for a name field");
}

static const char tiny_params[] =
	"{\"model\":\"tiny\",\"lambda\":0.2,\"tf_min\":0.001,\"comparisons\":{"
	"\"name\":{\"m\":[0.9,0.08,0.02],\"u\":[0.01,0.04,0.95]},"
	"\"dob\":{\"m\":[0.8,0.15,0.05],\"u\":[0.002,0.018,0.98]},"
	"\"sex\":{\"m\":[0.95,0.05],\"u\":[0.5,0.5]}}}";

static void params_parsed_and_checked(void **state)
{
	(void)state;
	struct sp_fs_model m;
	load_tiny(&m);
	struct sp_fs_params *p = NULL, *again = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_fs_params_parse(&m, tiny_params, sizeof tiny_params - 1, &p, &err), SP_OK);
	NEAR(p->lambda, 0.2);
	NEAR(p->m[1][1], 0.15);
	NEAR(p->u[2][0], 0.5);
	/* encoded and read back: the same numbers, exactly */
	char *json = sp_fs_params_encode(p);
	assert_non_null(json);
	assert_int_equal(sp_fs_params_parse(&m, json, strlen(json), &again, &err), SP_OK);
	assert_true(again->lambda == p->lambda && again->tf_min == p->tf_min);
	for (int c = 0; c < 3; c++)
		for (int l = 0; l < m.comparisons[c].n_levels; l++)
			assert_true(again->m[c][l] == p->m[c][l] && again->u[c][l] == p->u[c][l]);
	free(json);
	sp_fs_params_free(again);
	sp_fs_params_free(p);
	/* the tiny model ships none; the person model does */
	assert_int_equal(sp_fs_params_default(&m, &p, &err), SP_ENOTFOUND);
	assert_string_equal(err.field, "parameters");
	struct sp_fs_model person;
	assert_int_equal(sp_fs_model_shipped("person", &person, &err), SP_OK);
	assert_int_equal(sp_fs_params_default(&person, &p, &err), SP_OK);
	assert_string_equal(p->model, "person");
	assert_int_equal(p->n_comparisons, person.n_comparisons);
	sp_fs_params_free(p);

	static const struct {
		const char *from, *to, *field, *msg;
	} bad[] = {
		{"\"tiny\"", "\"febrl\"", "/model", "are the parameters of another model, not of tiny"},
		{"\"dob\":", "\"age\":", "/comparisons/age", "is not a comparison of the model tiny"},
		{"[0.9,0.08,0.02]", "[0.9,0.1]", "/comparisons/name/m",
		 "must be an array of 3 probabilities, one per level"},
		{"[0.5,0.5]", "[0.5,0.4]", "/comparisons/sex/u", "must sum to 1 (they sum to 0.9)"},
		{"[0.01,0.04,0.95]", "[0,0.05,0.95]", "/comparisons/name/u/0",
		 "must be a number above 0, at most 1"},
		{"0.2", "1", "/lambda", "must be under 1"},
		{"0.001", "0", "/tf_min", "must be a number above 0, at most 1"},
		{"\"lambda\":0.2,", "", "/lambda", "is required"},
		{"{\"m\":[0.95,0.05]", "{\"x\":1,\"m\":[0.95,0.05]", "/comparisons/sex/x", "is not a known field"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[1024];
		const char *at = strstr(tiny_params, bad[i].from);
		assert_non_null(at);
		snprintf(text, sizeof text, "%.*s%s%s", (int)(at - tiny_params), tiny_params,
			 bad[i].to, at + strlen(bad[i].from));
		p = (struct sp_fs_params *)&err; /* set to NULL on failure */
		assert_int_equal(sp_fs_params_parse(&m, text, strlen(text), &p, &err), SP_EINVAL);
		assert_null(p);
		if (strcmp(err.field, bad[i].field) != 0 || strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu: %s: %s", i, err.field, err.msg);
	}
	/* without a comparison at all */
	static const char missing[] = "{\"model\":\"tiny\",\"lambda\":0.2,\"tf_min\":0.001,"
				      "\"comparisons\":{\"name\":{\"m\":[0.9,0.08,0.02],"
				      "\"u\":[0.01,0.04,0.95]}}}";
	assert_int_equal(sp_fs_params_parse(&m, missing, sizeof missing - 1, &p, &err), SP_EINVAL);
	assert_string_equal(err.field, "/comparisons/dob");
	assert_string_equal(err.msg, "is required");
	assert_int_equal(sp_fs_params_parse(&m, "{", 1, &p, &err), SP_EINVAL);
}

/* A pair scored by hand from the parameters above: prior log2(0.2 / 0.8) = -2; name exact
 * log2(0.9 / 0.01) = log2 90; dob one edit log2(0.15 / 0.018) = log2 8.3333; sex exact
 * log2(0.95 / 0.5) = log2 1.9. Odds 0.25 × 90 × 8.3333 × 1.9 = 356.25: weight log2 356.25 =
 * 8.476746, probability 356.25 / 357.25 = 0.997201. */
static void one_pair_by_hand(void **state)
{
	(void)state;
	struct sp_fs_model m;
	load_tiny(&m);
	struct sp_fs_params *p = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_fs_params_parse(&m, tiny_params, sizeof tiny_params - 1, &p, &err), SP_OK);
	const char *const *a = ROWS("\x02" W("0", "ali", "l", "l") W("3", "mohamed", "mhmd", "mhmt"),
				    "1990-05-01", "f");
	const char *const *b = ROWS("\x02" W("0", "mohamed", "mhmd", "mhmt") W("3", "ali", "l", "l"),
				    "1990-05-02", "female");
	struct sp_fs_score s;
	sp_fs_score_pair(&m, p, a, b, NULL, &s);
	assert_int_equal(s.levels[0], 0);
	assert_int_equal(s.levels[1], 1);
	assert_int_equal(s.levels[2], 0);
	NEAR(s.prior, -2);
	NEAR(s.contribution[0], log2(90));
	NEAR(s.weight, log2(356.25));
	NEAR(s.probability, 356.25 / 357.25);
	char words[512];
	sp_fs_score_explain(&m, &s, words, sizeof words);
	assert_string_equal(words, "name set 1.00 exact +6.49; dob 1 edit or fewer +3.06; sex exact "
				   "+0.93; prior -2.00 = weight 8.48, probability 0.9972");
	/* the name's frequency 0.05: u = 0.05, odds 0.25 × 18 × 8.3333 × 1.9 = 71.25 */
	double tf[3] = {0.05, 0.5, 0.5}; /* dob and sex do not weigh by frequency */
	sp_fs_score_pair(&m, p, a, b, tf, &s);
	NEAR(s.weight, log2(71.25));
	assert_true(s.by_frequency[0] && !s.by_frequency[1]);
	sp_fs_score_explain(&m, &s, words, sizeof words);
	assert_non_null(strstr(words, "name set 1.00 exact (by the value's frequency) +4.17; "));
	/* a frequency under tf_min counts as tf_min 0.001: log2 900, odds 3562.5 */
	tf[0] = 0.0001;
	sp_fs_score_pair(&m, p, a, b, tf, &s);
	NEAR(s.weight, log2(3562.5));
	/* sex missing adds nothing: odds 0.25 × 90 × 8.3333 = 187.5 */
	const char *const *c = ROWS(b[0], b[1], "");
	sp_fs_score_pair(&m, p, a, c, NULL, &s);
	assert_int_equal(s.levels[2], SP_LEVEL_MISSING);
	NEAR(s.contribution[2], 0);
	NEAR(s.weight, log2(187.5));
	sp_fs_score_explain(&m, &s, words, sizeof words);
	assert_non_null(strstr(words, "; sex missing +0.00; "));
	/* a run's own parameters score its pairs as the run did */
	const char *const *cells = ROWS("anna", "1990-05-01", "f", "anne", "1990-05-02", "f",
					"bob", "1985-01-01", "m", "zoe", "", "f");
	struct sp_fs_table t = {.n_rows = 4, .cells = cells};
	struct sp_fs_result *r = NULL;
	struct sp_fs_params *own = NULL;
	assert_int_equal(sp_fs_link(&m, &t, NULL, NULL, NULL, &r, &err), SP_OK);
	assert_int_equal(sp_fs_params_from_result(r, &own, &err), SP_OK);
	NEAR(own->tf_min, 0.25);
	sp_fs_score_pair(&m, own, cells, cells + 3, NULL, &s);
	NEAR(s.weight, r->pairs[0].weight);
	sp_fs_params_free(own);
	sp_fs_result_free(r);
	sp_fs_params_free(p);
}

/* Every level of the shipped person model reached, each pair's level worked out by hand (the
 * name cells written in the prepared form with made-up keys, so that each test stands alone):
 * issue 7 item 3's comparisons as person.json declares them. */
static void person_levels_by_hand(void **state)
{
	(void)state;
	struct sp_fs_model m;
	struct sp_err err = {0};
	struct sp_fs_params *p = NULL;
	assert_int_equal(sp_fs_model_shipped("person", &m, &err), SP_OK);
	assert_int_equal(sp_fs_params_default(&m, &p, &err), SP_OK);
#define MOHAMED_ALI "\x02" W("0", "mohamed", "mhmd", "mhmt") W("3", "ali", "l", "l")
	static const struct {
		int comparison, field;
		const char *a, *b;
		int level;
	} cases[] = {
		/* name: the same words swapped; one letter inserted (one edit, every word paired);
		 * 14 letters, 12 matching: Jaro (12/14 + 12/14 + 1) / 3 = 0.904762, prefix 4:
		 * 0.942857 >= 0.94 with 2 edits; keys agreeing alone (skeleton, then phonetic); 12
		 * letters, 10 matching: 0.888889 + 0.4 × 0.111111 = 0.933333 >= 0.88, 2 edits;
		 * dwayne/duane 0.84 >= 0.75, 2 edits; abc/xyz */
		{0, 0, MOHAMED_ALI, "\x02" W("0", "ali", "l", "l") W("3", "mohamed", "mhmd", "mhmt"), 0},
		{0, 0, MOHAMED_ALI, "\x02" W("0", "mohammed", "mhmd", "mhmt") W("3", "ali", "l", "l"), 1},
		{0, 0, "\x02" W("0", "abcdefghijklmn", "a", "a"), "\x02" W("0", "abcdefghijklxy", "b", "b"), 2},
		{0, 0, "\x02" W("0", "zzz", "k", "p1"), "\x02" W("0", "yyy", "k", "p2"), 3},
		{0, 0, "\x02" W("0", "abcdefghijkl", "a", "a"), "\x02" W("0", "abcdefghijxy", "b", "b"), 4},
		{0, 0, "\x02" W("0", "zzz", "k1", "p"), "\x02" W("0", "yyy", "k2", "p"), 5},
		{0, 0, "\x02" W("0", "dwayne", "a", "a"), "\x02" W("0", "duane", "b", "b"), 6},
		{0, 0, "\x02" W("0", "abc", "a", "a"), "\x02" W("0", "xyz", "b", "b"), 7},
		/* date of birth: exact; one digit; same year and month; a year apart; weak (an
		 * estimate) agreeing as far as it goes; weak, a year apart; else */
		{1, 1, "1990-05-12", "1990-05-12", 0}, {1, 1, "1990-05-12", "1990-05-13", 1},
		{1, 1, "1990-05-12", "1990-05-31", 2}, {1, 1, "1990-05-12", "1991-02-03", 3},
		{1, 1, "1990-05-12", "~1990", 4},      {1, 1, "1990-05-12", "~1991", 5},
		{1, 1, "1990-05-12", "1980-01-02", 6}, {1, 1, "1990-01-01", "1990-01-01", 4},
		/* sex, nationality (ZZ is unknown: missing) */
		{2, 2, "male", "m", 0}, {2, 2, "m", "f", 1},
		{3, 3, "SD;EG", "EG;SD", 0}, {3, 3, "SD;EG", "SD", 1}, {3, 3, "SD", "ER", 2},
		{3, 3, "SD", "ZZ", SP_LEVEL_MISSING},
		/* place of separation: Calais/Calaiss Jaro (1 + 6/7 + 1) / 3 = 0.952381, prefix 4:
		 * 0.971429 */
		{4, 4, "Calais", "Calais", 0}, {4, 4, "Calais", "Calaiss", 1}, {4, 4, "Calais", "Lesvos", 2},
		/* date of separation: a month alone is weak */
		{5, 5, "2025-06-25", "2025-06-25", 0}, {5, 5, "2025-06-25", "2025-06-20", 1},
		{5, 5, "2025-06-25", "2025-06", 2},    {5, 5, "2025-06-25", "2024-02-03", 3},
		/* relatives: a name in common; amina ali/amina aly: 8 of 9 match, Jaro (8/9 + 8/9 +
		 * 1) / 3 = 0.925926, prefix 4: 0.955556 */
		{6, 6, "amina ali;ahmed ali", "Ahmed Ali", 0}, {6, 6, "amina ali", "amina aly", 1},
		{6, 6, "amina ali", "peter", 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *a[SP_FS_FIELDS_MAX] = {NULL}, *b[SP_FS_FIELDS_MAX] = {NULL};
		a[cases[i].field] = cases[i].a;
		b[cases[i].field] = cases[i].b;
		struct sp_fs_score sc;
		sp_fs_score_pair(&m, p, a, b, NULL, &sc);
		if (sc.levels[cases[i].comparison] != cases[i].level)
			fail_msg("case %zu: level %d, %d expected", i, sc.levels[cases[i].comparison],
				 cases[i].level);
		for (int c = 0; c < m.n_comparisons; c++) /* the others are missing: they add 0 */
			if (c != cases[i].comparison)
				assert_int_equal(sc.levels[c], SP_LEVEL_MISSING);
	}
	sp_fs_params_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(invalid_golden),  cmocka_unit_test(shipped_and_tiny),
		cmocka_unit_test(training_by_hand), cmocka_unit_test(expected_threshold_by_hand),
		cmocka_unit_test(link_by_hand),	   cmocka_unit_test(term_frequency_by_hand),
		cmocka_unit_test(quality_by_hand), cmocka_unit_test(row_keys_by_hand),
		cmocka_unit_test(params_parsed_and_checked), cmocka_unit_test(one_pair_by_hand),
		cmocka_unit_test(person_levels_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
