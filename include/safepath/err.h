/* Status codes and the error object every fallible library function fills.
 * A function returns 0 or a negative SP_E* code; the detail (message, field path of a
 * validation error) goes in a caller-owned struct sp_err. Messages never hold personal values. */
#ifndef SAFEPATH_ERR_H
#define SAFEPATH_ERR_H

#include <stddef.h>

#define SP_MUST __attribute__((warn_unused_result))
#define SP_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum sp_status {
	SP_OK = 0,
	SP_EINVAL = -1,    /* bad input: the field path says where */
	SP_ENOMEM = -2,
	SP_ENOTFOUND = -3,
	SP_EDENIED = -4,   /* the policy said no */
	SP_ECONFLICT = -5, /* constraint, duplicate, stale version */
	SP_EBUSY = -6,     /* store busy: retry */
	SP_EUNAVAIL = -7,  /* store or service unavailable */
	SP_EUNKNOWN = -8,  /* outcome unknown (commit may or may not have happened) */
	SP_ECRYPTO = -9,   /* authentication failed, wrong key */
	SP_EIO = -10,
	SP_ETOOBIG = -11,  /* over a hard size cap */
	SP_EINTERNAL = -12,
	SP_EFAULT = -13,   /* injected fault (tests) */
};

struct sp_err {
	int code;
	char field[128];   /* JSON pointer or option name of the bad input, "" if none */
	char msg[256];
	char reason[32];   /* a machine-readable reason code (a policy refusal's: "firewall"),
			    * "" if none; sp_err_set clears it */
};

/* Name of a status code ("EINVAL" -> "invalid"), never NULL. */
const char *sp_status_name(int code);

/* Fill err (if not NULL) and return code, so callers write `return sp_err_set(...)`. */
int sp_err_set(struct sp_err *err, int code, const char *field, const char *fmt, ...)
	SP_PRINTF(4, 5);
void sp_err_clear(struct sp_err *err);
/* Prefix err->field with a path segment: "name" + "/0/given" -> "/name/0/given". */
void sp_err_prefix(struct sp_err *err, const char *segment);

#endif
