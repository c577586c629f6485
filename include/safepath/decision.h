/* Formal decisions on a case (issue 5): age assessments, reasonable- and conclusive-grounds
 * decisions, best-interests determinations. A decision is recorded once and never changed: a
 * correction is a new decision of the same type, and the case's current decision of a type is
 * the latest decided (then the latest recorded). Its grounds, and an age assessment's method,
 * benefit of the doubt and assessed age, are sealed under the person's key; type and outcome
 * stay in clear. Each operation is one transaction through the policy and the audit
 * (safepath/caseop.h).
 *
 * Who may record: the policy (decision.write on the case, with the field class of the type:
 * identity for an age assessment, trafficking for the grounds decisions, notes for a
 * best-interests determination) and the deployment's jurisdiction (its `decisions`: roles and
 * agency kinds). A jurisdiction's refusal is audited like the policy's. */
#ifndef SAFEPATH_DECISION_H
#define SAFEPATH_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/access.h"
#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/jurisdiction.h"
#include "safepath/policy.h"
#include "safepath/protocol.h"

#define SP_DECISION_GROUNDS_MAX 20000 /* bytes of UTF-8 */
#define SP_DECISION_OUTCOME_MAX 48    /* a code: bytes with the NUL */
#define SP_DECISION_AGE_MAX 120
/* decided_at may lie this far ahead of the server's clock (clocks differ), never more. */
#define SP_DECISION_FUTURE_SLACK_US (INT64_C(5) * 60 * 1000000)

/* The field class of a decision type's outcome and grounds (the policy's request). */
enum sp_field_class sp_decision_class(enum sp_decision_type t);

struct sp_case_decision {
	struct sp_id id, case_id, recorded_by, agency;
	enum sp_decision_type type;
	char outcome[SP_DECISION_OUTCOME_MAX];
	int64_t decided_us, recorded_us, version;
	char jurisdiction_id[64], jurisdiction_version[32];
	char recorded_by_name[SP_USERNAME_MAX]; /* the recorder's user name, "" when gone */
	bool current; /* the case's current decision of its type */
	/* Sealed, opened into cw->arena: */
	const char *grounds;
	const char *method;   /* age assessment: an "age_methods" code; NULL otherwise */
	int benefit_of_doubt; /* age assessment: 0 or 1; -1 otherwise */
	int assessed_age;     /* -1 when not given */
};

/* A decision to record. Strings are borrowed; grounds is grounds_len bytes (no NUL inside).
 * benefit_of_doubt and assessed_age are -1 when absent. decided_at is RFC 3339 in UTC
 * ("2026-03-01T10:00:00Z") or NULL for now. */
struct sp_decision_new {
	const char *type;
	const char *outcome;
	const char *decided_at;
	const char *grounds;
	size_t grounds_len;
	const char *method;
	int benefit_of_doubt;
	int64_t assessed_age;
};

/* Record a decision on the case under jurisdiction j (the deployment's). Every bad field goes
 * in diag with its pointer ("/type", "/outcome", "/decided_at", "/grounds", "/method",
 * "/benefit_of_doubt", "/assessed_age") and the call is SP_EINVAL with err naming the first;
 * a conclusive-grounds decision without an earlier positive reasonable-grounds one is SP_EINVAL
 * on /type. SP_EDENIED (err->reason "jurisdiction") when j names other recorders of the type,
 * with a message saying who. cw->vocabulary checks the codes. The events the decision is
 * (rg_positive or rg_negative; cg_positive or cg_negative with cg_decision; age_adult for an
 * age assessment that finds an adult) start and close the case's deadlines under j in the same
 * transaction, at the decided instant (safepath/caseevent.h; jurs: every loaded file, for
 * deadlines started under another). */
struct sp_jurisdictions;
int sp_decision_add(struct sp_casework *cw, const struct sp_jurisdictions *jurs,
		    const struct sp_jurisdiction *j,
		    const struct sp_id *case_id, const struct sp_decision_new *in,
		    struct sp_case_decision *out, struct sp_diag *diag, struct sp_err *err) SP_MUST;

/* One decision, its sealed values opened (decision.read with its type's class). */
int sp_decision_get(struct sp_casework *cw, const struct sp_id *id, struct sp_case_decision *out,
		    struct sp_err *err) SP_MUST;

/* The case's decisions the subject may read, newest decided first (then newest recorded),
 * with their sealed values, in cw->arena; *withheld counts those of a class the policy keeps
 * from the subject (left out). */
int sp_decision_list(struct sp_casework *cw, const struct sp_id *case_id,
		     struct sp_case_decision **out, size_t *n, size_t *withheld,
		     struct sp_err *err) SP_MUST;

/* Who may record type t in j, in English: "identifier at an immigration agency" (roles joined
 * with "or", then the agency kinds when the jurisdiction names any). */
void sp_decision_recorders(const struct sp_jurisdiction *j, enum sp_decision_type t, char *out,
			   size_t n);

/* The decision as the API and --json show it. A new reference, or NULL when out of memory. */
json_t *sp_decision_encode(const struct sp_case_decision *d);

#endif
