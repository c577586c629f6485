/* A case's life after it is opened: closure (asked by the case's staff, approved by another
 * supervisor of the owning agency), reopening, transfer to another agency (asked by the owning
 * agency's supervisor, accepted by the receiving agency's), reassignment within the agency
 * (a supervisor, with the assignee's open tasks handed over), and break-glass access (a
 * time-limited grant to read a case outside one's normal access, with a reason, every read
 * under it flagged to the DPO and reviewed by a supervisor). Requests go through the approvals
 * queue of safepath/caseapproval.h; every operation is one transaction with its audit record. */
#ifndef SAFEPATH_CASELIFE_H
#define SAFEPATH_CASELIFE_H

#include <stdbool.h>
#include <stdint.h>

#include "safepath/case.h"
#include "safepath/caseapproval.h"
#include "safepath/err.h"
#include "safepath/id.h"

/* The vocabulary list of closure reasons (protocols/codes.json, HTCDS cas_ status). */
#define SP_CLOSURE_REASONS "closure_reasons"

/* Ask for the case's closure: reason a closure_reasons code (required), follow_up an ISO
 * date "YYYY-MM-DD" for the follow-up contact (optional, not before today), note sealed
 * (optional). The subject must be allowed to update the case (its assigned staff or a
 * supervisor); the case must not be closed, and no closure may be pending (SP_ECONFLICT).
 * The case closes when another supervisor of the owning agency approves. */
struct sp_closure_request {
	const char *reason;
	const char *follow_up;
	const char *note;
};
int sp_case_closure_request(struct sp_casework *cw, const struct sp_id *case_id,
			    const struct sp_closure_request *in, struct sp_case_approval *out,
			    struct sp_err *err) SP_MUST;

/* Reopen a closed case, with a reason (required, sealed). A supervisor of the owning agency
 * reopens it at once (recorded as an approved reopen); its assigned staff ask (a pending
 * reopen for a supervisor to approve). *reopened says which. */
int sp_case_reopen(struct sp_casework *cw, const struct sp_id *case_id, const char *reason,
		   struct sp_case_approval *out, bool *reopened, struct sp_err *err) SP_MUST;

/* Ask to hand the case to another agency: the owning agency's supervisor (case.transfer; the
 * firewall refuses a protection actor's case to immigration or police). The receiving
 * agency's supervisor approves (the case's owning agency changes, its assignment is cleared)
 * or rejects. One pending transfer per case. */
int sp_case_transfer_request(struct sp_casework *cw, const struct sp_id *case_id,
			     const struct sp_id *to_agency, const char *note,
			     struct sp_case_approval *out, struct sp_err *err) SP_MUST;

/* Give the case to another user of the owning agency (a supervisor of it, at the case's
 * version): the new assignee must be one the policy lets work on the case; the previous
 * assignee's open tasks on the case go to the new one. *tasks_moved counts them. */
int sp_case_reassign(struct sp_casework *cw, const struct sp_id *case_id, int64_t version,
		     const struct sp_id *to_user, struct sp_case *out, unsigned *tasks_moved,
		     struct sp_err *err) SP_MUST;

/* Break glass: a time-limited grant of the case page and its person (identity and safety;
 * gbv, trafficking and notes stay need-to-know) to the subject, for minutes minutes, with a
 * reason (required, sealed). The policy decides (case.break_glass: staff of the owning
 * agency, never into a restricted case they are not assigned to, never across the
 * firewall); SP_ECONFLICT when the subject can read the person already. The grant's audit
 * record and every read under it are flagged to the DPO, and a break_glass_review approval
 * waits for a supervisor of the owning agency. */
#define SP_BREAK_GLASS_REASON_MAX 2000
struct sp_break_glass {
	struct sp_id id;
	struct sp_id case_id;
	struct sp_id user;
	int64_t granted_us;
	int64_t expires_us;
	struct sp_id review;             /* the break_glass_review approval */
};
int sp_case_break_glass(struct sp_casework *cw, const struct sp_id *case_id, const char *reason,
			int minutes, struct sp_break_glass *out, struct sp_err *err) SP_MUST;
json_t *sp_break_glass_encode(const struct sp_break_glass *g);

#endif
