/* safepath demo: clearly labelled synthetic agencies, one user of every role, and a few
 * hundred synthetic persons and cases (names in Arabic, Ge'ez, Pashto, Cyrillic and Latin
 * script, some without a family name, some born on Solar Hijri dates), so that a new
 * installation can be tried at once. Everything goes through the library as a real user
 * would, audited; cases carry the `synthetic` flag. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "safepath/case.h"
#include "safepath/caseevent.h"
#include "safepath/jurisdiction.h"
#include "safepath/need.h"
#include "safepath/referral.h"
#include "safepath/service.h"
#include "safepath/task.h"

static int cmd_demo(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_demo = {
	"demo",
	"add synthetic demo agencies, a user of every role and a few hundred synthetic cases",
	"demo [--cases N] [--batch]\n"
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

static int cmd_demo(struct sp_cli *cli, int argc, char **argv)
{
	unsigned total = 300;
	long cases = -1;
	bool batch = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			char *end;
			cases = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end)
				cases = -2;
		} else if (strcmp(argv[i], "--batch") == 0) {
			batch = true;
		} else {
			return sp_cli_usage(&sp_cli_cmd_demo, "unknown argument");
		}
	}
	if (cases < -1 || cases > (batch ? 10000000 : 5000))
		return sp_cli_usage(&sp_cli_cmd_demo, batch ? "--cases must be 0 to 10000000"
							    : "--cases must be 0 to 5000");
	if (cases >= 0)
		total = (unsigned)cases;
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
	rc = sp_access_demo_seed(&app.access, agencies, N_AGENCIES, users, N_USERS, password, &err);
	unsigned done = 0;
	double seconds = 0;
	if (!rc && batch)
		rc = demo_batch(cli, &app, total, &seconds, &err);
	for (size_t i = 0; !rc && !batch && i < sizeof openers / sizeof openers[0]; i++) {
		unsigned n = total * openers[i].share / 100;
		if (i == sizeof openers / sizeof openers[0] - 1)
			n = total - done;
		rc = open_cases(&app, openers[i].username, 7919 + i, n, &done, total, &err);
	}
	if (rc) {
		sodium_memzero(password, sizeof password);
		sp_app_close(&app);
		return sp_cli_fail(&err, "demo");
	}
	if (cli->json) {
		printf("{\"password\":\"%s\",\"cases\":%u,", password, total);
		if (batch)
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
		printf("The password is shown only now.\n");
	}
	sodium_memzero(password, sizeof password);
	return sp_app_close(&app) ? SP_EXIT_FAIL : SP_EXIT_OK;
}
