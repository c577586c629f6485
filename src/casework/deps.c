/* The single call sites from casework into the wings below it: crypto (person keys, sealing,
 * blind indexes), access (the policy, agencies, users) and audit. Everything else in casework
 * goes through these functions, so each dependency is visible in one place. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/access.h"
#include "safepath/audit.h"
#include "safepath/case.h"
#include "safepath/caseop.h"
#include "safepath/cputime.h"
#include "safepath/crypto.h"
#include "safepath/policy.h"
#include "safepath/store.h"

/* ---- crypto ---------------------------------------------------------------------------- */

int cw_person_key_create(struct sp_casework *cw, const struct sp_id *person, struct sp_err *err)
{
	struct sp_person_key pk;
	return sp_person_key_get(cw->keystore, cw->keys, person, 1, &pk, err);
}

int cw_person_keys_create(struct sp_casework *cw, const struct sp_id *persons, size_t n,
			  struct sp_err *err)
{
	return sp_person_keys_create(cw->keystore, cw->keys, persons, n, err);
}

int cw_person_keys_cache(struct sp_casework *cw, const struct sp_id *persons, size_t n,
			 struct sp_err *err)
{
	return sp_person_keys_cache(cw->keystore, cw->keys, persons, n, err);
}

/* Shredding reaches the key store's own backups too (DESIGN.md §4): the retained ones are
 * rewritten without the key, so none of them opens the person's data afterwards. */
int cw_person_key_destroy(struct sp_casework *cw, const struct sp_id *person, struct sp_err *err)
{
	int rc = sp_person_key_destroy(cw->keystore, person, err);
	return rc ? rc : sp_keystore_backups_forget(cw->keystore, cw->keys, person, NULL, err);
}

int cw_seal(struct sp_casework *cw, const struct sp_id *person, const char *table,
	    const char *column, const struct sp_id *record, const void *pt, size_t n,
	    struct sp_buf *out, struct sp_err *err)
{
	struct sp_person_key pk;
	const struct sp_field f = {table, column, record};
	int rc = sp_person_key_get(cw->keystore, cw->keys, person, 0, &pk, err);
	return rc ? rc : sp_field_seal_person(&pk, &f, pt, n, out, err);
}

int cw_open(struct sp_casework *cw, const struct sp_id *person, const char *table,
	    const char *column, const struct sp_id *record, const void *ct, size_t n,
	    const char **pt, size_t *len, struct sp_err *err)
{
	struct sp_person_key pk;
	const struct sp_field f = {table, column, record};
	unsigned char *p = NULL;
	enum sp_cpu_phase was = sp_cpu_enter(SP_CPU_DECRYPT);
	int rc = sp_person_key_get(cw->keystore, cw->keys, person, 0, &pk, err);
	if (rc == SP_ENOTFOUND) /* the key was destroyed: the person was erased */
		rc = sp_err_set(err, SP_ENOTFOUND, "", "the person's data was erased");
	else if (!rc)
		rc = sp_field_open_arena(cw->keys, &pk, &f, ct, n, cw->arena, &p, len, err);
	*pt = (const char *)p;
	sp_cpu_enter(was);
	return rc;
}

int cw_blind_text(struct sp_casework *cw, enum cw_blind_kind kind, const char *text,
		  unsigned char out[CW_BLIND_LEN], struct sp_err *err)
{
	_Static_assert(CW_BLIND_LEN == SP_BLIND_LEN, "blind index length");
	switch (kind) {
	case CW_BLIND_NAME:
		return sp_blind_name(cw->keys, text, strlen(text), out, err);
	case CW_BLIND_PHONE:
		return sp_blind_phone(cw->keys, text, out, err);
	case CW_BLIND_DOCUMENT:
		break;
	}
	return sp_err_set(err, SP_EINTERNAL, "", "documents are blinded with cw_blind_document");
}

int cw_blind_document(struct sp_casework *cw, const struct sp_document *d,
		      unsigned char out[CW_BLIND_LEN], struct sp_err *err)
{
	return sp_blind_document(cw->keys, sp_doc_type_name(d->type), d->country, d->number, out,
				 err);
}

int cw_blind_match(struct sp_casework *cw, int rule, const char *key,
		   unsigned char out[CW_BLIND_LEN], struct sp_err *err)
{
	return sp_blind_match(cw->keys, rule, key, strlen(key), out, err);
}

/* sp_person_name_key's last step: crypto's normaliser decides the bytes that are blinded. */
int cw_name_normalise_final(const char *in, struct sp_arena *a, const char **out,
			    struct sp_err *err)
{
	struct sp_buf b;
	sp_buf_init(&b, 4096);
	int rc = sp_name_normalise(in, strlen(in), &b, err);
	if (!rc) {
		*out = sp_arena_strndup(a, b.data ? b.data : "", b.len);
		if (!*out)
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	sp_buf_free(&b);
	return rc;
}

/* ---- access ---------------------------------------------------------------------------- */

/* What each casework action asks the policy for and how its audit record names it: the same
 * descriptor the wings above casework pass through safepath/caseop.h, so both paths share one
 * implementation. */
#define ACT(a, f, n) {SP_ACT_##a, f, n}
#define FC(c) SP_FIELD(SP_FC_##c)
static const struct sp_case_act acts[] = {
	[CW_CASE_CREATE] = ACT(CASE_CREATE, FC(STAT) | FC(IDENTITY), "case.create"),
	[CW_CASE_READ] = ACT(CASE_READ, FC(STAT), "case.read"),
	[CW_CASE_UPDATE] = ACT(CASE_UPDATE, FC(STAT), "case.update"),
	[CW_CASE_SEARCH] = ACT(CASE_SEARCH, FC(STAT), "case.search"),
	[CW_CASE_LIST] = ACT(CASE_LIST, FC(STAT), "case.list"),
	[CW_NOTE_ADD] = ACT(NOTE_ADD, FC(NOTES), "note.add"),
	[CW_NOTE_READ] = ACT(NOTE_READ, FC(NOTES), "note.read"),
	[CW_CONSENT_ADD] = ACT(CONSENT_ADD, FC(STAT), "consent.add"),
	[CW_CONSENT_READ] = ACT(CONSENT_READ, FC(STAT), "consent.read"),
	[CW_PERSON_READ] = ACT(PERSON_READ_IDENTITY, FC(IDENTITY), "person.read"),
	[CW_PERSON_READ_SAFETY] = ACT(PERSON_READ_IDENTITY, FC(SAFETY), "person.read"),
	[CW_PERSON_UPDATE] = ACT(CASE_UPDATE, FC(IDENTITY), "person.update"),
	[CW_PERSON_ERASE] = ACT(CASE_UPDATE, FC(IDENTITY) | FC(SAFETY) | FC(NOTES), "person.erase"),
	/* needs and tasks: codes and statuses, and a sealed note or title */
	[CW_NEED_ADD] = ACT(NEED_WRITE, FC(STAT) | FC(NOTES), "need.add"),
	[CW_NEED_UPDATE] = ACT(NEED_WRITE, FC(STAT) | FC(NOTES), "need.update"),
	[CW_NEED_READ] = ACT(NEED_READ, FC(STAT) | FC(NOTES), "need.read"),
	[CW_TASK_ADD] = ACT(TASK_WRITE, FC(STAT) | FC(NOTES), "task.add"),
	[CW_TASK_UPDATE] = ACT(TASK_WRITE, FC(STAT) | FC(NOTES), "task.update"),
	[CW_TASK_READ] = ACT(TASK_READ, FC(STAT) | FC(NOTES), "task.read"),
	[CW_TASK_MINE] = ACT(TASK_READ, FC(STAT) | FC(NOTES), "task.list"),
	/* a support plan: the audience of the case's needs (safepath/plan.h) */
	[CW_PLAN_ADD] = ACT(NEED_WRITE, FC(STAT) | FC(NOTES), "plan.add"),
	[CW_PLAN_UPDATE] = ACT(NEED_WRITE, FC(STAT) | FC(NOTES), "plan.update"),
	[CW_PLAN_READ] = ACT(NEED_READ, FC(STAT) | FC(NOTES), "plan.read"),
	/* deadlines: rules and instants (stat); a grounds decision's or a referral's tells of
	 * trafficking, and reading or closing one asks for that class too */
	[CW_DEADLINE_ADD] = ACT(DECISION_WRITE, FC(STAT), "deadline.add"),
	[CW_DEADLINE_UPDATE] = ACT(DECISION_WRITE, FC(STAT), "deadline.update"),
	[CW_DEADLINE_UPDATE_TRAFFICKING] = ACT(DECISION_WRITE, FC(STAT) | FC(TRAFFICKING),
					       "deadline.update"),
	[CW_DEADLINE_READ] = ACT(DECISION_READ, FC(STAT), "deadline.read"),
	[CW_DEADLINE_READ_TRAFFICKING] = ACT(DECISION_READ, FC(TRAFFICKING), "deadline.read"),
	[CW_DEADLINE_LIST] = ACT(DECISION_READ, FC(STAT), "deadline.list"),
	/* retention (retention.c): a hold is a supervisor's change to the case's workflow; the
	 * run is asked once, on no case, and each anonymisation is its record */
	[CW_LEGAL_HOLD_SET] = ACT(CASE_UPDATE, FC(STAT), "case.legal_hold"),
	[CW_LEGAL_HOLD_LIFT] = ACT(CASE_UPDATE, FC(STAT), "case.legal_hold_lift"),
	[CW_RETENTION_RUN] = ACT(RETENTION_RUN, 0, "retention.run"),
	[CW_RETENTION_ANONYMISE] = ACT(RETENTION_RUN, 0, "retention.anonymise"),
	/* one record for the dashboard's cases, tasks and deadlines, naming their cases */
	[CW_DASHBOARD_READ] = ACT(CASE_LIST, FC(STAT), "dashboard.read"),
	/* synthetic cases many to a transaction: one record naming the first and the count */
	[CW_CASE_CREATE_BATCH] = ACT(CASE_CREATE, FC(STAT) | FC(IDENTITY), "case.create_batch"),
	/* a case's life: requests carry a sealed note; break-glass asks for what an emergency
	 * needs; approval.decide is decided on the deciding agency (cw_authorise_decide) */
	[CW_CLOSURE_REQUEST] = ACT(CASE_UPDATE, FC(STAT) | FC(NOTES), "case.closure_request"),
	[CW_REOPEN] = ACT(CASE_UPDATE, FC(STAT) | FC(NOTES), "case.reopen"),
	[CW_TRANSFER] = ACT(CASE_TRANSFER, 0, "case.transfer"),
	[CW_REASSIGN] = ACT(CASE_UPDATE, FC(STAT), "case.reassign"),
	[CW_BREAK_GLASS] = ACT(CASE_BREAK_GLASS, FC(STAT) | FC(IDENTITY) | FC(SAFETY),
			       "case.break_glass"),
	[CW_APPROVAL_REQUEST] = ACT(CASE_UPDATE, FC(STAT) | FC(NOTES), "approval.request"),
	[CW_APPROVAL_DECIDE] = ACT(APPROVAL_DECIDE, 0, "approval.decide"),
	[CW_APPROVAL_READ] = ACT(CASE_READ, FC(STAT), "approval.read"),
	/* what approving a closure or a transfer does to the case (the decider's records) */
	[CW_CLOSE] = ACT(CASE_UPDATE, FC(STAT), "case.close"),
	[CW_TRANSFER_ACCEPT] = ACT(CASE_TRANSFER, 0, "case.transfer_accept"),
	/* registry matching (matchreg.c): the check is a search, each candidate asked about on
	 * its own case; one beyond the subject's access is recorded on that case, without data;
	 * rebuilding the index opens every person, the retention run's permission; a link or a
	 * rejection is the deciding case's update */
	[CW_MATCH_CHECK] = ACT(CASE_SEARCH, FC(STAT), "person.match_check"),
	[CW_MATCH_ELSEWHERE] = ACT(CASE_SEARCH, 0, "person.match_elsewhere"),
	[CW_MATCH_REINDEX] = ACT(RETENTION_RUN, 0, "person.match_reindex"),
	[CW_PERSON_LINK] = ACT(CASE_UPDATE, FC(STAT), "person.link"),
	[CW_PERSON_REJECT] = ACT(CASE_UPDATE, FC(STAT), "person.reject"),
	[CW_PERSON_UNLINK] = ACT(CASE_UPDATE, FC(STAT), "person.unlink"),
	/* deduplicating the registry (dedup.c): the run is asked once, on no case; its pairs are
	 * shown where both persons' identity may be read, and decided where both cases may be
	 * updated (a link is a fact about two records: it never widens access) */
	[CW_DEDUP_RUN] = ACT(MATCH_DEDUP, 0, "match.dedup"),
	/* checking the model with the labelled pairs (matcheval.c): the deduplication's
	 * permission, asked once, on no case (it opens the labelled persons' cells in memory) */
	[CW_MATCH_EVALUATE] = ACT(MATCH_DEDUP, 0, "match.evaluate"),
	[CW_PAIR_LIST] = ACT(PERSON_READ_IDENTITY, FC(IDENTITY), "match_pair.list"),
	[CW_PAIR_CONFIRM] = ACT(CASE_UPDATE, FC(STAT), "match_pair.confirm"),
	[CW_PAIR_REJECT] = ACT(CASE_UPDATE, FC(STAT), "match_pair.reject"),
	[CW_PAIR_UNDO] = ACT(CASE_UPDATE, FC(STAT), "match_pair.undo"),
	/* family tracing (tracing.c): the requester's side on the recording agency; the child's
	 * side as the audience of the child's case's decisions (a best-interests assessment is
	 * one), reading and writing the sealed request and notes */
	[CW_TRACING_CREATE] = ACT(TRACING_REQUEST, 0, "tracing.create"),
	[CW_TRACING_READ] = ACT(TRACING_REQUEST, 0, "tracing.read"),
	[CW_TRACING_LIST] = ACT(TRACING_REQUEST, 0, "tracing.list"),
	[CW_TRACING_MATCH] = ACT(TRACING_REQUEST, 0, "tracing.match"),
	[CW_TRACING_CLOSE] = ACT(TRACING_REQUEST, 0, "tracing.close"),
	[CW_TRACING_CASE_MATCHES] = ACT(DECISION_READ, FC(STAT), "tracing.case_matches"),
	[CW_TRACING_REVIEW] = ACT(DECISION_READ, FC(STAT) | FC(NOTES), "tracing.review"),
	[CW_TRACING_VERIFY] = ACT(DECISION_WRITE, FC(STAT) | FC(NOTES), "tracing.verify"),
	[CW_TRACING_ASSESS] = ACT(DECISION_WRITE, FC(STAT) | FC(NOTES), "tracing.assess"),
	[CW_TRACING_CONTACT] = ACT(DECISION_WRITE, FC(STAT) | FC(NOTES), "tracing.contact"),
	[CW_TRACING_ERASE] = ACT(RETENTION_RUN, 0, "tracing.erase"),
};
#undef ACT
#undef FC

const struct sp_case_act *cw_act(enum cw_action action)
{
	return &acts[action];
}

/* The last owning agency the policy read in this thread's open operation: a page of 50 cases
 * of one agency reads it once, not 50 times. Forgotten when an operation begins and ends
 * (cw_facts_clear), so it never outlives the transaction that read it. */
static _Thread_local struct {
	bool set;
	struct sp_id id;
	enum sp_agency_kind kind;
} agency_seen;

/* Whether a decision of the open operation was flagged to the DPO (sp_decision.flag_dpo):
 * its audit records then are too. Forgotten with the facts. */
static _Thread_local bool dpo_flagged;

/* Whether a read in this thread's open operation went through a break-glass grant: its audit
 * record is then flagged to the DPO (cw_audit_act). */
static _Thread_local bool glass_used;

/* Cases read ahead for the open read operation (cw_cases_prefetch): their rows, and what
 * their shares give the agency asked about. Forgotten with the facts. */
static _Thread_local struct {
	size_t n, n_agencies;
	struct sp_id agency;
	struct ahead_case {
		struct sp_case c;
		bool shares_read; /* a case of another agency: its shares were read too */
		enum sp_referral_state state;
		unsigned fields;
	} rows[CW_PREFETCH];
	struct {
		struct sp_id id;
		enum sp_agency_kind kind;
	} agencies[CW_PREFETCH + 1]; /* the cases' owning agencies, and the one seen before */
} ahead;

void cw_facts_clear(void)
{
	ahead.n = ahead.n_agencies = 0;
	agency_seen.set = false;
	dpo_flagged = false;
	glass_used = false;
}

void cw_facts_section(void)
{
	dpo_flagged = false;
	glass_used = false;
}

const struct sp_case *cw_case_ahead(const struct sp_id *id)
{
	for (size_t i = 0; i < ahead.n; i++)
		if (memcmp(ahead.rows[i].c.id.b, id->b, SP_ID_LEN) == 0)
			return &ahead.rows[i].c;
	return NULL;
}

bool cw_share_ahead(const struct sp_id *case_id, const struct sp_id *agency,
		    enum sp_referral_state *state, unsigned *fields)
{
	if (!ahead.n || memcmp(ahead.agency.b, agency->b, SP_ID_LEN) != 0)
		return false;
	for (size_t i = 0; i < ahead.n; i++)
		if (ahead.rows[i].shares_read &&
		    memcmp(ahead.rows[i].c.id.b, case_id->b, SP_ID_LEN) == 0) {
			*state = ahead.rows[i].state;
			*fields = ahead.rows[i].fields;
			return true;
		}
	return false;
}

/* sql with its IN list of CW_PREFETCH placeholders from the first, bound to ids (the
 * missing ones repeat the first): one statement whatever the count. */
static int prepare_in(struct sp_casework *cw, const char *head, int first, const struct sp_id *ids,
		      size_t n, struct sp_stmt **st, struct sp_err *err)
{
	char sql[512 + 3 * CW_PREFETCH];
	size_t at = (size_t)snprintf(sql, sizeof sql - (size_t)3 * CW_PREFETCH - 2, "%s (?", head);
	for (int i = 1; i < CW_PREFETCH; i++, at += 3)
		memcpy(sql + at, ", ?", 4);
	memcpy(sql + at, ")", 2);
	int rc = sp_store_prepare(cw->store, sql, st, err);
	for (int i = 0; !rc && i < CW_PREFETCH; i++)
		if (sp_stmt_bind_id(*st, first + i, &ids[(size_t)i < n ? (size_t)i : 0]))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	return rc;
}

int cw_cases_prefetch(struct sp_casework *cw, const struct sp_id *ids, size_t n,
		      struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	ahead.n = 0;
	if (n == 0 || n > CW_PREFETCH)
		return n ? sp_err_set(err, SP_EINTERNAL, "", "too many cases to read ahead") : SP_OK;
	size_t got = 0;
	ahead.n_agencies = 0;
	int rc = prepare_in(cw, "SELECT " CW_CASE_COLUMNS " FROM cases WHERE id IN", 1, ids, n, &st,
			    err);
	while (!rc && (rc = sp_stmt_step(st, err)) > 0) {
		ahead.rows[got] = (struct ahead_case){.state = SP_REFERRAL_NONE};
		if (!(rc = cw_case_row(st, &ahead.rows[got].c, err)))
			got++;
	}
	sp_stmt_done(st);
	st = NULL;
	/* their owning agencies' kinds, but the one the policy already read in this operation */
	struct sp_id agencies[CW_PREFETCH];
	size_t nag = 0;
	if (agency_seen.set) {
		ahead.agencies[0].id = agency_seen.id;
		ahead.agencies[0].kind = agency_seen.kind;
		ahead.n_agencies = 1;
	}
	for (size_t i = 0; i < got; i++) {
		size_t k = 0;
		while (k < nag && memcmp(agencies[k].b, ahead.rows[i].c.agency.b, SP_ID_LEN) != 0)
			k++;
		if (k == nag && !(agency_seen.set && memcmp(agency_seen.id.b,
							    ahead.rows[i].c.agency.b,
							    SP_ID_LEN) == 0))
			agencies[nag++] = ahead.rows[i].c.agency;
	}
	if (!rc && nag)
		rc = prepare_in(cw, "SELECT id, kind FROM agencies WHERE id IN", 1, agencies, nag, &st,
				err);
	while (!rc && nag && (rc = sp_stmt_step(st, err)) > 0) {
		size_t k = ahead.n_agencies;
		if (sp_stmt_id(st, 0, &ahead.agencies[k].id) ||
		    sp_agency_kind_parse(sp_stmt_text(st, 1), &ahead.agencies[k].kind)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed agency row");
			break;
		}
		ahead.n_agencies++;
		rc = SP_OK;
	}
	sp_stmt_done(st);
	st = NULL;
	/* the shares with the subject's agency of the cases of other agencies (the policy asks
	 * about shares only across agencies: policy_object): accepted beats pending; the
	 * profiles of several accepted referrals add up (cw_share_read) */
	struct sp_id others[CW_PREFETCH];
	size_t nothers = 0;
	for (size_t i = 0; i < got; i++)
		if (memcmp(ahead.rows[i].c.agency.b, cw->subject->agency.b, SP_ID_LEN) != 0) {
			ahead.rows[i].shares_read = true;
			others[nothers++] = ahead.rows[i].c.id;
		}
	if (!rc && nothers)
		rc = prepare_in(cw,
				"SELECT case_id, state, fields FROM case_shares WHERE agency_id = ? AND "
				"case_id IN",
				2, others, nothers, &st, err);
	if (!rc && st && sp_stmt_bind_id(st, 1, &cw->subject->agency))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && st && (rc = sp_stmt_step(st, err)) > 0) {
		struct sp_id id;
		int64_t s = sp_stmt_int64(st, 1), f = sp_stmt_int64(st, 2);
		if (sp_stmt_id(st, 0, &id) || s < SP_REFERRAL_PENDING || s > SP_REFERRAL_ACCEPTED ||
		    f < 0 || ((unsigned)f & ~SP_FIELDS_ALL)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed case share row");
			break;
		}
		for (size_t i = 0; i < got; i++)
			if (memcmp(ahead.rows[i].c.id.b, id.b, SP_ID_LEN) == 0) {
				struct ahead_case *a = &ahead.rows[i];
				if (s > (int64_t)a->state)
					a->state = (enum sp_referral_state)s;
				if (s == SP_REFERRAL_ACCEPTED)
					a->fields |= (unsigned)f;
			}
		rc = SP_OK;
	}
	sp_stmt_done(st);
	if (!rc) {
		ahead.n = got;
		ahead.agency = cw->subject->agency;
	} else {
		ahead.n_agencies = 0;
	}
	return rc;
}

int64_t cw_now(const struct sp_casework *cw)
{
	return cw->now_us ? cw->now_us : sp_now_us();
}

/* The policy's view of case c: its owning agency's kind, and the relation to it of user, of
 * agency: assignment, and for another agency what the case's referrals to it share. */
static int policy_object(struct sp_casework *cw, const struct sp_case *c,
			 const struct sp_id *user, const struct sp_id *agency,
			 struct sp_policy_object *obj, struct sp_err *err)
{
	bool seen = agency_seen.set && memcmp(agency_seen.id.b, c->agency.b, SP_ID_LEN) == 0;
	for (size_t i = 0; !seen && i < ahead.n_agencies; i++)
		if (memcmp(ahead.agencies[i].id.b, c->agency.b, SP_ID_LEN) == 0) {
			seen = agency_seen.set = true;
			agency_seen.id = c->agency;
			agency_seen.kind = ahead.agencies[i].kind;
		}
	if (!seen) {
		struct sp_agency ag;
		int rc = sp_agency_get(cw->access, &c->agency, &ag, err);
		if (rc)
			return rc == SP_ENOTFOUND
				       ? sp_err_set(err, SP_EINTERNAL, "", "case agency missing")
				       : rc;
		agency_seen.set = true;
		agency_seen.id = c->agency;
		agency_seen.kind = ag.kind;
	}
	memset(obj, 0, sizeof *obj);
	obj->agency = c->agency;
	obj->agency_kind = agency_seen.kind;
	obj->assigned = !sp_id_is_zero(&c->assigned) &&
			memcmp(c->assigned.b, user->b, SP_ID_LEN) == 0;
	obj->restricted = (c->flags & SP_CASE_RESTRICTED) != 0;
	obj->referral = SP_REFERRAL_NONE;
	if (memcmp(agency->b, c->agency.b, SP_ID_LEN) == 0)
		return SP_OK; /* a referral goes to another agency */
	return cw_share_read(cw, &c->id, agency, &obj->referral, &obj->referral_fields, err);
}

static bool action_reads(enum sp_action action);

/* The policy question of act: a subject-access export asks each of its reads as
 * subject.export (and refuses writes: decide). */
static struct sp_policy_request request_of(const struct sp_casework *cw,
					   const struct sp_case_act *act)
{
	struct sp_policy_request req = {act->action, act->fields, NULL};
	if (cw->subject_export && action_reads(act->action))
		req.action = SP_ACT_SUBJECT_EXPORT;
	return req;
}

/* A read of the case page or its person that the policy refuses for want of assignment is
 * allowed under a live break-glass grant, as far as case.break_glass reaches (identity and
 * safety; never gbv, trafficking or notes, never a restricted case, never across the
 * firewall: those refusals are not not_assigned). */
static int glass_widens(struct sp_casework *cw, const struct sp_case_act *act,
			const struct sp_case *c, const struct sp_policy_object *obj,
			struct sp_decision *d, struct sp_err *err)
{
	bool live = false;
	if (d->allow || d->reason != SP_REASON_NOT_ASSIGNED ||
	    (act->action != SP_ACT_CASE_READ && act->action != SP_ACT_PERSON_READ_IDENTITY))
		return SP_EDENIED;
	int rc = cw_glass_active(cw, &c->id, &cw->subject->user, cw_now(cw), &live, err);
	if (rc || !live)
		return rc ? rc : SP_EDENIED;
	const struct sp_policy_request req = {SP_ACT_CASE_BREAK_GLASS, act->fields, "granted"};
	struct sp_decision g;
	sp_policy_decide(cw->subject, &req, obj, &g);
	if (!g.allow)
		return SP_EDENIED;
	*d = g;
	glass_used = true;
	return SP_OK;
}

static int decide(struct sp_casework *cw, const struct sp_case_act *act, const struct sp_case *c,
		  const char *why, enum sp_agency_kind target, struct sp_decision *d,
		  struct sp_err *err)
{
	struct sp_policy_object obj;
	struct sp_policy_request req = request_of(cw, act);
	req.reason = why;
	memset(d, 0, sizeof *d);
	d->reason = SP_REASON_INVALID;
	if (cw->subject_export && !action_reads(act->action))
		return sp_err_set(err, SP_EDENIED, "", "a subject-access export only reads");
	enum sp_cpu_phase was = sp_cpu_enter(SP_CPU_POLICY);
	int rc = policy_object(cw, c, &cw->subject->user, &cw->subject->agency, &obj, err);
	obj.target_kind = target;
	/* A new case belongs to the subject's agency and is theirs until assigned otherwise. */
	if (!rc && act->action == SP_ACT_CASE_CREATE)
		obj.assigned = 1;
	if (!rc)
		rc = sp_policy_check(cw->subject, &req, &obj, d, err);
	if (rc == SP_EDENIED)
		rc = glass_widens(cw, act, c, &obj, d, err);
	sp_cpu_enter(was);
	return rc;
}

/* The policy's last refusal in this thread's open operation, recorded by cw_finish after the
 * rollback (the operation's own transaction cannot keep it). */
static _Thread_local struct {
	bool set;
	const struct sp_case_act *act; /* outlives the operation (a static descriptor) */
	struct sp_id object;
	enum sp_reason reason;
	bool conflict; /* a 409 refused on safety grounds (cw_refuse_conflict), not a 403 */
} denial;

void cw_denial_clear(void)
{
	denial.set = false;
}

void cw_denial_note(const struct sp_case_act *act, const struct sp_id *case_id,
		    enum sp_reason reason)
{
	denial.set = true;
	denial.act = act;
	denial.object = *case_id;
	denial.reason = reason;
	denial.conflict = false;
}

static int authorise(struct sp_casework *cw, const struct sp_case_act *act,
		     const struct sp_case *c, const char *why, enum sp_agency_kind target,
		     struct sp_err *err)
{
	struct sp_decision d = {.reason = SP_REASON_INVALID};
	int rc = decide(cw, act, c, why, target, &d, err);
	if (rc == SP_EDENIED)
		cw_denial_note(act, &c->id, d.reason);
	dpo_flagged = dpo_flagged || (!rc && d.flag_dpo);
	return rc;
}

int cw_authorise_act(struct sp_casework *cw, const struct sp_case_act *act,
		     const struct sp_case *c, struct sp_err *err)
{
	return authorise(cw, act, c, NULL, SP_AGENCY_NGO, err);
}

int cw_authorise_ext(struct sp_casework *cw, enum cw_action action, const struct sp_case *c,
		     const char *why, enum sp_agency_kind target, struct sp_err *err)
{
	return authorise(cw, &acts[action], c, why, target, err);
}

int cw_agency_kind(struct sp_casework *cw, const struct sp_id *agency, const char *field,
		   enum sp_agency_kind *out, struct sp_err *err)
{
	struct sp_agency ag;
	int rc = sp_agency_get(cw->access, agency, &ag, err);
	if (rc == SP_ENOTFOUND)
		return sp_err_set(err, SP_EINVAL, field, "no such agency");
	if (!rc)
		*out = ag.kind;
	return rc;
}

static int decide_for(struct sp_casework *cw, enum sp_action action, const struct sp_id *agency,
		      struct sp_decision *d, struct sp_err *err)
{
	struct sp_policy_object obj = {.agency = *agency, .referral = SP_REFERRAL_NONE};
	const struct sp_policy_request req = {action, 0, NULL};
	int rc = cw_agency_kind(cw, agency, "", &obj.agency_kind, err);
	return rc ? rc : sp_policy_check(cw->subject, &req, &obj, d, err);
}

int cw_authorise_decide(struct sp_casework *cw, const struct sp_id *agency,
			const struct sp_id *case_id, struct sp_err *err)
{
	static const struct sp_id none;
	struct sp_decision d = {.reason = SP_REASON_INVALID};
	int rc = decide_for(cw, SP_ACT_APPROVAL_DECIDE, agency, &d, err);
	if (rc == SP_EDENIED)
		cw_denial_note(&acts[CW_APPROVAL_DECIDE], case_id ? case_id : &none, d.reason);
	return rc;
}

int cw_authorise_agency(struct sp_casework *cw, enum cw_action action, const struct sp_id *agency,
			struct sp_err *err)
{
	static const struct sp_id none;
	struct sp_decision d = {.reason = SP_REASON_INVALID};
	int rc = decide_for(cw, acts[action].action, agency, &d, err);
	if (rc == SP_EDENIED)
		cw_denial_note(&acts[action], &none, d.reason);
	return rc;
}

int cw_may_decide(struct sp_casework *cw, const struct sp_id *agency, bool *out,
		  struct sp_err *err)
{
	struct sp_decision d;
	int rc = decide_for(cw, SP_ACT_APPROVAL_DECIDE, agency, &d, err);
	*out = rc == SP_OK;
	return rc == SP_EDENIED ? SP_OK : rc;
}

int cw_refuse(const struct sp_case_act *act, const struct sp_id *case_id, enum sp_reason reason,
	      const char *detail, struct sp_err *err)
{
	cw_denial_note(act, case_id, reason);
	sp_err_set(err, SP_EDENIED, "", "%s", detail);
	if (err)
		snprintf(err->reason, sizeof err->reason, "%s", sp_reason_name(reason));
	return SP_EDENIED;
}

int cw_authorise(struct sp_casework *cw, enum cw_action action, const struct sp_case *c,
		 struct sp_err *err)
{
	return cw_authorise_act(cw, &acts[action], c, err);
}

int cw_refuse_conflict(const struct sp_case_act *act, const struct sp_id *case_id,
		       enum sp_reason reason, const char *field, const char *detail,
		       struct sp_err *err)
{
	cw_denial_note(act, case_id, reason);
	denial.conflict = true;
	sp_err_set(err, SP_ECONFLICT, field, "%s", detail);
	if (err)
		snprintf(err->reason, sizeof err->reason, "%s", sp_reason_name(reason));
	return SP_ECONFLICT;
}

int cw_denial_record(struct sp_casework *cw, int outcome)
{
	bool held = denial.set &&
		    (outcome == SP_EDENIED || (outcome == SP_ECONFLICT && denial.conflict));
	denial.set = false;
	if (!held)
		return SP_OK;
	char roles[160], reason[48];
	if (sp_roles_format(cw->subject->roles, roles, sizeof roles))
		roles[0] = '\0';
	snprintf(reason, sizeof reason, "denied:%s", sp_reason_name(denial.reason));
	struct sp_audit_rec rec = {
		.actor = cw->subject->user,
		.agency = cw->subject->agency,
		.roles = roles,
		.action = denial.act->name,
		.object_type = "case",
		.object_id = denial.object,
		.reason = reason,
		.request_id = cw->request_id,
		/* Crossing the firewall is never routine: the DPO looks at each attempt. */
		.flags = denial.reason == SP_REASON_FIREWALL ? SP_AUDIT_F_DPO : 0,
	};
	struct sp_err err = {0};
	int rc = sp_store_begin_write(cw->store, &err);
	if (!rc)
		rc = sp_audit_append(cw->store, cw->audit, &rec, NULL, &err);
	if (!rc)
		rc = sp_store_commit(cw->store, &err);
	if (rc)
		sp_store_rollback(cw->store);
	return rc;
}

int cw_authorise_any(struct sp_casework *cw, enum cw_action action, struct sp_err *err)
{
	return cw_authorise_any_act(cw, &acts[action], err);
}

/* The policy's word on act on the most a subject could have: a case of its own agency,
 * assigned to it. */
static int decide_any(struct sp_casework *cw, const struct sp_case_act *act,
		      struct sp_decision *d, struct sp_err *err)
{
	const struct sp_policy_object obj = {.agency = cw->subject->agency,
					     .agency_kind = cw->subject->agency_kind,
					     .assigned = 1,
					     .referral = SP_REFERRAL_NONE};
	const struct sp_policy_request req = request_of(cw, act);
	return sp_policy_check(cw->subject, &req, &obj, d, err);
}

int cw_authorise_any_act(struct sp_casework *cw, const struct sp_case_act *act,
			 struct sp_err *err)
{
	struct sp_decision d = {.reason = SP_REASON_INVALID};
	int rc = decide_any(cw, act, &d, err);
	if (rc == SP_EDENIED) {
		denial.set = true;
		denial.act = act;
		memset(&denial.object, 0, sizeof denial.object);
		denial.reason = d.reason;
	}
	return rc;
}

bool cw_allowed_any(struct sp_casework *cw, enum cw_action action)
{
	struct sp_decision d;
	return decide_any(cw, &acts[action], &d, NULL) == SP_OK;
}

bool cw_allowed_act(struct sp_casework *cw, const struct sp_case_act *act,
		    const struct sp_case *c)
{
	struct sp_decision d;
	return decide(cw, act, c, NULL, SP_AGENCY_NGO, &d, NULL) == SP_OK;
}

int cw_may(struct sp_casework *cw, enum cw_action action, const struct sp_case *c, bool *out,
	   struct sp_err *err)
{
	struct sp_decision d;
	int rc = decide(cw, &acts[action], c, NULL, SP_AGENCY_NGO, &d, err);
	*out = rc == SP_OK;
	return rc == SP_EDENIED ? SP_OK : rc;
}

bool cw_allowed(struct sp_casework *cw, enum cw_action action, const struct sp_case *c)
{
	return cw_allowed_act(cw, &acts[action], c);
}

const struct sp_id *cw_actor(const struct sp_casework *cw)
{
	return &cw->subject->user;
}

const struct sp_id *cw_actor_agency(const struct sp_casework *cw)
{
	return &cw->subject->agency;
}

bool cw_actor_is_supervisor(const struct sp_casework *cw)
{
	return (cw->subject->roles & SP_ROLE_SUPERVISOR) != 0;
}

int cw_agency_prefix(struct sp_casework *cw, const struct sp_id *agency, char out[16],
		     struct sp_err *err)
{
	struct sp_agency ag;
	int rc = sp_agency_get(cw->access, agency, &ag, err);
	if (rc)
		return rc;
	snprintf(out, 16, "%s", ag.code);
	return SP_OK;
}

int cw_user_in_agency(struct sp_casework *cw, const struct sp_id *user, const struct sp_id *agency,
		      struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get(cw->access, user, &u, err);
	if (rc == SP_ENOTFOUND ||
	    (!rc && (u.disabled || memcmp(u.agency.b, agency->b, SP_ID_LEN) != 0)))
		return sp_err_set(err, SP_EINVAL, "/assigned",
				  "is not a user of the owning agency");
	return rc;
}

int cw_user_may(struct sp_casework *cw, const struct sp_id *user, enum cw_action action,
		const struct sp_case *c, const char *field, struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get(cw->access, user, &u, err);
	if (rc == SP_ENOTFOUND ||
	    (!rc && (u.disabled || memcmp(u.agency.b, c->agency.b, SP_ID_LEN) != 0)))
		return sp_err_set(err, SP_EINVAL, field, "is not a user of the case's agency");
	if (rc)
		return rc;
	struct sp_subject sub;
	struct sp_policy_object obj;
	struct sp_decision d;
	const struct sp_policy_request req = {acts[action].action, acts[action].fields, NULL};
	sp_user_subject(&u, &sub);
	if ((rc = policy_object(cw, c, user, &u.agency, &obj, err)))
		return rc;
	sp_policy_decide(&sub, &req, &obj, &d);
	if (!d.allow)
		return sp_err_set(err, SP_EINVAL, field, "may not work on this case (%s)",
				  sp_reason_name(d.reason));
	return SP_OK;
}

/* ---- audit ----------------------------------------------------------------------------- */

/* Whether the policy action only reads: its record can go through the group-commit writer. */
static bool action_reads(enum sp_action action)
{
	switch (action) {
	case SP_ACT_CASE_READ:
	case SP_ACT_CASE_SEARCH:
	case SP_ACT_CASE_LIST:
	case SP_ACT_NOTE_READ:
	case SP_ACT_CONSENT_READ:
	case SP_ACT_PERSON_READ_IDENTITY:
	case SP_ACT_NEED_READ:
	case SP_ACT_TASK_READ:
	case SP_ACT_DECISION_READ:
	case SP_ACT_REFERRAL_READ:
		return true;
	default:
		return false;
	}
}

/* A read's records, held from its operation's audit calls until cw_finish hands them to the
 * writer together (one wait for a page that is several reads: the dashboard and its
 * referrals): copies, since the operation's strings and ids are gone by then. */
static _Thread_local struct {
	size_t n;
	struct sp_audit_rec recs[CW_DEFERRED_MAX];
	struct deferred_text {
		char roles[160];
		char fields[64];
		char reason[64];
		struct sp_id objects[SP_AUDIT_OBJECTS_MAX];
	} text[CW_DEFERRED_MAX];
} deferred;

void cw_deferred_clear(void)
{
	deferred.n = 0;
}

static int defer(const struct sp_audit_rec *rec, struct sp_err *err)
{
	if (deferred.n == CW_DEFERRED_MAX)
		return sp_err_set(err, SP_EINTERNAL, "", "too many audit records to defer");
	struct deferred_text *t = &deferred.text[deferred.n];
	if (strlen(rec->fields) >= sizeof t->fields || strlen(rec->roles) >= sizeof t->roles ||
	    (rec->reason && strlen(rec->reason) >= sizeof t->reason))
		return sp_err_set(err, SP_EINTERNAL, "", "audit record too long to defer");
	struct sp_audit_rec *d = &deferred.recs[deferred.n++];
	*d = *rec;
	snprintf(t->roles, sizeof t->roles, "%s", rec->roles);
	snprintf(t->fields, sizeof t->fields, "%s", rec->fields);
	if (rec->reason) {
		snprintf(t->reason, sizeof t->reason, "%s", rec->reason);
		d->reason = t->reason;
	}
	if (rec->nobjects)
		memcpy(t->objects, rec->objects, rec->nobjects * sizeof *rec->objects);
	d->roles = t->roles;
	d->fields = t->fields;
	d->objects = rec->nobjects ? t->objects : NULL;
	return SP_OK;
}

int cw_deferred_submit(struct sp_casework *cw, int rc, struct sp_err *err)
{
	size_t n = deferred.n;
	deferred.n = 0;
	if (rc || !n)
		return rc;
	return sp_audit_writer_submit_many(cw->read_audit, deferred.recs, n, NULL, err);
}

int cw_audit_act(struct sp_casework *cw, const struct sp_case_act *act, const char *object_type,
		 const struct sp_id *objects, size_t n, const char *fields, const char *reason,
		 struct sp_err *err)
{
	char roles[160];
	if (sp_roles_format(cw->subject->roles, roles, sizeof roles))
		roles[0] = '\0';
	if (n > SP_AUDIT_OBJECTS_MAX + 1)
		return sp_err_set(err, SP_EINTERNAL, "", "too many objects for one audit record");
	struct sp_audit_rec rec = {
		.actor = cw->subject->user,
		.agency = cw->subject->agency,
		.roles = roles,
		.action = act->name,
		.object_type = object_type,
		.objects = n > 1 ? objects + 1 : NULL,
		.nobjects = n > 1 ? n - 1 : 0,
		.fields = fields,
		.reason = reason,
		.request_id = cw->request_id,
		.flags = dpo_flagged ? SP_AUDIT_F_DPO : 0,
	};
	/* What a break-glass grant let the subject see is the DPO's to review. */
	if (glass_used) {
		rec.flags = SP_AUDIT_F_DPO | SP_AUDIT_F_BREAK_GLASS;
		rec.reason = reason ? reason : "break_glass";
	}
	if (n)
		rec.object_id = objects[0];
	enum sp_cpu_phase was = sp_cpu_enter(SP_CPU_AUDIT);
	int rc = cw->read_audit && action_reads(act->action)
			 ? defer(&rec, err)
			 : sp_audit_append(cw->store, cw->audit, &rec, NULL, err);
	sp_cpu_enter(was);
	return rc;
}

int cw_audit_glass(struct sp_casework *cw, const struct sp_id *case_id, struct sp_err *err)
{
	glass_used = true;
	return cw_audit_act(cw, &acts[CW_BREAK_GLASS], "case", case_id, 1, "stat", "break_glass",
			    err);
}

int cw_audit_many(struct sp_casework *cw, enum cw_action action, const char *object_type,
		  const struct sp_id *objects, size_t n, const char *fields, struct sp_err *err)
{
	return cw_audit_act(cw, &acts[action], object_type, objects, n, fields, NULL, err);
}

int cw_idem_record(struct sp_casework *cw, const char *kind, const struct sp_id *object,
		   const struct sp_id *parent, struct sp_err *err)
{
	return cw->idem ? sp_idem_record(cw->store, cw->idem, kind, object, parent, err) : SP_OK;
}

int cw_audit(struct sp_casework *cw, enum cw_action action, const char *object_type,
	     const struct sp_id *object, const char *fields, struct sp_err *err)
{
	return cw_audit_many(cw, action, object_type, object, 1, fields, err);
}
