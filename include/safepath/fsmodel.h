/* The Fellegi–Sunter model for matching people (issue 7; docs/matching.md). A model file
 * (config/matching/ID.json) declares the fields, the comparisons with their levels
 * (compare.h), the blocking rules, the prior and the default threshold with how it was chosen.
 * Linking two tables (or one with itself) blocks the candidate pairs, compares them, estimates
 * u from random pairs (seeded, deterministic) and m with the prior by EM on the candidates (no
 * labels), adjusts exact agreement on term-frequency fields by the value's frequency, and gives
 * every pair a match weight, a probability and the contribution of each comparison. Pure
 * computation over the values given: no store, no keys. */
#ifndef SAFEPATH_FSMODEL_H
#define SAFEPATH_FSMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/compare.h"
#include "safepath/err.h"

#define SP_FS_FIELDS_MAX 32
#define SP_FS_COMPARISONS_MAX 32
#define SP_FS_RULES_MAX 16
#define SP_FS_RULE_KEYS_MAX 4
#define SP_FS_MODEL_MAX_BYTES ((size_t)256 * 1024)
#define SP_FS_LEVEL_NONE 255 /* in sp_fs_result.levels: a value was missing */

/* One part of a blocking key: the field's comparison key (compare.h's sp_compare_key, by the
 * kind of the first comparison of that field), its first `prefix` characters (0: all of it),
 * or for a date its year. */
struct sp_fs_key {
	int field;
	int prefix;
	bool year;
};

struct sp_fs_rule {
	int n_keys;
	struct sp_fs_key keys[SP_FS_RULE_KEYS_MAX];
};

struct sp_fs_model {
	char id[64];
	char version[32];
	char source[512];
	char title[256];
	char threshold_chosen[1024]; /* how the default threshold was chosen, in words */
	int n_fields;
	char fields[SP_FS_FIELDS_MAX][64];
	enum sp_cmp_kind field_kind[SP_FS_FIELDS_MAX]; /* of the field's first comparison */
	int n_comparisons;
	struct sp_comparison comparisons[SP_FS_COMPARISONS_MAX];
	int n_rules;
	struct sp_fs_rule rules[SP_FS_RULES_MAX];
	uint64_t max_block_pairs; /* a key with more candidate pairs is skipped (capped) */
	uint64_t max_pairs;	  /* refuse more candidate pairs than this in all */
	double prior;		  /* starting share of matches among the candidates, for EM */
	double threshold;	  /* default probability threshold */
	uint64_t random_pairs;	  /* pairs sampled for u */
	uint64_t seed;
	int em_iterations;
};

/* Parse and check a model file's text (len bytes, need not be NUL-terminated): SP_EINVAL with
 * err->field the JSON pointer of the first error ("" for the whole document) and err->msg the
 * reason. */
int sp_fs_model_parse(const char *text, size_t len, struct sp_fs_model *out,
		      struct sp_err *err) SP_MUST;
/* The shipped model config/matching/ID.json (SP_ENOTFOUND naming "model" if none). */
int sp_fs_model_shipped(const char *id, struct sp_fs_model *out, struct sp_err *err) SP_MUST;
/* The field's index, or -1. */
int sp_fs_model_field(const struct sp_fs_model *m, const char *name);

/* Values of records, one row per record, n_fields cells each in the model's field order; NULL
 * or "" is missing. Borrowed: sp_fs_link reads it, never keeps it. */
struct sp_fs_table {
	size_t n_rows;
	const char *const *cells; /* cells[row * n_fields + field] */
};

struct sp_fs_pair {
	uint32_t left, right; /* rows; in a deduplication left < right */
	double weight;	      /* log2 of the odds of a match */
	double probability;
};

struct sp_fs_result {
	const struct sp_fs_model *model; /* borrowed */
	size_t n_pairs;			 /* candidates after blocking, by descending probability */
	struct sp_fs_pair *pairs;
	uint8_t *levels;       /* n_pairs × n_comparisons, in the order of pairs; a level, or
				* SP_FS_LEVEL_NONE for a missing value */
	double *m, *u;	       /* n_comparisons × SP_CMP_LEVELS_MAX */
	int tf_slot[SP_FS_COMPARISONS_MAX]; /* per comparison with term frequency its slot in
					     * tf_u, else -1 */
	double *tf_u;	       /* per slot, the frequency of each row's value among the rows,
				* left rows then right rows (0: no value) */
	double lambda;	       /* estimated share of matches among the candidates */
	size_t n_left, n_right;
	uint64_t comparisons;  /* field comparisons made: (candidates + random pairs for u) ×
				* comparisons of the model */
	uint64_t capped_keys;  /* blocking keys skipped for having too many pairs */
	int em_iterations;     /* EM rounds run */
};

typedef void sp_fs_progress_fn(void *ctx, const char *phase, uint64_t done, uint64_t total);

/* Link left with right, or deduplicate left when right is NULL: *out gets the result, which
 * the caller frees with sp_fs_result_free. SP_ETOOBIG (field "max_pairs") over the model's cap,
 * SP_ENOMEM. progress (may be NULL) hears "block", "compare", "estimate". */
int sp_fs_link(const struct sp_fs_model *m, const struct sp_fs_table *left,
	       const struct sp_fs_table *right, sp_fs_progress_fn *progress, void *ctx,
	       struct sp_fs_result **out, struct sp_err *err) SP_MUST;
void sp_fs_result_free(struct sp_fs_result *r);

/* The contribution (log2 m/u, 0 when missing) of comparison c to pair i of r. */
double sp_fs_contribution(const struct sp_fs_result *r, size_t i, int c);
/* The explanation of pair i in words and numbers: "given_name exact +8.21; surname
 * Jaro-Winkler >= 0.92 +5.02; ...; prior -9.97 = weight 12.3, probability 0.9998", into out. */
void sp_fs_explain(const struct sp_fs_result *r, size_t i, char *out, size_t cap);

/* A pair someone labelled (later stored by casework: confirmed or rejected), with the model's
 * probability for it (0 for a true pair that blocking never proposed). */
struct sp_fs_labelled {
	double probability;
	bool confirmed;
};

struct sp_fs_quality {
	double threshold;
	uint64_t true_pos, false_pos, false_neg;
	double precision, recall, f1; /* 0 when undefined */
};

/* Precision, recall and F1 of the pairs at or above threshold against their labels. */
void sp_fs_quality(const struct sp_fs_labelled *pairs, size_t n, double threshold,
		   struct sp_fs_quality *out);
/* The threshold (one of the probabilities) with the best F1; sorts pairs by descending
 * probability. */
void sp_fs_best_threshold(struct sp_fs_labelled *pairs, size_t n, struct sp_fs_quality *out);

#endif
