/* GET /healthz (the database answers) and GET /metrics (Prometheus text). */
#include "http/http.h"

int http_api_healthz(struct http_req *r)
{
	struct sp_err err = {0};
	int version = 0;
	if (sp_store_schema_version(r->w->store, &version, &err) || version <= 0)
		return http_problem(r, 503, "unavailable", "The database does not answer", NULL);
	return http_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

int http_api_metrics(struct http_req *r)
{
	if (http_metrics_render(&r->text))
		return http_problem(r, 500, "internal", "Internal error", NULL);
	r->text_type = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
	return 0;
}
