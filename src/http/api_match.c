/* Registry matching (docs/registry-matching.md): the registration check of a person not yet
 * saved (POST, so no personal data is ever in a URL), and the links between a case's person and
 * another's (confirm, reject, undo, list). What each user sees is the casework's decision
 * (safepath/matchreg.h); a candidate beyond the user's access is only "elsewhere". */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/matchreg.h"

static const struct http_field check_fields[] = {
	{"person", HTTP_F_OBJECT, 1, 0},
	{"case_id", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_match_check = {check_fields};

static const struct http_field link_fields[] = {
	{"case_id", HTTP_F_STRING, 1, SP_ID_STRLEN},
	{"decision", HTTP_F_STRING, 1, 16},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_link = {link_fields};

/* An optional or required id member into *out; a bad one is a problem at /name. Whether it
 * was there. */
static bool member_id(struct http_req *r, const char *name, struct sp_id *out)
{
	const char *s = json_string_value(json_object_get(r->json, name));
	if (!s)
		return false;
	char pointer[32];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (sp_id_parse(s, out) != SP_OK)
		http_invalid(r, pointer, "must be a case id");
	return true;
}

static json_t *candidate_encode(const struct sp_matchreg_candidate *c)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&c->case_id, id);
	json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:s}", "case_id", id, "case_number", c->number,
			      "probability", c->probability, "weight", c->weight, "sex",
			      sp_sex_name(c->sex));
	json_t *nat = json_array(), *fields = json_array();
	int bad = !o || !nat || !fields;
	for (const char *p = c->nationalities; !bad && *p;) {
		size_t len = strcspn(p, ";");
		bad = json_array_append_new(nat, json_stringn(p, len));
		p += len + (p[len] == ';');
	}
	for (size_t i = 0; !bad && i < c->n_fields; i++) {
		const struct sp_matchreg_field *f = &c->fields[i];
		json_t *e = json_pack("{s:s, s:f}", "comparison", f->comparison, "contribution",
				      f->contribution);
		bad = !e || (f->shown ? json_object_set_new(e, "level", json_string(f->level))
				      : json_object_set_new(e, "withheld", json_true())) ||
		      json_array_append_new(fields, e);
	}
	if (!bad && c->named && c->name)
		bad = json_object_set_new(o, "name", json_string(c->name));
	if (!bad && c->named && c->date_of_birth)
		bad = json_object_set_new(o, "date_of_birth", json_string(c->date_of_birth));
	if (!bad)
		bad = json_object_set(o, "nationalities", nat) ||
		      json_object_set(o, "explanation", fields);
	json_decref(nat);
	json_decref(fields);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- POST /api/v1/persons/match-check ---- */

int http_api_match_check(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_person p;
	struct sp_id exclude;
	bool has_exclude = member_id(r, "case_id", &exclude);
	if (http_person_decode(r, &p))
		return 1;
	http_casework(r, &cw);
	struct sp_matchreg_check *out = sp_arena_alloc(&r->arena, sizeof *out);
	if (!out)
		return http_problem(r, 500, "internal", "Internal error", NULL);
	if (sp_matchreg_check(&cw, &p, has_exclude ? &exclude : NULL, out, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < out->n; i++)
		if (json_array_append_new(items, candidate_encode(&out->c[i]))) {
			json_decref(items);
			items = NULL;
		}
	/* one mark for every unseen candidate together: how many would tell something */
	if (items && out->elsewhere && json_array_append_new(items, json_pack("{s:b}", "elsewhere", 1))) {
		json_decref(items);
		items = NULL;
	}
	json_t *body = items ? json_pack("{s:o, s:b, s:f, s:s}", "candidates", items, "elsewhere",
					 out->elsewhere > 0, "threshold", out->threshold, "model",
					 SP_MATCHREG_MODEL)
			     : NULL;
	return http_reply_json(r, 200, body);
}

/* ---- /api/v1/cases/:id/links ---- */

int http_api_link_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id a, b;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &a))
		return 1;
	member_id(r, "case_id", &b);
	int d = sp_link_state_parse(json_string_value(json_object_get(r->json, "decision")));
	if (d != SP_LINK_CONFIRMED && d != SP_LINK_REJECTED)
		http_invalid(r, "/decision", "is confirmed or rejected");
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_matchreg_decide(&cw, &a, &b, (enum sp_link_state)d, &err))
		return http_problem_from_err(r, &err);
	return http_reply_empty(r, 204);
}

int http_api_link_undo(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id a, b;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &a) || http_path_id(r, 1, &b))
		return 1;
	http_casework(r, &cw);
	if (sp_matchreg_undo(&cw, &a, &b, &err))
		return http_problem_from_err(r, &err);
	return http_reply_empty(r, 204);
}

int http_api_link_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id a;
	struct sp_matchreg_link links[SP_MATCHREG_LINKS_MAX];
	size_t n = 0;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &a))
		return 1;
	http_casework(r, &cw);
	if (sp_matchreg_links(&cw, &a, links, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		char id[SP_ID_STRLEN + 1], at[SP_TIME_STRLEN + 1];
		sp_id_format(&links[i].case_id, id);
		sp_time_format(links[i].decided_us, at);
		json_t *e = links[i].visible
				    ? json_pack("{s:s, s:s, s:s, s:s}", "case_id", id, "case_number",
						links[i].number, "state",
						sp_link_state_name(links[i].state), "decided_at", at)
				    : json_pack("{s:b, s:s, s:s}", "elsewhere", 1, "state",
						sp_link_state_name(links[i].state), "decided_at", at);
		if (json_array_append_new(items, e)) {
			json_decref(items);
			items = NULL;
		}
	}
	return http_reply_json(r, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}
