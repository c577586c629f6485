/* Fuzz the HSDS importer (sp_services_import) on a real SQLite store: never a crash, UB or
 * leak; a refusal is SP_EINVAL or SP_ECONFLICT with every error at a JSON pointer and nothing
 * written; an accepted document exports again with as many services as it holds. The same
 * input as a package's services.csv goes through the CSV reader (sp_services_csv_read) and,
 * when it reads, the importer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safepath/access.h"
#include "safepath/codes.h"
#include "safepath/init.h"
#include "safepath/json.h"
#include "safepath/service.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct sp_store *store;
static struct sp_keys *keys;
static struct sp_audit_keys *akeys;
static struct sp_access acc;
static struct sp_vocab *codes;
static struct sp_vocabulary vocab;
static struct sp_subject supervisor = {.roles = SP_ROLE_SUPERVISOR,
				       .agency_kind = SP_AGENCY_NGO};

static void need(int rc, const struct sp_err *err, const char *what)
{
	if (rc) {
		fprintf(stderr, "fuzz_hsds: %s: %s %s\n", what, err->field, err->msg);
		abort();
	}
}

static void remove_dir(void)
{
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz_hsds: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct sp_err err = {0};
	struct sp_diag d;
	sp_diag_init(&d);
	if (sp_init() != SP_OK || sp_codes_load(&err) != SP_OK ||
	    sp_vocab_load_embedded(&codes, &d) != SP_OK)
		abort();
	sp_vocab_for_casework(codes, &vocab);
	sp_diag_free(&d);
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof dir, "%s/sp-fuzz-hsds-XXXXXX", base);
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	char url[128], key[128], data[128];
	snprintf(data, sizeof data, "%s/var", dir);
	snprintf(url, sizeof url, "sqlite:%s/var/safepath.db", dir);
	snprintf(key, sizeof key, "%s/keys/master.key", dir);
	if (mkdir(data, 0700) != 0)
		abort();
	struct sp_store_options so = {.busy_timeout_ms = 1000, .create = 1};
	struct sp_master *m = NULL;
	struct sp_kdf_params pw = {.ops = 1, .mem = 8192};
	need(sp_store_open(url, &so, &store, &err) || sp_store_migrate(store, &err) ||
		     sp_master_key_file_create(key, data, &m, &err) ||
		     sp_keys_open(store, m, &keys, &err) || sp_audit_keys_new(keys, &akeys, &err) ||
		     sp_access_init_params(&acc, store, &pw, &err),
	     &err, "open the store");
	sp_master_free(m);
	sp_access_set_audit_keys(&acc, akeys);
	/* Thousands of small imports a second: no disk flush per commit (a fuzzing store). */
	need(sp_store_exec(store, "PRAGMA synchronous = OFF", &err), &err, "synchronous");
	/* The agency the seed corpus links its shelter to. */
	need(sp_store_exec(store,
			   "INSERT INTO agencies (id, code, name, kind, country, created_us) VALUES "
			   "(X'01900000000070008000000000000fff', 'SHL', 'Shelter', 'shelter', 'DE', 0)",
			   &err),
	     &err, "agency");
	return 0;
}

static int64_t services_count(void)
{
	struct sp_err err = {0};
	int64_t n = -1;
	need(sp_store_count_rows(store, "services", &n, &err), &err, "count");
	return n;
}

static void empty_directory(void)
{
	static const char *const tables[] = {"service_areas", "service_languages", "schedules",
					     "service_phones", "service_at_location", "locations",
					     "services", "organizations"};
	struct sp_err err = {0};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[64];
		snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
		need(sp_store_exec(store, sql, &err), &err, sql);
	}
}

static void import_doc(json_t *doc);

/* The input as services.csv of a package folder of its own. */
static void import_csv(const uint8_t *data, size_t size)
{
	char pkg[96], path[128];
	snprintf(pkg, sizeof pkg, "%s/pkg", dir);
	snprintf(path, sizeof path, "%s/services.csv", pkg);
	if (mkdir(pkg, 0700) != 0 && access(pkg, W_OK) != 0)
		abort();
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	struct sp_diag d;
	struct sp_err err = {0};
	json_t *doc = NULL;
	sp_diag_init(&d);
	int rc = sp_services_csv_read(pkg, &doc, &d, &err);
	if (rc != SP_OK && (rc != SP_EINVAL || d.n == 0))
		abort();
	sp_diag_free(&d);
	if (doc)
		import_doc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	import_csv(data, size);
	json_t *doc = sp_json_parse((const char *)data, size, &err);
	if (doc)
		import_doc(doc);
	return 0;
}

/* Import doc (consumed), check what came of it, and empty the directory again. */
static void import_doc(json_t *doc)
{
	struct sp_err err = {0};
	struct sp_diag d;
	sp_diag_init(&d);
	size_t n = 0;
	int rc = sp_services_import(&acc, &supervisor, &vocab, doc, &n, &d, &err);
	if (rc != SP_OK && rc != SP_EINVAL && rc != SP_ECONFLICT)
		abort();
	for (size_t i = 0; i < d.n; i++)
		if (d.items[i].pointer[0] && d.items[i].pointer[0] != '/')
			abort();
	if (rc != SP_OK && (d.n == 0 || services_count() != 0))
		abort();
	if (rc == SP_OK) {
		json_t *out = NULL;
		need(sp_services_export(&acc, &supervisor, &out, &err), &err, "export");
		if (json_array_size(json_object_get(out, "service")) != n ||
		    services_count() != (int64_t)n)
			abort();
		json_decref(out);
		empty_directory();
	}
	sp_diag_free(&d);
	json_decref(doc);
}
