/* Checking the matching model with the pairs people decided (issue 7 item 4; docs/dedup.md):
 * the registry's labels — links confirmed or rejected at registration (person_links, those
 * not undone) and the review queue's decisions (match_pairs confirmed or rejected) — each pair
 * scored with the registry's current parameters (the last deduplication's, else the model's
 * shipped ones) and the model's decision at its threshold measured against them. The persons'
 * cells are opened in memory only; nothing personal leaves: counts and figures. */
#ifndef SAFEPATH_MATCHEVAL_H
#define SAFEPATH_MATCHEVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "safepath/err.h"
#include "safepath/fsmodel.h"

struct sp_casework;

struct sp_match_evaluation {
	uint64_t labels;      /* pairs of persons scored: confirmed + rejected */
	uint64_t confirmed;   /* the same person, by every decision on the pair */
	uint64_t rejected;    /* two persons, by every decision on the pair */
	uint64_t conflicting; /* confirmed by one decision and rejected by another: left out */
	uint64_t unscored;    /* a person without cells of the model's version (erased, or the
			       * registry being reindexed): left out */
	bool registry_params; /* scored with the last deduplication's parameters (else the
			       * model's shipped ones) */
	struct sp_fs_quality quality; /* at the model's threshold (its `threshold`) */
};

/* Score every labelled pair as cw->subject (the policy's match.dedup: a supervisor): the
 * persons' cells opened in memory, each pair scored as the registration check scores (no
 * term frequencies), precision, recall and F1 of "probability >= the model's threshold"
 * against the labels. One audit record (match.evaluate: the counts, no person). */
int sp_match_evaluate(struct sp_casework *cw, struct sp_match_evaluation *out,
		      struct sp_err *err) SP_MUST;

#endif
