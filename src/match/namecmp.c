/* Two names compared (safepath/normalise.h): word by word in order, as sets through the best
 * one-to-one assignment of words, and in their original script when both hold one. Pure. The
 * comparison runs over a view of slices, taken from a built name or from its prepared cell
 * (sp_match_name_encode), so that the registry compares stored cells without rebuilding them. */
#include <limits.h>
#include <stdint.h>
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

/* Separators of a prepared cell: a word, a part in its script, a form within a word. */
#define SEP_WORD '\x1e'
#define SEP_SCRIPT '\x1d'
#define SEP_FORM '\x1f'

struct slice {
	const char *s;
	size_t len;
};

/* A name as slices: of a struct sp_match_name or of a prepared cell. */
struct view {
	size_t nwords, nscripted;
	struct {
		struct slice form[SP_MATCH_FORM_COUNT];
	} word[SP_MATCH_MAX_WORDS];
	struct {
		const char *script; /* 4 bytes, not NUL-ended */
		struct slice text;
	} scripted[SP_MATCH_MAX_PARTS];
};

static struct slice whole(const char *s)
{
	return (struct slice){s, strlen(s)};
}

static void view_of_name(const struct sp_match_name *n, struct view *v)
{
	v->nwords = n->nwords;
	v->nscripted = n->nscripted;
	for (size_t i = 0; i < n->nwords; i++) {
		v->word[i].form[SP_MATCH_BARE] = whole(n->word[i].bare);
		v->word[i].form[SP_MATCH_SKELETON] = whole(n->word[i].skeleton);
		v->word[i].form[SP_MATCH_PHONETIC] = whole(n->word[i].phonetic);
	}
	for (size_t p = 0; p < n->nscripted; p++) {
		v->scripted[p].script = n->scripted[p].script;
		v->scripted[p].text = whole(n->scripted[p].inscript);
	}
}

/* The slice from p to the next separator (or the end). */
static struct slice until_sep(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != SEP_WORD && p[n] != SEP_SCRIPT && p[n] != SEP_FORM)
		n++;
	return (struct slice){p, n};
}

/* The view of a prepared cell; false when cell is not one (or is damaged). */
static bool view_of_cell(const char *cell, struct view *v)
{
	v->nwords = v->nscripted = 0;
	if (!cell || cell[0] != SP_MATCH_PREPARED_MARK)
		return false;
	for (const char *p = cell + 1; *p;) {
		if (*p == SEP_WORD && p[1] >= '0' && p[1] < '0' + SP_NPART_ROLE_COUNT &&
		    v->nwords < SP_MATCH_MAX_WORDS) {
			p += 2;
			for (int f = 0; f < SP_MATCH_FORM_COUNT; f++) {
				struct slice s = until_sep(p);
				if (f + 1 < SP_MATCH_FORM_COUNT && s.s[s.len] != SEP_FORM)
					return false;
				v->word[v->nwords].form[f] = s;
				p += s.len + (f + 1 < SP_MATCH_FORM_COUNT);
			}
			if (!v->word[v->nwords].form[SP_MATCH_BARE].len)
				return false;
			v->nwords++;
		} else if (*p == SEP_SCRIPT && v->nscripted < SP_MATCH_MAX_PARTS &&
			   strnlen(p + 1, 4) == 4) {
			struct slice text = until_sep(p + 5);
			v->scripted[v->nscripted].script = p + 1;
			v->scripted[v->nscripted++].text = text;
			p = text.s + text.len;
		} else {
			return false;
		}
	}
	return v->nwords > 0;
}

static bool slice_eq(struct slice a, struct slice b)
{
	return a.len && a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

/* Code points of a slice, at most SP_STRSIM_MAX. */
struct cps {
	size_t n;
	uint32_t c[SP_STRSIM_MAX];
};

static void decode(struct slice s, struct cps *out)
{
	out->n = sp_utf8_codepoints_n(s.s, s.len, out->c, SP_STRSIM_MAX);
}

static double jw(const struct cps *a, const struct cps *b)
{
	return sp_jaro_winkler(a->c, a->n, b->c, b->n);
}

/* The words of one script's parts, split at spaces (at most SP_MATCH_MAX_WORDS). */
static size_t script_words(const struct view *n, const char *script, struct cps words[SP_MATCH_MAX_WORDS])
{
	size_t k = 0;
	for (size_t p = 0; p < n->nscripted; p++) {
		if (memcmp(n->scripted[p].script, script, 4) != 0)
			continue;
		const char *w = n->scripted[p].text.s, *end = w + n->scripted[p].text.len;
		while (w < end && k < SP_MATCH_MAX_WORDS) {
			size_t len = 0;
			while (w + len < end && w[len] != ' ')
				len++;
			if (len)
				decode((struct slice){w, len}, &words[k++]);
			w += len + (w + len < end);
		}
	}
	return k;
}

/* Mean Jaro–Winkler of the best assignment between the words of a and b in one script. */
static double script_score(const struct view *a, const struct view *b, const char *script)
{
	struct cps wa[SP_MATCH_MAX_WORDS], wb[SP_MATCH_MAX_WORDS];
	size_t na = script_words(a, script, wa), nb = script_words(b, script, wb);
	if (!na || !nb)
		return -1;
	bool swap = na > nb;
	size_t rows = swap ? nb : na, cols = swap ? na : nb, to[SP_MATCH_MAX_WORDS];
	double w[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS];
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			w[i][j] = jw(swap ? &wb[i] : &wa[i], swap ? &wa[j] : &wb[j]);
	assign(w, rows, cols, to);
	double sum = 0;
	for (size_t i = 0; i < rows; i++)
		sum += w[i][to[i]];
	return sum / (double)rows;
}

/* The edit distances of the assigned pairs summed, given up once over edits_max (the sum is
 * then edits_max + 1): a pair's length difference is a lower bound of its distance, so most
 * pairs of different names need no table at all. */
static int sum_edits(const struct cps *r, const struct cps *c, const size_t *to,
		     double sim[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS], size_t rows, int edits_max)
{
	int sum = 0;
	for (size_t i = 0; i < rows && sum <= edits_max; i++) {
		if (sim[i][to[i]] == 1.0)
			continue;
		size_t na = r[i].n, nb = c[to[i]].n, diff = na > nb ? na - nb : nb - na;
		/* a different word is one edit at least */
		sum += diff > 1 ? (int)diff : 1;
		if (sum <= edits_max)
			sum += sp_damerau_levenshtein(r[i].c, na, c[to[i]].c, nb) -
			       (diff > 1 ? (int)diff : 1);
	}
	return sum <= edits_max ? sum : edits_max + 1;
}

static void compare_views(const struct view *a, const struct view *b, int edits_max,
			  struct sp_match_cmp *out)
{
	memset(out, 0, sizeof *out);
	out->script = -1;
	size_t na = a->nwords, nb = b->nwords;
	bool swap = na > nb;
	size_t rows = swap ? nb : na, cols = swap ? na : nb;
	const struct view *r = swap ? b : a, *c = swap ? a : b;
	struct cps cr[SP_MATCH_MAX_WORDS], cc[SP_MATCH_MAX_WORDS];
	for (size_t i = 0; i < rows; i++)
		decode(r->word[i].form[SP_MATCH_BARE], &cr[i]);
	for (size_t j = 0; j < cols; j++)
		decode(c->word[j].form[SP_MATCH_BARE], &cc[j]);
	double sim[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS], w[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS];
	bool skel[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS], phon[SP_MATCH_MAX_WORDS][SP_MATCH_MAX_WORDS];
	double ordered = 0, set = 0;
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++) {
			sim[i][j] = jw(&cr[i], &cc[j]);
			ordered += i == j ? sim[i][j] : 0;
			skel[i][j] = slice_eq(r->word[i].form[SP_MATCH_SKELETON],
					      c->word[j].form[SP_MATCH_SKELETON]);
			phon[i][j] = slice_eq(r->word[i].form[SP_MATCH_PHONETIC],
					      c->word[j].form[SP_MATCH_PHONETIC]);
			/* agreeing keys pull a pair together: Maxamed goes with Mohamed */
			w[i][j] = sim[i][j] + 0.5 * skel[i][j] + 0.5 * phon[i][j];
		}
	if (rows) {
		size_t to[SP_MATCH_MAX_WORDS];
		assign(w, rows, cols, to);
		for (size_t i = 0; i < rows; i++) {
			set += sim[i][to[i]];
			out->skeleton_agree += skel[i][to[i]];
			out->phonetic_agree += phon[i][to[i]];
			for (size_t k = 0; k < i; k++)
				out->reordered = out->reordered || to[k] > to[i];
		}
		out->edits = edits_max >= 0 ? sum_edits(cr, cc, to, sim, rows, edits_max) : 0;
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

void sp_match_name_compare(const struct sp_match_name *a, const struct sp_match_name *b, struct sp_match_cmp *out)
{
	struct view va, vb;
	view_of_name(a, &va);
	view_of_name(b, &vb);
	compare_views(&va, &vb, INT_MAX - 1, out);
}

bool sp_match_prepared_compare(const char *a, const char *b, int edits_max,
			       struct sp_match_cmp *out)
{
	struct view va, vb;
	if (!view_of_cell(a, &va) || !view_of_cell(b, &vb))
		return false;
	compare_views(&va, &vb, edits_max, out);
	return true;
}

size_t sp_match_prepared_words(const char *cell, enum sp_match_form form,
			       struct sp_match_slice *out, size_t cap)
{
	struct view v;
	if ((unsigned)form >= SP_MATCH_FORM_COUNT || !view_of_cell(cell, &v))
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < v.nwords && n < cap; i++)
		if (v.word[i].form[form].len)
			out[n++] = (struct sp_match_slice){v.word[i].form[form].s,
							   v.word[i].form[form].len};
	return n;
}

/* Append s (len bytes) to out at *at; false when it holds a control character (the
 * separators) or would not leave room for the NUL. */
static bool put(char *out, size_t cap, size_t *at, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	if (*at + len >= cap)
		return false;
	memcpy(out + *at, s, len);
	*at += len;
	return true;
}

static bool put_sep(char *out, size_t cap, size_t *at, char c)
{
	if (*at + 1 >= cap)
		return false;
	out[(*at)++] = c;
	return true;
}

size_t sp_match_name_encode(const struct sp_match_name *name, char *out, size_t cap)
{
	size_t at = 0;
	bool ok = name->nwords > 0 && name->nwords <= SP_MATCH_MAX_WORDS &&
		  name->nscripted <= SP_MATCH_MAX_PARTS &&
		  put_sep(out, cap, &at, SP_MATCH_PREPARED_MARK);
	for (size_t i = 0; ok && i < name->nwords; i++) {
		const struct sp_match_word *w = &name->word[i];
		ok = (unsigned)w->role < SP_NPART_ROLE_COUNT && w->bare[0] &&
		     put_sep(out, cap, &at, SEP_WORD) &&
		     put_sep(out, cap, &at, (char)('0' + (int)w->role)) &&
		     put(out, cap, &at, w->bare, strlen(w->bare)) && put_sep(out, cap, &at, SEP_FORM) &&
		     put(out, cap, &at, w->skeleton, strlen(w->skeleton)) &&
		     put_sep(out, cap, &at, SEP_FORM) &&
		     put(out, cap, &at, w->phonetic, strlen(w->phonetic));
	}
	for (size_t p = 0; ok && p < name->nscripted; p++) {
		const struct sp_match_script *s = &name->scripted[p];
		ok = strlen(s->script) == 4 && put_sep(out, cap, &at, SEP_SCRIPT) &&
		     put(out, cap, &at, s->script, 4) &&
		     put(out, cap, &at, s->inscript, strlen(s->inscript));
	}
	if (!ok)
		return 0;
	out[at] = '\0';
	return at;
}
