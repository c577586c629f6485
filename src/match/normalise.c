/* Name parts in any script to folded Latin and keys (safepath/normalise.h): our tables first
 * (nametab.c), then ICU's transliterators, opened once per normaliser; the keys from the
 * folded Latin (namekey.c); and the text folded in its own script for comparing it there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#include "match/nametab.h"
#include "safepath/names.h"
#include "safepath/normalise.h"

#define U16_CAP 4096 /* UTF-16 units of scratch: 200 bytes of text grow far less */

struct sp_normaliser {
	UTransliterator *any, *russian, *ukrainian;
	UChar a[U16_CAP], b[U16_CAP];
};

static const char *const role_names[SP_NPART_ROLE_COUNT] = {
	[SP_NPART_GIVEN] = "given",
	[SP_NPART_FATHER] = "father",
	[SP_NPART_GRANDFATHER] = "grandfather",
	[SP_NPART_FAMILY] = "family",
	[SP_NPART_CLAN_LINEAGE] = "clan_lineage",
	[SP_NPART_OTHER] = "other",
};

const char *sp_npart_role_name(enum sp_npart_role r)
{
	return sp_name_of(role_names, SP_NPART_ROLE_COUNT, (int)r);
}

int sp_npart_role_parse(const char *s)
{
	return sp_name_index(role_names, SP_NPART_ROLE_COUNT, s);
}

/* Cyrillic goes through the BGN/PCGN tables, which write names as passports and news do
 * (Khuseyn, Oleksandr, Yevhen), where Any-Latin gives ISO 9 (Husejn, Evgen); Ukrainian's own
 * when a letter only Ukrainian has is there (і ї є ґ). */
static UTransliterator *open_one(const char *id, struct sp_err *err, int *rc)
{
	UChar uid[128];
	UErrorCode st = U_ZERO_ERROR;
	u_uastrncpy(uid, id, (int32_t)(sizeof uid / sizeof *uid));
	UTransliterator *t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
	if (U_FAILURE(st) && !*rc)
		*rc = sp_err_set(err, SP_EINTERNAL, "", "ICU has no transliterator %s: %s", id,
				 u_errorName(st));
	return U_SUCCESS(st) ? t : NULL;
}

int sp_normaliser_new(struct sp_normaliser **out, struct sp_err *err)
{
	*out = NULL;
	struct sp_normaliser *n = calloc(1, sizeof *n);
	if (!n)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = SP_OK;
	n->any = open_one("Any-Latin; Latin-ASCII", err, &rc);
	n->russian = open_one("Russian-Latin/BGN; Any-Latin; Latin-ASCII", err, &rc);
	n->ukrainian = open_one("Ukrainian-Latin/BGN; Any-Latin; Latin-ASCII", err, &rc);
	if (rc) {
		sp_normaliser_free(n);
		return rc;
	}
	*out = n;
	return SP_OK;
}

void sp_normaliser_free(struct sp_normaliser *n)
{
	if (!n)
		return;
	if (n->any)
		utrans_close(n->any);
	if (n->russian)
		utrans_close(n->russian);
	if (n->ukrainian)
		utrans_close(n->ukrainian);
	free(n);
}

static bool ukrainian_letter(UChar32 c)
{
	return c == 0x0404 || c == 0x0406 || c == 0x0407 || c == 0x0490 || c == 0x0454 ||
	       c == 0x0456 || c == 0x0457 || c == 0x0491;
}

/* What the text holds: the script of its first letter, whether it has a Ukrainian letter
 * or a Persian or Pashto one; SP_EINVAL on invalid UTF-8 or no letter. */
static int survey(const char *text, int32_t len, UScriptCode *script, bool *ukrainian,
		  bool *persian, struct sp_err *err)
{
	*script = USCRIPT_INVALID_CODE;
	*ukrainian = *persian = false;
	for (int32_t i = 0; i < len;) {
		UChar32 c;
		U8_NEXT((const uint8_t *)text, i, len, c);
		if (c < 0)
			return sp_err_set(err, SP_EINVAL, "/text", "not valid UTF-8");
		*ukrainian = *ukrainian || ukrainian_letter(c);
		*persian = *persian || nt_persian_letter((uint32_t)c);
		if (*script != USCRIPT_INVALID_CODE || !u_isalpha(c))
			continue;
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode sc = uscript_getScript(c, &st);
		if (U_SUCCESS(st) && sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED &&
		    sc != USCRIPT_UNKNOWN)
			*script = sc;
	}
	if (*script == USCRIPT_INVALID_CODE)
		return sp_err_set(err, SP_EINVAL, "/text", "has no letters");
	return SP_OK;
}

static int check_script(const char *given, UScriptCode found, struct sp_err *err)
{
	if (!given || !*given)
		return SP_OK;
	bool form = strlen(given) == 4 && given[0] >= 'A' && given[0] <= 'Z';
	for (int i = 1; form && i < 4; i++)
		form = given[i] >= 'a' && given[i] <= 'z';
	int32_t code = form ? u_getPropertyValueEnum(UCHAR_SCRIPT, given) : UCHAR_INVALID_CODE;
	if (code == UCHAR_INVALID_CODE)
		return sp_err_set(err, SP_EINVAL, "/script",
				  "not an ISO 15924 script code (such as Latn, Arab, Ethi, Cyrl)");
	if ((UScriptCode)code != found)
		return sp_err_set(err, SP_EINVAL, "/script", "the text is written in %s, not %s",
				  uscript_getShortName(found), given);
	return SP_OK;
}

static bool letter_or_mark(UChar32 c)
{
	return u_isalpha(c) || u_charType(c) == U_NON_SPACING_MARK;
}

/* The letters after position i of text up to the end of the word (for the article). */
static int letters_ahead(const char *text, int32_t i, int32_t len)
{
	int count = 0;
	while (i < len) {
		UChar32 c;
		U8_NEXT((const uint8_t *)text, i, len, c);
		if (c < 0 || !letter_or_mark(c))
			break;
		count += u_isalpha(c) ? 1 : 0;
	}
	return count;
}

/* Our tables over the text into n->a: what ICU gets. *ascii says nothing is left for it. */
static int32_t before_icu(struct sp_normaliser *n, const char *text, int32_t len, bool persian,
			  bool *ascii)
{
	int32_t w = 0;
	bool in_word = false;
	char syl[NT_SYLLABLE];
	*ascii = true;
	for (int32_t i = 0; i < len && w + 8 < U16_CAP;) {
		UChar32 c, next = 0;
		U8_NEXT((const uint8_t *)text, i, len, c);
		if (nt_apostrophe((uint32_t)c) || u_charType(c) == U_FORMAT_CHAR)
			continue; /* ZWNJ joins the parts of one Persian name: Ali‌reza is alireza */
		int32_t j = i;
		if (j < len)
			U8_NEXT((const uint8_t *)text, j, len, next);
		bool skip = false;
		int after = c == 0x0627 && !in_word ? letters_ahead(text, i, len) : 0;
		const char *latin =
			nt_before_icu((uint32_t)c, !in_word, (uint32_t)next, after, persian, &skip, syl);
		if (latin) {
			for (; *latin && w < U16_CAP; latin++)
				n->a[w++] = (UChar)*latin;
		} else {
			*ascii = *ascii && c < 0x80;
			U16_APPEND_UNSAFE(n->a, w, c);
		}
		if (skip)
			i = j;
		if (u_isalpha(c))
			in_word = !skip; /* the article ends with a space: a new word follows */
		else if (u_charType(c) != U_NON_SPACING_MARK)
			in_word = false;
	}
	return w;
}

/* n->a (len units) into folded Latin: a-z, 0-9, one space between words. */
static int fold_latin(const UChar *u, int32_t len, char *out, size_t cap, struct sp_err *err)
{
	size_t o = 0;
	bool space = false, letter = false;
	for (int32_t i = 0; i < len;) {
		UChar32 c;
		U16_NEXT(u, i, len, c);
		if (nt_apostrophe((uint32_t)c) || (c >= 0x80 && letter_or_mark(c)))
			continue; /* a letter ICU could not write: dropped, the word kept whole */
		if (!(c < 0x80 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   (c >= '0' && c <= '9')))) {
			space = o > 0;
			continue;
		}
		if (o + 2 >= cap)
			return sp_err_set(err, SP_ETOOBIG, "/text", "too long once written in Latin");
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		letter = letter || c > '9';
	}
	out[o] = '\0';
	if (!letter)
		return sp_err_set(err, SP_EINVAL, "/text", "has nothing that can be written in Latin");
	return SP_OK;
}

/* The text folded in its own script: case folded, compatibility forms composed (Arabic
 * presentation forms become letters; й stays й), marks and format characters (harakat, ZWNJ) out, letters that writers
 * interchange made one (nametab.c), one space between words, recomposed. */
static int fold_inscript(struct sp_normaliser *n, const char *text, int32_t len, char *out,
			 size_t cap, struct sp_err *err)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t ul = 0;
	u_strFromUTF8(n->a, U16_CAP, &ul, text, len, &st);
	int32_t fl = U_SUCCESS(st) ? u_strFoldCase(n->b, U16_CAP, n->a, ul, U_FOLD_CASE_DEFAULT,
						   &st)
				   : 0;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
	int32_t dl = U_SUCCESS(st) ? unorm2_normalize(nfkc, n->b, fl, n->a, U16_CAP, &st) : 0;
	if (U_FAILURE(st))
		return sp_err_set(err, st == U_BUFFER_OVERFLOW_ERROR ? SP_ETOOBIG : SP_EINTERNAL,
				  "/text", "cannot be folded: %s", u_errorName(st));
	int32_t w = 0;
	bool space = false;
	for (int32_t i = 0; i < dl;) {
		UChar32 c;
		U16_NEXT(n->a, i, dl, c);
		int8_t t = u_charType(c);
		if (t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_FORMAT_CHAR ||
		    nt_apostrophe((uint32_t)c))
			continue;
		if (!u_isalnum(c)) {
			space = w > 0;
			continue;
		}
		UChar32 f = (UChar32)nt_inscript((uint32_t)c);
		if (!f)
			continue;
		if (space)
			n->b[w++] = ' ';
		space = false;
		U16_APPEND_UNSAFE(n->b, w, f);
	}
	int32_t cl = unorm2_normalize(nfc, n->b, w, n->a, U16_CAP, &st);
	int32_t bytes = 0;
	if (U_SUCCESS(st))
		u_strToUTF8(out, (int32_t)cap, &bytes, n->a, cl, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
		return sp_err_set(err, SP_ETOOBIG, "/text", "too long once folded");
	return SP_OK;
}

int sp_normalise_part(struct sp_normaliser *n, const char *text, const char *script,
		      struct sp_name_form *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	size_t len = text ? strlen(text) : 0;
	if (!len)
		return sp_err_set(err, SP_EINVAL, "/text", "is empty");
	if (len > SP_NPART_TEXT_MAX)
		return sp_err_set(err, SP_ETOOBIG, "/text", "longer than %d bytes",
				  SP_NPART_TEXT_MAX);
	UScriptCode sc;
	bool ukrainian, persian, ascii;
	int rc = survey(text, (int32_t)len, &sc, &ukrainian, &persian, err);
	if (!rc)
		rc = check_script(script, sc, err);
	if (rc)
		return rc;
	snprintf(out->script, sizeof out->script, "%s", uscript_getShortName(sc));
	int32_t ul = before_icu(n, text, (int32_t)len, persian, &ascii);
	if (!ascii) {
		UTransliterator *t = sc != USCRIPT_CYRILLIC ? n->any
				     : ukrainian           ? n->ukrainian
							   : n->russian;
		UErrorCode st = U_ZERO_ERROR;
		int32_t limit = ul;
		utrans_transUChars(t, n->a, &ul, U16_CAP, 0, &limit, &st);
		if (U_FAILURE(st))
			return sp_err_set(err, SP_ETOOBIG, "/text", "too long once written in Latin");
	}
	rc = fold_latin(n->a, ul, out->folded, sizeof out->folded, err);
	if (!rc && sc != USCRIPT_LATIN)
		rc = fold_inscript(n, text, (int32_t)len, out->inscript, sizeof out->inscript, err);
	if (rc) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	sp_name_keys(out->folded, out);
	return SP_OK;
}

/* One word of a part into the name, its keys computed alone. */
static void add_word(struct sp_match_name *name, const char *w, size_t len, enum sp_npart_role role)
{
	struct sp_match_word *d = &name->word[name->nwords++];
	if (len >= sizeof d->bare)
		len = sizeof d->bare - 1;
	memcpy(d->bare, w, len);
	d->bare[len] = '\0';
	d->skeleton[0] = d->phonetic[0] = '\0';
	nk_skeleton(d->bare, d->skeleton, sizeof d->skeleton);
	nk_phonetic(d->bare, d->phonetic, sizeof d->phonetic);
	d->role = role;
}

/* The in-script form of a part into the name (none for Latin). */
static void add_script(struct sp_match_name *name, const struct sp_name_form *form)
{
	if (!form->inscript[0] || name->nscripted == SP_MATCH_MAX_PARTS)
		return;
	struct sp_match_script *s = &name->scripted[name->nscripted++];
	memcpy(s->script, form->script, sizeof s->script);
	memcpy(s->inscript, form->inscript, sizeof s->inscript);
}

/* The original of a part normalised, its errors naming "/original" and "/original_script". */
static int normalise_original(struct sp_normaliser *nz, const struct sp_npart_in *p,
			      struct sp_name_form *form, struct sp_err *err)
{
	int rc = sp_normalise_part(nz, p->original, p->original_script, form, err);
	if (rc && err)
		snprintf(err->field, sizeof err->field, "%s",
			 strcmp(err->field, "/script") == 0 ? "/original_script" : "/original");
	return rc;
}

/* One part into the name: its words from text (or from original when there is no text), its
 * in-script form from original when both are given. Errors name "/text" or "/original". */
static int add_part(struct sp_normaliser *nz, const struct sp_npart_in *p,
		    struct sp_match_name *name, struct sp_name_form *form, struct sp_err *err)
{
	bool has_text = p->text && *p->text, has_original = p->original && *p->original;
	if ((unsigned)p->role >= SP_NPART_ROLE_COUNT)
		return sp_err_set(err, SP_EINVAL, "/role", "not a role of a name part");
	if (has_text && has_original) {
		int rc = normalise_original(nz, p, form, err);
		if (rc)
			return rc;
		add_script(name, form);
	}
	bool from_original = !has_text && has_original;
	int rc = from_original ? normalise_original(nz, p, form, err)
			       : sp_normalise_part(nz, p->text, p->script, form, err);
	if (rc)
		return rc;
	for (const char *w = form->bare; *w;) {
		size_t len = strcspn(w, " ");
		if (name->nwords == SP_MATCH_MAX_WORDS)
			return sp_err_set(err, SP_ETOOBIG, "", "a name has at most %d words",
					  SP_MATCH_MAX_WORDS);
		add_word(name, w, len, p->role);
		w += len + (w[len] == ' ');
	}
	if (!has_original || from_original)
		add_script(name, form);
	return SP_OK;
}

int sp_match_name_build(struct sp_normaliser *nz, const struct sp_npart_in *parts, size_t n,
			struct sp_match_name *name, struct sp_err *err)
{
	memset(name, 0, sizeof *name);
	if (!n)
		return sp_err_set(err, SP_EINVAL, "", "a name needs at least one part");
	if (n > SP_MATCH_MAX_PARTS)
		return sp_err_set(err, SP_ETOOBIG, "", "a name has at most %d parts",
				  SP_MATCH_MAX_PARTS);
	struct sp_name_form form;
	for (size_t i = 0; i < n; i++) {
		int rc = add_part(nz, &parts[i], name, &form, err);
		if (rc) {
			char index[24];
			snprintf(index, sizeof index, "%zu", i);
			if (err && err->field[0])
				sp_err_prefix(err, index);
			memset(name, 0, sizeof *name);
			return rc;
		}
	}
	return SP_OK;
}
