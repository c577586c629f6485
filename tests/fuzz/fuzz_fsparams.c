/* Fuzz the parser of stored matching parameters (sp_fs_params_parse) against the shipped person
 * model: never a crash, UB or leak; an error has a JSON pointer or is about the whole document
 * and hands nothing back; accepted parameters hold together (lambda in (0, 1), every m and u in
 * (0, 1] summing to 1 per comparison) and survive encoding: encoded and parsed again they are
 * the same numbers. abort() when not. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/fsmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sp_fs_model *m, const struct sp_fs_params *p)
{
	if (!(p->lambda > 0 && p->lambda < 1) || !(p->tf_min > 0 && p->tf_min <= 1) ||
	    p->n_comparisons != m->n_comparisons)
		abort();
	for (int c = 0; c < m->n_comparisons; c++) {
		double sm = 0, su = 0;
		for (int l = 0; l < m->comparisons[c].n_levels; l++) {
			if (!(p->m[c][l] > 0 && p->m[c][l] <= 1 && p->u[c][l] > 0 && p->u[c][l] <= 1))
				abort();
			sm += p->m[c][l], su += p->u[c][l];
		}
		if (fabs(sm - 1) > 1e-5 || fabs(su - 1) > 1e-5)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sp_fs_model m;
	static int loaded;
	struct sp_err err = {0};
	if (!loaded) {
		if (sp_fs_model_shipped("person", &m, &err))
			abort();
		loaded = 1;
	}
	/* a buffer of exactly the input's size, so ASan sees a read past its end */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	struct sp_fs_params *p = NULL, *again = NULL;
	int rc = sp_fs_params_parse(&m, text, size, &p, &err);
	free(text);
	if (rc != SP_OK) {
		if ((err.field[0] && err.field[0] != '/') || p)
			abort();
		return 0;
	}
	check(&m, p);
	char *json = sp_fs_params_encode(p);
	if (!json || sp_fs_params_parse(&m, json, strlen(json), &again, &err) != SP_OK)
		abort();
	if (again->lambda != p->lambda || again->tf_min != p->tf_min ||
	    memcmp(again->m, p->m, sizeof p->m) != 0 || memcmp(again->u, p->u, sizeof p->u) != 0)
		abort();
	free(json);
	sp_fs_params_free(again);
	sp_fs_params_free(p);
	return 0;
}
