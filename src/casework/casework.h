/* casework/ internals shared by its files: enumeration tables, JSON field helpers, the name
 * and contact normalisers behind the blind indexes, and the interim date-of-birth codec. */
#ifndef SAFEPATH_CASEWORK_INTERNAL_H
#define SAFEPATH_CASEWORK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "safepath/arena.h"
#include "safepath/buf.h"
#include "safepath/caseapproval.h"
#include "safepath/codes.h"
#include "safepath/err.h"
#include "safepath/fsmodel.h"
#include "safepath/matchreg.h"
#include "safepath/person.h"
#include "safepath/policy.h"

/* Cap on one sealed value's plaintext (a profile, a note). */
#define SP_SEAL_LIMIT (1u << 20)

/* Put the array index in front of err's field path ("/role" -> "/2/role"). */
void cw_err_index(struct sp_err *err, size_t i);
/* Keep err's message and code, set its field; returns code. */
int cw_err_at(struct sp_err *err, int code, const char *field);

/* An optional or required string member naming a value of an enumeration: parse's number for
 * it in *out (left alone when an optional member is absent); "unknown <what>" when parse
 * knows no such name. */
int cw_get_enum(json_t *obj, const char *key, bool required, int (*parse)(const char *),
		const char *what, int *out, struct sp_err *err) SP_MUST;
/* An optional or required string member copied into the arena: at most max bytes, not blank,
 * no control characters but tab and newline. Absent optional members leave *out NULL. */
int cw_get_text(json_t *obj, const char *key, bool required, size_t max, struct sp_arena *a,
		const char **out, struct sp_err *err) SP_MUST;

/* Room for one more item in an arena array of count items of size bytes, with *cap slots:
 * items itself when there is room, else a copy twice as large (16 slots at first) with *cap
 * updated; NULL when out of memory. */
void *cw_array_grow(struct sp_arena *a, void *items, size_t count, size_t *cap, size_t size);

/* Free text a person typed (a note, a title): at most max bytes, not blank, no control
 * characters but tab, newline and carriage return; SP_EINVAL or SP_ETOOBIG naming field. */
int cw_text_check(const char *text, size_t max, const char *field, struct sp_err *err) SP_MUST;
/* A need's or a task's kind: a code of the vocabulary's list ("needs", "tasks"), else
 * SP_EINVAL naming field. */
struct sp_casework;
int cw_kind_check(const struct sp_casework *cw, const char *list, const char *kind,
		  const char *field, struct sp_err *err) SP_MUST;

/* ISO 15924 code of the script most letters of s are written in ("Arab", "Ethi"). */
int cw_script_of(const char *s, char out[SP_CODE_MAX], struct sp_err *err) SP_MUST;

/* Shape checks; the values themselves are never logged or echoed. */
bool cw_phone_plausible(const char *s);
bool cw_email_plausible(const char *s);

/* Date of birth: the one place that knows how a birth date is written in JSON. */
int cw_birth_decode(json_t *person, struct sp_arena *a, struct sp_person *p,
		    struct sp_err *err) SP_MUST;
/* Add "date_of_birth" to obj when the person has one; nonzero when out of memory. */
int cw_birth_encode(const struct sp_person *p, json_t *obj);
/* The Gregorian years the birth date may fall in (clear statistics columns); -1 if none. */
int cw_birth_years(const struct sp_person *p, int *min, int *max);

/* ---- operations: one write transaction each ------------------------------------------ */

struct sp_casework;
struct sp_case;
struct sp_stmt;

/* Open the operation's write transaction; cw_finish commits when rc is 0 and rolls back
 * otherwise (a failed commit too), returning the final status. */
int cw_begin(struct sp_casework *cw, struct sp_err *err) SP_MUST;
/* The same for an operation that only reads: a read transaction when its audit record goes
 * through cw->read_audit (cw_finish submits it after the commit and waits until it is
 * durable), else a write transaction holding the record. */
int cw_begin_read(struct sp_casework *cw, struct sp_err *err) SP_MUST;
/* Forget what the policy read during the operation (deps.c), at its start and end. */
void cw_facts_clear(void);
/* A section joining the open operation (sp_caseop_begin_read_in): its audit record's flags
 * (flagged to the DPO, read under break-glass) start afresh; what the policy read stays. */
void cw_facts_section(void);
/* Read ahead, for the open read operation, the cases of ids (at most CW_PREFETCH), their
 * owning agencies' kinds (but the one the policy read already) and, for the cases of other
 * agencies, what their shares give the subject's agency, with at most three statements:
 * cw_case_load and cw_share_read then take them from there (a page of referrals or of "my
 * tasks" asks about each row's case). Forgotten with the facts. */
#define CW_PREFETCH SP_CASEOP_PREFETCH
int cw_cases_prefetch(struct sp_casework *cw, const struct sp_id *ids, size_t n,
		      struct sp_err *err) SP_MUST;
/* The case read ahead by id, NULL if none; its share with agency (false if not read ahead). */
const struct sp_case *cw_case_ahead(const struct sp_id *id);
bool cw_share_ahead(const struct sp_id *case_id, const struct sp_id *agency,
		    enum sp_referral_state *state, unsigned *fields);
int cw_finish(struct sp_casework *cw, int rc, struct sp_err *err) SP_MUST;

/* Step a statement that returns no row, then release it. */
int cw_exec_done(struct sp_stmt *st, struct sp_err *err) SP_MUST;
/* Prepare sql, bind id as its one parameter and run it (a statement that returns no row). */
int cw_exec_id(struct sp_casework *cw, const char *sql, const struct sp_id *id,
	       struct sp_err *err) SP_MUST;
/* Step an UPDATE ... WHERE id = ? AND version = ? (not released): SP_ECONFLICT on
 * "/version" ("the <what> was changed meanwhile") unless it changed exactly one row. */
int cw_step_versioned(struct sp_stmt *st, const char *what, struct sp_err *err) SP_MUST;
/* Prepare sql, bind id as its one parameter and step to its row: SP_OK with *st on the row
 * (release it with sp_stmt_done), SP_ENOTFOUND "no such <what>" when there is none. */
int cw_select_id(struct sp_casework *cw, const char *sql, const struct sp_id *id,
		 const char *what, struct sp_stmt **st, struct sp_err *err) SP_MUST;
/* Read a case row selected with CW_CASE_COLUMNS. */
#define CW_CASE_COLUMNS                                                                     \
	"id, number, person_id, agency_id, assigned_to, status, priority, flags, created_us, " \
	"updated_us, closed_us, version"
int cw_case_row(struct sp_stmt *st, struct sp_case *c, struct sp_err *err) SP_MUST;
/* The same columns named by table (for a join; keep them in CW_CASE_COLUMNS's order), read
 * from column f on. */
#define CW_CASE_COLUMNS_JOINED                                                               \
	"cases.id, cases.number, cases.person_id, cases.agency_id, cases.assigned_to, "      \
	"cases.status, cases.priority, cases.flags, cases.created_us, cases.updated_us, "    \
	"cases.closed_us, cases.version"
int cw_case_row_at(struct sp_stmt *st, int f, struct sp_case *c, struct sp_err *err) SP_MUST;
/* The case by id inside the open transaction; SP_ENOTFOUND when there is none. */
int cw_case_load(struct sp_casework *cw, const struct sp_id *id, struct sp_case *c,
		 struct sp_err *err) SP_MUST;

/* Write case c's workflow columns (status, priority, flags, assignee, owning agency,
 * closed_us) over the stored row at c's version, stepping the version and the update time
 * (never backwards); SP_ECONFLICT on "/version" when the row moved on meanwhile. */
int cw_case_write(struct sp_casework *cw, struct sp_case *c, int64_t now,
		  struct sp_err *err) SP_MUST;

/* Set flags on case c (loaded in the open transaction) if the policy allows a case update:
 * the row's version steps on and a case.update record ("stat") is appended; nothing when
 * they are all set already. */
int cw_case_flags_on(struct sp_casework *cw, struct sp_case *c, unsigned flags,
		     struct sp_err *err) SP_MUST;
/* Set flags on and clear flags off on case c (loaded in the open transaction), stepping its
 * version, with no policy question and no audit record: for an operation that decided and
 * audits itself (a legal hold, the retention run). */
int cw_case_flags_write(struct sp_casework *cw, struct sp_case *c, unsigned on, unsigned off,
			struct sp_err *err) SP_MUST;

/* Persons (person_store.c): insert or replace the row, its nationalities and index rows. */
int cw_person_insert(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
		     int64_t now, struct sp_err *err) SP_MUST;
int cw_person_replace(struct sp_casework *cw, const struct sp_id *id, const struct sp_person *p,
		      int64_t now, struct sp_err *err) SP_MUST;
/* The person's name as lists show it: person_display (CW_PERSON_DISPLAY_COLUMN, read with the
 * list's own statement; ct NULL when written before 0007) opened into the arena; *out NULL
 * then or when the person was erased. */
#define CW_PERSON_DISPLAY_COLUMN \
	"(SELECT display FROM person_display d WHERE d.person_id = cases.person_id)"
int cw_person_display(struct sp_casework *cw, const struct sp_id *id, const void *ct, size_t n,
		      const char **out, struct sp_err *err) SP_MUST;
int cw_person_load(struct sp_casework *cw, const struct sp_id *id, bool with_safety,
		   struct sp_person *out, struct sp_err *err) SP_MUST;
/* Delete the person's index rows and match cells and keys (erasure): nothing can find them
 * by name any more. */
int cw_person_unindex(struct sp_casework *cw, const struct sp_id *id, struct sp_err *err) SP_MUST;

/* The person's matching cells (sealed) and blinded blocking keys (matchreg.c), written in the
 * person's transaction: replace false for a new person (plain inserts: the batch path defers
 * them), true for an update, which keeps the stored relatives when p has no safety block. */
int cw_match_write(struct sp_casework *cw, const struct sp_id *person, const struct sp_person *p,
		   bool replace, struct sp_err *err) SP_MUST;
/* Delete them (erasure, anonymisation). */
int cw_match_forget(struct sp_casework *cw, const struct sp_id *person, struct sp_err *err) SP_MUST;

/* ---- the registry's probe (matchreg.c): one record against the registry, for every use ---- */

/* A record's cells of the person model, built from p as the registry builds a person's, into
 * the arena (the model's field order). */
int cw_match_cells(struct sp_casework *cw, const struct sp_person *p, const char ***out,
		   struct sp_err *err) SP_MUST;
/* Whether a candidate is left out before its cells are opened (*skip); the caller's own rule
 * (the registration check: the person being changed and the pairs its agency rejected). */
typedef int cw_probe_skip_fn(struct sp_casework *cw, const struct sp_id *person, void *ctx,
			     bool *skip, struct sp_err *err);
/* One scored candidate: its person, its cells (opened in the arena) and its score. */
struct cw_probe_hit {
	struct sp_id person;
	const char **cells;
	struct sp_fs_score score;
};
struct cw_probe {
	struct cw_probe_hit *v;  /* in the arena, by descending probability (all scored) */
	size_t n;                /* = the candidates whose cells were opened */
	uint64_t capped_keys;    /* blocking keys skipped: held by over SP_MATCHREG_KEY_PERSONS */
	double threshold;        /* the model's probability threshold */
};
/* The candidates of a record's cells: its blocking keys blinded and looked up in
 * person_match_keys (over-frequent ones skipped and counted), the SP_MATCHREG_SCORED sharing
 * most keys (skip, may be NULL, leaving some out) opened in memory and scored with the stored
 * parameters (else the model's shipped ones). No user's filter: the caller decides what
 * anyone sees, and audits it. SP_EUNAVAIL when the model has no parameters at all. */
int cw_match_probe(struct sp_casework *cw, const char *const *cells, cw_probe_skip_fn *skip,
		   void *ctx, struct cw_probe *out, struct sp_err *err) SP_MUST;
/* Each comparison of a score in words (out: SP_FS_COMPARISONS_MAX, every one shown): how
 * many. */
size_t cw_match_fields(const struct sp_fs_score *s, struct sp_matchreg_field *out);

/* The whole registry's stored cells and keys, for the deduplication run (dedup.c), each read
 * streamed; a callback's non-zero status stops the read and is returned. How many persons
 * have cells: */
int cw_match_count(struct sp_casework *cw, uint64_t *n, struct sp_err *err) SP_MUST;
/* Every blinded blocking key in (rule, key) order; key NULL for a malformed row. */
typedef int cw_match_key_fn(void *ctx, int64_t rule, const void *key, size_t len,
			    const struct sp_id *person, struct sp_err *err);
int cw_match_keys_each(struct sp_casework *cw, cw_match_key_fn *fn, void *ctx,
		       struct sp_err *err) SP_MUST;
/* Every person's sealed cells (person_match/cells, bound to the person's id) with the model
 * version they were written under (may be NULL). */
typedef int cw_match_sealed_fn(void *ctx, const struct sp_id *person, const char *model,
			       const void *ct, size_t n, struct sp_err *err);
int cw_match_sealed_each(struct sp_casework *cw, cw_match_sealed_fn *fn, void *ctx,
			 struct sp_err *err) SP_MUST;
/* Keep a run's parameters (sp_fs_params_encode's text) as the registry's for the model: one
 * row per model, replaced; the probe scores with them. */
/* The registry's parameters of model m's version as the last deduplication stored them (*out,
 * the caller's to free), NULL when none of that version are stored. */
int cw_match_params_stored(struct sp_casework *cw, const struct sp_fs_model *m,
			   struct sp_fs_params **out, struct sp_err *err) SP_MUST;
int cw_match_params_store(struct sp_casework *cw, const char *model, const char *version,
			  const char *params, int64_t now, struct sp_err *err) SP_MUST;

/* Tracing requests closed longer ago than their period (tracing.c, for the retention run):
 * each closed at or before now_us minus months (of agency, NULL: every agency) erased — its
 * key destroyed first (repeatable), then its matches and its row deleted with one
 * tracing.erase record (reason: the period) in a transaction of its own — or, in a dry run,
 * only reported. each (may be NULL) hears each request; *n counts them. */
struct cw_tracing_expiry {
	int months;
	int64_t now_us;
	const struct sp_id *agency;
	bool dry_run;
	int (*each)(void *ctx, const struct sp_id *request, int64_t closed_us, int64_t due_us);
	void *ctx;
};
int cw_tracing_expire(struct sp_casework *cw, const struct cw_tracing_expiry *in, size_t *n,
		      struct sp_err *err) SP_MUST;

/* ---- the dashboard's sections, each from its table's owner (dashboard.c reads them in one
 * transaction with one audit record) ---- */

struct sp_case_hit;
struct sp_task;
struct sp_deadline;
/* search.c: the subject's open cases, counted per priority (by_priority holds
 * SP_PRIORITY_COUNT counts) and the first max by priority then latest update; *names when a
 * name was opened. */
int cw_case_mine_open(struct sp_casework *cw, size_t *by_priority, struct sp_case_hit *out,
		      size_t max, size_t *n, bool *names, struct sp_err *err) SP_MUST;
/* task.c: the subject's open tasks due before `before`: *overdue of them due before now,
 * *due in all, the first max in "my tasks" order; *titles when a title was opened. */
int cw_task_due(struct sp_casework *cw, int64_t now, int64_t before, struct sp_task *out,
		size_t max, size_t *n, size_t *overdue, size_t *due, bool *titles,
		struct sp_err *err) SP_MUST;
/* deadline.c: the overdue targets on the subject's open cases (or its agency's cases), those
 * the policy shows counted in *count, the first max into out. */
int cw_deadline_overdue(struct sp_casework *cw, bool agency, int64_t now,
			struct sp_deadline *out, size_t max, size_t *n, size_t *count,
			struct sp_err *err) SP_MUST;

/* ---- the single call sites into crypto, access and audit (deps.c) ---------------------- */

enum cw_blind_kind { CW_BLIND_NAME, CW_BLIND_DOCUMENT, CW_BLIND_PHONE };
#define CW_BLIND_LEN 32

/* Make sure the person's key exists in the key store (before the write transaction: the key
 * store is another database). */
int cw_person_key_create(struct sp_casework *cw, const struct sp_id *person,
			 struct sp_err *err) SP_MUST;
/* The keys of n new persons in one key-store transaction (the batch path). */
int cw_person_keys_create(struct sp_casework *cw, const struct sp_id *persons, size_t n,
			  struct sp_err *err) SP_MUST;
/* Those keys read into the key cache, up to SP_PERSON_KEYS_CACHED at once (the batch path,
 * before sealing). */
int cw_person_keys_cache(struct sp_casework *cw, const struct sp_id *persons, size_t n,
			 struct sp_err *err) SP_MUST;
/* Crypto-shredding: destroy the person's key (after the erasure's transaction committed). */
int cw_person_key_destroy(struct sp_casework *cw, const struct sp_id *person,
			  struct sp_err *err) SP_MUST;
/* Seal n bytes under the person's key, bound to table, column and record; appended to out. */
int cw_seal(struct sp_casework *cw, const struct sp_id *person, const char *table,
	    const char *column, const struct sp_id *record, const void *pt, size_t n,
	    struct sp_buf *out, struct sp_err *err) SP_MUST;
/* Open into cw->arena (NUL-terminated). */
int cw_open(struct sp_casework *cw, const struct sp_id *person, const char *table,
	    const char *column, const struct sp_id *record, const void *ct, size_t n,
	    const char **pt, size_t *len, struct sp_err *err) SP_MUST;
/* Blind index of an already normalised name word, a phone number or a document. */
int cw_blind_text(struct sp_casework *cw, enum cw_blind_kind kind, const char *text,
		  unsigned char out[CW_BLIND_LEN], struct sp_err *err) SP_MUST;
int cw_blind_document(struct sp_casework *cw, const struct sp_document *d,
		      unsigned char out[CW_BLIND_LEN], struct sp_err *err) SP_MUST;
/* Blind value of a matching model's blocking key (rule, NUL-ended key). */
int cw_blind_match(struct sp_casework *cw, int rule, const char *key,
		   unsigned char out[CW_BLIND_LEN], struct sp_err *err) SP_MUST;

/* The actions the casework asks the policy about. */
enum cw_action {
	CW_CASE_CREATE,
	CW_CASE_READ,
	CW_CASE_UPDATE,
	CW_CASE_SEARCH,
	CW_CASE_LIST,
	CW_NOTE_ADD,
	CW_NOTE_READ,
	CW_CONSENT_ADD,
	CW_CONSENT_READ,
	CW_PERSON_READ,
	CW_PERSON_READ_SAFETY,
	CW_PERSON_UPDATE,
	CW_PERSON_ERASE,
	CW_NEED_ADD,
	CW_NEED_UPDATE,
	CW_NEED_READ,
	CW_TASK_ADD,
	CW_TASK_UPDATE,
	CW_TASK_READ,
	CW_TASK_MINE,
	CW_DEADLINE_ADD,
	CW_DEADLINE_UPDATE,
	CW_DEADLINE_UPDATE_TRAFFICKING,
	CW_DEADLINE_READ,
	CW_DEADLINE_READ_TRAFFICKING,
	CW_DEADLINE_LIST,
	CW_LEGAL_HOLD_SET,
	CW_LEGAL_HOLD_LIFT,
	CW_RETENTION_RUN,
	CW_RETENTION_ANONYMISE,
	CW_DASHBOARD_READ,
	CW_CASE_CREATE_BATCH,
	CW_PLAN_ADD,
	CW_PLAN_UPDATE,
	CW_PLAN_READ,
	CW_CLOSURE_REQUEST,
	CW_REOPEN,
	CW_TRANSFER,
	CW_REASSIGN,
	CW_BREAK_GLASS,
	CW_APPROVAL_REQUEST,
	CW_APPROVAL_DECIDE,
	CW_APPROVAL_READ,
	CW_CLOSE,
	CW_TRANSFER_ACCEPT,
	CW_MATCH_CHECK,
	CW_MATCH_ELSEWHERE,
	CW_MATCH_REINDEX,
	CW_PERSON_LINK,
	CW_PERSON_REJECT,
	CW_PERSON_UNLINK,
	CW_DEDUP_RUN,
	CW_MATCH_EVALUATE,
	CW_PAIR_LIST,
	CW_PAIR_CONFIRM,
	CW_PAIR_REJECT,
	CW_PAIR_UNDO,
	CW_TRACING_CREATE,
	CW_TRACING_READ,
	CW_TRACING_LIST,
	CW_TRACING_MATCH,
	CW_TRACING_CLOSE,
	CW_TRACING_CASE_MATCHES,
	CW_TRACING_REVIEW,
	CW_TRACING_VERIFY,
	CW_TRACING_ASSESS,
	CW_TRACING_CONTACT,
	CW_TRACING_ERASE,
};
/* The policy request and audit name of a casework action (safepath/caseop.h's descriptor). */
struct sp_case_act;
const struct sp_case_act *cw_act(enum cw_action action);
/* Ask the policy for a descriptor's request; refusals are recorded as cw_authorise's. act
 * must outlive the operation (cw_finish records the refusal under its name). */
int cw_authorise_act(struct sp_casework *cw, const struct sp_case_act *act,
		     const struct sp_case *c, struct sp_err *err) SP_MUST;
/* Ask the policy. c is the case (NULL for create: the subject's own agency). SP_EDENIED with
 * the reason in err when refused. */
int cw_authorise(struct sp_casework *cw, enum cw_action action, const struct sp_case *c,
		 struct sp_err *err) SP_MUST;
/* cw_authorise with what some actions need besides the case: a break-glass justification
 * (why) and a transfer's receiving agency kind (target). */
int cw_authorise_ext(struct sp_casework *cw, enum cw_action action, const struct sp_case *c,
		     const char *why, enum sp_agency_kind target, struct sp_err *err) SP_MUST;
/* approval.decide: may the subject decide for agency's supervisors? A refusal is recorded
 * against case_id (NULL: no case, the agency's queue) like cw_authorise's. */
int cw_authorise_decide(struct sp_casework *cw, const struct sp_id *agency,
			const struct sp_id *case_id, struct sp_err *err) SP_MUST;
/* An action on no case whose policy object is an agency (tracing.request: the agency that
 * records a family tracing request): may the subject do it there? A refusal is recorded like
 * cw_authorise's, against no object. */
int cw_authorise_agency(struct sp_casework *cw, enum cw_action action, const struct sp_id *agency,
			struct sp_err *err) SP_MUST;
/* The same as a question in *out, recording nothing; a failure to find out is returned. */
int cw_may_decide(struct sp_casework *cw, const struct sp_id *agency, bool *out,
		  struct sp_err *err) SP_MUST;
/* Refuse act on the case for a reason decided on the policy's terms above it (four eyes, a
 * jurisdiction's rule): SP_EDENIED with detail as err's message and the reason's name as
 * err->reason, recorded like a policy refusal once the operation rolls back. */
int cw_refuse(const struct sp_case_act *act, const struct sp_id *case_id, enum sp_reason reason,
	      const char *detail, struct sp_err *err) SP_MUST;
/* Whether the newest consent record of the case for purpose (any scope) gives it, inside the
 * open transaction (consent.c): family tracing matches only children who consented. */
int cw_consent_holds(struct sp_casework *cw, const struct sp_id *case_id,
		     enum sp_consent_purpose purpose, bool *out, struct sp_err *err) SP_MUST;
/* An agency's kind; SP_EINVAL naming field when there is no such agency. */
int cw_agency_kind(struct sp_casework *cw, const struct sp_id *agency, const char *field,
		   enum sp_agency_kind *out, struct sp_err *err) SP_MUST;
/* The time of cw (cw->now_us, or the wall clock). */
int64_t cw_now(const struct sp_casework *cw);

/* ---- approvals and break-glass (caseapproval.c, breakglass.c, caselife.c) ---------------- */

/* Insert an approval on case c in the open transaction: kind, the deciding agency, object
 * (NULL: none), the request's reason code (NULL: none), payload (NULL: "{}"), note sealed
 * (NULL: none); status pending, or approved at once by the subject (decided). out gets the
 * row (payload in the arena, notes not kept). One pending approval of a kind and object per
 * case: SP_ECONFLICT. */
struct cw_approval_new {
	enum sp_caseappr_kind kind;
	const struct sp_id *agency;
	const struct sp_id *object;
	const char *reason;
	json_t *payload;
	const char *note;
	bool decided;
};
int cw_approval_insert(struct sp_casework *cw, const struct sp_case *c,
		       const struct cw_approval_new *in, struct sp_case_approval *out,
		       struct sp_err *err) SP_MUST;
/* A request filed on case c in the open transaction: cw_approval_insert, then act's audit
 * record on the case (the note's class when there is one, the request's reason code) and the
 * create's idempotency key (cw->idem) naming the approval. */
int cw_approval_file(struct sp_casework *cw, const struct sp_case *c,
		     const struct cw_approval_new *in, enum cw_action act,
		     struct sp_case_approval *out, struct sp_err *err) SP_MUST;
/* The effects of approving each kind (caselife.c): run in the decision's transaction on the
 * case (loaded there, unchecked by the policy: the decider's approval.decide stands for it).
 * c is updated and written; a refusal leaves the decision undone. */
int cw_effect_closure(struct sp_casework *cw, struct sp_case *c,
		      const struct sp_case_approval *a, struct sp_err *err) SP_MUST;
int cw_effect_transfer(struct sp_casework *cw, struct sp_case *c,
		       const struct sp_case_approval *a, struct sp_err *err) SP_MUST;
int cw_effect_reopen(struct sp_casework *cw, struct sp_case *c,
		     const struct sp_case_approval *a, struct sp_err *err) SP_MUST;
/* Is there a grant of case_id to user live at now (breakglass.c)? */
int cw_glass_active(struct sp_casework *cw, const struct sp_id *case_id,
		    const struct sp_id *user, int64_t now, bool *out, struct sp_err *err) SP_MUST;
/* Hand user from's open tasks on the case to user to (task.c); *n counts them. */
int cw_task_handover(struct sp_casework *cw, const struct sp_id *case_id,
		     const struct sp_id *from, const struct sp_id *to, int64_t now, unsigned *n,
		     struct sp_err *err) SP_MUST;

/* Inside an operation on a case (caseop.c) that has named its case: the policy's word on
 * action on that case too (another table's write in the operation's transaction). */
struct sp_caseop;
int cw_caseop_allow(struct sp_caseop *op, enum cw_action action, struct sp_err *err) SP_MUST;
/* Run fn on an operation over case c, just written in the open transaction, under act (the
 * policy is asked again by whatever fn writes): sp_case_open's `then`. */
int cw_caseop_then(struct sp_casework *cw, const struct sp_case_act *act, const struct sp_case *c,
		   int (*fn)(struct sp_caseop *op, void *ctx, struct sp_err *err), void *ctx,
		   struct sp_err *err) SP_MUST;
/* The case by id (cw_case_load), if the policy allows action on it (cw_authorise). */
int cw_case_load_for(struct sp_casework *cw, enum cw_action action, const struct sp_id *id,
		     struct sp_case *c, struct sp_err *err) SP_MUST;
/* A refusal by cw_authorise is audited too: after the operation rolled back, cw_finish calls
 * cw_denial_record, which appends it (action, case, "denied:<reason>", DPO flag across the
 * firewall) in a transaction of its own. cw_begin clears a stale one. */
void cw_denial_clear(void);
int cw_denial_record(struct sp_casework *cw, int outcome);
/* Hold a refusal of act on the case for cw_denial_record (the policy's, or one decided above
 * casework on the policy's terms: sp_caseop_refuse). */
void cw_denial_note(const struct sp_case_act *act, const struct sp_id *case_id,
		    enum sp_reason reason);
/* A refusal that is a conflict with the case's state rather than the policy's (a consent
 * given by someone the person must be kept from): SP_ECONFLICT on field with detail and the
 * reason's name as err->reason, recorded by cw_denial_record like a policy refusal. */
int cw_refuse_conflict(const struct sp_case_act *act, const struct sp_id *case_id,
		       enum sp_reason reason, const char *field, const char *detail,
		       struct sp_err *err) SP_MUST;
/* The records one operation may hold back for the writer (at most): the registration check's
 * notice of unseen candidates makes one per candidate, up to SP_MATCHREG_MAX. */
#define CW_DEFERRED_MAX 16
/* A read's audit record held back by cw_audit_many for cw->read_audit: cw_deferred_submit
 * hands it to the writer when rc is 0 (and returns the writer's answer), drops it otherwise. */
void cw_deferred_clear(void);
int cw_deferred_submit(struct sp_casework *cw, int rc, struct sp_err *err) SP_MUST;
/* Whether the policy would allow action on c in *out, recording no refusal; a failure to
 * find out (the store) is returned. */
int cw_may(struct sp_casework *cw, enum cw_action action, const struct sp_case *c, bool *out,
	   struct sp_err *err) SP_MUST;
/* Whether the policy would allow action on c, without an error (search filtering). */
bool cw_allowed(struct sp_casework *cw, enum cw_action action, const struct sp_case *c);
bool cw_allowed_act(struct sp_casework *cw, const struct sp_case_act *act,
		    const struct sp_case *c);
/* May the subject do action on any case at all (its own agency's, assigned to it)? Refuses a
 * whole list or search up front — an administrator, a coordinator, the DPO — instead of
 * returning an empty page; the refusal is recorded like cw_authorise's. */
int cw_authorise_any(struct sp_casework *cw, enum cw_action action, struct sp_err *err) SP_MUST;
int cw_authorise_any_act(struct sp_casework *cw, const struct sp_case_act *act,
			 struct sp_err *err) SP_MUST;
/* The same question without recording a refusal: whether a section of a page that holds
 * others (the dashboard's tasks, its deadlines) is for the subject at all. */
bool cw_allowed_any(struct sp_casework *cw, enum cw_action action);
/* Append the audit record of the operation to the open transaction: the action's name,
 * object type and id, and the field classes touched (tokens only, never values). */
int cw_audit(struct sp_casework *cw, enum cw_action action, const char *object_type,
	     const struct sp_id *object, const char *fields, struct sp_err *err) SP_MUST;
/* One record naming several objects of one type (a search's or a list's rows): the first is
 * the record's object, the rest its further objects; n == 0 names none. */
int cw_audit_many(struct sp_casework *cw, enum cw_action action, const char *object_type,
		  const struct sp_id *objects, size_t n, const char *fields,
		  struct sp_err *err) SP_MUST;
/* The break-glass grant's own record on the case, flagged to the DPO like every read under
 * the grant. */
int cw_audit_glass(struct sp_casework *cw, const struct sp_id *case_id,
		   struct sp_err *err) SP_MUST;
/* cw_audit_many for a descriptor, with a reason code (NULL: none). */
int cw_audit_act(struct sp_casework *cw, const struct sp_case_act *act, const char *object_type,
		 const struct sp_id *objects, size_t n, const char *fields, const char *reason,
		 struct sp_err *err) SP_MUST;
/* Record the create's idempotency key (cw->idem; nothing when NULL) as having made object
 * (below parent, or NULL), in the open transaction. */
int cw_idem_record(struct sp_casework *cw, const char *kind, const struct sp_id *object,
		   const struct sp_id *parent, struct sp_err *err) SP_MUST;
/* The acting user and agency (the subject). */
const struct sp_id *cw_actor(const struct sp_casework *cw);
const struct sp_id *cw_actor_agency(const struct sp_casework *cw);
/* Whether the subject holds the supervisor role (closing and reopening cases). */
bool cw_actor_is_supervisor(const struct sp_casework *cw);
/* SP_EINVAL (field /assigned) unless user is an enabled user of agency. */
int cw_user_in_agency(struct sp_casework *cw, const struct sp_id *user, const struct sp_id *agency,
		      struct sp_err *err) SP_MUST;
/* SP_EINVAL naming field unless user is an enabled user of c's agency whom the policy lets
 * do action on c (as that user, with their own relation to the case): a task's assignee. */
int cw_user_may(struct sp_casework *cw, const struct sp_id *user, enum cw_action action,
		const struct sp_case *c, const char *field, struct sp_err *err) SP_MUST;
/* The last step of sp_person_name_key: crypto's normaliser decides the bytes blinded. */
int cw_name_normalise_final(const char *in, struct sp_arena *a, const char **out,
			    struct sp_err *err) SP_MUST;
/* What case_id shares with agency through its live referrals (share.c): the strongest state
 * (accepted beats pending) and the union of the accepted referrals' fields. */
int cw_share_read(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_id *agency,
		  enum sp_referral_state *state, unsigned *fields, struct sp_err *err) SP_MUST;
/* The case-number prefix of an agency ("IMM"): letters and digits, at most 8. */
int cw_agency_prefix(struct sp_casework *cw, const struct sp_id *agency, char out[16],
		     struct sp_err *err) SP_MUST;

#endif
