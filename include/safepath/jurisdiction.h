/* Jurisdictions: the deadlines, working-day calendars, public holidays, time zone and decision
 * configuration of one legal system, read from JSON files (config/jurisdictions/ID.json compiled
 * into the program, overridden or added from a folder), and the deadline arithmetic over them.
 * Every rule is data with its source and a confidence tag; nothing here is a C constant.
 * See docs/jurisdictions.md for the file format and what each computation means. */
#ifndef SAFEPATH_JURISDICTION_H
#define SAFEPATH_JURISDICTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/err.h"

enum sp_jur_status { SP_JUR_REFERENCE, SP_JUR_PROVISIONAL, SP_JUR_LOCAL, SP_JUR_STATUS_COUNT };

/* What starts a deadline. */
enum sp_jur_event {
	SP_EVENT_REFERRAL,	 /* referred to the identification mechanism (e.g. the UK NRM) */
	SP_EVENT_IDENTIFICATION, /* first identified as a possible victim */
	SP_EVENT_RG_POSITIVE,	 /* positive reasonable-grounds decision */
	SP_EVENT_RG_NEGATIVE,
	SP_EVENT_CG_POSITIVE,	 /* positive conclusive-grounds decision */
	SP_EVENT_CG_NEGATIVE,
	SP_EVENT_CG_DECISION,	 /* any conclusive-grounds decision (ends open periods) */
	SP_EVENT_CHILD_PRESUMED, /* age unknown or disputed, reasons to believe under 18 */
	SP_EVENT_AGE_ADULT,	 /* an age-assessment decision finds an adult */
	SP_EVENT_COUNT
};

enum sp_jur_unit {
	SP_UNIT_IMMEDIATELY,   /* due at the trigger instant */
	SP_UNIT_HOURS,	       /* elapsed hours */
	SP_UNIT_CALENDAR_DAYS, /* local days in the jurisdiction's time zone */
	SP_UNIT_WORKING_DAYS,  /* local working days: working weekdays that are not holidays */
	SP_UNIT_UNTIL_EVENT,   /* open: lasts until the rule's `until` event, no instant */
	SP_UNIT_COUNT
};

enum sp_jur_kind {
	SP_KIND_TARGET,	 /* something is due by then: a decision, the start of assistance */
	SP_KIND_MINIMUM, /* a protected period lasts at least until then ("not before") */
	SP_KIND_COUNT
};

enum sp_decision_type {
	SP_DECISION_AGE_ASSESSMENT,
	SP_DECISION_REASONABLE_GROUNDS,
	SP_DECISION_CONCLUSIVE_GROUNDS,
	SP_DECISION_BEST_INTERESTS,
	SP_DECISION_TYPE_COUNT
};

/* Names as the files spell them ("rg_positive", "working_days", "minimum", "best_interests",
 * "provisional"); "?" when out of range, never NULL. The parsers return SP_EINVAL for an unknown
 * name. */
const char *sp_jur_status_name(enum sp_jur_status s);
const char *sp_jur_event_name(enum sp_jur_event e);
const char *sp_jur_unit_name(enum sp_jur_unit u);
const char *sp_jur_kind_name(enum sp_jur_kind k);
const char *sp_decision_type_name(enum sp_decision_type t);
int sp_jur_event_parse(const char *name, enum sp_jur_event *out) SP_MUST;
int sp_decision_type_parse(const char *name, enum sp_decision_type *out) SP_MUST;

/* Texts by language: a JSON object {"en": "...", "fr": "..."} kept from the file. */
struct sp_jur_rule {
	const char *id;
	enum sp_jur_event trigger;
	enum sp_jur_unit unit;
	enum sp_jur_kind kind;
	int amount;		/* hours or days; 0 for immediately and until_event */
	enum sp_jur_event until; /* until_event only */
	unsigned met_by;	 /* targets: events (1u << sp_jur_event) that meet it; 0 none */
	unsigned lapses_on;	 /* events after which the rule no longer applies; 0 none */
	const char *source;
	char tag;		/* 'P' from the instrument, 'S' secondary source, 'U' unconfirmed */
	const json_t *title;	/* borrowed from the jurisdiction */
	const json_t *text;
};

/* Who may record a decision of one type: roles and agency kinds as bit masks of sp_role and
 * 1u << sp_agency_kind (safepath/policy.h); agency_kinds 0 means any agency. */
struct sp_jur_decision {
	bool present; /* false: the jurisdiction has no such decision */
	unsigned roles;
	unsigned agency_kinds;
	const char *source;
	char tag;
};

/* How long records are kept after their closure (the `retention` member; docs/retention.md),
 * by record type: "case" is the closed case's person, notes, consents, needs' and tasks'
 * texts, screenings and decisions' grounds; "tracing_request" a closed family tracing
 * request with its matches. */
enum sp_jur_record { SP_JUR_RECORD_CASE, SP_JUR_RECORD_TRACING_REQUEST, SP_JUR_RECORD_COUNT };
const char *sp_jur_record_name(enum sp_jur_record r);
struct sp_jur_retention {
	bool present;  /* false: the file sets no period for this record type */
	int months;    /* a period in years is 12 times as many months */
	const char *source;
	char tag;
};
/* A referral's urgency (the "priorities" codes of protocols/codes.json) and its two due
 * steps: acknowledging it once sent, answering it (accept or decline) once acknowledged. */
enum sp_jur_urgency {
	SP_URGENCY_ROUTINE,
	SP_URGENCY_SOON,
	SP_URGENCY_URGENT,
	SP_URGENCY_IMMEDIATE,
	SP_URGENCY_COUNT
};
enum sp_jur_ref_step { SP_REF_STEP_ACKNOWLEDGE, SP_REF_STEP_RESPOND, SP_REF_STEP_COUNT };
const char *sp_jur_urgency_name(enum sp_jur_urgency u); /* "?" when out of range */
int sp_jur_urgency_parse(const char *name) SP_MUST;     /* -1 for an unknown name */

/* Acting without consent (the "consent" member; docs/jurisdictions.md): the legal bases on
 * which a referral may be sent without the consent, once a supervisor approved it. A child
 * referred without consent; an adult who refuses reported through an anonymous duty to
 * notify, sent to a service of kind `authority` (protocols/codes.json "services"). */
enum sp_jur_basis { SP_JUR_BASIS_CHILD, SP_JUR_BASIS_DUTY_TO_NOTIFY, SP_JUR_BASIS_COUNT };
const char *sp_jur_basis_name(enum sp_jur_basis b); /* child_without_consent, duty_to_notify */
int sp_jur_basis_parse(const char *name) SP_MUST;    /* -1 for an unknown name */
struct sp_jur_consent_basis {
	bool present;         /* false: the jurisdiction gives no such basis */
	const json_t *basis;  /* texts by language: what the law allows, and on what terms */
	const char *source;
	char tag;
	const char *authority; /* duty_to_notify: the services kind; NULL otherwise */
};

struct sp_jurisdiction {
	const char *id, *version, *source, *time_zone;
	enum sp_jur_status status;
	const json_t *title;		  /* by language */
	const json_t *notes;		  /* by language, NULL if none */
	unsigned working_week;		  /* bit 0 Monday .. bit 6 Sunday */
	int holiday_from, holiday_to;	  /* years the holiday list covers; 0, 0 when none */
	const char *holidays_source;
	char holidays_tag;
	int32_t *holidays;		  /* sorted days since 1970-01-01 */
	size_t n_holidays;
	struct sp_jur_rule *rules;
	size_t n_rules;
	struct sp_jur_decision decisions[SP_DECISION_TYPE_COUNT];
	struct sp_jur_retention retention[SP_JUR_RECORD_COUNT];
	/* The times to acknowledge and to answer a referral, per urgency: targets in hours,
	 * calendar days or working days (the "referrals" member; has_referrals false without
	 * it, and referrals then have no due dates). */
	bool has_referrals;
	struct sp_jur_rule referral_due[SP_URGENCY_COUNT][SP_REF_STEP_COUNT];
	struct sp_jur_consent_basis consent[SP_JUR_BASIS_COUNT];
	const json_t *consent_notes;	  /* texts: why there is no basis, or its limits; NULL */
	json_t *doc;			  /* owns every string above */
};

/* Parse and validate one file of len bytes. On failure *out is NULL and err holds the first
 * error: its JSON pointer in err->field ("" for the document, with "line L column C" in the
 * message for a syntax error) and the reason. */
int sp_jurisdiction_parse(const char *text, size_t len, struct sp_jurisdiction **out,
			  struct sp_err *err) SP_MUST;
/* Validate and report every error found (at most cap, *n_errs how many were filled; more
 * errors than cap are counted in *n_errs up to cap only). Returns 0 when the file is valid. */
int sp_jurisdiction_check(const char *text, size_t len, struct sp_err *errs, size_t cap,
			  size_t *n_errs) SP_MUST;
/* The same for a file (at most 1 MiB): SP_EIO or SP_ETOOBIG, with that one error, when it cannot
 * be read. */
int sp_jurisdiction_check_file(const char *file, struct sp_err *errs, size_t cap, size_t *n_errs)
	SP_MUST;
void sp_jurisdiction_free(struct sp_jurisdiction *j);

/* The text in lang from a texts object, falling back to English; NULL when neither is there. */
const char *sp_jur_text(const json_t *texts, const char *lang);
const struct sp_jur_rule *sp_jurisdiction_rule(const struct sp_jurisdiction *j, const char *id);
/* May a user with these roles in an agency of this kind (sp_agency_kind) record a decision of
 * type t here? False when the jurisdiction has no such decision. */
bool sp_jurisdiction_may_decide(const struct sp_jurisdiction *j, enum sp_decision_type t,
				unsigned roles, int agency_kind);

/* The shipped jurisdictions and those of a folder, by id. */
struct sp_jurisdictions {
	struct sp_jurisdiction **items; /* sorted by id */
	size_t n;
};

/* Load every embedded config/jurisdictions/ID.json, then every ID.json of dir (NULL or a
 * missing folder: none), where a file with a shipped id replaces the shipped one. A file's name
 * must be its id plus ".json"; any invalid file fails the whole load with err naming the file
 * in its message and the JSON pointer in err->field. */
int sp_jurisdictions_load(const char *dir, struct sp_jurisdictions *out, struct sp_err *err)
	SP_MUST;
void sp_jurisdictions_free(struct sp_jurisdictions *set);
const struct sp_jurisdiction *sp_jurisdictions_find(const struct sp_jurisdictions *set,
						    const char *id);

/* ---- Deadline arithmetic (pure and deterministic; ICU for the time zone) ---- */

/* The due instant of an open rule (until_event): it has none. */
#define SP_DUE_OPEN INT64_MAX

/* The instant (UTC microseconds since the epoch) rule r of jurisdiction j falls due when its
 * trigger happened at `trigger`:
 *   immediately      the trigger itself;
 *   hours            trigger + N elapsed hours;
 *   calendar days    a target: the end of the local day N days after the trigger's local date;
 *                    a minimum: the same local wall time N local days later (DST kept);
 *   working days     the end of the Nth working day after the trigger's local date (the trigger
 *                    day itself never counts), for both kinds;
 *   until_event      SP_DUE_OPEN.
 * "End of the local day" is the last microsecond of that date in the jurisdiction's zone (the
 * next local day's first instant minus 1 µs). Working days fail with SP_EINVAL and err->reason
 * "holidays_not_covered" when a day they count lies outside the holiday list's years. */
int sp_deadline_due(const struct sp_jurisdiction *j, const struct sp_jur_rule *r, int64_t trigger,
		    int64_t *due, struct sp_err *err) SP_MUST;

/* When a referral of urgency u is due for step, the step's clock starting at `trigger` (sent
 * for the acknowledgement, acknowledged for the answer): sp_deadline_due over the file's
 * "referrals" rule. SP_ENOTFOUND when the jurisdiction has no "referrals" member. */
int sp_jurisdiction_referral_due(const struct sp_jurisdiction *j, enum sp_jur_urgency u,
				 enum sp_jur_ref_step step, int64_t trigger, int64_t *due,
				 struct sp_err *err) SP_MUST;

/* A target is overdue at `now` once now > due; a minimum period and an open rule never are. */
bool sp_deadline_overdue(const struct sp_jur_rule *r, int64_t due, int64_t now);

/* Working days from the local date of `now` to that of `due`: how many working days lie after
 * today up to and including the due date (0 when due today; negative, counted the same way
 * backwards, when the due date is past). Refused like sp_deadline_due outside the holiday years. */
int sp_deadline_working_days_left(const struct sp_jurisdiction *j, int64_t now, int64_t due,
				  int *out, struct sp_err *err) SP_MUST;

/* Is a local date (days since 1970-01-01) a working day: a working weekday and no holiday?
 * SP_EINVAL ("holidays_not_covered") outside the holiday years. */
int sp_jurisdiction_is_working_day(const struct sp_jurisdiction *j, int32_t day, bool *out,
				   struct sp_err *err) SP_MUST;

/* An instant as RFC 3339 local time with its offset in j's zone: "2026-04-07T23:59:59.999999+01:00"
 * (microseconds shown only when not zero). */
#define SP_JUR_TIME_SIZE 40
int sp_jurisdiction_format_time(const struct sp_jurisdiction *j, int64_t t,
				char out[SP_JUR_TIME_SIZE], struct sp_err *err) SP_MUST;

#endif
