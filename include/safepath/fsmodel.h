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
 * or for a date its year. On a name field the part is taken per word (a prepared cell's
 * words; a plain cell is one word): its bare form, or its skeleton or phonetic key, so that a
 * rule yields one key per word (or per two words with "pairs"). */
enum sp_fs_key_form { SP_FS_KEY_VALUE, SP_FS_KEY_SKELETON, SP_FS_KEY_PHONETIC };
struct sp_fs_key {
	int field;
	int prefix;
	bool year;
	enum sp_fs_key_form form; /* skeleton and phonetic: name fields only */
	bool pairs; /* name fields: every two words together (in sorted order, so a swap keeps
		     * them), a one-word name its word: far fewer rows share a key */
};

struct sp_fs_rule {
	int n_keys;
	struct sp_fs_key keys[SP_FS_RULE_KEYS_MAX];
};

/* Estimated parameters of a model over one population (not personal): m and u per comparison
 * and level, the share of matches lambda among candidates, and tf_min, the least frequency a
 * value's term-frequency adjustment may use (1 / the population's rows). Kept to score later
 * pairs without re-running EM; JSON both ways (sp_fs_params_encode / _parse), the same object
 * as a model file's "parameters" (the shipped estimates). */
struct sp_fs_params {
	char model[64];
	int n_comparisons;
	char id[SP_FS_COMPARISONS_MAX][64]; /* each comparison's, in the model's order */
	int n_levels[SP_FS_COMPARISONS_MAX];
	double lambda, tf_min;
	double m[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX];
	double u[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX];
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
	double m_floor;		  /* least m of a level EM gives (no level is impossible for a
				   * match: one typo can land anywhere) */
	bool estimate_u;	  /* EM estimates u too, from the random pairs' start */
	bool lambda_only;	  /* EM estimates the share of matches only (needs parameters or
				   * training rules) */
	int n_training;		  /* training rules: without shipped parameters, m comes from EM
				   * in one session per rule over its pairs (sp_fs_link) */
	struct sp_fs_rule training[SP_FS_RULES_MAX];
	bool has_params;	  /* the file ships estimates ("parameters") */
	struct sp_fs_params params;
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
/* Whether a rule reads the field of comparison c (a training session holds c out then: the
 * rule makes it agree). */
bool sp_fs_rule_fixes(const struct sp_fs_model *m, const struct sp_fs_rule *rule, int c);

/* The blocking keys of one row (cells in the model's field order, prepared or plain; NULL or
 * "" is missing): for each rule, zero or more keys — a rule with a part over a name field
 * yields one key per word (per combination of words when several parts are), without
 * repeats. key is NUL-ended text (its parts separated by 0x1F), at most SP_FS_KEY_MAX bytes
 * with its NUL; a longer key is left out. The count written, at most cap. */
#define SP_FS_KEY_MAX 128
#define SP_FS_ROW_KEYS_MAX 256 /* keys of one row the linker takes */
struct sp_fs_rowkey {
	int rule;
	char key[SP_FS_KEY_MAX];
};
size_t sp_fs_row_keys(const struct sp_fs_model *m, const char *const *cells,
		      struct sp_fs_rowkey *out, size_t cap);

/* Values of records, one row per record, n_fields cells each in the model's field order; NULL
 * or "" is missing. Borrowed: sp_fs_link reads it, never keeps it. */
struct sp_fs_table {
	size_t n_rows;
	const char *const *cells; /* cells[row * n_fields + field] */
	size_t n_population; /* the rows of the population these stand for when they are a part
			      * of it (a registry's persons in some candidate pair), for the share
			      * of matches among all pairs (training rules); 0: n_rows */
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
	uint64_t comparisons;  /* field comparisons made: (candidates + random pairs for u, drawn
				* only when the model ships no parameters) × comparisons */
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

/* The parameters a run estimated (tf_min: 1 / its rows), or the model file's shipped ones
 * (SP_ENOTFOUND naming "parameters" when it has none). *out is the caller's, freed with
 * sp_fs_params_free. */
int sp_fs_params_from_result(const struct sp_fs_result *r, struct sp_fs_params **out,
			     struct sp_err *err) SP_MUST;
int sp_fs_params_default(const struct sp_fs_model *m, struct sp_fs_params **out,
			 struct sp_err *err) SP_MUST;
/* JSON text (malloc'd; NULL when out of memory): {"model", "lambda", "tf_min", "comparisons":
 * {ID: {"m": [...], "u": [...]}}}. */
char *sp_fs_params_encode(const struct sp_fs_params *p);
/* Parse parameters of model m: SP_EINVAL with err->field the JSON pointer of the first error
 * (another model's, a comparison missing or unknown, a level count unlike the model's, a
 * probability outside (0, 1], m or u not summing to 1). */
int sp_fs_params_parse(const struct sp_fs_model *m, const char *text, size_t len,
		       struct sp_fs_params **out, struct sp_err *err) SP_MUST;
void sp_fs_params_free(struct sp_fs_params *p);

/* One pair scored with given parameters: weight, probability, the level and contribution of
 * each comparison, and what a level rests on (compare.h's sp_cmp_detail). tf (may be NULL):
 * per comparison, the relative frequency in the population of the value the pair agrees on
 * exactly (term-frequency adjustment, for comparisons that ask for it), 0 = unknown. */
struct sp_fs_score {
	double weight, probability, prior;
	int levels[SP_FS_COMPARISONS_MAX]; /* SP_LEVEL_MISSING when missing */
	double contribution[SP_FS_COMPARISONS_MAX];
	bool by_frequency[SP_FS_COMPARISONS_MAX]; /* u was the value's frequency */
	struct sp_cmp_detail detail[SP_FS_COMPARISONS_MAX];
};
void sp_fs_score_pair(const struct sp_fs_model *m, const struct sp_fs_params *p,
		      const char *const *a, const char *const *b, const double *tf,
		      struct sp_fs_score *out);
/* The explanation of a score in words: "name set 0.96 Jaro-Winkler >= 0.92 +7.10;
 * date_of_birth exact +5.21; ...; prior -6.64 = weight 11.20, probability 0.9996", into out. */
void sp_fs_score_explain(const struct sp_fs_model *m, const struct sp_fs_score *s, char *out,
			 size_t cap);

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
/* The threshold the model expects to be F1-best over a run's candidates, without labels: each
 * pair's probability taken as the chance that it is a match, the k most probable pairs hold
 * S_k expected true pairs of the S all hold, so expected precision S_k / k, recall S_k / S and
 * F1 2 S_k / (k + S); out gets the probability of the best k with those expected figures (its
 * counts 0). Blocking's misses are not in S: the recall is among the candidates. */
void sp_fs_expected_threshold(const struct sp_fs_result *r, struct sp_fs_quality *out);

#endif
