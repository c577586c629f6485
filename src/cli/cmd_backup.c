/* safepath backup --to FILE: an online, encrypted backup of the data store, verified by
 * reading it back (sp_backup_write); the server may be running. Audited (store.backup,
 * flagged to the DPO). The per-person key store is never in it: `key store-backup`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "safepath/backup.h"

static int sp_cmd_backup(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_backup = {
	"backup", "write an encrypted, verified backup of the data store",
	"backup --to FILE",
	sp_cmd_backup,
};

/* "--to FILE" / "--from FILE": the one option of backup and restore. */
const char *sp_cli_file_option(int argc, char **argv, const char *name)
{
	if (argc == 3 && strcmp(argv[1], name) == 0 && argv[2][0])
		return argv[2];
	return NULL;
}

void sp_cli_backup_print(const struct sp_cli *cli, const char *what,
			 const struct sp_backup_report *r)
{
	char created[SP_TIME_STRLEN + 1];
	sp_time_format(r->header.created_us, created);
	if (cli->json) {
		printf("{\"%s\":true,\"store\":\"%s\",\"format\":%d,\"schema_version\":%d,"
		       "\"created\":\"%s\",\"audit_seq\":%lld,\"audit_records\":%lld,\"tables\":%zu,"
		       "\"rows\":%lld,\"bytes\":%llu}\n",
		       what, r->header.store_kind, r->header.format, r->header.schema_version, created,
		       (long long)r->header.audit_seq, (long long)r->audit_records, r->tables,
		       (long long)r->rows, (unsigned long long)r->bytes);
		return;
	}
	printf("%s: %zu tables, %lld rows, audit trail verified up to record %lld; taken %s "
	       "from %s, schema version %d\n",
	       what, r->tables, (long long)r->rows, (long long)r->header.audit_seq, created,
	       r->header.store_kind, r->header.schema_version);
}

static int sp_cmd_backup(struct sp_cli *cli, int argc, char **argv)
{
	const char *file = sp_cli_file_option(argc, argv, "--to");
	if (!file)
		return sp_cli_usage(&sp_cli_cmd_backup, "backup needs --to FILE");
	struct sp_app app;
	int code = sp_app_open(cli, cli->as_user ? SP_APP_USER : 0, &app);
	if (code != SP_EXIT_OK)
		return code;
	struct sp_err err = {0};
	struct sp_backup_report rep;
	int rc = sp_backup_write(app.store, app.keys, app.akeys, file, sp_cli_progress, cli, &rep,
				 &err);
	if (!rc) {
		struct sp_audit_rec rec = {.action = "store.backup", .flags = SP_AUDIT_F_DPO};
		rc = sp_app_audit(&app, &rec, &err);
	}
	if (!rc) {
		sp_cli_backup_print(cli, "backup", &rep);
		if (!cli->json)
			printf("%llu bytes, encrypted; the per-person key store is not in it (safepath key "
			       "store-backup)\n",
			       (unsigned long long)rep.bytes);
	}
	int closed = sp_app_close(&app);
	return rc ? sp_cli_fail(&err, "backup") : closed ? SP_EXIT_FAIL : SP_EXIT_OK;
}
