/* The key store's own backups (DESIGN.md §4): short-lived encrypted copies in
 * persons-backups/ beside a SQLite key store (or the folder set for a key store in a server
 * database), pruned by count and age, and rewritten without a person's key when that person
 * is erased. Each is a sealfile ("SPKSBACK", header: the creation time) of a SQLite file: an
 * online copy of the key store (SQLite's backup API, or on PostgreSQL a copy of its table in
 * one snapshot: sp_store_copy_to_file); a backup goes back into a server database by the same
 * plain copy, the other way. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "safepath/store.h"

static const char magic[SP_SEALFILE_MAGIC_LEN] = {'S', 'P', 'K', 'S', 'B', 'A', 'C', 'K'};
#define NAME_LEN (8 + 16 + 4) /* persons-NNNNNNNNNNNNNNNN.ksb */
#define MAX_BACKUPS 1024
#define DAY_US (86400LL * 1000000LL)

/* The folder, its lock and a private working folder for the plain copy. */
struct ksb {
	char dir[4096];
	char work[4200];
	char copy[4300];
	int lock;
};

static int ksb_dir(const struct sp_keystore *ks, struct ksb *b, struct sp_err *err)
{
	char copy[4096];
	b->lock = -1;
	if (ks->backups) {
		int n = snprintf(b->dir, sizeof b->dir, "%s", ks->backups);
		return n > 0 && (size_t)n < sizeof b->dir
			       ? SP_OK
			       : SP_FAIL(err, SP_EINVAL, "key-store", "backup folder path too long");
	}
	if (!ks->path)
		return SP_FAIL(err, SP_EINVAL, "key-store",
			       "a key store in a server database needs a folder for its backups");
	if (strlen(ks->path) >= sizeof copy)
		return SP_FAIL(err, SP_EINVAL, "key-store", "path too long");
	memcpy(copy, ks->path, strlen(ks->path) + 1);
	snprintf(b->dir, sizeof b->dir, "%s/persons-backups", dirname(copy));
	return SP_OK;
}

static int ksb_lock(struct ksb *b, int create, struct sp_err *err)
{
	char path[4200];
	if (create && mkdir(b->dir, 0700) != 0 && errno != EEXIST)
		return SP_FAIL(err, SP_EIO, "key-store", "cannot create the backup folder: %s",
			       strerror(errno));
	snprintf(path, sizeof path, "%s/.lock", b->dir);
	b->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (b->lock < 0)
		return SP_FAIL(err, SP_EIO, "key-store", "cannot open the backup folder's lock: %s",
			       strerror(errno));
	int rc;
	while ((rc = flock(b->lock, LOCK_EX)) != 0 && errno == EINTR)
		;
	return rc ? SP_FAIL(err, SP_EIO, "key-store", "cannot lock the backup folder") : SP_OK;
}

static int ksb_work(struct ksb *b, struct sp_err *err)
{
	snprintf(b->work, sizeof b->work, "%s/.work-XXXXXX", b->dir);
	if (!mkdtemp(b->work))
		return SP_FAIL(err, SP_EIO, "key-store", "cannot make a working folder: %s",
			       strerror(errno));
	snprintf(b->copy, sizeof b->copy, "%s/copy.db", b->work);
	return SP_OK;
}

static void ksb_work_remove(struct ksb *b)
{
	if (!b->work[0])
		return;
	sp_store_sqlite_remove(b->copy);
	rmdir(b->work);
	b->work[0] = '\0';
}

static void ksb_close(struct ksb *b)
{
	ksb_work_remove(b);
	if (b->lock >= 0)
		close(b->lock); /* drops the lock */
	b->lock = -1;
}

/* persons-<16 digits>.ksb, and its time. */
static int backup_name(const char *name, int64_t *created)
{
	if (strlen(name) != NAME_LEN || strncmp(name, "persons-", 8) != 0 ||
	    strcmp(name + 24, ".ksb") != 0)
		return 0;
	int64_t v = 0;
	for (int i = 8; i < 24; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (name[i] - '0');
	}
	*created = v;
	return 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The backups in the folder, oldest first (the names sort by time). */
static int list(const struct ksb *b, char (*names)[NAME_LEN + 1], size_t *n, struct sp_err *err)
{
	*n = 0;
	DIR *d = opendir(b->dir);
	if (!d)
		return errno == ENOENT ? SP_OK
				       : SP_FAIL(err, SP_EIO, "key-store", "cannot read the backup folder");
	struct dirent *e;
	int64_t t;
	while ((e = readdir(d)) && *n < MAX_BACKUPS)
		if (backup_name(e->d_name, &t))
			memcpy(names[(*n)++], e->d_name, NAME_LEN + 1);
	closedir(d);
	qsort(names, *n, sizeof *names, by_name);
	return SP_OK;
}

static void path_of(const struct ksb *b, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", b->dir, name);
}

int sp_keystore_backup(struct sp_keystore *ks, const struct sp_keys *k,
		       const struct sp_keystore_backup_policy *p,
		       struct sp_keystore_backup_report *out, struct sp_err *err)
{
	struct ksb b = {.lock = -1};
	char (*names)[NAME_LEN + 1] = NULL;
	char dst[4200];
	unsigned char header[8];
	memset(out, 0, sizeof *out);
	if (p->keep < 1)
		return SP_FAIL(err, SP_EINVAL, "key-store-backup-keep", "must be at least 1");
	if (p->max_days < 1)
		return SP_FAIL(err, SP_EINVAL, "key-store-backup-days", "must be at least 1");
	int rc = ksb_dir(ks, &b, err);
	if (!rc)
		rc = ksb_lock(&b, 1, err);
	if (!rc)
		rc = ksb_work(&b, err);
	if (!rc)
		rc = sp_store_copy_to_file(ks->store, b.copy, sp_keystore_schema_, NULL, NULL, NULL,
					   err);
	int64_t now = sp_now_us();
	if (!rc) {
		sp_put32(header, (uint32_t)((uint64_t)now >> 32));
		sp_put32(header + 4, (uint32_t)now);
		snprintf(out->file, sizeof out->file, "persons-%016lld.ksb", (long long)now);
		path_of(&b, out->file, dst, sizeof dst);
		rc = sp_sealfile_write(k, magic, header, sizeof header, b.copy, dst, NULL, NULL, err);
	}
	size_t n = 0;
	if (!rc && !(names = calloc(MAX_BACKUPS, sizeof *names)))
		rc = SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	if (!rc)
		rc = list(&b, names, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		int64_t t = 0;
		(void)backup_name(names[i], &t);
		int last = strcmp(names[i], out->file) == 0;
		if (!last && (n - i > (size_t)p->keep || t < now - p->max_days * DAY_US)) {
			path_of(&b, names[i], dst, sizeof dst);
			if (unlink(dst) != 0)
				rc = SP_FAIL(err, SP_EIO, "key-store", "cannot remove an old backup: %s",
					     strerror(errno));
			out->removed++;
		} else {
			out->retained++;
		}
	}
	free(names);
	ksb_close(&b);
	return rc;
}

/* One backup without the person's key: decrypted, the row deleted, encrypted back over it
 * (atomically) with its header; untouched when it did not hold the key. */
static int forget_in(struct ksb *b, const struct sp_keys *k, const char *file,
		     const struct sp_id *person, int *rewritten, struct sp_err *err)
{
	unsigned char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	int64_t deleted = 0;
	struct sp_store *s = NULL;
	char url[4400];
	const struct sp_store_options opt = {.busy_timeout_ms = 5000};
	*rewritten = 0;
	int rc = ksb_work(b, err);
	if (!rc)
		rc = sp_sealfile_read(k, magic, file, b->copy, header, sizeof header, &hlen, NULL,
				      NULL, err);
	snprintf(url, sizeof url, "sqlite:%s", b->copy);
	if (!rc)
		rc = sp_store_open(url, &opt, &s, err);
	if (!rc)
		rc = sp_store_begin_write(s, err);
	if (!rc)
		rc = sp_keystore_delete_(s, person, &deleted, err);
	if (!rc)
		rc = sp_store_commit(s, err);
	if (s)
		sp_store_rollback(s);
	if (!rc && deleted)
		rc = sp_store_compact(s, err);
	sp_store_close(s);
	if (!rc && deleted) {
		rc = sp_sealfile_write(k, magic, header, hlen, b->copy, file, NULL, NULL, err);
		*rewritten = rc == SP_OK;
	}
	ksb_work_remove(b);
	return rc;
}

int sp_keystore_backups_forget(struct sp_keystore *ks, const struct sp_keys *k,
			       const struct sp_id *person, size_t *rewritten, struct sp_err *err)
{
	struct ksb b = {.lock = -1};
	char (*names)[NAME_LEN + 1] = NULL;
	char file[4200];
	struct stat st;
	size_t n = 0, done = 0;
	if (!ks->path && !ks->backups)
		return SP_OK;
	int rc = ksb_dir(ks, &b, err);
	if (rc || stat(b.dir, &st) != 0)
		return rc; /* no folder: no backups */
	if (!(names = calloc(MAX_BACKUPS, sizeof *names)))
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	rc = ksb_lock(&b, 0, err);
	if (!rc)
		rc = list(&b, names, &n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		int one = 0;
		path_of(&b, names[i], file, sizeof file);
		rc = forget_in(&b, k, file, person, &one, err);
		done += (size_t)one;
	}
	if (rewritten)
		*rewritten = done;
	free(names);
	ksb_close(&b);
	return rc;
}

int sp_keystore_restore(const struct sp_keys *k, const char *backup, const char *path,
			struct sp_err *err)
{
	unsigned char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	int rc = sp_private_dirs_(path, err);
	return rc ? rc : sp_sealfile_read(k, magic, backup, path, header, sizeof header, &hlen,
					  NULL, NULL, err);
}

int sp_keystore_restore_into(struct sp_keystore *ks, const struct sp_keys *k,
			     const char *backup, struct sp_err *err)
{
	struct ksb b = {.lock = -1};
	unsigned char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	struct sp_store *s = NULL;
	struct sp_store_copy_report rep;
	char url[4400];
	const struct sp_store_options opt = {.busy_timeout_ms = 5000};
	int rc = ksb_dir(ks, &b, err);
	if (!rc)
		rc = ksb_lock(&b, 1, err);
	if (!rc)
		rc = ksb_work(&b, err);
	if (!rc)
		rc = sp_sealfile_read(k, magic, backup, b.copy, header, sizeof header, &hlen, NULL,
				      NULL, err);
	snprintf(url, sizeof url, "sqlite:%s", b.copy);
	if (!rc)
		rc = sp_store_open(url, &opt, &s, err);
	if (!rc)
		rc = sp_store_copy_plain(s, ks->store, NULL, NULL, &rep, err);
	if (rc == SP_ECONFLICT && !strcmp(err->field, "db"))
		rc = SP_FAIL(err, rc, "key-store", "the key store holds keys; a backup only replaces "
			     "a lost one");
	sp_store_close(s);
	ksb_close(&b);
	return rc;
}
