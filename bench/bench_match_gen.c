/* bench_match_gen: deduplicating the synthetic persons of tools/gen_persons with the person
 * model, as the registry's dedup compares them (issue 7 item 14): the records read as the
 * registry writes them (tests/unit/gen_cells.h: names prepared once, at write time — timed
 * apart, not part of the dedup), then sp_fs_link over the prepared cells: blocking, the
 * comparisons of every candidate pair, scoring. Prints pairs after blocking, field comparisons
 * per CPU second, the CPU and wall time of the link, peak memory, and precision and recall at
 * the model's threshold against the generator's truth. THREADS (default: the linker's) is not
 * read: the linker uses what sp_fs_link uses. Not a test.
 *
 *   build/gcc/tools/gen_persons --persons 100000 --seed 3 > persons.jsonl
 *   build/gcc/bench/bench_match_gen persons.jsonl */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../tests/unit/gen_cells.h"
#include "clock.h"

/* The CPU time at the start of each phase of the link ("block", "compare", "estimate"). */
struct phases {
	char last[16];
	double cpu[3], wall[3];
	int n;
};

static void on_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct phases *p = ctx;
	(void)done, (void)total;
	if (strcmp(p->last, phase) == 0 || p->n == 3)
		return;
	snprintf(p->last, sizeof p->last, "%s", phase);
	p->cpu[p->n] = user_s() + sys_s();
	p->wall[p->n++] = now_s();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bench_match_gen PERSONS.jsonl\n");
		return 2;
	}
	struct sp_fs_model m;
	struct sp_err err = {0};
	struct sp_normaliser *nz = NULL;
	if (sp_fs_model_shipped("person", &m, &err) || sp_normaliser_new(&nz, &err)) {
		fprintf(stderr, "bench_match_gen: %s: %s\n", err.field, err.msg);
		return 1;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	struct gen_rows g = {0};
	double w0 = now_s(), c0 = user_s() + sys_s();
	if (gen_rows_read(f, &m, nz, &g)) {
		fprintf(stderr, "bench_match_gen: %s: not generator records, or out of memory\n",
			argv[1]);
		return 1;
	}
	fclose(f);
	sp_normaliser_free(nz);
	double w1 = now_s(), c1 = user_s() + sys_s();
	unsigned long long true_pairs = gen_true_pairs(&g);
	printf("records %zu (true pairs %llu); read and prepared as at write time: %.1f s CPU, "
	       "%.1f s wall (%.1f us a record)\n",
	       g.n, true_pairs, c1 - c0, w1 - w0, (c1 - c0) * 1e6 / (double)g.n);
	struct sp_fs_table t = {.n_rows = g.n, .cells = (const char *const *)g.cells};
	struct sp_fs_result *r = NULL;
	struct phases ph = {.n = 0};
	if (sp_fs_link(&m, &t, NULL, on_progress, &ph, &r, &err)) {
		fprintf(stderr, "bench_match_gen: link: %s: %s\n", err.field, err.msg);
		return 1;
	}
	double w2 = now_s(), c2 = user_s() + sys_s();
	unsigned long long blocked = 0, tp = 0, fp = 0;
	for (size_t i = 0; i < r->n_pairs; i++) {
		bool same = g.cluster[r->pairs[i].left] == g.cluster[r->pairs[i].right];
		bool yes = r->pairs[i].probability >= m.threshold;
		blocked += same, tp += yes && same, fp += yes && !same;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("link: pairs after blocking %zu, capped keys %llu, field comparisons %llu\n",
	       r->n_pairs, (unsigned long long)r->capped_keys,
	       (unsigned long long)r->comparisons);
	printf("link: %.2f s CPU, %.2f s wall; %.0f field comparisons per CPU second (whole link); "
	       "peak RSS %ld MiB\n",
	       c2 - c1, w2 - w1, (double)r->comparisons / (c2 - c1), ru.ru_maxrss / 1024);
	if (ph.n == 3)
		printf("link phases, CPU s (wall s): preparing %.2f (%.2f), blocking %.2f (%.2f), "
		       "comparing %.2f (%.2f), estimating and scoring %.2f (%.2f)\n",
		       ph.cpu[0] - c1, ph.wall[0] - w1, ph.cpu[1] - ph.cpu[0], ph.wall[1] - ph.wall[0],
		       ph.cpu[2] - ph.cpu[1], ph.wall[2] - ph.wall[1], c2 - ph.cpu[2],
		       w2 - ph.wall[2]);
	printf("truth: recall of blocking %.4f; at %.2f: precision %.4f recall %.4f (TP %llu FP "
	       "%llu FN %llu)\n",
	       (double)blocked / (double)true_pairs, m.threshold,
	       tp + fp ? (double)tp / (double)(tp + fp) : 0, (double)tp / (double)true_pairs, tp,
	       fp, true_pairs - tp);
	sp_fs_result_free(r);
	gen_rows_free(&g);
	return 0;
}
