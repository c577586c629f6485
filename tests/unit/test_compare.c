/* The comparators of the matching model against levels worked out by hand (the working is in
 * each comment): names (lower-cased Jaro–Winkler thresholds), plain strings (case kept, edit
 * distance), partial and estimated dates with their weaker levels, sex, nationality sets with
 * ZZ and XXA, relatives' name sets (best pair), missing values, and the level words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "safepath/compare.h"
#include "safepath/normalise.h"

#define L(t) {.test = (t)}
#define NEAR(x, y) assert_true(fabs((x) - (y)) < 1e-6)

static const struct sp_comparison name_cmp = {
	.id = "given_name", .kind = SP_CMP_NAME, .n_levels = 5,
	.levels = {L(SP_TEST_EXACT), {.test = SP_TEST_JARO_WINKLER, .min = 0.92},
		   {.test = SP_TEST_JARO_WINKLER, .min = 0.88},
		   {.test = SP_TEST_JARO_WINKLER, .min = 0.70}, L(SP_TEST_ELSE)}};

static void names(void **state)
{
	(void)state;
	assert_int_equal(sp_compare(&name_cmp, "Martha", "MARTHA"), 0); /* lower-cased: equal */
	assert_int_equal(sp_compare(&name_cmp, " martha ", "martha"), 0); /* spaces around go */
	/* Jaro 17/18 = 0.94444, prefix mar: 0.96111 >= 0.92 */
	assert_int_equal(sp_compare(&name_cmp, "martha", "marhta"), 1);
	/* a, b, c match (window 1), d/e do not: Jaro (3/4 + 3/4 + 1) / 3 = 0.83333; prefix abc:
	 * + 0.3 × 0.16667 = 0.88333: at least 0.88, under 0.92 */
	assert_int_equal(sp_compare(&name_cmp, "abcd", "abce"), 2);
	/* 0.84 (DWAYNE/DUANE) and 0.81333 (DIXON/DICKSONX): at least 0.70 */
	assert_int_equal(sp_compare(&name_cmp, "dwayne", "duane"), 3);
	assert_int_equal(sp_compare(&name_cmp, "Dixon", "Dicksonx"), 3);
	assert_int_equal(sp_compare(&name_cmp, "abc", "xyz"), 4); /* Jaro 0 */
	/* missing on either side, or nothing but spaces */
	assert_int_equal(sp_compare(&name_cmp, "", "x"), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&name_cmp, "x", NULL), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&name_cmp, "   ", "x"), SP_LEVEL_MISSING);
	/* Arabic script by code point: محمد / محمود 0.95333 */
	assert_int_equal(sp_compare(&name_cmp, "محمد", "محمود"), 1);
}

static void strings(void **state)
{
	(void)state;
	static const struct sp_comparison c = {
		.id = "soc_sec_id", .kind = SP_CMP_STRING, .n_levels = 4,
		.levels = {L(SP_TEST_EXACT), {.test = SP_TEST_DAMERAU, .max = 1},
			   {.test = SP_TEST_DAMERAU, .max = 2}, L(SP_TEST_ELSE)}};
	assert_int_equal(sp_compare(&c, "5304218", "5304218"), 0);
	assert_int_equal(sp_compare(&c, "5304218", "5302418"), 1); /* 4 and 2 swapped: 1 edit */
	assert_int_equal(sp_compare(&c, "5304218", "530421"), 1);  /* one deleted */
	assert_int_equal(sp_compare(&c, "5304218", "5314219"), 2); /* two substituted */
	assert_int_equal(sp_compare(&c, "5304218", "1111111"), 3);
	/* a plain string keeps its case: S/s is one substitution */
	assert_int_equal(sp_compare(&c, "Smith", "smith"), 1);
}

static const struct sp_comparison date_cmp = {
	.id = "date_of_birth", .kind = SP_CMP_DATE, .n_levels = 7,
	.levels = {L(SP_TEST_EXACT), {.test = SP_TEST_DAMERAU, .max = 1}, L(SP_TEST_YEAR_MONTH),
		   {.test = SP_TEST_YEAR, .max = 1}, L(SP_TEST_WEAK_EXACT),
		   {.test = SP_TEST_WEAK_YEAR, .max = 1}, L(SP_TEST_ELSE)}};

static void dates(void **state)
{
	(void)state;
	assert_int_equal(sp_compare(&date_cmp, "19151111", "1915-11-11"), 0); /* both forms */
	assert_int_equal(sp_compare(&date_cmp, "19151111", "19151112"), 1);   /* one digit */
	assert_int_equal(sp_compare(&date_cmp, "19151211", "19151121"), 1);   /* 1 and 2 swapped */
	/* 11 -> 30: two digits, same year and month */
	assert_int_equal(sp_compare(&date_cmp, "19151111", "19151130"), 2);
	/* 1915-11-11 / 1916-03-15: six digits apart, years one apart */
	assert_int_equal(sp_compare(&date_cmp, "19151111", "19160315"), 3);
	/* three years apart, but one digit: one edit on the string */
	assert_int_equal(sp_compare(&date_cmp, "19151111", "19181111"), 1);
	assert_int_equal(sp_compare(&date_cmp, "19151111", "19500622"), 6);
	/* weak: 1 January (a default), a year alone, a month alone, an estimate */
	assert_int_equal(sp_compare(&date_cmp, "1915-01-01", "1915-01-01"), 4); /* never exact */
	assert_int_equal(sp_compare(&date_cmp, "1915", "19151111"), 4);
	assert_int_equal(sp_compare(&date_cmp, "1915-11", "1915-11-30"), 4);
	assert_int_equal(sp_compare(&date_cmp, "~1915-11-11", "19151111"), 4);
	assert_int_equal(sp_compare(&date_cmp, "~1915-11-11", "19161111"), 5); /* a year apart */
	assert_int_equal(sp_compare(&date_cmp, "1915-11", "1915-12"), 5);      /* months differ */
	assert_int_equal(sp_compare(&date_cmp, "1915-01-01", "1920-06-01"), 6);
	/* unusable values are missing, as are empty ones */
	assert_int_equal(sp_compare(&date_cmp, "1915-13-01", "19151111"), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&date_cmp, "19151100", "19151111"), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&date_cmp, "11/11/1915", "19151111"), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&date_cmp, "~", "19151111"), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&date_cmp, "", "19151111"), SP_LEVEL_MISSING);
}

static void sex_and_codes(void **state)
{
	(void)state;
	static const struct sp_comparison sex = {
		.id = "sex", .kind = SP_CMP_SEX, .n_levels = 2,
		.levels = {L(SP_TEST_EXACT), L(SP_TEST_ELSE)}};
	assert_int_equal(sp_compare(&sex, "F", "female"), 0);
	assert_int_equal(sp_compare(&sex, "m", "f"), 1);
	assert_int_equal(sp_compare(&sex, "x", "Other"), 0);
	assert_int_equal(sp_compare(&sex, "u", "m"), SP_LEVEL_MISSING);
	assert_int_equal(sp_compare(&sex, "m", "unknown"), SP_LEVEL_MISSING);

	static const struct sp_comparison nat = {
		.id = "nationality", .kind = SP_CMP_CODES, .n_levels = 3,
		.levels = {L(SP_TEST_EXACT), L(SP_TEST_OVERLAP), L(SP_TEST_ELSE)}};
	assert_int_equal(sp_compare(&nat, "SYR;IRQ", "irq, syr"), 0); /* a set: order, case */
	assert_int_equal(sp_compare(&nat, "SYR SYR", "SYR"), 0);      /* repeats count once */
	assert_int_equal(sp_compare(&nat, "SYR", "SYR;IRQ"), 1);
	assert_int_equal(sp_compare(&nat, "AFG", "PAK"), 2);
	assert_int_equal(sp_compare(&nat, "XXA", "XXA"), 0);	      /* stateless is a code */
	assert_int_equal(sp_compare(&nat, "ZZ", "SYR"), SP_LEVEL_MISSING); /* unknown is not */
	assert_int_equal(sp_compare(&nat, "ZZ;SYR", "SYR"), 0);

	static const struct sp_comparison rel = {
		.id = "relatives", .kind = SP_CMP_NAME_SET, .n_levels = 3,
		.levels = {L(SP_TEST_EXACT), {.test = SP_TEST_JARO_WINKLER, .min = 0.88},
			   L(SP_TEST_ELSE)}};
	assert_int_equal(sp_compare(&rel, "Amina; Yusuf", "yusuf"), 0);
	assert_int_equal(sp_compare(&rel, "bob;Martha", "abc;marhta"), 1); /* 0.96111 */
	assert_int_equal(sp_compare(&rel, "abc", "xyz"), 2);
	assert_int_equal(sp_compare(&rel, " ; ;", "x"), SP_LEVEL_MISSING);
}

static void keys_and_words(void **state)
{
	(void)state;
	char k[64];
	assert_true(sp_compare_key(SP_CMP_DATE, "~1915-11-11", k, sizeof k));
	assert_string_equal(k, "19151111");
	assert_true(sp_compare_key(SP_CMP_DATE, "1915-11", k, sizeof k));
	assert_string_equal(k, "191511");
	assert_true(sp_compare_key(SP_CMP_CODES, "irq, syr,ZZ", k, sizeof k));
	assert_string_equal(k, "IRQ;SYR");
	assert_true(sp_compare_key(SP_CMP_NAME, "  Mary Ann ", k, sizeof k));
	assert_string_equal(k, "mary ann");
	assert_true(sp_compare_key(SP_CMP_STRING, " Mary ", k, sizeof k));
	assert_string_equal(k, "Mary");
	assert_true(sp_compare_key(SP_CMP_SEX, "Female", k, sizeof k));
	assert_string_equal(k, "f");
	assert_false(sp_compare_key(SP_CMP_SEX, "?", k, sizeof k));
	assert_false(sp_compare_key(SP_CMP_NAME, NULL, k, sizeof k));

	sp_cmp_level_describe(&name_cmp, 1, k, sizeof k);
	assert_string_equal(k, "Jaro-Winkler >= 0.92");
	sp_cmp_level_describe(&name_cmp, 0, k, sizeof k);
	assert_string_equal(k, "exact");
	sp_cmp_level_describe(&name_cmp, SP_LEVEL_MISSING, k, sizeof k);
	assert_string_equal(k, "missing");
	sp_cmp_level_describe(&date_cmp, 1, k, sizeof k);
	assert_string_equal(k, "1 edit or fewer");
	sp_cmp_level_describe(&date_cmp, 5, k, sizeof k);
	assert_string_equal(k, "weak date, years 1 or less apart");

	assert_int_equal(sp_cmp_kind_parse("name_set"), SP_CMP_NAME_SET);
	assert_int_equal(sp_cmp_kind_parse("Name"), -1);
	assert_string_equal(sp_cmp_kind_name(SP_CMP_KIND_COUNT), "unknown");
	assert_int_equal(sp_cmp_test_parse("weak_year"), SP_TEST_WEAK_YEAR);
	assert_true(sp_cmp_test_allowed(SP_CMP_DATE, SP_TEST_WEAK_EXACT));
	assert_false(sp_cmp_test_allowed(SP_CMP_SEX, SP_TEST_JARO_WINKLER));
	assert_false(sp_cmp_test_allowed(SP_CMP_NAME, SP_TEST_YEAR));
}

/* Prepared names (cells written by hand in the form of normalise.h: per word its role, bare
 * form, skeleton and phonetic keys; the keys here are made up to isolate each test). */
#define W(role, bare, skel, phon) "\x1e" role bare "\x1f" skel "\x1f" phon
static void prepared_names(void **state)
{
	(void)state;
	static const struct sp_comparison c = {
		.id = "name", .kind = SP_CMP_NAME, .n_levels = 6,
		.levels = {L(SP_TEST_EXACT), {.test = SP_TEST_JARO_WINKLER, .min = 0.94},
			   L(SP_TEST_SKELETON), L(SP_TEST_PHONETIC),
			   {.test = SP_TEST_DAMERAU, .max = 2}, L(SP_TEST_ELSE)}};
	const char *mohamed_ali = "\x02" W("0", "mohamed", "mhmd", "mhmt") W("3", "ali", "l", "l");
	const char *ali_mohamed = "\x02" W("0", "ali", "l", "l") W("3", "mohamed", "mhmd", "mhmt");
	const char *mohammed_ali = "\x02" W("0", "mohammed", "mhmd", "mhmt") W("3", "ali", "l", "l");
	const char *mohamed = "\x02" W("0", "mohamed", "mhmd", "mhmt");
	struct sp_cmp_detail d;
	/* the same words in another order: exact (as a set), by the set route */
	assert_int_equal(sp_compare_detail(&c, mohamed_ali, ali_mohamed, &d), 0);
	assert_string_equal(d.route, "set");
	NEAR(d.similarity, 1);
	/* mohamed/mohammed: window 3, 7 matches in order: Jaro (1 + 7/8 + 1) / 3 = 0.958333,
	 * prefix 4: + 0.4 × 0.041667 = 0.975; with ali 1: mean 0.9875 >= 0.94 */
	assert_int_equal(sp_compare_detail(&c, mohamed_ali, mohammed_ali, &d), 1);
	assert_string_equal(d.route, "ordered");
	NEAR(d.similarity, 0.9875);
	/* one name's words all in the other: similarity 1 but a word without a partner, so not
	 * exact; Jaro–Winkler 1 >= 0.94 */
	assert_int_equal(sp_compare(&c, mohamed_ali, mohamed), 1);
	/* zzz/yyy: Jaro 0; the skeleton keys agree */
	assert_int_equal(sp_compare(&c, "\x02" W("0", "zzz", "k", "p1"), "\x02" W("0", "yyy", "k", "p2")), 2);
	/* the phonetic keys agree, the skeletons not */
	assert_int_equal(sp_compare(&c, "\x02" W("0", "zzz", "k1", "p"), "\x02" W("0", "yyy", "k2", "p")), 3);
	/* abcdef/abcdxy: 4 matches, Jaro (4/6 + 4/6 + 1) / 3 = 0.777778, prefix 4: 0.866667 under
	 * 0.94; keys differ; 2 substitutions: damerau <= 2 */
	assert_int_equal(sp_compare(&c, "\x02" W("0", "abcdef", "a", "a"), "\x02" W("0", "abcdxy", "b", "b")), 4);
	/* the edits summed as far as asked: 2 within 5; over 1 they say 2 (1 + 1); -1: not summed */
	struct sp_match_cmp mc;
	const char *abcdef = "\x02" W("0", "abcdef", "a", "a"), *abcdxy = "\x02" W("0", "abcdxy", "b", "b");
	assert_true(sp_match_prepared_compare(abcdef, abcdxy, 5, &mc));
	assert_int_equal(mc.edits, 2);
	assert_true(sp_match_prepared_compare(abcdef, abcdxy, 1, &mc));
	assert_int_equal(mc.edits, 2);
	assert_true(sp_match_prepared_compare(abcdef, "\x02" W("0", "abcdefghi", "b", "b"), 1, &mc));
	assert_int_equal(mc.edits, 2); /* three letters longer: over at once */
	assert_true(sp_match_prepared_compare(abcdef, abcdxy, -1, &mc));
	assert_int_equal(mc.edits, 0);
	/* ... but a word without a partner fails the edit distance */
	assert_int_equal(sp_compare(&c, "\x02" W("0", "abcdef", "a", "a") W("0", "q", "q", "q"),
				    "\x02" W("0", "abcdxy", "b", "b")), 5);
	assert_int_equal(sp_compare(&c, "\x02" W("0", "abc", "a", "a"), "\x02" W("0", "xyz", "b", "b")), 5);
	/* a prepared cell against plain text: compared as text, its bare words spaced; "mohamed
	 * ali" against "mohamed  ali": 11 matches in order, Jaro (1 + 11/12 + 1) / 3 = 0.972222,
	 * prefix 4: 0.983333 */
	assert_int_equal(sp_compare_detail(&c, mohamed_ali, "Mohamed  Ali", &d), 1);
	NEAR(d.similarity, 0.983333);
	assert_null(d.route);
	assert_int_equal(sp_compare_detail(&c, mohamed_ali, "Mohamed Ali", &d), 0);
	assert_null(d.route);
	char key[64];
	assert_true(sp_compare_key(SP_CMP_NAME, ali_mohamed, key, sizeof key));
	assert_string_equal(key, "ali mohamed");
	assert_false(sp_compare_key(SP_CMP_NAME, ali_mohamed, key, 11)); /* no room for its NUL */
	assert_false(sp_compare_key(SP_CMP_NAME, "\x02", key, sizeof key)); /* damaged */
	/* a plain pair: skeleton and phonetic never hold, Jaro–Winkler is given */
	assert_int_equal(sp_compare_detail(&c, "abc", "xyz", &d), 5);
	NEAR(d.similarity, 0);
	char words[64];
	sp_cmp_level_describe(&c, 2, words, sizeof words);
	assert_string_equal(words, "same skeleton keys");
	sp_cmp_level_describe(&c, 3, words, sizeof words);
	assert_string_equal(words, "same phonetic keys");
	assert_false(sp_cmp_test_allowed(SP_CMP_STRING, SP_TEST_SKELETON));
	assert_int_equal(sp_cmp_test_parse("phonetic"), SP_TEST_PHONETIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),	 cmocka_unit_test(strings),
		cmocka_unit_test(dates),	 cmocka_unit_test(sex_and_codes),
		cmocka_unit_test(keys_and_words), cmocka_unit_test(prepared_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
