/* ISO country, language and script codes from Debian's iso-codes JSON, loaded once (pthread_once)
 * into sorted arrays searched with bsearch. The field's extra codes (ZZ, XXA, XK) are added here,
 * not patched into the data, so an iso-codes upgrade keeps them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "safepath/codes.h"

struct country {
	char a2[3]; /* "" when none (XXA) */
	char a3[4];
	const char *name;
};

struct language {
	char a3[4];
	char a2[3]; /* "" when ISO 639-1 has none */
	const char *name;
};

struct table {
	void *by_primary; /* countries by a2, languages by a3, scripts */
	void *by_secondary; /* countries by a3, languages by a2 (only entries that have one) */
	size_t n_primary, n_secondary;
};

static struct table countries, languages, scripts;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_rc = SP_EINTERNAL;
static char load_msg[160];

/* Codes the field uses that ISO 3166-1 lacks: ZZ for an unknown nationality (CTDC), XXA for a
 * stateless person (ICAO 9303 machine-readable documents), XK/XKX for Kosovo (EU usage). */
static const struct country extra_countries[] = {
	{"ZZ", "", "Unknown"},
	{"", "XXA", "Stateless"},
	{"XK", "XKX", "Kosovo"},
};

static int cmp_country_a2(const void *a, const void *b)
{
	return strcmp(((const struct country *)a)->a2, ((const struct country *)b)->a2);
}

static int cmp_country_a3(const void *a, const void *b)
{
	return strcmp(((const struct country *)a)->a3, ((const struct country *)b)->a3);
}

static int cmp_language_a3(const void *a, const void *b)
{
	return strcmp(((const struct language *)a)->a3, ((const struct language *)b)->a3);
}

static int cmp_language_a2(const void *a, const void *b)
{
	return strcmp(((const struct language *)a)->a2, ((const struct language *)b)->a2);
}

static int cmp_script(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int load_fail(const char *file, const char *why)
{
	snprintf(load_msg, sizeof load_msg, "iso-codes %s: %s", file, why);
	return SP_EUNAVAIL;
}

/* Copy a short code member into dst (cap bytes with terminator); 0 if absent or too long. */
static int copy_code(json_t *entry, const char *key, char *dst, size_t cap)
{
	const char *s = json_string_value(json_object_get(entry, key));
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (n == 0 || n >= cap)
		return 0;
	memcpy(dst, s, n + 1);
	return 1;
}

static json_t *load_list(const char *file, const char *key, size_t *n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", SP_ISO_CODES_DIR, file);
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	json_t *list = json_object_get(root, key);
	if (!json_is_array(list) || json_array_size(list) == 0) {
		json_decref(root);
		return NULL;
	}
	*n = json_array_size(list);
	return root;
}

static int load_countries(void)
{
	size_t n;
	json_t *root = load_list("iso_3166-1.json", "3166-1", &n);
	if (!root)
		return load_fail("iso_3166-1.json", "missing or not a list");
	json_t *list = json_object_get(root, "3166-1");
	size_t total = n + sizeof extra_countries / sizeof extra_countries[0];
	struct country *a = calloc(total, sizeof *a);
	struct country *b = calloc(total, sizeof *b);
	if (!a || !b) {
		free(a);
		free(b);
		json_decref(root);
		return load_fail("iso_3166-1.json", "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		struct country c = {0};
		if (!copy_code(e, "alpha_2", c.a2, sizeof c.a2) ||
		    !copy_code(e, "alpha_3", c.a3, sizeof c.a3))
			continue;
		const char *name = json_string_value(json_object_get(e, "name"));
		c.name = strdup(name ? name : c.a2);
		if (!c.name)
			continue;
		a[k++] = c;
	}
	for (size_t i = 0; i < sizeof extra_countries / sizeof extra_countries[0]; i++)
		a[k++] = extra_countries[i];
	json_decref(root);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (a[i].a3[0])
			b[m++] = a[i];
	/* Entries without an alpha-2 go to the end of the alpha-2 table and are never searched. */
	size_t p = 0;
	for (size_t i = 0; i < k; i++)
		if (a[i].a2[0])
			a[p++] = a[i];
	qsort(a, p, sizeof *a, cmp_country_a2);
	qsort(b, m, sizeof *b, cmp_country_a3);
	countries.by_primary = a;
	countries.n_primary = p;
	countries.by_secondary = b;
	countries.n_secondary = m;
	return SP_OK;
}

static int load_languages(void)
{
	size_t n;
	json_t *root = load_list("iso_639-3.json", "639-3", &n);
	if (!root)
		return load_fail("iso_639-3.json", "missing or not a list");
	json_t *list = json_object_get(root, "639-3");
	struct language *a = calloc(n, sizeof *a);
	struct language *b = calloc(n, sizeof *b);
	if (!a || !b) {
		free(a);
		free(b);
		json_decref(root);
		return load_fail("iso_639-3.json", "out of memory");
	}
	size_t k = 0, m = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		struct language l = {0};
		if (!copy_code(e, "alpha_3", l.a3, sizeof l.a3))
			continue;
		(void)copy_code(e, "alpha_2", l.a2, sizeof l.a2);
		const char *name = json_string_value(json_object_get(e, "name"));
		l.name = strdup(name ? name : l.a3);
		if (!l.name)
			continue;
		a[k++] = l;
		if (l.a2[0])
			b[m++] = l;
	}
	json_decref(root);
	qsort(a, k, sizeof *a, cmp_language_a3);
	qsort(b, m, sizeof *b, cmp_language_a2);
	languages.by_primary = a;
	languages.n_primary = k;
	languages.by_secondary = b;
	languages.n_secondary = m;
	return SP_OK;
}

static int load_scripts(void)
{
	size_t n;
	json_t *root = load_list("iso_15924.json", "15924", &n);
	if (!root)
		return load_fail("iso_15924.json", "missing or not a list");
	json_t *list = json_object_get(root, "15924");
	char(*a)[SP_CODE_MAX] = calloc(n, sizeof *a);
	if (!a) {
		json_decref(root);
		return load_fail("iso_15924.json", "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (copy_code(json_array_get(list, i), "alpha_4", a[k], sizeof a[k]))
			k++;
	json_decref(root);
	qsort(a, k, sizeof *a, cmp_script);
	scripts.by_primary = a;
	scripts.n_primary = k;
	return SP_OK;
}

static void load_all(void)
{
	int rc = load_countries();
	if (!rc)
		rc = load_languages();
	if (!rc)
		rc = load_scripts();
	load_rc = rc;
}

static int ensure_loaded(struct sp_err *err)
{
	pthread_once(&load_once, load_all);
	if (load_rc)
		return sp_err_set(err, load_rc, "", "%s", load_msg);
	return SP_OK;
}

int sp_codes_load(struct sp_err *err)
{
	return ensure_loaded(err);
}

enum letter_case { UPPER, LOWER, TITLE };

/* Copy code into out in the given case if it is len_a or len_b ASCII letters; return its length
 * or 0 when it is not a code-shaped string. */
static size_t shape(const char *code, size_t len_a, size_t len_b, enum letter_case lc,
		    char out[SP_CODE_MAX])
{
	if (!code)
		return 0;
	size_t n = 0;
	while (n < SP_CODE_MAX && code[n])
		n++;
	if (n != len_a && n != len_b)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = code[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!(c >= 'A' && c <= 'Z'))
			return 0;
		if (lc == LOWER || (lc == TITLE && i > 0))
			c = (char)(c - 'A' + 'a');
		out[i] = c;
	}
	out[n] = '\0';
	return n;
}

static int unknown(struct sp_err *err, const char *what)
{
	return sp_err_set(err, SP_EINVAL, "", "is not a known %s code", what);
}

int sp_country_code(const char *code, char out[SP_CODE_MAX], struct sp_err *err)
{
	int rc = ensure_loaded(err);
	if (rc)
		return rc;
	struct country key = {0};
	char s[SP_CODE_MAX];
	size_t n = shape(code, 2, 3, UPPER, s);
	const struct country *hit = NULL;
	if (n == 2) {
		memcpy(key.a2, s, 3);
		hit = bsearch(&key, countries.by_primary, countries.n_primary, sizeof key,
			      cmp_country_a2);
	} else if (n == 3) {
		memcpy(key.a3, s, 4);
		hit = bsearch(&key, countries.by_secondary, countries.n_secondary, sizeof key,
			      cmp_country_a3);
	}
	if (!hit)
		return unknown(err, "country");
	snprintf(out, SP_CODE_MAX, "%s", hit->a2[0] ? hit->a2 : hit->a3);
	return SP_OK;
}

int sp_language_code(const char *code, char out[SP_CODE_MAX], struct sp_err *err)
{
	int rc = ensure_loaded(err);
	if (rc)
		return rc;
	struct language key = {0};
	char s[SP_CODE_MAX];
	size_t n = shape(code, 2, 3, LOWER, s);
	const struct language *hit = NULL;
	if (n == 2) {
		memcpy(key.a2, s, 3);
		hit = bsearch(&key, languages.by_secondary, languages.n_secondary, sizeof key,
			      cmp_language_a2);
	} else if (n == 3) {
		memcpy(key.a3, s, 4);
		hit = bsearch(&key, languages.by_primary, languages.n_primary, sizeof key,
			      cmp_language_a3);
	}
	if (!hit)
		return unknown(err, "language");
	snprintf(out, SP_CODE_MAX, "%s", hit->a2[0] ? hit->a2 : hit->a3);
	return SP_OK;
}

int sp_script_code(const char *code, char out[SP_CODE_MAX], struct sp_err *err)
{
	int rc = ensure_loaded(err);
	if (rc)
		return rc;
	char s[SP_CODE_MAX];
	if (shape(code, 4, 4, TITLE, s) != 4 ||
	    !bsearch(s, scripts.by_primary, scripts.n_primary, SP_CODE_MAX, cmp_script))
		return unknown(err, "script");
	memcpy(out, s, SP_CODE_MAX);
	return SP_OK;
}

const char *sp_country_name(const char *code)
{
	char c[SP_CODE_MAX];
	if (sp_country_code(code, c, NULL))
		return NULL;
	struct country key = {0};
	if (strlen(c) == 3) {
		memcpy(key.a3, c, 4);
		const struct country *hit =
			bsearch(&key, countries.by_secondary, countries.n_secondary, sizeof key,
				cmp_country_a3);
		return hit ? hit->name : NULL;
	}
	memcpy(key.a2, c, 3);
	const struct country *hit = bsearch(&key, countries.by_primary, countries.n_primary,
					    sizeof key, cmp_country_a2);
	return hit ? hit->name : NULL;
}

const char *sp_language_name(const char *code)
{
	char c[SP_CODE_MAX];
	if (sp_language_code(code, c, NULL))
		return NULL;
	struct language key = {0};
	if (strlen(c) == 2) {
		memcpy(key.a2, c, 3);
		const struct language *hit =
			bsearch(&key, languages.by_secondary, languages.n_secondary, sizeof key,
				cmp_language_a2);
		return hit ? hit->name : NULL;
	}
	memcpy(key.a3, c, 4);
	const struct language *hit = bsearch(&key, languages.by_primary, languages.n_primary,
					     sizeof key, cmp_language_a3);
	return hit ? hit->name : NULL;
}
