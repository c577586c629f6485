/* Names across scripts: the normaliser against the hand-written table of script samples
 * (tests/data/match/names.tsv), the variant groups that must share a key and the pairs the
 * keys do and do not tell apart (variants.tsv), its errors, and name comparison — swapped
 * order, a missing family name, an extra grandfather's name, particles, Arabic script against
 * its romanisation, Ge'ez compared in its own script — with scores worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "safepath/normalise.h"

#define NEAR(x, y) assert_true((x) > (y) - 1e-4 && (x) < (y) + 1e-4)

static struct sp_normaliser *nz;

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	return sp_normaliser_new(&nz, &err);
}

static int teardown(void **state)
{
	(void)state;
	sp_normaliser_free(nz);
	return 0;
}

/* Split line at tabs into at most n fields; how many. "-" stands for an empty field. */
static size_t fields(char *line, char **f, size_t n)
{
	size_t k = 0;
	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line; k < n;) {
		f[k++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	for (size_t i = 0; i < k; i++)
		if (strcmp(f[i], "-") == 0)
			f[i][0] = '\0';
	return k;
}

static int mismatches;

/* Every difference printed, the test failing at the end of the table. */
static void expect(const char *what, const char *text, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		print_error("%s of \"%s\": got \"%s\", want \"%s\"\n", what, text, got, want);
		mismatches++;
	}
}

static void golden_samples(void **state)
{
	(void)state;
	FILE *f = fopen("tests/data/match/names.tsv", "r");
	assert_non_null(f);
	char line[2048];
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *c[9];
		if (fields(line, c, 9) != 9)
			fail_msg("names.tsv: a row without 9 fields: %s", line);
		struct sp_name_form form, again;
		struct sp_err err = {0};
		if (sp_normalise_part(nz, c[0], c[1], &form, &err) != SP_OK)
			fail_msg("\"%s\": %s %s", c[0], err.field, err.msg);
		expect("script", c[0], form.script, c[2]);
		expect("folded", c[0], form.folded, c[3]);
		expect("bare", c[0], form.bare, c[4]);
		expect("particles", c[0], form.particles, c[5]);
		expect("skeleton", c[0], form.skeleton, c[6]);
		expect("phonetic", c[0], form.phonetic, c[7]);
		expect("in-script form", c[0], form.inscript, c[8]);
		/* folding is idempotent: the folded form is its own folded form, with the same keys */
		assert_int_equal(sp_normalise_part(nz, form.folded, "Latn", &again, &err), SP_OK);
		expect("folded again", c[0], again.folded, form.folded);
		expect("skeleton again", c[0], again.skeleton, form.skeleton);
		expect("phonetic again", c[0], again.phonetic, form.phonetic);
		rows++;
	}
	fclose(f);
	assert_int_equal(mismatches, 0);
	assert_true(rows >= 60);
}

static void keys_of(const char *text, struct sp_name_form *form)
{
	struct sp_err err = {0};
	if (sp_normalise_part(nz, text, "", form, &err) != SP_OK)
		fail_msg("\"%s\": %s %s", text, err.field, err.msg);
}

static void variant_groups(void **state)
{
	(void)state;
	FILE *f = fopen("tests/data/match/variants.tsv", "r");
	assert_non_null(f);
	char line[2048];
	int groups = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *c[3], *names[16] = {0};
		assert_int_equal(fields(line, c, 3), 3);
		size_t n = 0;
		assert_true(c[2][0] != '\0');
		for (char *p = c[2]; p && n < 16; n++) {
			names[n] = p;
			p = strchr(p, '|');
			if (p)
				*p++ = '\0';
		}
		struct sp_name_form first, other;
		keys_of(names[0], &first);
		bool skeleton = strcmp(c[1], "skeleton") == 0;
		for (size_t i = 1; i < n; i++) {
			keys_of(names[i], &other);
			bool same_s = strcmp(first.skeleton, other.skeleton) == 0;
			bool same_p = strcmp(first.phonetic, other.phonetic) == 0;
			if (strcmp(c[0], "share") == 0 && !(skeleton ? same_s : same_p))
				fail_msg("%s: %s %s, %s %s", c[1], names[0],
					 skeleton ? first.skeleton : first.phonetic, names[i],
					 skeleton ? other.skeleton : other.phonetic);
			if (strcmp(c[0], "differ") == 0 && (same_s || same_p))
				fail_msg("%s and %s share a key", names[0], names[i]);
			if (strcmp(c[0], "collide") == 0 && !same_s && !same_p)
				fail_msg("%s and %s no longer collide: update the docs", names[0],
					 names[i]);
		}
		groups++;
	}
	fclose(f);
	assert_true(groups >= 30);
}

static void refused(const char *text, const char *script, int code, const char *field,
		    const char *msg)
{
	struct sp_name_form form;
	struct sp_err err = {0};
	assert_int_equal(sp_normalise_part(nz, text, script, &form, &err), code);
	assert_string_equal(err.field, field);
	assert_string_equal(err.msg, msg);
	assert_string_equal(form.folded, "");
}

static void errors_name_the_field(void **state)
{
	(void)state;
	char long_text[SP_NPART_TEXT_MAX + 2];
	memset(long_text, 'a', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	refused("", "", SP_EINVAL, "/text", "is empty");
	refused(NULL, "", SP_EINVAL, "/text", "is empty");
	refused(long_text, "", SP_ETOOBIG, "/text", "longer than 200 bytes");
	refused("Ali\xc3", "", SP_EINVAL, "/text", "not valid UTF-8");
	refused("12 - 34", "", SP_EINVAL, "/text", "has no letters");
	refused("Ali", "Latin", SP_EINVAL, "/script",
		"not an ISO 15924 script code (such as Latn, Arab, Ethi, Cyrl)");
	refused("Ali", "Xqzw", SP_EINVAL, "/script",
		"not an ISO 15924 script code (such as Latn, Arab, Ethi, Cyrl)");
	refused("علي", "Latn", SP_EINVAL, "/script", "the text is written in Arab, not Latn");
	/* a letter no transliterator writes in Latin leaves nothing */
	refused("\xea\x80\x80", "", SP_EINVAL, "/text", "has nothing that can be written in Latin");
}

static void build(struct sp_match_name *name, const struct sp_npart_in *parts, size_t n)
{
	struct sp_err err = {0};
	if (sp_match_name_build(nz, parts, n, name, &err) != SP_OK)
		fail_msg("%s %s", err.field, err.msg);
}

static void building_a_name(void **state)
{
	(void)state;
	struct sp_match_name name;
	struct sp_err err = {0};
	const struct sp_npart_in p[] = {
		{SP_NPART_GIVEN, "Abdel Rahman", "", NULL, NULL},
		{SP_NPART_FATHER, "ould Ahmed", "Latn", NULL, NULL},
		{SP_NPART_FAMILY, "محمد", "Arab", NULL, NULL},
	};
	build(&name, p, 3);
	/* the particle is no word; the "abd" name is one; the Arabic part is kept in its script */
	assert_int_equal(name.nwords, 3);
	assert_string_equal(name.word[0].bare, "abdelrahman");
	assert_string_equal(name.word[0].skeleton, "bdrhmn");
	assert_int_equal(name.word[0].role, SP_NPART_GIVEN);
	assert_string_equal(name.word[1].bare, "ahmed");
	assert_int_equal(name.word[1].role, SP_NPART_FATHER);
	assert_string_equal(name.word[2].bare, "mhmd");
	assert_string_equal(name.word[2].phonetic, "mhmt");
	assert_int_equal(name.nscripted, 1);
	assert_string_equal(name.scripted[0].script, "Arab");
	assert_string_equal(name.scripted[0].inscript, "محمد");

	const struct sp_npart_in bad_text[] = {{SP_NPART_GIVEN, "Ali", "", NULL, NULL}, {SP_NPART_FAMILY, "", "", NULL, NULL}};
	assert_int_equal(sp_match_name_build(nz, bad_text, 2, &name, &err), SP_EINVAL);
	assert_string_equal(err.field, "/1/text");
	assert_int_equal(name.nwords, 0);
	const struct sp_npart_in bad_script[] = {{SP_NPART_GIVEN, "Ali", "Arab", NULL, NULL}};
	assert_int_equal(sp_match_name_build(nz, bad_script, 1, &name, &err), SP_EINVAL);
	assert_string_equal(err.field, "/0/script");
	const struct sp_npart_in bad_role[] = {{(enum sp_npart_role)9, "Ali", "", NULL, NULL}};
	assert_int_equal(sp_match_name_build(nz, bad_role, 1, &name, &err), SP_EINVAL);
	assert_string_equal(err.field, "/0/role");
	assert_int_equal(sp_match_name_build(nz, p, 0, &name, &err), SP_EINVAL);
	struct sp_npart_in many[SP_MATCH_MAX_PARTS + 1];
	for (size_t i = 0; i < SP_MATCH_MAX_PARTS + 1; i++)
		many[i] = (struct sp_npart_in){SP_NPART_OTHER, "Ali", "", NULL, NULL};
	assert_int_equal(sp_match_name_build(nz, many, SP_MATCH_MAX_PARTS + 1, &name, &err), SP_ETOOBIG);
	const struct sp_npart_in wordy[] = {
		{SP_NPART_GIVEN, "a b c d e f g h i", "", NULL, NULL},
		{SP_NPART_FAMILY, "j k l m n o p q", "", NULL, NULL},
	};
	assert_int_equal(sp_match_name_build(nz, wordy, 2, &name, &err), SP_ETOOBIG);
	assert_string_equal(err.msg, "a name has at most 16 words");

	assert_string_equal(sp_npart_role_name(SP_NPART_CLAN_LINEAGE), "clan_lineage");
	assert_int_equal(sp_npart_role_parse("grandfather"), SP_NPART_GRANDFATHER);
	assert_int_equal(sp_npart_role_parse("surname"), -1);
	assert_string_equal(sp_match_route_name(SP_MROUTE_SCRIPT), "script");
}

static void compare(const struct sp_npart_in *a, size_t na, const struct sp_npart_in *b,
		    size_t nb, struct sp_match_cmp *out)
{
	struct sp_match_name x, y;
	build(&x, a, na);
	build(&y, b, nb);
	sp_match_name_compare(&x, &y, out);
	struct sp_match_cmp back;
	sp_match_name_compare(&y, &x, &back); /* symmetric */
	NEAR(back.best, out->best);
	NEAR(back.set, out->set);
	NEAR(back.ordered, out->ordered);
	assert_int_equal(back.route, out->route);
	assert_int_equal(back.reordered, out->reordered);
}

static void comparing_names(void **state)
{
	(void)state;
	struct sp_match_cmp c;

	/* Swapped order. mohamed/hassan (window 2): only h and a match, in order:
	 * Jaro = (2/7 + 2/6 + 1) / 3 = 0.53968, no common prefix. The set pairs each with itself. */
	const struct sp_npart_in mh[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL}, {SP_NPART_FAMILY, "Hassan", "", NULL, NULL}};
	const struct sp_npart_in hm[] = {{SP_NPART_GIVEN, "Hassan", "", NULL, NULL}, {SP_NPART_FAMILY, "Mohamed", "", NULL, NULL}};
	compare(mh, 2, hm, 2, &c);
	NEAR(c.ordered, 0.53968);
	NEAR(c.set, 1.0);
	NEAR(c.best, 1.0);
	assert_int_equal(c.route, SP_MROUTE_SET);
	assert_true(c.reordered);
	assert_int_equal(c.pairs, 2);
	assert_int_equal(c.skeleton_agree, 2);
	assert_int_equal(c.phonetic_agree, 2);
	NEAR(c.coverage, 1.0);
	NEAR(c.script, -1);

	/* A missing family name: the two words there agree in order; coverage 2/3. */
	const struct sp_npart_in mah[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL},
					  {SP_NPART_FATHER, "Ali", "", NULL, NULL},
					  {SP_NPART_FAMILY, "Hassan", "", NULL, NULL}};
	compare(mah, 3, mh, 1, &c);
	NEAR(c.ordered, 1.0);
	NEAR(c.set, 1.0);
	assert_int_equal(c.route, SP_MROUTE_ORDERED);
	assert_false(c.reordered);
	NEAR(c.coverage, 1.0 / 3.0);
	const struct sp_npart_in ma[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL}, {SP_NPART_FATHER, "Ali", "", NULL, NULL}};
	compare(mah, 3, ma, 2, &c);
	NEAR(c.ordered, 1.0);
	NEAR(c.coverage, 2.0 / 3.0);

	/* An extra grandfather's name in the middle: habtom against tesfay in order has no
	 * match within the window (Jaro 0), so ordered = (1 + 0) / 2; the set skips tesfay. */
	const struct sp_npart_in yth[] = {{SP_NPART_GIVEN, "Yohannes", "", NULL, NULL},
					  {SP_NPART_GRANDFATHER, "Tesfay", "", NULL, NULL},
					  {SP_NPART_FAMILY, "Habtom", "", NULL, NULL}};
	const struct sp_npart_in yh[] = {{SP_NPART_GIVEN, "Yohannes", "", NULL, NULL}, {SP_NPART_FAMILY, "Habtom", "", NULL, NULL}};
	compare(yth, 3, yh, 2, &c);
	NEAR(c.ordered, 0.5);
	NEAR(c.set, 1.0);
	assert_int_equal(c.route, SP_MROUTE_SET);
	assert_false(c.reordered);
	assert_int_equal(c.skeleton_agree, 2);

	/* Particles do not count: "ould Ahmed" is "Ahmed". */
	const struct sp_npart_in p1[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL}, {SP_NPART_FAMILY, "ould Ahmed", "", NULL, NULL}};
	const struct sp_npart_in p2[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL}, {SP_NPART_FAMILY, "Ahmed", "", NULL, NULL}};
	compare(p1, 2, p2, 2, &c);
	NEAR(c.best, 1.0);
	assert_int_equal(c.route, SP_MROUTE_ORDERED);

	/* Arabic script against its romanisation, through the folded Latin. mhmd/mohamed
	 * (window 2): m, h, m match in order, d is 3 away: Jaro = (3/4 + 3/7 + 1) / 3 = 0.72619,
	 * prefix m: + 0.1 × 0.27381 = 0.75357. aly/ali (window 0): a, l match:
	 * Jaro = (2/3 + 2/3 + 1) / 3 = 0.77778, prefix al: + 0.2 × 0.22222 = 0.82222.
	 * Mean 0.78790; both keys agree on both words; no common script. */
	const struct sp_npart_in ar[] = {{SP_NPART_GIVEN, "محمد", "", NULL, NULL}, {SP_NPART_FATHER, "علي", "", NULL, NULL}};
	const struct sp_npart_in la[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL}, {SP_NPART_FATHER, "Ali", "", NULL, NULL}};
	compare(ar, 2, la, 2, &c);
	NEAR(c.ordered, 0.78790);
	NEAR(c.set, 0.78790);
	assert_int_equal(c.skeleton_agree, 2);
	assert_int_equal(c.phonetic_agree, 2);
	NEAR(c.script, -1);
	assert_int_equal(c.route, SP_MROUTE_ORDERED);

	/* Somali spelling in the other order: the phonetic keys pair Maxamed with Mohamed and
	 * Cabdi with Abdi; the skeletons do not agree. */
	const struct sp_npart_in so[] = {{SP_NPART_GIVEN, "Cabdi", "", NULL, NULL}, {SP_NPART_FATHER, "Maxamed", "", NULL, NULL}};
	const struct sp_npart_in en[] = {{SP_NPART_GIVEN, "Mohamed", "", NULL, NULL}, {SP_NPART_FATHER, "Abdi", "", NULL, NULL}};
	compare(so, 2, en, 2, &c);
	assert_true(c.reordered);
	assert_int_equal(c.phonetic_agree, 2);
	assert_int_equal(c.skeleton_agree, 0);
	assert_int_equal(c.route, SP_MROUTE_SET);

	/* Ge'ez in its own script: ሀ (first order) and ሃ (fourth) sound alike and are one letter
	 * there, where the Latin reads hebtom/habtom: 5 of 6 match in order, Jaro = (5/6 + 5/6 +
	 * 1) / 3 = 0.88889, prefix h: + 0.1 × 0.11111 = 0.9. */
	const struct sp_npart_in g1[] = {{SP_NPART_GIVEN, "ሀብቶም", "", NULL, NULL}};
	const struct sp_npart_in g2[] = {{SP_NPART_GIVEN, "ሃብቶም", "Ethi", NULL, NULL}};
	compare(g1, 1, g2, 1, &c);
	NEAR(c.ordered, 0.9);
	NEAR(c.set, 0.9);
	NEAR(c.script, 1.0);
	NEAR(c.best, 1.0);
	assert_int_equal(c.route, SP_MROUTE_SCRIPT);

	/* Nothing against nothing */
	struct sp_match_name empty = {0};
	sp_match_name_compare(&empty, &empty, &c);
	NEAR(c.best, 0);
	NEAR(c.script, -1);
	assert_int_equal(c.pairs, 0);
}

/* More words than the exact assignment takes (EXACT_MAX): the greedy one still pairs equal
 * words, here given in reverse order. */
static void long_names_assigned_greedily(void **state)
{
	(void)state;
	const char *w[] = {"amanuel", "bereket", "dawit", "filmon", "hagos", "kidane",
			   "merhawi", "natnael", "semere", "yonas"};
	struct sp_npart_in a[10], b[10];
	for (size_t i = 0; i < 10; i++) {
		a[i] = (struct sp_npart_in){SP_NPART_OTHER, w[i], "", NULL, NULL};
		b[i] = (struct sp_npart_in){SP_NPART_OTHER, w[9 - i], "", NULL, NULL};
	}
	struct sp_match_cmp c;
	compare(a, 10, b, 10, &c);
	NEAR(c.set, 1.0);
	assert_true(c.reordered);
	assert_int_equal(c.skeleton_agree, 10);
}

/* The prepared cell of a name: written out by hand from the forms building_a_name checks
 * (abdelrahman bdrhmn btrhmn, role given 0; ahmed hmd hmt, father 1; mhmd mhmd mhmt, family
 * 3; the Arabic part in its script); compared as the built names compare; read back by words. */
static void prepared_cells(void **state)
{
	(void)state;
	struct sp_match_name name, other;
	const struct sp_npart_in p[] = {
		{SP_NPART_GIVEN, "Abdel Rahman", "", NULL, NULL},
		{SP_NPART_FATHER, "ould Ahmed", "Latn", NULL, NULL},
		{SP_NPART_FAMILY, "محمد", "Arab", NULL, NULL},
	};
	build(&name, p, 3);
	static const char want[] = "\x02"
				   "\x1e" "0abdelrahman\x1f" "bdrhmn\x1f" "btrhmn"
				   "\x1e" "1ahmed\x1f" "hmd\x1f" "hmt"
				   "\x1e" "3mhmd\x1f" "mhmd\x1f" "mhmt"
				   "\x1d" "Arabمحمد";
	char cell[SP_MATCH_PREPARED_MAX], small[sizeof want - 1];
	assert_int_equal(sp_match_name_encode(&name, cell, sizeof cell), sizeof want - 1);
	assert_string_equal(cell, want);
	/* exactly the room for its NUL, or one byte short */
	assert_int_equal(sp_match_name_encode(&name, cell, sizeof want), sizeof want - 1);
	assert_int_equal(sp_match_name_encode(&name, small, sizeof small), 0);
	assert_int_equal(sp_match_name_encode(&name, small, 0), 0);

	/* the same answer as the built names give, route and all */
	const struct sp_npart_in q[] = {
		{SP_NPART_GIVEN, "Ahmed", "", NULL, NULL},
		{SP_NPART_FAMILY, "Abdulrahman", "", NULL, NULL},
		{SP_NPART_OTHER, "محمود", "", NULL, NULL},
	};
	build(&other, q, 3);
	char cell2[SP_MATCH_PREPARED_MAX];
	assert_true(sp_match_name_encode(&other, cell2, sizeof cell2) > 0);
	struct sp_match_cmp built, prepared;
	sp_match_name_compare(&name, &other, &built);
	assert_true(sp_match_prepared_compare(cell, cell2, INT_MAX - 1, &prepared));
	assert_memory_equal(&built, &prepared, sizeof built);
	/* ahmed and mhmd with their partners, the Arabic words in their script */
	assert_int_equal(prepared.route, SP_MROUTE_SET);
	assert_true(prepared.reordered);

	/* words read back in each form */
	struct sp_match_slice w[SP_MATCH_MAX_WORDS];
	assert_int_equal(sp_match_prepared_words(cell, SP_MATCH_SKELETON, w, SP_MATCH_MAX_WORDS), 3);
	assert_int_equal(w[1].len, 3);
	assert_memory_equal(w[1].s, "hmd", 3);
	assert_int_equal(sp_match_prepared_words(cell, SP_MATCH_BARE, w, 2), 2);

	/* not prepared, or damaged: no answer */
	static const char *const bad[] = {
		"mohamed", "\x02", "\x02\x1e" "9x\x1fy\x1fz", "\x02\x1e" "0abc", "\x02\x1e" "0abc\x1f" "b",
		"\x02\x1e" "0\x1fk\x1fk", "\x02x", "\x02\x1d" "Ar",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(sp_match_prepared_compare(bad[i], cell, -1, &prepared));
		assert_int_equal(sp_match_prepared_words(bad[i], SP_MATCH_BARE, w, 4), 0);
	}
}

/* A part with both texts, as a person's name part has them: the words from the romanised
 * text, the in-script form from the original; an original alone gives both. */
static void romanised_and_original(void **state)
{
	(void)state;
	struct sp_match_name name;
	struct sp_err err = {0};
	const struct sp_npart_in p[] = {
		{SP_NPART_GIVEN, "Youssef", NULL, "يوسف", "Arab"},
		{SP_NPART_FAMILY, NULL, NULL, "ሃብቶም", NULL},
	};
	build(&name, p, 2);
	assert_int_equal(name.nwords, 2);
	assert_string_equal(name.word[0].bare, "youssef");
	assert_string_equal(name.word[1].bare, "habtom");
	assert_int_equal(name.nscripted, 2);
	assert_string_equal(name.scripted[0].script, "Arab");
	assert_string_equal(name.scripted[0].inscript, "يوسف");
	assert_string_equal(name.scripted[1].script, "Ethi");
	/* errors name the field that holds the problem */
	const struct sp_npart_in bad_original[] = {{SP_NPART_GIVEN, "Ali", "", "علي", "Cyrl"}};
	assert_int_equal(sp_match_name_build(nz, bad_original, 1, &name, &err), SP_EINVAL);
	assert_string_equal(err.field, "/0/original_script");
	assert_string_equal(err.msg, "the text is written in Arab, not Cyrl");
	const struct sp_npart_in only_original[] = {{SP_NPART_GIVEN, "", "", "---", ""}};
	assert_int_equal(sp_match_name_build(nz, only_original, 1, &name, &err), SP_EINVAL);
	assert_string_equal(err.field, "/0/original");
}

/* Two normalisers (one per thread) give the same forms. */
static void normalisers_agree(void **state)
{
	(void)state;
	struct sp_normaliser *other;
	struct sp_err err = {0};
	assert_int_equal(sp_normaliser_new(&other, &err), SP_OK);
	struct sp_name_form x, y;
	assert_int_equal(sp_normalise_part(nz, "ሓጎስ", "", &x, &err), SP_OK);
	assert_int_equal(sp_normalise_part(other, "ሓጎስ", "", &y, &err), SP_OK);
	assert_string_equal(x.folded, y.folded);
	assert_string_equal(x.folded, "hagos");
	sp_normaliser_free(other);
	sp_normaliser_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_samples),
		cmocka_unit_test(variant_groups),
		cmocka_unit_test(errors_name_the_field),
		cmocka_unit_test(building_a_name),
		cmocka_unit_test(comparing_names),
		cmocka_unit_test(long_names_assigned_greedily),
		cmocka_unit_test(prepared_cells),
		cmocka_unit_test(romanised_and_original),
		cmocka_unit_test(normalisers_agree),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
