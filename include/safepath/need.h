/* Needs of a case (DESIGN.md §5): what the person needs, from a screening's outcome or
 * entered by a person, and how far it is met. A need's kind is a code of the "needs"
 * vocabulary; its note is free text sealed under the case person's key. Every operation is one
 * transaction with its policy check (need.write, need.read: the case itself) and its audit
 * record (ids and field names, never values). */
#ifndef SAFEPATH_NEED_H
#define SAFEPATH_NEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"

#define SP_KIND_MAX 64        /* a vocabulary code: bytes with the NUL */
#define SP_NEED_NOTE_MAX 4000 /* bytes */

enum sp_need_status {
	SP_NEED_UNMET,
	SP_NEED_REFERRED,
	SP_NEED_MET,
	SP_NEED_NO_LONGER_NEEDED,
	SP_NEED_STATUS_COUNT
};
enum sp_need_source { SP_NEED_FROM_PERSON, SP_NEED_FROM_SCREENING, SP_NEED_SOURCE_COUNT };

struct sp_need {
	struct sp_id id;
	struct sp_id case_id;
	char kind[SP_KIND_MAX];
	enum sp_need_status status;
	enum sp_need_source source;
	struct sp_id screening;              /* the screening it came from; zero for a person */
	const char *note;                    /* in cw->arena; NULL when none (or erased) */
	struct sp_id created_by;
	int64_t created_us;
	int64_t updated_us;
	int64_t version;                     /* bumped by every change (the API's ETag) */
};

const char *sp_need_status_name(enum sp_need_status s);
int sp_need_status_parse(const char *s) SP_MUST;
const char *sp_need_source_name(enum sp_need_source s);
/* Whether a need may move from one status to another: unmet -> referred -> met, referred ->
 * unmet (the referral was declined), met -> unmet (reopened), anything -> no_longer_needed.
 * Staying put is no move (true). */
bool sp_need_may_move(enum sp_need_status from, enum sp_need_status to);

/* A new need: kind (required, a "needs" code), source (a screening needs its id), optional
 * note. It starts unmet. */
struct sp_need_new {
	const char *kind;
	enum sp_need_source source;
	const struct sp_id *screening;
	const char *note;
};
int sp_need_add(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_need_new *in,
		struct sp_need *out, struct sp_err *err) SP_MUST;
/* The same inside an operation on a case (safepath/caseop.h) that has named its case: the
 * policy asked for need.write on it, the row and its audit record in the operation's
 * transaction (a screening's completion adds the needs its outcomes name). */
struct sp_caseop;
int sp_need_add_in(struct sp_caseop *op, const struct sp_need_new *in, struct sp_need *out,
		   struct sp_err *err) SP_MUST;

/* A need of the operation's case, its note left out, the policy asked for need.read on the
 * case: SP_ENOTFOUND when there is none, or it is another case's. */
int sp_need_get_in(struct sp_caseop *op, const struct sp_id *id, struct sp_need *out,
		   struct sp_err *err) SP_MUST;
/* A need follows its referral (src/refer/referral.c): moved to status in the referral's own
 * write operation, under the policy's decision on that operation (the provider who declines
 * may not write needs, and the need still goes back to unmet), with a need.update record
 * ("stat"). Nothing when it is there already or sp_need_may_move refuses the move (a need
 * met or no longer needed stays so); SP_ENOTFOUND for a need of another case. */
int sp_need_follow_in(struct sp_caseop *op, const struct sp_id *id, enum sp_need_status status,
		      struct sp_err *err) SP_MUST;

/* Change what is set; version must be the stored one (SP_ECONFLICT on "/version" if the need
 * moved on); a status move outside sp_need_may_move is SP_ECONFLICT on "/status". A note of
 * NULL with set_note removes it. */
struct sp_need_change {
	int64_t version;
	bool set_status;
	enum sp_need_status status;
	bool set_note;
	const char *note;
};
int sp_need_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_need_change *ch, struct sp_need *out,
		   struct sp_err *err) SP_MUST;

/* The case's needs, oldest first, notes opened, in cw->arena; one audit record. */
int sp_need_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_need **out,
		 size_t *n, struct sp_err *err) SP_MUST;

/* {"id", "case_id", "kind", "status", "source", "screening_id", "note", "created_by",
 * "created_at", "updated_at", "version"}; the note only with with_note. */
json_t *sp_need_encode(const struct sp_need *n, bool with_note);

#endif
