/* Checking the matching model with the registry's labelled pairs (safepath/matcheval.h): the
 * decisions read as ids and states only, the persons' cells opened in memory (wiped with the
 * arena), each pair scored with the current parameters, one audit record with the counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/arena.h"
#include "safepath/buf.h"
#include "safepath/caseop.h"
#include "safepath/json.h"
#include "safepath/matcheval.h"
#include "safepath/matchreg.h"
#include "safepath/store.h"

/* One decision on a pair of persons (person_a < person_b, as both tables keep them). */
struct label {
	struct sp_id a, b;
	bool confirmed;
};

/* The decisions in force: registration links not undone, the review queue's decided pairs
 * (a decision there is also a link: the pair is counted once). */
static const char *const label_queries[] = {
	"SELECT person_a, person_b, state FROM person_links WHERE undone_us IS NULL",
	"SELECT person_a, person_b, state FROM match_pairs WHERE state <> 'proposed'",
};

static int cmp_label(const void *pa, const void *pb)
{
	const struct label *a = pa, *b = pb;
	int c = memcmp(a->a.b, b->a.b, sizeof a->a.b);
	return c ? c : memcmp(a->b.b, b->b.b, sizeof a->b.b);
}

static int labels_read(struct sp_casework *cw, struct sp_buf *out, struct sp_err *err)
{
	int rc = SP_OK;
	for (size_t q = 0; !rc && q < sizeof label_queries / sizeof *label_queries; q++) {
		struct sp_stmt *st;
		if ((rc = sp_store_prepare(cw->store, label_queries[q], &st, err)))
			break;
		int step;
		while ((step = sp_stmt_step(st, err)) == 1) {
			struct label l;
			const char *state = sp_stmt_text(st, 2);
			if ((rc = sp_stmt_id(st, 0, &l.a)) || (rc = sp_stmt_id(st, 1, &l.b)))
				break;
			l.confirmed = state && strcmp(state, "confirmed") == 0;
			if (!l.confirmed && !(state && strcmp(state, "rejected") == 0))
				continue;
			if (sp_buf_add(out, &l, sizeof l)) {
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
				break;
			}
		}
		sp_stmt_done(st);
		if (!rc && step < 0)
			rc = step;
	}
	if (!rc && out->len)
		qsort(out->data, out->len / sizeof(struct label), sizeof(struct label), cmp_label);
	return rc;
}

/* The registry's parameters (the last deduplication's) when they are of the model's version,
 * else the model's shipped ones. */
static int params_read(struct sp_casework *cw, const struct sp_fs_model *m,
		       struct sp_fs_params **out, bool *registry, struct sp_err *err)
{
	int rc = cw_match_params_stored(cw, m, out, err);
	*registry = !rc && *out;
	if (!rc && !*out)
		rc = sp_fs_params_default(m, out, err);
	return rc;
}

/* The person's cells of the model's version, opened into the arena (cells[f] NULL when
 * missing); *found false when there are none: no row, another version, or erased. */
static int cells_load(struct sp_casework *cw, const struct sp_fs_model *m,
		      const struct sp_id *person, const char **cells, bool *found,
		      struct sp_err *err)
{
	*found = false;
	memset(cells, 0, (size_t)m->n_fields * sizeof *cells);
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT model, cells FROM person_match WHERE person_id = ?", &st,
				  err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, person))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	int step = rc ? 0 : sp_stmt_step(st, err);
	const char *model = step == 1 ? sp_stmt_text(st, 0) : NULL;
	json_t *arr = NULL;
	if (model && strcmp(model, m->version) == 0) {
		size_t n, len;
		const void *ct = sp_stmt_blob(st, 1, &n);
		const char *pt;
		rc = cw_open(cw, person, "person_match", "cells", person, ct, n, &pt, &len, err);
		if (rc == SP_ENOTFOUND) /* erased: its key destroyed */
			rc = SP_OK;
		else if (!rc)
			arr = sp_json_parse(pt, len, err); /* json_is_array reads its argument twice */
		if (!rc && !json_is_array(arr))
			rc = sp_err_set(err, SP_EINTERNAL, "", "sealed cells are not a JSON array");
		*found = arr && json_array_size(arr) == (size_t)m->n_fields;
	}
	sp_stmt_done(st);
	for (int f = 0; !rc && *found && f < m->n_fields; f++) {
		const char *v = json_string_value(json_array_get(arr, (size_t)f));
		if (v && *v && !(cells[f] = sp_arena_strdup(cw->arena, v)))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	json_decref(arr);
	return !rc && step < 0 ? step : rc;
}

/* Each pair's labels agreed on and scored: into l (the scored pairs, *n of them). */
static int score_labels(struct sp_casework *cw, const struct sp_fs_model *m,
			const struct sp_fs_params *p, const struct label *lab, size_t n_lab,
			struct sp_fs_labelled *l, size_t *n, struct sp_match_evaluation *out,
			struct sp_err *err)
{
	const char *a[SP_FS_FIELDS_MAX], *b[SP_FS_FIELDS_MAX];
	int rc = SP_OK;
	*n = 0;
	for (size_t lo = 0, hi; !rc && lo < n_lab; lo = hi) {
		size_t yes = 0;
		for (hi = lo; hi < n_lab && cmp_label(&lab[lo], &lab[hi]) == 0; hi++)
			yes += lab[hi].confirmed;
		if (yes && yes < hi - lo) {
			out->conflicting++;
			continue;
		}
		bool found_a = false, found_b = false;
		rc = cells_load(cw, m, &lab[lo].a, a, &found_a, err);
		if (!rc)
			rc = cells_load(cw, m, &lab[lo].b, b, &found_b, err);
		if (rc || !found_a || !found_b) {
			out->unscored += !rc;
			continue;
		}
		struct sp_fs_score s;
		sp_fs_score_pair(m, p, a, b, NULL, &s);
		l[(*n)++] = (struct sp_fs_labelled){s.probability, yes > 0};
		if (yes)
			out->confirmed++;
		else
			out->rejected++;
		sp_arena_release(cw->arena); /* the two persons' cells, wiped */
	}
	out->labels = out->confirmed + out->rejected;
	return rc;
}

int sp_match_evaluate(struct sp_casework *cw, struct sp_match_evaluation *out,
		      struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	int rc = sp_caseop_authorise_any(cw, cw_act(CW_MATCH_EVALUATE), err);
	if (rc)
		return rc;
	struct sp_fs_model *m = malloc(sizeof *m);
	if (!m)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	struct sp_fs_params *p = NULL;
	struct sp_fs_labelled *l = NULL;
	struct sp_buf labels;
	sp_buf_init(&labels, SIZE_MAX / 2);
	rc = sp_fs_model_shipped(SP_MATCHREG_MODEL, m, err);
	if (!rc)
		rc = params_read(cw, m, &p, &out->registry_params, err);
	if (!rc)
		rc = labels_read(cw, &labels, err);
	size_t n_lab = labels.len / sizeof(struct label), n = 0;
	if (!rc && !(l = malloc((n_lab ? n_lab : 1) * sizeof *l)))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc)
		rc = score_labels(cw, m, p, (const struct label *)(void *)labels.data, n_lab, l, &n,
				  out, err);
	sp_arena_release(cw->arena); /* the opened cells, wiped */
	if (!rc)
		sp_fs_quality(l, n, m->threshold, &out->quality);
	if (!rc) {
		struct sp_id id = {0}; /* initialised for cppcheck (ctuuninitvar) */
		sp_id_new(&id);
		char reason[160];
		snprintf(reason, sizeof reason,
			 "labels:%llu,confirmed:%llu,rejected:%llu,conflicting:%llu,unscored:%llu",
			 (unsigned long long)out->labels, (unsigned long long)out->confirmed,
			 (unsigned long long)out->rejected, (unsigned long long)out->conflicting,
			 (unsigned long long)out->unscored);
		rc = cw_begin(cw, err);
		if (!rc)
			rc = cw_audit_act(cw, cw_act(CW_MATCH_EVALUATE), "match_evaluation", &id, 1,
					  "identity", reason, err);
		rc = cw_finish(cw, rc, err);
	}
	free(l);
	sp_buf_free(&labels);
	sp_fs_params_free(p);
	free(m);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}
