/* Blind indexes: keyed BLAKE2b of a normalised value, one key per index kind (derived from
 * the master key), so exact look-ups work without decrypting and an index of one kind says
 * nothing about another. The normalisations are part of the format: changing one means
 * re-indexing. Normalised values are personal data: they live in sp_buf memory, which is
 * zeroed when freed. */
#include <string.h>

#include "crypto/crypto.h"

#define NORM_MAX 1024 /* longest normalised value */

static int is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}
static int is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Upper-case ASCII letters, keep only A-Z and 0-9. */
static int alnum_upper(const char *s, struct sp_buf *out)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int c = *p;
		if (is_lower(c))
			c -= 'a' - 'A';
		if (is_upper(c) || is_digit(c)) {
			int rc = sp_buf_addc(out, (char)c);
			if (rc)
				return rc;
		}
	}
	return SP_OK;
}

static int nonempty(struct sp_buf *out, size_t start, const char *field, struct sp_err *err)
{
	if (out->len == start)
		return sp_err_set(err, SP_EINVAL, field, "nothing left to index after normalising");
	return SP_OK;
}

int sp_norm_document(const char *type, const char *country, const char *number,
		     struct sp_buf *out, struct sp_err *err)
{
	if (!type || !country || !number)
		return sp_err_set(err, SP_EINVAL, "", "a document needs a type, a country and a number");
	size_t n = 0;
	int rc = SP_OK;
	for (const unsigned char *p = (const unsigned char *)type; *p && !rc; p++, n++) {
		int c = is_upper(*p) ? *p + ('a' - 'A') : *p;
		if (!is_lower(c) && !is_digit(c) && c != '_')
			return sp_err_set(err, SP_EINVAL, "type", "a document type is a code of letters, digits and _");
		rc = sp_buf_addc(out, (char)c);
	}
	if (!rc && (n == 0 || n > 32))
		return sp_err_set(err, SP_EINVAL, "type", "a document type is 1 to 32 characters");
	if (!rc)
		rc = sp_buf_addc(out, '|');
	n = 0;
	for (const unsigned char *p = (const unsigned char *)country; *p && !rc; p++, n++) {
		int c = is_lower(*p) ? *p - ('a' - 'A') : *p;
		if (!is_upper(c))
			return sp_err_set(err, SP_EINVAL, "country", "an issuing country is a 2- or 3-letter code");
		rc = sp_buf_addc(out, (char)c);
	}
	if (!rc && n != 2 && n != 3)
		return sp_err_set(err, SP_EINVAL, "country", "an issuing country is a 2- or 3-letter code");
	if (!rc)
		rc = sp_buf_addc(out, '|');
	size_t num_start = out->len;
	if (!rc)
		rc = alnum_upper(number, out);
	if (rc)
		return sp_err_set(err, rc, "number", "document too long");
	return nonempty(out, num_start, "number", err);
}

int sp_norm_phone(const char *phone, struct sp_buf *out, struct sp_err *err)
{
	if (!phone)
		return sp_err_set(err, SP_EINVAL, "phone", "no phone number");
	const unsigned char *p = (const unsigned char *)phone;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t start = out->len;
	int rc = SP_OK;
	if (*p == '+')
		rc = sp_buf_addc(out, '+');
	size_t digits_start = out->len;
	for (; *p && !rc; p++)
		if (is_digit(*p))
			rc = sp_buf_addc(out, (char)*p);
	if (rc)
		return sp_err_set(err, rc, "phone", "phone number too long");
	if (out->len == digits_start) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return nonempty(out, start, "phone", err);
}

int sp_norm_case(const char *case_no, struct sp_buf *out, struct sp_err *err)
{
	if (!case_no)
		return sp_err_set(err, SP_EINVAL, "case", "no case number");
	size_t start = out->len;
	int rc = alnum_upper(case_no, out);
	if (rc)
		return sp_err_set(err, rc, "case", "case number too long");
	return nonempty(out, start, "case", err);
}

static void blind(const struct sp_keys *k, enum sp_blind_kind kind, const void *v, size_t n,
		  unsigned char out[SP_BLIND_LEN])
{
	const unsigned char *key = k->sub + SP_SUB_BLIND + (size_t)(kind - 1) * SP_KEY_LEN;
	crypto_generichash(out, SP_BLIND_LEN, v, n, key, SP_KEY_LEN);
}

/* Hash what the normaliser left in b (unless it failed with rc), then zero b. */
static int blind_norm(const struct sp_keys *k, enum sp_blind_kind kind, struct sp_buf *b,
		      int rc, unsigned char out[SP_BLIND_LEN])
{
	if (!rc)
		blind(k, kind, b->data, b->len, out);
	sp_buf_free(b);
	return rc;
}

int sp_blind_document(const struct sp_keys *k, const char *type, const char *country,
		      const char *number, unsigned char out[SP_BLIND_LEN], struct sp_err *err)
{
	struct sp_buf b;
	sp_buf_init(&b, NORM_MAX);
	return blind_norm(k, SP_BLIND_DOCUMENT, &b, sp_norm_document(type, country, number, &b, err),
			  out);
}

int sp_blind_phone(const struct sp_keys *k, const char *phone, unsigned char out[SP_BLIND_LEN],
		   struct sp_err *err)
{
	struct sp_buf b;
	sp_buf_init(&b, NORM_MAX);
	return blind_norm(k, SP_BLIND_PHONE, &b, sp_norm_phone(phone, &b, err), out);
}

int sp_blind_case(const struct sp_keys *k, const char *case_no, unsigned char out[SP_BLIND_LEN],
		  struct sp_err *err)
{
	struct sp_buf b;
	sp_buf_init(&b, NORM_MAX);
	return blind_norm(k, SP_BLIND_CASE, &b, sp_norm_case(case_no, &b, err), out);
}

int sp_blind_name(const struct sp_keys *k, const char *name, size_t n,
		  unsigned char out[SP_BLIND_LEN], struct sp_err *err)
{
	if (!name || n == 0)
		return sp_err_set(err, SP_EINVAL, "name", "an empty name is not indexed");
	if (n > NORM_MAX)
		return sp_err_set(err, SP_ETOOBIG, "name", "name part too long");
	blind(k, SP_BLIND_NAME, name, n, out);
	return SP_OK;
}

int sp_blind_match(const struct sp_keys *k, int rule, const char *key, size_t n,
		   unsigned char out[SP_BLIND_LEN], struct sp_err *err)
{
	if (rule < 0 || !key || n == 0)
		return sp_err_set(err, SP_EINVAL, "key", "an empty blocking key is not indexed");
	if (n > NORM_MAX)
		return sp_err_set(err, SP_ETOOBIG, "key", "blocking key too long");
	unsigned char v[4 + NORM_MAX];
	v[0] = (unsigned char)((unsigned)rule >> 24);
	v[1] = (unsigned char)((unsigned)rule >> 16);
	v[2] = (unsigned char)((unsigned)rule >> 8);
	v[3] = (unsigned char)rule;
	memcpy(v + 4, key, n);
	blind(k, SP_BLIND_MATCH, v, 4 + n, out);
	sodium_memzero(v, sizeof v);
	return SP_OK;
}
