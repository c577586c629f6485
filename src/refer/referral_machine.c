/* The referral state machine as tables (docs/referrals.md): the moves (state x event -> next
 * state), the side that fires each event and the roles that act for each side. Pure: the
 * referral service asks it before writing anything. */
#include <assert.h>
#include <string.h>

#include "safepath/names.h"
#include "safepath/referral.h"

static const char *const status_names[SP_REF_STATUS_COUNT] = {
	[SP_REF_DRAFT] = "draft",
	[SP_REF_SENT] = "sent",
	[SP_REF_ACKNOWLEDGED] = "acknowledged",
	[SP_REF_ACCEPTED] = "accepted",
	[SP_REF_DECLINED] = "declined",
	[SP_REF_IN_PROGRESS] = "in_progress",
	[SP_REF_COMPLETED] = "completed",
	[SP_REF_CLOSED] = "closed",
	[SP_REF_CANCELLED] = "cancelled",
	[SP_REF_EXPIRED] = "expired",
};

static const char *const event_names[SP_REF_EVENT_COUNT] = {
	[SP_REF_SEND] = "send",
	[SP_REF_ACKNOWLEDGE] = "acknowledge",
	[SP_REF_ACCEPT] = "accept",
	[SP_REF_DECLINE] = "decline",
	[SP_REF_START] = "start",
	[SP_REF_COMPLETE] = "complete",
	[SP_REF_CLOSE] = "close",
	[SP_REF_CANCEL] = "cancel",
	[SP_REF_EXPIRE] = "expire",
};

static const char *const side_names[SP_REFERRAL_SIDE_COUNT] = {
	[SP_REFERRAL_SENDER] = "sender",
	[SP_REFERRAL_RECEIVER] = "receiver",
	[SP_REFERRAL_SYSTEM] = "system",
};

/* Each event, the side that fires it and the words of its refusals. */
static const struct {
	enum sp_referral_side side;
	const char *done; /* "a referral cannot be <done> from <state>" */
} events[SP_REF_EVENT_COUNT] = {
	[SP_REF_SEND] = {SP_REFERRAL_SENDER, "sent"},
	[SP_REF_ACKNOWLEDGE] = {SP_REFERRAL_RECEIVER, "acknowledged"},
	[SP_REF_ACCEPT] = {SP_REFERRAL_RECEIVER, "accepted"},
	[SP_REF_DECLINE] = {SP_REFERRAL_RECEIVER, "declined"},
	[SP_REF_START] = {SP_REFERRAL_RECEIVER, "started"},
	[SP_REF_COMPLETE] = {SP_REFERRAL_RECEIVER, "completed"},
	[SP_REF_CLOSE] = {SP_REFERRAL_SENDER, "closed"},
	[SP_REF_CANCEL] = {SP_REFERRAL_SENDER, "cancelled"},
	[SP_REF_EXPIRE] = {SP_REFERRAL_SYSTEM, "expired"},
};

/* The roles that act for each side, and who that is in a refusal. */
static const struct {
	unsigned roles;
	const char *who;
} sides[SP_REFERRAL_SIDE_COUNT] = {
	[SP_REFERRAL_SENDER] = {SP_REFERRAL_SENDER_ROLES,
				"the referring side's caseworker, identifier, focal point or "
				"supervisor"},
	[SP_REFERRAL_RECEIVER] = {SP_REFERRAL_RECEIVER_ROLES,
				  "the receiving provider or its focal point"},
	[SP_REFERRAL_SYSTEM] = {0, "the system, when the referral's due date passes,"},
};

/* state x event -> next state. No event leads back to draft, so a cell left at draft (0) is
 * a move the table lacks. The referring side sends, cancels until the work is done and closes
 * what the provider completed; the provider acknowledges, then accepts or declines, starts and
 * completes; a referral nobody answered by its due date expires. */
static_assert(SP_REF_DRAFT == 0, "draft marks the missing moves");
static const enum sp_referral_status moves[SP_REF_STATUS_COUNT][SP_REF_EVENT_COUNT] = {
	[SP_REF_DRAFT] = {[SP_REF_SEND] = SP_REF_SENT, [SP_REF_CANCEL] = SP_REF_CANCELLED},
	[SP_REF_SENT] = {[SP_REF_ACKNOWLEDGE] = SP_REF_ACKNOWLEDGED,
			 [SP_REF_CANCEL] = SP_REF_CANCELLED,
			 [SP_REF_EXPIRE] = SP_REF_EXPIRED},
	[SP_REF_ACKNOWLEDGED] = {[SP_REF_ACCEPT] = SP_REF_ACCEPTED,
				 [SP_REF_DECLINE] = SP_REF_DECLINED,
				 [SP_REF_CANCEL] = SP_REF_CANCELLED,
				 [SP_REF_EXPIRE] = SP_REF_EXPIRED},
	[SP_REF_ACCEPTED] = {[SP_REF_START] = SP_REF_IN_PROGRESS,
			     [SP_REF_CANCEL] = SP_REF_CANCELLED},
	[SP_REF_IN_PROGRESS] = {[SP_REF_COMPLETE] = SP_REF_COMPLETED,
				[SP_REF_CANCEL] = SP_REF_CANCELLED},
	[SP_REF_COMPLETED] = {[SP_REF_CLOSE] = SP_REF_CLOSED},
	[SP_REF_DECLINED] = {0},
	[SP_REF_CLOSED] = {0},
	[SP_REF_CANCELLED] = {0},
	[SP_REF_EXPIRED] = {0},
};

/* What the provider sees in each state (DESIGN.md §4). */
static const enum sp_referral_state provider_sees[SP_REF_STATUS_COUNT] = {
	[SP_REF_DRAFT] = SP_REFERRAL_NONE,
	[SP_REF_SENT] = SP_REFERRAL_PENDING,
	[SP_REF_ACKNOWLEDGED] = SP_REFERRAL_PENDING,
	[SP_REF_ACCEPTED] = SP_REFERRAL_ACCEPTED,
	[SP_REF_DECLINED] = SP_REFERRAL_NONE,
	[SP_REF_IN_PROGRESS] = SP_REFERRAL_ACCEPTED,
	[SP_REF_COMPLETED] = SP_REFERRAL_ACCEPTED,
	[SP_REF_CLOSED] = SP_REFERRAL_NONE,
	[SP_REF_CANCELLED] = SP_REFERRAL_NONE,
	[SP_REF_EXPIRED] = SP_REFERRAL_NONE,
};

const char *sp_referral_status_name(enum sp_referral_status s)
{
	return sp_name_of(status_names, SP_REF_STATUS_COUNT, (int)s);
}
int sp_referral_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_REF_STATUS_COUNT, s);
}
const char *sp_referral_event_name(enum sp_referral_event e)
{
	return sp_name_of(event_names, SP_REF_EVENT_COUNT, (int)e);
}
int sp_referral_event_parse(const char *s)
{
	return sp_name_index(event_names, SP_REF_EVENT_COUNT, s);
}
const char *sp_referral_side_name(enum sp_referral_side s)
{
	return sp_name_of(side_names, SP_REFERRAL_SIDE_COUNT, (int)s);
}
int sp_referral_side_parse(const char *s)
{
	return sp_name_index(side_names, SP_REFERRAL_SIDE_COUNT, s);
}

/* Does a decline's reason come from the list, and does only a decline carry one? */
static int check_reason(enum sp_referral_event event, const char *reason,
			const struct sp_vocabulary *vocabulary, struct sp_err *err)
{
	if (event != SP_REF_DECLINE)
		return reason ? sp_err_set(err, SP_EINVAL, "/reason", "only a decline takes a reason")
			      : SP_OK;
	if (!reason || !*reason)
		return sp_err_set(err, SP_EINVAL, "/reason",
				  "a decline needs a reason (a decline_reasons code)");
	if (!vocabulary || !vocabulary->has(vocabulary->ctx, SP_REFERRAL_DECLINE_REASONS, reason))
		return sp_err_set(err, SP_EINVAL, "/reason", "unknown decline_reasons code");
	return SP_OK;
}

int sp_referral_fire(enum sp_referral_status from, enum sp_referral_event event,
		     enum sp_referral_side side, unsigned roles, const char *reason,
		     const struct sp_vocabulary *vocabulary, enum sp_referral_status *to,
		     struct sp_err *err)
{
	if ((unsigned)from >= SP_REF_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown referral status");
	if ((unsigned)event >= SP_REF_EVENT_COUNT)
		return sp_err_set(err, SP_EINVAL, "/event", "unknown referral event");
	if ((unsigned)side >= SP_REFERRAL_SIDE_COUNT)
		return sp_err_set(err, SP_EINVAL, "/side", "unknown referral side");
	enum sp_referral_side fires = events[event].side;
	/* The system holds no role: a user never fires as the system, nor the system as one. */
	bool may = side == fires &&
		   (fires == SP_REFERRAL_SYSTEM ? roles == 0 : (roles & sides[fires].roles) != 0);
	if (!may)
		return sp_err_set(err, SP_EDENIED, "", "only %s may %s a referral", sides[fires].who,
				  event_names[event]);
	enum sp_referral_status next = moves[from][event];
	if (next == SP_REF_DRAFT)
		return sp_err_set(err, SP_ECONFLICT, "/event", "a referral cannot be %s from %s",
				  events[event].done, status_names[from]);
	int rc = check_reason(event, reason, vocabulary, err);
	if (rc)
		return rc;
	*to = next;
	return SP_OK;
}

bool sp_referral_terminal(enum sp_referral_status s)
{
	if ((unsigned)s >= SP_REF_STATUS_COUNT)
		return false;
	for (int e = 0; e < SP_REF_EVENT_COUNT; e++)
		if (moves[s][e] != SP_REF_DRAFT)
			return false;
	return true;
}

enum sp_referral_state sp_referral_provider_access(enum sp_referral_status s)
{
	return (unsigned)s < SP_REF_STATUS_COUNT ? provider_sees[s] : SP_REFERRAL_NONE;
}
