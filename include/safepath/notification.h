/* In-app notifications (issue 6 item 10): one row for each thing that waits for someone — a
 * task assigned to them, an approval pending for a supervisor, a referral awaiting a
 * provider's answer, an overdue deadline — and a notifier that hands each new one to a driver
 * (a spool folder today; e-mail and SMS later). A notification holds no personal data: ids, a
 * kind token, an object type and a link made of ids. Its words come from the kind at display
 * time (web/i18n "notification.KIND"), so no name, case number or sealed value is ever stored
 * in it, shown in a message or written to a spool file.
 *
 * Who it is for: one user (user set), or every user of an agency holding one of the roles of
 * a mask (user NULL: "any supervisor of agency X", decided when the list is read, so a
 * supervisor appointed later sees it too). Each reader marks it read on their own.
 *
 * Reading one's own notifications needs no policy decision beyond being signed in: it shows
 * ids and kinds only, and the object it links to goes through the policy when it is opened.
 * For the same reason reading them is not audited; writing them rides in the audited
 * transaction of the operation that made them. */
#ifndef SAFEPATH_NOTIFICATION_H
#define SAFEPATH_NOTIFICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/policy.h"
#include "safepath/store.h"

#define SP_NOTIFICATION_PAGE_MAX 50
#define SP_NOTIFICATION_LINK_MAX 64   /* "/cases/<uuid>", NUL included */
#define SP_NOTIFICATION_DEDUPE_MAX 128

/* The kinds, each with the object it names and where its link leads. A new kind is a row of
 * the table in src/access/notification.c, a "notification.KIND" key in every web/i18n
 * catalog (tests/e2e/i18n.test.mjs checks) and a line in docs/notifications.md. */
enum sp_notification_kind {
	SP_NOTIFY_TASK_ASSIGNED,    /* object task, for its assignee; link /cases/CASE */
	SP_NOTIFY_APPROVAL_PENDING, /* object approval, for the supervisors; link /approvals */
	SP_NOTIFY_REFERRAL_RECEIVED, /* object referral, for the receiving agency's focal points
				      * and providers; link /referrals/REFERRAL */
	SP_NOTIFY_DEADLINE_OVERDUE, /* object deadline, for the case's caseworker, else its
				     * agency's supervisors, and escalated to its focal points
				     * and supervisors; link /cases/CASE */
	SP_NOTIFY_CASE_APPROVAL_PENDING, /* object case approval (closure, reopening, transfer,
					  * break-glass review), for the deciding agency's
					  * supervisors; link /approvals */
	SP_NOTIFY_REFERRAL_OVERDUE, /* object referral unanswered past its due date, for the
				     * focal points and supervisors of the referring agency and
				     * the focal points of the receiving one; link
				     * /referrals/REFERRAL */
	SP_NOTIFY_REPORT_RECEIVED, /* object an anonymous duty-to-notify report, for the
				    * receiving agency's focal points and providers: about no
				    * case, so its id never reaches them; link /referrals/REFERRAL */
	SP_NOTIFY_REPORT_OVERDUE, /* such a report unanswered past its due date, for the receiving
				   * agency's focal points (its sender's are told referral.overdue);
				   * about no case; link /referrals/REFERRAL */
	SP_NOTIFY_MATCH_ELSEWHERE, /* object the agency's own case that a registration check
				    * elsewhere found as a possible match, for its focal points;
				    * no personal data, not even the checker's; link /cases/CASE */
	SP_NOTIFY_DEDUP_ELSEWHERE, /* object a deduplication run that found possible duplicates
				    * among the agency's cases its runner may not see, for the
				    * agency's focal points and supervisors, once a run; about no
				    * case; no link (a supervisor reviews Possible duplicates) */
	SP_NOTIFY_TRACING_MATCH,  /* object a family tracing match, for the child's case's
				   * caseworker and its agency's focal points; link
				   * /tracing/matches/MATCH */
	SP_NOTIFY_TRACING_STATUS, /* object a family tracing request whose status changed, for the
				   * officer who recorded it and its agency's focal points; about
				   * no case; link /tracing/requests/REQUEST */
	SP_NOTIFY_KIND_COUNT
};
const char *sp_notification_kind_name(enum sp_notification_kind k); /* "task.assigned" */
int sp_notification_kind_parse(const char *s) SP_MUST;               /* -1 when unknown */

/* What sp_notify records. */
struct sp_notice {
	enum sp_notification_kind kind;
	const struct sp_id *user;    /* the one user it is for; NULL: by roles */
	struct sp_id agency;         /* the user's agency, or the agency whose role holders */
	unsigned roles;              /* with user NULL: any of these roles (SP_ROLE_*) */
	struct sp_id object;         /* the task, approval, referral or deadline */
	const struct sp_id *case_id; /* the case it is about; NULL: none */
	/* What makes two notices the same thing (ASCII, at most SP_NOTIFICATION_DEDUPE_MAX - 1
	 * bytes); NULL: the kind, the object and the recipient. A second sp_notify with a key
	 * already recorded adds nothing: give a key with a version (a task assigned again after
	 * it went elsewhere: "task.assigned:TASK@VERSION") when a repeat must notify again. */
	const char *dedupe;
	int64_t now_us;              /* when; 0: the clock */
};

/* Record a notice INSIDE the caller's open write transaction (SP_EINTERNAL when there is
 * none): it commits or rolls back with the operation that made it. *added (may be NULL) is
 * false when its dedupe key was recorded already. Refuses (SP_EINVAL, naming the field) a
 * kind out of range, a notice for nobody (no user and no roles), a zero object, and a case
 * where the kind needs one or none where it takes none.
 *
 * Callers today: sp_task_add / sp_task_update (task.assigned, when the assignee is someone
 * else than the one acting), sp_user_add / sp_user_grant_roles / sp_user_reset_password
 * through approval.c (approval.pending), sp_deadline_notify_overdue (deadline.overdue).
 * Referrals (referral.received) and the approvals of closure call it the same way:
 *
 *	struct sp_notice n = {.kind = SP_NOTIFY_REFERRAL_RECEIVED, .agency = to_agency,
 *			      .roles = SP_ROLE_FOCAL_POINT | SP_ROLE_PROVIDER,
 *			      .object = referral_id, .case_id = &case_id};
 *	rc = sp_notify(cw->store, &n, NULL, err);   // before the operation's commit
 */
int sp_notify(struct sp_store *s, const struct sp_notice *n, bool *added,
	      struct sp_err *err) SP_MUST;

/* A notification as its reader sees it. */
struct sp_notification {
	struct sp_id id;
	enum sp_notification_kind kind;
	struct sp_id object;
	struct sp_id case_id;   /* zero: none */
	bool for_role;          /* to the reader's role in the agency, not to them by name */
	int64_t created_us;
	int64_t read_us;        /* 0: unread by this reader */
	char link[SP_NOTIFICATION_LINK_MAX];
};

/* The subject's notifications (theirs by name, and those to a role they hold in their
 * agency), newest first; unread_only keeps the unread ones. A page of at most max (and
 * SP_NOTIFICATION_PAGE_MAX) after notification `after` (NULL: from the newest); *next the
 * cursor of the next page, zero after the last. One read transaction. */
int sp_notification_list(struct sp_store *s, const struct sp_subject *who, bool unread_only,
			 const struct sp_id *after, struct sp_notification *out, size_t max,
			 size_t *n, struct sp_id *next, struct sp_err *err) SP_MUST;
/* How many of them are unread. */
int sp_notification_unread(struct sp_store *s, const struct sp_subject *who, int64_t *out,
			   struct sp_err *err) SP_MUST;
/* Mark one read for the subject (again: nothing changes; *out gets the first instant).
 * SP_ENOTFOUND when it is not one of theirs, the same answer as for no such id. */
int sp_notification_read(struct sp_store *s, const struct sp_subject *who, const struct sp_id *id,
			 int64_t now_us, struct sp_notification *out, struct sp_err *err) SP_MUST;
/* Mark all of theirs read; *marked (may be NULL) how many were unread. */
int sp_notification_read_all(struct sp_store *s, const struct sp_subject *who, int64_t now_us,
			     int64_t *marked, struct sp_err *err) SP_MUST;
/* {"id", "kind", "object_type", "object_id", "case_id" (or null), "for_role", "link",
 * "created_at", "read_at" (or null)}. */
json_t *sp_notification_encode(const struct sp_notification *n);

/* ---- the notifier ---------------------------------------------------------------------- */

/* What a driver sends: ids, the kind and the link, never words or data of a case. to is a
 * user id, or the agency and the roles a role-holder's driver resolves. */
struct sp_message {
	struct sp_id id;        /* the notification's */
	enum sp_notification_kind kind;
	bool to_user;
	struct sp_id user;      /* when to_user */
	struct sp_id agency;
	unsigned roles;         /* when not to_user */
	char link[SP_NOTIFICATION_LINK_MAX];
	int64_t created_us;
};
/* The message as its drivers write it: one JSON object and a newline,
 * {"id","kind","to":{"user"} or {"agency","roles":[...]},"link","created_at"}. */
int sp_message_encode(const struct sp_message *m, char **out, size_t *len,
		      struct sp_err *err) SP_MUST;

/* A notifier driver (STYLE.md "Interfaces"): send one message; a driver must make a message
 * sent twice (a crash between the send and the delivered mark) land once, or harmlessly
 * twice. */
#define SP_NOTIFIER_VERSION 1
struct sp_notifier_driver {
	int version;             /* SP_NOTIFIER_VERSION */
	const char *name;        /* "spool" */
	int (*send)(void *self, const struct sp_message *m, struct sp_err *err);
	void (*close)(void *self);
};
struct sp_notifier {
	const struct sp_notifier_driver *driver;
	void *self;
};

/* The spool driver: one file per message in dir (made 0700 when missing), named
 * "<notification id>.json", 0600, written to a temporary name, flushed and renamed, so a
 * reader never sees half a message and sending one again replaces it with the same bytes. */
int sp_notifier_spool_open(const char *dir, struct sp_notifier *out, struct sp_err *err) SP_MUST;
void sp_notifier_close(struct sp_notifier *n);

/* Send the undelivered notifications through the notifier, oldest first, at most max (0: all
 * of them), marking each delivered (delivered_us = now_us, 0: the clock) in a transaction of
 * its own after its send: a crash between the two sends it again on the next run, never
 * loses it. Stops at the first failed send, leaving it and the rest for the next run.
 * *sent (may be NULL) counts the messages sent. Several servers on one database may send one
 * message each: the spool driver's file name makes that one file. */
int sp_notify_deliver(struct sp_store *s, const struct sp_notifier *nf, size_t max,
		      int64_t now_us, size_t *sent, struct sp_err *err) SP_MUST;

#endif
