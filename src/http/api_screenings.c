/* Screening protocols for the wizard, and a case's screenings: start, save answers (the
 * answer says which questions are asked now and which comes next: the skip logic stays on
 * the server), resume, complete with the official's own conclusion. Each request is one
 * identify operation through the policy and the audit; the protocols are the server's,
 * loaded once at start. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/protocol.h"
#include "safepath/screening.h"

/* ---- body schemas ---- */

static const struct http_field start_fields[] = {
	{"protocol", HTTP_F_STRING, 1, SP_SCREENING_PROTO_ID_MAX + 12},
	{"lang", HTTP_F_STRING, 1, 16},
	{"interpreter", HTTP_F_STRING, 0, 16},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_screening_start = {start_fields};

static const struct http_field patch_fields[] = {
	{"answers", HTTP_F_OBJECT, 1, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_screening_patch = {patch_fields};

static const struct http_field complete_fields[] = {
	{"conclusion", HTTP_F_OBJECT, 1, 0},
	{"reason", HTTP_F_STRING, 0, SP_SCREENING_REASON_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_screening_complete = {complete_fields};

/* ---- shared ---- */

static const struct sp_protocols *registry(struct http_req *r)
{
	if (!r->opt->protocols)
		http_problem(r, 503, "unavailable", "Try again shortly", "No protocols are loaded.");
	return r->opt->protocols;
}

/* The screening as the API shows it, with its ETag. */
static int reply_screening(struct http_req *r, int status, const struct sp_protocols *reg,
			   const struct sp_screening *s, const char *lang)
{
	struct sp_err err = {0};
	json_t *j = sp_screening_encode(reg, s, lang, &err);
	if (!j)
		return http_problem_from_err(r, &err);
	http_etag_version(r, s->version);
	return http_reply_json(r, status, j);
}

static int created(struct http_req *r, int status, const struct sp_protocols *reg,
		   const struct sp_screening *s)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&s->id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/screenings/%s", id);
	return reply_screening(r, status, reg, s, s->lang);
}

/* ---- protocols ---- */

static json_t *text(const struct sp_protocol *p, const struct sp_text *t, const char *lang)
{
	const char *s = sp_text_get(p, t, lang);
	return s ? json_string(s) : json_null();
}

static json_t *protocol_row(const struct sp_protocol *p, const char *lang)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:o, s:s, s:s}", "id", p->id, "version", p->version,
			 "hash", p->hash, "status", sp_proto_status_name(p->status), "title",
			 text(p, &p->title, lang), "kind", sp_proto_kind_name(p->kind), "age_group",
			 sp_age_group_name(p->age_group));
}

int http_api_protocol_list(struct http_req *r)
{
	char buf[SP_CODE_MAX];
	const char *lang = http_query_lang_only(r, "en", buf);
	const struct sp_protocols *reg = lang ? registry(r) : NULL;
	if (!reg)
		return 1;
	json_t *items = json_array();
	for (size_t i = 0; items && i < sp_protocols_count(reg); i++)
		if (json_array_append_new(items, protocol_row(sp_protocols_at(reg, i), lang))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static json_t *question_json(const struct sp_protocol *p, const struct sp_question *q,
			     const char *lang)
{
	json_t *options = json_array();
	for (unsigned i = 0; options && i < q->n_options; i++)
		if (json_array_append_new(options,
					  json_pack("{s:s, s:o}", "id", q->options[i].id, "text",
						    text(p, &q->options[i].text, lang)))) {
			json_decref(options);
			options = NULL;
		}
	json_t *j = json_pack("{s:s, s:s, s:o, s:{s:o, s:o, s:o}, s:o, s:b, s:b}", "id", q->id,
			      "type", sp_qtype_name(q->type), "text", text(p, &q->text, lang),
			      "guidance", "look_for", text(p, &q->look_for, lang), "how_to_ask",
			      text(p, &q->how_to_ask, lang), "never_ask",
			      text(p, &q->never_ask, lang), "options", options, "sensitive",
			      q->sensitive, "conditional", q->show_if != NULL);
	if (j && q->has_min)
		json_object_set_new(j, "min", json_integer(q->min));
	if (j && q->has_max)
		json_object_set_new(j, "max", json_integer(q->max));
	return j;
}

static json_t *sections_json(const struct sp_protocol *p, const char *lang)
{
	json_t *sections = json_array();
	for (unsigned s = 0; sections && s < p->n_sections; s++) {
		const struct sp_section *sec = &p->sections[s];
		json_t *qs = json_array();
		for (unsigned i = 0; qs && i < sec->count; i++)
			if (json_array_append_new(qs, question_json(p, &p->questions[sec->first + i],
								    lang))) {
				json_decref(qs);
				qs = NULL;
			}
		if (json_array_append_new(sections,
					  json_pack("{s:s, s:o, s:o}", "id", sec->id, "title",
						    text(p, &sec->title, lang), "questions", qs))) {
			json_decref(sections);
			sections = NULL;
		}
	}
	return sections;
}

int http_api_protocol_get(struct http_req *r)
{
	char buf[SP_CODE_MAX], ref[80];
	const char *lang = http_query_lang_only(r, "en", buf);
	const struct sp_protocols *reg = lang ? registry(r) : NULL;
	if (!reg)
		return 1;
	/* the path's last segment: "ID" or "ID@VERSION" */
	const char *seg = strrchr(r->path, '/');
	snprintf(ref, sizeof ref, "%s", seg ? seg + 1 : "");
	const struct sp_protocol *p = sp_protocols_lookup(reg, ref);
	if (!p)
		return http_problem(r, 404, "not-found", "Not found", NULL);
	json_t *notes = json_array(), *langs = json_array();
	for (unsigned i = 0; notes && i < p->n_notes; i++)
		json_array_append_new(notes, text(p, &p->notes[i], lang));
	for (unsigned i = 0; langs && i < p->n_languages; i++)
		json_array_append_new(langs, json_string(p->languages[i]));
	json_t *j = protocol_row(p, lang);
	if (j && (json_object_set_new(j, "summary", text(p, &p->summary, lang)) ||
		  json_object_set_new(j, "notes", notes) ||
		  json_object_set_new(j, "languages", langs) ||
		  json_object_set_new(j, "source", json_string(p->source)) ||
		  json_object_set_new(j, "sections", sections_json(p, lang)))) {
		json_decref(j);
		j = NULL;
	}
	return http_reply_json(r, 200, j);
}

/* ---- screenings ---- */

/* What a screening route needs: no query, the path's id, the protocols, the casework
 * context. 1 with a problem set when one is missing. */
static int prepare(struct http_req *r, struct sp_id *id, const struct sp_protocols **reg,
		   struct sp_casework *cw)
{
	if (http_query_only(r, NULL) || http_path_id(r, 0, id) || !(*reg = registry(r)))
		return 1;
	http_casework(r, cw);
	return 0;
}

int http_api_screening_start(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_screening s;
	const struct sp_protocols *reg;
	if (prepare(r, &case_id, &reg, &cw))
		return 1;
	struct sp_screening_start in = {
		json_string_value(json_object_get(r->json, "protocol")),
		json_string_value(json_object_get(r->json, "lang")),
		json_string_value(json_object_get(r->json, "interpreter")),
	};
	if (sp_screening_start(&cw, reg, &case_id, &in, &s, &err))
		return http_problem_from_err(r, &err);
	return created(r, 201, reg, &s);
}

/* A repeated start: the screening it made, read (and audited) as a GET. */
int http_api_screening_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_screening s;
	const struct sp_protocols *reg = registry(r);
	if (!reg)
		return 1;
	http_casework(r, &cw);
	if (sp_screening_get(&cw, &rec->resource, &s, &err))
		return http_problem_from_err(r, &err);
	return created(r, rec->status, reg, &s);
}

int http_api_screening_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_screening *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	http_casework(r, &cw);
	if (sp_screening_list(&cw, &case_id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_screening_encode_row(&list[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_screening_get(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_screening s;
	char buf[SP_CODE_MAX];
	const char *lang = http_query_lang_only(r, "", buf);
	const struct sp_protocols *reg = lang ? registry(r) : NULL;
	if (!reg || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_screening_get(&cw, &id, &s, &err))
		return http_problem_from_err(r, &err);
	return reply_screening(r, 200, reg, &s, *lang ? lang : s.lang);
}

int http_api_screening_patch(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_screening s;
	struct sp_diag d;
	const struct sp_protocols *reg;
	if (prepare(r, &id, &reg, &cw))
		return 1;
	sp_diag_init(&d);
	int rc = sp_screening_save(&cw, reg, &id, r->if_version, json_object_get(r->json, "answers"),
				   &s, &d, &err);
	if (rc == SP_EINVAL && d.n) {
		/* every bad answer, each at its pointer below /answers */
		for (size_t i = 0; i < d.n; i++) {
			char pointer[sizeof d.items[i].pointer + 16];
			snprintf(pointer, sizeof pointer, "/answers%s", d.items[i].pointer);
			http_invalid(r, pointer, d.items[i].msg);
		}
		sp_diag_free(&d);
		return 1;
	}
	sp_diag_free(&d);
	if (rc)
		return http_problem_from_err_at(r, &err, rc == SP_EINVAL ? "/answers" : "");
	return reply_screening(r, 200, reg, &s, s.lang);
}

int http_api_screening_complete(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_screening s;
	const struct sp_protocols *reg;
	if (prepare(r, &id, &reg, &cw))
		return 1;
	if (!http_jurisdiction_loaded(r))
		return 1;
	if (sp_screening_complete(&cw, reg, r->opt->jurisdictions, r->opt->jurisdiction, &id,
				  r->if_version,
				  json_object_get(r->json, "conclusion"),
				  json_string_value(json_object_get(r->json, "reason")), &s, &err)) {
		bool whole = err.code != SP_EINVAL || strcmp(err.field, "/reason") == 0;
		return http_problem_from_err_at(r, &err, whole ? "" : "/conclusion");
	}
	return reply_screening(r, 200, reg, &s, s.lang);
}
