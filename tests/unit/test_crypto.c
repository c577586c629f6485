/* crypto/ without a store: known answers for the primitives and our wrappers, golden blind
 * indexes (tests/data/crypto/golden.tsv, computed by golden.py with python's own BLAKE2b and
 * Ed25519), field sealing and its binding to table/column/record, the master key files,
 * passphrases, recovery backups, passwords and the per-thread key cache. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "safepath/config.h"
#include "safepath/crypto.h"

#include "helpers.h"

/* libsodium's minimum Argon2id cost: the tests check the plumbing, not the strength. */
static const struct sp_kdf_params cheap = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

static void unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t got = 0;
	assert_int_equal(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &got, NULL), 0);
	assert_int_equal(got, n);
}

static void tmpdir(char out[64])
{
	snprintf(out, 64, "/tmp/sp-crypto-XXXXXX");
	assert_non_null(mkdtemp(out));
}

static void join(char *out, size_t n, const char *a, const char *b)
{
	assert_true((size_t)snprintf(out, n, "%s/%s", a, b) < n);
}

/* Keys for the test master key 00 01 .. 1f, with data-key versions 1..nv (key bytes v,v,..). */
static struct sp_keys *test_keys(int nv)
{
	unsigned char mk[SP_KEY_LEN];
	struct sp_master *m;
	struct sp_keys *k;
	for (int i = 0; i < SP_KEY_LEN; i++)
		mk[i] = (unsigned char)i;
	assert_int_equal(sp_master_from_bytes_(mk, &m, NULL), SP_OK);
	assert_int_equal(sp_keys_derive_(m, &k, NULL), SP_OK);
	sp_master_free(m);
	for (int v = 1; v <= nv; v++) {
		unsigned char dk[SP_KEY_LEN];
		uint32_t ver = (uint32_t)v;
		memset(dk, v, sizeof dk);
		assert_int_equal(sp_keys_add_data_keys_(k, &ver, dk, 1, NULL), SP_OK);
	}
	return k;
}

/* ---- primitives and wrappers ------------------------------------------------------------ */

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				"only one tip for the future, sunscreen would be it.";

/* draft-irtf-cfrg-xchacha-03 A.3.1. */
static void xchacha_draft_vector(void **state)
{
	(void)state;
	unsigned char key[32], nonce[24], ad[12], expect[sizeof sunscreen - 1 + 16];
	unsigned char ct[sizeof expect], pt[sizeof sunscreen];
	unsigned long long n;
	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)(0x80 + i);
	for (int i = 0; i < 24; i++)
		nonce[i] = (unsigned char)(0x40 + i);
	unhex("50515253c0c1c2c3c4c5c6c7", ad, sizeof ad);
	unhex("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	      "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	      "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	      "21f9664c97637da9768812f615c68b13b52e"
	      "c0875924c1c7987947deafd8780acf49",
	      expect, sizeof expect);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &n, (const unsigned char *)sunscreen,
						   sizeof sunscreen - 1, ad, sizeof ad, NULL, nonce, key);
	assert_int_equal(n, sizeof expect);
	assert_memory_equal(ct, expect, sizeof expect);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &n, NULL, ct, sizeof ct, ad,
								     sizeof ad, nonce, key), 0);
	assert_memory_equal(pt, sunscreen, sizeof sunscreen - 1);
}

/* The BLAKE2 reference KAT (blake2b-kat.txt, keyed): key 00..3f, inputs "" and 00..fe. */
static void blake2b_keyed_vectors(void **state)
{
	(void)state;
	unsigned char key[64], in[255], out[64], expect[64];
	for (int i = 0; i < 64; i++)
		key[i] = (unsigned char)i;
	for (int i = 0; i < 255; i++)
		in[i] = (unsigned char)i;
	unhex("10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786"
	      "b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568", expect, 64);
	crypto_generichash(out, 64, NULL, 0, key, 64);
	assert_memory_equal(out, expect, 64);
	unhex("142709d62e28fcccd0af97fad0f8465b971e82201dc51070faa0372aa43e9248"
	      "4be1c1e73ba10906d5d1853db6a4106e0a7bf9800d373d6dee2d46d62ef2a461", expect, 64);
	crypto_generichash(out, 64, in, 255, key, 64);
	assert_memory_equal(out, expect, 64);
}

/* Our seal format, rebuilt by hand: the field opens with libsodium directly given the
 * documented associated data, and a hand-made ciphertext opens with sp_field_open. */
static void seal_layout_matches_documentation(void **state)
{
	(void)state;
	struct sp_keys *k = test_keys(3);
	struct sp_id rec;
	for (int i = 0; i < SP_ID_LEN; i++)
		rec.b[i] = (unsigned char)(0xa0 + i);
	struct sp_field f = {"persons", "name", &rec};
	unsigned char ad[4 + 7 + 4 + 4 + 16 + 6];
	unsigned char *p = ad;
	memcpy(p, "\0\0\0\x07persons\0\0\0\x04name", 19);
	p += 19;
	memcpy(p, rec.b, 16);
	p += 16;
	memcpy(p, "\x01\x01\0\0\0\x03", 6); /* format 1, data key, version 3 */

	struct sp_buf ct;
	sp_buf_init(&ct, 1 << 16);
	assert_int_equal(sp_field_seal(k, &f, sunscreen, sizeof sunscreen - 1, &ct, NULL), SP_OK);
	assert_int_equal(ct.len, sizeof sunscreen - 1 + SP_SEAL_OVERHEAD);
	assert_memory_equal(ct.data, "\x01\x01\0\0\0\x03", 6);
	unsigned char key[32], pt[sizeof sunscreen];
	memset(key, 3, sizeof key);
	unsigned long long n;
	const unsigned char *c = (const unsigned char *)ct.data;
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &n, NULL, c + 30, ct.len - 30,
								     ad, sizeof ad, c + 6, key), 0);
	assert_int_equal(n, sizeof sunscreen - 1);
	assert_memory_equal(pt, sunscreen, n);

	/* And the other way round: a ciphertext made by hand under version 1. */
	unsigned char hand[6 + 24 + 5 + 16];
	memcpy(hand, "\x01\x01\0\0\0\x01", 6);
	for (int i = 0; i < 24; i++)
		hand[6 + i] = (unsigned char)(0x40 + i);
	memcpy(ad + sizeof ad - 6, hand, 6);
	memset(key, 1, sizeof key);
	crypto_aead_xchacha20poly1305_ietf_encrypt(hand + 30, NULL, (const unsigned char *)"Amina", 5,
						   ad, sizeof ad, NULL, hand + 6, key);
	struct sp_buf out;
	sp_buf_init(&out, 100);
	assert_int_equal(sp_field_open(k, NULL, &f, hand, sizeof hand, &out, NULL), SP_OK);
	assert_string_equal(out.data, "Amina");
	sp_buf_free(&out);
	sp_buf_free(&ct);
	sp_keys_free(k);
}

/* ---- golden values ---------------------------------------------------------------------- */

static void golden_subkeys_and_blind_indexes(void **state)
{
	(void)state;
	FILE *f = fopen("tests/data/crypto/golden.tsv", "r");
	assert_non_null(f);
	struct sp_keys *k = test_keys(1);
	char line[1024];
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		char *col[4];
		char *s = line;
		for (int i = 0; i < 4; i++) {
			col[i] = s;
			s = strchr(s, '\t');
			if (i < 3) {
				assert_non_null(s);
				*s++ = '\0';
			}
		}
		unsigned char expect[32], got[32];
		unhex(col[3], expect, 32);
		struct sp_buf norm;
		struct sp_err err = {0};
		sp_buf_init(&norm, 1024);
		const char *kind = col[0];
		if (strcmp(kind, "subkey") == 0) {
			const unsigned char *pk;
			sp_keys_audit_signing(k, &pk, NULL);
			const unsigned char *v = strcmp(col[1], "audit_chain") == 0 ? sp_keys_audit_chain_key(k)
						 : strcmp(col[1], "token") == 0	 ? sp_keys_token_key(k)
											 : pk;
			memcpy(got, v, 32);
		} else if (strcmp(kind, "token_hash") == 0) {
			unsigned char tok[32];
			memset(tok, 0xaa, sizeof tok);
			sp_keys_token_hash(k, tok, sizeof tok, got);
		} else if (strcmp(kind, "document") == 0) {
			char *type = col[1], *country = strchr(type, '|');
			*country++ = '\0';
			char *number = strchr(country, '|');
			*number++ = '\0';
			assert_int_equal(sp_norm_document(type, country, number, &norm, &err), SP_OK);
			assert_int_equal(sp_blind_document(k, type, country, number, got, &err), SP_OK);
		} else if (strcmp(kind, "phone") == 0) {
			assert_int_equal(sp_norm_phone(col[1], &norm, &err), SP_OK);
			assert_int_equal(sp_blind_phone(k, col[1], got, &err), SP_OK);
		} else if (strcmp(kind, "case") == 0) {
			assert_int_equal(sp_norm_case(col[1], &norm, &err), SP_OK);
			assert_int_equal(sp_blind_case(k, col[1], got, &err), SP_OK);
		} else if (strcmp(kind, "name") == 0) {
			assert_int_equal(sp_name_normalise(col[1], strlen(col[1]), &norm, &err), SP_OK);
			assert_int_equal(sp_blind_name(k, norm.data, norm.len, got, &err), SP_OK);
		} else {
			fail_msg("unknown kind %s", kind);
		}
		if (norm.len)
			assert_string_equal(norm.data, col[2]);
		if (memcmp(got, expect, 32) != 0)
			fail_msg("golden mismatch: %s %s", kind, col[1]);
		sp_buf_free(&norm);
		rows++;
	}
	fclose(f);
	assert_true(rows >= 14);
	sp_keys_free(k);
}

static void normalisations_refuse_junk(void **state)
{
	(void)state;
	struct sp_buf b;
	struct sp_err err = {0};
	sp_buf_init(&b, 1024);
	assert_int_equal(sp_norm_document("passport", "G1", "123", &b, &err), SP_EINVAL);
	assert_string_equal(err.field, "country");
	sp_buf_reset(&b);
	assert_int_equal(sp_norm_document("pass port", "GB", "123", &b, &err), SP_EINVAL);
	sp_buf_reset(&b);
	assert_int_equal(sp_norm_document("passport", "GB", " -/ ", &b, &err), SP_EINVAL);
	assert_string_equal(err.field, "number");
	sp_buf_reset(&b);
	assert_int_equal(sp_norm_phone("+ ( ) -", &b, &err), SP_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(sp_norm_case("--", &b, &err), SP_EINVAL);
	assert_int_equal(sp_name_normalise("\xc3\x28", 2, &b, &err), SP_EINVAL); /* bad UTF-8 */
	assert_int_equal(sp_name_normalise(" \t\xc2\xa0 ", 5, &b, &err), SP_EINVAL);
	assert_int_equal(sp_name_normalise("Qx\0b", 4, &b, &err), SP_EINVAL);
	assert_null(strstr(err.msg, "Qx")); /* messages never quote the value */
	/* Precomposed and decomposed forms index alike. */
	assert_int_equal(sp_name_normalise("Zo\xc3\xab", 4, &b, &err), SP_OK);
	assert_string_equal(b.data, "zoe");
	sp_buf_reset(&b);
	assert_int_equal(sp_name_normalise("ZOE\xcc\x88", 5, &b, &err), SP_OK);
	assert_string_equal(b.data, "zoe");
	sp_buf_free(&b);
}

/* ---- sealing ---------------------------------------------------------------------------- */

static void seal_binds_table_column_record_and_key(void **state)
{
	(void)state;
	struct sp_keys *k = test_keys(1);
	struct sp_id r1, r2;
	sp_id_new(&r1);
	sp_id_new(&r2);
	struct sp_field f = {"persons", "name", &r1};
	struct sp_buf ct, pt;
	struct sp_err err = {0};
	sp_buf_init(&ct, 1 << 16);
	sp_buf_init(&pt, 1 << 16);
	const char *v = "Fatima Al-Hassan";
	assert_int_equal(sp_field_seal(k, &f, v, strlen(v), &ct, &err), SP_OK);
	assert_int_equal(sp_field_open(k, NULL, &f, ct.data, ct.len, &pt, &err), SP_OK);
	assert_int_equal(pt.len, strlen(v));
	assert_string_equal(pt.data, v);

	struct sp_field moved[] = {
		{"persons", "name", &r2},      /* another row */
		{"persons", "alias", &r1},     /* another column */
		{"contacts", "name", &r1},     /* another table */
		{"personsn", "ame", &r1},      /* the lengths are bound too */
	};
	for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++) {
		sp_buf_reset(&pt);
		assert_int_equal(sp_field_open(k, NULL, &moved[i], ct.data, ct.len, &pt, &err),
				 SP_ECRYPTO);
		assert_int_equal(pt.len, 0);
	}
	/* Every flipped bit fails, header included; so does any truncation. */
	for (size_t i = 0; i < ct.len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			ct.data[i] ^= (char)(1 << bit);
			sp_buf_reset(&pt);
			int rc = sp_field_open(k, NULL, &f, ct.data, ct.len, &pt, &err);
			assert_true(rc == SP_ECRYPTO || rc == SP_EINVAL);
			ct.data[i] ^= (char)(1 << bit);
		}
	}
	for (size_t n = 0; n < ct.len; n++)
		assert_int_not_equal(sp_field_open(k, NULL, &f, ct.data, n, &pt, &err), SP_OK);
	/* A person-key field needs a person key. */
	ct.data[1] = SP_KEY_PERSON;
	assert_int_equal(sp_field_open(k, NULL, &f, ct.data, ct.len, &pt, &err), SP_EINVAL);
	/* Names longer than the cap or missing are refused before any work. */
	struct sp_field bad = {"", "name", &r1};
	assert_int_equal(sp_field_seal(k, &bad, v, 1, &ct, &err), SP_EINVAL);
	bad.table = "persons";
	bad.record = NULL;
	assert_int_equal(sp_field_seal(k, &bad, v, 1, &ct, &err), SP_EINVAL);
	sp_buf_free(&ct);
	sp_buf_free(&pt);
	sp_keys_free(k);
}

static void seal_uses_newest_version_and_opens_old(void **state)
{
	(void)state;
	struct sp_keys *k = test_keys(1);
	struct sp_id r;
	sp_id_new(&r);
	struct sp_field f = {"notes", "body", &r};
	struct sp_buf c1, c2;
	struct sp_err err = {0};
	sp_buf_init(&c1, 1000);
	sp_buf_init(&c2, 1000);
	assert_int_equal(sp_field_seal(k, &f, "", 0, &c1, &err), SP_OK); /* empty is fine */
	uint32_t v2 = 2;
	unsigned char dk[32];
	memset(dk, 0x42, sizeof dk);
	assert_int_equal(sp_keys_add_data_keys_(k, &v2, dk, 1, &err), SP_OK);
	assert_int_equal(sp_keys_data_version(k), 2);
	assert_int_equal(sp_field_seal(k, &f, "x", 1, &c2, &err), SP_OK);
	enum sp_key_kind kind;
	uint32_t ver;
	assert_int_equal(sp_field_key_of(c1.data, c1.len, &kind, &ver), SP_OK);
	assert_int_equal(ver, 1);
	assert_int_equal(sp_field_key_of(c2.data, c2.len, &kind, &ver), SP_OK);
	assert_int_equal(kind, SP_KEY_DATA);
	assert_int_equal(ver, 2);

	struct sp_arena a;
	sp_arena_init(&a, 256, 4096);
	unsigned char *pt;
	size_t n;
	assert_int_equal(sp_field_open_arena(k, NULL, &f, c1.data, c1.len, &a, &pt, &n, &err), SP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sp_field_open_arena(k, NULL, &f, c2.data, c2.len, &a, &pt, &n, &err), SP_OK);
	assert_int_equal(n, 1);
	assert_string_equal((char *)pt, "x");
	/* A version the key set does not hold. */
	c2.data[5] = 9;
	assert_int_equal(sp_field_open_arena(k, NULL, &f, c2.data, c2.len, &a, &pt, &n, &err), SP_ECRYPTO);
	assert_null(pt);
	sp_arena_release(&a);
	/* Versions only grow. */
	assert_int_equal(sp_keys_add_data_keys_(k, &v2, dk, 1, &err), SP_EINTERNAL);
	sp_buf_free(&c1);
	sp_buf_free(&c2);
	sp_keys_free(k);
}

static void signing_key_signs(void **state)
{
	(void)state;
	struct sp_keys *k = test_keys(0);
	const unsigned char *pk, *sk;
	unsigned char sig[crypto_sign_BYTES];
	sp_keys_audit_signing(k, &pk, &sk);
	crypto_sign_detached(sig, NULL, (const unsigned char *)"seq=1", 5, sk);
	assert_int_equal(crypto_sign_verify_detached(sig, (const unsigned char *)"seq=1", 5, pk), 0);
	sp_keys_free(k);
}

/* ---- master key files ------------------------------------------------------------------- */

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static int same_master(const struct sp_master *a, const struct sp_master *b)
{
	return sodium_memcmp(a->key, b->key, SP_KEY_LEN) == 0;
}

static void key_file_create_and_load(void **state)
{
	(void)state;
	char root[64], data[128], keys[128], key[160], other[160];
	struct sp_master *m, *m2;
	struct sp_err err = {0};
	tmpdir(root);
	join(data, sizeof data, root, "var");
	join(keys, sizeof keys, root, "keys");
	join(key, sizeof key, keys, "master.key");
	assert_int_equal(sp_master_key_file_create(key, data, &m, &err), SP_OK);
	assert_int_equal(mode_of(key), 0600);
	assert_int_equal(mode_of(keys), 0700);
	assert_int_equal(sp_master_key_file_load(key, data, &m2, &err), SP_OK);
	assert_true(same_master(m, m2));
	sp_master_free(m2);
	/* Never overwritten. */
	assert_int_equal(sp_master_key_file_create(key, data, &m2, &err), SP_ECONFLICT);
	assert_null(m2);
	/* Too open: refused like ssh does. */
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(sp_master_key_file_load(key, data, &m2, &err), SP_EINVAL);
	assert_int_equal(chmod(key, 0600), 0);
	/* Missing and damaged files. */
	join(other, sizeof other, keys, "none.key");
	assert_int_equal(sp_master_key_file_load(other, data, &m2, &err), SP_ENOTFOUND);
	int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "SAFEPATH-MASTER-KEY-1\nzz", 24), 24);
	close(fd);
	assert_int_equal(sp_master_key_file_load(other, data, &m2, &err), SP_EINVAL);
	/* A folder others may write is refused for a new key. */
	char open_dir[160], open_key[192];
	join(open_dir, sizeof open_dir, root, "shared");
	assert_int_equal(mkdir(open_dir, 0777), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	join(open_key, sizeof open_key, open_dir, "master.key");
	assert_int_equal(sp_master_key_file_create(open_key, data, &m2, &err), SP_EINVAL);
	sp_master_free(m);
	assert_int_equal(test_rmtree(root), 0);
}

static void key_file_refused_inside_data_folder(void **state)
{
	(void)state;
	char root[64], data[128], p[256], lnk[192];
	struct sp_master *m;
	struct sp_err err = {0};
	tmpdir(root);
	join(data, sizeof data, root, "var");
	assert_int_equal(mkdir(data, 0700), 0);
	const char *inside[] = {"var/master.key", "var/keys/master.key", "keys/../var/master.key",
				"var/./x/../master.key", "var"};
	for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
		join(p, sizeof p, root, inside[i]);
		assert_int_equal(sp_master_key_file_create(p, data, &m, &err), SP_EINVAL);
		assert_string_equal(err.field, "key-file");
	}
	/* Through a symlink to the data folder, and with the data folder named by a symlink. */
	join(lnk, sizeof lnk, root, "lnk");
	assert_int_equal(symlink(data, lnk), 0);
	join(p, sizeof p, lnk, "master.key");
	assert_int_equal(sp_master_key_file_create(p, data, &m, &err), SP_EINVAL);
	join(p, sizeof p, data, "master.key");
	assert_int_equal(sp_master_key_file_create(p, lnk, &m, &err), SP_EINVAL);
	/* A relative path that climbs into it. */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(data), 0);
	assert_int_equal(sp_master_key_file_create("../var/k/master.key", "../var", &m, &err),
			 SP_EINVAL);
	/* The default shape, next to the data folder, is fine. */
	assert_int_equal(sp_master_key_file_create("../keys/master.key", ".", &m, &err), SP_OK);
	assert_int_equal(chdir(cwd), 0);
	sp_master_free(m);
	/* A dangling symlink is refused rather than followed blindly. */
	join(p, sizeof p, root, "dangling");
	assert_int_equal(symlink("/nonexistent/sp-x", p), 0);
	join(lnk, sizeof lnk, p, "master.key");
	assert_int_equal(sp_master_key_file_create(lnk, data, &m, &err), SP_EINVAL);
	/* Loading a key that sits in the data folder is refused too. */
	join(p, sizeof p, root, "keys/master.key");
	join(lnk, sizeof lnk, data, "copy.key");
	assert_int_equal(link(p, lnk), 0);
	assert_int_equal(sp_master_key_file_load(lnk, data, &m, &err), SP_EINVAL);
	assert_null(m);
	assert_int_equal(test_rmtree(root), 0);
}

/* ---- passphrases and backups ------------------------------------------------------------ */

static void passphrase_from_fd_and_salt_file(void **state)
{
	(void)state;
	int fds[2];
	char *pass;
	size_t n;
	struct sp_err err = {0};
	assert_int_equal(pipe(fds), 0);
	const char in[] = "correct horse\r\nsecond one\n\n";
	assert_int_equal(write(fds[1], in, sizeof in - 1), (ssize_t)(sizeof in - 1));
	close(fds[1]);
	assert_int_equal(sp_passphrase_read(fds[0], NULL, &pass, &n, &err), SP_OK);
	assert_int_equal(n, 13);
	assert_string_equal(pass, "correct horse");
	char root[64], data[128], salt[160];
	struct sp_master *m1, *m2, *m3;
	tmpdir(root);
	join(data, sizeof data, root, "var");
	assert_int_equal(sp_master_from_passphrase(data, pass, n, NULL, &m1, &err), SP_ENOTFOUND);
	assert_int_equal(sp_master_from_passphrase(data, pass, n, &cheap, &m1, &err), SP_OK);
	join(salt, sizeof salt, data, "master.salt");
	assert_int_equal(mode_of(salt), 0600);
	assert_int_equal(sp_master_from_passphrase(data, pass, n, NULL, &m2, &err), SP_OK);
	assert_true(same_master(m1, m2));
	sp_passphrase_free(pass);
	assert_int_equal(sp_passphrase_read(fds[0], NULL, &pass, &n, &err), SP_OK);
	assert_string_equal(pass, "second one");
	assert_int_equal(sp_master_from_passphrase(data, pass, n, &cheap, &m3, &err), SP_OK);
	assert_false(same_master(m1, m3));
	sp_master_free(m3);
	sp_passphrase_free(pass);
	assert_int_equal(sp_passphrase_read(fds[0], NULL, &pass, &n, &err), SP_EINVAL); /* empty */
	assert_null(pass);
	close(fds[0]);
	/* A salt file asking for absurd cost is refused before any work. */
	FILE *f = fopen(salt, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 8, SEEK_SET), 0);
	assert_int_equal(fwrite("\xff\xff\xff\xff", 1, 4, f), 4);
	fclose(f);
	assert_int_equal(sp_master_from_passphrase(data, "x", 1, NULL, &m3, &err), SP_EINVAL);
	sp_master_free(m1);
	sp_master_free(m2);
	assert_int_equal(test_rmtree(root), 0);
}

static void backup_and_restore(void **state)
{
	(void)state;
	char root[64], data[128], key[160], bak[160], key2[160];
	struct sp_master *m, *r;
	struct sp_err err = {0};
	tmpdir(root);
	join(data, sizeof data, root, "var");
	join(key, sizeof key, root, "keys/master.key");
	join(key2, sizeof key2, root, "restored/master.key");
	join(bak, sizeof bak, root, "offline/master.bak");
	assert_int_equal(sp_master_key_file_create(key, data, &m, &err), SP_OK);
	assert_int_equal(sp_master_backup(m, bak, "recovery words", 14, &cheap, &err), SP_OK);
	assert_int_equal(mode_of(bak), 0600);
	assert_int_equal(sp_master_backup(m, bak, "recovery words", 14, &cheap, &err), SP_ECONFLICT);
	assert_int_equal(sp_master_restore(bak, "recovery wordz", 14, key2, data, &r, &err), SP_ECRYPTO);
	assert_null(r);
	assert_int_equal(access(key2, F_OK), -1); /* nothing written */
	assert_int_equal(sp_master_restore(bak, "recovery words", 14, key2, data, &r, &err), SP_OK);
	assert_true(same_master(m, r));
	assert_int_equal(mode_of(key2), 0600);
	sp_master_free(r);
	assert_int_equal(sp_master_key_file_load(key2, data, &r, &err), SP_OK);
	assert_true(same_master(m, r));
	sp_master_free(r);
	/* Never over an existing key, never into the data folder. */
	assert_int_equal(sp_master_restore(bak, "recovery words", 14, key, data, NULL, &err), SP_ECONFLICT);
	char in_data[160];
	join(in_data, sizeof in_data, data, "master.key");
	assert_int_equal(sp_master_restore(bak, "recovery words", 14, in_data, data, NULL, &err), SP_EINVAL);
	/* Any changed byte (header included: it is the associated data) fails. */
	unsigned char buf[256];
	FILE *f = fopen(bak, "rb");
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	assert_int_equal(n, 108);
	for (size_t i = 20; i < n; i += 7) {
		buf[i] ^= 1;
		char tampered[192];
		snprintf(tampered, sizeof tampered, "%s/t%zu.bak", root, i);
		f = fopen(tampered, "wb");
		assert_int_equal(fwrite(buf, 1, n, f), n);
		fclose(f);
		assert_int_equal(sp_master_restore(tampered, "recovery words", 14, key2, data, NULL, &err),
				 SP_ECRYPTO);
		buf[i] ^= 1;
	}
	sp_master_free(m);
	assert_int_equal(test_rmtree(root), 0);
}

static void master_open_picks_the_mode(void **state)
{
	(void)state;
	char root[64], data[128], key[160];
	struct sp_master *m, *o;
	struct sp_err err = {0};
	int fds[2];
	tmpdir(root);
	join(data, sizeof data, root, "var");
	join(key, sizeof key, root, "keys/master.key");
	/* Nothing yet: not found, and nothing created. */
	assert_int_equal(sp_master_open(key, data, -1, &o, &err), SP_ENOTFOUND);
	assert_int_equal(access(key, F_OK), -1);
	/* Passphrase mode from a descriptor. */
	assert_int_equal(sp_master_from_passphrase(data, "pw", 2, &cheap, &m, &err), SP_OK);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "pw\n", 3), 3);
	close(fds[1]);
	assert_int_equal(sp_master_open(key, data, fds[0], &o, &err), SP_OK);
	assert_true(same_master(m, o));
	close(fds[0]);
	sp_master_free(o);
	sp_master_free(m);
	/* A key file wins when no descriptor is given. */
	assert_int_equal(sp_master_key_file_create(key, data, &m, &err), SP_OK);
	assert_int_equal(sp_master_open(key, data, -1, &o, &err), SP_OK);
	assert_true(same_master(m, o));
	sp_master_free(o);
	sp_master_free(m);

	struct sp_buf url;
	sp_buf_init(&url, 256);
	assert_int_equal(sp_keystore_default_url("./keys/master.key", NULL, &url), SP_OK);
	assert_string_equal(url.data, "sqlite:./keys/persons.db");
	sp_buf_reset(&url);
	assert_int_equal(sp_keystore_default_url("master.key", "sqlite:var/x.db", &url), SP_OK);
	assert_string_equal(url.data, "sqlite:persons.db");
	/* on PostgreSQL: the same server, the data database's name + "_keys" */
	sp_buf_reset(&url);
	assert_int_equal(sp_keystore_default_url("k/master.key", "postgresql://h:5432/sp?sslmode=require",
						 &url), SP_OK);
	assert_string_equal(url.data, "postgresql://h:5432/sp_keys?sslmode=require");
	sp_buf_reset(&url);
	assert_int_equal(sp_keystore_default_url("k/master.key", "postgres:///sp", &url), SP_OK);
	assert_string_equal(url.data, "postgres:///sp_keys");
	sp_buf_reset(&url);
	assert_int_equal(sp_keystore_default_url("k/master.key", "postgresql://h?host=/tmp/s", &url),
			 SP_EINVAL);
	assert_int_equal(sp_keystore_default_url("k/master.key", "postgresql://h/", &url), SP_EINVAL);
	sp_buf_free(&url);
	assert_int_equal(test_rmtree(root), 0);
}

/* ---- passwords -------------------------------------------------------------------------- */

static void passwords_hash_verify_rehash(void **state)
{
	(void)state;
	char h[SP_PWHASH_LEN];
	struct sp_err err = {0};
	int rehash = -1;
	assert_int_equal(sp_password_hash("s3cret pw", 9, &cheap, h, &err), SP_OK);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_int_equal(sp_password_verify(h, "s3cret pw", 9, &cheap, &rehash, &err), SP_OK);
	assert_int_equal(rehash, 0);
	assert_int_equal(sp_password_verify(h, "s3cret pX", 9, &cheap, &rehash, &err), SP_EDENIED);
	assert_int_equal(sp_password_verify(NULL, "s3cret pw", 9, &cheap, &rehash, &err), SP_EDENIED);
	assert_int_equal(sp_password_verify("garbage", "s3cret pw", 9, &cheap, &rehash, &err), SP_EDENIED);
	char argon2i[SP_PWHASH_LEN];
	assert_int_equal(crypto_pwhash_str_alg(argon2i, "s3cret pw", 9, 3, cheap.mem,
					       crypto_pwhash_ALG_ARGON2I13), 0);
	assert_int_equal(sp_password_verify(argon2i, "s3cret pw", 9, &cheap, &rehash, &err), SP_EDENIED);
	struct sp_kdf_params more = {cheap.ops + 1, cheap.mem};
	assert_int_equal(sp_password_verify(h, "s3cret pw", 9, &more, &rehash, &err), SP_OK);
	assert_int_equal(rehash, 1);
	assert_int_equal(sp_password_hash("", 0, &cheap, h, &err), SP_EINVAL);

	struct sp_config c;
	struct sp_kdf_params p;
	sp_config_init(&c);
	assert_int_equal(sp_pwhash_params_from_config(&c, &p, &err), SP_OK);
	assert_int_equal(p.ops, 3);
	assert_int_equal(p.mem, 65536u * 1024);
	assert_int_equal(sp_config_set(&c, "argon2-mem-kib", "1", SP_CONF_FLAG, &err), SP_OK);
	assert_int_equal(sp_pwhash_params_from_config(&c, &p, &err), SP_EINVAL);
	assert_string_equal(err.field, "argon2-mem-kib");
	sp_config_free(&c);
}

/* ---- the per-thread key cache ----------------------------------------------------------- */

static void person_of(struct sp_id *id, unsigned i)
{
	memset(id, 0, sizeof *id);
	id->b[0] = 0x70;
	id->b[14] = (unsigned char)(i >> 8);
	id->b[15] = (unsigned char)i;
}

static int cache_put(unsigned i, struct sp_person_key *pk)
{
	struct sp_id id;
	uint32_t slot;
	unsigned char *mem;
	person_of(&id, i);
	int rc = sp_keycache_claim_(&slot, &mem, NULL);
	if (rc)
		return rc;
	memset(mem, (int)(i & 0xff), SP_KEY_LEN);
	return sp_keycache_publish_(slot, 7, &id, 1, sp_keycache_epoch_(), pk);
}

static void key_cache_evicts_wipes_and_forgets(void **state)
{
	(void)state;
	struct sp_person_key first, pk;
	struct sp_id id;
	const unsigned char *key;
	assert_int_equal(cache_put(0, &first), SP_OK);
	for (unsigned i = 1; i < SP_KEYCACHE_SLOTS; i++)
		assert_int_equal(cache_put(i, &pk), SP_OK);
	assert_int_equal(sp_keycache_used_(), SP_KEYCACHE_SLOTS);
	/* Person 0 stays hot; one more key evicts someone else. */
	person_of(&id, 0);
	assert_int_equal(sp_keycache_find_(7, &id, &pk, NULL), SP_OK);
	assert_int_equal(cache_put(1000, &pk), SP_OK);
	assert_int_equal(sp_keycache_used_(), SP_KEYCACHE_SLOTS);
	assert_int_equal(sp_keycache_find_(7, &id, &pk, NULL), SP_OK);
	assert_int_equal(sp_person_key_lock_(&first, 1, &key), SP_OK);
	assert_int_equal(key[0], 0);
	sp_person_key_unlock_(&first);
	/* Another store's tag does not match. */
	assert_int_equal(sp_keycache_find_(8, &id, &pk, NULL), SP_ENOTFOUND);
	/* Forgetting wipes it and leaves references stale. */
	sp_keycache_forget_(&id);
	assert_int_equal(sp_keycache_find_(7, &id, &pk, NULL), SP_ENOTFOUND);
	assert_int_equal(sp_person_key_lock_(&first, 1, &key), SP_ENOTFOUND);
	assert_int_equal(sp_keycache_used_(), SP_KEYCACHE_SLOTS - 1);
	/* A load that raced a destruction does not publish. */
	uint32_t slot;
	unsigned char *mem;
	uint64_t epoch = sp_keycache_epoch_();
	assert_int_equal(sp_keycache_claim_(&slot, &mem, NULL), SP_OK);
	person_of(&id, 5000);
	sp_keycache_forget_(&id);
	assert_int_equal(sp_keycache_publish_(slot, 7, &id, 1, epoch, &pk), SP_EBUSY);
	sp_keycache_thread_release();
	assert_int_equal(sp_keycache_used_(), 0);
}

struct thread_arg {
	struct sp_person_key pk;
	int rc;
};

static void *use_foreign_ref(void *p)
{
	struct thread_arg *a = p;
	const unsigned char *key;
	a->rc = sp_person_key_lock_(&a->pk, 1, &key);
	if (a->rc == SP_OK)
		sp_person_key_unlock_(&a->pk);
	/* This thread's own cache, wiped by forget from the main thread below. */
	sp_keycache_thread_release();
	return NULL;
}

static void key_cache_refs_are_per_thread(void **state)
{
	(void)state;
	struct thread_arg a;
	pthread_t t;
	assert_int_equal(cache_put(1, &a.pk), SP_OK);
	assert_int_equal(pthread_create(&t, NULL, use_foreign_ref, &a), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.rc, SP_ENOTFOUND);
	sp_keycache_thread_release();
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xchacha_draft_vector),
		cmocka_unit_test(blake2b_keyed_vectors),
		cmocka_unit_test(seal_layout_matches_documentation),
		cmocka_unit_test(golden_subkeys_and_blind_indexes),
		cmocka_unit_test(normalisations_refuse_junk),
		cmocka_unit_test(seal_binds_table_column_record_and_key),
		cmocka_unit_test(seal_uses_newest_version_and_opens_old),
		cmocka_unit_test(signing_key_signs),
		cmocka_unit_test(key_file_create_and_load),
		cmocka_unit_test(key_file_refused_inside_data_folder),
		cmocka_unit_test(passphrase_from_fd_and_salt_file),
		cmocka_unit_test(backup_and_restore),
		cmocka_unit_test(master_open_picks_the_mode),
		cmocka_unit_test(passwords_hash_verify_rehash),
		cmocka_unit_test(key_cache_evicts_wipes_and_forgets),
		cmocka_unit_test(key_cache_refs_are_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
