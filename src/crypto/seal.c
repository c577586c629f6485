/* Field sealing with XChaCha20-Poly1305, and the key wrapping built on the same AEAD.
 *
 * A sealed field is  header(6) ‖ nonce(24) ‖ ciphertext ‖ tag(16),  where the header is
 * format(1) = 1, key kind(1), key version(4, big-endian). The associated data is
 *   u32 len ‖ table ‖ u32 len ‖ column ‖ record id(16) ‖ header
 * so a ciphertext only opens in the table, column and record it was sealed for, under the key
 * it names. Nonces are random: 192 bits leave no practical chance of reuse. */
#include <string.h>

#include "crypto/crypto.h"

#define SEAL_FORMAT 1
#define AD_MAX (4 + SP_FIELD_NAME_MAX + 4 + SP_FIELD_NAME_MAX + SP_ID_LEN + SP_SEAL_HEADER_LEN)

static_assert(SP_NONCE_LEN == 24 && SP_TAG_LEN == 16, "the format fixes nonce and tag sizes");
static_assert(SP_SEAL_OVERHEAD == SP_SEAL_HEADER_LEN + SP_NONCE_LEN + SP_TAG_LEN,
	      "SP_SEAL_OVERHEAD matches the layout");
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SP_KEY_LEN, "key size");

static int name_ok(const char *s, size_t *len)
{
	if (!s)
		return 0;
	*len = strnlen(s, SP_FIELD_NAME_MAX + 1);
	return *len > 0 && *len <= SP_FIELD_NAME_MAX;
}

static int build_ad(const struct sp_field *f, const unsigned char hdr[SP_SEAL_HEADER_LEN],
		    unsigned char ad[AD_MAX], size_t *ad_len, struct sp_err *err)
{
	size_t tl, cl;
	*ad_len = 0;
	if (!f || !name_ok(f->table, &tl) || !name_ok(f->column, &cl) || !f->record)
		return sp_err_set(err, SP_EINVAL, "", "a sealed field needs a table, a column (at most %d bytes each) and a record id",
				  SP_FIELD_NAME_MAX);
	unsigned char *p = ad;
	sp_put32(p, (uint32_t)tl);
	memcpy(p + 4, f->table, tl);
	p += 4 + tl;
	sp_put32(p, (uint32_t)cl);
	memcpy(p + 4, f->column, cl);
	p += 4 + cl;
	memcpy(p, f->record->b, SP_ID_LEN);
	p += SP_ID_LEN;
	memcpy(p, hdr, SP_SEAL_HEADER_LEN);
	p += SP_SEAL_HEADER_LEN;
	*ad_len = (size_t)(p - ad);
	return SP_OK;
}

/* Cut out back to its first start bytes. */
static void unreserve(struct sp_buf *out, size_t start)
{
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
}

/* Grow out by n bytes (zero-filled) and point at them: the AEAD writes in place, so no
 * plaintext passes through a temporary buffer. */
static int reserve(struct sp_buf *out, size_t n, unsigned char **at)
{
	static const unsigned char zeros[256];
	size_t start = out->len;
	while (n) {
		size_t c = n < sizeof zeros ? n : sizeof zeros;
		int rc = sp_buf_add(out, zeros, c);
		if (rc) {
			unreserve(out, start);
			return rc;
		}
		n -= c;
	}
	*at = (unsigned char *)out->data + start;
	return SP_OK;
}

int sp_seal_with_(const unsigned char key[SP_KEY_LEN], enum sp_key_kind kind, uint32_t version,
		  const struct sp_field *f, const void *pt, size_t n, struct sp_buf *out,
		  struct sp_err *err)
{
	unsigned char hdr[SP_SEAL_HEADER_LEN] = {SEAL_FORMAT, (unsigned char)kind};
	unsigned char ad[AD_MAX];
	size_t ad_len;
	sp_put32(hdr + 2, version);
	int rc = build_ad(f, hdr, ad, &ad_len, err);
	if (rc)
		return rc;
	if (n > SP_SEAL_MAX)
		return sp_err_set(err, SP_ETOOBIG, "", "a field holds at most %u bytes", SP_SEAL_MAX);
	if (!pt && n)
		return sp_err_set(err, SP_EINVAL, "", "no plaintext");
	unsigned char *p;
	if ((rc = reserve(out, SP_SEAL_OVERHEAD + n, &p)))
		return sp_err_set(err, rc, "", "no room for the sealed field");
	memcpy(p, hdr, SP_SEAL_HEADER_LEN);
	unsigned char *nonce = p + SP_SEAL_HEADER_LEN;
	randombytes_buf(nonce, SP_NONCE_LEN);
	unsigned long long clen;
	crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + SP_NONCE_LEN, &clen, pt, n, ad, ad_len,
						   NULL, nonce, key);
	return SP_OK;
}

int sp_field_seal(const struct sp_keys *k, const struct sp_field *f, const void *pt, size_t n,
		  struct sp_buf *out, struct sp_err *err)
{
	if (!k->count)
		return sp_err_set(err, SP_EINTERNAL, "", "no data key loaded");
	const struct sp_data_key *dk = &k->data[k->count - 1];
	return sp_seal_with_(dk->key, SP_KEY_DATA, dk->version, f, pt, n, out, err);
}

int sp_field_key_of(const void *ct, size_t n, enum sp_key_kind *kind, uint32_t *version)
{
	const unsigned char *c = ct;
	if (!c || n < SP_SEAL_OVERHEAD || c[0] != SEAL_FORMAT ||
	    (c[1] != SP_KEY_DATA && c[1] != SP_KEY_PERSON))
		return SP_EINVAL;
	*kind = (enum sp_key_kind)c[1];
	*version = sp_get32(c + 2);
	return SP_OK;
}

int sp_field_seal_person(const struct sp_person_key *pk, const struct sp_field *f,
			 const void *pt, size_t n, struct sp_buf *out, struct sp_err *err)
{
	const unsigned char *key;
	int rc = sp_person_key_lock_(pk, pk->version_, &key);
	if (rc)
		return sp_err_set(err, rc, "", "stale person-key reference: get the key again");
	rc = sp_seal_with_(key, SP_KEY_PERSON, pk->version_, f, pt, n, out, err);
	sp_person_key_unlock_(pk);
	return rc;
}

/* Resolve the key a sealed field names and build its associated data. A person key comes
 * back with its cache locked (*locked = pk): unlock once the key is no longer used. */
static int open_prepare(const struct sp_keys *k, const struct sp_person_key *pk,
			const struct sp_field *f, const void *ct, size_t n,
			const unsigned char **key, unsigned char ad[AD_MAX], size_t *ad_len,
			const struct sp_person_key **locked, struct sp_err *err)
{
	*locked = NULL;
	*key = NULL;
	*ad_len = 0;
	enum sp_key_kind kind;
	uint32_t version;
	if (sp_field_key_of(ct, n, &kind, &version))
		return SP_FAIL(err, SP_ECRYPTO, "", "not a sealed field");
	if (n - SP_SEAL_OVERHEAD > SP_SEAL_MAX)
		return SP_FAIL(err, SP_ETOOBIG, "", "sealed field too large");
	int rc = build_ad(f, ct, ad, ad_len, err);
	if (rc)
		return rc < 0 ? rc : SP_EINTERNAL;
	if (kind == SP_KEY_DATA) {
		if (!k)
			return SP_FAIL(err, SP_EINVAL, "", "the field is sealed with a data key");
		if (!(*key = sp_keys_data_key_(k, version)))
			return SP_FAIL(err, SP_ECRYPTO, "", "no data key version %lu",
					  (unsigned long)version);
		return SP_OK;
	}
	if (!pk)
		return SP_FAIL(err, SP_EINVAL, "", "the field is sealed with a person key");
	if (version != pk->version_)
		return SP_FAIL(err, SP_ECRYPTO, "", "no person-key version %lu",
				  (unsigned long)version);
	if (sp_person_key_lock_(pk, version, key))
		return SP_FAIL(err, SP_ENOTFOUND, "", "stale person-key reference: get the key again");
	*locked = pk;
	return SP_OK;
}

static int decrypt(unsigned char *m, const unsigned char *key, const unsigned char *ad,
		   size_t ad_len, const unsigned char *c, size_t n, struct sp_err *err)
{
	unsigned long long mlen;
	const unsigned char *nonce = c + SP_SEAL_HEADER_LEN;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, nonce + SP_NONCE_LEN,
						       n - SP_SEAL_HEADER_LEN - SP_NONCE_LEN, ad,
						       ad_len, nonce, key) != 0) {
		sodium_memzero(m, n - SP_SEAL_OVERHEAD);
		return sp_err_set(err, SP_ECRYPTO, "", "the field does not open: wrong key, place or contents");
	}
	return SP_OK;
}

/* What both ways of opening share: resolve the key, have room(ctx, length, &m, err) allot
 * the plaintext's place, decrypt into it, and unlock a person key again. */
static int open_into(const struct sp_keys *k, const struct sp_person_key *pk,
		     const struct sp_field *f, const void *ct, size_t n,
		     int (*room)(void *ctx, size_t len, unsigned char **m, struct sp_err *err),
		     void *ctx, unsigned char **m, struct sp_err *err)
{
	const unsigned char *key;
	const struct sp_person_key *locked;
	unsigned char ad[AD_MAX];
	size_t ad_len;
	int rc = open_prepare(k, pk, f, ct, n, &key, ad, &ad_len, &locked, err);
	if (rc)
		return rc;
	rc = room(ctx, n - SP_SEAL_OVERHEAD, m, err);
	if (!rc)
		rc = decrypt(*m, key, ad, ad_len, ct, n, err);
	if (locked)
		sp_person_key_unlock_(locked);
	return rc;
}

/* The room functions return their status themselves rather than sp_err_set's, so that the
 * analyser sees *m set whenever they return SP_OK. */
static int buf_room(void *ctx, size_t len, unsigned char **m, struct sp_err *err)
{
	int rc = reserve(ctx, len, m);
	if (rc)
		sp_err_set(err, rc, "", "no room for the opened field");
	return rc;
}

int sp_field_open(const struct sp_keys *k, const struct sp_person_key *pk,
		  const struct sp_field *f, const void *ct, size_t n, struct sp_buf *out,
		  struct sp_err *err)
{
	size_t start = out->len;
	unsigned char *m;
	int rc = open_into(k, pk, f, ct, n, buf_room, out, &m, err);
	if (rc)
		unreserve(out, start); /* nothing of a field that does not open */
	return rc;
}

static int arena_room(void *ctx, size_t len, unsigned char **m, struct sp_err *err)
{
	*m = sp_arena_alloc(ctx, len + 1); /* zero-filled: NUL-terminated */
	if (*m)
		return SP_OK;
	sp_err_set(err, SP_ENOMEM, "", "request arena full");
	return SP_ENOMEM;
}

int sp_field_open_arena(const struct sp_keys *k, const struct sp_person_key *pk,
			const struct sp_field *f, const void *ct, size_t n, struct sp_arena *a,
			unsigned char **pt, size_t *pt_len, struct sp_err *err)
{
	unsigned char *m;
	*pt = NULL;
	*pt_len = 0;
	int rc = open_into(k, pk, f, ct, n, arena_room, a, &m, err);
	if (rc)
		return rc;
	*pt = m;
	*pt_len = n - SP_SEAL_OVERHEAD;
	return SP_OK;
}

/* ---- key wrapping ---------------------------------------------------------------------- */

#define WRAP_FORMAT 1
static_assert(SP_WRAPPED_LEN == 1 + 24 + 32 + 16, "wrapped key layout");

void sp_wrap_key_(const unsigned char kek[SP_KEY_LEN], const unsigned char key[SP_KEY_LEN],
		  const unsigned char *ad, size_t ad_len, unsigned char out[SP_WRAPPED_LEN])
{
	out[0] = WRAP_FORMAT;
	randombytes_buf(out + 1, SP_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + SP_NONCE_LEN, NULL, key, SP_KEY_LEN,
						   ad, ad_len, NULL, out + 1, kek);
}

int sp_unwrap_key_(const unsigned char kek[SP_KEY_LEN], const unsigned char *wrapped, size_t n,
		   const unsigned char *ad, size_t ad_len, unsigned char key[SP_KEY_LEN])
{
	if (!wrapped || n != SP_WRAPPED_LEN || wrapped[0] != WRAP_FORMAT)
		return SP_ECRYPTO;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(key, NULL, NULL, wrapped + 1 + SP_NONCE_LEN,
						       SP_KEY_LEN + SP_TAG_LEN, ad, ad_len,
						       wrapped + 1, kek) != 0) {
		sodium_memzero(key, SP_KEY_LEN);
		return SP_ECRYPTO;
	}
	return SP_OK;
}
