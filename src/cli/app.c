/* Opening what a command works with, in one place: database (migrated), master and data
 * keys, the person-key store, audit keys, the access context and the --as user. Also what
 * the commands share: running a subcommand from its command's table (agency, approval and
 * user on the opened app; case, note and consent with the casework context over it), case
 * references, and JSON in and out. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "safepath/buf.h"
#include "safepath/case.h"
#include "safepath/json.h"
#include "safepath/notification.h"
#include "safepath/protocol.h"

static int fail(struct sp_app *app, const struct sp_err *err, const char *what)
{
	sp_app_close(app);
	return sp_cli_fail(err, what);
}

int sp_cli_paths(struct sp_cli *cli, char *db_url, size_t db_cap, char *audit_dir,
		 size_t audit_cap)
{
	const char *data = sp_config_get(&cli->cfg, "data");
	const char *db = sp_config_get(&cli->cfg, "db");
	int w = db && *db ? snprintf(db_url, db_cap, "%s", db)
			  : snprintf(db_url, db_cap, "sqlite:%s/safepath.db", data);
	int w2 = snprintf(audit_dir, audit_cap, "%s/audit", data);
	return w < 0 || (size_t)w >= db_cap || w2 < 0 || (size_t)w2 >= audit_cap ? SP_EINVAL : SP_OK;
}

/* One line per phase, rewritten when its percentage changes and ended at 100%. */
void sp_cli_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	static char last_phase[16];
	static unsigned last_pct;
	const struct sp_cli *cli = ctx;
	if (cli->json || !isatty(2))
		return;
	unsigned pct = total && done < total ? (unsigned)(done * 100 / total) : 100;
	int same = strncmp(last_phase, phase, sizeof last_phase - 1) == 0;
	if (same && pct == last_pct)
		return;
	if (!same && last_phase[0] && last_pct < 100)
		fputc('\n', stderr);
	snprintf(last_phase, sizeof last_phase, "%s", phase);
	last_pct = pct;
	fprintf(stderr, "\r%-8s %3u%%", phase, pct);
	if (pct == 100)
		fputc('\n', stderr);
}

/* The key store's URL: the keystore-db setting, else derived from the data's URL. */
static int keystore_url(struct sp_app *app, struct sp_err *err)
{
	const char *set = sp_config_get(&app->cli->cfg, "keystore-db");
	struct sp_buf url;
	sp_buf_init(&url, sizeof app->ks_url - 1);
	int rc = set && *set ? sp_buf_adds(&url, set)
			     : sp_keystore_default_url(app->key_file, app->db_url, &url);
	if (rc == SP_EINVAL)
		rc = sp_err_set(err, rc, "keystore-db", "the database URL names no database to "
				"derive the key store's from: give --keystore-db URL");
	else if (rc)
		rc = sp_err_set(err, SP_EINVAL, "keystore-db", "URL too long");
	else
		memcpy(app->ks_url, url.data, url.len + 1);
	sp_buf_free(&url);
	if (!rc && strstr(app->ks_url, "://"))
		rc = sp_cli_ks_backups(app->key_file, app->ks_backups, sizeof app->ks_backups, err);
	return rc;
}

int sp_cli_ks_backups(const char *key_file, char *out, size_t cap, struct sp_err *err)
{
	const char *slash = strrchr(key_file, '/');
	int n = slash ? snprintf(out, cap, "%.*s/persons-backups", (int)(slash - key_file), key_file)
		      : snprintf(out, cap, "persons-backups");
	if (n < 0 || (size_t)n >= cap)
		return sp_err_set(err, SP_EINVAL, "key-file", "path too long");
	return SP_OK;
}

/* Ask for the --as user's password and check it. */
static int authenticate(struct sp_app *app, unsigned flags, struct sp_err *err)
{
	struct sp_cli *cli = app->cli;
	char prompt[128];
	snprintf(prompt, sizeof prompt, "Password for %.64s: ", cli->as_user);
	char *pw = NULL;
	size_t len = 0;
	int rc = sp_passphrase_read(cli->password_fd, prompt, &pw, &len, err);
	if (rc) {
		err->field[0] = '\0';
		snprintf(err->field, sizeof err->field, "password");
		return rc;
	}
	rc = sp_user_authenticate(&app->access, cli->as_user, pw, &app->user, err);
	sp_passphrase_free(pw);
	if (rc)
		return rc;
	if (app->user.must_change_password && !(flags & SP_APP_ALLOW_OTP))
		return sp_err_set(err, SP_EDENIED, "",
				  "the password must be changed first: safepath user passwd --as %.64s",
				  cli->as_user);
	app->has_user = 1;
	sp_user_subject(&app->user, &app->subject);
	return SP_OK;
}

int sp_app_open(struct sp_cli *cli, unsigned flags, struct sp_app *app)
{
	struct sp_err err = {0};
	struct sp_master *m = NULL;
	int made_dir = 0;
	memset(app, 0, sizeof *app);
	app->cli = cli;
	app->data_dir = sp_config_get(&cli->cfg, "data");
	app->key_file = sp_config_get(&cli->cfg, "key-file");
	if (sp_cli_paths(cli, app->db_url, sizeof app->db_url, app->audit_dir,
			 sizeof app->audit_dir)) {
		sp_err_set(&err, SP_EINVAL, "data", "path too long");
		return fail(app, &err, "open");
	}
	if (keystore_url(app, &err))
		return fail(app, &err, "open");
	if ((flags & SP_APP_USER) && !cli->as_user) {
		fprintf(stderr, "safepath: this command reads or writes personal data: name the acting user with --as USER\n");
		return SP_EXIT_USAGE;
	}

	int rc;
	if (flags & SP_APP_CREATE) {
		made_dir = mkdir(app->data_dir, 0700) == 0;
		if (!made_dir && errno != EEXIST) {
			sp_err_set(&err, SP_EIO, "data", "cannot create the data folder: %s",
				   strerror(errno));
			return fail(app, &err, "init");
		}
		if (cli->passphrase_fd >= 0) {
			char *pass = NULL;
			size_t len = 0;
			rc = sp_passphrase_read(cli->passphrase_fd, "Master passphrase: ", &pass, &len,
						&err);
			if (!rc)
				rc = sp_master_from_passphrase(app->data_dir, pass, len,
							       &sp_kdf_master_default, &m, &err);
			sp_passphrase_free(pass);
		} else {
			rc = sp_master_key_file_create(app->key_file, app->data_dir, &m, &err);
		}
	} else {
		rc = sp_master_open(app->key_file, app->data_dir, cli->passphrase_fd, &m, &err);
		if (rc == SP_ENOTFOUND)
			sp_err_set(&err, rc, "key-file",
				   "no master key here; run 'safepath init' first, or give --key-file or --passphrase-fd");
	}
	if (rc) {
		if (made_dir)
			rmdir(app->data_dir); /* a failed init leaves nothing behind */
		return fail(app, &err, "master key");
	}

	struct sp_store_options opt = {
		.busy_timeout_ms = (int)sp_config_get_int(&cli->cfg, "busy-timeout-ms"),
		.create = (flags & SP_APP_CREATE) != 0,
	};
	rc = sp_store_open(app->db_url, &opt, &app->store, &err);
	if (rc == SP_EUNAVAIL && !(flags & SP_APP_CREATE))
		sp_err_set(&err, rc, "db", "cannot open the database; run 'safepath init' first");
	if (!rc)
		rc = sp_store_migrate(app->store, &err);
	if (!rc)
		rc = sp_keys_open(app->store, m, &app->keys, &err);
	sp_master_free(m);
	if (rc == SP_ECRYPTO)
		sp_err_set(&err, rc, "key-file", "this master key does not open this database");
	if (rc)
		return fail(app, &err, "open");

	rc = sp_keystore_open(app->ks_url, (flags & SP_APP_CREATE) != 0, &app->ks, &err);
	if (rc == SP_EUNAVAIL)
		snprintf(err.field, sizeof err.field, "keystore-db");
	if (!rc && app->ks_backups[0])
		rc = sp_keystore_set_backup_dir(app->ks, app->ks_backups, &err);
	if (!rc)
		rc = sp_audit_keys_new(app->keys, &app->akeys, &err);
	if (!rc)
		rc = sp_access_init(&app->access, app->store, &cli->cfg, &err);
	if (!rc)
		sp_access_set_audit_keys(&app->access, app->akeys);
	if (rc)
		return fail(app, &err, "open");
	if (flags & SP_APP_USER) {
		rc = authenticate(app, flags, &err);
		if (rc)
			return fail(app, &err, "login");
	}
	return SP_EXIT_OK;
}

int sp_app_audit(struct sp_app *app, struct sp_audit_rec *rec, struct sp_err *err)
{
	rec->actor = app->subject.user;
	rec->agency = app->subject.agency;
	int own = !sp_store_in_transaction(app->store);
	int rc = own ? sp_store_begin_write(app->store, err) : SP_OK;
	if (!rc)
		rc = sp_audit_append(app->store, app->akeys, rec, NULL, err);
	if (own) {
		if (!rc)
			rc = sp_store_commit(app->store, err);
		if (rc)
			sp_store_rollback(app->store);
	}
	return rc;
}

int sp_app_close(struct sp_app *app)
{
	int rc = SP_OK;
	if (app->store && app->akeys) {
		struct sp_err err = {0};
		rc = sp_audit_checkpoint(app->store, app->akeys, app->audit_dir, &err);
		if (rc)
			sp_cli_fail(&err, "audit checkpoint");
	}
	sp_audit_keys_free(app->akeys);
	sp_vocab_free(app->vocab);
	sp_keystore_close(app->ks);
	sp_keys_free(app->keys);
	sp_store_close(app->store);
	memset(app, 0, sizeof *app);
	return rc;
}

/* ---- the notifier (serve, notifications deliver) ---- */

int sp_cli_notifier_open(struct sp_cli *cli, struct sp_notifier *out, struct sp_err *err)
{
	char dir[4096];
	const char *spool = sp_config_get(&cli->cfg, "notify-spool");
	int w = spool && *spool
			? snprintf(dir, sizeof dir, "%s", spool)
			: snprintf(dir, sizeof dir, "%s/spool/notify", sp_config_get(&cli->cfg, "data"));
	if (w < 0 || (size_t)w >= sizeof dir)
		return sp_err_set(err, SP_EINVAL, "notify-spool", "the path is too long");
	return sp_notifier_spool_open(dir, out, err);
}

/* ---- shared by the administrative commands ---- */

const struct sp_cli_sub *sp_cli_sub_find(const struct sp_cli_sub *subs, const char *name)
{
	for (; subs->name; subs++)
		if (strcmp(subs->name, name) == 0)
			return subs;
	return NULL;
}

int sp_cli_sub_run(struct sp_cli *cli, const struct sp_cli_cmd *cmd, const struct sp_cli_sub *sub,
		   const void *args)
{
	struct sp_app app;
	struct sp_err err = {0};
	int rc = sp_app_open(cli, SP_APP_USER, &app);
	if (rc)
		return rc;
	if (sub->run(cli, &app, args, &err)) {
		char what[64];
		snprintf(what, sizeof what, "%s %s", cmd->name, sub->name);
		rc = sp_cli_fail(&err, what);
	}
	if (sp_app_close(&app))
		rc = SP_EXIT_FAIL;
	return rc;
}

/* ---- shared by the casework commands ---- */

void sp_cli_casework(struct sp_app *app, struct sp_arena *arena, struct sp_casework *cw)
{
	sp_arena_init(arena, 16384, 64u << 20);
	memset(cw, 0, sizeof *cw);
	cw->store = app->store;
	cw->access = &app->access;
	cw->keys = app->keys;
	cw->keystore = app->ks;
	cw->audit = app->akeys;
	cw->subject = &app->subject;
	cw->arena = arena;
	cw->request_id = "cli";
	/* the kinds of needs and tasks: the embedded vocabulary, which always loads (its test is
	 * the build's); without it casework refuses every kind */
	cw->vocabulary = sp_cli_vocabulary(app, NULL) == SP_OK ? &app->vocabulary : NULL;
}

int sp_cli_vocabulary(struct sp_app *app, struct sp_err *err)
{
	struct sp_diag d;
	sp_diag_init(&d);
	int rc = app->vocab ? SP_OK : sp_vocab_load_embedded(&app->vocab, &d);
	sp_diag_free(&d);
	if (rc)
		return sp_err_set(err, rc, "", "the vocabulary does not load");
	sp_vocab_for_casework(app->vocab, &app->vocabulary);
	return SP_OK;
}

int sp_cli_read_stdin_json(json_t **out, struct sp_err *err)
{
	struct sp_buf b;
	char chunk[4096];
	sp_buf_init(&b, 1u << 20);
	ssize_t n;
	int rc = SP_OK;
	while (!rc && (n = read(0, chunk, sizeof chunk)) > 0)
		rc = sp_buf_add(&b, chunk, (size_t)n);
	if (rc)
		rc = sp_err_set(err, rc, "stdin", "the input is larger than 1 MiB");
	else if (!(*out = sp_json_parse(b.data ? b.data : "", b.len, err)))
		rc = SP_EINVAL;
	sp_buf_free(&b);
	return rc;
}

int sp_cli_read_stdin_text(struct sp_arena *a, size_t max, const char *field, const char **out,
			   struct sp_err *err)
{
	return sp_cli_read_fd_text(0, a, max, field, out, err);
}

int sp_cli_read_fd_text(int fd, struct sp_arena *a, size_t max, const char *field,
			const char **out, struct sp_err *err)
{
	char *buf = sp_arena_alloc(a, max + 2);
	if (!buf)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	size_t len = 0;
	ssize_t n = 0;
	while (len <= max && (n = read(fd, buf + len, max + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		return sp_err_set(err, SP_EIO, field, "cannot be read");
	if (len > max)
		return sp_err_set(err, SP_ETOOBIG, field, "longer than %zu bytes", max);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (strlen(buf) != len)
		return sp_err_set(err, SP_EINVAL, field, "contains a NUL character");
	*out = buf;
	return SP_OK;
}

int sp_cli_user_id(struct sp_casework *cw, const char *name, const char *option,
		   struct sp_id *out, struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get_by_name(cw->access, name, &u, err);
	if (rc == SP_ENOTFOUND)
		return sp_err_set(err, SP_EINVAL, option, "no such user");
	if (!rc)
		*out = u.id;
	return rc;
}

int sp_cli_case_resolve(struct sp_casework *cw, const char *ref, struct sp_id *out,
			struct sp_err *err)
{
	if (sp_id_parse(ref, out) == SP_OK)
		return SP_OK;
	struct sp_case_hit hit;
	int rc = sp_case_find_number(cw, ref, &hit, err);
	if (!rc)
		*out = hit.case_id;
	return rc;
}

const char *sp_cli_day(int64_t us, char buf[SP_TIME_STRLEN + 1])
{
	if (!us)
		return "-";
	sp_time_format(us, buf);
	buf[10] = '\0';
	return buf;
}

bool sp_cli_json_item(const struct sp_cli *cli, json_t *j, json_t *arr)
{
	if (arr && j) {
		json_array_append_new(arr, j);
		return true;
	}
	bool json = cli->json || !j;
	if (json)
		sp_cli_print_json(j);
	json_decref(j);
	return json;
}

void sp_cli_print_page(json_t *arr, const struct sp_id *next)
{
	if (arr)
		sp_cli_print_json(arr);
	if (next && !sp_id_is_zero(next)) {
		char more[SP_ID_STRLEN + 1];
		sp_id_format(next, more);
		fprintf(stderr, "more: --after %s\n", more);
	}
}

void sp_cli_print_json(json_t *j)
{
	char *text = j ? sp_json_dump(j) : NULL;
	if (text)
		printf("%s\n", text);
	sp_json_free(text);
}

const struct sp_cli_case_sub *sp_cli_case_sub_find(const struct sp_cli_case_sub *subs,
						   const char *name)
{
	for (; subs->name; subs++)
		if (strcmp(subs->name, name) == 0)
			return subs;
	return NULL;
}

int sp_cli_case_sub_run(struct sp_cli *cli, const struct sp_cli_cmd *cmd,
			const struct sp_cli_case_sub *sub, const char *ref, const void *opts)
{
	struct sp_app app;
	int rc = sp_app_open(cli, SP_APP_USER, &app);
	if (rc)
		return rc;
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(&app, &arena, &cw);
	struct sp_err err = {0};
	struct sp_id id;
	if (ref)
		rc = sp_cli_case_resolve(&cw, ref, &id, &err);
	if (!rc)
		rc = sub->run(cli, &cw, ref ? &id : NULL, opts, &err);
	sp_arena_release(&arena);
	int closed = sp_app_close(&app); /* the audit checkpoint */
	if (rc) {
		char what[64];
		snprintf(what, sizeof what, "%s %s", cmd->name, sub->name);
		return sp_cli_fail(&err, what);
	}
	return closed ? SP_EXIT_FAIL : SP_EXIT_OK;
}

int sp_cli_case_command(struct sp_cli *cli, const struct sp_cli_cmd *cmd,
			const struct sp_cli_case_sub *subs, int argc, char **argv)
{
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc != 3)
		return sp_cli_usage(cmd, "%s needs a subcommand and a CASE", cmd->name);
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subs, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no %s subcommand '%s'", cmd->name, argv[1]);
	return sp_cli_case_sub_run(cli, cmd, sub, argv[2], NULL);
}
