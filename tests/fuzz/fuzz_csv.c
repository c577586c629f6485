/* Fuzz the CSV reader of safepath match (sp_csv_parse) and the linking it feeds: never a crash,
 * UB or leak; an accepted file has named, distinct columns; an error
 * names the file and says "line L, column C: ..."; and the rows linked with themselves through
 * the person model (column i for field i modulo the columns) give probabilities in [0, 1], by
 * descending probability, each pair once with left < right. abort() when not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/csv.h"
#include "safepath/fsmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void link_rows(const struct sp_csv *c)
{
	static struct sp_fs_model m;
	struct sp_err err = {0};
	if (!m.n_fields && sp_fs_model_shipped("person", &m, &err) != SP_OK)
		abort();
	m.random_pairs = 1000; /* fuzzing speed: the same code either way */
	size_t nf = (size_t)m.n_fields;
	const char **cells = calloc(c->n_rows * nf + 1, sizeof *cells);
	if (!cells)
		abort();
	for (size_t r = 0; r < c->n_rows; r++)
		for (size_t f = 0; f < nf; f++)
			cells[r * nf + f] = c->cells[r * c->n_cols + f % c->n_cols];
	struct sp_fs_table t = {.n_rows = c->n_rows, .cells = cells};
	struct sp_fs_result *res = NULL;
	int rc = sp_fs_link(&m, &t, NULL, NULL, NULL, &res, &err);
	if (rc != SP_OK && (res || c->n_rows >= 2))
		abort();
	for (size_t i = 0; res && i < res->n_pairs; i++) {
		const struct sp_fs_pair *p = &res->pairs[i];
		if (!(p->probability >= 0 && p->probability <= 1) || p->left >= p->right ||
		    p->right >= c->n_rows ||
		    (i && (res->pairs[i - 1].probability < p->probability ||
			   (res->pairs[i - 1].left == p->left && res->pairs[i - 1].right == p->right))))
			abort();
		char words[2048];
		sp_fs_explain(res, i, words, sizeof words);
	}
	sp_fs_result_free(res);
	free(cells);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_csv c;
	struct sp_err err = {0};
	int rc = sp_csv_parse((const char *)data, size, "f.csv", &c, &err);
	if (rc != SP_OK) {
		if (strcmp(err.field, "f.csv") != 0 || strncmp(err.msg, "line ", 5) != 0 || c.text)
			abort();
		return 0;
	}
	if (c.n_cols < 1 || c.n_cols > SP_CSV_MAX_COLS)
		abort();
	for (size_t i = 0; i < c.n_cols; i++)
		if (!c.header[i][0] || sp_csv_column(&c, c.header[i]) != (int)i)
			abort();
	if (c.n_rows <= 64)
		link_rows(&c);
	sp_csv_free(&c);
	return 0;
}
