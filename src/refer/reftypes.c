/* Referral types as data (config/referrals.json, docs/referrals.md): per type the services
 * kinds it covers, its titles in English and French, and the person fields a referral of the
 * type shares once the provider accepts it. Checked with a JSON pointer for every error;
 * a referral copies its type's field list when it is made, so a later change of the file never
 * widens an existing referral. */
#include <stdlib.h>
#include <string.h>

#include "identify/protocol.h"
#include "safepath/embedded.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/referral.h"

#define SHIPPED "config/referrals.json"
#define TYPES_MAX 64

static const char *const field_names[SP_RF_COUNT] = {
	[SP_RF_NAMES] = "names",
	[SP_RF_DATE_OF_BIRTH] = "date_of_birth",
	[SP_RF_SEX] = "sex",
	[SP_RF_LANGUAGES] = "languages",
	[SP_RF_NATIONALITIES] = "nationalities",
	[SP_RF_CONTACTS] = "contacts",
	[SP_RF_DOCUMENTS] = "documents",
};

static const enum sp_field_class field_class[SP_RF_COUNT] = {
	[SP_RF_NAMES] = SP_FC_IDENTITY,	       [SP_RF_DATE_OF_BIRTH] = SP_FC_IDENTITY,
	[SP_RF_SEX] = SP_FC_REFERRAL,	       [SP_RF_LANGUAGES] = SP_FC_REFERRAL,
	[SP_RF_NATIONALITIES] = SP_FC_IDENTITY, [SP_RF_CONTACTS] = SP_FC_IDENTITY,
	[SP_RF_DOCUMENTS] = SP_FC_IDENTITY,
};

const char *sp_referral_field_name(enum sp_referral_field f)
{
	return sp_name_of(field_names, SP_RF_COUNT, (int)f);
}

int sp_referral_field_parse(const char *s)
{
	return sp_name_index(field_names, SP_RF_COUNT, s);
}

unsigned sp_referral_field_classes(unsigned fields)
{
	unsigned classes = 0;
	for (int f = 0; f < SP_RF_COUNT; f++)
		if (fields & (1u << f))
			classes |= SP_FIELD(field_class[f]);
	return classes;
}

/* The kinds of one type: "kinds", or the id itself. */
static void check_kinds(struct sp_walk *w, json_t *t, const struct sp_vocabulary *vocab,
			struct sp_referral_type *out)
{
	json_t *a = sp_walk_array(w, t, "kinds", false);
	if (!a) {
		if (out->id && !json_object_get(t, "kinds")) {
			out->kinds[out->n_kinds++] = out->id;
			if (!vocab->has(vocab->ctx, "services", out->id))
				sp_walk_error_at(w, "id", "is not a services code of "
							  "protocols/codes.json: name its kinds");
		}
		return;
	}
	size_t saved = sp_walk_enter(w, "kinds");
	if (json_array_size(a) == 0 || json_array_size(a) > SP_REFERRAL_KINDS_MAX)
		sp_walk_error(w, "must list 1 to %d services codes", SP_REFERRAL_KINDS_MAX);
	size_t i;
	json_t *k;
	json_array_foreach(a, i, k) {
		if (i >= SP_REFERRAL_KINDS_MAX)
			break;
		size_t at = sp_walk_enter_index(w, i);
		const char *code = json_string_value(k);
		if (!code || !vocab->has(vocab->ctx, "services", code))
			sp_walk_error(w, "is not a services code of protocols/codes.json");
		else
			out->kinds[out->n_kinds++] = sp_arena_strdup(w->arena, code);
		sp_walk_leave(w, at);
	}
	sp_walk_leave(w, saved);
}

static void check_shares(struct sp_walk *w, json_t *t, struct sp_referral_type *out)
{
	json_t *a = sp_walk_array(w, t, "shares", true);
	if (!a)
		return;
	size_t saved = sp_walk_enter(w, "shares");
	size_t i;
	json_t *f;
	json_array_foreach(a, i, f) {
		size_t at = sp_walk_enter_index(w, i);
		int field = json_is_string(f) ? sp_referral_field_parse(json_string_value(f)) : -1;
		if (field < 0)
			sp_walk_error(w, "is not a shared field (names, date_of_birth, sex, "
					 "languages, nationalities, contacts, documents)");
		else if (out->shares & (1u << field))
			sp_walk_error(w, "is listed twice");
		else
			out->shares |= 1u << field;
		sp_walk_leave(w, at);
	}
	sp_walk_leave(w, saved);
}

static void check_type(struct sp_walk *w, json_t *t, const struct sp_vocabulary *vocab,
		       struct sp_referral_type *out)
{
	static const char *const keys[] = {"id", "kinds", "title", "shares", NULL};
	if (!sp_walk_object(w, t, keys))
		return;
	out->id = sp_walk_string(w, t, "id", true);
	if (out->id && !sp_walk_id_ok(out->id, SP_ID_LOWER)) {
		sp_walk_error_at(w, "id", "must be lower-case letters, digits and _");
		out->id = NULL;
	}
	check_kinds(w, t, vocab, out);
	struct sp_text title;
	if (sp_walk_text(w, t, "title", true, &title)) {
		out->title_en = title.s[0];
		out->title_fr = title.s[1];
	}
	check_shares(w, t, out);
}

/* No id, and no services kind, in two types. */
static void check_unique(struct sp_walk *w, const struct sp_referral_types *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < i; k++) {
			const struct sp_referral_type *a = &t->types[i], *b = &t->types[k];
			size_t at = sp_walk_enter_index(w, i);
			if (a->id && b->id && strcmp(a->id, b->id) == 0)
				sp_walk_error_at(w, "id", "repeats the id of /types/%zu", k);
			for (size_t x = 0; x < a->n_kinds; x++)
				for (size_t y = 0; y < b->n_kinds; y++)
					if (strcmp(a->kinds[x], b->kinds[y]) == 0)
						sp_walk_error(w, "covers %s, which /types/%zu covers "
								 "already",
							      a->kinds[x], k);
			sp_walk_leave(w, at);
		}
}

static void check_doc(struct sp_walk *w, json_t *doc, const struct sp_vocabulary *vocab,
		      struct sp_referral_types *t)
{
	static const char *const keys[] = {"id", "version", "source", "status", "types", NULL};
	static const char *const statuses[] = {"reference", "provisional", "local", NULL};
	if (!sp_walk_object(w, doc, keys))
		return;
	t->id = sp_walk_string(w, doc, "id", true);
	t->version = sp_walk_string(w, doc, "version", true);
	t->source = sp_walk_string(w, doc, "source", true);
	int st = sp_walk_enum(w, doc, "status", true, statuses);
	t->status = st < 0 ? NULL : statuses[st];
	json_t *a = sp_walk_array(w, doc, "types", true);
	if (!a)
		return;
	size_t saved = sp_walk_enter(w, "types");
	if (json_array_size(a) == 0 || json_array_size(a) > TYPES_MAX) {
		sp_walk_error(w, "must hold 1 to %d types", TYPES_MAX);
	} else {
		t->types = sp_arena_alloc(&t->arena, json_array_size(a) * sizeof *t->types);
		if (t->types) {
			memset(t->types, 0, json_array_size(a) * sizeof *t->types);
			size_t i;
			json_t *ty;
			json_array_foreach(a, i, ty) {
				size_t at = sp_walk_enter_index(w, i);
				check_type(w, ty, vocab, &t->types[i]);
				sp_walk_leave(w, at);
			}
			t->n = json_array_size(a);
			check_unique(w, t);
		} else {
			sp_walk_error(w, "out of memory");
		}
	}
	sp_walk_leave(w, saved);
}

void sp_referral_types_free(struct sp_referral_types *t)
{
	if (!t)
		return;
	sp_arena_release(&t->arena);
	free(t);
}

int sp_referral_types_parse(const char *text, size_t len, const struct sp_vocabulary *vocab,
			    struct sp_referral_types **out, struct sp_diag *diag)
{
	*out = NULL;
	struct sp_err perr = {0};
	json_t *doc = sp_json_parse(text, len, &perr);
	if (!doc) {
		sp_diag_add(diag, perr.field, "%s", perr.msg);
		return SP_EINVAL;
	}
	struct sp_referral_types *t = calloc(1, sizeof *t);
	if (!t) {
		json_decref(doc);
		return SP_ENOMEM;
	}
	sp_arena_init(&t->arena, 8192, 1u << 20);
	static const char *const langs[] = {"en", "fr"};
	struct sp_walk w = {.diag = diag, .arena = &t->arena, .langs = langs, .n_langs = 2};
	size_t before = diag->n + diag->dropped;
	check_doc(&w, doc, vocab, t);
	json_decref(doc);
	if (diag->n + diag->dropped != before) {
		sp_referral_types_free(t);
		return SP_EINVAL;
	}
	*out = t;
	return SP_OK;
}

int sp_referral_types_shipped(const struct sp_vocabulary *vocab, struct sp_referral_types **out,
			      struct sp_err *err)
{
	*out = NULL;
	for (const struct sp_embedded *e = sp_embedded_files; e->path; e++) {
		if (strcmp(e->path, SHIPPED) != 0)
			continue;
		struct sp_diag d;
		sp_diag_init(&d);
		int rc = sp_referral_types_parse(e->data, e->len, vocab, out, &d);
		if (rc)
			sp_err_set(err, rc, d.n ? d.items[0].pointer : "", SHIPPED ": %s",
				   d.n ? d.items[0].msg : "out of memory");
		sp_diag_free(&d);
		return rc;
	}
	return sp_err_set(err, SP_EINTERNAL, "", SHIPPED " is not compiled in");
}

const struct sp_referral_type *sp_referral_type_find(const struct sp_referral_types *t,
						     const char *id)
{
	for (size_t i = 0; t && id && i < t->n; i++)
		if (strcmp(t->types[i].id, id) == 0)
			return &t->types[i];
	return NULL;
}

const struct sp_referral_type *sp_referral_type_of_kind(const struct sp_referral_types *t,
							const char *kind)
{
	for (size_t i = 0; t && kind && i < t->n; i++)
		for (size_t k = 0; k < t->types[i].n_kinds; k++)
			if (strcmp(t->types[i].kinds[k], kind) == 0)
				return &t->types[i];
	return NULL;
}
