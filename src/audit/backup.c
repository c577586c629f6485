/* `safepath backup` and `safepath restore` (DESIGN.md §4): an online copy of the data store,
 * encrypted with an authenticated header, verified by reading it back (integrity, audit head,
 * row counts, the audit chain); and its restore into an empty store, closed by the signed
 * restore checkpoint so `audit verify` names what the restore rolled back. It lives with the
 * audit trail because both ends are judged by it. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/audit.h"
#include "safepath/backup.h"

static const char magic[SP_SEALFILE_MAGIC_LEN] = {'S', 'P', 'B', 'A', 'C', 'K', 'U', 'P'};

#define HEADER_LEN (4 + SP_BACKUP_KIND_MAX + 4 + 8 + SP_AUDIT_MAC_LEN + 8)

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * (7 - i)));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* format u32 ‖ store kind (16, zero-padded) ‖ schema u32 ‖ audit seq i64 ‖ audit mac ‖
 * created i64, big-endian. */
static void header_encode(const struct sp_backup_header *h, unsigned char out[HEADER_LEN])
{
	unsigned char *p = out;
	put64(p, (uint64_t)(uint32_t)h->format << 32);
	memset(p + 4, 0, SP_BACKUP_KIND_MAX);
	memcpy(p + 4, h->store_kind, strnlen(h->store_kind, SP_BACKUP_KIND_MAX - 1));
	p += 4 + SP_BACKUP_KIND_MAX;
	put64(p, (uint64_t)(uint32_t)h->schema_version << 32);
	put64(p + 4, (uint64_t)h->audit_seq);
	memcpy(p + 12, h->audit_mac, SP_AUDIT_MAC_LEN);
	put64(p + 12 + SP_AUDIT_MAC_LEN, (uint64_t)h->created_us);
}

static int header_decode(const unsigned char *p, size_t n, struct sp_backup_header *h,
			 struct sp_err *err)
{
	memset(h, 0, sizeof *h);
	/* The format first: a later one may have a longer header. */
	h->format = n >= 8 ? (int)(get64(p) >> 32) : 0;
	if (h->format != SP_BACKUP_FORMAT)
		return sp_err_set(err, SP_EINVAL, "from", "backup format %d: this program reads %d",
				  h->format, SP_BACKUP_FORMAT);
	if (n != HEADER_LEN)
		return sp_err_set(err, SP_EINVAL, "from", "the backup's header has a length of %zu", n);
	memcpy(h->store_kind, p + 4, SP_BACKUP_KIND_MAX - 1);
	p += 4 + SP_BACKUP_KIND_MAX;
	h->schema_version = (int)(get64(p) >> 32);
	h->audit_seq = (int64_t)get64(p + 4);
	memcpy(h->audit_mac, p + 12, SP_AUDIT_MAC_LEN);
	h->created_us = (int64_t)get64(p + 12 + SP_AUDIT_MAC_LEN);
	return SP_OK;
}

/* A private folder (0700) for the plain copies, removed with everything in it. */
struct work {
	char dir[4096];
	char copy[4200];  /* the copy taken, or the decrypted backup */
	char check[4200]; /* the written backup, read back */
	char none[4200];  /* a checkpoint folder that does not exist: verify the chain alone */
};

static int work_make(struct work *w, const char *near, struct sp_err *err)
{
	int n = snprintf(w->dir, sizeof w->dir, "%s/.safepath-backup-XXXXXX", near);
	if (n < 0 || (size_t)n >= sizeof w->dir)
		return sp_err_set(err, SP_EINVAL, "to", "path too long");
	if (!mkdtemp(w->dir))
		return sp_err_set(err, SP_EIO, "to", "cannot make a working folder beside it: %s",
				  strerror(errno));
	snprintf(w->copy, sizeof w->copy, "%s/copy.db", w->dir);
	snprintf(w->check, sizeof w->check, "%s/check.db", w->dir);
	snprintf(w->none, sizeof w->none, "%s/no-checkpoints", w->dir);
	return SP_OK;
}

static void work_remove(struct work *w)
{
	if (!w->dir[0])
		return;
	sp_store_sqlite_remove(w->copy);
	sp_store_sqlite_remove(w->check);
	rmdir(w->dir);
}

static int open_file_store(const char *path, int create, struct sp_store **out,
			   struct sp_err *err)
{
	char url[4300];
	snprintf(url, sizeof url, "sqlite:%s", path);
	const struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = create};
	return sp_store_open(url, &opt, out, err);
}

/* What a copy holds, to compare the backup read back with what was copied. */
struct measure {
	int schema_version;
	int64_t audit_seq;
	unsigned char audit_mac[SP_AUDIT_MAC_LEN];
	struct sp_store_schema sc;
	int64_t *counts; /* per table of sc */
	size_t tables;   /* but schema_migrations */
	int64_t rows;
};

static void measure_free(struct measure *m)
{
	sp_store_schema_free(&m->sc);
	free(m->counts);
	memset(m, 0, sizeof *m);
}

static int measure(struct sp_store *s, struct measure *m, struct sp_err *err)
{
	memset(m, 0, sizeof *m);
	int rc = sp_store_check(s, err);
	if (!rc)
		rc = sp_store_begin_read(s, err);
	if (!rc)
		rc = sp_store_schema_version(s, &m->schema_version, err);
	if (!rc)
		rc = sp_audit_head_read(s, 0, &m->audit_seq, m->audit_mac, err);
	if (!rc)
		rc = sp_store_schema_load(s, &m->sc, err);
	if (!rc && !(m->counts = calloc(m->sc.n ? m->sc.n : 1, sizeof *m->counts))) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory");
		rc = SP_ENOMEM;
	}
	for (size_t i = 0; !rc && i < m->sc.n; i++) {
		rc = sp_store_count_rows(s, m->sc.tables[i].name, &m->counts[i], err);
		if (strcmp(m->sc.tables[i].name, "schema_migrations") != 0) {
			m->rows += m->counts[i];
			m->tables++;
		}
	}
	sp_store_rollback(s);
	return rc;
}

static int measure_compare(const struct measure *a, const struct measure *b, struct sp_err *err)
{
	if (a->schema_version != b->schema_version || a->audit_seq != b->audit_seq ||
	    sodium_memcmp(a->audit_mac, b->audit_mac, SP_AUDIT_MAC_LEN) != 0)
		return sp_err_set(err, SP_ECRYPTO, "to",
				  "read back, the backup has another schema version or audit head");
	if (a->sc.n != b->sc.n)
		return sp_err_set(err, SP_ECRYPTO, "to", "read back, the backup has other tables");
	for (size_t i = 0; i < a->sc.n; i++)
		if (strcmp(a->sc.tables[i].name, b->sc.tables[i].name) != 0 ||
		    a->counts[i] != b->counts[i])
			return sp_err_set(err, SP_ECRYPTO, "to",
					  "read back, table %s has %lld rows, not %lld",
					  a->sc.tables[i].name, (long long)b->counts[i],
					  (long long)a->counts[i]);
	return SP_OK;
}

/* The chain alone (no checkpoint file: the live ones name records the copy may not have). */
static int verify_chain(struct sp_store *s, const struct sp_audit_keys *ak, const char *none,
			int64_t *records, struct sp_err *err)
{
	struct sp_audit_report rep;
	int rc = sp_audit_verify(s, ak, none, &rep, err);
	if (rc)
		return rc;
	*records = rep.records;
	if (!rep.ok)
		return sp_err_set(err, SP_ECRYPTO, "", "the audit trail in the backup does not verify: "
				  "%s at seq %lld", sp_audit_problem_name(rep.found[0].kind),
				  (long long)rep.found[0].seq);
	return SP_OK;
}

struct progress {
	sp_backup_progress_fn fn;
	void *ctx;
	const char *phase;
};

static void bytes_progress(void *ctx, uint64_t done, uint64_t total)
{
	const struct progress *p = ctx;
	if (p->fn)
		p->fn(p->ctx, p->phase, done, total);
}

static void rows_progress(void *ctx, const char *table, int64_t done, int64_t total)
{
	(void)table;
	bytes_progress(ctx, (uint64_t)done, (uint64_t)total);
}

/* The online copy: the driver's own backup, else a generic copy into a new SQLite file. */
static int take_copy(struct sp_store *s, const char *path, struct progress *p,
		     struct sp_err *err)
{
	return sp_store_copy_to_file(s, path, NULL, NULL, rows_progress, p, err);
}

static int measure_file(const char *path, struct measure *m, struct sp_err *err)
{
	struct sp_store *c = NULL;
	int rc = open_file_store(path, 0, &c, err);
	if (!rc)
		rc = measure(c, m, err);
	sp_store_close(c);
	return rc;
}

/* Decrypt the backup at path into the work folder's check file, and its header. */
static int read_back(const struct sp_keys *k, const char *path, const char *into,
		     struct sp_backup_header *h, struct progress *p, struct sp_err *err)
{
	unsigned char hb[SP_SEALFILE_HEADER_MAX];
	size_t hlen = 0;
	int rc = sp_sealfile_read(k, magic, path, into, hb, sizeof hb, &hlen, bytes_progress, p, err);
	return rc ? rc : header_decode(hb, hlen, h, err);
}

static int check_written(const struct sp_keys *k, const struct sp_audit_keys *ak,
			 const char *path, struct work *w, const struct measure *copied,
			 struct sp_backup_report *out, struct progress *p, struct sp_err *err)
{
	struct sp_backup_header back;
	struct measure m = {0};
	struct sp_store *c = NULL;
	unsigned char a[HEADER_LEN], b[HEADER_LEN];
	p->phase = "verify";
	int rc = read_back(k, path, w->check, &back, p, err);
	if (!rc) {
		header_encode(&out->header, a);
		header_encode(&back, b);
		if (memcmp(a, b, HEADER_LEN) != 0)
			rc = sp_err_set(err, SP_ECRYPTO, "to", "read back, the header differs");
	}
	if (!rc)
		rc = open_file_store(w->check, 0, &c, err);
	if (!rc)
		rc = measure(c, &m, err);
	if (!rc)
		rc = measure_compare(copied, &m, err);
	if (!rc)
		rc = verify_chain(c, ak, w->none, &out->audit_records, err);
	sp_store_close(c);
	measure_free(&m);
	return rc;
}

static uint64_t file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int sp_backup_write(struct sp_store *s, const struct sp_keys *k, const struct sp_audit_keys *ak,
		    const char *path, sp_backup_progress_fn progress, void *ctx,
		    struct sp_backup_report *out, struct sp_err *err)
{
	struct work w = {0};
	struct measure copied = {0};
	struct progress p = {progress, ctx, "copy"};
	char near[4096];
	unsigned char hb[HEADER_LEN];
	memset(out, 0, sizeof *out);
	if (strlen(path) >= sizeof near)
		return sp_err_set(err, SP_EINVAL, "to", "path too long");
	memcpy(near, path, strlen(path) + 1);
	int rc = work_make(&w, dirname(near), err);
	int written = 0;
	if (!rc)
		rc = take_copy(s, w.copy, &p, err);
	if (!rc)
		rc = measure_file(w.copy, &copied, err);
	if (!rc) {
		struct sp_backup_header *h = &out->header;
		h->format = SP_BACKUP_FORMAT;
		snprintf(h->store_kind, sizeof h->store_kind, "%s", sp_store_driver_of(s)->name);
		h->schema_version = copied.schema_version;
		h->audit_seq = copied.audit_seq;
		memcpy(h->audit_mac, copied.audit_mac, SP_AUDIT_MAC_LEN);
		h->created_us = sp_now_us();
		header_encode(h, hb);
		out->tables = copied.tables;
		out->rows = copied.rows;
		p.phase = "encrypt";
		rc = sp_sealfile_write(k, magic, hb, sizeof hb, w.copy, path, bytes_progress, &p, err);
		written = rc == SP_OK;
	}
	if (!rc)
		rc = check_written(k, ak, path, &w, &copied, out, &p, err);
	if (rc && written)
		unlink(path); /* a backup that does not read back is no backup */
	out->bytes = rc ? 0 : file_bytes(path);
	measure_free(&copied);
	work_remove(&w);
	return rc;
}

int sp_backup_restore(const char *path, struct sp_store *target, const struct sp_keys *k,
		      const struct sp_audit_keys *ak, const char *work_dir, const char *audit_dir,
		      sp_backup_progress_fn progress, void *ctx, struct sp_backup_report *out,
		      struct sp_err *err)
{
	struct work w = {0};
	struct measure m = {0};
	struct progress p = {progress, ctx, "decrypt"};
	struct sp_store *c = NULL;
	struct sp_store_copy_report cr;
	memset(out, 0, sizeof *out);
	int rc = sp_store_migrate(target, err);
	if (!rc)
		rc = sp_store_check_empty(target, err);
	if (!rc)
		rc = work_make(&w, work_dir, err);
	if (!rc)
		rc = read_back(k, path, w.copy, &out->header, &p, err);
	if (!rc)
		rc = open_file_store(w.copy, 0, &c, err);
	if (!rc)
		rc = measure(c, &m, err);
	if (!rc && (m.schema_version != out->header.schema_version ||
		    m.audit_seq != out->header.audit_seq ||
		    sodium_memcmp(m.audit_mac, out->header.audit_mac, SP_AUDIT_MAC_LEN) != 0))
		rc = sp_err_set(err, SP_ECRYPTO, "from",
				"the backup's contents disagree with its header");
	if (!rc)
		rc = verify_chain(c, ak, w.none, &out->audit_records, err);
	if (!rc)
		rc = sp_store_migrate(c, err); /* an older backup comes up to this program's schema */
	p.phase = "restore";
	if (!rc)
		rc = sp_store_copy(c, target, rows_progress, &p, &cr, err);
	sp_store_close(c);
	measure_free(&m);
	work_remove(&w);
	if (rc)
		return rc;
	out->tables = cr.tables;
	out->rows = cr.rows;
	out->bytes = file_bytes(path);
	return sp_audit_checkpoint_restore(target, ak, audit_dir, err);
}
