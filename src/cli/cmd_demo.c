/* safepath demo: clearly labelled synthetic agencies, one user of every role, and a few
 * hundred synthetic persons and cases (names in Arabic, Ge'ez, Pashto, Cyrillic and Latin
 * script, some without a family name, some born on Solar Hijri dates), so that a new
 * installation can be tried at once. Everything goes through the library as a real user
 * would, audited; cases carry the `synthetic` flag. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "safepath/case.h"

static int cmd_demo(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_demo = {
	"demo",
	"add synthetic demo agencies, a user of every role and a few hundred synthetic cases",
	"demo [--cases N]\n"
	"  --cases N  how many synthetic cases to open (default 300, at most 5000)\n"
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

static int cmd_demo(struct sp_cli *cli, int argc, char **argv)
{
	unsigned total = 300;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end || n < 0 || n > 5000)
				return sp_cli_usage(&sp_cli_cmd_demo, "--cases must be 0 to 5000");
			total = (unsigned)n;
		} else {
			return sp_cli_usage(&sp_cli_cmd_demo, "unknown argument");
		}
	}
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
	for (size_t i = 0; !rc && i < sizeof openers / sizeof openers[0]; i++) {
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
		printf("{\"password\":\"%s\",\"cases\":%u,\"accounts\":[", password, total);
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
		printf("The password is shown only now.\n");
	}
	sodium_memzero(password, sizeof password);
	return sp_app_close(&app) ? SP_EXIT_FAIL : SP_EXIT_OK;
}
