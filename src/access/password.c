/* Passwords for access: Argon2id through the crypto module (sp_password_hash/_verify, which
 * also keep the dummy hash for unknown users), the rules for chosen passwords, and one-time
 * passwords. */
#include <string.h>

#include <sodium.h>

#include "access/access.h"

int access_pw_hash(const struct sp_access *a, const char *password, char out[SP_PWHASH_SIZE],
		   struct sp_err *err)
{
	return sp_password_hash(password, strlen(password), &a->pw, out, err);
}

int access_pw_verify(const struct sp_access *a, const char *stored, const char *password,
		     int *rehash, struct sp_err *err)
{
	return sp_password_verify(stored, password, strnlen(password, SP_PASSWORD_MAX + 1), &a->pw,
				  rehash, err);
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
