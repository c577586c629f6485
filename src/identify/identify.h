/* The identify wing's internal header: limits shared by its files (jurisdictions and deadlines
 * here; protocols, rules and the engine add theirs). */
#ifndef SAFEPATH_IDENTIFY_INTERNAL_H
#define SAFEPATH_IDENTIFY_INTERNAL_H

#include "safepath/jurisdiction.h"

/* A JSON pointer into a jurisdiction file: the size of struct sp_err's field. */
#define SP_JUR_PTR_SIZE 128
#define SP_JUR_ID_MAX 40
/* The longest IANA zone id is under 32 bytes ("America/Argentina/ComodRivadavia"). */
#define SP_JUR_TZ_MAX 64

/* The case's current age-assessment decision, inside an operation that has named the case
 * (decision.c, for the facts a screening gives the engine): 1 child, 0 adult, -1 none. Read
 * whatever the subject may read of decisions: a child must be treated as one by every
 * screening on the case. */
struct sp_caseop;
int sp_decision_current_age(struct sp_caseop *op, int *out, struct sp_err *err) SP_MUST;

#endif
