/* Cases, notes and consents (DESIGN.md §5), and the look-ups that find them without
 * decrypting anything: by case number, by document and by name (blind indexes).
 *
 * Every operation runs in one write transaction: the policy decides before anything is read
 * or written, the audit record is appended in the same transaction, and any failure rolls the
 * whole operation back. Personal values are sealed per record under the person's own key (so
 * erasure can crypto-shred them); only workflow and statistics columns are in clear.
 * Decrypted values are put in the context's arena, which wipes them when released. */
#ifndef SAFEPATH_CASE_H
#define SAFEPATH_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/arena.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/person.h"

struct sp_access;
struct sp_store;
struct sp_keys;
struct sp_keystore;
struct sp_audit_keys;
struct sp_subject;

/* The code lists a need's or a task's kind must come from ("needs", "tasks"): a small
 * interface so that casework does not depend on where the lists live (the screening
 * protocols' shared vocabulary, protocols/codes.json). has answers whether code is in list. */
struct sp_vocabulary {
	bool (*has)(const void *ctx, const char *list, const char *code);
	const void *ctx;
};
/* The protocols' shared vocabulary gives one: sp_vocab_for_casework (safepath/protocol.h). */

/* What every casework operation runs with; all borrowed. */
struct sp_casework {
	struct sp_store *store;
	struct sp_access *access;            /* agencies and users */
	const struct sp_keys *keys;          /* data and blind-index keys */
	struct sp_keystore *keystore;        /* per-person keys, apart from the data */
	const struct sp_audit_keys *audit;
	const struct sp_subject *subject;    /* who acts: user, agency, roles */
	struct sp_arena *arena;              /* request arena for decrypted values */
	const char *request_id;              /* correlates audit and logs; may be NULL */
	/* Reads (case, person, notes, consents, lists, searches): NULL audits each in its own
	 * write transaction; else the read runs in a read transaction and its one audit record
	 * goes through this group-commit writer, the call returning once it is durable. */
	struct sp_audit_writer *read_audit;
	/* A create (sp_case_open, sp_note_add, sp_consent_record) with a client's idempotency
	 * key: recorded in the create's own transaction (safepath/idempotency.h). NULL: none. */
	const struct sp_idem *idem;
	/* Kinds of needs and tasks are checked against it; NULL refuses every kind. */
	const struct sp_vocabulary *vocabulary;
	/* The DPO's subject-access export (safepath/subject.h): every policy question of a read
	 * is asked as subject.export (each read audited under its own name as ever), and any
	 * write is refused. */
	bool subject_export;
	/* The time break-glass grants and a case's lifecycle (safepath/caselife.h) run at, in
	 * microseconds since the epoch; 0: the wall clock (tests inject one). */
	int64_t now_us;
};

enum sp_case_status { SP_CASE_OPEN, SP_CASE_ACTIVE, SP_CASE_CLOSED, SP_CASE_STATUS_COUNT };
enum sp_case_priority {
	SP_PRIORITY_LOW,
	SP_PRIORITY_NORMAL,
	SP_PRIORITY_HIGH,
	SP_PRIORITY_URGENT,
	SP_PRIORITY_COUNT
};

/* Case flags, a bit set kept in clear for workflow and statistics. Bit positions are stored:
 * never renumber, only add. */
enum sp_case_flag {
	SP_CASE_UNACCOMPANIED_CHILD = 1u << 0,
	SP_CASE_SEPARATED_CHILD = 1u << 1,
	SP_CASE_POSSIBLE_VOT = 1u << 2,      /* HTCDS PossibleVictimOfTrafficking */
	SP_CASE_RESTRICTED = 1u << 3,        /* need-to-know: assigned staff and supervisors */
	SP_CASE_AGE_DISPUTED = 1u << 4,
	SP_CASE_SYNTHETIC = 1u << 5,         /* demo data, never a real person */
	SP_CASE_LEGAL_HOLD = 1u << 6,        /* proceedings open: never anonymised (retention.h) */
	SP_CASE_ANONYMISED = 1u << 7,        /* the retention run shredded the person */
};
#define SP_CASE_FLAG_COUNT 8
#define SP_CASE_FLAGS_ALL ((1u << SP_CASE_FLAG_COUNT) - 1)
/* Flags only their own operations set: a legal hold is set and lifted with a reason
 * (sp_legal_hold_set, _lift), anonymised only by the retention run; sp_case_update refuses to
 * change them (and the API's whole-set flags leave them as they are). */
#define SP_CASE_FLAGS_MANAGED (SP_CASE_LEGAL_HOLD | SP_CASE_ANONYMISED)

/* "IMM-2026-000123": agency prefix, year, six-digit counter per agency and year. */
#define SP_CASE_NUMBER_MAX 32

struct sp_case {
	struct sp_id id;
	char number[SP_CASE_NUMBER_MAX];
	struct sp_id person;
	struct sp_id agency;                 /* owning agency */
	struct sp_id assigned;               /* caseworker (user); zero = nobody yet */
	enum sp_case_status status;
	enum sp_case_priority priority;
	unsigned flags;                      /* enum sp_case_flag */
	int64_t created_us;
	int64_t updated_us;
	int64_t closed_us;                   /* 0 while not closed */
	int64_t version;                     /* bumped by every update (optimistic locking) */
};

const char *sp_case_status_name(enum sp_case_status s);
int sp_case_status_parse(const char *s) SP_MUST;
const char *sp_case_priority_name(enum sp_case_priority p);
int sp_case_priority_parse(const char *s) SP_MUST;
/* Name of one flag bit ("possible_victim_of_trafficking"), NULL for anything else. */
const char *sp_case_flag_name(unsigned flag);
/* One name -> its bit; 0 if unknown. */
unsigned sp_case_flag_parse(const char *s) SP_MUST;

/* Open a case for a new person: the person (sealed, indexed), the case with the next number
 * of the subject's agency for this year, assigned to `assigned` (a user of that agency), or to
 * the subject when NULL (whoever opens a case is assigned to it until it is handed on). */
struct sp_caseop;
struct sp_case_act;
struct sp_case_open {
	const struct sp_person *person;
	enum sp_case_priority priority;
	unsigned flags;
	const struct sp_id *assigned;
	/* What a wing above casework adds to the new case in the same transaction (an incoming
	 * referral, safepath/referral.h): run on an operation on the case just written, under
	 * the descriptor then_act; NULL: nothing. Its failure rolls the case back too. */
	int (*then)(struct sp_caseop *op, void *ctx, struct sp_err *err);
	const struct sp_case_act *then_act;
	void *then_ctx;
};
int sp_case_open(struct sp_casework *cw, const struct sp_case_open *in, struct sp_case *out,
		 struct sp_err *err) SP_MUST;

/* The batch path of synthetic data (the benchmarks' million cases): n cases (at most
 * SP_CASE_BATCH_MAX), each flagged SP_CASE_SYNTHETIC (else SP_EINVAL), opened as sp_case_open
 * opens one — sealed persons, index rows, numbers — but their persons' keys in one key-store
 * transaction, the cases in one data transaction and ONE audit record for the batch
 * ("case.create_batch", naming the first case, reason "synthetic:N"). out receives the n cases.
 * Never for real people: each of them gets its own audited create. */
#define SP_CASE_BATCH_MAX 2000
int sp_case_open_batch(struct sp_casework *cw, const struct sp_case_open *in, size_t n,
		       struct sp_case *out, struct sp_err *err) SP_MUST;

int sp_case_get(struct sp_casework *cw, const struct sp_id *id, struct sp_case *out,
		struct sp_err *err) SP_MUST;
/* A case as its page shows it, in one read with one audit record (case.read) naming the
 * field classes shown: the case, and its person into cw->arena when the policy allows it
 * (*has_person), the safety block only with need-to-know (person->has_safety). A person the
 * policy keeps from the subject, or one erased, leaves the case alone. */
int sp_case_read(struct sp_casework *cw, const struct sp_id *id, struct sp_case *out,
		 struct sp_person *person, bool *has_person, struct sp_err *err) SP_MUST;

/* Change what is set; version must match the stored one (SP_ECONFLICT if the case moved on).
 * Status moves open -> active (assigned staff); anything else is SP_ECONFLICT: a case closes
 * only through an approved closure request and reopens through sp_case_reopen
 * (safepath/caselife.h). */
struct sp_case_change {
	int64_t version;
	bool set_status;
	enum sp_case_status status;
	bool set_priority;
	enum sp_case_priority priority;
	unsigned flags_on;
	unsigned flags_off;
	bool set_assigned;
	struct sp_id assigned;               /* zero = unassign */
	/* A new person record for the case (as sp_case_person_update, in the same transaction
	 * and version step); NULL keeps it. */
	const struct sp_person *person;
};
int sp_case_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_case_change *ch, struct sp_case *out,
		   struct sp_err *err) SP_MUST;

/* The case's person, decrypted into cw->arena; the safety block only when with_safety and
 * the policy grants it (need-to-know), else has_safety is false. */
int sp_case_person(struct sp_casework *cw, const struct sp_id *case_id, bool with_safety,
		   struct sp_person *out, struct sp_err *err) SP_MUST;
/* Replace the case's person record (re-sealed and re-indexed). */
int sp_case_person_update(struct sp_casework *cw, const struct sp_id *case_id,
			  const struct sp_person *p, struct sp_err *err) SP_MUST;

/* Erase the case's person (a subject's erasure request, served by a supervisor of the owning
 * agency): their index rows go in one transaction with its audit record, then their key is
 * destroyed, so the sealed profile, safety block, notes and consent notes are unreadable in
 * the database and in every backup. The case row and its statistics columns stay. Running it
 * again after a failure finishes the job. */
int sp_case_person_erase(struct sp_casework *cw, const struct sp_id *case_id,
			 struct sp_err *err) SP_MUST;

/* ---- notes ---- */

#define SP_NOTE_MAX 20000  /* bytes */

struct sp_note {
	struct sp_id id;
	struct sp_id case_id;
	struct sp_id author;
	int64_t created_us;
	const char *text;                    /* in cw->arena */
};

/* The JSON forms the API and `--json` share (times RFC 3339, ids as strings, no personal
 * data but a note's text when with_text). NULL when out of memory. */
json_t *sp_case_encode(const struct sp_case *c);
json_t *sp_note_encode(const struct sp_note *n, bool with_text);

int sp_note_add(struct sp_casework *cw, const struct sp_id *case_id, const char *text,
		struct sp_note *out, struct sp_err *err) SP_MUST;
/* Notes oldest first, in cw->arena. */
int sp_note_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_note **out,
		 size_t *n, struct sp_err *err) SP_MUST;

/* ---- consents ---- */

enum sp_consent_purpose {
	SP_PURPOSE_SERVICES,
	SP_PURPOSE_REFERRAL,                 /* to one organisation (scope_agency) */
	SP_PURPOSE_DATA_SHARING,             /* with one country (scope_country) */
	SP_PURPOSE_STATISTICS,
	SP_PURPOSE_TRACING,
	SP_PURPOSE_COUNT
};
enum sp_consent_status {
	SP_CONSENT_GIVEN,
	SP_CONSENT_REFUSED,
	SP_CONSENT_WITHDRAWN,
	SP_CONSENT_STATUS_COUNT
};
enum sp_consent_method {
	SP_METHOD_VERBAL,
	SP_METHOD_WRITTEN,
	SP_METHOD_INTERPRETER,
	SP_METHOD_COUNT
};
/* Who gave the consent: the person, or for a child a guardian or legal representative. */
enum sp_consent_by { SP_BY_PERSON, SP_BY_GUARDIAN, SP_BY_REPRESENTATIVE, SP_BY_COUNT };
/* The child's own assent, recorded beside a guardian's or representative's consent. */
enum sp_assent {
	SP_ASSENT_NONE,          /* not recorded: only beside the person's own consent */
	SP_ASSENT_GIVEN,
	SP_ASSENT_REFUSED,
	SP_ASSENT_NOT_ABLE,      /* too young or unable to form a view */
	SP_ASSENT_COUNT
};

/* A consent record. Records are never changed: a withdrawal is a new record for the same
 * purpose and scope, and the newest one is what holds. */
struct sp_consent {
	struct sp_id id;                     /* set by record */
	struct sp_id case_id;                /* set by record */
	enum sp_consent_purpose purpose;
	struct sp_id scope_agency;           /* referral: the receiving organisation */
	char scope_country[SP_CODE_MAX];     /* data_sharing: the country; "" otherwise */
	enum sp_consent_status status;
	enum sp_consent_method method;
	bool interpreter_used;
	char interpreter_language[SP_CODE_MAX]; /* "" when none */
	enum sp_consent_by by;
	enum sp_assent child_assent;         /* required when by is guardian or representative */
	struct sp_id recorded_by;            /* set by record */
	int64_t recorded_us;                 /* set by record */
	const char *note;                    /* sealed; may be NULL */
	/* Who consented for the child (sealed): required when by is guardian or representative,
	 * never beside the person's own; NULL on records older than it. */
	const char *given_by_name;
};

const char *sp_consent_purpose_name(enum sp_consent_purpose p);
int sp_consent_purpose_parse(const char *s) SP_MUST;
const char *sp_consent_status_name(enum sp_consent_status s);
int sp_consent_status_parse(const char *s) SP_MUST;
const char *sp_consent_method_name(enum sp_consent_method m);
int sp_consent_method_parse(const char *s) SP_MUST;
const char *sp_consent_by_name(enum sp_consent_by b);
int sp_consent_by_parse(const char *s) SP_MUST;
const char *sp_assent_name(enum sp_assent a);
int sp_assent_parse(const char *s) SP_MUST;

/* Decode {"purpose", "scope_agency", "scope_country", "status", "method", "interpreter_used",
 * "interpreter_language", "by", "given_by_name", "child_assent", "note"} with field paths in
 * errors. */
int sp_consent_decode(json_t *j, struct sp_arena *a, struct sp_consent *out,
		      struct sp_err *err) SP_MUST;
/* Check the rules that hold between fields (scope per purpose, assent and the giver's name
 * beside a guardian's consent, interpreter). */
int sp_consent_check(const struct sp_consent *c, struct sp_err *err) SP_MUST;
json_t *sp_consent_encode(const struct sp_consent *c);

int sp_consent_record(struct sp_casework *cw, const struct sp_id *case_id,
		      const struct sp_consent *c, struct sp_consent *out,
		      struct sp_err *err) SP_MUST;
/* Every record, oldest first, in cw->arena. */
int sp_consent_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_consent **out,
		    size_t *n, struct sp_err *err) SP_MUST;
/* The consent that holds now for a purpose (and scope): the newest record. SP_ENOTFOUND when
 * none was ever recorded. */
int sp_consent_current(struct sp_casework *cw, const struct sp_id *case_id,
		       enum sp_consent_purpose purpose, const struct sp_id *scope_agency,
		       const char *scope_country, struct sp_consent *out,
		       struct sp_err *err) SP_MUST;
/* The same inside an operation on a case (safepath/caseop.h) that has named its case, the
 * policy asked for consent.read on it (no audit record of its own: the operation's names what
 * it did); *found false when no record holds for purpose and scope_agency (NULL: none). */
struct sp_caseop;
int sp_consent_current_in(struct sp_caseop *op, enum sp_consent_purpose purpose,
			  const struct sp_id *scope_agency, struct sp_consent *out, bool *found,
			  struct sp_err *err) SP_MUST;
/* Recording a guardian's or representative's consent (sp_consent_record) and sending a
 * child's referral on one (the refer wing, with this) refuse a giver whose name matches the
 * people to avoid or a family link flagged suspected_exploiter in the person's safety block
 * (sp_safety_avoids): SP_ECONFLICT on "/given_by_name", reason person_to_avoid, audited as a
 * refusal of the operation; neither the name nor the entry it matched is in the error or the
 * record. A consent without the giver's name (recorded before names were kept) is
 * SP_ECONFLICT on "/consent". The person's own consent passes. */
int sp_consent_giver_check_in(struct sp_caseop *op, const struct sp_consent *c,
			      struct sp_err *err) SP_MUST;

/* ---- search ---- */

#define SP_SEARCH_MAX_PARTS 8
#define SP_SEARCH_MAX_HITS 50

/* What a search returns: ids and clear workflow columns, nothing decrypted. Only cases the
 * policy lets the subject search are returned, at most max and at most SP_SEARCH_MAX_HITS,
 * oldest first; the search is one audit record naming every case returned. */
struct sp_case_hit {
	struct sp_id case_id;
	struct sp_id person;
	char number[SP_CASE_NUMBER_MAX];
	enum sp_case_status status;
	enum sp_case_priority priority;
	unsigned flags;                 /* enum sp_case_flag bits: a child's case stands out */
	bool named;                     /* the subject may see the person's name */
	const char *name;               /* then the name as lists show it (NULL: erased) */
};
/* A list or search row: {"id", "number", "status", "priority", "flags", "name"}; name is null
 * where the subject may not see it. Written onto a streaming writer (the API's pages), or as
 * a jansson object. */
struct sp_jsonw;
void sp_case_hit_write(struct sp_jsonw *w, const struct sp_case_hit *h);
json_t *sp_case_hit_encode(const struct sp_case_hit *h);

int sp_case_find_number(struct sp_casework *cw, const char *number, struct sp_case_hit *out,
			struct sp_err *err) SP_MUST;
int sp_case_find_document(struct sp_casework *cw, const struct sp_document *doc,
			  struct sp_case_hit *out, size_t max, size_t *n,
			  struct sp_err *err) SP_MUST;
int sp_case_find_phone(struct sp_casework *cw, const char *phone, struct sp_case_hit *out,
		       size_t max, size_t *n, struct sp_err *err) SP_MUST;
/* Cases whose person has every searched word among the words of the parts (original or
 * romanised) of their names or aliases, after normalisation (sp_person_name_key). Parts are
 * split into words on both sides, so "Abdel Rahman" as one part and "Abdel" + "Rahman" as
 * two find each other. At most SP_SEARCH_MAX_PARTS distinct words. */
int sp_case_find_name(struct sp_casework *cw, const char *const *parts, size_t n_parts,
		      struct sp_case_hit *out, size_t max, size_t *n, struct sp_err *err) SP_MUST;

/* The caseload: cases of the subject's agency (only those assigned to the subject with
 * mine), in one status or any (status < 0), of one priority, with some flags, opened in a
 * time range (each filter optional), oldest first, a page of at most max (and
 * SP_SEARCH_MAX_HITS) after the case `after` (NULL: from the start). Cases the policy does not
 * let the subject list are left out. *next is the cursor for the next page, zero after the
 * last. One audit record names the page's cases. */
struct sp_case_query {
	bool mine;
	int status;
	const struct sp_id *after;
	bool has_priority;                   /* only cases of this priority */
	enum sp_case_priority priority;
	unsigned flags;                      /* only cases with every one of these; 0 = any */
	int64_t from_us, to_us;              /* opened at or after from, before to; 0 = open */
};
int sp_case_list(struct sp_casework *cw, const struct sp_case_query *q, struct sp_case_hit *out,
		 size_t max, size_t *n, struct sp_id *next, struct sp_err *err) SP_MUST;

/* ---- demo data ---- */

/* Build synthetic person number i of a demo set from its seed: names in Arabic, Ge'ez,
 * Pashto, Cyrillic and Latin scripts with romanisations (some without a family name), some
 * Solar Hijri birth dates. Deterministic: the same seed and i give the same person. The name
 * lists come from the embedded config/demo/names.json. */
int sp_demo_person(uint64_t seed, unsigned i, struct sp_arena *a, struct sp_person *out,
		   struct sp_err *err) SP_MUST;
/* Open n synthetic cases (flag SP_CASE_SYNTHETIC, a note saying so) through sp_case_open, as
 * cw->subject (who is assigned to them), each in its own transaction and with its own arena;
 * children get a child flag and a high priority, some a possible-victim flag. Persons 0..n-1
 * of seed: give each call its own seed for different people. */
int sp_demo_cases(struct sp_casework *cw, uint64_t seed, unsigned n, struct sp_err *err) SP_MUST;

/* The batch path (sp_case_open_batch): persons first..first+n-1 of seed as demo cases (no
 * note), n at most SP_CASE_BATCH_MAX, assigned to `assigned` (NULL: the subject); out receives
 * the n cases. */
int sp_demo_cases_batch(struct sp_casework *cw, uint64_t seed, unsigned first, unsigned n,
			const struct sp_id *assigned, struct sp_case *out, struct sp_err *err) SP_MUST;

#endif
