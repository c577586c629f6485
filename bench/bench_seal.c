/* bench_seal: the cost of sealing and opening one typical 40-byte field, in µs per call, with
 * the newest data key and with a person key from the thread's cache; beside it the bare
 * XChaCha20-Poly1305 call on the same sizes (the floor our framing is compared against) and
 * one sodium_malloc (why keys are cached in one slab). Single thread, warm caches; wall and
 * CPU time per operation. Not a test.
 *
 *   make -s PROFILE=gcc build
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -Isrc bench/bench_seal.c \
 *      build/gcc/libsafepath.a $(pkg-config --cflags --libs libsodium sqlite3 jansson \
 *      icu-uc icu-i18n icu-io) -lpthread -lm -o build/gcc/bench_seal
 *   build/gcc/bench_seal [ITERATIONS]          (default 200000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <sodium.h>

#include "safepath/crypto.h"
#include "safepath/store.h"

#include "clock.h"

static double cpu_s(void)
{
	return user_s() + sys_s();
}

static void machine(void)
{
	struct utsname u;
	char line[256], model[256] = "unknown";
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0) {
			const char *v = strchr(line, ':');
			snprintf(model, sizeof model, "%s", v ? v + 2 : line);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	printf("machine: %s, %s, libsodium %s\n", uname(&u) == 0 ? u.machine : "?", model,
	       sodium_version_string());
}

static void report(const char *what, long n, double wall, double cpu)
{
	printf("  %-34s %8.3f µs wall  %8.3f µs CPU  %10.0f ops/s\n", what, wall * 1e6 / (double)n,
	       cpu * 1e6 / (double)n, (double)n / wall);
}

#define TIME(what, n, body)                                          \
	do {                                                         \
		double w0 = now_s(), c0 = cpu_s();                   \
		for (long i_ = 0; i_ < (n); i_++) {                  \
			body;                                        \
		}                                                    \
		report(what, n, now_s() - w0, cpu_s() - c0);         \
	} while (0)

static void die(const char *what, const struct sp_err *err)
{
	fprintf(stderr, "bench_seal: %s: %s\n", what, err->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	if (n <= 0 || sodium_init() < 0)
		return 2;
	char dir[] = "/tmp/sp-bench-seal-XXXXXX", data[64], key[80], db[80], ksdb[80];
	if (!mkdtemp(dir))
		return 1;
	snprintf(data, sizeof data, "%s/var", dir);
	snprintf(key, sizeof key, "%s/keys/master.key", dir);
	snprintf(db, sizeof db, "sqlite:%s/t.db", dir);
	snprintf(ksdb, sizeof ksdb, "sqlite:%s/keys/persons.db", dir);

	struct sp_err err = {0};
	struct sp_master *m;
	struct sp_store *s;
	struct sp_keys *k;
	struct sp_keystore *ks;
	struct sp_store_options opt = {.busy_timeout_ms = 1000, .create = 1};
	if (sp_master_key_file_create(key, data, &m, &err))
		die("key file", &err);
	if (sp_store_open(db, &opt, &s, &err) || sp_store_migrate(s, &err) ||
	    sp_keys_open(s, m, &k, &err))
		die("store", &err);
	if (sp_keystore_open(ksdb, 1, &ks, &err))
		die("key store", &err);

	const char field[] = "Mohammed Abdullahi Hassan, b. Kismayo SO";
	const size_t len = sizeof field - 1; /* 40 */
	_Static_assert(sizeof field - 1 == 40, "a 40-byte field");
	struct sp_id rec, person;
	sp_id_new(&rec);
	sp_id_new(&person);
	struct sp_field f = {"persons", "name", &rec};
	struct sp_buf ct, pt;
	sp_buf_init(&ct, 1 << 16);
	sp_buf_init(&pt, 1 << 16);
	struct sp_person_key pk;
	if (sp_person_key_get(ks, k, &person, 1, &pk, &err))
		die("person key", &err);
	int bad = 0;

	machine();
	printf("bench_seal: %ld iterations, %zu-byte field, single thread\n", n, len);

	/* The floor: the AEAD alone with a 24-byte nonce, no header, no associated-data framing. */
	unsigned char rawkey[32], nonce[24], rawct[64 + 16], rawpt[64], ad[64];
	crypto_aead_xchacha20poly1305_ietf_keygen(rawkey);
	memset(ad, 7, sizeof ad);
	TIME("baseline: xchacha20poly1305 seal", n, {
		randombytes_buf(nonce, sizeof nonce);
		crypto_aead_xchacha20poly1305_ietf_encrypt(rawct, NULL, (const unsigned char *)field,
							   len, ad, 49, NULL, nonce, rawkey);
	});
	TIME("baseline: xchacha20poly1305 open", n, {
		bad |= crypto_aead_xchacha20poly1305_ietf_decrypt(rawpt, NULL, NULL, rawct, len + 16,
								   ad, 49, nonce, rawkey);
	});

	TIME("sp_field_seal (data key)", n, {
		sp_buf_reset(&ct);
		bad |= sp_field_seal(k, &f, field, len, &ct, &err);
	});
	TIME("sp_field_open (data key, sp_buf)", n, {
		sp_buf_reset(&pt);
		bad |= sp_field_open(k, NULL, &f, ct.data, ct.len, &pt, &err);
	});
	struct sp_arena a;
	sp_arena_init(&a, 1 << 16, 0);
	unsigned char *out;
	size_t out_len;
	TIME("sp_field_open_arena (data key)", n, {
		if ((i_ & 1023) == 0)
			sp_arena_release(&a);
		bad |= sp_field_open_arena(k, NULL, &f, ct.data, ct.len, &a, &out, &out_len, &err);
	});
	sp_arena_release(&a);
	TIME("sp_field_seal_person (cached key)", n, {
		sp_buf_reset(&ct);
		bad |= sp_field_seal_person(&pk, &f, field, len, &ct, &err);
	});
	TIME("sp_field_open (person key)", n, {
		sp_buf_reset(&pt);
		bad |= sp_field_open(k, &pk, &f, ct.data, ct.len, &pt, &err);
	});
	TIME("sp_person_key_get (cache hit)", n, {
		bad |= sp_person_key_get(ks, k, &person, 0, &pk, &err);
	});
	long few = n / 100 > 0 ? n / 100 : 1;
	TIME("sodium_malloc + sodium_free (32 B)", few, {
		void *p = sodium_malloc(32);
		bad |= p == NULL;
		sodium_free(p);
	});
	if (bad)
		fprintf(stderr, "bench_seal: some call failed\n");

	sp_buf_free(&ct);
	sp_buf_free(&pt);
	sp_keystore_close(ks);
	sp_keys_free(k);
	sp_store_close(s);
	sp_master_free(m);
	sp_keycache_thread_release();
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) != 0 || bad;
}
