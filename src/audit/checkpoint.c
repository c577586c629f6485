/* Signed checkpoints outside the database: one line per checkpoint in DIR/checkpoints,
 * appended and fsynced, so a database rolled back or cut short no longer matches them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/audit.h"

static const char *const kind_words[] = {
	[SP_AUDIT_CP_CHECKPOINT] = "checkpoint",
	[SP_AUDIT_CP_RESTORE] = "restore",
};

/* Distinct contexts, so a checkpoint line cannot be relabelled a restore (which would
 * excuse a cut tail) without the signing key. */
static const char *const kind_context[] = {
	[SP_AUDIT_CP_CHECKPOINT] = "safepath-audit-checkpoint v1",
	[SP_AUDIT_CP_RESTORE] = "safepath-audit-restore v1",
};

#define CP_MSG_MAX (32 + 8 + SP_AUDIT_MAC_LEN + 8)

static void put_i64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * (7 - i)));
}

static size_t cp_message(const struct sp_audit_cp *cp, unsigned char msg[CP_MSG_MAX])
{
	const char *ctx = kind_context[cp->kind];
	size_t n = 0;
	for (; ctx[n]; n++) /* the context without its terminator */
		msg[n] = (unsigned char)ctx[n];
	put_i64(msg + n, cp->seq);
	memcpy(msg + n + 8, cp->mac, SP_AUDIT_MAC_LEN);
	put_i64(msg + n + 8 + SP_AUDIT_MAC_LEN, cp->ts_us);
	return n + 8 + SP_AUDIT_MAC_LEN + 8;
}

void sp_audit_cp_sign(struct sp_audit_cp *cp, const unsigned char sk[64])
{
	unsigned char msg[CP_MSG_MAX];
	size_t n = cp_message(cp, msg);
	crypto_sign_detached(cp->sig, NULL, msg, n, sk);
}

int sp_audit_cp_check(const struct sp_audit_cp *cp, const unsigned char pk[32])
{
	unsigned char msg[CP_MSG_MAX];
	size_t n = cp_message(cp, msg);
	return crypto_sign_verify_detached(cp->sig, msg, n, pk) == 0 ? SP_OK : SP_ECRYPTO;
}

size_t sp_audit_cp_format(const struct sp_audit_cp *cp, char line[SP_AUDIT_CP_LINE_MAX])
{
	char mac[2 * SP_AUDIT_MAC_LEN + 1], sig[2 * SP_AUDIT_SIG_LEN + 1];
	sodium_bin2hex(mac, sizeof mac, cp->mac, SP_AUDIT_MAC_LEN);
	sodium_bin2hex(sig, sizeof sig, cp->sig, SP_AUDIT_SIG_LEN);
	int n = snprintf(line, SP_AUDIT_CP_LINE_MAX, "v1 %s %lld %lld %s %s\n",
			 kind_words[cp->kind], (long long)cp->seq, (long long)cp->ts_us, mac, sig);
	return n > 0 ? (size_t)n : 0;
}

/* A non-negative decimal without sign or leading zeros, as format writes it. */
static int parse_i64(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || n > 18 || (n > 1 && s[0] == '0'))
		return SP_EINVAL;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SP_EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return SP_OK;
}

/* Lower-case hex of exactly len bytes. */
static int parse_hex(const char *s, size_t n, unsigned char *out, size_t len)
{
	if (n != 2 * len)
		return SP_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return SP_EINVAL;
	size_t got = 0;
	if (sodium_hex2bin(out, len, s, n, NULL, &got, NULL) != 0 || got != len)
		return SP_EINVAL;
	return SP_OK;
}

int sp_audit_cp_parse(const char *line, size_t n, struct sp_audit_cp *cp)
{
	const char *part[6];
	size_t len[6];
	size_t k = 0, i = 0;
	while (k < 6) {
		size_t start = i;
		while (i < n && line[i] != ' ')
			i++;
		part[k] = line + start;
		len[k++] = i - start;
		if (i == n || k == 6)
			break;
		i++; /* exactly one space between parts */
	}
	if (k != 6 || i != n)
		return SP_EINVAL;
	if (len[0] != 2 || memcmp(part[0], "v1", 2) != 0)
		return SP_EINVAL;
	memset(cp, 0, sizeof *cp);
	if (len[1] == strlen("checkpoint") && memcmp(part[1], "checkpoint", len[1]) == 0)
		cp->kind = SP_AUDIT_CP_CHECKPOINT;
	else if (len[1] == strlen("restore") && memcmp(part[1], "restore", len[1]) == 0)
		cp->kind = SP_AUDIT_CP_RESTORE;
	else
		return SP_EINVAL;
	if (parse_i64(part[2], len[2], &cp->seq) || parse_i64(part[3], len[3], &cp->ts_us) ||
	    parse_hex(part[4], len[4], cp->mac, SP_AUDIT_MAC_LEN) ||
	    parse_hex(part[5], len[5], cp->sig, SP_AUDIT_SIG_LEN))
		return SP_EINVAL;
	return SP_OK;
}

static int cp_path(const char *dir, char *path, size_t cap, struct sp_err *err)
{
	int n = snprintf(path, cap, "%s/%s", dir, SP_AUDIT_CHECKPOINT_FILE);
	if (n < 0 || (size_t)n >= cap)
		return sp_err_set(err, SP_ETOOBIG, "dir", "audit folder path is too long");
	return SP_OK;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* A crash while appending can leave a partial last line, never fsynced, so never a
 * checkpoint anyone relied on: cut it off. Returns non-zero when the file still does not end
 * in a newline (a tail longer than any of our lines: not ours to cut; verify will flag it). */
static int drop_torn_tail(int fd, off_t size)
{
	char tail[2 * SP_AUDIT_CP_LINE_MAX];
	off_t from = size > (off_t)sizeof tail ? size - (off_t)sizeof tail : 0;
	ssize_t got = pread(fd, tail, (size_t)(size - from), from);
	if (got != size - from)
		return -1;
	if (tail[got - 1] == '\n')
		return 0;
	ssize_t i = got - 1;
	while (i >= 0 && tail[i] != '\n')
		i--;
	if (got - 1 - i > SP_AUDIT_CP_LINE_MAX || (i < 0 && from > 0))
		return -1;
	return ftruncate(fd, from + i + 1);
}

/* Writers in other processes are kept out with a POSIX lock on the file, threads of this
 * process (whose POSIX locks do not exclude each other) with a mutex: the torn-tail repair
 * must never cut a line another writer is still writing. */
static pthread_mutex_t append_mu = PTHREAD_MUTEX_INITIALIZER;

static int lock_file(int fd)
{
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	int rc;
	while ((rc = fcntl(fd, F_SETLKW, &lk)) != 0 && errno == EINTR)
		;
	return rc;
}

int sp_audit_cp_append(const char *dir, const struct sp_audit_cp *cp, struct sp_err *err)
{
	char path[4096];
	int rc = cp_path(dir, path, sizeof path, err);
	if (rc)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return sp_err_set(err, SP_EIO, "dir", "cannot create the audit folder: %s",
				  strerror(errno));
	pthread_mutex_lock(&append_mu);
	struct stat st;
	int created = stat(path, &st) != 0;
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = sp_err_set(err, SP_EIO, "dir", "cannot open the checkpoint file: %s",
				strerror(errno));
		goto out;
	}
	if (lock_file(fd) != 0) {
		rc = sp_err_set(err, SP_EIO, "dir", "cannot lock the checkpoint file: %s",
				strerror(errno));
		goto out;
	}
	char line[SP_AUDIT_CP_LINE_MAX + 1];
	size_t o = 0;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && drop_torn_tail(fd, st.st_size) != 0)
		line[o++] = '\n';
	o += sp_audit_cp_format(cp, line + o);
	if (write_all(fd, line, o) != 0 || fsync(fd) != 0) {
		rc = sp_err_set(err, SP_EIO, "dir", "cannot write the checkpoint file: %s",
				strerror(errno));
		goto out;
	}
	int closed = close(fd); /* drops the lock */
	fd = -1;
	if (closed != 0)
		rc = sp_err_set(err, SP_EIO, "dir", "cannot write the checkpoint file: %s",
				strerror(errno));
	else if (created && fsync_dir(dir) != 0)
		rc = sp_err_set(err, SP_EIO, "dir", "cannot sync the audit folder: %s",
				strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&append_mu);
	return rc;
}

int sp_audit_cp_read(const char *dir, sp_audit_line_fn fn, void *ctx, int *torn,
		     struct sp_err *err)
{
	char path[4096];
	int rc = cp_path(dir, path, sizeof path, err);
	*torn = 0;
	if (rc)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return SP_OK;
		return sp_err_set(err, SP_EIO, "dir", "cannot open the checkpoint file: %s",
				  strerror(errno));
	}
	/* Lines longer than the format allows are passed cut short (len = MAX + 1), so parse
	 * rejects them without this reader holding an unbounded line. */
	char chunk[65536];
	char line[SP_AUDIT_CP_LINE_MAX + 1];
	size_t len = 0;
	long lineno = 0;
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = sp_err_set(err, SP_EIO, "dir", "cannot read the checkpoint file: %s",
					strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		for (ssize_t i = 0; i < got; i++) {
			if (chunk[i] != '\n') {
				if (len < sizeof line)
					line[len++] = chunk[i];
				continue;
			}
			rc = fn(ctx, line, len, ++lineno);
			len = 0;
			if (rc)
				goto out;
		}
	}
	*torn = len > 0;
out:
	close(fd);
	return rc;
}
