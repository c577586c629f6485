/* Fuzz the configuration sources: the file (sp_config_load_file, `name = value` lines, '#'
 * comments) and the environment (sp_config_load_env with SAFEPATH_<NAME> entries). Never a
 * crash, UB or leak, and each source reads exactly as a plain model of its documented format
 * says: the file's settings, or its refusal (unknown setting, a line without '=', a line
 * longer than the line buffer or holding a NUL byte: never a line cut in two), then the
 * environment overriding it, the last entry of a name winning. abort() when not.
 *
 * The whole input is the file; its lines (split at newlines, each up to its first NUL) are
 * the environment. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safepath/config.h"
#include "safepath/init.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The longest line sp_config_load_file takes, without its newline. */
#define LINE_MAX_BYTES 1023

static char path[64];
static int path_fd = -1;

static void cleanup(void)
{
	close(path_fd);
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_init() != SP_OK)
		abort();
	/* One file per process, rewritten for every input. */
	snprintf(path, sizeof path, "/tmp/sp-fuzz-config-XXXXXX");
	path_fd = mkstemp(path);
	if (path_fd < 0)
		abort();
	atexit(cleanup);
	return 0;
}

static int setting_index(const char *name, size_t n)
{
	for (int i = 0; sp_config_entries[i].name; i++)
		if (strlen(sp_config_entries[i].name) == n &&
		    memcmp(sp_config_entries[i].name, name, n) == 0)
			return i;
	return -1;
}

/* What the model expects of each setting: its value from the file or the environment. */
struct model {
	const uint8_t *val[32];
	size_t len[32];
	enum sp_config_source src[32];
};

static bool space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void trim(const uint8_t **p, size_t *n)
{
	while (*n && space(**p))
		(*p)++, (*n)--;
	while (*n && space((*p)[*n - 1]))
		(*n)--;
}

/* The file format; false when the file is refused. */
static bool model_file(const uint8_t *data, size_t size, struct model *m)
{
	for (size_t pos = 0; pos < size;) {
		const uint8_t *line = data + pos;
		const uint8_t *nl = memchr(line, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - line) : size - pos;
		pos += n + (nl != NULL);
		if (n > LINE_MAX_BYTES || memchr(line, 0, n))
			return false;
		const uint8_t *hash = memchr(line, '#', n);
		if (hash)
			n = (size_t)(hash - line);
		trim(&line, &n);
		if (n == 0)
			continue;
		const uint8_t *eq = memchr(line, '=', n);
		if (!eq)
			return false;
		const uint8_t *name = line, *val = eq + 1;
		size_t nn = (size_t)(eq - line), vn = n - nn - 1;
		trim(&name, &nn);
		trim(&val, &vn);
		int i = setting_index((const char *)name, nn);
		if (i < 0)
			return false;
		m->val[i] = val;
		m->len[i] = vn;
		m->src[i] = SP_CONF_FILE;
	}
	return true;
}

static void model_env(char *const *env, struct model *m)
{
	for (int i = 0; sp_config_entries[i].name; i++) {
		char var[64] = "SAFEPATH_";
		size_t o = strlen(var);
		for (const char *p = sp_config_entries[i].name; *p; p++)
			var[o++] = (char)(*p == '-' || *p == '.' ? '_' : toupper((unsigned char)*p));
		var[o++] = '=';
		var[o] = '\0';
		for (char *const *e = env; *e; e++)
			if (strncmp(*e, var, o) == 0) {
				m->val[i] = (const uint8_t *)*e + o;
				m->len[i] = strlen(*e + o);
				m->src[i] = SP_CONF_ENV;
			}
	}
}

static void check(const struct sp_config *c, const struct model *m)
{
	for (int i = 0; sp_config_entries[i].name; i++) {
		const char *name = sp_config_entries[i].name;
		const char *v = sp_config_get(c, name);
		if (!v || sp_config_source_of(c, name) != m->src[i])
			abort();
		if (m->src[i] == SP_CONF_DEFAULT ? strcmp(v, sp_config_entries[i].def) != 0
						 : strlen(v) != m->len[i] ||
							   memcmp(v, m->val[i], m->len[i]) != 0)
			abort();
		(void)sp_config_get_int(c, name);
	}
}

static void write_file(const uint8_t *data, size_t size)
{
	if (ftruncate(path_fd, 0) != 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = pwrite(path_fd, data + off, size - off, (off_t)off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
}

/* The input's lines as a NULL-terminated environment (each line up to its first NUL). */
static char **make_env(const uint8_t *data, size_t size)
{
	size_t n = 1;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	char **env = calloc(n + 1, sizeof *env);
	if (!env)
		abort();
	size_t k = 0;
	for (size_t pos = 0; pos <= size && k < n; k++) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		if (!(env[k] = strndup((const char *)data + pos, len)))
			abort();
		pos += len + 1;
	}
	return env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_config c;
	struct sp_err err = {0};
	struct model m = {0};
	sp_config_init(&c);
	write_file(data, size);
	int rc = sp_config_load_file(&c, path, &err);
	bool ok = model_file(data, size, &m);
	if ((rc == SP_OK) != ok || (rc != SP_OK && (rc != SP_EINVAL || err.msg[0] == '\0')))
		abort();
	if (ok) {
		check(&c, &m);
	} else {
		/* The environment on its own, then: a refused file leaves nothing to build on. */
		sp_config_free(&c);
		sp_config_init(&c);
		memset(&m, 0, sizeof m);
	}
	char **env = make_env(data, size);
	if (sp_config_load_env(&c, env, &err) != SP_OK)
		abort();
	model_env(env, &m);
	check(&c, &m);
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
	sp_config_free(&c);
	return 0;
}
