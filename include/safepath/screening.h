/* Screenings (issue 5): one case's interview with one protocol in its exact version — start,
 * save answers, resume, complete — stored sealed under the person's key, each operation one
 * transaction through the policy and the audit (safepath/caseop.h). The engine
 * (safepath/protocol.h) tells after each save which questions are asked and which skipped;
 * on completion its result is kept beside the official's own conclusion, and where the two
 * differ the official's reason is required and the audit record says so.
 *
 * Policy: starting, saving and completing are case.update, reading and listing case.read,
 * each with the field classes of screening_fields() (trafficking and gbv): need-to-know. */
#ifndef SAFEPATH_SCREENING_H
#define SAFEPATH_SCREENING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/protocol.h"

enum sp_screening_status { SP_SCREENING_IN_PROGRESS, SP_SCREENING_COMPLETED };
const char *sp_screening_status_name(enum sp_screening_status s);

#define SP_SCREENING_REASON_MAX 4000 /* bytes of the official's reason */
#define SP_SCREENING_PROTO_ID_MAX 64

struct sp_screening {
	struct sp_id id, case_id, started_by;
	char protocol_id[SP_SCREENING_PROTO_ID_MAX];
	int protocol_version;
	char protocol_hash[SP_PROTO_HASH_HEX];
	enum sp_proto_kind kind;       /* the protocol's: the field class the policy decides on */
	enum sp_screening_status status;
	char lang[SP_CODE_MAX];        /* the interview's language (ISO 639-1 where there is one) */
	char interpreter[SP_CODE_MAX]; /* the interpreter's language, "" without one */
	bool differs;                  /* completed: the official's conclusion differs */
	int64_t started_us, updated_us, completed_us, version;
	/* Opened into cw->arena by get, start, save and complete (NULL in a list): JSON texts. */
	const char *facts;      /* the person's facts the engine is given (sp_facts_decode) */
	const char *answers;    /* {question_id: answer} */
	const char *result;     /* the engine's result in English, once completed */
	const char *conclusion; /* the official's conclusion, with "reason" and "differs" */
};

/* Start: protocol "ID" (the latest) or "ID@VERSION" from the registry, its child variant when
 * the case's facts make the person a child or a presumed child; the interview's language and
 * the interpreter's (NULL: none). Errors name /protocol, /lang, /interpreter. */
struct sp_screening_start {
	const char *protocol;
	const char *lang;
	const char *interpreter;
};
int sp_screening_start(struct sp_casework *cw, const struct sp_protocols *reg,
		       const struct sp_id *case_id, const struct sp_screening_start *in,
		       struct sp_screening *out, struct sp_err *err) SP_MUST;

/* One screening with its sealed values opened. */
int sp_screening_get(struct sp_casework *cw, const struct sp_id *id, struct sp_screening *out,
		     struct sp_err *err) SP_MUST;

/* The case's screenings, oldest first, without their sealed values, in cw->arena. */
int sp_screening_list(struct sp_casework *cw, const struct sp_id *case_id,
		      struct sp_screening **out, size_t *n, struct sp_err *err) SP_MUST;

/* Merge answers (a JSON object {question_id: answer}; null removes an answer) into the
 * stored ones at version (SP_ECONFLICT on /version when it moved on; completed screenings are
 * read-only: SP_ECONFLICT on /status). Every bad answer goes in diag with its pointer
 * ("/question_id"), and the call is SP_EINVAL with err naming the first. */
int sp_screening_save(struct sp_casework *cw, const struct sp_protocols *reg,
		      const struct sp_id *id, int64_t version, json_t *answers,
		      struct sp_screening *out, struct sp_diag *diag, struct sp_err *err) SP_MUST;

/* Complete at version: evaluate the stored answers, keep the result (sealed) and the
 * official's conclusion {"possible_trafficking": "yes"|"no"|"undetermined",
 * "intervention_level": LEVEL, "priority": PRIORITY, "child": bool}; where it differs from
 * the engine's (screening_differs) reason is required (SP_EINVAL on /reason). Case flags,
 * needs, tasks and the deadlines of jurisdiction jur (jurs: every loaded file) the screening
 * implies are set in the same transaction (screening_apply_outcomes). */
struct sp_jurisdictions;
struct sp_jurisdiction;
int sp_screening_complete(struct sp_casework *cw, const struct sp_protocols *reg,
			  const struct sp_jurisdictions *jurs, const struct sp_jurisdiction *jur,
			  const struct sp_id *id, int64_t version, json_t *conclusion,
			  const char *reason, struct sp_screening *out,
			  struct sp_err *err) SP_MUST;

/* Which parts of the official's conclusion differ from the engine's result: bits below. The
 * engine's reading on possible trafficking is "yes" when a reading holds, "no" when every
 * reading does not, "undetermined" otherwise; a protocol without readings, or a result
 * without a priority or intervention level, has no view on that part and never differs. */
enum {
	SP_DIFFERS_TRAFFICKING = 1u << 0,
	SP_DIFFERS_INTERVENTION = 1u << 1,
	SP_DIFFERS_PRIORITY = 1u << 2,
	SP_DIFFERS_CHILD = 1u << 3,
};
struct sp_conclusion {
	enum sp_tri possible_trafficking; /* unknown = "undetermined" */
	int intervention_level, priority; /* vocabulary indexes */
	bool child;
};
/* Decode a conclusion against the protocol's vocabulary; errors name the member. */
int sp_conclusion_decode(const struct sp_protocol *p, json_t *j, struct sp_conclusion *out,
			 struct sp_err *err) SP_MUST;
unsigned sp_conclusion_differs(const struct sp_result *r, const struct sp_conclusion *c);

/* The screening as the API shows it: metadata, answers, the questions asked and skipped and
 * the next one to ask (the first asked question without an answer), the result (once
 * completed) with its explanation in lang (English when the protocol's texts lack it), the
 * conclusion. A new reference, or NULL with err set. */
json_t *sp_screening_encode(const struct sp_protocols *reg, const struct sp_screening *s,
			    const char *lang, struct sp_err *err);
/* A list row: metadata only. */
json_t *sp_screening_encode_row(const struct sp_screening *s);

/* The engine's result (JSON text in cw->arena) of a completed screening of the operation's
 * case (safepath/caseop.h), when the policy lets the subject read screenings of its kind:
 * SP_ENOTFOUND when there is no such completed screening on the case. A referral is drafted
 * from one of its referral suggestions in one step (src/refer/referral.c). */
struct sp_caseop;
int sp_screening_result_in(struct sp_caseop *op, const struct sp_id *id, const char **result,
			   struct sp_err *err) SP_MUST;

#endif
