/* Encrypted files (backups of the database and of the key store) under the backup subkey:
 *   magic(8) ‖ format u32 ‖ header_len u32 ‖ key check(16) ‖ secretstream header(24)
 *   message 1: the caller's header, associated data = the 32 bytes before the stream header
 *   messages 2..n: the file in 64 KiB chunks, the last tagged FINAL (a cut file shows)
 * The key check, keyed BLAKE2b of a constant, tells "another master key" from "changed". */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"

#define FORMAT 1
#define CHUNK ((size_t)64 * 1024)
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADER crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define CHECK_LEN 16
#define AD_LEN (SP_SEALFILE_MAGIC_LEN + 4 + 4 + CHECK_LEN)
#define PREFIX_LEN (AD_LEN + SS_HEADER)

static const char check_label[] = "safepath backup key check v1";

static void key_check(const unsigned char *key, unsigned char out[CHECK_LEN])
{
	crypto_generichash(out, CHECK_LEN, (const unsigned char *)check_label,
			   sizeof check_label - 1, key, SP_KEY_LEN);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Up to n bytes, fewer only at the end of the file; -1 on an error. */
static ssize_t read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int fsync_parent(const char *path)
{
	char copy[4096];
	if (strlen(path) >= sizeof copy)
		return -1;
	memcpy(copy, path, strlen(path) + 1);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* What is sealed: a file, or bytes in memory (a document that must never be on disk in
 * clear). */
struct source {
	int fd; /* -1: mem */
	const unsigned char *mem;
	size_t len, off;
};

/* Up to n bytes of the source, fewer only at its end; -1 on an error. */
static ssize_t read_source(struct source *src, unsigned char *p, size_t n)
{
	if (src->fd >= 0)
		return read_full(src->fd, p, n);
	size_t k = src->len - src->off < n ? src->len - src->off : n;
	memcpy(p, src->mem + src->off, k);
	src->off += k;
	return (ssize_t)k;
}

struct bufs {
	unsigned char *a, *b, *c; /* two plaintext chunks and one ciphertext chunk */
};

static int bufs_new(struct bufs *b, struct sp_err *err)
{
	b->a = malloc(CHUNK);
	b->b = malloc(CHUNK);
	b->c = malloc(CHUNK + ABYTES + SP_SEALFILE_HEADER_MAX);
	if (!b->a || !b->b || !b->c)
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	return SP_OK;
}

static void bufs_free(struct bufs *b)
{
	if (b->a)
		sodium_memzero(b->a, CHUNK);
	if (b->b)
		sodium_memzero(b->b, CHUNK);
	free(b->a);
	free(b->b);
	free(b->c);
}

/* The stream: header message, then the chunks of src with one read of look-ahead so the
 * last one carries the FINAL tag. */
static int seal_stream(const unsigned char *key, const char *magic, const void *header,
		       size_t header_len, struct source *in, int out, uint64_t total,
		       sp_sealfile_progress_fn progress, void *ctx, struct sp_err *err)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	unsigned char prefix[PREFIX_LEN];
	struct bufs b = {0};
	int rc = bufs_new(&b, err);
	if (rc)
		goto out;
	memcpy(prefix, magic, SP_SEALFILE_MAGIC_LEN);
	sp_put32(prefix + 8, FORMAT);
	sp_put32(prefix + 12, (uint32_t)header_len);
	key_check(key, prefix + 16);
	crypto_secretstream_xchacha20poly1305_init_push(&ss, prefix + AD_LEN, key);
	unsigned long long clen = 0;
	crypto_secretstream_xchacha20poly1305_push(&ss, b.c, &clen, header, header_len, prefix,
						   AD_LEN, 0);
	if (sp_write_all_(out, prefix, sizeof prefix) || sp_write_all_(out, b.c, (size_t)clen)) {
		rc = SP_FAIL(err, SP_EIO, "to", "cannot write: %s", strerror(errno));
		goto out;
	}
	ssize_t na = read_source(in, b.a, CHUNK), nb = 0;
	uint64_t done = 0;
	for (;;) {
		nb = na == (ssize_t)CHUNK ? read_source(in, b.b, CHUNK) : 0;
		if (na < 0 || nb < 0) {
			rc = SP_FAIL(err, SP_EIO, "", "cannot read the copy: %s", strerror(errno));
			goto out;
		}
		unsigned char tag = nb == 0 ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		crypto_secretstream_xchacha20poly1305_push(&ss, b.c, &clen, b.a, (size_t)na, NULL,
							   0, tag);
		if (sp_write_all_(out, b.c, (size_t)clen)) {
			rc = SP_FAIL(err, SP_EIO, "to", "cannot write: %s", strerror(errno));
			goto out;
		}
		done += (uint64_t)na;
		if (progress)
			progress(ctx, done, total);
		if (tag)
			break;
		unsigned char *t = b.a;
		b.a = b.b;
		b.b = t;
		na = nb;
	}
out:
	sodium_memzero(&ss, sizeof ss);
	bufs_free(&b);
	return rc;
}

/* Seal src into dst atomically: a temporary file in dst's folder, fsynced and renamed. */
static int write_sealed(const struct sp_keys *k, const char *magic, const void *header,
			size_t header_len, struct source *src, uint64_t total, const char *dst,
			sp_sealfile_progress_fn progress, void *ctx, struct sp_err *err)
{
	char tmp[4096];
	if (header_len > SP_SEALFILE_HEADER_MAX)
		return SP_FAIL(err, SP_ETOOBIG, "", "backup header too long");
	int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", dst);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return SP_FAIL(err, SP_EINVAL, "to", "path too long");
	int out = mkstemp(tmp);
	if (out < 0)
		return SP_FAIL(err, SP_EIO, "to", "cannot create a file in the destination's folder: %s",
			       strerror(errno));
	int rc = fchmod(out, 0600) ? SP_FAIL(err, SP_EIO, "to", "cannot set the file mode") : SP_OK;
	if (!rc)
		rc = seal_stream(sp_keys_backup_key_(k), magic, header, header_len, src, out, total,
				 progress, ctx, err);
	if (!rc && fsync(out) != 0)
		rc = SP_FAIL(err, SP_EIO, "to", "cannot sync: %s", strerror(errno));
	if (close(out) != 0 && !rc)
		rc = SP_FAIL(err, SP_EIO, "to", "cannot write: %s", strerror(errno));
	if (!rc && rename(tmp, dst) != 0)
		rc = SP_FAIL(err, SP_EIO, "to", "cannot rename into place: %s", strerror(errno));
	if (rc)
		unlink(tmp);
	else if (fsync_parent(dst) != 0)
		rc = SP_FAIL(err, SP_EIO, "to", "cannot sync the folder: %s", strerror(errno));
	return rc;
}

int sp_sealfile_write(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
		      const void *header, size_t header_len, const char *src, const char *dst,
		      sp_sealfile_progress_fn progress, void *ctx, struct sp_err *err)
{
	struct source in = {.fd = open(src, O_RDONLY | O_CLOEXEC)};
	if (in.fd < 0)
		return SP_FAIL(err, SP_EIO, "", "cannot open the copy to encrypt: %s", strerror(errno));
	struct stat st;
	int rc = fstat(in.fd, &st) != 0
			 ? SP_FAIL(err, SP_EIO, "", "cannot read the copy: %s", strerror(errno))
			 : write_sealed(k, magic, header, header_len, &in, (uint64_t)st.st_size, dst,
					progress, ctx, err);
	close(in.fd);
	return rc;
}

int sp_sealfile_write_mem(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
			  const void *header, size_t header_len, const void *data, size_t n,
			  const char *dst, struct sp_err *err)
{
	struct source in = {.fd = -1, .mem = data, .len = n};
	return write_sealed(k, magic, header, header_len, &in, n, dst, NULL, NULL, err);
}

/* Where the clear text goes: a file, or a capped buffer in memory (a document that must
 * never be on disk in clear). */
struct sink {
	int fd; /* -1: mem */
	struct sp_buf *mem;
};

static int write_sink(struct sink *out, const unsigned char *p, size_t n, struct sp_err *err)
{
	if (out->fd < 0)
		return sp_buf_add(out->mem, p, n)
			       ? SP_FAIL(err, SP_ETOOBIG, "from", "the document is too large")
			       : SP_OK;
	return sp_write_all_(out->fd, p, n) ? SP_FAIL(err, SP_EIO, "",
						      "cannot write the decrypted copy: %s",
						      strerror(errno))
					    : SP_OK;
}

/* The chunks after the header into out, until the FINAL tag at the very end of the file. */
static int open_stream(crypto_secretstream_xchacha20poly1305_state *ss, int in,
		       struct sink *out, uint64_t total, sp_sealfile_progress_fn progress,
		       void *ctx, struct sp_err *err)
{
	struct bufs b = {0};
	int rc = bufs_new(&b, err);
	uint64_t done = 0;
	unsigned char tag = 0;
	while (!rc && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		ssize_t got = read_full(in, b.c, CHUNK + ABYTES);
		unsigned long long mlen = 0;
		if (got < 0)
			rc = SP_FAIL(err, SP_EIO, "from", "cannot read: %s", strerror(errno));
		else if (got == 0)
			rc = SP_FAIL(err, SP_ECRYPTO, "from", "the backup is cut short (no final chunk)");
		else if (crypto_secretstream_xchacha20poly1305_pull(ss, b.a, &mlen, &tag, b.c,
								    (size_t)got, NULL, 0) != 0)
			rc = SP_FAIL(err, SP_ECRYPTO, "from",
				     "the backup was changed, damaged or cut short (the chunk at byte %llu)",
				     (unsigned long long)done);
		else
			rc = write_sink(out, b.a, (size_t)mlen, err);
		done += (uint64_t)(got > 0 ? got : 0);
		if (!rc && progress)
			progress(ctx, done, total);
	}
	if (!rc && read_full(in, b.c, 1) != 0)
		rc = SP_FAIL(err, SP_ECRYPTO, "from", "the backup has bytes after its end");
	if (!rc && progress)
		progress(ctx, total, total); /* the prefix and header were read before the chunks */
	bufs_free(&b);
	return rc;
}

/* The prefix and the caller's header of src, checked, leaving ss ready for the chunks; in
 * is then open on src (the caller closes it, also on failure when it is >= 0). */
static int open_header(const unsigned char *key, const char *magic, const char *src, int *in,
		       crypto_secretstream_xchacha20poly1305_state *ss, void *header, size_t cap,
		       size_t *header_len, uint64_t *size, struct sp_err *err)
{
	unsigned char prefix[PREFIX_LEN], check[CHECK_LEN];
	unsigned char hbuf[SP_SEALFILE_HEADER_MAX + ABYTES];
	*in = open(src, O_RDONLY | O_CLOEXEC);
	if (*in < 0)
		return SP_FAIL(err, SP_ENOTFOUND, "from", "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(*in, &st) != 0 || read_full(*in, prefix, sizeof prefix) != (ssize_t)sizeof prefix ||
	    memcmp(prefix, magic, SP_SEALFILE_MAGIC_LEN) != 0)
		return SP_FAIL(err, SP_EINVAL, "from", "not a safepath backup of this kind");
	*size = (uint64_t)st.st_size;
	uint32_t hlen = get32(prefix + 12);
	key_check(key, check);
	if (get32(prefix + 8) != FORMAT)
		return SP_FAIL(err, SP_EINVAL, "from", "backup format %u: this program reads format %d",
			       get32(prefix + 8), FORMAT);
	if (sodium_memcmp(check, prefix + 16, CHECK_LEN) != 0)
		return SP_FAIL(err, SP_ECRYPTO, "from", "the backup was made with another master key");
	if (hlen > SP_SEALFILE_HEADER_MAX || hlen > cap)
		return SP_FAIL(err, SP_ECRYPTO, "from", "the backup's header is damaged");
	unsigned long long mlen = 0;
	unsigned char tag = 0;
	if (crypto_secretstream_xchacha20poly1305_init_pull(ss, prefix + AD_LEN, key) != 0 ||
	    read_full(*in, hbuf, (size_t)hlen + ABYTES) != (ssize_t)hlen + (ssize_t)ABYTES ||
	    crypto_secretstream_xchacha20poly1305_pull(ss, header, &mlen, &tag, hbuf, hlen + ABYTES,
						       prefix, AD_LEN) != 0 ||
	    tag != 0)
		return SP_FAIL(err, SP_ECRYPTO, "from", "the backup's header was changed or damaged");
	*header_len = (size_t)mlen;
	return SP_OK;
}

int sp_sealfile_read(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
		     const char *src, const char *dst, void *header, size_t cap, size_t *header_len,
		     sp_sealfile_progress_fn progress, void *ctx, struct sp_err *err)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	struct sink out = {.fd = -1};
	int in = -1;
	uint64_t size = 0;
	int rc = open_header(sp_keys_backup_key_(k), magic, src, &in, &ss, header, cap, header_len,
			     &size, err);
	if (rc)
		goto out;
	out.fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out.fd < 0) {
		rc = SP_FAIL(err, SP_EIO, "", "cannot create the decrypted copy: %s", strerror(errno));
		goto out;
	}
	rc = open_stream(&ss, in, &out, size, progress, ctx, err);
	if (!rc && fsync(out.fd) != 0)
		rc = SP_FAIL(err, SP_EIO, "", "cannot sync the decrypted copy: %s", strerror(errno));
out:
	sodium_memzero(&ss, sizeof ss);
	if (in >= 0)
		close(in);
	if (out.fd >= 0) {
		close(out.fd);
		if (rc)
			unlink(dst);
	}
	return rc;
}

int sp_sealfile_read_mem(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
			 const char *src, struct sp_buf *dst, void *header, size_t cap,
			 size_t *header_len, struct sp_err *err)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	struct sink out = {.fd = -1, .mem = dst};
	int in = -1;
	uint64_t size = 0;
	int rc = open_header(sp_keys_backup_key_(k), magic, src, &in, &ss, header, cap, header_len,
			     &size, err);
	if (!rc)
		rc = open_stream(&ss, in, &out, size, NULL, NULL, err);
	sodium_memzero(&ss, sizeof ss);
	if (in >= 0)
		close(in);
	if (rc)
		sp_buf_reset(dst);
	return rc;
}
