/* The master key: a key file outside the data folder, or a passphrase stretched with
 * Argon2id; recovery backups wrapped under a second passphrase.
 *
 * Formats (all fixed-size, parsed exactly):
 *   key file      "SAFEPATH-MASTER-KEY-1\n" ‖ 64 hex digits ‖ "\n"            (0600)
 *   DATA/master.salt  "SPMSALT1" ‖ ops u32 ‖ mem u64 ‖ salt(16)               (not secret)
 *   backup        "SPMKBAK1" ‖ ops u32 ‖ mem u64 ‖ salt(16) ‖ nonce(24) ‖ XChaCha20-Poly1305
 *                 (Argon2id(passphrase, salt), master key), associated data = all before it
 * Integers are big-endian. The salt file lives in the data folder on purpose: without the
 * passphrase it is worthless, and a data folder moved elsewhere keeps working with it. */
/* realpath is XSI. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/crypto.h"

static const unsigned char keyfile_magic[22] = "SAFEPATH-MASTER-KEY-1\n";
#define KEYFILE_MAGIC_LEN sizeof keyfile_magic
#define KEY_HEX_LEN ((size_t)SP_KEY_LEN * 2)
#define KEYFILE_LEN (KEYFILE_MAGIC_LEN + KEY_HEX_LEN + 1)
static const unsigned char salt_magic[8] = "SPMSALT1";
#define SALT_NAME "master.salt"
#define SALT_LEN (8 + 4 + 8 + crypto_pwhash_SALTBYTES)
static const unsigned char backup_magic[8] = "SPMKBAK1";
#define BACKUP_NONCE (8 + 4 + 8 + crypto_pwhash_SALTBYTES)
#define BACKUP_AD_LEN (BACKUP_NONCE + SP_NONCE_LEN)
#define BACKUP_LEN (BACKUP_AD_LEN + SP_KEY_LEN + SP_TAG_LEN)
#define PASS_MAX 1024

static_assert(crypto_pwhash_SALTBYTES == 16, "file formats fix a 16-byte salt");

/* ---- paths ----------------------------------------------------------------------------- */

static int path_add(struct sp_buf *b, const char *s, size_t n)
{
	if (b->len == 0 || b->data[b->len - 1] != '/') {
		int rc = sp_buf_addc(b, '/');
		if (rc)
			return rc;
	}
	return sp_buf_add(b, s, n);
}

static void path_pop(struct sp_buf *b)
{
	while (b->len > 1 && b->data[b->len - 1] != '/')
		b->len--;
	if (b->len > 1)
		b->len--; /* the slash, unless it is the root */
	b->data[b->len] = '\0';
}

/* Canonical absolute form of path, which need not exist. The part that exists is resolved
 * by realpath (symlinks followed); the rest cannot hold symlinks, so its "." and ".." are
 * resolved by name. A dangling symlink or an unreadable component is an error. */
static int resolve(const char *path, struct sp_buf *out, const char *field, struct sp_err *err)
{
	char real[PATH_MAX];
	sp_buf_reset(out);
	if (!path || !*path)
		return sp_err_set(err, SP_EINVAL, field, "empty path");
	if (path[0] != '/') {
		if (!realpath(".", real))
			return sp_err_set(err, SP_EIO, field, "cannot resolve the current folder: %s",
					  strerror(errno));
		if (sp_buf_adds(out, real))
			return sp_err_set(err, SP_ETOOBIG, field, "path too long");
	} else if (sp_buf_addc(out, '/')) {
		return sp_err_set(err, SP_ETOOBIG, field, "path too long");
	}
	int missing = 0; /* components appended that do not exist */
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *next = e ? e + 1 : p + n;
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p = next;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			path_pop(out);
			if (missing)
				missing--;
			p = next;
			continue;
		}
		if (path_add(out, p, n))
			return sp_err_set(err, SP_ETOOBIG, field, "path too long");
		if (!missing) {
			struct stat st;
			if (lstat(out->data, &st) != 0) {
				if (errno != ENOENT)
					return sp_err_set(err, SP_EIO, field, "cannot look at the path: %s",
							  strerror(errno));
				missing = 1;
			} else {
				if (!realpath(out->data, real))
					return sp_err_set(err, SP_EINVAL, field, "cannot resolve the path (dangling symlink?): %s",
							  strerror(errno));
				out->len = 0;
				if (sp_buf_adds(out, real))
					return sp_err_set(err, SP_ETOOBIG, field, "path too long");
			}
		} else {
			missing++;
		}
		p = next;
	}
	if (out->len >= PATH_MAX)
		return sp_err_set(err, SP_ETOOBIG, field, "path too long");
	return SP_OK;
}

static int inside(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* Resolve key_path and refuse it when it falls in the data folder. */
static int key_path_checked(const char *key_path, const char *data_dir, struct sp_buf *kp,
			    struct sp_err *err)
{
	struct sp_buf dp;
	sp_buf_init(&dp, PATH_MAX);
	int rc = resolve(key_path, kp, "key-file", err);
	if (!rc)
		rc = resolve(data_dir, &dp, "data", err);
	if (!rc && inside(kp->data, dp.data))
		rc = sp_err_set(err, SP_EINVAL, "key-file",
				"the master key must not be inside the data folder");
	sp_buf_free(&dp);
	return rc;
}

/* mkdir -p with 0700 for every folder made; path is canonical. */
static int make_dirs(const char *path, struct sp_err *err)
{
	struct sp_buf b;
	sp_buf_init(&b, PATH_MAX);
	int rc = sp_buf_adds(&b, path);
	for (size_t i = 1; !rc && i <= b.len; i++) {
		if (i < b.len && b.data[i] != '/')
			continue;
		char c = b.data[i];
		b.data[i] = '\0';
		if (mkdir(b.data, 0700) == 0) {
			if (chmod(b.data, 0700) != 0)
				rc = sp_err_set(err, SP_EIO, "", "cannot set a folder's mode: %s", strerror(errno));
		} else if (errno != EEXIST) {
			rc = sp_err_set(err, SP_EIO, "", "cannot make a folder: %s", strerror(errno));
		}
		b.data[i] = c;
	}
	if (rc == SP_ETOOBIG)
		rc = sp_err_set(err, rc, "", "path too long");
	sp_buf_free(&b);
	return rc;
}

static void dir_of(const char *path, struct sp_buf *out)
{
	sp_buf_reset(out);
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (sp_buf_add(out, path, n ? n : 1) == 0 && n == 0)
		out->data[0] = '/';
}

int sp_write_all_(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int sp_private_dirs_(const char *file_path, struct sp_err *err)
{
	struct sp_buf dir;
	sp_buf_init(&dir, PATH_MAX);
	dir_of(file_path, &dir);
	int rc = !strchr(file_path, '/') ? SP_OK : dir.data ? make_dirs(dir.data, err)
							    : SP_FAIL(err, SP_ETOOBIG, "", "path too long");
	sp_buf_free(&dir);
	return rc;
}

/* Write a new file (never replacing one) with mode 0600 in a folder that others cannot
 * write, making missing folders 0700; fsync file and folder. path is canonical. */
static int write_new_file(const char *path, const unsigned char *p, size_t n, const char *field,
			  struct sp_err *err)
{
	struct sp_buf dir;
	struct stat st;
	char real[PATH_MAX];
	int fd, rc;
	sp_buf_init(&dir, PATH_MAX);
	dir_of(path, &dir);
	if ((rc = make_dirs(dir.data, err)))
		goto out;
	if (!realpath(dir.data, real) || strcmp(real, dir.data) != 0 || stat(real, &st) != 0) {
		rc = sp_err_set(err, SP_EIO, field, "the folder changed while being made");
		goto out;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 022)) {
		rc = sp_err_set(err, SP_EINVAL, field, "the folder is writable by others: make it 0700");
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno == EEXIST ? sp_err_set(err, SP_ECONFLICT, field, "the file already exists")
				     : sp_err_set(err, SP_EIO, field, "cannot create the file: %s",
						  strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || sp_write_all_(fd, p, n) != 0 || fsync(fd) != 0) {
		rc = sp_err_set(err, SP_EIO, field, "cannot write the file: %s", strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) != 0) {
		unlink(path);
		rc = sp_err_set(err, SP_EIO, field, "cannot write the file: %s", strerror(errno));
		goto out;
	}
	fd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd); /* some file systems refuse: the file is written regardless */
		close(fd);
	}
	rc = SP_OK;
out:
	sp_buf_free(&dir);
	return rc;
}

/* Read a whole small file of exactly n bytes into p (which may be sodium memory). With
 * private, the file must be ours (or root's) and not readable by group or others. */
static int read_exact(const char *path, unsigned char *p, size_t n, int private,
		      const char *field, struct sp_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? sp_err_set(err, SP_ENOTFOUND, field, "no such file")
				       : sp_err_set(err, SP_EIO, field, "cannot open: %s", strerror(errno));
	int rc = SP_OK;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = sp_err_set(err, SP_EINVAL, field, "not a regular file");
	} else if (private && st.st_uid != geteuid() && st.st_uid != 0) {
		rc = sp_err_set(err, SP_EINVAL, field, "the file belongs to another user");
	} else if (private && (st.st_mode & 077)) {
		rc = sp_err_set(err, SP_EINVAL, field, "the file is open to other users: chmod 600");
	} else if ((size_t)st.st_size != n) {
		rc = sp_err_set(err, SP_EINVAL, field, "not a file of the expected format");
	} else {
		size_t got = 0;
		while (got < n) {
			ssize_t r = read(fd, p + got, n - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got != n)
			rc = sp_err_set(err, SP_EIO, field, "short read");
	}
	close(fd);
	return rc;
}

/* ---- key file -------------------------------------------------------------------------- */

static int master_new(struct sp_master **out, struct sp_err *err)
{
	struct sp_master *m = calloc(1, sizeof *m);
	if (!m || !(m->key = sodium_malloc(SP_KEY_LEN))) {
		free(m);
		sp_err_set(err, SP_ENOMEM, "", "out of memory for the master key");
		return SP_ENOMEM;
	}
	*out = m;
	return SP_OK;
}

/* Write key (sodium memory) as a key file at the canonical path kp. */
static int write_key_file(const char *kp, const unsigned char *key, struct sp_err *err)
{
	unsigned char *txt = sodium_malloc(KEYFILE_LEN + 1);
	if (!txt)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	memcpy(txt, keyfile_magic, KEYFILE_MAGIC_LEN);
	sodium_bin2hex((char *)txt + KEYFILE_MAGIC_LEN, KEY_HEX_LEN + 1, key, SP_KEY_LEN);
	txt[KEYFILE_LEN - 1] = '\n';
	int rc = write_new_file(kp, txt, KEYFILE_LEN, "key-file", err);
	sodium_free(txt);
	return rc;
}

int sp_master_key_file_create(const char *key_path, const char *data_dir, struct sp_master **out,
			      struct sp_err *err)
{
	struct sp_buf kp;
	struct sp_master *m = NULL;
	*out = NULL;
	sp_buf_init(&kp, PATH_MAX);
	int rc = key_path_checked(key_path, data_dir, &kp, err);
	if (!rc)
		rc = master_new(&m, err);
	if (!rc) {
		crypto_kdf_keygen(m->key);
		rc = write_key_file(kp.data, m->key, err);
	}
	if (rc) {
		sp_master_free(m);
	} else {
		sodium_mprotect_readonly(m->key);
		*out = m;
	}
	sp_buf_free(&kp);
	return rc;
}

int sp_master_key_file_load(const char *key_path, const char *data_dir, struct sp_master **out,
			    struct sp_err *err)
{
	struct sp_buf kp;
	struct sp_master *m = NULL;
	unsigned char *txt = NULL;
	*out = NULL;
	sp_buf_init(&kp, PATH_MAX);
	int rc = key_path_checked(key_path, data_dir, &kp, err);
	if (rc)
		goto out;
	if (!(txt = sodium_malloc(KEYFILE_LEN))) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	if ((rc = read_exact(kp.data, txt, KEYFILE_LEN, 1, "key-file", err)))
		goto out;
	if ((rc = master_new(&m, err)))
		goto out;
	size_t bin_len = 0;
	const char *end = NULL;
	if (memcmp(txt, keyfile_magic, KEYFILE_MAGIC_LEN) != 0 || txt[KEYFILE_LEN - 1] != '\n' ||
	    sodium_hex2bin(m->key, SP_KEY_LEN, (const char *)txt + KEYFILE_MAGIC_LEN,
			   KEY_HEX_LEN, NULL, &bin_len, &end) != 0 ||
	    bin_len != SP_KEY_LEN || end != (const char *)txt + KEYFILE_LEN - 1) {
		rc = sp_err_set(err, SP_EINVAL, "key-file", "not a safepath master key file");
		goto out;
	}
	sodium_mprotect_readonly(m->key);
	*out = m;
	m = NULL;
out:
	sp_master_free(m);
	sodium_free(txt);
	sp_buf_free(&kp);
	return rc;
}

/* ---- passphrases ----------------------------------------------------------------------- */

static int derive(const char *pass, size_t pass_len, const unsigned char salt[16],
		  const struct sp_kdf_params *kdf, unsigned char *key, struct sp_err *err)
{
	if (!pass || pass_len == 0 || pass_len > PASS_MAX)
		return sp_err_set(err, SP_EINVAL, "passphrase", "a passphrase is 1 to %d bytes", PASS_MAX);
	if (crypto_pwhash(key, SP_KEY_LEN, pass, pass_len, salt, kdf->ops, kdf->mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return sp_err_set(err, SP_ENOMEM, "", "not enough memory for Argon2id");
	return SP_OK;
}

static void put_kdf(unsigned char *p, const struct sp_kdf_params *kdf)
{
	sp_put32(p, (uint32_t)kdf->ops);
	sp_put64(p + 4, (uint64_t)kdf->mem);
}

static int get_kdf(const unsigned char *p, struct sp_kdf_params *kdf, struct sp_err *err)
{
	kdf->ops = sp_get32(p);
	uint64_t mem = sp_get64(p + 4);
	if (mem > SIZE_MAX)
		return sp_err_set(err, SP_EINVAL, "", "Argon2id memory out of range");
	kdf->mem = (size_t)mem;
	return sp_kdf_params_check(kdf, err);
}

int sp_master_from_passphrase(const char *data_dir, const char *pass, size_t pass_len,
			      const struct sp_kdf_params *create, struct sp_master **out,
			      struct sp_err *err)
{
	struct sp_buf path;
	struct sp_master *m = NULL;
	unsigned char file[SALT_LEN] = {0};
	struct sp_kdf_params kdf;
	*out = NULL;
	sp_buf_init(&path, PATH_MAX);
	int rc = resolve(data_dir, &path, "data", err);
	if (!rc && (path_add(&path, SALT_NAME, strlen(SALT_NAME))))
		rc = sp_err_set(err, SP_ETOOBIG, "data", "path too long");
	if (rc)
		goto out;
	rc = read_exact(path.data, file, SALT_LEN, 0, "master.salt", err);
	if (rc == SP_ENOTFOUND && create) {
		if ((rc = sp_kdf_params_check(create, err)))
			goto out;
		memcpy(file, salt_magic, sizeof salt_magic);
		put_kdf(file + 8, create);
		randombytes_buf(file + 20, crypto_pwhash_SALTBYTES);
		rc = write_new_file(path.data, file, SALT_LEN, "master.salt", err);
	}
	if (rc)
		goto out;
	if (memcmp(file, salt_magic, 8) != 0) {
		rc = sp_err_set(err, SP_EINVAL, "master.salt", "not a safepath salt file");
		goto out;
	}
	if ((rc = get_kdf(file + 8, &kdf, err)) || (rc = master_new(&m, err)))
		goto out;
	if ((rc = derive(pass, pass_len, file + 20, &kdf, m->key, err)))
		goto out;
	sodium_mprotect_readonly(m->key);
	*out = m;
	m = NULL;
out:
	sp_master_free(m);
	sp_buf_free(&path);
	return rc;
}

/* Set by the handler while the terminal has echo off; the read then stops, the terminal is
 * restored and the signal delivered again (as OpenSSH's readpassphrase does), so Ctrl-C
 * never leaves a terminal without echo. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

/* Read one line from fd, byte by byte so nothing after it is consumed. */
static int read_line(int fd, char *buf, size_t max, size_t *len, int stop_on_signal)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !(stop_on_signal && caught))
			continue;
		if (r < 0)
			return SP_EIO;
		if (r == 0 || c == '\n')
			break;
		if (n == max)
			return SP_ETOOBIG;
		buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return SP_OK;
}

static const int tty_signals[] = {SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT,
				  SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
#define TTY_SIGNALS (sizeof tty_signals / sizeof tty_signals[0])

static int read_tty(const char *prompt, char *buf, size_t max, size_t *len)
{
	struct termios old, noecho;
	struct sigaction sa, saved[TTY_SIGNALS];
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0 || tcgetattr(tty, &old) != 0) {
		if (tty >= 0)
			close(tty);
		return SP_EUNAVAIL;
	}
	caught = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < TTY_SIGNALS; i++)
		(void)sigaction(tty_signals[i], &sa, &saved[i]);
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	noecho.c_lflag |= ICANON;
	(void)tcsetattr(tty, TCSAFLUSH, &noecho);
	if (prompt)
		(void)sp_write_all_(tty, (const unsigned char *)prompt, strlen(prompt));
	int rc = read_line(tty, buf, max, len, 1);
	(void)tcsetattr(tty, TCSAFLUSH, &old);
	(void)sp_write_all_(tty, (const unsigned char *)"\n", 1);
	close(tty);
	for (size_t i = 0; i < TTY_SIGNALS; i++)
		(void)sigaction(tty_signals[i], &saved[i], NULL);
	if (caught) {
		sodium_memzero(buf, max + 1);
		*len = 0;
		(void)raise(caught); /* with the caller's handling back in place */
		return SP_EIO;
	}
	return rc;
}

int sp_passphrase_read(int fd, const char *prompt, char **out, size_t *len, struct sp_err *err)
{
	*out = NULL;
	*len = 0;
	char *buf = sodium_malloc(PASS_MAX + 1);
	if (!buf)
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	int rc = fd >= 0 ? read_line(fd, buf, PASS_MAX, len, 0) : read_tty(prompt, buf, PASS_MAX, len);
	if (!rc && *len == 0)
		rc = SP_EINVAL;
	if (rc) {
		sodium_free(buf);
		*len = 0;
		return SP_FAIL(err, rc, "passphrase",
			       rc == SP_EINVAL	  ? "empty passphrase"
			       : rc == SP_ETOOBIG ? "passphrase longer than 1024 bytes"
			       : rc == SP_EUNAVAIL
				       ? "no terminal to ask for it: pass it on a file descriptor"
				       : "cannot read the passphrase");
	}
	*out = buf;
	return SP_OK;
}

void sp_passphrase_free(char *p)
{
	sodium_free(p); /* wipes; NULL is fine */
}

/* ---- recovery backup ------------------------------------------------------------------- */

int sp_master_backup(const struct sp_master *m, const char *backup_path, const char *pass,
		     size_t pass_len, const struct sp_kdf_params *kdf, struct sp_err *err)
{
	struct sp_buf path;
	unsigned char file[BACKUP_LEN] = {0};
	unsigned char *wk = NULL;
	sp_buf_init(&path, PATH_MAX);
	int rc = sp_kdf_params_check(kdf, err);
	/* The recovery passphrase alone protects this copy of the master key. */
	if (!rc && pass_len < SP_RECOVERY_MIN)
		rc = sp_err_set(err, SP_EINVAL, "recovery", "must be at least %d bytes",
				SP_RECOVERY_MIN);
	if (!rc)
		rc = resolve(backup_path, &path, "backup", err);
	if (rc)
		goto out;
	if (!(wk = sodium_malloc(SP_KEY_LEN))) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	memcpy(file, backup_magic, sizeof backup_magic);
	put_kdf(file + 8, kdf);
	randombytes_buf(file + 20, crypto_pwhash_SALTBYTES + SP_NONCE_LEN); /* salt, nonce */
	if ((rc = derive(pass, pass_len, file + 20, kdf, wk, err)))
		goto out;
	crypto_aead_xchacha20poly1305_ietf_encrypt(file + BACKUP_AD_LEN, NULL, m->key, SP_KEY_LEN,
						   file, BACKUP_AD_LEN, NULL, file + BACKUP_NONCE, wk);
	rc = write_new_file(path.data, file, BACKUP_LEN, "backup", err);
out:
	sodium_free(wk);
	sp_buf_free(&path);
	return rc;
}

int sp_master_restore(const char *backup_path, const char *pass, size_t pass_len,
		      const char *key_path, const char *data_dir, struct sp_master **out,
		      struct sp_err *err)
{
	struct sp_buf bp, kp;
	struct sp_master *m = NULL;
	unsigned char file[BACKUP_LEN] = {0};
	unsigned char *wk = NULL;
	struct sp_kdf_params kdf;
	if (out)
		*out = NULL;
	sp_buf_init(&bp, PATH_MAX);
	sp_buf_init(&kp, PATH_MAX);
	int rc = resolve(backup_path, &bp, "backup", err);
	if (!rc)
		rc = key_path_checked(key_path, data_dir, &kp, err);
	if (!rc)
		rc = read_exact(bp.data, file, BACKUP_LEN, 0, "backup", err);
	if (rc)
		goto out;
	if (memcmp(file, backup_magic, 8) != 0) {
		rc = sp_err_set(err, SP_EINVAL, "backup", "not a safepath master key backup");
		goto out;
	}
	if ((rc = get_kdf(file + 8, &kdf, err)) || (rc = master_new(&m, err)))
		goto out;
	if (!(wk = sodium_malloc(SP_KEY_LEN))) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	if ((rc = derive(pass, pass_len, file + 20, &kdf, wk, err)))
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m->key, NULL, NULL, file + BACKUP_AD_LEN,
						       SP_KEY_LEN + SP_TAG_LEN, file, BACKUP_AD_LEN,
						       file + BACKUP_NONCE, wk) != 0) {
		rc = sp_err_set(err, SP_ECRYPTO, "backup", "wrong recovery passphrase or a damaged backup");
		goto out;
	}
	if ((rc = write_key_file(kp.data, m->key, err)))
		goto out;
	sodium_mprotect_readonly(m->key);
	if (out) {
		*out = m;
		m = NULL;
	}
out:
	sp_master_free(m);
	sodium_free(wk);
	sp_buf_free(&bp);
	sp_buf_free(&kp);
	return rc;
}

/* ---- choosing the mode ----------------------------------------------------------------- */

int sp_master_open(const char *key_path, const char *data_dir, int passphrase_fd,
		   struct sp_master **out, struct sp_err *err)
{
	char *pass = NULL;
	size_t len = 0;
	*out = NULL;
	if (passphrase_fd < 0) {
		int rc = sp_master_key_file_load(key_path, data_dir, out, err);
		if (rc != SP_ENOTFOUND)
			return rc;
		struct sp_buf salt;
		sp_buf_init(&salt, PATH_MAX);
		rc = resolve(data_dir, &salt, "data", err);
		if (!rc && path_add(&salt, SALT_NAME, strlen(SALT_NAME)))
			rc = SP_FAIL(err, SP_ETOOBIG, "data", "path too long");
		int salted = !rc && access(salt.data, F_OK) == 0;
		sp_buf_free(&salt);
		if (rc)
			return rc;
		if (!salted)
			return SP_FAIL(err, SP_ENOTFOUND, "key-file",
				       "no master key file and no passphrase salt: run init first");
	}
	int rc = sp_passphrase_read(passphrase_fd, "Master passphrase: ", &pass, &len, err);
	if (!rc)
		rc = sp_master_from_passphrase(data_dir, pass, len, NULL, out, err);
	sp_passphrase_free(pass);
	return rc;
}
