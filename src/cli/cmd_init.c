/* safepath init: create the data folder, the master key (outside it), the database, the
 * person-key store, the first agency and the first administrator, whose one-time password
 * is printed once and must be changed at first login. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli/cli.h"

static int sp_cmd_init(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_init = {
	"init", "create the data folder, master key, database and first administrator",
	"init [--agency-code CODE] [--agency-name NAME] [--agency-kind KIND] [--country CC]\n"
	"                    [--admin USERNAME]\n"
	"  --agency-code  case-number prefix of the first agency, 2-6 letters (default SYS)\n"
	"  --agency-name  its name (default \"System administration\")\n"
	"  --agency-kind  immigration, police, labour_inspection, child_protection, ngo, health,\n"
	"                 shelter, legal_aid, guardian_service, international_organisation,\n"
	"                 partner_authority_abroad (default ngo)\n"
	"  --country      ISO 3166-1 alpha-2 code (default ZZ, unknown)\n"
	"  --admin        the first administrator's user name (default admin)\n"
	"The master key goes to --key-file (default ./keys/master.key), never inside the data\n"
	"folder; with --passphrase-fd N it is derived from a passphrase instead",
	sp_cmd_init,
};

/* Does the database at url hold safepath's schema already? A database that cannot be opened
 * (not made yet) does not: init makes it. Also for a server database, where no file in the
 * data folder tells. */
static int has_schema(const char *url)
{
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 0};
	struct sp_store *s = NULL;
	struct sp_stmt *st = NULL;
	struct sp_err err = {0};
	int yes = 0;
	if (sp_store_open(url, &opt, &s, &err))
		return 0;
	if (sp_store_prepare(s, "SELECT COUNT(*) FROM schema_migrations", &st, &err) == SP_OK &&
	    sp_stmt_step(st, &err) == 1)
		yes = sp_stmt_int64(st, 0) > 0;
	sp_stmt_done(st);
	sp_store_close(s);
	return yes;
}

static int sp_cmd_init(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"agency-code", required_argument, NULL, 'c'},
		{"agency-name", required_argument, NULL, 'n'},
		{"agency-kind", required_argument, NULL, 'k'},
		{"country", required_argument, NULL, 'C'},
		{"admin", required_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	struct sp_agency ag = {.kind = SP_AGENCY_NGO};
	const char *code = "SYS", *name = "System administration", *country = "ZZ",
		   *admin = "admin";
	int ch;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			code = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'k':
			if (sp_agency_kind_parse(optarg, &ag.kind) != SP_OK)
				return sp_cli_usage(&sp_cli_cmd_init, "--agency-kind: unknown kind");
			break;
		case 'C':
			country = optarg;
			break;
		case 'a':
			admin = optarg;
			break;
		default:
			return sp_cli_usage(&sp_cli_cmd_init, "unknown option");
		}
	}
	if (optind != argc)
		return sp_cli_usage(&sp_cli_cmd_init, "init takes no arguments");
	if (strlen(code) >= sizeof ag.code || strlen(name) >= sizeof ag.name ||
	    strlen(country) >= sizeof ag.country)
		return sp_cli_usage(&sp_cli_cmd_init, "--agency-code, --agency-name or --country too long");
	memcpy(ag.code, code, strlen(code) + 1);
	memcpy(ag.name, name, strlen(name) + 1);
	memcpy(ag.country, country, strlen(country) + 1);
	/* Check every input before creating anything: a refused init leaves nothing behind. */
	struct sp_err err = {0};
	if (sp_agency_check(&ag, &err) || sp_username_check(admin, &err)) {
		static const char *const option_of[][2] = {
			{"code", "--agency-code"}, {"name", "--agency-name"},
			{"kind", "--agency-kind"}, {"country", "--country"},
			{"username", "--admin"},
		};
		for (size_t i = 0; i < sizeof option_of / sizeof option_of[0]; i++)
			if (strcmp(err.field, option_of[i][0]) == 0) {
				snprintf(err.field, sizeof err.field, "%s", option_of[i][1]);
				break;
			}
		return sp_cli_fail(&err, "init");
	}

	/* Refuse before creating anything: init never touches an existing installation. */
	const char *data = sp_config_get(&cli->cfg, "data");
	char marker[4096];
	struct stat st;
	int w = snprintf(marker, sizeof marker, "%s/safepath.db", data);
	if (w > 0 && (size_t)w < sizeof marker && stat(marker, &st) == 0) {
		fprintf(stderr, "safepath: init: %s is already set up\n", data);
		return SP_EXIT_FAIL;
	}
	const char *db = sp_config_get(&cli->cfg, "db");
	if (db && *db && has_schema(db)) {
		fprintf(stderr, "safepath: init: db: the database is already set up\n");
		return SP_EXIT_FAIL;
	}
	struct sp_app app;
	int rc = sp_app_open(cli, SP_APP_CREATE, &app);
	if (rc)
		return rc;
	char otp[SP_OTP_SIZE] = {0};
	struct sp_user user;
	rc = sp_access_bootstrap(&app.access, &ag, admin, otp, &user, &err);
	if (rc) {
		sp_app_close(&app);
		if (rc == SP_ECONFLICT)
			sp_err_set(&err, rc, "", "this data folder is already set up");
		return sp_cli_fail(&err, "init");
	}
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "data", app.data_dir, "admin", admin,
				      "one_time_password", otp);
		sp_cli_print_json(j);
		json_decref(j);
	} else
		printf("safepath is set up in %s (master key: %s)\n"
		       "administrator: %s\none-time password: %s\n"
		       "It is shown only now; change it with: safepath user passwd --as %s\n",
		       app.data_dir, cli->passphrase_fd >= 0 ? "from the passphrase" : app.key_file,
		       admin, otp, admin);
	sodium_memzero(otp, sizeof otp);
	return sp_app_close(&app) ? SP_EXIT_FAIL : SP_EXIT_OK;
}
