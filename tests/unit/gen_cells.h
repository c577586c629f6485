/* The synthetic persons of tools/gen_persons (JSON lines, docs/generator.md) as rows of the
 * person model's cells, as the registry writes them: the name prepared from its parts with
 * their roles (romanised for the words, the original for the in-script form), the date of birth
 * with "~" when estimated, sex f/m, nationalities joined by ";", the place and date of
 * separation, the parents' names joined by ";". Only `person` and `extra` are read for the
 * cells; `cluster` is kept apart as the truth. Shared by tests/unit/test_gen_persons_quality.c
 * and bench/bench_match_gen.c. Include after the standard headers. */
#ifndef SAFEPATH_TEST_GEN_CELLS_H
#define SAFEPATH_TEST_GEN_CELLS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/fsmodel.h"
#include "safepath/normalise.h"

struct gen_rows {
	size_t n, cap;
	int nf;
	char **cells; /* n × nf, malloc'd or NULL (missing) */
	long *cluster;
	size_t unprepared; /* names the normaliser refused (left missing) */
};

static char *gen_dup(const char *s)
{
	if (!s || !*s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* A relative's name as plain text: its parts' romanised forms (or originals), spaced. */
static void gen_plain_name(json_t *names, char *out, size_t cap)
{
	size_t at = 0, i;
	json_t *p;
	out[0] = '\0';
	json_array_foreach(names, i, p) {
		const char *t = json_string_value(json_object_get(p, "romanised"));
		if (!t)
			t = json_string_value(json_object_get(p, "original"));
		int w = t ? snprintf(out + at, cap - at, "%s%s", at ? " " : "", t) : 0;
		if (w > 0 && (size_t)w < cap - at)
			at += (size_t)w;
	}
}

/* The prepared name cell of a names array, or NULL when the normaliser refuses it. */
static char *gen_name_cell(struct sp_normaliser *nz, json_t *names, struct sp_match_name *name)
{
	struct sp_npart_in parts[SP_MATCH_MAX_PARTS];
	size_t n = 0, i;
	json_t *p;
	json_array_foreach(names, i, p) {
		if (n == SP_MATCH_MAX_PARTS)
			break;
		int role = sp_npart_role_parse(json_string_value(json_object_get(p, "role")));
		parts[n++] = (struct sp_npart_in){
			.role = role < 0 ? SP_NPART_OTHER : (enum sp_npart_role)role,
			.text = json_string_value(json_object_get(p, "romanised")),
			.script = "",
			.original = json_string_value(json_object_get(p, "original")),
			.original_script = json_string_value(json_object_get(p, "script")),
		};
	}
	struct sp_err err = {0};
	char cell[SP_MATCH_PREPARED_MAX];
	if (!n || sp_match_name_build(nz, parts, n, name, &err) ||
	    !sp_match_name_encode(name, cell, sizeof cell))
		return NULL;
	return gen_dup(cell);
}

static void gen_set(struct gen_rows *g, const struct sp_fs_model *m, size_t row,
		    const char *field, char *value)
{
	int f = sp_fs_model_field(m, field);
	if (f >= 0)
		g->cells[row * (size_t)g->nf + (size_t)f] = value;
	else
		free(value);
}

/* One JSON line into row g->n; false when it is not a generator record. */
static bool gen_row(struct gen_rows *g, const struct sp_fs_model *m, struct sp_normaliser *nz,
		    struct sp_match_name *name, const char *line)
{
	json_t *j = json_loads(line, 0, NULL);
	json_t *person = json_object_get(j, "person"), *extra = json_object_get(j, "extra");
	if (!person || !json_is_integer(json_object_get(j, "cluster"))) {
		json_decref(j);
		return false;
	}
	size_t row = g->n;
	g->cluster[row] = (long)json_integer_value(json_object_get(j, "cluster"));
	char *cell = gen_name_cell(nz, json_object_get(person, "names"), name);
	g->unprepared += cell == NULL;
	gen_set(g, m, row, "name", cell);
	json_t *dob = json_object_get(person, "date_of_birth");
	const char *date = json_string_value(json_object_get(dob, "date"));
	char buf[1024];
	if (date) {
		snprintf(buf, sizeof buf, "%s%s",
			 json_is_true(json_object_get(dob, "estimated")) ? "~" : "", date);
		gen_set(g, m, row, "date_of_birth", gen_dup(buf));
	}
	gen_set(g, m, row, "sex", gen_dup(json_string_value(json_object_get(person, "sex"))));
	size_t at = 0, i;
	json_t *v;
	buf[0] = '\0';
	json_array_foreach(json_object_get(person, "nationalities"), i, v) {
		int w = snprintf(buf + at, sizeof buf - at, "%s%s", at ? ";" : "",
				 json_string_value(v) ? json_string_value(v) : "");
		if (w > 0 && (size_t)w < sizeof buf - at)
			at += (size_t)w;
	}
	gen_set(g, m, row, "nationality", gen_dup(buf));
	json_t *sep = json_object_get(extra, "separation");
	gen_set(g, m, row, "place_of_separation",
		gen_dup(json_string_value(json_object_get(sep, "place"))));
	gen_set(g, m, row, "date_of_separation",
		gen_dup(json_string_value(json_object_get(sep, "date"))));
	static const char *const parents[] = {"mother", "father"};
	at = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < 2; k++) {
		char one[512];
		gen_plain_name(json_object_get(json_object_get(extra, parents[k]), "names"), one,
			       sizeof one);
		int w = one[0] ? snprintf(buf + at, sizeof buf - at, "%s%s", at ? ";" : "", one) : 0;
		if (w > 0 && (size_t)w < sizeof buf - at)
			at += (size_t)w;
	}
	gen_set(g, m, row, "relatives", gen_dup(buf));
	json_decref(j);
	g->n++;
	return true;
}

/* Every line of f into g (zeroed by the caller): 0, or -1 when out of memory or a line is not
 * a generator record. */
static int gen_rows_read(FILE *f, const struct sp_fs_model *m, struct sp_normaliser *nz,
			 struct gen_rows *g)
{
	g->nf = m->n_fields;
	struct sp_match_name *name = malloc(sizeof *name);
	char *line = NULL;
	size_t lcap = 0;
	int rc = name ? 0 : -1;
	while (!rc && getline(&line, &lcap, f) > 0) {
		if (g->n == g->cap) {
			size_t cap = g->cap ? g->cap * 2 : 4096;
			char **cells = realloc(g->cells, cap * (size_t)g->nf * sizeof *cells);
			long *cluster = cells ? realloc(g->cluster, cap * sizeof *cluster) : NULL;
			if (cells)
				g->cells = cells;
			if (!cells || !cluster)
				rc = -1;
			else {
				memset(cells + g->cap * (size_t)g->nf, 0,
				       (cap - g->cap) * (size_t)g->nf * sizeof *cells);
				g->cluster = cluster, g->cap = cap;
			}
		}
		if (!rc && !gen_row(g, m, nz, name, line))
			rc = -1;
	}
	free(line);
	free(name);
	return rc;
}

static void gen_rows_free(struct gen_rows *g)
{
	for (size_t i = 0; i < g->n * (size_t)g->nf; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->cluster);
	memset(g, 0, sizeof *g);
}

/* The true pairs: Σ size × (size − 1) / 2 over the clusters (records of a cluster come one
 * after the other). */
static unsigned long long gen_true_pairs(const struct gen_rows *g)
{
	unsigned long long pairs = 0;
	for (size_t lo = 0, hi; lo < g->n; lo = hi) {
		for (hi = lo + 1; hi < g->n && g->cluster[hi] == g->cluster[lo]; hi++)
			;
		pairs += (unsigned long long)(hi - lo) * (hi - lo - 1) / 2;
	}
	return pairs;
}

#endif
