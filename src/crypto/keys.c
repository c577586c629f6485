/* The open key set: subkeys derived from the master key and the data-key versions, all in
 * guarded sodium_malloc memory that stays read-only except while it is being filled. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

int sp_master_from_bytes_(const unsigned char key[SP_KEY_LEN], struct sp_master **out,
			  struct sp_err *err)
{
	*out = NULL;
	struct sp_master *m = calloc(1, sizeof *m);
	if (!m || !(m->key = sodium_malloc(SP_KEY_LEN))) {
		free(m);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for the master key");
	}
	memcpy(m->key, key, SP_KEY_LEN);
	sodium_mprotect_readonly(m->key);
	*out = m;
	return SP_OK;
}

void sp_master_free(struct sp_master *m)
{
	if (!m)
		return;
	sodium_free(m->key); /* wipes */
	free(m);
}

int sp_keys_derive_(const struct sp_master *m, struct sp_keys **out, struct sp_err *err)
{
	*out = NULL;
	struct sp_keys *k = calloc(1, sizeof *k);
	if (!k || !(k->sub = sodium_malloc(SP_SUB_SIZE))) {
		free(k);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for keys");
	}
	unsigned char *s = k->sub;
	int rc = crypto_kdf_derive_from_key(s + SP_SUB_WRAP, SP_KEY_LEN, SP_SUBKEY_WRAP,
					    SP_KDF_CTX_KEYS, m->key);
	rc |= crypto_kdf_derive_from_key(s + SP_SUB_CHAIN, SP_KEY_LEN, SP_SUBKEY_AUDIT_CHAIN,
					 SP_KDF_CTX_KEYS, m->key);
	rc |= crypto_kdf_derive_from_key(s + SP_SUB_TOKEN, SP_KEY_LEN, SP_SUBKEY_TOKEN,
					 SP_KDF_CTX_KEYS, m->key);
	rc |= crypto_kdf_derive_from_key(s + SP_SUB_BACKUP, SP_KEY_LEN, SP_SUBKEY_BACKUP,
					 SP_KDF_CTX_KEYS, m->key);
	rc |= crypto_kdf_derive_from_key(s + SP_SUB_SCRATCH, SP_KEY_LEN, SP_SUBKEY_AUDIT_SIGN,
					 SP_KDF_CTX_KEYS, m->key);
	rc |= crypto_sign_seed_keypair(k->sign_pk, s + SP_SUB_SIGN_SK, s + SP_SUB_SCRATCH);
	for (int kind = 1; kind <= SP_BLIND_KINDS; kind++)
		rc |= crypto_kdf_derive_from_key(s + SP_SUB_BLIND + (size_t)(kind - 1) * SP_KEY_LEN,
						 SP_KEY_LEN, (uint64_t)kind, SP_KDF_CTX_BLIND, m->key);
	sodium_memzero(s + SP_SUB_SCRATCH, SP_KEY_LEN);
	sodium_mprotect_readonly(k->sub);
	if (rc != 0) {
		sp_keys_free(k);
		return sp_err_set(err, SP_EINTERNAL, "", "key derivation failed");
	}
	*out = k;
	return SP_OK;
}

int sp_keys_derive(const struct sp_master *m, struct sp_keys **out, struct sp_err *err)
{
	return sp_keys_derive_(m, out, err);
}

void sp_keys_free(struct sp_keys *k)
{
	if (!k)
		return;
	sodium_free(k->sub);
	sodium_free(k->dk);
	free(k->data);
	free(k);
}

int sp_keys_add_data_keys_(struct sp_keys *k, const uint32_t *versions,
			   const unsigned char *keys, size_t n, struct sp_err *err)
{
	if (n == 0)
		return SP_OK;
	for (size_t i = 0; i < n; i++) {
		uint32_t prev = i ? versions[i - 1] : (k->count ? k->data[k->count - 1].version : 0);
		if (versions[i] == 0 || versions[i] <= prev)
			return sp_err_set(err, SP_EINTERNAL, "", "data-key versions out of order");
	}
	size_t total = k->count + n;
	if (total > 1u << 20)
		return sp_err_set(err, SP_ETOOBIG, "", "too many data-key versions");
	unsigned char *dk = sodium_malloc(total * SP_KEY_LEN);
	struct sp_data_key *data = calloc(total, sizeof *data);
	if (!dk || !data) {
		sodium_free(dk);
		free(data);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for data keys");
	}
	if (k->count)
		memcpy(dk, k->dk, k->count * SP_KEY_LEN);
	memcpy(dk + k->count * SP_KEY_LEN, keys, n * SP_KEY_LEN);
	for (size_t i = 0; i < total; i++) {
		data[i].version = i < k->count ? k->data[i].version : versions[i - k->count];
		data[i].key = dk + i * SP_KEY_LEN;
	}
	sodium_mprotect_readonly(dk);
	sodium_free(k->dk);
	free(k->data);
	k->dk = dk;
	k->data = data;
	k->count = total;
	return SP_OK;
}

const unsigned char *sp_keys_data_key_(const struct sp_keys *k, uint32_t version)
{
	size_t lo = 0, hi = k->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->data[mid].version == version)
			return k->data[mid].key;
		if (k->data[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t sp_keys_data_version(const struct sp_keys *k)
{
	return k->count ? k->data[k->count - 1].version : 0;
}

size_t sp_keys_data_count(const struct sp_keys *k)
{
	return k->count;
}

const unsigned char *sp_keys_audit_chain_key(const struct sp_keys *k)
{
	return k->sub + SP_SUB_CHAIN;
}

void sp_keys_audit_signing(const struct sp_keys *k, const unsigned char **pk,
			   const unsigned char **sk)
{
	if (pk)
		*pk = k->sign_pk;
	if (sk)
		*sk = k->sub + SP_SUB_SIGN_SK;
}

const unsigned char *sp_keys_backup_key_(const struct sp_keys *k)
{
	return k->sub + SP_SUB_BACKUP;
}

const unsigned char *sp_keys_token_key(const struct sp_keys *k)
{
	return k->sub + SP_SUB_TOKEN;
}

void sp_keys_token_hash(const struct sp_keys *k, const void *token, size_t n,
			unsigned char out[SP_KEY_LEN])
{
	crypto_generichash(out, SP_KEY_LEN, token, n, k->sub + SP_SUB_TOKEN, SP_KEY_LEN);
}
