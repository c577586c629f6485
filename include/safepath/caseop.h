/* One operation on a case, for the wings above casework (identify, later refer): the small
 * public face of casework's internals (src/casework/deps.c), so those wings never include
 * casework's own header (DESIGN.md §2).
 *
 * An operation is one transaction: begin it (write, or read), name the case — the policy
 * decides on the operation's descriptor before anything of the case is read —, seal and open
 * values under the case person's key bound to (table, column, record), append its audit
 * record, record a create's idempotency key, finish (commit when rc is 0, else roll back; a
 * refusal is then audited in a transaction of its own, as casework's own refusals are). The
 * caller runs its own SQL on cw->store inside the transaction, on the tables it owns. */
#ifndef SAFEPATH_CASEOP_H
#define SAFEPATH_CASEOP_H

#include <stdbool.h>
#include <stddef.h>

#include "safepath/buf.h"
#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/person.h"
#include "safepath/policy.h"
#include "safepath/store.h"

/* What an operation asks the policy for and how its audit record is named. Descriptors are
 * static data: one must outlive the operation (its refusal is recorded after the rollback). */
struct sp_case_act {
	enum sp_action action; /* an existing policy action */
	unsigned fields;       /* SP_FIELD bits touched (0: the action's default set) */
	const char *name;      /* the audit action, e.g. "screening.start" (a token) */
};

struct sp_caseop {
	struct sp_casework *cw;        /* borrowed */
	const struct sp_case_act *act; /* borrowed */
	bool write;
	bool joined; /* inside the caller's read operation (sp_caseop_begin_read_in) */
	bool has_case;
	struct sp_case c; /* the case, once sp_caseop_case allowed it */
};

/* Open the operation's transaction: a write transaction, or for a read one that audits
 * through cw->read_audit when the server has a writer (see struct sp_casework). */
int sp_caseop_begin(struct sp_casework *cw, const struct sp_case_act *act, bool write,
		    struct sp_caseop *op, struct sp_err *err) SP_MUST;
/* A read operation that is a section of the caller's page when the caller has one open on
 * cw (sp_dashboard_read's sections): it runs in that transaction, and sp_caseop_finish leaves
 * the commit to the caller, whose finish makes this operation's audit record durable with
 * its own, in one wait. Else as sp_caseop_begin for a read. */
int sp_caseop_begin_read_in(struct sp_casework *cw, const struct sp_case_act *act,
			    struct sp_caseop *op, struct sp_err *err) SP_MUST;
/* May the subject do act on any case at all (one of its own agency's, assigned to it)?
 * Refuses a command up front, before it looks a case up; a refusal is recorded. */
int sp_caseop_authorise_any(struct sp_casework *cw, const struct sp_case_act *act,
			    struct sp_err *err) SP_MUST;
/* Load the case by id and ask the policy for the operation's descriptor: SP_ENOTFOUND when
 * there is no such case, SP_EDENIED with the policy's reason when refused. */
int sp_caseop_case(struct sp_caseop *op, const struct sp_id *case_id, struct sp_err *err) SP_MUST;
/* In a read operation that will ask about many cases (a page of rows): read ahead the cases
 * of ids, their agencies and their shares with the subject's agency with at most three
 * statements, so that sp_caseop_case on each reads nothing more. At most SP_CASEOP_PREFETCH
 * at a time (the rest are cut): each call replaces the last's. */
#define SP_CASEOP_PREFETCH 64
int sp_caseop_prefetch(struct sp_caseop *op, const struct sp_id *ids, size_t n,
		       struct sp_err *err) SP_MUST;
/* Prepare sql, whose one parameter is the case's id, on the allowed case's store: the rows of
 * a table below the case (its screenings, decisions, referrals) for the caller to step. */
int sp_caseop_select(struct sp_caseop *op, const char *sql, struct sp_stmt **st,
		     struct sp_err *err) SP_MUST;
/* Seal n bytes under the case person's key, bound to table, column and record; appended to
 * out. */
int sp_caseop_seal(struct sp_caseop *op, const char *table, const char *column,
		   const struct sp_id *record, const void *pt, size_t n, struct sp_buf *out,
		   struct sp_err *err) SP_MUST;
/* Open a sealed value into cw->arena (NUL-terminated); SP_ENOTFOUND when the person was
 * erased. */
int sp_caseop_open(struct sp_caseop *op, const char *table, const char *column,
		   const struct sp_id *record, const void *ct, size_t n, const char **pt,
		   size_t *len, struct sp_err *err) SP_MUST;
/* Would the policy allow another descriptor on the operation's allowed case? No refusal is
 * recorded (a list that leaves out what the subject may not read, and counts it). */
bool sp_caseop_may(struct sp_caseop *op, const struct sp_case_act *act);
/* Refuse the operation on the allowed case for a reason decided above the policy (a
 * jurisdiction's rule on who records a decision): SP_EDENIED with detail as err's message and
 * the reason's name as err->reason, audited like a policy refusal once the operation rolls
 * back. */
int sp_caseop_refuse(struct sp_caseop *op, enum sp_reason reason, const char *detail,
		     struct sp_err *err) SP_MUST;
/* The case's person into cw->arena, when the policy lets the subject read identities on the
 * case (*has; false too when the person was erased). Safety stays out. */
int sp_caseop_person(struct sp_caseop *op, struct sp_person *out, bool *has,
		     struct sp_err *err) SP_MUST;
/* Set case flags (enum sp_case_flag) in the open write transaction, if the policy allows a
 * case update: the case's version steps on, and a case.update record naming "stat" is
 * appended. Nothing when every flag is set already. */
int sp_caseop_flags_on(struct sp_caseop *op, unsigned flags, struct sp_err *err) SP_MUST;
/* Append the operation's audit record (the descriptor's name): object type and id, the field
 * classes as tokens, a reason code or NULL; flagged to the DPO when a policy decision of the
 * operation was (subject.export). A read's record goes to the group-commit writer
 * and is durable before sp_caseop_finish returns. */
int sp_caseop_audit(struct sp_caseop *op, const char *object_type, const struct sp_id *object,
		    const char *fields, const char *reason, struct sp_err *err) SP_MUST;
/* The same naming several objects of one type (a list's rows): the first is the record's
 * object, the rest its further objects (at most SP_AUDIT_OBJECTS_MAX); n == 0 names none. */
int sp_caseop_audit_many(struct sp_caseop *op, const char *object_type,
			 const struct sp_id *objects, size_t n, const char *fields,
			 struct sp_err *err) SP_MUST;
/* Record the create's idempotency key (cw->idem; nothing when NULL) as having made object of
 * kind below the case. */
int sp_caseop_idem(struct sp_caseop *op, const char *kind, const struct sp_id *object,
		   struct sp_err *err) SP_MUST;
/* What the case shares with agency through referral (the case_shares row, in the open write
 * transaction on the allowed case): state pending (the referral's summary) or accepted (the
 * summary and fields, SP_FIELD bits of the referral's profile); SP_REFERRAL_NONE deletes the
 * row, and the agency's access through that referral ends with the transaction. The policy's
 * view of the case reads these rows for a subject of another agency (deps.c). */
int sp_caseop_share(struct sp_caseop *op, const struct sp_id *agency,
		    const struct sp_id *referral, enum sp_referral_state state, unsigned fields,
		    struct sp_err *err) SP_MUST;
/* Commit when rc is 0, else roll back; returns the final status (rc alone for an operation
 * inside the caller's: the caller commits or rolls back). */
int sp_caseop_finish(struct sp_caseop *op, int rc, struct sp_err *err) SP_MUST;

#endif
