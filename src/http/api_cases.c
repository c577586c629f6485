/* The case resource: open a case with its person, read it, list the caseload, search (POST,
 * so no personal data is ever in a URL), and a case's notes and consents. Each request is one
 * casework operation, which authorises through the policy and audits in its own transaction,
 * exactly as the CLI does; decrypted values live in the request's arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "safepath/case.h"
#include "safepath/json.h"

/* ---- body schemas: the member types; the casework decoders check what they hold ---- */

static const struct http_field case_create_fields[] = {
	{"person", HTTP_F_OBJECT, 1, 0},
	{"priority", HTTP_F_STRING, 0, 16},
	{"flags", HTTP_F_ARRAY, 0, 0},
	{"assigned", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_case_create = {case_create_fields};

static const struct http_field case_search_fields[] = {
	{"number", HTTP_F_STRING, 0, SP_CASE_NUMBER_MAX},
	{"phone", HTTP_F_STRING, 0, SP_PERSON_MAX_TEXT},
	{"names", HTTP_F_ARRAY, 0, 0},
	{"document", HTTP_F_OBJECT, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_case_search = {case_search_fields};

static const struct http_field note_fields[] = {
	{"text", HTTP_F_STRING, 1, SP_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_note = {note_fields};

static const struct http_field consent_fields[] = {
	{"purpose", HTTP_F_STRING, 1, 32},
	{"scope_agency", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"scope_country", HTTP_F_STRING, 0, 16},
	{"status", HTTP_F_STRING, 1, 32},
	{"method", HTTP_F_STRING, 1, 32},
	{"interpreter_used", HTTP_F_BOOL, 0, 0},
	{"interpreter_language", HTTP_F_STRING, 0, 16},
	{"by", HTTP_F_STRING, 0, 32},
	{"given_by_name", HTTP_F_STRING, 0, SP_PERSON_MAX_TEXT},
	{"child_assent", HTTP_F_STRING, 0, 32},
	{"note", HTTP_F_STRING, 0, SP_PERSON_MAX_NOTE},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_consent = {consent_fields};

static const struct http_field case_patch_fields[] = {
	{"status", HTTP_F_STRING, 0, 16},
	{"priority", HTTP_F_STRING, 0, 16},
	{"flags", HTTP_F_ARRAY, 0, 0},
	{"assigned", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"person", HTTP_F_OBJECT, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_case_patch = {case_patch_fields};

/* ---- shared ---- */

void http_casework(struct http_req *r, struct sp_casework *cw)
{
	memset(cw, 0, sizeof *cw);
	cw->store = r->w->store;
	cw->access = &r->w->access;
	cw->keys = r->opt->keys;
	cw->keystore = r->w->keystore;
	cw->audit = r->opt->audit_keys;
	cw->subject = &r->subject;
	cw->arena = &r->arena;
	cw->request_id = NULL;
	cw->read_audit = r->audit_writer;
	cw->idem = r->idem;
	cw->vocabulary = r->opt->vocabulary;
}

static int case_created(struct http_req *r, int status, const struct sp_case *c)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&c->id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/cases/%s", id);
	return http_reply_json(r, status, sp_case_encode(c));
}

/* The "flags" member's names as bits, each unknown one reported; 0 when absent. */
unsigned http_case_flags_decode(struct http_req *r)
{
	json_t *flags = json_object_get(r->json, "flags"), *f;
	size_t i;
	unsigned bits = 0;
	json_array_foreach(flags, i, f) {
		char pointer[32];
		unsigned bit = json_is_string(f) ? sp_case_flag_parse(json_string_value(f)) : 0;
		snprintf(pointer, sizeof pointer, "/flags/%zu", i);
		if (!bit)
			http_invalid(r, pointer, "unknown flag");
		bits |= bit;
	}
	return bits;
}

/* The "person" member through the casework decoder, its errors below /person. 0 when it
 * and every field checked before it are good, else 1 with the problem set. */
int http_person_decode(struct http_req *r, struct sp_person *p)
{
	struct sp_err err = {0};
	if (sp_person_decode(json_object_get(r->json, "person"), &r->arena, p, &err)) {
		if (err.code != SP_EINVAL)
			return http_problem_from_err(r, &err);
		char pointer[sizeof err.field + 8];
		snprintf(pointer, sizeof pointer, "/person%s%s",
			 err.field[0] && err.field[0] != '/' ? "/" : "", err.field);
		return http_invalid(r, pointer, err.msg[0] ? err.msg : "is not valid");
	}
	return r->is_problem;
}

/* ---- POST /api/v1/cases ---- */

int http_api_case_create(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_person p;
	struct sp_id assignee;
	struct sp_case c;
	http_casework(r, &cw);
	struct sp_case_open in = {.person = &p, .priority = SP_PRIORITY_NORMAL};
	const char *s = json_string_value(json_object_get(r->json, "priority"));
	if (s) {
		int pr = sp_case_priority_parse(s);
		if (pr < 0)
			http_invalid(r, "/priority", "unknown priority");
		else
			in.priority = (enum sp_case_priority)pr;
	}
	in.flags = http_case_flags_decode(r);
	if ((s = json_string_value(json_object_get(r->json, "assigned")))) {
		if (sp_id_parse(s, &assignee) != SP_OK)
			http_invalid(r, "/assigned", "must be a user id");
		in.assigned = &assignee;
	}
	if (http_person_decode(r, &p))
		return 1;
	if (sp_case_open(&cw, &in, &c, &err))
		return http_problem_from_err(r, &err);
	return case_created(r, 201, &c);
}

/* A repeated create: the case as it is now, read (and audited) as a GET reads it. */
int http_api_case_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case c;
	http_casework(r, &cw);
	if (sp_case_get(&cw, &rec->resource, &c, &err))
		return http_problem_from_err(r, &err);
	return case_created(r, rec->status, &c);
}

/* ---- GET /api/v1/cases/:id ---- */

int http_api_case_get(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case c;
	struct sp_person p;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	/* One read, one audit record: the person when the policy allows it, safety only when
	 * it grants need-to-know; a refused person leaves the case's clear columns. */
	bool has_person = false;
	if (sp_case_read(&cw, &id, &c, &p, &has_person, &err))
		return http_problem_from_err(r, &err);
	json_t *j = sp_case_encode(&c);
	if (j && has_person) {
		json_t *pj = sp_person_encode(&p, p.has_safety);
		if (!pj || json_object_set_new(j, "person", pj)) {
			json_decref(j);
			j = NULL;
		}
	}
	http_etag_version(r, c.version);
	return http_reply_json(r, 200, j);
}

/* ---- PATCH /api/v1/cases/:id (If-Match required) ---- */

static void patch_enum(struct http_req *r, const char *name, int (*parse)(const char *),
		       const char *reason, bool *set, int *value)
{
	json_t *v = json_object_get(r->json, name);
	char pointer[24];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (!v)
		return;
	if (json_is_null(v) || (*value = parse(json_string_value(v))) < 0)
		http_invalid(r, pointer, json_is_null(v) ? "must not be null" : reason);
	else
		*set = true;
}

int http_api_case_patch(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case c;
	struct sp_person p;
	struct sp_case_change ch = {0};
	int status = 0, priority = 0;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	ch.version = r->if_version;
	if (json_object_size(r->json) == 0)
		return http_invalid(r, "", "name at least one field to change");
	patch_enum(r, "status", sp_case_status_parse, "unknown status", &ch.set_status, &status);
	patch_enum(r, "priority", sp_case_priority_parse, "unknown priority", &ch.set_priority,
		   &priority);
	ch.status = (enum sp_case_status)status;
	ch.priority = (enum sp_case_priority)priority;
	json_t *v = json_object_get(r->json, "flags");
	if (json_is_null(v))
		http_invalid(r, "/flags", "must not be null");
	else if (v) { /* the whole set: what is not named is cleared */
		ch.flags_on = http_case_flags_decode(r);
		/* managed flags (legal hold, anonymised) stay as they are */
		ch.flags_off = SP_CASE_FLAGS_ALL & ~SP_CASE_FLAGS_MANAGED & ~ch.flags_on;
	}
	if ((v = json_object_get(r->json, "assigned"))) { /* null: nobody */
		ch.set_assigned = true;
		if (!json_is_null(v) && sp_id_parse(json_string_value(v), &ch.assigned) != SP_OK)
			http_invalid(r, "/assigned", "must be a user id or null");
	}
	if ((v = json_object_get(r->json, "person"))) {
		if (json_is_null(v))
			http_invalid(r, "/person", "must not be null");
		else if (http_person_decode(r, &p))
			return 1;
		else
			ch.person = &p;
	}
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_case_update(&cw, &id, &ch, &c, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, c.version);
	return http_reply_json(r, 200, sp_case_encode(&c));
}

/* ---- GET /api/v1/cases?cursor=&limit=&status=&priority=&flag=&mine=&from=&to= ---- */

int http_api_case_list(struct http_req *r)
{
	static const char *const params[] = {"cursor", "limit", "status", "priority", "flag",
					     "mine", "from", "to", NULL};
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_hit hits[SP_SEARCH_MAX_HITS];
	struct sp_id after, next;
	size_t n = 0;
	long limit = 20;
	struct sp_case_query q = {.mine = false, .status = -1, .after = NULL};
	if (http_query_only(r, params))
		return 1;
	const char *v;
	if ((v = http_query(r, "cursor"))) {
		if (sp_id_parse(v, &after) != SP_OK)
			http_invalid(r, "/cursor", "must be a next_cursor value");
		q.after = &after;
	}
	http_query_limit(r, SP_SEARCH_MAX_HITS, &limit);
	if ((v = http_query(r, "status")) && (q.status = sp_case_status_parse(v)) < 0)
		http_invalid(r, "/status", "unknown status");
	if ((v = http_query(r, "priority"))) {
		int pr = sp_case_priority_parse(v);
		if (pr < 0)
			http_invalid(r, "/priority", "unknown priority");
		q.has_priority = pr >= 0;
		q.priority = pr >= 0 ? (enum sp_case_priority)pr : SP_PRIORITY_NORMAL;
	}
	if ((v = http_query(r, "flag")) && !(q.flags = sp_case_flag_parse(v)))
		http_invalid(r, "/flag", "unknown flag");
	if ((v = http_query(r, "mine"))) {
		if (strcmp(v, "true") == 0)
			q.mine = true;
		else if (strcmp(v, "false") != 0)
			http_invalid(r, "/mine", "must be true or false");
	}
	http_query_time(r, "from", &q.from_us);
	http_query_time(r, "to", &q.to_us);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_case_list(&cw, &q, hits, (size_t)limit, &n, &next, &err))
		return http_problem_from_err(r, &err);
	return http_reply_case_hits(r, hits, n, &next);
}

/* ---- POST /api/v1/cases/search ---- */

static int search_document(struct sp_casework *cw, json_t *v,
			   struct sp_case_hit *hits, size_t *n, struct sp_err *err)
{
	static const char *const keys[] = {"type", "country", "number", NULL};
	struct sp_document d = {0};
	const char *t = NULL, *cc = NULL;
	int rc = sp_json_only_keys(v, keys, err);
	if (!rc)
		rc = sp_json_get_str(v, "type", true, &t, err);
	if (!rc)
		rc = sp_json_get_str(v, "country", true, &cc, err);
	if (!rc)
		rc = sp_json_get_str(v, "number", true, &d.number, err);
	if (rc) { /* the decoders name the member; it is below /document */
		char field[64]; /* member names are short: a longer one is cut */
		snprintf(field, sizeof field, "%.60s", err->field);
		snprintf(err->field, sizeof err->field, "/document%s%s",
			 field[0] && field[0] != '/' ? "/" : "", field);
		return rc;
	}
	int type = sp_doc_type_parse(t);
	if (type < 0)
		return sp_err_set(err, SP_EINVAL, "/document/type", "unknown document type");
	if ((rc = sp_country_code(cc, d.country, err))) {
		snprintf(err->field, sizeof err->field, "/document/country");
		return rc;
	}
	d.type = (enum sp_doc_type)type;
	return sp_case_find_document(cw, &d, hits, SP_SEARCH_MAX_HITS, n, err);
}

int http_api_case_search(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_hit hits[SP_SEARCH_MAX_HITS];
	size_t n = 0;
	int rc;
	const char *key;
	json_t *v;
	if (json_object_size(r->json) != 1)
		return http_invalid(r, "", "give exactly one of number, phone, names, document");
	json_object_foreach(r->json, key, v) /* the schema let a null through: it is optional */
		if (json_is_null(v))
			return http_invalid(r, "", "give exactly one of number, phone, names, document");
	http_casework(r, &cw);
	if ((v = json_object_get(r->json, "number"))) {
		rc = sp_case_find_number(&cw, json_string_value(v), &hits[0], &err);
		n = rc == SP_OK;
		if (rc == SP_ENOTFOUND)
			rc = SP_OK;
	} else if ((v = json_object_get(r->json, "phone"))) {
		rc = sp_case_find_phone(&cw, json_string_value(v), hits, SP_SEARCH_MAX_HITS, &n,
					&err);
	} else if ((v = json_object_get(r->json, "names"))) {
		const char *parts[SP_SEARCH_MAX_PARTS];
		size_t np = json_array_size(v);
		if (np == 0 || np > SP_SEARCH_MAX_PARTS)
			return http_invalid(r, "/names", "must be 1 to 8 strings");
		for (size_t i = 0; i < np; i++) {
			char pointer[32];
			snprintf(pointer, sizeof pointer, "/names/%zu", i);
			if (!(parts[i] = json_string_value(json_array_get(v, i))))
				http_invalid(r, pointer, "must be a string");
		}
		if (r->is_problem)
			return 1;
		rc = sp_case_find_name(&cw, parts, np, hits, SP_SEARCH_MAX_HITS, &n, &err);
	} else {
		rc = search_document(&cw, json_object_get(r->json, "document"), hits, &n, &err);
	}
	if (rc)
		return http_problem_from_err(r, &err);
	return http_reply_case_hits(r, hits, n, NULL);
}

/* ---- /api/v1/cases/:id/notes ---- */

int http_api_note_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_note note;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	const char *text = json_string_value(json_object_get(r->json, "text"));
	if (sp_note_add(&cw, &id, text, &note, &err)) {
		if (err.code == SP_EINVAL && !err.field[0])
			snprintf(err.field, sizeof err.field, "/text");
		return http_problem_from_err(r, &err);
	}
	/* the text is not sent back: the client has it, and answers are logged by proxies */
	return http_reply_json(r, 201, sp_note_encode(&note, 0));
}

/* A repeated note: found among the case's notes, read (and audited) as their list is. */
int http_api_note_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_note *notes;
	size_t n;
	http_casework(r, &cw);
	if (sp_note_list(&cw, &rec->parent, &notes, &n, &err))
		return http_problem_from_err(r, &err);
	for (size_t i = 0; i < n; i++)
		if (memcmp(notes[i].id.b, rec->resource.b, SP_ID_LEN) == 0)
			return http_reply_json(r, rec->status, sp_note_encode(&notes[i], 0));
	return http_problem(r, 404, "not-found", "Not found", NULL);
}

int http_api_note_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_note *notes;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_note_list(&cw, &id, &notes, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_note_encode(&notes[i], 1))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- /api/v1/cases/:id/consents ---- */

int http_api_consent_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_consent in, out;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_consent_decode(r->json, &r->arena, &in, &err) ||
	    sp_consent_record(&cw, &id, &in, &out, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 201, sp_consent_encode(&out));
}

/* A repeated consent: found among the case's records, read (and audited) as their list is. */
int http_api_consent_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_consent *list;
	size_t n;
	http_casework(r, &cw);
	if (sp_consent_list(&cw, &rec->parent, &list, &n, &err))
		return http_problem_from_err(r, &err);
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i].id.b, rec->resource.b, SP_ID_LEN) == 0)
			return http_reply_json(r, rec->status, sp_consent_encode(&list[i]));
	return http_problem(r, 404, "not-found", "Not found", NULL);
}

int http_api_consent_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_consent *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_consent_list(&cw, &id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_consent_encode(&list[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}
