/* safepath's entry point: global options, configuration and the command table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <sodium.h>

#include "cli/cli.h"
#include "safepath/id.h"
#include "safepath/init.h"
#include "safepath/log.h"

extern char **environ;

static int cmd_version(struct sp_cli *cli, int argc, char **argv);
static int cmd_help(struct sp_cli *cli, int argc, char **argv);

static const struct sp_cli_cmd cmd_help_entry = {
	"help", "show the commands, or one command's help", "help [COMMAND]", cmd_help};
static const struct sp_cli_cmd cmd_version_entry = {"version", "print the version", "version",
						      cmd_version};

/* Every command, in the order `safepath help` lists them. */
static const struct sp_cli_cmd *const commands[] = {
	&sp_cli_cmd_init,
	&sp_cli_cmd_agency,
	&sp_cli_cmd_user,
	&sp_cli_cmd_approval,
	&sp_cli_cmd_case,
	&sp_cli_cmd_note,
	&sp_cli_cmd_need,
	&sp_cli_cmd_plan,
	&sp_cli_cmd_tracing,
	&sp_cli_cmd_deadline,
	&sp_cli_cmd_task,
	&sp_cli_cmd_notifications,
	&sp_cli_cmd_consent,
	&sp_cli_cmd_decision,
	&sp_cli_cmd_lifecycle,
	&sp_cli_cmd_services,
	&sp_cli_cmd_focal,
	&sp_cli_cmd_retention,
	&sp_cli_cmd_subject_access,
	&sp_cli_cmd_referral,
	&sp_cli_cmd_key,
	&sp_cli_cmd_audit,
	&sp_cli_cmd_backup,
	&sp_cli_cmd_restore,
	&sp_cli_cmd_store,
	&sp_cli_cmd_protocols,
	&sp_cli_cmd_jurisdictions,
	&sp_cli_cmd_match,
	&sp_cli_cmd_registry,
	&sp_cli_cmd_dedup,
	&sp_cli_cmd_demo,
	&sp_cli_cmd_serve,
	&cmd_help_entry,
	&cmd_version_entry,
	NULL,
};

static const char global_help[] =
	"Global options (anywhere on the line):\n"
	"  --data DIR          data folder (default ./var)\n"
	"  --db URL            sqlite:PATH or postgresql://... (default sqlite:DATA/safepath.db)\n"
	"  --keystore-db URL   person-key store (default KEYDIR/persons.db, or on PostgreSQL DB_keys)\n"
	"  --key-file FILE     master key file (default ./keys/master.key)\n"
	"  --passphrase-fd N   read the master passphrase from file descriptor N\n"
	"  --config FILE       configuration file (default DATA/safepath.conf if present)\n"
	"  --as USER           act as this user (commands that touch personal data)\n"
	"  --password-fd N     read USER's password from file descriptor N, not the terminal\n"
	"  --json              machine-readable output\n"
	"  --log-level LEVEL   debug, info, warn or error\n";

const struct sp_cli_cmd *sp_cli_find(const char *name)
{
	for (const struct sp_cli_cmd *const *c = commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

int sp_cli_fail(const struct sp_err *err, const char *what)
{
	if (err->field[0])
		fprintf(stderr, "safepath: %s: %s: %s\n", what, err->field, err->msg);
	else
		fprintf(stderr, "safepath: %s: %s\n", what, err->msg[0] ? err->msg : sp_status_name(err->code));
	return SP_EXIT_FAIL;
}

int sp_cli_usage(const struct sp_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("safepath: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: safepath %s\n", cmd->usage);
	return SP_EXIT_USAGE;
}

int sp_cli_wants_help(const struct sp_cli_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: safepath %s\n\n%s.\n\n%s", cmd->usage, cmd->summary, global_help);
			return 1;
		}
	}
	return 0;
}

static void print_commands(FILE *f)
{
	fprintf(f, "usage: safepath [global options] COMMAND [options]\n\nCommands:\n");
	for (const struct sp_cli_cmd *const *c = commands; *c; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\n%s\nRun 'safepath COMMAND --help' for a command's options.\n", global_help);
}

static int cmd_help(struct sp_cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 1) {
		const struct sp_cli_cmd *c = sp_cli_find(argv[1]);
		if (!c) {
			fprintf(stderr, "safepath: no command '%s'\n", argv[1]);
			return SP_EXIT_USAGE;
		}
		char help_flag[] = "--help";
		char *args[] = {argv[1], help_flag, NULL};
		return sp_cli_wants_help(c, 2, args) ? SP_EXIT_OK : SP_EXIT_FAIL;
	}
	print_commands(stdout);
	return SP_EXIT_OK;
}

static int cmd_version(struct sp_cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cli->json)
		printf("{\"version\":\"%s\",\"libsodium\":\"%s\"}\n", SAFEPATH_VERSION,
		       sodium_version_string());
	else
		printf("safepath %s (libsodium %s)\n", SAFEPATH_VERSION, sodium_version_string());
	return SP_EXIT_OK;
}

static int parse_fd(const char *opt, const char *v, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 0 || n > 1023) {
		fprintf(stderr, "safepath: %s: must be a file descriptor number\n", opt);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* Take the global options out of argv, wherever they stand, so each command's own getopt
 * sees only its options. Flags override the environment, which overrides the file. */
static int parse_globals(struct sp_cli *cli, int *argc, char **argv)
{
	const char *flags[5][2] = {{"--data", "data"}, {"--db", "db"}, {"--key-file", "key-file"},
				   {"--log-level", "log-level"}, {"--keystore-db", "keystore-db"}};
	const char *flag_val[5] = {NULL, NULL, NULL, NULL, NULL};
	const char *config_file = NULL;
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		int matched = -1;
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		static const char *const with_value[] = {"--data", "--db", "--key-file", "--log-level",
							 "--keystore-db", "--config", "--as",
							 "--password-fd", "--passphrase-fd", NULL};
		for (int k = 0; with_value[k]; k++) {
			size_t n = strlen(with_value[k]);
			if (strncmp(a, with_value[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
				matched = k;
				if (a[n] == '=')
					val = a + n + 1;
				else if (i + 1 < *argc)
					val = argv[++i];
				else {
					fprintf(stderr, "safepath: %s needs a value\n", with_value[k]);
					return -1;
				}
			}
		}
		if (matched < 0) {
			if (strcmp(a, "--json") == 0)
				cli->json = 1;
			else
				argv[out++] = argv[i];
			continue;
		}
		switch (matched) {
		case 5:
			config_file = val;
			break;
		case 6:
			cli->as_user = val;
			break;
		case 7:
			if (parse_fd("--password-fd", val, &cli->password_fd))
				return -1;
			break;
		case 8:
			if (parse_fd("--passphrase-fd", val, &cli->passphrase_fd))
				return -1;
			break;
		default:
			flag_val[matched] = val;
		}
	}
	argv[out] = NULL;
	*argc = out;

	struct sp_err err = {0};
	int rc = sp_config_load_env(&cli->cfg, environ, &err);
	const char *data = flag_val[0] ? flag_val[0] : sp_config_get(&cli->cfg, "data");
	char deflt[4096];
	if (!rc && !config_file) {
		snprintf(deflt, sizeof deflt, "%s/safepath.conf", data);
		config_file = deflt;
		rc = sp_config_load_file(&cli->cfg, config_file, &err);
		if (rc == SP_ENOTFOUND)
			rc = 0;
	} else if (!rc) {
		rc = sp_config_load_file(&cli->cfg, config_file, &err);
	}
	/* The file was read after the environment: put the environment back on top. */
	if (!rc)
		rc = sp_config_load_env(&cli->cfg, environ, &err);
	for (int k = 0; !rc && k < 5; k++)
		if (flag_val[k])
			rc = sp_config_set(&cli->cfg, flags[k][1], flag_val[k], SP_CONF_FLAG, &err);
	if (rc) {
		sp_cli_fail(&err, "configuration");
		return -1;
	}
	int level = sp_log_level_parse(sp_config_get(&cli->cfg, "log-level"));
	if (level < 0) {
		fprintf(stderr, "safepath: log-level: must be debug, info, warn or error\n");
		return -1;
	}
	sp_log_set_level((enum sp_log_level)level);
	return 0;
}

int main(int argc, char **argv)
{
	struct sp_cli cli = {.password_fd = -1, .passphrase_fd = -1, .prog = argv[0]};
	sp_config_init(&cli.cfg);
	umask(077); /* every file safepath makes is its user's alone */
	if (sp_init() != SP_OK) {
		fprintf(stderr, "safepath: libsodium failed to initialise\n");
		return SP_EXIT_FAIL;
	}
	int rc = SP_EXIT_USAGE;
	if (parse_globals(&cli, &argc, argv) < 0)
		goto out;
	if (argc < 2) {
		print_commands(stderr);
		goto out;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_commands(stdout);
		rc = SP_EXIT_OK;
		goto out;
	}
	if (strcmp(argv[1], "--version") == 0) {
		rc = cmd_version(&cli, 0, NULL);
		goto out;
	}
	const struct sp_cli_cmd *cmd = sp_cli_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "safepath: '%s' is not a command; see 'safepath help'\n", argv[1]);
		goto out;
	}
	if (sp_cli_wants_help(cmd, argc - 1, argv + 1)) {
		rc = SP_EXIT_OK;
		goto out;
	}
	int64_t t0 = sp_now_us();
	rc = cmd->run(&cli, argc - 1, argv + 1);
	char ms[24], code[8];
	snprintf(ms, sizeof ms, "%lld", (long long)((sp_now_us() - t0) / 1000));
	snprintf(code, sizeof code, "%d", rc);
	/* only the command's own name: any other word on the line may be personal */
	sp_log(SP_LOG_DEBUG, "cli.command", "command", cmd->name, "exit", code,
	       "ms", ms, (const char *)NULL);
out:
	sp_config_free(&cli.cfg);
	return rc;
}
