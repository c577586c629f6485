/* casework/ internals shared by its files: enumeration tables, JSON field helpers, the name
 * and contact normalisers behind the blind indexes, and the interim date-of-birth codec. */
#ifndef SAFEPATH_CASEWORK_INTERNAL_H
#define SAFEPATH_CASEWORK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "safepath/arena.h"
#include "safepath/codes.h"
#include "safepath/err.h"
#include "safepath/person.h"

/* Name of value v in a table of n names (NULL out of range); index of s, or -1. */
const char *cw_enum_name(const char *const *names, int n, int v);
int cw_enum_parse(const char *const *names, int n, const char *s);

/* Put the array index in front of err's field path ("/role" -> "/2/role"). */
void cw_err_index(struct sp_err *err, size_t i);
/* Keep err's message and code, set its field; returns code. */
int cw_err_at(struct sp_err *err, int code, const char *field);

/* An optional or required string member copied into the arena: at most max bytes, not blank,
 * no control characters but tab and newline. Absent optional members leave *out NULL. */
int cw_get_text(json_t *obj, const char *key, bool required, size_t max, struct sp_arena *a,
		const char **out, struct sp_err *err) SP_MUST;

/* ISO 15924 code of the script most letters of s are written in ("Arab", "Ethi"). */
int cw_script_of(const char *s, char out[SP_CODE_MAX], struct sp_err *err) SP_MUST;

/* Shape checks; the values themselves are never logged or echoed. */
bool cw_phone_plausible(const char *s);
bool cw_email_plausible(const char *s);

/* Normalised forms fed to the blind indexes (written into the arena):
 * phone: digits only, a leading + kept, a leading 00 read as +;
 * email: trimmed, lower-cased;
 * document: "TYPE|COUNTRY|NUMBER" with the number upper-cased and only letters and digits. */
int cw_norm_phone(const char *s, struct sp_arena *a, const char **out) SP_MUST;
int cw_norm_email(const char *s, struct sp_arena *a, const char **out) SP_MUST;
int cw_norm_document(const struct sp_document *d, struct sp_arena *a, const char **out) SP_MUST;

/* Date of birth: the one place that knows how a birth date is written in JSON. */
int cw_birth_decode(json_t *person, struct sp_arena *a, struct sp_person *p,
		    struct sp_err *err) SP_MUST;
/* Add "date_of_birth" to obj when the person has one; nonzero when out of memory. */
int cw_birth_encode(const struct sp_person *p, json_t *obj);

#endif
