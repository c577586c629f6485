/* The Latin side of names (docs/matching.md#names-across-scripts): particles set apart, "abd"
 * names joined, and the two keys — a consonant skeleton of the spelling and a phonetic key of
 * sound classes with Somali orthography read — built from folded text (a-z, 0-9, spaces). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "match/nametab.h"
#include "safepath/normalise.h"

/* Words that only link or qualify a name: the Arabic article with its assimilated forms,
 * "son/daughter/father/mother of" in Arabic, Hassaniya, Sudanese and Maghrebi spellings (and
 * as ICU writes them from Arabic script: bn, abn, bnt, abw), and the European particles. */
static const char *const particle[] = {
	"al",   "el",   "ul",    "il",   "ol",  "ad",   "ar",   "as",  "ash", "at",  "az",
	"an",   "ed",   "er",    "es",   "esh", "et",   "ez",   "bin", "ben", "ibn", "bint",
	"binti", "bn",  "abn",   "bnt",  "ould", "wuld", "walad", "wad", "abu", "abou", "abo",
	"abw",  "bou",  "umm",   "um",   "oum", "van",  "von",  "de",  "da",  "der", "den",
	"del",  "della", "di",   "du",   "dos", "das",  "do",   "la",  "le",  "ter", "ten",
};
/* The article alone, which an "abd" name takes with it: Abd al-Rahman, Abd ar-Rahman. */
static const char *const article[] = {"al", "el", "ul", "il", "ad", "ar", "as", "ash", "at",
				      "az", "an", "ed", "er", "es", "et", "ez"};
/* "Servant of": joined to the next word, so Abdel Rahman, Abd al-Rahman, Abdulrahman are one. */
static const char *const abd[] = {"abd", "abdel", "abdul", "abdal", "abdil",
				  "abdol", "abdoul", "abdou", "abdu"};

static bool in(const char *const *list, size_t n, const char *w, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
			return true;
	return false;
}
#define IN(list, w, len) in((list), sizeof(list) / sizeof *(list), w, len)

static void append(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
}

size_t nk_words(const char *folded, char *words, size_t cap, char *particles, size_t pcap)
{
	struct {
		const char *p;
		size_t n;
	} w[SP_NFORM_MAX / 2];
	size_t nw = 0, nparticle = 0;
	for (const char *p = folded; *p && nw < sizeof w / sizeof *w;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n) {
			w[nw].p = p;
			w[nw++].n = n;
			nparticle += IN(particle, p, n);
		}
		p += n;
	}
	bool all_particles = nparticle == nw;
	size_t wl = 0, pl = 0, count = 0;
	words[0] = '\0';
	particles[0] = '\0';
	for (size_t i = 0; i < nw; i++) {
		if (!all_particles && IN(abd, w[i].p, w[i].n) && i + 1 < nw) {
			append(words, cap, &wl, w[i].p, w[i].n);
			size_t last = i + 1;
			if (IN(article, w[last].p, w[last].n) && last + 1 < nw)
				last++;
			for (size_t k = i + 1; k <= last; k++)
				append(words, cap, &wl, w[k].p, w[k].n);
			i = last;
		} else if (!all_particles && IN(particle, w[i].p, w[i].n)) {
			if (pl)
				append(particles, pcap, &pl, " ", 1);
			append(particles, pcap, &pl, w[i].p, w[i].n);
			continue;
		} else {
			append(words, cap, &wl, w[i].p, w[i].n);
		}
		if (wl + 1 >= cap)
			break;
		wl++; /* past the word's NUL: the next word starts there */
		words[wl] = '\0';
		count++;
	}
	return count;
}

static bool vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* "abd" and what follows it without the linking vowel and article: abdirahman, abdulrahman,
 * abdalrahman, abdurrahman all "abd" + "rahman" or "rrahman"; the forms of Allah (allah, ullah,
 * ilahi, llh) all "lah". Into out (cap bytes). */
static void abd_form(const char *w, char *out, size_t cap)
{
	size_t n = strlen(w);
	if (n <= 3 || strncmp(w, "abd", 3) != 0) {
		snprintf(out, cap, "%s", w);
		return;
	}
	const char *r = w + 3;
	while (vowel(*r))
		r++;
	const char *l = r;
	while (*l == 'l')
		l++;
	/* Allah: l's, then a's or an h or both, then vowels to the end */
	if (l > r) {
		const char *q = l;
		while (*q == 'a')
			q++;
		bool allah = q > l || *q == 'h';
		if (*q == 'h')
			q++;
		while (vowel(*q) || *q == 'y')
			q++;
		if (allah && !*q) {
			snprintf(out, cap, "abdlah");
			return;
		}
		r++; /* the article's l */
	}
	snprintf(out, cap, "abd%s", r);
}

/* The symbols of one word before vowels are dropped; phonetic selects the sound classes. */
static size_t symbols(const char *w, bool phonetic, char *out, size_t cap)
{
	static const struct {
		const char *spelling;
		char skeleton, phonetic;
	} graph[] = {
		{"sch", 'c', 's'}, {"tch", 'c', 's'}, {"sh", 'c', 's'}, {"ch", 'c', 's'},
		{"kh", 'x', 'h'},  {"gh", 'g', 'k'},  {"ph", 'f', 'f'}, {"th", 't', 't'},
		{"dh", 'd', 't'},  {"zh", 'j', 'j'},  {"dj", 'j', 'j'}, {"ck", 'k', 'k'},
	};
	/* a-z one by one, for the skeleton and the phonetic key ('-': x, two symbols k s) */
	static const char single_skel[] = "abkdefghijklmnopkrstuvw-yz";
	static const char single_phon[] = "abktefkhijklmnobkrstufwhyz";
	size_t n = 0;
	for (const char *p = w; *p && n + 2 < cap;) {
		size_t g = 0;
		for (; g < sizeof graph / sizeof *graph; g++)
			if (strncmp(p, graph[g].spelling, strlen(graph[g].spelling)) == 0)
				break;
		if (g < sizeof graph / sizeof *graph) {
			out[n++] = (char)(phonetic ? graph[g].phonetic : graph[g].skeleton);
			p += strlen(graph[g].spelling);
			continue;
		}
		char c = *p++;
		if (c < 'a' || c > 'z') {
			out[n++] = c; /* a digit */
			continue;
		}
		char s = (char)(phonetic ? single_phon[c - 'a'] : single_skel[c - 'a']);
		if (s == '-') {
			out[n++] = 'k';
			s = 's';
		}
		out[n++] = s;
	}
	out[n] = '\0';
	return n;
}

/* Vowels out (y inside a word too, w too — phonetic: everywhere, skeleton: inside), runs
 * collapsed, a final h dropped; appended to out. */
static void reduce(const char *sym, size_t n, bool phonetic, char *out, size_t cap)
{
	size_t len = strlen(out), start = len;
	for (size_t i = 0; i < n && len + 1 < cap; i++) {
		char c = sym[i];
		if (vowel(c) || (c == 'y' && i > 0) || (c == 'w' && (phonetic || i > 0)))
			continue;
		if (len > start && out[len - 1] == c)
			continue;
		out[len++] = c;
	}
	if (len > start && out[len - 1] == 'h')
		len--;
	out[len] = '\0';
}

void nk_skeleton(const char *word, char *out, size_t cap)
{
	char w[SP_NFORM_MAX], sym[2 * SP_NFORM_MAX];
	size_t n = strlen(word);
	if (n >= sizeof w)
		n = sizeof w - 1;
	memcpy(w, word, n);
	w[n] = '\0';
	char form[SP_NFORM_MAX];
	abd_form(w, form, sizeof form);
	size_t ns = symbols(form, false, sym, sizeof sym);
	reduce(sym, ns, false, out, cap);
}

void nk_phonetic(const char *word, char *out, size_t cap)
{
	/* Somali spelling first: c is ʿayn (dropped) unless in ch, x is ħ (h) */
	char w[SP_NFORM_MAX] = {0}, form[SP_NFORM_MAX], sym[2 * SP_NFORM_MAX];
	size_t n = 0;
	for (const char *p = word; *p && n + 1 < sizeof w; p++) {
		if (*p == 'c' && p[1] != 'h')
			continue;
		w[n++] = (char)(*p == 'x' ? 'h' : *p);
	}
	w[n] = '\0';
	abd_form(w, form, sizeof form);
	size_t ns = symbols(form, true, sym, sizeof sym);
	if (ns && sym[0] == 'j')
		sym[0] = 'y'; /* Johannes, Yohannes; Joseph, Yusuf */
	reduce(sym, ns, true, out, cap);
}

void sp_name_keys(const char *folded, struct sp_name_form *out)
{
	char words[SP_NFORM_MAX] = {0};
	size_t nw = nk_words(folded, words, sizeof words, out->particles, sizeof out->particles);
	out->bare[0] = out->skeleton[0] = out->phonetic[0] = '\0';
	size_t bl = 0;
	const char *w = words;
	for (size_t i = 0; i < nw; i++, w += strlen(w) + 1) {
		if (bl)
			append(out->bare, sizeof out->bare, &bl, " ", 1);
		append(out->bare, sizeof out->bare, &bl, w, strlen(w));
		nk_skeleton(w, out->skeleton, sizeof out->skeleton);
		nk_phonetic(w, out->phonetic, sizeof out->phonetic);
	}
}
