/* The referral state machine (DESIGN.md §5, docs/referrals.md): draft -> sent -> acknowledged
 * -> accepted | declined (reason) -> in_progress -> completed -> closed, or cancelled and
 * expired, as one table of state x event -> state with the side and the roles that may fire
 * each event. Pure: no store, no clock, no allocation. Whether the user is the case's assigned
 * staff, or of the provider's agency, is the caller's question: it names the side. */
#ifndef SAFEPATH_REFERRAL_H
#define SAFEPATH_REFERRAL_H

#include <stdbool.h>

#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/policy.h"

enum sp_referral_status {
	SP_REF_DRAFT,
	SP_REF_SENT,
	SP_REF_ACKNOWLEDGED,
	SP_REF_ACCEPTED,
	SP_REF_DECLINED,
	SP_REF_IN_PROGRESS,
	SP_REF_COMPLETED,
	SP_REF_CLOSED,
	SP_REF_CANCELLED,
	SP_REF_EXPIRED,
	SP_REF_STATUS_COUNT
};

enum sp_referral_event {
	SP_REF_SEND,
	SP_REF_ACKNOWLEDGE,
	SP_REF_ACCEPT,
	SP_REF_DECLINE,
	SP_REF_START,
	SP_REF_COMPLETE,
	SP_REF_CLOSE,
	SP_REF_CANCEL,
	SP_REF_EXPIRE,
	SP_REF_EVENT_COUNT
};

/* Who fires an event: the referring side (the case's assigned caseworker, identifier or focal
 * point, or a supervisor of the owning agency), the receiving provider (a user of the
 * provider's agency), or the system (expiry at the due date; it holds no role). */
enum sp_referral_side {
	SP_REFERRAL_SENDER,
	SP_REFERRAL_RECEIVER,
	SP_REFERRAL_SYSTEM,
	SP_REFERRAL_SIDE_COUNT
};

/* The roles within a side that may act for it (enum sp_role bits); 0 for the system. */
#define SP_REFERRAL_SENDER_ROLES                                                              \
	((unsigned)(SP_ROLE_CASEWORKER | SP_ROLE_IDENTIFIER | SP_ROLE_FOCAL_POINT |           \
		    SP_ROLE_SUPERVISOR))
#define SP_REFERRAL_RECEIVER_ROLES ((unsigned)(SP_ROLE_PROVIDER | SP_ROLE_FOCAL_POINT))

/* Names ("in_progress", "acknowledge", "receiver"): NULL out of range; the parsers give the
 * value, or -1 for a name they do not know. */
const char *sp_referral_status_name(enum sp_referral_status s);
int sp_referral_status_parse(const char *s) SP_MUST;
const char *sp_referral_event_name(enum sp_referral_event e);
int sp_referral_event_parse(const char *s) SP_MUST;
const char *sp_referral_side_name(enum sp_referral_side s);
int sp_referral_side_parse(const char *s) SP_MUST;

/* The list of protocols/codes.json a decline's reason comes from. */
#define SP_REFERRAL_DECLINE_REASONS "decline_reasons"

/* Fire event on a referral in state from, by side holding roles (enum sp_role bits; 0 for the
 * system). reason: a decline's reason code, checked against vocabulary's "decline_reasons"
 * (borrowed; NULL refuses every code); NULL for every other event. In this order:
 * - SP_EINVAL on "/status", "/event" or "/side" for a value out of range;
 * - SP_EDENIED when the side, or none of its roles, may fire the event, saying who may
 *   ("only the receiving provider or its focal point may accept a referral"); the system
 *   holds no role, and no user acts as the system;
 * - SP_ECONFLICT on "/event" when the table has no such move from that state
 *   ("a referral cannot be accepted from draft");
 * - SP_EINVAL on "/reason": a decline without a reason or with one not in the list, or a
 *   reason given to another event.
 * Otherwise SP_OK with the next state in *to (left alone on an error). */
int sp_referral_fire(enum sp_referral_status from, enum sp_referral_event event,
		     enum sp_referral_side side, unsigned roles, const char *reason,
		     const struct sp_vocabulary *vocabulary, enum sp_referral_status *to,
		     struct sp_err *err) SP_MUST __attribute__((nonnull(7)));

/* No event leads out of it: declined, closed, cancelled, expired. */
bool sp_referral_terminal(enum sp_referral_status s);

/* What the receiving provider may see of the case in state s (the policy's enum
 * sp_referral_state): nothing of a draft, nor once declined, closed, cancelled or expired; the
 * referral's summary while sent or acknowledged; its shared profile once accepted, in
 * progress or completed. Out of range: none. */
enum sp_referral_state sp_referral_provider_access(enum sp_referral_status s);

#endif
