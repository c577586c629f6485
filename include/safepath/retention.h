/* Retention (docs/retention.md): legal holds on cases while proceedings are open, and the run
 * that anonymises closed cases past their retention period: the person's key destroyed
 * (crypto-shredding, so no backup brings the data back), their index rows gone, the case
 * flagged anonymised with its statistics columns kept and the audit trail intact.
 *
 * Closed family tracing requests past their own period are erased by the same run.
 *
 * The periods come from the jurisdiction file's `retention` member (safepath/jurisdiction.h);
 * casework does not read jurisdictions, so the caller passes them in months. */
#ifndef SAFEPATH_RETENTION_H
#define SAFEPATH_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/case.h"

/* Why a case is held: codes, never free text (they go into the audit trail as they are). */
enum sp_hold_reason {
	SP_HOLD_CRIMINAL_PROCEEDINGS, /* a prosecution or criminal investigation */
	SP_HOLD_CIVIL_PROCEEDINGS,    /* a claim for compensation, an employment tribunal */
	SP_HOLD_IMMIGRATION_PROCEEDINGS, /* an asylum or immigration appeal, judicial review */
	SP_HOLD_IDENTIFICATION_REVIEW,   /* a reconsideration of a grounds decision */
	SP_HOLD_COMPLAINT,            /* a complaint or inquiry about the case's handling */
	SP_HOLD_REASON_COUNT
};
const char *sp_hold_reason_name(enum sp_hold_reason r); /* NULL when out of range */
int sp_hold_reason_parse(const char *s) SP_MUST;         /* -1 when unknown */

/* Put the case on legal hold (a supervisor of the owning agency; SP_EDENIED for others), with
 * its reason: a legal_holds row, the case's legal_hold flag (its version steps on) and a
 * case.legal_hold audit record whose reason is the code, in one transaction. SP_ECONFLICT when
 * the case is on hold already or was anonymised. out (may be NULL) gets the case after. */
int sp_legal_hold_set(struct sp_casework *cw, const struct sp_id *case_id,
		      enum sp_hold_reason reason, struct sp_case *out, struct sp_err *err) SP_MUST;
/* Lift the case's hold (a supervisor; case.legal_hold_lift audited); SP_ECONFLICT when none. */
int sp_legal_hold_lift(struct sp_casework *cw, const struct sp_id *case_id, struct sp_case *out,
		       struct sp_err *err) SP_MUST;

/* ---- the run ---- */

/* The due instant of a case closed at closed_us under a period of months: the same time of day
 * on the same day of the month, months later in UTC (the 29th to 31st of a shorter month fall
 * on its last day). */
int64_t sp_retention_due(int64_t closed_us, int months);

enum sp_retention_action {
	SP_RETENTION_ANONYMISED,     /* done now */
	SP_RETENTION_WOULD_ANONYMISE, /* dry run */
	SP_RETENTION_HELD,           /* past its period but on legal hold: kept */
	SP_RETENTION_FINISHED,       /* anonymised by an earlier run that failed before the
				      * person's key was destroyed: destroyed now */
	SP_RETENTION_ERASED,         /* a closed tracing request past its period: erased now */
	SP_RETENTION_WOULD_ERASE,    /* such a request, in a dry run */
	SP_RETENTION_ACTION_COUNT
};
const char *sp_retention_action_name(enum sp_retention_action a);

struct sp_retention_item {
	struct sp_id case_id;
	char number[SP_CASE_NUMBER_MAX];
	int64_t closed_us;                   /* 0 for SP_RETENTION_FINISHED */
	int64_t due_us;                      /* 0 for SP_RETENTION_FINISHED */
	enum sp_retention_action action;
	bool request;                        /* a tracing request: request_id, no case */
	struct sp_id request_id;
};

struct sp_retention_run {
	int months;                          /* the period after closure, 1..1200 */
	int tracing_months;                  /* a closed tracing request's, 1..1200; 0: none */
	int64_t now_us;                      /* the clock (tests, back-dated checks) */
	bool dry_run;                        /* find and report, change nothing */
	/* Hears each case considered, after its action (may be NULL); a non-zero return stops
	 * the run and is returned. */
	int (*each)(void *ctx, const struct sp_retention_item *item);
	/* Hears the progress: cases looked at of at most total (may be NULL). */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *ctx;
};

struct sp_retention_report {
	size_t anonymised;                   /* or would be, in a dry run */
	size_t held;
	size_t finished;
	size_t requests;                     /* tracing requests erased, or that would be */
};

/* Anonymise every closed case whose closure plus the period has passed by now_us: the DPO
 * (every agency) or a supervisor (its own agency's cases), asked once as retention.run. Each
 * case is its own transaction: its index rows deleted, the anonymised flag set, an
 * anonymisations row and one retention.anonymise audit record (reason: the period, "P60M");
 * then its person's key is destroyed (and dropped from the key store's backups) and the row
 * marked shredded. Cases on legal hold are reported and kept. A run that fails half-way leaves
 * every case either untouched or anonymised; running it again finishes the shredding of the
 * latter and goes on. Then, with tracing_months, every closed tracing request of the same
 * scope past that period is erased: its own key destroyed (its details shredded), its
 * matches and its row deleted, one tracing.erase record (reason: the period). A dry run reads
 * the same cases and requests and changes nothing. */
int sp_retention_run(struct sp_casework *cw, const struct sp_retention_run *in,
		     struct sp_retention_report *out, struct sp_err *err) SP_MUST;

#endif
