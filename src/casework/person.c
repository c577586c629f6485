/* The person object: enumeration tables, strict JSON decoding with field paths, encoding.
 * Decoding copies every value into the caller's arena and canonicalises codes, so what is
 * sealed is exactly what was validated. Errors name the field, never the value. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/person.h"

static const char *const role_names[SP_NAME_ROLE_COUNT] = {
	[SP_NAME_GIVEN] = "given",
	[SP_NAME_FATHER] = "father",
	[SP_NAME_GRANDFATHER] = "grandfather",
	[SP_NAME_FAMILY] = "family",
	[SP_NAME_CLAN_LINEAGE] = "clan_lineage",
	[SP_NAME_OTHER] = "other",
};

static const char *const sex_names[SP_SEX_COUNT] = {
	[SP_SEX_UNKNOWN] = "unknown",
	[SP_SEX_FEMALE] = "female",
	[SP_SEX_MALE] = "male",
	[SP_SEX_OTHER] = "other",
};

/* HTCDS prs_Gender words, used when exporting sex to HTCDS/CTDC-shaped files. */
static const char *const sex_htcds[SP_SEX_COUNT] = {
	[SP_SEX_UNKNOWN] = "NonSpecifiedUnknown",
	[SP_SEX_FEMALE] = "Feminine",
	[SP_SEX_MALE] = "Masculine",
	[SP_SEX_OTHER] = "NonConforming",
};

static const char *const gender_names[SP_GENDER_COUNT] = {
	[SP_GENDER_NONE] = "none",
	[SP_GENDER_FEMININE] = "feminine",
	[SP_GENDER_MASCULINE] = "masculine",
	[SP_GENDER_TRANSGENDER_FEMININE] = "transgender_feminine",
	[SP_GENDER_TRANSGENDER_MASCULINE] = "transgender_masculine",
	[SP_GENDER_NON_CONFORMING] = "non_conforming",
	[SP_GENDER_NON_SPECIFIED_UNKNOWN] = "non_specified_unknown",
};

static const char *const doc_names[SP_DOC_TYPE_COUNT] = {
	[SP_DOC_PASSPORT] = "passport",
	[SP_DOC_NATIONAL_ID] = "national_id",
	[SP_DOC_RESIDENCE_PERMIT] = "residence_permit",
	[SP_DOC_TRAVEL_DOCUMENT] = "travel_document",
	[SP_DOC_BIRTH_CERTIFICATE] = "birth_certificate",
	[SP_DOC_OTHER] = "other",
};

static const char *const contact_names[SP_CONTACT_KIND_COUNT] = {
	[SP_CONTACT_PHONE] = "phone",
	[SP_CONTACT_EMAIL] = "email",
	[SP_CONTACT_OTHER] = "other",
};

static const char *const relationship_names[SP_REL_COUNT] = {
	[SP_REL_MOTHER] = "mother",
	[SP_REL_FATHER] = "father",
	[SP_REL_SIBLING] = "sibling",
	[SP_REL_GRANDPARENT] = "grandparent",
	[SP_REL_AUNT_UNCLE] = "aunt_uncle",
	[SP_REL_SPOUSE] = "spouse",
	[SP_REL_GUARDIAN] = "guardian",
	[SP_REL_OTHER_RELATIVE] = "other_relative",
	[SP_REL_OTHER] = "other",
};

const char *sp_name_role_name(enum sp_name_role r)
{
	return sp_name_of(role_names, SP_NAME_ROLE_COUNT, (int)r);
}
int sp_name_role_parse(const char *s)
{
	return sp_name_index(role_names, SP_NAME_ROLE_COUNT, s);
}
const char *sp_sex_name(enum sp_sex s)
{
	return sp_name_of(sex_names, SP_SEX_COUNT, (int)s);
}
int sp_sex_parse(const char *s)
{
	return sp_name_index(sex_names, SP_SEX_COUNT, s);
}
const char *sp_sex_htcds(enum sp_sex s)
{
	return sp_name_of(sex_htcds, SP_SEX_COUNT, (int)s);
}
const char *sp_gender_name(enum sp_gender g)
{
	return sp_name_of(gender_names, SP_GENDER_COUNT, (int)g);
}
int sp_gender_parse(const char *s)
{
	return sp_name_index(gender_names, SP_GENDER_COUNT, s);
}
const char *sp_doc_type_name(enum sp_doc_type t)
{
	return sp_name_of(doc_names, SP_DOC_TYPE_COUNT, (int)t);
}
int sp_doc_type_parse(const char *s)
{
	return sp_name_index(doc_names, SP_DOC_TYPE_COUNT, s);
}
const char *sp_contact_kind_name(enum sp_contact_kind k)
{
	return sp_name_of(contact_names, SP_CONTACT_KIND_COUNT, (int)k);
}
int sp_contact_kind_parse(const char *s)
{
	return sp_name_index(contact_names, SP_CONTACT_KIND_COUNT, s);
}
const char *sp_relationship_name(enum sp_relationship r)
{
	return sp_name_of(relationship_names, SP_REL_COUNT, (int)r);
}
int sp_relationship_parse(const char *s)
{
	return sp_name_index(relationship_names, SP_REL_COUNT, s);
}

/* --- decoding -------------------------------------------------------------------------- */

static int decode_part(json_t *j, struct sp_arena *a, struct sp_name_part *out, struct sp_err *err)
{
	static const char *const keys[] = {"role", "original", "script", "romanised", NULL};
	int r = 0;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = cw_get_enum(j, "role", true, sp_name_role_parse, "role", &r, err);
	if (rc)
		return rc;
	out->role = (enum sp_name_role)r;
	if ((rc = cw_get_text(j, "original", false, SP_PERSON_MAX_TEXT, a, &out->original, err)) ||
	    (rc = cw_get_text(j, "romanised", false, SP_PERSON_MAX_TEXT, a, &out->romanised, err)))
		return rc;
	if (!out->original && !out->romanised)
		return sp_err_set(err, SP_EINVAL, "/original", "needs original or romanised");
	const char *script = NULL;
	rc = sp_json_get_str(j, "script", false, &script, err);
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	if (script && !out->original)
		return sp_err_set(err, SP_EINVAL, "/script", "only with original");
	if (script) {
		if ((rc = sp_script_code(script, out->script, err)))
			return cw_err_at(err, rc, "/script");
	} else if (out->original) {
		/* The writing system of the text itself ("Arab", "Ethi"), when not given. */
		if ((rc = cw_script_of(out->original, out->script, err)))
			return cw_err_at(err, rc, "/original");
	}
	return SP_OK;
}

static int decode_name(json_t *arr, struct sp_arena *a, struct sp_name *out, struct sp_err *err)
{
	if (!json_is_array(arr))
		return sp_err_set(err, SP_EINVAL, "", "must be an array");
	size_t n = json_array_size(arr);
	if (n == 0)
		return sp_err_set(err, SP_EINVAL, "", "needs at least one name part");
	if (n > SP_PERSON_MAX_PARTS)
		return sp_err_set(err, SP_ETOOBIG, "", "more than %d name parts",
				  SP_PERSON_MAX_PARTS);
	out->parts = sp_arena_alloc(a, n * sizeof *out->parts);
	if (!out->parts)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < n; i++) {
		int rc = decode_part(json_array_get(arr, i), a, &out->parts[i], err);
		if (rc) {
			cw_err_index(err, i);
			return rc;
		}
	}
	out->n_parts = n;
	return SP_OK;
}

/* An optional array member; *arr NULL when absent. Caps the length. */
static int get_array(json_t *obj, const char *key, size_t max, json_t **arr, struct sp_err *err)
{
	json_t *v = json_object_get(obj, key);
	*arr = NULL;
	if (!v || json_is_null(v))
		return SP_OK;
	char path[64];
	snprintf(path, sizeof path, "/%s", key);
	if (!json_is_array(v))
		return sp_err_set(err, SP_EINVAL, path, "must be an array");
	if (json_array_size(v) > max)
		return sp_err_set(err, SP_ETOOBIG, path, "more than %zu entries", max);
	*arr = v;
	return SP_OK;
}

typedef int (*code_fn)(const char *, char[SP_CODE_MAX], struct sp_err *);

static int decode_codes(json_t *obj, const char *key, code_fn check, struct sp_arena *a,
			char (**out)[SP_CODE_MAX], size_t *n_out, struct sp_err *err)
{
	json_t *arr;
	int rc = get_array(obj, key, SP_PERSON_MAX_LIST, &arr, err);
	if (rc || !arr)
		return rc;
	size_t n = json_array_size(arr);
	char(*codes)[SP_CODE_MAX] = sp_arena_alloc(a, (n ? n : 1) * sizeof *codes);
	if (!codes)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		rc = s ? check(s, codes[i], err)
		       : sp_err_set(err, SP_EINVAL, "", "must be a string");
		for (size_t k = 0; !rc && k < i; k++)
			if (strcmp(codes[k], codes[i]) == 0)
				rc = sp_err_set(err, SP_EINVAL, "", "duplicate code");
		if (rc) {
			err->field[0] = '\0';
			cw_err_index(err, i);
			sp_err_prefix(err, key);
			return rc;
		}
	}
	*out = codes;
	*n_out = n;
	return SP_OK;
}

static int decode_document(json_t *j, struct sp_arena *a, struct sp_document *d, struct sp_err *err)
{
	static const char *const keys[] = {"type", "country", "number", "description", NULL};
	const char *s;
	int t = 0;
	int rc = sp_json_only_keys(j, keys, err);
	if (rc || (rc = cw_get_enum(j, "type", true, sp_doc_type_parse, "document type", &t, err)))
		return rc;
	d->type = (enum sp_doc_type)t;
	if ((rc = sp_json_get_str(j, "country", true, &s, err)))
		return rc;
	if ((rc = sp_country_code(s, d->country, err)))
		return cw_err_at(err, rc, "/country");
	if ((rc = cw_get_text(j, "number", true, SP_PERSON_MAX_TEXT, a, &d->number, err)) ||
	    (rc = cw_get_text(j, "description", false, SP_PERSON_MAX_TEXT, a, &d->description,
			      err)))
		return rc;
	return SP_OK;
}

static int decode_contact(json_t *j, struct sp_arena *a, struct sp_contact *c, struct sp_err *err)
{
	static const char *const keys[] = {"kind", "value", "note", NULL};
	int k = 0;
	int rc = sp_json_only_keys(j, keys, err);
	if (rc ||
	    (rc = cw_get_enum(j, "kind", true, sp_contact_kind_parse, "contact kind", &k, err)))
		return rc;
	c->kind = (enum sp_contact_kind)k;
	if ((rc = cw_get_text(j, "value", true, SP_PERSON_MAX_TEXT, a, &c->value, err)) ||
	    (rc = cw_get_text(j, "note", false, SP_PERSON_MAX_TEXT, a, &c->note, err)))
		return rc;
	if (c->kind == SP_CONTACT_PHONE && !cw_phone_plausible(c->value))
		return sp_err_set(err, SP_EINVAL, "/value", "is not a phone number");
	if (c->kind == SP_CONTACT_EMAIL && !cw_email_plausible(c->value))
		return sp_err_set(err, SP_EINVAL, "/value", "is not an email address");
	return SP_OK;
}

/* Decode each element of an optional array member with fn, into elements of size sz. */
static int decode_list(json_t *obj, const char *key, size_t max, size_t sz, struct sp_arena *a,
		       int (*fn)(json_t *, struct sp_arena *, void *, struct sp_err *), void **out,
		       size_t *n_out, struct sp_err *err)
{
	json_t *arr;
	int rc = get_array(obj, key, max, &arr, err);
	if (rc || !arr)
		return rc;
	size_t n = json_array_size(arr);
	unsigned char *items = sp_arena_alloc(a, (n ? n : 1) * sz);
	if (!items)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		rc = json_is_object(e) ? fn(e, a, items + i * sz, err)
				       : sp_err_set(err, SP_EINVAL, "", "must be an object");
		if (rc) {
			cw_err_index(err, i);
			sp_err_prefix(err, key);
			return rc;
		}
	}
	*out = items;
	*n_out = n;
	return SP_OK;
}

static int decode_family(json_t *j, struct sp_arena *a, struct sp_family_link *f,
			 struct sp_err *err)
{
	static const char *const keys[] = {"relationship", "name", "suspected_exploiter", "note",
					   NULL};
	int r = 0;
	int rc = sp_json_only_keys(j, keys, err);
	if (rc || (rc = cw_get_enum(j, "relationship", true, sp_relationship_parse,
				    "relationship", &r, err)))
		return rc;
	f->relationship = (enum sp_relationship)r;
	if ((rc = cw_get_text(j, "name", true, SP_PERSON_MAX_TEXT, a, &f->name, err)) ||
	    (rc = cw_get_text(j, "note", false, SP_PERSON_MAX_TEXT, a, &f->note, err)))
		return rc;
	rc = sp_json_get_bool(j, "suspected_exploiter", false, &f->suspected_exploiter, err);
	return rc == SP_ENOTFOUND ? SP_OK : rc;
}

static int family_fn(json_t *j, struct sp_arena *a, void *out, struct sp_err *err)
{
	return decode_family(j, a, out, err);
}

static int document_fn(json_t *j, struct sp_arena *a, void *out, struct sp_err *err)
{
	return decode_document(j, a, out, err);
}

static int contact_fn(json_t *j, struct sp_arena *a, void *out, struct sp_err *err)
{
	return decode_contact(j, a, out, err);
}

/* The required "names" member of a person or an alias. */
static int decode_names(json_t *obj, struct sp_arena *a, struct sp_name *out, struct sp_err *err)
{
	json_t *names = json_object_get(obj, "names");
	if (!names)
		return sp_err_set(err, SP_EINVAL, "/names", "is required");
	int rc = decode_name(names, a, out, err);
	if (rc)
		sp_err_prefix(err, "names");
	return rc;
}

static int alias_fn(json_t *j, struct sp_arena *a, void *out, struct sp_err *err)
{
	static const char *const keys[] = {"names", NULL};
	int rc = sp_json_only_keys(j, keys, err);
	return rc ? rc : decode_names(j, a, out, err);
}

static int decode_safety(json_t *obj, struct sp_arena *a, struct sp_person *p, struct sp_err *err)
{
	json_t *j = json_object_get(obj, "safety");
	if (!j || json_is_null(j))
		return SP_OK;
	static const char *const keys[] = {"safe_contact", "never_use", "people_to_avoid",
					   "family", NULL};
	void *family = NULL;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = cw_get_text(j, "safe_contact", false, SP_PERSON_MAX_NOTE, a,
				 &p->safety.safe_contact, err);
	if (!rc)
		rc = cw_get_text(j, "never_use", false, SP_PERSON_MAX_NOTE, a, &p->safety.never_use,
				 err);
	if (!rc)
		rc = cw_get_text(j, "people_to_avoid", false, SP_PERSON_MAX_NOTE, a,
				 &p->safety.people_to_avoid, err);
	if (!rc)
		rc = decode_list(j, "family", SP_PERSON_MAX_FAMILY, sizeof(struct sp_family_link), a,
				 family_fn, &family, &p->safety.n_family, err);
	if (rc) {
		sp_err_prefix(err, "safety");
		return rc;
	}
	p->safety.family = family;
	/* a family list sent, even empty, is a safety block: removing the last link clears it */
	p->has_safety = p->safety.safe_contact || p->safety.never_use ||
			p->safety.people_to_avoid || json_is_array(json_object_get(j, "family"));
	return SP_OK;
}

/* The optional "separation": {"place", "date"}, at least one of them. */
static int decode_separation(json_t *obj, struct sp_arena *a, struct sp_person *p,
			     struct sp_err *err)
{
	json_t *j = json_object_get(obj, "separation");
	if (!j || json_is_null(j))
		return SP_OK;
	static const char *const keys[] = {"place", "date", NULL};
	const char *date = NULL;
	int rc = json_is_object(j) ? sp_json_only_keys(j, keys, err)
				   : sp_err_set(err, SP_EINVAL, "", "must be an object");
	if (!rc)
		rc = cw_get_text(j, "place", false, SP_PERSON_MAX_TEXT, a, &p->separation.place,
				 err);
	if (!rc && (rc = sp_json_get_str(j, "date", false, &date, err)) == SP_ENOTFOUND)
		rc = SP_OK;
	if (!rc && date && (rc = sp_date_parse_iso(date, &p->separation.date, err)))
		rc = cw_err_at(err, rc, "/date");
	if (!rc && !date && !p->separation.place)
		rc = sp_err_set(err, SP_EINVAL, "", "needs a place or a date");
	if (rc) {
		sp_err_prefix(err, "separation");
		return rc;
	}
	p->separation.has_date = date != NULL;
	p->has_separation = true;
	return SP_OK;
}

int sp_person_decode(json_t *j, struct sp_arena *arena, struct sp_person *out, struct sp_err *err)
{
	static const char *const keys[] = {
		"names",         "aliases",       "sex",       "gender_identity",
		"date_of_birth", "nationalities", "languages", "documents",
		"contacts",      "safety",        "separation", NULL};
	memset(out, 0, sizeof *out);
	int rc = sp_json_only_keys(j, keys, err);
	if (rc)
		return rc;
	if ((rc = decode_names(j, arena, &out->name, err)))
		return rc;
	void *items = NULL;
	if ((rc = decode_list(j, "aliases", SP_PERSON_MAX_ALIASES, sizeof(struct sp_name), arena,
			      alias_fn, &items, &out->n_aliases, err)))
		return rc;
	out->aliases = items;
	int v = SP_SEX_UNKNOWN;
	if ((rc = cw_get_enum(j, "sex", false, sp_sex_parse, "sex", &v, err)))
		return rc;
	out->sex = (enum sp_sex)v;
	v = SP_GENDER_NONE;
	if ((rc = cw_get_enum(j, "gender_identity", false, sp_gender_parse, "gender identity", &v,
			       err)))
		return rc;
	if (v == SP_GENDER_NONE && json_object_get(j, "gender_identity") &&
	    !json_is_null(json_object_get(j, "gender_identity")))
		return sp_err_set(err, SP_EINVAL, "/gender_identity", "unknown gender identity");
	out->gender_identity = (enum sp_gender)v;
	if ((rc = cw_birth_decode(j, arena, out, err)))
		return rc;
	if ((rc = decode_codes(j, "nationalities", sp_country_code, arena, &out->nationalities,
			       &out->n_nationalities, err)) ||
	    (rc = decode_codes(j, "languages", sp_language_code, arena, &out->languages,
			       &out->n_languages, err)))
		return rc;
	items = NULL;
	if ((rc = decode_list(j, "documents", SP_PERSON_MAX_LIST, sizeof(struct sp_document), arena,
			      document_fn, &items, &out->n_documents, err)))
		return rc;
	out->documents = items;
	items = NULL;
	if ((rc = decode_list(j, "contacts", SP_PERSON_MAX_LIST, sizeof(struct sp_contact), arena,
			      contact_fn, &items, &out->n_contacts, err)))
		return rc;
	out->contacts = items;
	if ((rc = decode_separation(j, arena, out, err)))
		return rc;
	return decode_safety(j, arena, out, err);
}

/* --- encoding -------------------------------------------------------------------------- */

/* Set key to a new string (skipped when s is NULL); returns nonzero on failure. */
static int put_str(json_t *obj, const char *key, const char *s)
{
	return s ? json_object_set_new(obj, key, json_string(s)) : 0;
}

static json_t *encode_name(const struct sp_name *n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n->n_parts; i++) {
		const struct sp_name_part *p = &n->parts[i];
		json_t *o = json_object();
		if (!o || put_str(o, "role", sp_name_role_name(p->role)) ||
		    put_str(o, "original", p->original) ||
		    put_str(o, "script", p->script[0] ? p->script : NULL) ||
		    put_str(o, "romanised", p->romanised) || json_array_append_new(arr, o)) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *encode_codes(char (*codes)[SP_CODE_MAX], size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(codes[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *sp_person_encode(const struct sp_person *p, bool with_safety)
{
	json_t *o = json_object();
	json_t *aliases = json_array(), *docs = json_array(), *contacts = json_array();
	int bad = !o || !aliases || !docs || !contacts;
	for (size_t i = 0; !bad && i < p->n_aliases; i++) {
		json_t *a = json_object();
		bad = !a || json_object_set_new(a, "names", encode_name(&p->aliases[i])) ||
		      json_array_append_new(aliases, a);
	}
	for (size_t i = 0; !bad && i < p->n_documents; i++) {
		const struct sp_document *d = &p->documents[i];
		json_t *e = json_object();
		bad = !e || put_str(e, "type", sp_doc_type_name(d->type)) ||
		      put_str(e, "country", d->country) || put_str(e, "number", d->number) ||
		      put_str(e, "description", d->description) || json_array_append_new(docs, e);
	}
	for (size_t i = 0; !bad && i < p->n_contacts; i++) {
		const struct sp_contact *c = &p->contacts[i];
		json_t *e = json_object();
		bad = !e || put_str(e, "kind", sp_contact_kind_name(c->kind)) ||
		      put_str(e, "value", c->value) || put_str(e, "note", c->note) ||
		      json_array_append_new(contacts, e);
	}
	if (!bad)
		bad = json_object_set_new(o, "names", encode_name(&p->name)) ||
		      put_str(o, "sex", sp_sex_name(p->sex)) ||
		      json_object_set_new(o, "nationalities",
					  encode_codes(p->nationalities, p->n_nationalities)) ||
		      json_object_set_new(o, "languages",
					  encode_codes(p->languages, p->n_languages));
	if (!bad && p->gender_identity != SP_GENDER_NONE)
		bad = put_str(o, "gender_identity", sp_gender_name(p->gender_identity));
	if (!bad && p->n_aliases)
		bad = json_object_set(o, "aliases", aliases);
	if (!bad && p->n_documents)
		bad = json_object_set(o, "documents", docs);
	if (!bad && p->n_contacts)
		bad = json_object_set(o, "contacts", contacts);
	if (!bad)
		bad = cw_birth_encode(p, o);
	if (!bad && p->has_separation) {
		json_t *sep = json_object();
		char iso[SP_DATE_ISO_SIZE];
		if (p->separation.has_date)
			sp_date_format_iso(&p->separation.date, iso);
		bad = !sep || put_str(sep, "place", p->separation.place) ||
		      put_str(sep, "date", p->separation.has_date ? iso : NULL) ||
		      json_object_set_new(o, "separation", sep);
	}
	if (!bad && with_safety && p->has_safety) {
		json_t *s = json_object();
		bad = !s || put_str(s, "safe_contact", p->safety.safe_contact) ||
		      put_str(s, "never_use", p->safety.never_use) ||
		      put_str(s, "people_to_avoid", p->safety.people_to_avoid) ||
		      json_object_set_new(o, "safety", s);
		json_t *family = bad || !p->safety.n_family ? NULL : json_array();
		for (size_t i = 0; family && !bad && i < p->safety.n_family; i++) {
			const struct sp_family_link *f = &p->safety.family[i];
			json_t *e = json_pack("{s:s, s:s, s:b}", "relationship",
					      sp_relationship_name(f->relationship), "name",
					      f->name, "suspected_exploiter", f->suspected_exploiter);
			bad = !e || put_str(e, "note", f->note) || json_array_append_new(family, e);
		}
		if (!bad && p->safety.n_family)
			bad = !family || json_object_set_new(s, "family", family);
		else
			json_decref(family);
	}
	json_decref(aliases);
	json_decref(docs);
	json_decref(contacts);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
