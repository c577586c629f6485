/* Synthetic persons with ground truth for testing the matcher (issue 7 item 10;
 * docs/generator.md): each person is registered once, and 20 % of them 1 to 4 more times with
 * the noise of real registrations. Output streams as JSON lines (the API's person object plus the
 * truth beside it) or CSV, deterministic for a seed; the true duplicate pairs are counted on
 * stderr. Every rate is a constant below, documented in docs/generator.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* All rates are per million, drawn independently unless said otherwise. */
#define DUP_PERSONS 200000 /* persons registered more than once */
#define DUP_MAX 4          /* extra registrations: 1 to DUP_MAX, uniform */
#define CHILD 250000       /* persons under 18 on the reference date */
#define MALE 620000        /* the rest female */
#define SEPARATION 600000  /* children with a place and date of separation */
#define SEP_TOWN 500000    /* of those, a town name rather than an admin area code */
#define SEP_MONTH 300000   /* separation date known to the month only */
#define PARENT_CHILD 600000 /* each parent's name recorded, children */
#define PARENT_ADULT 100000 /* each parent's name recorded, adults */
#define EXTRA_KEPT 700000  /* a duplicate repeats each extra field of the first registration */

/* Noise in a duplicate (the first registration of a person is clean). */
#define N_TYPO 200000     /* one typo in one name part */
#define N_SWAP 80000      /* first and last name parts exchanged (2 parts or more) */
#define N_DROP 100000     /* one name part after the first left out (2 parts or more) */
#define N_ROMAN 350000    /* another romanisation of one name part */
#define N_SCRIPT 250000   /* another mix of original script and romanisation */
#define N_SEX 50000       /* sex left out */
#define N_NAT_MISSING 50000 /* nationality left out ... */
#define N_NAT_ZZ 40000      /* ... or recorded as ZZ (unknown), exclusive of the above */
/* Date of birth: one of these (exclusive), else as registered first. */
#define N_DOB_YEAR 80000      /* year only */
#define N_DOB_MONTH 50000     /* year and month */
#define N_DOB_ESTIMATED 60000 /* a year within 2 of the truth, flagged estimated */
#define N_DOB_JAN1 70000      /* defaulted to 1 January of the year */
#define N_DOB_DIGIT 50000     /* one digit of the day, month or year's last digit changed */
#define N_DOB_YEAR_OFF 50000  /* the year off by one */
#define N_DOB_MISSING 50000   /* left out */

#define REF_YEAR 2026 /* the reference date is 2026-11-01 */
#define TEXT_MAX 128
#define MAX_PARTS 4

/* --- random numbers: xoshiro256** seeded by splitmix64, the same everywhere ---------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n) (n > 0), without modulo bias worth speaking of at these sizes. */
static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((next(r) >> 32) * n) >> 32);
}

static bool chance(struct rng *r, unsigned per_million)
{
	return below(r, 1000000) < per_million;
}

/* A draw in [0, 1) with 53 bits. */
static double unit(struct rng *r)
{
	return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* --- Zipf weights: rank r (from 1) weighs 1/r; cumulative tables built once ---------------- */

#define ZIPF_MAX 32
struct zipf {
	double cum[ZIPF_MAX];
	size_t n;
};

static void zipf_init(struct zipf *z, size_t n)
{
	double sum = 0;
	z->n = n < ZIPF_MAX ? n : ZIPF_MAX;
	for (size_t i = 0; i < z->n; i++)
		z->cum[i] = (sum += 1.0 / (double)(i + 1));
	for (size_t i = 0; i < z->n; i++)
		z->cum[i] /= sum;
}

static size_t zipf_draw(const struct zipf *z, struct rng *r)
{
	double u = unit(r);
	size_t i = 0;
	while (i + 1 < z->n && u >= z->cum[i])
		i++;
	return i;
}

/* Romanisation i of a name with n of them is drawn with weight 1/(i+1) too. */
static size_t rom_count(const char *const rom[GP_MAX_ROM])
{
	size_t n = 0;
	while (n < GP_MAX_ROM && rom[n])
		n++;
	return n;
}

static struct zipf rom_zipf[GP_MAX_ROM + 1];

static size_t rom_draw(const char *const rom[GP_MAX_ROM], struct rng *r)
{
	return zipf_draw(&rom_zipf[rom_count(rom)], r);
}

/* --- dates -------------------------------------------------------------------------------- */

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* Days since 1970-01-01 to a civil date and back (H. Hinnant's algorithms). */
static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static void random_day(struct rng *r, int32_t from, int32_t to, int *y, int *m, int *d)
{
	civil_from_days(from + (int32_t)below(r, (uint32_t)(to - from + 1)), y, m, d);
}

/* --- the truth of one person ---------------------------------------------------------------- */

struct part {
	enum { R_GIVEN, R_FATHER, R_GRANDFATHER, R_FAMILY } role;
	const struct gp_name *name;
	const struct gp_particle *particle;
};

struct person {
	const struct gp_source *src;
	const struct gp_nationality *nat;
	bool male, child, lang2;
	struct part parts[MAX_PARTS];
	size_t n_parts;
	int y, m, d;
	/* extra */
	bool sep;
	const char *sep_place, *sep_kind;
	char sep_date[16];
	bool has_mother, has_father;
	struct part mother[2], father[3];
	size_t n_mother, n_father;
};

static const char *const role_names[] = {"given", "father", "grandfather", "family"};

static const char *const sep_areas[] = {"LY-TB", "LY-SB", "NE-1", "SD-KH", "ET-AA",
					"TR-34", "IT-82", "FR-62", "UA-30"};
static const char *const sep_towns[] = {"Agadez", "Sabha", "Bani Walid", "Kassala",
					"Calais", "Lampedusa", "Van", "Lesvos",
					"Izmir", "Oujda", "Przemyśl", "Ventimiglia"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct tables {
	struct zipf src_male[16], src_female[16], src_family[16];
};
static struct tables T;

static const struct gp_name *pick(const struct gp_list *l, const struct zipf *z, struct rng *r)
{
	return &l->names[zipf_draw(z, r)];
}

static const struct gp_nationality *pick_nat(const struct gp_source *s, struct rng *r)
{
	uint32_t u = below(r, 1000000), acc = 0;
	for (size_t i = 0; i < s->n_nat; i++)
		if (u < (acc += s->nat[i].share))
			return &s->nat[i];
	return &s->nat[s->n_nat - 1];
}

static void make_person(struct person *p, struct rng *r)
{
	memset(p, 0, sizeof *p);
	uint32_t u = below(r, 1000000), acc = 0;
	size_t si = 0;
	while (si + 1 < gp_n_sources && u >= (acc += gp_sources[si].share))
		si++;
	const struct gp_source *s = p->src = &gp_sources[si];
	const struct gp_nationality *n = p->nat = pick_nat(s, r);
	p->male = chance(r, MALE);
	p->child = chance(r, CHILD);
	p->lang2 = n->lang2 && chance(r, n->lang2_share);
	const struct zipf *zm = &T.src_male[si], *zf = &T.src_female[si], *zy = &T.src_family[si];
	p->parts[p->n_parts++] = (struct part){R_GIVEN, pick(p->male ? &s->male : &s->female,
							     p->male ? zm : zf, r), NULL};
	const struct gp_name *fam = NULL;
	if (n->structure == GP_PATRONYMIC) {
		p->parts[p->n_parts++] = (struct part){R_FATHER, pick(&s->male, zm, r), NULL};
		if (chance(r, n->second))
			p->parts[p->n_parts++] =
				(struct part){R_GRANDFATHER, pick(&s->male, zm, r), NULL};
	} else {
		if (n->structure == GP_FATHER_FAMILY && chance(r, n->second))
			p->parts[p->n_parts++] =
				(struct part){R_FATHER, pick(&s->male, zm, r), n->particle};
		if (s->family.n && chance(r, n->family)) {
			fam = pick(&s->family, zy, r);
			p->parts[p->n_parts++] = (struct part){R_FAMILY, fam, NULL};
		}
	}
	/* Born 1961-01-01..2008-10-31 (adults) or 2009-01-01..2023-10-31 (children). */
	int32_t lo = p->child ? days_from_civil(2009, 1, 1) : days_from_civil(1961, 1, 1);
	int32_t hi = p->child ? days_from_civil(2023, 10, 31) : days_from_civil(2008, 10, 31);
	random_day(r, lo, hi, &p->y, &p->m, &p->d);
	if (p->child && chance(r, SEPARATION)) {
		p->sep = true;
		bool town = chance(r, SEP_TOWN);
		p->sep_kind = town ? "town" : "admin_area";
		p->sep_place = town ? sep_towns[below(r, COUNT(sep_towns))]
				    : sep_areas[below(r, COUNT(sep_areas))];
		int y, m, d;
		random_day(r, days_from_civil(2023, 1, 1), days_from_civil(2026, 10, 31), &y, &m, &d);
		if (chance(r, SEP_MONTH))
			snprintf(p->sep_date, sizeof p->sep_date, "%04d-%02d", y, m);
		else
			snprintf(p->sep_date, sizeof p->sep_date, "%04d-%02d-%02d", y, m, d);
	}
	unsigned parent = p->child ? PARENT_CHILD : PARENT_ADULT;
	if ((p->has_mother = chance(r, parent))) {
		/* Her own given name and her father's or family name. */
		p->mother[p->n_mother++] = (struct part){R_GIVEN, pick(&s->female, zf, r), NULL};
		if (s->family.n)
			p->mother[p->n_mother++] = (struct part){R_FAMILY, pick(&s->family, zy, r), NULL};
		else
			p->mother[p->n_mother++] = (struct part){R_FATHER, pick(&s->male, zm, r), NULL};
	}
	if ((p->has_father = chance(r, parent))) {
		/* The father's name agrees with the person's own: his given name is the person's
		 * father's name, his father's name the grandfather's, and the family name is shared. */
		const struct gp_name *given = NULL, *his_father = NULL;
		for (size_t i = 0; i < p->n_parts; i++) {
			if (p->parts[i].role == R_FATHER)
				given = p->parts[i].name;
			if (p->parts[i].role == R_GRANDFATHER)
				his_father = p->parts[i].name;
		}
		p->father[p->n_father++] =
			(struct part){R_GIVEN, given ? given : pick(&s->male, zm, r), NULL};
		if (his_father)
			p->father[p->n_father++] = (struct part){R_FATHER, his_father, NULL};
		if (fam)
			p->father[p->n_father++] = (struct part){R_FAMILY, fam, NULL};
	}
}

/* --- one registration of the person ------------------------------------------------------ */

enum show { SHOW_ORIG, SHOW_ROM, SHOW_BOTH };

enum noise {
	NZ_TYPO, NZ_SWAP, NZ_DROP, NZ_ROMAN, NZ_SCRIPT, NZ_SEX, NZ_NAT_MISSING, NZ_NAT_ZZ,
	NZ_DOB_YEAR, NZ_DOB_MONTH, NZ_DOB_ESTIMATED, NZ_DOB_JAN1, NZ_DOB_DIGIT, NZ_DOB_YEAR_OFF,
	NZ_DOB_MISSING, NZ_COUNT
};
static const char *const noise_names[NZ_COUNT] = {
	"typo", "swap", "drop_part", "romanisation", "script", "sex_missing",
	"nationality_missing", "nationality_zz", "dob_year", "dob_month", "dob_estimated",
	"dob_jan1", "dob_digit", "dob_year_off", "dob_missing"};

struct text_part {
	int role;
	char orig[TEXT_MAX], rom[TEXT_MAX]; /* "" when not shown */
	const char *script;
};

struct record {
	struct text_part parts[MAX_PARTS];
	size_t n_parts;
	bool sex;             /* recorded */
	const char *nat;      /* NULL: left out */
	char dob[16];         /* "" left out */
	bool estimated;
	bool sep, mother, father;
	unsigned noise;       /* bit per enum noise */
};

/* How a name part is written in one registration: the script mix and each part's spelling. */
struct look {
	enum show show;
	size_t rom[MAX_PARTS];
};

static enum show draw_show(const struct gp_source *s, struct rng *r)
{
	if (!s->script)
		return SHOW_ROM;
	uint32_t u = below(r, 1000000);
	return u < s->orig_only ? SHOW_ORIG : u < s->orig_only + s->rom_only ? SHOW_ROM : SHOW_BOTH;
}

static void draw_look(const struct person *p, struct look *l, struct rng *r)
{
	l->show = draw_show(p->src, r);
	for (size_t i = 0; i < p->n_parts; i++)
		l->rom[i] = rom_draw(p->parts[i].name->rom, r);
}

static void join(char *out, const char *a, const char *b)
{
	if (a)
		snprintf(out, TEXT_MAX, "%s %s", a, b);
	else
		snprintf(out, TEXT_MAX, "%s", b);
}

static void render_part(const struct part *pt, const char *script, enum show show, size_t rom,
			struct text_part *out)
{
	out->role = (int)pt->role;
	out->orig[0] = out->rom[0] = '\0';
	out->script = NULL;
	const struct gp_particle *pa = pt->particle;
	if (script && show != SHOW_ROM) {
		join(out->orig, pa ? pa->orig : NULL, pt->name->orig);
		out->script = script;
	}
	if (show != SHOW_ORIG)
		join(out->rom, pa ? pa->rom[rom % GP_PARTICLE_ROM] : NULL, pt->name->rom[rom]);
}

/* --- typos, over code points so that a name in any script can have one -------------------- */

static size_t cp_offsets(const char *s, size_t off[TEXT_MAX + 1])
{
	size_t n = 0, i = 0;
	while (s[i]) {
		off[n++] = i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
	}
	off[n] = i;
	return n;
}

static bool is_letter_at(const char *s, size_t o)
{
	return s[o] != ' ' && s[o] != '-' && s[o] != '\'';
}

static const char *const qwerty[26] = {
	"qwsz", "vghn", "xdfv", "serfcx", "wrsd", "drtgvc", "ftyhbv", "gyujnb", "uojk",
	"huikmn", "jiolm", "kop", "njk", "bhjm", "ipkl", "ol", "wa", "etdf", "awedxz",
	"ryfg", "yihj", "cfgb", "qeas", "zsdc", "tugh", "asx"};

/* One typo in s (at least two code points): a keyboard neighbour (Latin letters), a dropped,
 * doubled or transposed letter; the text always changes. */
static void typo(char *s, struct rng *r)
{
	size_t off[TEXT_MAX + 1];
	size_t n = cp_offsets(s, off), len = off[n];
	char tmp[TEXT_MAX];
	if (n == 0)
		return;
	for (int attempt = 0; attempt < 16; attempt++) {
		size_t i = below(r, (uint32_t)n);
		if (!is_letter_at(s, off[i]))
			continue;
		size_t w = off[i + 1] - off[i];
		switch (below(r, 4)) {
		case 0: { /* neighbour */
			int c = (unsigned char)s[off[i]];
			bool upper = c >= 'A' && c <= 'Z';
			int low = upper ? c - 'A' + 'a' : c;
			if (w != 1 || low < 'a' || low > 'z')
				continue;
			const char *nb = qwerty[low - 'a'];
			int to = (unsigned char)nb[below(r, (uint32_t)strlen(nb))];
			s[off[i]] = (char)(upper ? to - 'a' + 'A' : to);
			return;
		}
		case 1: /* dropped */
			if (n < 3)
				continue;
			memmove(s + off[i], s + off[i + 1], len - off[i + 1] + 1);
			return;
		case 2: /* doubled */
			if (len + w >= TEXT_MAX)
				continue;
			memcpy(tmp, s + off[i], w);
			memmove(s + off[i] + w, s + off[i], len - off[i] + 1);
			memcpy(s + off[i], tmp, w);
			return;
		default: { /* transposed with the next letter, when it differs */
			if (i + 1 >= n || !is_letter_at(s, off[i + 1]))
				continue;
			size_t w2 = off[i + 2] - off[i + 1];
			if (w == w2 && memcmp(s + off[i], s + off[i + 1], w) == 0)
				continue;
			memcpy(tmp, s + off[i + 1], w2);
			memcpy(tmp + w2, s + off[i], w);
			memcpy(s + off[i], tmp, w + w2);
			return;
		}
		}
	}
	/* Nothing above applied in 16 draws (a very short name): double its first letter. */
	size_t w = off[1];
	memcpy(tmp, s, w);
	memmove(s + w, s, len + 1);
	memcpy(s, tmp, w);
}

/* --- dates of birth as registered --------------------------------------------------------- */

static void dob_full(char *out, int y, int m, int d)
{
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* Another valid date one decimal digit away in the day, the month or the year's last digit. */
static void dob_digit(char *out, int y, int m, int d, struct rng *r)
{
	int cand[64][3], n = 0;
	for (int k = 0; k < 10; k++) {
		int dd[] = {d / 10 * 10 + k, k * 10 + d % 10};
		int mm[] = {m / 10 * 10 + k, k * 10 + m % 10};
		for (int j = 0; j < 2; j++) {
			if (dd[j] != d && dd[j] >= 1 && dd[j] <= days_in(y, m))
				cand[n][0] = y, cand[n][1] = m, cand[n++][2] = dd[j];
			if (mm[j] != m && mm[j] >= 1 && mm[j] <= 12 && d <= days_in(y, mm[j]))
				cand[n][0] = y, cand[n][1] = mm[j], cand[n++][2] = d;
		}
		int yy = y / 10 * 10 + k;
		if (yy != y && yy < REF_YEAR && d <= days_in(yy, m))
			cand[n][0] = yy, cand[n][1] = m, cand[n++][2] = d;
	}
	int *c = cand[below(r, (uint32_t)n)];
	dob_full(out, c[0], c[1], c[2]);
}

static enum noise draw_dob_noise(struct rng *r)
{
	static const struct {
		enum noise kind;
		unsigned rate;
	} table[] = {{NZ_DOB_YEAR, N_DOB_YEAR},           {NZ_DOB_MONTH, N_DOB_MONTH},
		     {NZ_DOB_ESTIMATED, N_DOB_ESTIMATED}, {NZ_DOB_JAN1, N_DOB_JAN1},
		     {NZ_DOB_DIGIT, N_DOB_DIGIT},         {NZ_DOB_YEAR_OFF, N_DOB_YEAR_OFF},
		     {NZ_DOB_MISSING, N_DOB_MISSING}};
	uint32_t u = below(r, 1000000), acc = 0;
	for (size_t i = 0; i < COUNT(table); i++)
		if (u < (acc += table[i].rate))
			return table[i].kind;
	return NZ_COUNT;
}

static void registered_dob(const struct person *p, struct record *rec, struct rng *r)
{
	enum noise k = draw_dob_noise(r);
	int y = p->y;
	if (k != NZ_COUNT)
		rec->noise |= 1u << k;
	switch (k) {
	case NZ_DOB_YEAR:
		snprintf(rec->dob, sizeof rec->dob, "%04d", y);
		break;
	case NZ_DOB_MONTH:
		snprintf(rec->dob, sizeof rec->dob, "%04d-%02d", y, p->m);
		break;
	case NZ_DOB_ESTIMATED:
		snprintf(rec->dob, sizeof rec->dob, "%04d", y - 2 + (int)below(r, 5));
		rec->estimated = true;
		break;
	case NZ_DOB_JAN1:
		dob_full(rec->dob, y, 1, 1);
		break;
	case NZ_DOB_DIGIT:
		dob_digit(rec->dob, y, p->m, p->d, r);
		break;
	case NZ_DOB_YEAR_OFF:
		y += below(r, 2) ? 1 : -1;
		dob_full(rec->dob, y, p->m, p->m == 2 && p->d == 29 ? 28 : p->d);
		break;
	case NZ_DOB_MISSING:
		rec->dob[0] = '\0';
		break;
	default:
		dob_full(rec->dob, y, p->m, p->d);
	}
}

/* The first registration: clean, written the way look says. */
static void first_record(const struct person *p, const struct look *l, struct record *rec)
{
	memset(rec, 0, sizeof *rec);
	for (size_t i = 0; i < p->n_parts; i++)
		render_part(&p->parts[i], p->src->script, l->show, l->rom[i], &rec->parts[i]);
	rec->n_parts = p->n_parts;
	rec->sex = true;
	rec->nat = p->nat->code;
	dob_full(rec->dob, p->y, p->m, p->d);
	rec->sep = p->sep;
	rec->mother = p->has_mother;
	rec->father = p->has_father;
}

/* A later registration of the same person: the first one's look changed by the noise drawn. */
static void duplicate_record(const struct person *p, const struct look *first, struct record *rec,
			     struct rng *r)
{
	struct look l = *first;
	unsigned noise = 0;
	if (chance(r, N_ROMAN)) {
		size_t cand[MAX_PARTS], n = 0;
		for (size_t i = 0; i < p->n_parts; i++)
			if (rom_count(p->parts[i].name->rom) > 1)
				cand[n++] = i;
		if (n) {
			size_t i = cand[below(r, (uint32_t)n)];
			size_t k = rom_count(p->parts[i].name->rom);
			l.rom[i] = (l.rom[i] + 1 + below(r, (uint32_t)(k - 1))) % k;
			noise |= 1u << NZ_ROMAN;
		}
	}
	if (p->src->script && chance(r, N_SCRIPT)) {
		l.show = (enum show)((l.show + 1 + below(r, 2)) % 3);
		noise |= 1u << NZ_SCRIPT;
	}
	first_record(p, &l, rec);
	if (rec->n_parts > 1 && chance(r, N_DROP)) {
		size_t i = 1 + below(r, (uint32_t)(rec->n_parts - 1));
		memmove(&rec->parts[i], &rec->parts[i + 1],
			(rec->n_parts - i - 1) * sizeof rec->parts[0]);
		rec->n_parts--;
		noise |= 1u << NZ_DROP;
	}
	struct text_part *a = &rec->parts[0], *b = &rec->parts[rec->n_parts - 1];
	if (rec->n_parts > 1 && chance(r, N_SWAP) &&
	    (strcmp(a->orig, b->orig) != 0 || strcmp(a->rom, b->rom) != 0)) {
		/* The texts change places (unless they are the same name twice); the roles stay
		 * where the form has them. */
		struct text_part t = *a;
		int ra = a->role, rb = b->role;
		*a = *b;
		*b = t;
		a->role = ra;
		b->role = rb;
		noise |= 1u << NZ_SWAP;
	}
	if (chance(r, N_TYPO)) {
		struct text_part *t = &rec->parts[below(r, (uint32_t)rec->n_parts)];
		typo(t->rom[0] && (!t->orig[0] || below(r, 2)) ? t->rom : t->orig, r);
		noise |= 1u << NZ_TYPO;
	}
	if (chance(r, N_SEX)) {
		rec->sex = false;
		noise |= 1u << NZ_SEX;
	}
	uint32_t u = below(r, 1000000);
	if (u < N_NAT_MISSING) {
		rec->nat = NULL;
		noise |= 1u << NZ_NAT_MISSING;
	} else if (u < N_NAT_MISSING + N_NAT_ZZ) {
		rec->nat = "ZZ";
		noise |= 1u << NZ_NAT_ZZ;
	}
	rec->noise = noise;
	registered_dob(p, rec, r);
	rec->sep = p->sep && chance(r, EXTRA_KEPT);
	rec->mother = p->has_mother && chance(r, EXTRA_KEPT);
	rec->father = p->has_father && chance(r, EXTRA_KEPT);
}

/* --- output ------------------------------------------------------------------------------- */

struct out {
	char buf[16384];
	size_t len;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n < sizeof o->buf) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
	}
}

static void putc_(struct out *o, char c)
{
	if (o->len + 1 < sizeof o->buf)
		o->buf[o->len++] = c;
}

static void put_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
	va_end(ap);
	if (n > 0 && o->len + (size_t)n < sizeof o->buf)
		o->len += (size_t)n;
}

static void put_json_str(struct out *o, const char *s)
{
	putc_(o, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			putc_(o, '\\');
			putc_(o, (char)c);
		} else if (c < 0x20) {
			put_fmt(o, "\\u%04x", c);
		} else {
			putc_(o, (char)c);
		}
	}
	putc_(o, '"');
}

static void put_key(struct out *o, bool *first, const char *key)
{
	if (!*first)
		putc_(o, ',');
	*first = false;
	put_json_str(o, key);
	putc_(o, ':');
}

static void json_names(struct out *o, const struct text_part *parts, size_t n)
{
	putc_(o, '[');
	for (size_t i = 0; i < n; i++) {
		const struct text_part *t = &parts[i];
		bool first = true;
		put(o, i ? ",{" : "{");
		put_key(o, &first, "role");
		put_json_str(o, role_names[t->role]);
		if (t->orig[0]) {
			put_key(o, &first, "original");
			put_json_str(o, t->orig);
			put_key(o, &first, "script");
			put_json_str(o, t->script);
		}
		if (t->rom[0]) {
			put_key(o, &first, "romanised");
			put_json_str(o, t->rom);
		}
		putc_(o, '}');
	}
	putc_(o, ']');
}

/* A relative's name in the script mix of this registration, each part in its most common
 * romanisation. */
static size_t relative(const struct person *p, const struct part *parts, size_t n,
		       const struct look *l, struct text_part *out)
{
	for (size_t i = 0; i < n; i++)
		render_part(&parts[i], p->src->script, l->show, 0, &out[i]);
	return n;
}

/* The names of the noise bits, each written by put_one, separated by sep. */
static void put_noise(struct out *o, unsigned noise, char sep,
		      void (*put_one)(struct out *, const char *))
{
	bool first = true;
	for (int k = 0; k < NZ_COUNT; k++)
		if (noise & (1u << k)) {
			if (!first)
				putc_(o, sep);
			first = false;
			put_one(o, noise_names[k]);
		}
}

static void json_relative(struct out *o, bool *first, const char *key, const struct person *p,
			  const struct part *parts, size_t n, const struct look *l)
{
	struct text_part rel[3];
	put_key(o, first, key);
	put(o, "{\"names\":");
	json_names(o, rel, relative(p, parts, n, l, rel));
	putc_(o, '}');
}

static void emit_json(struct out *o, const char *id, uint64_t cluster, const struct person *p,
		      const struct record *rec, const struct look *l)
{
	put(o, "{\"record_id\":");
	put_json_str(o, id);
	put_fmt(o, ",\"cluster\":%" PRIu64 ",\"source\":", cluster);
	put_json_str(o, p->src->id);
	put(o, ",\"noise\":[");
	put_noise(o, rec->noise, ',', put_json_str);
	put(o, "],\"person\":{\"names\":");
	json_names(o, rec->parts, rec->n_parts);
	if (rec->sex)
		put(o, p->male ? ",\"sex\":\"male\"" : ",\"sex\":\"female\"");
	if (rec->dob[0]) {
		put(o, ",\"date_of_birth\":{\"date\":");
		put_json_str(o, rec->dob);
		put(o, rec->estimated ? ",\"estimated\":true}" : "}");
	}
	if (rec->nat) {
		put(o, ",\"nationalities\":[");
		put_json_str(o, rec->nat);
		putc_(o, ']');
	}
	put(o, ",\"languages\":[");
	put_json_str(o, p->nat->lang);
	if (p->lang2) {
		putc_(o, ',');
		put_json_str(o, p->nat->lang2);
	}
	put(o, "]},\"extra\":{");
	bool first = true;
	if (rec->sep) {
		put_key(o, &first, "separation");
		put(o, "{\"place\":");
		put_json_str(o, p->sep_place);
		put(o, ",\"place_kind\":");
		put_json_str(o, p->sep_kind);
		put(o, ",\"date\":");
		put_json_str(o, p->sep_date);
		putc_(o, '}');
	}
	if (rec->mother)
		json_relative(o, &first, "mother", p, p->mother, p->n_mother, l);
	if (rec->father)
		json_relative(o, &first, "father", p, p->father, p->n_father, l);
	put(o, "}}\n");
}

static const char csv_header[] =
	"record_id,cluster,source,given,given_original,father,father_original,grandfather,"
	"grandfather_original,family,family_original,script,sex,dob,dob_estimated,nationality,"
	"languages,separation_place,separation_date,mother_name,father_name,noise\n";

static void put_csv(struct out *o, const char *s)
{
	bool quote = strpbrk(s, ",\"\n") != NULL;
	if (!quote) {
		put(o, s);
		return;
	}
	putc_(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			putc_(o, '"');
		putc_(o, *s);
	}
	putc_(o, '"');
}

/* A relative's name in one CSV cell: the romanised parts, else the original ones, spaced. */
static void csv_relative(struct out *o, const struct text_part *parts, size_t n)
{
	char cell[4 * TEXT_MAX] = "";
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *t = parts[i].rom[0] ? parts[i].rom : parts[i].orig;
		int w = snprintf(cell + len, sizeof cell - len, "%s%s", i ? " " : "", t);
		if (w > 0 && len + (size_t)w < sizeof cell)
			len += (size_t)w;
	}
	put_csv(o, cell);
}

static void emit_csv(struct out *o, const char *id, uint64_t cluster, const struct person *p,
		     const struct record *rec, const struct look *l)
{
	put(o, id);
	put_fmt(o, ",%" PRIu64 ",%s", cluster, p->src->id);
	const char *script = NULL;
	for (int role = R_GIVEN; role <= R_FAMILY; role++) {
		const struct text_part *t = NULL;
		for (size_t i = 0; i < rec->n_parts; i++)
			if (rec->parts[i].role == role)
				t = &rec->parts[i];
		putc_(o, ',');
		put_csv(o, t ? t->rom : "");
		putc_(o, ',');
		put_csv(o, t ? t->orig : "");
		if (t && t->script)
			script = t->script;
	}
	put_fmt(o, ",%s,%s,%s,%s,%s,", script ? script : "",
		rec->sex ? (p->male ? "male" : "female") : "", rec->dob,
		rec->dob[0] ? (rec->estimated ? "true" : "false") : "", rec->nat ? rec->nat : "");
	put(o, p->nat->lang);
	if (p->lang2) {
		putc_(o, ';');
		put(o, p->nat->lang2);
	}
	putc_(o, ',');
	if (rec->sep)
		put_csv(o, p->sep_place);
	putc_(o, ',');
	if (rec->sep)
		put(o, p->sep_date);
	struct text_part rel[3];
	putc_(o, ',');
	if (rec->mother)
		csv_relative(o, rel, relative(p, p->mother, p->n_mother, l, rel));
	putc_(o, ',');
	if (rec->father)
		csv_relative(o, rel, relative(p, p->father, p->n_father, l, rel));
	putc_(o, ',');
	put_noise(o, rec->noise, ';', put);
	putc_(o, '\n');
}

/* Record ids: a bijection of the record's position over 48 bits mixed with the seed, so that
 * ids are unique and their order tells nothing about clusters. */
static void record_id(char out[16], uint64_t index, uint64_t seed)
{
	const uint64_t mask = (1ull << 48) - 1;
	uint64_t x = (index ^ (seed * 0x9E3779B97F4A7C15u)) & mask;
	x = (x * 0xBF58476D1CE4E5B9u) & mask;
	x ^= x >> 24;
	x = (x * 0x94D049BB133111EBu) & mask;
	x ^= x >> 21;
	snprintf(out, 16, "R%012" PRIx64, x);
}

/* --- the command ----------------------------------------------------------------------- */

static const char usage[] =
	"usage: gen_persons [--persons N] [--seed S] [--csv]\n"
	"Synthetic persons with ground truth for testing the matcher (docs/generator.md).\n"
	"  --persons N  persons to generate, 1 to 100000000 (default 1000); 20 % of them are\n"
	"               registered 1 to 4 more times with noise\n"
	"  --seed S     any whole number (default 1): the same seed gives the same output\n"
	"  --csv        CSV with a header instead of JSON lines\n"
	"The number of records and of true duplicate pairs is printed on stderr.\n";

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = s && *s != '-' ? strtoull(s, &end, 10) : 0;
	if (!s || !*s || *s == '-' || errno || *end || v < lo || v > hi) {
		fprintf(stderr, "gen_persons: %s: must be a whole number from %" PRIu64 " to %" PRIu64
				"\n", opt, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t persons = 1000, seed = 1;
	bool csv = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--persons") || !strcmp(a, "--seed")) {
			bool p = a[2] == 'p';
			if (parse_u64(a, i + 1 < argc ? argv[i + 1] : NULL, p ? 1 : 0,
				      p ? 100000000 : UINT64_MAX, p ? &persons : &seed))
				return 2;
			i++;
		} else if (!strcmp(a, "--csv")) {
			csv = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "gen_persons: unknown option %s\n%s", a, usage);
			return 2;
		}
	}
	if (gp_n_sources > COUNT(T.src_male)) {
		fprintf(stderr, "gen_persons: too many sources\n");
		return 1;
	}
	for (size_t k = 0; k <= GP_MAX_ROM; k++)
		zipf_init(&rom_zipf[k], k ? k : 1);
	for (size_t s = 0; s < gp_n_sources; s++) {
		zipf_init(&T.src_male[s], gp_sources[s].male.n);
		zipf_init(&T.src_female[s], gp_sources[s].female.n);
		zipf_init(&T.src_family[s], gp_sources[s].family.n ? gp_sources[s].family.n : 1);
	}
	static char stdout_buf[1 << 20];
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
	uint64_t sm = seed;
	struct rng r = {{splitmix(&sm), splitmix(&sm), splitmix(&sm), splitmix(&sm)}};
	if (csv)
		fputs(csv_header, stdout);
	uint64_t records = 0, with_dups = 0, pairs = 0;
	static struct out o;
	for (uint64_t c = 1; c <= persons; c++) {
		struct person p;
		struct look look;
		struct record rec;
		make_person(&p, &r);
		draw_look(&p, &look, &r);
		uint32_t dups = chance(&r, DUP_PERSONS) ? 1 + below(&r, DUP_MAX) : 0;
		with_dups += dups > 0;
		pairs += (uint64_t)(dups + 1) * dups / 2;
		for (uint32_t k = 0; k <= dups; k++) {
			char id[16];
			if (k == 0)
				first_record(&p, &look, &rec);
			else
				duplicate_record(&p, &look, &rec, &r);
			record_id(id, records++, seed);
			o.len = 0;
			if (csv)
				emit_csv(&o, id, c, &p, &rec, &look);
			else
				emit_json(&o, id, c, &p, &rec, &look);
			fwrite(o.buf, 1, o.len, stdout);
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gen_persons: cannot write the output: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr,
		"gen_persons: %" PRIu64 " persons, %" PRIu64 " records, %" PRIu64
		" persons with duplicates, %" PRIu64 " true duplicate pairs (seed %" PRIu64 ")\n",
		persons, records, with_dups, pairs, seed);
	return 0;
}
