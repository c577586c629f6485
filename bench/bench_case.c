/* bench_case: creating a case with its person through the library — policy check, person
 * validation, a person key made in the key store, the profile and safety sealed, blind-index
 * rows, the case number from the store sequence, the case row and its audit record — one
 * transaction per case, single thread, on SQLite with synchronous=FULL (WAL). Persons come
 * from the demo generator, made before the clock starts. With "off" as the last argument
 * both databases run synchronous=OFF: what is left is the CPU spent outside the fsync.
 * Prints the rate, wall and user-CPU µs per case, and the average sizes of what was written
 * (bench/case.sh feeds them to baseline_sqlite for the plain-SQLite comparison).
 * Usage: bench_case DIR N [off]   (DIR must not exist) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "safepath/access.h"
#include "safepath/case.h"
#include "safepath/crypto.h"

#include "clock.h"

static void check(int rc, const struct sp_err *err, const char *what)
{
	if (rc) {
		fprintf(stderr, "bench_case: %s: %s %s\n", what, err->field, err->msg);
		exit(1);
	}
}

static double avg(struct sp_store *s, const char *sql)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	check(sp_store_prepare(s, sql, &st, &err), &err, "prepare");
	double v = sp_stmt_step(st, &err) == 1 ? (double)sp_stmt_int64(st, 0) : 0;
	sp_stmt_done(st);
	return v;
}

int main(int argc, char **argv)
{
	if ((argc != 3 && argc != 4) || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_case DIR N [off]\n");
		return 2;
	}
	const char *dir = argv[1];
	unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
	int sync_off = argc == 4;
	char data[512], url[600], key[600], ks_url[600];
	snprintf(data, sizeof data, "%s/var", dir);
	snprintf(url, sizeof url, "sqlite:%s/safepath.db", data);
	snprintf(key, sizeof key, "%s/keys/master.key", dir);
	snprintf(ks_url, sizeof ks_url, "sqlite:%s/keys/persons.db", dir);
	if (mkdir(dir, 0700) || mkdir(data, 0700)) {
		perror(dir);
		return 1;
	}
	struct sp_err err = {0};
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 1};
	struct sp_store *store;
	struct sp_master *m;
	struct sp_keys *keys;
	struct sp_keystore *ks;
	check(sp_store_open(url, &opt, &store, &err), &err, "open");
	check(sp_store_migrate(store, &err), &err, "migrate");
	check(sp_master_key_file_create(key, data, &m, &err), &err, "master key");
	check(sp_keys_open(store, m, &keys, &err), &err, "keys");
	sp_master_free(m);
	check(sp_keystore_open(ks_url, 1, &ks, &err), &err, "key store");
	if (sync_off) {
		check(sp_store_exec(store, "PRAGMA synchronous=OFF", &err), &err, "sync off");
		check(sp_store_exec(sp_keystore_store(ks), "PRAGMA synchronous=OFF", &err), &err,
		      "sync off");
	}
	struct sp_audit_keys *akeys = sodium_malloc(sizeof *akeys);
	const unsigned char *pk, *sk;
	memcpy(akeys->chain_key, sp_keys_audit_chain_key(keys), SP_AUDIT_KEY_LEN);
	sp_keys_audit_signing(keys, &pk, &sk);
	memcpy(akeys->sign_pk, pk, sizeof akeys->sign_pk);
	memcpy(akeys->sign_sk, sk, sizeof akeys->sign_sk);
	struct sp_access acc;
	const struct sp_kdf_params cost = {.ops = 1, .mem = 8192}; /* the login is not measured */
	check(sp_access_init_params(&acc, store, &cost, &err), &err, "access");
	sp_access_set_audit_keys(&acc, akeys);
	const struct sp_agency ag = {.code = "NGO", .name = "Bench NGO", .kind = SP_AGENCY_NGO,
				     .country = "ZZ"};
	const struct sp_demo_user u = {"bench.caseworker", "NGO", SP_ROLE_CASEWORKER};
	check(sp_access_demo_seed(&acc, &ag, 1, &u, 1, "bench-password-1", &err), &err, "seed");
	struct sp_user user;
	struct sp_subject subject;
	check(sp_user_get_by_name(&acc, u.username, &user, &err), &err, "user");
	sp_user_subject(&user, &subject);

	struct sp_arena persons_arena, arena;
	sp_arena_init(&persons_arena, 1 << 20, 0);
	sp_arena_init(&arena, 16384, 0);
	struct sp_person *persons = calloc(n, sizeof *persons);
	for (unsigned i = 0; i < n; i++)
		check(sp_demo_person(42, i, &persons_arena, &persons[i], &err), &err, "person");
	struct sp_casework cw = {.store = store, .access = &acc, .keys = keys, .keystore = ks,
				 .audit = akeys, .subject = &subject, .arena = &arena,
				 .request_id = "bench"};

	double t0 = now_s(), c0 = user_s(), s0 = sys_s();
	for (unsigned i = 0; i < n; i++) {
		struct sp_case_open in = {.person = &persons[i], .priority = SP_PRIORITY_NORMAL};
		struct sp_case out;
		check(sp_case_open(&cw, &in, &out, &err), &err, "case open");
		sp_arena_release(&arena);
	}
	double wall = now_s() - t0, cpu = user_s() - c0, sys = sys_s() - s0;

	printf("bench_case sync=%s n=%u wall_s=%.3f rate_per_s=%.0f wall_us_per_case=%.1f "
	       "user_cpu_us_per_case=%.1f sys_cpu_us_per_case=%.1f profile_bytes=%.0f "
	       "safety_bytes=%.0f index_rows=%.1f\n",
	       sync_off ? "off" : "full", n, wall, n / wall, wall * 1e6 / n, cpu * 1e6 / n,
	       sys * 1e6 / n,
	       avg(store, "SELECT AVG(LENGTH(profile)) FROM persons"),
	       avg(store, "SELECT AVG(COALESCE(LENGTH(safety), 0)) FROM persons"),
	       avg(store, "SELECT COUNT(*) FROM person_index") / (n ? n : 1));
	free(persons);
	sp_arena_release(&persons_arena);
	sp_arena_release(&arena);
	sp_keystore_close(ks);
	sp_keys_free(keys);
	sp_store_close(store);
	sodium_free(akeys);
	return 0;
}
