/* The audit keys of an open key set (the chain key and the checkpoint signing pair), copied
 * into sodium_malloc memory for the audit module to borrow. */
#include <string.h>

#include <sodium.h>

#include "safepath/audit.h"
#include "safepath/crypto.h"

int sp_audit_keys_new(const struct sp_keys *k, struct sp_audit_keys **out, struct sp_err *err)
{
	struct sp_audit_keys *ak = sodium_malloc(sizeof *ak);
	*out = NULL;
	if (!ak)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	const unsigned char *pk, *sk;
	memcpy(ak->chain_key, sp_keys_audit_chain_key(k), SP_AUDIT_KEY_LEN);
	sp_keys_audit_signing(k, &pk, &sk);
	memcpy(ak->sign_pk, pk, sizeof ak->sign_pk);
	memcpy(ak->sign_sk, sk, sizeof ak->sign_sk);
	*out = ak;
	return SP_OK;
}

void sp_audit_keys_free(struct sp_audit_keys *ak)
{
	if (ak)
		sodium_free(ak); /* wipes */
}
