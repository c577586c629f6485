/* Configuration: a fixed table of settings, each with a default, read from a file
 * (`key = value` lines), then the environment (SAFEPATH_KEY), then command-line flags; a
 * later source overrides an earlier one. Secrets (passphrases) are never settings: they
 * come from a terminal or a file descriptor only. */
#ifndef SAFEPATH_CONFIG_H
#define SAFEPATH_CONFIG_H

#include "safepath/err.h"

enum sp_config_source { SP_CONF_DEFAULT, SP_CONF_FILE, SP_CONF_ENV, SP_CONF_FLAG };

struct sp_config_entry {
	const char *name;
	const char *def;
	const char *help;
};

struct sp_config {
	char *values[32];
	enum sp_config_source source[32];
};

/* The known settings, ended by a NULL name. */
extern const struct sp_config_entry sp_config_entries[];

void sp_config_init(struct sp_config *c);
void sp_config_free(struct sp_config *c);
/* Set one value; an unknown name is an error naming it. */
int sp_config_set(struct sp_config *c, const char *name, const char *value,
		  enum sp_config_source src, struct sp_err *err) SP_MUST;
/* Read `name = value` lines; '#' starts a comment. A missing file is SP_ENOTFOUND. */
int sp_config_load_file(struct sp_config *c, const char *path, struct sp_err *err) SP_MUST;
/* Apply SAFEPATH_<NAME> variables (name upper-cased, '.' and '-' as '_') from envp. */
int sp_config_load_env(struct sp_config *c, char *const *envp, struct sp_err *err) SP_MUST;
const char *sp_config_get(const struct sp_config *c, const char *name);
long long sp_config_get_int(const struct sp_config *c, const char *name);
enum sp_config_source sp_config_source_of(const struct sp_config *c, const char *name);

#endif
