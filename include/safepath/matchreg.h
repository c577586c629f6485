/* The registry side of matching people (issue 7; docs/registry-matching.md): each person's
 * cells of the matching model (config/matching/person.json) sealed and its blocking keys
 * blinded when the person is written; the candidates of a person not yet saved (the
 * registration check), shown only as far as the policy lets the user see them, the others
 * reported as "a possible match exists elsewhere" to the focal points of the agency holding
 * them; links between two persons confirmed as one (reversible) and pairs rejected
 * (remembered per agency). Every check, link and rejection is audited; no link ever widens
 * anyone's access: the policy never reads them. */
#ifndef SAFEPATH_MATCHREG_H
#define SAFEPATH_MATCHREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/case.h"
#include "safepath/err.h"
#include "safepath/fsmodel.h"
#include "safepath/person.h"

#define SP_MATCHREG_MODEL "person"  /* the model the registry's cells follow */
#define SP_MATCHREG_MAX 10          /* candidates a check returns at most */
#define SP_MATCHREG_KEY_PERSONS 200 /* a blocking key held by more persons is skipped */
#define SP_MATCHREG_SCORED 64       /* candidates scored at most (most shared keys first) */

/* The comparisons of one candidate, as the model names them. */
struct sp_matchreg_field {
	const char *comparison; /* the comparison's id */
	bool shown;             /* false: its field is beyond what the user may read */
	char level[96];         /* the level in words ("Jaro-Winkler >= 0.92", "missing") */
	double contribution;    /* log2 m/u, 0 when missing */
};

struct sp_matchreg_candidate {
	struct sp_id case_id, person;
	char number[SP_CASE_NUMBER_MAX];
	double weight, probability;
	bool named;                 /* identity shown: name and date of birth */
	const char *name;           /* the name as lists show it (named only; in the arena) */
	const char *date_of_birth;  /* the model's cell ("~1990", "2001-05"); NULL: none */
	enum sp_sex sex;
	char nationalities[96];     /* codes separated by ";" */
	size_t n_fields;
	struct sp_matchreg_field fields[SP_FS_COMPARISONS_MAX];
};

struct sp_matchreg_check {
	size_t n; /* candidates the user may see, by descending probability */
	struct sp_matchreg_candidate c[SP_MATCHREG_MAX];
	size_t elsewhere;     /* candidates beyond the user's access (their focal points told);
			       * for a user on the enforcement side of the firewall, a
			       * protection actor's case is not even counted (still told) */
	uint64_t capped_keys; /* blocking keys skipped for being held by too many persons */
	double threshold;     /* the model's probability threshold */
};

/* The registration check: the candidates of person p (not yet saved) at or above the model's
 * threshold, at most SP_MATCHREG_MAX, scored with the stored parameters (else the model's
 * shipped defaults). exclude_case (may be NULL): the case the person is already recorded in
 * (a check of a change), left out with every person its agency rejected as not this one.
 * One audit record (person.match_check: the cases shown, "candidates:N"); each candidate
 * beyond the user's access its own record (person.match_elsewhere) and a notification to the
 * focal points of the agency holding it (once a day per checking agency), without any
 * personal data. */
int sp_matchreg_check(struct sp_casework *cw, const struct sp_person *p,
		      const struct sp_id *exclude_case, struct sp_matchreg_check *out,
		      struct sp_err *err) SP_MUST;

/* Rebuild the cells and keys of every person (persons written before migration 0031, or a
 * model's new version), in batches of one transaction each; progress (may be NULL) hears
 * ("reindex", done, total). Needs the retention.run permission (supervisors): it is not an
 * access to anyone's data, but it opens every person. *n counts the persons. */
typedef void sp_matchreg_progress_fn(void *ctx, const char *phase, uint64_t done,
				     uint64_t total);
int sp_matchreg_reindex(struct sp_casework *cw, sp_matchreg_progress_fn *progress, void *ctx,
			uint64_t *n, struct sp_err *err) SP_MUST;

/* A decision on the persons of two cases (case_a's agency decides). */
enum sp_link_state { SP_LINK_CONFIRMED, SP_LINK_REJECTED, SP_LINK_UNDONE, SP_LINK_STATE_COUNT };
const char *sp_link_state_name(enum sp_link_state s);
int sp_link_state_parse(const char *s) SP_MUST; /* -1 when unknown */

/* Confirm the persons of case_a and case_b as one person (SP_LINK_CONFIRMED) or reject the
 * pair (SP_LINK_REJECTED: never proposed again to the agency). The subject must be allowed to
 * update case_a; case_b need not be visible to them (a focal point told of a match
 * elsewhere), and stays as invisible as it was. Audited on both cases (person.link,
 * person.reject). SP_ENOTFOUND naming "/case_id" for no such case. */
int sp_matchreg_decide(struct sp_casework *cw, const struct sp_id *case_a,
		       const struct sp_id *case_b, enum sp_link_state decision,
		       struct sp_err *err) SP_MUST;
/* Undo the agency's decision on the pair (person.unlink, audited); SP_ENOTFOUND naming
 * "/case_id" when there is none. */
int sp_matchreg_undo(struct sp_casework *cw, const struct sp_id *case_a,
		     const struct sp_id *case_b, struct sp_err *err) SP_MUST;

/* The decisions of the subject's agency on case_a's person: the other case, whether the
 * subject may see it (else only that it exists elsewhere), its number when visible. */
struct sp_matchreg_link {
	struct sp_id case_id; /* zero when not visible */
	char number[SP_CASE_NUMBER_MAX];
	bool visible;
	enum sp_link_state state;
	int64_t decided_us;
};
#define SP_MATCHREG_LINKS_MAX 32
int sp_matchreg_links(struct sp_casework *cw, const struct sp_id *case_a,
		      struct sp_matchreg_link *out, size_t *n, struct sp_err *err) SP_MUST;

/* The thread's normaliser and model, opened on first use, closed here (or at thread exit). */
void sp_matchreg_release_thread(void);

#endif
