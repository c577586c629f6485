/* Supervisor approvals on cases: one queue of what waits for a supervisor's word — a closure,
 * a transfer to another agency, a consent override, the review of a break-glass access — and
 * the case's lifecycle history (a reopening is recorded in it too). Distinct from
 * safepath/access.h's approvals of data-reading roles (src/access/approval.c).
 *
 * Four eyes: the supervisor who decides is never the user who asked. Only supervisors of the
 * deciding agency decide (the owning agency; for a transfer the receiving one), through the
 * policy's approval.decide. Approving runs the kind's effect in the decision's transaction
 * (a closure closes the case, a transfer moves it); a kind without an effect (consent
 * override, break-glass review) records the supervisor's word for whoever asked it to
 * check. Notes are sealed under the case person's key; the queue shows a note only to whom
 * the policy lets read the case's notes. */
#ifndef SAFEPATH_CASEAPPROVAL_H
#define SAFEPATH_CASEAPPROVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/id.h"

/* Stored by name: never rename, only add (and give each new kind its row in the kinds
 * table of src/casework/caseapproval.c: who decides, and its effect). */
enum sp_caseappr_kind {
	SP_CASEAPPR_CLOSURE,
	SP_CASEAPPR_CONSENT_OVERRIDE,
	SP_CASEAPPR_BREAK_GLASS_REVIEW,
	SP_CASEAPPR_TRANSFER,
	SP_CASEAPPR_REOPEN,
	SP_CASEAPPR_KIND_COUNT
};
enum sp_caseappr_status {
	SP_CASEAPPR_PENDING,
	SP_CASEAPPR_APPROVED,
	SP_CASEAPPR_REJECTED,
	SP_CASEAPPR_STATUS_COUNT
};

const char *sp_caseappr_kind_name(enum sp_caseappr_kind k);
int sp_caseappr_kind_parse(const char *s) SP_MUST;
const char *sp_caseappr_status_name(enum sp_caseappr_status s);
int sp_caseappr_status_parse(const char *s) SP_MUST;

#define SP_CASEAPPR_NOTE_MAX 4000 /* bytes */
#define SP_CASEAPPR_REASON_MAX 32
#define SP_CASEAPPR_PAGE_MAX 100

struct sp_case_approval {
	struct sp_id id;
	struct sp_id case_id;
	char case_number[SP_CASE_NUMBER_MAX];
	enum sp_caseappr_kind kind;
	enum sp_caseappr_status status;
	struct sp_id agency;             /* whose supervisors decide */
	struct sp_id object;             /* what beyond the case it is about; zero: nothing */
	char reason[SP_CASEAPPR_REASON_MAX]; /* the request's code; "" when none */
	const char *payload;             /* JSON object of clear codes, in cw->arena */
	struct sp_id requested_by;
	int64_t requested_us;
	struct sp_id decided_by;         /* zero while pending */
	int64_t decided_us;              /* 0 while pending */
	bool notes_shown;                /* the subject may read the case's notes */
	const char *request_note;        /* in cw->arena; NULL when none or not shown */
	const char *decision_note;       /* likewise */
	int64_t version;
};

/* {"id", "case", "case_number", "kind", "status", "agency", "object", "reason", "payload",
 * "requested_by", "requested_at", "decided_by", "decided_at", "request_note",
 * "decision_note", "version"}: notes only when shown. NULL when out of memory. */
json_t *sp_case_approval_encode(const struct sp_case_approval *a);

/* Ask for an approval of a kind without a request of its own (consent_override: the refer
 * wing's send path, naming the referral as object; reason a code or NULL; payload a JSON
 * object of clear codes or NULL). The subject must be allowed to update the case; one
 * pending request of a kind and object per case at a time (SP_ECONFLICT). */
struct sp_caseappr_request {
	enum sp_caseappr_kind kind;
	const struct sp_id *object;
	const char *reason;
	json_t *payload;                 /* borrowed */
	const char *note;                /* sealed; NULL: none */
};
int sp_case_approval_request(struct sp_casework *cw, const struct sp_id *case_id,
			     const struct sp_caseappr_request *in, struct sp_case_approval *out,
			     struct sp_err *err) SP_MUST;
/* The same inside an operation on a case (safepath/caseop.h) that has named its case: the
 * policy is asked for approval.request on it, and the request is filed and audited in the
 * operation's transaction (the refer wing's consent override, beside what it writes). */
struct sp_caseop;
int sp_case_approval_request_in(struct sp_caseop *op, const struct sp_caseappr_request *in,
				struct sp_case_approval *out, struct sp_err *err) SP_MUST;
/* The newest approval of kind about object on the operation's case, in its transaction (no
 * audit record of its own: the operation's names what it did); *found false when none was
 * ever asked. */
int sp_case_approval_latest_in(struct sp_caseop *op, enum sp_caseappr_kind kind,
			       const struct sp_id *object, enum sp_caseappr_status *status,
			       bool *found, struct sp_err *err) SP_MUST;

/* Approve or reject a pending approval at version (SP_ECONFLICT on "/version" when it moved
 * on, on "/status" when it was decided already). A rejection needs a note; an approval may
 * carry one. SP_EDENIED when the subject is not a supervisor of the deciding agency
 * (approval.decide), or is the user who asked (reason "four_eyes"). Approving runs the kind's
 * effect in the same transaction: a failing effect (the case moved on meanwhile) refuses the
 * decision and changes nothing. */
struct sp_caseappr_decision {
	int64_t version;
	bool approve;
	const char *note;
};
int sp_case_approval_decide(struct sp_casework *cw, const struct sp_id *id,
			    const struct sp_caseappr_decision *d, struct sp_case_approval *out,
			    struct sp_err *err) SP_MUST;

/* One approval, for the deciding agency's supervisors and for whom the policy lets read its
 * case. */
int sp_case_approval_get(struct sp_casework *cw, const struct sp_id *id,
			 struct sp_case_approval *out, struct sp_err *err) SP_MUST;

/* The subject's agency's queue (a supervisor's: SP_EDENIED for others): pending first, then
 * the decided ones, newest first within each, at most max (SP_CASEAPPR_PAGE_MAX); or, with
 * case_id, that case's approvals newest first for whom the policy lets read the case. One
 * audit record names the approvals returned. Items in cw->arena. */
struct sp_caseappr_query {
	const struct sp_id *case_id;     /* NULL: the agency's queue */
	int status;                      /* only this status; < 0: any */
};
int sp_case_approval_list(struct sp_casework *cw, const struct sp_caseappr_query *q,
			  struct sp_case_approval **out, size_t *n, size_t max,
			  struct sp_err *err) SP_MUST;

#endif
