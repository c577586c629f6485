/* Deduplicating the registry (owner of the match_pairs table): the run over the stored
 * blinded keys and sealed cells of the matching model, and the review queue of the pairs it
 * found (issue 7 item 7; docs/registry-matching.md#dedup). A pair is shown only to a user who
 * may read both persons' identity, decided only by one who may update both cases; its
 * stored fields are the comparisons' levels in words and their contributions, never values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "casework/casework.h"
#include "safepath/crypto.h"
#include "safepath/dedup.h"
#include "safepath/jsonw.h"
#include "safepath/matchreg.h"
#include "safepath/notification.h"
#include "safepath/json.h"
#include "safepath/caseop.h"
#include "safepath/names.h"
#include "safepath/store.h"

static const char *const state_names[SP_PAIR_STATE_COUNT] = {
	[SP_PAIR_PROPOSED] = "proposed",
	[SP_PAIR_CONFIRMED] = "confirmed",
	[SP_PAIR_REJECTED] = "rejected",
};

const char *sp_pair_state_name(enum sp_pair_state s)
{
	return sp_name_of(state_names, SP_PAIR_STATE_COUNT, (int)s);
}

int sp_pair_state_parse(const char *s)
{
	return sp_name_index(state_names, SP_PAIR_STATE_COUNT, s);
}

/* The probability of a weight (log2 of the odds). */
static double probability_of(double weight)
{
	return 1.0 / (1.0 + exp2(-weight));
}

/* ---- rows ---- */

#define PAIR_COLUMNS                                                                         \
	"id, person_a, person_b, case_a, case_b, weight_micro, fields, state, found_us, "    \
	"decided_by, decided_us, version"

/* The stored fields ([{"comparison", "level", "contribution"}]) into p. */
static int fields_decode(const char *text, struct sp_match_pair *p, struct sp_err *err)
{
	json_t *arr = text ? sp_json_parse(text, strlen(text), err) : NULL;
	if (!json_is_array(arr) || json_array_size(arr) > SP_FS_COMPARISONS_MAX) {
		json_decref(arr);
		return sp_err_set(err, SP_EINTERNAL, "", "malformed pair fields");
	}
	p->n_fields = json_array_size(arr);
	for (size_t i = 0; i < p->n_fields; i++) {
		json_t *f = json_array_get(arr, i);
		struct sp_pair_field *o = &p->fields[i];
		const char *c = json_string_value(json_object_get(f, "comparison"));
		const char *l = json_string_value(json_object_get(f, "level"));
		snprintf(o->comparison, sizeof o->comparison, "%s", c ? c : "");
		snprintf(o->level, sizeof o->level, "%s", l ? l : "");
		o->contribution = json_number_value(json_object_get(f, "contribution"));
	}
	json_decref(arr);
	return SP_OK;
}

/* The pair's fields as stored ([{"comparison", "contribution", "level"}], as sp_json_dump
 * would write them) into out: written, not built, since a run stores hundreds of thousands. */
static int fields_encode(const struct sp_match_pair *p, struct sp_buf *out)
{
	struct sp_jsonw w;
	sp_buf_reset(out);
	sp_jsonw_init(&w, out);
	sp_jsonw_array(&w);
	for (size_t i = 0; i < p->n_fields; i++) {
		const struct sp_pair_field *f = &p->fields[i];
		sp_jsonw_object(&w);
		sp_jsonw_key(&w, "comparison");
		sp_jsonw_string(&w, f->comparison);
		sp_jsonw_key(&w, "contribution");
		sp_jsonw_real(&w, f->contribution);
		sp_jsonw_key(&w, "level");
		sp_jsonw_string(&w, f->level);
		sp_jsonw_object_end(&w);
	}
	sp_jsonw_array_end(&w);
	return sp_jsonw_status(&w);
}

static int pair_row(struct sp_stmt *st, struct sp_match_pair *p, struct sp_err *err)
{
	memset(p, 0, sizeof *p);
	if (sp_stmt_id(st, 0, &p->id) || sp_stmt_id(st, 1, &p->person_a) ||
	    sp_stmt_id(st, 2, &p->person_b) || sp_stmt_id(st, 3, &p->case_a) ||
	    sp_stmt_id(st, 4, &p->case_b))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed pair row");
	p->weight = (double)sp_stmt_int64(st, 5) / 1e6;
	p->probability = probability_of(p->weight);
	const char *text = sp_stmt_text(st, 7);
	int state = text ? sp_pair_state_parse(text) : -1;
	if (state < 0)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed pair state");
	p->state = (enum sp_pair_state)state;
	p->found_us = sp_stmt_int64(st, 8);
	if (!sp_stmt_is_null(st, 9) && sp_stmt_id(st, 9, &p->decided_by))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed pair row");
	p->decided_us = sp_stmt_is_null(st, 10) ? 0 : sp_stmt_int64(st, 10);
	p->version = sp_stmt_int64(st, 11);
	return fields_decode(sp_stmt_text(st, 6), p, err);
}

/* The pair by id in the open transaction; SP_ENOTFOUND when there is none. */
static int pair_load(struct sp_casework *cw, const struct sp_id *id, struct sp_match_pair *p,
		     struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = cw_select_id(cw, "SELECT " PAIR_COLUMNS " FROM match_pairs WHERE id = ?", id,
			      "pair", &st, err);
	if (rc)
		return rc;
	rc = pair_row(st, p, err);
	sp_stmt_done(st);
	return rc;
}

/* Both cases of p (their numbers into p), and whether the subject may do action on both. */
static int pair_cases(struct sp_casework *cw, struct sp_match_pair *p, enum cw_action action,
		      struct sp_case *a, struct sp_case *b, bool *allowed, struct sp_err *err)
{
	int rc = cw_case_load(cw, &p->case_a, a, err);
	if (!rc)
		rc = cw_case_load(cw, &p->case_b, b, err);
	if (rc)
		return rc;
	memcpy(p->number_a, a->number, sizeof p->number_a);
	memcpy(p->number_b, b->number, sizeof p->number_b);
	*allowed = cw_allowed(cw, action, a) && cw_allowed(cw, action, b);
	return SP_OK;
}

/* ---- the queue ---- */

/* A page of rows in state of the subject's agency after the cursor, into rows. */
static int queue_rows(struct sp_casework *cw, enum sp_pair_state state, const struct sp_id *after,
		      struct sp_match_pair *rows, size_t cap, size_t *n, struct sp_err *err)
{
	struct sp_stmt *st;
	*n = 0;
	int rc = sp_store_prepare(cw->store,
				  "SELECT " PAIR_COLUMNS " FROM match_pairs WHERE state = ? AND "
				  "agency_a = ? AND agency_b = ? AND id > ? ORDER BY id LIMIT ?",
				  &st, err);
	if (rc)
		return rc;
	static const struct sp_id zero;
	if (sp_stmt_bind_text(st, 1, sp_pair_state_name(state)) ||
	    sp_stmt_bind_id(st, 2, cw_actor_agency(cw)) || sp_stmt_bind_id(st, 3, cw_actor_agency(cw)) ||
	    sp_stmt_bind_id(st, 4, after ? after : &zero) || sp_stmt_bind_int64(st, 5, (int64_t)cap)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	while (*n < cap && (rc = sp_stmt_step(st, err)) == 1)
		if ((rc = pair_row(st, &rows[(*n)++], err)))
			break;
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* id added to the n ids of shown unless there: the new count. */
static size_t shown_add(struct sp_id *shown, size_t n, const struct sp_id *id)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(shown[i].b, id->b, SP_ID_LEN) == 0)
			return n;
	shown[n] = *id;
	return n + 1;
}

int sp_match_pair_list(struct sp_casework *cw, enum sp_pair_state state,
		       const struct sp_id *after, size_t max, struct sp_match_pair *out,
		       size_t *n, struct sp_id *next, struct sp_err *err)
{
	*n = 0;
	memset(next, 0, sizeof *next);
	if ((unsigned)state >= SP_PAIR_STATE_COUNT)
		return sp_err_set(err, SP_EINVAL, "/state", "must be proposed, confirmed or rejected");
	if (max == 0 || max > SP_PAIR_PAGE_MAX)
		return sp_err_set(err, SP_EINVAL, "/limit", "must be 1 to %d", SP_PAIR_PAGE_MAX);
	int rc = cw_begin_read(cw, err);
	if (!rc)
		rc = cw_authorise_any(cw, CW_PAIR_LIST, err);
	struct sp_id cursor;
	memset(&cursor, 0, sizeof cursor);
	if (after)
		cursor = *after;
	struct sp_id shown[2 * SP_PAIR_PAGE_MAX];
	size_t n_shown = 0;
	struct sp_match_pair rows[SP_PAIR_PAGE_MAX];
	size_t got = SP_PAIR_PAGE_MAX;
	/* pages of the agency's rows until max are shown or none are left */
	while (!rc && *n < max && got == SP_PAIR_PAGE_MAX) {
		rc = queue_rows(cw, state, &cursor, rows, SP_PAIR_PAGE_MAX, &got, err);
		for (size_t i = 0; !rc && i < got && *n < max; i++) {
			struct sp_case a, b;
			bool allowed;
			cursor = rows[i].id;
			rc = pair_cases(cw, &rows[i], CW_PAIR_LIST, &a, &b, &allowed, err);
			if (rc || !allowed)
				continue;
			struct sp_match_pair *p = &out[*n];
			*p = rows[i];
			rc = cw_person_load(cw, &a.person, false, &p->a, err);
			if (!rc)
				rc = cw_person_load(cw, &b.person, false, &p->b, err);
			if (rc == SP_ENOTFOUND) /* erased meanwhile: nothing to review */
				rc = SP_OK;
			else if (!rc) {
				p->has_persons = true;
				(*n)++;
				n_shown = shown_add(shown, n_shown, &p->case_a);
				n_shown = shown_add(shown, n_shown, &p->case_b);
			}
		}
		if (!rc && *n == max)
			*next = cursor;
	}
	if (!rc)
		rc = cw_audit_many(cw, CW_PAIR_LIST, "case", shown, n_shown, "stat,identity", err);
	return cw_finish(cw, rc, err);
}

/* Write the pair's decision (to, by the subject now; proposed: none) over version. */
static int pair_state_write(struct sp_casework *cw, const struct sp_id *id, int64_t version,
			    enum sp_pair_state to, int64_t now, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "UPDATE match_pairs SET state = ?, decided_by = ?, decided_us = ?, "
				  "version = version + 1 WHERE id = ? AND version = ?",
				  &st, err);
	if (rc)
		return rc;
	bool undo = to == SP_PAIR_PROPOSED;
	if (sp_stmt_bind_text(st, 1, sp_pair_state_name(to)) ||
	    (undo ? sp_stmt_bind_null(st, 2) : sp_stmt_bind_id(st, 2, cw_actor(cw))) ||
	    (undo ? sp_stmt_bind_null(st, 3) : sp_stmt_bind_int64(st, 3, now)) ||
	    sp_stmt_bind_id(st, 4, id) || sp_stmt_bind_int64(st, 5, version)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = cw_step_versioned(st, "pair", err);
	sp_stmt_done(st);
	return rc;
}

/* The pair's new state in one transaction with its audit record, everything checked. */
static int pair_decide(struct sp_casework *cw, const struct sp_id *id, int64_t version,
		       enum sp_pair_state to, enum cw_action act, struct sp_match_pair *out,
		       enum sp_pair_state *before, struct sp_err *err)
{
	int rc = cw_begin(cw, err);
	struct sp_case a, b;
	bool allowed = false;
	if (!rc)
		rc = pair_load(cw, id, out, err);
	if (!rc)
		rc = pair_cases(cw, out, act, &a, &b, &allowed, err);
	/* the refusal of the case the subject may not update, recorded as the policy's */
	if (!rc && !allowed)
		rc = cw_authorise(cw, act, cw_allowed(cw, act, &a) ? &b : &a, err);
	if (!rc && out->version != version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the pair was decided meanwhile");
	if (!rc && out->state == to)
		rc = sp_err_set(err, SP_ECONFLICT, "/state", "the pair is %s already",
				sp_pair_state_name(to));
	int64_t now = cw_now(cw);
	if (!rc)
		rc = pair_state_write(cw, id, version, to, now, err);
	if (!rc) {
		*before = out->state;
		out->state = to;
		out->version++;
		out->decided_us = to == SP_PAIR_PROPOSED ? 0 : now;
		if (to == SP_PAIR_PROPOSED)
			memset(&out->decided_by, 0, sizeof out->decided_by);
		else
			out->decided_by = *cw_actor(cw);
		const struct sp_id cases[2] = {out->case_a, out->case_b};
		rc = cw_audit_many(cw, act, "case", cases, 2, "stat", err);
	}
	return cw_finish(cw, rc, err);
}

/* The link between the pair's persons as the registry keeps it (matchreg.h, its own
 * transaction and audit record): confirmed, rejected, or the decision undone (none there is
 * nothing to undo). */
static int pair_link(struct sp_casework *cw, const struct sp_match_pair *p, enum sp_pair_state to,
		     struct sp_err *err)
{
	if (to != SP_PAIR_PROPOSED)
		return sp_matchreg_decide(cw, &p->case_a, &p->case_b,
					  to == SP_PAIR_CONFIRMED ? SP_LINK_CONFIRMED : SP_LINK_REJECTED,
					  err);
	int rc = sp_matchreg_undo(cw, &p->case_a, &p->case_b, err);
	return rc == SP_ENOTFOUND ? SP_OK : rc;
}

int sp_match_pair_decide(struct sp_casework *cw, const struct sp_id *id, int64_t version,
			 enum sp_pair_state to, struct sp_match_pair *out, struct sp_err *err)
{
	if ((unsigned)to >= SP_PAIR_STATE_COUNT)
		return sp_err_set(err, SP_EINVAL, "/state", "must be proposed, confirmed or rejected");
	enum cw_action act = to == SP_PAIR_CONFIRMED  ? CW_PAIR_CONFIRM
			     : to == SP_PAIR_REJECTED ? CW_PAIR_REJECT
						      : CW_PAIR_UNDO;
	enum sp_pair_state was = SP_PAIR_PROPOSED, again;
	int rc = pair_decide(cw, id, version, to, act, out, &was, err);
	if (rc)
		return rc;
	rc = pair_link(cw, out, to, err);
	/* the link refused (the registry's own check): the pair goes back as it was, audited */
	if (rc) {
		struct sp_match_pair back;
		struct sp_err ignored = {0};
		(void)pair_decide(cw, id, out->version, was, act, &back, &again, &ignored);
	}
	return rc;
}

/* ---- the run ---- */

#define OPEN_BATCH SP_PERSON_KEYS_CACHED /* cells opened per key-store read */
#define STORE_BATCH 5000			  /* pairs stored per transaction */
/* EM over fewer candidate pairs than this is noise: such a run keeps the parameters it found
 * to itself, and the registration check goes on with the ones it had. */
#define PARAMS_MIN_PAIRS 1000

/* A set of person ids, each with its row among the candidates (open addressing). */
struct idmap {
	struct sp_id *ids;
	uint32_t *rows;
	size_t cap, n; /* cap a power of two */
};

/* The random half of a UUIDv7 through splitmix64's finalizer, so that every bit of it reaches
 * the low bits a slot is taken from: its low byte holds the variant's two fixed bits, and a
 * plain multiply left a quarter of the slots the only first ones (long probes: 2 % of a
 * million-person run in sp_id_is_zero alone). */
static uint64_t id_hash(const struct sp_id *id)
{
	uint64_t h;
	memcpy(&h, id->b + 8, sizeof h);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static int idmap_init(struct idmap *m, size_t n)
{
	m->cap = 16;
	while (m->cap < 2 * n)
		m->cap *= 2;
	m->n = 0;
	m->ids = calloc(m->cap, sizeof *m->ids);
	m->rows = malloc(m->cap * sizeof *m->rows);
	return m->ids && m->rows ? SP_OK : SP_ENOMEM;
}

static void idmap_free(struct idmap *m)
{
	free(m->ids);
	free(m->rows);
}

/* The slot of id: where it is, or the empty one where it would go. */
static size_t idmap_slot(const struct idmap *m, const struct sp_id *id)
{
	size_t i = (size_t)(id_hash(id) & (m->cap - 1));
	while (!sp_id_is_zero(&m->ids[i]) && memcmp(m->ids[i].b, id->b, SP_ID_LEN) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Add id (a new row numbered in order) unless there; false when the map is full. */
static bool idmap_add(struct idmap *m, const struct sp_id *id)
{
	if (!m->ids || !m->rows)
		return false;
	size_t i = idmap_slot(m, id);
	if (!sp_id_is_zero(&m->ids[i]))
		return true;
	if (2 * (m->n + 1) > m->cap)
		return false;
	m->ids[i] = *id;
	m->rows[i] = (uint32_t)m->n++;
	return true;
}

/* The row of id, or -1. */
static int64_t idmap_row(const struct idmap *m, const struct sp_id *id)
{
	if (!m->ids || !m->rows)
		return -1;
	size_t i = idmap_slot(m, id);
	return sp_id_is_zero(&m->ids[i]) ? -1 : (int64_t)m->rows[i];
}

struct run {
	struct sp_casework *cw;
	const struct sp_fs_model *model;
	sp_dedup_progress_fn *progress;
	void *progress_ctx;
	struct sp_dedup_report *rep;
	struct idmap cand;	   /* persons in some candidate pair -> row */
	struct sp_id *person;	   /* by row */
	const char **cells;	   /* row * n_fields + field; "" when missing */
	struct idmap paired;	   /* persons of pairs at or above the threshold -> their index */
	struct sp_case *cases;	   /* by that index; zero id when the person has no case */
	struct sp_buf fields;	   /* a pair's fields as stored, written again for each */
	struct sp_id told[256];	   /* agencies to tell of hidden pairs (the first 256) */
	size_t n_told;
};

/* Whether the agency is noted already; noted when not (while there is room). */
static bool agency_told(struct run *r, const struct sp_id *agency)
{
	for (size_t i = 0; i < r->n_told; i++)
		if (memcmp(r->told[i].b, agency->b, SP_ID_LEN) == 0)
			return true;
	if (r->n_told < sizeof r->told / sizeof r->told[0])
		r->told[r->n_told++] = *agency;
	return false;
}

static void progress(struct run *r, const char *phase, uint64_t done, uint64_t total)
{
	if (r->progress)
		r->progress(r->progress_ctx, phase, done, total);
}

static int bind_failed(struct sp_stmt *st, struct sp_err *err)
{
	sp_stmt_done(st);
	return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
}

/* Close a group of persons sharing one blinded key: its persons become candidates unless
 * the group would give more pairs than the model allows one key (capped, counted). */
static int group_close(struct run *r, const struct sp_id *group, size_t n, uint64_t pairs,
		       struct sp_err *err)
{
	if (n < 2)
		return SP_OK;
	r->rep->keys++;
	if (pairs > r->model->max_block_pairs) {
		r->rep->capped_keys++;
		return SP_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (!idmap_add(&r->cand, &group[i]))
			return sp_err_set(err, SP_EINTERNAL, "", "more candidates than persons");
	return SP_OK;
}

/* Blocking without plaintext: the stored blinded keys in key order, grouped. */
struct grouping {
	struct run *r;
	struct sp_id *group;
	size_t cap_persons, n, key_len;
	int64_t rule;
	unsigned char key[64];
	uint64_t rows;
};

static int group_end(struct grouping *g, struct sp_err *err)
{
	return group_close(g->r, g->group, g->n < g->cap_persons ? g->n : g->cap_persons,
			   (uint64_t)g->n * (g->n - (g->n > 0)) / 2, err);
}

static int group_row(void *ctx, int64_t rule, const void *k, size_t len,
		     const struct sp_id *person, struct sp_err *err)
{
	struct grouping *g = ctx;
	int rc = SP_OK;
	if (!k || len > sizeof g->key)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed blocking key");
	if (rule != g->rule || len != g->key_len || memcmp(k, g->key, len) != 0) {
		rc = group_end(g, err);
		g->rule = rule;
		g->key_len = len;
		memcpy(g->key, k, len);
		g->n = 0;
	}
	if (!rc && g->n < g->cap_persons)
		g->group[g->n] = *person;
	g->n++;
	if (++g->rows % 65536 == 0)
		progress(g->r, "block", g->r->cand.n, g->r->rep->persons);
	return rc;
}

static int block(struct run *r, struct sp_err *err)
{
	struct grouping g = {.r = r, .cap_persons = 2, .rule = -1};
	while ((uint64_t)g.cap_persons * (g.cap_persons - 1) / 2 <= r->model->max_block_pairs)
		g.cap_persons++;
	if (!(g.group = malloc(g.cap_persons * sizeof *g.group)))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = cw_match_keys_each(r->cw, group_row, &g, err);
	if (!rc)
		rc = group_end(&g, err);
	free(g.group);
	r->rep->candidates = r->cand.n;
	progress(r, "block", r->rep->persons, r->rep->persons);
	return rc;
}

/* One stored cell array, opened, into row's cells (a row of another model version stays
 * missing: the registry is being reindexed). */
static int cells_open(struct run *r, const struct sp_id *person, size_t row, const char *model,
		      const void *ct, size_t n, struct sp_err *err)
{
	if (!model || strcmp(model, r->model->version) != 0)
		return SP_OK;
	const char *pt;
	size_t len;
	int rc = cw_open(r->cw, person, "person_match", "cells", person, ct, n, &pt, &len, err);
	json_t *arr = rc ? NULL : sp_json_parse(pt, len, err);
	if (!rc && (!json_is_array(arr) || json_array_size(arr) != (size_t)r->model->n_fields))
		rc = sp_err_set(err, SP_EINTERNAL, "", "sealed cells are not the model's");
	const char **cells = &r->cells[row * (size_t)r->model->n_fields];
	for (int f = 0; !rc && f < r->model->n_fields; f++) {
		const char *v = json_string_value(json_array_get(arr, (size_t)f));
		if (v && *v && !(cells[f] = sp_arena_strdup(r->cw->arena, v)))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	json_decref(arr);
	return rc;
}

/* A batch of sealed cells waiting for their persons' keys. */
struct sealed {
	struct sp_id person[OPEN_BATCH];
	size_t row[OPEN_BATCH];
	char model[OPEN_BATCH][32];
	struct sp_buf ct[OPEN_BATCH];
	size_t n;
};

static int sealed_open(struct run *r, struct sealed *s, struct sp_err *err)
{
	int rc = s->n ? cw_person_keys_cache(r->cw, s->person, s->n, err) : SP_OK;
	for (size_t i = 0; !rc && i < s->n; i++)
		rc = cells_open(r, &s->person[i], s->row[i], s->model[i], s->ct[i].data, s->ct[i].len,
				err);
	s->n = 0;
	return rc;
}

/* A stored row of sealed cells: kept for opening when its person is a candidate. */
struct opening {
	struct run *r;
	struct sealed *s;
	uint64_t done;
};

static int sealed_row(void *ctx, const struct sp_id *id, const char *model, const void *ct,
		      size_t len, struct sp_err *err)
{
	struct opening *o = ctx;
	int64_t row = idmap_row(&o->r->cand, id);
	if (row < 0)
		return SP_OK;
	struct sealed *s = o->s;
	size_t k = s->n++;
	s->person[k] = *id;
	s->row[k] = (size_t)row;
	snprintf(s->model[k], sizeof s->model[k], "%s", model ? model : "");
	sp_buf_reset(&s->ct[k]);
	int rc = sp_buf_add(&s->ct[k], ct, len) ? sp_err_set(err, SP_ENOMEM, "", "out of memory")
						: SP_OK;
	if (!rc && s->n == OPEN_BATCH)
		rc = sealed_open(o->r, s, err);
	if (++o->done % 4096 == 0)
		progress(o->r, "open", o->done, o->r->cand.n);
	return rc;
}

/* Only the candidates' cells are opened, OPEN_BATCH persons' keys at a time. */
static int open_candidates(struct run *r, struct sp_err *err)
{
	size_t n_cells = r->cand.n * (size_t)r->model->n_fields;
	r->person = calloc(r->cand.n ? r->cand.n : 1, sizeof *r->person);
	r->cells = calloc(n_cells ? n_cells : 1, sizeof *r->cells);
	struct sealed *s = calloc(1, sizeof *s);
	if (!r->person || !r->cells || !s) {
		free(s);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	for (size_t i = 0; i < OPEN_BATCH; i++)
		sp_buf_init(&s->ct[i], SP_SEAL_LIMIT);
	for (size_t i = 0; i < r->cand.cap; i++)
		if (!sp_id_is_zero(&r->cand.ids[i]))
			r->person[r->cand.rows[i]] = r->cand.ids[i];
	struct opening o = {.r = r, .s = s};
	int rc = cw_match_sealed_each(r->cw, sealed_row, &o, err);
	if (!rc)
		rc = sealed_open(r, s, err);
	for (size_t i = 0; i < OPEN_BATCH; i++)
		sp_buf_free(&s->ct[i]);
	free(s);
	progress(r, "open", r->cand.n, r->cand.n);
	return rc;
}

/* The cases of the persons of the pairs kept (a person's first case), read in one pass. */
static int pair_cases_load(struct run *r, struct sp_err *err)
{
	r->cases = calloc(r->paired.n ? r->paired.n : 1, sizeof *r->cases);
	if (!r->cases)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	struct sp_stmt *st;
	int rc = sp_store_prepare(r->cw->store,
				  "SELECT " CW_CASE_COLUMNS " FROM cases ORDER BY created_us, id", &st,
				  err);
	if (rc)
		return rc;
	sp_stmt_stream(st);
	while ((rc = sp_stmt_step(st, err)) == 1) {
		struct sp_case c;
		if ((rc = cw_case_row(st, &c, err)))
			break;
		int64_t i = idmap_row(&r->paired, &c.person);
		if (i >= 0 && sp_id_is_zero(&r->cases[i].id))
			r->cases[i] = c;
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* The pair's fields from the result: each comparison's level in words and contribution. */
static void pair_fields(const struct sp_fs_result *res, size_t i, struct sp_match_pair *p)
{
	const struct sp_fs_model *m = res->model;
	p->n_fields = (size_t)m->n_comparisons;
	for (int c = 0; c < m->n_comparisons; c++) {
		struct sp_pair_field *f = &p->fields[c];
		uint8_t level = res->levels[i * (size_t)m->n_comparisons + (size_t)c];
		snprintf(f->comparison, sizeof f->comparison, "%s", m->comparisons[c].id);
		if (level == SP_FS_LEVEL_NONE)
			snprintf(f->level, sizeof f->level, "missing");
		else
			sp_cmp_level_describe(&m->comparisons[c], level, f->level, sizeof f->level);
		f->contribution = sp_fs_contribution(res, i, c);
	}
}

/* The pairs stored before the run (any state), by their two persons: a decided one is left
 * as it is, a proposed one refreshed (open addressing on the pair of ids). */
struct known_pair {
	struct sp_id a, b, id;
	int64_t version;
	enum sp_pair_state state;
	bool used;
};
struct known {
	struct known_pair *v;
	size_t cap; /* a power of two */
};

static size_t known_slot(const struct known *k, const struct sp_id *a, const struct sp_id *b)
{
	size_t i = (size_t)((id_hash(a) ^ (id_hash(b) >> 1)) & (k->cap - 1));
	while (k->v[i].used && (memcmp(k->v[i].a.b, a->b, SP_ID_LEN) != 0 ||
				memcmp(k->v[i].b.b, b->b, SP_ID_LEN) != 0))
		i = (i + 1) & (k->cap - 1);
	return i;
}

/* Every stored pair into k (its size from a count first). */
static int known_load(struct run *r, struct known *k, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(r->cw->store, "SELECT COUNT(*) FROM match_pairs", &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_step(st, err);
	size_t n = rc == 1 ? (size_t)sp_stmt_int64(st, 0) : 0;
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	k->cap = 16;
	while (k->cap < 2 * n + 2)
		k->cap *= 2;
	if (!(k->v = calloc(k->cap, sizeof *k->v)))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if ((rc = sp_store_prepare(r->cw->store,
				   "SELECT person_a, person_b, id, version, state FROM match_pairs",
				   &st, err)))
		return rc;
	sp_stmt_stream(st);
	int step;
	while (!rc && (step = sp_stmt_step(st, err)) == 1) {
		struct known_pair p = {.used = true, .version = sp_stmt_int64(st, 3)};
		const char *state = sp_stmt_text(st, 4);
		int v = state ? sp_pair_state_parse(state) : -1;
		if (v < 0 || sp_stmt_id(st, 0, &p.a) || sp_stmt_id(st, 1, &p.b) ||
		    sp_stmt_id(st, 2, &p.id))
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed pair row");
		p.state = (enum sp_pair_state)v;
		if (!rc)
			k->v[known_slot(k, &p.a, &p.b)] = p;
	}
	sp_stmt_done(st);
	return rc ? rc : step < 0 ? step : SP_OK;
}

/* Insert the pair, or refresh a proposed one's score, cases and fields. */
static int pair_write(struct run *r, const struct sp_match_pair *p, const struct sp_case *a,
		      const struct sp_case *b, bool exists, struct sp_err *err)
{
	if (fields_encode(p, &r->fields))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	struct sp_stmt *st;
	int rc = sp_store_prepare(
		r->cw->store,
		exists ? "UPDATE match_pairs SET case_a = ?, case_b = ?, agency_a = ?, agency_b = ?, "
			 "model_version = ?, weight_micro = ?, fields = ?, found_us = ?, "
			 "version = version + 1 WHERE person_a = ? AND person_b = ? AND state = ?"
		       : "INSERT INTO match_pairs (case_a, case_b, agency_a, agency_b, model_version, "
			 "weight_micro, fields, found_us, person_a, person_b, state, id, version) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
		&st, err);
	if (!rc) {
		int bad = sp_stmt_bind_id(st, 1, &a->id) || sp_stmt_bind_id(st, 2, &b->id) ||
			  sp_stmt_bind_id(st, 3, &a->agency) || sp_stmt_bind_id(st, 4, &b->agency) ||
			  sp_stmt_bind_text(st, 5, r->model->version) ||
			  sp_stmt_bind_int64(st, 6, (int64_t)llround(p->weight * 1e6)) ||
			  sp_stmt_bind_text(st, 7, r->fields.data) ||
			  sp_stmt_bind_int64(st, 8, p->found_us) ||
			  sp_stmt_bind_id(st, 9, &p->person_a) || sp_stmt_bind_id(st, 10, &p->person_b) ||
			  sp_stmt_bind_text(st, 11, sp_pair_state_name(SP_PAIR_PROPOSED)) ||
			  (!exists && sp_stmt_bind_id(st, 12, &p->id));
		rc = bad ? bind_failed(st, err) : cw_exec_done(st, err);
	}
	return rc;
}

/* Pair i of the result (rows of candidates) as the queue keeps it; false when a person has
 * no case any more (erased meanwhile). a and b its cases in person order. */
static bool pair_of(struct run *r, const struct sp_fs_result *res, size_t i, int64_t now,
		    struct sp_match_pair *p, const struct sp_case **a, const struct sp_case **b)
{
	const struct sp_id *pl = &r->person[res->pairs[i].left];
	const struct sp_id *pr = &r->person[res->pairs[i].right];
	if (memcmp(pl->b, pr->b, SP_ID_LEN) > 0) {
		const struct sp_id *t = pl;
		pl = pr;
		pr = t;
	}
	memset(p, 0, sizeof *p);
	p->person_a = *pl;
	p->person_b = *pr;
	int64_t ia = idmap_row(&r->paired, pl), ib = idmap_row(&r->paired, pr);
	if (ia < 0 || ib < 0)
		return false;
	*a = &r->cases[ia];
	*b = &r->cases[ib];
	if (sp_id_is_zero(&(*a)->id) || sp_id_is_zero(&(*b)->id))
		return false;
	p->case_a = (*a)->id;
	p->case_b = (*b)->id;
	memcpy(p->number_a, (*a)->number, sizeof p->number_a);
	memcpy(p->number_b, (*b)->number, sizeof p->number_b);
	p->weight = res->pairs[i].weight;
	p->probability = res->pairs[i].probability;
	p->state = SP_PAIR_PROPOSED;
	p->found_us = now;
	p->version = 1; /* a new one's; a stored one's is read */
	pair_fields(res, i, p);
	return true;
}

/* The agencies holding a case of a hidden pair that the subject may not read, noted to be
 * told once the pairs are stored (tell_agencies). */
static void note_hidden(struct run *r, const struct sp_case *a, const struct sp_case *b)
{
	if (!cw_allowed(r->cw, CW_PAIR_LIST, a))
		(void)agency_told(r, &a->agency);
	if (!cw_allowed(r->cw, CW_PAIR_LIST, b))
		(void)agency_told(r, &b->agency);
}

/* The focal points and supervisors of each agency noted are told, once a run, that possible
 * duplicates among their cases wait for their own review: no case, no personal data. */
static int tell_agencies(struct run *r, const struct sp_id *run_id, struct sp_err *err)
{
	char rid[SP_ID_STRLEN + 1], aid[SP_ID_STRLEN + 1], dedupe[SP_NOTIFICATION_DEDUPE_MAX];
	sp_id_format(run_id, rid);
	int rc = SP_OK;
	for (size_t i = 0; !rc && i < r->n_told; i++) {
		sp_id_format(&r->told[i], aid);
		snprintf(dedupe, sizeof dedupe, "dedup.elsewhere:%s:%s", aid, rid);
		struct sp_notice note = {.kind = SP_NOTIFY_DEDUP_ELSEWHERE,
					 .agency = r->told[i],
					 .roles = SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR,
					 .object = *run_id,
					 .dedupe = dedupe};
		rc = sp_notify(r->cw->store, &note, NULL, err);
	}
	r->rep->agencies_told = r->n_told;
	return rc;
}

/* The id of the new pair ranked i in the run: the run's id (UUIDv7) with its 62 random low
 * bits replaced by i, version and variant kept, so that the queue (in id order) lists a run's
 * new pairs most probable first even when they are made within one millisecond. */
static void pair_id(const struct sp_id *run_id, size_t i, struct sp_id *out)
{
	uint64_t v = (uint64_t)i;
	*out = *run_id;
	out->b[8] = (unsigned char)(0x80 | ((v >> 56) & 0x3f));
	for (int j = 0; j < 7; j++)
		out->b[9 + j] = (unsigned char)(v >> (8 * (6 - j)));
}

/* One pair kept: stored unless decided before, handed to each when the subject may read
 * both persons, else counted (and their holders noted, note_hidden). */
static int keep_pair(struct run *r, const struct known *k, const struct sp_fs_result *res,
		     size_t i, const struct sp_id *run_id, int64_t now, sp_dedup_pair_fn *each,
		     void *each_ctx, struct sp_err *err)
{
	struct sp_match_pair p;
	const struct sp_case *a, *b;
	if (!pair_of(r, res, i, now, &p, &a, &b))
		return SP_OK;
	const struct known_pair *was = &k->v[known_slot(k, &p.person_a, &p.person_b)];
	if (was->used && was->state != SP_PAIR_PROPOSED) {
		r->rep->decided++;
		return SP_OK;
	}
	if (was->used) {
		p.id = was->id;
		p.version = was->version + 1;
	} else {
		pair_id(run_id, i, &p.id);
	}
	int rc = pair_write(r, &p, a, b, was->used, err);
	if (rc)
		return rc;
	r->rep->proposed++;
	if (cw_allowed(r->cw, CW_PAIR_LIST, a) && cw_allowed(r->cw, CW_PAIR_LIST, b))
		return each ? each(each_ctx, &p, err) : SP_OK;
	r->rep->hidden++;
	note_hidden(r, a, b);
	return SP_OK;
}


/* The persons of the pairs at or above the threshold (the first `above` of the result). */
static int paired_persons(struct run *r, const struct sp_fs_result *res, size_t above,
			  struct sp_err *err)
{
	if (idmap_init(&r->paired, 2 * above + 1))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < above; i++)
		if (!idmap_add(&r->paired, &r->person[res->pairs[i].left]) ||
		    !idmap_add(&r->paired, &r->person[res->pairs[i].right]))
			return sp_err_set(err, SP_EINTERNAL, "", "more persons than pairs allow");
	return SP_OK;
}

/* The parameters estimated on the candidates, kept as the registry's for the model's version
 * (the registration check scores with them): one row per model in match_params, replaced. */
static int params_store(struct run *r, const struct sp_fs_params *params, int64_t now,
			struct sp_err *err)
{
	char *text = sp_fs_params_encode(params);
	if (!text)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = cw_match_params_store(r->cw, r->model->id, r->model->version, text, now, err);
	free(text);
	return rc;
}

/* The pairs kept, STORE_BATCH to a transaction; the last one also holds the parameters and
 * the run's one audit record (its counts, no names). */
static int store(struct run *r, const struct sp_fs_result *res, size_t above,
		 const struct sp_fs_params *params, sp_dedup_pair_fn *each, void *each_ctx,
		 struct sp_err *err)
{
	struct known k = {0};
	int rc = known_load(r, &k, err);
	int64_t now = cw_now(r->cw);
	struct sp_id run_id = {0};
	sp_id_new(&run_id);
	size_t i = 0;
	do {
		size_t end = i + STORE_BATCH < above ? i + STORE_BATCH : above;
		if (!rc)
			rc = cw_begin(r->cw, err);
		else
			break;
		for (; !rc && i < end; i++)
			rc = keep_pair(r, &k, res, i, &run_id, now, each, each_ctx, err);
		if (!rc && i == above && r->rep->parameters_kept)
			rc = params_store(r, params, now, err);
		if (!rc && i == above)
			rc = tell_agencies(r, &run_id, err);
		if (!rc && i == above) {
			char reason[160];
			snprintf(reason, sizeof reason,
				 "persons:%llu,pairs:%llu,above:%llu,hidden:%llu",
				 (unsigned long long)r->rep->persons, (unsigned long long)r->rep->pairs,
				 (unsigned long long)r->rep->above, (unsigned long long)r->rep->hidden);
			rc = cw_audit_act(r->cw, cw_act(CW_DEDUP_RUN), "dedup_run", &run_id, 1,
					  "identity", reason, err);
		}
		rc = cw_finish(r->cw, rc, err);
		progress(r, "store", i, above);
	} while (!rc && i < above);
	free(k.v);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void run_free(struct run *r)
{
	idmap_free(&r->cand);
	idmap_free(&r->paired);
	sp_buf_free(&r->fields);
	free(r->person);
	free(r->cells);
	free(r->cases);
}

static int dedup_run(struct sp_casework *cw, double threshold, sp_dedup_progress_fn *progress_fn,
		     void *progress_ctx, sp_dedup_pair_fn *each, void *each_ctx,
		     struct sp_dedup_report *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	if (threshold > 1)
		return sp_err_set(err, SP_EINVAL, "threshold", "must be a probability from 0 to 1");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = sp_caseop_authorise_any(cw, cw_act(CW_DEDUP_RUN), err);
	if (rc)
		return rc;
	struct sp_fs_model *model = malloc(sizeof *model);
	if (!model)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	struct run r = {.cw = cw, .model = model, .progress = progress_fn,
			.progress_ctx = progress_ctx, .rep = out};
	sp_buf_init(&r.fields, (size_t)1 << 20);
	struct sp_fs_result *res = NULL;
	struct sp_fs_params *params = NULL;
	rc = sp_fs_model_shipped(SP_MATCHREG_MODEL, model, err);
	out->threshold = threshold < 0 ? model->threshold : threshold;
	if (!rc)
		rc = cw_match_count(r.cw, &r.rep->persons, err);
	if (!rc && idmap_init(&r.cand, out->persons + 1))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc)
		rc = block(&r, err);
	if (!rc)
		rc = open_candidates(&r, err);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!rc) {
		const struct sp_fs_table t = {r.cand.n, r.cells, out->persons};
		rc = sp_fs_link(model, &t, NULL, progress_fn, progress_ctx, &res, err);
	}
	out->compare_seconds = seconds_since(&t1);
	sp_arena_release(cw->arena); /* the opened cells, wiped: the pairs name rows */
	size_t above = 0;
	if (!rc) {
		out->pairs = res->n_pairs;
		out->comparisons = res->comparisons;
		while (above < res->n_pairs && res->pairs[above].probability >= out->threshold)
			above++;
		out->above = above;
		rc = sp_fs_params_from_result(res, &params, err);
		out->parameters_kept = res->n_pairs >= PARAMS_MIN_PAIRS;
	}
	if (!rc)
		rc = paired_persons(&r, res, above, err);
	if (!rc)
		rc = pair_cases_load(&r, err);
	if (!rc)
		rc = store(&r, res, above, params, each, each_ctx, err);
	out->seconds = seconds_since(&t0);
	sp_fs_params_free(params);
	sp_fs_result_free(res);
	run_free(&r);
	free(model);
	sp_arena_release(cw->arena); /* the opened cells, wiped */
	return rc;
}

int sp_dedup_run(struct sp_casework *cw, double threshold, sp_dedup_progress_fn *progress_fn,
		 void *progress_ctx, sp_dedup_pair_fn *each, void *each_ctx,
		 struct sp_dedup_report *out, struct sp_err *err)
{
	/* The run's own arena, without the caller's cap: at a million persons the candidates'
	 * opened cells are hundreds of megabytes, past what a request or a command may hold.
	 * Wiped when released, as the caller's would be. */
	struct sp_arena *caller = cw->arena, mine;
	sp_arena_init(&mine, 1u << 20, 0);
	cw->arena = &mine;
	int rc = dedup_run(cw, threshold, progress_fn, progress_ctx, each, each_ctx, out, err);
	sp_arena_release(&mine);
	cw->arena = caller;
	return rc;
}

/* ---- the file ---- */

static const char magic[SP_SEALFILE_MAGIC_LEN] = {'S', 'P', 'D', 'E', 'D', 'U', 'P', '1'};

int sp_dedup_seal(const struct sp_keys *k, const void *data, size_t n, const char *path,
		  struct sp_err *err)
{
	static const char header[] = "{\"kind\":\"dedup\"}";
	return sp_sealfile_write_mem(k, magic, header, sizeof header - 1, data, n, path, err);
}

int sp_dedup_open(const struct sp_keys *k, const char *path, const char *clear_path,
		  struct sp_err *err)
{
	char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	return sp_sealfile_read(k, magic, path, clear_path, header, sizeof header, &hlen, NULL,
				NULL, err);
}

/* ---- JSON ---- */

static json_t *person_identity(const struct sp_person *p)
{
	json_t *full = sp_person_encode(p, false);
	json_t *o = json_object();
	static const char *const keep[] = {"names", "sex", "date_of_birth", "nationalities", NULL};
	for (size_t i = 0; full && o && keep[i]; i++) {
		json_t *v = json_object_get(full, keep[i]);
		if (v && json_object_set(o, keep[i], v)) {
			json_decref(o);
			o = NULL;
		}
	}
	json_decref(full);
	return full ? o : NULL;
}

json_t *sp_match_pair_encode(const struct sp_match_pair *p)
{
	char id[SP_ID_STRLEN + 1], ca[SP_ID_STRLEN + 1], cb[SP_ID_STRLEN + 1];
	char found[SP_TIME_STRLEN + 1], decided[SP_TIME_STRLEN + 1];
	sp_id_format(&p->id, id);
	sp_id_format(&p->case_a, ca);
	sp_id_format(&p->case_b, cb);
	sp_time_format(p->found_us, found);
	sp_time_format(p->decided_us, decided);
	json_t *fields = json_array();
	for (size_t i = 0; fields && i < p->n_fields; i++)
		if (json_array_append_new(fields, json_pack("{s:s, s:s, s:f}", "comparison",
							     p->fields[i].comparison, "level",
							     p->fields[i].level, "contribution",
							     p->fields[i].contribution))) {
			json_decref(fields);
			fields = NULL;
		}
	json_t *j = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:f, s:f, s:s, s:s, s:s?, s:I, s:o}",
			      "id", id, "a", "case_id", ca, "case_number", p->number_a, "b",
			      "case_id", cb, "case_number", p->number_b, "probability",
			      p->probability, "weight", p->weight, "state",
			      sp_pair_state_name(p->state), "found_at", found, "decided_at",
			      p->decided_us ? decided : NULL, "version", (json_int_t)p->version,
			      "fields", fields);
	if (j && p->has_persons &&
	    (json_object_set_new(json_object_get(j, "a"), "person", person_identity(&p->a)) ||
	     json_object_set_new(json_object_get(j, "b"), "person", person_identity(&p->b)))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}
