/* Comparators of the Fellegi–Sunter model (safepath/compare.h): each kind prepares its two
 * values once (a canonical key, a parsed date, a set), then the model's levels are tried in
 * order. Everything is on the stack: values are cut at SP_CMP_VALUE_MAX bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/compare.h"
#include "safepath/names.h"
#include "safepath/normalise.h"
#include "safepath/strsim.h"

#define SET_MAX 16 /* codes or names in one set value */

static const char *const test_names[SP_TEST_COUNT] = {
	[SP_TEST_EXACT] = "exact",
	[SP_TEST_JARO_WINKLER] = "jaro_winkler",
	[SP_TEST_DAMERAU] = "damerau",
	[SP_TEST_YEAR_MONTH] = "year_month",
	[SP_TEST_YEAR] = "year",
	[SP_TEST_WEAK_EXACT] = "weak_exact",
	[SP_TEST_WEAK_YEAR] = "weak_year",
	[SP_TEST_OVERLAP] = "overlap",
	[SP_TEST_SKELETON] = "skeleton",
	[SP_TEST_PHONETIC] = "phonetic",
	[SP_TEST_ELSE] = "else",
};

#define T(x) (1u << (x))
#define STRING_TESTS (T(SP_TEST_EXACT) | T(SP_TEST_JARO_WINKLER) | T(SP_TEST_DAMERAU) | T(SP_TEST_ELSE))

/* The table of comparator kinds: its name in model files and the tests it answers. */
static const struct {
	const char *name;
	unsigned tests;
} kinds[SP_CMP_KIND_COUNT] = {
	[SP_CMP_STRING] = {"string", STRING_TESTS},
	[SP_CMP_NAME] = {"name", STRING_TESTS | T(SP_TEST_SKELETON) | T(SP_TEST_PHONETIC)},
	[SP_CMP_DATE] = {"date", T(SP_TEST_EXACT) | T(SP_TEST_DAMERAU) | T(SP_TEST_YEAR_MONTH) |
					 T(SP_TEST_YEAR) | T(SP_TEST_WEAK_EXACT) |
					 T(SP_TEST_WEAK_YEAR) | T(SP_TEST_ELSE)},
	[SP_CMP_SEX] = {"sex", T(SP_TEST_EXACT) | T(SP_TEST_ELSE)},
	[SP_CMP_CODES] = {"codes", T(SP_TEST_EXACT) | T(SP_TEST_OVERLAP) | T(SP_TEST_ELSE)},
	[SP_CMP_NAME_SET] = {"name_set", STRING_TESTS},
};

const char *sp_cmp_kind_name(enum sp_cmp_kind k)
{
	return (unsigned)k < SP_CMP_KIND_COUNT ? kinds[k].name : "unknown";
}

int sp_cmp_kind_parse(const char *s)
{
	for (int k = 0; k < SP_CMP_KIND_COUNT; k++)
		if (strcmp(kinds[k].name, s) == 0)
			return k;
	return -1;
}

const char *sp_cmp_test_name(enum sp_cmp_test t)
{
	return sp_name_of(test_names, SP_TEST_COUNT, (int)t);
}

int sp_cmp_test_parse(const char *s)
{
	return sp_name_index(test_names, SP_TEST_COUNT, s);
}

bool sp_cmp_test_allowed(enum sp_cmp_kind k, enum sp_cmp_test t)
{
	return (unsigned)k < SP_CMP_KIND_COUNT && (unsigned)t < SP_TEST_COUNT &&
	       (kinds[k].tests & T(t));
}

/* v without surrounding spaces, cut at cap - 1 bytes (never inside a code point), into out;
 * lower-cased (ASCII) when lower. The length. */
static size_t trimmed(const char *v, bool lower, char *out, size_t cap)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	if (n > cap - 1) {
		n = cap - 1;
		while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		out[i] = (char)(lower && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	return n;
}

/* A date value: year, month and day (0 when not given), the estimated mark, and "weak" when it
 * is estimated, partial or 1 January (a default more often than a birthday). */
struct dval {
	int y, m, d;
	bool weak;
	char digits[9]; /* YYYYMMDD of a full date */
};

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_date(const char *v, struct dval *out)
{
	char s[32];
	size_t n = trimmed(v, false, s, sizeof s);
	const char *p = s;
	bool est = false;
	if (*p == '~') {
		est = true;
		p++, n--;
	}
	memset(out, 0, sizeof *out);
	bool ok;
	if (n == 8)
		ok = digits(p, 4, &out->y) && digits(p + 4, 2, &out->m) && digits(p + 6, 2, &out->d);
	else if (n == 10)
		ok = p[4] == '-' && p[7] == '-' && digits(p, 4, &out->y) &&
		     digits(p + 5, 2, &out->m) && digits(p + 8, 2, &out->d);
	else if (n == 7)
		ok = p[4] == '-' && digits(p, 4, &out->y) && digits(p + 5, 2, &out->m);
	else
		ok = n == 4 && digits(p, 4, &out->y);
	if (!ok || out->y == 0 || (n != 4 && (out->m < 1 || out->m > 12)) ||
	    ((n == 8 || n == 10) && (out->d < 1 || out->d > 31)))
		return false;
	out->weak = est || out->d == 0 || (out->m == 1 && out->d == 1);
	if (out->d) { /* YYYYMMDD, as the 8 digits were read or from YYYY-MM-DD: no printf here */
		memcpy(out->digits, p, 4);
		memcpy(out->digits + 4, p + (n == 8 ? 4 : 5), 2);
		memcpy(out->digits + 6, p + (n == 8 ? 6 : 8), 2);
		out->digits[8] = '\0';
	}
	return true;
}

static const char *const sex_words[][2] = {
	{"f", "f"}, {"female", "f"}, {"m", "m"}, {"male", "m"}, {"x", "x"}, {"other", "x"},
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Split a set value at ; (names) or ; , and spaces (codes) into keys: codes upper-cased, ZZ
 * left out, sorted and without repeats; names lower-cased. The count. */
static int split_set(const char *v, bool codes, char buf[SP_CMP_VALUE_MAX],
		     const char *items[SET_MAX])
{
	trimmed(v, !codes, buf, SP_CMP_VALUE_MAX);
	int n = 0;
	for (char *p = buf; *p && n < SET_MAX;) {
		size_t len = codes ? strcspn(p, ";, \t") : strcspn(p, ";");
		char *next = p + len + (p[len] != '\0');
		p[len] = '\0';
		char *item = p;
		while (*item == ' ')
			item++;
		size_t il = strlen(item);
		while (il && item[il - 1] == ' ')
			item[--il] = '\0';
		if (codes)
			for (char *c = item; *c; c++)
				if (*c >= 'a' && *c <= 'z')
					*c = (char)(*c - 'a' + 'A');
		if (il && !(codes && strcmp(item, "ZZ") == 0))
			items[n++] = item;
		p = next;
	}
	if (codes) { /* sorted, without repeats: equal sets compare equal */
		qsort(items, (size_t)n, sizeof *items, cmp_str);
		int kept = 0;
		for (int i = 0; i < n; i++)
			if (!kept || strcmp(items[kept - 1], items[i]) != 0)
				items[kept++] = items[i];
		n = kept;
	}
	return n;
}

/* A prepared name's bare words joined by spaces; false when it is damaged or does not fit. */
static bool prepared_key(const char *v, char *out, size_t cap)
{
	struct sp_match_slice w[SP_MATCH_MAX_WORDS];
	size_t n = sp_match_prepared_words(v, SP_MATCH_BARE, w, SP_MATCH_MAX_WORDS), at = 0;
	for (size_t i = 0; i < n; i++) {
		if (at + w[i].len + 2 > cap)
			return false;
		if (i)
			out[at++] = ' ';
		memcpy(out + at, w[i].s, w[i].len);
		at += w[i].len;
	}
	out[at] = '\0';
	return n > 0;
}

bool sp_compare_key(enum sp_cmp_kind k, const char *v, char *out, size_t cap)
{
	if (!v || cap < 2)
		return false;
	switch (k) {
	case SP_CMP_DATE: {
		struct dval d;
		if (!parse_date(v, &d))
			return false;
		if (d.d)
			snprintf(out, cap, "%s", d.digits);
		else if (d.m)
			snprintf(out, cap, "%04d%02d", d.y, d.m);
		else
			snprintf(out, cap, "%04d", d.y);
		return true;
	}
	case SP_CMP_SEX: {
		char s[16];
		trimmed(v, true, s, sizeof s);
		for (size_t i = 0; i < sizeof sex_words / sizeof sex_words[0]; i++)
			if (strcmp(s, sex_words[i][0]) == 0) {
				snprintf(out, cap, "%s", sex_words[i][1]);
				return true;
			}
		return false;
	}
	case SP_CMP_CODES:
	case SP_CMP_NAME_SET: {
		char buf[SP_CMP_VALUE_MAX];
		const char *items[SET_MAX];
		int n = split_set(v, k == SP_CMP_CODES, buf, items);
		size_t at = 0;
		for (int i = 0; i < n && at + 1 < cap; i++) {
			int w = snprintf(out + at, cap - at, "%s%s", i ? ";" : "", items[i]);
			at += w > 0 ? (size_t)w : 0;
		}
		return n > 0 && at < cap;
	}
	case SP_CMP_NAME:
		if (*v == SP_MATCH_PREPARED_MARK)
			return prepared_key(v, out, cap);
		break;
	case SP_CMP_STRING:
	case SP_CMP_KIND_COUNT:
		break;
	}
	return trimmed(v, k == SP_CMP_NAME, out, cap < SP_CMP_VALUE_MAX ? cap : SP_CMP_VALUE_MAX) > 0;
}

/* Lazily computed similarities of one pair of strings. */
struct sims {
	const char *a, *b;
	double jw;
	int dl;
	bool have_jw, have_dl;
};

static double sims_jw(struct sims *s)
{
	if (!s->have_jw)
		s->jw = sp_jaro_winkler_utf8(s->a, s->b), s->have_jw = true;
	return s->jw;
}

static int sims_dl(struct sims *s)
{
	if (!s->have_dl)
		s->dl = sp_damerau_levenshtein_utf8(s->a, s->b), s->have_dl = true;
	return s->dl;
}

static bool string_test(const struct sp_cmp_level *l, struct sims *s)
{
	switch (l->test) {
	case SP_TEST_EXACT:
		return strcmp(s->a, s->b) == 0;
	case SP_TEST_JARO_WINKLER:
		return sims_jw(s) >= l->min;
	case SP_TEST_DAMERAU:
		return sims_dl(s) <= l->max;
	default:
		return l->test == SP_TEST_ELSE;
	}
}

static int level_strings(const struct sp_comparison *c, const char *a, const char *b,
			 struct sp_cmp_detail *d)
{
	struct sims s = {.a = a, .b = b};
	int level = c->n_levels - 1;
	for (int i = 0; i < c->n_levels; i++)
		if (string_test(&c->levels[i], &s)) {
			level = i;
			break;
		}
	if (s.have_jw)
		d->similarity = s.jw;
	return level;
}

/* Prepared names: the levels over sp_match_prepared_compare's answer. */
static bool name_test(const struct sp_cmp_level *l, const struct sp_match_cmp *m)
{
	bool all_assigned = m->coverage == 1.0;
	switch (l->test) {
	case SP_TEST_EXACT:
		return all_assigned && m->set == 1.0;
	case SP_TEST_JARO_WINKLER:
		return m->best >= l->min;
	case SP_TEST_DAMERAU:
		return all_assigned && m->edits <= l->max;
	case SP_TEST_SKELETON:
		return m->pairs > 0 && m->skeleton_agree == m->pairs;
	case SP_TEST_PHONETIC:
		return m->pairs > 0 && m->phonetic_agree == m->pairs;
	default:
		return l->test == SP_TEST_ELSE;
	}
}

static int level_names(const struct sp_comparison *c, const char *a, const char *b,
		       struct sp_cmp_detail *d)
{
	struct sp_match_cmp m;
	int edits_max = -1; /* the largest a level asks about */
	for (int i = 0; i < c->n_levels; i++)
		if (c->levels[i].test == SP_TEST_DAMERAU && c->levels[i].max > edits_max)
			edits_max = c->levels[i].max;
	if (!sp_match_prepared_compare(a, b, edits_max, &m)) {
		char ka[SP_CMP_VALUE_MAX], kb[SP_CMP_VALUE_MAX];
		if (!sp_compare_key(SP_CMP_NAME, a, ka, sizeof ka) ||
		    !sp_compare_key(SP_CMP_NAME, b, kb, sizeof kb))
			return SP_LEVEL_MISSING;
		return level_strings(c, ka, kb, d);
	}
	d->similarity = m.best;
	d->route = sp_match_route_name(m.route);
	for (int i = 0; i < c->n_levels; i++)
		if (name_test(&c->levels[i], &m))
			return i;
	return c->n_levels - 1;
}

static bool date_test(const struct sp_cmp_level *l, const struct dval *a, const struct dval *b)
{
	bool weak = a->weak || b->weak;
	int dy = abs(a->y - b->y);
	/* as far as both go: the year, the month when both have one, the day too */
	bool agree = dy == 0 && (!a->m || !b->m || a->m == b->m) &&
		     (!a->d || !b->d || a->d == b->d);
	switch (l->test) {
	case SP_TEST_EXACT:
		return !weak && strcmp(a->digits, b->digits) == 0;
	case SP_TEST_DAMERAU:
		return !weak && sp_damerau_levenshtein_utf8(a->digits, b->digits) <= l->max;
	case SP_TEST_YEAR_MONTH:
		return !weak && dy == 0 && a->m == b->m;
	case SP_TEST_YEAR:
		return !weak && dy <= l->max;
	case SP_TEST_WEAK_EXACT:
		return weak && agree;
	case SP_TEST_WEAK_YEAR:
		return weak && dy <= l->max;
	default:
		return l->test == SP_TEST_ELSE;
	}
}

static int level_dates(const struct sp_comparison *c, const char *a, const char *b)
{
	struct dval da, db;
	if (!parse_date(a, &da) || !parse_date(b, &db))
		return SP_LEVEL_MISSING;
	for (int i = 0; i < c->n_levels; i++)
		if (date_test(&c->levels[i], &da, &db))
			return i;
	return c->n_levels - 1;
}

static int level_codes(const struct sp_comparison *c, const char *a, const char *b)
{
	char ba[SP_CMP_VALUE_MAX], bb[SP_CMP_VALUE_MAX];
	const char *ia[SET_MAX], *ib[SET_MAX];
	int na = split_set(a, true, ba, ia), nb = split_set(b, true, bb, ib);
	if (!na || !nb)
		return SP_LEVEL_MISSING;
	int common = 0;
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			common += strcmp(ia[i], ib[j]) == 0;
	for (int i = 0; i < c->n_levels; i++) {
		enum sp_cmp_test t = c->levels[i].test;
		if ((t == SP_TEST_EXACT && common == na && na == nb) ||
		    (t == SP_TEST_OVERLAP && common > 0) || t == SP_TEST_ELSE)
			return i;
	}
	return c->n_levels - 1;
}

/* Name sets: each level holds when it holds for some pair of names, one from each side. */
static int level_name_sets(const struct sp_comparison *c, const char *a, const char *b,
			   struct sp_cmp_detail *d)
{
	char ba[SP_CMP_VALUE_MAX], bb[SP_CMP_VALUE_MAX];
	const char *ia[SET_MAX], *ib[SET_MAX];
	int na = split_set(a, false, ba, ia), nb = split_set(b, false, bb, ib);
	if (!na || !nb)
		return SP_LEVEL_MISSING;
	int best = c->n_levels;
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++) {
			struct sp_cmp_detail one = {.similarity = -1};
			int l = level_strings(c, ia[i], ib[j], &one);
			if (l < best)
				best = l, *d = one;
		}
	return best;
}

int sp_compare_detail(const struct sp_comparison *c, const char *a, const char *b,
		      struct sp_cmp_detail *d)
{
	d->similarity = -1;
	d->route = NULL;
	if (!a || !b || !*a || !*b || c->n_levels < 1)
		return SP_LEVEL_MISSING;
	switch (c->kind) {
	case SP_CMP_DATE:
		return level_dates(c, a, b);
	case SP_CMP_CODES:
		return level_codes(c, a, b);
	case SP_CMP_NAME_SET:
		return level_name_sets(c, a, b, d);
	case SP_CMP_NAME:
		return level_names(c, a, b, d);
	case SP_CMP_STRING:
	case SP_CMP_SEX:
	case SP_CMP_KIND_COUNT:
		break;
	}
	char ka[SP_CMP_VALUE_MAX], kb[SP_CMP_VALUE_MAX];
	if (!sp_compare_key(c->kind, a, ka, sizeof ka) || !sp_compare_key(c->kind, b, kb, sizeof kb))
		return SP_LEVEL_MISSING;
	return level_strings(c, ka, kb, d);
}

int sp_compare(const struct sp_comparison *c, const char *a, const char *b)
{
	struct sp_cmp_detail d;
	return sp_compare_detail(c, a, b, &d);
}

/* The words of the tests that take no parameter (NULL: the test's name). */
static const char *const plain_words[SP_TEST_COUNT] = {
	[SP_TEST_YEAR_MONTH] = "same year and month",
	[SP_TEST_WEAK_EXACT] = "weak date, agree",
	[SP_TEST_OVERLAP] = "a code in common",
	[SP_TEST_SKELETON] = "same skeleton keys",
	[SP_TEST_PHONETIC] = "same phonetic keys",
};

void sp_cmp_level_describe(const struct sp_comparison *c, int level, char *out, size_t cap)
{
	if (level < 0 || level >= c->n_levels) {
		snprintf(out, cap, "missing");
		return;
	}
	const struct sp_cmp_level *l = &c->levels[level];
	switch (l->test) {
	case SP_TEST_JARO_WINKLER:
		snprintf(out, cap, "Jaro-Winkler >= %.2f", l->min);
		break;
	case SP_TEST_DAMERAU:
		snprintf(out, cap, "%d edit%s or fewer", l->max, l->max == 1 ? "" : "s");
		break;
	case SP_TEST_YEAR:
		snprintf(out, cap, "years %d or less apart", l->max);
		break;
	case SP_TEST_WEAK_YEAR:
		snprintf(out, cap, "weak date, years %d or less apart", l->max);
		break;
	default: /* the tests without a parameter */
		snprintf(out, cap, "%s",
			 (unsigned)l->test < SP_TEST_COUNT && plain_words[l->test]
				 ? plain_words[l->test]
				 : sp_cmp_test_name(l->test));
		break;
	}
}
