/* Fuzz the name normaliser and name comparison: any bytes as a name part's text, with a script
 * code chosen by the first byte. Never a crash, UB or leak; what is accepted holds only a-z,
 * 0-9 and single spaces (keys: a-z and 0-9), its in-script form is valid UTF-8, folding is
 * idempotent and the keys stable, and a name compares with itself as 1 in every route, its
 * prepared cell as the name does; the raw bytes read as a prepared cell never crash. abort()
 * when not. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "safepath/normalise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sp_normaliser *nz;

static void latin(const char *s, bool spaces)
{
	size_t n = strlen(s);
	if (spaces && n && (s[0] == ' ' || s[n - 1] == ' ' || strstr(s, "  ")))
		abort();
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (spaces && *p == ' ')))
			abort();
}

static void utf8(const char *s)
{
	int32_t n = (int32_t)strlen(s);
	for (int32_t i = 0; i < n;) {
		UChar32 c;
		U8_NEXT((const uint8_t *)s, i, n, c);
		if (c < 0)
			abort();
	}
}

static const char *const scripts[] = {"", "Latn", "Arab", "Ethi", "Cyrl", "Grek", "Zzzz", "latn"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	if (!nz && sp_normaliser_new(&nz, &err) != SP_OK)
		abort();
	if (size == 0)
		return 0;
	const char *script = scripts[data[0] % (sizeof scripts / sizeof *scripts)];
	char *text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	struct sp_name_form form, again;
	if (sp_normalise_part(nz, text, script, &form, &err) != SP_OK) {
		if (!err.field[0] || form.folded[0])
			abort();
		free(text);
		return 0;
	}
	latin(form.folded, true);
	latin(form.bare, true);
	latin(form.particles, true);
	latin(form.skeleton, false);
	latin(form.phonetic, false);
	utf8(form.inscript);
	if (!form.folded[0] || strlen(form.script) != 4)
		abort();
	if (sp_normalise_part(nz, form.folded, "Latn", &again, &err) != SP_OK ||
	    strcmp(again.folded, form.folded) || strcmp(again.bare, form.bare) ||
	    strcmp(again.skeleton, form.skeleton) || strcmp(again.phonetic, form.phonetic) ||
	    strcmp(again.particles, form.particles))
		abort();
	struct sp_name_form keys;
	memcpy(keys.folded, form.folded, sizeof keys.folded);
	sp_name_keys(keys.folded, &keys);
	if (strcmp(keys.skeleton, form.skeleton) || strcmp(keys.phonetic, form.phonetic))
		abort();

	/* The same text as a name of two parts, against itself */
	struct sp_npart_in parts[2] = {{SP_NPART_GIVEN, text, script, NULL, NULL},
				       {SP_NPART_FAMILY, text, "", NULL, NULL}};
	struct sp_match_name name;
	struct sp_match_cmp c;
	if (sp_match_name_build(nz, parts, 2, &name, &err) == SP_OK) {
		sp_match_name_compare(&name, &name, &c);
		if (c.ordered < 0.9999 || c.set < 0.9999 || c.best < 0.9999 || c.reordered ||
		    (name.nscripted && c.script < 0.9999) || c.coverage < 0.9999)
			abort();
		/* its prepared cell compares as the name does; its words read back */
		char cell[SP_MATCH_PREPARED_MAX];
		struct sp_match_cmp pc;
		struct sp_match_slice w[SP_MATCH_MAX_WORDS];
		if (sp_match_name_encode(&name, cell, sizeof cell) &&
		    (!sp_match_prepared_compare(cell, cell, INT_MAX - 1, &pc) ||
		     memcmp(&pc, &c, sizeof c) != 0 ||
		     sp_match_prepared_words(cell, SP_MATCH_BARE, w, SP_MATCH_MAX_WORDS) !=
			     name.nwords))
			abort();
	}
	/* the raw bytes as a (damaged) prepared cell: an answer or none, never a crash */
	struct sp_match_cmp raw;
	if (sp_match_prepared_compare(text, text, 2, &raw) && !(raw.best >= 0 && raw.best <= 1))
		abort();
	free(text);
	return 0;
}
