/* The error object: code, message and the field path of bad input. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "safepath/err.h"

static const char *const status_names[] = {
	[0] = "ok",
	[1] = "invalid",
	[2] = "out_of_memory",
	[3] = "not_found",
	[4] = "denied",
	[5] = "conflict",
	[6] = "busy",
	[7] = "unavailable",
	[8] = "outcome_unknown",
	[9] = "crypto",
	[10] = "io",
	[11] = "too_big",
	[12] = "internal",
	[13] = "injected_fault",
};

const char *sp_status_name(int code)
{
	int i = -code;
	if (i < 0 || (size_t)i >= sizeof status_names / sizeof status_names[0])
		return "unknown";
	return status_names[i];
}

int sp_err_set(struct sp_err *err, int code, const char *field, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	err->reason[0] = '\0';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void sp_err_clear(struct sp_err *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

void sp_err_prefix(struct sp_err *err, const char *segment)
{
	if (!err)
		return;
	char tmp[sizeof err->field * 2];
	int n = snprintf(tmp, sizeof tmp, "/%s%s", segment, err->field);
	if (n < 0 || (size_t)n >= sizeof err->field)
		return; /* keep the shorter, still true, path */
	memcpy(err->field, tmp, (size_t)n + 1);
}
