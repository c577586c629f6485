/* safepath key: rotate the data key, back the master key up under a recovery passphrase,
 * and restore it from such a backup; write the per-person key store's own short-lived
 * backups (store-backup) and restore one into a missing key store (store-restore). The
 * master key comes from --key-file, or from a passphrase (--passphrase-fd, or the terminal
 * when the data folder holds master.salt). Each is audited (key.rotate, key.store_backup;
 * key.backup, key.restore and key.store_restore flagged to the DPO), as the system or as the
 * --as user when one is given. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "safepath/audit.h"
#include "safepath/crypto.h"
#include "safepath/store.h"

static int sp_cmd_key(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_key = {
	"key", "rotate the data key; back up or restore the master key or the person key store",
	"key rotate\n"
	"       safepath key backup [--recovery-fd N] FILE\n"
	"       safepath key restore [--recovery-fd N] FILE\n"
	"       safepath key store-backup\n"
	"       safepath key store-restore FILE",
	sp_cmd_key,
};

struct key_ctx {
	struct sp_cli *cli;
	const char *data, *key_file, *file;
	char db[4096];
	int recovery_fd;
};

static int open_store(const struct key_ctx *c, struct sp_store **s, struct sp_err *err)
{
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 0};
	return sp_store_open(c->db, &opt, s, err);
}

/* Does m open the data keys of the database? Leaves err set when not. */
static int check_master(const struct key_ctx *c, const struct sp_master *m, struct sp_err *err)
{
	struct sp_store *s;
	struct sp_keys *k;
	int rc = open_store(c, &s, err);
	if (rc)
		return rc;
	rc = sp_keys_open(s, m, &k, err);
	sp_keys_free(k);
	sp_store_close(s);
	return rc;
}

static int read_recovery(const struct key_ctx *c, int confirm, char **pass, size_t *len,
			 struct sp_err *err)
{
	int rc = sp_passphrase_read(c->recovery_fd, "Recovery passphrase: ", pass, len, err);
	if (rc || !confirm || c->recovery_fd >= 0)
		return rc;
	char *again;
	size_t again_len;
	rc = sp_passphrase_read(-1, "Recovery passphrase again: ", &again, &again_len, err);
	if (!rc && (again_len != *len || sodium_memcmp(again, *pass, *len) != 0))
		rc = sp_err_set(err, SP_EINVAL, "recovery", "the two passphrases differ");
	sp_passphrase_free(again);
	if (rc) {
		sp_passphrase_free(*pass);
		*pass = NULL;
	}
	return rc;
}

/* Append one audit record for what was done, as the --as user or the system. */
static int audit(struct sp_app *app, const char *action, const char *object, unsigned flags,
		 struct sp_err *err)
{
	struct sp_audit_rec rec = {.action = action, .object_type = object, .flags = flags};
	return sp_app_audit(app, &rec, err);
}

static int open_app(struct key_ctx *c, struct sp_app *app)
{
	return sp_app_open(c->cli, c->cli->as_user ? SP_APP_USER : 0, app);
}

/* After a restore: open the app, append one record flagged to the DPO, close; the exit code
 * (a failure printed as what). */
static int audit_restore(struct key_ctx *c, const char *action, const char *object,
			 const char *what, struct sp_err *err)
{
	struct sp_app app;
	int rc = open_app(c, &app);
	if (rc)
		return rc; /* printed */
	rc = audit(&app, action, object, SP_AUDIT_F_DPO, err);
	int closed = sp_app_close(&app);
	if (rc)
		return sp_cli_fail(err, what);
	return closed ? SP_EXIT_FAIL : SP_EXIT_OK;
}

static int key_rotate(struct key_ctx *c, struct sp_err *err)
{
	struct sp_app app;
	int rc = open_app(c, &app);
	if (rc)
		return rc; /* printed */
	/* The rotation commits before its audit record: sp_keys_rotate must not share the
	 * caller's transaction, since a rollback would leave a loaded key the database lacks. */
	rc = sp_keys_rotate(app.store, app.keys, err);
	if (!rc)
		rc = audit(&app, "key.rotate", "data_key", 0, err);
	if (!rc) {
		if (c->cli->json)
			printf("{\"data_key_version\":%lu,\"versions\":%zu}\n",
			       (unsigned long)sp_keys_data_version(app.keys), sp_keys_data_count(app.keys));
		else
			printf("data key version %lu is now used for new data; the %zu older version(s) still open older data\n",
			       (unsigned long)sp_keys_data_version(app.keys),
			       sp_keys_data_count(app.keys) - 1);
	}
	int crc = sp_app_close(&app);
	return rc ? sp_cli_fail(err, "key rotate") : crc ? SP_EXIT_FAIL : SP_EXIT_OK;
}

/* Backup needs the master key itself, which sp_app_open does not keep: load it here, and in
 * passphrase mode hand the passphrase read here to sp_app_open through a pipe (it reads
 * cli->passphrase_fd) instead of asking twice. *fd is that pipe's read end, or -1. */
static int master_once(struct key_ctx *c, struct sp_master **m, int *fd, struct sp_err *err)
{
	char *pass = NULL, salt[4096];
	size_t len = 0;
	int p[2] = {-1, -1};
	*fd = -1;
	if (c->cli->passphrase_fd < 0) {
		int rc = sp_master_key_file_load(c->key_file, c->data, m, err);
		int w = snprintf(salt, sizeof salt, "%s/master.salt", c->data);
		if (rc != SP_ENOTFOUND || w < 0 || (size_t)w >= sizeof salt || access(salt, F_OK) != 0)
			return rc;
	}
	int rc = sp_passphrase_read(c->cli->passphrase_fd, "Master passphrase: ", &pass, &len, err);
	if (!rc)
		rc = sp_master_from_passphrase(c->data, pass, len, NULL, m, err);
	if (!rc && (pipe(p) != 0 || write(p[1], pass, len) != (ssize_t)len || write(p[1], "\n", 1) != 1))
		rc = sp_err_set(err, SP_EIO, "", "cannot pass the passphrase on");
	sp_passphrase_free(pass);
	if (p[1] >= 0)
		close(p[1]);
	if (rc) {
		if (p[0] >= 0)
			close(p[0]);
		sp_master_free(*m);
		*m = NULL;
		return rc;
	}
	*fd = p[0];
	return SP_OK;
}

static int key_backup(struct key_ctx *c, struct sp_err *err)
{
	struct sp_app app;
	struct sp_master *m = NULL;
	char *pass = NULL;
	size_t len = 0;
	int fd;
	int rc = master_once(c, &m, &fd, err);
	if (rc)
		return sp_cli_fail(err, "key backup");
	/* Opening the app proves the master key opens the data keys (a backup of a mistyped
	 * passphrase's key would be worthless) and authenticates --as. */
	int saved_fd = c->cli->passphrase_fd;
	if (fd >= 0)
		c->cli->passphrase_fd = fd;
	rc = open_app(c, &app);
	c->cli->passphrase_fd = saved_fd;
	if (fd >= 0)
		close(fd);
	if (rc) {
		sp_master_free(m);
		return rc; /* printed */
	}
	rc = read_recovery(c, 1, &pass, &len, err);
	if (!rc)
		rc = sp_master_backup(m, c->file, pass, len, &sp_kdf_master_default, err);
	if (!rc)
		rc = audit(&app, "key.backup", "master_key", SP_AUDIT_F_DPO, err);
	if (!rc) {
		if (c->cli->json)
			printf("{\"backup\":\"written\"}\n");
		else
			printf("master key backed up; keep the file and the recovery passphrase apart from the data folder and from each other\n");
	}
	sp_passphrase_free(pass);
	sp_master_free(m);
	int crc = sp_app_close(&app);
	return rc ? sp_cli_fail(err, "key backup") : crc ? SP_EXIT_FAIL : SP_EXIT_OK;
}

static int key_restore(struct key_ctx *c, struct sp_err *err)
{
	struct sp_master *m = NULL;
	char *pass = NULL;
	size_t len = 0;
	int rc = read_recovery(c, 0, &pass, &len, err);
	if (!rc)
		rc = sp_master_restore(c->file, pass, len, c->key_file, c->data, &m, err);
	sp_passphrase_free(pass);
	if (rc) {
		sp_master_free(m);
		return sp_cli_fail(err, "key restore");
	}
	/* A restore may come before the data does: check quietly, audit only if it opens. */
	struct sp_err check = {0};
	int crc = check_master(c, m, &check);
	sp_master_free(m);
	int opens = crc == SP_OK ? 1 : crc == SP_ECRYPTO ? 0 : -1;
	if (opens == 1 &&
	    (rc = audit_restore(c, "key.restore", "master_key", "key restore", err)) != SP_EXIT_OK)
		return rc;
	if (c->cli->json)
		printf("{\"key_file\":\"written\",\"opens_data_keys\":%s}\n",
		       opens == 1 ? "true" : opens == 0 ? "false" : "null");
	else if (opens == 0)
		fprintf(stderr, "safepath: key restore: the key file is written, but the restored key does not open this database's data keys\n");
	else
		printf("master key restored to the key file (mode 0600)%s\n",
		       opens == 1 ? "; it opens the data keys" : "");
	return opens == 0 ? SP_EXIT_FAIL : SP_EXIT_OK;
}

/* A new encrypted backup of the person key store in persons-backups/ beside it; the older
 * ones beyond key-store-backup-keep or key-store-backup-days are removed. */
static int key_store_backup(struct key_ctx *c, struct sp_err *err)
{
	struct sp_app app;
	int rc = open_app(c, &app);
	if (rc)
		return rc; /* printed */
	const struct sp_keystore_backup_policy p = {
		.keep = (long)sp_config_get_int(&c->cli->cfg, "key-store-backup-keep"),
		.max_days = (long)sp_config_get_int(&c->cli->cfg, "key-store-backup-days"),
	};
	struct sp_keystore_backup_report rep;
	rc = sp_keystore_backup(app.ks, app.keys, &p, &rep, err);
	if (!rc)
		rc = audit(&app, "key.store_backup", "person_keys", 0, err);
	if (!rc && c->cli->json)
		printf("{\"written\":\"%s\",\"retained\":%zu,\"removed\":%zu}\n", rep.file,
		       rep.retained, rep.removed);
	else if (!rc)
		printf("key store backed up to persons-backups/%s; %zu kept, %zu older removed\n",
		       rep.file, rep.retained, rep.removed);
	int crc = sp_app_close(&app);
	return rc ? sp_cli_fail(err, "key store-backup") : crc ? SP_EXIT_FAIL : SP_EXIT_OK;
}

/* Into a server database's key store that holds no key: made when missing, the backup
 * copied in (sp_keystore_restore_into). */
static int restore_into_db(const char *url, const char *key_file, const struct sp_keys *k,
			   const char *file, struct sp_err *err)
{
	struct sp_keystore *ks = NULL;
	char dir[4200];
	int rc = sp_cli_ks_backups(key_file, dir, sizeof dir, err);
	if (!rc)
		rc = sp_keystore_open(url, 1, &ks, err);
	if (!rc)
		rc = sp_keystore_set_backup_dir(ks, dir, err);
	if (!rc)
		rc = sp_keystore_restore_into(ks, k, file, err);
	sp_keystore_close(ks);
	return rc;
}

/* Into a missing or empty key store only (keystore-db, else the one beside the key file or
 * the data database's _keys sibling): its master key's subkeys decrypt the backup; then
 * audited, flagged to the DPO. */
static int key_store_restore(struct key_ctx *c, struct sp_err *err)
{
	struct sp_master *m = NULL;
	struct sp_keys *k = NULL;
	struct sp_buf url;
	sp_buf_init(&url, 4200);
	const char *set = sp_config_get(&c->cli->cfg, "keystore-db");
	int rc = set && *set ? sp_buf_adds(&url, set)
			     : sp_keystore_default_url(c->key_file, c->db, &url);
	if (rc)
		rc = sp_err_set(err, rc, "keystore-db", "no key store URL (too long, or a database "
				"URL that names no database)");
	const char *path = !rc && !strstr(url.data, "://")
				   ? url.data + (strncmp(url.data, "sqlite:", 7) == 0 ? 7 : 0)
				   : NULL;
	if (!rc)
		rc = sp_master_open(c->key_file, c->data, c->cli->passphrase_fd, &m, err);
	if (!rc)
		rc = sp_keys_derive(m, &k, err);
	if (!rc && path && access(path, F_OK) == 0)
		rc = sp_err_set(err, SP_ECONFLICT, "key-store",
				"the key store exists; a backup only replaces a lost one");
	if (!rc)
		rc = path ? sp_keystore_restore(k, c->file, path, err)
			  : restore_into_db(url.data, c->key_file, k, c->file, err);
	sp_keys_free(k);
	sp_master_free(m);
	sp_buf_free(&url);
	if (rc)
		return sp_cli_fail(err, "key store-restore");
	rc = audit_restore(c, "key.store_restore", "person_keys", "key store-restore", err);
	if (rc == SP_EXIT_OK && c->cli->json)
		printf("{\"key_store\":\"restored\"}\n");
	else if (rc == SP_EXIT_OK)
		printf("person key store restored\n");
	return rc;
}

static const struct {
	const char *name;
	int (*run)(struct key_ctx *c, struct sp_err *err); /* returns the exit code */
	int takes_file;
} subcommands[] = {
	{"rotate", key_rotate, 0},
	{"backup", key_backup, 1},
	{"restore", key_restore, 1},
	{"store-backup", key_store_backup, 0},
	{"store-restore", key_store_restore, 1},
};

static int sp_cmd_key(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"recovery-fd", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct key_ctx c = {.cli = cli, .recovery_fd = -1};
	struct sp_err err = {0};
	if (argc < 2)
		return sp_cli_usage(&sp_cli_cmd_key, "key needs a subcommand");
	size_t which = 0, n = sizeof subcommands / sizeof subcommands[0];
	while (which < n && strcmp(subcommands[which].name, argv[1]) != 0)
		which++;
	if (which == n)
		return sp_cli_usage(&sp_cli_cmd_key, "no key subcommand '%s'", argv[1]);
	int ch;
	optind = 0; /* restart getopt on the subcommand's arguments */
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (ch != 'r')
			return sp_cli_usage(&sp_cli_cmd_key, "unknown option");
		char *end;
		long fd = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || fd < 0 || fd > 1023)
			return sp_cli_usage(&sp_cli_cmd_key, "--recovery-fd: must be a file descriptor number");
		c.recovery_fd = (int)fd;
	}
	int rest = argc - 1 - optind;
	if (subcommands[which].takes_file ? rest != 1 : rest != 0)
		return sp_cli_usage(&sp_cli_cmd_key, subcommands[which].takes_file ? "key %s needs one FILE"
									     : "key %s takes no arguments",
				    argv[1]);
	if (c.recovery_fd >= 0 && !subcommands[which].takes_file)
		return sp_cli_usage(&sp_cli_cmd_key, "--recovery-fd is for backup and restore");
	if (c.recovery_fd >= 0 && strncmp(argv[1], "store-", 6) == 0)
		return sp_cli_usage(&sp_cli_cmd_key, "--recovery-fd is for the master key's backup");
	c.file = subcommands[which].takes_file ? argv[1 + optind] : NULL;
	c.data = sp_config_get(&cli->cfg, "data");
	c.key_file = sp_config_get(&cli->cfg, "key-file");
	const char *db = sp_config_get(&cli->cfg, "db");
	int w = db && *db ? snprintf(c.db, sizeof c.db, "%s", db)
			  : snprintf(c.db, sizeof c.db, "sqlite:%s/safepath.db", c.data);
	if (w < 0 || (size_t)w >= sizeof c.db)
		return sp_cli_usage(&sp_cli_cmd_key, "--db or --data too long");
	return subcommands[which].run(&c, &err);
}
