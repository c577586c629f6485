/* The synthetic person generator (tools/gen_persons, docs/generator.md) run as a program and
 * checked against its documented parameters, written here by hand: every person object and
 * relative's name passes the real decoder; 20 % of persons have duplicates, clusters of 2 to 5;
 * the Zipf share of the top names (1/H_n); the script mix; each noise rate, and each noise seen
 * in the record when it is the only one of its kind; same seed, same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "safepath/arena.h"
#include "safepath/person.h"
#include "safepath/strsim.h"

#ifndef SP_GEN_PERSONS
#error "SP_GEN_PERSONS: the generator's path (set by the Makefile)"
#endif

/* The generator's standard error, a file of this process's own (tests run side by side). */
static char err_file[64];

/* Run the generator with args; its stdout as one NUL-terminated buffer (free it), its stderr in
 * err_file, its exit status in *status. */
static char *run(const char *args, int *status, size_t *len)
{
	char cmd[512];
	if (!err_file[0])
		snprintf(err_file, sizeof err_file, "/tmp/sp_test_gen_persons.%ld.err",
			 (long)getpid());
	snprintf(cmd, sizeof cmd, "%s %s 2>%s", SP_GEN_PERSONS, args, err_file);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
	}
	buf[n] = '\0';
	int st = pclose(f);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (len)
		*len = n;
	return buf;
}

static char *read_err(void)
{
	static char err[1024];
	FILE *f = fopen(err_file, "r");
	assert_non_null(f);
	size_t n = fread(err, 1, sizeof err - 1, f);
	err[n] = '\0';
	fclose(f);
	return err;
}

/* --- the name parts of a record ----------------------------------------------------------- */

struct np {
	const char *role, *orig, *rom;
};

static size_t parts_of(json_t *person, struct np out[8])
{
	json_t *names = json_object_get(person, "names"), *p;
	size_t i, n = 0;
	json_array_foreach(names, i, p) {
		if (n == 8)
			break;
		out[n].role = json_string_value(json_object_get(p, "role"));
		out[n].orig = json_string_value(json_object_get(p, "original"));
		out[n++].rom = json_string_value(json_object_get(p, "romanised"));
	}
	return n;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_part(const struct np *a, const struct np *b)
{
	return same(a->role, b->role) && same(a->orig, b->orig) && same(a->rom, b->rom);
}

/* Why the names of a duplicate with only this name noise (NULL: none) do not show it, or NULL
 * when they do. */
static const char *check_names(const char *noise, json_t *first, json_t *dup)
{
	struct np a[8], b[8];
	size_t na = parts_of(first, a), nb = parts_of(dup, b);
	if (noise && strcmp(noise, "drop_part") == 0) {
		if (nb + 1 != na || !same_part(&a[0], &b[0]))
			return "drop_part: not one part fewer, the first kept";
		for (size_t skip = 1; skip < na; skip++) {
			size_t j = 0, ok = 1;
			for (size_t i = 0; i < na; i++)
				if (i != skip)
					ok &= same_part(&a[i], &b[j++]);
			if (ok)
				return NULL;
		}
		return "drop_part: the other parts changed";
	}
	if (na != nb)
		return "the number of parts changed";
	for (size_t i = 0; i < na; i++)
		if (!same(a[i].role, b[i].role))
			return "a role changed";
	if (!noise) {
		for (size_t i = 0; i < na; i++)
			if (!same_part(&a[i], &b[i]))
				return "no name noise, yet the names differ";
		return NULL;
	}
	if (strcmp(noise, "swap") == 0) {
		size_t l = na - 1;
		if (na < 2 || !same(a[0].orig, b[l].orig) || !same(a[0].rom, b[l].rom) ||
		    !same(a[l].orig, b[0].orig) || !same(a[l].rom, b[0].rom))
			return "swap: first and last not exchanged";
		for (size_t i = 1; i < l; i++)
			if (!same_part(&a[i], &b[i]))
				return "swap: a middle part changed";
		if (same_part(&a[0], &b[0]))
			return "swap: nothing changed";
		return NULL;
	}
	if (strcmp(noise, "script") == 0) {
		for (size_t i = 0; i < na; i++) {
			if (!a[i].orig == !b[i].orig && !a[i].rom == !b[i].rom)
				return "script: the same script mix";
			if ((a[i].orig && b[i].orig && !same(a[i].orig, b[i].orig)) ||
			    (a[i].rom && b[i].rom && !same(a[i].rom, b[i].rom)))
				return "script: a text changed";
		}
		return NULL;
	}
	size_t diff = 0;
	for (size_t i = 0; i < na; i++) {
		if (!a[i].orig != !b[i].orig || !a[i].rom != !b[i].rom)
			return "the script mix changed";
		if (!same(a[i].orig, b[i].orig)) {
			if (strcmp(noise, "typo") != 0)
				return "romanisation: an original changed";
			if (sp_damerau_levenshtein_utf8(a[i].orig, b[i].orig) != 1)
				return "typo: not one edit away";
			diff++;
		}
		if (!same(a[i].rom, b[i].rom)) {
			if (strcmp(noise, "typo") == 0 &&
			    sp_damerau_levenshtein_utf8(a[i].rom, b[i].rom) != 1)
				return "typo: not one edit away";
			diff++;
		}
	}
	bool shown = a[0].rom != NULL;
	if (strcmp(noise, "typo") == 0 ? diff != 1 : diff != (shown ? 1u : 0u))
		return "not exactly one text changed";
	return NULL;
}

static int year_of(const char *date)
{
	return (int)strtol(date, NULL, 10);
}

static const char *dob_of(json_t *person, bool *estimated)
{
	json_t *d = json_object_get(person, "date_of_birth");
	*estimated = json_is_true(json_object_get(d, "estimated"));
	return json_string_value(json_object_get(d, "date"));
}

/* Why the duplicate's date of birth does not show its noise (NULL: none), or NULL. */
static const char *check_dob(const char *noise, json_t *first, json_t *dup)
{
	bool e1, e2;
	const char *a = dob_of(first, &e1), *b = dob_of(dup, &e2);
	if (!a || strlen(a) != 10 || e1)
		return "first registration without a full date";
	int ya = year_of(a), yb = b ? year_of(b) : 0;
	if (!noise)
		return same(a, b) && !e2 ? NULL : "no dob noise, yet the date differs";
	if (!strcmp(noise, "dob_missing"))
		return b ? "dob_missing: a date" : NULL;
	if (!b)
		return "no date";
	if (!strcmp(noise, "dob_year"))
		return strlen(b) == 4 && !strncmp(a, b, 4) && !e2 ? NULL : "dob_year";
	if (!strcmp(noise, "dob_month"))
		return strlen(b) == 7 && !strncmp(a, b, 7) && !e2 ? NULL : "dob_month";
	if (!strcmp(noise, "dob_estimated"))
		return strlen(b) == 4 && e2 && abs(ya - yb) <= 2 ? NULL : "dob_estimated";
	if (!strcmp(noise, "dob_jan1"))
		return strlen(b) == 10 && !strncmp(a, b, 5) && !strcmp(b + 4, "-01-01") && !e2
			       ? NULL : "dob_jan1";
	if (!strcmp(noise, "dob_year_off"))
		return strlen(b) == 10 && abs(ya - yb) == 1 && !e2 &&
				       (!strcmp(a + 4, b + 4) || !strcmp(a + 4, "-02-29"))
			       ? NULL : "dob_year_off";
	if (!strcmp(noise, "dob_digit")) {
		if (strlen(b) != 10 || e2 || strncmp(a, b, 3) != 0)
			return "dob_digit: shape";
		int d = 0;
		for (int i = 0; i < 10; i++)
			d += a[i] != b[i];
		return d == 1 ? NULL : "dob_digit: not one digit";
	}
	return "unknown dob noise";
}

/* --- one pass over 100,000 persons (seed 1) ----------------------------------------------- */

static const char *const sources[] = {"arabic", "geez",  "afghan", "somali",
				      "cyrillic", "sahel", "nigeria"};
#define N_SOURCES 7
static const char *const noises[] = {
	"typo", "swap", "drop_part", "romanisation", "script", "sex_missing",
	"nationality_missing", "nationality_zz", "dob_year", "dob_month", "dob_estimated",
	"dob_jan1", "dob_digit", "dob_year_off", "dob_missing"};
#define N_NOISES 15
enum { K_TYPO, K_SWAP, K_DROP, K_ROMAN, K_SCRIPT, K_SEX, K_NAT_MISSING, K_NAT_ZZ, K_DOB0 };

struct stats {
	size_t persons, records, rejects, dup_persons, extra_records, size[7];
	unsigned long long pairs, pairs_said;
	size_t mix[N_SOURCES][3]; /* first records: original only, romanised only, both */
	size_t ar_male, ar_top, ar_second, ge_female, ge_top, ge_second;
	size_t ar_spelled, ar_spelling[2]; /* Mohammed romanised; as Mohammed, as Muhammad */
	size_t dups, multi, scripted, spelled, roman_spelled, noise[N_NOISES];
	size_t seen[N_NOISES + 1]; /* duplicates checked with that noise alone (last: none) */
	size_t bad;
	char why[256];
	size_t children_sep, adult_sep;
};

static struct stats S;

static int source_index(const char *s)
{
	for (int i = 0; i < N_SOURCES; i++)
		if (s && strcmp(s, sources[i]) == 0)
			return i;
	return -1;
}

static void bad(const char *what, json_t *rec)
{
	if (!S.bad++)
		snprintf(S.why, sizeof S.why, "%s (record %s)", what,
			 rec ? json_string_value(json_object_get(rec, "record_id")) : "-");
}

static bool decodes(json_t *obj)
{
	struct sp_arena a;
	sp_arena_init(&a, 4096, 0);
	struct sp_person p;
	struct sp_err err = {0};
	int rc = sp_person_decode(obj, &a, &p, &err);
	if (rc && !S.rejects)
		print_message("rejected at %s: %s\n", err.field, err.msg);
	sp_arena_release(&a);
	return rc == SP_OK;
}

static bool in(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* The first registration of a person: the script mix and the Zipf counts. */
static void first_record(json_t *rec, int src)
{
	struct np p[8];
	json_t *person = json_object_get(rec, "person");
	size_t n = parts_of(person, p);
	size_t mix = p[0].orig && !p[0].rom ? 0 : !p[0].orig ? 1 : 2;
	for (size_t i = 1; i < n; i++)
		if ((!p[i].orig) != (!p[0].orig) || (!p[i].rom) != (!p[0].rom))
			bad("parts of one record in different script mixes", rec);
	S.mix[src][mix]++;
	const char *sex = json_string_value(json_object_get(person, "sex"));
	static const char *const mohammed[] = {"Mohammed", "Muhammad", "Mohamed", "Mohamad",
					       "Mohammad", "Muhammed", "محمد", NULL};
	static const char *const ahmed[] = {"Ahmed", "Ahmad", "Ahmet", "أحمد", NULL};
	static const char *const selam[] = {"Selam", "Salam", "ሰላም", NULL};
	static const char *const mehret[] = {"Mehret", "Mihret", "Meheret", "ምሕረት", NULL};
	const char *given = p[0].rom ? p[0].rom : p[0].orig;
	if (src == 0 && same(sex, "male")) {
		S.ar_male++;
		S.ar_top += in(given, mohammed);
		S.ar_second += in(given, ahmed);
		if (p[0].rom && in(p[0].rom, mohammed)) {
			S.ar_spelled++;
			S.ar_spelling[0] += same(p[0].rom, "Mohammed");
			S.ar_spelling[1] += same(p[0].rom, "Muhammad");
		}
	}
	if (src == 1 && same(sex, "female")) {
		S.ge_female++;
		S.ge_top += in(given, selam);
		S.ge_second += in(given, mehret);
	}
	json_t *sep = json_object_get(json_object_get(rec, "extra"), "separation");
	bool e;
	if (sep) {
		const char *kind = json_string_value(json_object_get(sep, "place_kind"));
		const char *date = json_string_value(json_object_get(sep, "date"));
		if (!json_string_value(json_object_get(sep, "place")) ||
		    !(same(kind, "town") || same(kind, "admin_area")) || !date ||
		    (strlen(date) != 7 && strlen(date) != 10) || year_of(date) < 2023)
			bad("separation", rec);
		if (year_of(dob_of(person, &e)) >= 2009)
			S.children_sep++;
		else
			S.adult_sep++;
	}
}

/* A later registration, against the first one of its cluster. */
static void duplicate(json_t *first, json_t *rec, int src)
{
	json_t *noise = json_object_get(rec, "noise"), *v;
	json_t *a = json_object_get(first, "person"), *b = json_object_get(rec, "person");
	struct np p[8];
	size_t i, n_names = 0, n_dob = 0;
	const char *name_noise = NULL, *dob_noise = NULL;
	bool has[N_NOISES] = {false};
	S.dups++;
	bool multi = parts_of(a, p) > 1;
	S.multi += multi;
	S.scripted += src <= 4;
	S.spelled += src != 6;
	json_array_foreach(noise, i, v) {
		const char *k = json_string_value(v);
		int j = 0;
		while (j < N_NOISES && !same(k, noises[j]))
			j++;
		if (j == N_NOISES) {
			bad("unknown noise", rec);
			continue;
		}
		has[j] = true;
		S.noise[j]++;
		if (j <= K_SCRIPT)
			n_names++, name_noise = k;
		if (j >= K_DOB0)
			n_dob++, dob_noise = k;
	}
	if ((has[K_SWAP] || has[K_DROP]) && !multi)
		bad("swap or drop_part of a single name", rec);
	if (has[K_SCRIPT] && src > 4)
		bad("script noise in a Latin-only source", rec);
	S.roman_spelled += has[K_ROMAN] && src != 6;
	if (n_dob > 1)
		bad("two date of birth noises", rec);
	const char *why = check_dob(dob_noise, a, b);
	if (why)
		bad(why, rec);
	if (n_names <= 1) {
		if ((why = check_names(name_noise, a, b)))
			bad(why, rec);
		int k = 0;
		while (name_noise && !same(name_noise, noises[k]))
			k++;
		S.seen[name_noise ? k : N_NOISES]++;
	}
	json_t *sa = json_object_get(a, "sex"), *sb = json_object_get(b, "sex");
	if (has[K_SEX] ? sb != NULL : !json_equal(sa, sb))
		bad("sex", rec);
	json_t *na = json_object_get(a, "nationalities"), *nb = json_object_get(b, "nationalities");
	if (has[K_NAT_MISSING] ? nb != NULL
	    : has[K_NAT_ZZ]    ? !(json_array_size(nb) == 1 &&
				 same(json_string_value(json_array_get(nb, 0)), "ZZ"))
			       : !json_equal(na, nb))
		bad("nationalities", rec);
	if (!json_equal(json_object_get(a, "languages"), json_object_get(b, "languages")))
		bad("languages", rec);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int big_pass(void **state)
{
	(void)state;
	int status;
	char *out = run("--persons 100000", &status, NULL);
	assert_int_equal(status, 0);
	const char *err = read_err();
	const char *at = strstr(err, "persons with duplicates, ");
	assert_non_null(at);
	S.pairs_said = strtoull(at + strlen("persons with duplicates, "), NULL, 10);
	json_t *first = NULL;
	long long cluster = 0;
	size_t size = 0;
	uint64_t *ids = malloc(200000 * sizeof *ids);
	assert_non_null(ids);
	for (char *line = out, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		json_error_t je;
		json_t *rec = json_loads(line, 0, &je);
		assert_non_null(rec);
		const char *id = json_string_value(json_object_get(rec, "record_id"));
		assert_true(id && strlen(id) == 13 && id[0] == 'R');
		assert_true(S.records < 200000);
		ids[S.records++] = strtoull(id + 1, NULL, 16);
		long long c = json_integer_value(json_object_get(rec, "cluster"));
		int src = source_index(json_string_value(json_object_get(rec, "source")));
		assert_true(src >= 0);
		if (!decodes(json_object_get(rec, "person")))
			S.rejects++;
		json_t *extra = json_object_get(rec, "extra");
		if (json_object_get(extra, "mother") || json_object_get(extra, "father"))
			S.extra_records++;
		if (json_object_get(extra, "mother") && !decodes(json_object_get(extra, "mother")))
			S.rejects++;
		if (json_object_get(extra, "father") && !decodes(json_object_get(extra, "father")))
			S.rejects++;
		if (c != cluster) {
			/* clusters come one after the other, numbered from 1 */
			assert_int_equal(c, cluster + 1);
			if (size) {
				S.size[size < 6 ? size : 6]++;
				S.pairs += size * (size - 1) / 2;
			}
			json_decref(first);
			first = json_incref(rec);
			cluster = c;
			size = 1;
			S.persons++;
			if (json_array_size(json_object_get(rec, "noise")))
				bad("noise in a first registration", rec);
			first_record(rec, src);
		} else {
			size++;
			duplicate(first, rec, src);
		}
		json_decref(rec);
	}
	S.size[size < 6 ? size : 6]++;
	S.pairs += size * (size - 1) / 2;
	json_decref(first);
	free(out);
	/* ids unique */
	qsort(ids, S.records, sizeof *ids, cmp_u64);
	for (size_t i = 1; i < S.records; i++)
		if (ids[i] == ids[i - 1])
			bad("a record id twice", NULL);
	free(ids);
	return 0;
}

/* A share within tol of the documented value, with the figures in the failure message. */
static void near(const char *what, size_t k, size_t n, double want, double tol)
{
	double got = n ? (double)k / (double)n : -1;
	if (got < want - tol || got > want + tol)
		fail_msg("%s: %zu of %zu = %.4f, documented %.4f ± %.4f", what, k, n, got, want, tol);
}

static void every_record_decodes(void **state)
{
	(void)state;
	/* every person object, and every relative's name as a person with names only */
	assert_int_equal(S.rejects, 0);
	assert_true(S.extra_records > 1000);
}

/* Each duplicate against the first registration of its person (check_names, check_dob, sex,
 * nationalities, languages), the first registrations clean, record ids unique. */
static void noise_shows_in_the_record(void **state)
{
	(void)state;
	if (S.bad)
		fail_msg("%zu records wrong; first: %s", S.bad, S.why);
}

static void clusters_and_truth_pairs(void **state)
{
	(void)state;
	assert_int_equal(S.persons, 100000);
	assert_int_equal(S.size[0] + S.size[6], 0);
	size_t dup = S.size[2] + S.size[3] + S.size[4] + S.size[5];
	near("persons with duplicates", dup, S.persons, 0.20, 0.01);
	/* 1 to 4 more registrations, uniform: each cluster size a quarter of them */
	for (int k = 2; k <= 5; k++)
		near("cluster size", S.size[k], dup, 0.25, 0.02);
	assert_int_equal(S.records, S.size[1] + 2 * S.size[2] + 3 * S.size[3] + 4 * S.size[4] +
					    5 * S.size[5]);
	assert_int_equal(S.pairs, S.pairs_said);
	/* 20 % × (1 + 3 + 6 + 10) / 4 = one true pair per person on average */
	near("true pairs per person", S.pairs, S.persons, 1.0, 0.03);
}

static void zipf_top_names(void **state)
{
	(void)state;
	/* rank 1 of n weighs 1/H_n, rank 2 half that: Arabic male given names n = 25, H_25 =
	 * 3.81596; Ge'ez female given names n = 16, H_16 = 3.38073 */
	near("Mohammed among Arabic-script men", S.ar_top, S.ar_male, 0.26206, 0.015);
	near("Ahmed among Arabic-script men", S.ar_second, S.ar_male, 0.13103, 0.012);
	near("Selam among Ge'ez-script women", S.ge_top, S.ge_female, 0.29579, 0.025);
	near("Mehret among Ge'ez-script women", S.ge_second, S.ge_female, 0.14790, 0.02);
	/* spellings are Zipf too: Mohammed's 6 romanisations, H_6 = 2.45 */
	near("Mohammed spelt Mohammed", S.ar_spelling[0], S.ar_spelled, 0.40816, 0.03);
	near("Mohammed spelt Muhammad", S.ar_spelling[1], S.ar_spelled, 0.20408, 0.025);
	/* source shares: Arabic 28 %, Ge'ez 15 %, Afghan 15 %, Somali 10 %, Cyrillic 12 %,
	 * Sahel 12 %, Nigeria 8 % */
	static const double share[N_SOURCES] = {0.28, 0.15, 0.15, 0.10, 0.12, 0.12, 0.08};
	for (int i = 0; i < N_SOURCES; i++)
		near(sources[i], S.mix[i][0] + S.mix[i][1] + S.mix[i][2], S.persons, share[i], 0.006);
}

static void script_mix(void **state)
{
	(void)state;
	/* first registrations: original only 15 %, romanised only 45 %, both 40 % in the Arabic,
	 * Ge'ez, Pashto/Dari and Cyrillic sources; Somali orthography 25 / 55 / 20; Latin
	 * sources romanised only */
	for (int i = 0; i < N_SOURCES; i++) {
		size_t n = S.mix[i][0] + S.mix[i][1] + S.mix[i][2];
		double o = i == 3 ? 0.25 : i <= 4 ? 0.15 : 0, r = i == 3 ? 0.55 : i <= 4 ? 0.45 : 1;
		near(sources[i], S.mix[i][0], n, o, 0.02);
		near(sources[i], S.mix[i][1], n, r, 0.025);
		near(sources[i], S.mix[i][2], n, 1 - o - r, 0.025);
	}
	/* separation only for children */
	assert_true(S.children_sep > 1000);
	assert_int_equal(S.adult_sep, 0);
}

static void noise_rates(void **state)
{
	(void)state;
	/* the table of docs/generator.md, per duplicate registration; swap and drop_part over
	 * the names of 2 parts or more, script over the sources with a script, romanisation over
	 * all but Nigeria (whose English given names have one spelling) */
	static const double rate[N_NOISES] = {0.20, 0.08, 0.10, 0.35, 0.25, 0.05, 0.05, 0.04,
					      0.08, 0.05, 0.06, 0.07, 0.05, 0.05, 0.05};
	for (int k = 0; k < N_NOISES; k++) {
		size_t n = k == K_SWAP || k == K_DROP ? S.multi : k == K_SCRIPT ? S.scripted : S.dups;
		if (k == K_ROMAN)
			near(noises[k], S.roman_spelled, S.spelled, rate[k], 0.01);
		else
			near(noises[k], S.noise[k], n, rate[k], 0.01);
	}
	/* each name noise was seen alone often enough for check_names to mean something */
	for (int k = 0; k <= K_SCRIPT; k++)
		if (S.seen[k] < 500)
			fail_msg("%s alone in only %zu duplicates", noises[k], S.seen[k]);
	assert_true(S.seen[N_NOISES] > 1000);
}

static void same_seed_same_bytes(void **state)
{
	(void)state;
	int st;
	size_t n1, n2, n3;
	char *a = run("--persons 3000 --seed 5", &st, &n1);
	assert_int_equal(st, 0);
	char *b = run("--persons 3000 --seed 5", &st, &n2);
	char *c = run("--persons 3000 --seed 6", &st, &n3);
	assert_true(n1 > 100000);
	assert_true(n1 == n2 && memcmp(a, b, n1) == 0);
	assert_true(n1 != n3 || memcmp(a, c, n1) != 0);
	/* the default seed is 1 */
	char *d = run("--persons 3000", &st, &n2);
	char *e = run("--persons 3000 --seed 1", &st, &n3);
	assert_true(n2 == n3 && memcmp(d, e, n2) == 0);
	assert_true(n1 != n2 || memcmp(a, d, n1) != 0);
	free(a), free(b), free(c), free(d), free(e);
}

/* Fields of one CSV line (RFC 4180 quotes), at most max. */
static size_t csv_fields(const char *line, char f[][128], size_t max)
{
	size_t n = 0, len = 0;
	bool q = false;
	f[0][0] = '\0';
	for (const char *p = line; *p && *p != '\n'; p++) {
		if (q && *p == '"' && p[1] == '"')
			p++;
		else if (*p == '"') {
			q = !q;
			continue;
		} else if (!q && *p == ',') {
			if (++n == max)
				return n;
			len = 0;
			f[n][0] = '\0';
			continue;
		}
		if (len + 1 < 128) {
			f[n][len++] = *p;
			f[n][len] = '\0';
		}
	}
	return n + 1;
}

static void csv_mode(void **state)
{
	(void)state;
	int st;
	char *csv = run("--persons 2000 --seed 3 --csv", &st, NULL);
	assert_int_equal(st, 0);
	char *json = run("--persons 2000 --seed 3", &st, NULL);
	static const char header[] =
		"record_id,cluster,source,given,given_original,father,father_original,"
		"grandfather,grandfather_original,family,family_original,script,sex,dob,"
		"dob_estimated,nationality,languages,separation_place,separation_date,"
		"mother_name,father_name,noise\n";
	assert_memory_equal(csv, header, strlen(header));
	/* row by row: the same records as the JSON lines of the same seed */
	char *row = csv + strlen(header), *line = json;
	size_t rows = 0;
	static char f[32][128];
	while (*row) {
		char *nl = strchr(row, '\n'), *jl = strchr(line, '\n');
		assert_non_null(nl);
		assert_non_null(jl);
		*nl = *jl = '\0';
		assert_int_equal(csv_fields(row, f, 32), 22);
		json_t *rec = json_loads(line, 0, NULL);
		assert_non_null(rec);
		json_t *person = json_object_get(rec, "person");
		assert_string_equal(f[0], json_string_value(json_object_get(rec, "record_id")));
		assert_int_equal(strtoll(f[1], NULL, 10),
				 json_integer_value(json_object_get(rec, "cluster")));
		assert_string_equal(f[2], json_string_value(json_object_get(rec, "source")));
		struct np p[8];
		size_t n = parts_of(person, p);
		for (size_t i = 0; i < n; i++) {
			int col = same(p[i].role, "given")	 ? 3
				  : same(p[i].role, "father")	 ? 5
				  : same(p[i].role, "grandfather") ? 7
								   : 9;
			assert_string_equal(f[col], p[i].rom ? p[i].rom : "");
			assert_string_equal(f[col + 1], p[i].orig ? p[i].orig : "");
		}
		bool e;
		const char *dob = dob_of(person, &e);
		assert_string_equal(f[13], dob ? dob : "");
		assert_string_equal(f[14], dob ? (e ? "true" : "false") : "");
		const char *sex = json_string_value(json_object_get(person, "sex"));
		assert_string_equal(f[12], sex ? sex : "");
		json_decref(rec);
		row = nl + 1;
		line = jl + 1;
		rows++;
	}
	assert_int_equal(*line, '\0');
	assert_true(rows > 2000);
	free(csv);
	free(json);
}

static void bad_options(void **state)
{
	(void)state;
	static const struct {
		const char *args, *says;
	} cases[] = {
		{"--persons 0", "--persons: must be a whole number from 1 to 100000000"},
		{"--persons abc", "--persons: must be a whole number from 1 to 100000000"},
		{"--persons -5", "--persons: must be a whole number from 1 to 100000000"},
		{"--persons 100000001", "--persons: must be a whole number from 1 to 100000000"},
		{"--persons", "--persons: must be a whole number"},
		{"--seed x", "--seed: must be a whole number from 0"},
		{"--colour", "unknown option --colour"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st;
		char *out = run(cases[i].args, &st, NULL);
		if (st != 2 || *out || !strstr(read_err(), cases[i].says))
			fail_msg("%s: exit %d, stderr %s", cases[i].args, st, read_err());
		free(out);
	}
	int st;
	char *out = run("--help", &st, NULL);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "usage: gen_persons [--persons N] [--seed S] [--csv]"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_record_decodes),
		cmocka_unit_test(noise_shows_in_the_record),
		cmocka_unit_test(clusters_and_truth_pairs),
		cmocka_unit_test(zipf_top_names),
		cmocka_unit_test(script_mix),
		cmocka_unit_test(noise_rates),
		cmocka_unit_test(same_seed_same_bytes),
		cmocka_unit_test(csv_mode),
		cmocka_unit_test(bad_options),
	};
	int rc = cmocka_run_group_tests(tests, big_pass, NULL);
	remove(err_file);
	return rc;
}
