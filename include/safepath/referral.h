/* The referral state machine (DESIGN.md §5, docs/referrals.md): draft -> sent -> acknowledged
 * -> accepted | declined (reason) -> in_progress -> completed -> closed, or cancelled and
 * expired, as one table of state x event -> state with the side and the roles that may fire
 * each event. Pure: no store, no clock, no allocation. Whether the user is the case's assigned
 * staff, or of the provider's agency, is the caller's question: it names the side. */
#ifndef SAFEPATH_REFERRAL_H
#define SAFEPATH_REFERRAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/arena.h"
#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/policy.h"
#include "safepath/protocol.h"

enum sp_referral_status {
	SP_REF_DRAFT,
	SP_REF_SENT,
	SP_REF_ACKNOWLEDGED,
	SP_REF_ACCEPTED,
	SP_REF_DECLINED,
	SP_REF_IN_PROGRESS,
	SP_REF_COMPLETED,
	SP_REF_CLOSED,
	SP_REF_CANCELLED,
	SP_REF_EXPIRED,
	SP_REF_STATUS_COUNT
};

enum sp_referral_event {
	SP_REF_SEND,
	SP_REF_ACKNOWLEDGE,
	SP_REF_ACCEPT,
	SP_REF_DECLINE,
	SP_REF_START,
	SP_REF_COMPLETE,
	SP_REF_CLOSE,
	SP_REF_CANCEL,
	SP_REF_EXPIRE,
	SP_REF_EVENT_COUNT
};

/* Who fires an event: the referring side (the case's assigned caseworker, identifier or focal
 * point, or a supervisor of the owning agency), the receiving provider (a user of the
 * provider's agency), or the system (expiry at the due date; it holds no role). */
enum sp_referral_side {
	SP_REFERRAL_SENDER,
	SP_REFERRAL_RECEIVER,
	SP_REFERRAL_SYSTEM,
	SP_REFERRAL_SIDE_COUNT
};

/* The roles within a side that may act for it (enum sp_role bits); 0 for the system. */
#define SP_REFERRAL_SENDER_ROLES                                                              \
	((unsigned)(SP_ROLE_CASEWORKER | SP_ROLE_IDENTIFIER | SP_ROLE_FOCAL_POINT |           \
		    SP_ROLE_SUPERVISOR))
#define SP_REFERRAL_RECEIVER_ROLES ((unsigned)(SP_ROLE_PROVIDER | SP_ROLE_FOCAL_POINT))

/* Names ("in_progress", "acknowledge", "receiver"): NULL out of range; the parsers give the
 * value, or -1 for a name they do not know. */
const char *sp_referral_status_name(enum sp_referral_status s);
int sp_referral_status_parse(const char *s) SP_MUST;
const char *sp_referral_event_name(enum sp_referral_event e);
int sp_referral_event_parse(const char *s) SP_MUST;
const char *sp_referral_side_name(enum sp_referral_side s);
int sp_referral_side_parse(const char *s) SP_MUST;

/* The list of protocols/codes.json a decline's reason comes from. */
#define SP_REFERRAL_DECLINE_REASONS "decline_reasons"

/* Fire event on a referral in state from, by side holding roles (enum sp_role bits; 0 for the
 * system). reason: a decline's reason code, checked against vocabulary's "decline_reasons"
 * (borrowed; NULL refuses every code); NULL for every other event. In this order:
 * - SP_EINVAL on "/status", "/event" or "/side" for a value out of range;
 * - SP_EDENIED when the side, or none of its roles, may fire the event, saying who may
 *   ("only the receiving provider or its focal point may accept a referral"); the system
 *   holds no role, and no user acts as the system;
 * - SP_ECONFLICT on "/event" when the table has no such move from that state
 *   ("a referral cannot be accepted from draft");
 * - SP_EINVAL on "/reason": a decline without a reason or with one not in the list, or a
 *   reason given to another event.
 * Otherwise SP_OK with the next state in *to (left alone on an error). */
int sp_referral_fire(enum sp_referral_status from, enum sp_referral_event event,
		     enum sp_referral_side side, unsigned roles, const char *reason,
		     const struct sp_vocabulary *vocabulary, enum sp_referral_status *to,
		     struct sp_err *err) SP_MUST __attribute__((nonnull(7)));

/* No event leads out of it: declined, closed, cancelled, expired. */
bool sp_referral_terminal(enum sp_referral_status s);

/* What the receiving provider may see of the case in state s (the policy's enum
 * sp_referral_state): nothing of a draft, nor once declined, closed, cancelled or expired; the
 * referral's summary while sent or acknowledged; its shared profile once accepted, in
 * progress or completed. Out of range: none. */
enum sp_referral_state sp_referral_provider_access(enum sp_referral_status s);

/* ---- referral types as data (config/referrals.json, src/refer/reftypes.c) ---- */

/* The person fields a referral may share once accepted, each of one policy class: names,
 * date_of_birth, nationalities, contacts and documents are identity; sex and languages are
 * the referral summary's own class. */
enum sp_referral_field {
	SP_RF_NAMES,
	SP_RF_DATE_OF_BIRTH,
	SP_RF_SEX,
	SP_RF_LANGUAGES,
	SP_RF_NATIONALITIES,
	SP_RF_CONTACTS,
	SP_RF_DOCUMENTS,
	SP_RF_COUNT
};
const char *sp_referral_field_name(enum sp_referral_field f); /* NULL out of range */
int sp_referral_field_parse(const char *s) SP_MUST;            /* -1 for an unknown name */
/* The policy classes (SP_FIELD bits) of a set of fields (1u << enum sp_referral_field). */
unsigned sp_referral_field_classes(unsigned fields);

#define SP_REFERRAL_KINDS_MAX 8

/* One type: its id, the services kinds (protocols/codes.json) it covers — the id itself when
 * the file names none —, its titles and the fields it shares. */
struct sp_referral_type {
	const char *id;
	const char *kinds[SP_REFERRAL_KINDS_MAX];
	size_t n_kinds;
	const char *title_en, *title_fr;
	unsigned shares; /* 1u << enum sp_referral_field */
};

struct sp_referral_types {
	const char *id, *version, *source, *status;
	struct sp_referral_type *types;
	size_t n;
	struct sp_arena arena; /* owns every string */
};

/* Parse and check a types file: every error in diag with its JSON pointer, SP_EINVAL then
 * (*out NULL). vocab checks the kinds ("services"); a kind in two types is an error. */
int sp_referral_types_parse(const char *text, size_t len, const struct sp_vocabulary *vocab,
			    struct sp_referral_types **out, struct sp_diag *diag) SP_MUST;
/* The shipped config/referrals.json; err names the first error. */
int sp_referral_types_shipped(const struct sp_vocabulary *vocab, struct sp_referral_types **out,
			      struct sp_err *err) SP_MUST;
void sp_referral_types_free(struct sp_referral_types *t);
const struct sp_referral_type *sp_referral_type_find(const struct sp_referral_types *t,
						     const char *id);
/* The type that covers a services kind; NULL when none does. */
const struct sp_referral_type *sp_referral_type_of_kind(const struct sp_referral_types *t,
							const char *kind);

/* ---- referrals of a case (the referrals and referral_events tables, src/refer/referral.c) ----
 *
 * A referral sends one need of a case to one service, as a draft first. The sending side —
 * a user of the case's owning agency whom the policy lets write referrals on the case
 * (referral.write: the case's assigned identifier, caseworker or focal point, or a supervisor
 * of the agency) — creates, sends, cancels and closes it; the receiving provider — a user of
 * the service's organisation's agency, through the case's referral to that agency (policy
 * rule 5, referral.respond) — acknowledges, accepts or declines, starts and completes it;
 * expiry is the system's. Every transition is asked of sp_referral_fire first, then written
 * with its referral_events row, its audit record, what the case shares with the provider
 * (sp_caseop_share) and the need it serves, in one transaction. */

#define SP_REFERRAL_CODE_MAX 64       /* a type, urgency, reason, outcome or source code */
#define SP_REFERRAL_PROFILE_MAX 128   /* the profile's field names, comma-separated */
#define SP_REFERRAL_FEEDBACK_MAX 4000 /* bytes of the provider's feedback */

/* Where an incoming referral came from (issue 6, item 7). */
const char *sp_referral_source_name(int source); /* NULL out of range */
int sp_referral_source_parse(const char *s) SP_MUST; /* hotline, organisation, self, other */

/* How the reader sees a referral: as its sending side, or as the receiving provider. */
enum sp_referral_view { SP_REFERRAL_VIEW_SENDER, SP_REFERRAL_VIEW_RECEIVER };

struct sp_referral_event_row {
	struct sp_id id;
	enum sp_referral_event event;
	enum sp_referral_status from, to;
	enum sp_referral_side side;
	bool manual;          /* the sending side recorded a provider's answer by hand */
	struct sp_id actor;   /* zero for the system */
	struct sp_id agency;  /* zero for the system */
	int64_t at_us;
	char reason[SP_REFERRAL_CODE_MAX]; /* a decline's reason, "" otherwise */
};

struct sp_case_referral {
	struct sp_id id, case_id, agency, created_by;
	struct sp_id need;            /* zero: none */
	struct sp_id service;         /* zero: none chosen */
	struct sp_id organization;    /* the service's organisation; zero without a service */
	struct sp_id provider_agency; /* zero: a provider not on safepath */
	char type[SP_REFERRAL_CODE_MAX];
	char urgency[SP_REFERRAL_CODE_MAX];
	enum sp_referral_status status;
	char profile[SP_REFERRAL_PROFILE_MAX]; /* shared field names, fixed at creation */
	unsigned shares;                       /* the same as 1u << enum sp_referral_field */
	char reason[SP_REFERRAL_CODE_MAX];     /* a decline's reason code, "" otherwise */
	char outcome[SP_REFERRAL_CODE_MAX];    /* a completion's outcome code, "" otherwise */
	char source[SP_REFERRAL_CODE_MAX];     /* an incoming referral's source, "" otherwise */
	/* The legal basis its sender named to send it without consent (sp_jur_basis_name), with
	 * the jurisdiction file's id and version; "" while none was named. */
	char legal_basis[SP_REFERRAL_CODE_MAX];
	char basis_jurisdiction[SP_REFERRAL_CODE_MAX];
	char basis_version[SP_REFERRAL_CODE_MAX];
	int64_t due_us;                        /* 0: nothing due */
	int64_t created_us, updated_us, version;
	enum sp_referral_view view;
	/* what the reader may see, opened into cw->arena */
	bool has_summary;                      /* need, urgency, age band, sex, language */
	char need_kind[SP_REFERRAL_CODE_MAX];  /* "" when the referral serves no need */
	char age_band[16], sex[16], language[SP_CODE_MAX];
	const char *feedback;                  /* the provider's, NULL when none or withheld */
	bool shows_profile;                    /* the provider's view: the profile's fields */
	bool has_person;                       /* the person read for them */
	struct sp_person person;
	struct sp_referral_event_row *events;  /* oldest first (get only) */
	size_t n_events;
};

/* A draft: for need (a need of the case) or, in one step, for the suggestion-th referral
 * suggestion of a completed screening of the case (its need, its kind's type); to service, or
 * none yet; of type (a referral type id: the service's kind's type when NULL), with urgency (a
 * "priorities" code; routine when NULL). */
struct sp_referral_new {
	const struct sp_id *need;
	const struct sp_id *service;
	const char *type;
	const char *urgency;
	const struct sp_id *screening;
	int suggestion;
};

/* What happens to a referral: the event's name, a decline's reason, a completion's outcome
 * code and feedback text (sealed), and manual for the sending side recording the answer of
 * a provider not on safepath. version must be the stored one (SP_ECONFLICT on "/version"). */
struct sp_referral_change {
	int64_t version;
	const char *event;
	const char *reason;
	const char *outcome;
	const char *feedback;
	bool manual;
};

/* Create a draft (referral.write on the case): SP_EINVAL naming "/need", "/service",
 * "/type", "/urgency", "/screening_id" or "/suggestion" for what does not fit; the audit
 * record referral.create, the idempotency key recorded. */
int sp_referral_create(struct sp_casework *cw, const struct sp_referral_types *types,
		       const struct sp_id *case_id, const struct sp_referral_new *in,
		       struct sp_case_referral *out, struct sp_err *err) SP_MUST;
struct sp_jurisdiction;
/* An incoming referral (issue 6, item 7): from a hotline, another organisation, or the person
 * themself (source: hotline, organisation, self, other). Registers the case (its person sealed
 * and indexed, assigned to the subject, as sp_case_open), its need (a "needs" code) and the
 * referral as received — accepted by the subject's agency, of type "incoming", with its source
 * and urgency, sharing nothing — in one transaction, audited case.create, need.add and
 * referral.incoming. The agency moves it on by hand (manual start and complete) and closes it.
 * SP_EINVAL naming "/source", "/need" or "/urgency". */
struct sp_referral_incoming {
	const struct sp_person *person;
	unsigned flags; /* enum sp_case_flag */
	const char *source;
	const char *need;
	const char *urgency;
};
int sp_referral_incoming(struct sp_casework *cw, const struct sp_referral_incoming *in,
			 struct sp_case *case_out, struct sp_case_referral *out,
			 struct sp_err *err) SP_MUST;
/* The referral type of an anonymous duty-to-notify report: it shares no person field, and
 * its receiving side (and its printable form) sees neither the case's nor the need's id, nor
 * the person's language: only the need, urgency, age band and sex, the sending agency and
 * the referral's own workflow. */
#define SP_REFERRAL_TYPE_DUTY_TO_NOTIFY "duty_to_notify"

/* Ask to send a draft without the consent (docs/referrals.md#acting-without-consent): basis
 * names one of j's "consent" bases — child_without_consent for a child, duty_to_notify for an
 * adult, on a referral of type duty_to_notify only. Records the basis with j's id and version
 * on the referral and files a consent_override approval about it for the owning agency's
 * supervisors (four eyes), in one transaction audited referral.override and
 * approval.request. SP_EINVAL on "/basis" for an unknown basis or one that does not fit the
 * person or the type, SP_ECONFLICT on "/basis" when j gives no such basis, on "/status" for a
 * referral no longer a draft, on "/version" for a stale version; an override already waiting
 * is SP_ECONFLICT. */
struct sp_referral_override {
	int64_t version;
	const char *basis;
	const char *note; /* sealed with the approval; NULL: none */
};
struct sp_case_approval;
int sp_referral_override(struct sp_casework *cw, const struct sp_jurisdiction *j,
			 const struct sp_id *id, const struct sp_referral_override *in,
			 struct sp_case_referral *out, struct sp_case_approval *approval,
			 struct sp_err *err) SP_MUST;
/* Fire a change's event as the subject's side. Sending checks the consent: the newest
 * "referral" consent scoped to the provider's agency (a provider not on safepath: the newest
 * "services" consent) must be given, and for a child (the case's unaccompanied or separated
 * flag, the current age assessment, or a date of birth under 18) given by a guardian or
 * representative with the child's assent given or not able, who is not among the child's
 * people to avoid (sp_consent_giver_check_in: SP_ECONFLICT on "/given_by_name"): else
 * SP_ECONFLICT on "/consent" saying what is missing. A referral whose sender named a legal
 * basis (sp_referral_override) is sent without the consent once the supervisor approved it;
 * while the approval waits, or after a rejection, the send is SP_ECONFLICT on "/consent"
 * saying so. The due date of the acknowledgement (sent) or the answer
 * (acknowledged) comes from j's "referrals" member; none without it. */
int sp_referral_change(struct sp_casework *cw, const struct sp_jurisdiction *j,
		       const struct sp_id *id, const struct sp_referral_change *ch,
		       struct sp_case_referral *out, struct sp_err *err) SP_MUST;
/* One referral as the subject may see it, with its events: the sending side everything but
 * the person (feedback only with the notes class); the provider its summary before
 * accepting, the profile's fields after, nothing once it ended (SP_EDENIED no_referral). */
int sp_referral_get(struct sp_casework *cw, const struct sp_id *id, struct sp_case_referral *out,
		    struct sp_err *err) SP_MUST;
/* The printable referral for a provider not on safepath (the sending side only): the summary
 * and the profile's fields of the person, audited as referral.print. */
int sp_referral_print(struct sp_casework *cw, const struct sp_id *id, struct sp_case_referral *out,
		      struct sp_err *err) SP_MUST;
/* A case's referrals, newest first, without events or person (referral.read). */
int sp_referral_list(struct sp_casework *cw, const struct sp_id *case_id,
		     struct sp_case_referral **out, size_t *n, struct sp_err *err) SP_MUST;
/* The subject's inbox: incoming (to its agency as provider) or outgoing (from its agency),
 * status -1 for any, newest change first, at most limit; every row read through the
 * policy, the ones it refuses left out and counted in *withheld. */
enum sp_referral_box { SP_REFERRAL_INCOMING, SP_REFERRAL_OUTGOING };
int sp_referral_inbox(struct sp_casework *cw, enum sp_referral_box box, int status, size_t limit,
		      struct sp_case_referral **out, size_t *n, size_t *withheld,
		      struct sp_err *err) SP_MUST;
/* The subject's agency's referrals awaiting an answer (sent or acknowledged): *awaiting how
 * many (a count of the clear status column), and the first `limit` of them, soonest due
 * first (no due date last), read as sp_referral_inbox reads its rows (the ones the policy
 * refuses left out and counted in *withheld); one audit record naming those shown. A section
 * of the dashboard (sp_dashboard_read's `more`): inside the caller's open read operation when
 * there is one, its record made durable with the caller's (sp_caseop_begin_read_in). */
int sp_referral_awaiting(struct sp_casework *cw, size_t limit, size_t *awaiting,
			 struct sp_case_referral **out, size_t *n, size_t *withheld,
			 struct sp_err *err) SP_MUST;
/* Expire every sent or acknowledged referral of the subject's agency due before now_us (a
 * supervisor: SP_EDENIED for others), each in its own transaction as the system; *count how
 * many. */
int sp_referral_expire(struct sp_casework *cw, int64_t now_us, size_t *count,
		       struct sp_err *err) SP_MUST;
/* After a decline: the services that could take the same need instead (the service search
 * with the case's criteria, the declined service left out), a new JSON array. */
int sp_referral_next_services(struct sp_casework *cw, const struct sp_referral_types *types,
			      const struct sp_case_referral *r, json_t **out,
			      struct sp_err *err) SP_MUST;

/* The JSON form the API and --json share (docs/openapi.yaml Referral): the workflow, and the
 * summary, feedback, person and events as read. Defined once as the writer's form
 * (sp_referral_write, for streamed responses); the jansson value is that form read back. */
json_t *sp_referral_encode(const struct sp_case_referral *r);
struct sp_jsonw;
void sp_referral_write(struct sp_jsonw *w, const struct sp_case_referral *r);

/* Escalate every referral still unanswered (sent or acknowledged) whose due date fell in
 * [since_us, now_us) (the server's rounds, from 0 at start; an injected clock in tests): a
 * referral.overdue notification to the focal points and supervisors of the referring agency
 * and to the focal points of the receiving one, once per state it fell overdue in
 * (safepath/notification.h). Ids only, no policy question: the server's notifier thread runs
 * it, and `safepath notifications deliver`. *added: how many notifications were new. */
int sp_referral_escalate(struct sp_store *s, int64_t since_us, int64_t now_us, size_t *added,
			 struct sp_err *err) SP_MUST;

#endif
