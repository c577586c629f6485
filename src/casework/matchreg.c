/* The registry side of matching people (owner of the person_match, person_match_keys,
 * match_params and person_links tables; docs/registry-matching.md): a person's cells of the
 * matching model sealed under the person's key and its blocking keys blinded, written with the
 * person and forgotten at erasure; the registration check over them; links and rejections.
 *
 * The model's cells are built by field name (fill[]): the whole name with its parts' roles and
 * scripts, prepared by the normaliser once here so that matching never runs ICU over the
 * registry; the date of birth ("~" in front when estimated); sex; nationalities; the place and
 * date of separation; the relatives' names from the family links; the aliases. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/json.h"
#include "safepath/matchreg.h"
#include "safepath/normalise.h"
#include "safepath/notification.h"
#include "safepath/store.h"

#define ROW_KEYS_MAX 256   /* blocking keys of one person */
#define CELL_DATE_MAX (SP_DATE_ISO_SIZE + 1) /* "~" and a date */
#define REINDEX_BATCH 256  /* persons rebuilt per transaction */
#define ALIASES_SEP ';'   /* between the prepared names of the aliases cell */

/* What fills each field of the model. */
enum fill {
	FILL_NAME,
	FILL_ALIASES,
	FILL_DATE_OF_BIRTH,
	FILL_SEX,
	FILL_NATIONALITY,
	FILL_SEPARATION_PLACE,
	FILL_SEPARATION_DATE,
	FILL_RELATIVES,
	FILL_COUNT
};
static const char *const fill_names[FILL_COUNT] = {
	[FILL_NAME] = "name",
	[FILL_ALIASES] = "aliases",
	[FILL_DATE_OF_BIRTH] = "date_of_birth",
	[FILL_SEX] = "sex",
	[FILL_NATIONALITY] = "nationality",
	[FILL_SEPARATION_PLACE] = "place_of_separation",
	[FILL_SEPARATION_DATE] = "date_of_separation",
	[FILL_RELATIVES] = "relatives",
};

_Static_assert((int)SP_NAME_GIVEN == (int)SP_NPART_GIVEN &&
		       (int)SP_NAME_OTHER == (int)SP_NPART_OTHER &&
		       (int)SP_NAME_ROLE_COUNT == (int)SP_NPART_ROLE_COUNT,
	       "person.h's and normalise.h's name roles are one list");

/* ---- the thread's normaliser and model ------------------------------------------------ */

struct mr_thread {
	struct sp_normaliser *nz; /* opened on the first name */
	struct sp_fs_model model;
	enum fill fill[SP_FS_FIELDS_MAX];
	struct sp_fs_params *defaults; /* the model's shipped parameters */
};

static pthread_key_t mr_key;
static pthread_once_t mr_once = PTHREAD_ONCE_INIT;
static bool mr_key_ok;

static void mr_free(void *p)
{
	struct mr_thread *t = p;
	if (!t)
		return;
	sp_normaliser_free(t->nz);
	sp_fs_params_free(t->defaults);
	free(t);
}

static void mr_key_create(void)
{
	mr_key_ok = pthread_key_create(&mr_key, mr_free) == 0;
}

void sp_matchreg_release_thread(void)
{
	if (pthread_once(&mr_once, mr_key_create) != 0 || !mr_key_ok)
		return;
	struct mr_thread *t = pthread_getspecific(mr_key);
	if (t) {
		pthread_setspecific(mr_key, NULL);
		mr_free(t);
	}
}

/* Each field of the model must be one the registry fills. */
static int mr_model(struct mr_thread *t, struct sp_err *err)
{
	int rc = sp_fs_model_shipped(SP_MATCHREG_MODEL, &t->model, err);
	for (int f = 0; !rc && f < t->model.n_fields; f++) {
		int k = 0;
		while (k < FILL_COUNT && strcmp(fill_names[k], t->model.fields[f]) != 0)
			k++;
		if (k == FILL_COUNT)
			rc = sp_err_set(err, SP_EINTERNAL, "", "the matching model's field %s is not one the registry fills",
					t->model.fields[f]);
		t->fill[f] = (enum fill)k;
	}
	/* a model without shipped estimates scores only once a dedup run stored some */
	if (!rc && (rc = sp_fs_params_default(&t->model, &t->defaults, err)) == SP_ENOTFOUND)
		rc = SP_OK;
	return rc;
}

static int mr_get(struct mr_thread **out, struct sp_err *err)
{
	*out = NULL;
	if (pthread_once(&mr_once, mr_key_create) != 0 || !mr_key_ok) {
		sp_err_set(err, SP_EINTERNAL, "", "cannot keep the matcher");
		return SP_EINTERNAL;
	}
	struct mr_thread *t = pthread_getspecific(mr_key);
	if (t) {
		*out = t;
		return SP_OK;
	}
	if (!(t = calloc(1, sizeof *t))) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory");
		return SP_ENOMEM;
	}
	int rc = mr_model(t, err);
	if (!rc && pthread_setspecific(mr_key, t) != 0) {
		sp_err_set(err, SP_EINTERNAL, "", "cannot keep the matcher");
		rc = SP_EINTERNAL;
	}
	if (rc) {
		mr_free(t);
		return rc;
	}
	*out = t;
	return SP_OK;
}

/* ---- cells ------------------------------------------------------------------------------ */

/* The name prepared (normalise.h's sp_match_name_encode) into the arena: each part as written
 * in its script (else its romanised form), or with originals false the romanised forms. ""
 * when nothing of it can be normalised: the cell is missing, the person is still written. */
static int name_prepared(struct mr_thread *t, const struct sp_name *n, bool originals,
			 struct sp_arena *a, const char **out, struct sp_err *err)
{
	*out = "";
	struct sp_npart_in in[SP_MATCH_MAX_PARTS];
	size_t k = n->n_parts < SP_MATCH_MAX_PARTS ? n->n_parts : SP_MATCH_MAX_PARTS;
	for (size_t i = 0; i < k; i++) {
		const struct sp_name_part *p = &n->parts[i];
		bool orig = p->original && (originals || !p->romanised);
		in[i] = (struct sp_npart_in){.role = (enum sp_npart_role)p->role,
					     .text = orig ? p->original : p->romanised,
					     .script = orig ? p->script : "Latn"};
	}
	if (!t->nz) {
		int rc = sp_normaliser_new(&t->nz, err);
		if (rc)
			return rc;
	}
	struct sp_match_name *mn = sp_arena_alloc(a, sizeof *mn);
	char *cell = sp_arena_alloc(a, SP_MATCH_PREPARED_MAX);
	if (!mn || !cell)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	struct sp_err ignored = {0};
	int rc = sp_match_name_build(t->nz, in, k, mn, &ignored);
	if (rc == SP_EINVAL && originals)
		return name_prepared(t, n, false, a, out, err);
	if (rc == SP_EINVAL)
		return SP_OK;
	if (rc)
		return sp_err_set(err, rc, "", "%s", ignored.msg);
	if (sp_match_name_encode(mn, cell, SP_MATCH_PREPARED_MAX))
		*out = cell;
	sodium_memzero(mn, sizeof *mn);
	return SP_OK;
}

/* A date as the model's date comparator reads it: "YYYY", "YYYY-MM" or "YYYY-MM-DD", "~" in
 * front when estimated; a span that is no single year, month or day (a Solar Hijri year) is
 * its middle year, estimated. */
static void date_cell(const struct sp_date *d, bool estimated, char out[CELL_DATE_MAX])
{
	char iso[SP_DATE_ISO_SIZE];
	sp_date_format_iso(d, iso);
	if (strchr(iso, '/')) {
		int y, m, day;
		sp_date_civil(d->first + (d->last - d->first) / 2, &y, &m, &day);
		snprintf(out, CELL_DATE_MAX, "~%04d", y);
		return;
	}
	snprintf(out, CELL_DATE_MAX, "%s%s", estimated ? "~" : "", iso);
}

/* Items joined by sep into the arena, each with sep's byte inside it made a space. */
static int joined(struct sp_arena *a, const char *const *items, size_t n, char sep,
		  const char **out, struct sp_err *err)
{
	struct sp_buf b;
	sp_buf_init(&b, SP_SEAL_LIMIT);
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (!items[i] || !*items[i])
			continue;
		if (b.len)
			rc = sp_buf_addc(&b, sep);
		for (const char *p = items[i]; !rc && *p; p++)
			rc = sp_buf_addc(&b, (char)(*p == sep ? ' ' : *p));
	}
	*out = rc ? NULL : sp_arena_strndup(a, b.data ? b.data : "", b.len);
	if (b.data)
		sodium_memzero(b.data, b.len);
	sp_buf_free(&b);
	return *out ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
}

static int aliases_cell(struct mr_thread *t, const struct sp_person *p, struct sp_arena *a,
			const char **out, struct sp_err *err)
{
	const char *items[SP_PERSON_MAX_ALIASES] = {NULL};
	size_t n = p->n_aliases < SP_PERSON_MAX_ALIASES ? p->n_aliases : SP_PERSON_MAX_ALIASES;
	for (size_t i = 0; i < n; i++) {
		int rc = name_prepared(t, &p->aliases[i], true, a, &items[i], err);
		if (rc)
			return rc;
	}
	return joined(a, items, n, ALIASES_SEP, out, err);
}

static int relatives_cell(const struct sp_person *p, struct sp_arena *a, const char **out,
			  struct sp_err *err)
{
	const char *items[SP_PERSON_MAX_FAMILY] = {NULL};
	size_t n = p->safety.n_family < SP_PERSON_MAX_FAMILY ? p->safety.n_family
							     : SP_PERSON_MAX_FAMILY;
	for (size_t i = 0; i < n; i++)
		items[i] = p->safety.family[i].name;
	return joined(a, items, n, ';', out, err);
}

static const char *sex_cell(enum sp_sex s)
{
	return s == SP_SEX_FEMALE ? "f" : s == SP_SEX_MALE ? "m" : s == SP_SEX_OTHER ? "x" : "";
}

/* The cells of p in the model's field order, in the arena; relatives from p's family links
 * (keep, when not NULL, is the relatives cell to keep instead: an update without the
 * need-to-know block keeps the stored links). */
static int cells_build(struct mr_thread *t, const struct sp_person *p, const char *keep,
		       struct sp_arena *a, const char **cells, struct sp_err *err)
{
	int rc = SP_OK;
	for (int f = 0; !rc && f < t->model.n_fields; f++) {
		char *date = NULL;
		cells[f] = "";
		switch (t->fill[f]) {
		case FILL_NAME:
			rc = name_prepared(t, &p->name, true, a, &cells[f], err);
			break;
		case FILL_ALIASES:
			rc = aliases_cell(t, p, a, &cells[f], err);
			break;
		case FILL_DATE_OF_BIRTH:
		case FILL_SEPARATION_DATE: {
			bool birth = t->fill[f] == FILL_DATE_OF_BIRTH;
			if (birth ? !p->has_birth : !p->separation.has_date)
				break;
			if (!(date = sp_arena_alloc(a, CELL_DATE_MAX))) {
				sp_err_set(err, SP_ENOMEM, "", "out of memory");
				return SP_ENOMEM;
			}
			date_cell(birth ? &p->birth : &p->separation.date,
				  birth && p->birth.estimated, date);
			cells[f] = date;
			break;
		}
		case FILL_SEX:
			cells[f] = sex_cell(p->sex);
			break;
		case FILL_NATIONALITY: {
			const char *codes[SP_PERSON_MAX_LIST] = {NULL};
			size_t n = p->n_nationalities < SP_PERSON_MAX_LIST ? p->n_nationalities
									   : SP_PERSON_MAX_LIST;
			for (size_t i = 0; i < n; i++)
				codes[i] = p->nationalities[i];
			rc = joined(a, codes, n, ';', &cells[f], err);
			break;
		}
		case FILL_SEPARATION_PLACE:
			cells[f] = p->separation.place ? p->separation.place : "";
			break;
		case FILL_RELATIVES:
			rc = keep ? SP_OK : relatives_cell(p, a, &cells[f], err);
			if (keep)
				cells[f] = keep;
			break;
		case FILL_COUNT:
			break;
		}
	}
	return rc;
}

/* ---- the stored cells and keys ---------------------------------------------------------- */

/* The cells of the row st is on (its model's version in column col, the sealed cells after
 * it) opened into cells (the model's field count); *found false for another model version or
 * field count (an older index: missing). SP_ENOTFOUND when the person was erased. */
static int cells_row(struct sp_casework *cw, struct mr_thread *t, struct sp_stmt *st, int col,
		     const struct sp_id *person, const char **cells, bool *found,
		     struct sp_err *err)
{
	*found = false;
	const char *model = sp_stmt_text(st, col);
	if (!model || strcmp(model, t->model.version) != 0)
		return SP_OK;
	size_t n, len;
	const void *ct = sp_stmt_blob(st, col + 1, &n);
	const char *pt;
	json_t *arr = NULL;
	int rc = cw_open(cw, person, "person_match", "cells", person, ct, n, &pt, &len, err);
	if (!rc && !(arr = sp_json_parse(pt, len, err)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "sealed cells are not JSON");
	if (!rc && json_array_size(arr) == (size_t)t->model.n_fields) {
		*found = true;
		for (int f = 0; f < t->model.n_fields && rc == SP_OK; f++) {
			const char *v = json_string_value(json_array_get(arr, (size_t)f));
			if (!(cells[f] = sp_arena_strdup(cw->arena, v ? v : "")))
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		}
	}
	json_decref(arr);
	return rc;
}

/* The stored cells of one person (cells_row); *found false without a row. */
static int cells_load(struct sp_casework *cw, struct mr_thread *t, const struct sp_id *person,
		      const char **cells, bool *found, struct sp_err *err)
{
	*found = false;
	struct sp_stmt *st;
	int rc = cw_select_id(cw, "SELECT model, cells FROM person_match WHERE person_id = ?",
			      person, "cells", &st, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	if (!rc)
		rc = cells_row(cw, t, st, 0, person, cells, found, err);
	sp_stmt_done(st);
	return rc;
}

static int cells_seal(struct sp_casework *cw, struct mr_thread *t, const struct sp_id *person,
		      const char *const *cells, struct sp_buf *out, struct sp_err *err)
{
	json_t *arr = json_array();
	for (int f = 0; arr && f < t->model.n_fields; f++)
		if (json_array_append_new(arr, json_string(cells[f]))) {
			json_decref(arr);
			arr = NULL;
		}
	char *text = arr ? sp_json_dump(arr) : NULL;
	json_decref(arr);
	if (!text)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = cw_seal(cw, person, "person_match", "cells", person, text, strlen(text), out, err);
	sp_json_free(text); /* wipes */
	return rc;
}

/* The distinct blinded blocking keys of cells into out (at most ROW_KEYS_MAX). */
struct blinded {
	int rule;
	unsigned char v[CW_BLIND_LEN];
};
static int keys_blind(struct sp_casework *cw, struct mr_thread *t, const char *const *cells,
		      struct blinded *out, size_t *n, struct sp_err *err)
{
	struct sp_fs_rowkey keys[ROW_KEYS_MAX];
	size_t k = sp_fs_row_keys(&t->model, cells, keys, ROW_KEYS_MAX);
	*n = 0;
	int rc = SP_OK;
	for (size_t i = 0; !rc && i < k; i++) {
		struct blinded b = {.rule = keys[i].rule};
		rc = cw_blind_match(cw, keys[i].rule, keys[i].key, b.v, err);
		size_t j = 0;
		while (!rc && j < *n &&
		       (out[j].rule != b.rule || memcmp(out[j].v, b.v, CW_BLIND_LEN) != 0))
			j++;
		if (!rc && j == *n)
			out[(*n)++] = b;
	}
	sodium_memzero(keys, sizeof keys);
	return rc;
}

int cw_match_write(struct sp_casework *cw, const struct sp_id *person, const struct sp_person *p,
		   bool replace, struct sp_err *err)
{
	struct mr_thread *t;
	int rc = mr_get(&t, err);
	if (rc)
		return rc;
	const char *cells[SP_FS_FIELDS_MAX], *stored[SP_FS_FIELDS_MAX];
	const char *keep = NULL;
	bool found = false;
	if (replace && !p->has_safety)
		rc = cells_load(cw, t, person, stored, &found, err);
	for (int f = 0; !rc && found && f < t->model.n_fields; f++)
		if (t->fill[f] == FILL_RELATIVES)
			keep = stored[f];
	if (!rc && replace && !p->has_safety && !keep)
		keep = "";
	if (!rc)
		rc = cells_build(t, p, keep, cw->arena, cells, err);
	struct sp_buf sealed;
	sp_buf_init(&sealed, SP_SEAL_LIMIT);
	struct blinded keys[ROW_KEYS_MAX];
	size_t n_keys = 0;
	if (!rc)
		rc = cells_seal(cw, t, person, cells, &sealed, err);
	if (!rc)
		rc = keys_blind(cw, t, cells, keys, &n_keys, err);
	if (!rc && replace)
		rc = cw_exec_id(cw, "DELETE FROM person_match_keys WHERE person_id = ?", person, err);
	struct sp_stmt *st = NULL;
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      replace ? "INSERT INTO person_match (person_id, model, cells) "
						"VALUES (?, ?, ?) ON CONFLICT (person_id) DO UPDATE "
						"SET model = excluded.model, cells = excluded.cells"
					      : "INSERT INTO person_match (person_id, model, cells) "
						"VALUES (?, ?, ?)",
				      &st, err);
	if (!rc) {
		int b = sp_stmt_bind_id(st, 1, person) | sp_stmt_bind_text(st, 2, t->model.version) |
			sp_stmt_bind_blob(st, 3, sealed.data, sealed.len);
		if (b) {
			sp_stmt_done(st);
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		} else {
			rc = cw_exec_done(st, err);
		}
	}
	for (size_t i = 0; !rc && i < n_keys; i++) {
		rc = sp_store_prepare(cw->store,
				      "INSERT INTO person_match_keys (rule, mkey, person_id) "
				      "VALUES (?, ?, ?)",
				      &st, err);
		if (rc)
			break;
		if (sp_stmt_bind_int64(st, 1, keys[i].rule) ||
		    sp_stmt_bind_blob(st, 2, keys[i].v, CW_BLIND_LEN) ||
		    sp_stmt_bind_id(st, 3, person)) {
			sp_stmt_done(st);
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
			break;
		}
		rc = cw_exec_done(st, err);
	}
	sp_buf_free(&sealed);
	return rc;
}

int cw_match_forget(struct sp_casework *cw, const struct sp_id *person, struct sp_err *err)
{
	int rc = cw_exec_id(cw, "DELETE FROM person_match_keys WHERE person_id = ?", person, err);
	return rc ? rc : cw_exec_id(cw, "DELETE FROM person_match WHERE person_id = ?", person, err);
}

/* ---- the registration check ------------------------------------------------------------- */

int cw_match_params_stored(struct sp_casework *cw, const struct sp_fs_model *m,
			   struct sp_fs_params **out, struct sp_err *err)
{
	*out = NULL;
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT params FROM match_params WHERE model = ? AND "
				  "model_version = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_text(st, 1, m->id) || sp_stmt_bind_text(st, 2, m->version)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = sp_stmt_step(st, err);
	const char *text = rc == 1 ? sp_stmt_text(st, 0) : NULL;
	if (text && sp_fs_params_parse(m, text, strlen(text), out, err)) {
		*out = NULL;
		rc = sp_err_set(err, SP_EINTERNAL, "", "the stored matching parameters do not parse");
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* The stored parameters of the model's version, else its shipped ones (*owned false). */
static int params_load(struct sp_casework *cw, struct mr_thread *t, struct sp_fs_params **out,
		       bool *owned, struct sp_err *err)
{
	struct sp_fs_params *stored;
	int rc = cw_match_params_stored(cw, &t->model, &stored, err);
	*owned = !rc && stored;
	*out = *owned ? stored : t->defaults;
	if (rc)
		return rc;
	return *out ? SP_OK
		    : sp_err_set(err, SP_EUNAVAIL, "", "the matching model has no parameters yet");
}

/* A candidate person and how many of the probe's keys it shares. */
struct cand {
	struct sp_id person;
	unsigned shared;
	const char **cells; /* opened in the arena once scored; NULL: none */
	struct sp_fs_score score;
};

static int by_shared(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return x->shared != y->shared ? (x->shared < y->shared ? 1 : -1)
				      : memcmp(x->person.b, y->person.b, SP_ID_LEN);
}

static int by_probability(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->score.probability != y->score.probability)
		return x->score.probability < y->score.probability ? 1 : -1;
	return memcmp(x->person.b, y->person.b, SP_ID_LEN);
}

struct cands {
	struct cand *v;
	size_t n, cap;
};

static int cand_add(struct sp_arena *a, struct cands *c, const struct sp_id *person)
{
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->v[i].person.b, person->b, SP_ID_LEN) == 0) {
			c->v[i].shared++;
			return SP_OK;
		}
	struct cand *v = sp_arena_grow(a, c->v, c->n, &c->cap, sizeof *v);
	if (!v)
		return SP_ENOMEM;
	c->v = v;
	c->v[c->n++] = (struct cand){.person = *person, .shared = 1};
	return SP_OK;
}

/* The persons holding each key, keys held by more than SP_MATCHREG_KEY_PERSONS skipped (and
 * counted), in one statement: a UNION ALL of one bounded look-up per key, each row tagged
 * with its key's index (a round trip per key would cost more than the look-ups on a server
 * database). */
struct hit {
	size_t key;
	struct sp_id person;
};
static int block(struct sp_casework *cw, const struct blinded *keys, size_t n_keys,
		 struct cands *out, uint64_t *capped, struct sp_err *err)
{
	if (n_keys == 0)
		return SP_OK;
	struct sp_buf sql;
	sp_buf_init(&sql, (size_t)256 * (ROW_KEYS_MAX + 1));
	int rc = SP_OK;
	for (size_t k = 0; !rc && k < n_keys; k++)
		rc = sp_buf_addf(&sql,
				 "%sSELECT %zu, person_id FROM (SELECT person_id FROM "
				 "person_match_keys WHERE rule = ? AND mkey = ? LIMIT %d) k%zu",
				 k ? " UNION ALL " : "", k, SP_MATCHREG_KEY_PERSONS + 1, k);
	struct sp_stmt *st = NULL;
	rc = rc ? sp_err_set(err, SP_ENOMEM, "", "out of memory")
		: sp_store_prepare(cw->store, sql.data, &st, err);
	sp_buf_free(&sql);
	for (size_t k = 0; !rc && k < n_keys; k++)
		if (sp_stmt_bind_int64(st, (int)(2 * k + 1), keys[k].rule) ||
		    sp_stmt_bind_blob(st, (int)(2 * k + 2), keys[k].v, CW_BLIND_LEN))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	size_t count[ROW_KEYS_MAX] = {0}, n = 0, cap = 0;
	struct hit *hits = NULL;
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		int64_t k = sp_stmt_int64(st, 0);
		struct hit *grown = sp_arena_grow(cw->arena, hits, n, &cap, sizeof *hits);
		if (!grown || k < 0 || (size_t)k >= n_keys) {
			rc = sp_err_set(err, grown ? SP_EINTERNAL : SP_ENOMEM, "", "blocking look-up failed");
			break;
		}
		hits = grown;
		hits[n].key = (size_t)k;
		rc = sp_stmt_id(st, 1, &hits[n++].person);
		count[k]++;
	}
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n_keys; k++)
		*capped += count[k] > SP_MATCHREG_KEY_PERSONS;
	for (size_t i = 0; i < n; i++)
		if (count[hits[i].key] <= SP_MATCHREG_KEY_PERSONS &&
		    cand_add(cw->arena, out, &hits[i].person))
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	return SP_OK;
}

/* Whether the subject's agency rejected the pair (a, b). */
static int rejected(struct sp_casework *cw, const struct sp_id *a, const struct sp_id *b,
		    bool *out, struct sp_err *err)
{
	const struct sp_id *lo = memcmp(a->b, b->b, SP_ID_LEN) < 0 ? a : b;
	const struct sp_id *hi = lo == a ? b : a;
	struct sp_stmt *st;
	*out = false;
	int rc = sp_store_prepare(cw->store,
				  "SELECT 1 FROM person_links WHERE person_a = ? AND person_b = ? "
				  "AND agency_id = ? AND state = 'rejected'",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, lo) || sp_stmt_bind_id(st, 2, hi) ||
	    sp_stmt_bind_id(st, 3, cw_actor_agency(cw))) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	*out = rc == 1;
	return rc < 0 ? rc : SP_OK;
}

/* The case of a person (the first opened); *found false when there is none. */
static int person_case(struct sp_casework *cw, const struct sp_id *person, struct sp_case *c,
		       bool *found, struct sp_err *err)
{
	struct sp_stmt *st;
	*found = false;
	int rc = cw_select_id(cw,
			      "SELECT " CW_CASE_COLUMNS " FROM cases WHERE person_id = ? "
			      "ORDER BY created_us, id LIMIT 1",
			      person, "case", &st, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	if (!rc)
		rc = cw_case_row(st, c, err);
	*found = rc == SP_OK;
	sp_stmt_done(st);
	return rc;
}

/* The person's name as lists show it, opened into the arena (NULL: none, or erased). */
static int display_of(struct sp_casework *cw, const struct sp_id *person, const char **out,
		      struct sp_err *err)
{
	struct sp_stmt *st;
	*out = NULL;
	int rc = cw_select_id(cw, "SELECT display FROM person_display WHERE person_id = ?", person,
			      "name", &st, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	size_t n;
	const void *ct = rc ? NULL : sp_stmt_blob(st, 0, &n);
	if (!rc)
		rc = cw_person_display(cw, person, ct, n, out, err);
	sp_stmt_done(st);
	return rc;
}

/* Fill a visible candidate: identity only when named; a comparison's level only when its
 * field is one the subject may read (relatives come from the need-to-know block). */
static int candidate_fill(struct sp_casework *cw, struct mr_thread *t, const struct sp_case *c,
			  const struct cw_probe_hit *k, struct sp_matchreg_candidate *out,
			  struct sp_err *err)
{
	const char *const *cells = k->cells;
	memset(out, 0, sizeof *out);
	out->case_id = c->id;
	out->person = c->person;
	memcpy(out->number, c->number, sizeof out->number);
	out->weight = k->score.weight;
	out->probability = k->score.probability;
	out->named = cw_allowed(cw, CW_PERSON_READ, c);
	bool safety = out->named && cw_allowed(cw, CW_PERSON_READ_SAFETY, c);
	for (int f = 0; f < t->model.n_fields; f++) {
		switch (t->fill[f]) {
		case FILL_SEX:
			out->sex = !strcmp(cells[f], "f")   ? SP_SEX_FEMALE
				   : !strcmp(cells[f], "m") ? SP_SEX_MALE
				   : !strcmp(cells[f], "x") ? SP_SEX_OTHER
							    : SP_SEX_UNKNOWN;
			break;
		case FILL_NATIONALITY:
			snprintf(out->nationalities, sizeof out->nationalities, "%s", cells[f]);
			break;
		case FILL_DATE_OF_BIRTH:
			out->date_of_birth = out->named && *cells[f] ? cells[f] : NULL;
			break;
		default:
			break;
		}
	}
	out->n_fields = cw_match_fields(&k->score, out->fields);
	for (size_t i = 0; i < out->n_fields; i++) {
		enum fill fl = t->fill[t->model.comparisons[i].field];
		struct sp_matchreg_field *f = &out->fields[i];
		f->shown = fl == FILL_SEX || fl == FILL_NATIONALITY ||
			   (fl == FILL_RELATIVES ? safety : out->named);
		if (!f->shown)
			memset(f->level, 0, sizeof f->level);
	}
	return out->named ? display_of(cw, &c->person, &out->name, err) : SP_OK;
}

/* Open the cells of the candidates v[0..n) (n <= SP_MATCHREG_SCORED) with one statement for
 * their keys and one for their rows: v[i].cells stays NULL for a person without cells of this
 * model version, or erased. */
static int cells_load_many(struct sp_casework *cw, struct mr_thread *t, struct cand *v,
			   size_t n, struct sp_err *err)
{
	struct sp_id ids[SP_MATCHREG_SCORED];
	char sql[96 + 3 * SP_MATCHREG_SCORED];
	size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT person_id, model, cells FROM "
					"person_match WHERE person_id IN (");
	for (size_t i = 0; i < n; i++) {
		ids[i] = v[i].person;
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?", i ? ", " : "");
	}
	snprintf(sql + len, sizeof sql - len, ")");
	struct sp_stmt *st = NULL;
	int rc = n ? cw_person_keys_cache(cw, ids, n, err) : SP_OK;
	if (!rc && n)
		rc = sp_store_prepare(cw->store, sql, &st, err);
	for (size_t i = 0; !rc && i < n; i++)
		if (sp_stmt_bind_id(st, (int)i + 1, &ids[i]))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && n && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_id id; /* sp_stmt_id sets rc back to 0 */
		bool found = false;
		size_t i = 0;
		if ((rc = sp_stmt_id(st, 0, &id)))
			break;
		while (i < n && memcmp(ids[i].b, id.b, SP_ID_LEN) != 0)
			i++;
		const char **cells = sp_arena_alloc(cw->arena, SP_FS_FIELDS_MAX * sizeof *cells);
		if (!cells || i == n) {
			rc = sp_err_set(err, cells ? SP_EINTERNAL : SP_ENOMEM, "", "unexpected row");
			break;
		}
		rc = cells_row(cw, t, st, 1, &id, cells, &found, err);
		if (rc == SP_ENOTFOUND) /* erased meanwhile: no cells */
			rc = SP_OK;
		if (!rc && found)
			v[i].cells = cells;
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* Score the candidates (most shared keys first, at most SP_MATCHREG_SCORED; those skip
 * leaves out never opened) against the probe's cells: those with cells into out, by
 * descending probability. */
static int score_all(struct sp_casework *cw, struct mr_thread *t, const struct sp_fs_params *params,
		     const char *const *probe, cw_probe_skip_fn *skip, void *ctx, struct cands *c,
		     struct cw_probe *out, struct sp_err *err)
{
	if (c->n)
		qsort(c->v, c->n, sizeof *c->v, by_shared);
	size_t n = 0, all = c->n < SP_MATCHREG_SCORED ? c->n : SP_MATCHREG_SCORED;
	for (size_t i = 0; i < all; i++) {
		bool left_out = false;
		int rc = skip ? skip(cw, &c->v[i].person, ctx, &left_out, err) : SP_OK;
		if (rc)
			return rc;
		if (!left_out)
			c->v[n++] = c->v[i];
	}
	int rc = cells_load_many(cw, t, c->v, n, err);
	size_t kept = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		struct cand *k = &c->v[i];
		if (!k->cells)
			continue;
		sp_fs_score_pair(&t->model, params, probe, k->cells, NULL, &k->score);
		c->v[kept++] = *k;
	}
	if (rc || !kept)
		return rc;
	qsort(c->v, kept, sizeof *c->v, by_probability);
	if (!(out->v = sp_arena_alloc(cw->arena, kept * sizeof *out->v)))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < kept; i++)
		out->v[i] = (struct cw_probe_hit){
			.person = c->v[i].person, .cells = c->v[i].cells, .score = c->v[i].score};
	out->n = kept;
	return SP_OK;
}

int cw_match_cells(struct sp_casework *cw, const struct sp_person *p, const char ***out,
		   struct sp_err *err)
{
	struct mr_thread *t;
	*out = NULL;
	int rc = mr_get(&t, err);
	if (rc)
		return rc;
	const char **cells = sp_arena_alloc(cw->arena, SP_FS_FIELDS_MAX * sizeof *cells);
	if (!cells)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	rc = cells_build(t, p, NULL, cw->arena, cells, err);
	if (!rc)
		*out = cells;
	return rc;
}

int cw_match_probe(struct sp_casework *cw, const char *const *cells, cw_probe_skip_fn *skip,
		   void *ctx, struct cw_probe *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	struct mr_thread *t;
	struct blinded keys[ROW_KEYS_MAX];
	size_t n_keys = 0;
	struct cands c = {0};
	struct sp_fs_params *params = NULL;
	bool owned = false;
	int rc = mr_get(&t, err);
	if (!rc) {
		out->threshold = t->model.threshold;
		rc = keys_blind(cw, t, cells, keys, &n_keys, err);
	}
	if (!rc)
		rc = block(cw, keys, n_keys, &c, &out->capped_keys, err);
	if (!rc)
		rc = params_load(cw, t, &params, &owned, err);
	if (!rc)
		rc = score_all(cw, t, params, cells, skip, ctx, &c, out, err);
	if (owned)
		sp_fs_params_free(params);
	return rc;
}

size_t cw_match_fields(const struct sp_fs_score *s, struct sp_matchreg_field *out)
{
	struct mr_thread *t;
	struct sp_err ignored = {0};
	if (mr_get(&t, &ignored)) /* opened by the probe that made s */
		return 0;
	for (int i = 0; i < t->model.n_comparisons; i++) {
		const struct sp_comparison *cmp = &t->model.comparisons[i];
		out[i] = (struct sp_matchreg_field){
			.comparison = cmp->id, .shown = true, .contribution = s->contribution[i]};
		sp_cmp_level_describe(cmp, s->levels[i], out[i].level, sizeof out[i].level);
	}
	return (size_t)t->model.n_comparisons;
}

/* Whether the subject is on the enforcement side of the firewall and c is a protection
 * actor's case: then not even its existence may reach the subject (DESIGN.md §4). */
static int firewalled(struct sp_casework *cw, const struct sp_case *c, bool *out,
		      struct sp_err *err)
{
	*out = false;
	if (!sp_agency_kind_is_enforcement(cw->subject->agency_kind))
		return SP_OK;
	enum sp_agency_kind holder;
	int rc = cw_agency_kind(cw, &c->agency, "", &holder, err);
	*out = !rc && !sp_agency_kind_is_enforcement(holder);
	return rc;
}

/* The focal points of the agency holding an unseen candidate are told (no personal data:
 * the kind, their own case) once a day per checking agency, and each is recorded, in a write
 * transaction of its own after the read. */
static int tell_elsewhere(struct sp_casework *cw, const struct sp_case *cases, size_t n,
			  struct sp_err *err)
{
	_Static_assert(SP_MATCHREG_MAX <= CW_DEFERRED_MAX, "a record per unseen candidate");
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	char cid[SP_ID_STRLEN + 1], aid[SP_ID_STRLEN + 1], dedupe[SP_NOTIFICATION_DEDUPE_MAX];
	sp_id_format(cw_actor_agency(cw), aid);
	long long day = (long long)(cw_now(cw) / 86400000000LL);
	for (size_t i = 0; !rc && i < n; i++) {
		sp_id_format(&cases[i].id, cid);
		snprintf(dedupe, sizeof dedupe, "match.elsewhere:%s:%s:%lld", cid, aid, day);
		struct sp_notice note = {.kind = SP_NOTIFY_MATCH_ELSEWHERE,
					 .agency = cases[i].agency,
					 .roles = SP_ROLE_FOCAL_POINT,
					 .object = cases[i].id,
					 .case_id = &cases[i].id,
					 .dedupe = dedupe};
		rc = sp_notify(cw->store, &note, NULL, err);
		if (!rc)
			rc = cw_audit(cw, CW_MATCH_ELSEWHERE, "case", &cases[i].id, "stat", err);
	}
	return cw_finish(cw, rc, err);
}

/* The registration check's own rule: the person being changed, and every person its agency
 * rejected as not this one, are left out. */
static int check_skip(struct sp_casework *cw, const struct sp_id *person, void *ctx, bool *skip,
		      struct sp_err *err)
{
	const struct sp_id *exclude = ctx;
	*skip = memcmp(person->b, exclude->b, SP_ID_LEN) == 0;
	return *skip ? SP_OK : rejected(cw, exclude, person, skip, err);
}

/* The check inside its read transaction: out filled, the unseen candidates into away (*n_away
 * of them; those across the firewall are not counted in out->elsewhere). */
static int check_run(struct sp_casework *cw, struct mr_thread *t, const struct sp_person *p,
		     struct sp_id *exclude_person, struct sp_matchreg_check *out,
		     struct sp_case *away, size_t *n_away, struct sp_err *err)
{
	const char **cells;
	struct cw_probe pr = {0};
	int rc = cw_match_cells(cw, p, &cells, err);
	if (!rc)
		rc = cw_match_probe(cw, cells, exclude_person ? check_skip : NULL, exclude_person,
				    &pr, err);
	out->capped_keys = pr.capped_keys;
	struct sp_id shown[SP_MATCHREG_MAX];
	for (size_t i = 0; !rc && i < pr.n && pr.v[i].score.probability >= t->model.threshold &&
			   out->n + *n_away < SP_MATCHREG_MAX;
	     i++) {
		struct sp_case kc;
		bool found, silent = false;
		rc = person_case(cw, &pr.v[i].person, &kc, &found, err);
		if (rc || !found)
			continue;
		if (!cw_allowed(cw, CW_CASE_SEARCH, &kc)) {
			rc = firewalled(cw, &kc, &silent, err);
			away[(*n_away)++] = kc;
			out->elsewhere += !silent;
			continue;
		}
		rc = candidate_fill(cw, t, &kc, &pr.v[i], &out->c[out->n], err);
		if (!rc)
			shown[out->n++] = kc.id;
	}
	char reason[64];
	snprintf(reason, sizeof reason, "candidates:%zu", out->n + *n_away);
	bool named = false;
	for (size_t i = 0; i < out->n; i++)
		named |= out->c[i].named;
	if (!rc)
		rc = cw_audit_act(cw, cw_act(CW_MATCH_CHECK), "case", shown, out->n,
				  named ? "stat,identity" : "stat", reason, err);
	return rc;
}

int sp_matchreg_check(struct sp_casework *cw, const struct sp_person *p,
		      const struct sp_id *exclude_case, struct sp_matchreg_check *out,
		      struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	struct mr_thread *t;
	int rc = mr_get(&t, err);
	if (rc)
		return rc;
	out->threshold = t->model.threshold;
	if ((rc = cw_begin_read(cw, err)))
		return rc;
	rc = cw_authorise_any_act(cw, cw_act(CW_MATCH_CHECK), err);
	struct sp_case ex, away[SP_MATCHREG_MAX];
	size_t n_away = 0;
	if (!rc && exclude_case)
		rc = cw_case_load_for(cw, CW_CASE_UPDATE, exclude_case, &ex, err);
	if (rc == SP_ENOTFOUND)
		rc = cw_err_at(err, rc, "/case_id");
	if (!rc)
		rc = check_run(cw, t, p, exclude_case ? &ex.person : NULL, out, away, &n_away, err);
	rc = cw_finish(cw, rc, err);
	return !rc && n_away ? tell_elsewhere(cw, away, n_away, err) : rc;
}

/* ---- the whole registry, for the deduplication run ---------------------------------------- */

/* The one number a "SELECT COUNT(*)" statement answers. */
static int count_of(struct sp_casework *cw, const char *sql, uint64_t *n, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_step(st, err);
	*n = rc == 1 ? (uint64_t)sp_stmt_int64(st, 0) : 0;
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int cw_match_count(struct sp_casework *cw, uint64_t *n, struct sp_err *err)
{
	return count_of(cw, "SELECT COUNT(*) FROM person_match", n, err);
}

/* The caller's callback of a streamed read, and its context. */
struct each {
	cw_match_key_fn *key;
	cw_match_sealed_fn *sealed;
	void *ctx;
};

/* Each row of sql, streamed, to row: its non-zero status stops the read. */
typedef int row_fn(struct sp_stmt *st, const struct each *e, struct sp_err *err);
static int each_row(struct sp_casework *cw, const char *sql, row_fn *row, const struct each *e,
		    struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	sp_stmt_stream(st);
	int step = 0;
	while (!rc && (step = sp_stmt_step(st, err)) == 1)
		rc = row(st, e, err);
	sp_stmt_done(st);
	return rc ? rc : step < 0 ? step : SP_OK;
}

static int key_row(struct sp_stmt *st, const struct each *e, struct sp_err *err)
{
	size_t len = 0;
	const void *k = sp_stmt_blob(st, 1, &len);
	struct sp_id person;
	int rc = sp_stmt_id(st, 2, &person);
	return rc ? rc : e->key(e->ctx, sp_stmt_int64(st, 0), k, len, &person, err);
}

int cw_match_keys_each(struct sp_casework *cw, cw_match_key_fn *fn, void *ctx,
		       struct sp_err *err)
{
	const struct each e = {.key = fn, .ctx = ctx};
	return each_row(cw, "SELECT rule, mkey, person_id FROM person_match_keys ORDER BY rule, mkey",
			key_row, &e, err);
}

static int sealed_row(struct sp_stmt *st, const struct each *e, struct sp_err *err)
{
	struct sp_id id;
	size_t len = 0;
	int rc = sp_stmt_id(st, 0, &id);
	const void *ct = rc ? NULL : sp_stmt_blob(st, 2, &len);
	return rc ? rc : e->sealed(e->ctx, &id, sp_stmt_text(st, 1), ct, len, err);
}

int cw_match_sealed_each(struct sp_casework *cw, cw_match_sealed_fn *fn, void *ctx,
			 struct sp_err *err)
{
	const struct each e = {.sealed = fn, .ctx = ctx};
	return each_row(cw, "SELECT person_id, model, cells FROM person_match", sealed_row, &e, err);
}

int cw_match_params_store(struct sp_casework *cw, const char *model, const char *version,
			  const char *params, int64_t now, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "INSERT INTO match_params (model, model_version, params, updated_us) "
				  "VALUES (?, ?, ?, ?) ON CONFLICT (model) DO UPDATE SET "
				  "model_version = excluded.model_version, params = excluded.params, "
				  "updated_us = excluded.updated_us",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_text(st, 1, model) || sp_stmt_bind_text(st, 2, version) ||
	    sp_stmt_bind_text(st, 3, params) || sp_stmt_bind_int64(st, 4, now)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return cw_exec_done(st, err);
}

/* ---- rebuilding the index ---------------------------------------------------------------- */

/* The next batch of persons after *after (zero: from the first), in id order. */
static int next_batch(struct sp_casework *cw, const struct sp_id *after, bool first,
		      struct sp_id *ids, size_t *n, struct sp_err *err)
{
	struct sp_stmt *st;
	*n = 0;
	int rc = sp_store_prepare(cw->store,
				  first ? "SELECT id FROM persons ORDER BY id LIMIT ?"
					: "SELECT id FROM persons WHERE id > ? ORDER BY id LIMIT ?",
				  &st, err);
	if (rc)
		return rc;
	int b = first ? sp_stmt_bind_int64(st, 1, REINDEX_BATCH)
		      : sp_stmt_bind_id(st, 1, after) | sp_stmt_bind_int64(st, 2, REINDEX_BATCH);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	while ((rc = sp_stmt_step(st, err)) == 1)
		if ((rc = sp_stmt_id(st, 0, &ids[(*n)++])))
			break;
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* Rebuild one person's cells and keys from its stored profile and safety block. An erased
 * person (its key destroyed) is left without them. */
static int reindex_one(struct sp_casework *cw, const struct sp_id *id, struct sp_err *err)
{
	struct sp_person p;
	int rc = cw_person_load(cw, id, true, &p, err);
	if (rc == SP_ENOTFOUND)
		return cw_match_forget(cw, id, err);
	p.has_safety = true; /* its family links, even none, are the relatives */
	return rc ? rc : cw_match_write(cw, id, &p, true, err);
}

int sp_matchreg_reindex(struct sp_casework *cw, sp_matchreg_progress_fn *progress, void *ctx,
			uint64_t *n, struct sp_err *err)
{
	*n = 0;
	uint64_t total = 0;
	int rc = cw_begin(cw, err);
	if (!rc)
		rc = cw_authorise_any_act(cw, cw_act(CW_MATCH_REINDEX), err);
	if (!rc)
		rc = count_of(cw, "SELECT COUNT(*) FROM persons", &total, err);
	rc = cw_finish(cw, rc, err);
	struct sp_id ids[REINDEX_BATCH], after = {0};
	for (bool first = true; !rc; first = false) {
		size_t k = 0;
		if ((rc = cw_begin(cw, err)))
			break;
		rc = next_batch(cw, &after, first, ids, &k, err);
		for (size_t i = 0; !rc && i < k; i++)
			rc = reindex_one(cw, &ids[i], err);
		char count[32];
		snprintf(count, sizeof count, "persons:%zu", k);
		if (!rc && k)
			rc = cw_audit_act(cw, cw_act(CW_MATCH_REINDEX), "person", ids, k, "identity,safety",
					  count, err);
		if ((rc = cw_finish(cw, rc, err)) || k == 0)
			break;
		after = ids[k - 1];
		*n += k;
		sp_arena_release(cw->arena);
		if (progress)
			progress(ctx, "reindex", *n, total);
	}
	return rc;
}

/* ---- links and rejections ---------------------------------------------------------------- */

static const char *const link_states[SP_LINK_STATE_COUNT] = {"confirmed", "rejected", "undone"};

const char *sp_link_state_name(enum sp_link_state s)
{
	return (unsigned)s < SP_LINK_STATE_COUNT ? link_states[s] : NULL;
}

int sp_link_state_parse(const char *s)
{
	for (int i = 0; s && i < SP_LINK_STATE_COUNT; i++)
		if (strcmp(s, link_states[i]) == 0)
			return i;
	return -1;
}

/* Both cases: a by the policy's word on update (the deciding side), b only by existence. */
static int pair_load(struct sp_casework *cw, const struct sp_id *case_a, const struct sp_id *case_b,
		     struct sp_case *a, struct sp_case *b, struct sp_err *err)
{
	int rc = cw_case_load_for(cw, CW_CASE_UPDATE, case_a, a, err);
	if (!rc && memcmp(case_a->b, case_b->b, SP_ID_LEN) == 0)
		return sp_err_set(err, SP_EINVAL, "/case_id", "a case is not linked to itself");
	if (!rc && (rc = cw_case_load(cw, case_b, b, err)) == SP_ENOTFOUND)
		return cw_err_at(err, rc, "/case_id");
	if (!rc && memcmp(a->person.b, b->person.b, SP_ID_LEN) == 0)
		return sp_err_set(err, SP_EINVAL, "/case_id", "both cases hold the same person");
	return rc;
}

static void pair_order(const struct sp_case *a, const struct sp_case *b, const struct sp_id **lo,
		       const struct sp_id **hi)
{
	bool ab = memcmp(a->person.b, b->person.b, SP_ID_LEN) < 0;
	*lo = ab ? &a->person : &b->person;
	*hi = ab ? &b->person : &a->person;
}

static int audit_pair(struct sp_casework *cw, enum cw_action act, const struct sp_case *a,
		      const struct sp_case *b, struct sp_err *err)
{
	const struct sp_id ids[2] = {a->id, b->id};
	return cw_audit_many(cw, act, "case", ids, 2, "stat", err);
}

/* Write the subject's agency's row of the pair of case_a and case_b with sql, whose
 * parameters are (state, by, at, person_a, person_b, agency), then audit it on both cases as
 * act; SP_ENOTFOUND naming "/case_id" when the statement changed no row. */
static int pair_write(struct sp_casework *cw, const struct sp_id *case_a, const struct sp_id *case_b,
		      const char *sql, enum sp_link_state state, enum cw_action act,
		      struct sp_err *err)
{
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	struct sp_case a, b;
	rc = pair_load(cw, case_a, case_b, &a, &b, err);
	const struct sp_id *lo, *hi;
	pair_order(&a, &b, &lo, &hi);
	struct sp_stmt *st = NULL;
	if (!rc)
		rc = sp_store_prepare(cw->store, sql, &st, err);
	if (!rc) {
		int bd = sp_stmt_bind_text(st, 1, sp_link_state_name(state)) |
			 sp_stmt_bind_id(st, 2, cw_actor(cw)) | sp_stmt_bind_int64(st, 3, cw_now(cw)) |
			 sp_stmt_bind_id(st, 4, lo) | sp_stmt_bind_id(st, 5, hi) |
			 sp_stmt_bind_id(st, 6, cw_actor_agency(cw));
		rc = bd ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
		if (rc == 0 && sp_stmt_changes(st) != 1)
			rc = sp_err_set(err, SP_ENOTFOUND, "/case_id", "no decision on this pair");
		else if (rc > 0)
			rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
		sp_stmt_done(st);
	}
	if (!rc)
		rc = audit_pair(cw, act, &a, &b, err);
	return cw_finish(cw, rc, err);
}

int sp_matchreg_decide(struct sp_casework *cw, const struct sp_id *case_a,
		       const struct sp_id *case_b, enum sp_link_state decision,
		       struct sp_err *err)
{
	if (decision != SP_LINK_CONFIRMED && decision != SP_LINK_REJECTED)
		return sp_err_set(err, SP_EINVAL, "/decision", "is confirmed or rejected");
	return pair_write(cw, case_a, case_b,
			  "INSERT INTO person_links (state, decided_by, decided_us, person_a, "
			  "person_b, agency_id, undone_by, undone_us) VALUES (?, ?, ?, ?, ?, ?, NULL, "
			  "NULL) ON CONFLICT (person_a, person_b, agency_id) DO UPDATE SET state = "
			  "excluded.state, decided_by = excluded.decided_by, decided_us = "
			  "excluded.decided_us, undone_by = NULL, undone_us = NULL",
			  decision, decision == SP_LINK_CONFIRMED ? CW_PERSON_LINK : CW_PERSON_REJECT,
			  err);
}

int sp_matchreg_undo(struct sp_casework *cw, const struct sp_id *case_a,
		     const struct sp_id *case_b, struct sp_err *err)
{
	return pair_write(cw, case_a, case_b,
			  "UPDATE person_links SET state = ?, undone_by = ?, undone_us = ? WHERE "
			  "person_a = ? AND person_b = ? AND agency_id = ? AND state <> 'undone'",
			  SP_LINK_UNDONE, CW_PERSON_UNLINK, err);
}

int sp_matchreg_links(struct sp_casework *cw, const struct sp_id *case_a,
		      struct sp_matchreg_link *out, size_t *n, struct sp_err *err)
{
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case a;
	rc = cw_case_load_for(cw, CW_CASE_READ, case_a, &a, err);
	struct sp_stmt *st = NULL;
	if (!rc)
		rc = sp_store_prepare(
			cw->store,
			"SELECT " CW_CASE_COLUMNS_JOINED ", l.state, l.decided_us FROM person_links l "
			"JOIN cases ON cases.person_id = CASE WHEN l.person_a = ? THEN l.person_b "
			"ELSE l.person_a END WHERE (l.person_a = ? OR l.person_b = ?) AND "
			"l.agency_id = ? ORDER BY l.decided_us, cases.id LIMIT ?",
			&st, err);
	if (!rc && (sp_stmt_bind_id(st, 1, &a.person) || sp_stmt_bind_id(st, 2, &a.person) ||
		    sp_stmt_bind_id(st, 3, &a.person) || sp_stmt_bind_id(st, 4, cw_actor_agency(cw)) ||
		    sp_stmt_bind_int64(st, 5, SP_MATCHREG_LINKS_MAX)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	struct sp_id shown[SP_MATCHREG_LINKS_MAX + 1] = {*case_a};
	size_t n_shown = 1;
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_case c;
		struct sp_matchreg_link *l = &out[*n];
		memset(l, 0, sizeof *l);
		if ((rc = cw_case_row_at(st, 0, &c, err)))
			break;
		l->visible = cw_allowed(cw, CW_CASE_SEARCH, &c);
		if (l->visible) {
			l->case_id = c.id;
			memcpy(l->number, c.number, sizeof l->number);
			shown[n_shown++] = c.id;
		}
		const char *state = sp_stmt_text(st, 12);
		int s = sp_link_state_parse(state);
		l->state = s < 0 ? SP_LINK_UNDONE : (enum sp_link_state)s;
		l->decided_us = sp_stmt_int64(st, 13);
		++*n;
		rc = SP_OK;
	}
	sp_stmt_done(st);
	if (!rc)
		rc = cw_audit_many(cw, CW_CASE_READ, "case", shown, n_shown, "stat", err);
	return cw_finish(cw, rc, err);
}
