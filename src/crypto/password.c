/* User passwords: Argon2id hash strings with the cost from configuration, upgraded on login
 * when the cost changed, and a dummy hash so an unknown user costs as much as a known one.
 * Throttling and running this off the event loop are the caller's business (access/). */
#include <pthread.h>
#include <string.h>

#include "crypto/crypto.h"
#include "safepath/config.h"

#define PW_MAX 4096 /* longest password accepted */

static_assert(crypto_pwhash_STRBYTES == SP_PWHASH_LEN, "SP_PWHASH_LEN matches libsodium");

const struct sp_kdf_params sp_kdf_master_default = {
	.ops = crypto_pwhash_OPSLIMIT_MODERATE,
	.mem = crypto_pwhash_MEMLIMIT_MODERATE,
};

/* Bounds: libsodium's minimum up to 32 passes and 1 GiB (libsodium's "sensitive"), so a
 * changed file or setting cannot make a start-up take hours or all the memory. */
int sp_kdf_params_check(const struct sp_kdf_params *p, struct sp_err *err)
{
	if (p->ops < crypto_pwhash_OPSLIMIT_MIN || p->ops > 32)
		return sp_err_set(err, SP_EINVAL, "argon2-ops", "Argon2id passes must be %llu to 32",
				  (unsigned long long)crypto_pwhash_OPSLIMIT_MIN);
	if (p->mem < crypto_pwhash_MEMLIMIT_MIN || p->mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return sp_err_set(err, SP_EINVAL, "argon2-mem-kib", "Argon2id memory must be %zu KiB to 1 GiB",
				  (size_t)crypto_pwhash_MEMLIMIT_MIN / 1024);
	return SP_OK;
}

int sp_pwhash_params_from_config(const struct sp_config *c, struct sp_kdf_params *out,
				 struct sp_err *err)
{
	long long ops = sp_config_get_int(c, "argon2-ops");
	long long kib = sp_config_get_int(c, "argon2-mem-kib");
	if (ops <= 0 || kib <= 0 || kib > (long long)(crypto_pwhash_MEMLIMIT_SENSITIVE / 1024))
		return sp_err_set(err, SP_EINVAL, ops <= 0 ? "argon2-ops" : "argon2-mem-kib",
				  "must be a positive number in range");
	out->ops = (unsigned long long)ops;
	out->mem = (size_t)kib * 1024;
	return sp_kdf_params_check(out, err);
}

int sp_password_hash(const char *pw, size_t n, const struct sp_kdf_params *p,
		     char out[SP_PWHASH_LEN], struct sp_err *err)
{
	int rc = sp_kdf_params_check(p, err);
	if (rc)
		return rc;
	if (!pw || n == 0 || n > PW_MAX)
		return sp_err_set(err, SP_EINVAL, "password", "a password is 1 to %d bytes", PW_MAX);
	if (crypto_pwhash_str_alg(out, pw, n, p->ops, p->mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return sp_err_set(err, SP_ENOMEM, "", "not enough memory to hash the password");
	return SP_OK;
}

/* One dummy hash per cost, made on first need. */
static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy[SP_PWHASH_LEN];
static struct sp_kdf_params dummy_params;

static int dummy_hash(const struct sp_kdf_params *p, char out[SP_PWHASH_LEN])
{
	int rc = SP_OK;
	pthread_mutex_lock(&dummy_lock);
	if (!dummy[0] || dummy_params.ops != p->ops || dummy_params.mem != p->mem) {
		unsigned char pw[16];
		randombytes_buf(pw, sizeof pw);
		if (crypto_pwhash_str_alg(dummy, (const char *)pw, sizeof pw, p->ops, p->mem,
					  crypto_pwhash_ALG_ARGON2ID13) == 0)
			dummy_params = *p;
		else {
			dummy[0] = '\0';
			rc = SP_ENOMEM;
		}
	}
	memcpy(out, dummy, SP_PWHASH_LEN);
	pthread_mutex_unlock(&dummy_lock);
	return rc;
}

int sp_password_verify(const char *stored, const char *pw, size_t n,
		       const struct sp_kdf_params *p, int *rehash, struct sp_err *err)
{
	char dummy_copy[SP_PWHASH_LEN];
	if (rehash)
		*rehash = 0;
	int rc = sp_kdf_params_check(p, err);
	if (rc)
		return rc;
	if (!pw || n > PW_MAX)
		n = 0; /* still do the work below */
	/* Only Argon2id: crypto_pwhash_str_verify would accept an Argon2i string as well. */
	int known = stored && strnlen(stored, SP_PWHASH_LEN) < SP_PWHASH_LEN &&
		    strncmp(stored, crypto_pwhash_argon2id_STRPREFIX,
			    sizeof crypto_pwhash_argon2id_STRPREFIX - 1) == 0;
	if (!known) {
		if ((rc = dummy_hash(p, dummy_copy)))
			return sp_err_set(err, rc, "", "not enough memory to check the password");
		stored = dummy_copy;
	}
	int ok = crypto_pwhash_str_verify(stored, pw ? pw : "", n) == 0 && known && n > 0;
	if (!ok)
		return sp_err_set(err, SP_EDENIED, "", "wrong user name or password");
	if (rehash)
		*rehash = crypto_pwhash_argon2id_str_needs_rehash(stored, p->ops, p->mem) != 0;
	return SP_OK;
}
