/* Inside the identify wing: the compiled expression (rules.c), how the loader tells the
 * compiler what an expression may name (protocol.c), and how the engine evaluates it
 * (engine.c). The public view is include/safepath/protocol.h. */
#ifndef SAFEPATH_IDENTIFY_PROTOCOL_H
#define SAFEPATH_IDENTIFY_PROTOCOL_H

#include "safepath/arena.h"
#include "safepath/protocol.h"

enum sp_op {
	SP_OP_INT, SP_OP_AND, SP_OP_OR, SP_OP_NOT,
	SP_OP_EQ, SP_OP_NE, SP_OP_LT, SP_OP_LE, SP_OP_GT, SP_OP_GE,
	SP_OP_ADD, SP_OP_SUB,
	SP_OP_YES, SP_OP_NO, SP_OP_IS, SP_OP_NUM, SP_OP_ANSWERED,
	SP_OP_FOUND, SP_OP_DIM, SP_OP_READING, SP_OP_STEP,
	SP_OP_CHILD, SP_OP_PRESUMED, SP_OP_FACT, SP_OP_SEX, SP_OP_AGE,
	SP_OP_STRONG, SP_OP_MEDIUM, SP_OP_WEAK,
};

enum sp_etype { SP_T_BOOL, SP_T_INT };

/* One node; a and b index the protocol's arrays (question, option, indicator, ...). */
struct sp_expr {
	unsigned char op, type;
	unsigned a, b;
	int64_t val;
	const struct sp_expr *l, *r;
};

/* Facts fact(name) reads, in this order (enum sp_fact). */
enum sp_fact { SP_FACT_UNACCOMPANIED, SP_FACT_SEPARATED, SP_FACT_AGE_UNKNOWN,
	       SP_FACT_AGE_DISPUTED, SP_FACT_REASON_TO_BELIEVE_MINOR, SP_FACT_COUNT };

/* What an expression may use, by where it stands (docs/protocols.md "Expressions"). */
enum sp_scope_allow {
	SP_ALLOW_ANSWERS = 1 << 0,  /* yes no is num answered */
	SP_ALLOW_PERSON = 1 << 1,   /* fact sex age */
	SP_ALLOW_CHILD = 1 << 2,    /* child presumed_child */
	SP_ALLOW_FOUND = 1 << 3,
	SP_ALLOW_DIM = 1 << 4,
	SP_ALLOW_READING = 1 << 5,  /* reading step */
	SP_ALLOW_COUNTS = 1 << 6,   /* strong medium weak */
};

struct sp_scope {
	const struct sp_protocol *p; /* being built: ids of what is listed so far */
	unsigned allow;
	unsigned questions;     /* answer functions may name questions [0, questions) */
	bool only_unconditional; /* ... and only those without show_if (child_presumption) */
	unsigned indicators;    /* found() may name indicators [0, indicators) */
	unsigned readings;      /* reading() and step() may name readings [0, readings) */
};

/* Compile src into the arena; on error return SP_EINVAL with msg "column C: reason". */
int sp_expr_compile(const char *src, const struct sp_scope *scope, struct sp_arena *arena,
		    const struct sp_expr **out, char *msg, size_t msg_cap) SP_MUST;

/* What an evaluation reads. */
struct sp_eval {
	const struct sp_protocol *p;
	const struct sp_answers *ans; /* may be NULL: every answer unknown */
	const struct sp_facts *facts;
	const struct sp_result *r;    /* indicators, dimensions, readings so far */
	enum sp_tri child, presumed;
	unsigned count_lo[3], count_hi[3]; /* the dimension rule's strengths */
};

/* Integers are intervals; none: no value (num() of a skipped question), never compares. */
struct sp_ival {
	int64_t lo, hi;
	bool none;
};

enum sp_tri sp_expr_truth(const struct sp_expr *e, const struct sp_eval *ev);
struct sp_ival sp_expr_value(const struct sp_expr *e, const struct sp_eval *ev);

/* The name fact(name) takes, by enum sp_fact. */
extern const char *const sp_fact_names[SP_FACT_COUNT];


/* ---- walking a JSON document with a JSON pointer, collecting every error (walk.c) ---- */

#include <jansson.h>

struct sp_walk {
	struct sp_diag *diag;
	struct sp_arena *arena; /* strings the document's values are copied into */
	char path[160];
	size_t len;
	const char *const *langs; /* the languages every text must have */
	unsigned n_langs;
};

/* Enter a member or an element (the pointer grows); leave with sp_walk_leave(w, saved). */
size_t sp_walk_enter(struct sp_walk *w, const char *key);
size_t sp_walk_enter_index(struct sp_walk *w, size_t i);
void sp_walk_leave(struct sp_walk *w, size_t saved);
void sp_walk_error(struct sp_walk *w, const char *fmt, ...) SP_PRINTF(2, 3);
/* An error at member key of the current value. */
void sp_walk_error_at(struct sp_walk *w, const char *key, const char *fmt, ...) SP_PRINTF(3, 4);
/* The current value is an object whose members are all in allowed (NULL-ended); every
 * other member is an error. False when it is not an object. */
bool sp_walk_object(struct sp_walk *w, json_t *v, const char *const *allowed);
/* Member key of obj; NULL (and an error when required) when absent. */
json_t *sp_walk_get(struct sp_walk *w, json_t *obj, const char *key, bool required);
/* A string member, copied into the arena; pattern: NULL or an id check ("id", "qid"). */
const char *sp_walk_string(struct sp_walk *w, json_t *obj, const char *key, bool required);
/* An integer member within [min, max]; false when absent or wrong. */
bool sp_walk_int(struct sp_walk *w, json_t *obj, const char *key, bool required, int64_t min,
		 int64_t max, int64_t *out);
/* A text member: an object from each of w->langs to a non-empty string, nothing else. */
bool sp_walk_text(struct sp_walk *w, json_t *obj, const char *key, bool required,
		  struct sp_text *out);
/* One of names (NULL-ended); -1 when absent or wrong. */
int sp_walk_enum(struct sp_walk *w, json_t *obj, const char *key, bool required,
		 const char *const *names);
/* An array member (an error when it is something else); NULL when absent. */
json_t *sp_walk_array(struct sp_walk *w, json_t *obj, const char *key, bool required);
/* Is s an id of its kind, 1 to 48 characters: SP_ID_LOWER [a-z][a-z0-9_]* (questions,
 * options), SP_ID_PROTOCOL [a-z0-9-]+, SP_ID_NAME [A-Za-z][A-Za-z0-9_]* (the rest)? */
enum sp_id_kind { SP_ID_LOWER, SP_ID_PROTOCOL, SP_ID_NAME };
bool sp_walk_id_ok(const char *s, enum sp_id_kind kind);

/* The "languages" member of codes.json and of a protocol (codes.c). */
void sp_proto_load_langs(struct sp_walk *w, json_t *doc, const char **langs, unsigned *n);

#endif
