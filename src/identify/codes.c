/* The shared vocabulary of screening protocols, protocols/codes.json (docs/protocols.md): the
 * needs, kinds of service, red flags, tasks, placements, priorities and intervention levels a
 * protocol may name, the outcomes and methods of the formal decisions on a case, and the
 * reasons a provider declines a referral. A protocol is checked against it at load and refers
 * to its entries by index afterwards. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/case.h"
#include "safepath/embedded.h"
#include "safepath/json.h"
#include "identify/protocol.h"

#define VOCAB_PATH "protocols/codes.json"

struct vocab_entry {
	const char *id;
	struct sp_text title;
};

struct sp_vocab {
	struct sp_arena arena;
	int version;
	const char *langs[SP_PROTO_LANGS];
	unsigned n_langs;
	struct vocab_entry *e[SP_VOCAB_KINDS];
	size_t n[SP_VOCAB_KINDS];
};

static const char *const kind_names[SP_VOCAB_KINDS] = {
	"needs", "services", "red_flags", "tasks", "placements", "priorities",
	"intervention_levels", "best_interests_outcomes", "age_methods", "decline_reasons",
	"support_types", "closure_reasons"};

const char *sp_vocab_kind_name(enum sp_vocab_kind k)
{
	return (unsigned)k < SP_VOCAB_KINDS ? kind_names[k] : "?";
}

/* The languages member, shared with protocols: codes, unique, en first. */
static void load_langs(struct sp_walk *w, json_t *doc, const char **langs, unsigned *n)
{
	json_t *a = sp_walk_array(w, doc, "languages", true);
	*n = 0;
	if (!a)
		return;
	size_t saved = sp_walk_enter(w, "languages");
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		size_t s2 = sp_walk_enter_index(w, i);
		static const char *const known[] = {"en", "fr", "ar", "es", NULL};
		int k = -1;
		for (int j = 0; json_is_string(v) && known[j]; j++)
			if (strcmp(json_string_value(v), known[j]) == 0)
				k = j;
		bool dup = false;
		for (unsigned j = 0; k >= 0 && j < *n; j++)
			dup |= strcmp(langs[j], known[k]) == 0;
		if (k < 0)
			sp_walk_error(w, "must be one of en, fr, ar, es");
		else if (dup)
			sp_walk_error(w, "is listed twice");
		else if (i == 0 && k != 0)
			sp_walk_error(w, "en must come first");
		else if (*n < SP_PROTO_LANGS)
			langs[(*n)++] = known[k];
		sp_walk_leave(w, s2);
	}
	if (*n == 0 && json_array_size(a) == 0)
		sp_walk_error(w, "must list en");
	sp_walk_leave(w, saved);
}

int sp_vocab_load(const char *text, size_t len, struct sp_vocab **out, struct sp_diag *diag)
{
	*out = NULL;
	size_t before = diag->n + diag->dropped;
	struct sp_err err = {0};
	json_t *doc = sp_json_parse(text, len, &err);
	if (!doc) {
		sp_diag_add(diag, "", "%s", err.msg);
		return SP_EINVAL;
	}
	struct sp_vocab *v = calloc(1, sizeof *v);
	if (!v) {
		json_decref(doc);
		return SP_ENOMEM;
	}
	sp_arena_init(&v->arena, 16384, 0);
	struct sp_walk w = {.diag = diag, .arena = &v->arena};
	static const char *const top[] = {"version", "languages", "needs", "services", "red_flags",
					  "tasks", "placements", "priorities",
					  "intervention_levels", "best_interests_outcomes",
					  "age_methods", "decline_reasons", "support_types", "closure_reasons",
					  NULL};
	if (sp_walk_object(&w, doc, top)) {
		int64_t ver = 0;
		if (sp_walk_int(&w, doc, "version", true, 1, 1000000, &ver))
			v->version = (int)ver;
		load_langs(&w, doc, v->langs, &v->n_langs);
		w.langs = v->langs;
		w.n_langs = v->n_langs;
		for (int k = 0; k < SP_VOCAB_KINDS; k++) {
			json_t *a = sp_walk_array(&w, doc, kind_names[k], true);
			if (!a)
				continue;
			size_t saved = sp_walk_enter(&w, kind_names[k]);
			v->e[k] = sp_arena_alloc(&v->arena, (json_array_size(a) + 1) * sizeof *v->e[k]);
			size_t i;
			json_t *m;
			json_array_foreach(a, i, m) {
				size_t s2 = sp_walk_enter_index(&w, i);
				static const char *const entry[] = {"id", "title", NULL};
				if (sp_walk_object(&w, m, entry)) {
					const char *id = sp_walk_string(&w, m, "id", true);
					struct vocab_entry *e = &v->e[k][v->n[k]];
					sp_walk_text(&w, m, "title", true, &e->title);
					if (id && !sp_walk_id_ok(id, SP_ID_LOWER))
						sp_walk_error_at(&w, "id", "must match [a-z][a-z0-9_]{0,47}");
					else if (id && sp_vocab_find(v, (enum sp_vocab_kind)k, id) >= 0)
						sp_walk_error_at(&w, "id", "is listed twice");
					else if (id)
						e->id = id, v->n[k]++;
				}
				sp_walk_leave(&w, s2);
			}
			sp_walk_leave(&w, saved);
		}
	}
	json_decref(doc);
	if (diag->n + diag->dropped != before) {
		sp_vocab_free(v);
		return SP_EINVAL;
	}
	*out = v;
	return SP_OK;
}

int sp_vocab_load_embedded(struct sp_vocab **out, struct sp_diag *diag)
{
	for (const struct sp_embedded *e = sp_embedded_files; e->path; e++)
		if (strcmp(e->path, VOCAB_PATH) == 0)
			return sp_vocab_load(e->data, e->len, out, diag);
	sp_diag_add(diag, "", "%s is not compiled into the program", VOCAB_PATH);
	*out = NULL;
	return SP_ENOTFOUND;
}

void sp_vocab_free(struct sp_vocab *v)
{
	if (!v)
		return;
	sp_arena_release(&v->arena);
	free(v);
}

int sp_vocab_find(const struct sp_vocab *v, enum sp_vocab_kind k, const char *id)
{
	for (size_t i = 0; i < v->n[k]; i++)
		if (strcmp(v->e[k][i].id, id) == 0)
			return (int)i;
	return -1;
}

size_t sp_vocab_count(const struct sp_vocab *v, enum sp_vocab_kind k)
{
	return v->n[k];
}

const char *sp_vocab_id(const struct sp_vocab *v, enum sp_vocab_kind k, size_t i)
{
	return i < v->n[k] ? v->e[k][i].id : NULL;
}

const char *sp_vocab_title(const struct sp_vocab *v, enum sp_vocab_kind k, size_t i,
			   const char *lang)
{
	if (i >= v->n[k])
		return NULL;
	for (unsigned l = 0; lang && l < v->n_langs; l++)
		if (strcmp(v->langs[l], lang) == 0 && v->e[k][i].title.s[l])
			return v->e[k][i].title.s[l];
	return v->e[k][i].title.s[0];
}

int sp_vocab_version(const struct sp_vocab *v)
{
	return v->version;
}

void sp_proto_load_langs(struct sp_walk *w, json_t *doc, const char **langs, unsigned *n)
{
	load_langs(w, doc, langs, n);
}

static bool casework_has(const void *ctx, const char *list, const char *code)
{
	const struct sp_vocab *v = ctx;
	for (int k = 0; k < SP_VOCAB_KINDS; k++)
		if (strcmp(sp_vocab_kind_name((enum sp_vocab_kind)k), list) == 0)
			return code && sp_vocab_find(v, (enum sp_vocab_kind)k, code) >= 0;
	return false;
}

void sp_vocab_for_casework(const struct sp_vocab *v, struct sp_vocabulary *out)
{
	out->has = casework_has;
	out->ctx = v;
}
