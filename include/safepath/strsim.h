/* String similarity for matching people (issue 7; docs/matching.md): Jaro, Jaro–Winkler and
 * Damerau–Levenshtein over Unicode code points, so that names in their original script
 * (Arabic, Ge'ez, Cyrillic) compare letter by letter as their romanised forms do. Pure
 * functions: no allocation, no state, safe on any bytes.
 *
 * Input is UTF-8; an invalid byte counts as one U+FFFD code point. Only the first
 * SP_STRSIM_MAX code points of each side are compared — a name part is far shorter. */
#ifndef SAFEPATH_STRSIM_H
#define SAFEPATH_STRSIM_H

#include <stddef.h>
#include <stdint.h>

#define SP_STRSIM_MAX 64 /* code points compared per side */

/* The code points of s (at most max), decoded into out; how many. */
size_t sp_utf8_codepoints(const char *s, uint32_t *out, size_t max);
/* The same over the first len bytes of s at most (a slice of a longer text; a NUL ends it
 * too). A code point cut by the end of the slice is read up to the first byte that does not
 * continue it, as it would be at a NUL. */
size_t sp_utf8_codepoints_n(const char *s, size_t len, uint32_t *out, size_t max);

/* Jaro similarity in [0, 1]: 1 for equal strings (two empty ones too), 0 when nothing
 * matches or one side is empty. Matches are sought within max(|a|, |b|) / 2 - 1 positions. */
double sp_jaro(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* Jaro–Winkler, the convention of reference/linkage.md: Jaro plus 0.1 per common leading
 * code point (at most 4) of the remaining distance, applied only when Jaro exceeds 0.7. */
double sp_jaro_winkler(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
double sp_jaro_winkler_utf8(const char *a, const char *b);

/* The unrestricted Damerau–Levenshtein distance (Lowrance–Wagner): insertions, deletions,
 * substitutions and transpositions of adjacent code points, a transposed pair editable
 * afterwards ("ca" -> "abc" is 2, where the restricted, optimal-string-alignment form says 3). */
int sp_damerau_levenshtein(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
int sp_damerau_levenshtein_utf8(const char *a, const char *b);

#endif
