/* The service directory (docs/services.md): search it for a need and a person, one service,
 * an HSDS document imported (service.manage), a service's places or status changed with
 * If-Match. The directory holds no personal data; the library decides who sees a confidential
 * location's address and who may change anything. */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "safepath/case.h"
#include "safepath/service.h"

/* POST /api/v1/services: an HSDS document, each table an array of rows (checked by the
 * library with pointers below the table's). */
static const struct http_field import_fields[] = {
	{"organization", HTTP_F_ARRAY, 0, 0},
	{"service", HTTP_F_ARRAY, 0, 0},
	{"location", HTTP_F_ARRAY, 0, 0},
	{"service_at_location", HTTP_F_ARRAY, 0, 0},
	{"phone", HTTP_F_ARRAY, 0, 0},
	{"schedule", HTTP_F_ARRAY, 0, 0},
	{"language", HTTP_F_ARRAY, 0, 0},
	{"service_area", HTTP_F_ARRAY, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_services_import = {import_fields};

static const struct http_field patch_fields[] = {
	{"capacity_total", HTTP_F_INT, 0, 0},
	{"capacity_available", HTTP_F_INT, 0, 0},
	{"status", HTTP_F_STRING, 0, 24},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_service_patch = {patch_fields};

/* ---- GET /api/v1/services?need=&kind=&area=&language=&age=&sex=&with_capacity=&case= ----
 * case: the sex, language and age of its person for the criteria the query leaves open. */

int http_api_service_search(struct http_req *r)
{
	static const char *const params[] = {"need", "kind", "area",	       "language",
					     "age",  "sex",  "with_capacity", "case", NULL};
	struct sp_err err = {0};
	if (http_query_only(r, params))
		return 1;
	struct sp_service_query q = {.need = http_query(r, "need"),
				     .kind = http_query(r, "kind"),
				     .area = http_query(r, "area"),
				     .language = http_query(r, "language"),
				     .sex = http_query(r, "sex"),
				     .age = -1};
	const char *age = http_query(r, "age"), *cap = http_query(r, "with_capacity");
	if (age) {
		char *end = NULL;
		long v = strtol(age, &end, 10);
		if (!*age || *end || v < 0 || v > 120)
			http_invalid(r, "/age", "must be a whole number of years from 0 to 120");
		q.age = (int)v;
	}
	if (cap && strcmp(cap, "true") != 0 && strcmp(cap, "false") != 0)
		http_invalid(r, "/with_capacity", "must be true or false");
	q.with_capacity = cap && strcmp(cap, "true") == 0;
	const char *kase = http_query(r, "case");
	struct sp_id case_id;
	if (kase && sp_id_parse(kase, &case_id) != SP_OK)
		http_invalid(r, "/case", "must be a case id");
	if (r->is_problem)
		return 1;
	char lang[SP_CODE_MAX];
	if (kase) {
		struct sp_casework cw;
		http_casework(r, &cw);
		if (sp_service_query_from_case(&cw, &case_id, &q, lang, &err))
			return http_problem_from_err(r, &err);
	}
	json_t *hits = NULL;
	if (sp_service_search(&r->w->access, r->opt->vocabulary, &q, &hits, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, json_pack("{s:o}", "items", hits));
}

/* ---- GET /api/v1/services/:id ---- */

int http_api_service_get(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id id;
	json_t *s = NULL;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_service_get(&r->w->access, &r->subject, &id, &s, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, json_integer_value(json_object_get(s, "version")));
	return http_reply_json(r, 200, s);
}

/* ---- POST /api/v1/services: an HSDS document ---- */

int http_api_services_import(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_diag d;
	size_t n = 0;
	if (http_query_only(r, NULL))
		return 1;
	sp_diag_init(&d);
	int rc = sp_services_import(&r->w->access, &r->subject, r->opt->vocabulary, r->json, &n,
				    &d, &err);
	if (rc == SP_EINVAL && d.n) {
		http_problem(r, 400, "validation", "The request has invalid fields", NULL);
		for (size_t i = 0; i < d.n; i++)
			http_problem_field(r, d.items[i].pointer, d.items[i].msg);
	} else if (rc) {
		http_problem_from_err(r, &err);
	}
	sp_diag_free(&d);
	if (rc)
		return 1;
	return http_reply_json(r, 201, json_pack("{s:I}", "imported", (json_int_t)n));
}

/* ---- PATCH /api/v1/services/:id {"capacity_total", "capacity_available", "status"} ---- */

int http_api_service_patch(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id id;
	int64_t v = 0;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const json_t *total = json_object_get(r->json, "capacity_total");
	const json_t *avail = json_object_get(r->json, "capacity_available");
	struct sp_service_change ch = {
		.capacity_total = total ? json_integer_value(total) : -1,
		.capacity_available = avail ? json_integer_value(avail) : -1,
		.status = json_string_value(json_object_get(r->json, "status")),
	};
	if (total && ch.capacity_total < 0)
		http_invalid(r, "/capacity_total", "must be a whole number from 0");
	if (avail && ch.capacity_available < 0)
		http_invalid(r, "/capacity_available", "must be a whole number from 0");
	if (!total && !avail && !ch.status)
		http_invalid(r, "", "give capacity_total, capacity_available or status");
	if (r->is_problem)
		return 1;
	if (sp_service_update(&r->w->access, &r->subject, &id, r->if_version, &ch, &v, &err))
		return http_problem_from_err(r, &err);
	json_t *s = NULL;
	if (sp_service_get(&r->w->access, &r->subject, &id, &s, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, v);
	return http_reply_json(r, 200, s);
}
