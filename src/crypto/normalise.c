/* The name normaliser behind name blind indexes and blocking keys (ICU): full Unicode case
 * folding, canonical decomposition, non-spacing marks (diacritics, Arabic harakat) removed,
 * whitespace runs collapsed to one space and trimmed, then recomposed (NFC) so what is left
 * is a canonical string. It could move to core/ once other wings need it without crypto. */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <sodium.h>

#include "safepath/crypto.h"

#define NAME_MAX_IN 4096 /* bytes of UTF-8 accepted */

/* A UTF-16 scratch buffer that is zeroed before it is freed: it holds a name. */
struct u16 {
	UChar *p;
	int32_t cap, len;
};

static int u16_alloc(struct u16 *u, int32_t cap)
{
	u->p = malloc((size_t)cap * sizeof(UChar));
	u->cap = cap;
	u->len = 0;
	return u->p ? SP_OK : SP_ENOMEM;
}

static void u16_free(struct u16 *u)
{
	if (u->p) {
		sodium_memzero(u->p, (size_t)u->cap * sizeof(UChar));
		free(u->p);
	}
	u->p = NULL;
}

/* The error of a failed normalisation step; how: "decomposed" or "composed". */
static int normalise_failed(UErrorCode st, const char *how, struct sp_err *err)
{
	if (st == U_BUFFER_OVERFLOW_ERROR)
		return sp_err_set(err, SP_EINVAL, "name", "name grows too much when %s", how);
	return sp_err_set(err, SP_EINTERNAL, "name", "normalisation failed: %s", u_errorName(st));
}

int sp_name_normalise(const char *in, size_t n, struct sp_buf *out, struct sp_err *err)
{
	struct u16 a = {0}, b = {0};
	UErrorCode st = U_ZERO_ERROR;
	int rc;
	if (!in)
		return sp_err_set(err, SP_EINVAL, "name", "no name");
	if (n > NAME_MAX_IN)
		return sp_err_set(err, SP_ETOOBIG, "name", "name longer than %d bytes", NAME_MAX_IN);
	if (memchr(in, 0, n))
		return sp_err_set(err, SP_EINVAL, "name", "a name holds no NUL character");
	/* Folding and decomposing grow text at most about threefold per stage. */
	int32_t cap = (int32_t)n * 4 + 16;
	if (u16_alloc(&a, cap) || u16_alloc(&b, cap)) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	int32_t len = 0; /* not &a.len: the analyser then loses track of a.p */
	u_strFromUTF8(a.p, a.cap, &len, in, (int32_t)n, &st);
	a.len = len;
	if (U_FAILURE(st)) {
		rc = sp_err_set(err, SP_EINVAL, "name", "not valid UTF-8");
		goto out;
	}
	b.len = u_strFoldCase(b.p, b.cap, a.p, a.len, U_FOLD_CASE_DEFAULT, &st);
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
	if (U_SUCCESS(st))
		a.len = unorm2_normalize(nfd, b.p, b.len, a.p, a.cap, &st);
	if (U_FAILURE(st)) {
		rc = normalise_failed(st, "decomposed", err);
		goto out;
	}
	/* Drop marks and collapse white space, from a into b. */
	b.len = 0;
	int space = 0;
	for (int32_t i = 0; i < a.len;) {
		UChar32 c;
		U16_NEXT(a.p, i, a.len, c);
		if (u_charType(c) == U_NON_SPACING_MARK)
			continue;
		if (u_isUWhiteSpace(c)) {
			space = b.len > 0;
			continue;
		}
		if (space)
			b.p[b.len++] = 0x20;
		space = 0;
		U16_APPEND_UNSAFE(b.p, b.len, c);
	}
	a.len = unorm2_normalize(nfc, b.p, b.len, a.p, a.cap, &st);
	if (U_FAILURE(st)) {
		rc = normalise_failed(st, "composed", err);
		goto out;
	}
	if (a.len == 0) {
		rc = sp_err_set(err, SP_EINVAL, "name", "nothing left after normalising");
		goto out;
	}
	/* Straight into out: its memory is zeroed when freed. */
	int32_t need = 0;
	u_strToUTF8(NULL, 0, &need, a.p, a.len, &st);
	if (st == U_BUFFER_OVERFLOW_ERROR)
		st = U_ZERO_ERROR;
	static const char pad[64];
	size_t start = out->len;
	rc = SP_OK;
	for (int32_t left = need; left > 0 && !rc; left -= (int32_t)sizeof pad)
		rc = sp_buf_add(out, pad, left < (int32_t)sizeof pad ? (size_t)left : sizeof pad);
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		rc = sp_err_set(err, rc, "name", "normalised name too long");
		goto out;
	}
	u_strToUTF8(out->data + start, need + 1, NULL, a.p, a.len, &st);
	if (U_FAILURE(st)) {
		out->len = start;
		out->data[start] = '\0';
		rc = sp_err_set(err, SP_EINTERNAL, "name", "encoding failed: %s", u_errorName(st));
	}
out:
	u16_free(&a);
	u16_free(&b);
	return rc;
}
