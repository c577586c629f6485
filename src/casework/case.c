/* Cases (owner of the cases and case_sequences tables): numbering per agency and year,
 * opening with the person, reading, updating, and the person behind a case. Each public
 * operation is one write transaction: authorise, work, audit, commit, or roll back. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/cputime.h"
#include "safepath/crypto.h"
#include "safepath/json.h"
#include "safepath/jsonw.h"
#include "safepath/names.h"
#include "safepath/store.h"

static const char *const status_names[SP_CASE_STATUS_COUNT] = {
	[SP_CASE_OPEN] = "open",
	[SP_CASE_ACTIVE] = "active",
	[SP_CASE_CLOSED] = "closed",
};

static const char *const priority_names[SP_PRIORITY_COUNT] = {
	[SP_PRIORITY_LOW] = "low",
	[SP_PRIORITY_NORMAL] = "normal",
	[SP_PRIORITY_HIGH] = "high",
	[SP_PRIORITY_URGENT] = "urgent",
};

/* By bit position. */
static const char *const flag_names[SP_CASE_FLAG_COUNT] = {
	"unaccompanied_child", "separated_child", "possible_victim_of_trafficking",
	"restricted",          "age_disputed",    "synthetic",
	"legal_hold",          "anonymised",
};

const char *sp_case_status_name(enum sp_case_status s)
{
	return sp_name_of(status_names, SP_CASE_STATUS_COUNT, (int)s);
}
int sp_case_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_CASE_STATUS_COUNT, s);
}
const char *sp_case_priority_name(enum sp_case_priority p)
{
	return sp_name_of(priority_names, SP_PRIORITY_COUNT, (int)p);
}
int sp_case_priority_parse(const char *s)
{
	return sp_name_index(priority_names, SP_PRIORITY_COUNT, s);
}

const char *sp_case_flag_name(unsigned flag)
{
	for (int i = 0; i < SP_CASE_FLAG_COUNT; i++)
		if (flag == 1u << i)
			return flag_names[i];
	return NULL;
}

unsigned sp_case_flag_parse(const char *s)
{
	int i = sp_name_index(flag_names, SP_CASE_FLAG_COUNT, s);
	return i < 0 ? 0 : 1u << i;
}

/* The case's life through an update: from × to. Only open -> active is an update (the
 * assigned staff's work, which the policy has already checked); closing and reopening go
 * through the approvals of caselife.c, which set the status with cw_case_write. Staying in
 * the same status is no transition. */
static const bool transitions[SP_CASE_STATUS_COUNT][SP_CASE_STATUS_COUNT] = {
	[SP_CASE_OPEN] = {[SP_CASE_ACTIVE] = true},
};

static int check_transition(enum sp_case_status from, enum sp_case_status to,
			    struct sp_err *err)
{
	if (from == to || transitions[from][to])
		return SP_OK;
	if (to == SP_CASE_CLOSED)
		return sp_err_set(err, SP_ECONFLICT, "/status",
				  "a case closes only with a supervisor's approval: request its "
				  "closure");
	if (from == SP_CASE_CLOSED)
		return sp_err_set(err, SP_ECONFLICT, "/status",
				  "a closed case is reopened with a reason: reopen it");
	return sp_err_set(err, SP_ECONFLICT, "/status", "a case cannot go from %s to %s",
			  sp_case_status_name(from), sp_case_status_name(to));
}

/* --- the transaction frame -------------------------------------------------------------- */

int cw_begin(struct sp_casework *cw, struct sp_err *err)
{
	cw_denial_clear();
	cw_facts_clear();
	cw_deferred_clear();
	return sp_store_begin_write(cw->store, err);
}

int cw_begin_read(struct sp_casework *cw, struct sp_err *err)
{
	cw_denial_clear();
	cw_facts_clear();
	cw_deferred_clear();
	return cw->read_audit ? sp_store_begin_read(cw->store, err)
			      : sp_store_begin_write(cw->store, err);
}

int cw_finish(struct sp_casework *cw, int rc, struct sp_err *err)
{
	enum sp_cpu_phase was = sp_cpu_enter(SP_CPU_COMMIT);
	if (!rc)
		rc = sp_store_commit(cw->store, err);
	if (rc)
		sp_store_rollback(cw->store);
	cw_facts_clear();
	sp_cpu_enter(was);
	/* The refusal itself is kept; failing to keep it does not change the answer. */
	if (rc == SP_EDENIED || rc == SP_ECONFLICT)
		(void)cw_denial_record(cw, rc);
	/* A read answers only once its record is durable (the wait is no CPU of ours). */
	was = sp_cpu_enter(SP_CPU_AUDIT);
	rc = cw_deferred_submit(cw, rc, err);
	sp_cpu_enter(was);
	return rc;
}

int cw_exec_done(struct sp_stmt *st, struct sp_err *err)
{
	int rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc > 0)
		return sp_err_set(err, SP_EINTERNAL, "", "statement returned a row");
	return rc;
}

int cw_exec_id(struct sp_casework *cw, const char *sql, const struct sp_id *id,
	       struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, id)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return cw_exec_done(st, err);
}

int cw_step_versioned(struct sp_stmt *st, const char *what, struct sp_err *err)
{
	int rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		return sp_err_set(err, SP_ECONFLICT, "/version", "the %s was changed meanwhile", what);
	if (rc > 0)
		return sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	return rc;
}

/* --- rows ------------------------------------------------------------------------------- */

int cw_case_row_at(struct sp_stmt *st, int f, struct sp_case *c, struct sp_err *err)
{
	memset(c, 0, sizeof *c);
	const char *number = sp_stmt_text(st, f + 1);
	int status = sp_case_status_parse(sp_stmt_text(st, f + 5));
	int priority = sp_case_priority_parse(sp_stmt_text(st, f + 6));
	int64_t flags = sp_stmt_int64(st, f + 7);
	if (sp_stmt_id(st, f, &c->id) || sp_stmt_id(st, f + 2, &c->person) ||
	    sp_stmt_id(st, f + 3, &c->agency) ||
	    (!sp_stmt_is_null(st, f + 4) && sp_stmt_id(st, f + 4, &c->assigned)) || !number ||
	    strlen(number) >= sizeof c->number || status < 0 || priority < 0 || flags < 0 ||
	    flags > SP_CASE_FLAGS_ALL)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed case row");
	memcpy(c->number, number, strlen(number) + 1);
	c->status = (enum sp_case_status)status;
	c->priority = (enum sp_case_priority)priority;
	c->flags = (unsigned)flags;
	c->created_us = sp_stmt_int64(st, f + 8);
	c->updated_us = sp_stmt_int64(st, f + 9);
	c->closed_us = sp_stmt_is_null(st, f + 10) ? 0 : sp_stmt_int64(st, f + 10);
	c->version = sp_stmt_int64(st, f + 11);
	return SP_OK;
}

int cw_case_row(struct sp_stmt *st, struct sp_case *c, struct sp_err *err)
{
	return cw_case_row_at(st, 0, c, err);
}

int cw_select_id(struct sp_casework *cw, const char *sql, const struct sp_id *id,
		 const char *what, struct sp_stmt **st, struct sp_err *err)
{
	int rc = sp_store_prepare(cw->store, sql, st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_id(*st, 1, id) ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
					 : sp_stmt_step(*st, err);
	if (rc == 1)
		return SP_OK;
	sp_stmt_done(*st);
	*st = NULL;
	return rc ? rc : sp_err_set(err, SP_ENOTFOUND, "", "no such %s", what);
}

int cw_case_load(struct sp_casework *cw, const struct sp_id *id, struct sp_case *c,
		 struct sp_err *err)
{
	const struct sp_case *seen = cw_case_ahead(id);
	if (seen) {
		*c = *seen;
		return SP_OK;
	}
	struct sp_stmt *st;
	int rc = cw_select_id(cw, "SELECT " CW_CASE_COLUMNS " FROM cases WHERE id = ?", id, "case",
			      &st, err);
	if (rc)
		return rc;
	rc = cw_case_row(st, c, err);
	sp_stmt_done(st);
	return rc;
}

int cw_case_load_for(struct sp_casework *cw, enum cw_action action, const struct sp_id *id,
		     struct sp_case *c, struct sp_err *err)
{
	int rc = cw_case_load(cw, id, c, err);
	return rc ? rc : cw_authorise(cw, action, c, err);
}

/* Prepare one of next_number's statements, whose parameters from the first are the agency and
 * the year. */
static int prepare_sequence(struct sp_casework *cw, const char *sql, int first,
			    const struct sp_id *agency, int year, struct sp_stmt **st,
			    struct sp_err *err)
{
	int rc = sp_store_prepare(cw->store, sql, st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(*st, first, agency) || sp_stmt_bind_int64(*st, first + 1, year)) {
		sp_stmt_done(*st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return SP_OK;
}

/* Bump agency's counter for year by count: the rows changed (0 when it has no row yet). The
 * UPDATE takes the row's lock (PostgreSQL) until the transaction ends: two writers never read
 * the same number. */
static int bump_sequence(struct sp_casework *cw, const struct sp_id *agency, int year,
			 int64_t count, int64_t *changed, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = prepare_sequence(cw,
				  "UPDATE case_sequences SET last_number = last_number + ? "
				  "WHERE agency_id = ? AND year = ?",
				  2, agency, year, &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_int64(st, 1, count) ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
					       : sp_stmt_step(st, err);
	*changed = rc == 0 ? sp_stmt_changes(st) : 0;
	sp_stmt_done(st);
	if (rc)
		return rc < 0 ? rc : sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	return SP_OK;
}

/* The next count numbers of agency's counter for year, inside the open write transaction:
 * *out the last of them. */
static int next_number(struct sp_casework *cw, const struct sp_id *agency, int year, int64_t count,
		       int64_t *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int64_t changed = 0;
	int rc = bump_sequence(cw, agency, year, count, &changed, err);
	if (!rc && changed == 0) {
		/* First case of the year for this agency. Two first cases can race here on
		 * PostgreSQL: the second INSERT waits for the first and then does nothing, and
		 * both bump the one row in turn. */
		rc = prepare_sequence(cw,
				      "INSERT INTO case_sequences (agency_id, year, last_number) "
				      "VALUES (?, ?, 0) ON CONFLICT DO NOTHING",
				      1, agency, year, &st, err);
		if (!rc)
			rc = cw_exec_done(st, err);
		if (!rc)
			rc = bump_sequence(cw, agency, year, count, &changed, err);
		if (!rc && changed != 1)
			rc = sp_err_set(err, SP_EINTERNAL, "", "case sequence missing");
	}
	if (rc)
		return rc;
	rc = prepare_sequence(cw,
			      "SELECT last_number FROM case_sequences "
			      "WHERE agency_id = ? AND year = ?",
			      1, agency, year, &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_step(st, err);
	if (rc == 1) {
		*out = sp_stmt_int64(st, 0);
		rc = SP_OK;
	} else if (rc == 0) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "case sequence vanished");
	}
	sp_stmt_done(st);
	return rc;
}

static int utc_year(int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return 1970;
	return tm.tm_year + 1900;
}

static int format_number(const char *prefix, int year, int64_t n, char out[SP_CASE_NUMBER_MAX],
			 struct sp_err *err)
{
	int k = snprintf(out, SP_CASE_NUMBER_MAX, "%s-%04d-%06lld", prefix, year, (long long)n);
	if (k < 0 || k >= SP_CASE_NUMBER_MAX)
		return sp_err_set(err, SP_EINTERNAL, "", "case number too long");
	return SP_OK;
}

static int insert_case(struct sp_casework *cw, const struct sp_case *c, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "INSERT INTO cases (" CW_CASE_COLUMNS ") "
				  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &c->id);
	b |= sp_stmt_bind_text(st, 2, c->number);
	b |= sp_stmt_bind_id(st, 3, &c->person);
	b |= sp_stmt_bind_id(st, 4, &c->agency);
	b |= sp_id_is_zero(&c->assigned) ? sp_stmt_bind_null(st, 5)
					 : sp_stmt_bind_id(st, 5, &c->assigned);
	b |= sp_stmt_bind_text(st, 6, sp_case_status_name(c->status));
	b |= sp_stmt_bind_text(st, 7, sp_case_priority_name(c->priority));
	b |= sp_stmt_bind_int64(st, 8, c->flags);
	b |= sp_stmt_bind_int64(st, 9, c->created_us);
	b |= sp_stmt_bind_int64(st, 10, c->updated_us);
	b |= c->closed_us ? sp_stmt_bind_int64(st, 11, c->closed_us) : sp_stmt_bind_null(st, 11);
	b |= sp_stmt_bind_int64(st, 12, c->version);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return cw_exec_done(st, err);
}

/* --- operations ------------------------------------------------------------------------- */

/* A new case row for in, opened now by the subject: ids, agency, assignee, times. */
static int case_new(struct sp_casework *cw, const struct sp_case_open *in, struct sp_case *c,
		    struct sp_err *err)
{
	if (!in->person || (int)in->priority < 0 || in->priority >= SP_PRIORITY_COUNT ||
	    (in->flags & ~SP_CASE_FLAGS_ALL))
		return sp_err_set(err, SP_EINVAL, "", "invalid case");
	if (in->flags & SP_CASE_FLAGS_MANAGED)
		return sp_err_set(err, SP_EINVAL, "/flags",
				  "legal_hold and anonymised are not set when a case is opened");
	memset(c, 0, sizeof *c);
	sp_id_new(&c->id);
	sp_id_new(&c->person);
	c->agency = *cw_actor_agency(cw);
	c->assigned = in->assigned ? *in->assigned : *cw_actor(cw);
	c->status = SP_CASE_OPEN;
	c->priority = in->priority;
	c->flags = in->flags;
	c->created_us = c->updated_us = sp_now_us();
	c->version = 1;
	return SP_OK;
}

/* Write case c for in's person in the open transaction: its number n of its year (the
 * agency's prefix), the sealed person and index rows, the case row. */
static int case_insert(struct sp_casework *cw, const struct sp_case_open *in, const char *prefix,
		       int64_t n, struct sp_case *c, struct sp_err *err)
{
	int rc = format_number(prefix, utc_year(c->created_us), n, c->number, err);
	if (!rc)
		rc = cw_person_insert(cw, &c->person, in->person, c->created_us, err);
	return rc ? rc : insert_case(cw, c, err);
}

int sp_case_open(struct sp_casework *cw, const struct sp_case_open *in, struct sp_case *out,
		 struct sp_err *err)
{
	struct sp_case c = {0};
	int rc = case_new(cw, in, &c, err);
	if (!rc)
		rc = cw_begin(cw, err);
	if (rc)
		return rc;
	char prefix[16];
	rc = cw_authorise(cw, CW_CASE_CREATE, &c, err);
	if (!rc && in->assigned)
		rc = cw_user_in_agency(cw, &c.assigned, &c.agency, err);
	/* The key store is another database, outside this transaction: if the transaction
	 * fails after this, the new key is an orphan that seals nothing. */
	if (!rc)
		rc = cw_person_key_create(cw, &c.person, err);
	if (!rc)
		rc = cw_agency_prefix(cw, &c.agency, prefix, err);
	int64_t number = 0;
	if (!rc)
		rc = next_number(cw, &c.agency, utc_year(c.created_us), 1, &number, err);
	if (!rc)
		rc = case_insert(cw, in, prefix, number, &c, err);
	if (!rc)
		rc = cw_idem_record(cw, "case", &c.id, NULL, err);
	if (!rc)
		rc = cw_audit(cw, CW_CASE_CREATE, "case", &c.id, "stat,identity,safety", err);
	if (!rc && in->then)
		rc = cw_caseop_then(cw, in->then_act, &c, in->then, in->then_ctx, err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = c;
	return rc;
}

/* The numbers of out[i] and the cases after it opened in the same year: reserved at once,
 * *next the first, *until the index past the last. */
static int batch_numbers(struct sp_casework *cw, const struct sp_case *out, size_t i, size_t n,
			 int64_t *next, size_t *until, struct sp_err *err)
{
	int year = utc_year(out[i].created_us);
	for (*until = i + 1; *until < n && utc_year(out[*until].created_us) == year; (*until)++)
		;
	int64_t count = (int64_t)(*until - i), last = 0;
	int rc = next_number(cw, &out[i].agency, year, count, &last, err);
	*next = last - count + 1;
	return rc;
}

int sp_case_open_batch(struct sp_casework *cw, const struct sp_case_open *in, size_t n,
		       struct sp_case *out, struct sp_err *err)
{
	if (n == 0 || n > SP_CASE_BATCH_MAX)
		return sp_err_set(err, SP_EINVAL, "", "a batch holds 1 to %d cases",
				  SP_CASE_BATCH_MAX);
	struct sp_id persons[SP_CASE_BATCH_MAX];
	int rc = SP_OK;
	memset(out, 0, n * sizeof *out);
	for (size_t i = 0; !rc && i < n; i++) {
		rc = (in[i].flags & SP_CASE_SYNTHETIC)
			     ? case_new(cw, &in[i], &out[i], err)
			     : sp_err_set(err, SP_EINVAL, "/flags",
					  "the batch path opens synthetic cases only");
		if (!rc)
			persons[i] = out[i].person;
	}
	/* the keys first, in one transaction of the key store (see sp_case_open) */
	if (!rc)
		rc = cw_person_keys_create(cw, persons, n, err);
	if (!rc)
		rc = cw_begin(cw, err);
	if (rc)
		return rc;
	char prefix[16];
	/* one subject, one agency: the policy's word on the first is its word on all */
	rc = cw_authorise(cw, CW_CASE_CREATE, &out[0], err);
	if (!rc)
		rc = cw_agency_prefix(cw, &out[0].agency, prefix, err);
	/* the rows go as multi-row INSERTs at the commit: a few round trips for the batch */
	if (!rc)
		rc = sp_store_defer_begin(cw->store, err);
	int64_t number = 0;
	for (size_t i = 0, until = 0; !rc && i < n; i++) {
		if (i == until)
			rc = batch_numbers(cw, out, i, n, &number, &until, err);
		/* the keys read back a chunk at a time, for the sealing that follows */
		if (!rc && i % SP_PERSON_KEYS_CACHED == 0)
			rc = cw_person_keys_cache(cw, persons + i,
						  n - i < SP_PERSON_KEYS_CACHED ? n - i
										: SP_PERSON_KEYS_CACHED,
						  err);
		bool checked = i > 0 && memcmp(out[i].assigned.b, out[i - 1].assigned.b, SP_ID_LEN) == 0;
		if (!rc && in[i].assigned && !checked)
			rc = cw_user_in_agency(cw, &out[i].assigned, &out[i].agency, err);
		if (!rc)
			rc = case_insert(cw, &in[i], prefix, number++, &out[i], err);
	}
	char count[32];
	snprintf(count, sizeof count, "synthetic:%zu", n);
	if (!rc)
		rc = cw_audit_act(cw, cw_act(CW_CASE_CREATE_BATCH), "case", &out[0].id, 1,
				  "stat,identity,safety", count, err);
	return cw_finish(cw, rc, err);
}

int sp_case_get(struct sp_casework *cw, const struct sp_id *id, struct sp_case *out,
		struct sp_err *err)
{
	bool has_person;
	return sp_case_read(cw, id, out, NULL, &has_person, err);
}

int sp_case_read(struct sp_casework *cw, const struct sp_id *id, struct sp_case *out,
		 struct sp_person *person, bool *has_person, struct sp_err *err)
{
	*has_person = false;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load_for(cw, CW_CASE_READ, id, &c, err);
	bool identity = !rc && person && cw_allowed(cw, CW_PERSON_READ, &c);
	bool safety = identity && cw_allowed(cw, CW_PERSON_READ_SAFETY, &c);
	if (identity) {
		rc = cw_person_load(cw, &c.person, safety, person, err);
		if (rc == SP_ENOTFOUND) { /* erased: the case stays readable */
			identity = safety = false;
			rc = SP_OK;
		}
	}
	if (!rc)
		rc = cw_audit(cw, CW_CASE_READ, "case", id,
			      safety ? "stat,identity,safety" : identity ? "stat,identity" : "stat",
			      err);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = c;
		*has_person = identity;
	}
	return rc;
}

/* Replace case c's person inside the open transaction, if the policy allows it. */
static int person_replace(struct sp_casework *cw, const struct sp_case *c,
			  const struct sp_person *p, struct sp_err *err)
{
	int rc = cw_authorise(cw, CW_PERSON_UPDATE, c, err);
	/* Writing the safety block is need-to-know like reading it. */
	if (!rc && p->has_safety)
		rc = cw_authorise(cw, CW_PERSON_READ_SAFETY, c, err);
	return rc ? rc : cw_person_replace(cw, &c->person, p, sp_now_us(), err);
}

static int check_change(const struct sp_case_change *ch, struct sp_err *err)
{
	if (ch->set_status && ((int)ch->status < 0 || ch->status >= SP_CASE_STATUS_COUNT))
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	if (ch->set_priority && ((int)ch->priority < 0 || ch->priority >= SP_PRIORITY_COUNT))
		return sp_err_set(err, SP_EINVAL, "/priority", "unknown priority");
	if ((ch->flags_on | ch->flags_off) & ~SP_CASE_FLAGS_ALL)
		return sp_err_set(err, SP_EINVAL, "/flags", "unknown flag");
	if (ch->flags_on & ch->flags_off)
		return sp_err_set(err, SP_EINVAL, "/flags", "set and cleared at once");
	return SP_OK;
}

/* A managed flag changes only through its own operation (SP_CASE_FLAGS_MANAGED). */
static int check_managed(const struct sp_case *c, const struct sp_case_change *ch,
			 struct sp_err *err)
{
	unsigned moved = (ch->flags_on & ~c->flags) | (ch->flags_off & c->flags);
	if (moved & SP_CASE_LEGAL_HOLD)
		return sp_err_set(err, SP_EINVAL, "/flags",
				  "legal_hold is set and lifted as a legal hold, with its reason");
	if (moved & SP_CASE_ANONYMISED)
		return sp_err_set(err, SP_EINVAL, "/flags", "anonymised is set by the retention run only");
	return SP_OK;
}

int cw_case_write(struct sp_casework *cw, struct sp_case *c, int64_t now, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int64_t was = c->version;
	c->updated_us = now > c->updated_us ? now : c->updated_us + 1;
	c->version++;
	int rc = sp_store_prepare(
		cw->store,
		"UPDATE cases SET status = ?, priority = ?, flags = ?, assigned_to = ?, "
		"updated_us = ?, closed_us = ?, version = ?, agency_id = ? "
		"WHERE id = ? AND version = ?",
		&st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_text(st, 1, sp_case_status_name(c->status));
	b |= sp_stmt_bind_text(st, 2, sp_case_priority_name(c->priority));
	b |= sp_stmt_bind_int64(st, 3, c->flags);
	b |= sp_id_is_zero(&c->assigned) ? sp_stmt_bind_null(st, 4)
					 : sp_stmt_bind_id(st, 4, &c->assigned);
	b |= sp_stmt_bind_int64(st, 5, c->updated_us);
	b |= c->closed_us ? sp_stmt_bind_int64(st, 6, c->closed_us) : sp_stmt_bind_null(st, 6);
	b |= sp_stmt_bind_int64(st, 7, c->version);
	b |= sp_stmt_bind_id(st, 8, &c->agency);
	b |= sp_stmt_bind_id(st, 9, &c->id);
	b |= sp_stmt_bind_int64(st, 10, was);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = cw_step_versioned(st, "case", err);
	sp_stmt_done(st);
	return rc;
}

int cw_case_flags_on(struct sp_casework *cw, struct sp_case *c, unsigned flags,
		     struct sp_err *err)
{
	if ((c->flags | flags) == c->flags)
		return SP_OK;
	int rc = cw_authorise(cw, CW_CASE_UPDATE, c, err);
	if (!rc)
		rc = cw_case_flags_write(cw, c, flags, 0, err);
	return rc ? rc : cw_audit(cw, CW_CASE_UPDATE, "case", &c->id, "stat", err);
}

int cw_case_flags_write(struct sp_casework *cw, struct sp_case *c, unsigned on, unsigned off,
			struct sp_err *err)
{
	c->flags = (c->flags | on) & ~off;
	return cw_case_write(cw, c, sp_now_us(), err);
}

int sp_case_update(struct sp_casework *cw, const struct sp_id *id, const struct sp_case_change *ch,
		   struct sp_case *out, struct sp_err *err)
{
	int rc = check_change(ch, err);
	if (rc)
		return rc;
	if ((rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load_for(cw, CW_CASE_UPDATE, id, &c, err);
	if (!rc && c.version != ch->version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the case was changed meanwhile");
	if (!rc)
		rc = check_managed(&c, ch, err);
	if (!rc && ch->set_assigned && !sp_id_is_zero(&ch->assigned))
		rc = cw_user_in_agency(cw, &ch->assigned, &c.agency, err);
	if (!rc && ch->set_status)
		rc = check_transition(c.status, ch->status, err);
	if (rc)
		goto out;
	int64_t now = sp_now_us();
	if (ch->set_status)
		c.status = ch->status;
	if (ch->set_priority)
		c.priority = ch->priority;
	c.flags = (c.flags | ch->flags_on) & ~ch->flags_off;
	if (ch->set_assigned)
		c.assigned = ch->assigned;
	rc = cw_case_write(cw, &c, now, err);
	const struct sp_person *p = ch->person;
	if (!rc && p)
		rc = person_replace(cw, &c, p, err);
	if (!rc)
		rc = cw_audit(cw, CW_CASE_UPDATE, "case", id,
			      !p ? "stat" : p->has_safety ? "stat,identity,safety" : "stat,identity",
			      err);
out:
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = c;
	return rc;
}

int sp_case_person(struct sp_casework *cw, const struct sp_id *case_id, bool with_safety,
		   struct sp_person *out, struct sp_err *err)
{
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load_for(cw, CW_PERSON_READ, case_id, &c, err);
	/* Safety is need-to-know: asked for and refused means left out, not a failed read. */
	bool safety = !rc && with_safety && cw_allowed(cw, CW_PERSON_READ_SAFETY, &c);
	if (!rc)
		rc = cw_person_load(cw, &c.person, safety, out, err);
	if (!rc)
		rc = cw_audit(cw, safety ? CW_PERSON_READ_SAFETY : CW_PERSON_READ, "person",
			      &c.person, safety ? "identity,safety" : "identity", err);
	return cw_finish(cw, rc, err);
}

int sp_case_person_update(struct sp_casework *cw, const struct sp_id *case_id,
			  const struct sp_person *p, struct sp_err *err)
{
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load(cw, case_id, &c, err);
	if (!rc)
		rc = person_replace(cw, &c, p, err);
	if (!rc)
		rc = cw_audit(cw, CW_PERSON_UPDATE, "person", &c.person,
			      p->has_safety ? "stat,identity,safety" : "stat,identity", err);
	return cw_finish(cw, rc, err);
}

int sp_case_person_erase(struct sp_casework *cw, const struct sp_id *case_id, struct sp_err *err)
{
	if (!cw_actor_is_supervisor(cw))
		return sp_err_set(err, SP_EDENIED, "", "only a supervisor may erase a person");
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load_for(cw, CW_PERSON_ERASE, case_id, &c, err);
	if (!rc)
		rc = cw_person_unindex(cw, &c.person, err);
	if (!rc)
		rc = cw_audit(cw, CW_PERSON_ERASE, "person", &c.person, "identity,safety,notes",
			      err);
	rc = cw_finish(cw, rc, err);
	/* Only once the erasure is recorded: a key destroyed for a rolled-back erasure would
	 * shred a person nobody decided to erase. */
	if (!rc)
		rc = cw_person_key_destroy(cw, &c.person, err);
	return rc;
}

static json_t *flags_encode(unsigned flags)
{
	json_t *a = json_array();
	for (unsigned bit = 1; a && bit <= SP_CASE_FLAGS_ALL; bit <<= 1)
		if ((flags & bit) && json_array_append_new(a, json_string(sp_case_flag_name(bit)))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *sp_case_encode(const struct sp_case *c)
{
	char id[SP_ID_STRLEN + 1], person[SP_ID_STRLEN + 1], agency[SP_ID_STRLEN + 1];
	char assigned[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1];
	char closed[SP_TIME_STRLEN + 1];
	sp_id_format(&c->id, id);
	sp_id_format(&c->person, person);
	sp_id_format(&c->agency, agency);
	sp_id_format(&c->assigned, assigned);
	sp_time_format(c->created_us, created);
	sp_time_format(c->updated_us, updated);
	sp_time_format(c->closed_us, closed);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:o?, s:I, s:s, s:s, s:s?}", "id",
			 id, "number", c->number, "person_id", person, "agency", agency,
			 "assigned", sp_id_is_zero(&c->assigned) ? NULL : assigned, "status",
			 sp_case_status_name(c->status), "priority",
			 sp_case_priority_name(c->priority), "flags", flags_encode(c->flags),
			 "version", (json_int_t)c->version, "created_at", created, "updated_at",
			 updated, "closed_at", c->closed_us ? closed : NULL);
}

void sp_case_hit_write(struct sp_jsonw *w, const struct sp_case_hit *h)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&h->case_id, id);
	/* members in sorted order, as every other response (sp_json_dump sorts keys) */
	sp_jsonw_object(w);
	sp_jsonw_key(w, "flags");
	sp_jsonw_array(w);
	for (unsigned bit = 1; bit <= SP_CASE_FLAGS_ALL; bit <<= 1)
		if (h->flags & bit)
			sp_jsonw_string(w, sp_case_flag_name(bit));
	sp_jsonw_array_end(w);
	sp_jsonw_key(w, "id");
	sp_jsonw_string(w, id);
	sp_jsonw_key(w, "name");
	sp_jsonw_string(w, h->named ? h->name : NULL);
	sp_jsonw_key(w, "number");
	sp_jsonw_string(w, h->number);
	sp_jsonw_key(w, "priority");
	sp_jsonw_string(w, sp_case_priority_name(h->priority));
	sp_jsonw_key(w, "status");
	sp_jsonw_string(w, sp_case_status_name(h->status));
	sp_jsonw_object_end(w);
}

static void case_hit_write(struct sp_jsonw *w, const void *h)
{
	sp_case_hit_write(w, h);
}

json_t *sp_case_hit_encode(const struct sp_case_hit *h)
{
	return sp_jsonw_read(case_hit_write, h); /* one definition of the row's form */
}
