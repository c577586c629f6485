/* Linking with the Fellegi–Sunter model (safepath/fsmodel.h): blocking by unions of key rules,
 * the comparisons of every candidate pair, u from random pairs, m and the share of matches by
 * EM on the candidates, term-frequency adjustment, then a weight and probability per pair. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safepath/buf.h"
#include "safepath/fsmodel.h"
#include "safepath/normalise.h"

#define KEY_MAX 256
#define PROGRESS_EVERY 65536
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

/* A row's key under a rule, as its 64-bit hash (the rule's number hashed first): rows are
 * grouped by hash, so a collision (about one in 2^64 per pair of keys) only adds candidates,
 * which the comparisons judge. */
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

static uint64_t fnv1a_from(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint64_t fnv1a(const char *s)
{
	return fnv1a_from(1469598103934665603ULL, s);
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

/* Every row's keys under every rule, as (hash, row), sorted: rows sharing a key are a group. */
static int row_keys(const struct side *s, size_t rows, struct sp_buf *out, struct sp_err *err)
{
	const struct sp_fs_model *m = s->m;
	struct sp_fs_rowkey *keys = malloc(SP_FS_ROW_KEYS_MAX * sizeof *keys);
	if (!keys)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory for blocking");
	const char *cells[SP_FS_FIELDS_MAX];
	int rc = SP_OK;
	for (size_t row = 0; !rc && row < rows; row++) {
		for (int f = 0; f < m->n_fields; f++)
			cells[f] = cell(s, row, f);
		size_t n = sp_fs_row_keys(m, cells, keys, SP_FS_ROW_KEYS_MAX);
		for (size_t i = 0; !rc && i < n; i++) {
			char rule[2] = {(char)('A' + keys[i].rule), '\0'};
			struct keyed k = {.hash = fnv1a_from(fnv1a(rule), keys[i].key),
					  .row = (uint32_t)row};
			if (sp_buf_add(out, &k, sizeof k))
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory for blocking");
		}
	}
	free(keys);
	if (!rc && out->len) /* an empty buffer has no data to hand qsort */
		qsort(out->data, out->len / sizeof(struct keyed), sizeof(struct keyed), cmp_keyed);
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

/* One M step of a class: per comparison not held out, the levels' weighted counts num over
 * their sum den (each level at least the model's m_floor), into out (n_comparisons ×
 * SP_CMP_LEVELS_MAX). The largest change. */
static double m_step(const struct sp_fs_model *m, const bool *held,
		     double num[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX],
		     const double den[SP_FS_COMPARISONS_MAX], double *out)
{
	double change = 0;
	for (int c = 0; c < m->n_comparisons; c++) {
		if (held[c])
			continue;
		int nl = m->comparisons[c].n_levels;
		double sum = 0;
		for (int l = 0; l < nl; l++) {
			double v = den[c] > 0 ? num[c][l] / den[c] : 1.0 / nl;
			num[c][l] = fmax(v, m->m_floor);
			sum += num[c][l];
		}
		for (int l = 0; l < nl; l++) {
			double *mv = &out[c * SP_CMP_LEVELS_MAX + l];
			double v = num[c][l] / sum;
			change = fmax(change, fabs(v - *mv));
			*mv = v;
		}
	}
	return change;
}

/* m starting from the model's shipped parameters when it has them (u too), else halving from
 * the best level down; lambda from the shipped one or the prior. */
static void start_m(const struct sp_fs_model *m, bool shipped, struct sp_fs_result *r)
{
	for (size_t c = 0; c < (size_t)m->n_comparisons; c++) {
		int nl = m->comparisons[c].n_levels;
		double sum = 0, v = 1;
		for (int l = 0; l < nl; l++) {
			r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] = shipped ? m->params.m[c][l] : v;
			if (shipped)
				r->u[c * SP_CMP_LEVELS_MAX + (size_t)l] = m->params.u[c][l];
			sum += r->m[c * SP_CMP_LEVELS_MAX + (size_t)l];
			v /= 2;
		}
		for (int l = 0; l < nl; l++)
			r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] /= sum;
	}
	r->lambda = shipped ? m->params.lambda : m->prior;
}

/* EM rounds over r's candidates until nothing moves by EM_TOLERANCE or the model's
 * em_iterations: the share of matches lambda always, m when move_m, u when move_u. A held
 * comparison (held[c]) is left out: it neither weighs in the posteriors nor moves. lambda is
 * the share among the candidates, or with all (> 0) among all that many pairs, those blocking
 * left out counted as non-matches (its change then measured relative to it: it is small). */
static void em_rounds(const struct sp_fs_model *m, struct sp_fs_result *r, const bool *held,
		      bool move_m, bool move_u, double all)
{
	size_t nc = (size_t)m->n_comparisons;
	double num[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX], den[SP_FS_COMPARISONS_MAX];
	double unum[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX], uden[SP_FS_COMPARISONS_MAX];
	for (r->em_iterations = 0; r->em_iterations < m->em_iterations && r->n_pairs;) {
		r->em_iterations++;
		memset(num, 0, sizeof num);
		memset(den, 0, sizeof den);
		memset(unum, 0, sizeof unum);
		memset(uden, 0, sizeof uden);
		double lw[SP_FS_COMPARISONS_MAX][SP_CMP_LEVELS_MAX];
		for (size_t c = 0; c < nc; c++)
			for (int l = 0; l < m->comparisons[c].n_levels; l++)
				lw[c][l] = held[c] ? 0
						   : log(r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] /
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
				if (lv[c] != SP_FS_LEVEL_NONE) {
					num[c][lv[c]] += p, den[c] += p;
					unum[c][lv[c]] += 1 - p, uden[c] += 1 - p;
				}
		}
		double change = move_m ? m_step(m, held, num, den, r->m) : 0;
		if (move_u)
			change = fmax(change, m_step(m, held, unum, uden, r->u));
		double lambda = sum_p / (all > 0 ? all : (double)r->n_pairs);
		lambda = fmin(fmax(lambda, 1e-12), 1 - 1e-9);
		change = fmax(change, fabs(lambda - r->lambda) / (all > 0 ? r->lambda : 1));
		r->lambda = lambda;
		if (change < EM_TOLERANCE)
			break;
	}
}

/* m per comparison and level and the share of matches lambda, by EM over the candidates'
 * levels; m starts from the model's shipped parameters when it has them (EM then refines a
 * good start rather than finding the largest look-alike group, such as people sharing a
 * common name), else halving from the best level down, lambda from the prior. u stays as the
 * random pairs gave it, unless the model asks EM to estimate it too (estimate_u: starting from
 * the shipped u, else the random pairs'), for blocking rules that leave the candidates'
 * non-matches unlike random pairs. With lambda_only, m and u stay the shipped ones and EM finds
 * the share of matches of this population alone; after training (trained: r->m holds the
 * sessions' estimates) EM moves lambda alone too. */
static void estimate_m(const struct sp_fs_model *m, bool trained, double all,
		       struct sp_fs_result *r)
{
	static const bool none[SP_FS_COMPARISONS_MAX];
	if (trained)
		r->lambda = m->prior;
	else
		start_m(m, m->has_params, r);
	bool fixed = m->lambda_only || trained;
	em_rounds(m, r, none, !fixed, m->estimate_u && !fixed, m->n_training ? all : 0);
}

/* The rows of the population a table stands for. */
static double population(const struct sp_fs_table *t)
{
	return (double)(t->n_population > t->n_rows ? t->n_population : t->n_rows);
}

/* The level of comparison c for pair i, or SP_LEVEL_MISSING. */
static int level_of(const struct sp_fs_result *r, size_t i, int c)
{
	unsigned l = r->levels[i * (size_t)r->model->n_comparisons + (size_t)c];
	return l == SP_FS_LEVEL_NONE ? SP_LEVEL_MISSING : (int)l;
}

/* log2 m/u; when exact agreement weighs by the value's frequency (freq > 0), u is that
 * frequency, at least floor. */
static double weigh(double mv, double u, double freq, double floor)
{
	if (freq > 0)
		u = freq > floor ? freq : floor;
	return log2(mv / u);
}

/* Whether comparison c's level l weighs by the value's frequency. */
static bool by_frequency(const struct sp_fs_model *m, int c, int l)
{
	return l >= 0 && m->comparisons[c].term_frequency &&
	       m->comparisons[c].levels[l].test == SP_TEST_EXACT;
}

double sp_fs_contribution(const struct sp_fs_result *r, size_t i, int c)
{
	const struct sp_fs_model *m = r->model;
	int l = level_of(r, i, c);
	if (l < 0)
		return 0;
	double freq = 0, floor = 0;
	int slot = r->tf_slot[c];
	if (slot >= 0 && by_frequency(m, c, l)) {
		size_t rows = r->n_left + r->n_right;
		floor = 1.0 / (double)rows;
		/* a value no row holds (cannot happen for an exact agreement) weighs at the floor */
		freq = fmax(r->tf_u[(size_t)slot * rows + r->pairs[i].left], floor);
	}
	return weigh(r->m[c * SP_CMP_LEVELS_MAX + l], r->u[c * SP_CMP_LEVELS_MAX + l], freq, floor);
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

/* The levels of pairs [lo, hi): one thread's share. Progress is told by the first share only
 * (the shares are equal), scaled to the whole. */
struct compare_job {
	const struct side *s;
	bool dedup;
	struct sp_fs_result *r;
	size_t lo, hi, shares;
	sp_fs_progress_fn *progress;
	void *ctx;
};

static void *compare_range(void *arg)
{
	const struct compare_job *j = arg;
	const struct sp_fs_model *m = j->s->m;
	size_t nc = (size_t)m->n_comparisons;
	for (size_t i = j->lo; i < j->hi; i++) {
		const struct sp_fs_pair *p = &j->r->pairs[i];
		size_t a = p->left, b = j->dedup ? p->right : j->s->n_left + p->right;
		for (size_t c = 0; c < nc; c++) {
			const struct sp_comparison *cmp = &m->comparisons[c];
			int l = sp_compare(cmp, cell(j->s, a, cmp->field), cell(j->s, b, cmp->field));
			j->r->levels[i * nc + c] = (uint8_t)(l < 0 ? SP_FS_LEVEL_NONE : l);
		}
		if (j->progress && (i - j->lo) % PROGRESS_EVERY == 0)
			j->progress(j->ctx, "compare", (i - j->lo) * j->shares, j->r->n_pairs);
	}
	return NULL;
}

/* Threads for n pairs: one per online processor (at most COMPARE_THREADS_MAX), each with at
 * least COMPARE_SHARE_MIN pairs. */
#define COMPARE_THREADS_MAX 8
#define COMPARE_SHARE_MIN 65536
static size_t compare_threads(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = cpus > 1 ? (size_t)cpus : 1;
	t = t < COMPARE_THREADS_MAX ? t : COMPARE_THREADS_MAX;
	while (t > 1 && n / t < COMPARE_SHARE_MIN)
		t--;
	return t;
}

/* Every candidate's levels, the pairs shared out between threads: the comparators are pure, and
 * each pair's levels are written by one thread alone, so the result is the same with any
 * number of threads. A thread that cannot start leaves its share to this one. */
static int compare_pairs(const struct side *s, bool dedup, struct sp_fs_result *r,
			 sp_fs_progress_fn *progress, void *ctx)
{
	size_t n = r->n_pairs, t = compare_threads(n);
	struct compare_job jobs[COMPARE_THREADS_MAX];
	pthread_t tid[COMPARE_THREADS_MAX];
	bool started[COMPARE_THREADS_MAX] = {false};
	jobs[0] = (struct compare_job){.s = s, .dedup = dedup, .r = r, .lo = 0, .hi = n / t,
				       .shares = t, .progress = progress, .ctx = ctx};
	for (size_t k = 1; k < t; k++) {
		jobs[k] = jobs[0];
		jobs[k].lo = n * k / t, jobs[k].hi = n * (k + 1) / t, jobs[k].progress = NULL;
		started[k] = pthread_create(&tid[k], NULL, compare_range, &jobs[k]) == 0;
	}
	compare_range(&jobs[0]);
	for (size_t k = 1; k < t; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			compare_range(&jobs[k]);
	}
	r->comparisons += (uint64_t)n * (size_t)s->m->n_comparisons;
	if (progress)
		progress(ctx, "compare", n, n);
	return SP_OK;
}

/* The candidate pairs of every rule, sorted and without repeats, into r->pairs. */
static int block(const struct side *s, bool dedup, struct sp_fs_result *r,
		 sp_fs_progress_fn *progress, void *ctx, struct sp_err *err)
{
	struct blocking b = {.capped = 0};
	struct sp_buf keyed;
	sp_buf_init(&b.pairs, SIZE_MAX / 2);
	sp_buf_init(&keyed, SIZE_MAX / 2);
	if (progress)
		progress(ctx, "block", 0, 1);
	int rc = row_keys(s, s->n_left + (dedup ? 0 : s->right->n_rows), &keyed, err);
	const struct keyed *k = (const struct keyed *)(void *)keyed.data;
	size_t nk = keyed.len / sizeof *k;
	for (size_t lo = 0, hi; !rc && lo < nk; lo = hi) {
		for (hi = lo + 1; hi < nk && k[hi].hash == k[lo].hash; hi++)
			;
		rc = emit_group(s, dedup, k, lo, hi, &b, err);
	}
	sp_buf_free(&keyed);
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
		progress(ctx, "block", 1, 1);
	return rc;
}

/* m by EM in one session per training rule (Splink's training blocking rules): the pairs of
 * that rule alone are compared and EM runs over them with u fixed (the random pairs'), the
 * comparisons the rule reads held out (the rule makes them agree, so its pairs say nothing of
 * their m); each comparison's m is the mean of its estimates in the sessions that left it free
 * (a model file without one is refused). Into r->m. */
static int train(const struct side *s, bool dedup, struct sp_fs_result *r,
		 sp_fs_progress_fn *progress, void *ctx, struct sp_err *err)
{
	const struct sp_fs_model *m = s->m;
	size_t nc = (size_t)m->n_comparisons;
	struct sp_fs_model *one = malloc(sizeof *one);
	struct sp_fs_result *t = calloc(1, sizeof *t);
	double *sum = calloc(nc * SP_CMP_LEVELS_MAX, sizeof *sum);
	int sessions[SP_FS_COMPARISONS_MAX] = {0};
	if (t) {
		t->m = calloc(nc * SP_CMP_LEVELS_MAX, sizeof *t->m);
		t->u = malloc(nc * SP_CMP_LEVELS_MAX * sizeof *t->u);
	}
	if (!one || !t || !sum || !t->m || !t->u) {
		sp_fs_result_free(t);
		free(one);
		free(sum);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	*one = *m;
	one->n_rules = 1;
	t->model = one;
	t->n_left = r->n_left, t->n_right = r->n_right;
	int rc = SP_OK;
	struct side session = *s;
	session.m = one;
	for (int k = 0; !rc && k < m->n_training; k++) {
		if (progress)
			progress(ctx, "estimate", (uint64_t)k, (uint64_t)m->n_training + 1);
		one->rules[0] = m->training[k];
		free(t->pairs), free(t->levels);
		t->pairs = NULL, t->levels = NULL;
		rc = block(&session, dedup, t, NULL, NULL, err);
		if (rc)
			break;
		compare_pairs(&session, dedup, t, NULL, NULL);
		r->comparisons += t->comparisons, t->comparisons = 0;
		memcpy(t->u, r->u, nc * SP_CMP_LEVELS_MAX * sizeof *t->u);
		start_m(one, false, t);
		bool held[SP_FS_COMPARISONS_MAX];
		for (size_t c = 0; c < nc; c++)
			held[c] = sp_fs_rule_fixes(m, &m->training[k], (int)c);
		em_rounds(one, t, held, true, false, 0);
		for (size_t c = 0; c < nc; c++)
			if (!held[c] && t->n_pairs) {
				sessions[c]++;
				for (int l = 0; l < m->comparisons[c].n_levels; l++)
					sum[c * SP_CMP_LEVELS_MAX + (size_t)l] +=
						t->m[c * SP_CMP_LEVELS_MAX + (size_t)l];
			}
	}
	for (size_t c = 0; !rc && c < nc; c++)
		for (int l = 0; l < m->comparisons[c].n_levels; l++)
			r->m[c * SP_CMP_LEVELS_MAX + (size_t)l] =
				sessions[c] ? sum[c * SP_CMP_LEVELS_MAX + (size_t)l] / sessions[c]
					    : 1.0 / m->comparisons[c].n_levels;
	sp_fs_result_free(t);
	free(one);
	free(sum);
	return rc;
}

/* A table with its plain name cells prepared (sp_match_name_encode), once per row, so that the
 * "name" comparator compares words, keys and scripts; other cells, and names that cannot be
 * prepared (no letter, too long), stay as they are. */
struct prepared {
	struct sp_fs_table table;
	const char **cells; /* NULL when the table needed nothing */
	char *text;
};

static bool needs_preparing(const struct sp_fs_model *m, int field, const char *v)
{
	return m->field_kind[field] == SP_CMP_NAME && v && *v && *v != SP_MATCH_PREPARED_MARK;
}

static int prepare(const struct sp_fs_model *m, const struct sp_fs_table *t,
		   struct sp_normaliser **nz, struct prepared *out, struct sp_err *err)
{
	size_t nf = (size_t)m->n_fields, n = t->n_rows * nf, todo = 0;
	out->table = *t;
	for (size_t i = 0; i < n; i++)
		todo += needs_preparing(m, (int)(i % nf), t->cells[i]);
	if (!todo)
		return SP_OK;
	int rc = *nz ? SP_OK : sp_normaliser_new(nz, err);
	struct sp_match_name *name = malloc(sizeof *name);
	size_t *at = calloc(n, sizeof *at); /* offset + 1 of a cell's prepared text, 0: as given */
	struct sp_buf text;
	sp_buf_init(&text, SIZE_MAX / 2);
	if (!rc && (!name || !at)) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory for names");
		rc = SP_ENOMEM;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		if (!needs_preparing(m, (int)(i % nf), t->cells[i]))
			continue;
		struct sp_npart_in part = {.role = SP_NPART_OTHER, .text = t->cells[i]};
		struct sp_err ignored = {0};
		char cellv[SP_MATCH_PREPARED_MAX];
		size_t len;
		if (sp_match_name_build(*nz, &part, 1, name, &ignored) != SP_OK ||
		    (len = sp_match_name_encode(name, cellv, sizeof cellv)) == 0)
			continue; /* compared as plain text */
		at[i] = text.len + 1;
		if (sp_buf_add(&text, cellv, len + 1))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory for names");
	}
	out->cells = rc ? NULL : malloc(n * sizeof *out->cells);
	if (!rc && !out->cells) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory for names");
		rc = SP_ENOMEM;
	}
	for (size_t i = 0; !rc && i < n; i++)
		out->cells[i] = at[i] ? text.data + at[i] - 1 : t->cells[i];
	free(name);
	free(at);
	if (rc) {
		sp_buf_free(&text);
		return rc;
	}
	out->text = sp_buf_detach(&text, NULL);
	out->table.cells = out->cells;
	return SP_OK;
}

static void prepared_free(struct prepared *p)
{
	free(p->cells);
	free(p->text);
}

int sp_fs_link(const struct sp_fs_model *m, const struct sp_fs_table *left,
	       const struct sp_fs_table *right, sp_fs_progress_fn *progress, void *ctx,
	       struct sp_fs_result **out, struct sp_err *err)
{
	*out = NULL;
	bool dedup = right == NULL, trained = m->n_training && !m->has_params;
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
	struct prepared pl = {0}, pr = {0};
	struct sp_normaliser *nz = NULL;
	int rc = prepare(m, left, &nz, &pl, err);
	if (!rc && !dedup)
		rc = prepare(m, right, &nz, &pr, err);
	sp_normaliser_free(nz);
	struct side s = {.m = m, .left = &pl.table, .right = dedup ? NULL : &pr.table, .n_left = nl};
	size_t nc = (size_t)m->n_comparisons, rows = nl + nr, slots = 0;
	for (size_t c = 0; c < nc; c++)
		r->tf_slot[c] = m->comparisons[c].term_frequency ? (int)slots++ : -1;
	r->m = calloc(nc * SP_CMP_LEVELS_MAX, sizeof *r->m);
	r->u = calloc(nc * SP_CMP_LEVELS_MAX, sizeof *r->u);
	r->tf_u = calloc(slots * rows + 1, sizeof *r->tf_u);
	if (!rc && !(r->m && r->u && r->tf_u))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc)
		rc = block(&s, dedup, r, progress, ctx, err);
	if (!rc)
		rc = compare_pairs(&s, dedup, r, progress, ctx);
	if (!rc) {
		if (progress)
			progress(ctx, "estimate", 0, 1);
		if (!m->has_params) /* else u starts from the shipped parameters */
			estimate_u(&s, dedup, r);
		if (trained)
			rc = train(&s, dedup, r, progress, ctx, err);
		for (size_t c = 0; !rc && c < nc; c++)
			if (r->tf_slot[c] >= 0)
				rc = term_frequencies(&s, rows, (int)c,
						      r->tf_u + (size_t)r->tf_slot[c] * rows, err);
	}
	if (!rc) {
		estimate_m(m, trained,
			   dedup ? population(left) * (population(left) - 1) / 2
				 : population(left) * population(right),
			   r);
		rc = score(r, err);
		if (progress)
			progress(ctx, "estimate", 1, 1);
	}
	prepared_free(&pl);
	prepared_free(&pr);
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

/* The words of a scored pair: each comparison's level, what it rests on and its contribution,
 * then the prior, the weight and the probability. */
static void explain(const struct sp_fs_model *m, const struct sp_fs_score *sc, char *out,
		    size_t cap)
{
	size_t at = 0;
	out[0] = '\0';
	for (int c = 0; c < m->n_comparisons && at < cap; c++) {
		const struct sp_comparison *cmp = &m->comparisons[c];
		const struct sp_cmp_detail *d = &sc->detail[c];
		char words[64], sim[48] = "";
		sp_cmp_level_describe(cmp, sc->levels[c], words, sizeof words);
		if (sc->levels[c] >= 0 && d->route)
			snprintf(sim, sizeof sim, " %s %.2f", d->route, d->similarity);
		int n = snprintf(out + at, cap - at, "%s%s %s%s %+.2f; ", cmp->id, sim, words,
				 sc->by_frequency[c] ? " (by the value's frequency)" : "",
				 sc->contribution[c]);
		at += n > 0 ? (size_t)n : 0;
	}
	if (at < cap)
		snprintf(out + at, cap - at, "prior %+.2f = weight %.2f, probability %.4f",
			 sc->prior, sc->weight, sc->probability);
}

void sp_fs_explain(const struct sp_fs_result *r, size_t i, char *out, size_t cap)
{
	const struct sp_fs_model *m = r->model;
	struct sp_fs_score sc = {.weight = r->pairs[i].weight,
				 .probability = r->pairs[i].probability,
				 .prior = prior_weight(r)};
	for (int c = 0; c < m->n_comparisons; c++) {
		sc.levels[c] = level_of(r, i, c);
		sc.contribution[c] = sp_fs_contribution(r, i, c);
		sc.by_frequency[c] = r->tf_slot[c] >= 0 && by_frequency(m, c, sc.levels[c]);
		sc.detail[c] = (struct sp_cmp_detail){.similarity = -1};
	}
	explain(m, &sc, out, cap);
}

void sp_fs_score_pair(const struct sp_fs_model *m, const struct sp_fs_params *p,
		      const char *const *a, const char *const *b, const double *tf,
		      struct sp_fs_score *out)
{
	out->prior = log2(p->lambda / (1 - p->lambda));
	out->weight = out->prior;
	for (int c = 0; c < m->n_comparisons; c++) {
		const struct sp_comparison *cmp = &m->comparisons[c];
		int l = sp_compare_detail(cmp, a[cmp->field], b[cmp->field], &out->detail[c]);
		double freq = tf && by_frequency(m, c, l) ? tf[c] : 0;
		out->levels[c] = l;
		out->by_frequency[c] = freq > 0;
		out->contribution[c] = l < 0 ? 0 : weigh(p->m[c][l], p->u[c][l], freq, p->tf_min);
		out->weight += out->contribution[c];
	}
	out->probability = 1 / (1 + exp2(-out->weight));
}

void sp_fs_score_explain(const struct sp_fs_model *m, const struct sp_fs_score *s, char *out,
			 size_t cap)
{
	explain(m, s, out, cap);
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

void sp_fs_expected_threshold(const struct sp_fs_result *r, struct sp_fs_quality *out)
{
	memset(out, 0, sizeof *out);
	out->threshold = 1;
	double all = 0, above = 0;
	for (size_t i = 0; i < r->n_pairs; i++)
		all += r->pairs[i].probability;
	for (size_t i = 0; i < r->n_pairs; i++) {
		above += r->pairs[i].probability;
		/* pairs come by descending probability; a threshold falls between distinct ones */
		if (i + 1 < r->n_pairs && r->pairs[i + 1].probability == r->pairs[i].probability)
			continue;
		double f1 = 2 * above / ((double)(i + 1) + all);
		if (f1 > out->f1) {
			out->f1 = f1, out->threshold = r->pairs[i].probability;
			out->precision = above / (double)(i + 1), out->recall = above / all;
		}
	}
}
