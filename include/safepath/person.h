/* Persons (DESIGN.md §5): ordered name parts with roles, each in the original script and
 * romanised, because many naming systems have no family name; aliases; sex in clear for
 * statistics and gender identity sealed; a partial or estimated date of birth entered in the
 * calendar the document shows; nationalities (ZZ unknown, XXA stateless); languages; documents;
 * contacts; and safety information (need-to-know), family links among it.
 *
 * A decoded person lives in the caller's arena (strings included), so releasing the arena wipes
 * every personal value. The JSON form is the API body and the sealed profile's plaintext. */
#ifndef SAFEPATH_PERSON_H
#define SAFEPATH_PERSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/arena.h"
#include "safepath/codes.h"
#include "safepath/date.h"
#include "safepath/err.h"
#include "safepath/id.h"

/* Hard caps: a body over them is refused, not truncated. */
#define SP_PERSON_MAX_PARTS 12      /* name parts in one name */
#define SP_PERSON_MAX_ALIASES 8
#define SP_PERSON_MAX_LIST 8        /* nationalities, languages, documents, contacts */
#define SP_PERSON_MAX_TEXT 200      /* bytes of a name part, number, contact */
#define SP_PERSON_MAX_NOTE 2000     /* bytes of a safety text */
#define SP_PERSON_MAX_FAMILY 16     /* family links */

enum sp_name_role {
	SP_NAME_GIVEN,
	SP_NAME_FATHER,
	SP_NAME_GRANDFATHER,
	SP_NAME_FAMILY,
	SP_NAME_CLAN_LINEAGE,
	SP_NAME_OTHER,
	SP_NAME_ROLE_COUNT
};

/* Sex as recorded for statistics (clear column). HTCDS names in sp_sex_htcds. */
enum sp_sex { SP_SEX_UNKNOWN, SP_SEX_FEMALE, SP_SEX_MALE, SP_SEX_OTHER, SP_SEX_COUNT };

/* Gender identity (sealed), HTCDS prs_Gender picklist; NONE = not recorded. */
enum sp_gender {
	SP_GENDER_NONE,
	SP_GENDER_FEMININE,
	SP_GENDER_MASCULINE,
	SP_GENDER_TRANSGENDER_FEMININE,
	SP_GENDER_TRANSGENDER_MASCULINE,
	SP_GENDER_NON_CONFORMING,
	SP_GENDER_NON_SPECIFIED_UNKNOWN,
	SP_GENDER_COUNT
};

enum sp_doc_type {
	SP_DOC_PASSPORT,
	SP_DOC_NATIONAL_ID,
	SP_DOC_RESIDENCE_PERMIT,
	SP_DOC_TRAVEL_DOCUMENT,
	SP_DOC_BIRTH_CERTIFICATE,
	SP_DOC_OTHER,
	SP_DOC_TYPE_COUNT
};

enum sp_contact_kind {
	SP_CONTACT_PHONE,
	SP_CONTACT_EMAIL,
	SP_CONTACT_OTHER,
	SP_CONTACT_KIND_COUNT
};

struct sp_name_part {
	enum sp_name_role role;
	const char *original;          /* as written in the original script; may be NULL */
	char script[SP_CODE_MAX];      /* ISO 15924 of original ("Arab"); "" without original */
	const char *romanised;         /* Latin transcription; may be NULL (not both NULL) */
};

struct sp_name {
	struct sp_name_part *parts;
	size_t n_parts;
};

struct sp_document {
	enum sp_doc_type type;
	char country[SP_CODE_MAX];     /* issuing country, canonical */
	const char *number;
	/* Set for SP_DOC_OTHER: what the document is (free text, sealed with the rest). */
	const char *description;
};

struct sp_contact {
	enum sp_contact_kind kind;
	const char *value;
	const char *note;              /* e.g. "her sister's phone"; may be NULL */
};

/* A family link's relationship to the person (the small vocabulary issue 7's family tracing
 * will build on). */
enum sp_relationship {
	SP_REL_MOTHER,
	SP_REL_FATHER,
	SP_REL_SIBLING,
	SP_REL_GRANDPARENT,
	SP_REL_AUNT_UNCLE,
	SP_REL_SPOUSE,
	SP_REL_GUARDIAN,
	SP_REL_OTHER_RELATIVE,
	SP_REL_OTHER,
	SP_REL_COUNT
};

/* A family member as the person or the caseworker names them. Kept in the safety block: a
 * relative may be the one who exploits the person (suspected_exploiter), so who the family are
 * is need-to-know like the people to avoid. */
struct sp_family_link {
	enum sp_relationship relationship;
	const char *name;              /* required */
	bool suspected_exploiter;
	const char *note;              /* may be NULL */
};

/* Need-to-know: sealed apart from the profile, decrypted only when the policy grants it. */
struct sp_safety {
	const char *safe_contact;      /* safe ways and times to make contact */
	const char *never_use;         /* channels never to use */
	const char *people_to_avoid;   /* names, one a line or separated by ';' or ',' */
	struct sp_family_link *family;
	size_t n_family;
};

/* Where and when the person was separated from their family, as they or the caseworker tell
 * it (family tracing, issue 7): part of the sealed profile. */
struct sp_separation {
	const char *place;             /* may be NULL (not both absent) */
	bool has_date;
	struct sp_date date;           /* "YYYY", "YYYY-MM", "YYYY-MM-DD" or an interval */
};

struct sp_person {
	struct sp_name name;           /* at least one part */
	struct sp_name *aliases;
	size_t n_aliases;
	enum sp_sex sex;
	enum sp_gender gender_identity;
	bool has_birth;
	struct sp_date birth;          /* partial or estimated; the entered calendar is kept */
	char (*nationalities)[SP_CODE_MAX];
	size_t n_nationalities;
	char (*languages)[SP_CODE_MAX];
	size_t n_languages;
	struct sp_document *documents;
	size_t n_documents;
	struct sp_contact *contacts;
	size_t n_contacts;
	bool has_safety;
	struct sp_safety safety;
	bool has_separation;
	struct sp_separation separation;
};

/* Names of enumeration values ("given", "clan_lineage", "passport", ...); NULL if out of range.
 * sp_*_parse returns the value or -1. */
const char *sp_name_role_name(enum sp_name_role r);
int sp_name_role_parse(const char *s) SP_MUST;
const char *sp_sex_name(enum sp_sex s);
int sp_sex_parse(const char *s) SP_MUST;
const char *sp_sex_htcds(enum sp_sex s);    /* prs_Gender picklist word for exports */
const char *sp_gender_name(enum sp_gender g);
int sp_gender_parse(const char *s) SP_MUST;
const char *sp_doc_type_name(enum sp_doc_type t);
int sp_doc_type_parse(const char *s) SP_MUST;
const char *sp_contact_kind_name(enum sp_contact_kind k);
int sp_contact_kind_parse(const char *s) SP_MUST;
const char *sp_relationship_name(enum sp_relationship r);
int sp_relationship_parse(const char *s) SP_MUST;

/* Decode and validate a person object. Every string is copied into arena; codes are
 * canonicalised. Unknown members, wrong types, unknown codes and over-cap values fail with
 * SP_EINVAL and the JSON pointer of the bad member in err->field ("/names/2/role"). */
int sp_person_decode(json_t *j, struct sp_arena *arena, struct sp_person *out,
		     struct sp_err *err) SP_MUST;
/* The person as a new JSON object (NULL when out of memory). with_safety false leaves the
 * need-to-know safety member out. */
json_t *sp_person_encode(const struct sp_person *p, bool with_safety);

/* Name normalisation for exact search: NFKC, case fold, diacritics stripped (Arabic harakat,
 * Latin accents), tatweel and format characters removed, dashes and runs of white space made
 * one space, trimmed. Writes a NUL-terminated string into the arena; SP_EINVAL for invalid
 * UTF-8 or a value that normalises to nothing. */
int sp_person_name_key(const char *in, struct sp_arena *arena, const char **out,
		       struct sp_err *err) SP_MUST;

/* Does name match one of the people the safety block says to keep away from: an entry of
 * people_to_avoid (split on new lines, ';' and ','), or a family link flagged
 * suspected_exploiter? Names are compared as sets of tokens of their sp_person_name_key
 * (case, diacritics and white space folded; "Ali Hassan" matches "hassan ali"), and one set
 * inside the other matches too when the smaller holds at least two tokens. A stopgap until
 * issue 7's name matcher replaces it. SP_EINVAL when name normalises to nothing. */
int sp_safety_avoids(const struct sp_safety *s, const char *name, struct sp_arena *arena,
		     bool *match, struct sp_err *err) SP_MUST;

#endif
