/* The access policy: role x agency x relationship to the case x field sensitivity -> a
 * decision with its reason and the field classes it removed. Pure and table-driven; deny by
 * default. tests/data/policy/matrix.tsv is the hand-written golden matrix that checks it.
 *
 * The rules, in the order they are applied:
 *
 *  #  rule                                                   reason when it denies
 *  -- ------------------------------------------------------ ---------------------------------
 *  0  malformed input (unknown role bit, action, kind, field  invalid
 *     bit, referral state; a case action without its case;
 *     own agency id with a different kind)
 *  1  FIREWALL. A user of an enforcement agency (immigration, firewall
 *     police) gets nothing of a case owned by a protection
 *     actor (every other kind): no ownership, transfer,
 *     search, list, matching or break-glass path. The one
 *     way through is a consented referral to the user's
 *     agency, read by a provider (rule 5). A transfer of a
 *     protection actor's case to an enforcement agency is
 *     refused too. Enforcement-to-enforcement is rule 4.
 *  2  admin never reads or writes case data, whatever other admin_no_case_data
 *     roles it is combined with (and the access module
 *     refuses to combine them).
 *  3  coordinator: aggregates only (stats.read).             aggregates_only
 *     dpo: the audit trail only (audit.read). The DPO is the audit_only
 *     check on everyone's access, break-glass included; a
 *     DPO reading case data would review itself. The one
 *     exception is the subject-access export
 *     (subject.export): every class of one case of any
 *     agency (the firewall still holds), the decision
 *     carrying flag_dpo, so that each export stands out in
 *     the trail the DPO reviews.
 *  4  staff (screener, identifier, caseworker, focal_point, supervisor), by relation:
 *     - other agency: nothing.                               other_agency
 *     - case.create in the own agency: any staff role (the
 *       creator is then assigned by casework).
 *     - restricted case: only assigned staff and the owning  restricted
 *       agency's supervisors; nothing for anyone else, not
 *       even a list row or break-glass.
 *     - supervisor of the owning agency: every class of
 *       every case of the agency, assigned or not.
 *     - identifier, caseworker, focal_point (the case's
 *       focal point counts as assigned):
 *         assigned: every class;
 *         not assigned: stat and referral only (caseload    not_assigned
 *         rows: a colleague's case exists, its code and
 *         status), no writes, notes, consents or identity.
 *     - screener: first contact at a border, police station
 *       or reception, where officers are many and transient;
 *       sees only the cases it is assigned to (creating a
 *       case assigns it), never all own-agency cases:       not_assigned
 *         assigned: every class except gbv and trafficking  need_to_know
 *         (those are for identifiers and caseworkers); the
 *         first-contact screening it makes (class screening)
 *         is its own work, and within its reach.
 *     - writes (case.update, note.add, consent.add,
 *       need.write, task.write, decision.write), consent.read,
 *       need.read, task.read and decision.read need the case itself (assigned or the
 *       supervisor), and a write is all or nothing: one
 *       requested class out of reach refuses the write.
 *     - case.transfer: the owning agency's supervisor.       no_role (others)
 *     - referral.write and referral.read: identifier,        no_role (screener)
 *       caseworker, focal_point and supervisor (the sending
 *       side of the referral state machine); referral.write
 *       is work on the case itself, referral.read a
 *       colleague's referral's summary too. referral.respond
 *       is no staff role's: only a provider's (rule 5).
 *  5  provider: only through the case's referral to the provider's agency (case.read,
 *     person.read_identity, referral.read, referral.respond); ownership and assignment give
 *     a provider nothing.
 *     - no live referral                                     no_referral
 *     - pending (before acceptance): the referral summary    referral_pending
 *       class only (need, urgency, age band, sex, language).
 *     - accepted: the summary plus the referral's shared     not_in_profile
 *       profile, until declined/cancelled/expired/closed.
 *  6  break-glass (case.break_glass): identifier, caseworker, focal_point or supervisor of
 *     the owning agency, with a non-blank reason, never     reason_required
 *     into a restricted case it is not assigned to, never
 *     across the firewall. Grants what an emergency needs:
 *     stat, referral, identity and safety (who to avoid,
 *     safe channels); gbv, trafficking and notes stay       need_to_know
 *     need-to-know. The decision carries flag_dpo.
 *  7  actions on no case: audit.read = dpo; user.manage and  no_role
 *     agency.manage = admin; stats.read = coordinator;
 *     service.manage (the service directory, which holds no
 *     personal data) = supervisor or focal_point;
 *     retention.run (anonymise closed cases past their
 *     period; a supervisor's run covers its own agency's
 *     cases, the casework decides) = dpo or supervisor;
 *     approval.grant = supervisor of the target user's      other_agency
 *     agency (four eyes on requester/target is checked by
 *     the approvals module, which knows the users);
 *     approval.decide (a case's closure, transfer, consent
 *     override, break-glass review) = supervisor of the     other_agency
 *     deciding agency (four eyes: casework's approvals);
 *     match.dedup (deduplicating the registry: the run opens
 *     candidates' matching cells in memory, and each pair
 *     is then shown only where case.read and
 *     person.read_identity allow it on both cases; also
 *     checking the model against the decided pairs,
 *     figures only) = supervisor;
 *     tracing.request (a family tracing request of the      other_agency
 *     object's agency) = caseworker, focal_point or
 *     supervisor of that agency, never of an enforcement    firewall
 *     agency (rule 1 holds for a relative's request too).
 *  8  several roles: the union of what each role grants; when every role refuses, the most
 *     specific reason wins (deny_rank below).
 *
 * Reads drop what is out of reach and deny only when nothing requested is left. Deny
 * decisions carry no fields. A firewall decision must not be turned into a hint ("a possible
 * match exists elsewhere") by a caller: sp_policy_may_hint says which refusals may. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "safepath/policy.h"

#define STAFF (SP_ROLE_SCREENER | SP_ROLE_IDENTIFIER | SP_ROLE_CASEWORKER | \
	       SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR)
/* the sending side of a referral (safepath/referral.h's SP_REFERRAL_SENDER_ROLES) */
#define SENDERS (SP_ROLE_IDENTIFIER | SP_ROLE_CASEWORKER | SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR)
#define F(c) SP_FIELD(SP_FC_##c)
#define SUMMARY (F(STAT) | F(REFERRAL))
#define BREAK_GLASS_FIELDS (F(STAT) | F(REFERRAL) | F(IDENTITY) | F(SAFETY))
/* A decision's outcome and grounds: identity for an age assessment, trafficking for the
 * grounds decisions, notes for a best-interests determination; deadlines are stat. */
#define DECISION_FIELDS (F(STAT) | F(IDENTITY) | F(TRAFFICKING) | F(NOTES))

/* ---- names tables ---- */

static const char *const role_names[SP_ROLE_COUNT] = {
	"screener", "identifier", "caseworker", "focal_point", "provider",
	"supervisor", "coordinator", "dpo", "admin",
};

static const struct {
	const char *name;
	int enforcement;
} agency_kinds[SP_AGENCY_KIND_COUNT] = {
	[SP_AGENCY_IMMIGRATION] = {"immigration", 1},
	[SP_AGENCY_POLICE] = {"police", 1},
	[SP_AGENCY_LABOUR_INSPECTION] = {"labour_inspection", 0},
	[SP_AGENCY_CHILD_PROTECTION] = {"child_protection", 0},
	[SP_AGENCY_NGO] = {"ngo", 0},
	[SP_AGENCY_HEALTH] = {"health", 0},
	[SP_AGENCY_SHELTER] = {"shelter", 0},
	[SP_AGENCY_LEGAL_AID] = {"legal_aid", 0},
	[SP_AGENCY_GUARDIAN_SERVICE] = {"guardian_service", 0},
	[SP_AGENCY_INTERNATIONAL_ORGANISATION] = {"international_organisation", 0},
	[SP_AGENCY_PARTNER_AUTHORITY_ABROAD] = {"partner_authority_abroad", 0},
};

static const char *const field_names[SP_FIELD_CLASS_COUNT] = {
	"stat", "referral", "identity", "safety", "gbv", "trafficking", "notes", "screening",
};

static const char *const reason_names[SP_REASON_COUNT] = {
	[SP_REASON_OK] = "ok",
	[SP_REASON_INVALID] = "invalid",
	[SP_REASON_NO_ROLE] = "no_role",
	[SP_REASON_OTHER_AGENCY] = "other_agency",
	[SP_REASON_NOT_ASSIGNED] = "not_assigned",
	[SP_REASON_RESTRICTED] = "restricted",
	[SP_REASON_FIREWALL] = "firewall",
	[SP_REASON_NEED_TO_KNOW] = "need_to_know",
	[SP_REASON_ADMIN_NO_CASE_DATA] = "admin_no_case_data",
	[SP_REASON_AGGREGATES_ONLY] = "aggregates_only",
	[SP_REASON_AUDIT_ONLY] = "audit_only",
	[SP_REASON_NO_REFERRAL] = "no_referral",
	[SP_REASON_REFERRAL_PENDING] = "referral_pending",
	[SP_REASON_NOT_IN_PROFILE] = "not_in_profile",
	[SP_REASON_REASON_REQUIRED] = "reason_required",
	[SP_REASON_JURISDICTION] = "jurisdiction",
	[SP_REASON_FOUR_EYES] = "four_eyes",
	[SP_REASON_PERSON_TO_AVOID] = "person_to_avoid",
};

/* When every role refuses, the highest rank is reported: the reason closest to the case. */
static const unsigned char deny_rank[SP_REASON_COUNT] = {
	[SP_REASON_INVALID] = 0,
	[SP_REASON_NO_ROLE] = 1,
	[SP_REASON_AGGREGATES_ONLY] = 2,
	[SP_REASON_AUDIT_ONLY] = 3,
	[SP_REASON_ADMIN_NO_CASE_DATA] = 4,
	[SP_REASON_REASON_REQUIRED] = 5,
	[SP_REASON_OTHER_AGENCY] = 6,
	[SP_REASON_NOT_ASSIGNED] = 7,
	[SP_REASON_NO_REFERRAL] = 8,
	[SP_REASON_REFERRAL_PENDING] = 9,
	[SP_REASON_NOT_IN_PROFILE] = 10,
	[SP_REASON_NEED_TO_KNOW] = 11,
	[SP_REASON_RESTRICTED] = 12,
	[SP_REASON_FIREWALL] = 13,
};

/* ---- the action table ---- */

enum scope { SCOPE_NONE, SCOPE_CASE, SCOPE_USER };

enum {
	A_WRITE = 1 << 0,       /* all or nothing over the requested classes */
	A_CASE_ITSELF = 1 << 1, /* needs assignment or the supervisor (rule 4) */
	A_CREATE = 1 << 2,
	A_BREAK_GLASS = 1 << 3,
	A_REFERRAL = 1 << 4,    /* reachable by a provider through a referral (rule 5) */
	A_TRANSFER = 1 << 5,
	A_SUBJECT = 1 << 6,     /* the DPO's subject-access export (rule 3) */
	A_PROTECTION = 1 << 7,  /* a protection actor's own work: never an enforcement
				 * agency's (rule 1) */
};

static const struct action_rule {
	const char *name;
	enum scope scope;
	unsigned flags;
	unsigned fields; /* default classes; 0 = an action on no personal fields */
	unsigned roles;  /* roles that carry it (providers: see A_REFERRAL) */
} actions[SP_ACTION_COUNT] = {
	[SP_ACT_CASE_CREATE] = {"case.create", SCOPE_CASE, A_CREATE, 0, STAFF},
	[SP_ACT_CASE_READ] = {"case.read", SCOPE_CASE, A_REFERRAL, SP_FIELDS_ALL, STAFF},
	[SP_ACT_CASE_UPDATE] = {"case.update", SCOPE_CASE, A_WRITE | A_CASE_ITSELF, SP_FIELDS_ALL,
				STAFF},
	[SP_ACT_CASE_LIST] = {"case.list", SCOPE_CASE, 0, SUMMARY, STAFF},
	[SP_ACT_CASE_SEARCH] = {"case.search", SCOPE_CASE, 0, SUMMARY, STAFF},
	[SP_ACT_NOTE_ADD] = {"note.add", SCOPE_CASE, A_WRITE | A_CASE_ITSELF, F(NOTES), STAFF},
	[SP_ACT_NOTE_READ] = {"note.read", SCOPE_CASE, 0, F(NOTES), STAFF},
	[SP_ACT_CONSENT_ADD] = {"consent.add", SCOPE_CASE, A_WRITE | A_CASE_ITSELF, 0, STAFF},
	[SP_ACT_CONSENT_READ] = {"consent.read", SCOPE_CASE, A_CASE_ITSELF, 0, STAFF},
	[SP_ACT_PERSON_READ_IDENTITY] = {"person.read_identity", SCOPE_CASE, A_REFERRAL,
					 F(IDENTITY), STAFF},
	[SP_ACT_CASE_TRANSFER] = {"case.transfer", SCOPE_CASE, A_CASE_ITSELF | A_TRANSFER, 0,
				  SP_ROLE_SUPERVISOR},
	[SP_ACT_CASE_BREAK_GLASS] = {"case.break_glass", SCOPE_CASE, A_BREAK_GLASS, SP_FIELDS_ALL,
				     SP_ROLE_IDENTIFIER | SP_ROLE_CASEWORKER |
					     SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR},
	[SP_ACT_AUDIT_READ] = {"audit.read", SCOPE_NONE, 0, 0, SP_ROLE_DPO},
	[SP_ACT_USER_MANAGE] = {"user.manage", SCOPE_NONE, 0, 0, SP_ROLE_ADMIN},
	[SP_ACT_AGENCY_MANAGE] = {"agency.manage", SCOPE_NONE, 0, 0, SP_ROLE_ADMIN},
	[SP_ACT_APPROVAL_GRANT] = {"approval.grant", SCOPE_USER, 0, 0, SP_ROLE_SUPERVISOR},
	[SP_ACT_STATS_READ] = {"stats.read", SCOPE_NONE, 0, 0, SP_ROLE_COORDINATOR},
	/* A case's needs and tasks are work on the case itself, written and read as its
	 * consents are: assigned staff and the owning agency's supervisors. */
	[SP_ACT_NEED_WRITE] = {"need.write", SCOPE_CASE, A_WRITE | A_CASE_ITSELF, 0, STAFF},
	[SP_ACT_NEED_READ] = {"need.read", SCOPE_CASE, A_CASE_ITSELF, 0, STAFF},
	[SP_ACT_TASK_WRITE] = {"task.write", SCOPE_CASE, A_WRITE | A_CASE_ITSELF, 0, STAFF},
	[SP_ACT_TASK_READ] = {"task.read", SCOPE_CASE, A_CASE_ITSELF, 0, STAFF},
	/* Decisions (age assessment, reasonable and conclusive grounds, best interests) and the
	 * deadlines they start, likewise; the caller requests the class of each decision type
	 * (trafficking for the grounds decisions), and the jurisdiction file narrows who may
	 * record each type further. */
	[SP_ACT_DECISION_WRITE] = {"decision.write", SCOPE_CASE, A_WRITE | A_CASE_ITSELF,
				   DECISION_FIELDS, STAFF},
	[SP_ACT_DECISION_READ] = {"decision.read", SCOPE_CASE, A_CASE_ITSELF, DECISION_FIELDS,
				  STAFF},
	/* The service directory: organisations, services, locations. Reading it needs only a
	 * session; changing it is the work of those who keep referral pathways. */
	[SP_ACT_SERVICE_MANAGE] = {"service.manage", SCOPE_NONE, 0, 0,
				   SP_ROLE_SUPERVISOR | SP_ROLE_FOCAL_POINT},
	/* Retention and the data subject's rights (docs/retention.md). */
	[SP_ACT_RETENTION_RUN] = {"retention.run", SCOPE_NONE, 0, 0,
				  SP_ROLE_DPO | SP_ROLE_SUPERVISOR},
	[SP_ACT_SUBJECT_EXPORT] = {"subject.export", SCOPE_CASE, A_SUBJECT, SP_FIELDS_ALL,
				   SP_ROLE_DPO},
	/* Referrals (src/refer/referral.c): the sending side writes them as work on the case
	 * itself; a referral's workflow and summary are stat and referral, the provider's
	 * feedback notes. The receiving provider reads and answers through rule 5 only. */
	[SP_ACT_REFERRAL_WRITE] = {"referral.write", SCOPE_CASE, A_WRITE | A_CASE_ITSELF,
				   SUMMARY, SENDERS},
	[SP_ACT_REFERRAL_READ] = {"referral.read", SCOPE_CASE, A_REFERRAL, SUMMARY | F(NOTES),
				  SENDERS},
	[SP_ACT_REFERRAL_RESPOND] = {"referral.respond", SCOPE_CASE, A_REFERRAL, F(REFERRAL), 0},
	/* The supervisors' approvals queue: the object is the agency whose supervisors decide
	 * (the owning agency, or a transfer's receiving one). */
	[SP_ACT_APPROVAL_DECIDE] = {"approval.decide", SCOPE_USER, 0, 0, SP_ROLE_SUPERVISOR},
	/* Deduplicating the registry (casework's dedup.c): a team lead's work, like retention's
	 * run, but not the DPO's (who would then review the pairs' persons) nor a coordinator's
	 * (aggregates only). */
	[SP_ACT_MATCH_DEDUP] = {"match.dedup", SCOPE_NONE, 0, 0, SP_ROLE_SUPERVISOR},
	/* Family tracing's requester side (src/casework/tracing.c): the object is the agency
	 * that records the request; the child's side is decision.read and decision.write on
	 * the child's case. A relative's request never goes to an enforcement agency. */
	[SP_ACT_TRACING_REQUEST] = {"tracing.request", SCOPE_USER, A_PROTECTION, 0,
				    SP_ROLE_CASEWORKER | SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR},
};

/* ---- staff reach over a case of their own agency (rule 4) ---- */

static const struct reach {
	unsigned role;
	unsigned assigned;    /* classes when assigned */
	unsigned unassigned;  /* classes when not assigned */
	int whole_agency;     /* the case itself without assignment, restricted ones too */
} reaches[] = {
	{SP_ROLE_SCREENER, SP_FIELDS_ALL & ~(F(GBV) | F(TRAFFICKING)), 0, 0},
	{SP_ROLE_IDENTIFIER, SP_FIELDS_ALL, SUMMARY, 0},
	{SP_ROLE_CASEWORKER, SP_FIELDS_ALL, SUMMARY, 0},
	{SP_ROLE_FOCAL_POINT, SP_FIELDS_ALL, SUMMARY, 0},
	{SP_ROLE_SUPERVISOR, SP_FIELDS_ALL, SP_FIELDS_ALL, 1},
};

/* ---- names ---- */

const char *sp_role_name(unsigned role)
{
	for (int i = 0; i < SP_ROLE_COUNT; i++)
		if (role == 1u << i)
			return role_names[i];
	return NULL;
}

int sp_role_parse(const char *name, unsigned *out)
{
	for (int i = 0; i < SP_ROLE_COUNT; i++)
		if (strcmp(name, role_names[i]) == 0) {
			*out = 1u << i;
			return SP_OK;
		}
	return SP_EINVAL;
}

int sp_roles_parse(const char *list, unsigned *out, struct sp_err *err)
{
	unsigned mask = 0;
	const char *p = list;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[32];
		unsigned bit;
		if (n == 0 || n >= sizeof name)
			return sp_err_set(err, SP_EINVAL, "roles", "expected role names separated by commas");
		memcpy(name, p, n);
		name[n] = '\0';
		if (sp_role_parse(name, &bit))
			return sp_err_set(err, SP_EINVAL, "roles", "unknown role");
		if (mask & bit)
			return sp_err_set(err, SP_EINVAL, "roles", "role named twice");
		mask |= bit;
		if (!end)
			break;
		p = end + 1;
	}
	*out = mask;
	return SP_OK;
}

int sp_roles_format(unsigned mask, char *out, size_t n)
{
	size_t len = 0;
	if (n == 0)
		return SP_ETOOBIG;
	out[0] = '\0';
	if (mask & ~SP_ROLES_ALL)
		return SP_EINVAL;
	for (int i = 0; i < SP_ROLE_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? "," : "", role_names[i]);
		if (w < 0 || (size_t)w >= n - len) {
			out[0] = '\0';
			return SP_ETOOBIG;
		}
		len += (size_t)w;
	}
	return SP_OK;
}

const char *sp_agency_kind_name(enum sp_agency_kind kind)
{
	return (unsigned)kind < SP_AGENCY_KIND_COUNT ? agency_kinds[kind].name : "?";
}

int sp_agency_kind_parse(const char *name, enum sp_agency_kind *out)
{
	for (int i = 0; i < SP_AGENCY_KIND_COUNT; i++)
		if (strcmp(name, agency_kinds[i].name) == 0) {
			*out = (enum sp_agency_kind)i;
			return SP_OK;
		}
	return SP_EINVAL;
}

int sp_agency_kind_is_enforcement(enum sp_agency_kind kind)
{
	return (unsigned)kind < SP_AGENCY_KIND_COUNT ? agency_kinds[kind].enforcement : 1;
}

const char *sp_action_name(enum sp_action a)
{
	return (unsigned)a < SP_ACTION_COUNT ? actions[a].name : "?";
}

int sp_action_parse(const char *name, enum sp_action *out)
{
	for (int i = 0; i < SP_ACTION_COUNT; i++)
		if (strcmp(name, actions[i].name) == 0) {
			*out = (enum sp_action)i;
			return SP_OK;
		}
	return SP_EINVAL;
}

unsigned sp_action_default_fields(enum sp_action a)
{
	return (unsigned)a < SP_ACTION_COUNT ? actions[a].fields : 0;
}

const char *sp_field_class_name(enum sp_field_class c)
{
	return (unsigned)c < SP_FIELD_CLASS_COUNT ? field_names[c] : "?";
}

int sp_field_class_parse(const char *name, enum sp_field_class *out)
{
	for (int i = 0; i < SP_FIELD_CLASS_COUNT; i++)
		if (strcmp(name, field_names[i]) == 0) {
			*out = (enum sp_field_class)i;
			return SP_OK;
		}
	return SP_EINVAL;
}

const char *sp_reason_name(enum sp_reason r)
{
	return (unsigned)r < SP_REASON_COUNT ? reason_names[r] : "?";
}

int sp_reason_parse(const char *name, enum sp_reason *out)
{
	for (int i = 0; i < SP_REASON_COUNT; i++)
		if (strcmp(name, reason_names[i]) == 0) {
			*out = (enum sp_reason)i;
			return SP_OK;
		}
	return SP_EINVAL;
}

/* ---- deciding ---- */

static void deny(struct sp_decision *d, enum sp_reason why)
{
	memset(d, 0, sizeof *d);
	d->reason = why;
}

/* Grant requested & reach; the rest is dropped for `why`. A read with nothing left, or a
 * write with anything dropped, is a deny for `why`. */
static void filter(struct sp_decision *d, unsigned requested, unsigned reach, enum sp_reason why,
		   int write)
{
	unsigned granted = requested & reach;
	unsigned dropped = requested & ~reach;
	if ((requested && !granted) || (write && dropped)) {
		deny(d, why);
		return;
	}
	memset(d, 0, sizeof *d);
	d->allow = 1;
	d->reason = SP_REASON_OK;
	d->fields = granted;
	d->dropped = dropped;
	for (int c = 0; c < SP_FIELD_CLASS_COUNT; c++)
		if (dropped & SP_FIELD(c))
			d->field_reason[c] = (unsigned char)why;
}

static int same_id(const struct sp_id *a, const struct sp_id *b)
{
	return memcmp(a->b, b->b, SP_ID_LEN) == 0;
}

static int has_text(const char *s)
{
	if (!s)
		return 0;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 1;
	return 0;
}

static const struct reach *reach_of(unsigned role)
{
	for (size_t i = 0; i < sizeof reaches / sizeof reaches[0]; i++)
		if (reaches[i].role == role)
			return &reaches[i];
	return NULL;
}

/* Rule 5: a provider through the case's referral to its agency. */
static void provider_path(const struct sp_policy_object *obj, unsigned requested,
			  struct sp_decision *d)
{
	switch (obj->referral) {
	case SP_REFERRAL_PENDING:
		filter(d, requested, F(REFERRAL), SP_REASON_REFERRAL_PENDING, 0);
		return;
	case SP_REFERRAL_ACCEPTED:
		filter(d, requested, F(REFERRAL) | obj->referral_fields, SP_REASON_NOT_IN_PROFILE, 0);
		return;
	case SP_REFERRAL_NONE:
		break;
	}
	deny(d, SP_REASON_NO_REFERRAL);
}

/* Rules 3 to 6 for one role over a case (the firewall and admin are already decided). */
static void case_role(unsigned role, const struct action_rule *ar, const struct sp_subject *sub,
		      const struct sp_policy_object *obj, unsigned requested, const char *why,
		      struct sp_decision *d)
{
	if (role == SP_ROLE_ADMIN) {
		deny(d, SP_REASON_ADMIN_NO_CASE_DATA);
		return;
	}
	if (role == SP_ROLE_COORDINATOR) {
		deny(d, SP_REASON_AGGREGATES_ONLY);
		return;
	}
	if (role == SP_ROLE_DPO) {
		if (ar->flags & A_SUBJECT) {
			filter(d, requested, SP_FIELDS_ALL, SP_REASON_OK, 0);
			d->flag_dpo = d->allow;
			return;
		}
		deny(d, SP_REASON_AUDIT_ONLY);
		return;
	}
	if (role == SP_ROLE_PROVIDER) {
		if (ar->flags & A_REFERRAL) {
			provider_path(obj, requested, d);
			return;
		}
		deny(d, SP_REASON_NO_ROLE);
		return;
	}
	const struct reach *r = reach_of(role);
	if (!r || !(ar->roles & role)) {
		deny(d, SP_REASON_NO_ROLE);
		return;
	}
	if (!same_id(&sub->agency, &obj->agency)) {
		deny(d, SP_REASON_OTHER_AGENCY);
		return;
	}
	if (ar->flags & A_CREATE) {
		filter(d, 0, 0, SP_REASON_OK, 0);
		return;
	}
	if (obj->restricted && !obj->assigned && !r->whole_agency) {
		deny(d, SP_REASON_RESTRICTED);
		return;
	}
	if (ar->flags & A_BREAK_GLASS) {
		if (!has_text(why)) {
			deny(d, SP_REASON_REASON_REQUIRED);
			return;
		}
		filter(d, requested, BREAK_GLASS_FIELDS, SP_REASON_NEED_TO_KNOW, 0);
		d->flag_dpo = d->allow;
		return;
	}
	if ((ar->flags & A_CASE_ITSELF) && !obj->assigned && !r->whole_agency) {
		deny(d, SP_REASON_NOT_ASSIGNED);
		return;
	}
	if (obj->assigned)
		filter(d, requested, r->assigned, SP_REASON_NEED_TO_KNOW, (ar->flags & A_WRITE) != 0);
	else
		filter(d, requested, r->unassigned, SP_REASON_NOT_ASSIGNED, (ar->flags & A_WRITE) != 0);
}

/* Rule 7 for one role. */
static void plain_role(unsigned role, const struct action_rule *ar, const struct sp_subject *sub,
		       const struct sp_policy_object *obj, struct sp_decision *d)
{
	if (!(ar->roles & role)) {
		deny(d, SP_REASON_NO_ROLE);
		return;
	}
	if (ar->scope == SCOPE_USER && !same_id(&sub->agency, &obj->agency)) {
		deny(d, SP_REASON_OTHER_AGENCY);
		return;
	}
	filter(d, 0, 0, SP_REASON_OK, 0);
}

/* Rule 8: union of the allowing roles; otherwise the highest-ranked refusal. */
static void combine(struct sp_decision *out, const struct sp_decision *d, unsigned requested,
		    int *any)
{
	if (!*any) {
		*out = *d;
		*any = 1;
		return;
	}
	if (!d->allow) {
		if (!out->allow && deny_rank[d->reason] > deny_rank[out->reason])
			out->reason = d->reason;
		return;
	}
	if (!out->allow) {
		*out = *d;
		return;
	}
	out->fields |= d->fields;
	out->dropped = requested & ~out->fields;
	out->flag_dpo |= d->flag_dpo;
	for (int c = 0; c < SP_FIELD_CLASS_COUNT; c++)
		if (!(out->dropped & SP_FIELD(c)))
			out->field_reason[c] = SP_REASON_OK;
}

static int valid(const struct sp_subject *sub, const struct sp_policy_request *req,
		 const struct sp_policy_object *obj)
{
	if ((unsigned)req->action >= SP_ACTION_COUNT || (sub->roles & ~SP_ROLES_ALL) ||
	    (unsigned)sub->agency_kind >= SP_AGENCY_KIND_COUNT || (req->fields & ~SP_FIELDS_ALL))
		return 0;
	const struct action_rule *ar = &actions[req->action];
	if (ar->scope == SCOPE_NONE)
		return 1;
	if (!obj || (unsigned)obj->agency_kind >= SP_AGENCY_KIND_COUNT)
		return 0;
	if (same_id(&sub->agency, &obj->agency) && obj->agency_kind != sub->agency_kind)
		return 0;
	if (ar->scope == SCOPE_USER)
		return 1;
	if ((unsigned)obj->referral > SP_REFERRAL_ACCEPTED || (obj->referral_fields & ~SP_FIELDS_ALL))
		return 0;
	if ((ar->flags & A_TRANSFER) && (unsigned)obj->target_kind >= SP_AGENCY_KIND_COUNT)
		return 0;
	return 1;
}

void sp_policy_decide(const struct sp_subject *sub, const struct sp_policy_request *req,
		      const struct sp_policy_object *obj, struct sp_decision *out)
{
	if (!valid(sub, req, obj)) {
		deny(out, SP_REASON_INVALID);
		return;
	}
	const struct action_rule *ar = &actions[req->action];
	unsigned requested = ar->fields ? (req->fields ? req->fields : ar->fields) : 0;

	if (ar->scope == SCOPE_CASE && obj) { /* obj is checked by valid(); the test is for analysers */
		int firewall = sp_agency_kind_is_enforcement(sub->agency_kind) &&
			       !sp_agency_kind_is_enforcement(obj->agency_kind);
		if (firewall) {
			if ((sub->roles & SP_ROLE_PROVIDER) && (ar->flags & A_REFERRAL) &&
			    obj->referral != SP_REFERRAL_NONE) {
				provider_path(obj, requested, out);
				return;
			}
			deny(out, SP_REASON_FIREWALL);
			return;
		}
		if ((ar->flags & A_TRANSFER) && !sp_agency_kind_is_enforcement(obj->agency_kind) &&
		    sp_agency_kind_is_enforcement(obj->target_kind)) {
			deny(out, SP_REASON_FIREWALL);
			return;
		}
		if (sub->roles & SP_ROLE_ADMIN) {
			deny(out, SP_REASON_ADMIN_NO_CASE_DATA);
			return;
		}
	}
	if ((ar->flags & A_PROTECTION) && sp_agency_kind_is_enforcement(sub->agency_kind)) {
		deny(out, SP_REASON_FIREWALL);
		return;
	}

	deny(out, SP_REASON_NO_ROLE);
	int any = 0;
	for (int i = 0; i < SP_ROLE_COUNT; i++) {
		unsigned role = 1u << i;
		if (!(sub->roles & role))
			continue;
		struct sp_decision d;
		if (ar->scope == SCOPE_CASE)
			case_role(role, ar, sub, obj, requested, req->reason, &d);
		else
			plain_role(role, ar, sub, obj, &d);
		combine(out, &d, requested, &any);
	}
}

int sp_policy_may_hint(const struct sp_decision *d)
{
	return !d->allow &&
	       (d->reason == SP_REASON_OTHER_AGENCY || d->reason == SP_REASON_NOT_ASSIGNED);
}

int sp_policy_check(const struct sp_subject *sub, const struct sp_policy_request *req,
		    const struct sp_policy_object *obj, struct sp_decision *out, struct sp_err *err)
{
	sp_policy_decide(sub, req, obj, out);
	if (out->allow)
		return SP_OK;
	sp_err_set(err, SP_EDENIED, "", "%s: denied: %s", sp_action_name(req->action),
		   sp_reason_name(out->reason));
	if (err)
		snprintf(err->reason, sizeof err->reason, "%s", sp_reason_name(out->reason));
	return SP_EDENIED;
}
