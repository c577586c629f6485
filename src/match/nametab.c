/* Our own script tables, where ICU's Any-Latin falls short for the names we meet (reference
 * linkage.md §3): Pashto, Persian and Kurdish letters and the Arabic article before ICU, the
 * Ge'ez syllabary in its everyday romanisation instead of ICU's scholarly one, and the
 * letters folded together when a name is compared in its own script. */
#include <stddef.h>

#include "match/nametab.h"

/* Arabic-script letters ICU leaves untouched or writes in a scholarly way. Sources: the
 * Unicode charts for Arabic (U+0600–U+06FF) with the letters' names; Pashto and Kurdish
 * (Sorani) values as in the Library of Congress romanisation tables for Pashto and Kurdish,
 * written the everyday way (no diacritics, ښ as "sh", ځ as "z", څ as "s", ۍ as "ay"). */
static const struct {
	uint32_t c;
	const char *latin;
} arabic[] = {
	{0x0629, "h"},  /* ة ta marbuta: the written -a/-ah of Fatima(h), not ICU's t */
	{0x0640, ""},   /* ـ tatweel only stretches a line */
	{0x0671, "a"},  /* ٱ alef wasla */
	{0x067C, "t"},  /* ټ Pashto tte */
	{0x0681, "z"},  /* ځ Pashto dze */
	{0x0685, "s"},  /* څ Pashto tse */
	{0x0689, "d"},  /* ډ Pashto ddal */
	{0x0693, "r"},  /* ړ Pashto rre */
	{0x0695, "r"},  /* ڕ Kurdish rr */
	{0x0696, "zh"}, /* ږ Pashto zhe */
	{0x069A, "sh"}, /* ښ Pashto shin (x in Pashto Latin, kh in Peshawar) */
	{0x06A4, "v"},  /* ڤ Kurdish ve */
	{0x06AB, "g"},  /* ګ Pashto gaf */
	{0x06B5, "l"},  /* ڵ Kurdish ll */
	{0x06BC, "n"},  /* ڼ Pashto nun with ring */
	{0x06BE, "h"},  /* ھ heh doachashmee */
	{0x06C1, "h"},  /* ہ heh goal */
	{0x06C6, "o"},  /* ۆ Kurdish o */
	{0x06C7, "u"},  /* ۇ u */
	{0x06CC, "y"},  /* ی Persian ye */
	{0x06CD, "ay"}, /* ۍ Pashto ye with tail */
	{0x06CE, "e"},  /* ێ Kurdish e */
	{0x06D0, "e"},  /* ې Pashto e */
	{0x06D2, "e"},  /* ے barree ye */
	{0x06D5, "e"},  /* ە Kurdish ae */
};

#define AYN 0x0639
#define ALEF 0x0627
#define LAM 0x0644

static bool arabic_mark(uint32_t c)
{
	return (c >= 0x064B && c <= 0x065F) || c == 0x0670; /* harakat, shadda, sukun, dagger alef */
}

/* Ge'ez: one consonant per series of eight code points from U+1200, everyday spellings as
 * Eritrean and Ethiopian passports and registrations write them (habtom, tesfay, tsegay,
 * yohannes): no gemination, the sixth order silent. Source: the Unicode chart for Ethiopic
 * (U+1200–U+137F) and the orders' vowels of the Library of Congress Amharic and Tigrinya
 * tables, simplified (ä and e both "e", ə nothing). NULL = no letters in that series. */
static const char *const geez_consonant[] = {
	"h",  "l", "h",  "m",  "s", "r",  "s", "sh", "k", "kw", "k",  "kw", "b",  "v",  "t",
	"ch", "h", "hw", "n",  "ny", "",  "k", "kw", "h", "hw", "w",  "",   "z",  "zh", "y",
	"d",  "d", "j",  "g",  "gw", "g", "t", "ch", "p", "ts", "ts", "f",  "p",
};
#define GEEZ_SERIES (sizeof geez_consonant / sizeof *geez_consonant)
/* The series of vowels alone (አ, ዐ) and the labialised ones (ቈ, ኈ, ኰ, ዀ, ጐ, ቘ, five forms) */
static bool geez_vowel_series(size_t s)
{
	return s == 20 || s == 26;
}
static bool geez_labial_series(size_t s)
{
	return s == 9 || s == 11 || s == 17 || s == 22 || s == 24 || s == 34;
}

static const char *const geez_order[8] = {"e", "u", "i", "a", "e", "", "o", "wa"};
static const char *const geez_vowel_order[8] = {"a", "u", "i", "a", "e", "e", "o", "wa"};
static const char *const geez_labial_order[8] = {"e", NULL, "i", "a", "e", "", NULL, NULL};

static const char *geez(uint32_t c, char syl[NT_SYLLABLE])
{
	if (c >= 0x1360 && c <= 0x137F)
		return " "; /* word space, full stop, other punctuation, numerals */
	size_t s = (c - 0x1200) / 8, o = (c - 0x1200) % 8;
	if (s >= GEEZ_SERIES)
		return NULL;
	const char *vowel = geez_vowel_series(s)    ? geez_vowel_order[o]
			    : geez_labial_series(s) ? geez_labial_order[o]
						    : geez_order[o];
	if (!vowel)
		return ""; /* an unassigned code point in a labialised series */
	size_t n = 0;
	for (const char *p = geez_consonant[s]; *p; p++)
		syl[n++] = *p;
	for (const char *p = vowel; *p; p++)
		syl[n++] = *p;
	syl[n] = '\0';
	return syl;
}

bool nt_persian_letter(uint32_t c)
{
	return c == 0x067E || c == 0x0686 || c == 0x0698 || c == 0x06AF || c == 0x06A9 ||
	       c == 0x06CC || (c >= 0x0681 && c <= 0x069A) || c == 0x067C || c == 0x06AB ||
	       c == 0x06BC || c == 0x06CD || c == 0x06D0;
}

const char *nt_before_icu(uint32_t c, bool word_start, uint32_t next, int letters_after,
			  bool persian, bool *skip_next, char syl[NT_SYLLABLE])
{
	*skip_next = false;
	if (c >= 0x1200 && c <= 0x137F)
		return geez(c, syl);
	if (c < 0x0600 || c > 0x06FF)
		return NULL;
	if (arabic_mark(c))
		return "";
	/* Persian and Pashto say ث s and ذ ض ظ z (Reza, Zohra, Nazar), where Arabic says th, dh,
	 * d, z (Library of Congress Persian table) */
	if (persian && c == 0x062B)
		return "s";
	if (persian && (c == 0x0630 || c == 0x0636 || c == 0x0638))
		return "z";
	/* ʿayn opens a word with the vowel written after it (Ali, Omar, Abd) and is silent
	 * inside one (Said, Jafar), as everyday spellings have it. */
	if (c == AYN)
		return word_start ? "a" : "";
	/* The article is written joined to its word: set it apart (al hsn), unless the word is
	 * too short to hold one. */
	if (c == ALEF && word_start && next == LAM && letters_after >= 3) {
		*skip_next = true;
		return "al ";
	}
	for (size_t i = 0; i < sizeof arabic / sizeof *arabic; i++)
		if (arabic[i].c == c)
			return arabic[i].latin;
	return NULL;
}

bool nt_apostrophe(uint32_t c)
{
	return c == '\'' || c == '`' || c == 0x00B4 || c == 0x02BB || c == 0x02BC ||
	       c == 0x02BE || c == 0x02BF || c == 0x02C8 || c == 0x2018 || c == 0x2019 ||
	       c == 0x2032;
}

/* Letters written interchangeably in the same script, folded to one. Arabic: the alef with
 * hamza or madda, the ye forms (ى ی ې ۍ ئ), ta marbuta and the heh forms, the kaf forms, waw
 * with hamza (everyday Arabic, Persian and Pashto writing). Ge'ez: the homophone series that
 * Amharic and Tigrinya writers mix (ሐ ኀ for ሀ, ሠ for ሰ, ዐ for አ, ፀ for ጸ) and the first and
 * fourth orders of ሀ and አ, which sound alike (Unicode Ethiopic chart; Amharic orthography
 * reform discussions). Cyrillic: ё written as е. */
static const struct {
	uint32_t from, to;
} same_letter[] = {
	{0x0622, 0x0627}, {0x0623, 0x0627}, {0x0625, 0x0627}, {0x0671, 0x0627}, {0x0672, 0x0627},
	{0x0673, 0x0627}, {0x0649, 0x064A}, {0x06CC, 0x064A}, {0x06D0, 0x064A}, {0x06CD, 0x064A},
	{0x0626, 0x064A}, {0x0629, 0x0647}, {0x06C1, 0x0647}, {0x06BE, 0x0647}, {0x06D5, 0x0647},
	{0x06C0, 0x0647}, {0x06A9, 0x0643}, {0x0624, 0x0648}, {0x06AB, 0x06AF}, {0x0451, 0x0435},
};

static uint32_t geez_homophone(uint32_t c)
{
	if (c < 0x1200 || c >= 0x1358)
		return c;
	uint32_t base = c - (c - 0x1200) % 8, o = (c - 0x1200) % 8;
	if (base == 0x1210 || base == 0x1280) /* ሐ ኀ -> ሀ */
		base = 0x1200;
	else if (base == 0x1220) /* ሠ -> ሰ */
		base = 0x1230;
	else if (base == 0x12D0) /* ዐ -> አ */
		base = 0x12A0;
	else if (base == 0x1340) /* ፀ -> ጸ */
		base = 0x1338;
	if ((base == 0x1200 || base == 0x12A0) && o == 0)
		o = 3;
	return base + o;
}

uint32_t nt_inscript(uint32_t c)
{
	if (arabic_mark(c) || c == 0x0640 || c == 0x0621)
		return 0; /* harakat, tatweel, hamza alone */
	for (size_t i = 0; i < sizeof same_letter / sizeof *same_letter; i++)
		if (same_letter[i].from == c)
			return same_letter[i].to;
	return geez_homophone(c);
}
