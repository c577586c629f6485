/* Family tracing (issue 7 item 8; docs/tracing.md). A tracing officer of an agency (a family
 * links service, a caseworker) records a request for a relative looking for a child: who asks
 * (name, relationship, contact) and who is sought (names and nicknames, sex, date of birth or
 * age, place and date of separation, relatives' names). The request is sealed under a key of
 * its own in the key store, like a person's. It is matched against children's open cases
 * whose CURRENT consent for tracing is given, through the registry's probe of the person
 * matching model (blinded blocking keys; only the candidates' cells opened, in memory). A match is the child's
 * side's to review: the relationship verified, a best-interests assessment recorded, and only
 * then contact approved (or declined). The requester's side never learns the child's case,
 * agency, location or any field of it: only the request's status.
 *
 * Who may: the requester's side is tracing.request on the request's agency (caseworker, focal
 * point, supervisor; never an enforcement agency: the firewall); the child's side is the
 * decision audience of the child's case (decision.read to review, decision.write to verify,
 * assess and decide). Every step is one transaction with its policy check and audit record. */
#ifndef SAFEPATH_TRACING_H
#define SAFEPATH_TRACING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/person.h"

#define SP_TRACING_TEXT_MAX 200    /* bytes of a name, relationship, contact or place */
#define SP_TRACING_NOTE_MAX 2000   /* bytes of a note or grounds */
#define SP_TRACING_NAMES_MAX 8     /* names, nicknames or relatives */
#define SP_TRACING_MATCHES_MAX 20  /* matches kept per run */
#define SP_TRACING_EXPLAIN_MAX 512 /* bytes of a match's explanation */
/* The probability a possible match needs: far below the person model's own threshold (0.46),
 * because a request holds weak evidence at best (an age for a date, a relative's spelling,
 * no nationality) and a miss costs a family more than a verification costs the child's side;
 * docs/tracing.md says why, test_tracing_store.c's the_model_finds shows it. */
#define SP_TRACING_THRESHOLD 0.05

/* The request's status, as the requester's side sees it. */
enum sp_tracing_status {
	SP_TRACING_OPEN,             /* no match yet */
	SP_TRACING_POSSIBLE_MATCH,   /* a possible match waits for the child's side */
	SP_TRACING_VERIFYING,        /* the child's side is verifying it */
	SP_TRACING_CONTACT_APPROVED, /* the caring agency will arrange contact */
	SP_TRACING_CONTACT_DECLINED, /* the caring agency did not approve contact */
	SP_TRACING_CLOSED,
	SP_TRACING_STATUS_COUNT
};

/* A match's state, on the child's side. */
enum sp_match_state {
	SP_MATCH_PROPOSED,
	SP_MATCH_VERIFYING,        /* the relationship is confirmed; the assessment may follow */
	SP_MATCH_RULED_OUT,        /* not the child, or the relationship not confirmed */
	SP_MATCH_CONTACT_APPROVED,
	SP_MATCH_CONTACT_DECLINED,
	SP_MATCH_STATE_COUNT
};

/* What the child's side does to a match. */
enum sp_match_event {
	SP_MEV_VERIFY_CONFIRMED,
	SP_MEV_VERIFY_NOT_CONFIRMED,
	SP_MEV_ASSESS,
	SP_MEV_APPROVE,
	SP_MEV_DECLINE,
	SP_MEV_COUNT
};

/* How the relationship was verified. */
enum sp_verify_method {
	SP_VERIFY_DOCUMENTS,
	SP_VERIFY_QUESTIONS,   /* questions only the relative could answer, answered */
	SP_VERIFY_RECOGNISED,  /* the child recognised the relative (photo, voice) */
	SP_VERIFY_METHOD_COUNT
};

/* The best-interests assessment's outcome. */
enum sp_bia_outcome { SP_BIA_CONTACT, SP_BIA_NO_CONTACT, SP_BIA_OUTCOME_COUNT };

const char *sp_tracing_status_name(enum sp_tracing_status s);
int sp_tracing_status_parse(const char *s) SP_MUST;
const char *sp_match_state_name(enum sp_match_state s);
int sp_match_state_parse(const char *s) SP_MUST;
const char *sp_match_event_name(enum sp_match_event e);
const char *sp_verify_method_name(enum sp_verify_method m);
int sp_verify_method_parse(const char *s) SP_MUST;
const char *sp_bia_outcome_name(enum sp_bia_outcome o);
int sp_bia_outcome_parse(const char *s) SP_MUST;

/* The match state table: the state after event from state, or -1 when the event may not
 * happen there. Pure. */
int sp_match_next(enum sp_match_state from, enum sp_match_event ev);
/* The request's status from its matches' states (closed aside): approved beats verifying,
 * which beats proposed, which beats declined; none of them: open. Pure. */
enum sp_tracing_status sp_tracing_status_of(const enum sp_match_state *states, size_t n);

/* What the requester tells the tracing officer. All text in cw->arena (decoded) or borrowed. */
struct sp_tracing_details {
	const char *requester_name;         /* required */
	const char *requester_relationship; /* required: "mother", "uncle", free text */
	const char *requester_contact;      /* optional */
	const char *names[SP_TRACING_NAMES_MAX];      /* the child's names: at least one */
	size_t n_names;
	const char *nicknames[SP_TRACING_NAMES_MAX];
	size_t n_nicknames;
	enum sp_sex sex;                    /* SP_SEX_UNKNOWN when not known */
	bool has_birth;                     /* a date of birth ("YYYY", "YYYY-MM", "YYYY-MM-DD") */
	struct sp_date birth;               /* birth.estimated: "about" */
	int age;                            /* or an age in years told by the requester; -1 */
	const char *place_of_separation;    /* optional */
	bool has_separation;
	struct sp_date separation;          /* optional date of separation */
	const char *relatives[SP_TRACING_NAMES_MAX]; /* other relatives' names */
	size_t n_relatives;
	const char *note;                   /* optional */
};

/* Decode {"requester": {"name", "relationship", "contact"}, "child": {"names", "nicknames",
 * "sex", "date_of_birth", "birth_estimated", "age", "place_of_separation",
 * "date_of_separation", "relatives"}, "note"} with a JSON pointer and reason in err for each
 * bad member (the value never echoed). */
int sp_tracing_decode(json_t *j, struct sp_arena *a, struct sp_tracing_details *out,
		      struct sp_err *err) SP_MUST;
/* The same object back (what the requester's side and the child's reviewer read). */
json_t *sp_tracing_details_encode(const struct sp_tracing_details *d);

/* A request as the requester's side sees it: its status and its own details, nothing of any
 * child's case. */
struct sp_tracing_request {
	struct sp_id id;
	struct sp_id agency;
	struct sp_id created_by;
	enum sp_tracing_status status;
	int64_t created_us, updated_us, closed_us;
	bool has_details;                   /* details opened (not in lists) */
	struct sp_tracing_details details;
};

/* A match as the child's side sees it. */
struct sp_tracing_match {
	struct sp_id id;
	struct sp_id request_id;
	struct sp_id case_id;
	enum sp_match_state state;
	int score;                          /* the probability in percent */
	char explanation[SP_TRACING_EXPLAIN_MAX]; /* the model's levels in words, never a value */
	bool verified;                      /* a verification is recorded */
	enum sp_verify_method verify_method;
	bool verify_confirmed;
	struct sp_id verified_by;
	int64_t verified_us;
	const char *verify_note;            /* opened when reviewed; may be NULL */
	bool assessed;                      /* a best-interests assessment is recorded */
	enum sp_bia_outcome bia;
	struct sp_id assessed_by;
	int64_t assessed_us;
	const char *bia_grounds;            /* opened when reviewed */
	const char *decision_note;          /* approve or decline: opened when reviewed */
	struct sp_id decided_by;
	int64_t decided_us;
	int64_t created_us, updated_us;
	int64_t version;
};

/* Record a request for the subject's agency and match it at once: *out the request as its
 * side sees it (status open or possible match), *matched how many matches were proposed. */
int sp_tracing_create(struct sp_casework *cw, const struct sp_tracing_details *in,
		      struct sp_tracing_request *out, size_t *matched, struct sp_err *err) SP_MUST;
/* Match an open request again (consents given since, children registered since): new
 * matches are proposed, known ones kept. */
int sp_tracing_rematch(struct sp_casework *cw, const struct sp_id *id,
		       struct sp_tracing_request *out, size_t *matched, struct sp_err *err) SP_MUST;
/* The requester's side: one request with its details; the agency's requests (newest first,
 * without details); closing one. */
int sp_tracing_get(struct sp_casework *cw, const struct sp_id *id, struct sp_tracing_request *out,
		   struct sp_err *err) SP_MUST;
int sp_tracing_list(struct sp_casework *cw, struct sp_tracing_request **out, size_t *n,
		    struct sp_err *err) SP_MUST;
int sp_tracing_close(struct sp_casework *cw, const struct sp_id *id,
		     struct sp_tracing_request *out, struct sp_err *err) SP_MUST;

/* The child's side: the matches of a case (no request details), one match with its request's
 * details and what was recorded (*req), and the steps. Each needs the child's case. */
int sp_tracing_case_matches(struct sp_casework *cw, const struct sp_id *case_id,
			    struct sp_tracing_match **out, size_t *n, struct sp_err *err) SP_MUST;
int sp_tracing_review(struct sp_casework *cw, const struct sp_id *match_id,
		      struct sp_tracing_match *out, struct sp_tracing_request *req,
		      struct sp_err *err) SP_MUST;
int sp_tracing_verify(struct sp_casework *cw, const struct sp_id *match_id, int64_t version,
		      enum sp_verify_method method, bool confirmed, const char *note,
		      struct sp_tracing_match *out, struct sp_err *err) SP_MUST;
int sp_tracing_assess(struct sp_casework *cw, const struct sp_id *match_id, int64_t version,
		      enum sp_bia_outcome outcome, const char *grounds,
		      struct sp_tracing_match *out, struct sp_err *err) SP_MUST;
/* Approve contact: SP_ECONFLICT on "/verification" without a confirmed verification, on
 * "/best_interests" without an assessment or when it found contact not in the child's best
 * interests. Decline: a note is required. */
int sp_tracing_contact(struct sp_casework *cw, const struct sp_id *match_id, int64_t version,
		       bool approve, const char *note, struct sp_tracing_match *out,
		       struct sp_err *err) SP_MUST;

/* {"id", "status", "created_at", "updated_at", "closed_at", "request"?}: the requester's side's
 * view, "request" only when the details were opened. */
json_t *sp_tracing_request_encode(const struct sp_tracing_request *r);
/* {"id", "request_id", "case_id", "state", "score", "explanation", "verification"?,
 * "best_interests"?, "contact"?, "created_at", "updated_at", "version"}. */
json_t *sp_tracing_match_encode(const struct sp_tracing_match *m);

#endif
