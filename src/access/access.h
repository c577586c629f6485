/* Internal to src/access/: the password wrapper, one-time passwords, the audit call site and
 * the cross-table steps each table's owning file offers the others (agency.c owns agencies,
 * user.c users, approval.c approvals). The access_* step functions run inside the caller's
 * transaction and never open or close one. */
#ifndef SAFEPATH_ACCESS_INT_H
#define SAFEPATH_ACCESS_INT_H

#include "safepath/access.h"

/* ---- passwords (password.c), over the crypto module's Argon2id functions ---- */
int access_pw_hash(const struct sp_access *a, const char *password, char out[SP_PWHASH_SIZE],
		   struct sp_err *err) SP_MUST;
/* SP_OK when password matches stored; SP_EDENIED when not. stored == NULL (unknown user)
 * costs the same work against a dummy hash. *rehash says the stored cost is outdated. */
int access_pw_verify(const struct sp_access *a, const char *stored, const char *password,
		     int *rehash, struct sp_err *err) SP_MUST;
/* Length rules for a password a user chooses. */
int access_pw_acceptable(const char *password, struct sp_err *err) SP_MUST;
/* A random one-time password (about 99 bits) and its hash. */
int access_otp_new(const struct sp_access *a, char otp[SP_OTP_SIZE], char hash[SP_PWHASH_SIZE],
		   struct sp_err *err) SP_MUST;

/* ---- audit (access.c) ---- */

/* What one operation records: ids, names and field names, never personal values. */
struct access_event {
	const char *action;              /* "user.add", "approval.grant", "user.login", ... */
	const struct sp_subject *actor;  /* NULL: the system (bootstrap) or an unknown user */
	const char *object_kind;         /* "agency", "user" */
	struct sp_id object;
	const char *fields;              /* what changed: "roles,password_hash" */
	unsigned roles;                  /* roles granted or requested, 0 if none */
	struct sp_id approval;           /* the approval created or decided, zero if none */
	int flag_dpo;
};

/* The one audit call per operation, inside its write transaction, before the commit: a
 * failure rolls the operation back with it. */
int access_audit(struct sp_access *a, const struct access_event *ev, struct sp_err *err) SP_MUST;
/* The common ending of an operation: audit, commit, or roll back on any error (rc included).
 * Returns the operation's result (not SP_MUST: a refused log-in records and ignores it). */
int access_finish(struct sp_access *a, int rc, const struct access_event *ev,
		  struct sp_err *err);

/* ---- steps offered across files ---- */

/* agency.c */
int access_agency_insert(struct sp_access *a, const struct sp_agency *in, struct sp_agency *out,
			 struct sp_err *err) SP_MUST;

/* user.c */
/* must_change: the password is a one-time password to be changed at the next login. */
int access_user_insert(struct sp_access *a, const char *username, const struct sp_agency *ag,
		       unsigned roles, const char *pw_hash, int must_change, struct sp_user *out,
		       struct sp_err *err) SP_MUST;
int access_user_count(struct sp_access *a, long *out, struct sp_err *err) SP_MUST;
/* Supervisors an agency has or had (disabled ones count: disabling every supervisor must
 * not reopen the bootstrap path of approval.c). */
int access_user_count_supervisors(struct sp_access *a, const struct sp_id *agency, long *out,
				  struct sp_err *err) SP_MUST;
/* Add roles and/or replace the password hash (NULL keeps it); force_change sets
 * must_change_password. SP_ENOTFOUND when no such user. */
int access_user_grant(struct sp_access *a, const struct sp_id *user, unsigned add_roles,
		      const char *new_hash, int force_change, struct sp_err *err) SP_MUST;

/* Bump the user's version (every change to an account does, once): only if it is still
 * version, else SP_ECONFLICT on "/version" (0: whatever it is). */
int access_user_touch(struct sp_access *a, const struct sp_id *user, int64_t version,
		      struct sp_err *err) SP_MUST;

/* session.c */
/* End every session of the user (disable), inside the caller's transaction. */
int access_session_end_user(struct sp_access *a, const struct sp_id *user,
			    struct sp_err *err) SP_MUST;

/* approval.c */
int access_approval_insert(struct sp_access *a, enum sp_approval_kind kind,
			   const struct sp_user *target, const struct sp_id *requested_by,
			   unsigned roles, struct sp_id *out, struct sp_err *err) SP_MUST;
/* Is an approval of this kind pending for the user? */
int access_approval_pending(struct sp_access *a, const struct sp_id *user,
			    enum sp_approval_kind kind, int *yes, struct sp_err *err) SP_MUST;

/* The acting user as the store has it now (roles, agency, not disabled): a subject from a
 * login can be stale by the time it acts. SP_EDENIED when unknown or disabled. */
int access_actor_refresh(struct sp_access *a, const struct sp_subject *actor,
			 struct sp_subject *out, struct sp_err *err) SP_MUST;
/* access_actor_refresh, then access_allowed for an action on no object. */
int access_recheck(struct sp_access *a, const struct sp_subject *actor, enum sp_action action,
		   struct sp_subject *out, struct sp_err *err) SP_MUST;

/* ---- reading rows (access.c), for the table files ---- */

/* A user as sp_user carries it: these columns (users u joined with agencies g), read from
 * column col on by access_user_row (user.c); hash (if not NULL, SP_PWHASH_SIZE bytes)
 * receives the password hash. */
#define ACCESS_USER_COLS                                                                       \
	"u.id, u.username, u.agency_id, g.kind, u.roles, u.must_change_password, u.disabled, " \
	"u.created_us, u.updated_us, u.password_hash, u.version"
int access_user_row(struct sp_stmt *st, int col, struct sp_user *out, char *hash,
		    struct sp_err *err) SP_MUST;

/* Bind the one key of a single-row look-up, text when given and else id, and step:
 * 1 = a row, 0 = none, < 0 = error (err filled). */
int access_step_key(struct sp_stmt *st, const char *text, const struct sp_id *id,
		    struct sp_err *err) SP_MUST;
/* Step a bound SELECT to its end, handing each row to row(st, ctx, err) and stopping at
 * the first nonzero it returns, which is returned; releases st. */
int access_each_row(struct sp_stmt *st,
		    int (*row)(struct sp_stmt *st, void *ctx, struct sp_err *err), void *ctx,
		    struct sp_err *err) SP_MUST;

/* Shared checks. */
/* Is the actor allowed `action` (on the target user's agency for approval.grant)? Fills err
 * with the policy's reason when not. */
int access_allowed(const struct sp_subject *actor, enum sp_action action,
		   const struct sp_id *target_agency, enum sp_agency_kind target_kind,
		   struct sp_err *err) SP_MUST;

#endif
