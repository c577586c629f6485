/* Fuzz the encrypted file format of backups (src/crypto/sealfile.c): a restore reads a file
 * that came back from some medium, and its prefix (magic, format, header length, key check)
 * is parsed before anything is authenticated. Never a crash, UB or leak; a refused file
 * leaves no output behind; a file is accepted only when this key wrote it. abort() when not.
 *
 * Input: one byte, then the rest. Byte even: the rest is a file handed to sp_sealfile_read
 * under both magics. Byte odd: the rest is sealed (its first bytes, up to 64, as the header),
 * must read back exactly, and then with the byte at (first byte / 2) flipped must be refused.
 *
 * This binary links its own fsync, which does nothing, and works in /dev/shm when it can:
 * durability is not what is fuzzed here, and with syncs on a disk a replay run of 20,000 inputs
 * took 100 s instead of 2. */
#include <fcntl.h>
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

int fsync(int fd)
{
	return fd >= 0 ? 0 : -1;
}

static char root[64], in_file[96], out_file[96], plain_file[96];
static struct sp_keys *keys;
static const char magics[2][SP_SEALFILE_MAGIC_LEN] = {
	{'S', 'P', 'B', 'A', 'C', 'K', 'U', 'P'},
	{'S', 'P', 'K', 'S', 'B', 'A', 'C', 'K'},
};

static void cleanup(void)
{
	unlink(in_file);
	unlink(out_file);
	unlink(plain_file);
	rmdir(root);
	sp_keys_free(keys);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_init() != SP_OK)
		abort();
	/* In memory where there is a tmpfs: each input creates, renames and removes files. */
	snprintf(root, sizeof root, "/dev/shm/sp-fuzz-backup-XXXXXX");
	if (!mkdtemp(root)) {
		snprintf(root, sizeof root, "/tmp/sp-fuzz-backup-XXXXXX");
		if (!mkdtemp(root))
			abort();
	}
	snprintf(in_file, sizeof in_file, "%s/in", root);
	snprintf(out_file, sizeof out_file, "%s/out", root);
	snprintf(plain_file, sizeof plain_file, "%s/plain", root);
	unsigned char k[SP_KEY_LEN];
	memset(k, 7, sizeof k); /* a fixed master key: the seeds were written under it */
	struct sp_master *m = NULL;
	if (sp_master_from_bytes_(k, &m, NULL) != SP_OK || sp_keys_derive(m, &keys, NULL) != SP_OK)
		abort();
	sp_master_free(m);
	atexit(cleanup);
	return 0;
}

static void put_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n) || close(fd) != 0)
		abort();
}

static size_t get_file(const char *path, uint8_t *p, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		abort();
	size_t n = fread(p, 1, cap, f);
	fclose(f);
	return n;
}

/* Read in_file under magic m: on failure nothing is left at out_file. */
static int read_in(int m, unsigned char *header, size_t *hlen)
{
	struct sp_err err = {0};
	unlink(out_file);
	int rc = sp_sealfile_read(keys, magics[m], in_file, out_file, header, 64, hlen, NULL, NULL,
				  &err);
	struct stat st;
	if (rc && (stat(out_file, &st) == 0 || !err.msg[0]))
		abort();
	if (!rc && *hlen > 64)
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char header[64];
	size_t hlen = 0;
	if (size < 1 || size > 4096)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if (!(mode & 1)) {
		put_file(in_file, data, size);
		(void)read_in(0, header, &hlen);
		(void)read_in(1, header, &hlen);
		return 0;
	}
	size_t want_h = size < 64 ? size : 64;
	put_file(plain_file, data, size);
	struct sp_err err = {0};
	if (sp_sealfile_write(keys, magics[0], data, want_h, plain_file, in_file, NULL, NULL, &err))
		abort();
	static uint8_t sealed[8192], back[8192];
	if (read_in(0, header, &hlen) || hlen != want_h || memcmp(header, data, hlen) != 0 ||
	    get_file(out_file, back, sizeof back) != size || memcmp(back, data, size) != 0)
		abort(); /* what was written must read back exactly */
	if (read_in(1, header, &hlen) == SP_OK)
		abort(); /* and only as its own kind */
	size_t n = get_file(in_file, sealed, sizeof sealed);
	size_t at = (size_t)(mode >> 1) % n;
	sealed[at] ^= 0x20;
	put_file(in_file, sealed, n);
	if (read_in(0, header, &hlen) == SP_OK)
		abort(); /* a changed byte anywhere is refused */
	return 0;
}
