/* Comparisons of two field values for matching people (issue 7; docs/matching.md): each
 * comparison of a model has a comparator kind and ordered agreement levels, each level a test;
 * the level of a pair is the first test that holds, the last level is always "else". A value
 * that is missing or unusable on either side gives SP_LEVEL_MISSING, which contributes nothing
 * to the match weight. Pure functions over the values: no allocation, no state. */
#ifndef SAFEPATH_COMPARE_H
#define SAFEPATH_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "safepath/err.h"

#define SP_LEVEL_MISSING (-1)
#define SP_CMP_LEVELS_MAX 8
/* Longest value compared: longer ones are cut at this many bytes (at a code point). */
#define SP_CMP_VALUE_MAX 256

/* How two values are prepared and which tests apply to them. The table of kinds is in
 * compare.c. A "name" value is best a prepared cell (normalise.h's sp_match_name_encode):
 * two prepared cells are compared word by word, as sets and in their script
 * (sp_match_prepared_compare); a plain text against anything is compared as ASCII-lower-cased
 * text, and its skeleton and phonetic tests never hold (the linker prepares plain cells). */
enum sp_cmp_kind {
	SP_CMP_STRING,	   /* the values as they are */
	SP_CMP_NAME,	   /* a person's name */
	SP_CMP_DATE,	   /* YYYY, YYYY-MM, YYYY-MM-DD or YYYYMMDD; "~" in front: estimated */
	SP_CMP_SEX,	   /* f / female, m / male, x / other; u / unknown is missing */
	SP_CMP_CODES,	   /* a set of codes (nationalities) separated by ; , or spaces; ZZ
			    * (unknown) is left out, XXA (stateless) is a code like any other */
	SP_CMP_NAME_SET,   /* a set of names (relatives) separated by ;: the best pair counts */
	SP_CMP_KIND_COUNT
};

enum sp_cmp_test {
	SP_TEST_EXACT,	       /* equal (dates: the same day, neither weak; sets: equal sets,
				* name sets: one name in common; prepared names: the same words,
				* in any order) */
	SP_TEST_JARO_WINKLER,  /* Jaro–Winkler >= min (name sets: of the best pair; prepared
				* names: the best of ordered, set and in-script) */
	SP_TEST_DAMERAU,       /* Damerau–Levenshtein <= max (dates: on YYYYMMDD, neither weak;
				* prepared names: summed over the assigned words, every word of
				* each side assigned) */
	SP_TEST_YEAR_MONTH,    /* dates: the same year and month, neither weak */
	SP_TEST_YEAR,	       /* dates: years at most max apart, neither weak */
	SP_TEST_WEAK_EXACT,    /* dates: one is weak (estimated, 1 January, partial) and they
				* agree as far as both go */
	SP_TEST_WEAK_YEAR,     /* dates: one is weak and the years are at most max apart */
	SP_TEST_OVERLAP,       /* code sets: at least one code in common */
	SP_TEST_SKELETON,      /* prepared names: every assigned pair of words has the same
				* skeleton key */
	SP_TEST_PHONETIC,      /* prepared names: ... the same phonetic key */
	SP_TEST_ELSE,	       /* always: the last level */
	SP_TEST_COUNT
};

struct sp_cmp_level {
	enum sp_cmp_test test;
	double min; /* SP_TEST_JARO_WINKLER */
	int max;    /* SP_TEST_DAMERAU, SP_TEST_YEAR, SP_TEST_WEAK_YEAR */
};

struct sp_comparison {
	char id[64];
	int field;	      /* index into the model's fields */
	enum sp_cmp_kind kind;
	bool term_frequency;  /* exact agreement weighs by how rare the value is */
	int n_levels;
	struct sp_cmp_level levels[SP_CMP_LEVELS_MAX];
};

/* Names of kinds and tests as in the model files ("string", "jaro_winkler"); "unknown" for a
 * value out of range, never NULL. Parse: the index, or -1. */
const char *sp_cmp_kind_name(enum sp_cmp_kind k);
int sp_cmp_kind_parse(const char *s);
const char *sp_cmp_test_name(enum sp_cmp_test t);
int sp_cmp_test_parse(const char *s);
/* Whether test t applies to values of kind k. */
bool sp_cmp_test_allowed(enum sp_cmp_kind k, enum sp_cmp_test t);

/* The level of the pair (a, b) (NULL or "" = missing): the index of the first level whose test
 * holds, or SP_LEVEL_MISSING. */
int sp_compare(const struct sp_comparison *c, const char *a, const char *b);

/* What a level rests on, for an explanation: the similarity of the pair (prepared names:
 * the best score; strings: Jaro–Winkler when a level computed it), -1 when none, and for
 * prepared names the route that gave it ("ordered", "set", "script"), else NULL. */
struct sp_cmp_detail {
	double similarity;
	const char *route;
};
/* sp_compare, also filling d. */
int sp_compare_detail(const struct sp_comparison *c, const char *a, const char *b,
		      struct sp_cmp_detail *d);

/* The value as the comparison's kind compares it, for exact agreement, term frequencies and
 * blocking: a prepared name's bare words joined by spaces, a plain name lower-cased, a
 * string as it is, a date as YYYYMMDD, YYYYMM or YYYY, a sex as f, m or x, a set sorted (see
 * compare.c); into out (cap bytes); false when the value is missing or unusable. */
bool sp_compare_key(enum sp_cmp_kind k, const char *v, char *out, size_t cap);

/* A level in words for an explanation: "exact", "Jaro-Winkler >= 0.92", "missing". */
void sp_cmp_level_describe(const struct sp_comparison *c, int level, char *out, size_t cap);

#endif
