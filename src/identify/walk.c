/* Walking a JSON document (a protocol file, codes.json, answers) with the JSON pointer of where
 * we are, so that every error names its member, and every error is collected rather than only
 * the first. Strings are copied into the caller's arena. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identify/protocol.h"

void sp_diag_init(struct sp_diag *d)
{
	memset(d, 0, sizeof *d);
}

void sp_diag_free(struct sp_diag *d)
{
	free(d->items);
	memset(d, 0, sizeof *d);
}

void sp_diag_add(struct sp_diag *d, const char *pointer, const char *fmt, ...)
{
	if (!d)
		return;
	if (d->n == SP_DIAG_MAX) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct sp_diag_item *it = realloc(d->items, cap * sizeof *it);
		if (!it) {
			d->dropped++;
			return;
		}
		d->items = it;
		d->cap = cap;
	}
	struct sp_diag_item *it = &d->items[d->n++];
	snprintf(it->pointer, sizeof it->pointer, "%s", pointer ? pointer : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->msg, sizeof it->msg, fmt, ap);
	va_end(ap);
}

int sp_diag_format(const struct sp_diag *d, struct sp_buf *out)
{
	int rc = SP_OK;
	for (size_t i = 0; !rc && i < d->n; i++) {
		const struct sp_diag_item *it = &d->items[i];
		rc = it->pointer[0] ? sp_buf_addf(out, "%s: %s\n", it->pointer, it->msg)
				    : sp_buf_addf(out, "%s\n", it->msg);
	}
	if (!rc && d->dropped)
		rc = sp_buf_addf(out, "... and %zu more errors\n", d->dropped);
	return rc;
}

/* A pointer segment, escaped as RFC 6901 says (~ as ~0, / as ~1); a member name that is not
 * printable ASCII is shown as "~?" (it is input, and the pointer is shown on a terminal). */
size_t sp_walk_enter(struct sp_walk *w, const char *key)
{
	size_t saved = w->len;
	char seg[80];
	size_t n = 0;
	seg[n++] = '/';
	for (const char *k = key; *k && n + 3 < sizeof seg; k++) {
		unsigned char c = (unsigned char)*k;
		if (c == '~' || c == '/') {
			seg[n++] = '~';
			seg[n++] = c == '~' ? '0' : '1';
		} else if (c < 0x20 || c >= 0x7f) {
			seg[n++] = '?';
		} else {
			seg[n++] = (char)c;
		}
	}
	seg[n] = '\0';
	if (w->len + n < sizeof w->path) {
		memcpy(w->path + w->len, seg, n + 1);
		w->len += n;
	}
	return saved;
}

size_t sp_walk_enter_index(struct sp_walk *w, size_t i)
{
	char k[24];
	snprintf(k, sizeof k, "%zu", i);
	return sp_walk_enter(w, k);
}

void sp_walk_leave(struct sp_walk *w, size_t saved)
{
	w->len = saved;
	w->path[saved] = '\0';
}

static void verror(struct sp_walk *w, const char *fmt, va_list ap) SP_PRINTF(2, 0);
static void verror(struct sp_walk *w, const char *fmt, va_list ap)
{
	char msg[224];
	vsnprintf(msg, sizeof msg, fmt, ap);
	sp_diag_add(w->diag, w->path, "%s", msg);
}

void sp_walk_error(struct sp_walk *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(w, fmt, ap);
	va_end(ap);
}

void sp_walk_error_at(struct sp_walk *w, const char *key, const char *fmt, ...)
{
	size_t saved = sp_walk_enter(w, key);
	va_list ap;
	va_start(ap, fmt);
	verror(w, fmt, ap);
	va_end(ap);
	sp_walk_leave(w, saved);
}

bool sp_walk_object(struct sp_walk *w, json_t *v, const char *const *allowed)
{
	if (!json_is_object(v)) {
		sp_walk_error(w, "must be an object");
		return false;
	}
	const char *key;
	json_t *m;
	json_object_foreach(v, key, m) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a)
			sp_walk_error_at(w, key, "is not a known member");
	}
	return true;
}

json_t *sp_walk_get(struct sp_walk *w, json_t *obj, const char *key, bool required)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v && required)
		sp_walk_error_at(w, key, "is required");
	return v;
}

const char *sp_walk_string(struct sp_walk *w, json_t *obj, const char *key, bool required)
{
	json_t *v = sp_walk_get(w, obj, key, required);
	if (!v)
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0) {
		sp_walk_error_at(w, key, "must be a non-empty string");
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		sp_walk_error_at(w, key, "must not hold a NUL character");
		return NULL;
	}
	return sp_arena_strdup(w->arena, json_string_value(v));
}

bool sp_walk_int(struct sp_walk *w, json_t *obj, const char *key, bool required, int64_t min,
		 int64_t max, int64_t *out)
{
	json_t *v = sp_walk_get(w, obj, key, required);
	if (!v)
		return false;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		sp_walk_error_at(w, key, "must be an integer from %lld to %lld", (long long)min,
				 (long long)max);
		return false;
	}
	*out = (int64_t)json_integer_value(v);
	return true;
}

bool sp_walk_text(struct sp_walk *w, json_t *obj, const char *key, bool required,
		  struct sp_text *out)
{
	memset(out, 0, sizeof *out);
	json_t *v = sp_walk_get(w, obj, key, required);
	if (!v)
		return false;
	size_t saved = sp_walk_enter(w, key);
	bool ok = json_is_object(v);
	if (!ok) {
		sp_walk_error(w, "must be an object from language code to text");
		goto out;
	}
	const char *lang;
	json_t *t;
	json_object_foreach(v, lang, t) {
		unsigned i = 0;
		while (i < w->n_langs && strcmp(w->langs[i], lang) != 0)
			i++;
		if (i == w->n_langs) {
			sp_walk_error_at(w, lang, "is not a language the protocol lists");
			ok = false;
			continue;
		}
		if (!json_is_string(t) || json_string_length(t) == 0 ||
		    strlen(json_string_value(t)) != json_string_length(t)) {
			sp_walk_error_at(w, lang, "must be a non-empty string");
			ok = false;
			continue;
		}
		out->s[i] = sp_arena_strdup(w->arena, json_string_value(t));
	}
	for (unsigned i = 0; i < w->n_langs; i++)
		if (!json_object_get(v, w->langs[i])) {
			sp_walk_error(w, "has no text in %s", w->langs[i]);
			ok = false;
		}
out:
	sp_walk_leave(w, saved);
	return ok;
}

int sp_walk_enum(struct sp_walk *w, json_t *obj, const char *key, bool required,
		 const char *const *names)
{
	json_t *v = sp_walk_get(w, obj, key, required);
	if (!v)
		return -1;
	if (json_is_string(v))
		for (int i = 0; names[i]; i++)
			if (strcmp(json_string_value(v), names[i]) == 0)
				return i;
	char list[160] = "";
	size_t n = 0;
	for (int i = 0; names[i] && n < sizeof list; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", names[i]);
	sp_walk_error_at(w, key, "must be one of %s", list);
	return -1;
}

json_t *sp_walk_array(struct sp_walk *w, json_t *obj, const char *key, bool required)
{
	json_t *v = sp_walk_get(w, obj, key, required);
	if (v && !json_is_array(v)) {
		sp_walk_error_at(w, key, "must be an array");
		return NULL;
	}
	return v;
}

bool sp_walk_id_ok(const char *s, enum sp_id_kind kind)
{
	size_t n = strlen(s);
	if (n == 0 || n > 48)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
		bool upper = c >= 'A' && c <= 'Z';
		bool ok = kind == SP_ID_PROTOCOL ? lower || digit || c == '-'
			  : i == 0		 ? lower || (kind == SP_ID_NAME && upper)
						 : lower || digit || c == '_' ||
						(kind == SP_ID_NAME && upper);
		if (!ok)
			return false;
	}
	return true;
}
