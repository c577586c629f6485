/* Fuzz what `safepath case search` does with its stdin query before the store is asked: the
 * query's shape ({"number"} | {"phone"} | {"names": [...]} | {"document": {...}}, as
 * case_find in src/cli/cmd_case.c reads it) and the normalisers behind the blind indexes it
 * looks up: sp_norm_case, cw_phone_plausible + sp_norm_phone, sp_person_name_key (whose last
 * step is sp_name_normalise) and sp_norm_document. case_find itself is static in the CLI and
 * needs a store; these are the pieces it hands the untrusted text to.
 *
 * Never a crash, UB or leak. What a normaliser accepts has the documented form and is a
 * fixed point; a name searched as one part finds the same words as its words searched one by
 * one (sp_case_find_name's promise). A leading NUL byte feeds the rest to the normalisers as
 * raw bytes (invalid UTF-8, embedded NULs). abort() when a promise is broken. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/crypto.h"
#include "safepath/init.h"
#include "safepath/json.h"

#include "codes_init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool only_chars(const char *s, size_t n, const char *allowed)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(allowed, s[i]))
			return false;
	return true;
}

#define UPPER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* Case number: upper-case letters and digits, nothing else, and normalising it again is a
 * no-op. */
static void check_case_number(const char *s)
{
	struct sp_buf b, again;
	struct sp_err err = {0};
	sp_buf_init(&b, 1024);
	sp_buf_init(&again, 1024);
	if (sp_norm_case(s, &b, &err) == SP_OK) {
		if (b.len == 0 || strlen(b.data) != b.len || !only_chars(b.data, b.len, UPPER_DIGITS) ||
		    sp_norm_case(b.data, &again, &err) != SP_OK || again.len != b.len ||
		    memcmp(again.data, b.data, b.len) != 0)
			abort();
	}
	sp_buf_free(&again);
	sp_buf_free(&b);
}

/* Phone: an optional '+' then digits; a plausible number (5 to 15 digits) always normalises,
 * to its digits. */
static void check_phone(const char *s)
{
	struct sp_buf b, again;
	struct sp_err err = {0};
	sp_buf_init(&b, 1024);
	sp_buf_init(&again, 1024);
	bool plausible = cw_phone_plausible(s);
	int rc = sp_norm_phone(s, &b, &err);
	if (plausible && rc != SP_OK)
		abort();
	if (rc == SP_OK) {
		const char *d = b.data[0] == '+' ? b.data + 1 : b.data;
		size_t nd = b.len - (size_t)(d - b.data);
		if (nd == 0 || strlen(b.data) != b.len || !only_chars(d, nd, "0123456789") ||
		    (plausible && (nd < 5 || nd > 15)) || sp_norm_phone(b.data, &again, &err) != SP_OK ||
		    again.len != b.len || memcmp(again.data, b.data, b.len) != 0)
			abort();
	}
	sp_buf_free(&again);
	sp_buf_free(&b);
}

/* A name key: words split by single spaces, no space at either end, no upper-case ASCII (it
 * is case-folded). */
static void check_key_shape(const char *k, size_t n)
{
	if (n == 0 || k[0] == ' ' || k[n - 1] == ' ' || strstr(k, "  "))
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];
		if (c >= 'A' && c <= 'Z')
			abort();
	}
	struct sp_buf b;
	struct sp_err err = {0};
	sp_buf_init(&b, 1u << 16);
	/* The last step of the key is sp_name_normalise: its output is a fixed point of it. */
	if (sp_name_normalise(k, n, &b, &err) != SP_OK || b.len != n || memcmp(b.data, k, n) != 0)
		abort();
	sp_buf_free(&b);
}

/* Append the words of the key of s to words (space-separated); false when s has no key. */
static bool key_words(const char *s, struct sp_arena *a, struct sp_buf *words)
{
	const char *k;
	struct sp_err err = {0};
	int rc = sp_person_name_key(s, a, &k, &err);
	if (rc != SP_OK) {
		if (rc != SP_EINVAL && rc != SP_ETOOBIG)
			abort();
		return false;
	}
	check_key_shape(k, strlen(k));
	if ((words->len && sp_buf_addc(words, ' ')) || sp_buf_adds(words, k))
		abort();
	return true;
}

/* One searched part and the same text split on ASCII spaces give the same words. */
static void check_name_part(const char *s)
{
	struct sp_arena a;
	struct sp_buf whole, split;
	sp_arena_init(&a, 4096, 1u << 20);
	sp_buf_init(&whole, 1u << 16);
	sp_buf_init(&split, 1u << 16);
	if (key_words(s, &a, &whole)) {
		for (const char *p = s; *p;) {
			size_t len = strcspn(p, " ");
			char *tok = sp_arena_strndup(&a, p, len);
			if (!tok)
				abort();
			(void)key_words(tok, &a, &split);
			p += len;
			p += strspn(p, " ");
		}
		if (whole.len != split.len || memcmp(whole.data, split.data, whole.len) != 0)
			abort();
	}
	sp_buf_free(&split);
	sp_buf_free(&whole);
	sp_arena_release(&a);
}

/* Document: "type|COUNTRY|NUMBER" with a known type, a canonical country and a number of
 * upper-case letters and digits. */
static void check_document(json_t *v)
{
	static const char *const dkeys[] = {"type", "country", "number", NULL};
	struct sp_err err = {0};
	const char *t = NULL, *cc = NULL, *number = NULL;
	char country[SP_CODE_MAX];
	if (sp_json_only_keys(v, dkeys, &err) || sp_json_get_str(v, "type", true, &t, &err) ||
	    sp_json_get_str(v, "country", true, &cc, &err) ||
	    sp_json_get_str(v, "number", true, &number, &err))
		return;
	int type = sp_doc_type_parse(t);
	if (type < 0 || sp_country_code(cc, country, &err) != SP_OK)
		return;
	struct sp_buf b;
	sp_buf_init(&b, 1024);
	const char *name = sp_doc_type_name((enum sp_doc_type)type);
	if (sp_norm_document(name, country, number, &b, &err) == SP_OK) {
		size_t nl = strlen(name), cl = strlen(country);
		if (b.len <= nl + cl + 2 || memcmp(b.data, name, nl) != 0 || b.data[nl] != '|' ||
		    memcmp(b.data + nl + 1, country, cl) != 0 || b.data[nl + 1 + cl] != '|' ||
		    !only_chars(b.data + nl + cl + 2, b.len - nl - cl - 2, UPPER_DIGITS))
			abort();
	}
	sp_buf_free(&b);
}

static void query(json_t *q)
{
	static const char *const keys[] = {"number", "phone", "names", "document", NULL};
	struct sp_err err = {0};
	const char *s;
	json_t *v;
	if (sp_json_only_keys(q, keys, &err) || json_object_size(q) != 1)
		return;
	if (sp_json_get_str(q, "number", true, &s, &err) == SP_OK) {
		if (strlen(s) < SP_CASE_NUMBER_MAX)
			check_case_number(s);
	} else if (sp_json_get_str(q, "phone", true, &s, &err) == SP_OK) {
		check_phone(s);
	} else if ((v = json_object_get(q, "names"))) {
		size_t np = json_array_size(v);
		if (!json_is_array(v) || np == 0 || np > SP_SEARCH_MAX_PARTS)
			return;
		for (size_t i = 0; i < np; i++)
			if ((s = json_string_value(json_array_get(v, i))))
				check_name_part(s);
	} else if ((v = json_object_get(q, "document"))) {
		check_document(v);
	}
}

/* Raw bytes: sp_name_normalise takes a length (NULs and invalid UTF-8 are its to refuse);
 * the others take the text up to the first NUL. */
static void raw(const uint8_t *data, size_t size)
{
	struct sp_buf b;
	struct sp_err err = {0};
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	sp_buf_init(&b, 1u << 16);
	int rc = sp_name_normalise(s, size, &b, &err);
	if (rc == SP_OK)
		check_key_shape(b.data, b.len);
	else if (memchr(s, 0, size) && rc != SP_EINVAL && rc != SP_ETOOBIG)
		abort();
	sp_buf_free(&b);
	check_case_number(s);
	check_phone(s);
	check_name_part(s);
	sp_buf_init(&b, 1024);
	(void)sp_norm_document(s, "ER", s, &b, &err);
	sp_buf_free(&b);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == 0) {
		raw(data + 1, size - 1);
		return 0;
	}
	struct sp_err err = {0};
	json_t *q = sp_json_parse((const char *)data, size, &err);
	if (!q)
		return 0;
	query(q);
	json_decref(q);
	return 0;
}
