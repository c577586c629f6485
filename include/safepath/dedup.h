/* Deduplicating the registry (issue 7 item 7; docs/registry-matching.md#dedup): the pairs of
 * persons already registered that the matching model finds likely to be one person, kept as
 * a review queue. A pair is proposed, then confirmed (the two persons linked, reversibly) or
 * rejected (remembered: never proposed again); undoing a decision proposes it again. Every
 * operation asks the policy and is audited; a pair is shown only to a user who may read both
 * persons, and its fields are the comparisons' levels and contributions, never values. */
#ifndef SAFEPATH_DEDUP_H
#define SAFEPATH_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/fsmodel.h"
#include "safepath/id.h"
#include "safepath/person.h"

enum sp_pair_state { SP_PAIR_PROPOSED, SP_PAIR_CONFIRMED, SP_PAIR_REJECTED, SP_PAIR_STATE_COUNT };
const char *sp_pair_state_name(enum sp_pair_state s);
int sp_pair_state_parse(const char *s) SP_MUST; /* -1 when unknown */

/* One comparison of a pair: its id, the level in words ("jaro_winkler >= 0.92", "missing")
 * and its contribution to the weight (log2 m/u; 0 when missing). */
struct sp_pair_field {
	char comparison[64];
	char level[96];
	double contribution;
};

struct sp_match_pair {
	struct sp_id id;
	struct sp_id person_a, person_b;
	struct sp_id case_a, case_b;
	char number_a[SP_CASE_NUMBER_MAX], number_b[SP_CASE_NUMBER_MAX];
	double weight, probability;
	enum sp_pair_state state;
	int64_t found_us;
	int64_t decided_us;     /* 0 while proposed */
	struct sp_id decided_by; /* zero while proposed */
	int64_t version;
	size_t n_fields;
	struct sp_pair_field fields[SP_FS_COMPARISONS_MAX];
	/* The two persons as the user may read them (sp_match_pair_list, _get): in the arena. */
	bool has_persons;
	struct sp_person a, b;
};

/* ---- the run ---- */

struct sp_dedup_report {
	uint64_t persons;        /* persons with stored cells */
	uint64_t keys;           /* distinct blocking keys held by two persons or more */
	uint64_t capped_keys;    /* of them skipped for being held by too many persons */
	uint64_t candidates;     /* persons in some candidate pair: only their cells are opened */
	uint64_t pairs;          /* candidate pairs after blocking */
	uint64_t comparisons;    /* field comparisons made (pairs and random pairs) */
	uint64_t above;          /* pairs at or above the threshold */
	uint64_t proposed;       /* of them new to the queue or proposed again */
	uint64_t decided;        /* of them confirmed or rejected before: left as they are */
	uint64_t hidden;         /* of them the user may not read both of (never shown) */
	uint64_t agencies_told;  /* agencies whose focal points were told of hidden pairs */
	bool parameters_kept;    /* the estimates kept as the registry's (1,000 pairs or more) */
	double threshold;
	double seconds;          /* the run, from its start to the pairs stored */
	double compare_seconds;  /* comparing and estimating alone */
};

typedef void sp_dedup_progress_fn(void *ctx, const char *phase, uint64_t done, uint64_t total);

/* Pairs the user may read, as the run hands them over to be written: id, both cases and their
 * numbers, weight, probability and fields (no persons). */
typedef int sp_dedup_pair_fn(void *ctx, const struct sp_match_pair *p, struct sp_err *err);

/* Deduplicate the registry as cw->subject (the policy's match.dedup: a supervisor): block on
 * the stored blinded keys (a key held by more than the model's cap is skipped and counted),
 * open only the candidates' cells, estimate the model's parameters by EM on the candidates
 * (stored as the registry's parameters, which the registration check then scores with, when
 * there were 1,000 candidate pairs or more: EM on fewer is noise), keep
 * the pairs at or above threshold (< 0: the model's) in the queue, call each (may be NULL)
 * for every one of them the user may read both persons of, by descending probability, and
 * tell the focal points and supervisors of the agencies holding the others, once a run. One
 * audit record (match.dedup on the run's id: the counts, no names); progress (may be NULL)
 * hears "block", "open", "compare", "estimate", "store". */
int sp_dedup_run(struct sp_casework *cw, double threshold, sp_dedup_progress_fn *progress,
		 void *progress_ctx, sp_dedup_pair_fn *each, void *each_ctx,
		 struct sp_dedup_report *out, struct sp_err *err) SP_MUST;

/* The run's pairs as a file (the CLI's default): n bytes sealed into path under the backup
 * subkey (sp_sealfile_write_mem, magic "SPDEDUP1"), never in clear on disk; and one opened
 * into a new file clear_path (0600). */
struct sp_keys;
int sp_dedup_seal(const struct sp_keys *k, const void *data, size_t n, const char *path,
		  struct sp_err *err) SP_MUST;
int sp_dedup_open(const struct sp_keys *k, const char *path, const char *clear_path,
		  struct sp_err *err) SP_MUST;

/* ---- the review queue ---- */

#define SP_PAIR_PAGE_MAX 50

/* The pairs in state the user may read both persons of, oldest run's best first, after the
 * cursor (NULL: from the start), at most max (<= SP_PAIR_PAGE_MAX), each with both persons
 * as the user may read them; *next the cursor of the following page (zero: none). One audit
 * record (match_pair.list) naming the pairs and the persons' field classes. */
int sp_match_pair_list(struct sp_casework *cw, enum sp_pair_state state,
		       const struct sp_id *after, size_t max, struct sp_match_pair *out,
		       size_t *n, struct sp_id *next, struct sp_err *err) SP_MUST;

/* Decide a pair at its version (SP_ECONFLICT on "/version" if it moved on): confirmed links
 * the two persons, rejected remembers them as two; proposed undoes the decision. A move to
 * the state the pair is in is SP_ECONFLICT on "/state". The user must be allowed to update
 * both cases. Audited (match_pair.confirm, .reject, .undo); out gets the pair after it. */
int sp_match_pair_decide(struct sp_casework *cw, const struct sp_id *id, int64_t version,
			 enum sp_pair_state to, struct sp_match_pair *out,
			 struct sp_err *err) SP_MUST;

/* The JSON form the API and `--json` share: ids, numbers, probability, weight, state, times,
 * fields; with the persons' identity (names, date of birth, sex, nationalities) when
 * has_persons. NULL when out of memory. */
json_t *sp_match_pair_encode(const struct sp_match_pair *p);

#endif
