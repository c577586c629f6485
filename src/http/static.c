/* The web shell's files, served from the binary (tools/embed.c put them there): the bundle,
 * the style sheet and the icon under /assets/, and index.html for every page of the shell,
 * which routes on the client. Each file has an ETag (a hash of its bytes, made once), sent
 * with Cache-Control: no-cache, so a browser asks again each time and gets 304 when nothing
 * changed. The security headers are server.c's, as on every response. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/embedded.h"

static const struct asset {
	const char *url;  /* the route's pattern */
	const char *path; /* the embedded file */
	const char *type;
} assets[] = {
	{"/assets/app.js", "web/app.js", "text/javascript; charset=utf-8"},
	{"/assets/app.css", "web/app.css", "text/css; charset=utf-8"},
	{"/assets/icon.svg", "web/icon.svg", "image/svg+xml"},
};
static const struct asset page = {NULL, "web/index.html", "text/html; charset=utf-8"};

#define N_ASSETS (sizeof assets / sizeof assets[0])

static struct loaded {
	const struct sp_embedded *file; /* NULL when the build left it out */
	char etag[HTTP_ETAG_SIZE];
} loaded[N_ASSETS + 1]; /* the last is the page */

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* FNV-1a, 64 bits: an ETag only has to change when the bytes do. */
static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void load_one(const struct asset *a, struct loaded *out)
{
	for (const struct sp_embedded *e = sp_embedded_files; e->path; e++) {
		if (strcmp(e->path, a->path) == 0) {
			out->file = e;
			snprintf(out->etag, sizeof out->etag, "\"%016llx\"",
				 (unsigned long long)fnv1a(e->data, e->len));
			return;
		}
	}
}

static void load(void)
{
	for (size_t i = 0; i < N_ASSETS; i++)
		load_one(&assets[i], &loaded[i]);
	load_one(&page, &loaded[N_ASSETS]);
}

/* Whether an If-None-Match header names etag: a list of entity tags, weak ones ("W/")
 * compared weakly as RFC 9110 §13.1.2 says, or "*". */
static int etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = header;
	while (p && *p) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		size_t len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == n && memcmp(p, etag, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

int http_static_get(struct http_req *r)
{
	pthread_once(&load_once, load);
	size_t i = 0;
	while (i < N_ASSETS && strcmp(assets[i].url, r->route->pattern) != 0)
		i++;
	const struct asset *a = i < N_ASSETS ? &assets[i] : &page;
	const struct loaded *l = &loaded[i];
	if (!l->file)
		return http_problem(r, 404, "not-found", "Not found",
				    "This build carries no web shell.");
	memcpy(r->etag, l->etag, sizeof r->etag);
	if (r->if_none_match && etag_matches(r->if_none_match, l->etag))
		return http_reply_empty(r, 304);
	r->asset = l->file->data;
	r->asset_len = l->file->len;
	r->asset_type = a->type;
	return http_reply_empty(r, 200);
}
