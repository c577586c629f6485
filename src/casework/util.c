/* Small helpers shared by the casework files: enumeration tables, JSON text members with caps,
 * error paths, shape checks of contacts, and the transaction frame of every operation. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/json.h"

void cw_err_index(struct sp_err *err, size_t i)
{
	char seg[24];
	snprintf(seg, sizeof seg, "%zu", i);
	sp_err_prefix(err, seg);
}

int cw_err_at(struct sp_err *err, int code, const char *field)
{
	if (err) {
		err->code = code;
		snprintf(err->field, sizeof err->field, "%s", field);
	}
	return code;
}

int cw_get_enum(json_t *obj, const char *key, bool required, int (*parse)(const char *),
		const char *what, int *out, struct sp_err *err)
{
	const char *s;
	int rc = sp_json_get_str(obj, key, required, &s, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	if (rc)
		return rc;
	int v = parse(s);
	if (v < 0) {
		char path[64];
		snprintf(path, sizeof path, "/%s", key);
		return sp_err_set(err, SP_EINVAL, path, "unknown %s", what);
	}
	*out = v;
	return SP_OK;
}

int cw_get_text(json_t *obj, const char *key, bool required, size_t max, struct sp_arena *a,
		const char **out, struct sp_err *err)
{
	const char *s;
	char path[64];
	snprintf(path, sizeof path, "/%s", key);
	int rc = sp_json_get_str(obj, key, required, &s, err);
	if (rc == SP_ENOTFOUND) {
		*out = NULL;
		return SP_OK;
	}
	if (rc)
		return rc;
	size_t n = strlen(s);
	if (n > max)
		return sp_err_set(err, SP_ETOOBIG, path, "longer than %zu bytes", max);
	/* jansson allows U+0000 inside strings; strlen would then cut the value short. */
	if (n != json_string_length(json_object_get(obj, key)))
		return sp_err_set(err, SP_EINVAL, path, "contains a NUL character");
	bool blank = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			return sp_err_set(err, SP_EINVAL, path, "contains a control character");
		if (c != ' ' && c != '\t' && c != '\n')
			blank = false;
	}
	if (blank)
		return sp_err_set(err, SP_EINVAL, path, "must not be blank");
	*out = sp_arena_strndup(a, s, n);
	if (!*out)
		return sp_err_set(err, SP_ENOMEM, path, "out of memory");
	return SP_OK;
}

bool cw_phone_plausible(const char *s)
{
	size_t digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '+' ? p != s : !strchr(" -().", *p))
			return false;
	}
	return digits >= 5 && digits <= 15; /* E.164 allows at most 15 digits */
}

bool cw_email_plausible(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n')
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

int cw_text_check(const char *text, size_t max, const char *field, struct sp_err *err)
{
	if (!text)
		return sp_err_set(err, SP_EINVAL, field, "is required");
	size_t n = strlen(text);
	if (n > max)
		return sp_err_set(err, SP_ETOOBIG, field, "longer than %zu bytes", max);
	bool blank = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return sp_err_set(err, SP_EINVAL, field, "contains a control character");
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			blank = false;
	}
	if (blank)
		return sp_err_set(err, SP_EINVAL, field, "must not be blank");
	return SP_OK;
}

int cw_kind_check(const struct sp_casework *cw, const char *list, const char *kind,
		  const char *field, struct sp_err *err)
{
	if (!kind)
		return sp_err_set(err, SP_EINVAL, field, "is required");
	if (!cw->vocabulary)
		return sp_err_set(err, SP_EINTERNAL, "", "no vocabulary to check kinds against");
	if (!cw->vocabulary->has(cw->vocabulary->ctx, list, kind))
		return sp_err_set(err, SP_EINVAL, field, "is not a code of the %s list", list);
	return SP_OK;
}

void *cw_array_grow(struct sp_arena *a, void *items, size_t count, size_t *cap, size_t size)
{
	return sp_arena_grow(a, items, count, cap, size);
}
