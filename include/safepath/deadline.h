/* Deadlines of a case (DESIGN.md §5 "task and deadline"): what a jurisdiction's rule says is
 * due, or protected, after an event on the case — a reasonable-grounds decision within 5
 * working days of a referral, a recovery period of at least 30 days from a positive one.
 * Casework stores them and lists them through the policy; which rules an event starts, when
 * they fall due and which events close them belongs to the identify wing
 * (safepath/caseevent.h), from the jurisdiction files. A deadline holds no personal data: a
 * rule, instants and a status. Its class is stat, or trafficking for those the grounds
 * decisions and referrals start (a recovery period tells of a positive decision). */
#ifndef SAFEPATH_DEADLINE_H
#define SAFEPATH_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"

#define SP_DEADLINE_PAGE_MAX 100
#define SP_DEADLINE_NAME_MAX 48	    /* jurisdiction, version, rule and event names, NUL included */
#define SP_DEADLINE_PROBLEM_MAX 256 /* why no due instant could be computed */

/* open; met (a target done: by an event, or marked by hand); ended (an open-ended period's
 * closing event came); lapsed (an event made the rule no longer apply). */
enum sp_deadline_status {
	SP_DEADLINE_OPEN,
	SP_DEADLINE_MET,
	SP_DEADLINE_ENDED,
	SP_DEADLINE_LAPSED,
	SP_DEADLINE_STATUS_COUNT
};
/* What recorded the event that started it. */
enum sp_deadline_source {
	SP_DEADLINE_FROM_DECISION,
	SP_DEADLINE_FROM_SCREENING,
	SP_DEADLINE_FROM_EVENT, /* recorded by hand */
	SP_DEADLINE_SOURCE_COUNT
};

struct sp_deadline {
	struct sp_id id;
	struct sp_id case_id;
	char jurisdiction[SP_DEADLINE_NAME_MAX]; /* the file's id and version */
	char jurisdiction_version[SP_DEADLINE_NAME_MAX];
	char rule[SP_DEADLINE_NAME_MAX];
	bool minimum;	  /* a minimum period; else a target */
	bool trafficking; /* class trafficking; else stat */
	char trigger[SP_DEADLINE_NAME_MAX];
	int64_t trigger_us;
	bool has_due;	  /* false: open-ended, or problem says why there is no instant */
	int64_t due_us;
	char problem[SP_DEADLINE_PROBLEM_MAX]; /* "" when none */
	enum sp_deadline_status status;
	char closed_by[SP_DEADLINE_NAME_MAX];  /* the event, or "person"; "" while open */
	int64_t closed_us;
	enum sp_deadline_source source;
	struct sp_id source_id; /* the decision or screening; zero for an event by hand */
	struct sp_id created_by;
	int64_t created_us;
	int64_t updated_us;
	int64_t version;
	char case_number[SP_CASE_NUMBER_MAX]; /* filled by the agency's list */
};

const char *sp_deadline_status_name(enum sp_deadline_status s);
const char *sp_deadline_source_name(enum sp_deadline_source s);

/* Inside an operation on a case (safepath/caseop.h) that has named its case; the policy is
 * asked for decision.write (class stat) on it. */
struct sp_caseop;
/* A new open deadline from in's jurisdiction, rule, kind, class, trigger, due and source; id,
 * case, status and times are set here. Audited "deadline.add". */
int sp_deadline_add_in(struct sp_caseop *op, const struct sp_deadline *in,
		       struct sp_deadline *out, struct sp_err *err) SP_MUST;
/* The case's open deadlines, oldest trigger first, in cw->arena. */
int sp_deadline_open_in(struct sp_caseop *op, struct sp_deadline **out, size_t *n,
			struct sp_err *err) SP_MUST;
/* Close open deadline d (at its version) as met, ended or lapsed by event `by` at `at`; d is
 * updated. Audited "deadline.update". */
int sp_deadline_close_in(struct sp_caseop *op, struct sp_deadline *d,
			 enum sp_deadline_status status, const char *by, int64_t at,
			 struct sp_err *err) SP_MUST;

/* The case's deadlines, oldest trigger first, in cw->arena: those of class trafficking only
 * when the policy lets the subject read that class on the case (*withheld counts the others).
 * One audit record. */
int sp_deadline_list(struct sp_casework *cw, const struct sp_id *case_id,
		     struct sp_deadline **out, size_t *n, size_t *withheld,
		     struct sp_err *err) SP_MUST;

/* The open deadlines on the cases of the subject's agency that the policy lets it read (with
 * their class), soonest due first (open-ended ones last), then id; with overdue_only, only
 * targets due before now. A page of at most max (and SP_DEADLINE_PAGE_MAX) after the deadline
 * `after` (NULL: from the start); *next the cursor for the next page, zero after the last.
 * Each row has its case number. One audit record names the page's deadlines. */
int sp_deadline_agency(struct sp_casework *cw, bool overdue_only, int64_t now,
		       const struct sp_id *after, struct sp_deadline *out, size_t max, size_t *n,
		       struct sp_id *next, struct sp_err *err) SP_MUST;

/* Mark an open target met by hand (closed_by "person"), at its version: SP_ECONFLICT when it
 * changed meanwhile or is not open, SP_EINVAL (field /status) for a minimum period. */
int sp_deadline_set_met(struct sp_casework *cw, const struct sp_id *id, int64_t version,
			struct sp_deadline *out, struct sp_err *err) SP_MUST;

/* How long an overdue target waits for its caseworker before it is escalated. */
#define SP_DEADLINE_ESCALATION_US (24 * INT64_C(3600000000))

/* Notify the open targets falling due in [since_us, now_us) as overdue (deadline.overdue):
 * to the case's caseworker, or to its agency's supervisors while nobody is assigned; and
 * escalate those still open SP_DEADLINE_ESCALATION_US after they fell due (the same window
 * that much earlier) to the agency's focal points and supervisors. The
 * system's work (no subject, no audit: a notification holds ids only), by batches each read
 * first and written in a transaction of its own only when it found something; *added counts
 * the new notices committed.
 * Each deadline is notified and escalated once whatever the window (the dedupe keys), so
 * a sweep may overlap the last one: the server's sweeps the window since its previous sweep,
 * from 0 at start; `safepath notifications deliver` from 0. *added counts new notices. */
int sp_deadline_notify_overdue(struct sp_store *s, int64_t since_us, int64_t now_us,
			       size_t *added, struct sp_err *err) SP_MUST;

/* The stored fields: {"id", "case_id", "case_number" (lists), "jurisdiction": {"id",
 * "version"}, "rule", "kind", "class", "trigger", "trigger_at", "due_at" (null: none),
 * "problem", "status", "closed_by", "closed_at", "source", "source_id", "created_by",
 * "created_at", "updated_at", "version"}. */
json_t *sp_deadline_encode(const struct sp_deadline *d);

/* What a deadline as people read it adds to the stored fields (sp_deadline_view_write). */
struct sp_deadline_reading {
	const char *title, *state;
	const char *text, *tag, *due_local, *time_zone; /* NULL: null */
	bool overdue;
	bool has_days_left; /* working_days_left, else null */
	int days_left;
};

/* sp_deadline_encode's object for streamed responses (it is that object read back), with the
 * reading's members among the stored ones when `reading` is not NULL. */
struct sp_jsonw;
void sp_deadline_write(struct sp_jsonw *w, const struct sp_deadline *d,
		       const struct sp_deadline_reading *reading);

#endif
