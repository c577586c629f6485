/* The audit resource, the data protection officer's: the trail page by page with filters,
 * and its verification (chain and signed checkpoints). Reading the trail is itself audited,
 * and so is every refused attempt. Also the audit call of the reads the casework does not
 * make itself (user accounts, the trail). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "safepath/audit.h"

#define AUDIT_API_PAGE_MAX 200

int http_audit_read(struct http_req *r, const char *action, const char *object_type,
		    const struct sp_id *objects, size_t n, const char *fields, const char *reason)
{
	struct sp_err err = {0};
	char roles[160];
	if (sp_roles_format(r->subject.roles, roles, sizeof roles))
		roles[0] = '\0';
	struct sp_audit_rec rec = {
		.actor = r->subject.user,
		.agency = r->subject.agency,
		.roles = roles,
		.action = action,
		.object_type = object_type,
		.objects = n > 1 ? objects + 1 : NULL,
		.nobjects = n > 1 ? n - 1 : 0,
		.fields = fields,
		.reason = reason,
	};
	if (n)
		rec.object_id = objects[0];
	int rc;
	if (r->audit_writer) {
		rc = sp_audit_writer_submit(r->audit_writer, &rec, NULL, &err);
	} else {
		struct sp_store *s = r->w->store;
		rc = sp_store_begin_write(s, &err);
		if (!rc)
			rc = sp_audit_append(s, r->opt->audit_keys, &rec, NULL, &err);
		if (!rc)
			rc = sp_store_commit(s, &err);
		if (rc)
			sp_store_rollback(s);
	}
	return rc ? http_problem_from_err(r, &err) : 0;
}

/* The DPO's right to the trail, from the policy; a refusal is on the trail too. */
static int may_read_trail(struct http_req *r, const char *action)
{
	const struct sp_policy_request req = {.action = SP_ACT_AUDIT_READ};
	struct sp_decision d;
	struct sp_err err = {0};
	if (sp_policy_check(&r->subject, &req, NULL, &d, &err) == SP_OK)
		return 0;
	char reason[48];
	snprintf(reason, sizeof reason, "denied:%s", err.reason);
	if (http_audit_read(r, action, "", NULL, 0, "", reason))
		return 1;
	return http_problem_from_err(r, &err);
}

struct listing {
	json_t *items;
	int64_t first, last;
};

static int list_row(void *ctx, const struct sp_audit_rec *rec)
{
	struct listing *l = ctx;
	json_t *j = sp_audit_rec_encode(rec);
	if (!j || json_array_append_new(l->items, j))
		return SP_ENOMEM;
	if (!l->first)
		l->first = rec->seq;
	l->last = rec->seq;
	return 0;
}

static void query_id(struct http_req *r, const char *name, struct sp_id *id,
		     const struct sp_id **out)
{
	const char *v = http_query(r, name);
	char pointer[16];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (v && sp_id_parse(v, id) != SP_OK)
		http_invalid(r, pointer, "must be an id");
	else if (v)
		*out = id;
}

/* GET /api/v1/audit?actor=&action=&object_type=&object=&from=&to=&cursor=&limit= */
int http_api_audit_list(struct http_req *r)
{
	static const char *const params[] = {"actor", "action", "object_type", "object", "from",
					     "to", "cursor", "limit", NULL};
	struct sp_err err = {0};
	struct sp_id actor, object;
	long limit = 50;
	struct sp_audit_query q = {0};
	if (http_query_only(r, params) || may_read_trail(r, "audit.read"))
		return 1;
	query_id(r, "actor", &actor, &q.actor);
	query_id(r, "object", &object, &q.object_id);
	q.action = http_query(r, "action");
	q.object_type = http_query(r, "object_type");
	const struct sp_audit_rec action = {.action = q.action},
				  type = {.action = "x", .object_type = q.object_type};
	if (q.action && (!q.action[0] || sp_audit_rec_check(&action, NULL)))
		http_invalid(r, "/action", "must be an action name");
	if (q.object_type && sp_audit_rec_check(&type, NULL))
		http_invalid(r, "/object_type", "must be an object type");
	http_query_time(r, "from", &q.from_us);
	http_query_time(r, "to", &q.to_us);
	const char *v = http_query(r, "cursor");
	char *end = NULL;
	if (v && ((q.after_seq = strtoll(v, &end, 10)) < 0 || !*v || *end))
		http_invalid(r, "/cursor", "must be a next_cursor value");
	http_query_limit(r, AUDIT_API_PAGE_MAX, &limit);
	if (r->is_problem)
		return 1;
	q.limit = (int)limit;
	struct listing l = {json_array(), 0, 0};
	int64_t next = 0;
	if (!l.items)
		return http_problem(r, 500, "internal", "Internal error", NULL);
	int rc = sp_audit_list(r->w->store, &q, list_row, &l, &next, &err);
	if (rc == SP_ENOMEM && !err.code)
		sp_err_set(&err, rc, "", "out of memory");
	char range[64] = "";
	if (l.first)
		snprintf(range, sizeof range, "seq:%lld-%lld", (long long)l.first,
			 (long long)l.last);
	if (rc || http_audit_read(r, "audit.read", "", NULL, 0, range, NULL)) {
		json_decref(l.items);
		return rc ? http_problem_from_err(r, &err) : 1;
	}
	char cursor[24];
	snprintf(cursor, sizeof cursor, "%lld", (long long)next);
	return http_reply_json(r, 200, json_pack("{s:o, s:s?}", "items", l.items, "next_cursor",
						 next ? cursor : NULL));
}

/* GET /api/v1/audit/verify: the whole chain against the signed checkpoints. */
int http_api_audit_verify(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_audit_report rep;
	if (http_query_only(r, NULL) || may_read_trail(r, "audit.verify"))
		return 1;
	if (!r->opt->audit_dir)
		return http_problem(r, 503, "unavailable", "Try again shortly", NULL);
	if (sp_audit_verify(r->w->store, r->opt->audit_keys, r->opt->audit_dir, &rep, &err))
		return http_problem_from_err(r, &err);
	json_t *found = json_array();
	for (size_t i = 0; found && i < rep.nkept; i++)
		json_array_append_new(found, json_pack("{s:s, s:I, s:i}", "kind",
						       sp_audit_problem_name(rep.found[i].kind),
						       "seq", (json_int_t)rep.found[i].seq, "line",
						       (int)rep.found[i].line));
	if (http_audit_read(r, "audit.verify", "", NULL, 0, "chain,checkpoints", NULL)) {
		json_decref(found);
		return 1;
	}
	return http_reply_json(
		r, 200,
		json_pack("{s:b, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:I, s:I, s:b, s:i, s:o*}",
			  "ok", rep.ok,
			  "records", (json_int_t)rep.records, "last_seq", (json_int_t)rep.last_seq,
			  "head_seq", (json_int_t)rep.head_seq, "checkpoints", (int)rep.checkpoints,
			  "restores", (int)rep.restores, "rolled_back", (int)rep.rolled_back,
			  "rolled_back_from", (json_int_t)rep.rolled_back_from, "rolled_back_to",
			  (json_int_t)rep.rolled_back_to,
			  "last_checkpoint_seq", (json_int_t)rep.last_checkpoint_seq,
			  "torn_last_line", rep.torn_last_line, "problems", (int)rep.nfound,
			  "findings", found));
}
