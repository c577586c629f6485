/* The access policy: (user, action, object, fields) -> allow or deny, with the reason and the
 * requested field classes it removed. Pure: no store, no clock, no allocation. Deny by default:
 * anything the rule table in src/access/policy.c does not grant is refused. Every enumeration
 * has a names table so decisions print and audit as words. */
#ifndef SAFEPATH_POLICY_H
#define SAFEPATH_POLICY_H

#include <stddef.h>

#include "safepath/err.h"
#include "safepath/id.h"

/* Roles (DESIGN.md §1). A user holds one or more: a bitmask. */
enum sp_role {
	SP_ROLE_SCREENER = 1u << 0,
	SP_ROLE_IDENTIFIER = 1u << 1,
	SP_ROLE_CASEWORKER = 1u << 2,
	SP_ROLE_FOCAL_POINT = 1u << 3,
	SP_ROLE_PROVIDER = 1u << 4,
	SP_ROLE_SUPERVISOR = 1u << 5,
	SP_ROLE_COORDINATOR = 1u << 6,
	SP_ROLE_DPO = 1u << 7,
	SP_ROLE_ADMIN = 1u << 8,
};
#define SP_ROLE_COUNT 9
#define SP_ROLES_ALL ((1u << SP_ROLE_COUNT) - 1)
/* Roles that read personal data: granting one (or resetting the password of a user holding
 * one) needs a supervisor's approval. Everything except admin and coordinator. */
#define SP_ROLES_DATA (SP_ROLES_ALL & ~(unsigned)(SP_ROLE_ADMIN | SP_ROLE_COORDINATOR))
/* admin never combines with a data-reading role (separation of duties). */
#define SP_ROLES_EXCLUSIVE_WITH_ADMIN SP_ROLES_DATA

/* "caseworker" for one role bit; NULL when role is not exactly one known bit. */
const char *sp_role_name(unsigned role);
/* One name -> its bit. SP_EINVAL for an unknown name. */
int sp_role_parse(const char *name, unsigned *out) SP_MUST;
/* "caseworker,supervisor" -> mask (no empty items, no duplicates, at least one role). */
int sp_roles_parse(const char *list, unsigned *out, struct sp_err *err) SP_MUST;
/* mask -> "caseworker,supervisor" in role order; SP_ETOOBIG if it does not fit in n bytes,
 * SP_EINVAL for bits outside SP_ROLES_ALL. */
int sp_roles_format(unsigned mask, char *out, size_t n) SP_MUST;

enum sp_agency_kind {
	SP_AGENCY_IMMIGRATION,
	SP_AGENCY_POLICE,
	SP_AGENCY_LABOUR_INSPECTION,
	SP_AGENCY_CHILD_PROTECTION,
	SP_AGENCY_NGO,
	SP_AGENCY_HEALTH,
	SP_AGENCY_SHELTER,
	SP_AGENCY_LEGAL_AID,
	SP_AGENCY_GUARDIAN_SERVICE,
	SP_AGENCY_INTERNATIONAL_ORGANISATION,
	SP_AGENCY_PARTNER_AUTHORITY_ABROAD,
	SP_AGENCY_KIND_COUNT
};

const char *sp_agency_kind_name(enum sp_agency_kind kind); /* "?" when out of range */
int sp_agency_kind_parse(const char *name, enum sp_agency_kind *out) SP_MUST;
/* Immigration enforcement side of the firewall (immigration, police). Out of range counts as
 * enforcement, so a corrupt kind can only ever close the firewall. */
int sp_agency_kind_is_enforcement(enum sp_agency_kind kind);

enum sp_action {
	SP_ACT_CASE_CREATE,
	SP_ACT_CASE_READ,
	SP_ACT_CASE_UPDATE,
	SP_ACT_CASE_LIST,
	SP_ACT_CASE_SEARCH,   /* also registry matching: one decision per candidate case */
	SP_ACT_NOTE_ADD,
	SP_ACT_NOTE_READ,
	SP_ACT_CONSENT_ADD,
	SP_ACT_CONSENT_READ,
	SP_ACT_PERSON_READ_IDENTITY,
	SP_ACT_CASE_TRANSFER, /* hand ownership to another agency (object.target_kind) */
	SP_ACT_CASE_BREAK_GLASS,
	SP_ACT_AUDIT_READ,
	SP_ACT_USER_MANAGE,
	SP_ACT_AGENCY_MANAGE,
	SP_ACT_APPROVAL_GRANT,
	SP_ACT_STATS_READ,
	SP_ACT_NEED_WRITE,    /* add a need to a case, change its status or note */
	SP_ACT_NEED_READ,
	SP_ACT_TASK_WRITE,    /* add a task to a case, change or complete it */
	SP_ACT_TASK_READ,
	SP_ACT_DECISION_WRITE, /* record a decision on a case, or an event that starts deadlines */
	SP_ACT_DECISION_READ,  /* a case's decisions and deadlines */
	SP_ACT_SERVICE_MANAGE, /* import, add and change the service directory (no case data) */
	SP_ACT_RETENTION_RUN,  /* anonymise closed cases past their retention period */
	SP_ACT_SUBJECT_EXPORT, /* the DPO's subject-access export of one case (flagged to the DPO) */
	SP_ACT_REFERRAL_WRITE,   /* the referring side: create, send, cancel, close a referral */
	SP_ACT_REFERRAL_READ,    /* a case's referrals; a provider through its referral (rule 5) */
	SP_ACT_REFERRAL_RESPOND, /* the receiving provider's answers (rule 5 only) */
	SP_ACT_APPROVAL_DECIDE, /* approve or reject what waits in an agency's approvals queue
				 * (object.agency: the agency whose supervisors decide) */
	SP_ACT_MATCH_DEDUP,     /* deduplicate the registry (safepath dedup): its pairs are then
				 * shown only as case.read and person.read_identity allow */
	SP_ACT_TRACING_REQUEST, /* family tracing's requester side (object.agency: the agency
				 * that records the request) */
	SP_ACTION_COUNT
};

const char *sp_action_name(enum sp_action a); /* "case.read"; "?" when out of range */
int sp_action_parse(const char *name, enum sp_action *out) SP_MUST;

/* Field sensitivity classes. A caller maps each field it would return or write to one class. */
enum sp_field_class {
	SP_FC_STAT,        /* codes, status, dates of events, year of birth, sex, nationality, age band */
	SP_FC_REFERRAL,    /* a referral's summary: need, urgency, age band, sex, language */
	SP_FC_IDENTITY,    /* names, date of birth, documents, contacts */
	SP_FC_SAFETY,      /* safe channels and times, channels never to use, people to avoid */
	SP_FC_GBV,         /* gender-based-violence details */
	SP_FC_TRAFFICKING, /* trafficking indicators, exploitation, decisions' grounds */
	SP_FC_NOTES,       /* free-text notes */
	SP_FC_SCREENING,   /* a first-contact screening's answers and result */
	SP_FIELD_CLASS_COUNT
};
#define SP_FIELD(c) (1u << (c))
#define SP_FIELDS_ALL ((1u << SP_FIELD_CLASS_COUNT) - 1)

const char *sp_field_class_name(enum sp_field_class c); /* "gbv"; "?" when out of range */
int sp_field_class_parse(const char *name, enum sp_field_class *out) SP_MUST;

/* The case's referral to the subject's agency, as the refer wing sees it. Declined, cancelled,
 * expired and closed referrals are SP_REFERRAL_NONE. */
enum sp_referral_state { SP_REFERRAL_NONE, SP_REFERRAL_PENDING, SP_REFERRAL_ACCEPTED };

enum sp_reason {
	SP_REASON_OK,
	SP_REASON_INVALID,            /* malformed request or object: deny by default */
	SP_REASON_NO_ROLE,            /* none of the user's roles carries the action */
	SP_REASON_OTHER_AGENCY,
	SP_REASON_NOT_ASSIGNED,
	SP_REASON_RESTRICTED,         /* restricted case: assigned staff and supervisors only */
	SP_REASON_FIREWALL,           /* enforcement user, protection actor's record */
	SP_REASON_NEED_TO_KNOW,       /* the field class is beyond the role's need */
	SP_REASON_ADMIN_NO_CASE_DATA,
	SP_REASON_AGGREGATES_ONLY,    /* coordinator */
	SP_REASON_AUDIT_ONLY,         /* dpo */
	SP_REASON_NO_REFERRAL,        /* provider without a live referral from this case */
	SP_REASON_REFERRAL_PENDING,   /* provider before accepting: the referral summary only */
	SP_REASON_NOT_IN_PROFILE,     /* provider: outside the referral's shared profile */
	SP_REASON_REASON_REQUIRED,    /* break-glass without a justification */
	SP_REASON_JURISDICTION,       /* the policy allows it, but the jurisdiction names other
				       * recorders of the decision (never the policy's own answer) */
	SP_REASON_FOUR_EYES,          /* the policy allows it, but the decider asked for it
				       * (never the policy's own answer: casework's approvals) */
	SP_REASON_PERSON_TO_AVOID,    /* a consent given by someone the child's safety
				       * information says to keep away (never the policy's) */
	SP_REASON_COUNT
};

const char *sp_reason_name(enum sp_reason r); /* "firewall"; "?" when out of range */
int sp_reason_parse(const char *name, enum sp_reason *out) SP_MUST;

/* Who asks. Filled from the authenticated user. */
struct sp_subject {
	struct sp_id user;
	struct sp_id agency;
	enum sp_agency_kind agency_kind;
	unsigned roles;
};

/* What the action is about. For case actions: the case; for approval.grant: the target user
 * (agency = the user's agency); for approval.decide: the deciding agency; NULL for actions on nothing (stats, audit, management). */
struct sp_policy_object {
	struct sp_id agency;               /* owning agency (case) or the user's agency */
	enum sp_agency_kind agency_kind;
	int assigned;                      /* subject is among the case's assigned staff or is its
					    * focal point */
	int restricted;                    /* the case's need-to-know flag */
	enum sp_referral_state referral;   /* the case's referral to the subject's agency */
	unsigned referral_fields;          /* that referral's shared profile (SP_FIELD bits) */
	enum sp_agency_kind target_kind;   /* case.transfer: the receiving agency's kind */
};

struct sp_policy_request {
	enum sp_action action;
	unsigned fields;       /* SP_FIELD bits asked for; 0 = the action's default set */
	const char *reason;    /* break-glass justification; NULL or blank = none */
};

struct sp_decision {
	int allow;
	enum sp_reason reason;            /* SP_REASON_OK when allowed */
	unsigned fields;                  /* classes granted (allow only) */
	unsigned dropped;                 /* requested classes removed (allow only) */
	unsigned char field_reason[SP_FIELD_CLASS_COUNT]; /* enum sp_reason per dropped class */
	int flag_dpo;                     /* the access must be flagged to the DPO (break-glass) */
};

/* Decide. Never fails: anything malformed is a deny with SP_REASON_INVALID. A read that would
 * drop every requested class is a deny with the first class's reason; a write (case.update,
 * note.add) is all or nothing. */
void sp_policy_decide(const struct sp_subject *sub, const struct sp_policy_request *req,
		      const struct sp_policy_object *obj, struct sp_decision *out)
	__attribute__((nonnull(1, 2, 4)));

/* sp_policy_decide, then SP_OK or SP_EDENIED with err naming the action and the reason. */
int sp_policy_check(const struct sp_subject *sub, const struct sp_policy_request *req,
		    const struct sp_policy_object *obj, struct sp_decision *out,
		    struct sp_err *err) SP_MUST __attribute__((nonnull(1, 2, 4)));

/* May a refused search or match candidate be reported as "a possible match exists
 * elsewhere; the focal point has been told" (DESIGN.md §4)? Only for other_agency and
 * not_assigned: never across the firewall, and never for a restricted case, whose mere
 * existence is need-to-know. */
int sp_policy_may_hint(const struct sp_decision *d) __attribute__((nonnull));

/* The action's default field classes (what fields = 0 means); 0 for actions on no data. */
unsigned sp_action_default_fields(enum sp_action a);

#endif
