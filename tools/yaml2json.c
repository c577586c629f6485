/* Build-time converter: a YAML document (docs/openapi.yaml) to JSON, so the C drift test and
 * the API tests read it with the JSON parsers they already have. libyaml parses; plain
 * scalars follow the YAML 1.2 core schema (null, true/false, integers, floats, else a
 * string), quoted scalars are strings. Anchors, aliases, tags, duplicate keys and non-string
 * keys are refused: the document stays plain data. Usage: yaml2json IN.yaml > OUT.json */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

struct conv {
	yaml_parser_t parser;
	const char *path;
};

static int fail(const struct conv *c, const yaml_event_t *ev, const char *what)
{
	fprintf(stderr, "%s:%lu: %s\n", c->path, (unsigned long)ev->start_mark.line + 1, what);
	return -1;
}

static int matches(const char *pattern, const char *s)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
		return 0;
	int ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* A plain scalar by the core schema. */
static json_t *plain(const char *s)
{
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if (matches("^[-+]?[0-9]+$", s)) {
		errno = 0;
		long long v = strtoll(s, NULL, 10);
		return errno ? NULL : json_integer((json_int_t)v);
	}
	if (matches("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", s)) {
		double v = strtod(s, NULL);
		return isfinite(v) ? json_real(v) : NULL;
	}
	return json_string(s);
}

static int next(struct conv *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev)) {
		fprintf(stderr, "%s:%lu: %s\n", c->path,
			(unsigned long)c->parser.problem_mark.line + 1,
			c->parser.problem ? c->parser.problem : "YAML error");
		return -1;
	}
	return 0;
}

static json_t *node(struct conv *c, yaml_event_t *ev);

static json_t *mapping(struct conv *c)
{
	json_t *obj = json_object();
	for (;;) {
		yaml_event_t k;
		if (!obj || next(c, &k))
			break;
		if (k.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&k);
			return obj;
		}
		if (k.type != YAML_SCALAR_EVENT || k.data.scalar.tag) {
			fail(c, &k, "a key must be a plain string");
			yaml_event_delete(&k);
			break;
		}
		const char *key = (const char *)k.data.scalar.value;
		if (json_object_get(obj, key)) {
			fail(c, &k, "duplicate key");
			yaml_event_delete(&k);
			break;
		}
		yaml_event_t v;
		json_t *val = NULL;
		if (!next(c, &v)) {
			val = node(c, &v);
			yaml_event_delete(&v);
		}
		int bad = !val || json_object_set_new(obj, key, val);
		yaml_event_delete(&k);
		if (bad)
			break;
	}
	json_decref(obj);
	return NULL;
}

static json_t *sequence(struct conv *c)
{
	json_t *arr = json_array();
	for (;;) {
		yaml_event_t ev;
		if (!arr || next(c, &ev))
			break;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		json_t *val = node(c, &ev);
		yaml_event_delete(&ev);
		if (!val || json_array_append_new(arr, val))
			break;
	}
	json_decref(arr);
	return NULL;
}

/* The value that starts with ev (which the caller deletes). */
static json_t *node(struct conv *c, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		if (ev->data.scalar.anchor || ev->data.scalar.tag) {
			fail(c, ev, "anchors and tags are not used here");
			return NULL;
		}
		const char *s = (const char *)ev->data.scalar.value;
		json_t *v = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
				    ? plain(s)
				    : json_stringn(s, ev->data.scalar.length);
		if (!v)
			fail(c, ev, "not a value JSON can hold");
		return v;
	}
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor || ev->data.mapping_start.tag) {
			fail(c, ev, "anchors and tags are not used here");
			return NULL;
		}
		return mapping(c);
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor || ev->data.sequence_start.tag) {
			fail(c, ev, "anchors and tags are not used here");
			return NULL;
		}
		return sequence(c);
	case YAML_ALIAS_EVENT:
		fail(c, ev, "aliases are not used here");
		return NULL;
	default:
		fail(c, ev, "unexpected YAML event");
		return NULL;
	}
}

/* Exactly one document in the stream. */
static json_t *convert(struct conv *c)
{
	yaml_event_t ev;
	json_t *root = NULL;
	enum { WANT_STREAM, WANT_DOC, WANT_ROOT, WANT_DOC_END, WANT_STREAM_END, DONE } at = WANT_STREAM;
	while (at != DONE && !next(c, &ev)) {
		int ok = 0;
		switch (at) {
		case WANT_STREAM:
			ok = ev.type == YAML_STREAM_START_EVENT;
			break;
		case WANT_DOC:
			ok = ev.type == YAML_DOCUMENT_START_EVENT;
			break;
		case WANT_ROOT:
			ok = (root = node(c, &ev)) != NULL;
			break;
		case WANT_DOC_END:
			ok = ev.type == YAML_DOCUMENT_END_EVENT;
			break;
		case WANT_STREAM_END:
			ok = ev.type == YAML_STREAM_END_EVENT;
			if (!ok)
				fail(c, &ev, "one document only");
			break;
		case DONE:
			break;
		}
		if (!ok && at != WANT_ROOT && at != WANT_STREAM_END)
			fail(c, &ev, "not a YAML document");
		yaml_event_delete(&ev);
		if (!ok)
			break;
		at++;
	}
	if (at != DONE) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: yaml2json IN.yaml > OUT.json\n");
		return 2;
	}
	struct conv c = {.path = argv[1]};
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	if (!yaml_parser_initialize(&c.parser)) {
		fclose(f);
		return 1;
	}
	yaml_parser_set_input_file(&c.parser, f);
	json_t *root = convert(&c);
	yaml_parser_delete(&c.parser);
	fclose(f);
	if (!root)
		return 1;
	int rc = json_dumpf(root, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) || fflush(stdout);
	json_decref(root);
	return rc ? 1 : 0;
}
