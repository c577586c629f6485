/* Name normalisation for exact, blind-indexed search, and script detection, on ICU.
 * "Mohammed", "MOHAMMED" and "Mohámmed" become one key; so do "عبد الرَّحمن" and
 * "عبد الرحمن" (harakat are optional in Arabic writing) and "Abdel-Rahman" and "Abdel  Rahman". Scratch
 * buffers live in the caller's arena, which wipes them on release. */
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "casework/casework.h"

/* Longest input accepted, in bytes: a name part or a search term, with room to spare. */
#define NAME_MAX_IN 1024

static UChar *to_utf16(const char *in, size_t n, struct sp_arena *a, int32_t *len)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t cap = (int32_t)n + 1;
	UChar *u = sp_arena_alloc(a, (size_t)cap * sizeof *u);
	if (!u)
		return NULL;
	u_strFromUTF8(u, cap, len, in, (int32_t)n, &st);
	return U_SUCCESS(st) ? u : NULL;
}

static UChar *normalize(const UNormalizer2 *nm, const UChar *src, int32_t n, struct sp_arena *a,
			int32_t *len)
{
	int32_t cap = n * 3 + 16;
	for (int attempt = 0; attempt < 2; attempt++) {
		UErrorCode st = U_ZERO_ERROR;
		UChar *d = sp_arena_alloc(a, (size_t)cap * sizeof *d);
		if (!d)
			return NULL;
		*len = unorm2_normalize(nm, src, n, d, cap, &st);
		if (U_SUCCESS(st) && *len < cap)
			return d;
		if (st != U_BUFFER_OVERFLOW_ERROR && st != U_STRING_NOT_TERMINATED_WARNING)
			return NULL;
		cap = *len + 1;
	}
	return NULL;
}

/* Characters dropped before folding: combining marks (accents, harakat, the shadda), format
 * characters (ZWNJ, bidi marks) and the Arabic tatweel, which only stretches a line. */
static bool dropped(UChar32 c)
{
	int8_t t = u_charType(c);
	return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_FORMAT_CHAR ||
	       c == 0x0640;
}

static bool separator(UChar32 c)
{
	return u_isUWhiteSpace(c) || u_charType(c) == U_DASH_PUNCTUATION || c == '_';
}

int sp_person_name_key(const char *in, struct sp_arena *arena, const char **out, struct sp_err *err)
{
	size_t n = in ? strlen(in) : 0;
	if (n > NAME_MAX_IN)
		return sp_err_set(err, SP_ETOOBIG, "", "longer than %d bytes", NAME_MAX_IN);
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&st);
	const UNormalizer2 *fold = unorm2_getNFKCCasefoldInstance(&st);
	if (U_FAILURE(st))
		return sp_err_set(err, SP_EINTERNAL, "", "ICU normaliser unavailable");
	int32_t len, dlen, flen;
	UChar *u = to_utf16(in ? in : "", n, arena, &len);
	if (!u)
		return sp_err_set(err, SP_EINVAL, "", "invalid UTF-8");
	UChar *d = normalize(nfkd, u, len, arena, &dlen);
	if (!d)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	/* Strip marks and squeeze separators in place: the output never outgrows the input. */
	int32_t w = 0;
	bool pending_space = false;
	for (int32_t i = 0; i < dlen;) {
		UChar32 c;
		U16_NEXT(d, i, dlen, c);
		if (dropped(c))
			continue;
		if (separator(c)) {
			pending_space = w > 0;
			continue;
		}
		if (pending_space) {
			d[w++] = ' ';
			pending_space = false;
		}
		U16_APPEND_UNSAFE(d, w, c);
	}
	UChar *f = normalize(fold, d, w, arena, &flen);
	if (!f)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (flen == 0)
		return sp_err_set(err, SP_EINVAL, "", "has no letters or digits");
	int32_t blen = 0;
	st = U_ZERO_ERROR;
	u_strToUTF8(NULL, 0, &blen, f, flen, &st);
	char *b = sp_arena_alloc(arena, (size_t)blen + 1);
	if (!b)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	st = U_ZERO_ERROR;
	u_strToUTF8(b, blen + 1, &blen, f, flen, &st);
	if (U_FAILURE(st))
		return sp_err_set(err, SP_EINTERNAL, "", "UTF-8 conversion failed");
	return cw_name_normalise_final(b, arena, out, err);
}

int cw_script_of(const char *s, char out[SP_CODE_MAX], struct sp_err *err)
{
	/* The first letter that belongs to a real script decides; Common (digits, punctuation)
	 * and Inherited (combining marks) belong to none. */
	const unsigned char *p = (const unsigned char *)s;
	int32_t n = (int32_t)strlen(s), i = 0;
	while (i < n) {
		UChar32 c;
		U8_NEXT(p, i, n, c);
		if (c < 0)
			return sp_err_set(err, SP_EINVAL, "", "invalid UTF-8");
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode sc = uscript_getScript(c, &st);
		if (U_FAILURE(st) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED ||
		    sc == USCRIPT_UNKNOWN)
			continue;
		const char *name = uscript_getShortName(sc);
		if (name && sp_script_code(name, out, NULL) == SP_OK)
			return SP_OK;
	}
	return sp_err_set(err, SP_EINVAL, "", "has no letters of a known script");
}

/* ---- names to keep away from (a stopgap until issue 7's matcher) ---- */

#define AVOID_TOKENS 24

struct tokens {
	const char *t[AVOID_TOKENS];
	size_t n;
};

/* The distinct tokens of name's key into tk; SP_EINVAL when it normalises to nothing. Tokens
 * past AVOID_TOKENS are dropped (a name part is capped well below). */
static int tokenise(const char *name, struct sp_arena *a, struct tokens *tk, struct sp_err *err)
{
	const char *key = NULL;
	tk->n = 0;
	int rc = sp_person_name_key(name, a, &key, err);
	char *k = rc || !key ? NULL : sp_arena_strdup(a, key);
	if (rc || !k)
		return rc ? rc : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (char *p = k; *p && tk->n < AVOID_TOKENS;) {
		size_t len = strcspn(p, " ");
		bool end = p[len] == '\0';
		p[len] = '\0';
		bool seen = false;
		for (size_t i = 0; i < tk->n && !seen; i++)
			seen = strcmp(tk->t[i], p) == 0;
		if (!seen && len)
			tk->t[tk->n++] = p;
		p += len + !end;
	}
	return SP_OK;
}

/* Is every token of a one of b? */
static bool inside(const struct tokens *a, const struct tokens *b)
{
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;
		for (size_t k = 0; k < b->n && !found; k++)
			found = strcmp(a->t[i], b->t[k]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static bool same_person(const struct tokens *a, const struct tokens *b)
{
	bool ab = inside(a, b), ba = inside(b, a);
	return (ab && ba) || (ab && a->n >= 2) || (ba && b->n >= 2);
}

/* One candidate: a text that normalises to nothing (a stray separator) names nobody. */
static int candidate(const struct tokens *want, const char *name, struct sp_arena *a, bool *match,
		     struct sp_err *err)
{
	struct tokens tk;
	struct sp_err ignored = {0};
	int rc = tokenise(name, a, &tk, &ignored);
	if (rc == SP_EINVAL || rc == SP_ETOOBIG)
		return SP_OK;
	if (rc)
		return sp_err_set(err, rc, "", "%s", ignored.msg);
	*match = *match || same_person(want, &tk);
	return SP_OK;
}

int sp_safety_avoids(const struct sp_safety *s, const char *name, struct sp_arena *arena,
		     bool *match, struct sp_err *err)
{
	struct tokens want;
	*match = false;
	int rc = tokenise(name, arena, &want, err);
	if (rc)
		return rc;
	char *list = s->people_to_avoid ? sp_arena_strdup(arena, s->people_to_avoid) : NULL;
	if (s->people_to_avoid && !list)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (char *p = list; !rc && p && *p;) {
		size_t len = strcspn(p, "\n\r;,");
		bool end = p[len] == '\0';
		p[len] = '\0';
		rc = candidate(&want, p, arena, match, err);
		p += len + !end;
	}
	for (size_t i = 0; !rc && i < s->n_family; i++)
		if (s->family[i].suspected_exploiter)
			rc = candidate(&want, s->family[i].name, arena, match, err);
	return rc;
}
