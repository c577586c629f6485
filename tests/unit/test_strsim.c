/* String similarity against values worked out by hand (the working is in each comment):
 * Jaro–Winkler on the textbook pairs and on Arabic script by code point, the 0.7 threshold
 * of the prefix boost, the unrestricted Damerau–Levenshtein distance (where it differs from
 * the restricted form), and invalid UTF-8 read as U+FFFD one byte at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "safepath/strsim.h"

#define NEAR(x, y) assert_true((x) > (y) - 1e-4 && (x) < (y) + 1e-4)

static void jaro_winkler_by_hand(void **state)
{
	(void)state;
	/* 6 matches (window 2), T/H and H/T out of order: t = 1;
	 * Jaro = (6/6 + 6/6 + 5/6) / 3 = 0.94444; prefix MAR: + 0.3 × 0.05556 */
	NEAR(sp_jaro_winkler_utf8("MARTHA", "MARHTA"), 0.96111);
	/* D, A, N, E match (window 2), in order: Jaro = (4/6 + 4/5 + 1) / 3 = 0.82222;
	 * prefix D: + 0.1 × 0.17778 */
	NEAR(sp_jaro_winkler_utf8("DWAYNE", "DUANE"), 0.84);
	/* window 3: D, I, O, N match, the X of DICKSONX is 5 away:
	 * Jaro = (4/5 + 4/8 + 1) / 3 = 0.76667; prefix DI: + 0.2 × 0.23333 */
	NEAR(sp_jaro_winkler_utf8("DIXON", "DICKSONX"), 0.81333);
	/* Arabic by code point, not byte: محمد (4) and محمود (5), window 1, all four match in
	 * order: Jaro = (1 + 4/5 + 1) / 3 = 0.93333; prefix محم: + 0.3 × 0.06667 */
	NEAR(sp_jaro_winkler_utf8("محمد", "محمود"), 0.95333);
	NEAR(sp_jaro_winkler_utf8("ሃብቶም", "ሃብቶም"), 1.0);
	/* window 0: only the a matches: Jaro = (1/2 + 1/2 + 1) / 3 = 0.66667, not above 0.7,
	 * so no boost for the common prefix */
	NEAR(sp_jaro_winkler_utf8("ab", "ac"), 0.66667);
	/* nothing in common */
	NEAR(sp_jaro_winkler_utf8("abc", "xyz"), 0.0);
	NEAR(sp_jaro_winkler_utf8("", ""), 1.0);
	NEAR(sp_jaro_winkler_utf8("a", ""), 0.0);
	NEAR(sp_jaro_winkler_utf8(NULL, "a"), 0.0);
	/* symmetric */
	NEAR(sp_jaro_winkler_utf8("DICKSONX", "DIXON"), 0.81333);
}

static void damerau_levenshtein_by_hand(void **state)
{
	(void)state;
	/* ca -> ac (swap) -> abc (insert b): 2; the restricted form cannot edit inside the
	 * swapped pair and says 3 */
	assert_int_equal(sp_damerau_levenshtein_utf8("ca", "abc"), 2);
	/* k->s, e->i, + g */
	assert_int_equal(sp_damerau_levenshtein_utf8("kitten", "sitting"), 3);
	assert_int_equal(sp_damerau_levenshtein_utf8("ab", "ba"), 1);
	assert_int_equal(sp_damerau_levenshtein_utf8("Hsasan", "Hassan"), 1);
	/* Somali x for ħ and a for o: two substitutions */
	assert_int_equal(sp_damerau_levenshtein_utf8("Maxamed", "Mohamed"), 2);
	assert_int_equal(sp_damerau_levenshtein_utf8("Mohamed", "Mohammed"), 1);
	/* one Arabic letter for another is one edit, not two bytes */
	assert_int_equal(sp_damerau_levenshtein_utf8("محمد", "مهمد"), 1);
	assert_int_equal(sp_damerau_levenshtein_utf8("", "abc"), 3);
	assert_int_equal(sp_damerau_levenshtein_utf8("abc", ""), 3);
	assert_int_equal(sp_damerau_levenshtein_utf8("", ""), 0);
	assert_int_equal(sp_damerau_levenshtein_utf8("same", "same"), 0);
	/* 1 January against 11 January written as dates: one insertion */
	assert_int_equal(sp_damerau_levenshtein_utf8("2010-01-01", "2010-01-11"), 1);
}

static void invalid_utf8_and_the_cap(void **state)
{
	(void)state;
	uint32_t cp[SP_STRSIM_MAX];
	/* a stray continuation byte, a lone lead byte before the end, an overlong slash, a
	 * surrogate: each byte of them one U+FFFD */
	assert_int_equal(sp_utf8_codepoints("a\x80" "b", cp, SP_STRSIM_MAX), 3);
	assert_int_equal(cp[1], 0xFFFD);
	assert_int_equal(sp_utf8_codepoints("\xe2\x82", cp, SP_STRSIM_MAX), 2);
	assert_int_equal(cp[0], 0xFFFD);
	assert_int_equal(cp[1], 0xFFFD);
	assert_int_equal(sp_utf8_codepoints("\xc0\xaf", cp, SP_STRSIM_MAX), 2);
	assert_int_equal(sp_utf8_codepoints("\xed\xa0\x80", cp, SP_STRSIM_MAX), 3);
	assert_int_equal(sp_utf8_codepoints("é", cp, SP_STRSIM_MAX), 1);
	assert_int_equal(cp[0], 0xE9);
	assert_int_equal(sp_utf8_codepoints("\xf0\x9f\x98\x80", cp, SP_STRSIM_MAX), 1);
	assert_int_equal(cp[0], 0x1F600);
	/* only the first 64 code points count: 70 a's against 64 a's and 6 b's differ in 6
	 * places beyond the cap, so they are equal to the comparison */
	char a[71], b[71];
	for (int i = 0; i < 70; i++) {
		a[i] = 'a';
		b[i] = i < 64 ? 'a' : 'b';
	}
	a[70] = b[70] = '\0';
	assert_int_equal(sp_damerau_levenshtein_utf8(a, b), 0);
	NEAR(sp_jaro_winkler_utf8(a, b), 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jaro_winkler_by_hand),
		cmocka_unit_test(damerau_levenshtein_by_hand),
		cmocka_unit_test(invalid_utf8_and_the_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
