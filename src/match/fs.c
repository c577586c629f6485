/* Linking with the Fellegi–Sunter model (safepath/fsmodel.h): blocking by unions of key rules,
 * the comparisons of every candidate pair, u from random pairs, m and the share of matches by
 * EM on the candidates, term-frequency adjustment, then a weight and probability per pair. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/buf.h"
#include "safepath/fsmodel.h"

#define KEY_MAX 256
#define PROGRESS_EVERY 65536
#define M_FLOOR 1e-6 /* no level is impossible for a match: one typo anywhere */
#define EM_TOLERANCE 1e-7

/* The cell of a row: left rows first, then right rows (a deduplication has left only). */
struct side {
	const struct sp_fs_model *m;
	const struct sp_fs_table *left, *right;
	size_t n_left;
};

static const char *cell(const struct side *s, size_t row, int field)
{
	const struct sp_fs_table *t = row < s->n_left ? s->left : s->right;
	size_t r = row < s->n_left ? row : row - s->n_left;
	return t->cells[r * (size_t)s->m->n_fields + (size_t)field];
}

/* The blocking key of row under rule into out; false when a part is missing. */
static bool rule_key(const struct side *s, const struct sp_fs_rule *rule, size_t row,
		     char out[KEY_MAX])
{
	size_t at = 0;
	for (int k = 0; k < rule->n_keys; k++) {
		const struct sp_fs_key *key = &rule->keys[k];
		char v[KEY_MAX];
		if (!sp_compare_key(s->m->field_kind[key->field], cell(s, row, key->field), v,
				    sizeof v))
			return false;
		size_t n = strlen(v);
		if (key->year)
			n = n < 4 ? n : 4;
		else if (key->prefix) { /* prefix code points, not bytes */
			size_t cps = 0, i = 0;
			for (; i < n; i++)
				if (((unsigned char)v[i] & 0xC0) != 0x80 && cps++ == (size_t)key->prefix)
					break;
			n = i;
		}
		if (at + n + 2 > KEY_MAX)
			return false;
		memcpy(out + at, v, n);
		at += n;
		out[at++] = '\x1f';
	}
	out[at] = '\0';
	return true;
}

/* A row's key under a rule, as its 64-bit hash: rows are grouped by hash, so a collision
 * (about one in 2^64 per pair of keys) only adds candidates, which the comparisons judge. */
struct keyed {
	uint64_t hash;
	uint32_t row;
};

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return (a > b) - (a < b);
}

struct blocking {
	struct sp_buf pairs; /* uint64_t: left << 32 | right (rows of their own table) */
	uint64_t capped;
};

/* The pairs of one group of rows sharing a key: [lo, hi) of the sorted keys. */
static int emit_group(const struct side *s, bool dedup, const struct keyed *k, size_t lo,
		      size_t hi, struct blocking *b, struct sp_err *err)
{
	size_t nl = 0;
	while (lo + nl < hi && k[lo + nl].row < s->n_left)
		nl++;
	size_t nr = hi - lo - nl;
	uint64_t count = dedup ? (uint64_t)nl * (nl - 1) / 2 : (uint64_t)nl * nr;
	if (count == 0)
		return SP_OK;
	if (count > s->m->max_block_pairs) {
		b->capped++;
		return SP_OK;
	}
	if (b->pairs.len / sizeof(uint64_t) + count > s->m->max_pairs)
		return sp_err_set(err, SP_ETOOBIG, "max_pairs",
				  "blocking gives more than %llu candidate pairs: add key parts "
				  "to the blocking rules",
				  (unsigned long long)s->m->max_pairs);
	for (size_t i = lo; i < lo + nl; i++) {
		size_t from = dedup ? i + 1 : lo + nl, to = dedup ? lo + nl : hi;
		for (size_t j = from; j < to; j++) {
			uint64_t l = k[i].row, r = dedup ? k[j].row : k[j].row - s->n_left;
			if (dedup && l > r) {
				uint64_t t = l;
				l = r, r = t;
			}
			uint64_t p = l << 32 | r;
			if (sp_buf_add(&b->pairs, &p, sizeof p))
				return sp_err_set(err, SP_ENOMEM, "", "out of memory for pairs");
		}
	}
	return SP_OK;
}

static int block_rule(const struct side *s, bool dedup, const struct sp_fs_rule *rule,
		      struct blocking *b, struct sp_err *err)
{
	size_t rows = s->n_left + (dedup ? 0 : s->right->n_rows);
	struct keyed *k = malloc((rows ? rows : 1) * sizeof *k);
	if (!k)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for blocking");
	size_t n = 0;
	for (size_t row = 0; row < rows; row++) {
		char key[KEY_MAX];
		if (rule_key(s, rule, row, key))
			k[n++] = (struct keyed){.hash = fnv1a(key), .row = (uint32_t)row};
	}
	qsort(k, n, sizeof *k, cmp_keyed);
	int rc = SP_OK;
	for (size_t lo = 0, hi; !rc && lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && k[hi].hash == k[lo].hash; hi++)
			;
		rc = emit_group(s, dedup, k, lo, hi, b, err);
	}
	free(k);
	return rc;
}

/* A small deterministic generator (splitmix64) for the random pairs. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* u per comparison and level from random pairs, with one added to every count (no level is
 * impossible among different people either). */
static void estimate_u(const struct side *s, bool dedup, struct sp_fs_result *r)
{
	const struct sp_fs_model *m = s->m;
	size_t nl = s->n_left, nr = dedup ? nl : r->n_right;
	double total = dedup ? (double)nl * (double)(nl - 1) / 2 : (double)nl * (double)nr;
	uint64_t samples = (double)m->random_pairs < total ? m->random_pairs : (uint64_t)total;
	uint64_t state = m->seed;
	r->comparisons += samples * (uint64_t)m->n_comparisons;
	uint64_t counts[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX] = {{0}};
	for (uint64_t i = 0; i < samples; i++) {
		size_t a = (size_t)(next_random(&state) % nl), b;
		do
			b = (size_t)(next_random(&state) % nr);
		while (dedup && b == a);
		for (int c = 0; c < m->n_comparisons; c++) {
			const struct sp_comparison *cmp = &m->comparisons[c];
			int l = sp_compare(cmp, cell(s, a, cmp->field),
					   cell(s, dedup ? b : nl + b, cmp->field));
			if (l >= 0)
				counts[c][l]++;
		}
	}
	for (int c = 0; c < m->n_comparisons; c++) {
		const struct sp_comparison *cmp = &m->comparisons[c];
		double sum = cmp->n_levels;
		for (int l = 0; l < cmp->n_levels; l++)
			sum += (double)counts[c][l];
		for (int l = 0; l < cmp->n_levels; l++)
			r->u[c * SP_CMP_LEVELS_MAX + l] = ((double)counts[c][l] + 1) / sum;
	}
}

/* The frequency of each row's value of comparison c among the rows that have one (values
 * grouped by hash, as blocking keys are). */
static int term_frequencies(const struct side *s, size_t rows, int c, double *out,
			    struct sp_err *err)
{
	const struct sp_comparison *cmp = &s->m->comparisons[c];
	struct keyed *k = malloc((rows ? rows : 1) * sizeof *k);
	if (!k)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for frequencies");
	size_t n = 0;
	for (size_t row = 0; row < rows; row++) {
		char v[KEY_MAX];
		out[row] = 0;
		if (sp_compare_key(cmp->kind, cell(s, row, cmp->field), v, sizeof v))
			k[n++] = (struct keyed){.hash = fnv1a(v), .row = (uint32_t)row};
	}
	qsort(k, n, sizeof *k, cmp_keyed);
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && k[hi].hash == k[lo].hash; hi++)
			;
		for (size_t i = lo; i < hi; i++)
			out[k[i].row] = (double)(hi - lo) / (double)n;
	}
	free(k);
	return SP_OK;
}

/* m per comparison and level and the share of matches lambda, by EM over the candidates'
 * levels with u fixed; m starts halving from the best level down. */
static void estimate_m(const struct sp_fs_model *m, struct sp_fs_result *r)
{
	size_t nc = (size_t)m->n_comparisons;
	for (size_t c = 0; c < nc; c++) {
		int nl = m->comparisons[c].n_levels;
		double sum = 0, v = 1;
		for (int l = 0; l < nl; l++) {
			r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] = v;
			sum += v;
			v /= 2;
		}
		for (int l = 0; l < nl; l++)
			r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] /= sum;
	}
	r->lambda = m->prior;
	double num[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX], den[SP_FS_COMPARISONS_MAX];
	for (r->em_iterations = 0; r->em_iterations < m->em_iterations && r->n_pairs;) {
		r->em_iterations++;
		memset(num, 0, sizeof num);
		memset(den, 0, sizeof den);
		double lw[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX];
		for (size_t c = 0; c < nc; c++)
			for (int l = 0; l < m->comparisons[c].n_levels; l++)
				lw[c][l] = log(r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] /
					       r->u[c * SP_CMP_LEVELS_MAX + (size_t)l]);
		double prior = log(r->lambda / (1 - r->lambda)), sum_p = 0;
		for (size_t i = 0; i < r->n_pairs; i++) {
			const uint8_t *lv = r->levels + i * nc;
			double x = prior;
			for (size_t c = 0; c < nc; c++)
				if (lv[c] != SP_FS_LEVEL_NONE)
					x += lw[c][lv[c]];
			double p = 1 / (1 + exp(-x));
			sum_p += p;
			for (size_t c = 0; c < nc; c++)
				if (lv[c] != SP_FS_LEVEL_NONE)
					num[c][lv[c]] += p, den[c] += p;
		}
		double change = 0;
		for (size_t c = 0; c < nc; c++) {
			int nl = m->comparisons[c].n_levels;
			double sum = 0;
			for (int l = 0; l < nl; l++) {
				double v = den[c] > 0 ? num[c][l] / den[c] : 1.0 / nl;
				num[c][l] = v > M_FLOOR ? v : M_FLOOR;
				sum += num[c][l];
			}
			for (int l = 0; l < nl; l++) {
				double *mv = &r->m[c * SP_CMP_LEVELS_MAX + (size_t)l];
				double v = num[c][l] / sum;
				change = fmax(change, fabs(v - *mv));
				*mv = v;
			}
		}
		double lambda = sum_p / (double)r->n_pairs;
		lambda = fmin(fmax(lambda, 1e-9), 1 - 1e-9);
		change = fmax(change, fabs(lambda - r->lambda));
		r->lambda = lambda;
		if (change < EM_TOLERANCE)
			break;
	}
}

/* The level of comparison c for pair i, or SP_LEVEL_MISSING. */
static int level_of(const struct sp_fs_result *r, size_t i, int c)
{
	unsigned l = r->levels[i * (size_t)r->model->n_comparisons + (size_t)c];
	return l == SP_FS_LEVEL_NONE ? SP_LEVEL_MISSING : (int)l;
}

double sp_fs_contribution(const struct sp_fs_result *r, size_t i, int c)
{
	const struct sp_fs_model *m = r->model;
	int l = level_of(r, i, c);
	if (l < 0)
		return 0;
	double mv = r->m[c * SP_CMP_LEVELS_MAX + l], u = r->u[c * SP_CMP_LEVELS_MAX + l];
	int slot = r->tf_slot[c];
	if (slot >= 0 && m->comparisons[c].levels[l].test == SP_TEST_EXACT) {
		size_t rows = r->n_left + r->n_right;
		double f = r->tf_u[(size_t)slot * rows + r->pairs[i].left];
		double floor = 1.0 / (double)rows;
		u = f > floor ? f : floor;
	}
	return log2(mv / u);
}

static double prior_weight(const struct sp_fs_result *r)
{
	return log2(r->lambda / (1 - r->lambda));
}

struct ranked {
	struct sp_fs_pair pair;
	size_t at; /* where its levels are */
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct sp_fs_pair *a = &((const struct ranked *)pa)->pair;
	const struct sp_fs_pair *b = &((const struct ranked *)pb)->pair;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->left != b->left)
		return a->left < b->left ? -1 : 1;
	return (a->right > b->right) - (a->right < b->right);
}

/* Weights and probabilities, then the pairs (and their levels) by descending probability. */
static int score(struct sp_fs_result *r, struct sp_err *err)
{
	size_t nc = (size_t)r->model->n_comparisons;
	double prior = prior_weight(r);
	for (size_t i = 0; i < r->n_pairs; i++) {
		double w = prior;
		for (size_t c = 0; c < nc; c++)
			w += sp_fs_contribution(r, i, (int)c);
		r->pairs[i].weight = w;
		r->pairs[i].probability = 1 / (1 + exp2(-w));
	}
	size_t n = r->n_pairs ? r->n_pairs : 1;
	struct ranked *order = malloc(n * sizeof *order);
	uint8_t *levels = malloc(n * nc);
	if (!order || !levels) {
		free(order), free(levels);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for scores");
	}
	for (size_t i = 0; i < r->n_pairs; i++)
		order[i] = (struct ranked){.pair = r->pairs[i], .at = i};
	qsort(order, r->n_pairs, sizeof *order, cmp_ranked);
	for (size_t i = 0; i < r->n_pairs; i++) {
		r->pairs[i] = order[i].pair;
		memcpy(levels + i * nc, r->levels + order[i].at * nc, nc);
	}
	free(order);
	free(r->levels);
	r->levels = levels;
	return SP_OK;
}

static int compare_pairs(const struct side *s, bool dedup, struct sp_fs_result *r,
			 sp_fs_progress_fn *progress, void *ctx)
{
	const struct sp_fs_model *m = s->m;
	size_t nc = (size_t)m->n_comparisons;
	for (size_t i = 0; i < r->n_pairs; i++) {
		size_t a = r->pairs[i].left, b = dedup ? r->pairs[i].right : s->n_left + r->pairs[i].right;
		for (size_t c = 0; c < nc; c++) {
			const struct sp_comparison *cmp = &m->comparisons[c];
			int l = sp_compare(cmp, cell(s, a, cmp->field), cell(s, b, cmp->field));
			r->levels[i * nc + c] = (uint8_t)(l < 0 ? SP_FS_LEVEL_NONE : l);
		}
		if (progress && i % PROGRESS_EVERY == 0)
			progress(ctx, "compare", i, r->n_pairs);
	}
	r->comparisons += (uint64_t)r->n_pairs * nc;
	if (progress)
		progress(ctx, "compare", r->n_pairs, r->n_pairs);
	return SP_OK;
}

/* The candidate pairs of every rule, sorted and without repeats, into r->pairs. */
static int block(const struct side *s, bool dedup, struct sp_fs_result *r,
		 sp_fs_progress_fn *progress, void *ctx, struct sp_err *err)
{
	struct blocking b = {.capped = 0};
	sp_buf_init(&b.pairs, SIZE_MAX / 2);
	int rc = SP_OK;
	for (int i = 0; !rc && i < s->m->n_rules; i++) {
		if (progress)
			progress(ctx, "block", (uint64_t)i, (uint64_t)s->m->n_rules);
		rc = block_rule(s, dedup, &s->m->rules[i], &b, err);
	}
	size_t n = b.pairs.len / sizeof(uint64_t), kept = 0;
	uint64_t *p = (uint64_t *)(void *)b.pairs.data;
	if (!rc && n) {
		qsort(p, n, sizeof *p, cmp_u64);
		for (size_t i = 0; i < n; i++)
			if (!kept || p[kept - 1] != p[i])
				p[kept++] = p[i];
	}
	if (!rc) {
		r->pairs = calloc(kept ? kept : 1, sizeof *r->pairs);
		r->levels = malloc((kept ? kept : 1) * (size_t)s->m->n_comparisons);
		if (!r->pairs || !r->levels) {
			sp_buf_free(&b.pairs);
			return sp_err_set(err, SP_ENOMEM, "", "out of memory for pairs");
		}
	}
	for (size_t i = 0; !rc && i < kept; i++)
		r->pairs[i] = (struct sp_fs_pair){.left = (uint32_t)(p[i] >> 32),
						  .right = (uint32_t)(p[i] & 0xFFFFFFFFu)};
	r->n_pairs = rc ? 0 : kept;
	r->capped_keys = b.capped;
	sp_buf_free(&b.pairs);
	if (!rc && progress)
		progress(ctx, "block", (uint64_t)s->m->n_rules, (uint64_t)s->m->n_rules);
	return rc;
}

int sp_fs_link(const struct sp_fs_model *m, const struct sp_fs_table *left,
	       const struct sp_fs_table *right, sp_fs_progress_fn *progress, void *ctx,
	       struct sp_fs_result **out, struct sp_err *err)
{
	*out = NULL;
	bool dedup = right == NULL;
	size_t nl = left->n_rows, nr = dedup ? 0 : right->n_rows;
	if (nl > UINT32_MAX || nr > UINT32_MAX || nl + nr > UINT32_MAX)
		return sp_err_set(err, SP_ETOOBIG, "rows", "more than %u rows", UINT32_MAX);
	if (nl < (dedup ? 2u : 1u) || (!dedup && nr < 1))
		return sp_err_set(err, SP_EINVAL, "rows",
				  dedup ? "a deduplication needs two rows or more"
					: "each side needs a row or more");
	struct sp_fs_result *r = calloc(1, sizeof *r);
	if (!r)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	r->model = m;
	r->n_left = nl, r->n_right = nr;
	struct side s = {.m = m, .left = left, .right = right, .n_left = nl};
	size_t nc = (size_t)m->n_comparisons, rows = nl + nr, slots = 0;
	for (size_t c = 0; c < nc; c++)
		r->tf_slot[c] = m->comparisons[c].term_frequency ? (int)slots++ : -1;
	r->m = calloc(nc * SP_CMP_LEVELS_MAX, sizeof *r->m);
	r->u = calloc(nc * SP_CMP_LEVELS_MAX, sizeof *r->u);
	r->tf_u = calloc(slots * rows + 1, sizeof *r->tf_u);
	int rc = r->m && r->u && r->tf_u ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc)
		rc = block(&s, dedup, r, progress, ctx, err);
	if (!rc)
		rc = compare_pairs(&s, dedup, r, progress, ctx);
	if (!rc) {
		if (progress)
			progress(ctx, "estimate", 0, 1);
		estimate_u(&s, dedup, r);
		for (size_t c = 0; !rc && c < nc; c++)
			if (r->tf_slot[c] >= 0)
				rc = term_frequencies(&s, rows, (int)c,
						      r->tf_u + (size_t)r->tf_slot[c] * rows, err);
	}
	if (!rc) {
		estimate_m(m, r);
		rc = score(r, err);
		if (progress)
			progress(ctx, "estimate", 1, 1);
	}
	if (rc) {
		sp_fs_result_free(r);
		return rc;
	}
	*out = r;
	return SP_OK;
}

void sp_fs_result_free(struct sp_fs_result *r)
{
	if (!r)
		return;
	free(r->pairs);
	free(r->levels);
	free(r->m);
	free(r->u);
	free(r->tf_u);
	free(r);
}

void sp_fs_explain(const struct sp_fs_result *r, size_t i, char *out, size_t cap)
{
	const struct sp_fs_model *m = r->model;
	size_t at = 0;
	out[0] = '\0';
	for (int c = 0; c < m->n_comparisons && at < cap; c++) {
		const struct sp_comparison *cmp = &m->comparisons[c];
		int l = level_of(r, i, c);
		char words[64];
		sp_cmp_level_describe(cmp, l, words, sizeof words);
		bool rare = l >= 0 && r->tf_slot[c] >= 0 && cmp->levels[l].test == SP_TEST_EXACT;
		int n = snprintf(out + at, cap - at, "%s %s%s %+.2f; ", cmp->id, words,
				 rare ? " (by the value's frequency)" : "",
				 sp_fs_contribution(r, i, c));
		at += n > 0 ? (size_t)n : 0;
	}
	if (at < cap)
		snprintf(out + at, cap - at, "prior %+.2f = weight %.2f, probability %.4f",
			 prior_weight(r), r->pairs[i].weight, r->pairs[i].probability);
}

void sp_fs_quality(const struct sp_fs_labelled *pairs, size_t n, double threshold,
		   struct sp_fs_quality *out)
{
	memset(out, 0, sizeof *out);
	out->threshold = threshold;
	for (size_t i = 0; i < n; i++) {
		bool yes = pairs[i].probability >= threshold;
		if (yes && pairs[i].confirmed)
			out->true_pos++;
		else if (yes)
			out->false_pos++;
		else if (pairs[i].confirmed)
			out->false_neg++;
	}
	double tp = (double)out->true_pos;
	out->precision = out->true_pos ? tp / (tp + (double)out->false_pos) : 0;
	out->recall = out->true_pos ? tp / (tp + (double)out->false_neg) : 0;
	out->f1 = out->true_pos ? 2 * out->precision * out->recall / (out->precision + out->recall)
				: 0;
}

static int cmp_labelled(const void *pa, const void *pb)
{
	const struct sp_fs_labelled *a = pa, *b = pb;
	if (a->probability != b->probability)
		return a->probability > b->probability ? -1 : 1;
	return (int)b->confirmed - (int)a->confirmed;
}

void sp_fs_best_threshold(struct sp_fs_labelled *pairs, size_t n, struct sp_fs_quality *out)
{
	qsort(pairs, n, sizeof *pairs, cmp_labelled);
	uint64_t positives = 0, tp = 0;
	for (size_t i = 0; i < n; i++)
		positives += pairs[i].confirmed;
	double best = -1, at = 1;
	for (size_t i = 0; i < n; i++) {
		tp += pairs[i].confirmed;
		/* a threshold falls between distinct probabilities only */
		if (i + 1 < n && pairs[i + 1].probability == pairs[i].probability)
			continue;
		double f1 = 2.0 * (double)tp / ((double)(i + 1) + (double)positives);
		if (pairs[i].probability > 0 && f1 > best)
			best = f1, at = pairs[i].probability;
	}
	sp_fs_quality(pairs, n, at, out);
}
