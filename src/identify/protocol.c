/* Loading a screening protocol file (docs/protocols.md "A protocol file"): every member checked,
 * every error collected with its JSON pointer, every expression compiled with its names
 * resolved to indexes, every code checked against the vocabulary. The loaded protocol lives in
 * one arena and is read-only afterwards; its content hash is the BLAKE2b-256 of the bytes. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "safepath/json.h"
#include "identify/protocol.h"

#define PROTOCOL_MAX_BYTES (4u << 20)

struct loader {
	struct sp_walk w;
	struct sp_protocol *p;
	struct sp_arena *arena;
	json_t *doc;
};

/* The arena rides behind the protocol, so one free releases both. */
struct protocol_mem {
	struct sp_protocol p;
	struct sp_arena arena;
};

static const char *const status_names[] = {"reference", "provisional", "local", NULL};
static const char *const kind_names[] = {"first_contact", "trafficking_indicators",
					 "forced_labour", NULL};
static const char *const age_names[] = {"any", "adult", "child", NULL};
static const char *const qtype_names[] = {"yes_no", "choice", "multi", "number",
					  "partial_date", "text", NULL};
static const char *const strength_names[] = {"strong", "medium", "weak", NULL};
static const char *const tri_names[] = {"no", "yes", "unknown"};

const char *sp_tri_name(enum sp_tri t)
{
	return (unsigned)t < 3 ? tri_names[t] : "?";
}
const char *sp_qtype_name(enum sp_qtype t)
{
	return (unsigned)t < 6 ? qtype_names[t] : "?";
}
const char *sp_strength_name(enum sp_strength s)
{
	return (unsigned)s < 3 ? strength_names[s] : "?";
}
const char *sp_proto_status_name(enum sp_proto_status s)
{
	return (unsigned)s < 3 ? status_names[s] : "?";
}
const char *sp_proto_kind_name(enum sp_proto_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "?";
}
const char *sp_age_group_name(enum sp_age_group g)
{
	return (unsigned)g < 3 ? age_names[g] : "?";
}

const char *sp_text_get(const struct sp_protocol *p, const struct sp_text *t, const char *lang)
{
	for (unsigned i = 0; lang && i < p->n_languages; i++)
		if (strcmp(p->languages[i], lang) == 0 && t->s[i])
			return t->s[i];
	return t->s[0] ? t->s[0] : "";
}

int sp_protocol_question(const struct sp_protocol *p, const char *id)
{
	for (unsigned i = 0; i < p->n_questions; i++)
		if (strcmp(p->questions[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Compile the expression at member key of obj; NULL (with the error) when it is absent or bad. */
static const struct sp_expr *expr(struct loader *L, json_t *obj, const char *key, bool required,
				  const struct sp_scope *scope)
{
	json_t *v = sp_walk_get(&L->w, obj, key, required);
	if (!v)
		return NULL;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		sp_walk_error_at(&L->w, key, "must be an expression (a string)");
		return NULL;
	}
	const struct sp_expr *e = NULL;
	char msg[200];
	if (sp_expr_compile(json_string_value(v), scope, L->arena, &e, msg, sizeof msg))
		sp_walk_error_at(&L->w, key, "%s", msg);
	return e;
}

/* An id member of kind, unique among the n ids before it (stride bytes apart from base). */
static const char *unique_id(struct loader *L, json_t *obj, enum sp_id_kind kind,
			     const void *base, size_t stride, unsigned n)
{
	const char *id = sp_walk_string(&L->w, obj, "id", true);
	if (!id)
		return NULL;
	if (!sp_walk_id_ok(id, kind)) {
		sp_walk_error_at(&L->w, "id", "must match %s",
				 kind == SP_ID_LOWER ? "[a-z][a-z0-9_]{0,47}"
						     : "[A-Za-z][A-Za-z0-9_]{0,47}");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *other = *(const char *const *)((const char *)base + (size_t)i * stride);
		if (other && strcmp(other, id) == 0) {
			sp_walk_error_at(&L->w, "id", "is used twice");
			return NULL;
		}
	}
	return id;
}

/* A list of vocabulary codes: indexes into the arena, *n of them. */
static const unsigned *codes(struct loader *L, json_t *obj, const char *key, enum sp_vocab_kind k,
			     unsigned *n)
{
	*n = 0;
	json_t *a = sp_walk_array(&L->w, obj, key, false);
	if (!a)
		return NULL;
	unsigned *out = sp_arena_alloc(L->arena, (json_array_size(a) + 1) * sizeof *out);
	size_t saved = sp_walk_enter(&L->w, key);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		int c = json_is_string(v) ? sp_vocab_find(L->p->vocab, k, json_string_value(v)) : -1;
		bool dup = false;
		for (unsigned j = 0; c >= 0 && j < *n; j++)
			dup |= out[j] == (unsigned)c;
		if (!json_is_string(v))
			sp_walk_error(&L->w, "must be a string");
		else if (c < 0)
			sp_walk_error(&L->w, "is not in codes.json's %s", sp_vocab_kind_name(k));
		else if (dup)
			sp_walk_error(&L->w, "is listed twice");
		else if (out)
			out[(*n)++] = (unsigned)c;
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
	return out;
}

/* One code member (a string naming an entry of kind k); -1 when absent or bad. */
static int code(struct loader *L, json_t *obj, const char *key, bool required,
		enum sp_vocab_kind k)
{
	json_t *v = sp_walk_get(&L->w, obj, key, required);
	if (!v)
		return -1;
	int c = json_is_string(v) ? sp_vocab_find(L->p->vocab, k, json_string_value(v)) : -1;
	if (c < 0)
		sp_walk_error_at(&L->w, key, "is not in codes.json's %s", sp_vocab_kind_name(k));
	return c;
}

static void prefill_ids(json_t *a, void *base, size_t stride, struct sp_arena *arena);

static void load_question(struct loader *L, json_t *j, struct sp_question *q, unsigned index,
			  unsigned section)
{
	struct sp_protocol *p = L->p;
	static const char *const allowed[] = {"id", "type", "text", "guidance", "options", "min",
					      "max", "show_if", "sensitive", NULL};
	if (!sp_walk_object(&L->w, j, allowed))
		return;
	q->section = section;
	q->id = NULL;
	q->id = unique_id(L, j, SP_ID_LOWER, p->questions, sizeof *q, index);
	int t = sp_walk_enum(&L->w, j, "type", true, qtype_names);
	q->type = t < 0 ? SP_Q_TEXT : (enum sp_qtype)t;
	sp_walk_text(&L->w, j, "text", true, &q->text);
	json_t *g = sp_walk_get(&L->w, j, "guidance", true);
	if (g) {
		size_t saved = sp_walk_enter(&L->w, "guidance");
		static const char *const gk[] = {"look_for", "how_to_ask", "never_ask", NULL};
		if (sp_walk_object(&L->w, g, gk)) {
			sp_walk_text(&L->w, g, "look_for", true, &q->look_for);
			sp_walk_text(&L->w, g, "how_to_ask", true, &q->how_to_ask);
			sp_walk_text(&L->w, g, "never_ask", true, &q->never_ask);
		}
		sp_walk_leave(&L->w, saved);
	}
	json_t *opts = sp_walk_array(&L->w, j, "options", false);
	bool wants_options = t == SP_Q_CHOICE || t == SP_Q_MULTI;
	if (opts && !wants_options && t >= 0) {
		sp_walk_error_at(&L->w, "options", "only choice and multi questions have options");
	} else if (wants_options && !opts && !json_object_get(j, "options")) {
		sp_walk_error_at(&L->w, "options", "is required for a %s question", qtype_names[t]);
	} else if (opts) {
		size_t n = json_array_size(opts);
		if (n == 0 || n > SP_PROTO_OPTIONS)
			sp_walk_error_at(&L->w, "options", "must list 1 to %d options",
					 SP_PROTO_OPTIONS);
		struct sp_option *o = sp_arena_alloc(L->arena, (n + 1) * sizeof *o);
		size_t saved = sp_walk_enter(&L->w, "options");
		size_t i;
		json_t *v;
		json_array_foreach(opts, i, v) {
			if (!o || i >= SP_PROTO_OPTIONS)
				break;
			size_t s2 = sp_walk_enter_index(&L->w, i);
			static const char *const ok[] = {"id", "text", NULL};
			if (sp_walk_object(&L->w, v, ok)) {
				const char *id = unique_id(L, v, SP_ID_LOWER, o, sizeof *o, q->n_options);
				if (id && strcmp(id, "unknown") == 0)
					sp_walk_error_at(&L->w, "id", "unknown is every question's own "
							 "answer, not an option");
				sp_walk_text(&L->w, v, "text", true, &o[q->n_options].text);
				o[q->n_options++].id = id;
			}
			sp_walk_leave(&L->w, s2);
		}
		sp_walk_leave(&L->w, saved);
		q->options = o;
	}
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "max" : "min";
		if (!json_object_get(j, key))
			continue;
		if (t != SP_Q_NUMBER) {
			sp_walk_error_at(&L->w, key, "only number questions have %s", key);
			continue;
		}
		int64_t v = 0;
		if (sp_walk_int(&L->w, j, key, true, -1000000000, 1000000000, &v)) {
			if (k) {
				q->has_max = true;
				q->max = v;
			} else {
				q->has_min = true;
				q->min = v;
			}
		}
	}
	if (q->has_min && q->has_max && q->min > q->max)
		sp_walk_error_at(&L->w, "max", "must not be less than min");
	json_t *s = sp_walk_get(&L->w, j, "sensitive", false);
	if (s && !json_is_boolean(s))
		sp_walk_error_at(&L->w, "sensitive", "must be true or false");
	q->sensitive = json_is_true(s); /* false when absent */
	struct sp_scope sc = {.p = p, .allow = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON | SP_ALLOW_CHILD,
			      .questions = index};
	q->show_if = expr(L, j, "show_if", false, &sc);
}

static void load_sections(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *secs = sp_walk_array(&L->w, L->doc, "sections", true);
	if (!secs)
		return;
	size_t nq = 0, i;
	json_t *s;
	json_array_foreach(secs, i, s) {
		json_t *qs = json_object_get(s, "questions");
		nq += json_is_array(qs) ? json_array_size(qs) : 0;
	}
	struct sp_section *sections = sp_arena_alloc(L->arena, (json_array_size(secs) + 1) *
								      sizeof *sections);
	struct sp_question *questions = sp_arena_alloc(L->arena, (nq + 1) * sizeof *questions);
	if (!sections || !questions)
		return;
	p->sections = sections;
	p->questions = questions;
	/* ids first, so a show_if naming a later question says so */
	json_array_foreach(secs, i, s) {
		json_t *qs = json_object_get(s, "questions");
		if (json_is_array(qs))
			prefill_ids(qs, questions + p->n_questions, sizeof *questions, L->arena);
		p->n_questions += json_is_array(qs) ? (unsigned)json_array_size(qs) : 0;
	}
	unsigned qi = 0; /* p->n_questions counts them all: a later one is known by name */
	size_t saved = sp_walk_enter(&L->w, "sections");
	if (json_array_size(secs) == 0)
		sp_walk_error(&L->w, "must list at least one section");
	json_array_foreach(secs, i, s) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		static const char *const allowed[] = {"id", "title", "questions", NULL};
		struct sp_section *sec = &sections[p->n_sections];
		if (sp_walk_object(&L->w, s, allowed)) {
			sec->id = unique_id(L, s, SP_ID_NAME, sections, sizeof *sec, p->n_sections);
			sp_walk_text(&L->w, s, "title", true, &sec->title);
			sec->first = qi;
			json_t *qs = sp_walk_array(&L->w, s, "questions", true);
			size_t s3 = sp_walk_enter(&L->w, "questions");
			if (qs && json_array_size(qs) == 0)
				sp_walk_error(&L->w, "must list at least one question");
			size_t k;
			json_t *q;
			json_array_foreach(qs, k, q) {
				size_t s4 = sp_walk_enter_index(&L->w, k);
				load_question(L, q, &questions[qi], qi, p->n_sections);
				qi++; /* counted even when bad, so indexes follow the file */
				sp_walk_leave(&L->w, s4);
			}
			sp_walk_leave(&L->w, s3);
			sec->count = qi - sec->first;
			p->n_sections++;
		}
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
}

static bool element_ok(const char *s)
{
	static const char *const parts[] = {"act", "means", "purpose"};
	unsigned seen = 0;
	while (*s) {
		int k = -1;
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(parts[i]);
			if (strncmp(s, parts[i], n) == 0 && (s[n] == '\0' || s[n] == '+')) {
				k = i;
				s += n;
				break;
			}
		}
		if (k < 0 || (seen & (1u << k)))
			return false;
		seen |= 1u << k;
		if (*s == '+' && *++s == '\0')
			return false;
	}
	return seen != 0;
}

static void load_dimensions(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *a = sp_walk_array(&L->w, L->doc, "dimensions", true);
	if (!a)
		return;
	struct sp_dimension *d = sp_arena_alloc(L->arena, (json_array_size(a) + 1) * sizeof *d);
	if (!d)
		return;
	p->dimensions = d;
	size_t saved = sp_walk_enter(&L->w, "dimensions"), i;
	json_t *v;
	json_array_foreach(a, i, v) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		static const char *const allowed[] = {"id", "title", "element", NULL};
		if (sp_walk_object(&L->w, v, allowed)) {
			struct sp_dimension *x = &d[p->n_dimensions++];
			x->id = unique_id(L, v, SP_ID_NAME, d, sizeof *d, p->n_dimensions - 1);
			sp_walk_text(&L->w, v, "title", true, &x->title);
			x->element = sp_walk_string(&L->w, v, "element", true);
			if (x->element && !element_ok(x->element))
				sp_walk_error_at(&L->w, "element", "must be act, means or purpose, "
						 "or several joined by +");
		}
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
	/* the rule counts strengths per dimension: without dimensions there is nothing to count */
	struct sp_scope sc = {.p = p, .allow = SP_ALLOW_COUNTS | SP_ALLOW_PERSON | SP_ALLOW_CHILD};
	p->dimension_rule = expr(L, L->doc, "dimension_rule", p->n_dimensions > 0, &sc);
	if (!p->n_dimensions && json_object_get(L->doc, "dimension_rule"))
		sp_walk_error_at(&L->w, "dimension_rule", "needs dimensions to apply to");
}

/* Ids first (so a reference to a later one says so), then each in full. */
static void prefill_ids(json_t *a, void *base, size_t stride, struct sp_arena *arena)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		json_t *id = json_object_get(v, "id");
		if (json_is_string(id) && sp_walk_id_ok(json_string_value(id), SP_ID_NAME))
			*(const char **)((char *)base + i * stride) =
				sp_arena_strdup(arena, json_string_value(id));
	}
}

static void load_indicators(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *a = sp_walk_array(&L->w, L->doc, "indicators", true);
	if (!a)
		return;
	size_t n = json_array_size(a);
	struct sp_indicator *ind = sp_arena_alloc(L->arena, (n + 1) * sizeof *ind);
	if (!ind)
		return;
	p->indicators = ind;
	p->n_indicators = (unsigned)n;
	prefill_ids(a, ind, sizeof *ind, L->arena);
	size_t saved = sp_walk_enter(&L->w, "indicators"), i;
	json_t *v;
	json_array_foreach(a, i, v) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		static const char *const allowed[] = {"id", "title", "when", "in", NULL};
		struct sp_indicator *x = &ind[i];
		x->id = NULL;
		if (sp_walk_object(&L->w, v, allowed)) {
			x->id = unique_id(L, v, SP_ID_NAME, ind, sizeof *ind, (unsigned)i);
			sp_walk_text(&L->w, v, "title", true, &x->title);
			struct sp_scope sc = {.p = p,
					      .allow = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON |
						       SP_ALLOW_CHILD | SP_ALLOW_FOUND,
					      .questions = p->n_questions,
					      .indicators = (unsigned)i};
			x->when = expr(L, v, "when", true, &sc);
			json_t *in = sp_walk_array(&L->w, v, "in", true);
			struct sp_indicator_in *ins =
				sp_arena_alloc(L->arena, (json_array_size(in) + 1) * sizeof *ins);
			size_t s3 = sp_walk_enter(&L->w, "in"), k;
			json_t *m;
			json_array_foreach(in, k, m) {
				size_t s4 = sp_walk_enter_index(&L->w, k);
				static const char *const ok[] = {"dimension", "strength", NULL};
				if (ins && sp_walk_object(&L->w, m, ok)) {
					json_t *dv = sp_walk_get(&L->w, m, "dimension", true);
					int d = -1;
					for (unsigned j = 0; json_is_string(dv) && j < p->n_dimensions; j++)
						if (p->dimensions[j].id &&
						    strcmp(p->dimensions[j].id, json_string_value(dv)) == 0)
							d = (int)j;
					bool dup = false;
					for (unsigned j = 0; d >= 0 && j < x->n_in; j++)
						dup |= ins[j].dimension == (unsigned)d;
					if (dv && d < 0)
						sp_walk_error_at(&L->w, "dimension", "is not a dimension of "
								 "the protocol");
					else if (dup)
						sp_walk_error_at(&L->w, "dimension", "is listed twice for "
								 "this indicator");
					int st = sp_walk_enum(&L->w, m, "strength", true, strength_names);
					if (d >= 0 && !dup && st >= 0)
						ins[x->n_in++] = (struct sp_indicator_in){
							(unsigned)d, (enum sp_strength)st};
				}
				sp_walk_leave(&L->w, s4);
			}
			sp_walk_leave(&L->w, s3);
			x->in = ins;
		}
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
	if (p->kind != SP_KIND_FORCED_LABOUR)
		return;
	for (unsigned k = 0; k < p->n_indicators; k++)
		if (ind[k].n_in) {
			size_t s2 = sp_walk_enter(&L->w, "indicators");
			size_t s3 = sp_walk_enter_index(&L->w, k);
			sp_walk_error_at(&L->w, "in", "forced_labour indicators sit in no dimension");
			sp_walk_leave(&L->w, s3);
			sp_walk_leave(&L->w, s2);
		}
}

static void load_readings(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *a = sp_walk_array(&L->w, L->doc, "readings", true);
	if (!a)
		return;
	size_t n = json_array_size(a);
	struct sp_reading *rd = sp_arena_alloc(L->arena, (n + 1) * sizeof *rd);
	if (!rd)
		return;
	p->readings = rd;
	p->n_readings = (unsigned)n;
	prefill_ids(a, rd, sizeof *rd, L->arena);
	size_t saved = sp_walk_enter(&L->w, "readings"), i;
	json_t *v;
	json_array_foreach(a, i, v) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		static const char *const allowed[] = {"id", "title", "when", "finding", "steps",
						      NULL};
		struct sp_reading *x = &rd[i];
		x->id = NULL;
		if (sp_walk_object(&L->w, v, allowed)) {
			x->id = unique_id(L, v, SP_ID_NAME, rd, sizeof *rd, (unsigned)i);
			sp_walk_text(&L->w, v, "title", true, &x->title);
			struct sp_scope sc = {.p = p,
					      .allow = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON |
						       SP_ALLOW_CHILD | SP_ALLOW_FOUND |
						       SP_ALLOW_DIM | SP_ALLOW_READING,
					      .questions = p->n_questions,
					      .indicators = p->n_indicators,
					      .readings = (unsigned)i};
			json_t *steps = sp_walk_array(&L->w, v, "steps", false);
			bool has_when = json_object_get(v, "when") != NULL;
			if (has_when == (json_object_get(v, "steps") != NULL))
				sp_walk_error(&L->w, "needs either when (a plain reading) or steps "
					      "(a ladder), not both");
			if (has_when) {
				x->when = expr(L, v, "when", true, &sc);
				sp_walk_text(&L->w, v, "finding", true, &x->finding);
			} else if (json_object_get(v, "finding")) {
				sp_walk_error_at(&L->w, "finding", "a ladder's findings are its steps'");
			}
			size_t ns = steps ? json_array_size(steps) : 0;
			if (steps && ns == 0)
				sp_walk_error_at(&L->w, "steps", "must list at least one step");
			struct sp_step *st = sp_arena_alloc(L->arena, (ns + 1) * sizeof *st);
			size_t s3 = sp_walk_enter(&L->w, "steps"), k;
			json_t *m;
			json_array_foreach(steps, k, m) {
				size_t s4 = sp_walk_enter_index(&L->w, k);
				static const char *const ok[] = {"id", "when", "finding", NULL};
				if (st && sp_walk_object(&L->w, m, ok)) {
					struct sp_step *y = &st[x->n_steps];
					y->id = unique_id(L, m, SP_ID_NAME, st, sizeof *st, x->n_steps);
					y->when = expr(L, m, "when", true, &sc);
					sp_walk_text(&L->w, m, "finding", true, &y->finding);
					x->n_steps++;
				}
				sp_walk_leave(&L->w, s4);
			}
			sp_walk_leave(&L->w, s3);
			x->steps = st;
		}
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
}

static void load_outcome(struct loader *L, json_t *v, struct sp_outcome *x, unsigned index)
{
	struct sp_protocol *p = L->p;
	static const char *const allowed[] = {"id", "when", "because", "needs", "red_flags",
					      "referrals", "tasks", "priority",
					      "intervention_level", "placement", NULL};
	if (!sp_walk_object(&L->w, v, allowed))
		return;
	x->id = unique_id(L, v, SP_ID_NAME, p->outcomes, sizeof *x, index);
	struct sp_scope sc = {.p = p,
			      .allow = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON | SP_ALLOW_CHILD |
				       SP_ALLOW_FOUND | SP_ALLOW_DIM | SP_ALLOW_READING,
			      .questions = p->n_questions,
			      .indicators = p->n_indicators,
			      .readings = p->n_readings};
	x->when = expr(L, v, "when", true, &sc);
	sp_walk_text(&L->w, v, "because", true, &x->because);
	x->needs = codes(L, v, "needs", SP_VOCAB_NEEDS, &x->n_needs);
	x->red_flags = codes(L, v, "red_flags", SP_VOCAB_RED_FLAGS, &x->n_red_flags);
	x->placement = codes(L, v, "placement", SP_VOCAB_PLACEMENTS, &x->n_placement);
	x->priority = code(L, v, "priority", false, SP_VOCAB_PRIORITIES);
	x->intervention_level = code(L, v, "intervention_level", false,
				     SP_VOCAB_INTERVENTION_LEVELS);
	json_t *refs = sp_walk_array(&L->w, v, "referrals", false);
	struct sp_referral *rf = sp_arena_alloc(L->arena, (json_array_size(refs) + 1) * sizeof *rf);
	size_t saved = sp_walk_enter(&L->w, "referrals"), i;
	json_t *m;
	json_array_foreach(refs, i, m) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		static const char *const ok[] = {"need", "service", NULL};
		if (rf && sp_walk_object(&L->w, m, ok)) {
			int need = code(L, m, "need", true, SP_VOCAB_NEEDS);
			int svc = code(L, m, "service", true, SP_VOCAB_SERVICES);
			if (need >= 0 && svc >= 0)
				rf[x->n_referrals++] = (struct sp_referral){(unsigned)need, (unsigned)svc};
		}
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
	x->referrals = rf;
	json_t *tasks = sp_walk_array(&L->w, v, "tasks", false);
	struct sp_task_advice *tk = sp_arena_alloc(L->arena, (json_array_size(tasks) + 1) * sizeof *tk);
	saved = sp_walk_enter(&L->w, "tasks");
	json_array_foreach(tasks, i, m) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		static const char *const ok[] = {"task", "priority", "due_hours", NULL};
		if (tk && sp_walk_object(&L->w, m, ok)) {
			int task = code(L, m, "task", true, SP_VOCAB_TASKS);
			int prio = code(L, m, "priority", false, SP_VOCAB_PRIORITIES);
			int64_t due = -1;
			if (json_object_get(m, "due_hours") &&
			    !sp_walk_int(&L->w, m, "due_hours", true, 1, (int64_t)24 * 366, &due))
				due = -1;
			if (task >= 0)
				tk[x->n_tasks++] = (struct sp_task_advice){(unsigned)task, prio, (int)due};
		}
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
	x->tasks = tk;
}

static void load_outcomes(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *a = sp_walk_array(&L->w, L->doc, "outcomes", true);
	if (!a)
		return;
	struct sp_outcome *o = sp_arena_alloc(L->arena, (json_array_size(a) + 1) * sizeof *o);
	if (!o)
		return;
	p->outcomes = o;
	size_t saved = sp_walk_enter(&L->w, "outcomes"), i;
	json_t *v;
	json_array_foreach(a, i, v) {
		size_t s2 = sp_walk_enter_index(&L->w, i);
		o[i].priority = o[i].intervention_level = -1;
		load_outcome(L, v, &o[i], (unsigned)i);
		p->n_outcomes++;
		sp_walk_leave(&L->w, s2);
	}
	sp_walk_leave(&L->w, saved);
}

static void load_variant(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *v = sp_walk_get(&L->w, L->doc, "variant_of", false);
	if (!v) {
		if (p->age_group != SP_AGE_ANY)
			sp_walk_error_at(&L->w, "variant_of", "is required for an %s set: it names "
					 "its counterpart", age_names[p->age_group]);
		return;
	}
	size_t saved = sp_walk_enter(&L->w, "variant_of");
	static const char *const allowed[] = {"adult", "child", NULL};
	if (sp_walk_object(&L->w, v, allowed)) {
		p->variant_adult = sp_walk_string(&L->w, v, "adult", true);
		p->variant_child = sp_walk_string(&L->w, v, "child", true);
		const char *ids[2] = {p->variant_adult, p->variant_child};
		for (int k = 0; k < 2; k++)
			if (ids[k] && !sp_walk_id_ok(ids[k], SP_ID_PROTOCOL))
				sp_walk_error_at(&L->w, k ? "child" : "adult", "must match [a-z0-9-]{1,48}");
		const char *own = p->age_group == SP_AGE_ADULT ? p->variant_adult
				  : p->age_group == SP_AGE_CHILD ? p->variant_child
								 : NULL;
		if (p->age_group == SP_AGE_ANY)
			sp_walk_error(&L->w, "only adult and child sets have variants");
		else if (own && p->id && strcmp(own, p->id) != 0)
			sp_walk_error_at(&L->w, age_names[p->age_group], "must be this protocol's own id");
	}
	sp_walk_leave(&L->w, saved);
}

static void load_doc(struct loader *L)
{
	struct sp_protocol *p = L->p;
	json_t *d = L->doc;
	static const char *const allowed[] = {
		"id", "version", "status", "source", "languages", "title", "summary", "notes",
		"kind", "age_group", "variant_of", "child_presumption", "sections", "dimensions",
		"dimension_rule", "indicators", "readings", "outcomes", NULL};
	if (!sp_walk_object(&L->w, d, allowed))
		return;
	p->id = sp_walk_string(&L->w, d, "id", true);
	if (p->id && !sp_walk_id_ok(p->id, SP_ID_PROTOCOL)) {
		sp_walk_error_at(&L->w, "id", "must match [a-z0-9-]{1,48}");
		p->id = NULL;
	}
	int64_t ver = 0;
	if (sp_walk_int(&L->w, d, "version", true, 1, 1000000, &ver))
		p->version = (int)ver;
	int st = sp_walk_enum(&L->w, d, "status", true, status_names);
	p->status = st < 0 ? SP_PROTO_PROVISIONAL : (enum sp_proto_status)st;
	p->source = sp_walk_string(&L->w, d, "source", true);
	sp_proto_load_langs(&L->w, d, p->languages, &p->n_languages);
	if (p->n_languages == 0) { /* its error is out; check the texts in English alone */
		p->languages[0] = "en";
		p->n_languages = 1;
	}
	L->w.langs = p->languages;
	L->w.n_langs = p->n_languages;
	sp_walk_text(&L->w, d, "title", true, &p->title);
	sp_walk_text(&L->w, d, "summary", true, &p->summary);
	json_t *notes = sp_walk_array(&L->w, d, "notes", false);
	struct sp_text *nt = sp_arena_alloc(L->arena, (json_array_size(notes) + 1) * sizeof *nt);
	if (notes && nt) {
		size_t i;
		json_t *v;
		json_array_foreach(notes, i, v) {
			char key[24];
			snprintf(key, sizeof key, "%zu", i);
			size_t saved = sp_walk_enter(&L->w, "notes");
			json_t *wrap = json_pack("{sO}", key, v);
			sp_walk_text(&L->w, wrap, key, true, &nt[p->n_notes++]);
			json_decref(wrap);
			sp_walk_leave(&L->w, saved);
		}
	}
	p->notes = nt;
	int k = sp_walk_enum(&L->w, d, "kind", true, kind_names);
	p->kind = k < 0 ? SP_KIND_FIRST_CONTACT : (enum sp_proto_kind)k;
	int ag = sp_walk_enum(&L->w, d, "age_group", true, age_names);
	p->age_group = ag < 0 ? SP_AGE_ANY : (enum sp_age_group)ag;
	load_variant(L);
	load_sections(L);
	struct sp_scope sc = {.p = p, .allow = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON,
			      .questions = p->n_questions, .only_unconditional = true};
	if (json_object_get(d, "child_presumption"))
		p->child_presumption = expr(L, d, "child_presumption", true, &sc);
	else if (sp_expr_compile("fact(reason_to_believe_minor)", &sc, L->arena,
				 &p->child_presumption, (char[8]){0}, 8))
		p->child_presumption = NULL;
	load_dimensions(L);
	load_indicators(L);
	load_readings(L);
	load_outcomes(L);
}

int sp_protocol_load(const char *text, size_t len, const struct sp_vocab *vocab,
		     struct sp_protocol **out, struct sp_diag *diag)
{
	*out = NULL;
	if (len > PROTOCOL_MAX_BYTES) {
		sp_diag_add(diag, "", "larger than %u bytes", PROTOCOL_MAX_BYTES);
		return SP_ETOOBIG;
	}
	size_t before = diag->n + diag->dropped;
	struct sp_err err = {0};
	json_t *doc = sp_json_parse(text, len, &err);
	if (!doc) {
		sp_diag_add(diag, "", "%s", err.msg);
		return SP_EINVAL;
	}
	struct protocol_mem *m = calloc(1, sizeof *m);
	if (!m) {
		json_decref(doc);
		return SP_ENOMEM;
	}
	sp_arena_init(&m->arena, (size_t)64 * 1024, 0);
	struct sp_protocol *p = &m->p;
	p->vocab = vocab;
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)text, len, NULL, 0);
	sodium_bin2hex(p->hash, sizeof p->hash, h, sizeof h);
	char *copy = sp_arena_alloc(&m->arena, len + 1);
	if (copy)
		memcpy(copy, text, len);
	p->file_text = copy;
	p->file_len = len;
	struct loader L = {.w = {.diag = diag, .arena = &m->arena}, .p = p, .arena = &m->arena,
			   .doc = doc};
	load_doc(&L);
	json_decref(doc);
	if (diag->n + diag->dropped != before || !copy) {
		sp_protocol_free(p);
		return copy ? SP_EINVAL : SP_ENOMEM;
	}
	*out = p;
	return SP_OK;
}

void sp_protocol_free(struct sp_protocol *p)
{
	if (!p)
		return;
	struct protocol_mem *m = (struct protocol_mem *)p;
	sp_arena_release(&m->arena);
	free(m);
}
