/* Protection focal points and referral routing (safepath/focal.h, docs/focal-points.md): the
 * focal_points and routing_rules tables of migration 0027. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refer/refer.h"
#include "safepath/focal.h"
#include "safepath/names.h"
#include "safepath/service.h"
#include "safepath/store.h"

static const char *const scope_names[SP_FOCAL_SCOPE_COUNT] = {"agency", "country"};
static const char *const target_names[SP_ROUTE_TARGET_COUNT] = {"service", "focal_point"};

const char *sp_focal_scope_name(enum sp_focal_scope s)
{
	return sp_name_of(scope_names, SP_FOCAL_SCOPE_COUNT, (int)s);
}

const char *sp_route_target_name(enum sp_route_target t)
{
	return sp_name_of(target_names, SP_ROUTE_TARGET_COUNT, (int)t);
}

static bool same_id(const struct sp_id *x, const struct sp_id *y)
{
	return memcmp(x->b, y->b, SP_ID_LEN) == 0;
}

static int bind_failed(struct sp_err *err)
{
	return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
}

/* ---- focal points ---- */

/* needs as stored: ",a,b,", or NULL for every need (n == 0). */
static int needs_text(const struct sp_focal_point *fp, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < fp->n_needs; i++) {
		int k = snprintf(out + len, cap - len, "%s%s,", i ? "" : ",", fp->needs[i]);
		if (k < 0 || (size_t)k >= cap - len)
			return SP_ETOOBIG;
		len += (size_t)k;
	}
	return SP_OK;
}

static void needs_parse(const char *stored, struct sp_focal_point *fp)
{
	fp->n_needs = 0;
	for (const char *p = stored ? stored : ""; *p && fp->n_needs < SP_FOCAL_NEEDS_MAX;) {
		if (*p == ',') {
			p++;
			continue;
		}
		size_t k = strcspn(p, ",");
		if (k < SP_NEED_CODE_MAX) {
			memcpy(fp->needs[fp->n_needs], p, k);
			fp->needs[fp->n_needs++][k] = '\0';
		}
		p += k;
	}
}

static bool covers(const struct sp_focal_point *fp, const char *need)
{
	if (fp->n_needs == 0)
		return true;
	for (size_t i = 0; i < fp->n_needs; i++)
		if (strcmp(fp->needs[i], need) == 0)
			return true;
	return false;
}

static int check_focal(struct sp_access *a, const struct sp_subject *actor,
		       const struct sp_vocabulary *vocab, struct sp_focal_point *in,
		       struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get(a, &in->user, &u, err);
	if (rc == SP_ENOTFOUND || (!rc && !same_id(&u.agency, &actor->agency)))
		return sp_err_set(err, SP_EINVAL, "user", "is not a user of your agency");
	if (rc)
		return rc;
	if (u.disabled)
		return sp_err_set(err, SP_EINVAL, "user", "is disabled");
	if (!(u.roles & SP_ROLE_FOCAL_POINT))
		return sp_err_set(err, SP_EINVAL, "user", "does not hold the focal_point role");
	if (!sp_focal_scope_name(in->scope))
		return sp_err_set(err, SP_EINVAL, "scope", "must be agency or country");
	if (in->scope == SP_FOCAL_COUNTRY) {
		char code[SP_CODE_MAX];
		if (!in->country[0])
			return sp_err_set(err, SP_EINVAL, "country", "is required for the country scope");
		if (sp_country_code(in->country, code, NULL))
			return sp_err_set(err, SP_EINVAL, "country", "is not an ISO 3166-1 country code");
		memcpy(in->country, code, sizeof code);
	} else if (in->country[0]) {
		return sp_err_set(err, SP_EINVAL, "country", "is only for the country scope");
	}
	if (in->n_needs > SP_FOCAL_NEEDS_MAX)
		return sp_err_set(err, SP_EINVAL, "needs", "may name at most %d needs",
				  SP_FOCAL_NEEDS_MAX);
	for (size_t i = 0; i < in->n_needs; i++) {
		if (!vocab->has(vocab->ctx, "needs", in->needs[i]))
			return sp_err_set(err, SP_EINVAL, "needs",
					  "item %zu is not a code of the needs vocabulary", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->needs[i], in->needs[j]) == 0)
				return sp_err_set(err, SP_EINVAL, "needs", "item %zu is listed twice",
						  i);
	}
	return SP_OK;
}

static int focal_insert(struct sp_access *a, const struct sp_subject *actor,
			const struct sp_focal_point *in, const char *needs, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc;
	if (in->is_default) {
		rc = sp_store_prepare(a->store,
				      "UPDATE focal_points SET is_default = 0 WHERE agency_id = ? AND "
				      "scope = ? AND country = ?",
				      &st, err);
		if (rc)
			return rc;
		rc = sp_stmt_bind_id(st, 1, &in->agency) |
		     sp_stmt_bind_text(st, 2, scope_names[in->scope]) |
		     sp_stmt_bind_text(st, 3, in->country);
		rc = rc ? bind_failed(err) : sp_stmt_step(st, err);
		sp_stmt_done(st);
		if (rc < 0)
			return rc;
	}
	rc = sp_store_prepare(a->store,
			      "INSERT INTO focal_points (id, agency_id, user_id, scope, country, "
			      "needs, is_default, created_by, created_us) VALUES (?, ?, ?, ?, ?, ?, "
			      "?, ?, ?)",
			      &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_id(st, 1, &in->id) | sp_stmt_bind_id(st, 2, &in->agency) |
	     sp_stmt_bind_id(st, 3, &in->user) | sp_stmt_bind_text(st, 4, scope_names[in->scope]) |
	     sp_stmt_bind_text(st, 5, in->country) |
	     (needs[0] ? sp_stmt_bind_text(st, 6, needs) : sp_stmt_bind_null(st, 6)) |
	     sp_stmt_bind_int64(st, 7, in->is_default) | sp_stmt_bind_id(st, 8, &actor->user) |
	     sp_stmt_bind_int64(st, 9, in->created_us);
	rc = rc ? bind_failed(err) : sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc == SP_ECONFLICT)
		return sp_err_set(err, SP_ECONFLICT, "user",
				  "is a focal point of your agency for this scope already");
	return rc < 0 ? rc : SP_OK;
}

int sp_focal_add(struct sp_access *a, const struct sp_subject *actor,
		 const struct sp_vocabulary *vocab, struct sp_focal_point *in, struct sp_err *err)
{
	int rc = refer_begin(a, actor, err);
	if (rc)
		return rc;
	rc = check_focal(a, actor, vocab, in, err);
	char needs[SP_FOCAL_NEEDS_MAX * SP_NEED_CODE_MAX + 2];
	if (!rc && needs_text(in, needs, sizeof needs))
		rc = sp_err_set(err, SP_EINVAL, "needs", "is too long");
	in->agency = actor->agency;
	in->created_us = sp_now_us();
	sp_id_new(&in->id);
	if (!rc)
		rc = focal_insert(a, actor, in, needs, err);
	if (!rc)
		rc = refer_audit(a, actor, "focal_point.add", "focal_point", &in->id, &in->user, 1,
				 "user,scope,country,needs,is_default", err);
	return refer_end(a, rc, err);
}

/* The rules of agency that route to user, removed with their audit records. */
static int drop_rules_to(struct sp_access *a, const struct sp_subject *actor,
			 const struct sp_id *user, struct sp_err *err)
{
	struct sp_route_rule *rules = NULL;
	size_t n = 0;
	int rc = sp_route_list(a, actor, &rules, &n, err);
	struct sp_stmt *st = NULL;
	for (size_t i = 0; !rc && i < n; i++) {
		if (rules[i].target != SP_ROUTE_FOCAL_POINT ||
		    !same_id(&rules[i].focal_user, user))
			continue;
		rc = sp_store_prepare(a->store, "DELETE FROM routing_rules WHERE id = ?", &st, err);
		if (!rc) {
			rc = sp_stmt_bind_id(st, 1, &rules[i].id) ? bind_failed(err)
								   : sp_stmt_step(st, err);
			sp_stmt_done(st);
		}
		if (rc >= 0)
			rc = refer_audit(a, actor, "routing.remove", "routing_rule", &rules[i].id,
					 NULL, 0, "need,target", err);
	}
	free(rules);
	return rc < 0 ? rc : SP_OK;
}

int sp_focal_remove(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		    struct sp_err *err)
{
	int rc = refer_begin(a, actor, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	struct sp_id user = {0};
	rc = sp_store_prepare(a->store,
			      "SELECT user_id FROM focal_points WHERE id = ? AND agency_id = ?", &st,
			      err);
	if (!rc) {
		rc = sp_stmt_bind_id(st, 1, id) | sp_stmt_bind_id(st, 2, &actor->agency);
		rc = rc ? bind_failed(err) : sp_stmt_step(st, err);
		if (rc == 1)
			rc = sp_stmt_id(st, 0, &user);
		else if (rc == 0)
			rc = sp_err_set(err, SP_ENOTFOUND, "focal_point",
					"no such focal point in your agency");
		sp_stmt_done(st);
	}
	if (!rc)
		rc = sp_store_prepare(a->store, "DELETE FROM focal_points WHERE id = ?", &st, err);
	if (!rc) {
		rc = sp_stmt_bind_id(st, 1, id) ? bind_failed(err) : sp_stmt_step(st, err);
		sp_stmt_done(st);
	}
	if (rc >= 0)
		rc = refer_audit(a, actor, "focal_point.remove", "focal_point", id, &user, 1,
				 "user,scope,country,needs,is_default", err);
	/* Still a focal point of the agency in another scope: rules to them stand. */
	bool still = false;
	if (!rc)
		rc = sp_store_prepare(a->store,
				      "SELECT 1 FROM focal_points WHERE agency_id = ? AND user_id = ? "
				      "AND scope = 'agency'",
				      &st, err);
	if (!rc) {
		rc = sp_stmt_bind_id(st, 1, &actor->agency) | sp_stmt_bind_id(st, 2, &user);
		rc = rc ? bind_failed(err) : sp_stmt_step(st, err);
		still = rc == 1;
		sp_stmt_done(st);
	}
	if (rc >= 0 && !still)
		rc = drop_rules_to(a, actor, &user, err);
	return refer_end(a, rc, err);
}

/* Run st, whose one parameter is the agency (bound here), and keep each result as an element
 * of sz bytes that row() fills (non-zero: a bad row of table): *out malloc'd, *n long. st is
 * done on return. */
static int collect(struct sp_stmt *st, const struct sp_id *agency, size_t sz,
		   int (*row)(struct sp_stmt *st, void *elem, const struct sp_id *agency),
		   const char *table, void **out, size_t *n, struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0;
	int rc = sp_stmt_bind_id(st, 1, agency) ? bind_failed(err) : SP_OK;
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		rc = SP_OK;
		if (*n == cap) {
			void *p = realloc(*out, (cap ? cap * 2 : 8) * sz);
			if (!p) {
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
				break;
			}
			*out = p;
			cap = cap ? cap * 2 : 8;
		}
		void *elem = (char *)*out + *n * sz;
		memset(elem, 0, sz);
		if (row(st, elem, agency)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "bad %s row", table);
			break;
		}
		++*n;
	}
	sp_stmt_done(st);
	if (rc < 0 || rc > 1) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	return SP_OK;
}

static int focal_row(struct sp_stmt *st, void *elem, const struct sp_id *agency)
{
	struct sp_focal_point *fp = elem;
	fp->agency = *agency;
	const char *scope = sp_stmt_text(st, 2);
	int s = sp_name_index(scope_names, SP_FOCAL_SCOPE_COUNT, scope ? scope : "");
	if (sp_stmt_id(st, 0, &fp->id) || sp_stmt_id(st, 1, &fp->user) || s < 0 ||
	    sp_text_copy(fp->country, sizeof fp->country, sp_stmt_text(st, 3)))
		return -1;
	fp->scope = (enum sp_focal_scope)s;
	needs_parse(sp_stmt_text(st, 4), fp);
	fp->is_default = sp_stmt_int64(st, 5) != 0;
	fp->created_us = sp_stmt_int64(st, 6);
	return 0;
}

/* sp_focal_list's order: defaults first, then scope, country and user name. */
static int focal_cmp(const void *x, const void *y)
{
	const struct sp_focal_point *p = x, *q = y;
	if (p->is_default != q->is_default)
		return p->is_default ? -1 : 1;
	if (p->scope != q->scope)
		return p->scope < q->scope ? -1 : 1;
	int c = strcmp(p->country, q->country);
	return c ? c : strcmp(p->username, q->username);
}

/* The name of user (a user of the access module's), for the lists. */
static int username_of(struct sp_access *a, const struct sp_id *user, char *out, size_t n,
		       struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get(a, user, &u, err);
	if (!rc)
		rc = sp_text_copy(out, n, u.username)
			     ? sp_err_set(err, SP_EINTERNAL, "", "user name too long")
			     : SP_OK;
	return rc;
}

/* Focal points of agency, as sp_focal_list orders them; the transaction is the caller's. */
static int focal_rows(struct sp_access *a, const struct sp_id *agency,
		      struct sp_focal_point **out, size_t *n, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "SELECT id, user_id, scope, country, needs, is_default, created_us "
				  "FROM focal_points WHERE agency_id = ?",
				  &st, err);
	void *rows = NULL;
	*n = 0;
	if (!rc)
		rc = collect(st, agency, sizeof **out, focal_row, "focal_points", &rows, n, err);
	*out = rows;
	for (size_t i = 0; !rc && i < *n; i++)
		rc = username_of(a, &(*out)[i].user, (*out)[i].username, sizeof(*out)[i].username,
				 err);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, focal_cmp);
	return SP_OK;
}

int sp_focal_list(struct sp_access *a, const struct sp_subject *viewer,
		  struct sp_focal_point **out, size_t *n, struct sp_err *err)
{
	int rc = sp_store_begin_read(a->store, err);
	if (rc)
		return rc;
	rc = focal_rows(a, &viewer->agency, out, n, err);
	sp_store_rollback(a->store);
	return rc;
}

json_t *sp_focal_json(const struct sp_focal_point *fp)
{
	char id[SP_ID_STRLEN + 1], user[SP_ID_STRLEN + 1];
	sp_id_format(&fp->id, id);
	sp_id_format(&fp->user, user);
	json_t *needs = json_array();
	for (size_t i = 0; needs && i < fp->n_needs; i++)
		json_array_append_new(needs, json_string(fp->needs[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:s*, s:o*, s:b}", "id", id, "user", user,
			 "username", fp->username, "scope", scope_names[fp->scope], "country",
			 fp->country[0] ? fp->country : NULL, "needs", needs, "default",
			 fp->is_default);
}

/* ---- routing rules ---- */

/* The service's directory entry, with its status, needs and referral route. */
static int service_entry(struct sp_access *a, const struct sp_subject *viewer,
			 const struct sp_id *id, json_t **out, struct sp_err *err)
{
	int rc = sp_service_get(a, viewer, id, out, err);
	return rc == SP_ENOTFOUND ? sp_err_set(err, SP_EINVAL, "service", "is not in the directory")
				  : rc;
}

static bool service_meets(const json_t *svc, const char *need)
{
	const json_t *needs = json_object_get(svc, "x_needs");
	for (size_t i = 0; i < json_array_size(needs); i++) {
		const char *v = json_string_value(json_array_get(needs, i));
		if (v && strcmp(v, need) == 0)
			return true;
	}
	return false;
}

static bool service_active(const json_t *svc)
{
	const char *s = json_string_value(json_object_get(svc, "status"));
	return s && strcmp(s, "active") == 0;
}

/* The rule's target by name: the service's, or the focal point's user name. */
static int name_target(struct sp_access *a, const struct sp_subject *viewer,
		       struct sp_route_rule *r, struct sp_err *err)
{
	if (r->target == SP_ROUTE_FOCAL_POINT)
		return username_of(a, &r->focal_user, r->target_name, sizeof r->target_name, err);
	json_t *svc = NULL;
	int rc = sp_service_get(a, viewer, &r->service, &svc, err);
	if (!rc && sp_text_copy(r->target_name, sizeof r->target_name,
				json_string_value(json_object_get(svc, "name"))))
		rc = sp_err_set(err, SP_EINTERNAL, "", "service name too long");
	json_decref(svc);
	return rc;
}

/* viewer's agency's focal point user for need in the agency scope: one named for the need
 * before one for every need, the default first (focal_rows' order). */
static const struct sp_focal_point *focal_for(const struct sp_focal_point *fps, size_t n,
					       const char *need, const struct sp_id *user)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct sp_focal_point *fp = &fps[i];
			if (fp->scope != SP_FOCAL_AGENCY || !covers(fp, need) ||
			    (user && !same_id(&fp->user, user)))
				continue;
			if (user || (pass == 0) == (fp->n_needs > 0))
				return fp;
		}
	return NULL;
}

static int check_rule(struct sp_access *a, const struct sp_subject *actor,
		      const struct sp_vocabulary *vocab, const struct sp_route_rule *in,
		      struct sp_err *err)
{
	if (!vocab->has(vocab->ctx, "needs", in->need))
		return sp_err_set(err, SP_EINVAL, "need", "is not a code of the needs vocabulary");
	if (in->target == SP_ROUTE_SERVICE) {
		json_t *svc = NULL;
		int rc = service_entry(a, actor, &in->service, &svc, err);
		if (!rc && !service_active(svc))
			rc = sp_err_set(err, SP_EINVAL, "service", "is not active");
		else if (!rc && !service_meets(svc, in->need))
			rc = sp_err_set(err, SP_EINVAL, "service", "does not meet the need %s",
					in->need);
		json_decref(svc);
		return rc;
	}
	if (in->target != SP_ROUTE_FOCAL_POINT)
		return sp_err_set(err, SP_EINVAL, "target", "must be service or focal_point");
	struct sp_focal_point *fps = NULL;
	size_t n = 0;
	int rc = focal_rows(a, &actor->agency, &fps, &n, err);
	if (!rc && !focal_for(fps, n, in->need, &in->focal_user))
		rc = sp_err_set(err, SP_EINVAL, "focal_point",
				"is not a focal point of your agency for the need %s", in->need);
	free(fps);
	return rc;
}

int sp_route_add(struct sp_access *a, const struct sp_subject *actor,
		 const struct sp_vocabulary *vocab, struct sp_route_rule *in, struct sp_err *err)
{
	int rc = refer_begin(a, actor, err);
	if (rc)
		return rc;
	rc = check_rule(a, actor, vocab, in, err);
	in->agency = actor->agency;
	in->created_us = sp_now_us();
	sp_id_new(&in->id);
	struct sp_stmt *st;
	if (!rc)
		rc = sp_store_prepare(a->store,
			      "INSERT INTO routing_rules (id, agency_id, need, target, service_id, "
			      "focal_user_id, created_by, created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			      &st, err);
	if (!rc) {
		bool svc = in->target == SP_ROUTE_SERVICE;
		rc = sp_stmt_bind_id(st, 1, &in->id) | sp_stmt_bind_id(st, 2, &in->agency) |
		     sp_stmt_bind_text(st, 3, in->need) |
		     sp_stmt_bind_text(st, 4, target_names[in->target]) |
		     (svc ? sp_stmt_bind_id(st, 5, &in->service) : sp_stmt_bind_null(st, 5)) |
		     (svc ? sp_stmt_bind_null(st, 6) : sp_stmt_bind_id(st, 6, &in->focal_user)) |
		     sp_stmt_bind_id(st, 7, &actor->user) | sp_stmt_bind_int64(st, 8, in->created_us);
		rc = rc ? bind_failed(err) : sp_stmt_step(st, err);
		sp_stmt_done(st);
		if (rc == SP_ECONFLICT)
			rc = sp_err_set(err, SP_ECONFLICT, "need",
					"is routed already: remove that rule first");
	}
	if (rc >= 0)
		rc = refer_audit(a, actor, "routing.add", "routing_rule", &in->id, NULL, 0,
				 "need,target", err);
	if (rc >= 0)
		rc = name_target(a, actor, in, err);
	return refer_end(a, rc, err);
}

int sp_route_remove(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		    struct sp_err *err)
{
	int rc = refer_begin(a, actor, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store, "DELETE FROM routing_rules WHERE id = ? AND agency_id = ?",
			      &st, err);
	if (!rc) {
		rc = sp_stmt_bind_id(st, 1, id) | sp_stmt_bind_id(st, 2, &actor->agency);
		rc = rc ? bind_failed(err) : sp_stmt_step(st, err);
		if (rc >= 0 && sp_stmt_changes(st) != 1)
			rc = sp_err_set(err, SP_ENOTFOUND, "routing_rule",
					"no such routing rule in your agency");
		sp_stmt_done(st);
	}
	if (rc >= 0)
		rc = refer_audit(a, actor, "routing.remove", "routing_rule", id, NULL, 0,
				 "need,target", err);
	return refer_end(a, rc, err);
}

static int rule_row(struct sp_stmt *st, void *elem, const struct sp_id *agency)
{
	struct sp_route_rule *r = elem;
	r->agency = *agency;
	const char *target = sp_stmt_text(st, 2);
	int t = sp_name_index(target_names, SP_ROUTE_TARGET_COUNT, target ? target : "");
	if (sp_stmt_id(st, 0, &r->id) || t < 0 ||
	    sp_text_copy(r->need, sizeof r->need, sp_stmt_text(st, 1)) ||
	    (!sp_stmt_is_null(st, 3) && sp_stmt_id(st, 3, &r->service)) ||
	    (!sp_stmt_is_null(st, 4) && sp_stmt_id(st, 4, &r->focal_user)))
		return -1;
	r->target = (enum sp_route_target)t;
	r->created_us = sp_stmt_int64(st, 5);
	return 0;
}

int sp_route_list(struct sp_access *a, const struct sp_subject *viewer,
		  struct sp_route_rule **out, size_t *n, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "SELECT id, need, target, service_id, focal_user_id, created_us FROM "
				  "routing_rules WHERE agency_id = ? ORDER BY need",
				  &st, err);
	void *rows = NULL;
	*n = 0;
	if (!rc)
		rc = collect(st, &viewer->agency, sizeof **out, rule_row, "routing_rules", &rows, n,
			     err);
	*out = rows;
	for (size_t i = 0; !rc && i < *n; i++)
		rc = name_target(a, viewer, &(*out)[i], err);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

json_t *sp_route_rule_json(const struct sp_route_rule *r)
{
	char id[SP_ID_STRLEN + 1], target[SP_ID_STRLEN + 1];
	sp_id_format(&r->id, id);
	bool svc = r->target == SP_ROUTE_SERVICE;
	sp_id_format(svc ? &r->service : &r->focal_user, target);
	return json_pack("{s:s, s:s, s:s, s:s*, s:s*, s:s}", "id", id, "need", r->need, "target",
			 target_names[r->target], "service", svc ? target : NULL, "focal_point",
			 svc ? NULL : target, "target_name", r->target_name);
}

/* ---- resolving ---- */

static json_t *focal_ref(const struct sp_focal_point *fp)
{
	char id[SP_ID_STRLEN + 1], user[SP_ID_STRLEN + 1];
	sp_id_format(&fp->id, id);
	sp_id_format(&fp->user, user);
	return json_pack("{s:s, s:s, s:s}", "id", id, "user", user, "username", fp->username);
}

static json_t *service_ref(const json_t *svc)
{
	return json_pack("{s:O?, s:O?, s:O?}", "id", json_object_get(svc, "id"), "name",
			 json_object_get(svc, "name"), "referral_route",
			 json_object_get(svc, "x_referral_route"));
}

static json_t *route_json(const char *need, const char *route, json_t *service, json_t *focal,
			  const char *why)
{
	return json_pack("{s:s, s:s, s:o?, s:o?, s:s}", "need", need, "route", route, "service",
			 service, "focal_point", focal, "why", why);
}

/* The agency's rule for need, if any: *rule set, *found true. */
static int rule_for(struct sp_access *a, const struct sp_subject *viewer, const char *need,
		    struct sp_route_rule *rule, bool *found, struct sp_err *err)
{
	struct sp_route_rule *rules = NULL;
	size_t n = 0;
	int rc = sp_route_list(a, viewer, &rules, &n, err);
	*found = false;
	for (size_t i = 0; !rc && i < n && !*found; i++)
		if (strcmp(rules[i].need, need) == 0) {
			*rule = rules[i];
			*found = true;
		}
	free(rules);
	return rc;
}

/* Resolve inside an open read transaction. */
static int resolve(struct sp_access *a, const struct sp_subject *viewer, const char *need,
		   const struct sp_focal_point *fps, size_t n, json_t **out, struct sp_err *err)
{
	struct sp_route_rule rule;
	bool found;
	int rc = rule_for(a, viewer, need, &rule, &found, err);
	if (rc)
		return rc;
	const struct sp_focal_point *fp = focal_for(fps, n, need, NULL);
	char why[256];
	if (found && rule.target == SP_ROUTE_SERVICE) {
		json_t *svc = NULL;
		rc = sp_service_get(a, viewer, &rule.service, &svc, err);
		if (rc && rc != SP_ENOTFOUND)
			return rc;
		if (!rc && service_active(svc)) {
			const char *route = json_string_value(json_object_get(svc, "x_referral_route"));
			bool via = route && strcmp(route, "focal_point_only") == 0;
			if (via && fp)
				snprintf(why, sizeof why, "Your agency routes this need to this service, "
							  "which takes referrals only through a focal "
							  "point: %s.", fp->username);
			else if (via)
				snprintf(why, sizeof why, "Your agency routes this need to this service, "
							  "which takes referrals only through a focal "
							  "point, and your agency has none for this need.");
			else
				snprintf(why, sizeof why, "Your agency routes this need to this service.");
			*out = route_json(need, "service", service_ref(svc), via && fp ? focal_ref(fp)
										    : NULL,
					  why);
			json_decref(svc);
			return *out ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
		}
		json_decref(svc);
	} else if (found) {
		const struct sp_focal_point *to = focal_for(fps, n, need, &rule.focal_user);
		if (to) {
			*out = route_json(need, "focal_point", NULL, focal_ref(to),
					  "Your agency routes this need to this focal point.");
			return *out ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
		}
	}
	const char *lost = found ? "The rule for this need no longer stands (its service is not "
				   "active, or its focal point was removed). "
				 : "";
	snprintf(why, sizeof why, "%s%s", lost,
		 !fp		? "Your agency has no routing rule and no focal point for this need: "
				  "choose a service from the directory."
		 : fp->n_needs ? "It goes to the focal point your agency named for this need."
			       : "It goes to your agency's focal point for every need.");
	*out = route_json(need, fp ? "focal_point" : "none", NULL, fp ? focal_ref(fp) : NULL,
			  why);
	return *out ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
}

int sp_route_resolve(struct sp_access *a, const struct sp_subject *viewer,
		     const struct sp_vocabulary *vocab, const char *need, json_t **out,
		     struct sp_err *err)
{
	if (!need || !vocab->has(vocab->ctx, "needs", need))
		return sp_err_set(err, SP_EINVAL, "need", "is not a code of the needs vocabulary");
	int rc = sp_store_begin_read(a->store, err);
	if (rc)
		return rc;
	struct sp_focal_point *fps = NULL;
	size_t n = 0;
	rc = focal_rows(a, &viewer->agency, &fps, &n, err);
	if (!rc)
		rc = resolve(a, viewer, need, fps, n, out, err);
	free(fps);
	sp_store_rollback(a->store);
	return rc;
}
