/* Parameters of the Fellegi–Sunter model (safepath/fsmodel.h): the m and u probabilities, the
 * share of matches and the term-frequency floor a run estimated or a model file ships, kept as
 * JSON to score later pairs without re-running EM. Checked member by member, the first error
 * named by its JSON pointer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "safepath/buf.h"
#include "safepath/json.h"

#define SUM_TOLERANCE 1e-6 /* m and u of a comparison sum to 1 within this */
#define PARAMS_MAX_BYTES ((size_t)64 * 1024)

/* A probability member in (lo, 1]. */
static int get_probability(json_t *o, const char *key, double lo, double *out, struct sp_err *err)
{
	char path[32];
	snprintf(path, sizeof path, "/%s", key);
	json_t *v = json_object_get(o, key);
	if (!v)
		return sp_err_set(err, SP_EINVAL, path, "is required");
	double d = json_number_value(v);
	if (!json_is_number(v) || !(d > lo && d <= 1))
		return sp_err_set(err, SP_EINVAL, path, "must be a number above %g, at most 1", lo);
	*out = d;
	return SP_OK;
}

/* "m" or "u" of comparison c: n_levels probabilities summing to 1. */
static int get_levels(json_t *o, const char *key, const struct sp_comparison *c, double *out,
		      struct sp_err *err)
{
	char path[32];
	snprintf(path, sizeof path, "/%s", key);
	json_t *a = json_object_get(o, key);
	if (!json_is_array(a) || json_array_size(a) != (size_t)c->n_levels)
		return sp_err_set(err, SP_EINVAL, path,
				  "must be an array of %d probabilities, one per level", c->n_levels);
	double sum = 0;
	for (size_t l = 0; l < (size_t)c->n_levels; l++) {
		json_t *v = json_array_get(a, l);
		double d = json_number_value(v);
		if (!json_is_number(v) || !(d > 0 && d <= 1)) {
			snprintf(path, sizeof path, "/%s/%zu", key, l);
			return sp_err_set(err, SP_EINVAL, path, "must be a number above 0, at most 1");
		}
		out[l] = d;
		sum += d;
	}
	if (fabs(sum - 1) > SUM_TOLERANCE)
		return sp_err_set(err, SP_EINVAL, path, "must sum to 1 (they sum to %.9g)", sum);
	return SP_OK;
}

static int read_comparisons(const struct sp_fs_model *m, json_t *cs, struct sp_fs_params *out,
			    struct sp_err *err)
{
	static const char *const keys[] = {"m", "u", NULL};
	if (!json_is_object(cs))
		return sp_err_set(err, SP_EINVAL, "", "must be an object of the model's comparisons");
	const char *id;
	json_t *v;
	json_object_foreach(cs, id, v) {
		bool known = false;
		for (int c = 0; c < m->n_comparisons && !known; c++)
			known = strcmp(m->comparisons[c].id, id) == 0;
		if (!known) {
			sp_err_set(err, SP_EINVAL, "", "is not a comparison of the model %s", m->id);
			if (sp_json_name_plain(id))
				sp_err_prefix(err, id);
			return SP_EINVAL;
		}
	}
	for (int c = 0; c < m->n_comparisons; c++) {
		const struct sp_comparison *cmp = &m->comparisons[c];
		json_t *one = json_object_get(cs, cmp->id);
		int rc = one ? SP_OK : sp_err_set(err, SP_EINVAL, "", "is required");
		if (!rc && !json_is_object(one))
			rc = sp_err_set(err, SP_EINVAL, "", "must be an object with m and u");
		if (!rc)
			rc = sp_json_only_keys(one, keys, err);
		if (!rc)
			rc = get_levels(one, "m", cmp, out->m[c], err);
		if (!rc)
			rc = get_levels(one, "u", cmp, out->u[c], err);
		if (rc) {
			sp_err_prefix(err, cmp->id);
			return rc;
		}
		memcpy(out->id[c], cmp->id, sizeof out->id[c]);
		out->n_levels[c] = cmp->n_levels;
	}
	out->n_comparisons = m->n_comparisons;
	return SP_OK;
}

int fs_params_read(const struct sp_fs_model *m, json_t *j, bool with_model,
		   struct sp_fs_params *out, struct sp_err *err)
{
	static const char *const stored[] = {"model", "lambda", "tf_min", "comparisons", NULL};
	memset(out, 0, sizeof *out);
	if (!json_is_object(j))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int rc = sp_json_only_keys(j, stored + !with_model, err);
	if (!rc && with_model) {
		const char *id;
		rc = sp_json_get_str(j, "model", true, &id, err);
		if (!rc && strcmp(id, m->id) != 0)
			rc = sp_err_set(err, SP_EINVAL, "/model",
					"are the parameters of another model, not of %s", m->id);
	}
	if (!rc)
		rc = get_probability(j, "lambda", 0, &out->lambda, err);
	if (!rc && out->lambda >= 1)
		rc = sp_err_set(err, SP_EINVAL, "/lambda", "must be under 1");
	if (!rc)
		rc = get_probability(j, "tf_min", 0, &out->tf_min, err);
	if (!rc) {
		json_t *cs = json_object_get(j, "comparisons");
		rc = cs ? read_comparisons(m, cs, out, err)
			: sp_err_set(err, SP_EINVAL, "", "is required");
		if (rc)
			sp_err_prefix(err, "comparisons");
	}
	if (rc)
		memset(out, 0, sizeof *out);
	else
		snprintf(out->model, sizeof out->model, "%s", m->id);
	return rc;
}

int sp_fs_params_parse(const struct sp_fs_model *m, const char *text, size_t len,
		       struct sp_fs_params **out, struct sp_err *err)
{
	*out = NULL;
	if (len > PARAMS_MAX_BYTES)
		return sp_err_set(err, SP_ETOOBIG, "", "is over %zu bytes", PARAMS_MAX_BYTES);
	json_t *j = sp_json_parse(text, len, err);
	if (!j)
		return SP_EINVAL;
	struct sp_fs_params *p = malloc(sizeof *p);
	int rc = p ? fs_params_read(m, j, true, p, err)
		   : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	json_decref(j);
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	return SP_OK;
}

static int copy(const struct sp_fs_params *from, struct sp_fs_params **out, struct sp_err *err)
{
	*out = malloc(sizeof **out);
	if (!*out)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	**out = *from;
	return SP_OK;
}

int sp_fs_params_from_result(const struct sp_fs_result *r, struct sp_fs_params **out,
			     struct sp_err *err)
{
	const struct sp_fs_model *m = r->model;
	struct sp_fs_params p = {.n_comparisons = m->n_comparisons, .lambda = r->lambda};
	snprintf(p.model, sizeof p.model, "%s", m->id);
	p.tf_min = 1.0 / (double)(r->n_left + r->n_right);
	for (int c = 0; c < m->n_comparisons; c++) {
		memcpy(p.id[c], m->comparisons[c].id, sizeof p.id[c]);
		p.n_levels[c] = m->comparisons[c].n_levels;
		for (int l = 0; l < p.n_levels[c]; l++) {
			p.m[c][l] = r->m[c * SP_CMP_LEVELS_MAX + l];
			p.u[c][l] = r->u[c * SP_CMP_LEVELS_MAX + l];
		}
	}
	return copy(&p, out, err);
}

int sp_fs_params_default(const struct sp_fs_model *m, struct sp_fs_params **out,
			 struct sp_err *err)
{
	*out = NULL;
	if (!m->has_params)
		return sp_err_set(err, SP_ENOTFOUND, "parameters",
				  "the model %s ships no parameters: run a deduplication first",
				  m->id);
	return copy(&m->params, out, err);
}

static int add_levels(struct sp_buf *b, const char *key, const double *v, int n)
{
	int rc = sp_buf_addf(b, "\"%s\":[", key);
	for (int l = 0; !rc && l < n; l++)
		rc = sp_buf_addf(b, "%s%.17g", l ? "," : "", v[l]);
	return rc ? rc : sp_buf_addc(b, ']');
}

char *sp_fs_params_encode(const struct sp_fs_params *p)
{
	struct sp_buf b;
	sp_buf_init(&b, PARAMS_MAX_BYTES);
	/* the model id and comparison ids are plain identifiers (fsmodel.c): nothing to escape */
	int rc = sp_buf_addf(&b, "{\"model\":\"%s\",\"lambda\":%.17g,\"tf_min\":%.17g,"
				 "\"comparisons\":{",
			     p->model, p->lambda, p->tf_min);
	for (int c = 0; !rc && c < p->n_comparisons; c++) {
		rc = sp_buf_addf(&b, "%s\"%s\":{", c ? "," : "", p->id[c]);
		if (!rc)
			rc = add_levels(&b, "m", p->m[c], p->n_levels[c]);
		if (!rc)
			rc = sp_buf_addc(&b, ',');
		if (!rc)
			rc = add_levels(&b, "u", p->u[c], p->n_levels[c]);
		if (!rc)
			rc = sp_buf_addc(&b, '}');
	}
	if (!rc)
		rc = sp_buf_adds(&b, "}}");
	if (rc) {
		sp_buf_free(&b);
		return NULL;
	}
	return sp_buf_detach(&b, NULL);
}

void sp_fs_params_free(struct sp_fs_params *p)
{
	free(p);
}
