/* Blocking keys of one row (safepath/fsmodel.h's sp_fs_row_keys): each rule's parts, a name
 * field's part taken per word (its bare form, skeleton or phonetic key), combined into keys.
 * The linker groups rows by them; the registry stores them blinded. */
#include <string.h>

#include "safepath/fsmodel.h"
#include "safepath/normalise.h"

/* The first prefix code points of s (len bytes; 0: all): the length in bytes. */
static size_t cut(const char *s, size_t len, int prefix)
{
	if (!prefix)
		return len;
	size_t cps = 0, i = 0;
	for (; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == (size_t)prefix)
			break;
	return i;
}

/* The skeleton or phonetic key of a plain name cell, through its ASCII letters and digits (a
 * cell holding other letters has none: the linker prepares those). */
static bool plain_key(const char *v, enum sp_fs_key_form form, char *out, size_t cap)
{
	char folded[SP_CMP_VALUE_MAX];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p && n + 2 < sizeof folded; p++) {
		unsigned c = *p;
		if (c >= 0x80)
			return false;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (alnum)
			folded[n++] = (char)c;
		else if (n && folded[n - 1] != ' ')
			folded[n++] = ' ';
	}
	while (n && folded[n - 1] == ' ')
		n--;
	folded[n] = '\0';
	struct sp_name_form f;
	sp_name_keys(folded, &f);
	const char *k = form == SP_FS_KEY_SKELETON ? f.skeleton : f.phonetic;
	size_t len = strlen(k);
	if (!len || len >= cap)
		return false;
	memcpy(out, k, len + 1);
	return true;
}

/* Values of a part: a name's words, or with "pairs" its pairs of words. */
#define PART_VALUES_MAX (SP_MATCH_MAX_WORDS * (SP_MATCH_MAX_WORDS - 1) / 2)

static int cmp_slice(struct sp_match_slice a, struct sp_match_slice b)
{
	int c = memcmp(a.s, b.s, a.len < b.len ? a.len : b.len);
	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* Every two of the n words, the smaller first and joined by '+', written into text (at most
 * cap bytes) and pointed to by out: how many (one word alone gives itself). */
static size_t word_pairs(struct sp_match_slice *w, size_t n, char *text, size_t cap,
			 struct sp_match_slice out[PART_VALUES_MAX])
{
	if (n < 2)
		return n ? (out[0] = w[0], 1) : 0;
	size_t k = 0, at = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			struct sp_match_slice a = w[i], b = w[j];
			if (cmp_slice(a, b) > 0)
				a = w[j], b = w[i];
			if (at + a.len + b.len + 1 > cap)
				return k;
			out[k] = (struct sp_match_slice){text + at, a.len + b.len + 1};
			memcpy(text + at, a.s, a.len);
			text[at + a.len] = '+';
			memcpy(text + at + a.len + 1, b.s, b.len);
			at += a.len + b.len + 1;
			k++;
		}
	return k;
}

/* The values of one key part for a cell, as slices into cell or into buf: how many. */
static size_t part_values(const struct sp_fs_model *m, const struct sp_fs_key *key,
			  const char *cell, char buf[SP_FS_KEY_MAX],
			  struct sp_match_slice out[PART_VALUES_MAX], char *pairs, size_t pcap)
{
	if (!cell || !*cell)
		return 0;
	size_t n = 0;
	if (m->field_kind[key->field] == SP_CMP_NAME && *cell == SP_MATCH_PREPARED_MARK) {
		static const enum sp_match_form forms[] = {
			[SP_FS_KEY_VALUE] = SP_MATCH_BARE,
			[SP_FS_KEY_SKELETON] = SP_MATCH_SKELETON,
			[SP_FS_KEY_PHONETIC] = SP_MATCH_PHONETIC,
		};
		struct sp_match_slice words[SP_MATCH_MAX_WORDS];
		n = sp_match_prepared_words(cell, forms[key->form], words, SP_MATCH_MAX_WORDS);
		if (key->pairs)
			return word_pairs(words, n, pairs, pcap, out);
		memcpy(out, words, n * sizeof *words);
	} else if (key->form != SP_FS_KEY_VALUE) {
		n = plain_key(cell, key->form, buf, SP_FS_KEY_MAX);
		out[0] = (struct sp_match_slice){buf, n ? strlen(buf) : 0};
	} else {
		n = sp_compare_key(m->field_kind[key->field], cell, buf, SP_FS_KEY_MAX);
		out[0] = (struct sp_match_slice){buf, n ? strlen(buf) : 0};
	}
	for (size_t i = 0; i < n; i++)
		out[i].len = key->year ? (out[i].len < 4 ? out[i].len : 4)
				       : cut(out[i].s, out[i].len, key->prefix);
	return n;
}

size_t sp_fs_row_keys(const struct sp_fs_model *m, const char *const *cells,
		      struct sp_fs_rowkey *out, size_t cap)
{
	size_t written = 0;
	for (int r = 0; r < m->n_rules; r++) {
		const struct sp_fs_rule *rule = &m->rules[r];
		char buf[SP_FS_RULE_KEYS_MAX][SP_FS_KEY_MAX], pairs[SP_FS_RULE_KEYS_MAX][2048];
		struct sp_match_slice vals[SP_FS_RULE_KEYS_MAX][PART_VALUES_MAX];
		size_t nvals[SP_FS_RULE_KEYS_MAX] = {0}, at[SP_FS_RULE_KEYS_MAX] = {0};
		bool any = true;
		for (int k = 0; k < rule->n_keys; k++) {
			const struct sp_fs_key *key = &rule->keys[k];
			nvals[k] = part_values(m, key, cells[key->field], buf[k], vals[k], pairs[k],
					       sizeof pairs[k]);
			any = any && nvals[k] > 0;
		}
		size_t first = written;
		/* every combination of one value per part, the last part turning fastest */
		while (any && written < cap) {
			struct sp_fs_rowkey *o = &out[written];
			size_t len = 0;
			bool fits = true;
			for (int k = 0; k < rule->n_keys && fits; k++) {
				const struct sp_match_slice *v = &vals[k][at[k]];
				fits = len + v->len + 2 <= SP_FS_KEY_MAX;
				if (fits) {
					memcpy(o->key + len, v->s, v->len);
					len += v->len;
					o->key[len++] = '\x1f';
				}
			}
			if (fits) {
				o->key[len] = '\0';
				o->rule = r;
				bool seen = false;
				for (size_t i = first; i < written && !seen; i++)
					seen = strcmp(out[i].key, o->key) == 0;
				written += !seen;
			}
			int k = rule->n_keys - 1;
			while (k >= 0 && ++at[k] == nvals[k])
				at[k--] = 0;
			any = k >= 0;
		}
	}
	return written;
}
