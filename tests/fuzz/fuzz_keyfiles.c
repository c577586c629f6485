/* Fuzz the three files the master key is read from, each of which a tampered disk can hand
 * us: the key file (sp_master_key_file_load), DATA/master.salt (sp_master_from_passphrase)
 * and the recovery backup (sp_master_restore). The parsers sit inside those functions, after
 * path and permission checks, so the input is written to a real file and read through them.
 * Never a crash, UB or leak; a file is accepted only in its exact format, and then the key is
 * what the file says. abort() when not.
 *
 * Input: one byte (low 7 bits mod 3: key file, salt, backup; 0x80: make the file readable by
 * the group), then the file.
 *
 * Argon2id runs with the cost the salt or backup file names (up to 32 passes and 1 GiB):
 * real, that is seconds and a gigabyte per input. This binary links its own crypto_pwhash
 * instead, a keyed BLAKE2b that first checks the cost it is asked for is within
 * sp_kdf_params_check's bounds, so a file's cost can never reach the KDF unchecked. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "safepath/init.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The stand-in for libsodium's Argon2id (see the top of the file). */
int crypto_pwhash(unsigned char *const out, unsigned long long outlen, const char *const passwd,
		  unsigned long long passwdlen, const unsigned char *const salt,
		  unsigned long long opslimit, size_t memlimit, int alg)
{
	struct sp_kdf_params p = {opslimit, memlimit};
	if (sp_kdf_params_check(&p, NULL) != SP_OK || alg != crypto_pwhash_ALG_ARGON2ID13 ||
	    outlen < crypto_generichash_BYTES_MIN || outlen > crypto_generichash_BYTES_MAX)
		abort();
	return crypto_generichash(out, (size_t)outlen, (const unsigned char *)passwd,
				  passwdlen, salt, crypto_pwhash_SALTBYTES);
}

static const char pass[] = "correct horse battery staple";

static char root[64];
static char data_dir[96], key_dir[96], key_file[128], salt_file[128], backup_file[128];

static void cleanup(void)
{
	unlink(key_file);
	unlink(salt_file);
	unlink(backup_file);
	rmdir(key_dir);
	rmdir(data_dir);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_init() != SP_OK)
		abort();
	/* One folder per process, reused by every input: ROOT/data, ROOT/keys, ROOT/backup. */
	snprintf(root, sizeof root, "/tmp/sp-fuzz-keys-XXXXXX");
	if (!mkdtemp(root))
		abort();
	snprintf(data_dir, sizeof data_dir, "%s/data", root);
	snprintf(key_dir, sizeof key_dir, "%s/keys", root);
	snprintf(key_file, sizeof key_file, "%s/master.key", key_dir);
	snprintf(salt_file, sizeof salt_file, "%s/master.salt", data_dir);
	snprintf(backup_file, sizeof backup_file, "%s/backup", root);
	if (mkdir(data_dir, 0700) != 0 || mkdir(key_dir, 0700) != 0)
		abort();
	atexit(cleanup);
	return 0;
}

static void put_file(const char *path, const uint8_t *p, size_t n, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, p + off, n - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || close(fd) != 0)
		abort();
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* "SAFEPATH-MASTER-KEY-1\n" + 64 hex digits (either case) + "\n", group/other: no access. */
static void key_file_case(const uint8_t *f, size_t n, bool open_to_group)
{
	static const char magic[] = "SAFEPATH-MASTER-KEY-1\n";
	struct sp_master *m = NULL;
	struct sp_err err = {0};
	put_file(key_file, f, n, open_to_group ? 0640 : 0600);
	int rc = sp_master_key_file_load(key_file, data_dir, &m, &err);
	if (rc != SP_OK) {
		if (m || err.msg[0] == '\0')
			abort();
		return;
	}
	unsigned char key[SP_KEY_LEN];
	size_t got = 0;
	const size_t ml = sizeof magic - 1;
	if (!m || open_to_group || n != ml + 2 * SP_KEY_LEN + 1 || memcmp(f, magic, ml) != 0 ||
	    f[n - 1] != '\n' ||
	    sodium_hex2bin(key, sizeof key, (const char *)f + ml, 2 * SP_KEY_LEN, NULL, &got,
			   NULL) != 0 ||
	    got != SP_KEY_LEN || sodium_memcmp(key, m->key, SP_KEY_LEN) != 0)
		abort();
	sp_master_free(m);
}

/* The salt file: "SPMSALT1" ‖ ops u32 ‖ mem u64 ‖ salt(16), exactly. */
static void salt_file_case(const uint8_t *f, size_t n, bool open_to_group)
{
	struct sp_master *m = NULL;
	struct sp_err err = {0};
	put_file(salt_file, f, n, open_to_group ? 0644 : 0600);
	int rc = sp_master_from_passphrase(data_dir, pass, sizeof pass - 1, NULL, &m, &err);
	unlink(salt_file);
	if (rc != SP_OK) {
		if (m || err.msg[0] == '\0')
			abort();
		return;
	}
	struct sp_kdf_params p = {0, 0};
	unsigned char key[SP_KEY_LEN];
	if (n == 36) {
		p.ops = be32(f + 8);
		p.mem = (size_t)be64(f + 12);
	}
	if (!m || n != 36 || memcmp(f, "SPMSALT1", 8) != 0 || sp_kdf_params_check(&p, NULL) ||
	    crypto_pwhash(key, sizeof key, pass, sizeof pass - 1, f + 20, p.ops, p.mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0 ||
	    sodium_memcmp(key, m->key, SP_KEY_LEN) != 0)
		abort();
	sp_master_free(m);
}

/* The backup: "SPMKBAK1" ‖ ops ‖ mem ‖ salt ‖ nonce ‖ sealed key, exactly; on success the key
 * is written to the key file, which must not exist before. */
static void backup_case(const uint8_t *f, size_t n, bool open_to_group)
{
	struct sp_master *m = NULL;
	struct sp_err err = {0};
	unlink(key_file);
	put_file(backup_file, f, n, open_to_group ? 0644 : 0600);
	int rc = sp_master_restore(backup_file, pass, sizeof pass - 1, key_file, data_dir, &m, &err);
	if (rc != SP_OK) {
		if (m || err.msg[0] == '\0' || access(key_file, F_OK) == 0)
			abort();
		return;
	}
	if (!m || n != 36 + 24 + SP_KEY_LEN + 16 || memcmp(f, "SPMKBAK1", 8) != 0)
		abort();
	/* What was restored reads back as the same key. */
	struct sp_master *again = NULL;
	if (sp_master_key_file_load(key_file, data_dir, &again, &err) != SP_OK ||
	    sodium_memcmp(again->key, m->key, SP_KEY_LEN) != 0)
		abort();
	sp_master_free(again);
	sp_master_free(m);
	unlink(key_file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	bool open_to_group = data[0] & 0x80;
	switch ((data[0] & 0x7f) % 3) {
	case 0:
		key_file_case(data + 1, size - 1, open_to_group);
		break;
	case 1:
		salt_file_case(data + 1, size - 1, open_to_group);
		break;
	default:
		backup_case(data + 1, size - 1, open_to_group);
		break;
	}
	return 0;
}
