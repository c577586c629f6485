/* safepath restore --from FILE: a backup into an empty store only (sp_backup_restore), then
 * the signed restore checkpoint, so `audit verify` passes and names the checkpoints the
 * restore rolled back. Needs the master key the backup was made with; the data folder is
 * made (0700) when missing. Audited afterwards (store.restore, flagged to the DPO). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "safepath/backup.h"

static int sp_cmd_restore(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_restore = {
	"restore", "restore a backup into an empty store",
	"restore --from FILE",
	sp_cmd_restore,
};

/* A restore that fails leaves no database file it created (SQLite; a server database is
 * left empty by the copy's one transaction). */
static void remove_created(const char *db_url)
{
	sp_store_sqlite_remove(strncmp(db_url, "sqlite:", 7) == 0 ? db_url + 7 : db_url);
}

/* The record of the restore (store.restore, flagged to the DPO, by the system) and a
 * checkpoint after it, with the store and audit keys the restore used: the person-key store
 * need not be there yet (a restore onto a new database server comes before the key store's). */
static int audit_restore(struct sp_store *s, const struct sp_audit_keys *ak,
			 const char *audit_dir, struct sp_err *err)
{
	struct sp_audit_rec rec = {.action = "store.restore", .flags = SP_AUDIT_F_DPO};
	int rc = sp_store_begin_write(s, err);
	if (!rc)
		rc = sp_audit_append(s, ak, &rec, NULL, err);
	if (!rc)
		rc = sp_store_commit(s, err);
	sp_store_rollback(s); /* nothing when committed */
	return rc ? rc : sp_audit_checkpoint(s, ak, audit_dir, err);
}

/* Everything before the app can be opened: the master key, the subkeys alone (the empty
 * store has no data keys yet, and opening them would make some), the store. */
static int restore(struct sp_cli *cli, const char *file, struct sp_backup_report *rep,
		   struct sp_err *err)
{
	const char *data = sp_config_get(&cli->cfg, "data");
	char db[4096], audit_dir[4096];
	struct sp_master *m = NULL;
	struct sp_keys *k = NULL;
	struct sp_audit_keys *ak = NULL;
	struct sp_store *s = NULL;
	if (sp_cli_paths(cli, db, sizeof db, audit_dir, sizeof audit_dir))
		return sp_err_set(err, SP_EINVAL, "data", "path too long");
	if (mkdir(data, 0700) != 0 && errno != EEXIST)
		return sp_err_set(err, SP_EIO, "data", "cannot create the data folder: %s",
				  strerror(errno));
	int rc = sp_master_open(sp_config_get(&cli->cfg, "key-file"), data, cli->passphrase_fd, &m,
				err);
	if (rc == SP_ENOTFOUND)
		sp_err_set(err, rc, "key-file",
			   "no master key: give the --key-file (or --passphrase-fd) the backup was made with");
	const struct sp_store_options opt = {
		.busy_timeout_ms = (int)sp_config_get_int(&cli->cfg, "busy-timeout-ms"), .create = 1};
	if (!rc)
		rc = sp_keys_derive(m, &k, err);
	if (!rc)
		rc = sp_audit_keys_new(k, &ak, err);
	int created = !strstr(db, "://") &&
		      access(strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db, F_OK) != 0;
	if (!rc)
		rc = sp_store_open(db, &opt, &s, err);
	if (!rc)
		rc = sp_backup_restore(file, s, k, ak, data, audit_dir, sp_cli_progress, cli, rep, err);
	if (!rc)
		rc = audit_restore(s, ak, audit_dir, err);
	sp_store_close(s);
	if (rc && created)
		remove_created(db);
	sp_audit_keys_free(ak);
	sp_keys_free(k);
	sp_master_free(m);
	return rc;
}

static int sp_cmd_restore(struct sp_cli *cli, int argc, char **argv)
{
	const char *file = sp_cli_file_option(argc, argv, "--from");
	if (!file)
		return sp_cli_usage(&sp_cli_cmd_restore, "restore needs --from FILE");
	struct sp_err err = {0};
	struct sp_backup_report rep;
	if (restore(cli, file, &rep, &err))
		return sp_cli_fail(&err, "restore");
	sp_cli_backup_print(cli, "restored", &rep);
	return SP_EXIT_OK;
}
