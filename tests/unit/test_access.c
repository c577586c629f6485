/* access/: agencies, users, approvals and login on a temporary SQLite database — the
 * approval gate on data-reading roles, one-time passwords, the dummy hash, hash upgrades,
 * one audit event per operation, and nothing half-written under injected store faults. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>

#include "safepath/init.h"
#include "safepath/access.h"
#include "safepath/audit.h"
#include "safepath/log.h"
#include "crypto/crypto.h"

#include "helpers.h"

#define OPS 1
#define MEM 8192 /* libsodium's Argon2id minimum: tests stay fast */

static char dir[64];
static struct sp_store *store;
static struct sp_access acc;
static struct sp_audit_keys *keys;
static const struct sp_kdf_params cost = {.ops = OPS, .mem = MEM};
static struct sp_user admin;
static char admin_pw[] = "admin-password-1234";

struct trail {
	long n;
	char action[64];
	unsigned flags;
	char fields[256];
	char reason[64];
};

static int trail_row(void *ctx, const struct sp_audit_rec *rec)
{
	struct trail *t = ctx;
	t->n++;
	snprintf(t->action, sizeof t->action, "%s", rec->action);
	snprintf(t->fields, sizeof t->fields, "%s", rec->fields);
	snprintf(t->reason, sizeof t->reason, "%s", rec->reason);
	t->flags = rec->flags;
	return 0;
}

/* The whole audit trail, remembering its last record. */
static struct trail trail(void)
{
	struct trail t = {0};
	struct sp_err err = {0};
	struct sp_audit_query q = {.limit = SP_AUDIT_PAGE_MAX};
	int64_t next = 0;
	do {
		assert_int_equal(sp_audit_list(store, &q, trail_row, &t, &next, &err), SP_OK);
		q.after_seq = next;
	} while (next);
	return t;
}

static const char *last_event(void)
{
	static struct trail t;
	t = trail();
	return t.action;
}

static struct sp_subject subject_of(const char *username)
{
	struct sp_user u;
	struct sp_subject s;
	struct sp_err err = {0};
	assert_int_equal(sp_user_get_by_name(&acc, username, &u, &err), SP_OK);
	sp_user_subject(&u, &s);
	return s;
}

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	snprintf(dir, sizeof dir, "/tmp/sp-access-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char url[128];
	char path[96];
	snprintf(path, sizeof path, "%s/t.db", dir);
	test_db_url(url, sizeof url, path, "sp_access");
	struct sp_store_options opt = {.busy_timeout_ms = 1000, .create = 1};
	if (sp_init() != SP_OK)
		return -1;
	keys = sodium_malloc(sizeof *keys);
	if (!keys)
		return -1;
	randombytes_buf(keys->chain_key, sizeof keys->chain_key);
	crypto_sign_keypair(keys->sign_pk, keys->sign_sk);
	if (sp_store_open(url, &opt, &store, &err) || sp_store_migrate(store, &err) ||
	    sp_access_init_params(&acc, store, &cost, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	sp_access_set_audit_keys(&acc, keys);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_store_close(store);
	sodium_free(keys);
	return test_rmtree(dir);
}

/* bootstrap + the admin's first password change, shared by the other tests */
static struct sp_subject boot(void)
{
	struct sp_err err = {0};
	struct sp_agency sys = {.code = "SYS", .name = "Ministry of Interior IT unit",
				.kind = SP_AGENCY_CHILD_PROTECTION, .country = "GR"};
	char otp[SP_OTP_SIZE];
	assert_int_equal(sp_access_bootstrap(&acc, &sys, "root", otp, &admin, &err), SP_OK);
	assert_int_equal(sp_user_passwd(&acc, "root", otp, admin_pw, &err), SP_OK);
	struct sp_subject s;
	assert_int_equal(sp_user_get_by_name(&acc, "root", &admin, &err), SP_OK);
	sp_user_subject(&admin, &s);
	return s;
}

static void add_agency(const struct sp_subject *as, const char *code, enum sp_agency_kind kind)
{
	struct sp_err err = {0};
	struct sp_agency in = {.kind = kind, .country = "GR"};
	snprintf(in.code, sizeof in.code, "%s", code);
	snprintf(in.name, sizeof in.name, "Agency %s", code);
	assert_int_equal(sp_agency_add(&acc, as, &in, NULL, &err), SP_OK);
}

static void bootstrap_once_with_a_one_time_password(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_agency sys = {.code = "SYS", .name = "IT unit", .kind = SP_AGENCY_NGO,
				.country = "GR"};
	char otp[SP_OTP_SIZE];
	struct sp_user u;
	assert_int_equal(sp_access_bootstrap(&acc, &sys, "root", otp, &u, &err), SP_OK);
	assert_int_equal(strlen(otp), 23);
	assert_int_equal(u.roles, SP_ROLE_ADMIN);
	assert_true(u.must_change_password);
	assert_string_equal(last_event(), "user.bootstrap");

	char otp2[SP_OTP_SIZE];
	assert_int_equal(sp_access_bootstrap(&acc, &sys, "root2", otp2, NULL, &err), SP_ECONFLICT);
	assert_string_equal(otp2, "");

	struct sp_user me;
	assert_int_equal(sp_user_authenticate(&acc, "root", otp, &me, &err), SP_OK);
	assert_true(me.must_change_password);
	assert_int_equal(sp_user_passwd(&acc, "root", otp, "short", &err), SP_EINVAL);
	assert_int_equal(sp_user_passwd(&acc, "root", "wrong-one-time-pw", admin_pw, &err),
			 SP_EDENIED);
	assert_int_equal(sp_user_passwd(&acc, "root", otp, otp, &err), SP_EINVAL);
	assert_int_equal(sp_user_passwd(&acc, "root", otp, admin_pw, &err), SP_OK);
	assert_string_equal(last_event(), "user.passwd");
	assert_int_equal(sp_user_authenticate(&acc, "root", otp, &me, &err), SP_EDENIED);
	assert_int_equal(sp_user_authenticate(&acc, "root", admin_pw, &me, &err), SP_OK);
	assert_false(me.must_change_password);
	/* the hash is an Argon2id string, never the password */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$%'"),
			 1);
}

static void agencies_are_admin_managed(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	add_agency(&root, "NGA", SP_AGENCY_NGO);
	add_agency(&root, "IMM", SP_AGENCY_IMMIGRATION);
	assert_string_equal(last_event(), "agency.add");

	struct sp_agency in = {.code = "NGA", .name = "Dup", .kind = SP_AGENCY_NGO, .country = "GR"};
	assert_int_equal(sp_agency_add(&acc, &root, &in, NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "code");
	static const char *const bad_codes[] = {"", "A", "abc", "TOOLONGX", "A1B"};
	for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
		snprintf(in.code, sizeof in.code, "%s", bad_codes[i]);
		assert_int_equal(sp_agency_add(&acc, &root, &in, NULL, &err), SP_EINVAL);
		assert_string_equal(err.field, "code");
	}
	snprintf(in.code, sizeof in.code, "OK");
	snprintf(in.country, sizeof in.country, "g1");
	assert_int_equal(sp_agency_add(&acc, &root, &in, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "country");
	snprintf(in.country, sizeof in.country, "GR");
	snprintf(in.name, sizeof in.name, "bad\nname");
	assert_int_equal(sp_agency_add(&acc, &root, &in, NULL, &err), SP_EINVAL);

	struct sp_agency got;
	assert_int_equal(sp_agency_get_by_code(&acc, "IMM", &got, &err), SP_OK);
	assert_int_equal(got.kind, SP_AGENCY_IMMIGRATION);
	assert_string_equal(got.name, "Agency IMM");
	struct sp_agency again;
	assert_int_equal(sp_agency_get(&acc, &got.id, &again, &err), SP_OK);
	assert_string_equal(again.code, "IMM");
	assert_int_equal(sp_agency_get_by_code(&acc, "NOPE", &got, &err), SP_ENOTFOUND);

	/* a coordinator (active at once, no approval) may not manage agencies */
	char otp[SP_OTP_SIZE];
	struct sp_id ap;
	assert_int_equal(sp_user_add(&acc, &root, "coord", "NGA", SP_ROLE_COORDINATOR, otp, NULL,
				     &ap, &err),
			 SP_OK);
	assert_true(sp_id_is_zero(&ap));
	struct sp_subject coord = subject_of("coord");
	snprintf(in.code, sizeof in.code, "NEW");
	snprintf(in.name, sizeof in.name, "New");
	assert_int_equal(sp_agency_add(&acc, &coord, &in, NULL, &err), SP_EDENIED);
	assert_non_null(strstr(err.msg, "no_role"));
}

static int count_cb(const struct sp_agency *ag, void *ctx)
{
	(void)ag;
	(*(int *)ctx)++;
	return 0;
}

static void data_roles_wait_for_a_supervisor(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	add_agency(&root, "NGA", SP_AGENCY_NGO);
	add_agency(&root, "NGB", SP_AGENCY_NGO);
	int n = 0;
	assert_int_equal(sp_agency_list(&acc, count_cb, &n, &err), SP_OK);
	assert_int_equal(n, 3);

	/* a second admin, active at once */
	char otp_admin2[SP_OTP_SIZE];
	assert_int_equal(sp_user_add(&acc, &root, "root2", "SYS", SP_ROLE_ADMIN, otp_admin2, NULL,
				     NULL, &err),
			 SP_OK);
	struct sp_subject root2 = subject_of("root2");

	/* the first supervisor of NGA: pending, no role yet */
	char otp_sup[SP_OTP_SIZE];
	struct sp_user sup;
	struct sp_id ap_sup;
	assert_int_equal(sp_user_add(&acc, &root, "sup.a", "NGA", SP_ROLE_SUPERVISOR, otp_sup, &sup,
				     &ap_sup, &err),
			 SP_OK);
	assert_false(sp_id_is_zero(&ap_sup));
	assert_int_equal(sup.roles, 0);
	struct sp_approval ap;
	assert_int_equal(sp_approval_get(&acc, &ap_sup, &ap, &err), SP_OK);
	assert_int_equal(ap.kind, SP_APPROVAL_GRANT_ROLE);
	assert_int_equal(ap.status, SP_APPROVAL_PENDING);
	assert_int_equal(ap.requested_roles, SP_ROLE_SUPERVISOR);

	/* the requester cannot grant; with no supervisor at NGA yet, another admin may */
	char otp[SP_OTP_SIZE];
	assert_int_equal(sp_approval_grant(&acc, &root, &ap_sup, otp, &err), SP_EDENIED);
	assert_string_equal(otp, "");
	assert_int_equal(sp_approval_grant(&acc, &root2, &ap_sup, otp, &err), SP_OK);
	assert_string_equal(last_event(), "approval.grant_bootstrap");
	struct trail t = trail();
	assert_int_equal(t.flags, SP_AUDIT_F_DPO);
	assert_string_equal(t.fields, "approval_status,must_change_password,password_hash,"
				      "roles:supervisor");
	assert_int_equal(strncmp(t.reason, "approval:", 9), 0);
	/* the admin-issued password stops working; the fresh one must be changed */
	assert_int_equal(strlen(otp), 23);
	struct sp_user me;
	assert_int_equal(sp_user_authenticate(&acc, "sup.a", otp_sup, &me, &err), SP_EDENIED);
	assert_int_equal(sp_user_authenticate(&acc, "sup.a", otp, &me, &err), SP_OK);
	assert_int_equal(me.roles, SP_ROLE_SUPERVISOR);
	assert_true(me.must_change_password);
	assert_int_equal(sp_user_passwd(&acc, "sup.a", otp, "supervisor-pass-A", &err), SP_OK);
	assert_int_equal(sp_approval_get(&acc, &ap_sup, &ap, &err), SP_OK);
	assert_int_equal(ap.status, SP_APPROVAL_GRANTED);
	assert_true(ap.flagged_to_dpo);
	assert_true(ap.decided_us > 0);
	assert_memory_equal(ap.decided_by.b, root2.user.b, SP_ID_LEN);
	struct sp_subject supa = subject_of("sup.a");

	/* a caseworker at NGA: now only NGA's supervisor may grant */
	char otp_cw[SP_OTP_SIZE];
	struct sp_id ap_cw;
	assert_int_equal(sp_user_add(&acc, &root, "cw.a", "NGA",
				     SP_ROLE_CASEWORKER | SP_ROLE_COORDINATOR, otp_cw, NULL, &ap_cw,
				     &err),
			 SP_OK);
	assert_int_equal(subject_of("cw.a").roles, SP_ROLE_COORDINATOR); /* not data: at once */
	assert_int_equal(sp_approval_grant(&acc, &root2, &ap_cw, otp, &err), SP_EDENIED);

	/* a supervisor of another agency cannot */
	char otp_supb[SP_OTP_SIZE], otp2[SP_OTP_SIZE];
	struct sp_id ap_supb;
	assert_int_equal(sp_user_add(&acc, &root, "sup.b", "NGB", SP_ROLE_SUPERVISOR, otp_supb,
				     NULL, &ap_supb, &err),
			 SP_OK);
	assert_int_equal(sp_approval_grant(&acc, &root2, &ap_supb, otp2, &err), SP_OK);
	struct sp_subject supb = subject_of("sup.b");
	assert_int_equal(sp_approval_grant(&acc, &supb, &ap_cw, otp, &err), SP_EDENIED);
	assert_non_null(strstr(err.msg, "other_agency"));

	assert_int_equal(sp_approval_grant(&acc, &supa, &ap_cw, otp, &err), SP_OK);
	assert_string_equal(last_event(), "approval.grant");
	assert_int_equal(subject_of("cw.a").roles, SP_ROLE_CASEWORKER | SP_ROLE_COORDINATOR);
	assert_int_equal(sp_user_authenticate(&acc, "cw.a", otp_cw, &me, &err), SP_EDENIED);
	assert_int_equal(sp_user_authenticate(&acc, "cw.a", otp, &me, &err), SP_OK);
	/* a second decision is a conflict */
	char otp_again[SP_OTP_SIZE];
	assert_int_equal(sp_approval_grant(&acc, &supa, &ap_cw, otp_again, &err), SP_ECONFLICT);
	assert_string_equal(otp_again, "");
	assert_int_equal(sp_approval_deny(&acc, &supa, &ap_cw, &err), SP_ECONFLICT);
	assert_int_equal(sp_user_passwd(&acc, "cw.a", otp, "caseworker-pass-A", &err), SP_OK);

	/* more roles for a user who chose a password: it stays, a change is forced */
	struct sp_id ap_id;
	assert_int_equal(sp_user_grant_roles(&acc, &root, "cw.a", 0, SP_ROLE_IDENTIFIER, &ap_id, &err),
			 SP_OK);
	assert_false(sp_id_is_zero(&ap_id));
	assert_int_equal(sp_user_grant_roles(&acc, &root, "cw.a", 0, SP_ROLE_IDENTIFIER, &ap_id, &err),
			 SP_ECONFLICT); /* pending already */
	assert_int_equal(sp_user_grant_roles(&acc, &root, "cw.a", 0, SP_ROLE_ADMIN, NULL, &err),
			 SP_EINVAL); /* admin never with a data-reading role */
	assert_int_equal(sp_approval_grant(&acc, &supa, &ap_id, otp, &err), SP_OK);
	assert_string_equal(otp, "");
	assert_int_equal(sp_user_authenticate(&acc, "cw.a", "caseworker-pass-A", &me, &err), SP_OK);
	assert_true(me.must_change_password);
	assert_int_equal(me.roles, SP_ROLE_CASEWORKER | SP_ROLE_COORDINATOR | SP_ROLE_IDENTIFIER);

	/* denial */
	struct sp_id ap_deny;
	assert_int_equal(sp_user_add(&acc, &root, "prov.a", "NGA", SP_ROLE_PROVIDER, otp2, NULL,
				     &ap_deny, &err),
			 SP_OK);
	assert_int_equal(sp_approval_deny(&acc, &root, &ap_deny, &err), SP_EDENIED);
	assert_int_equal(sp_approval_deny(&acc, &supa, &ap_deny, &err), SP_OK);
	assert_string_equal(last_event(), "approval.deny");
	assert_int_equal(subject_of("prov.a").roles, 0);
	assert_int_equal(sp_approval_get(&acc, &ap_deny, &ap, &err), SP_OK);
	assert_int_equal(ap.status, SP_APPROVAL_DENIED);
	assert_false(ap.flagged_to_dpo);

	/* nobody decides on their own access */
	struct sp_id ap_self;
	assert_int_equal(sp_user_grant_roles(&acc, &root, "sup.a", 0, SP_ROLE_IDENTIFIER, &ap_self,
					     &err),
			 SP_OK);
	assert_int_equal(sp_approval_grant(&acc, &supa, &ap_self, otp, &err), SP_EDENIED);

	/* admin + data role at creation is refused */
	assert_int_equal(sp_user_add(&acc, &root, "mix", "NGA", SP_ROLE_ADMIN | SP_ROLE_DPO, otp2,
				     NULL, NULL, &err),
			 SP_EINVAL);
	assert_int_equal(sp_user_add(&acc, &root, "Bad Name", "NGA", SP_ROLE_COORDINATOR, otp2,
				     NULL, NULL, &err),
			 SP_EINVAL);
	assert_int_equal(sp_user_add(&acc, &root, "cw.a", "NGA", SP_ROLE_COORDINATOR, otp2, NULL,
				     NULL, &err),
			 SP_ECONFLICT);
	assert_int_equal(sp_user_add(&acc, &root, "x.y", "NOPE", SP_ROLE_COORDINATOR, otp2, NULL,
				     NULL, &err),
			 SP_ENOTFOUND);
	/* disabling every supervisor of NGA does not let an admin approve there */
	struct sp_id ap_after;
	assert_int_equal(sp_user_add(&acc, &root, "cw.b", "NGA", SP_ROLE_CASEWORKER, otp2, NULL,
				     &ap_after, &err),
			 SP_OK);
	assert_int_equal(sp_user_disable(&acc, &root, "sup.a", 0, &err), SP_OK);
	assert_int_equal(sp_approval_grant(&acc, &root2, &ap_after, otp, &err), SP_EDENIED);
	assert_int_equal(sp_approval_grant(&acc, &supa, &ap_after, otp, &err), SP_EDENIED);
	/* only admins add users */
	assert_int_equal(sp_user_add(&acc, &supa, "x.z", "NGA", SP_ROLE_COORDINATOR, otp2, NULL,
				     NULL, &err),
			 SP_EDENIED);
}

struct approvals_seen {
	int n;
	int pending;
};

static int approvals_cb(const struct sp_approval *ap, void *ctx)
{
	struct approvals_seen *s = ctx;
	s->n++;
	s->pending += ap->status == SP_APPROVAL_PENDING;
	return 0;
}

static void resets_of_data_accounts_need_approval(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	add_agency(&root, "NGA", SP_AGENCY_NGO);
	char otp[SP_OTP_SIZE], otp2[SP_OTP_SIZE], otp_root2[SP_OTP_SIZE];
	struct sp_id ap;
	assert_int_equal(sp_user_add(&acc, &root, "root2", "SYS", SP_ROLE_ADMIN, otp_root2, NULL,
				     NULL, &err),
			 SP_OK);
	struct sp_subject root2 = subject_of("root2");
	assert_int_equal(sp_user_add(&acc, &root, "sup.a", "NGA", SP_ROLE_SUPERVISOR, otp, NULL, &ap,
				     &err),
			 SP_OK);
	assert_int_equal(sp_approval_grant(&acc, &root2, &ap, otp, &err), SP_OK);
	assert_int_equal(sp_user_passwd(&acc, "sup.a", otp, "supervisor-pass-A", &err), SP_OK);
	struct sp_subject supa = subject_of("sup.a");
	assert_int_equal(sp_user_add(&acc, &root, "cw.a", "NGA", SP_ROLE_CASEWORKER, otp, NULL, &ap,
				     &err),
			 SP_OK);
	assert_int_equal(sp_approval_grant(&acc, &supa, &ap, otp, &err), SP_OK);
	assert_int_equal(sp_user_passwd(&acc, "cw.a", otp, "caseworker-pass-A", &err), SP_OK);

	/* reset of a data-reading account: pending, nothing for the admin, old password works */
	struct sp_id ap_reset;
	assert_int_equal(sp_user_reset_password(&acc, &root, "cw.a", 0, otp, &ap_reset, &err), SP_OK);
	assert_string_equal(otp, "");
	assert_false(sp_id_is_zero(&ap_reset));
	assert_string_equal(last_event(), "user.reset_password");
	assert_int_equal(sp_user_reset_password(&acc, &root, "cw.a", 0, otp, NULL, &err), SP_ECONFLICT);
	struct sp_user me;
	assert_int_equal(sp_user_authenticate(&acc, "cw.a", "caseworker-pass-A", &me, &err), SP_OK);

	struct approvals_seen seen = {0};
	assert_int_equal(sp_approval_list(&acc, &supa, 1, approvals_cb, &seen, &err), SP_OK);
	assert_int_equal(seen.n, 1);
	memset(&seen, 0, sizeof seen);
	assert_int_equal(sp_approval_list(&acc, &root, 0, approvals_cb, &seen, &err), SP_OK);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.pending, 1);
	struct sp_subject cw = subject_of("cw.a");
	assert_int_equal(sp_approval_list(&acc, &cw, 0, approvals_cb, &seen, &err), SP_EDENIED);

	assert_int_equal(sp_approval_grant(&acc, &supa, &ap_reset, otp, &err), SP_OK);
	assert_int_equal(strlen(otp), 23);
	assert_int_equal(sp_user_authenticate(&acc, "cw.a", "caseworker-pass-A", &me, &err),
			 SP_EDENIED);
	assert_int_equal(sp_user_authenticate(&acc, "cw.a", otp, &me, &err), SP_OK);
	assert_true(me.must_change_password);

	/* a coordinator's reset is immediate */
	assert_int_equal(sp_user_add(&acc, &root, "coord", "NGA", SP_ROLE_COORDINATOR, otp2, NULL,
				     NULL, &err),
			 SP_OK);
	char otp3[SP_OTP_SIZE];
	struct sp_id none;
	assert_int_equal(sp_user_reset_password(&acc, &root, "coord", 0, otp3, &none, &err), SP_OK);
	assert_true(sp_id_is_zero(&none));
	assert_int_equal(strlen(otp3), 23);
	assert_int_equal(sp_user_authenticate(&acc, "coord", otp2, &me, &err), SP_EDENIED);
	assert_int_equal(sp_user_authenticate(&acc, "coord", otp3, &me, &err), SP_OK);
	assert_int_equal(sp_user_reset_password(&acc, &root, "root", 0, otp3, NULL, &err), SP_EINVAL);
	assert_int_equal(sp_user_reset_password(&acc, &supa, "coord", 0, otp3, NULL, &err),
			 SP_EDENIED);

	/* the DPO sees the grants flagged to it */
	assert_int_equal(sp_user_add(&acc, &root, "dpo", "SYS", SP_ROLE_DPO, otp2, NULL, &ap, &err),
			 SP_OK);
	assert_int_equal(sp_approval_grant(&acc, &root2, &ap, otp2, &err), SP_OK); /* no sup at SYS */
	struct sp_subject dpo = subject_of("dpo");
	memset(&seen, 0, sizeof seen);
	assert_int_equal(sp_approval_list(&acc, &dpo, 0, approvals_cb, &seen, &err), SP_OK);
	assert_int_equal(seen.n, 4); /* sup.a, cw.a, the reset, dpo */
}

static void login_is_uniform_and_upgrades_hashes(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	add_agency(&root, "NGA", SP_AGENCY_NGO);
	char otp[SP_OTP_SIZE];
	assert_int_equal(sp_user_add(&acc, &root, "coord", "NGA", SP_ROLE_COORDINATOR, otp, NULL,
				     NULL, &err),
			 SP_OK);
	assert_int_equal(sp_user_passwd(&acc, "coord", otp, "coordinator-pass", &err), SP_OK);

	struct sp_user me;
	char unknown[sizeof err.msg], wrong[sizeof err.msg], invalid[sizeof err.msg];
	assert_int_equal(sp_user_authenticate(&acc, "nobody", "whatever-password", &me, &err),
			 SP_EDENIED);
	snprintf(unknown, sizeof unknown, "%s", err.msg);
	assert_string_equal(last_event(), "user.login_failed");
	assert_int_equal(sp_user_authenticate(&acc, "coord", "wrong-password!!", &me, &err),
			 SP_EDENIED);
	snprintf(wrong, sizeof wrong, "%s", err.msg);
	assert_int_equal(sp_user_authenticate(&acc, "NOT A NAME", "x", &me, &err), SP_EDENIED);
	snprintf(invalid, sizeof invalid, "%s", err.msg);
	assert_string_equal(unknown, wrong);
	assert_string_equal(unknown, invalid);

	/* new parameters: the next good login rewrites the hash */
	struct sp_access stronger;
	const struct sp_kdf_params more = {.ops = OPS + 1, .mem = MEM};
	assert_int_equal(sp_access_init_params(&stronger, store, &more, &err), SP_OK);
	sp_access_set_audit_keys(&stronger, keys);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users WHERE password_hash LIKE '%t=1,%'"), 2);
	assert_int_equal(sp_user_authenticate(&stronger, "coord", "coordinator-pass", &me, &err),
			 SP_OK);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users WHERE password_hash LIKE '%t=2,%'"), 1);
	struct trail t = trail();
	assert_string_equal(t.action, "user.login");
	assert_string_equal(t.fields, "password_hash");
	assert_int_equal(sp_user_authenticate(&stronger, "coord", "coordinator-pass", &me, &err),
			 SP_OK);

	/* disabled: same refusal; never oneself */
	assert_int_equal(sp_user_disable(&acc, &root, "root", 0, &err), SP_EINVAL);
	assert_int_equal(sp_user_disable(&acc, &root, "coord", 0, &err), SP_OK);
	assert_string_equal(last_event(), "user.disable");
	assert_int_equal(sp_user_authenticate(&acc, "coord", "coordinator-pass", &me, &err),
			 SP_EDENIED);
	assert_string_equal(err.msg, unknown);
	assert_int_equal(sp_user_disable(&acc, &root, "nobody", 0, &err), SP_ENOTFOUND);
	assert_int_equal(sp_user_disable(&acc, &root, "coord", 0, &err), SP_ECONFLICT);
	struct sp_subject gone = subject_of("coord");
	assert_int_equal(gone.roles, 0); /* a disabled user's subject holds no role */

	/* enabled again: back in, with its roles */
	assert_int_equal(sp_user_enable(&acc, &root, "coord", 0, &err), SP_OK);
	assert_string_equal(last_event(), "user.enable");
	assert_int_equal(sp_user_enable(&acc, &root, "coord", 0, &err), SP_ECONFLICT);
	assert_int_equal(sp_user_authenticate(&acc, "coord", "coordinator-pass", &me, &err), SP_OK);
	assert_int_equal(subject_of("coord").roles, SP_ROLE_COORDINATOR);
	struct sp_subject co = subject_of("coord");
	assert_int_equal(sp_user_enable(&acc, &co, "root", 0, &err), SP_EDENIED);

	/* a change made from a version that is no longer current is refused first, writes
	 * nothing; each change moves the version on by one */
	struct sp_user cu;
	assert_int_equal(sp_user_get_by_name(&acc, "coord", &cu, &err), SP_OK);
	int64_t v = cu.version;
	assert_true(v > 1);
	assert_int_equal(sp_user_disable(&acc, &root, "coord", v - 1, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	assert_int_equal(sp_user_enable(&acc, &root, "coord", v + 1, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version"); /* before "not disabled" */
	assert_int_equal(sp_user_disable(&acc, &root, "coord", v, &err), SP_OK);
	assert_int_equal(sp_user_enable(&acc, &root, "coord", v, &err), SP_ECONFLICT);
	assert_int_equal(sp_user_enable(&acc, &root, "coord", v + 1, &err), SP_OK);
	assert_int_equal(sp_user_get_by_name(&acc, "coord", &cu, &err), SP_OK);
	assert_int_equal(cu.version, v + 2);

	/* roles taken away at once; never the last one, never one not held */
	assert_int_equal(sp_user_grant_roles(&acc, &root, "coord", 0, SP_ROLE_ADMIN, NULL, &err), SP_OK);
	assert_int_equal(sp_user_revoke_roles(&acc, &root, "coord", 0, SP_ROLE_DPO, &err), SP_ECONFLICT);
	assert_int_equal(sp_user_revoke_roles(&acc, &root, "coord", 0, 0, &err), SP_EINVAL);
	assert_int_equal(sp_user_revoke_roles(&acc, &root, "coord", 0, SP_ROLE_COORDINATOR, &err),
			 SP_OK);
	assert_string_equal(last_event(), "user.revoke_roles");
	assert_int_equal(subject_of("coord").roles, SP_ROLE_ADMIN);
	assert_int_equal(sp_user_revoke_roles(&acc, &root, "coord", 0, SP_ROLE_ADMIN, &err), SP_EINVAL);
	assert_int_equal(sp_user_revoke_roles(&acc, &root, "root", 0, SP_ROLE_ADMIN, &err), SP_EINVAL);
}

/* Walk an injected store fault over every call of an operation: each run either fails with
 * nothing written or succeeds; then the operation completes once. */
static void nothing_half_written(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	add_agency(&root, "NGA", SP_AGENCY_NGO);
	char otp[SP_OTP_SIZE];
	struct sp_id ap;
	int64_t users0 = test_scalar(store, "SELECT COUNT(*) FROM users");
	int64_t appr0 = test_scalar(store, "SELECT COUNT(*) FROM approvals");
	long n;
	int rc = -1;
	for (n = 1; n < 200 && rc != SP_OK; n++) {
		sp_store_fail_at(store, n);
		rc = sp_user_add(&acc, &root, "sup.a", "NGA", SP_ROLE_SUPERVISOR, otp, NULL, &ap, &err);
		sp_store_fail_at(store, 0);
		if (rc) {
			assert_int_equal(rc, SP_EFAULT);
			assert_string_equal(otp, "");
			assert_false(sp_store_in_transaction(store));
			assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users"), users0);
			assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM approvals"), appr0);
		}
	}
	assert_int_equal(rc, SP_OK);
	assert_true(n > 4);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users"), users0 + 1);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM approvals"), appr0 + 1);

	char otp2[SP_OTP_SIZE];
	assert_int_equal(sp_user_add(&acc, &root, "root2", "SYS", SP_ROLE_ADMIN, otp2, NULL, NULL,
				     &err),
			 SP_OK);
	struct sp_subject root2 = subject_of("root2");
	rc = -1;
	for (n = 1; n < 200 && rc != SP_OK; n++) {
		sp_store_fail_at(store, n);
		rc = sp_approval_grant(&acc, &root2, &ap, otp, &err);
		sp_store_fail_at(store, 0);
		if (rc) {
			assert_int_equal(rc, SP_EFAULT);
			assert_int_equal(subject_of("sup.a").roles, 0);
			assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM approvals WHERE status = "
						"'pending'"),
					 1);
		}
	}
	assert_int_equal(rc, SP_OK);
	assert_int_equal(subject_of("sup.a").roles, SP_ROLE_SUPERVISOR);

	/* without audit keys nothing is written: no access write goes unrecorded */
	struct sp_access blind;
	assert_int_equal(sp_access_init_params(&blind, store, &cost, &err), SP_OK);
	long before = trail().n;
	assert_int_equal(sp_user_add(&blind, &root, "late", "NGA", SP_ROLE_COORDINATOR, otp, NULL,
				     NULL, &err),
			 SP_EINTERNAL);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users WHERE username = 'late'"), 0);
	assert_int_equal(trail().n, before);
}

/* Everything access and the audit trail hold, as one string (built here: the SQL to
 * concatenate rows differs between the engines). */
static void fingerprint(char *out, size_t n)
{
	struct sp_buf b;
	sp_buf_init(&b, n - 1);
	struct sp_stmt *st;
	struct sp_err err = {0};
	assert_int_equal(sp_buf_addf(&b, "%lld|", (long long)test_scalar(store, "SELECT COUNT(*) FROM "
									 "agencies")), 0);
	assert_int_equal(sp_store_prepare(store, "SELECT username, roles, must_change_password, "
				"disabled, password_hash FROM users ORDER BY username", &st, &err), SP_OK);
	while (sp_stmt_step(st, &err) == 1)
		assert_int_equal(sp_buf_addf(&b, "%s%lld%lld%lld%s;", sp_stmt_text(st, 0),
					     (long long)sp_stmt_int64(st, 1),
					     (long long)sp_stmt_int64(st, 2),
					     (long long)sp_stmt_int64(st, 3), sp_stmt_text(st, 4)), 0);
	sp_stmt_done(st);
	assert_int_equal(sp_store_prepare(store, "SELECT status, flagged_to_dpo FROM approvals "
				"ORDER BY id", &st, &err), SP_OK);
	while (sp_stmt_step(st, &err) == 1)
		assert_int_equal(sp_buf_addf(&b, "%s%lld;", sp_stmt_text(st, 0),
					     (long long)sp_stmt_int64(st, 1)), 0);
	sp_stmt_done(st);
	assert_int_equal(sp_buf_addf(&b, "|%lld|%lld", (long long)test_scalar(store, "SELECT COUNT(*) "
									       "FROM audit_log"),
				     (long long)test_scalar(store, "SELECT COUNT(*) FROM idempotency_keys")),
			 0);
	snprintf(out, n, "%s", b.data);
	sp_buf_free(&b);
}

struct walk_ctx {
	struct sp_subject as;
	const char *name;
	struct sp_id approval;
	char otp[SP_OTP_SIZE];
	const struct sp_idem *idem; /* a create's idempotency key, or NULL */
};

typedef int (*walk_op)(struct walk_ctx *c, struct sp_err *err);

/* Fail the Nth store call for N = 1, 2, ... until the operation succeeds: every failed run
 * must leave the database exactly as it was. */
static void walk(const char *what, walk_op op, struct walk_ctx *c)
{
	char before[8192], after[8192];
	struct sp_err err = {0};
	fingerprint(before, sizeof before);
	int rc = -1;
	long n;
	for (n = 1; n < 300 && rc != SP_OK; n++) {
		sp_store_fail_at(store, n);
		rc = op(c, &err);
		sp_store_fail_at(store, 0);
		if (rc == SP_OK)
			break;
		if (rc != SP_EFAULT)
			fprintf(stderr, "%s: call %ld: %s\n", what, n, err.msg);
		assert_int_equal(rc, SP_EFAULT);
		assert_false(sp_store_in_transaction(store));
		fingerprint(after, sizeof after);
		if (strcmp(before, after) != 0)
			fprintf(stderr, "%s: half-written after a fault at call %ld\n", what, n);
		assert_string_equal(before, after);
	}
	assert_int_equal(rc, SP_OK);
	fingerprint(after, sizeof after);
	assert_string_not_equal(before, after);
}

static int op_agency(struct walk_ctx *c, struct sp_err *err)
{
	struct sp_agency in = {.code = "WLK", .name = "Walked", .kind = SP_AGENCY_SHELTER,
			       .country = "IT"};
	struct sp_access keyed = acc;
	keyed.idem = c->idem;
	return sp_agency_add(&keyed, &c->as, &in, NULL, err);
}
static int op_add(struct walk_ctx *c, struct sp_err *err)
{
	struct sp_access keyed = acc;
	keyed.idem = c->idem;
	return sp_user_add(&keyed, &c->as, c->name, "WLK", SP_ROLE_CASEWORKER | SP_ROLE_COORDINATOR,
			   c->otp, NULL, &c->approval, err);
}
static int op_grant_data(struct walk_ctx *c, struct sp_err *err)
{
	return sp_user_grant_roles(&acc, &c->as, c->name, 0, SP_ROLE_IDENTIFIER, &c->approval, err);
}
static int op_approve(struct walk_ctx *c, struct sp_err *err)
{
	return sp_approval_grant(&acc, &c->as, &c->approval, c->otp, err);
}
static int op_refuse(struct walk_ctx *c, struct sp_err *err)
{
	return sp_approval_deny(&acc, &c->as, &c->approval, err);
}
static int op_reset(struct walk_ctx *c, struct sp_err *err)
{
	return sp_user_reset_password(&acc, &c->as, c->name, 0, c->otp, &c->approval, err);
}
static int op_passwd(struct walk_ctx *c, struct sp_err *err)
{
	return sp_user_passwd(&acc, c->name, c->otp, "a-chosen-password", err);
}
static int op_login(struct walk_ctx *c, struct sp_err *err)
{
	struct sp_user me;
	return sp_user_authenticate(&acc, c->name, "a-chosen-password", &me, err);
}
static int op_disable(struct walk_ctx *c, struct sp_err *err)
{
	return sp_user_disable(&acc, &c->as, c->name, 0, err);
}
static int op_enable(struct walk_ctx *c, struct sp_err *err)
{
	return sp_user_enable(&acc, &c->as, c->name, 0, err);
}
static int op_revoke(struct walk_ctx *c, struct sp_err *err)
{
	return sp_user_revoke_roles(&acc, &c->as, c->name, 0, SP_ROLE_CASEWORKER, err);
}

static void every_operation_is_all_or_nothing(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct walk_ctx c = {.as = boot()};
	char otp[SP_OTP_SIZE];
	/* the creates carry an idempotency key (its hashes as any bytes): the key's record is
	 * part of what a fault must not leave half-written */
	struct sp_idem key = {.user = c.as.user, .status = 201, .ttl_s = 60};
	memset(key.key_hash, 0xa1, sizeof key.key_hash);
	c.idem = &key;
	walk("agency add with a key", op_agency, &c);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM idempotency_keys WHERE "
					    "kind = 'agency' AND status = 201"),
			 1);
	c.idem = NULL;
	assert_int_equal(sp_user_add(&acc, &c.as, "root2", "SYS", SP_ROLE_ADMIN, otp, NULL, NULL,
				     &err),
			 SP_OK);
	struct sp_subject root2 = subject_of("root2");

	c.name = "sup.w";
	assert_int_equal(sp_user_add(&acc, &c.as, "sup.w", "WLK", SP_ROLE_SUPERVISOR, otp, NULL,
				     &c.approval, &err),
			 SP_OK);
	struct sp_subject root = c.as;
	c.as = root2;
	walk("approval grant (bootstrap)", op_approve, &c);
	walk("passwd", op_passwd, &c);
	struct sp_subject sup = subject_of("sup.w");

	c.as = root;
	c.name = "cw.w";
	memset(key.key_hash, 0xb2, sizeof key.key_hash);
	c.idem = &key;
	walk("user add with a key", op_add, &c);
	c.idem = NULL;
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM idempotency_keys"), 2);
	c.as = sup;
	walk("approval grant", op_approve, &c);
	walk("passwd", op_passwd, &c);
	c.as = root;
	walk("user grant (data role)", op_grant_data, &c);
	c.as = sup;
	walk("approval deny", op_refuse, &c);
	c.as = root;
	walk("reset-password (gated)", op_reset, &c);
	c.as = sup;
	walk("approval grant (reset)", op_approve, &c);
	walk("passwd after reset", op_passwd, &c);
	struct sp_access stronger;
	const struct sp_kdf_params more = {.ops = OPS + 1, .mem = MEM};
	assert_int_equal(sp_access_init_params(&stronger, store, &more, &err), SP_OK);
	sp_access_set_audit_keys(&stronger, keys);
	struct sp_access plain = acc;
	acc = stronger; /* the login walks with a new cost: it rewrites the hash */
	walk("login with hash upgrade", op_login, &c);
	acc = plain;
	c.as = root;
	walk("user disable", op_disable, &c);
	walk("user enable", op_enable, &c);
	walk("user revoke roles", op_revoke, &c);
}

static int count_users(const struct sp_user *u, void *ctx)
{
	(void)u;
	(*(int *)ctx)++;
	return 0;
}

static void one_event_per_operation(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	long before = trail().n;
	add_agency(&root, "NGA", SP_AGENCY_NGO);
	assert_int_equal(trail().n, before + 1);
	char otp[SP_OTP_SIZE];
	assert_int_equal(sp_user_add(&acc, &root, "cw", "NGA", SP_ROLE_CASEWORKER, otp, NULL, NULL,
				     &err),
			 SP_OK);
	struct trail t = trail();
	assert_int_equal(t.n, before + 2);
	assert_string_equal(t.action, "user.add");
	assert_string_equal(t.fields, "username,agency_id,password_hash,roles:caseworker");
	int n = 0;
	assert_int_equal(sp_user_list(&acc, &root, count_users, &n, &err), SP_OK);
	assert_int_equal(n, 2);
	struct sp_subject coordless = subject_of("cw");
	assert_int_equal(sp_user_list(&acc, &coordless, count_users, &n, &err), SP_EDENIED);
}

/* Demo accounts: active roles, a usable password, audited and flagged, once only. */
static void demo_seed_is_audited_and_once_only(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_agency ags[] = {
		{.code = "DIMM", .name = "Demo immigration (synthetic)", .kind = SP_AGENCY_IMMIGRATION,
		 .country = "ZZ"},
		{.code = "DNGO", .name = "Demo NGO (synthetic)", .kind = SP_AGENCY_NGO, .country = "ZZ"},
	};
	const struct sp_demo_user users[] = {
		{"demo.caseworker", "DNGO", SP_ROLE_CASEWORKER},
		{"demo.coordinator", "DIMM", SP_ROLE_COORDINATOR},
	};
	long before = trail().n;
	assert_int_equal(sp_access_demo_seed(&acc, ags, 2, users, 2, "demo-password-42", &err),
			 SP_OK);
	struct sp_user u;
	assert_int_equal(sp_user_authenticate(&acc, "demo.caseworker", "demo-password-42", &u,
					      &err),
			 SP_OK);
	assert_int_equal(u.roles, SP_ROLE_CASEWORKER); /* active at once */
	assert_int_equal(u.must_change_password, 0);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.demo_seed' "
				"AND flags = 1"),
			 1); /* the data-reading one is flagged to the DPO */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = 'agency.demo_seed'"),
			 2);
	assert_int_equal(trail().n, before + 4 + 1 /* the login */);
	/* a second run changes nothing: users exist now, so this is no new installation */
	ags[0].code[0] = 'Y';
	ags[1].code[0] = 'Y';
	assert_int_equal(sp_access_demo_seed(&acc, ags, 2, users, 2, "demo-password-42", &err),
			 SP_ECONFLICT);
	assert_non_null(strstr(err.msg, "new installation"));
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM users WHERE username LIKE 'demo.%'"), 2);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM agencies WHERE code LIKE 'Y%'"), 0);
	/* a weak password is refused before anything is written */
	ags[0].code[0] = 'X';
	ags[1].code[0] = 'X';
	assert_int_equal(sp_access_demo_seed(&acc, ags, 2, NULL, 0, "short", &err), SP_EINVAL);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM agencies WHERE code LIKE 'X%'"), 0);
}

/* Sessions: only hashes stored; log-out, expiry and disabling each end a session, and a
 * CSRF token belongs to its own session only. */
static void sessions_end_with_logout_expiry_and_disable(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_subject root = boot();
	struct sp_master *m;
	unsigned char raw[SP_KEY_LEN];
	randombytes_buf(raw, sizeof raw);
	assert_int_equal(sp_master_from_bytes_(raw, &m, &err), SP_OK);
	struct sp_keys *k;
	assert_int_equal(sp_keys_open(store, m, &k, &err), SP_OK);
	sp_master_free(m);
	char otp[SP_OTP_SIZE];
	struct sp_user u;
	assert_int_equal(sp_user_add(&acc, &root, "clerk", "SYS", SP_ROLE_COORDINATOR, otp, &u, NULL,
				     &err),
			 SP_OK);

	char tok[SP_SESSION_TOKEN_SIZE], csrf[SP_SESSION_TOKEN_SIZE];
	struct sp_session s, got;
	assert_int_equal(sp_session_create(&acc, k, &u, 3600, tok, csrf, &s, &err), SP_OK);
	assert_string_equal(last_event(), "session.create");
	assert_int_equal(strlen(tok), SP_SESSION_TOKEN_STRLEN);
	assert_string_not_equal(tok, csrf);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM sessions"), 1);
	assert_int_equal(test_scalar(store, "SELECT length(token_hash) FROM sessions"), SP_KEY_LEN);
	struct sp_user who = {0};
	assert_int_equal(sp_session_lookup(&acc, k, tok, &got, &who, &err), SP_OK);
	assert_memory_equal(got.user.b, u.id.b, SP_ID_LEN);
	assert_memory_equal(who.id.b, u.id.b, SP_ID_LEN); /* the user in the same read */
	assert_string_equal(who.username, u.username);
	assert_int_equal(who.roles, u.roles);
	assert_int_equal(who.agency_kind, u.agency_kind);
	assert_true(got.expires_us > got.created_us);
	assert_true(sp_session_csrf_ok(k, &got, csrf));
	assert_false(sp_session_csrf_ok(k, &got, tok));
	assert_false(sp_session_csrf_ok(k, &got, NULL));
	assert_int_equal(sp_session_lookup(&acc, k, csrf, &got, NULL, &err), SP_ENOTFOUND);
	assert_int_equal(sp_session_lookup(&acc, k, "short", &got, NULL, &err), SP_ENOTFOUND);
	assert_int_equal(sp_session_lookup(&acc, k, NULL, &got, NULL, &err), SP_ENOTFOUND);

	/* log-out */
	assert_int_equal(sp_session_end(&acc, &got, &err), SP_OK);
	assert_string_equal(last_event(), "session.end");
	assert_int_equal(sp_session_lookup(&acc, k, tok, &got, NULL, &err), SP_ENOTFOUND);
	assert_int_equal(sp_session_end(&acc, &s, &err), SP_ENOTFOUND);

	/* expiry */
	assert_int_equal(sp_session_create(&acc, k, &u, 3600, tok, csrf, &s, &err), SP_OK);
	assert_int_equal(sp_store_exec(store, "UPDATE sessions SET expires_us = 1", &err), SP_OK);
	assert_int_equal(sp_session_lookup(&acc, k, tok, &got, NULL, &err), SP_ENOTFOUND);

	/* disabling the user ends every session of theirs in its own transaction */
	assert_int_equal(sp_session_create(&acc, k, &u, 3600, tok, csrf, &s, &err), SP_OK);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM sessions"), 1); /* the expired one swept */
	assert_int_equal(sp_session_lookup(&acc, k, tok, &got, NULL, &err), SP_OK);
	assert_int_equal(sp_user_disable(&acc, &root, "clerk", 0, &err), SP_OK);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM sessions"), 0);
	assert_int_equal(sp_session_lookup(&acc, k, tok, &got, NULL, &err), SP_ENOTFOUND);

	assert_int_equal(sp_session_create(&acc, k, &u, 0, tok, csrf, &s, &err), SP_EINVAL);
	assert_string_equal(tok, "");
	sp_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bootstrap_once_with_a_one_time_password, setup,
						teardown),
		cmocka_unit_test_setup_teardown(agencies_are_admin_managed, setup, teardown),
		cmocka_unit_test_setup_teardown(data_roles_wait_for_a_supervisor, setup, teardown),
		cmocka_unit_test_setup_teardown(resets_of_data_accounts_need_approval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(login_is_uniform_and_upgrades_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_half_written, setup, teardown),
		cmocka_unit_test_setup_teardown(every_operation_is_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(one_event_per_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(demo_seed_is_audited_and_once_only, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_end_with_logout_expiry_and_disable, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
