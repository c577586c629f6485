/* The signed-in user's notifications: their list (newest first, paged by cursor, ?unread=true
 * for the unread ones), the unread count for the bell, marking one read and marking all read.
 * Ids and kinds only: the words are the web shell's, from its catalogs. */
#include <string.h>

#include "http/http.h"
#include "safepath/notification.h"

/* ---- GET /api/v1/me/notifications?unread=&cursor=&limit= ---- */

int http_api_me_notifications(struct http_req *r)
{
	static const char *const params[] = {"unread", "cursor", "limit", NULL};
	long limit = 20;
	size_t n = 0;
	struct sp_id buf, next;
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	struct sp_err err = {0};
	if (http_query_only(r, params))
		return 1;
	const char *unread = http_query(r, "unread");
	if (unread && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0)
		http_invalid(r, "/unread", "must be true or false");
	const struct sp_id *after = http_query_cursor(r, &buf);
	http_query_limit(r, SP_NOTIFICATION_PAGE_MAX, &limit);
	if (r->is_problem)
		return 1;
	if (sp_notification_list(r->w->store, &r->subject, unread && strcmp(unread, "true") == 0,
				 after, page, (size_t)limit, &n, &next, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_notification_encode(&page[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_page(r, items, &next);
}

/* ---- GET /api/v1/me/notifications/count ---- */

int http_api_me_notification_count(struct http_req *r)
{
	struct sp_err err = {0};
	int64_t unread = 0;
	if (http_query_only(r, NULL))
		return 1;
	if (sp_notification_unread(r->w->store, &r->subject, &unread, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, json_pack("{s:I}", "unread", (json_int_t)unread));
}

/* ---- POST /api/v1/me/notifications/:id/read ---- */

int http_api_me_notification_read(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_notification n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_notification_read(r->w->store, &r->subject, &id, 0, &n, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, sp_notification_encode(&n));
}

/* ---- POST /api/v1/me/notifications/read-all ---- */

int http_api_me_notification_read_all(struct http_req *r)
{
	struct sp_err err = {0};
	int64_t marked = 0;
	if (http_query_only(r, NULL))
		return 1;
	if (sp_notification_read_all(r->w->store, &r->subject, 0, &marked, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, json_pack("{s:I}", "marked", (json_int_t)marked));
}
