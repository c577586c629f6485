/* Referral types as data (config/referrals.json, src/refer/reftypes.c): the shipped file
 * loads against the shipped vocabulary, with the types, kinds, titles and shared fields
 * written here by hand; each shared field's policy class; and every file of
 * tests/data/referrals/invalid gives exactly the errors of its .err file, each with its JSON
 * pointer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "safepath/buf.h"
#include "safepath/init.h"
#include "safepath/protocol.h"
#include "safepath/referral.h"

#include "golden.h"

#define INVALID "tests/data/referrals/invalid"

static struct sp_vocab *vocab;
static struct sp_vocabulary v;

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	if (sp_init() != SP_OK || sp_vocab_load_embedded(&vocab, &d))
		return -1;
	sp_diag_free(&d);
	sp_vocab_for_casework(vocab, &v);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_vocab_free(vocab);
	return 0;
}

#define BIT(f) (1u << SP_RF_##f)

static void shipped_types(void **state)
{
	(void)state;
	struct sp_referral_types *t = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_referral_types_shipped(&v, &t, &err), SP_OK);
	assert_string_equal(t->status, "provisional");
	static const struct {
		const char *id, *kind, *fr;
		unsigned shares;
	} want[] = {
		{"medical", "health_clinic", "Soins médicaux",
		 BIT(NAMES) | BIT(DATE_OF_BIRTH) | BIT(SEX) | BIT(LANGUAGES)},
		{"mental_health", "torture_rehabilitation_centre",
		 "Santé mentale et soutien psychosocial", BIT(NAMES) | BIT(SEX) | BIT(LANGUAGES)},
		{"shelter", "specialised_trafficking_shelter", "Hébergement",
		 BIT(NAMES) | BIT(DATE_OF_BIRTH) | BIT(SEX) | BIT(LANGUAGES) | BIT(NATIONALITIES) |
			 BIT(CONTACTS)},
		{"guardianship_service", "guardianship_service", "Tutelle",
		 BIT(NAMES) | BIT(DATE_OF_BIRTH) | BIT(SEX) | BIT(LANGUAGES) | BIT(NATIONALITIES) |
			 BIT(CONTACTS) | BIT(DOCUMENTS)},
		{"legal_aid", "legal_aid", "Aide juridique",
		 BIT(NAMES) | BIT(DATE_OF_BIRTH) | BIT(LANGUAGES) | BIT(NATIONALITIES) |
			 BIT(DOCUMENTS)},
		{"gbv_service", "gbv_service",
		 "Service de lutte contre les violences fondées sur le genre", BIT(SEX) | BIT(LANGUAGES)},
		{"social_support", "family_tracing_service", "Accompagnement social",
		 BIT(NAMES) | BIT(SEX) | BIT(LANGUAGES) | BIT(CONTACTS)},
		{"duty_to_notify", "duty_to_notify", "Signalement anonyme (obligation de notification)",
		 0},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct sp_referral_type *ty = sp_referral_type_find(t, want[i].id);
		assert_non_null(ty);
		assert_ptr_equal(sp_referral_type_of_kind(t, want[i].kind), ty);
		assert_string_equal(ty->title_fr, want[i].fr);
		assert_int_equal(ty->shares, want[i].shares);
	}
	assert_int_equal(t->n, 9);
	/* kinds no type covers: nothing to refer to there */
	assert_null(sp_referral_type_of_kind(t, "national_referral_mechanism"));
	assert_null(sp_referral_type_of_kind(t, "asylum_authority"));
	assert_null(sp_referral_type_find(t, "teleportation"));
	sp_referral_types_free(t);
}

static void field_classes(void **state)
{
	(void)state;
	static const char *const names[] = {"names",	     "date_of_birth", "sex",
					    "languages",     "nationalities", "contacts",
					    "documents"};
	assert_int_equal(sizeof names / sizeof names[0], SP_RF_COUNT);
	for (int f = 0; f < SP_RF_COUNT; f++) {
		assert_string_equal(sp_referral_field_name((enum sp_referral_field)f), names[f]);
		assert_int_equal(sp_referral_field_parse(names[f]), f);
	}
	assert_int_equal(sp_referral_field_parse("safety"), -1);
	assert_null(sp_referral_field_name(SP_RF_COUNT));
	/* sex and languages are the summary's own class; the rest identify the person */
	assert_int_equal(sp_referral_field_classes(BIT(SEX) | BIT(LANGUAGES)),
			 SP_FIELD(SP_FC_REFERRAL));
	assert_int_equal(sp_referral_field_classes(BIT(NAMES)), SP_FIELD(SP_FC_IDENTITY));
	assert_int_equal(sp_referral_field_classes(BIT(DOCUMENTS) | BIT(SEX)),
			 SP_FIELD(SP_FC_IDENTITY) | SP_FIELD(SP_FC_REFERRAL));
	assert_int_equal(sp_referral_field_classes(0), 0);
}

static void invalid_golden(void **state)
{
	(void)state;
	DIR *d = opendir(INVALID);
	assert_non_null(d);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL) {
		static char text[65536], want[8192];
		char path[512];
		size_t len;
		if (!golden_pair(INVALID, e->d_name, path, sizeof path, text, sizeof text, &len,
				 want, sizeof want))
			continue;
		struct sp_diag diag;
		struct sp_referral_types *t = NULL;
		struct sp_buf got;
		sp_diag_init(&diag);
		sp_buf_init(&got, 1u << 16);
		assert_int_equal(sp_referral_types_parse(text, len, &v, &t, &diag), SP_EINVAL);
		assert_null(t);
		assert_int_equal(sp_diag_format(&diag, &got), SP_OK);
		assert_int_equal(sp_buf_addc(&got, '\0'), 0);
		if (strcmp(got.data, want) != 0)
			fail_msg("%s: errors differ\n--- expected\n%s--- got\n%s", path, want, got.data);
		sp_buf_free(&got);
		sp_diag_free(&diag);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_types),
		cmocka_unit_test(field_classes),
		cmocka_unit_test(invalid_golden),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
