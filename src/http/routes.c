/* The route table: every route with its method, path pattern, who may call it, its body
 * schema and its handler. Paths match strictly, segment by segment: case counts, and no
 * trailing slash, empty segment or dot segment ever matches. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

const struct http_route http_routes[] = {
	{HTTP_GET, "/healthz", HTTP_AUTH_NONE, 0, NULL, http_api_healthz},
	{HTTP_GET, "/metrics", HTTP_AUTH_NONE, 0, NULL, http_api_metrics},
	{HTTP_POST, "/api/v1/session", HTTP_AUTH_NONE, 0, &http_schema_session,
	 http_api_session_create},
	{HTTP_DELETE, "/api/v1/session", HTTP_AUTH_OTP_OK, 0, NULL, http_api_session_delete},
	{HTTP_GET, "/api/v1/me", HTTP_AUTH_SESSION, 0, NULL, http_api_me},
	{HTTP_POST, "/api/v1/me/password", HTTP_AUTH_OTP_OK, 0, &http_schema_password,
	 http_api_me_password},
	{HTTP_METHOD_OTHER, NULL, HTTP_AUTH_NONE, 0, NULL, NULL},
};

/* One path segment: what a "{name}" pattern segment accepts (ids, case numbers). */
static int param_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int http_path_match(const char *pattern, const char *path)
{
	if (*pattern != '/' || *path != '/')
		return 0;
	while (*pattern && *path) {
		pattern++; /* the '/' of both */
		path++;
		size_t pn = strcspn(pattern, "/"), sn = strcspn(path, "/");
		if (sn == 0 || (sn == 1 && path[0] == '.') ||
		    (sn == 2 && path[0] == '.' && path[1] == '.'))
			return 0; /* empty, "." or ".." segment */
		if (pn > 2 && pattern[0] == '{' && pattern[pn - 1] == '}') {
			if (!param_ok(path, sn))
				return 0;
		} else if (pn != sn || memcmp(pattern, path, sn) != 0) {
			return 0;
		}
		pattern += pn;
		path += sn;
	}
	return *pattern == '\0' && *path == '\0';
}

const struct http_route *http_route_find(enum http_method method, const char *path,
					 int *path_known, char *allow, size_t allow_n)
{
	*path_known = 0;
	if (allow_n)
		allow[0] = '\0';
	size_t used = 0;
	for (const struct http_route *rt = http_routes; rt->pattern; rt++) {
		if (!http_path_match(rt->pattern, path))
			continue;
		if (rt->method == method)
			return rt;
		*path_known = 1;
		int w = snprintf(allow + used, allow_n - used, "%s%s", used ? ", " : "",
				 http_method_name(rt->method));
		if (w > 0 && (size_t)w < allow_n - used)
			used += (size_t)w;
	}
	return NULL;
}
