/* Passwords for access: Argon2id strings, parameter upgrades, one-time passwords.
 * A local wrapper straight over libsodium's crypto_pwhash_str until the crypto module's
 * include/safepath/crypto.h lands; only these bodies change then. */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "access/access.h"

static_assert(SP_PWHASH_SIZE >= crypto_pwhash_STRBYTES, "an Argon2id string fits");

int access_pw_hash(const struct sp_access *a, const char *password, char out[SP_PWHASH_SIZE],
		   struct sp_err *err)
{
	if (crypto_pwhash_str_alg(out, password, strlen(password), a->pw_ops, a->pw_mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return sp_err_set(err, SP_ENOMEM, "", "password hashing ran out of memory");
	return SP_OK;
}

int access_pw_verify(const char *hash, const char *password)
{
	/* crypto_pwhash_str_verify reads the algorithm from the string: insist on Argon2id */
	if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
		    sizeof crypto_pwhash_argon2id_STRPREFIX - 1) != 0)
		return -1;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : -1;
}

int access_pw_needs_rehash(const struct sp_access *a, const char *hash)
{
	return crypto_pwhash_argon2id_str_needs_rehash(hash, a->pw_ops, a->pw_mem) != 0;
}

int access_pw_acceptable(const char *password, struct sp_err *err)
{
	size_t n = strnlen(password, SP_PASSWORD_MAX + 1);
	if (n < SP_PASSWORD_MIN)
		return sp_err_set(err, SP_EINVAL, "password", "must be at least %d bytes",
				  SP_PASSWORD_MIN);
	if (n > SP_PASSWORD_MAX)
		return sp_err_set(err, SP_EINVAL, "password", "must be at most %d bytes",
				  SP_PASSWORD_MAX);
	return SP_OK;
}

int access_otp_new(const struct sp_access *a, char otp[SP_OTP_SIZE], char hash[SP_PWHASH_SIZE],
		   struct sp_err *err)
{
	/* 20 symbols from 31 that cannot be misread (no 0/o, 1/l/i): about 99 bits */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	size_t k = 0;
	for (int i = 0; i < 20; i++) {
		if (i && i % 5 == 0)
			otp[k++] = '-';
		otp[k++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	otp[k] = '\0';
	int rc = access_pw_hash(a, otp, hash, err);
	if (rc)
		sodium_memzero(otp, SP_OTP_SIZE);
	return rc;
}
