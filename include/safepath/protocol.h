/* Screening protocols as data (docs/protocols.md): the shared vocabulary (protocols/codes.json),
 * a protocol file loaded, validated and compiled, the registry of shipped and local protocols,
 * the answers and person facts a screening gives, and the engine's result. The structures are
 * read-only views for the callers (the wizard reads questions and texts); expressions stay
 * opaque. Nothing here touches a store or the network. */
#ifndef SAFEPATH_PROTOCOL_H
#define SAFEPATH_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/buf.h"
#include "safepath/err.h"

#define SP_PROTO_LANGS 4     /* languages a protocol may list (en first) */
#define SP_PROTO_OPTIONS 64  /* options of one choice or multi question (a bit set) */
#define SP_PROTO_HASH_HEX 65 /* BLAKE2b-256 as hex, NUL-terminated */

/* Three-valued truth (Kleene): no, yes, unknown. */
enum sp_tri { SP_TRI_NO = 0, SP_TRI_YES = 1, SP_TRI_UNKNOWN = 2 };
const char *sp_tri_name(enum sp_tri t); /* "no" "yes" "unknown" */

/* ---- diagnostics: every error of a file, not just the first ---- */

struct sp_diag_item {
	char pointer[160]; /* JSON pointer of the member, "" for the whole file */
	char msg[224];
};
struct sp_diag {
	struct sp_diag_item *items;
	size_t n, cap;
	size_t dropped; /* errors past the cap (SP_DIAG_MAX), counted only */
};
#define SP_DIAG_MAX 500
void sp_diag_init(struct sp_diag *d);
void sp_diag_free(struct sp_diag *d);
void sp_diag_add(struct sp_diag *d, const char *pointer, const char *fmt, ...) SP_PRINTF(3, 4);
/* "POINTER: message\n" per error ("message\n" for the whole file). */
int sp_diag_format(const struct sp_diag *d, struct sp_buf *out) SP_MUST;

/* ---- the vocabulary: protocols/codes.json ---- */

enum sp_vocab_kind {
	SP_VOCAB_NEEDS,
	SP_VOCAB_SERVICES,
	SP_VOCAB_RED_FLAGS,
	SP_VOCAB_TASKS,
	SP_VOCAB_PLACEMENTS,
	SP_VOCAB_PRIORITIES,          /* in rising order */
	SP_VOCAB_INTERVENTION_LEVELS, /* in rising order */
	SP_VOCAB_BEST_INTERESTS_OUTCOMES, /* a best-interests determination's outcomes */
	SP_VOCAB_AGE_METHODS,             /* how an age assessment was made */
	SP_VOCAB_DECLINE_REASONS,         /* why a provider declines a referral */
	SP_VOCAB_SUPPORT_TYPES,           /* a support plan goal's type (HTCDS spl_Type) */
	SP_VOCAB_CLOSURE_REASONS,         /* why a case is closed (HTCDS cas_ status) */
	SP_VOCAB_KINDS
};
struct sp_vocab;
/* Load codes.json text (len bytes); every error in diag. */
int sp_vocab_load(const char *text, size_t len, struct sp_vocab **out, struct sp_diag *diag) SP_MUST;
/* The vocabulary compiled into the program. */
int sp_vocab_load_embedded(struct sp_vocab **out, struct sp_diag *diag) SP_MUST;
void sp_vocab_free(struct sp_vocab *v);
const char *sp_vocab_kind_name(enum sp_vocab_kind k); /* "needs", "red_flags", ... */
/* Index of id in the list of kind k, or -1. */
int sp_vocab_find(const struct sp_vocab *v, enum sp_vocab_kind k, const char *id);
size_t sp_vocab_count(const struct sp_vocab *v, enum sp_vocab_kind k);
const char *sp_vocab_id(const struct sp_vocab *v, enum sp_vocab_kind k, size_t i);
/* The title in lang, or in English when the vocabulary has not that language. */
const char *sp_vocab_title(const struct sp_vocab *v, enum sp_vocab_kind k, size_t i,
			   const char *lang);
int sp_vocab_version(const struct sp_vocab *v);
/* The vocabulary as casework checks a need's or a task's kind against it (safepath/case.h:
 * its lists by name, "needs", "tasks", ...); v is borrowed and must outlive out's use. */
struct sp_vocabulary;
void sp_vocab_for_casework(const struct sp_vocab *v, struct sp_vocabulary *out);

/* ---- a protocol ---- */

/* A text by the protocol's language index (languages[i]); s[0] is English. */
struct sp_text {
	const char *s[SP_PROTO_LANGS];
};

enum sp_qtype { SP_Q_YES_NO, SP_Q_CHOICE, SP_Q_MULTI, SP_Q_NUMBER, SP_Q_PARTIAL_DATE, SP_Q_TEXT };
enum sp_strength { SP_STRONG, SP_MEDIUM, SP_WEAK };
enum sp_proto_status { SP_PROTO_REFERENCE, SP_PROTO_PROVISIONAL, SP_PROTO_LOCAL };
enum sp_proto_kind { SP_KIND_FIRST_CONTACT, SP_KIND_TRAFFICKING, SP_KIND_FORCED_LABOUR };
enum sp_age_group { SP_AGE_ANY, SP_AGE_ADULT, SP_AGE_CHILD };
const char *sp_qtype_name(enum sp_qtype t);
const char *sp_strength_name(enum sp_strength s);
const char *sp_proto_status_name(enum sp_proto_status s);
const char *sp_proto_kind_name(enum sp_proto_kind k);
const char *sp_age_group_name(enum sp_age_group g);

struct sp_expr; /* a compiled expression */

struct sp_option {
	const char *id;
	struct sp_text text;
};

struct sp_question {
	const char *id;
	enum sp_qtype type;
	struct sp_text text, look_for, how_to_ask, never_ask;
	const struct sp_option *options;
	unsigned n_options;
	bool has_min, has_max;
	int64_t min, max;
	const struct sp_expr *show_if; /* NULL: always asked */
	bool sensitive;
	unsigned section;
};

struct sp_section {
	const char *id;
	struct sp_text title;
	unsigned first, count; /* its questions in the protocol's list */
};

struct sp_dimension {
	const char *id;
	struct sp_text title;
	const char *element;
};

struct sp_indicator_in {
	unsigned dimension;
	enum sp_strength strength;
};

struct sp_indicator {
	const char *id;
	struct sp_text title;
	const struct sp_expr *when;
	const struct sp_indicator_in *in;
	unsigned n_in;
};

struct sp_step {
	const char *id;
	struct sp_text finding;
	const struct sp_expr *when;
};

struct sp_reading {
	const char *id;
	struct sp_text title;
	const struct sp_expr *when; /* NULL for a ladder */
	struct sp_text finding;     /* a plain reading's */
	const struct sp_step *steps;
	unsigned n_steps;
};

struct sp_referral {
	unsigned need, service; /* vocabulary indexes */
};

struct sp_task_advice {
	unsigned task;
	int priority;  /* vocabulary index, -1 none */
	int due_hours; /* -1 none */
};

struct sp_outcome {
	const char *id;
	const struct sp_expr *when;
	struct sp_text because;
	const unsigned *needs, *red_flags, *placement;
	unsigned n_needs, n_red_flags, n_placement;
	const struct sp_referral *referrals;
	unsigned n_referrals;
	const struct sp_task_advice *tasks;
	unsigned n_tasks;
	int priority, intervention_level; /* vocabulary indexes, -1 none */
};

struct sp_protocol {
	const char *id;
	int version;
	enum sp_proto_status status;
	const char *source;
	const char *languages[SP_PROTO_LANGS];
	unsigned n_languages;
	struct sp_text title, summary;
	const struct sp_text *notes;
	unsigned n_notes;
	enum sp_proto_kind kind;
	enum sp_age_group age_group;
	const char *variant_adult, *variant_child; /* NULL without variant_of */
	const struct sp_expr *child_presumption;   /* never NULL (a default when absent) */
	const struct sp_section *sections;
	unsigned n_sections;
	const struct sp_question *questions;
	unsigned n_questions;
	const struct sp_dimension *dimensions;
	unsigned n_dimensions;
	const struct sp_expr *dimension_rule; /* NULL without dimensions */
	const struct sp_indicator *indicators;
	unsigned n_indicators;
	const struct sp_reading *readings;
	unsigned n_readings;
	const struct sp_outcome *outcomes;
	unsigned n_outcomes;
	char hash[SP_PROTO_HASH_HEX]; /* BLAKE2b-256 of the file's bytes */
	const char *file_text;        /* the bytes it was loaded from (NUL-terminated) */
	size_t file_len;
	const struct sp_vocab *vocab; /* borrowed: outlives the protocol */
};

/* Load and compile one protocol file; every error goes in diag (JSON pointer and reason; a
 * syntax error as "line L column C: reason"). The text is copied; vocab is borrowed. */
int sp_protocol_load(const char *text, size_t len, const struct sp_vocab *vocab,
		     struct sp_protocol **out, struct sp_diag *diag) SP_MUST;
void sp_protocol_free(struct sp_protocol *p);
/* The text of t in lang, else English. */
const char *sp_text_get(const struct sp_protocol *p, const struct sp_text *t, const char *lang);
int sp_protocol_question(const struct sp_protocol *p, const char *id); /* index or -1 */

/* ---- the registry: shipped protocols and <data>/protocols/ID@VERSION.json ---- */

struct sp_protocols;
/* The shipped protocols, then (dir not NULL) every dir/ *.json but codes.json: each file is
 * named ID@VERSION.json; a local file with a shipped id and version must have its content (a
 * version never changes); a missing dir is no error. Every error in diag, as a message
 * "FILE: POINTER: reason". */
int sp_protocols_load(const char *dir, struct sp_protocols **out, struct sp_diag *diag) SP_MUST;
void sp_protocols_free(struct sp_protocols *r);
const struct sp_vocab *sp_protocols_vocab(const struct sp_protocols *r);
size_t sp_protocols_count(const struct sp_protocols *r);
/* Sorted by id, then version. */
const struct sp_protocol *sp_protocols_at(const struct sp_protocols *r, size_t i);
/* version 0: the latest. NULL when there is none. */
const struct sp_protocol *sp_protocols_find(const struct sp_protocols *r, const char *id,
					    int version);
/* Is the file at path named ID@VERSION.json after the protocol it holds? */
bool sp_protocol_name_ok(const char *path, const struct sp_protocol *p);
/* Read a protocol file (at most 4 MiB) into a new NUL-terminated buffer the caller frees. */
int sp_protocols_read_file(const char *path, char **text, size_t *len) SP_MUST;
/* "ID" or "ID@VERSION". */
const struct sp_protocol *sp_protocols_lookup(const struct sp_protocols *r, const char *ref);

/* ---- answers and facts ---- */

enum sp_answer_state { SP_ANS_MISSING = 0, SP_ANS_UNKNOWN, SP_ANS_GIVEN };

struct sp_answer {
	unsigned char state;
	union {
		bool yes;         /* yes_no */
		unsigned choice;  /* choice: option index */
		uint64_t multi;   /* multi: bit per option */
		int64_t number;   /* number */
		char date[11];    /* partial_date: YYYY, YYYY-MM or YYYY-MM-DD */
		const char *text; /* text: borrowed from the decoded JSON */
	} v;
};

/* n_questions answers, by question index. */
struct sp_answers {
	struct sp_answer *a;
	unsigned n;
};
int sp_answers_init(struct sp_answers *ans, const struct sp_protocol *p) SP_MUST;
void sp_answers_free(struct sp_answers *ans);
/* Decode a JSON object {question_id: value} against p: every error in diag with its JSON
 * pointer. Text answers point into json, which must outlive ans. json is a json_t *. */
int sp_answers_decode(const struct sp_protocol *p, void *json, struct sp_answers *ans,
		      struct sp_diag *diag) SP_MUST;

enum sp_age_decision { SP_AGE_DECISION_NONE, SP_AGE_DECISION_CHILD, SP_AGE_DECISION_ADULT };

/* What the caller knows of the person. Unknown facts are SP_TRI_UNKNOWN. */
struct sp_facts {
	bool has_age;
	int age; /* whole years at the screening */
	enum sp_tri age_unknown, age_disputed, unaccompanied, separated, reason_to_believe_minor;
	char sex; /* 'F' 'M' 'X' 'U', or 0 when not recorded */
	enum sp_age_decision age_decision;
};
void sp_facts_init(struct sp_facts *f); /* everything unknown */
/* {"age": N|null, "age_unknown": bool, "age_disputed": bool, "unaccompanied": bool,
 *  "separated": bool, "reason_to_believe_minor": bool, "sex": "F"|"M"|"X"|"U",
 *  "age_assessment": "child"|"adult"|null}, every member optional. json is a json_t *. */
int sp_facts_decode(void *json, struct sp_facts *f, struct sp_diag *diag) SP_MUST;

/* ---- the engine ---- */

enum sp_person_group { SP_PERSON_ADULT, SP_PERSON_CHILD, SP_PERSON_UNKNOWN };

struct sp_result_task {
	unsigned task;
	int priority, due_hours;
};

/* Sized for one protocol by sp_result_init; sp_evaluate fills it without allocating. */
struct sp_result {
	const struct sp_protocol *p;
	enum sp_person_group group;
	bool presumed_child;
	enum sp_tri child;
	unsigned char *asked;     /* per question: 1 asked, 0 skipped */
	unsigned char *indicator; /* per indicator: enum sp_tri */
	unsigned char *dimension; /* per dimension */
	unsigned char *reading;   /* per reading */
	int *reading_step;        /* per reading: the step it stopped at, -1 none */
	unsigned char *step;      /* per reading and step (reading_first[r] + s): step(R, S) */
	unsigned *step_first;
	unsigned char *outcome; /* per outcome */
	unsigned *needs, *red_flags, *placement;
	unsigned n_needs, n_red_flags, n_placement;
	struct sp_referral *referrals;
	unsigned n_referrals;
	struct sp_result_task *tasks;
	unsigned n_tasks;
	int priority, intervention_level; /* -1 none */
	const struct sp_answers *answers; /* borrowed, for the encoder */
	const struct sp_facts *facts;     /* borrowed, for the encoder */
};
int sp_result_init(struct sp_result *r, const struct sp_protocol *p) SP_MUST;
void sp_result_free(struct sp_result *r);
/* The pure function: the same protocol, answers and facts always give the same result. */
void sp_evaluate(const struct sp_protocol *p, const struct sp_answers *ans,
		 const struct sp_facts *facts, struct sp_result *r);
/* Is the person a child, a presumed child (docs/protocols.md "Children first")? */
void sp_person_group(const struct sp_protocol *p, const struct sp_answers *ans,
		     const struct sp_facts *facts, enum sp_person_group *group,
		     bool *presumed_child);
/* The protocol to use for this person: p's child variant for a child or presumed child when
 * p is an adult set with one in r, else p. */
const struct sp_protocol *sp_protocols_variant(const struct sp_protocols *r,
					       const struct sp_protocol *p,
					       const struct sp_answers *ans,
					       const struct sp_facts *facts);
/* The result as JSON (docs/protocols.md "The result"), explanation in lang ("en", "fr"). */
int sp_result_json(const struct sp_result *r, const char *lang, struct sp_buf *out) SP_MUST;
/* A whole screening from JSON: the protocol ref ("ID" or "ID@VERSION"), its child variant
 * when the facts make the person a child or a presumed child, the answers (a json_t object)
 * decoded against the protocol used, the facts (a json_t object, or NULL: all unknown); the
 * result JSON appended to out. Errors in diag, pointers under /answers and /facts. */
int sp_screen_json(const struct sp_protocols *reg, const char *ref, void *answers, void *facts,
		   const char *lang, struct sp_buf *out, struct sp_diag *diag) SP_MUST;

#endif
