/* safepath user: add, list, grant, disable, passwd, reset-password. Also the helpers the
 * access commands share (open the store, read a secret, log in as --as USER) until cli.h
 * offers them. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "safepath/access.h"
#include "safepath/crypto.h"

/* Shared with cmd_agency.c and cmd_approval.c (declared there too; cli.h should take them).
 * An opened access context: the store, the keys from the master key (for the audit trail)
 * and the library's struct sp_access. */
struct sp_cli_access {
	struct sp_store *store;
	struct sp_keys *keys;
	struct sp_audit_keys *audit_keys; /* sodium_malloc */
	struct sp_access acc;
};
int sp_cli_access_open(struct sp_cli *cli, int with_keys, struct sp_cli_access **out);
void sp_cli_access_close(struct sp_cli_access *ca);
struct sp_access *sp_cli_access_get(struct sp_cli_access *ca);
int sp_cli_read_secret(struct sp_cli *cli, const char *prompt, char *buf, size_t n);
int sp_cli_access_login(struct sp_cli *cli, struct sp_access *acc, struct sp_subject *as);
int cmd_user(struct sp_cli *cli, int argc, char **argv);

void sp_cli_access_close(struct sp_cli_access *ca)
{
	if (!ca)
		return;
	sp_keys_free(ca->keys);
	if (ca->audit_keys)
		sodium_free(ca->audit_keys);
	sp_store_close(ca->store);
	free(ca);
}

struct sp_access *sp_cli_access_get(struct sp_cli_access *ca)
{
	return &ca->acc;
}

/* The audit trail's keys, derived from the master key, in sodium_malloc memory. */
static int copy_audit_keys(struct sp_cli_access *ca, struct sp_err *err)
{
	const unsigned char *chain = sp_keys_audit_chain_key(ca->keys), *pk = NULL, *sk = NULL;
	sp_keys_audit_signing(ca->keys, &pk, &sk);
	if (!chain || !pk || !sk)
		return sp_err_set(err, SP_EINTERNAL, "", "no audit keys");
	struct sp_audit_keys *k = sodium_malloc(sizeof *k);
	if (!k)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	memcpy(k->chain_key, chain, sizeof k->chain_key);
	memcpy(k->sign_pk, pk, sizeof k->sign_pk);
	memcpy(k->sign_sk, sk, sizeof k->sign_sk);
	ca->audit_keys = k;
	return SP_OK;
}

/* with_keys: open the master key too; every command that writes (logins included) needs it
 * for the audit trail. */
int sp_cli_access_open(struct sp_cli *cli, int with_keys, struct sp_cli_access **out)
{
	struct sp_err err = {0};
	char url[4096];
	const char *data = sp_config_get(&cli->cfg, "data");
	const char *db = sp_config_get(&cli->cfg, "db");
	struct sp_cli_access *ca = calloc(1, sizeof *ca);
	struct sp_master *m = NULL;
	int version = 0;
	*out = NULL;
	if (!ca) {
		fprintf(stderr, "safepath: out of memory\n");
		return SP_EXIT_FAIL;
	}
	if (db && *db)
		snprintf(url, sizeof url, "%s", db);
	else
		snprintf(url, sizeof url, "sqlite:%s/safepath.db", data);
	long long busy = sp_config_get_int(&cli->cfg, "busy-timeout-ms");
	struct sp_store_options opt = {.busy_timeout_ms = busy > 0 && busy < 600000 ? (int)busy : 5000,
				       .create = 0};
	int rc = sp_store_open(url, &opt, &ca->store, &err);
	if (!rc) {
		rc = sp_store_schema_version(ca->store, &version, &err);
		if (!rc && version < 3)
			rc = sp_err_set(&err, SP_EUNAVAIL, "", "the database is not set up: run safepath init");
	}
	if (!rc && with_keys) {
		rc = sp_master_open(sp_config_get(&cli->cfg, "key-file"), data, cli->passphrase_fd, &m,
				    &err);
		if (!rc)
			rc = sp_keys_open(ca->store, m, &ca->keys, &err);
		sp_master_free(m);
		if (!rc)
			rc = copy_audit_keys(ca, &err);
	}
	if (!rc)
		rc = sp_access_init(&ca->acc, ca->store, &cli->cfg, ca->audit_keys, &err);
	if (rc) {
		sp_cli_access_close(ca);
		return sp_cli_fail(&err, "open");
	}
	*out = ca;
	return SP_EXIT_OK;
}

/* One line from fd, without buffering past it (several secrets may share the fd). */
static int read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (c == '\n')
			break;
		if (len + 1 >= n) {
			sodium_memzero(buf, n);
			return -1;
		}
		buf[len++] = c;
	}
	if (len && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 0;
}

int sp_cli_read_secret(struct sp_cli *cli, const char *prompt, char *buf, size_t n)
{
	if (cli->password_fd >= 0)
		return read_line(cli->password_fd, buf, n);
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "safepath: no terminal to read a password from: use --password-fd\n");
		return -1;
	}
	struct termios old, quiet;
	int echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) { /* best effort */
	}
	int rc = read_line(fd, buf, n);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
	}
	close(fd);
	return rc;
}

int sp_cli_access_login(struct sp_cli *cli, struct sp_access *acc, struct sp_subject *as)
{
	struct sp_err err = {0};
	if (!cli->as_user) {
		fprintf(stderr, "safepath: this command needs --as USER\n");
		return SP_EXIT_USAGE;
	}
	char pw[SP_PASSWORD_MAX + 2];
	char prompt[128];
	snprintf(prompt, sizeof prompt, "password for %.60s: ", cli->as_user);
	if (sp_cli_read_secret(cli, prompt, pw, sizeof pw)) {
		fprintf(stderr, "safepath: could not read the password\n");
		return SP_EXIT_FAIL;
	}
	struct sp_user me;
	int rc = sp_user_authenticate(acc, cli->as_user, pw, &me, &err);
	sodium_memzero(pw, sizeof pw);
	if (rc)
		return sp_cli_fail(&err, "log in");
	if (me.must_change_password) {
		fprintf(stderr, "safepath: %s must change the password first: safepath user passwd "
				"--as %s\n",
			me.username, me.username);
		return SP_EXIT_FAIL;
	}
	sp_user_subject(&me, as);
	return SP_EXIT_OK;
}

static void print_otp(const struct sp_cli *cli, const char *username, const char *otp,
		      const struct sp_id *approval)
{
	char id[SP_ID_STRLEN + 1] = "";
	int pending = approval && !sp_id_is_zero(approval);
	if (pending)
		sp_id_format(approval, id);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s?, s:s?}", "username", username, "one_time_password",
				      otp && *otp ? otp : NULL, "approval", pending ? id : NULL);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
		return;
	}
	if (otp && *otp)
		printf("one-time password for %s: %s\n"
		       "(shown once; it must be changed at the first login)\n",
		       username, otp);
	if (pending)
		printf("pending approval %s: a supervisor of the user's agency grants it with\n"
		       "  safepath approval grant %s --as SUPERVISOR\n",
		       id, id);
}

static int parse_roles_opt(const char *v, unsigned *roles)
{
	struct sp_err err = {0};
	if (sp_roles_parse(v, roles, &err)) {
		sp_cli_fail(&err, "--roles");
		return -1;
	}
	return 0;
}

static int user_print(const struct sp_user *u, void *ctx)
{
	const struct sp_cli *cli = ctx;
	char roles[256];
	char id[SP_ID_STRLEN + 1];
	if (sp_roles_format(u->roles, roles, sizeof roles))
		roles[0] = '\0';
	sp_id_format(&u->id, id);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:b}", "id", id, "username", u->username,
				      "roles", roles, "must_change_password", u->must_change_password,
				      "disabled", u->disabled);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		printf("%-24s %-40s%s%s\n", u->username, roles[0] ? roles : "(no role yet)",
		       u->disabled ? " disabled" : "", u->must_change_password ? " must-change" : "");
	}
	return 0;
}

static const char user_usage[] =
	"user add USERNAME --agency CODE --roles ROLE[,ROLE...] --as ADMIN\n"
	"       safepath user list --as ADMIN\n"
	"       safepath user grant USERNAME --roles ROLE[,ROLE...] --as ADMIN\n"
	"       safepath user disable USERNAME --as ADMIN\n"
	"       safepath user reset-password USERNAME --as ADMIN\n"
	"       safepath user passwd --as USER";

static int usage(const char *msg)
{
	fprintf(stderr, "safepath: user: %s\nusage: safepath %s\n", msg, user_usage);
	return SP_EXIT_USAGE;
}

int cmd_user(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"agency", required_argument, NULL, 'a'},
		{"roles", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	if (argc < 2)
		return usage("which subcommand?");
	const char *sub = argv[1];
	const char *agency = NULL;
	unsigned roles = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'a')
			agency = optarg;
		else if (c == 'r') {
			if (parse_roles_opt(optarg, &roles))
				return SP_EXIT_USAGE;
		} else
			return usage("unknown option");
	}
	int nargs = argc - 1 - optind;
	const char *name = nargs >= 1 ? argv[1 + optind] : NULL;
	if (nargs > 1)
		return usage("too many arguments");

	int is_add = strcmp(sub, "add") == 0, is_grant = strcmp(sub, "grant") == 0;
	int is_list = strcmp(sub, "list") == 0, is_disable = strcmp(sub, "disable") == 0;
	int is_reset = strcmp(sub, "reset-password") == 0, is_passwd = strcmp(sub, "passwd") == 0;
	if (!(is_add || is_grant || is_list || is_disable || is_reset || is_passwd))
		return usage("unknown subcommand");
	if ((is_list || is_passwd) ? name != NULL : name == NULL)
		return usage(name ? "this subcommand takes no USERNAME" : "USERNAME missing");
	if (is_add && (!agency || !roles))
		return usage("add needs --agency and --roles");
	if (is_grant && !roles)
		return usage("grant needs --roles");
	if (!cli->as_user)
		return usage("needs --as USER");

	struct sp_cli_access *ca = NULL;
	int rc = sp_cli_access_open(cli, 1, &ca);
	if (rc)
		return rc;
	struct sp_access *acc = sp_cli_access_get(ca);
	struct sp_err err = {0};
	char otp[SP_OTP_SIZE] = "";
	struct sp_id approval = {{0}};
	struct sp_subject as;

	if (is_passwd) {
		char old[SP_PASSWORD_MAX + 2], fresh[SP_PASSWORD_MAX + 2], again[SP_PASSWORD_MAX + 2];
		rc = SP_EXIT_FAIL;
		if (sp_cli_read_secret(cli, "current password: ", old, sizeof old) ||
		    sp_cli_read_secret(cli, "new password: ", fresh, sizeof fresh) ||
		    (cli->password_fd < 0 &&
		     sp_cli_read_secret(cli, "new password again: ", again, sizeof again)))
			fprintf(stderr, "safepath: could not read the password\n");
		else if (cli->password_fd < 0 && strcmp(fresh, again) != 0)
			fprintf(stderr, "safepath: the new passwords differ\n");
		else if (sp_user_passwd(acc, cli->as_user, old, fresh, &err))
			sp_cli_fail(&err, "passwd");
		else {
			printf("password changed\n");
			rc = SP_EXIT_OK;
		}
		sodium_memzero(old, sizeof old);
		sodium_memzero(fresh, sizeof fresh);
		sodium_memzero(again, sizeof again);
		goto out;
	}

	rc = sp_cli_access_login(cli, acc, &as);
	if (rc)
		goto out;
	if (is_add) {
		if (sp_user_add(acc, &as, name, agency, roles, otp, NULL, &approval, &err))
			rc = sp_cli_fail(&err, "user add");
		else
			print_otp(cli, name, otp, &approval);
	} else if (is_list) {
		if (sp_user_list(acc, &as, user_print, cli, &err))
			rc = sp_cli_fail(&err, "user list");
	} else if (is_grant) {
		if (sp_user_grant_roles(acc, &as, name, roles, &approval, &err))
			rc = sp_cli_fail(&err, "user grant");
		else
			print_otp(cli, name, NULL, &approval);
	} else if (is_disable) {
		if (sp_user_disable(acc, &as, name, &err))
			rc = sp_cli_fail(&err, "user disable");
		else if (!cli->json)
			printf("%s disabled\n", name);
	} else if (is_reset) {
		if (sp_user_reset_password(acc, &as, name, otp, &approval, &err))
			rc = sp_cli_fail(&err, "user reset-password");
		else
			print_otp(cli, name, otp, &approval);
	}
out:
	sodium_memzero(otp, sizeof otp);
	sp_cli_access_close(ca);
	return rc;
}
