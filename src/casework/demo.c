/* Synthetic demo persons and cases for `safepath demo`: names of several naming traditions
 * (Ge'ez, Arabic and Pashto script, Cyrillic, Latin, with romanisations), some without a family
 * name, Solar Hijri and Ethiopian birth dates, from the embedded config/demo/names.json.
 * Deterministic: person i of seed s is always the same (splitmix64 per person), so a demo data
 * set can be rebuilt exactly. Every case is flagged synthetic and says so in a note. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/embedded.h"
#include "safepath/json.h"

#define NAMES_PATH "config/demo/names.json"

static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static json_t *names; /* parsed once, read-only afterwards, kept for the process */

static void load_names(void)
{
	for (const struct sp_embedded *e = sp_embedded_files; e->path; e++)
		if (strcmp(e->path, NAMES_PATH) == 0)
			names = sp_json_parse(e->data, e->len, NULL);
}

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n small: the modulo bias is irrelevant for demo data). */
static unsigned pick(struct rng *r, size_t n)
{
	return n ? (unsigned)(next(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned percent)
{
	return pick(r, 100) < percent;
}

/* A name entry ["original", "romanised"] or ["latin"] as a name part. */
static int part_from(json_t *list, struct rng *r, enum sp_name_role role, const char *script,
		     struct sp_arena *a, struct sp_name_part *out, struct sp_err *err)
{
	json_t *e = json_array_get(list, pick(r, json_array_size(list)));
	const char *orig = json_string_value(json_array_get(e, 0));
	const char *rom = json_string_value(json_array_get(e, 1));
	if (!orig)
		return sp_err_set(err, SP_EINTERNAL, "", "demo names: empty list");
	memset(out, 0, sizeof *out);
	out->role = role;
	out->original = sp_arena_strdup(a, orig);
	out->romanised = rom ? sp_arena_strdup(a, rom) : NULL;
	if (!out->original || (rom && !out->romanised))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	return sp_script_code(script, out->script, err);
}

/* Patronymic entries are [male original, male romanised, female original, female romanised]. */
static int patronymic(json_t *list, struct rng *r, bool female, const char *script,
		      struct sp_arena *a, struct sp_name_part *out, struct sp_err *err)
{
	json_t *e = json_array_get(list, pick(r, json_array_size(list)));
	const char *orig = json_string_value(json_array_get(e, female ? 2 : 0));
	const char *rom = json_string_value(json_array_get(e, female ? 3 : 1));
	if (!orig || !rom)
		return sp_err_set(err, SP_EINTERNAL, "", "demo names: bad patronymic");
	memset(out, 0, sizeof *out);
	out->role = SP_NAME_FATHER;
	out->original = sp_arena_strdup(a, orig);
	out->romanised = sp_arena_strdup(a, rom);
	if (!out->original || !out->romanised)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	return sp_script_code(script, out->script, err);
}

static int build_name(json_t *g, struct rng *r, bool female, struct sp_arena *a,
		      struct sp_name *out, struct sp_err *err)
{
	json_t *pattern = json_object_get(g, "pattern");
	const char *script = json_string_value(json_object_get(g, "script"));
	size_t n = json_array_size(pattern);
	out->parts = sp_arena_alloc(a, (n ? n : 1) * sizeof *out->parts);
	out->n_parts = 0;
	if (!out->parts || !script)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *p = json_string_value(json_array_get(pattern, i));
		char what[32];
		snprintf(what, sizeof what, "%s", p ? p : "");
		size_t len = strlen(what);
		if (len && what[len - 1] == '?') {
			what[len - 1] = '\0';
			if (!chance(r, 50))
				continue; /* an optional part this person does not have */
		}
		struct sp_name_part *part = &out->parts[out->n_parts];
		json_t *male = json_object_get(g, "male"), *fem = json_object_get(g, "female");
		int rc;
		if (strcmp(what, "given") == 0)
			rc = part_from(female ? fem : male, r, SP_NAME_GIVEN, script, a, part, err);
		else if (strcmp(what, "father") == 0)
			rc = part_from(male, r, SP_NAME_FATHER, script, a, part, err);
		else if (strcmp(what, "grandfather") == 0)
			rc = part_from(male, r, SP_NAME_GRANDFATHER, script, a, part, err);
		else if (strcmp(what, "family") == 0)
			rc = part_from(json_object_get(g, "family"), r, SP_NAME_FAMILY, script, a,
				       part, err);
		else if (strcmp(what, "clan") == 0)
			rc = part_from(json_object_get(g, "clan"), r, SP_NAME_CLAN_LINEAGE, script,
				       a, part, err);
		else if (strcmp(what, "patronymic") == 0)
			rc = patronymic(json_object_get(g, "patronymic"), r, female, script, a,
					part, err);
		else if (strcmp(what, "middle") == 0)
			rc = part_from(json_object_get(g, female ? "middle_female" : "middle_male"),
				       r, SP_NAME_OTHER, script, a, part, err);
		else if (strcmp(what, "other") == 0)
			rc = part_from(json_object_get(g, "other"), r, SP_NAME_OTHER, script, a,
				       part, err);
		else
			rc = sp_err_set(err, SP_EINTERNAL, "", "demo names: unknown pattern item");
		if (rc)
			return rc;
		out->n_parts++;
	}
	return SP_OK;
}

/* A birth date as a document of that tradition would show it: full, month or year only, often
 * in the Solar Hijri or Ethiopian calendar. Ages 12 to 45 in the reference year. */
static int build_birth(json_t *g, struct rng *r, int ref_year, struct sp_person *p,
		       struct sp_err *err)
{
	int age = chance(r, 25) ? 12 + (int)pick(r, 6) : 18 + (int)pick(r, 28);
	int gy = ref_year - age;
	enum sp_calendar cal = SP_CAL_GREGORIAN;
	if (sp_calendar_parse(json_string_value(json_object_get(g, "calendar")), &cal, NULL))
		cal = SP_CAL_GREGORIAN;
	/* Calendar years that fall mostly in Gregorian year gy. */
	int y = cal == SP_CAL_PERSIAN ? gy - 621 : cal == SP_CAL_ETHIOPIAN ? gy - 7 : gy;
	int month = 0, day = 0;
	unsigned precision = pick(r, 100);
	if (precision < 55) {
		month = 1 + (int)pick(r, 12);
		day = 1 + (int)pick(r, 28);
	} else if (precision < 75) {
		month = 1 + (int)pick(r, 12);
	}
	bool estimated = day == 0 && chance(r, 60);
	int rc = sp_date_from_calendar(cal, y, month, day, estimated, &p->birth, err);
	if (rc)
		return rc;
	p->has_birth = true;
	return SP_OK;
}

static int build_codes(json_t *list, struct sp_arena *a, char (**out)[SP_CODE_MAX], size_t *n,
		       int (*check)(const char *, char[SP_CODE_MAX], struct sp_err *),
		       struct sp_err *err)
{
	size_t k = json_array_size(list);
	*out = sp_arena_alloc(a, (k ? k : 1) * sizeof **out);
	if (!*out)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < k; i++) {
		int rc = check(json_string_value(json_array_get(list, i)), (*out)[i], err);
		if (rc)
			return rc;
	}
	*n = k;
	return SP_OK;
}

static json_t *pick_group(json_t *groups, struct rng *r)
{
	size_t i;
	json_t *g;
	json_int_t total = 0;
	json_array_foreach(groups, i, g)
		total += json_integer_value(json_object_get(g, "weight"));
	if (total <= 0)
		return NULL;
	json_int_t w = (json_int_t)(next(r) % (uint64_t)total);
	json_array_foreach(groups, i, g) {
		w -= json_integer_value(json_object_get(g, "weight"));
		if (w < 0)
			return g;
	}
	return NULL;
}

int sp_demo_person(uint64_t seed, unsigned i, struct sp_arena *a, struct sp_person *out,
		   struct sp_err *err)
{
	pthread_once(&names_once, load_names);
	if (!names)
		return sp_err_set(err, SP_EINTERNAL, "", "demo names are not embedded");
	memset(out, 0, sizeof *out);
	struct rng r = {seed ^ ((uint64_t)i * 0xd1342543de82ef95ull)};
	(void)next(&r);
	json_t *g = pick_group(json_object_get(names, "groups"), &r);
	if (!g)
		return sp_err_set(err, SP_EINTERNAL, "", "demo names: no groups");
	unsigned s = pick(&r, 100);
	out->sex = s < 48 ? SP_SEX_FEMALE : s < 97 ? SP_SEX_MALE : SP_SEX_UNKNOWN;
	bool female = out->sex == SP_SEX_FEMALE || (out->sex == SP_SEX_UNKNOWN && chance(&r, 50));
	int rc = build_name(g, &r, female, a, &out->name, err);
	if (!rc)
		rc = build_birth(g, &r,
				 (int)json_integer_value(json_object_get(names, "reference_year")),
				 out, err);
	if (!rc)
		rc = build_codes(json_object_get(g, "nationalities"), a, &out->nationalities,
				 &out->n_nationalities, sp_country_code, err);
	if (!rc)
		rc = build_codes(json_object_get(g, "languages"), a, &out->languages,
				 &out->n_languages, sp_language_code, err);
	if (rc)
		return rc;
	/* A passport for some (never for the stateless), a phone in the reserved drama range. */
	const char *nat = out->nationalities ? out->nationalities[0] : "XXA";
	if (strcmp(nat, "XXA") != 0 && chance(&r, 40)) {
		struct sp_document *d = sp_arena_alloc(a, sizeof *d);
		char number[16];
		snprintf(number, sizeof number, "P%07u", (unsigned)(next(&r) % 10000000u));
		if (!d || !(d->number = sp_arena_strdup(a, number)))
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		d->type = SP_DOC_PASSPORT;
		memcpy(d->country, nat, SP_CODE_MAX);
		out->documents = d;
		out->n_documents = 1;
	}
	if (chance(&r, 50)) {
		struct sp_contact *c = sp_arena_alloc(a, sizeof *c);
		char phone[40];
		snprintf(phone, sizeof phone, "%s%03u",
			 json_string_value(json_object_get(names, "phone_prefix")), pick(&r, 1000));
		if (!c || !(c->value = sp_arena_strdup(a, phone)))
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		c->kind = SP_CONTACT_PHONE;
		out->contacts = c;
		out->n_contacts = 1;
	}
	if (chance(&r, 20)) {
		out->has_safety = true;
		out->safety.never_use = "Synthetic: the phone the employer gave; he reads it.";
		out->safety.safe_contact = "Synthetic: weekday mornings at the drop-in centre.";
	}
	return SP_OK;
}

/* Demo case i of seed: its synthetic person into a, and what the case looks like — children
 * get a child flag and a high priority, some a possible-victim flag and an urgent one. */
static int demo_case(uint64_t seed, unsigned i, int ref_year, struct sp_arena *a,
		     struct sp_person *p, struct sp_case_open *in, struct sp_err *err)
{
	int rc = sp_demo_person(seed, i, a, p, err);
	struct rng r = {seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull) ^ 0x5ca1ab1eull};
	unsigned flags = SP_CASE_SYNTHETIC;
	enum sp_case_priority prio = SP_PRIORITY_NORMAL;
	int ymin = 0, ymax = 0;
	if (!rc && cw_birth_years(p, &ymin, &ymax) == 0 && ref_year - ymax < 18) {
		flags |= chance(&r, 60) ? SP_CASE_UNACCOMPANIED_CHILD : SP_CASE_SEPARATED_CHILD;
		prio = SP_PRIORITY_HIGH;
	}
	if (chance(&r, 20)) {
		flags |= SP_CASE_POSSIBLE_VOT;
		prio = SP_PRIORITY_URGENT;
	}
	memset(in, 0, sizeof *in);
	in->person = p;
	in->priority = prio;
	in->flags = flags;
	return rc;
}

int sp_demo_cases(struct sp_casework *cw, uint64_t seed, unsigned n, struct sp_err *err)
{
	pthread_once(&names_once, load_names);
	if (!names)
		return sp_err_set(err, SP_EINTERNAL, "", "demo names are not embedded");
	int ref_year = (int)json_integer_value(json_object_get(names, "reference_year"));
	const char *notice = json_string_value(json_object_get(names, "notice"));
	/* Each case is its own request: its decrypted values go with a per-case arena. */
	struct sp_arena *caller = cw->arena, local;
	sp_arena_init(&local, 8192, 0);
	cw->arena = &local;
	int rc = SP_OK;
	for (unsigned i = 0; !rc && i < n; i++) {
		struct sp_person p;
		struct sp_case_open in;
		struct sp_case c;
		struct sp_note note;
		rc = demo_case(seed, i, ref_year, cw->arena, &p, &in, err);
		if (!rc)
			rc = sp_case_open(cw, &in, &c, err);
		if (!rc)
			rc = sp_note_add(cw, &c.id,
					 notice ? notice : "SYNTHETIC DEMONSTRATION DATA.", &note,
					 err);
		sp_arena_release(&local);
	}
	cw->arena = caller;
	return rc;
}

int sp_demo_cases_batch(struct sp_casework *cw, uint64_t seed, unsigned first, unsigned n,
			const struct sp_id *assigned, struct sp_case *out, struct sp_err *err)
{
	pthread_once(&names_once, load_names);
	if (!names)
		return sp_err_set(err, SP_EINTERNAL, "", "demo names are not embedded");
	if (n > SP_CASE_BATCH_MAX)
		return sp_err_set(err, SP_EINVAL, "", "a batch holds at most %d cases",
				  SP_CASE_BATCH_MAX);
	if (n == 0)
		return SP_OK;
	int ref_year = (int)json_integer_value(json_object_get(names, "reference_year"));
	struct sp_arena *caller = cw->arena, local;
	sp_arena_init(&local, 1u << 20, 0);
	cw->arena = &local;
	struct sp_case_open *in = sp_arena_alloc(&local, (size_t)n * sizeof *in);
	struct sp_person *p = sp_arena_alloc(&local, (size_t)n * sizeof *p);
	int rc = !in || !p ? sp_err_set(err, SP_ENOMEM, "", "out of memory") : SP_OK;
	for (unsigned i = 0; in && p && !rc && i < n; i++) {
		rc = demo_case(seed, first + i, ref_year, &local, &p[i], &in[i], err);
		in[i].assigned = assigned;
	}
	if (!rc && in)
		rc = sp_case_open_batch(cw, in, n, out, err);
	sp_arena_release(&local);
	cw->arena = caller;
	return rc;
}
