/* Configuration table and its three sources (file, environment, flags). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/config.h"

const struct sp_config_entry sp_config_entries[] = {
	{"data", "./var", "data folder"},
	{"db", "", "database URL (sqlite:PATH or postgresql://...); default sqlite:DATA/safepath.db"},
	{"keystore-db", "", "person-key store URL; default sqlite:persons.db beside key-file, or with a postgresql:// db the same server's database DB_keys"},
	{"key-file", "./keys/master.key", "master key file, kept outside the data folder"},
	{"log-level", "info", "debug, info, warn or error"},
	{"argon2-ops", "3", "Argon2id passes for passwords"},
	{"argon2-mem-kib", "65536", "Argon2id memory for passwords, KiB"},
	{"busy-timeout-ms", "5000", "how long a writer waits for a lock"},
	{"key-store-backup-keep", "3", "key-store backups kept (key store-backup), newest first"},
	{"key-store-backup-days", "7", "key-store backups older than this many days are removed"},
	{"jurisdiction", "coe", "the jurisdiction file whose deadlines and decision rules apply (safepath jurisdictions list)"},
	{"listen", "127.0.0.1:8080", "address the server listens on"},
	{"tls-cert", "", "PEM certificate chain for HTTPS (with tls-key); empty: plain HTTP"},
	{"tls-key", "", "PEM private key of tls-cert"},
	{"session-ttl-s", "43200", "how long an API session lasts, seconds"},
	{"break-glass-minutes", "240",
	 "how long a break-glass access to a case lasts, minutes (1 to 1440)"},
	{"idempotency-ttl-s", "86400", "how long a create's Idempotency-Key is remembered, seconds"},
	{"login-max-failures", "5", "failed log-ins per user name within login-window-s before refusing"},
	{"login-max-failures-per-address", "20", "failed log-ins per client address within login-window-s"},
	{"login-window-s", "900", "window of the failed log-in counters, seconds"},
	{"rate-limit-per-s", "20", "requests a second per session, on average"},
	{"rate-limit-burst", "100", "requests a session may send at once"},
	{"rate-limit-address-per-s", "100", "requests a second per client address, on average"},
	{"rate-limit-address-burst", "400", "requests a client address may send at once"},
	{"rate-limit-share-ms", "100",
	 "how often a server adds its rate-limit counts to the database's, for the other servers "
	 "(0: never)"},
	{"notify-spool", "",
	 "folder the notifier writes one file per notification into, for a mail or SMS gateway; "
	 "default DATA/spool/notify"},
	{"notify-interval-ms", "1000",
	 "how often serve looks for overdue deadlines and delivers new notifications (0: never)"},
	{NULL, NULL, NULL},
};

enum { N_ENTRIES = sizeof sp_config_entries / sizeof sp_config_entries[0] - 1 };
_Static_assert(N_ENTRIES <= 32, "grow struct sp_config");

static int find(const char *name)
{
	for (int i = 0; sp_config_entries[i].name; i++)
		if (strcmp(sp_config_entries[i].name, name) == 0)
			return i;
	return -1;
}

void sp_config_init(struct sp_config *c)
{
	memset(c, 0, sizeof *c);
}

void sp_config_free(struct sp_config *c)
{
	for (int i = 0; i < N_ENTRIES; i++)
		free(c->values[i]);
	memset(c, 0, sizeof *c);
}

int sp_config_set(struct sp_config *c, const char *name, const char *value,
		  enum sp_config_source src, struct sp_err *err)
{
	int i = find(name);
	if (i < 0)
		return sp_err_set(err, SP_EINVAL, name, "unknown setting");
	char *v = strdup(value);
	if (!v)
		return sp_err_set(err, SP_ENOMEM, name, "out of memory");
	free(c->values[i]);
	c->values[i] = v;
	c->source[i] = src;
	return SP_OK;
}

static char *trim(char *s)
{
	/* *s first: the analyser cannot see that isspace('\0') is false. */
	while (*s && isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

enum { LINE_TOO_LONG = -1, LINE_NUL = -2 };

/* One line into buf without its newline: 1 when a line was read, 0 at the end of the file.
 * A line too long for buf or holding a NUL byte is read to its end and refused, never cut:
 * the tail of a long line must not become a setting of its own. */
static int read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c, bad = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			bad = LINE_NUL;
		else if (n + 1 >= cap)
			bad = bad ? bad : LINE_TOO_LONG;
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	if (bad)
		return bad;
	return c != EOF || n > 0;
}

int sp_config_load_file(struct sp_config *c, const char *path, struct sp_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return sp_err_set(err, errno == ENOENT ? SP_ENOTFOUND : SP_EIO, "config",
				  "cannot open the configuration file");
	char line[1024];
	int lineno = 0, rc = SP_OK, got;
	while (rc == SP_OK && (got = read_line(f, line, sizeof line)) != 0) {
		lineno++;
		if (got == LINE_TOO_LONG) {
			rc = sp_err_set(err, SP_EINVAL, "config", "line %d: longer than %zu bytes",
					lineno, sizeof line - 1);
			break;
		}
		if (got == LINE_NUL) {
			rc = sp_err_set(err, SP_EINVAL, "config", "line %d: holds a NUL byte", lineno);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = sp_err_set(err, SP_EINVAL, "config", "line %d: expected name = value",
					lineno);
			break;
		}
		*eq = '\0';
		rc = sp_config_set(c, trim(s), trim(eq + 1), SP_CONF_FILE, err);
		if (rc)
			sp_err_set(err, rc, trim(s), "line %d: unknown setting", lineno);
	}
	if (rc == SP_OK && ferror(f))
		rc = sp_err_set(err, SP_EIO, "config", "cannot read the configuration file");
	fclose(f);
	return rc;
}

int sp_config_load_env(struct sp_config *c, char *const *envp, struct sp_err *err)
{
	for (int i = 0; sp_config_entries[i].name; i++) {
		char var[64] = "SAFEPATH_";
		size_t o = strlen(var);
		for (const char *p = sp_config_entries[i].name; *p && o < sizeof var - 1; p++)
			var[o++] = (char)((*p == '-' || *p == '.') ? '_' : toupper((unsigned char)*p));
		var[o] = '\0';
		for (char *const *e = envp; e && *e; e++) {
			if (strncmp(*e, var, o) == 0 && (*e)[o] == '=') {
				int rc = sp_config_set(c, sp_config_entries[i].name, *e + o + 1,
						       SP_CONF_ENV, err);
				if (rc)
					return rc;
			}
		}
	}
	return SP_OK;
}

const char *sp_config_get(const struct sp_config *c, const char *name)
{
	int i = find(name);
	if (i < 0)
		return NULL;
	return c->values[i] ? c->values[i] : sp_config_entries[i].def;
}

long long sp_config_get_int(const struct sp_config *c, const char *name)
{
	const char *v = sp_config_get(c, name);
	return v ? strtoll(v, NULL, 10) : 0;
}

enum sp_config_source sp_config_source_of(const struct sp_config *c, const char *name)
{
	int i = find(name);
	return i < 0 ? SP_CONF_DEFAULT : c->source[i];
}
