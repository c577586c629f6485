/* Two names compared (safepath/normalise.h): word by word in order, as sets through the best
 * one-to-one assignment of words, and in their original script when both hold one. Pure. */
#include <string.h>

#include "safepath/names.h"
#include "safepath/normalise.h"
#include "safepath/strsim.h"

#define EXACT_MAX 8 /* larger sides than this are assigned greedily */

static const char *const route_names[SP_MROUTE_COUNT] = {
	[SP_MROUTE_ORDERED] = "ordered",
	[SP_MROUTE_SET] = "set",
	[SP_MROUTE_SCRIPT] = "script",
};

const char *sp_match_route_name(enum sp_match_route r)
{
	return sp_name_of(route_names, SP_MROUTE_COUNT, (int)r);
}

/* rows <= cols. The assignment of every row to a distinct column with the largest sum of
 * weight: exact over the subsets of columns when there are at most EXACT_MAX, else greedy by
 * descending weight (first pair wins ties). to[row] = column. */
static void assign(double w[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS], size_t rows, size_t cols,
		   size_t to[SP_MATCH_MAX_WORDS])
{
	if (cols <= EXACT_MAX) {
		double best[1u << EXACT_MAX];
		signed char last[1u << EXACT_MAX] = {0};
		for (unsigned m = 0; m < 1u << cols; m++)
			best[m] = -1;
		best[0] = 0;
		unsigned done = 0;
		for (unsigned m = 0; m < 1u << cols; m++) {
			int row = __builtin_popcount(m);
			if (best[m] < 0)
				continue;
			if ((size_t)row == rows) {
				if (best[m] > best[done] || __builtin_popcount(done) != row)
					done = m;
				continue;
			}
			for (size_t j = 0; j < cols; j++) {
				unsigned to_m = m | 1u << j;
				double v = best[m] + w[row][j];
				if (!(m & 1u << j) && v > best[to_m]) {
					best[to_m] = v;
					last[to_m] = (signed char)j;
				}
			}
		}
		for (unsigned m = done, row = (unsigned)rows; row-- > 0;) {
			to[row] = (size_t)last[m];
			m &= ~(1u << last[m]);
		}
		return;
	}
	bool row_used[SP_MATCH_MAX_WORDS] = {0}, col_used[SP_MATCH_MAX_WORDS] = {0};
	for (size_t k = 0; k < rows; k++) {
		size_t bi = 0, bj = 0;
		double bv = -1;
		for (size_t i = 0; i < rows; i++)
			for (size_t j = 0; j < cols; j++)
				if (!row_used[i] && !col_used[j] && w[i][j] > bv)
					bv = w[i][j], bi = i, bj = j;
		row_used[bi] = col_used[bj] = true;
		to[bi] = bj;
	}
}

static bool same_key(const char *a, const char *b)
{
	return *a && strcmp(a, b) == 0;
}

/* The words of one script's parts, split at spaces (at most SP_MATCH_MAX_WORDS). */
static size_t script_words(const struct sp_match_name *n, const char *script,
			   char words[SP_MATCH_MAX_WORDS][64])
{
	size_t k = 0;
	for (size_t p = 0; p < n->nscripted; p++) {
		if (strcmp(n->scripted[p].script, script) != 0)
			continue;
		for (const char *w = n->scripted[p].inscript; *w && k < SP_MATCH_MAX_WORDS;) {
			size_t len = strcspn(w, " ");
			if (len >= 64)
				len = 63;
			memcpy(words[k], w, len);
			words[k++][len] = '\0';
			w += strcspn(w, " ");
			w += *w == ' ';
		}
	}
	return k;
}

/* Mean Jaro–Winkler of the best assignment between the words of a and b in one script. */
static double script_score(const struct sp_match_name *a, const struct sp_match_name *b, const char *script)
{
	char wa[SP_MATCH_MAX_WORDS][64], wb[SP_MATCH_MAX_WORDS][64];
	size_t na = script_words(a, script, wa), nb = script_words(b, script, wb);
	if (!na || !nb)
		return -1;
	bool swap = na > nb;
	size_t rows = swap ? nb : na, cols = swap ? na : nb, to[SP_MATCH_MAX_WORDS];
	double w[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS];
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			w[i][j] = sp_jaro_winkler_utf8(swap ? wb[i] : wa[i], swap ? wa[j] : wb[j]);
	assign(w, rows, cols, to);
	double sum = 0;
	for (size_t i = 0; i < rows; i++)
		sum += w[i][to[i]];
	return sum / (double)rows;
}

void sp_match_name_compare(const struct sp_match_name *a, const struct sp_match_name *b, struct sp_match_cmp *out)
{
	memset(out, 0, sizeof *out);
	out->script = -1;
	size_t na = a->nwords, nb = b->nwords;
	bool swap = na > nb;
	size_t rows = swap ? nb : na, cols = swap ? na : nb;
	const struct sp_match_word *r = swap ? b->word : a->word, *c = swap ? a->word : b->word;
	double jw[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS], w[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS];
	double ordered = 0, set = 0;
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++) {
			jw[i][j] = sp_jaro_winkler_utf8(r[i].bare, c[j].bare);
			ordered += i == j ? jw[i][j] : 0;
			/* agreeing keys pull a pair together: Maxamed goes with Mohamed */
			w[i][j] = jw[i][j] + 0.5 * same_key(r[i].skeleton, c[j].skeleton) +
				  0.5 * same_key(r[i].phonetic, c[j].phonetic);
		}
	if (rows) {
		size_t to[SP_MATCH_MAX_WORDS];
		assign(w, rows, cols, to);
		for (size_t i = 0; i < rows; i++) {
			set += jw[i][to[i]];
			out->skeleton_agree += same_key(r[i].skeleton, c[to[i]].skeleton);
			out->phonetic_agree += same_key(r[i].phonetic, c[to[i]].phonetic);
			for (size_t k = 0; k < i; k++)
				out->reordered = out->reordered || to[k] > to[i];
		}
		out->ordered = ordered / (double)rows;
		out->set = set / (double)rows;
		out->pairs = (int)rows;
		out->coverage = (double)rows / (double)cols;
	}
	for (size_t p = 0; p < a->nscripted; p++) {
		double s = script_score(a, b, a->scripted[p].script);
		if (s > out->script)
			out->script = s;
	}
	out->best = out->ordered;
	out->route = SP_MROUTE_ORDERED;
	if (out->set > out->best)
		out->best = out->set, out->route = SP_MROUTE_SET;
	if (out->script > out->best)
		out->best = out->script, out->route = SP_MROUTE_SCRIPT;
}
