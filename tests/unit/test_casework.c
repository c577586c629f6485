/* casework/: the person object (strict decoding with field paths, canonical encoding) and the
 * name normaliser behind name search. Golden cases in tests/data/casework/person_*.json. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/arena.h"
#include "safepath/case.h"
#include "safepath/json.h"
#include "safepath/jsonw.h"
#include "safepath/person.h"

#define DATA "tests/data/casework/"

static json_t *load(const char *file)
{
	json_error_t je;
	json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		fail_msg("%s: %s", file, je.text);
	return j;
}

static void person_invalid_bodies_name_the_field(void **state)
{
	(void)state;
	json_t *cases = load(DATA "person_invalid.json");
	size_t i;
	json_t *c;
	json_array_foreach(cases, i, c) {
		struct sp_arena a;
		sp_arena_init(&a, 4096, 0);
		struct sp_person p;
		struct sp_err err = {0};
		const char *why = json_string_value(json_object_get(c, "why"));
		int rc = sp_person_decode(json_object_get(c, "input"), &a, &p, &err);
		if (rc == SP_OK)
			fail_msg("case %zu (%s): accepted", i, why);
		if (strcmp(err.field, json_string_value(json_object_get(c, "field"))) != 0 ||
		    strcmp(err.msg, json_string_value(json_object_get(c, "message"))) != 0)
			fail_msg("case %zu (%s): got %s: %s", i, why, err.field, err.msg);
		assert_int_equal(rc, err.code);
		sp_arena_release(&a);
	}
	json_decref(cases);
}

static void person_valid_bodies_round_trip(void **state)
{
	(void)state;
	json_t *cases = load(DATA "person_valid.json");
	size_t i;
	json_t *c;
	json_array_foreach(cases, i, c) {
		struct sp_arena a;
		sp_arena_init(&a, 4096, 0);
		struct sp_person p;
		struct sp_err err = {0};
		if (sp_person_decode(json_object_get(c, "input"), &a, &p, &err))
			fail_msg("case %zu: %s: %s", i, err.field, err.msg);
		json_t *got = sp_person_encode(&p, true);
		assert_non_null(got);
		if (!json_equal(got, json_object_get(c, "expect"))) {
			char *s = sp_json_dump(got);
			fail_msg("case %zu: encoded %s", i, s);
		}
		/* Encoding is canonical: decoding the output gives the same output again. */
		struct sp_person q;
		assert_int_equal(sp_person_decode(got, &a, &q, &err), SP_OK);
		json_t *again = sp_person_encode(&q, true);
		assert_true(json_equal(got, again));
		/* Without need-to-know, safety is left out. */
		json_t *bare = sp_person_encode(&q, false);
		assert_null(json_object_get(bare, "safety"));
		json_decref(bare);
		json_decref(again);
		json_decref(got);
		sp_arena_release(&a);
	}
	json_decref(cases);
}

static void person_rejects_duplicate_keys_in_text(void **state)
{
	(void)state;
	static const char body[] =
		"{\"names\":[{\"role\":\"given\",\"romanised\":\"A\",\"role\":\"family\"}]}";
	struct sp_err err = {0};
	json_t *j = sp_json_parse(body, sizeof body - 1, &err);
	assert_null(j);
	assert_int_equal(err.code, SP_EINVAL);
	assert_non_null(strstr(err.msg, "duplicate"));
}

static void person_rejects_embedded_nul(void **state)
{
	(void)state;
	static const char body[] = "{\"names\":[{\"role\":\"given\",\"romanised\":\"A\\u0000B\"}]}";
	struct sp_err err = {0};
	json_t *j = json_loadb(body, sizeof body - 1, JSON_ALLOW_NUL, NULL);
	assert_non_null(j);
	struct sp_arena a;
	sp_arena_init(&a, 1024, 0);
	struct sp_person p;
	assert_int_equal(sp_person_decode(j, &a, &p, &err), SP_EINVAL);
	assert_string_equal(err.field, "/names/0/romanised");
	json_decref(j);
	sp_arena_release(&a);
}

static void expect_norm(struct sp_arena *a, const char *in, const char *want)
{
	const char *out = NULL;
	struct sp_err err = {0};
	if (sp_person_name_key(in, a, &out, &err))
		fail_msg("normalise failed: %s", err.msg);
	if (strcmp(out, want) != 0)
		fail_msg("normalise: got \"%s\", want \"%s\"", out, want);
}

static void names_normalise_for_exact_search(void **state)
{
	(void)state;
	struct sp_arena a;
	sp_arena_init(&a, 4096, 0);
	expect_norm(&a, "Mohammed", "mohammed");
	expect_norm(&a, "  MOHÁMMED ", "mohammed");
	expect_norm(&a, "Abdel-Rahman", "abdel rahman");
	expect_norm(&a, "Abdel \t  Rahman", "abdel rahman");
	expect_norm(&a, "Straße", "strasse"); /* case folding, not lower-casing */
	expect_norm(&a, "Ｍａｒｙａｍ", "maryam"); /* full-width forms (NFKC) */
	expect_norm(&a, "Zoë Nguyễn", "zoe nguyen");
	/* Arabic: harakat and shadda, tatweel, hamza carriers on alef, ZWNJ are dropped. */
	expect_norm(&a, "عَبْدُ الرَّحْمٰن", "عبد الرحمن");
	expect_norm(&a, "محـــمد", "محمد");
	expect_norm(&a, "أحمد", "احمد");
	expect_norm(&a, "إبراهيم", "ابراهيم");
	/* Ge'ez syllables are letters, not letter + mark: they stay as they are. */
	expect_norm(&a, "ኣማኑኤል", "ኣማኑኤል");
	/* Cyrillic: case folded; the breve of й is a diacritic and goes too. */
	expect_norm(&a, "Андрей", "андреи");
	const char *out;
	struct sp_err err = {0};
	assert_int_equal(sp_person_name_key("  - ", &a, &out, &err), SP_EINVAL);
	assert_int_equal(sp_person_name_key("\xff\xfe", &a, &out, &err), SP_EINVAL);
	sp_arena_release(&a);
}

static void enum_tables_name_every_value(void **state)
{
	(void)state;
	for (int r = 0; r < SP_NAME_ROLE_COUNT; r++)
		assert_int_equal(sp_name_role_parse(sp_name_role_name((enum sp_name_role)r)), r);
	for (int t = 0; t < SP_DOC_TYPE_COUNT; t++)
		assert_int_equal(sp_doc_type_parse(sp_doc_type_name((enum sp_doc_type)t)), t);
	for (int s = 0; s < SP_SEX_COUNT; s++)
		assert_non_null(sp_sex_htcds((enum sp_sex)s));
	assert_string_equal(sp_sex_htcds(SP_SEX_UNKNOWN), "NonSpecifiedUnknown");
	assert_string_equal(sp_name_role_name(SP_NAME_CLAN_LINEAGE), "clan_lineage");
	assert_null(sp_name_role_name(SP_NAME_ROLE_COUNT));
	assert_int_equal(sp_name_role_parse("surname"), -1);
}

static char *demo_json(uint64_t seed, unsigned i)
{
	struct sp_arena a;
	sp_arena_init(&a, 4096, 0);
	struct sp_person p;
	struct sp_err err = {0};
	if (sp_demo_person(seed, i, &a, &p, &err))
		fail_msg("demo %u: %s", i, err.msg);
	json_t *j = sp_person_encode(&p, true);
	char *s = sp_json_dump(j);
	/* What the generator makes passes the same validation as any body. */
	struct sp_person q;
	if (sp_person_decode(j, &a, &q, &err))
		fail_msg("demo %u does not validate: %s %s", i, err.field, err.msg);
	json_decref(j);
	sp_arena_release(&a);
	return s;
}

static void demo_persons_are_deterministic_and_varied(void **state)
{
	(void)state;
	char *a = demo_json(42, 7), *b = demo_json(42, 7), *c = demo_json(43, 7);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
	int scripts[4] = {0}, no_family = 0, persian = 0, ethiopian = 0, stateless = 0;
	for (unsigned i = 0; i < 300; i++) {
		char *s = demo_json(42, i);
		scripts[0] += strstr(s, "\"Ethi\"") != NULL;
		scripts[1] += strstr(s, "\"Arab\"") != NULL;
		scripts[2] += strstr(s, "\"Cyrl\"") != NULL;
		scripts[3] += strstr(s, "\"Latn\"") != NULL;
		no_family += strstr(s, "\"family\"") == NULL;
		persian += strstr(s, "\"persian\"") != NULL;
		ethiopian += strstr(s, "\"ethiopian\"") != NULL;
		stateless += strstr(s, "\"XXA\"") != NULL;
		sp_json_free(s);
	}
	for (int k = 0; k < 4; k++)
		assert_true(scripts[k] >= 10);
	assert_true(no_family >= 50);
	assert_true(persian >= 20);
	assert_true(ethiopian >= 5);
	assert_true(stateless >= 3);
}

/* A caseload row's form, written by hand: the API's pages and --json share it. */
static void case_hit_form(void **state)
{
	(void)state;
	struct sp_case_hit h = {.number = "NGO-2026-000042", .status = SP_CASE_ACTIVE,
				.priority = SP_PRIORITY_HIGH,
				.flags = SP_CASE_UNACCOMPANIED_CHILD | SP_CASE_POSSIBLE_VOT};
	assert_int_equal(sp_id_parse("01890a5d-ac96-774b-bcce-b302099a8057", &h.case_id), SP_OK);
	struct sp_buf b;
	struct sp_jsonw w;
	sp_buf_init(&b, 1024);
	sp_jsonw_init(&w, &b);
	sp_case_hit_write(&w, &h);
	assert_int_equal(sp_jsonw_status(&w), SP_OK);
	assert_string_equal(b.data,
			    "{\"flags\":[\"unaccompanied_child\",\"possible_victim_of_trafficking\"],"
			    "\"id\":\"01890a5d-ac96-774b-bcce-b302099a8057\",\"name\":null,"
			    "\"number\":\"NGO-2026-000042\","
			    "\"priority\":\"high\",\"status\":\"active\"}");
	json_t *j = sp_case_hit_encode(&h);
	char *text = sp_json_dump(j);
	assert_string_equal(text, b.data);
	sp_json_free(text);
	json_decref(j);
	/* a name the subject may read, escaped as JSON */
	h.named = true;
	h.name = "Amanuel \"Amu\" Tesfaye";
	h.flags = 0;
	sp_buf_reset(&b);
	sp_jsonw_init(&w, &b);
	sp_case_hit_write(&w, &h);
	assert_int_equal(sp_jsonw_status(&w), SP_OK);
	assert_string_equal(b.data,
			    "{\"flags\":[],\"id\":\"01890a5d-ac96-774b-bcce-b302099a8057\","
			    "\"name\":\"Amanuel \\\"Amu\\\" Tesfaye\",\"number\":\"NGO-2026-000042\","
			    "\"priority\":\"high\",\"status\":\"active\"}");
	sp_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_hit_form),
		cmocka_unit_test(person_invalid_bodies_name_the_field),
		cmocka_unit_test(person_valid_bodies_round_trip),
		cmocka_unit_test(person_rejects_duplicate_keys_in_text),
		cmocka_unit_test(person_rejects_embedded_nul),
		cmocka_unit_test(names_normalise_for_exact_search),
		cmocka_unit_test(enum_tables_name_every_value),
		cmocka_unit_test(demo_persons_are_deterministic_and_varied),
	};
	return cmocka_run_group_tests_name("casework", tests, NULL, NULL);
}
