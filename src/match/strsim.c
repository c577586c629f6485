/* Jaro, Jaro–Winkler and Damerau–Levenshtein over code points (safepath/strsim.h). Names are
 * short, so everything lives on the stack: a 66 × 66 table at most for the edit distance. */
#include <stdbool.h>
#include <string.h>

#include "safepath/strsim.h"

#define REPLACEMENT 0xFFFDu

/* One code point from s[*i], advancing *i; an invalid or overlong sequence, a surrogate or a
 * value past U+10FFFF is one byte of U+FFFD. */
static uint32_t next_codepoint(const unsigned char *s, size_t *i)
{
	unsigned c = s[*i];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		++*i;
		return c;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2, cp = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, cp = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		++*i;
		return REPLACEMENT;
	}
	for (size_t k = 1; k < len; k++) {
		if ((s[*i + k] & 0xC0) != 0x80) { /* a NUL ends the string here too */
			++*i;
			return REPLACEMENT;
		}
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		++*i;
		return REPLACEMENT;
	}
	*i += len;
	return cp;
}

size_t sp_utf8_codepoints(const char *s, uint32_t *out, size_t max)
{
	return sp_utf8_codepoints_n(s, SIZE_MAX, out, max);
}

size_t sp_utf8_codepoints_n(const char *s, size_t len, uint32_t *out, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0;
	while (u && i < len && u[i] && n < max)
		out[n++] = next_codepoint(u, &i);
	return n;
}

double sp_jaro(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	if (na > SP_STRSIM_MAX)
		na = SP_STRSIM_MAX;
	if (nb > SP_STRSIM_MAX)
		nb = SP_STRSIM_MAX;
	if (na == 0 && nb == 0)
		return 1.0;
	if (na == 0 || nb == 0)
		return 0.0;
	size_t longer = na > nb ? na : nb;
	size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;
	bool used_a[SP_STRSIM_MAX] = {false}, used_b[SP_STRSIM_MAX] = {false};
	size_t m = 0;
	for (size_t i = 0; i < na; i++) {
		size_t lo = i > window ? i - window : 0, hi = i + window + 1 < nb ? i + window + 1 : nb;
		for (size_t j = lo; j < hi; j++) {
			if (!used_b[j] && a[i] == b[j]) {
				used_a[i] = used_b[j] = true;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		return 0.0;
	/* the matched code points in order on each side: each pair that differs is half a
	 * transposition */
	size_t half = 0;
	for (size_t i = 0, j = 0; i < na; i++) {
		if (!used_a[i])
			continue;
		while (!used_b[j])
			j++;
		half += a[i] != b[j];
		j++;
	}
	size_t transpositions = half / 2; /* whole transpositions, as Winkler's code counts them */
	double dm = (double)m;
	return (dm / (double)na + dm / (double)nb + (dm - (double)transpositions) / dm) / 3.0;
}

double sp_jaro_winkler(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	double j = sp_jaro(a, na, b, nb);
	if (j <= 0.7)
		return j;
	size_t prefix = 0;
	while (prefix < 4 && prefix < na && prefix < nb && a[prefix] == b[prefix])
		prefix++;
	return j + (double)prefix * 0.1 * (1.0 - j);
}

double sp_jaro_winkler_utf8(const char *a, const char *b)
{
	uint32_t ca[SP_STRSIM_MAX], cb[SP_STRSIM_MAX];
	size_t na = sp_utf8_codepoints(a, ca, SP_STRSIM_MAX);
	size_t nb = sp_utf8_codepoints(b, cb, SP_STRSIM_MAX);
	return sp_jaro_winkler(ca, na, cb, nb);
}

int sp_damerau_levenshtein(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	if (na > SP_STRSIM_MAX)
		na = SP_STRSIM_MAX;
	if (nb > SP_STRSIM_MAX)
		nb = SP_STRSIM_MAX;
	/* d[i + 1][j + 1] is the distance of a[0..i) and b[0..j); row and column 0 hold the
	 * "infinite" bound; last_row[] the last row of a each code point was seen in */
	enum { W = SP_STRSIM_MAX + 2 };
	int d[W][W];
	uint32_t seen[2 * SP_STRSIM_MAX] = {0};
	size_t last_row[2 * SP_STRSIM_MAX], n_seen = 0;
	int inf = (int)(na + nb);
	d[0][0] = inf;
	for (size_t i = 0; i <= na; i++) {
		d[i + 1][0] = inf;
		d[i + 1][1] = (int)i;
	}
	for (size_t j = 0; j <= nb; j++) {
		d[0][j + 1] = inf;
		d[1][j + 1] = (int)j;
	}
	for (size_t i = 1; i <= na; i++) {
		size_t last_col = 0; /* the last column of this row where a[i - 1] matched */
		for (size_t j = 1; j <= nb; j++) {
			size_t k = 0, i1 = 0, j1 = last_col;
			while (k < n_seen && seen[k] != b[j - 1])
				k++;
			if (k < n_seen)
				i1 = last_row[k];
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			if (!cost)
				last_col = j;
			int best = d[i][j] + cost;                      /* substitute or keep */
			if (d[i + 1][j] + 1 < best)
				best = d[i + 1][j] + 1;                 /* insert */
			if (d[i][j + 1] + 1 < best)
				best = d[i][j + 1] + 1;                 /* delete */
			int swap = d[i1][j1] + (int)(i - i1 - 1) + 1 + (int)(j - j1 - 1);
			if (swap < best)
				best = swap;                            /* transpose */
			d[i + 1][j + 1] = best;
		}
		size_t k = 0;
		while (k < n_seen && seen[k] != a[i - 1])
			k++;
		if (k == n_seen)
			seen[n_seen++] = a[i - 1];
		last_row[k] = i;
	}
	return d[na + 1][nb + 1];
}

int sp_damerau_levenshtein_utf8(const char *a, const char *b)
{
	uint32_t ca[SP_STRSIM_MAX], cb[SP_STRSIM_MAX];
	size_t na = sp_utf8_codepoints(a, ca, SP_STRSIM_MAX);
	size_t nb = sp_utf8_codepoints(b, cb, SP_STRSIM_MAX);
	return sp_damerau_levenshtein(ca, na, cb, nb);
}
