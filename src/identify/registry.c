/* The protocols the program knows: the shipped ones compiled into it (protocols/ID@VERSION.json)
 * and those in the data folder's protocols/ (new protocols, new versions). Every version stays
 * loadable, so a past screening, which stores id, version and hash, can be reproduced. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/embedded.h"
#include "identify/protocol.h"

#define LOCAL_FILE_MAX (4u << 20)

/* A slot rather than a bare pointer array: sizeof of the element stays a struct's. */
struct slot {
	struct sp_protocol *p;
};

struct sp_protocols {
	struct sp_vocab *vocab;
	struct slot *list;
	size_t n, cap;
};

static int by_id_version(const void *a, const void *b)
{
	const struct sp_protocol *x = ((const struct slot *)a)->p;
	const struct sp_protocol *y = ((const struct slot *)b)->p;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->version > y->version) - (x->version < y->version);
}

/* The file name must be ID@VERSION.json, so a folder listing says what it holds. */
bool sp_protocol_name_ok(const char *path, const struct sp_protocol *p)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char want[96];
	snprintf(want, sizeof want, "%s@%d.json", p->id, p->version);
	return strcmp(base, want) == 0;
}

/* Add one file's protocol; errors go in diag with the file name in front of each pointer. */
static int add(struct sp_protocols *r, const char *name, const char *text, size_t len,
	       bool shipped, struct sp_diag *diag)
{
	struct sp_diag mine;
	sp_diag_init(&mine);
	struct sp_protocol *p = NULL;
	int rc = sp_protocol_load(text, len, r->vocab, &p, &mine);
	if (!rc && !sp_protocol_name_ok(name, p)) {
		sp_diag_add(&mine, "", "the file of %s version %d must be named %s@%d.json", p->id,
			    p->version, p->id, p->version);
		rc = SP_EINVAL;
	}
	for (size_t i = 0; !rc && i < r->n; i++) {
		const struct sp_protocol *q = r->list[i].p;
		if (strcmp(q->id, p->id) != 0 || q->version != p->version)
			continue;
		if (strcmp(q->hash, p->hash) != 0) {
			sp_diag_add(&mine, "", "%s@%d is %s with other content: a version never "
				    "changes, raise the version", p->id, p->version,
				    shipped ? "listed twice" : "shipped");
			rc = SP_ECONFLICT;
		} else {
			sp_protocol_free(p); /* the same file again: nothing new */
			sp_diag_free(&mine);
			return SP_OK;
		}
	}
	if (!rc && r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct slot *l = realloc(r->list, cap * sizeof *l);
		if (!l)
			rc = SP_ENOMEM;
		else
			r->list = l, r->cap = cap;
	}
	if (!rc) {
		r->list[r->n++].p = p;
		p = NULL;
	}
	/* one list for every file: the file's name leads each of its errors */
	for (size_t i = 0; i < mine.n; i++)
		sp_diag_add(diag, "", "%s: %s%s%s", name, mine.items[i].pointer,
			    mine.items[i].pointer[0] ? ": " : "", mine.items[i].msg);
	sp_protocol_free(p);
	sp_diag_free(&mine);
	return rc;
}

int sp_protocols_read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return SP_EIO;
	struct sp_buf b;
	sp_buf_init(&b, LOCAL_FILE_MAX);
	char chunk[16384];
	size_t n;
	int rc = SP_OK;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = sp_buf_add(&b, chunk, n);
	if (!rc && ferror(f))
		rc = SP_EIO;
	fclose(f);
	if (!rc && !b.data)
		rc = sp_buf_add(&b, "", 0);
	if (rc) {
		sp_buf_free(&b);
		return rc;
	}
	*out = sp_buf_detach(&b, len);
	return SP_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct sp_protocols *r, const char *dir, struct sp_diag *diag)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? SP_OK : SP_EIO;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = SP_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
		    strcmp(e->d_name, "codes.json") == 0 || e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = SP_ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			rc = SP_ENOMEM;
		else
			n++;
	}
	closedir(d);
	/* a fixed order, so the errors and the winner of a clash never depend on the disk */
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	int first = rc;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		char *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		int frc = sp_protocols_read_file(path, &text, &len);
		if (frc)
			sp_diag_add(diag, "", "%s: %s", path,
				    frc == SP_ETOOBIG ? "larger than 4 MiB" : "cannot be read");
		else
			frc = add(r, path, text, len, false, diag);
		if (!first)
			first = frc;
		free(text);
		free(names[i]);
	}
	free(names);
	return first;
}

int sp_protocols_load(const char *dir, struct sp_protocols **out, struct sp_diag *diag)
{
	*out = NULL;
	struct sp_protocols *r = calloc(1, sizeof *r);
	if (!r)
		return SP_ENOMEM;
	int rc = sp_vocab_load_embedded(&r->vocab, diag);
	for (const struct sp_embedded *e = sp_embedded_files; !rc && e->path; e++) {
		size_t n = strlen(e->path);
		if (strncmp(e->path, "protocols/", 10) != 0 || n < 5 ||
		    strcmp(e->path + n - 5, ".json") != 0 ||
		    strcmp(e->path, "protocols/codes.json") == 0)
			continue;
		int frc = add(r, e->path, e->data, e->len, true, diag);
		if (!rc)
			rc = frc;
	}
	if (!rc && dir)
		rc = load_dir(r, dir, diag);
	if (rc) {
		sp_protocols_free(r);
		return rc;
	}
	if (r->n)
		qsort(r->list, r->n, sizeof *r->list, by_id_version);
	*out = r;
	return SP_OK;
}

void sp_protocols_free(struct sp_protocols *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		sp_protocol_free(r->list[i].p);
	free(r->list);
	sp_vocab_free(r->vocab);
	free(r);
}

const struct sp_vocab *sp_protocols_vocab(const struct sp_protocols *r)
{
	return r->vocab;
}

size_t sp_protocols_count(const struct sp_protocols *r)
{
	return r->n;
}

const struct sp_protocol *sp_protocols_at(const struct sp_protocols *r, size_t i)
{
	return i < r->n ? r->list[i].p : NULL;
}

const struct sp_protocol *sp_protocols_find(const struct sp_protocols *r, const char *id,
					    int version)
{
	const struct sp_protocol *best = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct sp_protocol *p = r->list[i].p;
		if (strcmp(p->id, id) != 0)
			continue;
		if (version ? p->version == version : !best || p->version > best->version)
			best = p;
	}
	return best;
}

const struct sp_protocol *sp_protocols_lookup(const struct sp_protocols *r, const char *ref)
{
	char id[64];
	const char *at = strchr(ref, '@');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);
	if (n == 0 || n >= sizeof id)
		return NULL;
	memcpy(id, ref, n);
	id[n] = '\0';
	int version = 0;
	if (at) {
		const char *v = at + 1;
		if (!*v || strlen(v) > 7)
			return NULL;
		for (; *v; v++) {
			if (*v < '0' || *v > '9')
				return NULL;
			version = version * 10 + (*v - '0');
		}
		if (version == 0)
			return NULL;
	}
	return sp_protocols_find(r, id, version);
}

const struct sp_protocol *sp_protocols_variant(const struct sp_protocols *r,
					       const struct sp_protocol *p,
					       const struct sp_answers *ans,
					       const struct sp_facts *facts)
{
	if (p->age_group != SP_AGE_ADULT || !p->variant_child)
		return p;
	enum sp_person_group g;
	bool presumed;
	sp_person_group(p, ans, facts, &g, &presumed);
	const struct sp_protocol *child = sp_protocols_find(r, p->variant_child, 0);
	return g == SP_PERSON_CHILD && child ? child : p;
}
