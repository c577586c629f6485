/* Demo accounts: clearly labelled synthetic agencies and one user of every role, written in
 * one transaction as the system, so that a new installation can be tried at once. Demo
 * users get their roles without the supervisor approval real accounts wait for; every one
 * of them is on the audit trail and flagged to the DPO. */
#include <string.h>

#include <sodium.h>

#include "access/access.h"

int sp_access_demo_seed(struct sp_access *a, const struct sp_agency *agencies, size_t n_agencies,
			const struct sp_demo_user *users, size_t n_users, const char *password,
			struct sp_err *err)
{
	char hash[SP_PWHASH_SIZE];
	int rc = access_pw_acceptable(password, err);
	if (!rc)
		rc = access_pw_hash(a, password, hash, err); /* before the write lock: slow */
	if (rc)
		return rc;
	rc = sp_store_begin_write(a->store, err);
	/* Demo accounts share one password and need no approval: only on a new installation,
	 * where the first administrator is the only user. */
	long existing = 0;
	if (!rc && !(rc = access_user_count(a, &existing, err)) && existing > 1)
		rc = sp_err_set(err, SP_ECONFLICT, "",
				"demo data goes into a new installation only (users exist)");
	for (size_t i = 0; !rc && i < n_agencies; i++) {
		struct sp_agency ag;
		rc = sp_agency_get_by_code(a, agencies[i].code, &ag, err);
		if (rc == SP_OK)
			rc = sp_err_set(err, SP_ECONFLICT, "", "the demo agencies exist already");
		else if (rc == SP_ENOTFOUND)
			rc = access_agency_insert(a, &agencies[i], &ag, err);
		if (!rc) {
			struct access_event ev = {.action = "agency.demo_seed", .object_kind = "agency",
						  .object = ag.id, .fields = "code,name,kind,country"};
			rc = access_audit(a, &ev, err);
		}
	}
	for (size_t i = 0; !rc && i < n_users; i++) {
		struct sp_agency ag;
		struct sp_user u;
		rc = sp_username_check(users[i].username, err);
		if (!rc)
			rc = sp_agency_get_by_code(a, users[i].agency_code, &ag, err);
		if (!rc)
			rc = access_user_insert(a, users[i].username, &ag, users[i].roles, hash, 0, &u,
						err);
		if (!rc) {
			struct access_event ev = {.action = "user.demo_seed", .object_kind = "user",
						  .object = u.id, .roles = users[i].roles,
						  .fields = "username,agency_id,password_hash",
						  .flag_dpo = (users[i].roles & SP_ROLES_DATA) != 0};
			rc = access_audit(a, &ev, err);
		}
	}
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	sodium_memzero(hash, sizeof hash);
	return rc;
}
