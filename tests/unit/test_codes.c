/* core/codes.c: ISO 3166-1, 639 and 15924 codes from iso-codes, with the field's extras.
 * Expected values are picked by hand from the standards, not read from the lists. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "safepath/codes.h"

static void expect_country(const char *in, const char *want)
{
	char out[SP_CODE_MAX] = "";
	struct sp_err err = {0};
	int rc = sp_country_code(in, out, &err);
	if (rc)
		fail_msg("country %s: %s", in, err.msg);
	assert_string_equal(out, want);
}

static void expect_bad_country(const char *in)
{
	char out[SP_CODE_MAX] = "";
	struct sp_err err = {0};
	assert_int_equal(sp_country_code(in, out, &err), SP_EINVAL);
	assert_int_equal(err.code, SP_EINVAL);
	if (in && *in)
		assert_null(strstr(err.msg, in)); /* errors never echo the input */
}

static void countries_canonicalise_to_alpha2(void **state)
{
	(void)state;
	expect_country("SY", "SY");
	expect_country("sy", "SY");
	expect_country("SYR", "SY");
	expect_country("eri", "ER");
	expect_country("AFG", "AF");
	expect_country("UA", "UA");
	expect_country("ETH", "ET");
	expect_country("DE", "DE");
	/* the field's extras */
	expect_country("ZZ", "ZZ");
	expect_country("XXA", "XXA");
	expect_country("xxa", "XXA");
	expect_country("XK", "XK");
	expect_country("XKX", "XK");
}

static void countries_reject_unknown_and_malformed(void **state)
{
	(void)state;
	expect_bad_country("QQ"); /* user-assigned, not in ISO */
	expect_bad_country("UK"); /* exceptionally reserved; GB is the code */
	expect_bad_country("XX");
	expect_bad_country("ZZZ");
	expect_bad_country("XXB"); /* ICAO refugee code: not accepted (yet) */
	expect_bad_country("SYRI");
	expect_bad_country("S");
	expect_bad_country("");
	expect_bad_country("S1");
	expect_bad_country("É");
	expect_bad_country(NULL);
	assert_string_equal(sp_country_name("ER"), "Eritrea");
	assert_string_equal(sp_country_name("XXA"), "Stateless");
	assert_null(sp_country_name("QQ"));
}

static void expect_language(const char *in, const char *want)
{
	char out[SP_CODE_MAX] = "";
	struct sp_err err = {0};
	int rc = sp_language_code(in, out, &err);
	if (rc)
		fail_msg("language %s: %s", in, err.msg);
	assert_string_equal(out, want);
}

static void languages_prefer_639_1(void **state)
{
	(void)state;
	expect_language("ti", "ti"); /* Tigrinya */
	expect_language("tir", "ti");
	expect_language("ps", "ps"); /* Pashto */
	expect_language("pus", "ps");
	expect_language("so", "so");
	expect_language("AR", "ar");
	expect_language("ara", "ar"); /* macrolanguage, has a 639-1 twin */
	expect_language("fa", "fa");
	expect_language("prs", "prs"); /* Dari: 639-3 only */
	expect_language("apc", "apc"); /* Levantine Arabic: 639-3 only */
	expect_language("am", "am");
	char out[SP_CODE_MAX];
	struct sp_err err = {0};
	assert_int_equal(sp_language_code("xx", out, &err), SP_EINVAL);
	assert_int_equal(sp_language_code("qqq", out, &err), SP_EINVAL);
	assert_int_equal(sp_language_code("en-GB", out, &err), SP_EINVAL);
	assert_int_equal(sp_language_code("e", out, &err), SP_EINVAL);
	assert_int_equal(sp_language_code("engl", out, &err), SP_EINVAL);
	assert_string_equal(sp_language_name("ti"), "Tigrinya");
	assert_string_equal(sp_language_name("prs"), "Dari");
}

static void scripts_are_iso_15924(void **state)
{
	(void)state;
	const char *ok[][2] = {{"Arab", "Arab"},
			       {"ethi", "Ethi"},
			       {"CYRL", "Cyrl"},
			       {"Latn", "Latn"},
			       {"Hani", "Hani"}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char out[SP_CODE_MAX];
		struct sp_err err = {0};
		assert_int_equal(sp_script_code(ok[i][0], out, &err), SP_OK);
		assert_string_equal(out, ok[i][1]);
	}
	char out[SP_CODE_MAX];
	struct sp_err err = {0};
	assert_int_equal(sp_script_code("Abcd", out, &err), SP_EINVAL);
	assert_int_equal(sp_script_code("Ar", out, &err), SP_EINVAL);
	assert_int_equal(sp_script_code("Arabx", out, &err), SP_EINVAL);
}

static void *lookup_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		char out[SP_CODE_MAX];
		if (sp_country_code("SYR", out, NULL) || strcmp(out, "SY") != 0)
			return (void *)1;
		if (sp_language_code("tir", out, NULL) || strcmp(out, "ti") != 0)
			return (void *)1;
	}
	return NULL;
}

/* Runs first in its own process image state: several threads race on the lazy load. */
static void first_use_from_many_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, lookup_many, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_use_from_many_threads),
		cmocka_unit_test(countries_canonicalise_to_alpha2),
		cmocka_unit_test(countries_reject_unknown_and_malformed),
		cmocka_unit_test(languages_prefer_639_1),
		cmocka_unit_test(scripts_are_iso_15924),
	};
	return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
