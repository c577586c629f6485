/* Agencies, users and approvals: the store-backed side of access (the decisions themselves
 * are safepath/policy.h). Every write is one store transaction with its audit record inside;
 * a library function never prints. Passwords and one-time passwords are the caller's
 * buffers: wipe them (sodium_memzero) when done.
 *
 * Granting a data-reading role (SP_ROLES_DATA) or resetting the password of a user who holds
 * one does not happen at once: it creates a pending approval that a supervisor of the user's
 * agency (not the requester, not the user) grants or denies. Granting forces a password
 * change and is flagged to the DPO. */
#ifndef SAFEPATH_ACCESS_H
#define SAFEPATH_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/audit.h"
#include "safepath/config.h"
#include "safepath/crypto.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/idempotency.h"
#include "safepath/policy.h"
#include "safepath/store.h"

#define SP_AGENCY_CODE_MAX 8     /* bytes with the terminator: 2 to 6 upper-case letters */
#define SP_AGENCY_NAME_MAX 128
#define SP_USERNAME_MAX 64       /* bytes with the terminator */
#define SP_OTP_SIZE 32           /* a one-time password's buffer: "xxxxx-xxxxx-xxxxx-xxxxx" */
#define SP_PASSWORD_MIN 12       /* bytes */
#define SP_PASSWORD_MAX 1024
#define SP_PWHASH_SIZE SP_PWHASH_LEN /* an Argon2id string ($argon2id$v=19$m=...) */

/* Output conventions: out-structures and approval ids are written only on success; an otp
 * buffer is always written, and left empty on failure or when there is nothing to show.
 *
 * An access context: the store, the password cost and the audit keys, all borrowed. One per
 * thread, like the store connection. Every write appends its audit record (sp_audit_append)
 * in the write's own transaction. Call sp_access_set_audit_keys before any write: without
 * the keys a write is refused (SP_EINTERNAL) and nothing is written. */
struct sp_access {
	struct sp_store *store;
	struct sp_kdf_params pw;                 /* Argon2id cost for new hashes */
	const struct sp_audit_keys *audit_keys;  /* sodium_malloc memory of the caller */
	/* A create (sp_agency_add, sp_user_add) with a client's idempotency key, recorded in
	 * its own transaction (safepath/idempotency.h); NULL: none. Set it on a copy of the
	 * thread's context for the one call. */
	const struct sp_idem *idem;
};

/* Cost from the configuration (argon2-ops, argon2-mem-kib). */
int sp_access_init(struct sp_access *a, struct sp_store *s, const struct sp_config *cfg,
		   struct sp_err *err) SP_MUST;
/* Same, with an explicit cost (tests use the smallest). */
int sp_access_init_params(struct sp_access *a, struct sp_store *s, const struct sp_kdf_params *pw,
			  struct sp_err *err) SP_MUST;
/* The audit trail's keys (borrowed; they must outlive a). */
void sp_access_set_audit_keys(struct sp_access *a, const struct sp_audit_keys *keys);

/* ---- agencies ---- */

struct sp_agency {
	struct sp_id id;
	char code[SP_AGENCY_CODE_MAX];   /* prefix of its case numbers: "IMM" */
	char name[SP_AGENCY_NAME_MAX];   /* an organisation's name, never a person's */
	enum sp_agency_kind kind;
	char country[3];                 /* ISO 3166-1 alpha-2, or XK / ZZ */
	int64_t created_us;
};

/* Check an agency's fields (code, name, kind, country) and canonicalise its country code
 * (any case, alpha-2 or alpha-3 in; alpha-2 out). */
int sp_agency_check(struct sp_agency *in, struct sp_err *err) SP_MUST;
/* Check a user name: 2 to 63 of a-z 0-9 . _ -, starting with a letter. */
int sp_username_check(const char *username, struct sp_err *err) SP_MUST;

/* Add an agency (actor needs agency.manage). in->id and created_us are filled into out. */
int sp_agency_add(struct sp_access *a, const struct sp_subject *actor, const struct sp_agency *in,
		  struct sp_agency *out, struct sp_err *err) SP_MUST;
int sp_agency_get_by_code(struct sp_access *a, const char *code, struct sp_agency *out,
			  struct sp_err *err) SP_MUST;
int sp_agency_get(struct sp_access *a, const struct sp_id *id, struct sp_agency *out,
		  struct sp_err *err) SP_MUST;
/* Every agency in code order; cb returning non-zero stops the walk with that value. */
int sp_agency_list(struct sp_access *a, int (*cb)(const struct sp_agency *ag, void *ctx),
		   void *ctx, struct sp_err *err) SP_MUST;

/* ---- users ---- */

struct sp_user {
	struct sp_id id;
	char username[SP_USERNAME_MAX];
	struct sp_id agency;
	enum sp_agency_kind agency_kind;
	unsigned roles;                  /* active roles (pending ones are in approvals) */
	int must_change_password;
	int disabled;
	int64_t created_us;
	int64_t updated_us;
	int64_t version;                 /* bumped by every change (the API's ETag) */
};

/* The policy subject for a user (id, agency, kind, roles). */
void sp_user_subject(const struct sp_user *u, struct sp_subject *out);

/* Create the first agency and the first admin, once: SP_ECONFLICT when any user exists.
 * Writes the admin's one-time password into otp (shown once; must be changed at first
 * login). */
int sp_access_bootstrap(struct sp_access *a, const struct sp_agency *agency, const char *username,
			char otp[SP_OTP_SIZE], struct sp_user *out, struct sp_err *err) SP_MUST;

/* Add a user to an agency (actor needs user.manage). Roles outside SP_ROLES_DATA are active
 * at once; data-reading ones become one pending grant_role approval (its id in *approval,
 * zero when none). The one-time password goes to otp; must_change_password is set.
 * admin never combines with a data-reading role: SP_EINVAL. */
int sp_user_add(struct sp_access *a, const struct sp_subject *actor, const char *username,
		const char *agency_code, unsigned roles, char otp[SP_OTP_SIZE], struct sp_user *out,
		struct sp_id *approval, struct sp_err *err) SP_MUST;
int sp_user_get_by_name(struct sp_access *a, const char *username, struct sp_user *out,
			struct sp_err *err) SP_MUST;
int sp_user_get(struct sp_access *a, const struct sp_id *id, struct sp_user *out,
		struct sp_err *err) SP_MUST;
/* Every user in username order (actor needs user.manage). */
int sp_user_list(struct sp_access *a, const struct sp_subject *actor,
		 int (*cb)(const struct sp_user *u, void *ctx), void *ctx, struct sp_err *err) SP_MUST;
/* The enabled users of viewer's agency holding any of roles, in username order: colleagues
 * to pick as a task's assignee or a focal point. Staff names and roles only; no policy
 * action, for the agency's own users. */
int sp_user_colleagues(struct sp_access *a, const struct sp_subject *viewer, unsigned roles,
		       int (*cb)(const struct sp_user *u, void *ctx), void *ctx,
		       struct sp_err *err) SP_MUST;
/* The account changes below take the version of the account as the caller last read it
 * (sp_user.version, the API's ETag), or 0 for whatever it is now: a stale one is SP_ECONFLICT
 * on field "/version", checked before anything else and again by the write itself, so that
 * of two changes made from the same version exactly one succeeds, whichever server runs them.
 * Every change bumps the version. */
/* Grant more roles (actor needs user.manage): as sp_user_add, data-reading roles become a
 * pending approval (*approval), the others are active at once. */
int sp_user_grant_roles(struct sp_access *a, const struct sp_subject *actor, const char *username,
			int64_t version, unsigned roles, struct sp_id *approval,
			struct sp_err *err) SP_MUST;
/* Disable a user (actor needs user.manage; not oneself). Disabled users cannot log in. */
int sp_user_disable(struct sp_access *a, const struct sp_subject *actor, const char *username,
		    int64_t version, struct sp_err *err) SP_MUST;
/* Enable a disabled user again (actor needs user.manage). SP_ECONFLICT when not disabled. */
int sp_user_enable(struct sp_access *a, const struct sp_subject *actor, const char *username,
		   int64_t version, struct sp_err *err) SP_MUST;
/* Take roles away (actor needs user.manage; not oneself): active at once, no approval (it
 * narrows access). The user keeps at least one role: SP_EINVAL otherwise; SP_ECONFLICT when
 * the user holds none of them. */
int sp_user_revoke_roles(struct sp_access *a, const struct sp_subject *actor,
			 const char *username, int64_t version, unsigned roles,
			 struct sp_err *err) SP_MUST;
/* Change one's own password: the old one must verify; clears must_change_password. */
int sp_user_passwd(struct sp_access *a, const char *username, const char *old_password,
		   const char *new_password, struct sp_err *err) SP_MUST;
/* Reset a user's password (actor needs user.manage). For a user without data-reading roles
 * the new one-time password is written to otp at once (*approval zero); otherwise a pending
 * reset_password approval is created (*approval), otp is left empty, and the one-time
 * password goes to the supervisor who grants it — the admin never holds a credential of a
 * data-reading account. */
int sp_user_reset_password(struct sp_access *a, const struct sp_subject *actor,
			   const char *username, int64_t version, char otp[SP_OTP_SIZE],
			   struct sp_id *approval, struct sp_err *err) SP_MUST;

/* Check a username and password. Unknown users, wrong passwords and disabled users all give
 * SP_EDENIED with the same message, after the same Argon2id work (a dummy hash for unknown
 * users), and are audited as user.login_failed. On success (user.login) the hash is upgraded
 * when the configured cost changed, and out says whether the password must be changed now.
 * Throttling is the caller's, before this. */
int sp_user_authenticate(struct sp_access *a, const char *username, const char *password,
			 struct sp_user *out, struct sp_err *err) SP_MUST;

/* ---- sessions (the HTTP API's log-ins) ---- */

/* A session token and a CSRF token are 256 random bits each, handed out once as 43
 * characters of unpadded base64url. The store keeps only their keyed BLAKE2b hashes
 * (sp_keys_token_hash), so a copy of the database opens no session. A session ends when it
 * expires, when its user logs out, and at once when the user is disabled (sp_user_disable
 * deletes the user's sessions in its own transaction). */
#define SP_SESSION_TOKEN_STRLEN 43
#define SP_SESSION_TOKEN_SIZE (SP_SESSION_TOKEN_STRLEN + 1)

struct sp_session {
	struct sp_id id;
	struct sp_id user;
	int64_t created_us;
	int64_t expires_us;
	unsigned char csrf_hash[SP_KEY_LEN]; /* keyed hash of its CSRF token */
};

/* Start a session for a user who has just authenticated (sp_user_authenticate), lasting
 * ttl_s seconds; audited as session.create. token and csrf receive the two tokens. */
int sp_session_create(struct sp_access *a, const struct sp_keys *k, const struct sp_user *u,
		      int64_t ttl_s, char token[SP_SESSION_TOKEN_SIZE],
		      char csrf[SP_SESSION_TOKEN_SIZE], struct sp_session *out,
		      struct sp_err *err) SP_MUST;
/* The live session a token names, and its user into *user when not NULL (one read):
 * SP_ENOTFOUND when there is none, it has expired or its user is disabled (one answer for
 * all, so a caller cannot tell them apart). A read only. */
int sp_session_lookup(struct sp_access *a, const struct sp_keys *k, const char *token,
		      struct sp_session *out, struct sp_user *user, struct sp_err *err) SP_MUST;
/* Does csrf (may be NULL) belong to the session? Constant-time. 1 yes, 0 no. */
int sp_session_csrf_ok(const struct sp_keys *k, const struct sp_session *s, const char *csrf);
/* Rate-limit counters shared by the servers on one database (ratecount.c): one leaky bucket
 * per key, draining at per_s requests a second. For each entry, in one write transaction
 * (entries sorted by key on the way): level_m gets the key's level now, in thousandths of a
 * request, after adding `add` requests (stored only when add > 0). prune also removes the keys
 * idle for an hour. */
#define SP_RATE_KEY_LEN 16
struct sp_rate_count {
	unsigned char key[SP_RATE_KEY_LEN];
	int64_t per_s;
	int64_t add;
	int64_t level_m;
};
int sp_ratecount_add(struct sp_store *s, struct sp_rate_count *c, size_t n, int64_t now_us,
		     bool prune, struct sp_err *err) SP_MUST;
/* The level of one key now (0 when it has none), read outside any transaction: for a server
 * that meets the key for the first time. */
int sp_ratecount_level(struct sp_store *s, const unsigned char key[SP_RATE_KEY_LEN],
		       int64_t per_s, int64_t now_us, int64_t *level_m, struct sp_err *err) SP_MUST;
/* Log out: delete the session, audited as session.end. SP_ENOTFOUND when it is gone. */
int sp_session_end(struct sp_access *a, const struct sp_session *s, struct sp_err *err) SP_MUST;

/* ---- failed-login throttling (throttle.c, the login_throttle table) ---- */

/* Failed log-ins are counted per user name and per client address in the database, so every
 * server on it sees the same counts. A counter's window opens at its first failure; once it
 * holds max failures, log-ins naming that user (or from that address) are refused until the
 * window closes, before any password is hashed. Counters are keyed BLAKE2b hashes of the
 * lower-cased user name or of the address (the token subkey, with a domain tag): the table
 * never holds either in clear. */
struct sp_throttle_limits {
	int max_user;     /* failures per user name within a window (login-max-failures) */
	int max_addr;     /* failures per address (login-max-failures-per-address) */
	int64_t window_s; /* login-window-s */
};
/* The limits the configuration sets; SP_EINVAL naming the setting when one is out of range
 * (1 to 1,000,000 failures; 1 second to 30 days). */
int sp_throttle_limits_from_config(const struct sp_config *cfg, struct sp_throttle_limits *out,
				   struct sp_err *err) SP_MUST;

/* One log-in attempt's two counters, as read before its password is checked. */
struct sp_throttle {
	unsigned char user_key[SP_KEY_LEN];
	unsigned char addr_key[SP_KEY_LEN];
	int has_addr;
	int user_failures;     /* in the open window: a success with none writes nothing */
	int64_t retry_after_s; /* > 0: refuse the attempt, and wait this long */
};
/* Read the counters for username and addr (NULL or "": none) at now_us: a read only. */
int sp_throttle_check(struct sp_access *a, const struct sp_keys *k,
		      const struct sp_throttle_limits *lim, const char *username, const char *addr,
		      int64_t now_us, struct sp_throttle *out, struct sp_err *err) SP_MUST;
/* Count a failed attempt against both counters (one write transaction, which also drops
 * counters whose window has closed). */
int sp_throttle_failed(struct sp_access *a, const struct sp_throttle_limits *lim,
		       const struct sp_throttle *t, int64_t now_us, struct sp_err *err) SP_MUST;
/* A successful log-in clears its user name's counter: a write only when it had failures.
 * The address counter stays (one user's success says nothing of another's guesses). */
int sp_throttle_succeeded(struct sp_access *a, const struct sp_throttle *t,
			  struct sp_err *err) SP_MUST;
/* Wipe the keyed hashes from memory. */
void sp_throttle_clear(struct sp_throttle *t);

/* ---- demo accounts ---- */

struct sp_demo_user {
	const char *username;
	const char *agency_code;
	unsigned roles;
};

/* Add the demo agencies and users (roles active at once, password usable without a change)
 * in one transaction as the system; each is audited, data-reading ones flagged to the DPO.
 * Only on a new installation: SP_ECONFLICT when there is any user but the first
 * administrator, or when any of the agencies exists already. */
int sp_access_demo_seed(struct sp_access *a, const struct sp_agency *agencies, size_t n_agencies,
			const struct sp_demo_user *users, size_t n_users, const char *password,
			struct sp_err *err) SP_MUST;

/* ---- approvals ---- */

enum sp_approval_kind { SP_APPROVAL_GRANT_ROLE, SP_APPROVAL_RESET_PASSWORD, SP_APPROVAL_KIND_COUNT };
enum sp_approval_status {
	SP_APPROVAL_PENDING,
	SP_APPROVAL_GRANTED,
	SP_APPROVAL_DENIED,
	SP_APPROVAL_STATUS_COUNT
};
const char *sp_approval_kind_name(enum sp_approval_kind k);       /* "grant_role" */
const char *sp_approval_status_name(enum sp_approval_status s);   /* "pending" */

struct sp_approval {
	struct sp_id id;
	enum sp_approval_kind kind;
	struct sp_id target;           /* the user */
	struct sp_id target_agency;
	struct sp_id requested_by;
	unsigned requested_roles;      /* grant_role */
	enum sp_approval_status status;
	int64_t requested_us;
	struct sp_id decided_by;       /* zero while pending */
	int64_t decided_us;            /* 0 while pending */
	int flagged_to_dpo;
};

int sp_approval_get(struct sp_access *a, const struct sp_id *id, struct sp_approval *out,
		    struct sp_err *err) SP_MUST;
/* Approvals the actor may see, oldest first: a supervisor those of its agency's users, an
 * admin all (no secrets in them), a dpo those flagged to it. pending_only filters. */
int sp_approval_list(struct sp_access *a, const struct sp_subject *actor, int pending_only,
		     int (*cb)(const struct sp_approval *ap, void *ctx), void *ctx,
		     struct sp_err *err) SP_MUST;
/* Grant (actor: approval.grant over the target user, and neither the requester nor the
 * target). An agency that never had a supervisor could never get its first one: there,
 * and only there, an administrator other than the requester decides (audited as
 * approval.grant_bootstrap, flagged to the DPO like every grant). grant_role adds the roles; both kinds set must_change_password and flag the DPO.
 * When the user still holds an administrator-issued one-time password (or for a reset), a
 * fresh one is written to otp for the granting supervisor to hand over, and the old one
 * stops working; otherwise otp is left empty. SP_ECONFLICT when not pending. */
int sp_approval_grant(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		      char otp[SP_OTP_SIZE], struct sp_err *err) SP_MUST;
int sp_approval_deny(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		     struct sp_err *err) SP_MUST;

#endif
