/* The access context (store + password parameters), the audit call site of every access
 * operation, and the checks the table files share. */
#include <string.h>

#include <sodium.h>

#include "access/access.h"

int sp_access_init_params(struct sp_access *a, struct sp_store *s, unsigned long long ops,
			  size_t mem_bytes, struct sp_err *err)
{
	memset(a, 0, sizeof *a);
	if (sodium_init() < 0)
		return sp_err_set(err, SP_ECRYPTO, "", "libsodium failed to initialise");
	if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || ops > crypto_pwhash_argon2id_OPSLIMIT_MAX)
		return sp_err_set(err, SP_EINVAL, "argon2-ops", "out of Argon2id's range");
	if (mem_bytes < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    mem_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX)
		return sp_err_set(err, SP_EINVAL, "argon2-mem-kib", "out of Argon2id's range");
	a->store = s;
	a->pw_ops = ops;
	a->pw_mem = mem_bytes;
	return SP_OK;
}

int sp_access_init(struct sp_access *a, struct sp_store *s, const struct sp_config *cfg,
		   struct sp_err *err)
{
	long long ops = sp_config_get_int(cfg, "argon2-ops");
	long long kib = sp_config_get_int(cfg, "argon2-mem-kib");
	if (ops <= 0)
		return sp_err_set(err, SP_EINVAL, "argon2-ops", "must be a positive number");
	if (kib <= 0 || (unsigned long long)kib > SIZE_MAX / 1024)
		return sp_err_set(err, SP_EINVAL, "argon2-mem-kib", "must be a positive number");
	return sp_access_init_params(a, s, (unsigned long long)ops, (size_t)kib * 1024, err);
}

int access_audit(struct sp_access *a, const struct sp_access_event *ev, struct sp_err *err)
{
	/* THE audit call site: when src/audit lands, append ev here with sp_audit_append(...)
	 * in the open transaction (a->store), so the operation and its record commit together. */
	if (a->audit_hook)
		return a->audit_hook(a->audit_ctx, ev, err);
	return SP_OK;
}

int access_allowed(const struct sp_subject *actor, enum sp_action action,
		   const struct sp_id *target_agency, enum sp_agency_kind target_kind,
		   struct sp_err *err)
{
	struct sp_policy_request req = {.action = action};
	struct sp_policy_object obj = {.agency_kind = target_kind};
	struct sp_decision d;
	if (target_agency)
		obj.agency = *target_agency;
	return sp_policy_check(actor, &req, target_agency ? &obj : NULL, &d, err);
}

int access_username_ok(const char *username, struct sp_err *err)
{
	size_t n = strnlen(username, SP_USERNAME_MAX);
	if (n < 2 || n >= SP_USERNAME_MAX)
		return sp_err_set(err, SP_EINVAL, "username", "must be 2 to %d characters",
				  SP_USERNAME_MAX - 1);
	if (!(username[0] >= 'a' && username[0] <= 'z'))
		return sp_err_set(err, SP_EINVAL, "username", "must start with a letter a-z");
	for (size_t i = 0; i < n; i++) {
		char c = username[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return sp_err_set(err, SP_EINVAL, "username",
					  "may hold only a-z, 0-9, '.', '_' and '-'");
	}
	return SP_OK;
}

int access_recheck(struct sp_access *a, const struct sp_subject *actor, enum sp_action action,
		   struct sp_subject *out, struct sp_err *err)
{
	int rc = access_actor_refresh(a, actor, out, err);
	return rc ? rc : access_allowed(out, action, NULL, SP_AGENCY_NGO, err);
}
