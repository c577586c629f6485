/* Notifications (owner of the notifications and notification_reads tables): a notice added
 * inside the transaction of the operation that made it, a reader's list (theirs by name and
 * their role's in their agency), unread counts, marks read, and the delivery of new ones
 * through a notifier after they committed. Ids and kind tokens only: no personal data. */
#include <stdio.h>
#include <string.h>

#include "safepath/notification.h"

/* Where a notification leads in the web shell: nowhere, its case's page, its object's own
 * page (page + the object's id), or one page (page). */
enum link_form { LINK_NONE, LINK_CASE, LINK_OBJECT, LINK_PAGE };

/* The kinds: name, the object type they name, whether they are about a case, their link. */
static const struct {
	const char *name;
	const char *object_type;
	bool about_case;
	enum link_form link;
	const char *page;
} kinds[SP_NOTIFY_KIND_COUNT] = {
	[SP_NOTIFY_TASK_ASSIGNED] = {"task.assigned", "task", true, LINK_CASE, NULL},
	/* a role's grant: the supervisor answers with `safepath approval` */
	[SP_NOTIFY_APPROVAL_PENDING] = {"approval.pending", "approval", false, LINK_NONE, NULL},
	/* the provider's inbox: the referral's page, never the case's (which it may not read) */
	[SP_NOTIFY_REFERRAL_RECEIVED] = {"referral.received", "referral", true, LINK_OBJECT,
					 "/referrals/"},
	[SP_NOTIFY_DEADLINE_OVERDUE] = {"deadline.overdue", "deadline", true, LINK_CASE, NULL},
	/* a case's closure, reopening, transfer or break-glass review: the supervisors' queue */
	[SP_NOTIFY_CASE_APPROVAL_PENDING] = {"case_approval.pending", "case_approval", true,
					     LINK_PAGE, "/approvals"},
	/* a referral unanswered past its due date: escalated to the focal points and
	 * supervisors of both sides */
	[SP_NOTIFY_REFERRAL_OVERDUE] = {"referral.overdue", "referral", true, LINK_OBJECT,
					"/referrals/"},
	/* an anonymous report: the receiving side is never given the case's id */
	[SP_NOTIFY_REPORT_RECEIVED] = {"report.received", "referral", false, LINK_OBJECT,
				       "/referrals/"},
	[SP_NOTIFY_REPORT_OVERDUE] = {"report.overdue", "referral", false, LINK_OBJECT,
				      "/referrals/"},
	/* a registration check found this case as a possible match for a user who may not see
	 * it: the holding agency's focal points decide whether to get in touch */
	[SP_NOTIFY_MATCH_ELSEWHERE] = {"match.elsewhere", "case", true, LINK_CASE, NULL},
	/* safepath dedup found pairs the runner may not see: the agency's own people review them */
	[SP_NOTIFY_DEDUP_ELSEWHERE] = {"dedup.elsewhere", "dedup_run", false, LINK_NONE, NULL},
	/* a relative's tracing request may concern a child of the agency: the review page */
	[SP_NOTIFY_TRACING_MATCH] = {"tracing.match", "tracing_match", true, LINK_OBJECT,
				     "/tracing/matches/"},
	/* the requester's side learns a new status, never the child's case: its request's page */
	[SP_NOTIFY_TRACING_STATUS] = {"tracing.status", "tracing_request", false, LINK_OBJECT,
				      "/tracing/requests/"},
};

const char *sp_notification_kind_name(enum sp_notification_kind k)
{
	return (unsigned)k < SP_NOTIFY_KIND_COUNT ? kinds[k].name : NULL;
}

int sp_notification_kind_parse(const char *s)
{
	for (int i = 0; s && i < SP_NOTIFY_KIND_COUNT; i++)
		if (strcmp(s, kinds[i].name) == 0)
			return i;
	return -1;
}

static void make_link(enum sp_notification_kind k, const struct sp_id *case_id,
		      const struct sp_id *object, char out[SP_NOTIFICATION_LINK_MAX])
{
	char id[SP_ID_STRLEN + 1];
	out[0] = '\0';
	switch (kinds[k].link) {
	case LINK_CASE:
		sp_id_format(case_id, id);
		snprintf(out, SP_NOTIFICATION_LINK_MAX, "/cases/%s", id);
		break;
	case LINK_OBJECT:
		sp_id_format(object, id);
		snprintf(out, SP_NOTIFICATION_LINK_MAX, "%s%s", kinds[k].page, id);
		break;
	case LINK_PAGE:
		snprintf(out, SP_NOTIFICATION_LINK_MAX, "%s", kinds[k].page);
		break;
	case LINK_NONE:
		break;
	}
}

static int check_notice(const struct sp_notice *n, struct sp_err *err)
{
	if ((unsigned)n->kind >= SP_NOTIFY_KIND_COUNT)
		return sp_err_set(err, SP_EINVAL, "kind", "unknown notification kind");
	if (!n->user && (n->roles == 0 || (n->roles & ~SP_ROLES_ALL)))
		return sp_err_set(err, SP_EINVAL, "roles", "a notice for nobody: give a user or roles");
	if (sp_id_is_zero(&n->agency))
		return sp_err_set(err, SP_EINVAL, "agency", "a notice needs its agency");
	if (sp_id_is_zero(&n->object))
		return sp_err_set(err, SP_EINVAL, "object", "a notice names its object");
	if (kinds[n->kind].about_case != (n->case_id != NULL))
		return sp_err_set(err, SP_EINVAL, "case_id",
				  kinds[n->kind].about_case ? "this kind is about a case"
							    : "this kind is about no case");
	if (n->dedupe && (n->dedupe[0] == '\0' || strlen(n->dedupe) >= SP_NOTIFICATION_DEDUPE_MAX))
		return sp_err_set(err, SP_EINVAL, "dedupe", "must be 1 to %d bytes",
				  SP_NOTIFICATION_DEDUPE_MAX - 1);
	return SP_OK;
}

int sp_notify(struct sp_store *s, const struct sp_notice *n, bool *added, struct sp_err *err)
{
	char key[SP_NOTIFICATION_DEDUPE_MAX], object[SP_ID_STRLEN + 1], to[SP_ID_STRLEN + 1];
	struct sp_id id;
	struct sp_stmt *st;
	if (added)
		*added = false;
	if (!sp_store_in_transaction(s))
		return sp_err_set(err, SP_EINTERNAL, "", "sp_notify runs inside an operation");
	int rc = check_notice(n, err);
	if (rc)
		return rc;
	if (!n->dedupe) {
		sp_id_format(&n->object, object);
		sp_id_format(n->user ? n->user : &n->agency, to);
		snprintf(key, sizeof key, "%s:%s:%s/%u", kinds[n->kind].name, object, to,
			 n->user ? 0u : n->roles);
	}
	sp_id_new(&id);
	rc = sp_store_prepare(s,
			      "INSERT INTO notifications (id, user_id, agency_id, roles, kind, "
			      "object_type, object_id, case_id, dedupe, created_us) "
			      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			      &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &id);
	b |= n->user ? sp_stmt_bind_id(st, 2, n->user) : sp_stmt_bind_null(st, 2);
	b |= sp_stmt_bind_id(st, 3, &n->agency);
	b |= sp_stmt_bind_int64(st, 4, n->user ? 0 : (int64_t)n->roles);
	b |= sp_stmt_bind_text(st, 5, kinds[n->kind].name);
	b |= sp_stmt_bind_text(st, 6, kinds[n->kind].object_type);
	b |= sp_stmt_bind_id(st, 7, &n->object);
	b |= n->case_id ? sp_stmt_bind_id(st, 8, n->case_id) : sp_stmt_bind_null(st, 8);
	b |= sp_stmt_bind_text(st, 9, n->dedupe ? n->dedupe : key);
	b |= sp_stmt_bind_int64(st, 10, n->now_us ? n->now_us : sp_now_us());
	if (b)
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0 && added)
		*added = sp_stmt_changes(st) == 1;
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}

/* The reader's notifications: to them by name, or to a role of theirs in their agency. Binds
 * user, agency, roles. */
#define VISIBLE "(n.user_id = ? OR (n.user_id IS NULL AND n.agency_id = ? AND (n.roles & ?) <> 0))"
#define NOTE_COLUMNS                                                                           \
	"n.id, n.kind, n.object_id, n.case_id, CASE WHEN n.user_id IS NULL THEN 1 ELSE 0 END, " \
	"n.created_us, r.read_us"
#define NOTE_FROM                                                                              \
	" FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND " \
	"r.user_id = ? "

static int bind_visible(struct sp_stmt *st, int at, const struct sp_subject *who)
{
	return sp_stmt_bind_id(st, at, &who->user) | sp_stmt_bind_id(st, at + 1, &who->agency) |
	       sp_stmt_bind_int64(st, at + 2, (int64_t)who->roles);
}

static int note_row(struct sp_stmt *st, struct sp_notification *n, struct sp_err *err)
{
	memset(n, 0, sizeof *n);
	int kind = sp_notification_kind_parse(sp_stmt_text(st, 1));
	if (sp_stmt_id(st, 0, &n->id) || kind < 0 || sp_stmt_id(st, 2, &n->object) ||
	    (!sp_stmt_is_null(st, 3) && sp_stmt_id(st, 3, &n->case_id)))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed notification row");
	n->kind = (enum sp_notification_kind)kind;
	n->for_role = sp_stmt_int64(st, 4) != 0;
	n->created_us = sp_stmt_int64(st, 5);
	n->read_us = sp_stmt_is_null(st, 6) ? 0 : sp_stmt_int64(st, 6);
	make_link(n->kind, &n->case_id, &n->object, n->link);
	return SP_OK;
}

/* End a read transaction: commit when rc is 0, roll back otherwise. */
static int finish(struct sp_store *s, int rc, struct sp_err *err)
{
	if (!rc)
		rc = sp_store_commit(s, err);
	if (rc)
		sp_store_rollback(s);
	return rc;
}

int sp_notification_list(struct sp_store *s, const struct sp_subject *who, bool unread_only,
			 const struct sp_id *after, struct sp_notification *out, size_t max,
			 size_t *n, struct sp_id *next, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	size_t count = 0;
	bool more = false;
	*n = 0;
	memset(next, 0, sizeof *next);
	if (max > SP_NOTIFICATION_PAGE_MAX)
		max = SP_NOTIFICATION_PAGE_MAX;
	int rc = sp_store_begin_read(s, err);
	if (rc)
		return rc;
	rc = sp_store_prepare(s,
			      "SELECT " NOTE_COLUMNS NOTE_FROM "WHERE " VISIBLE
			      " AND (? = 0 OR r.read_us IS NULL) AND (? = 0 OR "
			      "n.created_us < (SELECT created_us FROM notifications WHERE id = ?) "
			      "OR (n.created_us = (SELECT created_us FROM notifications WHERE id = "
			      "?) AND n.id < ?)) ORDER BY n.created_us DESC, n.id DESC LIMIT ?",
			      &st, err);
	if (rc)
		goto out;
	struct sp_id zero = {{0}};
	int b = sp_stmt_bind_id(st, 1, &who->user) | bind_visible(st, 2, who);
	b |= sp_stmt_bind_int64(st, 5, unread_only ? 1 : 0);
	b |= sp_stmt_bind_int64(st, 6, after ? 1 : 0);
	for (int i = 7; i <= 9; i++)
		b |= sp_stmt_bind_id(st, i, after ? after : &zero);
	b |= sp_stmt_bind_int64(st, 10, (int64_t)max + 1);
	if (b)
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	/* a row past the page (rc stays 1) says there is a next one */
	while (!rc && (rc = sp_stmt_step(st, err)) == 1 && !(more = count == max))
		rc = note_row(st, &out[count++], err);
	if (more)
		rc = SP_OK;
out:
	sp_stmt_done(st);
	rc = finish(s, rc, err);
	if (!rc) {
		*n = count;
		if (more && count)
			*next = out[count - 1].id;
	}
	return rc;
}

int sp_notification_unread(struct sp_store *s, const struct sp_subject *who, int64_t *out,
			   struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	*out = 0;
	int rc = sp_store_begin_read(s, err);
	if (!rc)
		rc = sp_store_prepare(s,
				      "SELECT COUNT(*)" NOTE_FROM "WHERE " VISIBLE
				      " AND r.read_us IS NULL",
				      &st, err);
	if (!rc && (sp_stmt_bind_id(st, 1, &who->user) | bind_visible(st, 2, who)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		*out = sp_stmt_int64(st, 0);
		rc = SP_OK;
	} else if (rc == 0) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "no count");
	}
	sp_stmt_done(st);
	return finish(s, rc, err);
}

/* One of the reader's notifications by id, in the open transaction. */
static int note_load(struct sp_store *s, const struct sp_subject *who, const struct sp_id *id,
		     struct sp_notification *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, "SELECT " NOTE_COLUMNS NOTE_FROM "WHERE n.id = ? AND " VISIBLE,
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &who->user) | sp_stmt_bind_id(st, 2, id) | bind_visible(st, 3, who))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 1)
		rc = note_row(st, out, err);
	else if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such notification");
	sp_stmt_done(st);
	return rc;
}

int sp_notification_read(struct sp_store *s, const struct sp_subject *who, const struct sp_id *id,
			 int64_t now_us, struct sp_notification *out, struct sp_err *err)
{
	struct sp_notification n = {.read_us = 0};
	struct sp_stmt *st = NULL;
	int64_t at = now_us ? now_us : sp_now_us();
	int rc = sp_store_begin_write(s, err);
	if (rc)
		return rc;
	rc = note_load(s, who, id, &n, err);
	if (!rc && n.read_us == 0)
		rc = sp_store_prepare(s,
				      "INSERT INTO notification_reads (notification_id, user_id, "
				      "read_us) VALUES (?, ?, ?)",
				      &st, err);
	if (!rc && st) {
		if (sp_stmt_bind_id(st, 1, id) | sp_stmt_bind_id(st, 2, &who->user) |
		    sp_stmt_bind_int64(st, 3, at))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		n.read_us = at;
	}
	sp_stmt_done(st);
	rc = finish(s, rc, err);
	if (!rc && out)
		*out = n;
	return rc;
}

int sp_notification_read_all(struct sp_store *s, const struct sp_subject *who, int64_t now_us,
			     int64_t *marked, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int64_t count = 0;
	int rc = sp_store_begin_write(s, err);
	if (!rc)
		rc = sp_store_prepare(s,
				      "INSERT INTO notification_reads (notification_id, user_id, "
				      "read_us) SELECT n.id, ?, ? FROM notifications n WHERE " VISIBLE
				      " AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE "
				      "r.notification_id = n.id AND r.user_id = ?)",
				      &st, err);
	if (!rc) {
		if (sp_stmt_bind_id(st, 1, &who->user) |
		    sp_stmt_bind_int64(st, 2, now_us ? now_us : sp_now_us()) |
		    bind_visible(st, 3, who) | sp_stmt_bind_id(st, 6, &who->user))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		count = sp_stmt_changes(st);
	}
	sp_stmt_done(st);
	rc = finish(s, rc, err);
	if (marked)
		*marked = rc ? 0 : count;
	return rc;
}

json_t *sp_notification_encode(const struct sp_notification *n)
{
	char id[SP_ID_STRLEN + 1], object[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1];
	char created[SP_TIME_STRLEN + 1], read[SP_TIME_STRLEN + 1];
	sp_id_format(&n->id, id);
	sp_id_format(&n->object, object);
	sp_id_format(&n->case_id, case_id);
	sp_time_format(n->created_us, created);
	sp_time_format(n->read_us, read);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b, s:s?, s:s, s:s?}", "id", id, "kind",
			 kinds[n->kind].name, "object_type", kinds[n->kind].object_type,
			 "object_id", object, "case_id",
			 sp_id_is_zero(&n->case_id) ? NULL : case_id, "for_role", n->for_role,
			 "link", n->link[0] ? n->link : NULL, "created_at", created, "read_at",
			 n->read_us ? read : NULL);
}

/* ---- delivery ---------------------------------------------------------------------------- */

#define DELIVER_BATCH 64

/* Up to DELIVER_BATCH undelivered messages, oldest first, in a read transaction. */
static int undelivered(struct sp_store *s, struct sp_message *out, size_t *n, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	*n = 0;
	int rc = sp_store_begin_read(s, err);
	if (!rc)
		rc = sp_store_prepare(s,
				      "SELECT id, user_id, agency_id, roles, kind, case_id, "
				      "created_us, object_id FROM notifications WHERE delivered_us IS "
				      "NULL "
				      "ORDER BY id LIMIT ?",
				      &st, err);
	if (!rc && sp_stmt_bind_int64(st, 1, DELIVER_BATCH))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_message *m = &out[*n];
		struct sp_id case_id = {{0}}, object = {{0}};
		int kind = sp_notification_kind_parse(sp_stmt_text(st, 4));
		memset(m, 0, sizeof *m);
		m->to_user = !sp_stmt_is_null(st, 1);
		if (sp_stmt_id(st, 0, &m->id) || (m->to_user && sp_stmt_id(st, 1, &m->user)) ||
		    sp_stmt_id(st, 2, &m->agency) || kind < 0 ||
		    (!sp_stmt_is_null(st, 5) && sp_stmt_id(st, 5, &case_id)) ||
		    sp_stmt_id(st, 7, &object)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed notification row");
			break;
		}
		m->kind = (enum sp_notification_kind)kind;
		m->roles = (unsigned)sp_stmt_int64(st, 3);
		m->created_us = sp_stmt_int64(st, 6);
		make_link(m->kind, &case_id, &object, m->link);
		(*n)++;
		rc = 0;
	}
	sp_stmt_done(st);
	return finish(s, rc, err);
}

static int mark_delivered(struct sp_store *s, const struct sp_id *id, int64_t now_us,
			  struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int rc = sp_store_begin_write(s, err);
	if (!rc)
		rc = sp_store_prepare(s,
				      "UPDATE notifications SET delivered_us = ? "
				      "WHERE id = ? AND delivered_us IS NULL",
				      &st, err);
	if (!rc) {
		if (sp_stmt_bind_int64(st, 1, now_us ? now_us : sp_now_us()) |
		    sp_stmt_bind_id(st, 2, id))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
	}
	sp_stmt_done(st);
	return finish(s, rc, err);
}

int sp_notify_deliver(struct sp_store *s, const struct sp_notifier *nf, size_t max,
		      int64_t now_us, size_t *sent, struct sp_err *err)
{
	struct sp_message batch[DELIVER_BATCH];
	size_t done = 0, n = 0;
	int rc = SP_OK;
	if (sent)
		*sent = 0;
	do {
		rc = undelivered(s, batch, &n, err);
		for (size_t i = 0; !rc && i < n && (max == 0 || done < max); i++) {
			rc = nf->driver->send(nf->self, &batch[i], err);
			if (!rc)
				rc = mark_delivered(s, &batch[i].id, now_us, err);
			if (!rc)
				done++;
		}
	} while (!rc && n == DELIVER_BATCH && (max == 0 || done < max));
	if (sent)
		*sent = done;
	return rc;
}
