/* safepath demo: clearly labelled synthetic agencies, one user of every role, and a few
 * hundred synthetic persons and cases (names in Arabic, Ge'ez, Pashto, Cyrillic and Latin
 * script, some without a family name, some born on Solar Hijri dates), so that a new
 * installation can be tried at once. Everything goes through the library as a real user
 * would, audited; cases carry the `synthetic` flag. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "safepath/case.h"
#include "safepath/caseevent.h"
#include "safepath/json.h"
#include "safepath/jurisdiction.h"
#include "safepath/need.h"
#include "safepath/referral.h"
#include "safepath/service.h"
#include "safepath/task.h"

static int cmd_demo(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_demo = {
	"demo",
	"add synthetic demo agencies, a user of every role and a few hundred synthetic cases",
	"demo [--cases N] [--batch] | --generated FILE.jsonl --map MAP.csv\n"
	"  --cases N  how many synthetic cases to open (default 300, at most 5000; with --batch at\n"
	"             most 10000000)\n"
	"  --batch    the benchmarks' store: cases opened 1000 to a transaction with one audit\n"
	"             record each (case.create_batch), and no note; demo.caseworker gets exactly\n"
	"             500 of them (all when N is smaller), open, each with two tasks (one overdue,\n"
	"             one due within two weeks) and every fifth with a referral 30 days ago under\n"
	"             the `jurisdiction` setting (the deadlines its rules start), and each\n"
	"             referred to the synthetic shelter's service (demo.provider's inbox: 500\n"
	"             referrals, sent, every second acknowledged, every tenth accepted); the others\n"
	"             go to the identifier, the child-protection caseworker and the screener.\n"
	"             Prints the rate of the batch path\n"
	"  --generated FILE.jsonl  instead of demo persons, tools/gen_persons' registrations\n"
	"             (docs/generator.md), every line checked first (an error names its line\n"
	"             and field, and nothing is opened), then opened through the batch path\n"
	"             like --batch's cases and shared by the same openers\n"
	"  --map MAP.csv  with --generated: written (mode 0600) with record_id,cluster,\n"
	"             case_number,person_id of every registration, to measure matching against\n"
	"             the generator's truth\n"
	"Prints the demo accounts and their password, once. Run it on a new installation only",
	cmd_demo,
};

static const struct sp_agency agencies[] = {
	{.code = "IMM", .name = "Immigration service (synthetic demo)",
	 .kind = SP_AGENCY_IMMIGRATION, .country = "ZZ"},
	{.code = "POL", .name = "Police anti-trafficking unit (synthetic demo)",
	 .kind = SP_AGENCY_POLICE, .country = "ZZ"},
	{.code = "LAB", .name = "Labour inspectorate (synthetic demo)",
	 .kind = SP_AGENCY_LABOUR_INSPECTION, .country = "ZZ"},
	{.code = "CPA", .name = "Child protection authority (synthetic demo)",
	 .kind = SP_AGENCY_CHILD_PROTECTION, .country = "ZZ"},
	{.code = "NGO", .name = "Migrant support NGO (synthetic demo)",
	 .kind = SP_AGENCY_NGO, .country = "ZZ"},
	{.code = "SHL", .name = "Shelter for survivors (synthetic demo)",
	 .kind = SP_AGENCY_SHELTER, .country = "ZZ"},
	{.code = "CLN", .name = "Health clinic (synthetic demo)",
	 .kind = SP_AGENCY_HEALTH, .country = "ZZ"},
	{.code = "LEG", .name = "Legal aid (synthetic demo)",
	 .kind = SP_AGENCY_LEGAL_AID, .country = "ZZ"},
	{.code = "GRD", .name = "Guardianship service (synthetic demo)",
	 .kind = SP_AGENCY_GUARDIAN_SERVICE, .country = "ZZ"},
	{.code = "IOR", .name = "International organisation (synthetic demo)",
	 .kind = SP_AGENCY_INTERNATIONAL_ORGANISATION, .country = "ZZ"},
};

static const struct sp_demo_user users[] = {
	{"demo.screener", "IMM", SP_ROLE_SCREENER},
	{"demo.identifier", "NGO", SP_ROLE_IDENTIFIER},
	{"demo.caseworker", "NGO", SP_ROLE_CASEWORKER},
	{"demo.childworker", "CPA", SP_ROLE_CASEWORKER},
	{"demo.focal", "NGO", SP_ROLE_FOCAL_POINT},
	{"demo.provider", "SHL", SP_ROLE_PROVIDER},
	{"demo.supervisor", "NGO", SP_ROLE_SUPERVISOR},
	{"demo.coordinator", "IOR", SP_ROLE_COORDINATOR},
	{"demo.dpo", "NGO", SP_ROLE_DPO},
	{"demo.admin", "IOR", SP_ROLE_ADMIN},
};

/* Who opens the demo cases, and which share of them. */
static const struct {
	const char *username;
	unsigned share; /* percent */
} openers[] = {
	{"demo.caseworker", 45},
	{"demo.identifier", 20},
	{"demo.childworker", 20},
	{"demo.screener", 15},
};

enum { N_AGENCIES = sizeof agencies / sizeof agencies[0], N_USERS = sizeof users / sizeof users[0] };

static void progress(unsigned done, unsigned total)
{
	if (!isatty(2))
		return;
	unsigned width = 40, filled = total ? done * width / total : width;
	char bar[41];
	memset(bar, '#', filled);
	memset(bar + filled, '.', width - filled);
	bar[width] = '\0';
	fprintf(stderr, "\rsynthetic cases [%s] %u/%u", bar, done, total);
	if (done == total)
		fputc('\n', stderr);
}

/* Open n cases as one user, in chunks so that progress can be shown. */
static int open_cases(struct sp_app *app, const char *username, uint64_t seed, unsigned n,
		      unsigned *done, unsigned total, struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get_by_name(&app->access, username, &u, err);
	if (rc)
		return rc;
	sp_user_subject(&u, &app->subject);
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(app, &arena, &cw);
	for (unsigned chunk = 0; !rc && chunk * 10 < n; chunk++) {
		unsigned k = n - chunk * 10 < 10 ? n - chunk * 10 : 10;
		rc = sp_demo_cases(&cw, seed * 1000 + chunk, k, err);
		*done += k;
		progress(*done, total);
	}
	sp_arena_release(&arena);
	memset(&app->subject, 0, sizeof app->subject);
	return rc;
}

/* The benchmark user's cases, exactly, and how many go to a transaction on the batch path. */
enum { BENCH_CASES = 500, BATCH = 1000 };
#define DAY_US (86400LL * 1000000)

/* Open n cases as one user through the batch path, BATCH to a transaction; the cases' ids
 * into ids when not NULL (room for n). */
static int open_batches(struct sp_app *app, const char *username, uint64_t seed, unsigned n,
			struct sp_case *ids, unsigned *done, unsigned total, struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get_by_name(&app->access, username, &u, err);
	if (rc)
		return rc;
	sp_user_subject(&u, &app->subject);
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(app, &arena, &cw);
	static struct sp_case out[BATCH];
	for (unsigned first = 0; !rc && first < n; first += BATCH) {
		unsigned k = n - first < BATCH ? n - first : BATCH;
		rc = sp_demo_cases_batch(&cw, seed, first, k, NULL, ids ? ids + first : out, err);
		*done += k;
		progress(*done, total);
	}
	sp_arena_release(&arena);
	memset(&app->subject, 0, sizeof app->subject);
	return rc;
}

/* The shelter's service in the directory (the synthetic SHL agency runs it), where the
 * benchmark user's referrals go. */
static const char shelter_directory[] =
	"{\"organization\": [{\"id\": \"01900000-0000-7000-8000-00000000b001\", \"name\": "
	"\"Shelter for survivors (synthetic demo)\", \"x_safepath_agency\": \"SHL\"}], "
	"\"service\": [{\"id\": \"01900000-0000-7000-8000-00000000b011\", \"organization_id\": "
	"\"01900000-0000-7000-8000-00000000b001\", \"name\": \"Emergency shelter (synthetic "
	"demo)\", \"status\": \"active\", \"x_kinds\": [\"shelter\"], \"x_referral_route\": "
	"\"direct\"}]}";

/* app->subject becomes the demo user's. */
static int act_as(struct sp_app *app, const char *username, struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get_by_name(&app->access, username, &u, err);
	if (!rc)
		sp_user_subject(&u, &app->subject);
	return rc;
}

/* Fire event on r as username under jur; r follows. */
static int bench_fire(struct sp_app *app, struct sp_casework *cw,
		      const struct sp_jurisdiction *jur, const char *username,
		      struct sp_case_referral *r, const char *event, struct sp_err *err)
{
	const struct sp_referral_change ch = {.version = r->version, .event = event};
	int rc = act_as(app, username, err);
	return rc ? rc : sp_referral_change(cw, jur, &r->id, &ch, r, err);
}

/* Case i's referral to the shelter, through the ordinary audited operations: a safe_shelter
 * need, the consent to the shelter (given by a guardian, named, with the person's assent, which
 * holds for a child too), the draft ("urgent" on every fourth case, else "soon") and its sending;
 * the shelter's provider acknowledges every second and accepts every tenth. */
static int bench_referral(struct sp_app *app, struct sp_casework *cw,
			  const struct sp_referral_types *types, const struct sp_jurisdiction *jur,
			  const struct sp_id *shelter, const struct sp_id *service,
			  const struct sp_case *c, unsigned i, struct sp_err *err)
{
	struct sp_need need;
	const struct sp_need_new nn = {.kind = "safe_shelter", .source = SP_NEED_FROM_PERSON};
	struct sp_consent con = {.purpose = SP_PURPOSE_REFERRAL, .scope_agency = *shelter,
				 .status = SP_CONSENT_GIVEN, .method = SP_METHOD_VERBAL,
				 .by = SP_BY_GUARDIAN, .given_by_name = "Synthetic Guardian",
				 .child_assent = SP_ASSENT_GIVEN};
	struct sp_case_referral r;
	int rc = act_as(app, openers[0].username, err);
	if (!rc)
		rc = sp_need_add(cw, &c->id, &nn, &need, err);
	if (!rc)
		rc = sp_consent_record(cw, &c->id, &con, NULL, err);
	const struct sp_referral_new in = {.need = &need.id, .service = service,
					   .urgency = i % 4 ? "soon" : "urgent"};
	if (!rc)
		rc = sp_referral_create(cw, types, &c->id, &in, &r, err);
	if (!rc)
		rc = bench_fire(app, cw, jur, openers[0].username, &r, "send", err);
	if (!rc && i % 2 == 0)
		rc = bench_fire(app, cw, jur, "demo.provider", &r, "acknowledge", err);
	if (!rc && i % 10 == 0)
		rc = bench_fire(app, cw, jur, "demo.provider", &r, "accept", err);
	return rc;
}

/* The shelter in the directory (imported as demo.focal) and the referrals of the benchmark
 * user's n cases to it (bench_referral). */
static int bench_referrals(struct sp_app *app, struct sp_casework *cw,
			   const struct sp_jurisdiction *jur, const struct sp_case *cases,
			   unsigned n, struct sp_err *err)
{
	struct sp_agency shl;
	struct sp_id service;
	struct sp_referral_types *types = NULL;
	struct sp_diag diag;
	sp_diag_init(&diag);
	json_t *doc = json_loads(shelter_directory, 0, NULL);
	int rc = doc ? SP_OK : sp_err_set(err, SP_EINTERNAL, "", "the shelter's directory");
	if (!rc)
		rc = act_as(app, "demo.focal", err);
	if (!rc)
		rc = sp_services_import(&app->access, &app->subject, cw->vocabulary, doc, NULL, &diag,
					err);
	json_decref(doc);
	sp_diag_free(&diag);
	if (!rc)
		rc = sp_agency_get_by_code(&app->access, "SHL", &shl, err);
	if (!rc)
		rc = sp_id_parse("01900000-0000-7000-8000-00000000b011", &service) == 0
			     ? sp_referral_types_shipped(cw->vocabulary, &types, err)
			     : sp_err_set(err, SP_EINTERNAL, "", "the shelter's service id");
	for (unsigned i = 0; !rc && i < n; i++) {
		rc = bench_referral(app, cw, types, jur, &shl.id, &service, &cases[i], i, err);
		sp_arena_release(cw->arena);
	}
	sp_referral_types_free(types);
	return rc;
}

/* The benchmark user's work on its cases: two tasks each (one overdue by 1 to 20 days, one due
 * in 0 to 13 days; half of them titled, the title sealed) and a referral 30 days ago on every
 * fifth, through the ordinary audited operations. */
static int bench_work(struct sp_cli *cli, struct sp_app *app, const struct sp_case *cases,
		      unsigned n, struct sp_err *err)
{
	struct sp_jurisdictions jurs;
	const struct sp_jurisdiction *jur;
	if (sp_cli_jurisdictions_open(cli, &jurs, &jur))
		return sp_err_set(err, SP_EINVAL, "", "no jurisdiction file to record referrals under");
	struct sp_user u;
	int rc = sp_user_get_by_name(&app->access, openers[0].username, &u, err);
	if (!rc)
		sp_user_subject(&u, &app->subject);
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(app, &arena, &cw);
	int64_t now = sp_now_us();
	for (unsigned i = 0; !rc && i < n; i++) {
		struct sp_task t;
		const struct sp_task_new late = {.kind = "medical_check",
						 .title = i % 2 ? "Synthetic: call the clinic back" : NULL,
						 .due_us = now - (int64_t)(1 + i % 20) * DAY_US,
						 .priority = (enum sp_task_priority)(i % SP_TASK_PRIORITY_COUNT)};
		const struct sp_task_new soon = {.kind = "appoint_guardian",
						 .due_us = now + (int64_t)(i % 14) * DAY_US,
						 .priority = SP_TASK_SOON};
		rc = sp_task_add(&cw, &cases[i].id, &late, &t, err);
		if (!rc)
			rc = sp_task_add(&cw, &cases[i].id, &soon, &t, err);
		struct sp_case_event_effect fx;
		if (!rc && i % 5 == 0)
			rc = sp_case_event_record(&cw, &jurs, jur, &cases[i].id, SP_EVENT_REFERRAL,
						  now - 30 * DAY_US, &fx, err);
		sp_arena_release(&arena);
	}
	if (!rc)
		rc = bench_referrals(app, &cw, jur, cases, n, err);
	sp_jurisdictions_free(&jurs);
	memset(&app->subject, 0, sizeof app->subject);
	return rc;
}

/* --batch: the benchmark user's 500 cases and their work, the rest shared by the other
 * openers in proportion; *seconds the time of the batch path alone. */
static int demo_batch(struct sp_cli *cli, struct sp_app *app, unsigned total, double *seconds,
		      struct sp_err *err)
{
	unsigned mine = total < BENCH_CASES ? total : BENCH_CASES, done = 0, rest = total - mine;
	static struct sp_case cases[BENCH_CASES];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = open_batches(app, openers[0].username, 7919, mine, cases, &done, total, err);
	unsigned shares = 0;
	for (size_t i = 1; i < sizeof openers / sizeof openers[0]; i++)
		shares += openers[i].share;
	for (size_t i = 1; !rc && i < sizeof openers / sizeof openers[0]; i++) {
		unsigned n = (unsigned)((uint64_t)rest * openers[i].share / shares);
		if (i == sizeof openers / sizeof openers[0] - 1)
			n = total - done;
		rc = open_batches(app, openers[i].username, 7919 + i, n, NULL, &done, total, err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc ? rc : bench_work(cli, app, cases, mine, err);
}

/* ---- --generated: tools/gen_persons' registrations as cases (docs/generator.md) ---- */

/* A relative of `extra` (mother, father) as a family link: the name's parts, romanised where
 * shown, else in the original, one space between them. */
static int generated_relative(json_t *extra, const char *who, enum sp_relationship rel,
			      struct sp_arena *a, struct sp_person *p, struct sp_err *err)
{
	json_t *r = json_object_get(extra, who);
	if (!r)
		return SP_OK;
	static const char *const only_names[] = {"names", NULL};
	json_t *names = json_object_get(r, "names");
	char name[SP_PERSON_MAX_PARTS * (SP_PERSON_MAX_TEXT + 1)];
	size_t len = 0;
	if (!json_is_object(r))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int rc = sp_json_only_keys(r, only_names, err);
	if (!rc && (!json_is_array(names) || json_array_size(names) == 0 ||
		    json_array_size(names) > SP_PERSON_MAX_PARTS))
		rc = sp_err_set(err, SP_EINVAL, "/names", "must be an array of 1 to %d name parts",
				SP_PERSON_MAX_PARTS);
	for (size_t i = 0; !rc && i < json_array_size(names); i++) {
		json_t *part = json_array_get(names, i);
		const char *text = json_string_value(json_object_get(part, "romanised"));
		if (!text)
			text = json_string_value(json_object_get(part, "original"));
		size_t n = text ? strlen(text) : 0;
		if (n == 0 || n > SP_PERSON_MAX_TEXT)
			rc = sp_err_set(err, SP_EINVAL, "", "a name part needs its text, at most %d bytes",
					SP_PERSON_MAX_TEXT);
		else {
			memcpy(name + len, text, n);
			len += n;
			name[len++] = ' ';
		}
		if (rc) {
			char seg[32];
			snprintf(seg, sizeof seg, "names/%zu", i);
			sp_err_prefix(err, seg);
		}
	}
	if (rc) {
		sp_err_prefix(err, who);
		return rc;
	}
	name[len - 1] = '\0';
	if (p->safety.n_family >= SP_PERSON_MAX_FAMILY)
		return sp_err_set(err, SP_EINVAL, "", "the person has %d family links already",
				  SP_PERSON_MAX_FAMILY);
	size_t cap = p->safety.n_family; /* full: the array grows */
	struct sp_family_link *l = sp_arena_grow(a, p->safety.family, p->safety.n_family, &cap,
						 sizeof *l);
	if (!l)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	p->safety.family = l;
	l[p->safety.n_family++] = (struct sp_family_link){.relationship = rel,
							  .name = sp_arena_strdup(a, name)};
	p->has_safety = true;
	return l[p->safety.n_family - 1].name ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
}

/* extra's separation {place, place_kind, date}, its place and date, moved into the person
 * object for the decoder (place_kind, whether the place is an area code or a town, is not
 * kept); an error there names /extra/separation. */
static int generated_separation(json_t *person, json_t *extra, struct sp_err *err)
{
	json_t *sep = json_is_object(extra) ? json_object_get(extra, "separation") : NULL;
	if (!sep)
		return SP_OK;
	static const char *const members[] = {"place", "place_kind", "date", NULL};
	int rc = json_is_object(sep) ? sp_json_only_keys(sep, members, err)
				     : sp_err_set(err, SP_EINVAL, "", "must be an object");
	json_t *moved = rc ? NULL : json_deep_copy(sep);
	if (!rc && (!moved || (json_object_get(moved, "place_kind") &&
			       json_object_del(moved, "place_kind")) ||
		    json_object_set_new(person, "separation", moved)))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (rc && rc != SP_ENOMEM)
		sp_err_prefix(err, "extra/separation");
	return rc;
}

/* extra: its mother and father as family links (its separation went into the person). */
static int generated_extra(json_t *extra, struct sp_arena *a, struct sp_person *p,
			   struct sp_err *err)
{
	static const char *const members[] = {"separation", "mother", "father", NULL};
	if (!json_is_object(extra))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	int rc = sp_json_only_keys(extra, members, err);
	if (!rc)
		rc = generated_relative(extra, "mother", SP_REL_MOTHER, a, p, err);
	return rc ? rc : generated_relative(extra, "father", SP_REL_FATHER, a, p, err);
}

/* One line of gen_persons: {record_id, cluster, source, noise, person, extra}. The person
 * through the real decoder; extra's separation as the person's and its mother and father as
 * family links; source and noise (the truth) are not read. */
static int generated_line(const char *text, size_t len, struct sp_arena *a, struct sp_person *p,
			  const char **record_id, int64_t *cluster, struct sp_err *err)
{
	static const char *const members[] = {"record_id", "cluster", "source", "noise",
					      "person", "extra", NULL};
	json_t *j = sp_json_parse(text, len, err);
	if (!j)
		return SP_EINVAL;
	int rc = json_is_object(j) ? sp_json_only_keys(j, members, err)
				   : sp_err_set(err, SP_EINVAL, "", "must be a JSON object");
	if (!rc)
		rc = sp_json_get_str(j, "record_id", true, record_id, err);
	if (!rc && (strlen(*record_id) == 0 || strlen(*record_id) > 64 ||
		    strpbrk(*record_id, ",\"\r\n")))
		rc = sp_err_set(err, SP_EINVAL, "/record_id",
				"must be 1 to 64 characters without commas, quotes or line breaks");
	if (!rc)
		rc = sp_json_get_int(j, "cluster", true, cluster, err);
	if (!rc && *cluster < 0)
		rc = sp_err_set(err, SP_EINVAL, "/cluster", "must be a whole number from 0");
	if (!rc) {
		*record_id = sp_arena_strdup(a, *record_id);
		rc = *record_id ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	json_t *person = json_object_get(j, "person");
	if (!rc && !json_is_object(person))
		rc = sp_err_set(err, SP_EINVAL, "/person", "must be an object");
	json_t *extra = json_object_get(j, "extra");
	if (!rc && (rc = generated_separation(person, extra, err)) == SP_OK &&
	    (rc = sp_person_decode(person, a, p, err)))
		sp_err_prefix(err, strncmp(err->field, "/separation", 11) == 0 ? "extra" : "person");
	if (!rc && extra && (rc = generated_extra(extra, a, p, err)))
		sp_err_prefix(err, "extra");
	json_decref(j);
	return rc;
}

/* The registrations waiting for one opener's next batch. */
struct generated_batch {
	struct sp_subject subject;
	struct sp_arena arena; /* the persons and record ids, wiped after each batch */
	unsigned n;
	struct sp_person person[BATCH];
	struct sp_case_open in[BATCH];
	const char *record_id[BATCH];
	int64_t cluster[BATCH];
	struct sp_case out[BATCH];
};

struct generated {
	struct sp_casework *cw;
	FILE *map;
	struct generated_batch *batch; /* one per opener */
	unsigned done, total;
};

/* Open one opener's waiting registrations as one batch and write their lines of the map. */
static int generated_flush(struct generated *g, struct generated_batch *b, struct sp_err *err)
{
	if (b->n == 0)
		return SP_OK;
	g->cw->subject = &b->subject;
	g->cw->arena = &b->arena;
	int rc = sp_case_open_batch(g->cw, b->in, b->n, b->out, err);
	for (unsigned i = 0; !rc && i < b->n; i++) {
		char person[SP_ID_STRLEN + 1];
		sp_id_format(&b->out[i].person, person);
		if (fprintf(g->map, "%s,%lld,%s,%s\n", b->record_id[i], (long long)b->cluster[i],
			    b->out[i].number, person) < 0)
			rc = sp_err_set(err, SP_EIO, "--map", "cannot write the map");
	}
	g->done += b->n;
	progress(g->done, g->total);
	b->n = 0;
	sp_arena_release(&b->arena);
	return rc;
}

/* The opener of line n: by a hash of its number against the openers' shares, so that a
 * person's registrations spread over agencies as they do in the field. */
static size_t generated_opener(unsigned n)
{
	uint32_t h = n * 2654435761u;
	unsigned pct = (h >> 8) % 100, sum = 0;
	size_t i = 0;
	while (i + 1 < sizeof openers / sizeof openers[0] && pct >= sum + openers[i].share)
		sum += openers[i++].share;
	return i;
}

/* Read path line by line: check every line (g NULL: count them into *lines), or open them
 * as cases. Errors name the line and the field. */
static int generated_pass(const char *path, struct generated *g, unsigned *lines,
			  struct sp_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return sp_err_set(err, SP_EIO, "--generated", "cannot open the file: %s",
				  strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned n = 0;
	int rc = SP_OK;
	struct sp_arena check;
	sp_arena_init(&check, 1u << 16, 0);
	while (!rc && (len = getline(&line, &cap, f)) > 0) {
		n++;
		struct generated_batch *b = g ? &g->batch[generated_opener(n)] : NULL;
		struct sp_person p;
		const char *record_id;
		int64_t cluster;
		if (b)
			rc = generated_line(line, (size_t)len, &b->arena, &b->person[b->n],
					    &b->record_id[b->n], &b->cluster[b->n], err);
		else
			rc = generated_line(line, (size_t)len, &check, &p, &record_id, &cluster, err);
		sp_arena_release(&check);
		if (rc) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err->msg);
			snprintf(err->msg, sizeof err->msg, "line %u: %.*s", n,
				 (int)sizeof err->msg - 24, msg);
		} else if (b) {
			b->in[b->n] = (struct sp_case_open){.person = &b->person[b->n],
							    .priority = SP_PRIORITY_NORMAL,
							    .flags = SP_CASE_SYNTHETIC};
			if (++b->n == BATCH)
				rc = generated_flush(g, b, err);
		}
	}
	if (!rc && ferror(f))
		rc = sp_err_set(err, SP_EIO, "--generated", "cannot read the file");
	free(line);
	fclose(f);
	*lines = n;
	return rc;
}

/* --generated FILE --map MAP, its total lines checked already: opened through the batch path,
 * BATCH to a transaction per opener; MAP (created 0600) gets record_id,cluster,case_number,
 * person_id for each. */
static int demo_generated(struct sp_app *app, const char *path, const char *map_path,
			  unsigned total, double *seconds, struct sp_err *err)
{
	int rc = SP_OK;
	enum { N_OPENERS = sizeof openers / sizeof openers[0] };
	struct generated g = {.total = total};
	g.batch = calloc(N_OPENERS, sizeof *g.batch);
	if (!g.batch)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; !rc && i < N_OPENERS; i++) {
		struct sp_user u;
		rc = sp_user_get_by_name(&app->access, openers[i].username, &u, err);
		if (!rc)
			sp_user_subject(&u, &g.batch[i].subject);
		sp_arena_init(&g.batch[i].arena, 1u << 20, 0);
	}
	int fd = rc ? -1 : open(map_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g.map = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!rc && !g.map)
		rc = sp_err_set(err, SP_EIO, "--map", "cannot create the file: %s", strerror(errno));
	if (!g.map && fd >= 0)
		close(fd);
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(app, &arena, &cw);
	g.cw = &cw;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned lines = 0;
	if (!rc && (fprintf(g.map, "record_id,cluster,case_number,person_id\n") < 0))
		rc = sp_err_set(err, SP_EIO, "--map", "cannot write the map");
	if (!rc)
		rc = generated_pass(path, &g, &lines, err);
	for (size_t i = 0; !rc && i < N_OPENERS; i++)
		rc = generated_flush(&g, &g.batch[i], err);
	if (!rc && lines != total)
		rc = sp_err_set(err, SP_ECONFLICT, "--generated", "the file changed while read");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (g.map && fclose(g.map) && !rc)
		rc = sp_err_set(err, SP_EIO, "--map", "cannot write the map");
	for (size_t i = 0; i < N_OPENERS; i++)
		sp_arena_release(&g.batch[i].arena);
	free(g.batch);
	sp_arena_release(&arena);
	return rc;
}

static int cmd_demo(struct sp_cli *cli, int argc, char **argv)
{
	unsigned total = 300;
	long cases = -1;
	bool batch = false;
	const char *generated = NULL, *map = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			char *end;
			cases = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end)
				cases = -2;
		} else if (strcmp(argv[i], "--batch") == 0) {
			batch = true;
		} else if (strcmp(argv[i], "--generated") == 0 && i + 1 < argc) {
			generated = argv[++i];
		} else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
			map = argv[++i];
		} else {
			return sp_cli_usage(&sp_cli_cmd_demo, "unknown argument");
		}
	}
	if (cases < -1 || cases > (batch ? 10000000 : 5000))
		return sp_cli_usage(&sp_cli_cmd_demo, batch ? "--cases must be 0 to 10000000"
							    : "--cases must be 0 to 5000");
	if (cases >= 0)
		total = (unsigned)cases;
	if (generated && (cases != -1 || batch))
		return sp_cli_usage(&sp_cli_cmd_demo, "--generated takes neither --cases nor --batch");
	if (!generated != !map)
		return sp_cli_usage(&sp_cli_cmd_demo, "--generated and --map go together");
	struct sp_app app;
	int rc = sp_app_open(cli, 0, &app);
	if (rc)
		return rc;
	/* One random password for every demo account, shown once: a demo on a reachable server
	 * must not have well-known passwords. */
	char password[32];
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	memcpy(password, "demo-", 5);
	for (int i = 0; i < 14; i++)
		password[5 + i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	password[19] = '\0';
	struct sp_err err = {0};
	/* Every line of a generated file is checked before anything is written. */
	rc = generated ? generated_pass(generated, NULL, &total, &err) : SP_OK;
	if (!rc && generated && total == 0)
		rc = sp_err_set(&err, SP_EINVAL, "--generated", "the file holds no registration");
	if (!rc)
		rc = sp_access_demo_seed(&app.access, agencies, N_AGENCIES, users, N_USERS, password, &err);
	unsigned done = 0;
	double seconds = 0;
	if (!rc && batch)
		rc = demo_batch(cli, &app, total, &seconds, &err);
	if (!rc && generated)
		rc = demo_generated(&app, generated, map, total, &seconds, &err);
	for (size_t i = 0; !rc && !batch && !generated && i < sizeof openers / sizeof openers[0]; i++) {
		unsigned n = total * openers[i].share / 100;
		if (i == sizeof openers / sizeof openers[0] - 1)
			n = total - done;
		rc = open_cases(&app, openers[i].username, 7919 + i, n, &done, total, &err);
	}
	if (!rc && (batch || generated)) /* as after any bulk load (store.h) */
		rc = sp_store_settle(app.store, &err);
	if (rc) {
		sodium_memzero(password, sizeof password);
		sp_app_close(&app);
		return sp_cli_fail(&err, "demo");
	}
	if (cli->json) {
		printf("{\"password\":\"%s\",\"cases\":%u,", password, total);
		if (batch || generated)
			printf("\"batch_seconds\":%.3f,", seconds);
		printf("\"accounts\":[");
		for (size_t i = 0; i < N_USERS; i++)
			printf("%s{\"username\":\"%s\",\"agency\":\"%s\"}", i ? "," : "",
			       users[i].username, users[i].agency_code);
		printf("]}\n");
	} else {
		printf("Demo data (synthetic, clearly labelled): %zu agencies, %u cases.\n"
		       "Demo accounts, all with the password  %s\n",
		       (size_t)N_AGENCIES, total, password);
		for (size_t i = 0; i < N_USERS; i++)
			printf("  %-18s %-4s %s\n", users[i].username, users[i].agency_code,
			       sp_role_name(users[i].roles));
		if (batch)
			printf("Batch path: %u cases in %.1f s (%.0f cases/s); %s has %u open cases.\n",
			       total, seconds, seconds > 0 ? total / seconds : 0.0,
			       openers[0].username, total < BENCH_CASES ? total : BENCH_CASES);
		if (generated)
			printf("Generated registrations: %u cases in %.1f s (%.0f cases/s); the map is "
			       "in %s.\n", total, seconds, seconds > 0 ? total / seconds : 0.0, map);
		printf("The password is shown only now.\n");
	}
	sodium_memzero(password, sizeof password);
	return sp_app_close(&app) ? SP_EXIT_FAIL : SP_EXIT_OK;
}
