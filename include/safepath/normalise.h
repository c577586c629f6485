/* Names across scripts (issue 7; docs/matching.md#names-across-scripts): one name part in any
 * script turned into folded Latin, its particles set apart, a consonant-skeleton key and a
 * phonetic key; and a name (ordered parts with roles) compared with another as a sequence, as
 * a set and, when both hold the same script, in that script.
 *
 * A normaliser holds ICU transliterators, which are costly to open (milliseconds) and not
 * thread-safe: open one per thread, reuse it for every name, free it at the end. */
#ifndef SAFEPATH_NORMALISE_H
#define SAFEPATH_NORMALISE_H

#include <stdbool.h>
#include <stddef.h>

#include "safepath/err.h"

#define SP_NPART_TEXT_MAX 200 /* bytes of one name part's text, as SP_PERSON_MAX_TEXT */
#define SP_NFORM_MAX 512      /* bytes of each output form, its NUL included */
#define SP_MATCH_MAX_PARTS 12  /* parts of one name, as SP_PERSON_MAX_PARTS */
#define SP_MATCH_MAX_WORDS 16  /* words of one name compared (particles left out) */

/* The roles of a name part, spelled as person.h's sp_name_role ("given", "father", ...). */
enum sp_npart_role {
	SP_NPART_GIVEN,
	SP_NPART_FATHER,
	SP_NPART_GRANDFATHER,
	SP_NPART_FAMILY,
	SP_NPART_CLAN_LINEAGE,
	SP_NPART_OTHER,
	SP_NPART_ROLE_COUNT
};
const char *sp_npart_role_name(enum sp_npart_role r);
int sp_npart_role_parse(const char *s); /* the role, or -1 */

struct sp_normaliser;

/* Opens the transliterators: SP_OK, or SP_EINTERNAL when ICU lacks one. */
int sp_normaliser_new(struct sp_normaliser **out, struct sp_err *err) SP_MUST;
void sp_normaliser_free(struct sp_normaliser *n);

/* One name part normalised. Every form is NUL-ended; the Latin ones hold only a-z, 0-9 and
 * single spaces between words. */
struct sp_name_form {
	char script[5];               /* ISO 15924 code: as given, or detected ("Latn", "Arab") */
	char folded[SP_NFORM_MAX];    /* "abd al rahman": Latin, lower case, words by one space */
	char bare[SP_NFORM_MAX];      /* "abdalrahman": particles out, "abd" names joined */
	char particles[SP_NFORM_MAX]; /* "al": the particles set apart, "" when none */
	char skeleton[SP_NFORM_MAX];  /* "bdrhmn": the consonant-skeleton key, "" when none */
	char phonetic[SP_NFORM_MAX];  /* "btrhmn": the phonetic key, "" when none */
	char inscript[SP_NFORM_MAX];  /* the text folded in its own script; "" for Latin */
};

/* Normalise text (UTF-8, at most SP_NPART_TEXT_MAX bytes) written in script (ISO 15924, or
 * "" or NULL to detect it from the first letter). Errors name the field "/text" (empty, too
 * long, invalid UTF-8, no letters, nothing that can be written in Latin) or "/script" (not an
 * ISO 15924 code, or not the script the text is written in). */
int sp_normalise_part(struct sp_normaliser *n, const char *text, const char *script,
		      struct sp_name_form *out, struct sp_err *err) SP_MUST;

/* The keys of a Latin text already folded (a-z, 0-9 and spaces): what sp_normalise_part
 * writes into bare, particles, skeleton and phonetic. Pure: no ICU. */
void sp_name_keys(const char *folded, struct sp_name_form *out);

/* A name as given: ordered parts, each with its role, its text and its script, and, when the
 * record holds both (as a person's name part does: romanised and original), the part in its
 * original script too: the words then come from text, the in-script form from original. */
struct sp_npart_in {
	enum sp_npart_role role;
	const char *text;
	const char *script;	     /* "" or NULL to detect */
	const char *original;	     /* may be NULL; used alone when text is NULL or "" */
	const char *original_script; /* "" or NULL to detect */
};

/* A name ready to compare: the words of its parts (particles left out) in order, with their
 * keys, and each part's text folded in its own script. */
struct sp_match_word {
	char bare[64];
	char skeleton[64];
	char phonetic[64];
	enum sp_npart_role role;
};
struct sp_match_script {
	char script[5];
	char inscript[SP_NFORM_MAX];
};
struct sp_match_name {
	size_t nwords, nscripted;
	struct sp_match_word word[SP_MATCH_MAX_WORDS];
	struct sp_match_script scripted[SP_MATCH_MAX_PARTS];
};

/* Normalise n parts into name. Errors name the part's field: "/3/text", "/1/original",
 * "/0/role"; a
 * name with no word at all, or more than SP_MATCH_MAX_PARTS parts or SP_MATCH_MAX_WORDS
 * words, is refused. */
int sp_match_name_build(struct sp_normaliser *nz, const struct sp_npart_in *parts, size_t n,
		  struct sp_match_name *name, struct sp_err *err) SP_MUST;

/* Which comparison gave a name pair its best score. */
enum sp_match_route {
	SP_MROUTE_ORDERED, /* word i against word i */
	SP_MROUTE_SET,     /* the best one-to-one assignment, order ignored */
	SP_MROUTE_SCRIPT,  /* both in the same original script, compared in it */
	SP_MROUTE_COUNT
};
const char *sp_match_route_name(enum sp_match_route r);

struct sp_match_cmp {
	double ordered;     /* mean Jaro–Winkler of word i against word i, i < min(na, nb) */
	double set;         /* mean Jaro–Winkler over the best one-to-one assignment */
	double script;      /* the same set score over the parts in a common script; -1 if none */
	double coverage;    /* min(na, nb) / max(na, nb): words left without a partner lower it */
	double best;        /* max(ordered, set, script) */
	enum sp_match_route route; /* which gave best (ties: ordered, then set, then script) */
	int skeleton_agree; /* assigned pairs whose skeleton keys are equal */
	int phonetic_agree; /* assigned pairs whose phonetic keys are equal */
	int pairs;          /* assigned pairs: min(na, nb) */
	int edits;          /* Damerau–Levenshtein edits summed over the assigned pairs */
	bool reordered;     /* the assignment pairs words out of their order */
};

/* Compare two names. Pure; an empty name against anything gives zeros and script -1. */
void sp_match_name_compare(const struct sp_match_name *a, const struct sp_match_name *b, struct sp_match_cmp *out);

/* A name's prepared cell: what the registry stores for the "name" comparator (compare.h),
 * computed once when a person is written so that matching never runs ICU again. A compact,
 * self-describing string: SP_MATCH_PREPARED_MARK, then per word 0x1E, the role as a digit
 * (sp_npart_role), the bare form, 0x1F, the skeleton key, 0x1F, the phonetic key; per part in
 * its own script 0x1D, the four letters of the script and the in-script text. */
#define SP_MATCH_PREPARED_MAX 1024 /* bytes of a prepared name cell, NUL included */
#define SP_MATCH_PREPARED_MARK '\x02'
/* Into out (cap bytes): its length, or 0 when it does not fit (or the name has no word). */
size_t sp_match_name_encode(const struct sp_match_name *name, char *out, size_t cap);

/* Two prepared cells compared as sp_match_name_compare compares the names they were made of,
 * over slices of the cells: no allocation, no decoding into struct sp_match_name. The edit
 * distances, the costliest part, are summed only as far as edits_max: out->edits is the sum
 * when it is at most edits_max, else edits_max + 1 (-1: not summed, 0). false (and out
 * untouched) when either is not a prepared cell. */
bool sp_match_prepared_compare(const char *a, const char *b, int edits_max,
			       struct sp_match_cmp *out);

/* The words of a prepared cell in one form (empty keys left out), as slices of the cell: how
 * many, at most cap; 0 when cell is not prepared. */
enum sp_match_form { SP_MATCH_BARE, SP_MATCH_SKELETON, SP_MATCH_PHONETIC, SP_MATCH_FORM_COUNT };
struct sp_match_slice {
	const char *s; /* not NUL-ended */
	size_t len;
};
size_t sp_match_prepared_words(const char *cell, enum sp_match_form form,
			       struct sp_match_slice *out, size_t cap);

#endif
