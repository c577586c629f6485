/* Events on a case that start and close deadlines (docs/jurisdictions.md "Deadlines on a
 * case"): a referral to the identification mechanism, a first identification, a decision,
 * a child presumption. The deployment's jurisdiction file says which rules each event starts
 * and when they fall due; a rule's met_by, until and lapses_on say which later events close
 * it. The identify wing's link between the jurisdiction files (safepath/jurisdiction.h) and
 * the deadlines casework stores (safepath/deadline.h). */
#ifndef SAFEPATH_CASEEVENT_H
#define SAFEPATH_CASEEVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/caseop.h"
#include "safepath/deadline.h"
#include "safepath/jurisdiction.h"

struct sp_case_event {
	enum sp_jur_event event;
	int64_t at;			    /* when it happened (UTC microseconds) */
	enum sp_deadline_source source;
	const struct sp_id *source_id;	    /* the decision or screening; NULL for one by hand */
};

/* What an event did: the deadlines it closed and those it started, in cw->arena. */
struct sp_case_event_effect {
	struct sp_deadline *closed;
	size_t n_closed;
	struct sp_deadline *started;
	size_t n_started;
};

/* The events a user may record by hand: referral and identification. The others come from
 * the decisions and screenings that make them. */
bool sp_case_event_by_hand(enum sp_jur_event e);

/* Inside an operation that has named its case: close the case's open deadlines the event
 * meets (a target's met_by, when it happened at or after the trigger), ends (an open period's
 * until) or makes lapse (lapses_on), each under the file it was started under (found in set;
 * left alone when that file or rule is gone); then start every rule of j the event triggers,
 * one open deadline per rule (a rule running already is not started again). A working-day
 * rule whose days fall outside the holiday list's years is started without a due instant and
 * with the refusal's message as its problem: the event stands, and the due date is shown as
 * not computable rather than guessed. effect may be NULL. */
int sp_case_event_in(struct sp_caseop *op, const struct sp_jurisdictions *set,
		     const struct sp_jurisdiction *j, const struct sp_case_event *ev,
		     struct sp_case_event_effect *effect, struct sp_err *err) SP_MUST;

/* An event recorded by hand on a case (sp_case_event_by_hand; SP_EINVAL on /event for the
 * others, or for one in the future), in its own operation: decision.write with the class
 * trafficking (a referral to the identification mechanism tells of suspected trafficking),
 * audited "case.event". */
int sp_case_event_record(struct sp_casework *cw, const struct sp_jurisdictions *set,
			 const struct sp_jurisdiction *j, const struct sp_id *case_id,
			 enum sp_jur_event event, int64_t at, struct sp_case_event_effect *effect,
			 struct sp_err *err) SP_MUST;

/* A deadline as people read it at `now`, in lang: sp_deadline_encode's fields plus the rule's
 * "title" and "text" and its "tag" from the file it was started under (the rule's id when that
 * file or rule is gone), "state" (due, overdue, in_force, elapsed, met, ended, lapsed, or
 * uncomputable), "overdue", "working_days_left" (working-day rules still open; null else),
 * "due_local" (the due instant in the file's time zone, RFC 3339 with its offset) and
 * "time_zone". NULL when out of memory. */
json_t *sp_deadline_view(const struct sp_deadline *d, const struct sp_jurisdictions *set,
			 const char *lang, int64_t now);
/* The same, written (streamed responses); sp_deadline_view is this read back. */
void sp_deadline_view_write(struct sp_jsonw *w, const struct sp_deadline *d,
			    const struct sp_jurisdictions *set, const char *lang, int64_t now);

#endif
