/* An audit record's rules and its canonical encoding: token-only strings (so no personal
 * value can be written into the trail), the fixed byte layout and the keyed chain step. */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"

static_assert(SP_AUDIT_MAC_LEN == crypto_generichash_BYTES, "chain MAC is BLAKE2b-256");
static_assert(sizeof(struct sp_id) == SP_ID_LEN, "an objects array is packed ids");
static_assert(SP_AUDIT_KEY_LEN >= crypto_generichash_KEYBYTES_MIN &&
		      SP_AUDIT_KEY_LEN <= crypto_generichash_KEYBYTES_MAX,
	      "chain key fits BLAKE2b");

static int is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == ':' || c == ',' || c == '/' || c == '-';
}

/* The message never quotes the value: it may be exactly the personal data we keep out. */
static int check_token(const char *s, const char *field, size_t max, int required,
		       struct sp_err *err)
{
	if (!s || !*s) {
		if (required)
			return sp_err_set(err, SP_EINVAL, field, "is required");
		return SP_OK;
	}
	size_t n = 0;
	for (; s[n]; n++) {
		if (n >= max)
			return sp_err_set(err, SP_EINVAL, field, "is longer than %zu bytes", max);
		if (!is_token_char((unsigned char)s[n]))
			return sp_err_set(err, SP_EINVAL, field,
					  "must be a token of letters, digits and . _ : , / - "
					  "(ids and field names only, never personal values)");
	}
	return SP_OK;
}

int sp_audit_rec_check(const struct sp_audit_rec *rec, struct sp_err *err)
{
	int rc;
	if ((rc = check_token(rec->action, "action", SP_AUDIT_TOKEN_MAX, 1, err)) ||
	    (rc = check_token(rec->roles, "roles", SP_AUDIT_TOKEN_MAX, 0, err)) ||
	    (rc = check_token(rec->object_type, "object_type", SP_AUDIT_TOKEN_MAX, 0, err)) ||
	    (rc = check_token(rec->fields, "fields", SP_AUDIT_FIELDS_MAX, 0, err)) ||
	    (rc = check_token(rec->reason, "reason", SP_AUDIT_TOKEN_MAX, 0, err)) ||
	    (rc = check_token(rec->request_id, "request_id", SP_AUDIT_TOKEN_MAX, 0, err)))
		return rc;
	if (rec->nobjects > SP_AUDIT_OBJECTS_MAX)
		return sp_err_set(err, SP_EINVAL, "objects", "names more than %d objects",
				  SP_AUDIT_OBJECTS_MAX);
	if (rec->nobjects && !rec->objects)
		return sp_err_set(err, SP_EINVAL, "objects", "is missing");
	for (size_t i = 0; i < rec->nobjects; i++) {
		if (sp_id_is_zero(&rec->objects[i]))
			return sp_err_set(err, SP_EINVAL, "objects", "holds an empty id");
		if (memcmp(&rec->objects[i], &rec->object_id, SP_ID_LEN) == 0)
			return sp_err_set(err, SP_EINVAL, "objects", "repeats object_id");
		for (size_t j = 0; j < i; j++)
			if (memcmp(&rec->objects[i], &rec->objects[j], SP_ID_LEN) == 0)
				return sp_err_set(err, SP_EINVAL, "objects", "names an object twice");
	}
	if (rec->flags & ~(unsigned)SP_AUDIT_F_ALL)
		return sp_err_set(err, SP_EINVAL, "flags", "has unknown bits");
	if (rec->ts_us < 0)
		return sp_err_set(err, SP_EINVAL, "ts_us", "is before the epoch");
	return SP_OK;
}

static size_t put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * (3 - i)));
	return 4;
}

static size_t put_i64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * (7 - i)));
	return 8;
}

static size_t put_id(unsigned char *p, const struct sp_id *id)
{
	memcpy(p, id->b, SP_ID_LEN);
	return SP_ID_LEN;
}

static size_t put_str(unsigned char *p, const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++) /* the bytes without their terminator */
		p[4 + n] = (unsigned char)s[n];
	put_u32(p, (uint32_t)n);
	return 4 + n;
}

size_t sp_audit_encode(const struct sp_audit_rec *rec, unsigned char out[SP_AUDIT_ENC_MAX])
{
	size_t o = 0;
	out[o++] = SP_AUDIT_ENC_VERSION;
	o += put_i64(out + o, rec->seq);
	o += put_i64(out + o, rec->ts_us);
	o += put_id(out + o, &rec->actor);
	o += put_id(out + o, &rec->agency);
	o += put_str(out + o, rec->roles);
	o += put_str(out + o, rec->action);
	o += put_str(out + o, rec->object_type);
	o += put_id(out + o, &rec->object_id);
	size_t nobj = rec->objects ? rec->nobjects : 0; /* a checked record has them */
	o += put_u32(out + o, (uint32_t)nobj);
	for (size_t i = 0; i < nobj; i++)
		o += put_id(out + o, &rec->objects[i]);
	o += put_str(out + o, rec->fields);
	o += put_str(out + o, rec->reason);
	o += put_u32(out + o, (uint32_t)rec->flags);
	o += put_str(out + o, rec->request_id);
	return o;
}

void sp_audit_mac_enc(const unsigned char key[SP_AUDIT_KEY_LEN],
		      const unsigned char prev[SP_AUDIT_MAC_LEN], const unsigned char *enc,
		      size_t len, unsigned char out[SP_AUDIT_MAC_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, SP_AUDIT_KEY_LEN, SP_AUDIT_MAC_LEN);
	crypto_generichash_update(&st, prev, SP_AUDIT_MAC_LEN);
	crypto_generichash_update(&st, enc, len);
	crypto_generichash_final(&st, out, SP_AUDIT_MAC_LEN);
	sodium_memzero(&st, sizeof st);
}

int sp_audit_mac(const unsigned char chain_key[SP_AUDIT_KEY_LEN],
		 const unsigned char prev[SP_AUDIT_MAC_LEN], const struct sp_audit_rec *rec,
		 unsigned char out[SP_AUDIT_MAC_LEN], struct sp_err *err)
{
	int rc = sp_audit_rec_check(rec, err);
	if (rc)
		return rc;
	unsigned char enc[SP_AUDIT_ENC_MAX];
	size_t n = sp_audit_encode(rec, enc);
	sp_audit_mac_enc(chain_key, prev, enc, n, out);
	return SP_OK;
}
