/* Protection focal points and referral routing (issue 6, item 8; docs/focal-points.md).
 *
 * A focal point is a user of an agency, holding the focal_point role, named as the agency's
 * liaison: for the agency itself (scope "agency") or, for later cross-border hand-overs, for
 * one country (scope "country"), for every need or for some needs only. One of them per scope
 * (and country) may be the default. A routing rule sends one need of the agency's cases to a
 * default service of the directory or to one of its focal points. Routing resolves a need to
 * where a referral should go first, saying why.
 *
 * Neither holds case data: ids, codes and user names of staff. Reading them is for any
 * signed-in user of the agency; changing them is the policy's service.manage (supervisors and
 * focal points), for the actor's own agency only, each change one transaction with its audit
 * record (focal_point.add, focal_point.remove, routing.add, routing.remove). */
#ifndef SAFEPATH_FOCAL_H
#define SAFEPATH_FOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/access.h"
#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/policy.h"

enum sp_focal_scope { SP_FOCAL_AGENCY, SP_FOCAL_COUNTRY, SP_FOCAL_SCOPE_COUNT };

const char *sp_focal_scope_name(enum sp_focal_scope s); /* "agency"; NULL out of range */

#define SP_FOCAL_NEEDS_MAX 16 /* needs one focal point may be named for */
#define SP_NEED_CODE_MAX 48   /* bytes of a needs code, with the NUL */

struct sp_focal_point {
	struct sp_id id;                   /* set by add */
	struct sp_id agency;               /* set by add: the actor's agency */
	struct sp_id user;
	char username[SP_USERNAME_MAX];    /* filled by list */
	enum sp_focal_scope scope;
	char country[SP_CODE_MAX];         /* country scope: ISO 3166-1 alpha-2; else "" */
	size_t n_needs;                    /* 0: every need */
	char needs[SP_FOCAL_NEEDS_MAX][SP_NEED_CODE_MAX];
	bool is_default;
	int64_t created_us;                /* set by add */
};

/* Name user as a focal point of actor's agency. Checked, in this order, each SP_EINVAL on its
 * member: "user" (a user of the actor's agency, enabled, holding the focal_point role),
 * "scope", "country" (required for and only for the country scope, a known code), "needs"
 * (codes of the needs vocabulary, no repeat). The same user, scope and country twice is
 * SP_ECONFLICT on "user". A default replaces the scope's (and country's) earlier default, in
 * the same transaction. in->id, agency and created_us are set on success. */
int sp_focal_add(struct sp_access *a, const struct sp_subject *actor,
		 const struct sp_vocabulary *vocab, struct sp_focal_point *in,
		 struct sp_err *err) SP_MUST;
/* Remove one of the actor's agency's focal points (SP_ENOTFOUND for another agency's). Rules
 * routing a need to that user go with it, in the same transaction, each audited. */
int sp_focal_remove(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		    struct sp_err *err) SP_MUST;
/* The focal points of viewer's agency: defaults first, then by scope, country and user name.
 * *out is malloc'd (free it); *n its length. */
int sp_focal_list(struct sp_access *a, const struct sp_subject *viewer,
		  struct sp_focal_point **out, size_t *n, struct sp_err *err) SP_MUST;
json_t *sp_focal_json(const struct sp_focal_point *fp);

/* Where a need of the agency's cases goes first. */
enum sp_route_target { SP_ROUTE_SERVICE, SP_ROUTE_FOCAL_POINT, SP_ROUTE_TARGET_COUNT };

const char *sp_route_target_name(enum sp_route_target t); /* "service"; NULL out of range */

struct sp_route_rule {
	struct sp_id id;                   /* set by add */
	struct sp_id agency;               /* set by add */
	char need[SP_NEED_CODE_MAX];
	enum sp_route_target target;
	struct sp_id service;              /* target service */
	struct sp_id focal_user;           /* target focal point: a user */
	char target_name[128];             /* set by add and list: the service's or user's name */
	int64_t created_us;                /* set by add */
};

/* Add a rule for actor's agency: "need" a needs code, and either "service" (an active
 * service of the directory that meets the need) or "focal_point" (a user who is one of the
 * agency's focal points for the need): SP_EINVAL on the member. A second rule for the same
 * need is SP_ECONFLICT on "need" (remove the first). */
int sp_route_add(struct sp_access *a, const struct sp_subject *actor,
		 const struct sp_vocabulary *vocab, struct sp_route_rule *in,
		 struct sp_err *err) SP_MUST;
int sp_route_remove(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		    struct sp_err *err) SP_MUST;
/* The rules of viewer's agency, by need. *out malloc'd. */
int sp_route_list(struct sp_access *a, const struct sp_subject *viewer,
		  struct sp_route_rule **out, size_t *n, struct sp_err *err) SP_MUST;
json_t *sp_route_rule_json(const struct sp_route_rule *r);

/* Resolve need for viewer's agency, as a new JSON object {"need", "route" ("service",
 * "focal_point" or "none"), "service" ({"id", "name", "referral_route"} or null),
 * "focal_point" ({"id", "user", "username"} or null), "why" (words)}:
 * 1. the agency's rule for the need, if its target still stands (an active service; a user
 *    still a focal point of the agency); a service that takes referrals only through a focal
 *    point (referral_route focal_point_only) goes through the agency's focal point for the
 *    need, named beside it;
 * 2. else the agency's focal point for the need (agency scope; one named for the need before
 *    one for every need, the default first);
 * 3. else "none", saying so. A need not in the vocabulary is SP_EINVAL on "need". */
int sp_route_resolve(struct sp_access *a, const struct sp_subject *viewer,
		     const struct sp_vocabulary *vocab, const char *need, json_t **out,
		     struct sp_err *err) SP_MUST;

#endif
