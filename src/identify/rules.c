/* The rule language of screening protocols (docs/protocols.md "Expressions"): a tokeniser and
 * a recursive-descent parser that resolves every name to an index and checks types once, at
 * load; and the evaluator, three-valued (Kleene) with integers as intervals, so that an
 * unknown answer never reads as "no". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "identify/protocol.h"

#define EXPR_MAX_LEN 4096
#define EXPR_MAX_DEPTH 48
#define INT_LIMIT 1000000000LL /* literals; sums stay far from int64 overflow */
#define VALUE_BIG (1LL << 40)   /* the bounds of an unknown number */

const char *const sp_fact_names[SP_FACT_COUNT] = {"unaccompanied", "separated", "age_unknown",
						   "age_disputed", "reason_to_believe_minor"};

enum tok { T_END, T_NAME, T_INT, T_STRING, T_LP, T_RP, T_COMMA, T_PLUS, T_MINUS, T_EQ, T_NE,
	   T_LT, T_LE, T_GT, T_GE, T_BAD };

struct parser {
	const char *src;
	size_t pos;
	enum tok tok;
	size_t tok_start, tok_len; /* the token's text (a string's without quotes) */
	int64_t tok_int;
	int depth;
	const struct sp_scope *scope;
	struct sp_arena *arena;
	char *msg;
	size_t msg_cap;
	bool failed;
};

SP_PRINTF(3, 4)
static void fail_at(struct parser *ps, size_t pos, const char *fmt, ...)
{
	if (ps->failed)
		return;
	ps->failed = true;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(ps->msg, ps->msg_cap, "column %zu: %s", pos + 1, what);
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static void next(struct parser *ps)
{
	const char *s = ps->src;
	while (s[ps->pos] == ' ' || s[ps->pos] == '\t' || s[ps->pos] == '\n' || s[ps->pos] == '\r')
		ps->pos++;
	size_t p = ps->pos;
	ps->tok_start = p;
	ps->tok_len = 1;
	char c = s[p];
	if (c == '\0') {
		ps->tok = T_END;
		ps->tok_len = 0;
		return;
	}
	if (is_name_start(c)) {
		size_t n = 1;
		while (is_name_char(s[p + n]))
			n++;
		ps->tok = T_NAME;
		ps->tok_len = n;
		ps->pos = p + n;
		return;
	}
	if (c >= '0' && c <= '9') {
		int64_t v = 0;
		size_t n = 0;
		while (s[p + n] >= '0' && s[p + n] <= '9') {
			if (v <= INT_LIMIT)
				v = v * 10 + (s[p + n] - '0');
			n++;
		}
		if (is_name_char(s[p + n])) {
			ps->tok = T_BAD;
			fail_at(ps, p, "a number runs into a name");
			return;
		}
		if (v > INT_LIMIT) {
			ps->tok = T_BAD;
			fail_at(ps, p, "number over %lld", (long long)INT_LIMIT);
			return;
		}
		ps->tok = T_INT;
		ps->tok_int = v;
		ps->tok_len = n;
		ps->pos = p + n;
		return;
	}
	if (c == '"' || c == '\'') {
		size_t n = 1;
		while (s[p + n] && s[p + n] != c)
			n++;
		if (!s[p + n]) {
			ps->tok = T_BAD;
			fail_at(ps, p, "unterminated string");
			return;
		}
		ps->tok = T_STRING;
		ps->tok_start = p + 1;
		ps->tok_len = n - 1;
		ps->pos = p + n + 1;
		return;
	}
	static const struct {
		const char *text;
		enum tok tok;
	} ops[] = {{"!=", T_NE}, {"<=", T_LE}, {">=", T_GE}, {"(", T_LP}, {")", T_RP},
		   {",", T_COMMA}, {"+", T_PLUS}, {"-", T_MINUS}, {"=", T_EQ}, {"<", T_LT},
		   {">", T_GT}};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(s + p, ops[i].text, n) == 0) {
			ps->tok = ops[i].tok;
			ps->tok_len = n;
			ps->pos = p + n;
			return;
		}
	}
	ps->tok = T_BAD;
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		fail_at(ps, p, "unexpected character '%c'", c);
	else
		fail_at(ps, p, "unexpected byte 0x%02x", (unsigned char)c);
}

static bool tok_is(const struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	return ps->tok == T_NAME && ps->tok_len == n && memcmp(ps->src + ps->tok_start, word, n) == 0;
}

static struct sp_expr *node(struct parser *ps, enum sp_op op, enum sp_etype type)
{
	struct sp_expr *e = sp_arena_alloc(ps->arena, sizeof *e);
	if (!e) {
		fail_at(ps, ps->tok_start, "out of memory");
		return NULL;
	}
	e->op = (unsigned char)op;
	e->type = (unsigned char)type;
	return e;
}

static struct sp_expr *parse_or(struct parser *ps);

static bool want_type(struct parser *ps, const struct sp_expr *e, enum sp_etype t, size_t pos,
		      const char *where)
{
	if (!e)
		return false;
	if (e->type != t) {
		fail_at(ps, pos, "%s needs %s", where,
			t == SP_T_BOOL ? "a condition, not a number" : "a number, not a condition");
		return false;
	}
	return true;
}

/* A function's argument, as written (a name or a string). */
struct arg {
	size_t start, len, pos;
	bool is_int;
};

/* Index of name in a list of n ids taken every stride bytes from base, or -1. */
static int find_id(const void *base, size_t stride, unsigned n, const char *src, const struct arg *a)
{
	for (unsigned i = 0; i < n; i++) {
		const char *id = *(const char *const *)((const char *)base + (size_t)i * stride);
		if (id && strlen(id) == a->len && memcmp(id, src + a->start, a->len) == 0)
			return (int)i;
	}
	return -1;
}

enum argk { A_QUESTION, A_OPTION, A_INDICATOR, A_DIMENSION, A_READING, A_STEP, A_FACT, A_SEX };

struct func {
	const char *name;
	enum sp_op op;
	enum sp_etype type;
	unsigned allow; /* the scope flag it needs */
	unsigned char nargs;
	unsigned char args[2];
};

static const struct func funcs[] = {
	{"yes", SP_OP_YES, SP_T_BOOL, SP_ALLOW_ANSWERS, 1, {A_QUESTION}},
	{"no", SP_OP_NO, SP_T_BOOL, SP_ALLOW_ANSWERS, 1, {A_QUESTION}},
	{"is", SP_OP_IS, SP_T_BOOL, SP_ALLOW_ANSWERS, 2, {A_QUESTION, A_OPTION}},
	{"num", SP_OP_NUM, SP_T_INT, SP_ALLOW_ANSWERS, 1, {A_QUESTION}},
	{"answered", SP_OP_ANSWERED, SP_T_BOOL, SP_ALLOW_ANSWERS, 1, {A_QUESTION}},
	{"found", SP_OP_FOUND, SP_T_BOOL, SP_ALLOW_FOUND, 1, {A_INDICATOR}},
	{"dim", SP_OP_DIM, SP_T_BOOL, SP_ALLOW_DIM, 1, {A_DIMENSION}},
	{"reading", SP_OP_READING, SP_T_BOOL, SP_ALLOW_READING, 1, {A_READING}},
	{"step", SP_OP_STEP, SP_T_BOOL, SP_ALLOW_READING, 2, {A_READING, A_STEP}},
	{"child", SP_OP_CHILD, SP_T_BOOL, SP_ALLOW_CHILD, 0, {0}},
	{"presumed_child", SP_OP_PRESUMED, SP_T_BOOL, SP_ALLOW_CHILD, 0, {0}},
	{"fact", SP_OP_FACT, SP_T_BOOL, SP_ALLOW_PERSON, 1, {A_FACT}},
	{"sex", SP_OP_SEX, SP_T_BOOL, SP_ALLOW_PERSON, 1, {A_SEX}},
	{"age", SP_OP_AGE, SP_T_INT, SP_ALLOW_PERSON, 0, {0}},
};

/* What a function in the wrong place is told. */
static const char *scope_word(unsigned allow)
{
	switch (allow) {
	case SP_ALLOW_ANSWERS:
		return "answers";
	case SP_ALLOW_PERSON:
		return "the person's facts";
	case SP_ALLOW_CHILD:
		return "the child presumption";
	case SP_ALLOW_FOUND:
		return "indicators";
	case SP_ALLOW_DIM:
		return "dimensions";
	case SP_ALLOW_READING:
		return "readings";
	default:
		return "strength counts (only in dimension_rule)";
	}
}

/* Resolve argument k of f; returns the index or -1 after failing. */
static int resolve(struct parser *ps, const struct func *f, unsigned k, const struct arg *a,
		   const struct sp_expr *e)
{
	const struct sp_scope *sc = ps->scope;
	const struct sp_protocol *p = sc->p;
	const char *s = ps->src;
	int len = (int)(a->len > 64 ? 64 : a->len);
	if (a->is_int) {
		fail_at(ps, a->pos, "%s() takes a name, not a number", f->name);
		return -1;
	}
	int i = -1;
	switch ((enum argk)f->args[k]) {
	case A_QUESTION:
		i = find_id(p->questions, sizeof *p->questions, p->n_questions, s, a);
		if (i < 0) {
			fail_at(ps, a->pos, "unknown question '%.*s'", len, s + a->start);
			return -1;
		}
		if ((unsigned)i >= sc->questions) {
			fail_at(ps, a->pos, "question '%.*s' is not an earlier question", len,
				s + a->start);
			return -1;
		}
		if (sc->only_unconditional && p->questions[i].show_if) {
			fail_at(ps, a->pos, "question '%.*s' has a show_if: the child presumption "
				"reads only questions always asked", len, s + a->start);
			return -1;
		}
		{
			enum sp_qtype t = p->questions[i].type;
			bool ok = f->op == SP_OP_ANSWERED ? t != SP_Q_TEXT
				  : f->op == SP_OP_NUM	  ? t == SP_Q_NUMBER
				  : f->op == SP_OP_IS	  ? (t == SP_Q_CHOICE || t == SP_Q_MULTI)
							  : t == SP_Q_YES_NO;
			if (!ok) {
				fail_at(ps, a->pos, "%s() cannot read question '%.*s' of type %s",
					f->name, len, s + a->start, sp_qtype_name(t));
				return -1;
			}
		}
		return i;
	case A_OPTION: {
		const struct sp_question *q = &p->questions[e->a];
		i = find_id(q->options, sizeof *q->options, q->n_options, s, a);
		if (i < 0)
			fail_at(ps, a->pos, "question '%s' has no option '%.*s'", q->id, len,
				s + a->start);
		return i;
	}
	case A_INDICATOR:
		i = find_id(p->indicators, sizeof *p->indicators, p->n_indicators, s, a);
		if (i < 0)
			fail_at(ps, a->pos, "unknown indicator '%.*s'", len, s + a->start);
		else if ((unsigned)i >= sc->indicators)
			fail_at(ps, a->pos, "indicator '%.*s' is not an earlier indicator (no rule "
				"may depend on itself)", len, s + a->start);
		return (unsigned)i < sc->indicators ? i : -1;
	case A_DIMENSION:
		i = find_id(p->dimensions, sizeof *p->dimensions, p->n_dimensions, s, a);
		if (i < 0)
			fail_at(ps, a->pos, "unknown dimension '%.*s'", len, s + a->start);
		return i;
	case A_READING:
		i = find_id(p->readings, sizeof *p->readings, p->n_readings, s, a);
		if (i < 0)
			fail_at(ps, a->pos, "unknown reading '%.*s'", len, s + a->start);
		else if ((unsigned)i >= sc->readings)
			fail_at(ps, a->pos, "reading '%.*s' is not an earlier reading (no rule may "
				"depend on itself)", len, s + a->start);
		else if (f->op == SP_OP_READING || p->readings[i].n_steps)
			return i;
		else
			fail_at(ps, a->pos, "reading '%.*s' has no steps", len, s + a->start);
		return -1;
	case A_STEP: {
		const struct sp_reading *r = &p->readings[e->a];
		i = find_id(r->steps, sizeof *r->steps, r->n_steps, s, a);
		if (i < 0)
			fail_at(ps, a->pos, "reading '%s' has no step '%.*s'", r->id, len,
				s + a->start);
		return i;
	}
	case A_FACT:
		for (int j = 0; j < SP_FACT_COUNT; j++)
			if (strlen(sp_fact_names[j]) == a->len &&
			    memcmp(sp_fact_names[j], s + a->start, a->len) == 0)
				return j;
		fail_at(ps, a->pos, "unknown fact '%.*s' (unaccompanied, separated, age_unknown, "
			"age_disputed, reason_to_believe_minor)", len, s + a->start);
		return -1;
	case A_SEX:
		if (a->len == 1 && strchr("FMXU", s[a->start]))
			return s[a->start];
		fail_at(ps, a->pos, "sex() takes F, M, X or U");
		return -1;
	}
	return -1;
}

static struct sp_expr *parse_call(struct parser *ps, const struct func *f, size_t at)
{
	struct arg args[2];
	unsigned n = 0;
	next(ps); /* ( */
	next(ps);
	if (ps->tok != T_RP) {
		for (;;) {
			if (ps->tok != T_NAME && ps->tok != T_STRING && ps->tok != T_INT) {
				fail_at(ps, ps->tok_start, "%s() expects a name", f->name);
				return NULL;
			}
			if (n < 2)
				args[n] = (struct arg){ps->tok_start, ps->tok_len, ps->tok_start,
						       ps->tok == T_INT};
			n++;
			next(ps);
			if (ps->tok == T_RP)
				break;
			if (ps->tok != T_COMMA) {
				fail_at(ps, ps->tok_start, "expected ',' or ')'");
				return NULL;
			}
			next(ps);
		}
	}
	if (n != f->nargs) {
		fail_at(ps, at, "%s() takes %u argument%s, not %u", f->name, f->nargs,
			f->nargs == 1 ? "" : "s", n);
		return NULL;
	}
	if (!(ps->scope->allow & f->allow)) {
		fail_at(ps, at, "%s() cannot be used here: this expression may not read %s", f->name,
			scope_word(f->allow));
		return NULL;
	}
	struct sp_expr *e = node(ps, f->op, f->type);
	if (!e)
		return NULL;
	for (unsigned k = 0; k < n; k++) {
		int i = resolve(ps, f, k, &args[k], e);
		if (i < 0)
			return NULL;
		if (k == 0)
			e->a = (unsigned)i;
		else
			e->b = (unsigned)i;
	}
	next(ps); /* ) */
	return e;
}

static struct sp_expr *parse_atom(struct parser *ps)
{
	size_t at = ps->tok_start;
	if (ps->tok == T_INT) {
		struct sp_expr *e = node(ps, SP_OP_INT, SP_T_INT);
		if (e)
			e->val = ps->tok_int;
		next(ps);
		return e;
	}
	if (ps->tok == T_LP) {
		if (++ps->depth > EXPR_MAX_DEPTH) {
			fail_at(ps, at, "nested too deeply");
			return NULL;
		}
		next(ps);
		struct sp_expr *e = parse_or(ps);
		ps->depth--;
		if (!e)
			return NULL;
		if (ps->tok != T_RP) {
			fail_at(ps, ps->tok_start, "expected ')'");
			return NULL;
		}
		next(ps);
		return e;
	}
	if (ps->tok != T_NAME) {
		fail_at(ps, at, ps->tok == T_END ? "unexpected end of the expression"
						 : "expected a name, a number or '('");
		return NULL;
	}
	int len = (int)(ps->tok_len > 64 ? 64 : ps->tok_len);
	const char *name = ps->src + ps->tok_start;
	size_t save = ps->pos;
	/* a call when '(' follows */
	size_t q = save;
	while (ps->src[q] == ' ' || ps->src[q] == '\t')
		q++;
	if (ps->src[q] == '(') {
		for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
			if (tok_is(ps, funcs[i].name)) {
				ps->pos = q;
				return parse_call(ps, &funcs[i], at);
			}
		fail_at(ps, at, "unknown function '%.*s'", len, name);
		return NULL;
	}
	static const struct {
		const char *name;
		enum sp_op op;
	} counts[] = {{"strong", SP_OP_STRONG}, {"medium", SP_OP_MEDIUM}, {"weak", SP_OP_WEAK}};
	for (size_t i = 0; i < 3; i++)
		if (tok_is(ps, counts[i].name)) {
			if (!(ps->scope->allow & SP_ALLOW_COUNTS)) {
				fail_at(ps, at, "'%s' counts indicators only in dimension_rule",
					counts[i].name);
				return NULL;
			}
			next(ps);
			return node(ps, counts[i].op, SP_T_INT);
		}
	fail_at(ps, at, "unknown name '%.*s' (a function needs its parentheses)", len, name);
	return NULL;
}

static struct sp_expr *parse_sum(struct parser *ps)
{
	size_t at = ps->tok_start;
	struct sp_expr *l = parse_atom(ps);
	while (l && (ps->tok == T_PLUS || ps->tok == T_MINUS)) {
		enum sp_op op = ps->tok == T_PLUS ? SP_OP_ADD : SP_OP_SUB;
		size_t op_at = ps->tok_start;
		if (!want_type(ps, l, SP_T_INT, at, op == SP_OP_ADD ? "'+'" : "'-'"))
			return NULL;
		next(ps);
		size_t r_at = ps->tok_start;
		struct sp_expr *r = parse_atom(ps);
		if (!want_type(ps, r, SP_T_INT, r_at, op == SP_OP_ADD ? "'+'" : "'-'"))
			return NULL;
		struct sp_expr *e = node(ps, op, SP_T_INT);
		if (!e)
			return NULL;
		(void)op_at;
		e->l = l;
		e->r = r;
		l = e;
	}
	return l;
}

static struct sp_expr *parse_compare(struct parser *ps)
{
	size_t at = ps->tok_start;
	struct sp_expr *l = parse_sum(ps);
	if (!l)
		return NULL;
	static const struct {
		enum tok tok;
		enum sp_op op;
		const char *text;
	} cmp[] = {{T_EQ, SP_OP_EQ, "'='"}, {T_NE, SP_OP_NE, "'!='"}, {T_LT, SP_OP_LT, "'<'"},
		   {T_LE, SP_OP_LE, "'<='"}, {T_GT, SP_OP_GT, "'>'"}, {T_GE, SP_OP_GE, "'>='"}};
	for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
		if (ps->tok != cmp[i].tok)
			continue;
		if (!want_type(ps, l, SP_T_INT, at, cmp[i].text))
			return NULL;
		next(ps);
		size_t r_at = ps->tok_start;
		struct sp_expr *r = parse_sum(ps);
		if (!want_type(ps, r, SP_T_INT, r_at, cmp[i].text))
			return NULL;
		struct sp_expr *e = node(ps, cmp[i].op, SP_T_BOOL);
		if (!e)
			return NULL;
		e->l = l;
		e->r = r;
		return e;
	}
	return l;
}

static struct sp_expr *parse_not(struct parser *ps)
{
	if (!tok_is(ps, "not"))
		return parse_compare(ps);
	size_t at = ps->tok_start;
	if (++ps->depth > EXPR_MAX_DEPTH) {
		fail_at(ps, at, "nested too deeply");
		return NULL;
	}
	next(ps);
	size_t r_at = ps->tok_start;
	struct sp_expr *r = parse_not(ps);
	ps->depth--;
	if (!want_type(ps, r, SP_T_BOOL, r_at, "'not'"))
		return NULL;
	struct sp_expr *e = node(ps, SP_OP_NOT, SP_T_BOOL);
	if (e)
		e->l = r;
	return e;
}

static struct sp_expr *parse_binary(struct parser *ps, bool is_or)
{
	const char *word = is_or ? "or" : "and";
	size_t at = ps->tok_start;
	struct sp_expr *l = is_or ? parse_binary(ps, false) : parse_not(ps);
	while (l && tok_is(ps, word)) {
		if (!want_type(ps, l, SP_T_BOOL, at, is_or ? "'or'" : "'and'"))
			return NULL;
		next(ps);
		size_t r_at = ps->tok_start;
		struct sp_expr *r = is_or ? parse_binary(ps, false) : parse_not(ps);
		if (!want_type(ps, r, SP_T_BOOL, r_at, is_or ? "'or'" : "'and'"))
			return NULL;
		struct sp_expr *e = node(ps, is_or ? SP_OP_OR : SP_OP_AND, SP_T_BOOL);
		if (!e)
			return NULL;
		e->l = l;
		e->r = r;
		l = e;
	}
	return l;
}

static struct sp_expr *parse_or(struct parser *ps)
{
	return parse_binary(ps, true);
}

int sp_expr_compile(const char *src, const struct sp_scope *scope, struct sp_arena *arena,
		    const struct sp_expr **out, char *msg, size_t msg_cap)
{
	struct parser ps = {.src = src, .scope = scope, .arena = arena, .msg = msg,
			    .msg_cap = msg_cap};
	*out = NULL;
	if (msg_cap)
		msg[0] = '\0';
	size_t len = strnlen(src, EXPR_MAX_LEN + 1);
	if (len > EXPR_MAX_LEN) {
		snprintf(msg, msg_cap, "longer than %d characters", EXPR_MAX_LEN);
		return SP_EINVAL;
	}
	next(&ps);
	if (ps.tok == T_END) {
		snprintf(msg, msg_cap, "is empty");
		return SP_EINVAL;
	}
	struct sp_expr *e = parse_or(&ps);
	if (e && ps.tok != T_END)
		fail_at(&ps, ps.tok_start, "unexpected text after the expression");
	if (e && !ps.failed)
		want_type(&ps, e, SP_T_BOOL, 0, "a rule");
	if (ps.failed || !e)
		return SP_EINVAL;
	*out = e;
	return SP_OK;
}

/* ---- evaluation ---- */

static enum sp_tri tri_and(enum sp_tri a, enum sp_tri b)
{
	if (a == SP_TRI_NO || b == SP_TRI_NO)
		return SP_TRI_NO;
	return a == SP_TRI_YES && b == SP_TRI_YES ? SP_TRI_YES : SP_TRI_UNKNOWN;
}

static enum sp_tri tri_or(enum sp_tri a, enum sp_tri b)
{
	if (a == SP_TRI_YES || b == SP_TRI_YES)
		return SP_TRI_YES;
	return a == SP_TRI_NO && b == SP_TRI_NO ? SP_TRI_NO : SP_TRI_UNKNOWN;
}

static enum sp_tri tri_not(enum sp_tri a)
{
	return a == SP_TRI_UNKNOWN ? SP_TRI_UNKNOWN : a == SP_TRI_YES ? SP_TRI_NO : SP_TRI_YES;
}

static int64_t clamp(int64_t v)
{
	return v > VALUE_BIG ? VALUE_BIG : v < -VALUE_BIG ? -VALUE_BIG : v;
}

static enum sp_tri compare(enum sp_op op, struct sp_ival a, struct sp_ival b)
{
	if (a.none || b.none)
		return SP_TRI_NO;
	switch (op) {
	case SP_OP_LT: /* a < b */
		return a.hi < b.lo ? SP_TRI_YES : a.lo >= b.hi ? SP_TRI_NO : SP_TRI_UNKNOWN;
	case SP_OP_LE:
		return a.hi <= b.lo ? SP_TRI_YES : a.lo > b.hi ? SP_TRI_NO : SP_TRI_UNKNOWN;
	case SP_OP_GT:
		return compare(SP_OP_LT, b, a);
	case SP_OP_GE:
		return compare(SP_OP_LE, b, a);
	case SP_OP_EQ:
		if (a.lo == a.hi && b.lo == b.hi && a.lo == b.lo)
			return SP_TRI_YES;
		return a.hi < b.lo || b.hi < a.lo ? SP_TRI_NO : SP_TRI_UNKNOWN;
	default: /* SP_OP_NE */
		return tri_not(compare(SP_OP_EQ, a, b));
	}
}

/* The answer to question q when it was asked; NULL when it was skipped. */
static const struct sp_answer *answer(const struct sp_eval *ev, unsigned q)
{
	static const struct sp_answer none = {.state = SP_ANS_UNKNOWN};
	if (ev->r && ev->r->asked && !ev->r->asked[q])
		return NULL;
	return ev->ans ? &ev->ans->a[q] : &none;
}

static enum sp_tri fact(const struct sp_facts *f, unsigned which)
{
	switch ((enum sp_fact)which) {
	case SP_FACT_UNACCOMPANIED:
		return f->unaccompanied;
	case SP_FACT_SEPARATED:
		return f->separated;
	case SP_FACT_AGE_UNKNOWN:
		return f->age_unknown;
	case SP_FACT_AGE_DISPUTED:
		return f->age_disputed;
	default:
		return f->reason_to_believe_minor;
	}
}

struct sp_ival sp_expr_value(const struct sp_expr *e, const struct sp_eval *ev)
{
	struct sp_ival v = {0, 0, false};
	switch ((enum sp_op)e->op) {
	case SP_OP_INT:
		v.lo = v.hi = e->val;
		return v;
	case SP_OP_ADD:
	case SP_OP_SUB: {
		struct sp_ival a = sp_expr_value(e->l, ev), b = sp_expr_value(e->r, ev);
		if (a.none || b.none)
			return (struct sp_ival){0, 0, true};
		if (e->op == SP_OP_ADD) {
			v.lo = clamp(a.lo + b.lo);
			v.hi = clamp(a.hi + b.hi);
		} else {
			v.lo = clamp(a.lo - b.hi);
			v.hi = clamp(a.hi - b.lo);
		}
		return v;
	}
	case SP_OP_NUM: {
		const struct sp_answer *an = answer(ev, e->a);
		const struct sp_question *q = &ev->p->questions[e->a];
		if (!an)
			return (struct sp_ival){0, 0, true};
		if (an->state == SP_ANS_GIVEN) {
			v.lo = v.hi = an->v.number;
			return v;
		}
		v.lo = q->has_min ? q->min : -VALUE_BIG;
		v.hi = q->has_max ? q->max : VALUE_BIG;
		return v;
	}
	case SP_OP_AGE:
		if (ev->facts && ev->facts->has_age) {
			v.lo = v.hi = ev->facts->age;
		} else {
			v.lo = 0;
			v.hi = VALUE_BIG;
		}
		return v;
	case SP_OP_STRONG:
	case SP_OP_MEDIUM:
	case SP_OP_WEAK: {
		unsigned k = (unsigned)(e->op - SP_OP_STRONG);
		v.lo = ev->count_lo[k];
		v.hi = ev->count_hi[k];
		return v;
	}
	default:
		return (struct sp_ival){0, 0, true}; /* type-checked at load: never here */
	}
}

enum sp_tri sp_expr_truth(const struct sp_expr *e, const struct sp_eval *ev)
{
	const struct sp_answer *an;
	switch ((enum sp_op)e->op) {
	case SP_OP_AND: {
		enum sp_tri l = sp_expr_truth(e->l, ev);
		return l == SP_TRI_NO ? SP_TRI_NO : tri_and(l, sp_expr_truth(e->r, ev));
	}
	case SP_OP_OR: {
		enum sp_tri l = sp_expr_truth(e->l, ev);
		return l == SP_TRI_YES ? SP_TRI_YES : tri_or(l, sp_expr_truth(e->r, ev));
	}
	case SP_OP_NOT:
		return tri_not(sp_expr_truth(e->l, ev));
	case SP_OP_EQ:
	case SP_OP_NE:
	case SP_OP_LT:
	case SP_OP_LE:
	case SP_OP_GT:
	case SP_OP_GE:
		return compare((enum sp_op)e->op, sp_expr_value(e->l, ev), sp_expr_value(e->r, ev));
	case SP_OP_YES:
	case SP_OP_NO:
		an = answer(ev, e->a);
		if (!an)
			return SP_TRI_NO;
		if (an->state != SP_ANS_GIVEN)
			return SP_TRI_UNKNOWN;
		return an->v.yes == (e->op == SP_OP_YES) ? SP_TRI_YES : SP_TRI_NO;
	case SP_OP_IS:
		an = answer(ev, e->a);
		if (!an)
			return SP_TRI_NO;
		if (an->state != SP_ANS_GIVEN)
			return SP_TRI_UNKNOWN;
		if (ev->p->questions[e->a].type == SP_Q_MULTI)
			return (an->v.multi >> e->b) & 1 ? SP_TRI_YES : SP_TRI_NO;
		return an->v.choice == e->b ? SP_TRI_YES : SP_TRI_NO;
	case SP_OP_ANSWERED:
		an = answer(ev, e->a);
		return an && an->state == SP_ANS_GIVEN ? SP_TRI_YES : SP_TRI_NO;
	case SP_OP_FOUND:
		return (enum sp_tri)ev->r->indicator[e->a];
	case SP_OP_DIM:
		return (enum sp_tri)ev->r->dimension[e->a];
	case SP_OP_READING:
		return (enum sp_tri)ev->r->reading[e->a];
	case SP_OP_STEP:
		return (enum sp_tri)ev->r->step[ev->r->step_first[e->a] + e->b];
	case SP_OP_CHILD:
		return ev->child;
	case SP_OP_PRESUMED:
		return ev->presumed;
	case SP_OP_FACT:
		return ev->facts ? fact(ev->facts, e->a) : SP_TRI_UNKNOWN;
	case SP_OP_SEX:
		if (!ev->facts || !ev->facts->sex)
			return SP_TRI_UNKNOWN;
		return ev->facts->sex == (char)e->a ? SP_TRI_YES : SP_TRI_NO;
	default:
		return SP_TRI_UNKNOWN; /* type-checked at load: never here */
	}
}
