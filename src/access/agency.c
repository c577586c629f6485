/* Agencies (the agencies table): the organisations users belong to and cases are owned by,
 * each with the code that prefixes its case numbers. */
#include <stdio.h>
#include <string.h>

#include "access/access.h"
#include "safepath/codes.h"
#include "safepath/names.h"

#define AGENCY_COLS "id, code, name, kind, country, created_us"

int sp_agency_check(struct sp_agency *in, struct sp_err *err)
{
	size_t n = strnlen(in->code, SP_AGENCY_CODE_MAX);
	if (n < 2 || n > 6)
		return sp_err_set(err, SP_EINVAL, "code", "must be 2 to 6 letters A-Z");
	for (size_t i = 0; i < n; i++)
		if (in->code[i] < 'A' || in->code[i] > 'Z')
			return sp_err_set(err, SP_EINVAL, "code", "must be 2 to 6 letters A-Z");
	n = strnlen(in->name, SP_AGENCY_NAME_MAX);
	if (n == 0 || n >= SP_AGENCY_NAME_MAX)
		return sp_err_set(err, SP_EINVAL, "name", "must be 1 to %d bytes",
				  SP_AGENCY_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in->name[i];
		if (c < 0x20 || c == 0x7f)
			return sp_err_set(err, SP_EINVAL, "name", "must not hold control characters");
	}
	if ((unsigned)in->kind >= SP_AGENCY_KIND_COUNT)
		return sp_err_set(err, SP_EINVAL, "kind", "unknown agency kind");
	/* Any case, alpha-2 or alpha-3, stored as alpha-2; an agency is in a country (or ZZ,
	 * unknown), never "stateless". */
	char canon[SP_CODE_MAX];
	int rc = sp_country_code(in->country, canon, err);
	if (rc == SP_EINVAL || (rc == SP_OK && strlen(canon) != 2))
		return sp_err_set(err, SP_EINVAL, "country", "must be an ISO 3166-1 country code");
	if (rc)
		return rc;
	memcpy(in->country, canon, 3);
	return SP_OK;
}

static int read_row(struct sp_stmt *st, struct sp_agency *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	if (sp_stmt_id(st, 0, &out->id) || sp_text_copy(out->code, sizeof out->code, sp_stmt_text(st, 1)) ||
	    sp_text_copy(out->name, sizeof out->name, sp_stmt_text(st, 2)) ||
	    !sp_stmt_text(st, 3) || sp_agency_kind_parse(sp_stmt_text(st, 3), &out->kind) ||
	    sp_text_copy(out->country, sizeof out->country, sp_stmt_text(st, 4)))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed agencies row");
	out->created_us = sp_stmt_int64(st, 5);
	return SP_OK;
}

int access_agency_insert(struct sp_access *a, const struct sp_agency *in, struct sp_agency *out,
			 struct sp_err *err)
{
	struct sp_agency ag = *in;
	int rc = sp_agency_check(&ag, err);
	if (rc)
		return rc;
	sp_id_new(&ag.id);
	ag.created_us = sp_now_us();
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store,
			      "INSERT INTO agencies (" AGENCY_COLS ") VALUES (?, ?, ?, ?, ?, ?)", &st,
			      err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &ag.id) || sp_stmt_bind_text(st, 2, ag.code) ||
	    sp_stmt_bind_text(st, 3, ag.name) ||
	    sp_stmt_bind_text(st, 4, sp_agency_kind_name(ag.kind)) ||
	    sp_stmt_bind_text(st, 5, ag.country) || sp_stmt_bind_int64(st, 6, ag.created_us))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc == SP_ECONFLICT)
		return sp_err_set(err, SP_ECONFLICT, "code", "an agency with this code exists");
	if (rc < 0)
		return rc;
	if (out)
		*out = ag;
	return SP_OK;
}

int sp_agency_add(struct sp_access *a, const struct sp_subject *actor, const struct sp_agency *in,
		  struct sp_agency *out, struct sp_err *err)
{
	int rc = access_allowed(actor, SP_ACT_AGENCY_MANAGE, NULL, SP_AGENCY_NGO, err);
	if (rc)
		return rc;
	struct sp_agency ag;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_subject me;
	rc = access_recheck(a, actor, SP_ACT_AGENCY_MANAGE, &me, err);
	if (!rc)
		rc = access_agency_insert(a, in, &ag, err);
	if (!rc && a->idem)
		rc = sp_idem_record(a->store, a->idem, "agency", &ag.id, NULL, err);
	if (!rc) {
		struct access_event ev = {.action = "agency.add", .actor = &me,
					  .object_kind = "agency", .object = ag.id,
					  .fields = "code,name,kind,country"};
		rc = access_audit(a, &ev, err);
	}
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc) {
		sp_store_rollback(a->store);
		return rc;
	}
	if (out)
		*out = ag;
	return SP_OK;
}

static int get_one(struct sp_access *a, const char *sql, const char *code, const struct sp_id *id,
		   struct sp_agency *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store, sql, &st, err);
	if (rc)
		return rc;
	rc = access_step_key(st, code, id, err);
	if (rc == 1)
		rc = read_row(st, out, err);
	else if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, code ? "code" : "agency", "no such agency");
	sp_stmt_done(st);
	return rc;
}

int sp_agency_get_by_code(struct sp_access *a, const char *code, struct sp_agency *out,
			  struct sp_err *err)
{
	return get_one(a, "SELECT " AGENCY_COLS " FROM agencies WHERE code = ?", code, NULL, out,
		       err);
}

int sp_agency_get(struct sp_access *a, const struct sp_id *id, struct sp_agency *out,
		  struct sp_err *err)
{
	return get_one(a, "SELECT " AGENCY_COLS " FROM agencies WHERE id = ?", NULL, id, out, err);
}

struct list_ctx {
	int (*cb)(const struct sp_agency *ag, void *ctx);
	void *ctx;
};

static int list_row(struct sp_stmt *st, void *ctx, struct sp_err *err)
{
	const struct list_ctx *l = ctx;
	struct sp_agency ag;
	int rc = read_row(st, &ag, err);
	return rc ? rc : l->cb(&ag, l->ctx);
}

int sp_agency_list(struct sp_access *a, int (*cb)(const struct sp_agency *ag, void *ctx),
		   void *ctx, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store, "SELECT " AGENCY_COLS " FROM agencies ORDER BY code",
				  &st, err);
	struct list_ctx l = {cb, ctx};
	return rc ? rc : access_each_row(st, list_row, &l, err);
}
